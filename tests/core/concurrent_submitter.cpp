// Test helper: THREADS threads, each with its own connection, submit the usernames read from
// standard input (one per line) in shuffled batches of BATCH. Prints "Q <username>" for every
// queued outcome, "E <message>" for every error, then "DONE <requests>".
// Usage: concurrent_submitter DATABASE_URL THREADS BATCH SEED < usernames

#include "core/databaseconfig.h"
#include "core/requestservice.h"

#include <QCoreApplication>
#include <QFile>
#include <QMutex>
#include <QRandomGenerator>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace ViralSpot;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 5) {
        std::fprintf(stderr, "usage: concurrent_submitter URL THREADS BATCH SEED < usernames\n");
        return 64;
    }
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(args[1]);
    if (!parsed.ok) {
        std::fprintf(stderr, "%s\n", qPrintable(parsed.error));
        return 64;
    }
    const DatabaseConfig &config = parsed.value;
    const int threads = args[2].toInt();
    const int batch = std::max(1, args[3].toInt());
    const unsigned seed = args[4].toUInt();

    QFile in;
    in.open(stdin, QIODevice::ReadOnly);
    const QStringList usernames =
        QString::fromUtf8(in.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);

    QMutex outputMutex;
    QStringList output;
    QList<QThread *> workers;
    for (int t = 0; t < threads; ++t) {
        workers.append(QThread::create([&, t] {
            QStringList order = usernames;
            std::mt19937 rng(seed * 1000 + unsigned(t));
            std::shuffle(order.begin(), order.end(), rng);
            RequestService service(config);
            QStringList lines;
            for (int start = 0; start < order.size(); start += batch) {
                QList<RequestItem> items;
                for (int i = start; i < std::min<int>(start + batch, order.size()); ++i)
                    items.append({ order[i], QStringLiteral("concurrency") });
                for (const RequestResult &r : service.requestItems(items)) {
                    if (r.outcome == Outcome::Queued)
                        lines << QStringLiteral("Q ") + r.username;
                    else if (r.outcome != Outcome::AlreadyQueued)
                        lines << QStringLiteral("E ") + outcomeName(r.outcome) + QLatin1Char(' ') +
                                r.message;
                }
            }
            QMutexLocker lock(&outputMutex);
            output << lines;
        }));
    }
    for (QThread *w : workers)
        w->start();
    for (QThread *w : workers) {
        w->wait();
        delete w;
    }
    QTextStream out(stdout);
    for (const QString &line : output)
        out << line << '\n';
    out << "DONE " << threads * usernames.size() << '\n';
    return 0;
}
