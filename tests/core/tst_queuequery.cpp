// QueueQuery: filters, search, sort and paging happen in SQL and return exactly the matching
// rows, on SQLite and PostgreSQL (VIRALSPOT_TEST_ENGINE).

#include "../ui_queue/queueseed.h"
#include "core/queuequery.h"

#include <QLocale>
#include <QTest>

#include <algorithm>
#include <functional>
#include <numeric>

using namespace ViralSpot;
using namespace ViralSpot::Test;

class TestQueueQuery : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void pagesFollowTheSortOrder_data();
    void pagesFollowTheSortOrder();
    void filtersReturnExactlyTheMatchingRows_data();
    void filtersReturnExactlyTheMatchingRows();
    void countsPerStatusAndPriority();
    void cappedCountAtTheBoundary_data();
    void cappedCountAtTheBoundary();
    void cappedCountsPerStatusAndPriority();
    void countTextSaysWhatACountIs();
    void sourcesAreTheDistinctOnes();
    void historyAndProcessed();
    void fetchIdsMatchesFetch();
    void ensureIndexesIsIdempotent();
    void timestampsRoundTrip();

private:
    // Fresh planner statistics (PostgreSQL), so that its estimates are the table's.
    void analyze()
    {
        if (engine() == DatabaseConfig::Engine::PostgreSQL)
            QVERIFY(m_db->exec(QStringLiteral("ANALYZE queue")));
    }

    std::unique_ptr<TemporaryDatabase> m_db;
    QList<SeedRow> m_rows;
    QDateTime m_base;
};

void TestQueueQuery::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    QSqlDatabase db = m_db->connection();
    const Result indexed = QueueQuery::ensureIndexes(db);
    QVERIFY2(indexed.ok, qPrintable(indexed.error));

    m_base = QDateTime(QDate(2026, 3, 1), QTime(12, 0), Qt::UTC);
    m_rows.clear();
    const QStringList names = { QStringLiteral("alice"), QStringLiteral("alfred"),
        QStringLiteral("al_pha"), QStringLiteral("alxpha"), QStringLiteral("a.b"),
        QStringLiteral("bob"), QStringLiteral("bobby"), QStringLiteral("carol"),
        QStringLiteral("dave_99"), QStringLiteral("eve") };
    const QStringList statuses = QueueQuery::knownStatuses();
    const QStringList sources = { QStringLiteral("frontend"), QStringLiteral("csv"),
        QStringLiteral("api:v2") };
    for (int i = 0; i < 40; ++i) {
        SeedRow row;
        row.username = names.at(i % names.size());
        // One active row per username at most: only the first round may be PENDING/PROCESSING.
        row.status = statuses.at((i * 7) % statuses.size());
        if (i >= names.size() &&
            (row.status == QLatin1String("PENDING") || row.status == QLatin1String("PROCESSING")))
            row.status = QStringLiteral("COMPLETED");
        row.priority = i % 3 == 0 ? QStringLiteral("LOW") : QStringLiteral("HIGH");
        row.source = i % 11 == 5 ? QString() : sources.at(i % sources.size());
        // Pairs of rows share a creation time, so the id tie-break is exercised.
        row.createdAt = m_base.addSecs(-600LL * (i / 2));
        row.attempts = i % 4;
        if (row.status == QLatin1String("FAILED"))
            row.errorMessage = QStringLiteral("timeout %1").arg(i);
        QVERIFY(!insertQueueRow(db, row).isEmpty());
        m_rows << row;
    }
}

void TestQueueQuery::cleanup()
{
    m_db.reset();
}

namespace {

QMap<QString, qint64> shown(const QMap<QString, QueueCount> &counts)
{
    QMap<QString, qint64> result;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        result.insert(it.key(), it->rows);
    return result;
}

QVariant sortValue(const SeedRow &row, QueueColumn column)
{
    switch (column) {
    case QueueColumn::Username:
        return row.username;
    case QueueColumn::Status:
        return row.status;
    case QueueColumn::Priority:
        return row.priority;
    case QueueColumn::Attempts:
        return row.attempts;
    case QueueColumn::CreatedAt:
    default:
        return row.createdAt;
    }
}

QStringList expectedOrder(QList<SeedRow> rows, const QueueSort &sort)
{
    std::sort(rows.begin(), rows.end(), [&sort](const SeedRow &a, const SeedRow &b) {
        const QVariant va = sortValue(a, sort.column);
        const QVariant vb = sortValue(b, sort.column);
        const auto cmp = QVariant::compare(va, vb);
        if (cmp != QPartialOrdering::Equivalent)
            return sort.order == Qt::AscendingOrder ? cmp == QPartialOrdering::Less
                                                    : cmp == QPartialOrdering::Greater;
        return sort.order == Qt::AscendingOrder ? a.id < b.id : a.id > b.id;
    });
    QStringList ids;
    for (const SeedRow &r : rows)
        ids << r.id;
    return ids;
}

} // namespace

void TestQueueQuery::pagesFollowTheSortOrder_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<int>("order");
    QTest::newRow("created desc") << int(QueueColumn::CreatedAt) << int(Qt::DescendingOrder);
    QTest::newRow("created asc") << int(QueueColumn::CreatedAt) << int(Qt::AscendingOrder);
    QTest::newRow("username asc") << int(QueueColumn::Username) << int(Qt::AscendingOrder);
    QTest::newRow("status desc") << int(QueueColumn::Status) << int(Qt::DescendingOrder);
    QTest::newRow("attempts asc") << int(QueueColumn::Attempts) << int(Qt::AscendingOrder);
}

void TestQueueQuery::pagesFollowTheSortOrder()
{
    QFETCH(int, column);
    QFETCH(int, order);
    const QueueSort sort { QueueColumn(column), Qt::SortOrder(order) };
    QSqlDatabase db = m_db->connection();
    QStringList ids;
    for (int offset = 0; offset < 50; offset += 7) {
        const QueuePage page = QueueQuery::fetch(db, {}, sort, offset, 7);
        QVERIFY2(page.ok, qPrintable(page.error));
        QCOMPARE(page.offset, offset);
        for (const QueueRow &row : page.rows)
            ids << row.id;
    }
    QCOMPARE(ids, expectedOrder(m_rows, sort));
}

void TestQueueQuery::filtersReturnExactlyTheMatchingRows_data()
{
    QTest::addColumn<QStringList>("statuses");
    QTest::addColumn<QStringList>("priorities");
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("fromMinutesAgo"); // -1: none
    QTest::addColumn<int>("toMinutesAgo"); // -1: none
    QTest::addColumn<QString>("prefix");

    const QStringList none;
    QTest::newRow("no filter") << none << none << QString() << -1 << -1 << QString();
    QTest::newRow("failed") << QStringList { QStringLiteral("FAILED") } << none << QString() << -1
                            << -1 << QString();
    QTest::newRow("pending+paused")
        << QStringList { QStringLiteral("PENDING"), QStringLiteral("PAUSED") } << none << QString()
        << -1 << -1 << QString();
    QTest::newRow("low") << none << QStringList { QStringLiteral("LOW") } << QString() << -1 << -1
                         << QString();
    QTest::newRow("source csv") << none << none << QStringLiteral("csv") << -1 << -1 << QString();
    QTest::newRow("source with colon")
        << none << none << QStringLiteral("api:v2") << -1 << -1 << QString();
    QTest::newRow("created range") << none << none << QString() << 60 << 20 << QString();
    QTest::newRow("from only") << none << none << QString() << 30 << -1 << QString();
    QTest::newRow("prefix al") << none << none << QString() << -1 << -1 << QStringLiteral("al");
    QTest::newRow("prefix upper case")
        << none << none << QString() << -1 << -1 << QStringLiteral("AL");
    QTest::newRow("prefix with @ and spaces")
        << none << none << QString() << -1 << -1 << QStringLiteral("  @Bob ");
    QTest::newRow("underscore is literal")
        << none << none << QString() << -1 << -1 << QStringLiteral("al_");
    QTest::newRow("dot is literal")
        << none << none << QString() << -1 << -1 << QStringLiteral("a.");
    QTest::newRow("url form") << none << none << QString() << -1 << -1
                              << QStringLiteral("https://www.instagram.com/Carol/");
    QTest::newRow("no match") << none << none << QString() << -1 << -1 << QStringLiteral("zz");
    QTest::newRow("combined") << QStringList { QStringLiteral("COMPLETED") }
                              << QStringList { QStringLiteral("HIGH") }
                              << QStringLiteral("frontend") << 180 << 0 << QStringLiteral("b");
}

void TestQueueQuery::filtersReturnExactlyTheMatchingRows()
{
    QFETCH(QStringList, statuses);
    QFETCH(QStringList, priorities);
    QFETCH(QString, source);
    QFETCH(int, fromMinutesAgo);
    QFETCH(int, toMinutesAgo);
    QFETCH(QString, prefix);

    QueueFilter filter;
    filter.statuses = statuses;
    filter.priorities = priorities;
    filter.source = source;
    if (fromMinutesAgo >= 0)
        filter.createdFrom = m_base.addSecs(-60LL * fromMinutesAgo);
    if (toMinutesAgo >= 0)
        filter.createdTo = m_base.addSecs(-60LL * toMinutesAgo);
    filter.usernamePrefix = prefix;

    // The expectation, computed independently of SQL.
    QString normalized = prefix.trimmed().toLower();
    if (normalized.startsWith(QLatin1Char('@')))
        normalized.remove(0, 1);
    if (normalized.contains(QLatin1String("instagram.com/")))
        normalized = normalized.section(QLatin1Char('/'), -2, -2);
    QList<SeedRow> expected;
    for (const SeedRow &row : std::as_const(m_rows)) {
        if (!statuses.isEmpty() && !statuses.contains(row.status))
            continue;
        if (!priorities.isEmpty() && !priorities.contains(row.priority))
            continue;
        if (!source.isEmpty() && row.source != source)
            continue;
        if (filter.createdFrom.isValid() && row.createdAt < filter.createdFrom)
            continue;
        if (filter.createdTo.isValid() && row.createdAt >= filter.createdTo)
            continue;
        if (!normalized.isEmpty() && !row.username.startsWith(normalized))
            continue;
        expected << row;
    }
    const QueueSort sort;
    const QStringList expectedIds = expectedOrder(expected, sort);

    QSqlDatabase db = m_db->connection();
    const QueueCount count = QueueQuery::count(db, filter);
    QVERIFY2(count.ok, qPrintable(count.error));
    QCOMPARE(count.rows, qint64(expectedIds.size()));
    const QueuePage page = QueueQuery::fetch(db, filter, sort, 0, 100);
    QVERIFY2(page.ok, qPrintable(page.error));
    QStringList ids;
    for (const QueueRow &row : page.rows)
        ids << row.id;
    QCOMPARE(ids, expectedIds);
}

void TestQueueQuery::countsPerStatusAndPriority()
{
    QMap<QString, qint64> byStatus;
    QMap<QString, qint64> byPriority;
    for (const QString &s : QueueQuery::knownStatuses())
        byStatus[s] = 0;
    for (const SeedRow &row : std::as_const(m_rows)) {
        byStatus[row.status] += 1;
        byPriority[row.priority] += 1;
    }
    const QueueCounts counts = QueueQuery::counts(m_db->connection());
    QVERIFY2(counts.ok, qPrintable(counts.error));
    QVERIFY(counts.isExact()); // 40 rows: under the cap
    QCOMPARE(counts.total.rows, qint64(m_rows.size()));
    QCOMPARE(shown(counts.byStatus), byStatus);
    QCOMPARE(shown(counts.byPriority), byPriority);
}

void TestQueueQuery::cappedCountAtTheBoundary_data()
{
    QTest::addColumn<qint64>("cap");
    QTest::addColumn<bool>("exact");
    QTest::newRow("cap 12: exact") << qint64(12) << true;
    QTest::newRow("cap 11: exact, on the cap") << qint64(11) << true;
    QTest::newRow("cap 10: 11 rows, over") << qint64(10) << false;
    QTest::newRow("cap 3: far over") << qint64(3) << false;
    QTest::newRow("no cap") << qint64(0) << true;
}

void TestQueueQuery::cappedCountAtTheBoundary()
{
    // 11 rows of their own source among the 40.
    QFETCH(qint64, cap);
    QFETCH(bool, exact);
    QSqlDatabase db = m_db->connection();
    for (int i = 0; i < 11; ++i) {
        SeedRow row;
        row.username = QStringLiteral("capped_%1").arg(i);
        row.status = QStringLiteral("FAILED");
        row.source = QStringLiteral("capped");
        QVERIFY(!insertQueueRow(db, row).isEmpty());
    }
    analyze();
    QueueFilter filter;
    filter.source = QStringLiteral("capped");
    const QueueCount count = QueueQuery::count(db, filter, cap);
    QVERIFY2(count.ok, qPrintable(count.error));
    if (exact) {
        QCOMPARE(count.kind, CountKind::Exact);
        QCOMPARE(count.rows, qint64(11));
        QCOMPARE(count.counted, qint64(11));
        QCOMPARE(QueueQuery::countText(count), QLocale().toString(11));
        return;
    }
    // Over the cap: cap + 1 rows were counted; the number shown is the planner's estimate on
    // PostgreSQL (the statistics are fresh: 11), the cap with a "+" on SQLite.
    QCOMPARE(count.counted, cap + 1);
    if (engine() == DatabaseConfig::Engine::PostgreSQL) {
        QCOMPARE(count.kind, CountKind::Estimated);
        QCOMPARE(count.rows, qint64(11));
        QCOMPARE(QueueQuery::countText(count), QStringLiteral("about 11"));
    } else {
        QCOMPARE(count.kind, CountKind::Capped);
        QCOMPARE(count.rows, cap);
        QCOMPARE(QueueQuery::countText(count), QLocale().toString(cap) + QStringLiteral("+"));
    }
    // Counting on from the end of what was counted reaches the exact number.
    const QueueCount rest = QueueQuery::count(db, filter, cap, count.counted);
    QVERIFY2(rest.ok, qPrintable(rest.error));
    if (11 - count.counted <= cap) {
        QCOMPARE(rest.kind, CountKind::Exact);
        QCOMPARE(count.counted + rest.rows, qint64(11));
    } else {
        QCOMPARE(rest.kind, CountKind::Capped); // no estimate past an offset
        QCOMPARE(rest.counted, cap + 1);
    }
}

void TestQueueQuery::cappedCountsPerStatusAndPriority()
{
    // Each (status, priority) pair is counted up to the cap: exact at or under it, beyond it
    // estimated (PostgreSQL) or capped; a sum is exact only when all its parts are.
    analyze();
    QMap<QPair<QString, QString>, qint64> pairs;
    for (const SeedRow &row : std::as_const(m_rows))
        pairs[{ row.status, row.priority }] += 1;
    const qint64 cap = 4;
    const bool pg = engine() == DatabaseConfig::Engine::PostgreSQL;
    const QueueCounts counts = QueueQuery::counts(m_db->connection(), cap);
    QVERIFY2(counts.ok, qPrintable(counts.error));
    QVERIFY(!counts.isExact());
    for (const QString &status : QueueQuery::knownStatuses()) {
        qint64 truth = 0;
        qint64 counted = 0;
        bool exact = true;
        for (const QString &priority : QueueQuery::knownPriorities()) {
            const qint64 n = pairs.value({ status, priority });
            truth += n;
            counted += std::min(n, cap + 1);
            exact = exact && n <= cap;
        }
        const QueueCount c = counts.byStatus.value(status);
        QVERIFY2(c.ok, qPrintable(status));
        QCOMPARE(c.counted, counted);
        if (exact) {
            QCOMPARE(c.kind, CountKind::Exact);
            QCOMPARE(c.rows, truth);
        } else {
            // PostgreSQL estimates a pair when the planner expects more than the cap.
            if (pg && c.kind == CountKind::Estimated) {
                QVERIFY2(c.rows >= cap, qPrintable(status));
            } else {
                QCOMPARE(c.kind, CountKind::Capped);
                QCOMPARE(c.rows, counted - 1);
            }
            QVERIFY(QueueQuery::countText(c).startsWith(QLatin1String("about")) ||
                QueueQuery::countText(c).endsWith(QLatin1Char('+')));
        }
    }
    QVERIFY(!counts.total.isExact());
    QCOMPARE(counts.total.counted,
        std::accumulate(pairs.cbegin(), pairs.cend(), qint64(0),
            [cap](qint64 sum, qint64 n) { return sum + std::min(n, cap + 1); }));
    QVERIFY(counts.total.rows >= counts.total.counted - 1);

    // No cap: the whole table grouped exactly.
    const QueueCounts exact = QueueQuery::counts(m_db->connection(), 0);
    QVERIFY(exact.isExact());
    QCOMPARE(exact.total.rows, qint64(m_rows.size()));
}

void TestQueueQuery::sourcesAreTheDistinctOnes()
{
    QStringList expected;
    for (const SeedRow &row : std::as_const(m_rows)) {
        if (!row.source.isNull() && !expected.contains(row.source))
            expected << row.source;
    }
    std::sort(expected.begin(), expected.end());
    const ValueResult<QStringList> sources = QueueQuery::sources(m_db->connection());
    QVERIFY2(sources.ok, qPrintable(sources.error));
    QCOMPARE(sources.value, expected);
}

void TestQueueQuery::countTextSaysWhatACountIs()
{
    QueueCount c;
    c.ok = true;
    c.rows = c.counted = 1234;
    QCOMPARE(QueueQuery::countText(c), QLocale().toString(1234));
    c.kind = CountKind::Capped;
    c.rows = 10000;
    c.counted = 10001;
    QCOMPARE(QueueQuery::countText(c), QLocale().toString(10000) + QStringLiteral("+"));
    c.kind = CountKind::Estimated;
    c.rows = 9812345;
    QCOMPARE(QueueQuery::countText(c), QStringLiteral("about 9.8 million"));
    c.rows = 123456;
    QCOMPARE(QueueQuery::countText(c), QStringLiteral("about ") + QLocale().toString(120000));
    c.rows = 10001;
    QCOMPARE(QueueQuery::countText(c), QStringLiteral("about ") + QLocale().toString(10000));
}

void TestQueueQuery::historyAndProcessed()
{
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('carol')")));
    QSqlDatabase db = m_db->connection();
    const ValueResult<bool> carol = QueueQuery::isProcessed(db, QStringLiteral("carol"));
    const ValueResult<bool> eve = QueueQuery::isProcessed(db, QStringLiteral("eve"));
    QVERIFY2(carol.ok && eve.ok, qPrintable(carol.error + eve.error));
    QVERIFY(carol.value);
    QVERIFY(!eve.value);

    const ValueResult<QList<QueueRow>> read = QueueQuery::history(db, QStringLiteral("bob"));
    QVERIFY2(read.ok, qPrintable(read.error));
    const QList<QueueRow> &history = read.value;
    QList<SeedRow> expected;
    for (const SeedRow &row : std::as_const(m_rows)) {
        if (row.username == QLatin1String("bob"))
            expected << row;
    }
    QCOMPARE(history.size(), expected.size());
    QStringList ids;
    for (const QueueRow &row : history) {
        ids << row.id;
        QCOMPARE(row.username, QStringLiteral("bob"));
    }
    QCOMPARE(ids, expectedOrder(expected, QueueSort {}));
    // Every field comes back as it was written.
    const SeedRow &first = expected.first();
    const auto it = std::find_if(
        history.cbegin(), history.cend(), [&first](const QueueRow &r) { return r.id == first.id; });
    QVERIFY(it != history.cend());
    QCOMPARE(it->status, first.status);
    QCOMPARE(it->priority, first.priority);
    QCOMPARE(it->source, first.source);
    QCOMPARE(it->attempts, first.attempts);
    QCOMPARE(it->createdAt, first.createdAt);
    QCOMPARE(it->errorMessage, first.errorMessage);

    // Rows an adopted database holds as typed ("OldStar", "Bob") are the same profile.
    QVERIFY(
        m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('OldStar')")));
    const ValueResult<bool> oldstar = QueueQuery::isProcessed(db, QStringLiteral("oldstar"));
    QVERIFY2(oldstar.ok, qPrintable(oldstar.error));
    QVERIFY(oldstar.value);
    QVERIFY(
        m_db->seedQueue(QStringLiteral("Bob"), QStringLiteral("FAILED"), QStringLiteral("LOW")));
    const ValueResult<QList<QueueRow>> readAgain = QueueQuery::history(db, QStringLiteral("bob"));
    QVERIFY2(readAgain.ok, qPrintable(readAgain.error));
    const QList<QueueRow> &withLegacy = readAgain.value;
    QCOMPARE(withLegacy.size(), expected.size() + 1);
    QVERIFY(std::any_of(withLegacy.cbegin(), withLegacy.cend(),
        [](const QueueRow &r) { return r.username == QLatin1String("Bob"); }));
}

void TestQueueQuery::fetchIdsMatchesFetch()
{
    QSqlDatabase db = m_db->connection();
    QueueFilter filter;
    filter.statuses = QStringList { QStringLiteral("COMPLETED"), QStringLiteral("FAILED") };
    const QueuePage page = QueueQuery::fetch(db, filter, {}, 3, 5);
    QVERIFY(page.ok);
    const ValueResult<QStringList> fetched = QueueQuery::fetchIds(db, filter, {}, 3, 5);
    QVERIFY2(fetched.ok, qPrintable(fetched.error));
    const QStringList &ids = fetched.value;
    QStringList pageIds;
    for (const QueueRow &row : page.rows)
        pageIds << row.id;
    QCOMPARE(ids, pageIds);
    QCOMPARE(ids.size(), 5);
}

void TestQueueQuery::ensureIndexesIsIdempotent()
{
    QSqlDatabase db = m_db->connection();
    for (int run = 0; run < 2; ++run) {
        const Result indexed = QueueQuery::ensureIndexes(db);
        QVERIFY2(indexed.ok, qPrintable(indexed.error));
    }
}

void TestQueueQuery::timestampsRoundTrip()
{
    QSqlDatabase db = m_db->connection();
    const QDateTime t(QDate(2025, 12, 31), QTime(23, 59, 58, 123), Qt::UTC);
    QSqlQuery q(db);
    QVERIFY(q.prepare(QStringLiteral("SELECT ") + QueueQuery::timestampPlaceholder(db)));
    q.addBindValue(QueueQuery::timestampValue(db, t));
    QVERIFY2(q.exec() && q.next(), qPrintable(q.lastError().text()));
    QCOMPARE(QueueQuery::toDateTime(q.value(0)), t);
    QCOMPARE(QueueQuery::toDateTime(QStringLiteral("2025-12-31T23:59:58.123Z")), t);
}

QTEST_GUILESS_MAIN(TestQueueQuery)
#include "tst_queuequery.moc"
