#pragma once

#include "core/queuequery.h"
#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace ViralSpot {

enum class OverviewSplit
{
    Status, // the outcome so far: the row's status (COMPLETED, FAILED, PENDING, ...)
    Source, // where the request came from (largest sources, the rest as "other")
};

// Requests (queue rows by created_at) per hour, one series per split key.
struct HourlySeries
{
    QList<QDateTime> hours; // bucket starts (UTC), oldest first
    QStringList keys; // series names, in display order
    QMap<QString, QList<qint64>> counts; // key -> one count per hour (same length as hours)
    qint64 total() const;
};

struct OverviewData
{
    bool ok = false;
    QString error;
    QDateTime now;
    OverviewSplit split = OverviewSplit::Status;
    HourlySeries lastDay; // 24 hourly buckets ending with the current hour
    HourlySeries lastWeek; // 168 hourly buckets ending with the current hour
    QMap<QString, qint64> composition; // rows per status over the whole queue (present ones)
    // The same numbers with how far each can be trusted: on a large queue they are counted up
    // to a cap and estimated (PostgreSQL) or capped beyond it (QueueQuery::counts).
    QMap<QString, QueueCount> compositionCounts;
};

// The overview's numbers, computed in SQL (grouping by hour and key happens in the database).
namespace OverviewStats {

inline constexpr QLatin1String OtherKey("other");
inline constexpr QLatin1String NoSourceKey("(none)");

// `hours` buckets ending with the hour that contains `now`. Source splits keep the
// `maxSeries - 1` largest sources and add the rest up as "other".
ValueResult<HourlySeries> requestsPerHour(const QSqlDatabase &db, const QDateTime &now, int hours,
    OverviewSplit split, int maxSeries = 6);

// Rows per status (those present), from QueueQuery::counts(): a bounded cost on any queue.
ValueResult<QMap<QString, qint64>> composition(const QSqlDatabase &db);

OverviewData load(const QSqlDatabase &db, OverviewSplit split,
    const QDateTime &now = QDateTime::currentDateTimeUtc(), qint64 countCap = QueueQuery::CountCap);

} // namespace OverviewStats
} // namespace ViralSpot
