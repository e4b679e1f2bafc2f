// `viralspot-admin serve` against a TLS-only PostgreSQL (certificates made by the test with
// openssl): through sslmode=verify-full with the right root certificate it answers requests
// and queues; with a wrong root certificate it queues nothing, answers 503 and logs libpq's
// reason.

#include "core/database.h"
#include "tests/http/rawhttp.h"
#include "tests/support/testdatabase.h"
#include "tests/support/tlspostgresserver.h"
#include "tests/support/verify.h"

#include <QProcess>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestTlsServe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void answersThroughVerifiedTls();
    void wrongRootCertificateQueuesNothing();

private:
    // Starts serve on a free port; returns the port, 0 when it did not start.
    quint16 start(const QString &url);
    QByteArray log() const;
    int queuedRows(const QString &username);

    Test::TlsPostgresServer m_server;
    std::unique_ptr<QProcess> m_serve;
    QTemporaryDir m_logDir; // stderr goes to a file: a full pipe would block serve
};

void TestTlsServe::initTestCase()
{
    QVERIFY(QFile::exists(Test::appBinary()));
    qunsetenv("PGSSLMODE");
    qunsetenv("PGSSLROOTCERT");
    VERIFY_OK(m_server.start());
}

void TestTlsServe::cleanup()
{
    if (m_serve) {
        m_serve->terminate();
        if (!m_serve->waitForFinished(20000))
            m_serve->kill();
        m_serve->waitForFinished();
        m_serve.reset();
    }
}

quint16 TestTlsServe::start(const QString &url)
{
    m_serve = std::make_unique<QProcess>();
    m_serve->setReadChannel(QProcess::StandardOutput);
    m_serve->setStandardErrorFile(m_logDir.filePath(QStringLiteral("stderr.log")));
    m_serve->start(Test::appBinary(),
        { QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0"),
            QStringLiteral("--database"), url });
    if (!m_serve->waitForStarted(10000))
        return 0;
    while (!m_serve->canReadLine()) {
        if (!m_serve->waitForReadyRead(30000))
            return 0;
    }
    static const QRegularExpression pattern(QStringLiteral("^listening on http://[0-9.]+:(\\d+)$"));
    const QRegularExpressionMatch match =
        pattern.match(QString::fromUtf8(m_serve->readLine()).trimmed());
    return match.hasMatch() ? quint16(match.captured(1).toUInt()) : 0;
}

QByteArray TestTlsServe::log() const
{
    QFile file(m_logDir.filePath(QStringLiteral("stderr.log")));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

int TestTlsServe::queuedRows(const QString &username)
{
    const DatabaseConfig config = DatabaseConfig::fromUrl(m_server.verifiedUrl()).value;
    const QString name = QStringLiteral("tls-serve-check");
    int rows = -1;
    {
        const ValueResult<QSqlDatabase> opened = Database::open(config, name);
        const QSqlDatabase &db = opened.value;
        QSqlQuery q(db);
        // The table may not exist yet when nothing ever reached the server.
        q.prepare(QStringLiteral("SELECT count(*) FROM queue WHERE username = ?"));
        q.addBindValue(username);
        if (db.isOpen() && q.exec() && q.next())
            rows = q.value(0).toInt();
        else if (db.isOpen() && q.lastError().nativeErrorCode() == QLatin1String("42P01"))
            rows = 0;
        else
            qWarning() << opened.error << q.lastError().text();
    }
    Database::close(name);
    return rows;
}

void TestTlsServe::wrongRootCertificateQueuesNothing()
{
    const quint16 port = start(m_server.url(QStringLiteral("verify-full"), m_server.wrongCaFile()));
    QVERIFY2(port > 0, log().constData());
    Test::BlockingClient client(QHostAddress::LocalHost, port);
    const Test::RawResponse queued = client.send("POST", "/api/profile/tls_refused/request");
    QCOMPARE(queued.status, 503);
    QCOMPARE(queued.json()
                 .value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("database_unavailable"));
    QCOMPARE(client.send("GET", "/health").status, 503);
    QTRY_VERIFY2_WITH_TIMEOUT(
        log().contains("certificate verify failed"), log().constData(), 10000);
    QCOMPARE(queuedRows(QStringLiteral("tls_refused")), 0);
}

void TestTlsServe::answersThroughVerifiedTls()
{
    const quint16 port = start(m_server.verifiedUrl());
    QVERIFY2(port > 0, log().constData());
    Test::BlockingClient client(QHostAddress::LocalHost, port);
    const Test::RawResponse health = client.send("GET", "/health");
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body, QByteArray(R"({"database":"ok","status":"ok"})"));

    const Test::RawResponse queued = client.send("POST", "/api/profile/Tls_Serve/request");
    QCOMPARE(queued.status, 200);
    QCOMPARE(queued.json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("message"))
                 .toString(),
        QStringLiteral("Profile tls_serve has been added to the high priority queue"));
    const Test::RawResponse again = client.send("POST", "/api/profile/tls_serve/request");
    QCOMPARE(again.status, 200);
    QCOMPARE(again.json().value(QStringLiteral("data")).toObject().value(QStringLiteral("queued")),
        QJsonValue(false));
    const Test::RawResponse status = client.send("GET", "/api/profile/tls_serve/status");
    QCOMPARE(status.status, 200);
    QCOMPARE(status.json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("status"))
                 .toString(),
        QStringLiteral("PENDING"));
    QCOMPARE(queuedRows(QStringLiteral("tls_serve")), 1);
}

QTEST_GUILESS_MAIN(TestTlsServe)
#include "tst_tlsserve.moc"
