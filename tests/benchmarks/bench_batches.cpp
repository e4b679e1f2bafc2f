// Benchmark (not a test): the Batches tab's refreshes on a big queue, through the core calls the
// tab makes (core/batches/batches.h), timed over N runs (median, p90, max), then the process's
// peak memory.
//   bench_batches --database URL [--runs 10] [--batches 10000] [--big 100000] [--completions 600]
//       [--figures 1,2,3,4,5,6] [--counting estimated|exact]
//       (7, 8: the export's reads; 9, 10: the batch page's table scrolled to the end)
// The queue is filled first by queue_generator (rows user1..userN, docs/benchmarks.md section 4).
// Made when absent (submitted_by 'bench_batches'): `--batches` small batches (5 to 50 items,
// names and sources as the front doors make them, created over the queue's time span, newest
// first referring to the newest rows) and one batch of `--big` items (the newest batch, so the
// list's first page holds it) whose items refer to existing rows in every state, with some
// items not followed (invalid, duplicate in the batch). The 200 newest small batches refer to
// rows in every state (so each needs an ETA); older ones to finished rows (COMPLETED/FAILED).
// Before the runs, `--completions` finished rows get an updated_at in the last 14 minutes (the
// generator's rows are old), so that the workers' rate is measurable and every open batch gets
// an ETA, as while workers run.
// Timed, as the tab asks for them (Counting::Estimated, as the tab counts; `--counting exact`
// for the exact counts the terminal and the endpoint read): the list's first page (100 batches,
// newest first, with counts and ETA), a search by name, the big batch's detail (counts, ETA,
// predictions) and its first page of items (500) filtered to one state; the single route's
// `eta` for one waiting profile (Batches::etaForProfile); and the tab's background read of the
// places its estimated list left open-ended (Batches::summaries with every place counted, as
// BatchPlaces reads them at most every 30 s).

#include "core/batches/batches.h"
#include "core/database.h"
#include "core/databaseconfig.h"
#include "core/schema.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sys/resource.h>

using namespace ViralSpot;

namespace {

const QString Marker = QStringLiteral("bench_batches");
// The batch page's table reads this many items per page (Ui::BatchItemModel::PageSize; this
// benchmark links no window code).
constexpr int TablePage = 500;

bool exec(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    std::fprintf(stderr, "SQL failed: %s\n%s\n", qPrintable(q.lastError().text()),
        qPrintable(sql.left(300)));
    return false;
}

qint64 scalar(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next()) {
        std::fprintf(stderr, "SQL failed: %s\n%s\n", qPrintable(q.lastError().text()),
            qPrintable(sql.left(300)));
        return -1;
    }
    return q.value(0).toLongLong();
}

QString quoted(const QString &text)
{
    QString t = text;
    t.replace(QLatin1Char('\''), QStringLiteral("''"));
    return QLatin1Char('\'') + t + QLatin1Char('\'');
}

QString timestampLiteral(bool postgres, const QDateTime &when)
{
    const QString text = when.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"));
    return postgres ? quoted(text) + QStringLiteral("::timestamptz") : quoted(text);
}

// Items as rows of a CTE, joined to their queue rows by username (the generator's usernames are
// unique), inserted 1,000 a statement.
struct ItemWriter
{
    QSqlDatabase &db;
    bool postgres;
    QStringList rows;
    bool ok = true;

    void add(const QString &batchId, int position, const QString &username, const char *outcome)
    {
        rows << QStringLiteral("(%1, %2, %3, '%4')")
                    .arg(postgres ? quoted(batchId) + QStringLiteral("::uuid") : quoted(batchId))
                    .arg(position)
                    .arg(quoted(username), QLatin1String(outcome));
        if (rows.size() >= 1000)
            flush();
    }
    void flush()
    {
        if (rows.isEmpty() || !ok)
            return;
        // Rows not followed (invalid, duplicate) keep no queue row, as the recorder writes them.
        ok = exec(db,
            QStringLiteral("WITH v(b, p, u, o) AS (VALUES %1) "
                           "INSERT INTO viralspot_batch_items (batch_id, position, username, "
                           "outcome, queue_id) SELECT v.b, v.p, v.u, v.o, "
                           "CASE WHEN v.o IN ('queued','already_queued','already_processed') "
                           "THEN (SELECT q.id FROM queue q WHERE q.username = v.u LIMIT 1) END "
                           "FROM v")
                .arg(rows.join(QStringLiteral(", "))));
        rows.clear();
    }
};

bool insertBatch(QSqlDatabase &db, bool postgres, const QString &id, const QString &name,
    const QString &source, const QString &origin, const QDateTime &created)
{
    return exec(db,
        QStringLiteral("INSERT INTO viralspot_batches (id, name, source, origin, submitted_by, "
                       "created_at, notify) VALUES (%1, %2, %3, %4, %5, %6, %7)")
            .arg(postgres ? quoted(id) + QStringLiteral("::uuid") : quoted(id), quoted(name),
                quoted(source), quoted(origin), quoted(Marker), timestampLiteral(postgres, created),
                postgres ? QStringLiteral("FALSE") : QStringLiteral("0")));
}

// The small batches and the big one, in one transaction. Row g of the generator was created
// g * 2.592 s before it ran, and its status is decided by g % 100 (70 COMPLETED, 10 FAILED,
// 9 PAUSED, 10 PENDING, 1 PROCESSING).
bool createBatches(
    QSqlDatabase &db, bool postgres, qint64 queueRows, int batches, int big, QString *bigId)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!exec(db, postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE")))
        return false;
    ItemWriter items { db, postgres, {} };
    const char *sources[] = { "frontend", "csv", "api", "import", "script" };
    const char *origins[] = { "window", "terminal", "endpoint" };
    const char *words[] = { "campaign", "creators", "fashion", "fitness", "travel", "food", "music",
        "gaming", "beauty", "sports" };
    const qint64 spanRows = queueRows * 9 / 10; // leave the oldest tenth alone
    for (int i = 0; i < batches && items.ok; ++i) {
        // i = 0 is the newest (a minute old; the big batch is newer).
        const qint64 g0 = 1 + qint64(i) * spanRows / batches;
        const QDateTime created = now.addSecs(-60 - qint64(double(g0) * 2.592));
        const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        const char *source = sources[i % 5];
        const char *origin = origins[i % 3];
        QString name;
        switch (i % 4) {
        case 0: // the default name: source and time
            name = Batches::defaultName(QLatin1String(source), QLatin1String(origin), created);
            break;
        case 1:
            name = QStringLiteral("%1 campaign %2").arg(QLatin1String(words[i % 10])).arg(i / 40);
            break;
        case 2:
            name = QStringLiteral("Import %1 (%2)")
                       .arg(created.toString(QStringLiteral("MMM d")), QLatin1String(words[i % 7]));
            break;
        default:
            name =
                QStringLiteral("creators-%1-week%2").arg(QLatin1String(words[i % 9])).arg(i % 52);
            break;
        }
        if (!insertBatch(
                db, postgres, id, name, QLatin1String(source), QLatin1String(origin), created))
            return false;
        const int size = 5 + (i * 7) % 46;
        const bool mixed = i < 200;
        for (int k = 0; k < size; ++k) {
            // Old batches: finished rows only (g % 100 < 80); new ones: rows in every state.
            // (The offset moves each batch's window over the hundred states' residues.)
            const qint64 g =
                mixed ? g0 + (i * 37) % 100 + k : (g0 / 100) * 100 + (k / 80) * 100 + k % 80 + 100;
            items.add(id, k + 1, QStringLiteral("user%1").arg(g),
                k % 10 == 9 ? "already_processed" : "queued");
        }
    }
    // The big one: rows user1..userN (the newest rows: every state), a few inputs not followed.
    *bigId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (items.ok &&
        !insertBatch(db, postgres, *bigId, QStringLiteral("crawl export 100k"),
            QStringLiteral("csv"), QStringLiteral("terminal"), now))
        return false;
    for (int k = 0; k < big && items.ok; ++k) {
        // Rows user<g>, g = k + 1: the ones not followed fall on finished rows (g % 100 of 24,
        // 25, 74, 75), so that every state of the generator's mix is followed.
        const char *outcome = k % 50 == 23 ? "invalid"
            : k % 50 == 24                 ? "duplicate_in_batch"
            : k % 10 == 0                  ? "already_queued"
                                           : "queued";
        items.add(*bigId, k + 1, QStringLiteral("user%1").arg(k + 1), outcome);
    }
    items.flush();
    if (!items.ok) {
        exec(db, QStringLiteral("ROLLBACK"));
        return false;
    }
    return exec(db, QStringLiteral("COMMIT")) &&
        exec(db,
            postgres ? QStringLiteral("ANALYZE viralspot_batches") : QStringLiteral("ANALYZE")) &&
        (!postgres || exec(db, QStringLiteral("ANALYZE viralspot_batch_items")));
}

// Finished rows with an updated_at in the last 14 minutes: the workers' rate, measurable.
bool recentCompletions(QSqlDatabase &db, bool postgres, int count)
{
    if (count <= 0)
        return true;
    // Rows user1..: COMPLETED where g % 100 < 70; spread over 14 minutes.
    const QString series = postgres
        ? QStringLiteral("SELECT g FROM generate_series(1, %1) AS g").arg(count * 10)
        : QStringLiteral("WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s "
                         "WHERE g < %1) SELECT g FROM s")
              .arg(count * 10);
    const QString when = postgres
        ? QStringLiteral("now() - (random() * interval '14 minutes')")
        : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (abs(random()) % 840) || "
                         "' seconds')");
    return exec(db,
        QStringLiteral("UPDATE queue SET updated_at = %1 WHERE status = 'COMPLETED' AND username "
                       "IN (SELECT 'user' || g FROM (%2) t WHERE g %% 100 < 70 LIMIT %3)")
            .arg(when, series)
            .arg(count)
            .replace(QStringLiteral("%%"), QStringLiteral("%")));
}

struct Series
{
    QString name;
    QList<double> ms;
    QString note;
};

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
    parser.addOption({ QStringLiteral("runs"), QStringLiteral("Runs per figure."),
        QStringLiteral("n"), QStringLiteral("10") });
    parser.addOption({ QStringLiteral("batches"), QStringLiteral("Small batches to make."),
        QStringLiteral("n"), QStringLiteral("10000") });
    parser.addOption({ QStringLiteral("big"), QStringLiteral("Items of the big batch."),
        QStringLiteral("n"), QStringLiteral("100000") });
    parser.addOption({ QStringLiteral("completions"),
        QStringLiteral("Finished rows moved into the rate window before the runs."),
        QStringLiteral("n"), QStringLiteral("600") });
    parser.addOption({ QStringLiteral("figures"),
        QStringLiteral("Which figures to time, by number (1 list, 2 search, 3 detail, 4 items, "
                       "5 single route eta, 6 background places, 7 and 8 every item of the big "
                       "batch by OFFSET / after a position in pages of 5,000 as the export reads, "
                       "9 and 10 the same in pages of 500 as the batch page's table scrolls), "
                       "comma-separated; default 1-6."),
        QStringLiteral("list"), QStringLiteral("1,2,3,4,5,6") });
    parser.addOption({ QStringLiteral("counting"),
        QStringLiteral("estimated (the tab's) or exact (the terminal's and the endpoint's)."),
        QStringLiteral("mode"), QStringLiteral("estimated") });
    parser.process(app);

    const ValueResult<DatabaseConfig> parsed =
        DatabaseConfig::fromUrl(parser.value(QStringLiteral("database")));
    if (!parsed.ok || !parsed.value.isValid()) {
        std::fprintf(stderr, "bench_batches: %s\n", qPrintable(parsed.error));
        return 64;
    }
    const int runs = qMax(1, parser.value(QStringLiteral("runs")).toInt());
    const int batches = qMax(1, parser.value(QStringLiteral("batches")).toInt());
    const int big = qMax(1, parser.value(QStringLiteral("big")).toInt());
    const int completions = parser.value(QStringLiteral("completions")).toInt();
    const Counting counting = parser.value(QStringLiteral("counting")) == QLatin1String("exact")
        ? Counting::exact()
        : Counting::estimated();
    QList<int> figures;
    for (const QString &f : parser.value(QStringLiteral("figures")).split(QLatin1Char(',')))
        figures << f.trimmed().toInt();
    int status = 0;
    {
        ValueResult<QSqlDatabase> opened =
            Database::open(parsed.value, QStringLiteral("bench_batches"));
        if (!opened.ok) {
            std::fprintf(stderr, "bench_batches: %s\n", qPrintable(opened.error));
            return 2;
        }
        QSqlDatabase &db = opened.value;
        const Schema::MigrationResult migration = Schema::migrate(db);
        if (!migration.ok) {
            std::fprintf(stderr, "migration failed: %s\n", qPrintable(migration.error));
            return 2;
        }
        const bool postgres = Database::isPostgres(db);
        QElapsedTimer timer;
        timer.start();
        QString bigId;
        {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT id FROM viralspot_batches WHERE submitted_by = '%1' "
                                      "AND name = 'crawl export 100k'")
                           .arg(Marker)) &&
                q.next())
                bigId = q.value(0).toString();
        }
        const qint64 have = scalar(db,
            QStringLiteral("SELECT COUNT(*) FROM viralspot_batches WHERE submitted_by = '%1'")
                .arg(Marker));
        if (bigId.isEmpty() || have != batches + 1) {
            const qint64 queueRows = scalar(db, QStringLiteral("SELECT COUNT(*) FROM queue"));
            if (queueRows < big + 100 || have < 0)
                return 2;
            std::printf("making %d batches and one of %d items on %lld queue rows...\n", batches,
                big, queueRows);
            std::fflush(stdout);
            if (!exec(db,
                    QStringLiteral("DELETE FROM viralspot_batch_items WHERE batch_id IN (SELECT id "
                                   "FROM viralspot_batches WHERE submitted_by = '%1')")
                        .arg(Marker)) ||
                !exec(db,
                    QStringLiteral("DELETE FROM viralspot_batch_predictions WHERE batch_id IN "
                                   "(SELECT id FROM viralspot_batches WHERE submitted_by = '%1')")
                        .arg(Marker)) ||
                !exec(db,
                    QStringLiteral("DELETE FROM viralspot_batches WHERE submitted_by = '%1'")
                        .arg(Marker)) ||
                !createBatches(db, postgres, queueRows, batches, big, &bigId))
                return 2;
            std::printf("made in %.1f s\n", timer.elapsed() / 1000.0);
        }
        if (!recentCompletions(db, postgres, completions))
            return 2;
        // A waiting profile of the big batch, for the single route's `eta`.
        QString waitingName;
        {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT username FROM queue WHERE username = 'user5095'")) &&
                q.next())
                waitingName = q.value(0).toString(); // g % 100 = 95: PENDING
        }
        std::printf("engine: %s, batches: %lld, big batch %s\n", postgres ? "postgresql" : "sqlite",
            scalar(db, QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")),
            qPrintable(bigId));

        QList<Series> series = {
            { QStringLiteral("list: first page (100, newest first, counts + ETA)"), {}, {} },
            { QStringLiteral("list: search \"campaign\""), {}, {} },
            { QStringLiteral("big batch: detail (counts + ETA)"), {}, {} },
            { QStringLiteral("big batch: first 500 items, state waiting"), {}, {} },
            { QStringLiteral("single route eta (etaForProfile)"), {}, {} },
            { QStringLiteral("background: places left open-ended (summaries)"), {}, {} },
            { QStringLiteral("big batch: every item, pages of 5,000 by OFFSET"), {}, {} },
            { QStringLiteral("big batch: every item, pages of 5,000 after a position"), {}, {} },
            { QStringLiteral("big batch: every item, pages of 500 by OFFSET"), {}, {} },
            { QStringLiteral("big batch: every item, pages of 500 after a position"), {}, {} },
        };
        // The first page's batches whose place the estimated list left open-ended.
        QStringList openEnded;
        {
            const BatchList first = Batches::list(
                db, {}, 100, 0, QDateTime::currentDateTimeUtc(), Counting::estimated());
            for (const BatchSummary &s : first.batches) {
                if (s.eta && s.eta->aheadAtLeast)
                    openEnded << s.id;
            }
        }
        const Counting everyPlace = counting.everyPlace();
        // Every item of the big batch, `pageSize` at a time: as the CSV export (5,000) and the
        // batch page's table (500) paged before (OFFSET, a sampled count per page) and as they
        // page now (Batches::itemsAfter).
        const auto readByOffset = [&db, &bigId](int pageSize) {
            qint64 read = 0;
            for (int offset = 0;; offset += pageSize) {
                const BatchItems page =
                    Batches::items(db, bigId, {}, pageSize, offset, Counting::estimated());
                if (!page.ok)
                    return QString(QStringLiteral("FAILED: ") + page.error);
                read += page.items.size();
                if (page.items.size() < pageSize)
                    break;
            }
            return QStringLiteral("%1 items read").arg(read);
        };
        const auto readAfter = [&db, &bigId](int pageSize) {
            qint64 read = 0;
            for (int after = 0;;) {
                const BatchItems page = Batches::itemsAfter(db, bigId, {}, after, pageSize);
                if (!page.ok)
                    return QString(QStringLiteral("FAILED: ") + page.error);
                read += page.items.size();
                if (page.items.size() < pageSize)
                    break;
                after = page.items.constLast().position;
            }
            return QStringLiteral("%1 items read").arg(read);
        };
        const auto describe = [](const BatchCounts &c) {
            return QStringLiteral("%1total %2: processed %3, processing %4, waiting %5, failed "
                                  "%6, paused %7")
                .arg(c.estimated ? QStringLiteral("(estimated from %1 items) ").arg(c.sampled)
                                 : QString())
                .arg(c.total)
                .arg(c.processed)
                .arg(c.processing)
                .arg(c.waiting)
                .arg(c.failed)
                .arg(c.paused);
        };
        const QList<std::function<QString()>> steps = {
            [&db, counting] {
                const BatchList l =
                    Batches::list(db, {}, 100, 0, QDateTime::currentDateTimeUtc(), counting);
                int withEta = 0;
                int estimated = 0;
                for (const BatchSummary &s : l.batches) {
                    withEta += s.eta ? 1 : 0;
                    estimated += s.counts.estimated ? 1 : 0;
                }
                return l.ok ? QStringLiteral("%1 batches, %2 with an ETA, %3 estimated, total %4%5")
                                  .arg(l.batches.size())
                                  .arg(withEta)
                                  .arg(estimated)
                                  .arg(l.totalBatches)
                                  .arg(l.totalCapped ? QStringLiteral("+") : QString())
                            : QString(QStringLiteral("FAILED: ") + l.error);
            },
            [&db, counting] {
                const BatchList l = Batches::list(db, QStringLiteral("campaign"), 100, 0,
                    QDateTime::currentDateTimeUtc(), counting);
                return l.ok ? QStringLiteral("%1 batches shown, %2 match")
                                  .arg(l.batches.size())
                                  .arg(l.totalBatches)
                            : QString(QStringLiteral("FAILED: ") + l.error);
            },
            [&db, &bigId, counting, describe] {
                const BatchDetail d =
                    Batches::detail(db, bigId, QDateTime::currentDateTimeUtc(), counting);
                return d.ok && d.found
                    ? QStringLiteral("%1; ETA %2")
                          .arg(describe(d.summary.counts))
                          .arg(d.summary.eta
                                  ? QStringLiteral("%1 .. %2 (%3/min, %4 ahead)")
                                        .arg(d.summary.eta->earliest.toString(Qt::ISODate),
                                            d.summary.eta->aheadAtLeast
                                                ? QStringLiteral("(open)")
                                                : d.summary.eta->latest.toString(Qt::ISODate))
                                        .arg(d.summary.eta->completionsPerMinute, 0, 'f', 1)
                                        .arg(d.summary.eta->aheadAtLeast
                                                ? QStringLiteral("over %1").arg(
                                                      d.summary.eta->ahead)
                                                : QString::number(d.summary.eta->ahead))
                                  : QString(QStringLiteral("unknown (") + d.summary.etaWhy +
                                        QLatin1Char(')')))
                    : QString(QStringLiteral("FAILED: ") + d.error);
            },
            [&db, &bigId, counting] {
                const BatchItems items =
                    Batches::items(db, bigId, { ItemState::Waiting }, 500, 0, counting);
                return items.ok
                    ? QStringLiteral("%1 shown of %2%3 waiting")
                          .arg(items.items.size())
                          .arg(items.matchingEstimated ? QStringLiteral("~") : QString())
                          .arg(items.matching)
                    : QString(QStringLiteral("FAILED: ") + items.error);
            },
            [&db, &waitingName] {
                const EtaEstimate e = Batches::etaForProfile(db, waitingName);
                if (!e.ok)
                    return QString(QStringLiteral("FAILED: ") + e.error);
                if (e.eta)
                    return QStringLiteral("%1 ahead").arg(e.eta->ahead);
                return QString(QStringLiteral("unknown (") + e.why + QLatin1Char(')'));
            },
            [&db, &openEnded, everyPlace] {
                const BatchList l =
                    Batches::summaries(db, openEnded, QDateTime::currentDateTimeUtc(), everyPlace);
                qint64 deepest = 0;
                for (const BatchSummary &s : l.batches)
                    deepest = qMax(deepest, s.eta ? s.eta->ahead : 0);
                return l.ok ? QStringLiteral("%1 batches placed, the deepest %2 ahead")
                                  .arg(l.batches.size())
                                  .arg(deepest)
                            : QString(QStringLiteral("FAILED: ") + l.error);
            },
            [readByOffset] { return readByOffset(5000); },
            [readAfter] { return readAfter(5000); },
            [readByOffset] { return readByOffset(TablePage); },
            [readAfter] { return readAfter(TablePage); },
        };
        for (int run = 0; run < runs; ++run) {
            for (qsizetype i = 0; i < steps.size(); ++i) {
                if (!figures.contains(int(i) + 1))
                    continue;
                QElapsedTimer t;
                t.start();
                const QString note = steps.at(i)();
                series[i].ms << t.nsecsElapsed() / 1e6;
                series[i].note = note;
                if (note.startsWith(QLatin1String("FAILED")))
                    status = 1;
            }
        }
        std::printf("%-55s %9s %9s %9s\n", "figure (ms)", "median", "p90", "max");
        for (const Series &s : std::as_const(series)) {
            if (s.ms.isEmpty())
                continue;
            std::printf("%-55s %9.1f %9.1f %9.1f\n", qPrintable(s.name), percentile(s.ms, 0.5),
                percentile(s.ms, 0.9), *std::max_element(s.ms.cbegin(), s.ms.cend()));
            std::printf("    %s\n", qPrintable(s.note));
        }
    }
    Database::close(QStringLiteral("bench_batches"));
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("runs: %d, peak RSS: %.1f MB\n", runs, usage.ru_maxrss / 1024.0);
    return status;
}
