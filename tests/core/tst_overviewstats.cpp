// OverviewStats: the charts' series (requests per hour, by status or source, and the status
// composition) equal counts computed directly in SQL for a seeded history.

#include "../ui_queue/queueseed.h"
#include "core/overviewstats.h"

#include <QRandomGenerator>
#include <QTest>

using namespace ViralSpot;
using namespace ViralSpot::Test;

class TestOverviewStats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void hourlyByStatusEqualsDirectCounts_data();
    void hourlyByStatusEqualsDirectCounts();
    void sourcesBeyondTheLargestAreOther();
    void compositionEqualsDirectCounts();
    void emptyQueueGivesZeroSeries();
    void loadReadsTheWeekOnceForBothCharts();

private:
    qint64 directCount(
        const QDateTime &from, const QDateTime &to, const QString &column, const QString &value);

    std::unique_ptr<TemporaryDatabase> m_db;
    QDateTime m_now;
    QMap<QString, qint64> m_statusTotals;
};

void TestOverviewStats::initTestCase()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    m_now = QDateTime(QDate(2026, 5, 20), QTime(14, 37), Qt::UTC);

    QRandomGenerator random(42);
    const QStringList statuses = { QStringLiteral("COMPLETED"), QStringLiteral("FAILED"),
        QStringLiteral("PAUSED") };
    const QStringList sources = { QStringLiteral("frontend"), QStringLiteral("csv"),
        QStringLiteral("api"), QStringLiteral("import:a"), QStringLiteral("import:b"),
        QStringLiteral("script"), QStringLiteral("rare1"), QStringLiteral("rare2") };
    QSqlDatabase db = m_db->connection();
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    // Nine days of history (some outside the window), plus a row in the future.
    for (int i = 0; i < 900; ++i) {
        SeedRow row;
        row.username = QStringLiteral("u%1").arg(i);
        row.status = i % 17 == 0 ? QStringLiteral("PENDING")
                                 : statuses.at(random.bounded(int(statuses.size())));
        // Skewed so that the source ranking is deterministic.
        const int s = std::min(int(sources.size()) - 1, int(random.bounded(100) / 12));
        row.source = i % 50 == 3 ? QString() : sources.at(s);
        row.createdAt = m_now.addSecs(-qint64(random.bounded(9 * 24 * 3600)));
        m_statusTotals[row.status] += 1;
        QVERIFY(!insertQueueRow(db, row).isEmpty());
    }
    SeedRow future;
    future.username = QStringLiteral("future");
    future.status = QStringLiteral("COMPLETED");
    future.createdAt = m_now.addSecs(7200);
    QVERIFY(!insertQueueRow(db, future).isEmpty());
    m_statusTotals[future.status] += 1;
    // Boundary rows: exactly at the window's start and just before it.
    const QDateTime currentHour(m_now.date(), QTime(m_now.time().hour(), 0), Qt::UTC);
    SeedRow atStart;
    atStart.username = QStringLiteral("at_start");
    atStart.status = QStringLiteral("FAILED");
    atStart.createdAt = currentHour.addSecs(-23 * 3600);
    QVERIFY(!insertQueueRow(db, atStart).isEmpty());
    SeedRow before = atStart;
    before.username = QStringLiteral("before_start");
    before.createdAt = atStart.createdAt.addMSecs(-1);
    QVERIFY(!insertQueueRow(db, before).isEmpty());
    m_statusTotals[QStringLiteral("FAILED")] += 2;
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
}

void TestOverviewStats::cleanupTestCase()
{
    m_db.reset();
}

qint64 TestOverviewStats::directCount(
    const QDateTime &from, const QDateTime &to, const QString &column, const QString &value)
{
    QSqlDatabase db = m_db->connection();
    const QString ts = QueueQuery::timestampPlaceholder(db);
    QSqlQuery q(db);
    const QString match = value == OverviewStats::NoSourceKey ? column + QStringLiteral(" IS NULL")
                                                              : column + QStringLiteral(" = ?");
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM queue WHERE created_at >= ") + ts +
        QStringLiteral(" AND created_at < ") + ts + QStringLiteral(" AND ") + match);
    q.addBindValue(QueueQuery::timestampValue(db, from));
    q.addBindValue(QueueQuery::timestampValue(db, to));
    if (value != OverviewStats::NoSourceKey)
        q.addBindValue(value);
    if (!q.exec() || !q.next()) {
        qWarning() << q.lastError().text();
        return -1;
    }
    return q.value(0).toLongLong();
}

void TestOverviewStats::hourlyByStatusEqualsDirectCounts_data()
{
    QTest::addColumn<int>("hours");
    QTest::newRow("24 hours") << 24;
    QTest::newRow("7 days") << 24 * 7;
}

void TestOverviewStats::hourlyByStatusEqualsDirectCounts()
{
    QFETCH(int, hours);
    const ValueResult<HourlySeries> read =
        OverviewStats::requestsPerHour(m_db->connection(), m_now, hours, OverviewSplit::Status, 6);
    QVERIFY2(read.ok, qPrintable(read.error));
    const HourlySeries &series = read.value;
    QCOMPARE(series.hours.size(), hours);
    QCOMPARE(series.hours.last(), QDateTime(m_now.date(), QTime(14, 0), Qt::UTC));
    QCOMPARE(series.hours.first(), series.hours.last().addSecs(-3600LL * (hours - 1)));
    QCOMPARE(series.keys,
        (QStringList { QStringLiteral("PENDING"), QStringLiteral("COMPLETED"),
            QStringLiteral("FAILED"), QStringLiteral("PAUSED") }));
    qint64 sum = 0;
    for (const QString &key : series.keys) {
        const QList<qint64> values = series.counts.value(key);
        QCOMPARE(values.size(), hours);
        for (int h = 0; h < hours; ++h) {
            const QDateTime start = series.hours.at(h);
            QCOMPARE(values.at(h),
                directCount(start, start.addSecs(3600), QStringLiteral("status"), key));
            sum += values.at(h);
        }
    }
    QCOMPARE(series.total(), sum);
    QVERIFY(sum > 0);
    if (hours == 24) {
        // The row at the window's first instant counts, the one a millisecond before does not.
        QVERIFY(series.counts.value(QStringLiteral("FAILED")).first() >= 1);
    }
}

void TestOverviewStats::sourcesBeyondTheLargestAreOther()
{
    const ValueResult<HourlySeries> read =
        OverviewStats::requestsPerHour(m_db->connection(), m_now, 24 * 7, OverviewSplit::Source, 4);
    QVERIFY2(read.ok, qPrintable(read.error));
    const HourlySeries &series = read.value;
    QCOMPARE(series.keys.size(), 4);
    QCOMPARE(series.keys.last(), QString(OverviewStats::OtherKey));
    const QDateTime from = series.hours.first();
    const QDateTime to = series.hours.last().addSecs(3600);
    qint64 named = 0;
    qint64 previous = std::numeric_limits<qint64>::max();
    for (int i = 0; i < 3; ++i) {
        const QString &key = series.keys.at(i);
        qint64 total = 0;
        for (const qint64 v : series.counts.value(key))
            total += v;
        QCOMPARE(total, directCount(from, to, QStringLiteral("source"), key));
        QVERIFY(total <= previous); // largest first
        previous = total;
        named += total;
        // Per hour as well, for the largest source.
        if (i == 0) {
            for (int h = 0; h < series.hours.size(); h += 13)
                QCOMPARE(series.counts.value(key).at(h),
                    directCount(series.hours.at(h), series.hours.at(h).addSecs(3600),
                        QStringLiteral("source"), key));
        }
    }
    QSqlDatabase db = m_db->connection();
    const QString ts = QueueQuery::timestampPlaceholder(db);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM queue WHERE created_at >= ") + ts +
        QStringLiteral(" AND created_at < ") + ts);
    q.addBindValue(QueueQuery::timestampValue(db, from));
    q.addBindValue(QueueQuery::timestampValue(db, to));
    QVERIFY(q.exec() && q.next());
    qint64 other = 0;
    for (const qint64 v : series.counts.value(QString(OverviewStats::OtherKey)))
        other += v;
    QCOMPARE(other, q.value(0).toLongLong() - named);
    QVERIFY(other > 0);
}

void TestOverviewStats::compositionEqualsDirectCounts()
{
    const ValueResult<QMap<QString, qint64>> read = OverviewStats::composition(m_db->connection());
    QVERIFY2(read.ok, qPrintable(read.error));
    const QMap<QString, qint64> &composition = read.value;
    QCOMPARE(composition, m_statusTotals);
    const OverviewData data = OverviewStats::load(m_db->connection(), OverviewSplit::Status, m_now);
    QVERIFY2(data.ok, qPrintable(data.error));
    QCOMPARE(data.composition, m_statusTotals);
    QCOMPARE(data.lastDay.hours.size(), 24);
    QCOMPARE(data.lastWeek.hours.size(), 168);
}

void TestOverviewStats::emptyQueueGivesZeroSeries()
{
    TemporaryDatabase empty;
    QVERIFY(migrate(empty));
    const OverviewData data = OverviewStats::load(empty.connection(), OverviewSplit::Source, m_now);
    QVERIFY2(data.ok, qPrintable(data.error));
    QCOMPARE(data.lastDay.hours.size(), 24);
    QVERIFY(data.lastDay.keys.isEmpty());
    QCOMPARE(data.lastDay.total(), 0);
    QVERIFY(data.composition.isEmpty());
}

QTEST_GUILESS_MAIN(TestOverviewStats)
void TestOverviewStats::loadReadsTheWeekOnceForBothCharts()
{
    // load() reads the week once and cuts the day out of it: the same series, keys and
    // "other" as a read of each on its own (the day's largest sources are the day's own).
    for (const OverviewSplit split : { OverviewSplit::Status, OverviewSplit::Source }) {
        const OverviewData data = OverviewStats::load(m_db->connection(), split, m_now);
        QVERIFY2(data.ok, qPrintable(data.error));
        const ValueResult<HourlySeries> day =
            OverviewStats::requestsPerHour(m_db->connection(), m_now, 24, split, 6);
        const ValueResult<HourlySeries> week =
            OverviewStats::requestsPerHour(m_db->connection(), m_now, 24 * 7, split, 6);
        QVERIFY(day.ok && week.ok);
        QCOMPARE(data.lastDay.hours, day.value.hours);
        QCOMPARE(data.lastDay.keys, day.value.keys);
        QCOMPARE(data.lastDay.counts, day.value.counts);
        QCOMPARE(data.lastWeek.hours, week.value.hours);
        QCOMPARE(data.lastWeek.keys, week.value.keys);
        QCOMPARE(data.lastWeek.counts, week.value.counts);
        QVERIFY(data.lastDay.total() > 0);
        QVERIFY(data.lastWeek.total() > data.lastDay.total());
    }
}

#include "tst_overviewstats.moc"
