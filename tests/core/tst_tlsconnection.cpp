// PostgreSQL over TLS, as hosted PostgreSQL (Supabase and others) requires: a private server
// that accepts only TLS (ssl=on, hostssl lines only), with certificates made by the test.
// `viralspot-admin submit` through sslmode=verify-full with the right root certificate
// queues; a wrong root certificate, a wrong host name and a plain connection are refused
// with libpq's reason and exit status 2, and nothing is queued. ConnectionSecurity reports
// what each connection is: encrypted or not, and what was verified.

#include "core/connectionsecurity.h"
#include "core/database.h"
#include "tests/support/testdatabase.h"
#include "tests/support/tlspostgresserver.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace ViralSpot;

class TestTlsConnection : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void submitVerifiedQueues_data();
    void submitVerifiedQueues();
    void submitRefused_data();
    void submitRefused();
    void security_data();
    void security();
    void securityWithoutTls();

private:
    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Run submit(const QString &url, const QString &username);
    // Rows for username on the server, read through a verified connection.
    int queuedRows(const QString &username);

    Test::TlsPostgresServer m_server;
};

void TestTlsConnection::initTestCase()
{
    QVERIFY(QFile::exists(Test::appBinary()));
    // libpq would read these from the environment when the URL does not say.
    qunsetenv("PGSSLMODE");
    qunsetenv("PGSSLROOTCERT");
    VERIFY_OK(m_server.start());
    // The schema, made once through the verified connection, so that "nothing queued" below
    // is a count of rows and not a missing table.
    const Run first = submit(m_server.verifiedUrl(), QStringLiteral("tls_schema_made"));
    QVERIFY2(first.exitCode == 0, qPrintable(first.err + first.out));
}

TestTlsConnection::Run TestTlsConnection::submit(const QString &url, const QString &username)
{
    QProcess p;
    p.start(Test::appBinary(),
        { QStringLiteral("submit"), QStringLiteral("--database"), url, username });
    Run run;
    if (!p.waitForStarted() || !p.waitForFinished(60000))
        return run;
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = QString::fromUtf8(p.readAllStandardOutput());
    run.err = QString::fromUtf8(p.readAllStandardError());
    return run;
}

int TestTlsConnection::queuedRows(const QString &username)
{
    const DatabaseConfig config = DatabaseConfig::fromUrl(m_server.verifiedUrl()).value;
    const QString name = QStringLiteral("tls-check");
    int rows = -1;
    {
        const ValueResult<QSqlDatabase> opened = Database::open(config, name);
        const QSqlDatabase &db = opened.value;
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT count(*) FROM queue WHERE username = ?"));
        q.addBindValue(username);
        if (db.isOpen() && q.exec() && q.next())
            rows = q.value(0).toInt();
        else
            qWarning() << opened.error << q.lastError().text();
    }
    Database::close(name);
    return rows;
}

void TestTlsConnection::submitVerifiedQueues_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("username");
    // The certificate names both (subjectAltName IP and DNS).
    QTest::newRow("127.0.0.1") << "127.0.0.1"
                               << "tls_by_address";
    QTest::newRow("localhost") << "localhost"
                               << "tls_by_name";
}

void TestTlsConnection::submitVerifiedQueues()
{
    QFETCH(QString, host);
    QFETCH(QString, username);
    const Run run =
        submit(m_server.url(QStringLiteral("verify-full"), m_server.caFile(), host), username);
    QVERIFY2(run.exitCode == 0, qPrintable(run.err + run.out));
    QVERIFY2(run.out.contains(QLatin1String("queued")), qPrintable(run.out));
    QCOMPARE(queuedRows(username), 1);
}

void TestTlsConnection::submitRefused_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("reason"); // libpq's or the server's words, passed on
    QTest::addColumn<QString>("username");

    // The server's certificate is not signed by the root certificate given.
    QTest::newRow("wrong root certificate, verify-full")
        << m_server.url(QStringLiteral("verify-full"), m_server.wrongCaFile())
        << "certificate verify failed"
        << "tls_wrong_ca_full";
    QTest::newRow("wrong root certificate, verify-ca")
        << m_server.url(QStringLiteral("verify-ca"), m_server.wrongCaFile())
        << "certificate verify failed"
        << "tls_wrong_ca";
    // The right server and chain, reached under a name its certificate does not carry
    // (hostaddr connects to 127.0.0.1; libpq checks the certificate against host).
    QTest::newRow("wrong host name")
        << m_server.url(QStringLiteral("verify-full"), m_server.caFile(),
               QStringLiteral("wrong-name.invalid"), QStringLiteral("hostaddr=127.0.0.1"))
        << "does not match host name \"wrong-name.invalid\""
        << "tls_wrong_host";
    // No TLS: the server has no pg_hba.conf line for it.
    QTest::newRow("plain connection") << m_server.url(QStringLiteral("disable")) << "no encryption"
                                      << "tls_plain";
    // verify-full with no root certificate anywhere: libpq refuses before connecting.
    QTest::newRow("verify-full without root certificate")
        << m_server.url(QStringLiteral("verify-full"), QStringLiteral("/nonexistent/root.crt"))
        << "root certificate file \"/nonexistent/root.crt\" does not exist"
        << "tls_no_ca";
}

void TestTlsConnection::submitRefused()
{
    QFETCH(QString, url);
    QFETCH(QString, reason);
    QFETCH(QString, username);
    const Run run = submit(url, username);
    qInfo("%s", qPrintable(run.err.trimmed()));
    QVERIFY2(run.exitCode == 2, qPrintable(QString::number(run.exitCode) + run.err + run.out));
    QVERIFY2(run.err.contains(reason), qPrintable(run.err));
    QVERIFY2(!run.out.contains(QLatin1String(": queued")), qPrintable(run.out));
    QCOMPARE(queuedRows(username), 0);
}

void TestTlsConnection::security_data()
{
    QTest::addColumn<QString>("sslMode");
    QTest::addColumn<bool>("withRootCert");
    QTest::addColumn<int>("verification");
    QTest::addColumn<QString>("summaryPart");

    using V = ConnectionSecurity::Verification;
    QTest::newRow("verify-full") << "verify-full" << true << int(V::HostAndChain)
                                 << "host and certificate verified (sslmode=verify-full)";
    QTest::newRow("verify-ca") << "verify-ca" << true << int(V::CertificateChain)
                               << "certificate verified, host name not checked";
    // libpq verifies the chain under require when a root certificate file is there.
    QTest::newRow("require with root certificate")
        << "require" << true << int(V::CertificateChain) << "certificate verified";
    QTest::newRow("require") << "require" << false << int(V::None) << "server not verified";
    // The server only takes TLS, so prefer ends up encrypted: the server's view says so.
    QTest::newRow("prefer") << "prefer" << false << int(V::None) << "server not verified";
}

void TestTlsConnection::security()
{
    QFETCH(QString, sslMode);
    QFETCH(bool, withRootCert);
    QFETCH(int, verification);
    QFETCH(QString, summaryPart);
    if (!withRootCert)
        QVERIFY(!QFileInfo::exists(QDir::homePath() + QStringLiteral("/.postgresql/root.crt")));

    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(
        m_server.url(sslMode, withRootCert ? m_server.caFile() : QString()));
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    const DatabaseConfig &config = parsed.value;
    const QString name = QStringLiteral("tls-security");
    ValueResult<ConnectionSecurity> asked;
    {
        const ValueResult<QSqlDatabase> opened = Database::open(config, name);
        QVERIFY2(opened.ok, qPrintable(opened.error));
        asked = ConnectionSecurity::query(opened.value, config);
    }
    Database::close(name);
    QVERIFY2(asked.ok, qPrintable(asked.error));
    const ConnectionSecurity &security = asked.value;
    QVERIFY(security.known);
    QVERIFY(security.encrypted);
    QCOMPARE(security.sslMode, sslMode);
    QCOMPARE(int(security.verification), verification);
    QVERIFY2(security.protocol.startsWith(QLatin1String("TLSv")), qPrintable(security.protocol));
    QVERIFY(!security.cipher.isEmpty());
    QVERIFY2(security.summary().contains(summaryPart), qPrintable(security.summary()));
    QVERIFY2(
        security.summary().startsWith(QLatin1String("TLS (TLSv")), qPrintable(security.summary()));
}

// The same server through its Unix socket (pg_hba.conf's `local` line): no TLS there, and
// the report says so rather than guessing from the sslmode.
void TestTlsConnection::securityWithoutTls()
{
    const DatabaseConfig tcp = DatabaseConfig::fromUrl(m_server.verifiedUrl()).value;
    DatabaseConfig config = tcp;
    config.options.clear();
    config.host = QFileInfo(m_server.caFile()).absolutePath(); // the socket's folder
    const QString name = QStringLiteral("tls-socket");
    ValueResult<ConnectionSecurity> asked;
    {
        const ValueResult<QSqlDatabase> opened = Database::open(config, name);
        QVERIFY2(opened.ok, qPrintable(opened.error));
        asked = ConnectionSecurity::query(opened.value, config);
    }
    Database::close(name);
    QVERIFY2(asked.ok, qPrintable(asked.error));
    const ConnectionSecurity &security = asked.value;
    QVERIFY(security.known);
    QVERIFY(!security.encrypted);
    QCOMPARE(security.sslMode, QStringLiteral("prefer"));
    QVERIFY(security.verification == ConnectionSecurity::Verification::None);
    QVERIFY(security.protocol.isEmpty());
    QCOMPARE(security.summary(), QStringLiteral("not encrypted (sslmode=prefer)"));

    // SQLite has no TLS to report.
    DatabaseConfig sqlite;
    sqlite.sqlitePath = QStringLiteral("/tmp/unused.sqlite");
    const ValueResult<ConnectionSecurity> notAsked =
        ConnectionSecurity::query(QSqlDatabase(), sqlite);
    QVERIFY(!notAsked.ok);
    QVERIFY(!notAsked.value.known);
}

QTEST_GUILESS_MAIN(TestTlsConnection)
#include "tst_tlsconnection.moc"
