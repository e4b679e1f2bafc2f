// Benchmark (not a test): how long a change committed by another connection takes to reach
// ChangeWatcher::changed() (the signal the window's queue views refresh on). Median and p99
// over N changes, each committed at a random moment at least an interval after the last
// changed() (so that the coalescing never holds one back and a poll's phase is random).
//   bench_changes --database URL [--changes 1000] [--interval-ms 1000] [--poll] [--idle-ms N]
// PostgreSQL pushes (LISTEN/NOTIFY); --poll forces polling as through a transaction pooler
// (pool_mode=transaction; give the pooler's URL to go through one). SQLite always polls
// (PRAGMA data_version). --idle-ms first counts the changed() told while nothing is written
// for that long (each one a re-read of the views for nothing).

#include "core/changes/changewatcher.h"
#include "core/database.h"
#include "core/databasethread.h"
#include "core/schema.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>
#include <cstdio>
#include <functional>

using namespace ViralSpot;

namespace {

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    }
    return true;
}

void wait(int ms)
{
    waitFor([] { return false; }, ms);
}

double percentile(QList<double> values, double p)
{
    std::sort(values.begin(), values.end());
    const qsizetype at = qMin(values.size() - 1, qsizetype(p * double(values.size())));
    return values.at(at);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(
        { QStringLiteral("database"), QStringLiteral("Database URL."), QStringLiteral("url") });
    parser.addOption({ QStringLiteral("changes"), QStringLiteral("Changes to time."),
        QStringLiteral("n"), QStringLiteral("1000") });
    parser.addOption({ QStringLiteral("interval-ms"), QStringLiteral("The watcher's interval."),
        QStringLiteral("ms"), QStringLiteral("1000") });
    parser.addOption({ QStringLiteral("poll"),
        QStringLiteral("PostgreSQL: poll as through a transaction pooler.") });
    parser.addOption({ QStringLiteral("idle-ms"),
        QStringLiteral("First count changed() over this long with no writes."),
        QStringLiteral("ms"), QStringLiteral("0") });
    parser.process(app);

    const ValueResult<DatabaseConfig> parsed =
        DatabaseConfig::fromUrl(parser.value(QStringLiteral("database")));
    if (!parsed.ok || !parsed.value.isValid()) {
        std::fprintf(stderr, "bench_changes: %s\n", qPrintable(parsed.error));
        return 64;
    }
    DatabaseConfig config = parsed.value;
    if (parser.isSet(QStringLiteral("poll")))
        config.setOption(QStringLiteral("pool_mode"), QStringLiteral("transaction"));
    const int changes = parser.value(QStringLiteral("changes")).toInt();
    const int interval = parser.value(QStringLiteral("interval-ms")).toInt();
    const int idleMs = parser.value(QStringLiteral("idle-ms")).toInt();

    // The writer: another connection, as a worker or another instance would be.
    const ValueResult<QSqlDatabase> opened = Database::open(config, QStringLiteral("bench_writer"));
    if (!opened.ok) {
        std::fprintf(stderr, "bench_changes: %s\n", qPrintable(opened.error));
        return 1;
    }
    QSqlDatabase writer = opened.value;
    const Schema::MigrationResult migrated = Schema::migrate(writer);
    if (!migrated.ok) {
        std::fprintf(stderr, "bench_changes: %s\n", qPrintable(migrated.error));
        return 1;
    }
    const bool postgres = Database::isPostgres(writer);

    auto thread = std::make_shared<DatabaseThread>(config, QStringLiteral("bench-watcher"));
    ChangeWatcher watcher(thread);
    QElapsedTimer clock;
    clock.start();
    qint64 toldAt = -1;
    QObject::connect(
        &watcher, &ChangeWatcher::changed, &app, [&] { toldAt = clock.nsecsElapsed(); });
    watcher.setInterval(interval);
    const ChangeWatcher::Mode expected =
        watcher.canPush() ? ChangeWatcher::Mode::Push : ChangeWatcher::Mode::Poll;
    if (!waitFor([&] { return watcher.mode() == expected && watcher.checksRun() >= 2; }, 15000)) {
        std::fprintf(stderr, "bench_changes: the watcher did not start\n");
        return 1;
    }
    wait(interval * 2);

    if (idleMs > 0) {
        int told = 0;
        const int checksBefore = watcher.checksRun();
        const QMetaObject::Connection counting =
            QObject::connect(&watcher, &ChangeWatcher::changed, &app, [&told] { ++told; });
        wait(idleMs);
        QObject::disconnect(counting);
        std::printf("idle %d ms: %d changed() (views read again), %d checks\n", idleMs, told,
            watcher.checksRun() - checksBefore);
    }

    QList<double> latencies;
    int missed = 0;
    QSqlQuery q(writer);
    for (int i = 0; i < changes; ++i) {
        // A random moment, at least an interval after the last changed().
        wait(interval + int(QRandomGenerator::global()->bounded(qMax(1, interval))));
        toldAt = -1;
        const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const QString sql = postgres
            ? QStringLiteral("INSERT INTO queue (username, source, request_id) VALUES "
                             "('bench_%1', 'bench', 'bench-%1')")
                  .arg(id)
            : QStringLiteral("INSERT INTO queue (id, username, source, request_id) VALUES "
                             "('%1', 'bench_%1', 'bench', 'bench-%1')")
                  .arg(id);
        if (!q.exec(sql)) {
            std::fprintf(stderr, "bench_changes: %s\n", qPrintable(q.lastError().text()));
            return 1;
        }
        const qint64 committed = clock.nsecsElapsed();
        if (!waitFor([&] { return toldAt >= 0; }, interval * 3 + 5000)) {
            ++missed;
            continue;
        }
        latencies << double(toldAt - committed) / 1e6;
    }
    const char *mode = watcher.mode() == ChangeWatcher::Mode::Push ? "push" : "poll";
    std::printf("%s %s interval %d ms: %lld changes, median %.2f ms, p99 %.1f ms, max %.1f ms, "
                "missed %d, checks %d\n",
        qPrintable(config.engineName()), mode, interval, qlonglong(latencies.size()),
        latencies.isEmpty() ? 0.0 : percentile(latencies, 0.5),
        latencies.isEmpty() ? 0.0 : percentile(latencies, 0.99),
        latencies.isEmpty() ? 0.0 : percentile(latencies, 1.0), missed, watcher.checksRun());
    q = QSqlQuery();
    writer = QSqlDatabase();
    Database::close(QStringLiteral("bench_writer"));
    return missed == 0 ? 0 : 1;
}
