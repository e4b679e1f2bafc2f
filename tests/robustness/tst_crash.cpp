// SIGKILL `serve` at random moments under concurrent load, many rounds, on the engine of this
// run (VIRALSPOT_TEST_ENGINE): every username that got `queued: true` is in the database after
// the crash, no username has two active rows, SQLite's integrity_check says ok, and a restarted
// server carries on. VIRALSPOT_CRASH_ROUNDS changes the number of rounds (default 20).

#include "tests/robustness/httpclient.h"
#include "tests/robustness/loadgenerator.h"
#include "tests/robustness/serveprocess.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <thread>

using namespace ViralSpot;
using namespace ViralSpot::Robustness;

class TestCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void killedUnderLoad();
};

void TestCrash::killedUnderLoad()
{
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QTemporaryDir logs;
    QVERIFY(logs.isValid());
    const int rounds = qEnvironmentVariableIsSet("VIRALSPOT_CRASH_ROUNDS")
        ? qEnvironmentVariableIntValue("VIRALSPOT_CRASH_ROUNDS")
        : 20;
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("engine %s, %d rounds, seed %u", qPrintable(Test::engineName()), rounds, seed);
    QRandomGenerator random(seed);

    QStringList acknowledged;
    int inFlight = 0; // requests cut off by the kills (sent, never answered)
    for (int round = 0; round < rounds; ++round) {
        ServeProcess serve(db.url(), logs.filePath(QStringLiteral("serve.log")));
        VERIFY_OK(serve.start());

        LoadGenerator load(serve.port(), QStringLiteral("k%1").arg(round), 4, 10000);
        load.start();
        // A random moment: after 1..300 answers, plus 0..20 ms (mid-commit, mid-answer).
        const int answers = 1 + int(random.bounded(300));
        QTRY_VERIFY_WITH_TIMEOUT(load.answered() >= answers, 60000);
        std::this_thread::sleep_for(std::chrono::microseconds(random.bounded(20000)));
        serve.kill();
        load.stop();
        for (const LoadGenerator::Sample &sample : load.samples())
            inFlight += sample.cutOff ? 1 : 0;

        QVERIFY2(load.problems().isEmpty(), qPrintable(load.problems().join(QLatin1Char('\n'))));
        acknowledged += load.acknowledged();
        // After every crash: nothing acknowledged is lost, one active row per username, and the
        // SQLite file is sound.
        const QStringList problems = checkQueue(db.connection(), acknowledged);
        QVERIFY2(problems.isEmpty(),
            qPrintable(QStringLiteral("round %1: %2")
                           .arg(round)
                           .arg(problems.mid(0, 20).join(QLatin1Char('\n')))));
        if (Test::engine() == DatabaseConfig::Engine::SQLite)
            QCOMPARE(sqliteIntegrity(db.connection()), QStringLiteral("ok"));
    }
    qInfo("%lld usernames acknowledged over %d crashes; %d requests were in flight at the kills",
        qlonglong(acknowledged.size()), rounds, inFlight);
    QVERIFY(acknowledged.size() >= rounds);

    // Restart: the server carries on where the crashes left it.
    ServeProcess serve(db.url(), logs.filePath(QStringLiteral("serve.log")));
    VERIFY_OK(serve.start());
    HttpClient client(serve.port());
    for (int i = 0; i < 20; ++i) {
        const QString &username = acknowledged.at(random.bounded(int(acknowledged.size())));
        const HttpAnswer again = client.requestProfile(username);
        QCOMPARE(again.status, 200);
        QCOMPARE(again.json()[QStringLiteral("data")][QStringLiteral("queued")].toBool(), false);
        const HttpAnswer status = client.get("/api/profile/" + username.toUtf8() + "/status");
        QCOMPARE(status.status, 200);
        QCOMPARE(status.json()[QStringLiteral("data")][QStringLiteral("status")].toString(),
            QStringLiteral("PENDING"));
    }
    QVERIFY(client.requestProfile(QStringLiteral("after_the_crashes")).queued());
    QCOMPARE(client.get("/health").status, 200);
    QCOMPARE(serve.terminate(), 0);
    acknowledged << QStringLiteral("after_the_crashes");
    const QStringList problems = checkQueue(db.connection(), acknowledged);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 20).join(QLatin1Char('\n'))));
    if (Test::engine() == DatabaseConfig::Engine::SQLite)
        QCOMPARE(sqliteIntegrity(db.connection()), QStringLiteral("ok"));
}

QTEST_GUILESS_MAIN(TestCrash)
#include "tst_crash.moc"
