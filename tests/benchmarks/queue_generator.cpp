// Fills `queue` with N rows (default 1,000,000) for the queue browser's benchmark, set-based on
// the server (INSERT ... SELECT over a generated series, 1,000,000 rows a statement; no row
// travels from the client), then adds the browser's indexes and refreshes the planner's
// statistics. On PostgreSQL an empty queue is filled without its indexes, which are built
// afterwards from their own definitions (sorted builds instead of ten million random index
// inserts), all in one transaction. Usage:
//   queue_generator --database URL [--rows N]
// Rows: unique usernames user<N>; 70% COMPLETED, 10% FAILED (with an error), 9% PAUSED,
// 10% PENDING, 1% PROCESSING; HIGH/LOW alternating; five sources; created over 30 days.

#include "core/database.h"
#include "core/databaseconfig.h"
#include "core/queuequery.h"
#include "core/schema.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <cstdio>

using namespace ViralSpot;

namespace {

bool exec(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    std::fprintf(stderr, "SQL failed: %s\n%s\n", qPrintable(q.lastError().text()),
        qPrintable(sql.left(300)));
    return false;
}

// Rows first..last (g = first..last, so chunks give the same rows as one statement).
QString insertSql(bool postgres, qint64 first, qint64 last)
{
    // One expression per column over g = 1..rows; the status mix is decided by g % 100.
    const QString status =
        QStringLiteral("CASE WHEN g %% 100 < 70 THEN 'COMPLETED' WHEN g %% 100 < 80 THEN 'FAILED' "
                       "WHEN g %% 100 < 89 THEN 'PAUSED' WHEN g %% 100 < 99 THEN 'PENDING' "
                       "ELSE 'PROCESSING' END");
    QString select;
    if (postgres) {
        select = QStringLiteral(
            "INSERT INTO queue (id, username, source, priority, status, attempts, "
            "last_attempt, error_message, request_id, timestamp, created_at, updated_at) "
            "SELECT gen_random_uuid(), 'user' || g, "
            "(ARRAY['frontend','csv','api','import','script'])[1 + g %% 5], "
            "CASE WHEN g %% 2 = 0 THEN 'HIGH' ELSE 'LOW' END, %1, g %% 4, "
            "now() - g * interval '2.592 seconds', "
            "CASE WHEN g %% 100 >= 70 AND g %% 100 < 80 THEN 'HTTP 429 after ' || (g %% 7) "
            "|| ' tries' END, 'bench-' || g, now() - g * interval '2.592 seconds', "
            "now() - g * interval '2.592 seconds', now() - g * interval '2.592 seconds' "
            "FROM generate_series(%2, %3) AS g");
    } else {
        const QString ts = QStringLiteral(
            "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now', '-' || (g * 2.592) || ' seconds')");
        select =
            QStringLiteral("INSERT INTO queue (id, username, source, priority, status, attempts, "
                           "last_attempt, error_message, request_id, timestamp, created_at, "
                           "updated_at) "
                           "WITH RECURSIVE s(g) AS (SELECT %2 UNION ALL SELECT g + 1 FROM s "
                           "WHERE g < %3) "
                           "SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' "
                           "|| substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(2)) || '-' "
                           "|| hex(randomblob(6))), 'user' || g, "
                           "CASE g %% 5 WHEN 0 THEN 'frontend' WHEN 1 THEN 'csv' WHEN 2 THEN "
                           "'api' WHEN 3 THEN 'import' ELSE 'script' END, "
                           "CASE WHEN g %% 2 = 0 THEN 'HIGH' ELSE 'LOW' END, %1, g %% 4, TS, "
                           "CASE WHEN g %% 100 >= 70 AND g %% 100 < 80 THEN 'HTTP 429 after ' || "
                           "(g %% 7) || ' tries' END, 'bench-' || g, TS, TS, TS FROM s")
                .replace(QStringLiteral("TS"), ts);
    }
    return select.arg(status).arg(first).arg(last).replace(
        QStringLiteral("%%"), QStringLiteral("%"));
}

// The statements that drop the queue's indexes and constraint indexes (PostgreSQL), and the
// ones that build them again, from the server's own definitions.
struct IndexPlan
{
    bool ok = false;
    QStringList drop;
    QStringList create;
};

IndexPlan queueIndexPlan(QSqlDatabase &db)
{
    IndexPlan plan;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                               "WHERE conrelid = 'queue'::regclass AND contype IN ('p', 'u')"))) {
        std::fprintf(stderr, "%s\n", qPrintable(q.lastError().text()));
        return plan;
    }
    QStringList constraints;
    while (q.next()) {
        const QString name = q.value(0).toString();
        constraints << name;
        plan.drop << QStringLiteral("ALTER TABLE queue DROP CONSTRAINT \"%1\"").arg(name);
        plan.create << QStringLiteral("ALTER TABLE queue ADD CONSTRAINT \"%1\" %2")
                           .arg(name, q.value(1).toString());
    }
    if (!q.exec(QStringLiteral("SELECT indexname, indexdef FROM pg_indexes "
                               "WHERE schemaname = current_schema() AND tablename = 'queue'"))) {
        std::fprintf(stderr, "%s\n", qPrintable(q.lastError().text()));
        return plan;
    }
    while (q.next()) {
        const QString name = q.value(0).toString();
        if (constraints.contains(name))
            continue;
        plan.drop << QStringLiteral("DROP INDEX \"%1\"").arg(name);
        plan.create << q.value(1).toString();
    }
    plan.ok = true;
    return plan;
}

bool queueIsEmpty(QSqlDatabase &db)
{
    QSqlQuery q(db);
    return q.exec(QStringLiteral("SELECT 1 FROM queue LIMIT 1")) && !q.next();
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(
        { QStringLiteral("database"), QStringLiteral("Database URL."), QStringLiteral("url") });
    parser.addOption({ QStringLiteral("rows"), QStringLiteral("Rows to generate."),
        QStringLiteral("n"), QStringLiteral("1000000") });
    parser.process(app);

    const ValueResult<DatabaseConfig> parsed =
        DatabaseConfig::fromUrl(parser.value(QStringLiteral("database")));
    if (!parsed.ok) {
        std::fprintf(stderr, "%s\n", qPrintable(parsed.error));
        return 2;
    }
    const DatabaseConfig &config = parsed.value;
    const qint64 rows = parser.value(QStringLiteral("rows")).toLongLong();
    int status = 0;
    {
        ValueResult<QSqlDatabase> opened = Database::open(config, QStringLiteral("generator"));
        if (!opened.ok) {
            std::fprintf(stderr, "%s\n", qPrintable(opened.error));
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
        if (!exec(db, QStringLiteral("BEGIN")))
            return 2;
        IndexPlan indexes;
        if (postgres && queueIsEmpty(db)) {
            indexes = queueIndexPlan(db);
            if (!indexes.ok)
                return 2;
            for (const QString &sql : std::as_const(indexes.drop)) {
                if (!exec(db, sql))
                    return 2;
            }
        }
        constexpr qint64 Chunk = 1000000;
        for (qint64 first = 1; first <= rows; first += Chunk) {
            const qint64 last = std::min(rows, first + Chunk - 1);
            if (!exec(db, insertSql(postgres, first, last)))
                return 2;
            std::printf("  %lld rows (%.1f s)\n", last, timer.elapsed() / 1000.0);
            std::fflush(stdout);
        }
        if (!indexes.create.isEmpty()) {
            QElapsedTimer built;
            built.start();
            // Room for sorted builds, and the server's parallel workers.
            if (!exec(db, QStringLiteral("SET LOCAL maintenance_work_mem = '1GB'")) ||
                !exec(db, QStringLiteral("SET LOCAL max_parallel_maintenance_workers = 2")))
                return 2;
            for (const QString &sql : std::as_const(indexes.create)) {
                if (!exec(db, sql))
                    return 2;
            }
            std::printf("  %lld indexes rebuilt in %.1f s\n", qint64(indexes.create.size()),
                built.elapsed() / 1000.0);
        }
        if (!exec(db, QStringLiteral("COMMIT")))
            return 2;
        std::printf("inserted %lld rows in %.1f s\n", rows, timer.elapsed() / 1000.0);
        timer.restart();
        if (const Result indexed = QueueQuery::ensureIndexes(db); !indexed.ok) {
            std::fprintf(stderr, "indexes: %s\n", qPrintable(indexed.error));
            return 2;
        }
        std::printf("browser indexes in %.1f s\n", timer.elapsed() / 1000.0);
        timer.restart();
        if (!exec(
                db, postgres ? QStringLiteral("VACUUM ANALYZE queue") : QStringLiteral("ANALYZE")))
            status = 1;
        std::printf("statistics in %.1f s\n", timer.elapsed() / 1000.0);
    }
    Database::close(QStringLiteral("generator"));
    return status;
}
