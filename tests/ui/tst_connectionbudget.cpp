// How many database connections the window holds: with every queue tab shown and used, and the
// endpoint panel idle, at most WindowConnections (docs/ARCHITECTURE.md, Threading model): one on
// the request thread (RequestWorker) and one on the thread the queue views share. Counted from
// outside the window: on PostgreSQL the server's sessions on the test's database, on SQLite this
// process's open descriptors of the database file (one per connection).

#include "ui/queue/auditlogwidget.h"
#ifdef VIRALSPOT_HAS_HTTP
#include "ui/endpointpanel.h"
#endif
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/mainwindow.h"
#include "ui/queue/overviewwidget.h"
#include "ui/queue/profilelookupwidget.h"
#include "ui/queue/queuebrowserwidget.h"

#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

namespace {
constexpr int WindowConnections = 2;
} // namespace

class TestConnectionBudget final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void windowWithEveryQueueTabHoldsTwoConnections();

private:
    int connections();
    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestConnectionBudget::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestConnectionBudget::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
}

void TestConnectionBudget::cleanup()
{
    m_db.reset();
}

// Every connection to the test's database, the test's own included.
int TestConnectionBudget::connections()
{
    if (m_db->config().engine == DatabaseConfig::Engine::PostgreSQL) {
        return m_db
            ->scalar(QStringLiteral(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"))
            .toInt();
    }
    const QString file = QFileInfo(m_db->config().sqlitePath).canonicalFilePath();
    int open = 0;
    const QDir fds(QStringLiteral("/proc/self/fd"));
    for (const QFileInfo &fd : fds.entryInfoList(QDir::Files | QDir::System)) {
        if (fd.symLinkTarget() == file)
            ++open;
    }
    return open;
}

void TestConnectionBudget::windowWithEveryQueueTabHoldsTwoConnections()
{
    QVERIFY(m_db->connection().isOpen());
    const int before = connections(); // the test's own
    QVERIFY(before >= 1);

    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 15000);
    // Rows to show, once the window has made the schema.
    QVERIFY(
        m_db->seedQueue(QStringLiteral("alice"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QVERIFY(m_db->seedQueue(
        QStringLiteral("bob"), QStringLiteral("COMPLETED"), QStringLiteral("HIGH")));

#ifdef VIRALSPOT_HAS_HTTP
    auto *endpoint = window.findChild<Ui::EndpointPanel *>();
    QVERIFY(endpoint);
    QVERIFY(!endpoint->isRunning()); // idle: its threads and connections come with start
#endif

    // Every queue tab shown and used once, so that each has been to the database.
    auto *tabs = window.findChild<QTabWidget *>();
    QVERIFY(tabs);
    auto *browser = window.findChild<Ui::QueueBrowserWidget *>();
    auto *lookup = window.findChild<Ui::ProfileLookupWidget *>();
    auto *overview = window.findChild<Ui::OverviewWidget *>();
    auto *audit = window.findChild<Ui::AuditLogWidget *>();
    QVERIFY(browser && lookup && overview && audit);
    QSignalSpy counted(browser, &Ui::QueueBrowserWidget::countsUpdated);
    QSignalSpy lookedUp(lookup, &Ui::ProfileLookupWidget::lookedUp);
    QSignalSpy overviewLoaded(overview, &Ui::OverviewWidget::refreshed);
    QSignalSpy auditLoaded(audit, &Ui::AuditLogWidget::loaded);
    for (int i = 0; i < tabs->count(); ++i) {
        tabs->setCurrentIndex(i);
        QTest::qWait(50);
    }
    tabs->setCurrentWidget(browser);
    browser->refresh();
    tabs->setCurrentWidget(lookup);
    QVERIFY(lookup->lookUp(QStringLiteral("alice")));
    tabs->setCurrentWidget(overview);
    overview->refresh();
    tabs->setCurrentWidget(audit);
    audit->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(!counted.isEmpty(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!lookedUp.isEmpty(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!overviewLoaded.isEmpty(), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!auditLoaded.isEmpty(), 15000);
    QCOMPARE(lookup->shownUsername(), QStringLiteral("alice"));

    const int windowConnections = connections() - before;
    qInfo("the window holds %d database connection(s)", windowConnections);
    QVERIFY2(windowConnections <= WindowConnections,
        qPrintable(QStringLiteral("%1 connections, at most %2 expected")
                       .arg(windowConnections)
                       .arg(WindowConnections)));
    // Both threads have used theirs: the bound is not met by connections never opened.
    QCOMPARE(windowConnections, WindowConnections);
}

QTEST_MAIN(TestConnectionBudget)
#include "tst_connectionbudget.moc"
