// Helper for tst_firstconnections: THREADS threads make their first database connection at the
// same moment (released together), close it, and the process exits. Qt 6.4 can hang forever
// at exit after such a start (see Database::initializeDrivers()); the test runs this many times
// and requires every run to end.
//
//   first_open_race URL THREADS

#include "core/database.h"
#include "core/databaseconfig.h"

#include <QCoreApplication>
#include <QThread>

#include <atomic>
#include <cstdio>
#include <memory>
#include <vector>

using namespace ViralSpot;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 3) {
        std::fprintf(stderr, "usage: first_open_race URL THREADS\n");
        return 64;
    }
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(args[1]);
    const DatabaseConfig &config = parsed.value;
    const int threads = args[2].toInt();
    if (!parsed.ok || threads < 1) {
        std::fprintf(stderr, "bad arguments: %s\n", qPrintable(parsed.error));
        return 64;
    }

    std::atomic_int ready { 0 };
    std::atomic_int failures { 0 };
    std::vector<std::unique_ptr<QThread>> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back(QThread::create([&, t] {
            ready.fetch_add(1);
            // All start their first connection together: each waits for the others, yielding its
            // core (four processes of eight threads share two cores in the suite; a pure spin
            // kept the last threads from starting for whole time slices).
            while (ready.load() < threads)
                QThread::yieldCurrentThread();
            const QString name = QStringLiteral("race-%1").arg(t);
            if (const QString why = Database::open(config, name).error; !why.isEmpty()) {
                std::fprintf(stderr, "open failed: %s\n", qPrintable(why));
                failures.fetch_add(1);
            }
            Database::close(name);
        }));
    }
    for (const auto &worker : workers)
        worker->start();
    for (const auto &worker : workers)
        worker->wait();
    return failures.load() == 0 ? 0 : 1;
}
