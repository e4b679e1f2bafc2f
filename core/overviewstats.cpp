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

namespace {

// Rows per hour and key over `hours` hours ending with the hour of `now`, every key kept.
struct RawHours
{
    QList<QDateTime> hours; // bucket starts (UTC), oldest first
    QMap<QString, QList<qint64>> counts; // key -> one count per hour
};

ValueResult<RawHours> readHours(
    const QSqlDatabase &db, const QDateTime &now, int hours, OverviewSplit split)
{
    RawHours out;
    const QDateTime last = hourStart(now);
    const QDateTime first = last.addSecs(-3600LL * (hours - 1));
    for (int i = 0; i < hours; ++i)
        out.hours << first.addSecs(3600LL * i);

    const bool pg = Database::isPostgres(db);
    // The bucket: on PostgreSQL the hour's number since the epoch (formatting a text per row
    // with to_char cost 40% of the statement on 232,000 rows), on SQLite the "YYYY-MM-DDTHH"
    // prefix of the stored ISO-8601 UTC text.
    const QString bucket = pg
        ? QStringLiteral("floor(date_part('epoch', created_at) / 3600)::bigint")
        : QStringLiteral("substr(created_at, 1, 13)");
    const QString key =
        split == OverviewSplit::Status ? QStringLiteral("status") : QStringLiteral("source");
    const QString ts = QueueQuery::timestampPlaceholder(db);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Unprepared on PostgreSQL (transaction poolers): see Database::exec(). Without JIT and
    // parallel workers, set in the same statement string (set_config(..., true): this
    // statement's own transaction). On 10,000,000 rows the week's 232,000 rows made the planner
    // choose a parallel scan of the whole table with external sorts (1.9–2.6 s) over the
    // created_at index it takes without workers (160 ms), and its cost crossed jit_above_cost
    // (compiling: 414 ms instead of 184 for the old statement). docs/benchmarks.md section 4.
    const QString sql = QStringLiteral("SELECT ") + bucket + QStringLiteral(" AS bucket, ") + key +
        QStringLiteral(", COUNT(*) FROM queue WHERE created_at >= ") + ts +
        QStringLiteral(" AND created_at < ") + ts + QStringLiteral(" GROUP BY 1, 2");
    QSqlError sqlError;
    const QVariantList window { QueueQuery::timestampValue(db, first),
        QueueQuery::timestampValue(db, last.addSecs(3600)) };
    if (!Database::execWithSettings(q,
            { { QStringLiteral("jit"), QStringLiteral("off") },
                { QStringLiteral("max_parallel_workers_per_gather"), QStringLiteral("0") } },
            sql, window, &sqlError))
        return ValueResult<RawHours>::failure(sqlError.text());

    QHash<QString, int> index; // SQLite: bucket text -> position
    if (!pg) {
        for (int i = 0; i < hours; ++i)
            index.insert(out.hours.at(i).toString(QStringLiteral("yyyy-MM-dd'T'HH")), i);
    }
    const qint64 firstHour = first.toSecsSinceEpoch() / 3600;
    while (q.next()) {
        const int pos =
            pg ? int(q.value(0).toLongLong() - firstHour) : index.value(q.value(0).toString(), -1);
        if (pos < 0 || pos >= hours)
            continue;
        const QString name = q.value(1).isNull() ? QString(NoSourceKey) : q.value(1).toString();
        auto it = out.counts.find(name);
        if (it == out.counts.end())
            it = out.counts.insert(name, QList<qint64>(hours, 0));
        (*it)[pos] += q.value(2).toLongLong();
    }
    return ValueResult<RawHours>::success(out);
}

// The last `hours` of `raw` as series. Source splits keep the `maxSeries - 1` largest sources
// (over those hours) and add the rest up as "other".
HourlySeries seriesOf(const RawHours &raw, int hours, OverviewSplit split, int maxSeries)
{
    HourlySeries series;
    const int from = int(raw.hours.size()) - hours;
    series.hours = raw.hours.mid(from);
    QMap<QString, QList<qint64>> counts;
    QMap<QString, qint64> totals;
    for (auto it = raw.counts.cbegin(); it != raw.counts.cend(); ++it) {
        const QList<qint64> values = it.value().mid(from);
        qint64 total = 0;
        for (const qint64 v : values)
            total += v;
        if (total == 0)
            continue;
        counts.insert(it.key(), values);
        totals.insert(it.key(), total);
    }

    QStringList keys = counts.keys();
    if (split == OverviewSplit::Status) {
        // Known statuses in their natural order, then anything unexpected.
        QStringList ordered;
        for (const QString &s : QueueQuery::knownStatuses()) {
            if (counts.contains(s))
                ordered << s;
        }
        for (const QString &k : std::as_const(keys)) {
            if (!ordered.contains(k))
                ordered << k;
        }
        series.keys = ordered;
        series.counts = counts;
        return series;
    }

    std::sort(keys.begin(), keys.end(), [&totals](const QString &a, const QString &b) {
        return totals.value(a) != totals.value(b) ? totals.value(a) > totals.value(b) : a < b;
    });
    const int keep = maxSeries > 1 && keys.size() > maxSeries ? maxSeries - 1 : int(keys.size());
    for (int i = 0; i < keys.size(); ++i) {
        const QString &k = keys.at(i);
        if (i < keep) {
            series.keys << k;
            series.counts.insert(k, counts.value(k));
            continue;
        }
        auto it = series.counts.find(OtherKey);
        if (it == series.counts.end())
            it = series.counts.insert(OtherKey, QList<qint64>(hours, 0));
        const QList<qint64> values = counts.value(k);
        for (int h = 0; h < hours; ++h)
            (*it)[h] += values.at(h);
    }
    if (series.counts.contains(OtherKey))
        series.keys << QString(OtherKey);
    return series;
}

} // namespace

ValueResult<HourlySeries> requestsPerHour(
    const QSqlDatabase &db, const QDateTime &now, int hours, OverviewSplit split, int maxSeries)
{
    const ValueResult<RawHours> raw = readHours(db, now, hours, split);
    if (!raw.ok)
        return ValueResult<HourlySeries>::failure(raw.error);
    return ValueResult<HourlySeries>::success(seriesOf(raw.value, hours, split, maxSeries));
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
    // One read of the week serves both charts (the day is its last 24 hours).
    const ValueResult<RawHours> week = readHours(db, now, 24 * 7, split);
    if (!week.ok) {
        data.error = week.error;
        return data;
    }
    data.lastDay = seriesOf(week.value, 24, split, 6);
    data.lastWeek = seriesOf(week.value, 24 * 7, split, 6);
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
