// The database goes away and comes back: clear errors, nothing claimed, and the same service
// object works again once the server is back. Uses a private PostgreSQL server it can stop.

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QSqlQuery>
#include <QTest>

using namespace ViralSpot;

class TestOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void postgresStopsAndReturns();
    void submitExitsTwoWhileDown();
    void sqliteFolderThatCannotExist();

private:
    Test::PostgresServer m_server;
    DatabaseConfig m_config;
};

void TestOutage::initTestCase()
{
    VERIFY_OK(m_server.start());
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(m_server.adminUrl());
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    m_config = parsed.value;
}

void TestOutage::postgresStopsAndReturns()
{
    RequestService service(m_config);
    QCOMPARE(service.request(QStringLiteral("before")).outcome, Outcome::Queued);

    VERIFY_OK(m_server.stop());

    QElapsedTimer timer;
    timer.start();
    const RequestResult down = service.request(QStringLiteral("during"));
    QCOMPARE(down.outcome, Outcome::Error);
    QVERIFY2(down.message.contains(QLatin1String("unavailable")), qPrintable(down.message));
    QVERIFY(down.requestId.isEmpty());
    const QList<RequestResult> batch =
        service.requestItems({ { QStringLiteral("during2"), QStringLiteral("s") },
            { QStringLiteral("during3"), QStringLiteral("s") } });
    QCOMPARE(batch[0].outcome, Outcome::Error);
    QCOMPARE(batch[1].outcome, Outcome::Error);
    QVERIFY(!service.ping().ok);
    QVERIFY2(timer.elapsed() < 8000, "requests against a stopped server must fail fast");
    QVERIFY(!service.status(QStringLiteral("before")).ok);

    VERIFY_OK(m_server.start());
    const Result back = service.ping();
    QVERIFY2(back.ok, qPrintable(back.error));
    QCOMPARE(service.request(QStringLiteral("after")).outcome, Outcome::Queued);
    QCOMPARE(service.request(QStringLiteral("before")).outcome, Outcome::AlreadyQueued);
    // Nothing from the outage reached the queue.
    QCOMPARE(service.request(QStringLiteral("during")).outcome, Outcome::Queued);
    QSqlQuery q(service.database().value);
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username IN ('during2', "
                                  "'during3')")) &&
        q.next());
    QCOMPARE(q.value(0).toInt(), 0);
}

void TestOutage::submitExitsTwoWhileDown()
{
    VERIFY_OK(m_server.stop());
    QProcess p;
    p.start(Test::appBinary(),
        { QStringLiteral("submit"), QStringLiteral("--database"), m_server.adminUrl(),
            QStringLiteral("nobody_home") });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 2);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(out.contains(QLatin1String("nobody_home\terror\t")), qPrintable(out));
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QLatin1String("unavailable")));
    VERIFY_OK(m_server.start());
}

void TestOutage::sqliteFolderThatCannotExist()
{
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("file")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const DatabaseConfig config = DatabaseConfig::fromUrl(
        QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("file/sub/q.sqlite")))
                                      .value;
    RequestService service(config);
    const RequestResult r = service.request(QStringLiteral("someone"));
    QCOMPARE(r.outcome, Outcome::Error);
    QVERIFY2(r.message.contains(QLatin1String("folder")), qPrintable(r.message));
}

QTEST_GUILESS_MAIN(TestOutage)
#include "tst_outage.moc"
