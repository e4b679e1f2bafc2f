// QueueTableModel: a paged model over the queue that passes QAbstractItemModelTester, returns
// exactly the filtered rows, and refreshes without a reset.

#include "tests/ui_queue/queueseed.h"
#include "ui/queue/queuetablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace ViralSpot;
using namespace ViralSpot::Test;
using ViralSpot::Ui::QueueTableModel;

class TestQueueTableModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void loadsPagesOnDemand();
    void filtersReturnExactlyTheMatchingRows();
    void sortsInSql();
    void refreshAddsAndRemovesRowsWithoutReset();

private:
    QStringList expectedIds(const std::function<bool(const SeedRow &)> &match) const;
    void loadAll(QueueTableModel &model);

    std::unique_ptr<TemporaryDatabase> m_db;
    QList<SeedRow> m_rows;
};

void TestQueueTableModel::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    QSqlDatabase db = m_db->connection();
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    const QDateTime base = QDateTime::currentDateTimeUtc().addDays(-1);
    m_rows.clear();
    for (int i = 0; i < 650; ++i) {
        SeedRow row;
        row.username = QStringLiteral("%1user%2")
                           .arg(i % 3 == 0 ? QStringLiteral("al") : QStringLiteral("bo"))
                           .arg(i);
        row.status = i % 5 == 0 ? QStringLiteral("FAILED") : QStringLiteral("COMPLETED");
        row.priority = i % 2 ? QStringLiteral("LOW") : QStringLiteral("HIGH");
        row.createdAt = base.addSecs(i * 60);
        QVERIFY(!insertQueueRow(db, row).isEmpty());
        m_rows << row;
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
}

void TestQueueTableModel::cleanup()
{
    m_db.reset();
}

QStringList TestQueueTableModel::expectedIds(
    const std::function<bool(const SeedRow &)> &match) const
{
    QList<SeedRow> rows;
    for (const SeedRow &r : m_rows) {
        if (match(r))
            rows << r;
    }
    std::sort(rows.begin(), rows.end(), [](const SeedRow &a, const SeedRow &b) {
        return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
    });
    QStringList ids;
    for (const SeedRow &r : rows)
        ids << r.id;
    return ids;
}

void TestQueueTableModel::loadAll(QueueTableModel &model)
{
    for (int row = 0; row < model.rowCount(); row += QueueTableModel::PageSize)
        model.ensureLoaded(row);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&model] {
            for (int row = 0; row < model.rowCount(); ++row) {
                if (!model.isLoaded(row))
                    return false;
            }
            return true;
        }(),
        20000);
}

void TestQueueTableModel::loadsPagesOnDemand()
{
    QueueTableModel model(m_db->config());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 650, 10000);
    QCOMPARE(model.columnCount(), QueueColumnCount);
    const QStringList all = expectedIds([](const SeedRow &) { return true; });
    // The first page comes with the count; the rest only when asked for.
    QVERIFY(model.isLoaded(0));
    QVERIFY(model.isLoaded(QueueTableModel::PageSize - 1));
    QVERIFY(!model.isLoaded(600));
    QCOMPARE(model.data(model.index(0, 0), QueueTableModel::IdRole).toString(), all.first());
    QCOMPARE(model.data(model.index(600, 0), QueueTableModel::LoadedRole).toBool(), false);
    QTRY_VERIFY_WITH_TIMEOUT(model.isLoaded(600), 10000);
    QCOMPARE(model.idAt(600), all.at(600));
    QCOMPARE(model.idAt(649), all.at(649));
    const QueueRow *row = model.rowAt(600);
    QVERIFY(row);
    QCOMPARE(model.data(model.index(600, int(QueueColumn::Username))).toString(), row->username);
    QCOMPARE(model.data(model.index(600, int(QueueColumn::Status))).toString(), row->status);
    QCOMPARE(model.rowOfId(all.at(600)), 600);
}

void TestQueueTableModel::filtersReturnExactlyTheMatchingRows()
{
    QueueTableModel model(m_db->config());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 650, 10000);

    struct Case
    {
        QueueFilter filter;
        std::function<bool(const SeedRow &)> match;
    };
    QueueFilter failed;
    failed.statuses << QStringLiteral("FAILED");
    QueueFilter prefix;
    prefix.usernamePrefix = QStringLiteral("AL");
    QueueFilter combined = prefix;
    combined.priorities << QStringLiteral("LOW");
    combined.statuses << QStringLiteral("FAILED");
    QueueFilter none;
    none.usernamePrefix = QStringLiteral("zz");
    const QList<Case> cases = {
        { failed, [](const SeedRow &r) { return r.status == QLatin1String("FAILED"); } },
        { prefix, [](const SeedRow &r) { return r.username.startsWith(QLatin1String("al")); } },
        { combined,
            [](const SeedRow &r) {
                return r.username.startsWith(QLatin1String("al")) &&
                    r.priority == QLatin1String("LOW") && r.status == QLatin1String("FAILED");
            } },
        { none, [](const SeedRow &) { return false; } },
    };
    for (const Case &c : cases) {
        QSignalSpy applied(&model, &QueueTableModel::filterApplied);
        model.setFilter(c.filter);
        QVERIFY(applied.wait(10000));
        const QStringList expected = expectedIds(c.match);
        QCOMPARE(model.rowCount(), expected.size());
        loadAll(model);
        QStringList ids;
        for (int row = 0; row < model.rowCount(); ++row)
            ids << model.idAt(row);
        QCOMPARE(ids, expected);
    }
}

void TestQueueTableModel::sortsInSql()
{
    QueueTableModel model(m_db->config());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 650, 10000);
    QSignalSpy applied(&model, &QueueTableModel::filterApplied);
    model.sort(int(QueueColumn::Username), Qt::AscendingOrder);
    QVERIFY(applied.wait(10000));
    loadAll(model);
    QStringList names;
    for (const SeedRow &r : std::as_const(m_rows))
        names << r.username;
    std::sort(names.begin(), names.end());
    QStringList got;
    for (int row = 0; row < model.rowCount(); ++row)
        got << model.rowAt(row)->username;
    QCOMPARE(got, names);
}

void TestQueueTableModel::refreshAddsAndRemovesRowsWithoutReset()
{
    QueueTableModel model(m_db->config());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), 650, 10000);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy refreshed(&model, &QueueTableModel::refreshed);

    SeedRow fresh;
    fresh.username = QStringLiteral("newest");
    fresh.createdAt = QDateTime::currentDateTimeUtc().addSecs(60);
    QVERIFY(!insertQueueRow(m_db->connection(), fresh).isEmpty());
    model.refresh();
    QVERIFY(refreshed.wait(10000));
    QCOMPARE(model.rowCount(), 651);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.idAt(0), fresh.id); // the loaded page was reloaded

    QVERIFY(m_db->exec(QStringLiteral("DELETE FROM queue WHERE status = 'FAILED'")));
    model.refresh();
    QVERIFY(refreshed.wait(10000));
    QCOMPARE(model.rowCount(), 651 - 130);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(removed.count(), 1);
    QVERIFY(model.rowAt(0));
    QCOMPARE(model.rowAt(0)->username, QStringLiteral("newest"));
}

QTEST_MAIN(TestQueueTableModel)
#include "tst_queuetablemodel.moc"
