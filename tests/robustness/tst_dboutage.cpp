// The private PostgreSQL server stops for 10 seconds while `serve` is under load:
// every request is answered within 2 s (503 database_unavailable while the database is away),
// /health says unavailable, `submit` fails fast with exit status 2, service resumes by itself
// within 2 s of the database's return, and nothing acknowledged is lost.
// VIRALSPOT_OUTAGE_SECONDS changes the outage (default 10).

#include "tests/robustness/httpclient.h"
#include "tests/robustness/loadgenerator.h"
#include "tests/robustness/serveprocess.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QTemporaryDir>
#include <QTest>

using namespace ViralSpot;
using namespace ViralSpot::Robustness;

class TestDatabaseOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void postgresAwayUnderLoad();
    void postgresAwayWhileIdle();
};

namespace {

constexpr qint64 AnswerWithinMs = 2000;
constexpr qint64 ResumeWithinMs = 2000;

int runSubmit(const QString &url, const QString &username, qint64 *ms, QByteArray *errors)
{
    QElapsedTimer timer;
    timer.start();
    QProcess submit;
    submit.start(Test::appBinary(),
        { QStringLiteral("submit"), QStringLiteral("--database"), url, username });
    if (!submit.waitForFinished(60000))
        return -1;
    *ms = timer.elapsed();
    *errors = submit.readAllStandardError();
    return submit.exitStatus() == QProcess::NormalExit ? submit.exitCode() : -1;
}

} // namespace

void TestDatabaseOutage::postgresAwayUnderLoad()
{
    Test::PostgresServer server;
    VERIFY_OK(server.start());
    QTemporaryDir logs;
    const int outageSeconds = qEnvironmentVariableIsSet("VIRALSPOT_OUTAGE_SECONDS")
        ? qEnvironmentVariableIntValue("VIRALSPOT_OUTAGE_SECONDS")
        : 10;

    ServeProcess serve(server.adminUrl(), logs.filePath(QStringLiteral("serve.log")));
    VERIFY_OK(serve.start());
    HttpClient probe(serve.port(), 10000);
    QCOMPARE(probe.get("/health").status, 200);

    LoadGenerator load(serve.port(), QStringLiteral("o"), 4, 10000);
    load.start();
    QTRY_VERIFY_WITH_TIMEOUT(load.acknowledged().size() >= 50, 30000);

    // The database goes away.
    VERIFY_OK(server.stop());
    const qint64 downAt = LoadGenerator::nowMs();
    QElapsedTimer outage;
    outage.start();
    int healthChecks = 0;
    while (outage.elapsed() < outageSeconds * 1000) {
        const HttpAnswer health = probe.get("/health");
        QCOMPARE(health.status, 503);
        QCOMPARE(
            health.json()[QStringLiteral("database")].toString(), QStringLiteral("unavailable"));
        QVERIFY2(health.milliseconds < AnswerWithinMs,
            qPrintable(QStringLiteral("/health took %1 ms").arg(health.milliseconds)));
        const HttpAnswer request =
            probe.requestProfile(QStringLiteral("during_%1").arg(healthChecks));
        QCOMPARE(request.status, 503);
        QCOMPARE(request.json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
            QStringLiteral("database_unavailable"));
        if (healthChecks == 0) {
            qint64 ms = 0;
            QByteArray errors;
            QCOMPARE(
                runSubmit(server.adminUrl(), QStringLiteral("submit_during"), &ms, &errors), 2);
            qInfo("submit during the outage: exit 2 after %lld ms: %s", ms,
                errors.trimmed().constData());
            QVERIFY2(ms < 10000, "submit must fail fast while the database is away");
        }
        ++healthChecks;
        QTest::qWait(200); // pace the probe; the load threads keep hammering meanwhile
    }
    const int answeredDuringOutage = load.answered();

    // The database returns: service resumes by itself.
    const qint64 restartAt = LoadGenerator::nowMs();
    VERIFY_OK(server.start());
    QElapsedTimer back;
    back.start();
    qint64 resumedMs = -1;
    while (back.elapsed() < 30000) {
        if (probe.requestProfile(QStringLiteral("after_%1").arg(back.elapsed())).queued()) {
            resumedMs = back.elapsed();
            break;
        }
    }
    qInfo("outage of %d s: %d health checks, service resumed %lld ms after the database",
        outageSeconds, healthChecks, resumedMs);
    QVERIFY2(resumedMs >= 0 && resumedMs <= ResumeWithinMs,
        qPrintable(QStringLiteral("resumed after %1 ms").arg(resumedMs)));
    QCOMPARE(probe.get("/health").status, 200);
    const int before = load.acknowledged().size();
    QTRY_VERIFY_WITH_TIMEOUT(load.acknowledged().size() >= before + 50, 30000);
    load.stop();

    QVERIFY2(load.problems().isEmpty(), qPrintable(load.problems().join(QLatin1Char('\n'))));
    // Every answer, before, during and after the outage, came within the limit, and none came
    // as a 200 while the database was away.
    int during503 = 0;
    qint64 slowestDuring = 0;
    for (const LoadGenerator::Sample &sample : load.samples()) {
        QVERIFY2(sample.status != 0,
            qPrintable(QStringLiteral("a request got no answer (sent at +%1 ms)")
                           .arg(sample.sentMs - downAt)));
        QVERIFY2(sample.milliseconds <= AnswerWithinMs,
            qPrintable(QStringLiteral("a request took %1 ms (sent at +%2 ms of the outage)")
                           .arg(sample.milliseconds)
                           .arg(sample.sentMs - downAt)));
        if (sample.sentMs > downAt && sample.sentMs + sample.milliseconds < restartAt) {
            QCOMPARE(sample.status, 503);
            ++during503;
            slowestDuring = qMax(slowestDuring, sample.milliseconds);
        }
    }
    qInfo("load: %d answers until the database returned, %d sent and answered while it was "
          "away, all 503, slowest %lld ms",
        answeredDuringOutage, during503, slowestDuring);
    QVERIFY(during503 > 0);

    qint64 ms = 0;
    QByteArray errors;
    QCOMPARE(runSubmit(server.adminUrl(), QStringLiteral("submit_after"), &ms, &errors), 0);

    QStringList acknowledged = load.acknowledged();
    acknowledged << QStringLiteral("submit_after");
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("check"));
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(server.port());
        db.setUserName(QStringLiteral("postgres"));
        db.setDatabaseName(QStringLiteral("postgres"));
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        const QStringList problems = checkQueue(db, acknowledged);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 20).join(QLatin1Char('\n'))));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
    QCOMPARE(serve.terminate(), 0);
}

// No request at all while the database is away: the first requests after its return must
// not fail on the connections that died meanwhile (writer and reader alike).
void TestDatabaseOutage::postgresAwayWhileIdle()
{
    Test::PostgresServer server;
    VERIFY_OK(server.start());
    QTemporaryDir logs;
    ServeProcess serve(server.adminUrl(), logs.filePath(QStringLiteral("serve.log")));
    VERIFY_OK(serve.start());
    HttpClient client(serve.port(), 10000);
    QVERIFY(client.requestProfile(QStringLiteral("idle_before")).queued());
    QCOMPARE(client.get("/api/profile/idle_before/status").status, 200);

    VERIFY_OK(server.stop());
    VERIFY_OK(server.start());
    QElapsedTimer back;
    back.start();
    const HttpAnswer write = client.requestProfile(QStringLiteral("idle_after"));
    const HttpAnswer read = client.get("/api/profile/idle_before/status");
    const HttpAnswer health = client.get("/health");
    qInfo("first answers after the database returned: POST %d, status %d, health %d (%lld ms)",
        write.status, read.status, health.status, back.elapsed());
    QVERIFY2(write.queued(), write.body.constData());
    QCOMPARE(read.status, 200);
    QCOMPARE(health.status, 200);
    QCOMPARE(serve.terminate(), 0);
}

QTEST_GUILESS_MAIN(TestDatabaseOutage)
#include "tst_dboutage.moc"
