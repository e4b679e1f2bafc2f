// The other queue tabs: overview charts equal direct SQL counts, profile lookup and request,
// the audit view with its filter and export, and createQueueTabs() for the main window.

#include "tests/ui_queue/queueseed.h"
#include "ui/csv/csvwriter.h"
#include "ui/filedialog.h"
#include "ui/queue/auditlogwidget.h"
#include "ui/queue/overviewwidget.h"
#include "ui/queue/profilelookupwidget.h"
#include "ui/queue/queuebrowserwidget.h"
#include "ui/queue/queuetabs.h"

#include <QBarSet>
#include <QChart>
#include <QFile>
#include <QJsonObject>
#include <QLineSeries>
#include <QPieSeries>
#include <QPushButton>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

using namespace ViralSpot;
using namespace ViralSpot::Test;
using namespace ViralSpot::Ui;

class TestQueueTabs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void overviewChartsEqualDirectCounts();
    void overviewSplitBySource();
    void profileLookupShowsHistoryAndRequests();
    void profileLookupReadOnly();
    void auditViewFiltersAndExports();
    void auditViewShowsCountsInWords();
    void createQueueTabsGivesFourTabs();
    void csvFields_data();
    void csvFields();

private:
    qint64 directCount(
        const QDateTime &from, const QDateTime &to, const QString &where, const QString &value);
    std::unique_ptr<TemporaryDatabase> m_db;
    QDateTime m_now;
};

void TestQueueTabs::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    m_now = QDateTime(QDate(2026, 6, 1), QTime(9, 15), Qt::UTC);
    QSqlDatabase db = m_db->connection();
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    const QStringList statuses = { QStringLiteral("COMPLETED"), QStringLiteral("FAILED"),
        QStringLiteral("PAUSED"), QStringLiteral("COMPLETED") };
    const QStringList sources = { QStringLiteral("frontend"), QStringLiteral("csv"),
        QStringLiteral("api") };
    for (int i = 0; i < 400; ++i) {
        SeedRow row;
        row.username = QStringLiteral("hist%1").arg(i);
        row.status = statuses.at(i % statuses.size());
        row.source = sources.at((i / 3) % sources.size());
        row.createdAt = m_now.addSecs(-qint64(i) * 1499); // about 7 days back
        QVERIFY(!insertQueueRow(db, row).isEmpty());
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
}

void TestQueueTabs::cleanup()
{
    m_db.reset();
}

qint64 TestQueueTabs::directCount(
    const QDateTime &from, const QDateTime &to, const QString &column, const QString &value)
{
    QSqlDatabase db = m_db->connection();
    const QString ts = QueueQuery::timestampPlaceholder(db);
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM queue WHERE created_at >= ") + ts +
        QStringLiteral(" AND created_at < ") + ts + QStringLiteral(" AND ") + column +
        QStringLiteral(" = ?"));
    q.addBindValue(QueueQuery::timestampValue(db, from));
    q.addBindValue(QueueQuery::timestampValue(db, to));
    q.addBindValue(value);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

void TestQueueTabs::overviewChartsEqualDirectCounts()
{
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!refreshed.isEmpty() && w.data().now == m_now, 10000);

    // 24 hours: stacked bars, one set per status, one value per hour.
    const QList<QAbstractSeries *> daySeries = w.dayChart()->series();
    QCOMPARE(daySeries.size(), 1);
    auto *bars = qobject_cast<QStackedBarSeries *>(daySeries.first());
    QVERIFY(bars);
    const QDateTime firstHour = QDateTime(m_now.date(), QTime(9, 0), Qt::UTC).addSecs(-23 * 3600);
    QStringList labels;
    qint64 sum = 0;
    for (QBarSet *set : bars->barSets()) {
        labels << set->label();
        QCOMPARE(set->count(), 24);
        for (int h = 0; h < 24; ++h) {
            const QDateTime start = firstHour.addSecs(3600LL * h);
            QCOMPARE(qint64(set->at(h)),
                directCount(start, start.addSecs(3600), QStringLiteral("status"), set->label()));
            sum += qint64(set->at(h));
        }
    }
    QCOMPARE(labels,
        (QStringList {
            QStringLiteral("COMPLETED"), QStringLiteral("FAILED"), QStringLiteral("PAUSED") }));
    QVERIFY(sum > 0);

    // 7 days: a line per status.
    const QList<QAbstractSeries *> weekSeries = w.weekChart()->series();
    QCOMPARE(weekSeries.size(), 3);
    const QDateTime weekStart = firstHour.addSecs(-6 * 24 * 3600);
    for (QAbstractSeries *series : weekSeries) {
        auto *line = qobject_cast<QLineSeries *>(series);
        QVERIFY(line);
        QCOMPARE(line->count(), 168);
        for (int h = 0; h < 168; h += 7) {
            const QDateTime start = weekStart.addSecs(3600LL * h);
            QCOMPARE(qint64(line->at(h).x()), start.toMSecsSinceEpoch());
            QCOMPARE(qint64(line->at(h).y()),
                directCount(start, start.addSecs(3600), QStringLiteral("status"), line->name()));
        }
    }

    // Composition: one slice per status with the direct count.
    auto *pie = qobject_cast<QPieSeries *>(w.compositionChart()->series().value(0));
    QVERIFY(pie);
    QCOMPARE(pie->count(), 3);
    for (QPieSlice *slice : pie->slices()) {
        const QString status = slice->property("status").toString();
        QSqlQuery q(m_db->connection());
        q.prepare(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = ?"));
        q.addBindValue(status);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(qint64(slice->value()), q.value(0).toLongLong());
    }
}

void TestQueueTabs::overviewSplitBySource()
{
    OverviewWidget w(m_db->config(), false);
    w.setNow(m_now);
    QSignalSpy refreshed(&w, &OverviewWidget::refreshed);
    w.setSplit(OverviewSplit::Source);
    QTRY_VERIFY_WITH_TIMEOUT(
        w.data().split == OverviewSplit::Source && w.data().now == m_now, 10000);
    auto *bars = qobject_cast<QStackedBarSeries *>(w.dayChart()->series().value(0));
    QVERIFY(bars);
    const QDateTime firstHour = QDateTime(m_now.date(), QTime(9, 0), Qt::UTC).addSecs(-23 * 3600);
    QCOMPARE(bars->barSets().size(), 3);
    for (QBarSet *set : bars->barSets()) {
        qint64 total = 0;
        for (int h = 0; h < 24; ++h)
            total += qint64(set->at(h));
        QCOMPARE(total,
            directCount(
                firstHour, firstHour.addSecs(24 * 3600), QStringLiteral("source"), set->label()));
    }
}

void TestQueueTabs::profileLookupShowsHistoryAndRequests()
{
    SeedRow again;
    again.username = QStringLiteral("hist5");
    again.status = QStringLiteral("FAILED");
    again.createdAt = m_now.addDays(-10);
    QVERIFY(!insertQueueRow(m_db->connection(), again).isEmpty());
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('hist7')")));

    ProfileLookupWidget w(m_db->config(), false);
    QSignalSpy looked(&w, &ProfileLookupWidget::lookedUp);
    QVERIFY(w.lookUp(QStringLiteral("https://www.instagram.com/HIST5/")));
    QVERIFY(looked.wait(10000));
    QCOMPARE(w.shownUsername(), QStringLiteral("hist5"));
    QVERIFY(!w.isProcessed());
    QCOMPARE(w.history().size(), 2);
    QCOMPARE(w.historyModel()->rowCount(), 2);
    QCOMPARE(w.history().first().status, QStringLiteral("FAILED"));
    QCOMPARE(w.history().last().id, again.id);

    // Neither processed nor waiting: it can be requested from here.
    auto *request = w.findChild<QPushButton *>(QStringLiteral("requestButton"));
    QVERIFY(request->isEnabled());
    QSignalSpy requested(&w, &ProfileLookupWidget::requestFinished);
    QTest::mouseClick(request, Qt::LeftButton);
    QVERIFY(requested.wait(10000));
    QCOMPARE(requested.first().first().value<RequestResult>().outcome, Outcome::Queued);
    QTRY_COMPARE_WITH_TIMEOUT(w.history().size(), 3, 10000);
    QCOMPARE(w.history().first().status, QStringLiteral("PENDING"));
    QVERIFY(!request->isEnabled()); // now waiting on the queue
    QVERIFY(w.statusText().contains(QStringLiteral("has been added to the high priority queue")));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'hist5' "
                                         "AND status = 'PENDING' AND priority = 'HIGH'"))
                 .toInt(),
        1);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'submit' "
                                         "AND origin = 'window' AND usernames LIKE '%hist5%'"))
                 .toInt(),
        1);

    // A processed profile says so and cannot be requested.
    looked.clear();
    QVERIFY(w.lookUp(QStringLiteral("@hist7")));
    QVERIFY(looked.wait(10000));
    QVERIFY(w.isProcessed());
    QVERIFY(w.statusText().contains(QStringLiteral("processed")));
    QVERIFY(!request->isEnabled());
}

void TestQueueTabs::profileLookupReadOnly()
{
    ProfileLookupWidget w(m_db->config(), true);
    QSignalSpy looked(&w, &ProfileLookupWidget::lookedUp);
    QVERIFY(w.lookUp(QStringLiteral("@brand_new")));
    QVERIFY(looked.wait(10000));
    QVERIFY(w.history().isEmpty());
    QVERIFY(!w.findChild<QPushButton *>(QStringLiteral("requestButton"))->isEnabled());
    QVERIFY(!w.requestShown());
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'brand_new'"))
                 .toInt(),
        0);
    QVERIFY(!w.lookUp(QStringLiteral("not valid!")));
}

void TestQueueTabs::auditViewFiltersAndExports()
{
    QSqlDatabase db = m_db->connection();
    for (int i = 0; i < 3; ++i) {
        AuditEntry e =
            AuditEntry::forOrigin(i == 2 ? QStringLiteral("terminal") : QStringLiteral("window"),
                i == 1 ? QStringLiteral("retry") : QStringLiteral("submit"));
        e.usernames = { QStringLiteral("name%1").arg(i) };
        e.total = 1;
        QVERIFY(AuditLog::record(db, e).ok);
    }
    AuditLogWidget w(m_db->config(), false);
    QSignalSpy loaded(&w, &AuditLogWidget::loaded);
    w.refresh();
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 3, 10000);
    AuditFilter filter;
    filter.action = QStringLiteral("submit");
    loaded.clear();
    w.setFilter(filter);
    QVERIFY(loaded.wait(10000));
    QCOMPARE(w.model()->rowCount(), 2);
    filter.origin = QStringLiteral("terminal");
    loaded.clear();
    w.setFilter(filter);
    QVERIFY(loaded.wait(10000));
    QCOMPARE(w.model()->rowCount(), 1);
    QCOMPARE(w.entries().first().usernames, QStringList { QStringLiteral("name2") });

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("audit.csv"));
    Ui::FileDialog::setNextFileName(path); // what the export dialog answers
    QVERIFY(w.exportCsv());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines =
        QString::fromUtf8(file.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY(lines.at(1).contains(QStringLiteral("terminal")));
    QVERIFY(lines.at(1).contains(QStringLiteral("name2")));
}

void TestQueueTabs::auditViewShowsCountsInWords()
{
    QSqlDatabase db = m_db->connection();
    AuditEntry e = AuditEntry::forOrigin(QStringLiteral("window"), QStringLiteral("pause"));
    e.usernames = { QStringLiteral("hist1"), QStringLiteral("hist2") };
    e.total = 2;
    e.details = QJsonObject { { QStringLiteral("changed"), 1 },
        { QStringLiteral("skipped_active_exists"), 0 },
        { QStringLiteral("skipped_same_username"), 0 },
        { QStringLiteral("skipped_wrong_state"), 1 }, { QStringLiteral("skipped_not_found"), 0 } };
    QVERIFY(AuditLog::record(db, e).ok);
    AuditLogWidget w(m_db->config(), false);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 1, 10000);
    int countsColumn = -1;
    for (int c = 0; c < w.model()->columnCount(); ++c) {
        if (w.model()->headerData(c, Qt::Horizontal).toString() == QStringLiteral("Counts"))
            countsColumn = c;
    }
    QVERIFY(countsColumn >= 0);
    const QString counts = w.model()->index(0, countsColumn).data().toString();
    QCOMPARE(counts, QStringLiteral("changed: 1 · skipped: not in a state for this action: 1"));
    QVERIFY(!counts.contains(QLatin1Char('_')));
}

void TestQueueTabs::createQueueTabsGivesFourTabs()
{
    QWidget parent;
    const auto tabs = createQueueTabs(m_db->config(), true, &parent);
    QCOMPARE(tabs.size(), 4);
    QVERIFY(qobject_cast<QueueBrowserWidget *>(tabs.at(0).second));
    QVERIFY(qobject_cast<ProfileLookupWidget *>(tabs.at(1).second));
    QVERIFY(qobject_cast<OverviewWidget *>(tabs.at(2).second));
    QVERIFY(qobject_cast<AuditLogWidget *>(tabs.at(3).second));
    for (const auto &tab : tabs) {
        QVERIFY(!tab.first.isEmpty());
        QCOMPARE(tab.second->parent(), &parent);
    }
    QVERIFY(qobject_cast<QueueBrowserWidget *>(tabs.at(0).second)->isReadOnly());
}

void TestQueueTabs::csvFields_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("alice") << QStringLiteral("alice");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("comma") << QStringLiteral("a,b") << QStringLiteral("\"a,b\"");
    QTest::newRow("quote") << QStringLiteral("say \"hi\"") << QStringLiteral("\"say \"\"hi\"\"\"");
    QTest::newRow("newline") << QStringLiteral("line1\nline2")
                             << QStringLiteral("\"line1\nline2\"");
    QTest::newRow("formula") << QStringLiteral("=HYPERLINK(1)") << QStringLiteral("'=HYPERLINK(1)");
    QTest::newRow("formula with comma") << QStringLiteral("+1,2") << QStringLiteral("\"'+1,2\"");
}

void TestQueueTabs::csvFields()
{
    QFETCH(QString, value);
    QFETCH(QString, expected);
    QCOMPARE(Csv::field(value), expected);
    QCOMPARE(Csv::line({ value, QStringLiteral("x") }), expected + QStringLiteral(",x\r\n"));
}

QTEST_MAIN(TestQueueTabs)
#include "tst_queuetabs.moc"
