#pragma once

#include "core/outcome.h"
#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace ViralSpot {

// A profile's state as the endpoint's status route reports it.
struct ProfileStatus
{
    bool ok = false; // false: the database failed (error says why)
    QString error;
    ErrorKind errorKind = ErrorKind::None; // set when !ok
    bool completed = false; // in primary_profiles
    // "COMPLETED" (in primary_profiles), else the newest queue row's status, else "NOT_FOUND"
    QString status;
    int attempts = 0;
    QString message;
};

// One row of the `queue` table as the browser shows it.
struct QueueRow
{
    QString id;
    QString username;
    QString source;
    QString priority;
    QString status;
    int attempts = 0;
    QDateTime lastAttempt;
    QString errorMessage;
    QString requestId;
    QDateTime createdAt;
    QDateTime updatedAt;
};

// What the browser shows. Empty members do not filter.
struct QueueFilter
{
    QStringList statuses; // any of these (exact, e.g. "FAILED")
    QStringList priorities; // any of these ("HIGH", "LOW")
    QString source; // exact
    QDateTime createdFrom; // inclusive
    QDateTime createdTo; // exclusive
    // Case-insensitive prefix of the username; a leading '@' and white space are ignored.
    QString usernamePrefix;

    bool operator==(const QueueFilter &other) const;
    bool operator!=(const QueueFilter &other) const { return !(*this == other); }
};

enum class QueueColumn
{
    Username,
    Status,
    Priority,
    Source,
    Attempts,
    LastAttempt,
    ErrorMessage,
    CreatedAt,
    UpdatedAt,
};
inline constexpr int QueueColumnCount = 9;

struct QueueSort
{
    QueueColumn column = QueueColumn::CreatedAt;
    Qt::SortOrder order = Qt::DescendingOrder;
};

struct QueuePage
{
    bool ok = false;
    QString error;
    qint64 offset = 0;
    QList<QueueRow> rows;
};

struct QueueCount
{
    bool ok = false;
    QString error;
    qint64 rows = 0;
};

// Rows per status and per priority over the whole queue.
struct QueueCounts
{
    bool ok = false;
    QString error;
    qint64 total = 0;
    QMap<QString, qint64> byStatus; // every known status present, 0 when none
    QMap<QString, qint64> byPriority; // HIGH, LOW, plus any other value found
};

// Reads of the `queue` table for the browser: filtering, sorting, searching and paging all
// happen in SQL, so a queue of millions of rows is never loaded. Every function runs on the
// calling thread's connection `db`.
namespace QueueQuery {

QStringList knownStatuses(); // PENDING, PROCESSING, COMPLETED, FAILED, PAUSED
QStringList knownPriorities(); // HIGH, LOW

// `limit` rows starting at `offset` in the filter's sort order (ties broken by id, so the
// order is total and pages never overlap).
QueuePage fetch(const QSqlDatabase &db, const QueueFilter &filter, const QueueSort &sort,
    qint64 offset, int limit);

// Only the ids of a range, for acting on selected rows that are not loaded.
ValueResult<QStringList> fetchIds(const QSqlDatabase &db, const QueueFilter &filter,
    const QueueSort &sort, qint64 offset, int limit);

QueueCount count(const QSqlDatabase &db, const QueueFilter &filter);
QueueCounts counts(const QSqlDatabase &db);

// Distinct sources present, sorted (for a filter list).
ValueResult<QStringList> sources(const QSqlDatabase &db);

// Every queue row of one (normalized) username, newest first.
ValueResult<QList<QueueRow>> history(const QSqlDatabase &db, const QString &username);
// value: true when the username has a primary_profiles row.
ValueResult<bool> isProcessed(const QSqlDatabase &db, const QString &username);

// One profile's state for the endpoint's status route: isProcessed() and the newest queue row
// (legacy mixed-case names included). A lost connection gives Unavailable (the caller may
// reconnect and ask again), a missing grant SetupRequired.
ProfileStatus profileStatus(const QSqlDatabase &db, const QString &username);

// Extra indexes the browser's queries need to stay fast on millions of rows (sorting by
// creation time with a total order, status filter + sort, case-insensitive prefix search on
// PostgreSQL). Idempotent (IF NOT EXISTS); meant to be run by a schema migration.
Result ensureIndexes(QSqlDatabase &db);
// The statements ensureIndexes() runs (for `viralspot-admin migrate --print-sql`).
QStringList indexStatements(bool postgres);

// Timestamps: SQLite keeps ISO-8601 UTC text ("2026-01-02T03:04:05.678Z"), PostgreSQL
// timestamptz. These convert in both directions.
QDateTime toDateTime(const QVariant &value);
QVariant timestampValue(const QSqlDatabase &db, const QDateTime &value);
// A placeholder for a bound timestamp: "?" on SQLite, "CAST(? AS timestamptz)" on PostgreSQL.
QString timestampPlaceholder(const QSqlDatabase &db);
// The SQL for "now" in the engine's timestamp representation.
QString nowExpression(const QSqlDatabase &db);

QString columnName(QueueColumn column); // the SQL column

} // namespace QueueQuery
} // namespace ViralSpot

Q_DECLARE_METATYPE(ViralSpot::QueueRow)
