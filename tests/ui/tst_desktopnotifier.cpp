// Desktop notifications for real, on a private session bus (CTest runs this test under
// dbus-run-session): a listener that owns org.freedesktop.Notifications on its own bus
// connection receives the Notify call through the bus daemon, answers with an id, and clicks
// the notification (ActionInvoked "default"); without a listener the window's banner takes over.
// The window case runs end to end: a batch submitted on the Bulk tab, its rows finished by a
// simulated worker, the notification with the batch's name, and its click opening the batch.

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/batches/batchestab.h"
#include "ui/batches/batchfinishwatcher.h"
#include "ui/batches/batchpage.h"
#include "ui/notifications/desktopnotifier.h"
#include "ui/notifications/notificationbanner.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

using namespace ViralSpot;
using Ui::DesktopNotifier;

// The notification service as a desktop provides it, on a bus connection of its own (so every
// call travels through the bus daemon as it would from another process).
class NotificationListener final : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")

public:
    struct Call
    {
        QString appName;
        QString summary;
        QString body;
        QStringList actions;
        QVariantMap hints;
    };

    explicit NotificationListener(const QString &connectionName)
        : m_bus(QDBusConnection::connectToBus(QDBusConnection::SessionBus, connectionName))
    { }
    ~NotificationListener() override { stop(); }

    bool start()
    {
        if (!m_bus.isConnected())
            return false;
        return m_bus.registerObject(QStringLiteral("/org/freedesktop/Notifications"), this,
                   QDBusConnection::ExportAllSlots) &&
            m_bus.registerService(DesktopNotifier::serviceName());
    }
    void stop()
    {
        if (m_bus.isConnected()) {
            m_bus.unregisterService(DesktopNotifier::serviceName());
            m_bus.unregisterObject(QStringLiteral("/org/freedesktop/Notifications"));
        }
    }
    // The person clicks notification `id`.
    void click(uint id)
    {
        QDBusMessage signal =
            QDBusMessage::createSignal(QStringLiteral("/org/freedesktop/Notifications"),
                DesktopNotifier::serviceName(), QStringLiteral("ActionInvoked"));
        signal << id << QStringLiteral("default");
        m_bus.send(signal);
    }

    QList<Call> calls;

public Q_SLOTS:
    uint Notify(const QString &appName, uint replacesId, const QString &icon,
        const QString &summary, const QString &body, const QStringList &actions,
        const QVariantMap &hints, int timeout)
    {
        Q_UNUSED(replacesId)
        Q_UNUSED(icon)
        Q_UNUSED(timeout)
        calls.append({ appName, summary, body, actions, hints });
        return uint(calls.size() + 100);
    }
    QStringList GetCapabilities() { return { QStringLiteral("actions"), QStringLiteral("body") }; }

private:
    QDBusConnection m_bus;
};

class TestDesktopNotifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void notifyReachesTheServiceAndClickComesBack();
    void withoutServiceTheBannerShows();
    void finishedBatchNotifiesThroughTheBus();
};

void TestDesktopNotifier::initTestCase()
{
    Test::initUiTestEnvironment();
    // Only ever on a private bus: never a notification on a developer's desktop.
    QVERIFY2(qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS") &&
            QDBusConnection::sessionBus().isConnected(),
        "run under dbus-run-session (CTest does)");
    QVERIFY2(!QDBusConnection::sessionBus().interface()->isServiceRegistered(
                 DesktopNotifier::serviceName()),
        "a notification service already runs on this bus: not a private one");
}

void TestDesktopNotifier::notifyReachesTheServiceAndClickComesBack()
{
    NotificationListener listener(QStringLiteral("listener1"));
    QVERIFY(listener.start());
    DesktopNotifier notifier;
    notifier.setTrayAllowed(false);
    QSignalSpy delivered(&notifier, &DesktopNotifier::delivered);
    QSignalSpy activated(&notifier, &DesktopNotifier::activated);
    QSignalSpy banner(&notifier, &DesktopNotifier::bannerRequested);
    notifier.notify(QStringLiteral("batch-1"), QStringLiteral("Batch finished: spring campaign"),
        QStringLiteral("All 3 profiles processed."));
    QTRY_COMPARE(delivered.count(), 1);
    QCOMPARE(notifier.shown().constFirst().channel, DesktopNotifier::Channel::DBus);
    QCOMPARE(listener.calls.size(), 1);
    QCOMPARE(
        listener.calls.constFirst().summary, QStringLiteral("Batch finished: spring campaign"));
    QCOMPARE(listener.calls.constFirst().body, QStringLiteral("All 3 profiles processed."));
    QVERIFY(listener.calls.constFirst().actions.contains(QStringLiteral("default")));
    QCOMPARE(banner.count(), 0);
    // A click on another program's notification is not ours; a click on ours opens the batch.
    listener.click(999);
    listener.click(101);
    QTRY_COMPARE(activated.count(), 1);
    QCOMPARE(activated.constFirst().constFirst().toString(), QStringLiteral("batch-1"));
}

void TestDesktopNotifier::withoutServiceTheBannerShows()
{
    QTRY_VERIFY(!QDBusConnection::sessionBus().interface()->isServiceRegistered(
        DesktopNotifier::serviceName()));
    DesktopNotifier notifier;
    notifier.setTrayAllowed(false);
    QSignalSpy banner(&notifier, &DesktopNotifier::bannerRequested);
    notifier.notify(
        QStringLiteral("batch-2"), QStringLiteral("Batch finished: b"), QStringLiteral("x"));
    QTRY_COMPARE(banner.count(), 1);
    QCOMPARE(notifier.shown().size(), 1);
    QCOMPARE(notifier.shown().constFirst().channel, DesktopNotifier::Channel::Banner);
    QCOMPARE(banner.constFirst().constFirst().toString(), QStringLiteral("batch-2"));
}

void TestDesktopNotifier::finishedBatchNotifiesThroughTheBus()
{
    Test::wipeSettings();
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    NotificationListener listener(QStringLiteral("listener2"));
    QVERIFY(listener.start());

    Ui::MainWindowOptions options;
    options.databaseUrl = db.url();
    Ui::MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *tabs = Test::child<QTabWidget>(&window, "tabs");
    tabs->setCurrentIndex(Ui::MainWindow::BulkTab);
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 20000);
    auto *notifier = window.findChild<DesktopNotifier *>(QStringLiteral("desktopNotifier"));
    QVERIFY(notifier);
    notifier->setTrayAllowed(false);

    Test::child<QLineEdit>(&window, "bulkBatchNameEdit")->setText(QStringLiteral("dbus check"));
    Test::paste(
        Test::child<QPlainTextEdit>(&window, "bulkEditor"), QStringLiteral("dbus_one\ndbus_two"));
    QSignalSpy finished(Test::bulk(&window), &Ui::BulkSession::batchFinished);
    QTRY_VERIFY_WITH_TIMEOUT(Test::bulkPage(&window)->canSubmit(), 10000);
    Test::bulkPage(&window)->submit();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    const QString batchId = Test::bulk(&window)->lastBatchId();
    QVERIFY(!batchId.isEmpty());

    // The workers finish both rows.
    QVERIFY(db.exec(QStringLiteral("UPDATE queue SET status = 'COMPLETED', attempts = 1 "
                                   "WHERE username IN ('dbus_one', 'dbus_two')")));
    auto *batches = window.findChild<Ui::BatchesTab *>(QStringLiteral("batchesTab"));
    QVERIFY(batches);
    batches->refresh();
    QTRY_COMPARE_WITH_TIMEOUT(listener.calls.size(), 1, 20000);
    QVERIFY2(listener.calls.constFirst().summary.contains(QStringLiteral("dbus check")),
        qPrintable(listener.calls.constFirst().summary));
    // The service's answer (the notification's id) comes back after the listener saw the call.
    QTRY_COMPARE(notifier->shown().size(), 1);
    QCOMPARE(notifier->shown().constFirst().channel, DesktopNotifier::Channel::DBus);

    // The click opens the batch's page in the Batches tab.
    tabs->setCurrentIndex(Ui::MainWindow::SingleTab);
    listener.click(101);
    QTRY_COMPARE(tabs->currentWidget(), static_cast<QWidget *>(batches));
    QVERIFY(batches->isPageShown());
    QCOMPARE(batches->page()->batchId(), batchId);
    // Exactly once, however often the window looks again.
    auto *watcher = batches->finishWatcher();
    QSignalSpy checked(watcher, &Ui::BatchFinishWatcher::checked);
    QSignalSpy again(watcher, &Ui::BatchFinishWatcher::batchFinished);
    // (The change watcher and the tab's timer look too: count at least one more each time.)
    for (int i = 0; i < 3; ++i) {
        const qsizetype before = checked.count();
        batches->refresh();
        QTRY_VERIFY(checked.count() > before);
    }
    QCOMPARE(again.count(), 0);
    QCOMPARE(notifier->shown().size(), 1);
    QCOMPARE(listener.calls.size(), 1);
}

QTEST_MAIN(TestDesktopNotifier)
#include "tst_desktopnotifier.moc"
