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

// How far a count can be trusted. Counting every matching row of a queue of millions reads
// millions of index entries; the browser counts at most a cap of rows exactly and says so
// beyond it (River UI caps its per-state counts at 10,000 the same way).
enum class CountKind
{
    Exact, // `rows` is the number of rows
    Capped, // more than `rows` (the cap) rows; no estimate (SQLite)
    Estimated, // more than the cap; `rows` is the PostgreSQL planner's estimate
};

struct QueueCount
{
    bool ok = false;
    QString error;
    qint64 rows = 0; // what to show: the count, the cap, or the estimate (see kind)
    CountKind kind = CountKind::Exact;
    qint64 counted = 0; // rows known to exist: rows when exact, else cap + 1
    bool isExact() const { return kind == CountKind::Exact; }
};

// Rows per status and per priority over the whole queue.
struct QueueCounts
{
    bool ok = false;
    QString error;
    QueueCount total;
    QMap<QString, QueueCount> byStatus; // every known status present, 0 when none
    QMap<QString, QueueCount> byPriority; // HIGH, LOW, plus any other value found
    bool isExact() const; // every number exact
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

// The most rows a count reads before it stops (and, on PostgreSQL, asks the planner).
inline constexpr qint64 CountCap = 10000;

// Rows matching the filter beyond the first `offset`, counting at most `cap` of them: exact up
// to the cap (`SELECT count(*) FROM (SELECT 1 ... LIMIT cap + 1)`), beyond it Estimated on
// PostgreSQL (EXPLAIN's row estimate, never below cap + 1; only when offset is 0) or Capped.
// cap <= 0 counts every row (exact, and as slow as the table is large: only when asked).
QueueCount count(
    const QSqlDatabase &db, const QueueFilter &filter, qint64 cap = CountCap, qint64 offset = 0);
// Per status and priority with a bounded cost: a queue of at most `cap` rows is grouped
// exactly; a larger one is counted per known (status, priority) pair up to the cap each, on
// the (status, priority) index, the pairs beyond it estimated by the planner (PostgreSQL) or
// capped (SQLite), and the total estimated or capped likewise. cap <= 0 groups the whole
// table exactly (only when asked).
QueueCounts counts(const QSqlDatabase &db, qint64 cap = CountCap);

// A count as the window shows it: "1,234", "10,000+", "about 9.8 million".
QString countText(const QueueCount &count);

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
