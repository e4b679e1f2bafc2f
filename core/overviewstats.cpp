#include "core/overviewstats.h"

#include "core/database.h"
#include "core/queuequery.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace ViralSpot {

qint64 HourlySeries::total() const
{
    qint64 sum = 0;
    for (const QList<qint64> &values : counts) {
        for (const qint64 v : values)
            sum += v;
    }
    return sum;
}

namespace OverviewStats {

namespace {

QDateTime hourStart(const QDateTime &t)
{
    const QDateTime utc = t.toUTC();
    return QDateTime(utc.date(), QTime(utc.time().hour(), 0), Qt::UTC);
}

} // namespace

ValueResult<HourlySeries> requestsPerHour(
    const QSqlDatabase &db, const QDateTime &now, int hours, OverviewSplit split, int maxSeries)
{
    using Series = ValueResult<HourlySeries>;
    HourlySeries series;
    const QDateTime last = hourStart(now);
    const QDateTime first = last.addSecs(-3600LL * (hours - 1));
    for (int i = 0; i < hours; ++i)
        series.hours << first.addSecs(3600LL * i);

    const bool pg = Database::isPostgres(db);
    // The same "YYYY-MM-DDTHH" bucket text on both engines (SQLite stores ISO-8601 UTC text).
    const QString bucket = pg
        ? QStringLiteral("to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')")
        : QStringLiteral("substr(created_at, 1, 13)");
    const QString key =
        split == OverviewSplit::Status ? QStringLiteral("status") : QStringLiteral("source");
    const QString ts = QueueQuery::timestampPlaceholder(db);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Unprepared on PostgreSQL (transaction poolers): see Database::exec().
    QSqlError sqlError;
    if (!Database::exec(q,
            QStringLiteral("SELECT ") + bucket + QStringLiteral(" AS bucket, ") + key +
                QStringLiteral(", COUNT(*) FROM queue WHERE created_at >= ") + ts +
                QStringLiteral(" AND created_at < ") + ts + QStringLiteral(" GROUP BY 1, 2"),
            { QueueQuery::timestampValue(db, first),
                QueueQuery::timestampValue(db, last.addSecs(3600)) },
            &sqlError))
        return Series::failure(sqlError.text());

    QHash<QString, int> index; // bucket text -> position
    for (int i = 0; i < hours; ++i)
        index.insert(series.hours.at(i).toString(QStringLiteral("yyyy-MM-dd'T'HH")), i);
    QMap<QString, QList<qint64>> raw;
    QMap<QString, qint64> totals;
    while (q.next()) {
        const int pos = index.value(q.value(0).toString(), -1);
        if (pos < 0)
            continue;
        QString name = q.value(1).isNull() ? QString(NoSourceKey) : q.value(1).toString();
        auto it = raw.find(name);
        if (it == raw.end())
            it = raw.insert(name, QList<qint64>(hours, 0));
        const qint64 n = q.value(2).toLongLong();
        (*it)[pos] += n;
        totals[name] += n;
    }

    QStringList keys = raw.keys();
    if (split == OverviewSplit::Status) {
        // Known statuses in their natural order, then anything unexpected.
        QStringList ordered;
        for (const QString &s : QueueQuery::knownStatuses()) {
            if (raw.contains(s))
                ordered << s;
        }
        for (const QString &k : std::as_const(keys)) {
            if (!ordered.contains(k))
                ordered << k;
        }
        series.keys = ordered;
        series.counts = raw;
        return Series::success(series);
    }

    std::sort(keys.begin(), keys.end(), [&totals](const QString &a, const QString &b) {
        return totals.value(a) != totals.value(b) ? totals.value(a) > totals.value(b) : a < b;
    });
    const int keep = maxSeries > 1 && keys.size() > maxSeries ? maxSeries - 1 : int(keys.size());
    for (int i = 0; i < keys.size(); ++i) {
        const QString &k = keys.at(i);
        if (i < keep) {
            series.keys << k;
            series.counts.insert(k, raw.value(k));
            continue;
        }
        auto it = series.counts.find(OtherKey);
        if (it == series.counts.end())
            it = series.counts.insert(OtherKey, QList<qint64>(hours, 0));
        const QList<qint64> values = raw.value(k);
        for (int h = 0; h < hours; ++h)
            (*it)[h] += values.at(h);
    }
    if (series.counts.contains(OtherKey))
        series.keys << QString(OtherKey);
    return Series::success(series);
}

namespace {

QMap<QString, qint64> shownCounts(const QMap<QString, QueueCount> &counts)
{
    QMap<QString, qint64> result;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (it->rows > 0)
            result.insert(it.key(), it->rows);
    }
    return result;
}

} // namespace

ValueResult<QMap<QString, qint64>> composition(const QSqlDatabase &db)
{
    const QueueCounts counts = QueueQuery::counts(db);
    if (!counts.ok)
        return ValueResult<QMap<QString, qint64>>::failure(counts.error);
    return ValueResult<QMap<QString, qint64>>::success(shownCounts(counts.byStatus));
}

OverviewData load(
    const QSqlDatabase &db, OverviewSplit split, const QDateTime &now, qint64 countCap)
{
    OverviewData data;
    data.now = now;
    data.split = split;
    const ValueResult<HourlySeries> lastDay = requestsPerHour(db, now, 24, split, 6);
    data.lastDay = lastDay.value;
    if (!lastDay.ok) {
        data.error = lastDay.error;
        return data;
    }
    const ValueResult<HourlySeries> lastWeek = requestsPerHour(db, now, 24 * 7, split, 6);
    data.lastWeek = lastWeek.value;
    if (!lastWeek.ok) {
        data.error = lastWeek.error;
        return data;
    }
    // Not a GROUP BY over the whole table on every refresh: capped and estimated counts.
    const QueueCounts counts = QueueQuery::counts(db, countCap);
    for (auto it = counts.byStatus.cbegin(); it != counts.byStatus.cend(); ++it) {
        if (it->rows > 0)
            data.compositionCounts.insert(it.key(), *it);
    }
    data.composition = shownCounts(counts.byStatus);
    data.ok = counts.ok;
    data.error = counts.error;
    return data;
}

} // namespace OverviewStats
} // namespace ViralSpot
