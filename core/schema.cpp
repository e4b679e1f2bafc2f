// Over 600 lines: all migration steps, the duplicate report and repair, and the grant messages.
#include "core/schema.h"

#include "core/database.h"
#include "core/logging.h"
#include "core/queuequery.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>

#include <functional>

namespace ViralSpot::Schema {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct SchemaText
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::Schema)
};

// Both engines run every migration in one transaction; PostgreSQL also takes an advisory lock
// so that many processes starting at once migrate one after the other.
constexpr qint64 MigrationLockKey = 0x56697261'6c53706fLL; // "ViralSpo"

const QLatin1String ActivePredicate("status IN ('PENDING','PROCESSING')");
// Rows whose username is not in normalized (lower-case) form: only an adopted database has
// them (the original endpoint stored names as typed; this app writes lower case only).
const QLatin1String MixedCasePredicate("username <> lower(username)");
// Rows the workers finished (step 8). Exactly the ETA's rate query's text (SQLite matches a
// partial index only when the query holds the index's WHERE terms).
const QLatin1String FinishedPredicate("status IN ('COMPLETED','FAILED')");

struct Step
{
    int version;
    const char *description;
    // The statements of this step for the database as it is now (db may be closed: then as
    // for a new database).
    std::function<QStringList(const QSqlDatabase &db, bool postgres)> statements;
    bool needsCleanQueue = false; // cannot run while duplicate active rows exist
};

// What one statement did: the message names the statement; sqlError is the driver's error,
// for isPermissionError().
struct Ran
{
    bool ok = false;
    QString error;
    QSqlError sqlError;
};

Ran run(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return { true, {}, {} };
    return { false,
        q.lastError().text() + QStringLiteral(" [") + sql.simplified().left(200) + QLatin1Char(']'),
        q.lastError() };
}

bool tableExists(const QSqlDatabase &db, const QString &table)
{
    return db.isOpen() && db.tables(QSql::Tables).contains(table, Qt::CaseInsensitive);
}

QString timestampType(bool postgres)
{
    return postgres ? QStringLiteral("TIMESTAMPTZ") : QStringLiteral("TEXT");
}

// Any column of the product's queue that an adopted table lacks (additive only).
QStringList missingColumns(
    const QSqlDatabase &db, const QString &table, const QList<QPair<QString, QString>> &columns)
{
    QStringList statements;
    const QSqlRecord record = db.record(table);
    for (const auto &column : columns) {
        if (record.indexOf(column.first) >= 0)
            continue;
        statements << QStringLiteral("ALTER TABLE %1 ADD COLUMN %2 %3")
                          .arg(table, column.first, column.second);
    }
    return statements;
}

QStringList baseTables(const QSqlDatabase &db, bool postgres)
{
    QStringList statements;
    const QString ts = timestampType(postgres);
    const QString now = postgres ? QStringLiteral("now()")
                                 : QStringLiteral("(strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
    if (!tableExists(db, QStringLiteral("queue"))) {
        const QString id = postgres ? QStringLiteral("UUID PRIMARY KEY DEFAULT gen_random_uuid()")
                                    : QStringLiteral("TEXT PRIMARY KEY NOT NULL");
        statements << QStringLiteral(
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
                          .arg(id, ts, now);
    } else {
        statements << missingColumns(db, QStringLiteral("queue"),
            { { QStringLiteral("source"), QStringLiteral("VARCHAR(100)") },
                { QStringLiteral("priority"), QStringLiteral("VARCHAR(10)") },
                { QStringLiteral("status"), QStringLiteral("VARCHAR(20)") },
                { QStringLiteral("attempts"), QStringLiteral("INTEGER NOT NULL DEFAULT 0") },
                { QStringLiteral("last_attempt"), ts },
                { QStringLiteral("error_message"), QStringLiteral("TEXT") },
                { QStringLiteral("request_id"), QStringLiteral("VARCHAR(50)") },
                { QStringLiteral("timestamp"), ts }, { QStringLiteral("created_at"), ts },
                { QStringLiteral("updated_at"), ts } });
    }

    if (!tableExists(db, QStringLiteral("primary_profiles"))) {
        const QString id = postgres ? QStringLiteral("UUID PRIMARY KEY DEFAULT gen_random_uuid()")
                                    : QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT");
        statements << QStringLiteral("CREATE TABLE primary_profiles ("
                                     " id %1,"
                                     " username VARCHAR(255) NOT NULL UNIQUE,"
                                     " profile_name TEXT,"
                                     " followers BIGINT,"
                                     " created_at %2 DEFAULT %3,"
                                     " updated_at %2 DEFAULT %3)")
                          .arg(id, ts, now);
    }
    return statements;
}

QStringList indexesAndAudit(const QSqlDatabase &, bool postgres)
{
    const QString ts = timestampType(postgres);
    const QString auditId = postgres ? QStringLiteral("BIGSERIAL PRIMARY KEY")
                                     : QStringLiteral("INTEGER PRIMARY KEY AUTOINCREMENT");
    return {
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
}

QStringList activeIndex(const QSqlDatabase &, bool)
{
    // The rule "at most one active row per username" lives here, in the database.
    // Inserts name this predicate verbatim in ON CONFLICT (SQLite requires the exact text).
    return { QStringLiteral("CREATE UNIQUE INDEX IF NOT EXISTS queue_one_active_per_username "
                            "ON queue (username) WHERE ") +
        ActivePredicate };
}

QStringList mixedCaseIndexes(const QSqlDatabase &, bool)
{
    // "Foo" and "foo" are the same profile. Lookups by a normalized name also probe these
    // partial indexes, which hold only the legacy mixed-case rows: the app's own lower-case
    // rows never enter them, so inserts do not pay for them.
    return {
        QStringLiteral("CREATE INDEX IF NOT EXISTS queue_username_mixed_case_idx "
                       "ON queue (lower(username)) WHERE ") +
            MixedCasePredicate,
        QStringLiteral("CREATE INDEX IF NOT EXISTS primary_profiles_username_mixed_case_idx "
                       "ON primary_profiles (lower(username)) WHERE ") +
            MixedCasePredicate,
    };
}

QStringList batchTables(const QSqlDatabase &, bool postgres)
{
    // Batches (core/batches/batches.h). Additive: the original workers never read these, and
    // `queue` is not touched. Items point to the queue row they created or found (queue_id,
    // no foreign key: the workers and the queue browser delete rows as before).
    // The items' layout is what a recorded batch pays per input, in its queue rows' transaction
    // (docs/benchmarks.md, section 1): on SQLite the table is its primary key (WITHOUT ROWID:
    // one B-tree less), and no index on queue_id (no statement looks items up by their row;
    // in a WITHOUT ROWID table each of its entries would carry the 36-character batch id too).
    // Databases made before this layout keep theirs (a rowid table, a queue_id index): every
    // statement reads and writes both alike, and no step rewrites or drops what they hold.
    const QString ts = timestampType(postgres);
    const QString uuid = postgres ? QStringLiteral("UUID") : QStringLiteral("TEXT");
    return {
        QStringLiteral("CREATE TABLE IF NOT EXISTS viralspot_batches ("
                       " id %1 PRIMARY KEY NOT NULL,"
                       " name TEXT NOT NULL,"
                       " source VARCHAR(100),"
                       " origin VARCHAR(20),"
                       " submitted_by VARCHAR(255),"
                       " created_at %2 NOT NULL,"
                       " finished_at %2,"
                       " notified_at %2,"
                       " notify BOOLEAN NOT NULL DEFAULT TRUE)")
            .arg(uuid, ts),
        QStringLiteral("CREATE INDEX IF NOT EXISTS viralspot_batches_created_at_idx "
                       "ON viralspot_batches (created_at, id)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS viralspot_batch_items ("
                       " batch_id %1 NOT NULL,"
                       " position INTEGER NOT NULL,"
                       " input TEXT,"
                       " username VARCHAR(255),"
                       " outcome VARCHAR(30) NOT NULL,"
                       " message TEXT,"
                       " queue_id %1,"
                       " PRIMARY KEY (batch_id, position))%2")
            .arg(uuid, postgres ? QString() : QStringLiteral(" WITHOUT ROWID")),
        QStringLiteral("CREATE INDEX IF NOT EXISTS viralspot_batch_items_username_idx "
                       "ON viralspot_batch_items (batch_id, username)"),
        QStringLiteral("CREATE TABLE IF NOT EXISTS viralspot_batch_predictions ("
                       " batch_id %1 NOT NULL,"
                       " made_at %2 NOT NULL,"
                       " done_fraction DOUBLE PRECISION NOT NULL,"
                       " earliest %2,"
                       " latest %2)")
            .arg(uuid, ts),
        QStringLiteral("CREATE INDEX IF NOT EXISTS viralspot_batch_predictions_batch_idx "
                       "ON viralspot_batch_predictions (batch_id, made_at)"),
    };
}

// The three statement-level triggers (INSERT, UPDATE, DELETE) on `table` that call
// viralspot_queue_notify(), named `prefix` + the event; dropped first, so a step runs again.
QStringList notifyTriggers(const QString &table, const QString &prefix)
{
    QStringList statements;
    for (const char *event : { "INSERT", "UPDATE", "DELETE" }) {
        const QString op = QString::fromLatin1(event);
        const QString name = prefix + op.toLower();
        statements << QStringLiteral("DROP TRIGGER IF EXISTS %1 ON %2").arg(name, table)
                   << QStringLiteral("CREATE TRIGGER %1 AFTER %2 ON %3 "
                                     "REFERENCING %4 TABLE AS changed_rows "
                                     "FOR EACH STATEMENT EXECUTE FUNCTION viralspot_queue_notify()")
                          .arg(name, op, table,
                              op == QLatin1String("DELETE") ? QStringLiteral("OLD")
                                                            : QStringLiteral("NEW"));
    }
    return statements;
}

// PostgreSQL: one notification on ChangeWatcher's channel per statement that changed `queue`
// rows, whoever runs it (this app, the original workers, a scraper), for the window's live
// updates. Per statement, never per row: a per-row pg_notify is a known bottleneck at
// thousands of inserts a second. A statement that touched no row (a worker finding nothing to
// claim) sends nothing; that needs the statement's transition table, and PostgreSQL allows one
// only for a trigger of one event, hence three triggers. The payload is empty, so PostgreSQL
// folds a transaction's notifications into one. Created by the migrating (owner) role; a
// trigger's function needs no right of the role whose statement fires it. SQLite has no
// notifications (the watcher reads PRAGMA data_version there): no statement.
QStringList queueChangeNotifications(const QSqlDatabase &, bool postgres)
{
    if (!postgres)
        return {};
    return QStringList {
        QStringLiteral("CREATE OR REPLACE FUNCTION viralspot_queue_notify() RETURNS trigger "
                       "LANGUAGE plpgsql AS $$ BEGIN "
                       "IF EXISTS (SELECT 1 FROM changed_rows) THEN "
                       "PERFORM pg_notify('%1', ''); END IF; "
                       "RETURN NULL; END $$")
            .arg(queueChangeChannel()),
    } + notifyTriggers(QStringLiteral("queue"), QStringLiteral("viralspot_queue_notify_"));
}

// PostgreSQL: the batch tables' own changes on the same channel, through step 7's function: a
// batch made, renamed, its notification switched, finished or announced by another window
// reaches this window's Batches tab at once, not at its next refresh. The items are left out:
// they are written in the statements that write their queue rows, which notify already.
QStringList batchChangeNotifications(const QSqlDatabase &, bool postgres)
{
    if (!postgres)
        return {};
    return notifyTriggers(
        QStringLiteral("viralspot_batches"), QStringLiteral("viralspot_batches_notify_"));
}

// The ETA's completion rate (core/batches: COUNT and MIN(updated_at) of the rows that became
// COMPLETED or FAILED in the last 15 minutes) reads this partial index instead of scanning the
// queue: a range of the last minutes, whatever the size of the table (10,000,000 rows:
// docs/benchmarks.md, section 9). The literals are the ones the workers and the rate query write
// (the CHECK of step 1; the legacy enum's labels), so both engines match the query to it (SQLite
// only when the query repeats the predicate, which it does; without statistics SQLite would
// still prefer the (status, priority) index, so the statement names this one there:
// Batches::completionRateSql). Built like steps 4 and 5 by a plain CREATE INDEX in the step's
// transaction: writers to `queue` wait while it builds, once (14.8 s at 10,000,000 rows).
// What it costs the original workers, who never read it: a row enters it only when it finishes
// (the worker's UPDATE to COMPLETED or FAILED), one index entry per finished row; PENDING,
// PROCESSING and PAUSED rows (and every insert: new rows are PENDING) never enter it. That
// UPDATE changes `status`, which the queue browser's indexes and the one-active-row index hold,
// so it was never a HOT update on PostgreSQL and already wrote every index; now it writes one
// more. The one kind of update that can lose HOT is one that changes `updated_at` and no indexed
// column (PostgreSQL decides HOT by the columns indexes name, partial or not); the workers'
// claim, completion and failure all change `status`, and the app's actions change `status` or
// `priority`. Deleting rows and VACUUM clean it like the other indexes. Size: one entry per
// finished row (timestamp + row pointer).
QStringList finishedRowsIndex(const QSqlDatabase &, bool)
{
    return { QStringLiteral("CREATE INDEX IF NOT EXISTS queue_finished_updated_at_idx "
                            "ON queue (updated_at) WHERE ") +
        FinishedPredicate };
}

// The original workers' claim (SELECT id FROM queue WHERE status = 'PENDING' ORDER BY priority,
// "timestamp" LIMIT 1 FOR UPDATE SKIP LOCKED) and the ETA's position (the waiting rows taken
// before a given one: status = 'PENDING' AND (priority, "timestamp") < (...)) read the waiting
// rows in the workers' order. The original database had (status, priority, "timestamp"); the
// app's schema had no index in that order, so on a queue of 10,000,000 rows with 1,000,000
// waiting each claim sorted every waiting row (2.6-2.8 s; with it 0.7-0.9 ms) and each position
// read the active rows through an unordered index (docs/benchmarks.md, section 9). A partial index
// of the waiting rows only: small (the waiting rows, not the history), and what it costs a writer
// is one more index entry per insert (new rows are PENDING) — measured in the same section. A row
// leaves it when a worker claims it (the claim changes `status`, so it was never a HOT update).
// Built like steps 4, 5 and 8 by a plain CREATE INDEX in the step's transaction. PostgreSQL here,
// where the original workers run and queues grow to millions of rows; SQLite in step 10.
QString waitingOrderIndexStatement()
{
    return QStringLiteral("CREATE INDEX IF NOT EXISTS queue_waiting_order_idx "
                          "ON queue (priority, \"timestamp\") WHERE status = 'PENDING'");
}

QStringList waitingOrderIndex(const QSqlDatabase &, bool postgres)
{
    if (!postgres)
        return {};
    return { waitingOrderIndexStatement() };
}

// Step 9's index on SQLite too. SQLite without statistics (the app never runs ANALYZE) keeps
// choosing the (status, priority) index for the workers' claim even with this one present (seen
// in its query plan; the claim is unchanged), so step 9 left it out there. The Batches tab's
// places and the single route's `eta` read it by name (INDEXED BY, falling back to the plain
// statement where it is missing): on 1,000,000 rows each place walked the (status, priority)
// index with a row lookup for every waiting row's timestamp, 1.5 s for a page of batches
// (docs/benchmarks.md section 9). Its cost to a writer, one entry per waiting row, is measured
// in the same section.
QStringList waitingOrderIndexOnSqlite(const QSqlDatabase &, bool postgres)
{
    if (postgres)
        return {};
    return { waitingOrderIndexStatement() };
}

constexpr int BatchesStep = 6;

// Step 3 makes one active row per username a rule; from step 5 on, active rows differing only
// in case count as duplicates too. Both need a queue without duplicates.
const QList<Step> &steps()
{
    static const QList<Step> list = {
        { 1, "queue and primary_profiles tables", baseTables },
        { 2, "indexes and audit_log", indexesAndAudit },
        { 3, "one active queue row per username", activeIndex, true },
        { 4, "queue browser indexes",
            [](const QSqlDatabase &, bool postgres) {
                return QueueQuery::indexStatements(postgres);
            } },
        { 5, "usernames matched regardless of case", mixedCaseIndexes, true },
        { BatchesStep, "batches", batchTables },
        { 7, "a notification per statement that changes the queue (PostgreSQL)",
            queueChangeNotifications },
        { 8, "an index of the finished queue rows by updated_at (the ETA's completion rate)",
            finishedRowsIndex },
        { 9,
            "an index of the waiting queue rows in the workers' order (their claim, the ETA; "
            "PostgreSQL)",
            waitingOrderIndex },
        { 10, "the index of the waiting queue rows in the workers' order on SQLite too (the ETA)",
            waitingOrderIndexOnSqlite },
        { 11, "a notification per statement that changes the batches (PostgreSQL)",
            batchChangeNotifications },
    };
    return list;
}

QString versionTableStatement(bool postgres)
{
    return QStringLiteral("CREATE TABLE IF NOT EXISTS viralspot_schema_version ("
                          " version INTEGER PRIMARY KEY,"
                          " description TEXT,"
                          " applied_at %1)")
        .arg(timestampType(postgres));
}

QString beginStatement(bool postgres)
{
    return postgres ? QStringLiteral("BEGIN") : QStringLiteral("BEGIN IMMEDIATE");
}

// Transaction-scoped: released by COMMIT or ROLLBACK, so it also holds through a transaction
// pooler, which would hand a session lock's connection to another client.
QString lockStatement()
{
    return QStringLiteral("SELECT pg_advisory_xact_lock(%1)").arg(MigrationLockKey);
}

Ran begin(QSqlDatabase &db, bool postgres)
{
    // SQLite: a process migrating a new file while others (already migrated) write can wait
    // longer than one busy timeout for the write lock (Database::beginWrite asks again).
    if (QSqlError error; !Database::beginWrite(db, &error))
        return { false,
            error.text() + QStringLiteral(" [") + beginStatement(postgres) + QLatin1Char(']'),
            error };
    if (!postgres)
        return { true, {}, {} };
    Ran locked = run(db, lockStatement());
    if (!locked.ok)
        run(db, QStringLiteral("ROLLBACK"));
    return locked;
}

struct VersionRead
{
    int version = 0;
    QSqlError error; // valid when the version table exists but could not be read
};

VersionRead readVersion(const QSqlDatabase &db)
{
    VersionRead read;
    if (!tableExists(db, QStringLiteral("viralspot_schema_version")))
        return read;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM viralspot_schema_version"))) {
        read.error = q.lastError();
        return read;
    }
    if (q.next())
        read.version = q.value(0).toInt();
    return read;
}

bool isPermissionError(const QSqlError &error)
{
    return error.nativeErrorCode() == QLatin1String("42501");
}

QString currentRole(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (q.exec(QStringLiteral("SELECT current_user")) && q.next())
        return q.value(0).toString();
    return db.userName();
}

// The rights the app needs at run time, one entry per table (the two tables of contract: Data and
// the app's own). Keep in step with the README's "Roles and grants".
struct Right
{
    QLatin1String object;
    QLatin1String privileges;
    bool sequence;
    const char *use;
};
const Right Rights[] = {
    { QLatin1String("queue"), QLatin1String("SELECT, INSERT, UPDATE"), false,
        "requests, the queue browser and its actions, the repair" },
    { QLatin1String("primary_profiles"), QLatin1String("SELECT"), false, "the processed check" },
    { QLatin1String("viralspot_schema_version"), QLatin1String("SELECT"), false,
        "the schema version, read on every connection" },
    { QLatin1String("audit_log"), QLatin1String("SELECT, INSERT"), false, "the audit log" },
    { QLatin1String("audit_log_id_seq"), QLatin1String("USAGE"), true, "the audit log's ids" },
    { QLatin1String("viralspot_batches"), QLatin1String("SELECT, INSERT, UPDATE"), false,
        "batches: recorded with requests, renamed, finished, notified" },
    { QLatin1String("viralspot_batch_items"), QLatin1String("SELECT, INSERT, UPDATE"), false,
        "batches: one item per input, following the row it created or found" },
    { QLatin1String("viralspot_batch_predictions"), QLatin1String("SELECT, INSERT"), false,
        "batches: predicted vs. actual finish times" },
};

QString grantStatement(const Right &right, const QString &role)
{
    return QStringLiteral("GRANT %1 ON %2%3 TO %4")
        .arg(right.privileges, right.sequence ? QStringLiteral("SEQUENCE ") : QString(),
            right.object, quoteIdentifier(role));
}

QString grantsCommand(const QString &role)
{
    return QStringLiteral("viralspot-admin migrate --print-sql --grant %1").arg(role);
}

QString migrationRefusedMessage(
    const QSqlDatabase &db, int version, const Step &step, const QString &why)
{
    const QString role = currentRole(db);
    return SchemaText::tr(
        "The database schema is at version %1 and this version of ViralSpot Admin needs "
        "version %2 (next step: %3 — %4), but the database role %5 may not change the "
        "schema (%6). Ask the database owner to run 'viralspot-admin migrate' with this "
        "database (to review the SQL first: 'viralspot-admin migrate --print-sql'), and "
        "to grant this role what it needs ('%7').")
        .arg(version)
        .arg(latestVersion())
        .arg(step.version)
        .arg(QString::fromLatin1(step.description), role, why.trimmed(), grantsCommand(role));
}

} // namespace

QString queueChangeChannel()
{
    return QStringLiteral("viralspot_queue");
}

int latestVersion()
{
    return steps().constLast().version;
}

int batchesVersion()
{
    return BatchesStep;
}

int currentVersion(const QSqlDatabase &db)
{
    return readVersion(db).version;
}

QString quoteIdentifier(const QString &role)
{
    static const QRegularExpression plain(QStringLiteral("^[a-z_][a-z0-9_$]*$"));
    if (plain.match(role).hasMatch())
        return role;
    QString quoted = role;
    quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QStringList grantStatements(const QString &role)
{
    QStringList statements;
    for (const Right &right : Rights)
        statements << grantStatement(right, role);
    return statements;
}

std::optional<QString> permissionProblem(const QSqlDatabase &db, const QSqlError &error)
{
    if (!isPermissionError(error))
        return std::nullopt;
    const QString role = currentRole(db);
    static const QRegularExpression denied(QStringLiteral(
        "permission denied for (table|relation|sequence|view|schema) \"?([A-Za-z0-9_.$]+)\"?"));
    const QRegularExpressionMatch match = denied.match(error.databaseText());
    const QString kind = match.captured(1);
    const QString object = match.captured(2);
    if (kind == QLatin1String("schema"))
        return SchemaText::tr(
            "The database role %1 may not create objects in schema %2, so it cannot bring "
            "the schema up to date. Ask the database owner to run 'viralspot-admin "
            "migrate' with this database, and to grant this role what it needs ('%3').")
            .arg(role, object, grantsCommand(role));
    for (const Right &right : Rights) {
        if (object != right.object)
            continue;
        return SchemaText::tr(
            "The database role %1 lacks a right on %2 (%3): it needs %4 there. As the "
            "database owner, run: %5; (every grant the app needs: '%6').")
            .arg(role, object, QString::fromLatin1(right.use), right.privileges,
                grantStatement(right, role), grantsCommand(role));
    }
    return SchemaText::tr(
        "The database role %1 lacks a right: %2 As the database owner, grant it (every "
        "grant the app needs: '%3').")
        .arg(role, error.databaseText().trimmed(), grantsCommand(role));
}

QString repairCommand()
{
    return QStringLiteral("viralspot-admin repair-duplicates --apply");
}

QString repairRequiredMessage(const DuplicateReport &duplicates)
{
    return SchemaText::tr(
        "The queue holds duplicate active rows (%1 usernames with %2 extra rows), left by "
        "an older tool, so requests are refused until they are repaired. Run '%3' to keep "
        "the oldest active row of each username and mark the others FAILED (nothing is "
        "deleted; without --apply it only lists them), or use Repair… in the window's "
        "banner.")
        .arg(duplicates.usernames)
        .arg(duplicates.extraRows)
        .arg(repairCommand());
}

namespace {

// The counts of duplicate active rows (none when there is no queue table yet).
ValueResult<DuplicateReport> findDuplicateActiveRows(const QSqlDatabase &db)
{
    using Found = ValueResult<DuplicateReport>;
    DuplicateReport report;
    if (!tableExists(db, QStringLiteral("queue")))
        return Found::success(report);
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT COUNT(*), COALESCE(SUM(n - 1), 0) FROM ("
                               " SELECT lower(username), COUNT(*) AS n FROM queue WHERE ") +
            ActivePredicate + QStringLiteral(" GROUP BY lower(username) HAVING COUNT(*) > 1) d")) ||
        !q.next())
        return Found::failure(q.lastError().text());
    report.usernames = q.value(0).toInt();
    report.extraRows = q.value(1).toInt();
    return Found::success(report);
}

} // namespace

MigrationResult migrate(QSqlDatabase &db)
{
    MigrationResult result;
    const bool postgres = Database::isPostgres(db);
    QString error;
    QSqlError sqlError;
    // Keeps what a failed statement said, for the messages below.
    auto ran = [&](const Ran &statement) {
        if (!statement.ok) {
            error = statement.error;
            sqlError = statement.sqlError;
        }
        return statement.ok;
    };
    auto fail = [&](const QString &generic) {
        const std::optional<QString> permission = permissionProblem(db, sqlError);
        result.errorKind = permission ? ErrorKind::SetupRequired : ErrorKind::Failed;
        result.error = permission ? *permission : generic;
        return result;
    };

    // The version first: a database that is up to date needs no DDL, and so no right to make
    // it (a least-privilege role).
    const VersionRead read = readVersion(db);
    if (read.error.isValid()) {
        sqlError = read.error;
        return fail(SchemaText::tr("Cannot read the schema version: %1").arg(read.error.text()));
    }
    result.fromVersion = read.version;
    result.toVersion = result.fromVersion;

    for (const Step &step : steps()) {
        if (step.version <= result.toVersion)
            continue;
        if (step.needsCleanQueue) {
            // Checked before any transaction or DDL: a database waiting for its repair is
            // asked again on every connection, and that costs one read.
            result.duplicates = findDuplicateActiveRows(db).value;
            if (!result.duplicates.isClean()) {
                // Debug only: this is asked on every connection until the repair, and each
                // front door says it in its own words (repairRequiredMessage()).
                qCDebug(lcCore).noquote()
                    << "the queue holds duplicate active rows:" << result.duplicates.usernames
                    << "usernames," << result.duplicates.extraRows << "extra rows";
                result.ok = true; // usable for reading; requests wait for the repair
                return result;
            }
        }
        sqlError = QSqlError();
        if (!ran(begin(db, postgres)) ||
            (!tableExists(db, QStringLiteral("viralspot_schema_version")) &&
                !ran(run(db, versionTableStatement(postgres))))) {
            run(db, QStringLiteral("ROLLBACK"));
            if (isPermissionError(sqlError)) {
                result.errorKind = ErrorKind::SetupRequired;
                result.error =
                    migrationRefusedMessage(db, result.toVersion, step, sqlError.databaseText());
                return result;
            }
            return fail(SchemaText::tr("Cannot start the migration: %1").arg(error));
        }
        // Another process may have migrated while we waited for the lock.
        const int current = readVersion(db).version;
        if (current >= step.version) {
            run(db, QStringLiteral("COMMIT"));
            result.toVersion = current;
            continue;
        }
        if (step.needsCleanQueue) {
            // Again under the lock: an older tool may have added one since.
            result.duplicates = findDuplicateActiveRows(db).value;
            if (!result.duplicates.isClean()) {
                run(db, QStringLiteral("ROLLBACK"));
                result.ok = true;
                return result;
            }
        }
        bool applied = true;
        for (const QString &sql : step.statements(db, postgres)) {
            if (!ran(run(db, sql))) {
                applied = false;
                break;
            }
        }
        if (applied) {
            // Unprepared on PostgreSQL: QPSQL's prepared statement would outlive this
            // transaction in the server session, which a transaction pooler lends to others.
            QSqlQuery record(db);
            if (!Database::exec(record,
                    QStringLiteral("INSERT INTO viralspot_schema_version "
                                   "(version, description, applied_at) VALUES (?, ?, ") +
                        (postgres ? QStringLiteral("now())")
                                  : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now'))")),
                    { step.version, QString::fromLatin1(step.description) }, &sqlError)) {
                error = sqlError.text();
                applied = false;
            }
        }
        applied = applied && ran(run(db, QStringLiteral("COMMIT")));
        if (!applied) {
            run(db, QStringLiteral("ROLLBACK"));
            if (isPermissionError(sqlError)) {
                result.errorKind = ErrorKind::SetupRequired;
                result.error =
                    migrationRefusedMessage(db, result.toVersion, step, sqlError.databaseText());
                return result;
            }
            return fail(SchemaText::tr("Migration %1 (%2) failed: %3")
                            .arg(step.version)
                            .arg(QString::fromLatin1(step.description), error));
        }
        qCDebug(lcCore) << "schema migrated to version" << step.version << step.description;
        result.toVersion = step.version;
    }
    result.ok = true;
    return result;
}

MigrationPlan plan(const QSqlDatabase &db, bool postgres)
{
    MigrationPlan result;
    int version = 0;
    DuplicateReport duplicates;
    if (db.isOpen()) {
        const VersionRead read = readVersion(db);
        if (read.error.isValid()) {
            result.error = permissionProblem(db, read.error).value_or(read.error.text());
            return result;
        }
        version = read.version;
        const ValueResult<DuplicateReport> found = findDuplicateActiveRows(db);
        if (!found.ok) {
            result.error = found.error;
            return result;
        }
        duplicates = found.value;
    }
    for (const Step &step : steps()) {
        if (step.version <= version)
            continue;
        PlannedStep p;
        p.version = step.version;
        p.description = QString::fromLatin1(step.description);
        p.statements = step.statements(db, postgres);
        p.blockedByDuplicates = step.needsCleanQueue && !duplicates.isClean();
        result.steps.append(p);
    }
    result.ok = true;
    return result;
}

QString script(const QList<PlannedStep> &planned, bool postgres, bool versionTableExists)
{
    QString out;
    bool versionTable = versionTableExists;
    for (const PlannedStep &step : planned) {
        out += QStringLiteral("-- Step %1: %2\n").arg(step.version).arg(step.description);
        if (step.blockedByDuplicates)
            out += QStringLiteral("-- Fails while the queue holds duplicate active rows: run "
                                  "'%1' first.\n")
                       .arg(repairCommand());
        out += beginStatement(postgres) + QStringLiteral(";\n");
        if (postgres)
            out += lockStatement() + QStringLiteral(";\n");
        if (!versionTable) {
            out += versionTableStatement(postgres) + QStringLiteral(";\n");
            versionTable = true;
        }
        for (const QString &sql : step.statements)
            out += sql + QStringLiteral(";\n");
        QString description = step.description;
        description.replace(QLatin1Char('\''), QStringLiteral("''"));
        out += QStringLiteral("INSERT INTO viralspot_schema_version (version, description, "
                              "applied_at) VALUES (%1, '%2', %3);\n")
                   .arg(step.version)
                   .arg(description,
                       postgres ? QStringLiteral("now()")
                                : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ','now')"));
        out += QStringLiteral("COMMIT;\n\n");
    }
    return out;
}

RepairPreview previewRepair(const QSqlDatabase &db, int limit)
{
    RepairPreview preview;
    const ValueResult<DuplicateReport> found = findDuplicateActiveRows(db);
    if (!found.ok) {
        preview.error = found.error;
        return preview;
    }
    const DuplicateReport &report = found.value;
    preview.usernames = report.usernames;
    preview.extraRows = report.extraRows;
    QList<DuplicateRow> &rows = preview.rows;
    if (!tableExists(db, QStringLiteral("queue"))) {
        preview.ok = true;
        return preview;
    }
    const bool postgres = Database::isPostgres(db);
    const QString idText = postgres ? QStringLiteral("id::text") : QStringLiteral("id");
    // The same ranking as repairDuplicates().
    QString sql = QStringLiteral(
        "WITH ranked AS ("
        " SELECT %1 AS id, username, status, priority, created_at,"
        "  ROW_NUMBER() OVER (PARTITION BY lower(username)"
        "   ORDER BY created_at ASC NULLS LAST, timestamp ASC NULLS LAST, %1 ASC) AS rn,"
        "  FIRST_VALUE(%1) OVER (PARTITION BY lower(username)"
        "   ORDER BY created_at ASC NULLS LAST, timestamp ASC NULLS LAST, %1 ASC) AS kept"
        " FROM queue WHERE %2)"
        " SELECT id, username, status, priority, created_at, kept FROM ranked WHERE rn > 1"
        " ORDER BY lower(username), rn")
                      .arg(idText, ActivePredicate);
    if (limit > 0)
        sql += QStringLiteral(" LIMIT %1").arg(limit);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(sql)) {
        preview.error = q.lastError().text();
        return preview;
    }
    while (q.next()) {
        DuplicateRow row;
        row.id = q.value(0).toString();
        row.username = q.value(1).toString();
        row.status = q.value(2).toString();
        row.priority = q.value(3).toString();
        const QVariant created = q.value(4);
        row.createdAt = created.metaType().id() == QMetaType::QDateTime
            ? created.toDateTime().toUTC().toString(Qt::ISODateWithMs)
            : created.toString();
        row.keptId = q.value(5).toString();
        rows.append(row);
    }
    preview.ok = true;
    return preview;
}

QStringList previewColumns(const DuplicateRow &row)
{
    return { row.username, row.id, row.status + QLatin1Char(' ') + row.priority, row.createdAt,
        row.keptId };
}

RepairResult repairDuplicates(QSqlDatabase &db)
{
    RepairResult result;
    const bool postgres = Database::isPostgres(db);
    if (const Ran began = begin(db, postgres); !began.ok) {
        result.error = began.error;
        return result;
    }
    const DuplicateReport before = findDuplicateActiveRows(db).value;

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
        run(db, QStringLiteral("ROLLBACK"));
        return result;
    }
    result.rowsMarkedFailed = q.numRowsAffected();
    result.usernames = before.usernames;
    if (const Ran committed = run(db, QStringLiteral("COMMIT")); !committed.ok) {
        result.error = committed.error;
        run(db, QStringLiteral("ROLLBACK"));
        return result;
    }
    const MigrationResult migrated = migrate(db);
    result.ok = migrated.readyForRequests();
    if (!result.ok)
        result.error = migrated.error.isEmpty()
            ? SchemaText::tr("Duplicate active rows remain after the repair.")
            : migrated.error;
    return result;
}

} // namespace ViralSpot::Schema
