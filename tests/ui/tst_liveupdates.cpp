// The window's live updates (ChangeWatcher behind the queue views): a change committed by
// another connection reaches the window's queue model, pushed on PostgreSQL within 500 ms of
// the commit, checked every interval on SQLite, where nothing is read again while nothing
// changed; the status bar says which; the interval is a remembered setting; a hidden or
// minimized window is not updated.
#include "core/changes/changewatcher.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/mainwindow.h"
#include "ui/queue/overviewwidget.h"
#include "ui/queue/queuebrowserwidget.h"
#include "ui/queue/queuetablemodel.h"
#include "ui/settings.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

class TestLiveUpdates final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void commitByAnotherConnectionReachesTheQueueModel();
    void nothingIsReadWhileNothingChanges();
    void intervalIsRememberedAndHiddenWindowPauses();

private:
    // A shown window on the test's database with the Queue tab current and loaded.
    std::unique_ptr<MainWindow> openWindow();
    bool pg() const { return m_db->config().engine == DatabaseConfig::Engine::PostgreSQL; }
    // PostgreSQL with notifications: not through a transaction pooler, where a LISTEN would
    // hear nothing (the window polls there, with the cheap check).
    bool pushed() const { return pg() && !m_db->config().isTransactionPooler(); }

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    int m_seeded = 0;
};

void TestLiveUpdates::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestLiveUpdates::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
}

void TestLiveUpdates::cleanup()
{
    m_db.reset();
}

std::unique_ptr<MainWindow> TestLiveUpdates::openWindow()
{
    Ui::Settings().setRefreshIntervalMs(1000);
    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()) ||
        !Test::waitFor([&] { return Test::database(window.get())->isConnected(); }, 15000))
        return nullptr;
    auto *browser = window->findChild<Ui::QueueBrowserWidget *>();
    auto *tabs = window->findChild<QTabWidget *>();
    if (!browser || !tabs)
        return nullptr;
    tabs->setCurrentWidget(browser);
    const ChangeWatcher::Mode mode =
        pushed() ? ChangeWatcher::Mode::Push : ChangeWatcher::Mode::Poll;
    if (!Test::waitFor(
            [&] {
                return window->changeWatcher() && window->changeWatcher()->mode() == mode &&
                    !browser->model()->isBusy();
            },
            15000))
        return nullptr;
    return window;
}

void TestLiveUpdates::commitByAnotherConnectionReachesTheQueueModel()
{
    const auto window = openWindow();
    QVERIFY(window);
    auto *browser = window->findChild<Ui::QueueBrowserWidget *>();
    ChangeWatcher *watcher = window->changeWatcher();
    QCOMPARE(watcher, browser->changeWatcher());
    QCOMPARE(watcher->interval(), 1000);
    auto *updates = window->findChild<QLabel *>(QStringLiteral("statusUpdates"));
    QVERIFY(updates);
    QTRY_COMPARE_WITH_TIMEOUT(updates->text(),
        pushed() ? QStringLiteral("Updates: pushed") : QStringLiteral("Updates: polled every 1 s"),
        5000);

    for (int round = 0; round < 3; ++round) {
        // Quiet for more than an interval: the next change is told at once.
        QTest::qWait(1300);
        QTRY_VERIFY_WITH_TIMEOUT(!browser->model()->isBusy(), 5000);
        const int rows = browser->model()->rowCount();
        QElapsedTimer sinceCommit;
        QVERIFY(m_db->seedQueue(QStringLiteral("pushed_%1").arg(++m_seeded),
            QStringLiteral("PENDING"), QStringLiteral("LOW")));
        sinceCommit.start();
        if (pushed()) {
            // Pushed: there is no poll on PostgreSQL that could bring it this soon (a poll
            // would come with the next interval, up to a second later).
            QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), rows + 1, 500);
        } else {
            QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), rows + 1, 3000);
        }
        qInfo(
            "round %d: in the queue model %lld ms after the commit", round, sinceCommit.elapsed());
    }
}

void TestLiveUpdates::nothingIsReadWhileNothingChanges()
{
    const auto window = openWindow();
    QVERIFY(window);
    auto *browser = window->findChild<Ui::QueueBrowserWidget *>();
    auto *overview = window->findChild<Ui::OverviewWidget *>();
    QVERIFY(browser && overview);
    QVERIFY(
        m_db->seedQueue(QStringLiteral("first"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 1, 5000);
    QTest::qWait(1500);
    QSignalSpy queueRead(browser->model(), &Ui::QueueTableModel::refreshed);
    QSignalSpy counted(browser, &Ui::QueueBrowserWidget::countsUpdated);
    QSignalSpy told(window->changeWatcher(), &ChangeWatcher::changed);
    const int checks = window->changeWatcher()->checksRun();
    QTest::qWait(3500); // three intervals and more, nothing changes
    QVERIFY2(
        window->changeWatcher()->checksRun() - checks >= 2, "the cheap check runs every interval");
    QCOMPARE(told.size(), 0);
    QCOMPARE(queueRead.size(), 0);
    QCOMPARE(counted.size(), 0);
    // One change: read once (not once per interval after it).
    QVERIFY(m_db->seedQueue(
        QStringLiteral("second"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTRY_COMPARE_WITH_TIMEOUT(browser->model()->rowCount(), 2, 5000);
    QTest::qWait(2500);
    QCOMPARE(told.size(), 1);
    QCOMPARE(queueRead.size(), 1);
}

void TestLiveUpdates::intervalIsRememberedAndHiddenWindowPauses()
{
    {
        const auto window = openWindow();
        QVERIFY(window);
        auto *choice = window->findChild<QComboBox *>(QStringLiteral("refreshInterval"));
        QVERIFY(choice);
        QStringList choices;
        for (int i = 0; i < choice->count(); ++i)
            choices << choice->itemText(i);
        QCOMPARE(choices,
            QStringList({ QStringLiteral("Off"), QStringLiteral("1 s"), QStringLiteral("5 s"),
                QStringLiteral("30 s") }));
        choice->setCurrentIndex(choice->findData(30));
        QCOMPARE(window->changeWatcher()->interval(), 30000);
        QCOMPARE(window->settings().refreshIntervalMs(), 30000);

        // Hidden or minimized: paused, and the status bar says so while it can be seen.
        ChangeWatcher *watcher = window->changeWatcher();
        QVERIFY(!watcher->isPaused());
        window->showMinimized();
        QTRY_VERIFY_WITH_TIMEOUT(watcher->isPaused(), 5000);
        window->showNormal();
        QTRY_VERIFY_WITH_TIMEOUT(!watcher->isPaused(), 5000);
        window->hide();
        QVERIFY(watcher->isPaused());
        window->show();
        QVERIFY(!watcher->isPaused());

        choice->setCurrentIndex(choice->findData(0));
        QCOMPARE(watcher->mode(), ChangeWatcher::Mode::Off);
        auto *updates = window->findChild<QLabel *>(QStringLiteral("statusUpdates"));
        QCOMPARE(updates->text(), QStringLiteral("Updates: off"));
        choice->setCurrentIndex(choice->findData(5));
    }
    // A new window takes the remembered interval.
    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    MainWindow again(options);
    QTRY_VERIFY_WITH_TIMEOUT(again.changeWatcher(), 15000);
    QCOMPARE(again.changeWatcher()->interval(), 5000);
}

QTEST_MAIN(TestLiveUpdates)
#include "tst_liveupdates.moc"
