// PostgreSQL's side of the live updates: the queue's statement trigger (Schema step 7) sends one
// notification per statement, never per row, counted by a LISTEN connection of the test's own;
// and ChangeWatcher falls back to polling when its connection is killed
// (pg_terminate_backend from another connection) and returns to push when it is back; turned
// off, it stops listening (UNLISTEN) and listens again when turned on.
#include "core/changes/changewatcher.h"
#include "core/database.h"
#include "core/databaseclient.h"
#include "core/databasethread.h"
#include "core/schema.h"
#include "tests/support/testdatabase.h"

#include <QSignalSpy>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestChangeNotifications final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void triggerIsPerStatement();
    void oneNotificationPerStatement();
    void fallsBackToPollingAndReturnsToPush();
    void transactionPoolerOnlyPolls();
    void offStopsListeningAndOnListensAgain();

private:
    // Notifications on the queue's channel seen by the test's listening connection, after the
    // statement and a pause for any late ones.
    int notificationsFor(const QString &sql);
    int killOtherSessions();
    // pg_listening_channels() of the session `thread` runs its jobs on (null when it fails).
    static std::optional<QStringList> listening(const std::shared_ptr<DatabaseThread> &thread);
    bool admin(const QString &sql);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    QString m_listenName;
    int m_notifications = 0;
};

void TestChangeNotifications::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>(DatabaseConfig::Engine::PostgreSQL);
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult migrated = Schema::migrate(db);
    QVERIFY2(migrated.ok, qPrintable(migrated.error));
    QCOMPARE(Schema::currentVersion(db), Schema::latestVersion());
}

void TestChangeNotifications::cleanup()
{
    Database::close(QStringLiteral("tst_admin"));
    if (!m_listenName.isEmpty())
        Database::close(m_listenName);
    m_listenName.clear();
    m_db.reset();
}

int TestChangeNotifications::notificationsFor(const QString &sql)
{
    if (m_listenName.isEmpty()) {
        m_listenName = QStringLiteral("tst_listen");
        const ValueResult<QSqlDatabase> opened = Database::open(m_db->config(), m_listenName);
        if (!opened.ok)
            qFatal("cannot open the listening connection: %s", qPrintable(opened.error));
        QSqlDatabase listener = opened.value;
        if (!listener.driver()->subscribeToNotification(Schema::queueChangeChannel()))
            qFatal("cannot LISTEN: %s", qPrintable(listener.driver()->lastError().text()));
        connect(listener.driver(),
            qOverload<const QString &, QSqlDriver::NotificationSource, const QVariant &>(
                &QSqlDriver::notification),
            this, [this](const QString &name) {
                if (name == Schema::queueChangeChannel())
                    ++m_notifications;
            });
    }
    QTest::qWait(100);
    m_notifications = 0;
    if (!m_db->exec(sql))
        return -1;
    QTest::qWait(700);
    return m_notifications;
}

// Run on the server's admin database: a database's connections cannot be barred from inside.
bool TestChangeNotifications::admin(const QString &sql)
{
    const ValueResult<DatabaseConfig> config =
        DatabaseConfig::fromUrl(qEnvironmentVariable("VIRALSPOT_TEST_PG_URL"));
    const ValueResult<QSqlDatabase> opened = config.ok
        ? Database::open(config.value, QStringLiteral("tst_admin"))
        : ValueResult<QSqlDatabase>::failure(config.error);
    if (!opened.ok) {
        qWarning("admin connection: %s", qPrintable(opened.error));
        return false;
    }
    QSqlDatabase db = opened.value;
    QSqlQuery q(db);
    if (!q.exec(sql)) {
        qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        return false;
    }
    return true;
}

// Ends every client session on the test's database but the test's own (not the server's own
// workers: an autovacuum worker may be busy with the fresh database's catalog).
int TestChangeNotifications::killOtherSessions()
{
    const int own = m_db->scalar(QStringLiteral("SELECT pg_backend_pid()")).toInt();
    return m_db
        ->scalar(QStringLiteral("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> %1 "
                                "AND backend_type = 'client backend'")
                     .arg(own))
        .toInt();
}

void TestChangeNotifications::triggerIsPerStatement()
{
    // Three triggers (one per event: a transition table allows no more), all FOR EACH
    // STATEMENT (tgtype bit 0 clear), all AFTER (bit 1 clear).
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                                         "'queue'::regclass AND NOT tgisinternal"))
                 .toInt(),
        3);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT count(*) FROM pg_trigger WHERE tgrelid = "
                                         "'queue'::regclass AND NOT tgisinternal "
                                         "AND tgtype & 3 = 0"))
                 .toInt(),
        3);
    // The trigger's function runs once for a 1,000-row statement, not 1,000 times.
    QSqlDatabase db = m_db->connection();
    QSqlQuery q(db);
    QVERIFY(q.exec(QStringLiteral("BEGIN")));
    QVERIFY(q.exec(QStringLiteral("SET LOCAL track_functions = 'pl'")));
    QVERIFY2(q.exec(QStringLiteral("INSERT INTO queue (username, source, request_id) "
                                   "SELECT 'bulk_' || i, 'test', 'bulk-' || i "
                                   "FROM generate_series(1, 1000) AS i")),
        qPrintable(q.lastError().text()));
    QVERIFY(q.exec(QStringLiteral("SELECT coalesce(sum(calls), 0) FROM "
                                  "pg_stat_xact_user_functions WHERE funcname = "
                                  "'viralspot_queue_notify'")) &&
        q.next());
    QCOMPARE(q.value(0).toInt(), 1);
    QVERIFY(q.exec(QStringLiteral("COMMIT")));
}

void TestChangeNotifications::oneNotificationPerStatement()
{
    QCOMPARE(notificationsFor(QStringLiteral("INSERT INTO queue (username, source, request_id) "
                                             "SELECT 'bulk_' || i, 'test', 'bulk-' || i "
                                             "FROM generate_series(1, 1000) AS i")),
        1);
    QCOMPARE(notificationsFor(QStringLiteral("UPDATE queue SET status = 'COMPLETED'")), 1);
    QCOMPARE(
        notificationsFor(QStringLiteral("DELETE FROM queue WHERE username LIKE 'bulk_1%'")), 1);
    // A statement that touched no row (a worker finding nothing to claim) tells nothing.
    QCOMPARE(notificationsFor(
                 QStringLiteral("UPDATE queue SET status = 'PROCESSING' WHERE status = 'PENDING'")),
        0);
    // Several statements, one transaction: one notification when it commits.
    QCOMPARE(notificationsFor(QStringLiteral(
                 "DO $$ BEGIN "
                 "INSERT INTO queue (username, source, request_id) VALUES ('one', 't', 'one'); "
                 "UPDATE queue SET priority = 'HIGH' WHERE username = 'one'; END $$")),
        1);
}

void TestChangeNotifications::fallsBackToPollingAndReturnsToPush()
{
    auto thread = std::make_shared<DatabaseThread>(m_db->config(), QStringLiteral("watched"));
    ChangeWatcher watcher(thread);
    QSignalSpy modes(&watcher, &ChangeWatcher::modeChanged);
    QSignalSpy changed(&watcher, &ChangeWatcher::changed);
    watcher.setInterval(200);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Push, 10000);
    const int opened = thread->connectionsOpened();
    QTest::qWait(400);
    changed.clear();
    modes.clear();

    // The server ends the watcher's session and takes no new one for a while.
    const QString name = m_db->config().databaseName;
    QVERIFY(admin(QStringLiteral("ALTER DATABASE \"%1\" ALLOW_CONNECTIONS false").arg(name)));
    QCOMPARE(killOtherSessions(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Poll, 5000);
    QCOMPARE(modes.size(), 1);
    QTest::qWait(600); // three intervals: still polling, not pushing
    QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Poll);
    QVERIFY(m_db->seedQueue(
        QStringLiteral("while_away"), QStringLiteral("PENDING"), QStringLiteral("LOW")));

    // Back: listening again on a new connection, and what was missed is told once.
    QVERIFY(admin(QStringLiteral("ALTER DATABASE \"%1\" ALLOW_CONNECTIONS true").arg(name)));
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Push, 5000);
    QCOMPARE(modes.size(), 2);
    QVERIFY(thread->connectionsOpened() > opened);
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
    QTest::qWait(400);
    changed.clear();
    QTest::qWait(600);
    QCOMPARE(changed.size(), 0); // push again, not a poll telling every interval
    QVERIFY(m_db->seedQueue(
        QStringLiteral("after_return"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);

    // Killed without the block: the thread's next connection listens again at once (the
    // thread may notice the loss after a job and reconnect before the watcher's next check,
    // so the moment of polling can be too short to see), and a change committed meanwhile is
    // told.
    const int reopened = thread->connectionsOpened();
    QTest::qWait(400);
    changed.clear();
    QCOMPARE(killOtherSessions(), 1);
    QVERIFY(m_db->seedQueue(
        QStringLiteral("after_kill"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTRY_VERIFY_WITH_TIMEOUT(thread->connectionsOpened() > reopened, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Push, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
    // And pushed on the new connection.
    QTest::qWait(400);
    changed.clear();
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET priority = 'HIGH'")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
}

void TestChangeNotifications::transactionPoolerOnlyPolls()
{
    // Through a transaction pooler LISTEN cannot work: the watcher never tries it and polls.
    DatabaseConfig config = m_db->config();
    config.setOption(QStringLiteral("pool_mode"), QStringLiteral("transaction"));
    QVERIFY(config.isTransactionPooler());
    auto thread = std::make_shared<DatabaseThread>(config, QStringLiteral("pooled"));
    ChangeWatcher watcher(thread);
    QVERIFY(!watcher.canPush());
    QSignalSpy modes(&watcher, &ChangeWatcher::modeChanged);
    QSignalSpy changed(&watcher, &ChangeWatcher::changed);
    watcher.setInterval(100);
    QTRY_VERIFY_WITH_TIMEOUT(
        watcher.mode() == ChangeWatcher::Mode::Poll && watcher.checksRun() >= 3, 5000);
    // Its cheap check (the server's snapshot) tells a commit by another connection.
    QTest::qWait(200);
    changed.clear();
    QVERIFY(m_db->seedQueue(
        QStringLiteral("pooled_change"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
    QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Poll);
    for (const QList<QVariant> &mode : std::as_const(modes))
        QVERIFY(mode.at(0).value<ChangeWatcher::Mode>() != ChangeWatcher::Mode::Push);
    // Its session never listened.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                         "current_database() AND query ILIKE 'LISTEN%'"))
                 .toInt(),
        0);
}

std::optional<QStringList> TestChangeNotifications::listening(
    const std::shared_ptr<DatabaseThread> &thread)
{
    DatabaseClient client(thread);
    std::optional<QStringList> channels;
    bool answered = false;
    client.post(
        [](QSqlDatabase &db) {
            std::optional<QStringList> out;
            QSqlQuery q(db);
            if (!db.isOpen() || !q.exec(QStringLiteral("SELECT pg_listening_channels()")))
                return out;
            out.emplace();
            while (q.next())
                out->append(q.value(0).toString());
            return out;
        },
        [&](const std::optional<QStringList> &result) {
            channels = result;
            answered = true;
        });
    if (!QTest::qWaitFor([&] { return answered; }, 10000))
        return std::nullopt;
    return channels;
}

void TestChangeNotifications::offStopsListeningAndOnListensAgain()
{
    auto thread = std::make_shared<DatabaseThread>(m_db->config(), QStringLiteral("toggled"));
    ChangeWatcher watcher(thread);
    QSignalSpy changed(&watcher, &ChangeWatcher::changed);
    watcher.setInterval(100);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Push, 10000);
    const QStringList channel { ChangeWatcher::channel() };
    QCOMPARE(listening(thread), std::optional<QStringList>(channel));
    const int opened = thread->connectionsOpened();

    // Off: the session stops listening (the server keeps no notifications for it), and a
    // change meanwhile tells nothing.
    watcher.setInterval(0);
    QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Off);
    QCOMPARE(listening(thread), std::optional<QStringList>(QStringList()));
    QTest::qWait(300);
    changed.clear();
    QVERIFY(m_db->seedQueue(
        QStringLiteral("while_off"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTest::qWait(500);
    QCOMPARE(changed.size(), 0);

    // On again: listening again on the same session, what changed while off told once, and
    // changes pushed again.
    watcher.setInterval(100);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Push, 10000);
    QCOMPARE(listening(thread), std::optional<QStringList>(channel));
    QCOMPARE(thread->connectionsOpened(), opened);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 5000);
    QTest::qWait(300);
    changed.clear();
    QVERIFY(m_db->seedQueue(
        QStringLiteral("after_on"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);

    // Off and on again at once, while a check (which may LISTEN) is on its way: it ends
    // listening, in push mode.
    watcher.setInterval(0);
    watcher.setInterval(100);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), ChangeWatcher::Mode::Push, 10000);
    QTest::qWait(300);
    QCOMPARE(listening(thread), std::optional<QStringList>(channel));
}

QTEST_GUILESS_MAIN(TestChangeNotifications)
#include "tst_changenotifications.moc"
