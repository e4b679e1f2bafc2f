#pragma once

#include "core/outcome.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QString>
#include <QStringList>

#include <optional>

namespace ViralSpot::Schema {

// The newest schema version this build knows.
int latestVersion();

// The version from which the batch tables (viralspot_batches and its items) exist.
int batchesVersion();

// PostgreSQL: the channel the queue's statement trigger (step 7) notifies, once per statement
// that changed rows (ChangeWatcher listens to it).
QString queueChangeChannel();

// The version recorded in the database (0 for a database the app never touched, or one whose
// version table this role may not read).
int currentVersion(const QSqlDatabase &db);

struct DuplicateReport
{
    // usernames (compared regardless of case) with more than one active (PENDING/PROCESSING) row
    int usernames = 0;
    int extraRows = 0; // active rows beyond the oldest one per username
    bool isClean() const { return usernames == 0; }
};

struct MigrationResult
{
    bool ok = false;
    QString error; // set when !ok
    // When !ok: SetupRequired when the role lacks a right (to read the version table, or to
    // migrate a schema that is behind), else Failed.
    ErrorKind errorKind = ErrorKind::None;
    int fromVersion = 0;
    int toVersion = 0;
    DuplicateReport duplicates; // non-clean: the one-active-row index could not be created
    // ok && !duplicates.isClean(): the schema is usable for reading, but requests are refused
    // until repairDuplicates() has run.
    bool readyForRequests() const { return ok && duplicates.isClean(); }
};

// Reads the schema version first and runs DDL only for the steps that are missing (additive
// only; existing ViralSpot tables are adopted as they are), each step in one transaction under
// a transaction-scoped advisory lock on PostgreSQL (a transaction pooler would lose a session
// lock). Safe to run concurrently from many processes. A database already at the latest
// version costs one catalog read and one SELECT, and needs no right beyond reading
// viralspot_schema_version.
MigrationResult migrate(QSqlDatabase &db);

// One migration step as SQL, for review (`viralspot-admin migrate --print-sql`).
struct PlannedStep
{
    int version = 0;
    QString description;
    QStringList statements;
    // Steps 3 and 5 cannot run while the queue holds duplicate active rows.
    bool blockedByDuplicates = false;
};

struct MigrationPlan
{
    bool ok = false;
    QString error; // the database could not be read
    QList<PlannedStep> steps;
};

// The steps migrate() would run on `db`, with the statements it would run, from what the
// database holds now; nothing is changed. With `db` not open: every step, as for a new
// database of the given engine.
MigrationPlan plan(const QSqlDatabase &db, bool postgres);

// `steps` as one script a DBA can read or run with psql/sqlite3: each step in a transaction
// (with the advisory lock on PostgreSQL), recorded in viralspot_schema_version.
QString script(const QList<PlannedStep> &steps, bool postgres, bool versionTableExists);

// The rights the app needs at run time on PostgreSQL, as GRANT statements for `role`:
// every table it reads or writes (and the audit log's id sequence).
QStringList grantStatements(const QString &role);

// `role` as an SQL identifier (quoted when it needs to be).
QString quoteIdentifier(const QString &role);

// When `error` is PostgreSQL's "insufficient privilege" (42501): a sentence naming the table
// (or schema), the right that is missing, and the GRANT (or command) for the owner to run.
// None for any other error.
std::optional<QString> permissionProblem(const QSqlDatabase &db, const QSqlError &error);

// What every front door says while duplicates block requests: the counts, the command that
// repairs them and that the window can do it too.
QString repairRequiredMessage(const DuplicateReport &duplicates);

// The exact command that repairs duplicates.
QString repairCommand();

// One active row that repairDuplicates() would mark FAILED.
struct DuplicateRow
{
    QString id;
    QString username;
    QString status;
    QString priority;
    QString createdAt; // as the database gives it (text)
    QString keptId; // the row kept for the same username
};

// What repairDuplicates() would do, for the window's dialog and `repair-duplicates` without
// --apply; nothing is changed.
struct RepairPreview
{
    bool ok = false;
    QString error;
    int usernames = 0; // with more than one active row
    int extraRows = 0; // rows it would mark FAILED
    QList<DuplicateRow> rows; // those rows, ordered by username; at most the preview's limit
};

// The preview, with at most `limit` rows (0: all).
RepairPreview previewRepair(const QSqlDatabase &db, int limit);

// One previewed row as both front doors show it: username, row id, "STATUS PRIORITY", created,
// the id of the row kept.
QStringList previewColumns(const DuplicateRow &row);

struct RepairResult
{
    bool ok = false;
    QString error;
    int usernames = 0;
    int rowsMarkedFailed = 0;
};

// Keeps the oldest active row per username and marks the others FAILED, with an
// error_message naming the row kept. Deletes nothing. Then finishes the migration.
RepairResult repairDuplicates(QSqlDatabase &db);

} // namespace ViralSpot::Schema
