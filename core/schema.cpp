#include "schema.h"

#include "database.h"
#include "logging.h"
#include "queuequery.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>

#include <functional>

namespace ViralSpot::Schema {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Schema", text);
}

// Both engines run every migration in one transaction; PostgreSQL also takes an advisory lock
// so that many processes starting at once migrate one after the other.
constexpr qint64 MigrationLockKey = 0x56697261'6c53706fLL; // "ViralSpo"

const QLatin1String ActivePredicate("status IN ('PENDING','PROCESSING')");
// Rows whose username is not in normalized (lower-case) form: only an adopted database has
// them (the original endpoint stored names as typed; this app writes lower case only).
const QLatin1String MixedCasePredicate("username <> lower(username)");

struct Step
{
    int version;
    const char *description;
    std::function<bool(QSqlDatabase &, bool postgres, QString *error)> apply;
};

bool run(QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    if (error)
        *error = q.lastError().text() + QStringLiteral(" [") + sql.simplified().left(200) +
            QLatin1Char(']');
    return false;
}

bool tableExists(const QSqlDatabase &db, const QString &table)
{
    return db.tables(QSql::Tables).contains(table, Qt::CaseInsensitive);
}

QString timestampType(bool postgres)
{
    return postgres ? QStringLiteral("TIMESTAMPTZ") : QStringLiteral("TEXT");
}

// Adds any column of SPEC 2 that an adopted table lacks (additive only).
bool addMissingColumns(QSqlDatabase &db, bool postgres, const QString &table,
    const QList<QPair<QString, QString>> &columns, QString *error)
{
    const QSqlRecord record = db.record(table);
    for (const auto &column : columns) {
        if (record.indexOf(column.first) >= 0)
            continue;
        qCInfo(lcCore) << "adding missing column" << column.first << "to" << table;
        if (!run(db,
                QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 %3")
                    .arg(table, column.first, column.second),
                error))
            return false;
    }
    Q_UNUSED(postgres)
    return true;
}

bool createBaseTables(QSqlDatabase &db, bool postgres, QString *error)
{
    const QString ts = timestampType(postgres);
    const QString now = postgres ? QStringLiteral("now()")
                                 : QStringLiteral("(strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    if (!tableExists(db, QStringLiteral("queue"))) {
        const QString id = postgres ? QStringLiteral("UUID PRIMARY KEY DEFAULT gen_random_uuid()")
                                    : QStringLiteral("TEXT PRIMARY KEY NOT NULL");
        if (!run(db,
                QStringLiteral(
                    "CREATE TABLE queue ("
                    " id %1,"
                    " username VARCHAR(255) NOT NULL,"
                    " source VARCHAR(100),"
                    " priority VARCHAR(10) NOT NULL DEFAULT 'LOW'"
                    "   CHECK (priority IN ('HIGH','LOW')),"
                    " status VARCHAR(20) NOT NULL DEFAULT 'PENDING'"
                    "   CHECK (status IN ('PENDING','PROCESSING','COMPLETED','FAILED','PAUSED')),"
                    " attempts INTEGER NOT NULL DEFAULT 0,"
                    " last_attempt %2,"
                    " error_message TEXT,"
                    " request_id VARCHAR(50) UNIQUE,"
                    " timestamp %2 DEFAULT %3,"
                    " created_at %2 DEFAULT %3,"
                    " updated_at %2 DEFAULT %3)")
                    .arg(id, ts, now),
                error))
            return false;
    } else {
        if (!addMissingColumns(db, postgres, QStringLiteral("queue"),
                { { QStringLiteral("source"), QStringLiteral("VARCHAR(100)") },
                    { QStringLiteral("priority"), QStringLiteral("VARCHAR(10)") },
                    { QStringLiteral("status"), QStringLiteral("VARCHAR(20)") },
                    { QStringLiteral("attempts"), QStringLiteral("INTEGER NOT NULL DEFAULT 0") },
                    { QStringLiteral("last_attempt"), ts },
                    { QStringLiteral("error_message"), QStringLiteral("TEXT") },
                    { QStringLiteral("request_id"), QStringLiteral("VARCHAR(50)") },
                    { QStringLiteral("timestamp"), ts }, { QStringLiteral("created_at"), ts },
                    { QStringLiteral("updated_at"), ts } },
                error))
            return false;
    }

    if (!tableExists(db, QStringLiteral("primary_profiles"))) {
        const QString id = postgres ? QStringLiteral("UUID PRIMARY KEY DEFAULT gen_random_uuid()")
                                    : QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT");
        if (!run(db,
                QStringLiteral("CREATE TABLE primary_profiles ("
                               " id %1,"
                               " username VARCHAR(255) NOT NULL UNIQUE,"
                               " profile_name TEXT,"
                               " followers BIGINT,"
                               " created_at %2 DEFAULT %3,"
                               " updated_at %2 DEFAULT %3)")
                    .arg(id, ts, now),
                error))
            return false;
    }
    return true;
}

bool createIndexesAndAudit(QSqlDatabase &db, bool postgres, QString *error)
{
    const QString ts = timestampType(postgres);
    const QString auditId = postgres ? QStringLiteral("BIGSERIAL PRIMARY KEY")
                                     : QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT");
    const QStringList statements = {
        QStringLiteral("CREATE INDEX IF NOT EXISTS queue_username_idx ON queue (username)"),
        // Status and created_at are indexed together with the queue browser's orderings
        // (step 4): separate single-column indexes would only slow every insert down.
        QStringLiteral("CREATE INDEX IF NOT EXISTS queue_source_idx ON queue (source)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS audit_log ("
                       " id %1,"
                       " occurred_at %2 NOT NULL,"
                       " os_user VARCHAR(255),"
                       " host VARCHAR(255),"
                       " origin VARCHAR(20),"
                       " action VARCHAR(50) NOT NULL,"
                       " usernames TEXT,"
                       " total INTEGER NOT NULL DEFAULT 0,"
                       " details TEXT)")
            .arg(auditId, ts),
        QStringLiteral(
            "CREATE INDEX IF NOT EXISTS audit_log_occurred_at_idx ON audit_log (occurred_at)"),
    };
    for (const QString &sql : statements) {
        if (!run(db, sql, error))
            return false;
    }
    return true;
}

bool createActiveIndex(QSqlDatabase &db, bool, QString *error)
{
    // The rule "at most one active row per username" lives here, in the database (SPEC 1.3).
    // Inserts name this predicate verbatim in ON CONFLICT (SQLite requires the exact text).
    return run(db,
        QStringLiteral("CREATE UNIQUE INDEX IF NOT EXISTS queue_one_active_per_username "
                       "ON queue (username) WHERE ") +
            ActivePredicate,
        error);
}

bool createMixedCaseIndexes(QSqlDatabase &db, bool, QString *error)
{
    // "Foo" and "foo" are the same profile (SPEC 1.1). Lookups by a normalized name also probe
    // these partial indexes, which hold only the legacy mixed-case rows: the app's own
    // lower-case rows never enter them, so inserts do not pay for them.
    return run(db,
               QStringLiteral("CREATE INDEX IF NOT EXISTS queue_username_mixed_case_idx "
                              "ON queue (lower(username)) WHERE ") +
                   MixedCasePredicate,
               error) &&
        run(db,
            QStringLiteral("CREATE INDEX IF NOT EXISTS primary_profiles_username_mixed_case_idx "
                           "ON primary_profiles (lower(username)) WHERE ") +
                MixedCasePredicate,
            error);
}

const QList<Step> &steps()
{
    static const QList<Step> list = {
        { 1, "queue and primary_profiles tables", createBaseTables },
        { 2, "indexes and audit_log", createIndexesAndAudit },
        { 3, "one active queue row per username", createActiveIndex },
        { 4, "queue browser indexes",
            [](QSqlDatabase &db, bool, QString *error) {
                return QueueQuery::ensureIndexes(db, error);
            } },
        { 5, "usernames matched regardless of case", createMixedCaseIndexes },
    };
    return list;
}

constexpr int ActiveIndexVersion = 3;
// From this step on, active rows differing only in case count as duplicates too.
constexpr int CaseInsensitiveVersion = 5;

bool ensureVersionTable(QSqlDatabase &db, bool postgres, QString *error)
{
    return run(db,
        QStringLiteral("CREATE TABLE IF NOT EXISTS viralspot_schema_version ("
                       " version INTEGER PRIMARY KEY,"
                       " description TEXT,"
                       " applied_at %1)")
            .arg(timestampType(postgres)),
        error);
}

bool begin(QSqlDatabase &db, bool postgres, QString *error)
{
    if (!run(db, postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE"), error))
        return false;
    if (postgres &&
        !run(db, QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(MigrationLockKey), error)) {
        run(db, QStringLiteral("ROLLBACK"), nullptr);
        return false;
    }
    return true;
}

int readVersion(const QSqlDatabase &db)
{
    if (!tableExists(db, QStringLiteral("viralspot_schema_version")))
        return 0;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM viralspot_schema_version")) ||
        !q.next())
        return 0;
    return q.value(0).toInt();
}

} // namespace

int latestVersion()
{
    return steps().constLast().version;
}

int currentVersion(const QSqlDatabase &db)
{
    return readVersion(db);
}

DuplicateReport findDuplicateActiveRows(const QSqlDatabase &db, QString *error)
{
    DuplicateReport report;
    if (!tableExists(db, QStringLiteral("queue")))
        return report;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COUNT(*), COALESCE(SUM(n - 1), 0) FROM ("
                               " SELECT lower(username), COUNT(*) AS n FROM queue WHERE ") +
            ActivePredicate + QStringLiteral(" GROUP BY lower(username) HAVING COUNT(*) > 1) d")) ||
        !q.next()) {
        if (error)
            *error = q.lastError().text();
        return report;
    }
    report.usernames = q.value(0).toInt();
    report.extraRows = q.value(1).toInt();
    return report;
}

MigrationResult migrate(QSqlDatabase &db)
{
    MigrationResult result;
    const bool postgres = Database::isPostgres(db);
    QString error;

    result.fromVersion = readVersion(db);
    result.toVersion = result.fromVersion;

    for (const Step &step : steps()) {
        if (step.version <= result.toVersion)
            continue;
        if (!begin(db, postgres, &error) || !ensureVersionTable(db, postgres, &error)) {
            run(db, QStringLiteral("ROLLBACK"), nullptr);
            result.error = tr("Cannot start the migration: %1").arg(error);
            return result;
        }
        // Another process may have migrated while we waited for the lock.
        const int current = readVersion(db);
        if (current >= step.version) {
            run(db, QStringLiteral("COMMIT"), nullptr);
            result.toVersion = current;
            continue;
        }
        if (step.version == ActiveIndexVersion || step.version == CaseInsensitiveVersion) {
            result.duplicates = findDuplicateActiveRows(db, &error);
            if (!result.duplicates.isClean()) {
                run(db, QStringLiteral("ROLLBACK"), nullptr);
                qCWarning(lcCore).noquote()
                    << "the queue holds duplicate active rows:" << result.duplicates.usernames
                    << "usernames," << result.duplicates.extraRows << "extra rows";
                result.ok = true; // usable for reading; requests wait for the repair
                return result;
            }
        }
        QSqlQuery record(db);
        const bool applied = step.apply(db, postgres, &error) &&
            [&] {
                // Unprepared on PostgreSQL: QPSQL's prepared statement would outlive this
                // transaction in the server session, which a transaction pooler lends to others.
                QSqlError why;
                if (Database::exec(record,
                        QStringLiteral("INSERT INTO viralspot_schema_version "
                                       "(version, description, applied_at) VALUES (?, ?, ") +
                            (postgres ? QStringLiteral("now())")
                                      : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now'))")),
                        { step.version, QString::fromLatin1(step.description) }, &why))
                    return true;
                error = why.text();
                return false;
            }() &&
            run(db, QStringLiteral("COMMIT"), &error);
        if (!applied) {
            run(db, QStringLiteral("ROLLBACK"), nullptr);
            result.error = tr("Migration %1 (%2) failed: %3")
                               .arg(step.version)
                               .arg(QString::fromLatin1(step.description), error);
            return result;
        }
        qCDebug(lcCore) << "schema migrated to version" << step.version << step.description;
        result.toVersion = step.version;
    }
    result.ok = true;
    return result;
}

RepairResult repairDuplicates(QSqlDatabase &db)
{
    RepairResult result;
    const bool postgres = Database::isPostgres(db);
    QString error;
    if (!begin(db, postgres, &error)) {
        result.error = error;
        return result;
    }
    const DuplicateReport before = findDuplicateActiveRows(db, &error);

    // The oldest active row per username (in any case: "Foo" and "foo" are one) is kept
    // (created_at, then timestamp, then id as the tie-breaker); every other active row becomes
    // FAILED and names the row kept.
    const QString now =
        postgres ? QStringLiteral("now()") : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now')");
    const QString idText = postgres ? QStringLiteral("id::text") : QStringLiteral("id");
    const QString sql =
        QStringLiteral("WITH ranked AS ("
                       " SELECT id, username, ROW_NUMBER() OVER (PARTITION BY lower(username)"
                       "   ORDER BY created_at ASC NULLS LAST, timestamp ASC NULLS LAST,"
                       "   %1 ASC) AS rn,"
                       "  FIRST_VALUE(%1) OVER (PARTITION BY lower(username)"
                       "   ORDER BY created_at ASC NULLS LAST, timestamp ASC NULLS LAST,"
                       "   %1 ASC) AS kept"
                       " FROM queue WHERE %2)"
                       " UPDATE queue SET status = 'FAILED', updated_at = %3,"
                       "  error_message = 'Duplicate active request: kept queue row ' "
                       "|| r.kept"
                       " FROM ranked r WHERE queue.id = r.id AND r.rn > 1")
            .arg(idText, ActivePredicate, now);
    QSqlQuery q(db);
    if (!q.exec(sql)) {
        result.error = q.lastError().text();
        run(db, QStringLiteral("ROLLBACK"), nullptr);
        return result;
    }
    result.rowsMarkedFailed = q.numRowsAffected();
    result.usernames = before.usernames;
    if (!run(db, QStringLiteral("COMMIT"), &error)) {
        result.error = error;
        run(db, QStringLiteral("ROLLBACK"), nullptr);
        return result;
    }
    const MigrationResult migrated = migrate(db);
    result.ok = migrated.readyForRequests();
    if (!result.ok)
        result.error = migrated.error.isEmpty()
            ? tr("Duplicate active rows remain after the repair.")
            : migrated.error;
    return result;
}

} // namespace ViralSpot::Schema
