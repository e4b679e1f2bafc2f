// ChangeWatcher (core/changes/changewatcher.h) on every engine: a commit by another connection
// is told, the watcher's own connection's writes too, nothing is told (and nothing but the
// cheap check runs) while nothing changes, at most one changed() per interval, nothing while
// paused and the change after it, and through a transaction pooler it polls (never LISTEN) with
// a cheap check of its own (the server's snapshot), told only when a write ended.
// PostgreSQL-only behaviour (one notification per statement, losing the connection) is in
// tst_changenotifications.
#include "core/changes/changewatcher.h"
#include "core/database.h"
#include "core/databaseclient.h"
#include "core/databasethread.h"
#include "core/schema.h"
#include "tests/support/testdatabase.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestChangeWatcher final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void modeFollowsTheEngine();
    void commitByAnotherConnectionIsTold();
    void batchChangesByAnotherConnectionAreTold();
    void nothingChangedNothingTold();
    void ownConnectionsWritesAreTold();
    void atMostOnePerInterval();
    void pausedTellsNothingThenCatchesUp();
    void offTellsNothing();
    void poolerTellsOnlyWhatChanged();
    void undeclaredTransactionPoolerIsFound();
    void hiddenChecksGoOnWhenAsked();

private:
    // A watcher on a thread of its own, started, in its steady mode and quiet (null when it
    // does not get there).
    std::unique_ptr<ChangeWatcher> startWatcher(int intervalMs);
    bool insertRow(const QString &username);
    ChangeWatcher::Mode expectedMode() const;

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::shared_ptr<DatabaseThread> m_thread;
    int m_rows = 0;
};

void TestChangeWatcher::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult migrated = Schema::migrate(db);
    QVERIFY2(migrated.ok, qPrintable(migrated.error));
    // Through the test pooler in transaction mode the config says pool_mode=transaction itself
    // (Test::TemporaryDatabase).
    m_thread = std::make_shared<DatabaseThread>(m_db->config(), QStringLiteral("watcher-test"));
}

void TestChangeWatcher::cleanup()
{
    m_thread.reset();
    m_db.reset();
}

ChangeWatcher::Mode TestChangeWatcher::expectedMode() const
{
    return Test::engine() == DatabaseConfig::Engine::PostgreSQL &&
            Test::pooler() != Test::Pooler::Transaction
        ? ChangeWatcher::Mode::Push
        : ChangeWatcher::Mode::Poll;
}

std::unique_ptr<ChangeWatcher> TestChangeWatcher::startWatcher(int intervalMs)
{
    auto watcher = std::make_unique<ChangeWatcher>(m_thread);
    watcher->setInterval(intervalMs);
    const ChangeWatcher::Mode mode = expectedMode();
    if (!QTest::qWaitFor(
            [&] { return watcher->mode() == mode && watcher->checksRun() >= 2; }, 10000))
        return nullptr;
    // Push says changed() once when it starts listening; let that pass.
    QTest::qWait(intervalMs + 100);
    return watcher;
}

bool TestChangeWatcher::insertRow(const QString &username)
{
    return m_db->seedQueue(
        username + QString::number(++m_rows), QStringLiteral("PENDING"), QStringLiteral("LOW"));
}

void TestChangeWatcher::modeFollowsTheEngine()
{
    ChangeWatcher watcher(m_thread);
    QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Off);
    QCOMPARE(watcher.canPush(), expectedMode() == ChangeWatcher::Mode::Push);
    QSignalSpy modes(&watcher, &ChangeWatcher::modeChanged);
    watcher.setInterval(200);
    QTRY_COMPARE_WITH_TIMEOUT(watcher.mode(), expectedMode(), 10000);
    watcher.setInterval(0);
    QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Off);
    QCOMPARE(modes.last().at(0).value<ChangeWatcher::Mode>(), ChangeWatcher::Mode::Off);
}

void TestChangeWatcher::commitByAnotherConnectionIsTold()
{
    const auto watcher = startWatcher(200);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    QVERIFY(insertRow(QStringLiteral("other")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
    // And the next one (the check did not stop at the first).
    QTest::qWait(300);
    changed.clear();
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET status = 'COMPLETED'")));
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
}

void TestChangeWatcher::batchChangesByAnotherConnectionAreTold()
{
    // A batch renamed by another window: pushed on PostgreSQL (schema step 11), so told at once
    // although the next check is seconds away (the heartbeat of push mode reads nothing else);
    // at the next check where the watcher polls (SQLite: data_version moves for any table).
    QVERIFY(m_db->exec(QStringLiteral(
        "INSERT INTO viralspot_batches (id, name, created_at) VALUES "
        "('01a23b6a-6c42-7373-b07f-0f8248cced4a', 'campaign', '2026-12-03T10:00:00Z')")));
    const bool pushes = expectedMode() == ChangeWatcher::Mode::Push;
    const auto watcher = startWatcher(pushes ? 3000 : 200);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    QElapsedTimer sinceCommit;
    QVERIFY(m_db->exec(QStringLiteral("UPDATE viralspot_batches SET name = 'renamed'")));
    sinceCommit.start();
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, pushes ? 1000 : 5000);
    qInfo("told %lld ms after the rename", sinceCommit.elapsed());
}

void TestChangeWatcher::nothingChangedNothingTold()
{
    const auto watcher = startWatcher(100);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    const int checksBefore = watcher->checksRun();
    QTest::qWait(1500); // fifteen intervals
    const int checks = watcher->checksRun() - checksBefore;
    // The cheap check ran (SQLite: data_version; PostgreSQL: the snapshot) ...
    QVERIFY2(checks >= 5, qPrintable(QString::number(checks)));
    if (watcher->mode() == ChangeWatcher::Mode::Poll &&
        Test::engine() == DatabaseConfig::Engine::PostgreSQL) {
        // Polling PostgreSQL reads the server's snapshot, which other tests' commits on the
        // shared test server move too: the quiet case is poolerTellsOnlyWhatChanged(), on a
        // server of its own.
        return;
    }
    QVERIFY2(checks >= 5, qPrintable(QString::number(checks)));
    // ... and told nothing, so no view read anything.
    QCOMPARE(changed.size(), 0);
    // A statement that changes no row tells nothing either.
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET status = 'FAILED' WHERE 1 = 0")));
    QTest::qWait(500);
    QCOMPARE(changed.size(), 0);
}

void TestChangeWatcher::ownConnectionsWritesAreTold()
{
    // The queue tab's actions write on the views' connection: SQLite's data_version does not
    // move for them, total_changes() does; PostgreSQL notifies its own session too.
    const auto watcher = startWatcher(200);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    DatabaseClient client(m_thread);
    QSignalSpy done(&client, &DatabaseClient::busyChanged);
    bool ok = false;
    const bool pg = Test::engine() == DatabaseConfig::Engine::PostgreSQL;
    client.post(
        [pg](QSqlDatabase &db) {
            QSqlQuery q(db);
            return q.exec(QStringLiteral("INSERT INTO queue (id, username, source, request_id) "
                                         "VALUES (%1, 'own_write', 'test', 'own-write')")
                              .arg(pg ? QStringLiteral("gen_random_uuid()")
                                      : QStringLiteral("'own-write-id'")));
        },
        [&ok](bool result) { ok = result; });
    QTRY_VERIFY_WITH_TIMEOUT(!client.isBusy(), 5000);
    QVERIFY(ok);
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
}

void TestChangeWatcher::atMostOnePerInterval()
{
    const int interval = 400;
    const auto watcher = startWatcher(interval);
    QVERIFY(watcher);
    QList<qint64> at;
    QElapsedTimer clock;
    clock.start();
    connect(watcher.get(), &ChangeWatcher::changed, this, [&] { at << clock.elapsed(); });
    // A change every 50 ms for two seconds.
    while (clock.elapsed() < 2000) {
        QVERIFY(insertRow(QStringLiteral("burst")));
        QTest::qWait(50);
    }
    QTest::qWait(interval * 2);
    QVERIFY2(at.size() >= 2, qPrintable(QString::number(at.size())));
    // 2 s of changes at 400 ms: five or six, never forty.
    QVERIFY2(at.size() <= 2000 / interval + 2, qPrintable(QString::number(at.size())));
    for (int i = 1; i < at.size(); ++i)
        QVERIFY2(at.at(i) - at.at(i - 1) >= interval - 5,
            qPrintable(QStringLiteral("%1 ms apart").arg(at.at(i) - at.at(i - 1))));
}

void TestChangeWatcher::pausedTellsNothingThenCatchesUp()
{
    const auto watcher = startWatcher(100);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    watcher->setPaused(true, ChangeWatcher::WindowHidden);
    QVERIFY(watcher->isPaused());
    const int checks = watcher->checksRun();
    QVERIFY(insertRow(QStringLiteral("paused")));
    QTest::qWait(800);
    QCOMPARE(changed.size(), 0);
    QVERIFY(watcher->checksRun() <= checks + 1); // one may have been on its way
    // Paused for two reasons: both must end.
    watcher->setPaused(true, ChangeWatcher::ByUser);
    watcher->setPaused(false, ChangeWatcher::WindowHidden);
    QVERIFY(watcher->isPaused());
    QTest::qWait(300);
    QCOMPARE(changed.size(), 0);
    watcher->setPaused(false, ChangeWatcher::ByUser);
    QTRY_VERIFY_WITH_TIMEOUT(changed.size() == 1, 5000);
}

void TestChangeWatcher::offTellsNothing()
{
    const auto watcher = startWatcher(100);
    QVERIFY(watcher);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    watcher->setInterval(0);
    const int checks = watcher->checksRun();
    QVERIFY(insertRow(QStringLiteral("off")));
    QTest::qWait(600);
    QCOMPARE(changed.size(), 0);
    QCOMPARE(watcher->checksRun(), checks);
    QCOMPARE(watcher->mode(), ChangeWatcher::Mode::Off);
}

void TestChangeWatcher::hiddenChecksGoOnWhenAsked()
{
    // The window's finished-batch check runs on changes seen while the window is hidden: the
    // views are told nothing then, and everything once it is back.
    const auto watcher = startWatcher(100);
    QVERIFY(watcher);
    watcher->setChecksWhileHidden(true);
    QSignalSpy changed(watcher.get(), &ChangeWatcher::changed);
    QSignalSpy hidden(watcher.get(), &ChangeWatcher::changedWhileHidden);
    watcher->setPaused(true, ChangeWatcher::WindowHidden);
    const int checks = watcher->checksRun();
    QVERIFY(insertRow(QStringLiteral("hidden")));
    QTRY_VERIFY_WITH_TIMEOUT(hidden.size() >= 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(watcher->checksRun() >= checks + 3, 5000); // and they go on
    QCOMPARE(changed.size(), 0);
    QVERIFY(watcher->isPaused());

    // Paused by the user as well: no check at all.
    watcher->setPaused(true, ChangeWatcher::ByUser);
    QTest::qWait(200);
    const int stopped = watcher->checksRun();
    hidden.clear();
    QVERIFY(insertRow(QStringLiteral("both")));
    QTest::qWait(500);
    QCOMPARE(watcher->checksRun(), stopped);
    QCOMPARE(hidden.size(), 0);
    QCOMPARE(changed.size(), 0);

    // The user's pause ends while still hidden: the checks go on again.
    watcher->setPaused(false, ChangeWatcher::ByUser);
    QTRY_VERIFY_WITH_TIMEOUT(watcher->checksRun() >= stopped + 2, 5000);
    QCOMPARE(changed.size(), 0);

    // Back: what was seen meanwhile is told once to the views.
    watcher->setPaused(false, ChangeWatcher::WindowHidden);
    QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 1, 5000);

    // Paused by the user first, then hidden, then the user's pause ends: checking again.
    watcher->setPaused(true, ChangeWatcher::ByUser);
    watcher->setPaused(true, ChangeWatcher::WindowHidden);
    QTest::qWait(200);
    const int userFirst = watcher->checksRun();
    watcher->setPaused(false, ChangeWatcher::ByUser);
    QTRY_VERIFY_WITH_TIMEOUT(watcher->checksRun() >= userFirst + 2, 5000);
    watcher->setPaused(false, ChangeWatcher::WindowHidden);

    // Not asked for: hidden stops the checks, as before.
    watcher->setChecksWhileHidden(false);
    watcher->setPaused(true, ChangeWatcher::WindowHidden);
    QTest::qWait(200);
    const int quiet = watcher->checksRun();
    QVERIFY(insertRow(QStringLiteral("unasked")));
    QTest::qWait(500);
    QCOMPARE(watcher->checksRun(), quiet);
}

void TestChangeWatcher::undeclaredTransactionPoolerIsFound()
{
    if (Test::engine() != DatabaseConfig::Engine::PostgreSQL)
        QSKIP("PostgreSQL only: SQLite has no pooler");
    // The database's URL without pool_mode=transaction, as a user's may be for a PgBouncer the
    // app cannot recognise by its address: the watcher LISTENs as on a direct server.
    DatabaseConfig config = m_db->config();
    config.setOption(QStringLiteral("pool_mode"), QString());
    const auto thread = std::make_shared<DatabaseThread>(config, QStringLiteral("undeclared"));
    ChangeWatcher watcher(thread);
    QVERIFY(watcher.canPush());
    watcher.setInterval(100);
    QTRY_VERIFY_WITH_TIMEOUT(
        watcher.mode() == ChangeWatcher::Mode::Push && watcher.checksRun() >= 2, 10000);

    // Three other clients in open transactions for ten intervals: through a transaction
    // pooler they hold the idle server connections (the watcher's among them: PgBouncer hands
    // out the last released first), so the watcher's heartbeats run in other server sessions.
    QStringList holders;
    for (int i = 0; i < 3; ++i) {
        const QString name = QStringLiteral("tst_holder_%1").arg(i);
        const ValueResult<QSqlDatabase> opened = Database::open(config, name);
        QVERIFY2(opened.ok, qPrintable(opened.error));
        holders << name;
        QSqlQuery q(opened.value);
        QVERIFY2(q.exec(QStringLiteral("BEGIN")) && q.exec(QStringLiteral("SELECT 1")),
            qPrintable(q.lastError().text()));
    }
    const int checksBefore = watcher.checksRun();
    QTRY_VERIFY_WITH_TIMEOUT(watcher.checksRun() >= checksBefore + 10, 10000);
    for (const QString &name : std::as_const(holders)) {
        {
            QSqlQuery q(QSqlDatabase::database(name, false));
            QVERIFY(q.exec(QStringLiteral("COMMIT")));
        }
        Database::close(name);
    }

    if (Test::pooler() == Test::Pooler::Transaction) {
        // Found: it polls, and a commit by another connection is told.
        QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Poll);
        QVERIFY(!watcher.canPush());
        QSignalSpy changed(&watcher, &ChangeWatcher::changed);
        QVERIFY(insertRow(QStringLiteral("pooled")));
        QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
    } else {
        // A direct server: one session per connection, whatever the other clients do.
        QCOMPARE(watcher.mode(), ChangeWatcher::Mode::Push);
        QVERIFY(watcher.canPush());
    }
}

void TestChangeWatcher::poolerTellsOnlyWhatChanged()
{
    if (Test::engine() != DatabaseConfig::Engine::PostgreSQL)
        QSKIP("PostgreSQL only: SQLite has no pooler (its cheap check is data_version)");
    // Through a transaction pooler (pool_mode=transaction: no LISTEN) on a server of its own,
    // where nothing else writes: the snapshot is the server's, and the shared test server has
    // other tests' commits.
    Test::PostgresServer server;
    const Result started = server.start();
    QVERIFY2(started.ok, qPrintable(started.error));
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(server.adminUrl());
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    const QString writerName = QStringLiteral("tst_private_writer");
    QSqlDatabase writer;
    {
        const ValueResult<QSqlDatabase> opened = Database::open(parsed.value, writerName);
        QVERIFY2(opened.ok, qPrintable(opened.error));
        writer = opened.value;
    }
    QSqlQuery q(writer);
    const auto exec = [&q](const QString &sql) {
        if (q.exec(sql))
            return true;
        qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
        return false;
    };
    // Autovacuum's ANALYZE writes pg_statistic: a write like any other, not wanted here.
    QVERIFY(exec(QStringLiteral("ALTER SYSTEM SET autovacuum = off")));
    QVERIFY(exec(QStringLiteral("SELECT pg_reload_conf()")));
    const Schema::MigrationResult migrated = Schema::migrate(writer);
    QVERIFY2(migrated.ok, qPrintable(migrated.error));

    {
        DatabaseConfig config = parsed.value;
        config.setOption(QStringLiteral("pool_mode"), QStringLiteral("transaction"));
        const auto thread = std::make_shared<DatabaseThread>(config, QStringLiteral("private"));
        ChangeWatcher watcher(thread);
        QVERIFY(!watcher.canPush());
        watcher.setInterval(100);
        QTRY_VERIFY_WITH_TIMEOUT(
            watcher.mode() == ChangeWatcher::Mode::Poll && watcher.checksRun() >= 2, 10000);
        QSignalSpy changed(&watcher, &ChangeWatcher::changed);
        const int checksBefore = watcher.checksRun();
        QTest::qWait(1500); // fifteen intervals
        QVERIFY2(watcher.checksRun() - checksBefore >= 5,
            qPrintable(QString::number(watcher.checksRun() - checksBefore)));
        QCOMPARE(changed.size(), 0); // no view reads again while nothing changes

        // Reads, and a statement that changes no row, end no writing transaction.
        QVERIFY(exec(QStringLiteral("SELECT COUNT(*) FROM queue")));
        QVERIFY(exec(QStringLiteral("UPDATE queue SET status = 'FAILED' WHERE 1 = 0")));
        QTest::qWait(500);
        QCOMPARE(changed.size(), 0);

        // A commit by another connection: told once, at the next check.
        QElapsedTimer clock;
        clock.start();
        QVERIFY(exec(QStringLiteral("INSERT INTO queue (username, source, request_id) "
                                    "VALUES ('private_one', 'test', 'private-one')")));
        QTRY_VERIFY_WITH_TIMEOUT(changed.size() >= 1, 5000);
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
        QTest::qWait(500);
        QCOMPARE(changed.size(), 1);

        // Changed while paused: told when resumed, once.
        watcher.setPaused(true, ChangeWatcher::WindowHidden);
        QVERIFY(exec(QStringLiteral("UPDATE queue SET priority = 'LOW'")));
        QTest::qWait(300);
        QCOMPARE(changed.size(), 1);
        watcher.setPaused(false, ChangeWatcher::WindowHidden);
        QTRY_COMPARE_WITH_TIMEOUT(changed.size(), 2, 5000);
        QTest::qWait(500);
        QCOMPARE(changed.size(), 2);
    }
    q = QSqlQuery();
    writer = QSqlDatabase();
    Database::close(writerName);
}

QTEST_GUILESS_MAIN(TestChangeWatcher)
#include "tst_changewatcher.moc"
