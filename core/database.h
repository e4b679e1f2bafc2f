#pragma once

#include "core/databaseconfig.h"
#include "core/result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QString>
#include <QVariantList>

#include <utility>

class QSqlQuery;
struct sqlite3;

namespace ViralSpot::Database {

// Makes Qt SQL's process-wide driver table before any thread connects (open() calls it; call
// it yourself before QSqlDatabase::addDatabase() from threads that bypass open()).
void initializeDrivers();

// Opens (or returns the already open) named connection for the calling thread. A connection
// may be used only on the thread that opened it: give each thread its own name.
// SQLite: WAL, synchronous=FULL, busy timeout, foreign keys. PostgreSQL: connect timeout and
// keepalives so that a dead server fails in seconds.
// On failure: !ok, why in `error`, errorKind Unavailable, and an invalid/closed `value`.
ValueResult<QSqlDatabase> open(const DatabaseConfig &config, const QString &connectionName);

// Closes and removes the connection. Call on the thread that opened it, after every
// QSqlQuery on it is gone.
void close(const QString &connectionName);

// A connection name unique to the calling thread and the given purpose.
QString threadConnectionName(const QString &purpose);

bool isPostgres(const QSqlDatabase &db);

// The SQLite connection under an open QSQLITE `db` (Qt's driver and this program use the one
// system libsqlite3), for what Qt SQL cannot do; nullptr for any other database.
sqlite3 *sqliteHandle(const QSqlDatabase &db);

// True for SQLite's "database is busy / locked" (any extended code): worth a retry.
bool isBusy(const QSqlError &error);
// "?, ?, ?": `count` placeholders (`one` each) for an IN list or a VALUES row.
QString placeholders(int count, const QString &one = QStringLiteral("?"));

// A timestamp as the batch tables bind it: UTC QDateTime on PostgreSQL, ISO text with
// milliseconds and "Z" on SQLite (as the queue's own columns hold them).
QVariant timestampValue(const QSqlDatabase &db, const QDateTime &when);

// A unique or primary-key constraint refused a row: PostgreSQL 23505, SQLite's
// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
bool isUniqueViolation(const QSqlError &error);

// Opens a writing transaction: BEGIN on PostgreSQL; BEGIN IMMEDIATE on SQLite, which takes the
// write lock at once (a deferred transaction that reads first cannot always upgrade and fails
// without waiting). On SQLite a lock still busy after one busy timeout (another process in a
// long write, e.g. a large bulk chunk under load) is asked for again, for up to `patienceMs`
// in all, before giving up: for work that is not a request waiting for its answer (actions,
// migrations, batch records). Returns false with *error set.
bool beginWrite(QSqlDatabase &db, QSqlError *error = nullptr, int patienceMs = 60000);

// True when the error means the connection itself is gone (so it should be reopened), or
// when SQLite's files were replaced underneath it (SqliteFileGuard::check()).
bool isConnectionLost(const QSqlDatabase &db);

// Runs `sql` on `query` with its `?` placeholders bound, in order, to `values`.
// SQLite: prepare(), bind, exec(). PostgreSQL: the values are written into the statement as
// literals (postgresLiteral()) and it is sent unprepared, because QPSQL's prepare() creates a
// named statement in the server session (PREPARE qpsqlpstmt_N). Behind a transaction pooler
// (PgBouncer pool_mode=transaction, Supabase port 6543) the next transaction may run in
// another server session, where that statement is missing or another client's of the same
// name exists; so nothing the app runs may leave state in the session.
// Returns false with *error set (the query's error, or why a value cannot be written).
bool exec(
    QSqlQuery &query, const QString &sql, const QVariantList &values, QSqlError *error = nullptr);

// exec() with PostgreSQL planner settings (name -> value, e.g. "jit" -> "off") for this
// statement's own transaction only: set_config(name, value, true), SET LOCAL's function form,
// sent in the same statement string (pooler-safe: nothing stays in the session). The query is
// left on the statement's result. SQLite: plain exec(), the settings ignored.
bool execWithSettings(QSqlQuery &query, const QList<std::pair<QString, QString>> &settings,
    const QString &sql, const QVariantList &values, QSqlError *error = nullptr);

// A PostgreSQL literal for a value: NULL, TRUE/FALSE, a number, a string (E'...' with `\` and
// `'` doubled when it holds a backslash, so it reads the same whatever
// standard_conforming_strings says), timestamptz/date/bytea casts. Fails for a string holding
// a NUL character (PostgreSQL text cannot, and libpq would cut the statement).
ValueResult<QString> postgresLiteral(const QVariant &value);

// `sql` with every `?` outside string literals, quoted identifiers and comments replaced by
// the literal of the next value. Fails when the counts differ or a value cannot be written.
ValueResult<QString> withPostgresLiterals(const QString &sql, const QVariantList &values);

} // namespace ViralSpot::Database
