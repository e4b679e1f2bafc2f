// DatabaseThread and DatabaseClient (core/databasethread.h, core/databaseclient.h): where jobs run
// and answers arrive, answers to destroyed contexts, order, stopping with jobs queued, failing
// jobs, and one connection opened once and reused. Real SQLite files.
#include "core/databaseclient.h"
#include "core/databasethread.h"

#include <QObject>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

using namespace ViralSpot;

class TestDatabaseThread final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void jobRunsOnTheThreadAnswerOnTheCallersThread();
    void answerToADestroyedContextIsDropped();
    void jobsRunAndAnswerInOrder();
    void stopDropsQueuedJobsAndClosesTheConnection();
    void quitFromAJobStillClosesTheConnectionOnTheThread();
    void throwingJobIsReportedAndTheThreadGoesOn();
    void connectionIsOpenedOnceAndReused();
    void lostConnectionIsReopenedByTheNextJob();
    void openFailureReachesTheJob();
    void openHookRunsOnEachOpen();
    void clientsCountOnlyTheirOwnJobs();
    void lastClientStopsTheThread();

private:
    DatabaseConfig sqliteConfig(const QString &file = QStringLiteral("db.sqlite")) const;
    std::unique_ptr<QTemporaryDir> m_dir;
};

DatabaseConfig TestDatabaseThread::sqliteConfig(const QString &file) const
{
    DatabaseConfig config;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = m_dir->filePath(file);
    return config;
}

void TestDatabaseThread::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestDatabaseThread::jobRunsOnTheThreadAnswerOnTheCallersThread()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QObject context;
    QThread *jobThread = nullptr;
    QThread *answerThread = nullptr;
    bool open = false;
    thread.post(
        &context,
        [&jobThread](QSqlDatabase &db) {
            jobThread = QThread::currentThread();
            return db.isOpen();
        },
        [&](bool wasOpen) {
            open = wasOpen;
            answerThread = QThread::currentThread();
        });
    QTRY_VERIFY(answerThread != nullptr);
    QVERIFY(open);
    QCOMPARE(jobThread, static_cast<QThread *>(&thread));
    QCOMPARE(answerThread, QThread::currentThread());
}

void TestDatabaseThread::answerToADestroyedContextIsDropped()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QSemaphore started;
    QSemaphore release;
    bool answered = false;
    auto *context = new QObject;
    thread.post(
        context,
        [&](QSqlDatabase &) {
            started.release();
            release.acquire(); // until the context is gone
            return 1;
        },
        [&answered](int) { answered = true; });
    started.acquire();
    delete context;
    release.release();
    // A job after it: once its answer is in, the first one's would have been too.
    QObject live;
    bool secondAnswered = false;
    thread.post(
        &live, [](QSqlDatabase &) { return 2; }, [&](int) { secondAnswered = true; });
    QTRY_VERIFY(secondAnswered);
    QCoreApplication::processEvents();
    QVERIFY(!answered);

    // The same when the answer is already queued to the context when it goes.
    auto *late = new QObject;
    thread.post(
        late, [](QSqlDatabase &) { return 3; }, [&answered](int) { answered = true; });
    // Without processing events: the answer is posted to `late`, not delivered.
    for (int i = 0; i < 500 && thread.pending() > 0; ++i)
        QThread::msleep(2);
    QCOMPARE(thread.pending(), 0);
    QThread::msleep(100);
    delete late;
    QCoreApplication::processEvents();
    QVERIFY(!answered);
}

void TestDatabaseThread::jobsRunAndAnswerInOrder()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QObject context;
    QList<int> ran; // written on the thread only, read after the last answer
    QList<int> answered;
    constexpr int Jobs = 200;
    for (int i = 0; i < Jobs; ++i) {
        thread.post(
            &context,
            [&ran, i](QSqlDatabase &) {
                ran.append(i);
                return i;
            },
            [&answered](int n) { answered.append(n); });
    }
    QTRY_COMPARE(answered.size(), Jobs);
    QList<int> expected;
    for (int i = 0; i < Jobs; ++i)
        expected.append(i);
    QCOMPARE(ran, expected);
    QCOMPARE(answered, expected);
}

void TestDatabaseThread::stopDropsQueuedJobsAndClosesTheConnection()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QObject context;
    QSemaphore started;
    std::atomic_int laterJobsRun { 0 };
    int answers = 0;
    bool firstFinished = false;
    thread.post(
        &context,
        [&](QSqlDatabase &db) {
            started.release();
            QThread::msleep(200); // still running when stop() is called
            firstFinished = true;
            return db.isOpen();
        },
        [&answers](bool) { ++answers; });
    for (int i = 0; i < 10; ++i) {
        thread.post(
            &context, [&laterJobsRun](QSqlDatabase &) { return ++laterJobsRun; },
            [&answers](int) { ++answers; });
    }
    started.acquire();
    const QString name = thread.connectionName();
    thread.stop(); // waits for the running job
    QVERIFY(firstFinished);
    QVERIFY(thread.isFinished());
    QCOMPARE(laterJobsRun.load(), 0);
    QVERIFY(!QSqlDatabase::contains(name)); // closed and removed on its thread
    // Nothing posted after stop() runs either, and nothing answers.
    thread.post(
        &context, [&laterJobsRun](QSqlDatabase &) { return ++laterJobsRun; },
        [&answers](int) { ++answers; });
    QTest::qWait(100);
    QCOMPARE(laterJobsRun.load(), 0);
    QCOMPARE(answers, 1); // only the job that was running answers
    thread.stop(); // a second stop is harmless
}

void TestDatabaseThread::quitFromAJobStillClosesTheConnectionOnTheThread()
{
    // How the window ends its request thread: a job quits the thread's event loop.
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QObject context;
    bool opened = false;
    thread.post(
        &context, [](QSqlDatabase &db) { return db.isOpen(); },
        [&opened](bool open) { opened = open; });
    QTRY_VERIFY(opened);
    QVERIFY(QSqlDatabase::contains(thread.connectionName()));
    thread.post(
        &context,
        [](QSqlDatabase &) {
            QThread::currentThread()->quit();
            return 0;
        },
        [](int) {});
    QVERIFY(thread.wait(5000));
    QVERIFY(!QSqlDatabase::contains(thread.connectionName()));
}

void TestDatabaseThread::throwingJobIsReportedAndTheThreadGoesOn()
{
    auto thread = std::make_shared<DatabaseThread>(sqliteConfig(), QStringLiteral("test"));
    DatabaseClient client(thread);
    QSignalSpy failed(thread.get(), &DatabaseThread::jobFailed);
    QSignalSpy busy(&client, &DatabaseClient::busyChanged);
    bool thrownAnswered = false;
    client.post([](QSqlDatabase &) -> int { throw std::runtime_error("no such thing"); },
        [&thrownAnswered](int) { thrownAnswered = true; });
    int next = 0;
    client.post(
        [](QSqlDatabase &db) { return db.isOpen() ? 7 : -1; }, [&next](int n) { next = n; });
    QTRY_COMPARE(next, 7);
    QVERIFY(!thrownAnswered);
    QTRY_COMPARE(failed.size(), 1);
    QCOMPARE(failed.at(0).at(0).toString(), QStringLiteral("no such thing"));
    // Not stuck busy: the failed job counts as answered.
    QVERIFY(!client.isBusy());
    QCOMPARE(busy.size(), 2);
    QCOMPARE(busy.at(1).at(0).toBool(), false);
}

void TestDatabaseThread::connectionIsOpenedOnceAndReused()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QObject context;
    QStringList names;
    QList<bool> seen;
    // A TEMP table lives in one session only: each later job sees it only on the same one.
    thread.post(
        &context,
        [](QSqlDatabase &db) {
            QSqlQuery q(db);
            return q.exec(QStringLiteral("CREATE TEMP TABLE only_here (n INTEGER)")) &&
                q.exec(QStringLiteral("INSERT INTO only_here VALUES (42)"));
        },
        [&seen](bool ok) { seen.append(ok); });
    for (int i = 0; i < 5; ++i) {
        thread.post(
            &context,
            [&names](QSqlDatabase &db) {
                names.append(db.connectionName());
                QSqlQuery q(db);
                return q.exec(QStringLiteral("SELECT n FROM only_here")) && q.next() &&
                    q.value(0).toInt() == 42;
            },
            [&seen](bool ok) { seen.append(ok); });
    }
    QTRY_COMPARE(seen.size(), 6);
    QCOMPARE(seen, QList<bool>(6, true));
    QCOMPARE(names, QStringList(5, thread.connectionName()));
    QCOMPARE(thread.connectionsOpened(), 1);
}

void TestDatabaseThread::lostConnectionIsReopenedByTheNextJob()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    QObject context;
    int answers = 0;
    // A job that leaves its connection closed (as a dropped server would): the next job gets
    // a new one.
    thread.post(
        &context,
        [](QSqlDatabase &db) {
            db.close();
            return 0;
        },
        [&answers](int) { ++answers; });
    bool open = false;
    thread.post(
        &context, [](QSqlDatabase &db) { return db.isOpen(); },
        [&](bool isOpen) {
            open = isOpen;
            ++answers;
        });
    QTRY_COMPARE(answers, 2);
    QVERIFY(open);
    QCOMPARE(thread.connectionsOpened(), 2);
}

void TestDatabaseThread::openFailureReachesTheJob()
{
    QFile blocker(m_dir->filePath(QStringLiteral("not-a-folder")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    DatabaseThread thread(
        sqliteConfig(QStringLiteral("not-a-folder/db.sqlite")), QStringLiteral("test"));
    QObject context;
    QString error = QStringLiteral("unset");
    thread.post(
        &context,
        [](QSqlDatabase &db) { return db.isOpen() ? QString() : DatabaseThread::openError(); },
        [&error](const QString &why) { error = why; });
    QTRY_VERIFY(error != QLatin1String("unset"));
    QVERIFY2(!error.isEmpty(), "a failed open says why");
    QCOMPARE(thread.connectionsOpened(), 0);
}

void TestDatabaseThread::openHookRunsOnEachOpen()
{
    DatabaseThread thread(sqliteConfig(), QStringLiteral("test"));
    std::atomic_int hooks { 0 };
    QThread *hookThread = nullptr;
    thread.setOpenHook([&](QSqlDatabase &db) {
        hookThread = QThread::currentThread();
        QSqlQuery q(db);
        q.exec(QStringLiteral("PRAGMA cache_size=-1234"));
        ++hooks;
    });
    QObject context;
    int cacheSize = 0;
    for (int i = 0; i < 3; ++i) {
        thread.post(
            &context,
            [](QSqlDatabase &db) {
                QSqlQuery q(db);
                return q.exec(QStringLiteral("PRAGMA cache_size")) && q.next() ? q.value(0).toInt()
                                                                               : 0;
            },
            [&cacheSize](int n) { cacheSize = n; });
    }
    QTRY_COMPARE(cacheSize, -1234);
    QCOMPARE(hooks.load(), 1);
    QCOMPARE(hookThread, static_cast<QThread *>(&thread));
}

void TestDatabaseThread::clientsCountOnlyTheirOwnJobs()
{
    auto thread = std::make_shared<DatabaseThread>(sqliteConfig(), QStringLiteral("test"));
    DatabaseClient a(thread);
    DatabaseClient b(thread);
    QSignalSpy busyA(&a, &DatabaseClient::busyChanged);
    QSignalSpy busyB(&b, &DatabaseClient::busyChanged);
    int done = 0;
    for (int i = 0; i < 3; ++i)
        a.post([](QSqlDatabase &) { return 0; }, [&done](int) { ++done; });
    QCOMPARE(a.pending(), 3);
    QVERIFY(a.isBusy());
    QVERIFY(!b.isBusy());
    QTRY_COMPARE(done, 3);
    QVERIFY(!a.isBusy());
    QCOMPARE(busyA.size(), 2); // true once, false once
    QCOMPARE(busyB.size(), 0);
}

void TestDatabaseThread::lastClientStopsTheThread()
{
    auto thread = std::make_shared<DatabaseThread>(sqliteConfig(), QStringLiteral("test"));
    std::weak_ptr<DatabaseThread> weak = thread;
    auto *a = new DatabaseClient(thread);
    auto *b = new DatabaseClient(thread);
    thread.reset();
    bool opened = false;
    a->post([](QSqlDatabase &db) { return db.isOpen(); }, [&opened](bool o) { opened = o; });
    QTRY_VERIFY(opened);
    const QString name = weak.lock()->connectionName();
    delete a;
    QVERIFY(!weak.expired());
    delete b;
    QVERIFY(weak.expired());
    QVERIFY(!QSqlDatabase::contains(name));
}

QTEST_GUILESS_MAIN(TestDatabaseThread)
#include "tst_databasethread.moc"
