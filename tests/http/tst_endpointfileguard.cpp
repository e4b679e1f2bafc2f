// The endpoint when its SQLite WAL is taken away underneath (SqliteFileGuard): the
// requests committed into the orphaned file answer 503 database_unavailable saying so, /health
// answers 503, and once every connection of the process has let go of the old files requests
// are acknowledged again and visible to another process. SQLite only.

#include "core/http/endpointserver.h"
#include "core/requestservice.h"
#include "core/sqlitefileguard.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ViralSpot;

namespace {

QString sqlite3(const QString &path, const QString &sql)
{
    QProcess shell;
    shell.start(QStringLiteral("sqlite3"), { QStringLiteral("-batch"), path, sql });
    if (!shell.waitForFinished(30000) || shell.exitCode() != 0) {
        qWarning() << "sqlite3 failed:" << shell.readAllStandardError();
        return QStringLiteral("<sqlite3 failed>");
    }
    return QString::fromUtf8(shell.readAllStandardOutput()).trimmed();
}

} // namespace

class TestEndpointFileGuard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void walTakenAwayAnswers503ThenRecovers();
    void databaseFileReplacedAnswers503ThenRecovers();

private:
    struct Reply
    {
        int status = 0;
        QJsonObject json;
    };
    Reply request(const QByteArray &method, const QByteArray &target);

    std::unique_ptr<Http::EndpointServer> m_server;
    QNetworkAccessManager m_network;
};

TestEndpointFileGuard::Reply TestEndpointFileGuard::request(
    const QByteArray &method, const QByteArray &target)
{
    const QUrl url =
        QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_server->port()) + target);
    std::unique_ptr<QNetworkReply> reply(
        m_network.sendCustomRequest(QNetworkRequest(url), method, QByteArray()));
    [&] { QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 15000); }();
    Reply result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.json = QJsonDocument::fromJson(reply->readAll()).object();
    return result;
}

void TestEndpointFileGuard::walTakenAwayAnswers503ThenRecovers()
{
    if (QStandardPaths::findExecutable(QStringLiteral("sqlite3")).isEmpty())
        QFAIL("the sqlite3 command-line shell is needed (apt-get install sqlite3)");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DatabaseConfig config;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = dir.filePath(QStringLiteral("t.db"));
    {
        RequestService schema(config); // creates and migrates the file, then lets go
        QVERIFY(schema.open().ok);
    }

    Http::EndpointSettings settings;
    settings.database = config;
    settings.writerThreads = 2;
    m_server = std::make_unique<Http::EndpointServer>();
    QCOMPARE(m_server->start(settings).error, QString());

    Reply reply = request("POST", "/api/profile/alice/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(request("GET", "/health").status, 200);

    // What a MIME-sniffing file dialog in this process did: open and close the database's
    // files, which drops SQLite's POSIX locks. Then another process reads the database,
    // believes it is the last one, checkpoints and unlinks the WAL.
    for (const char *suffix : { "", "-wal", "-shm" }) {
        QFile file(config.sqlitePath + QLatin1String(suffix));
        QVERIFY(file.open(QIODevice::ReadOnly));
        file.read(16);
    }
    QCOMPARE(sqlite3(config.sqlitePath, QStringLiteral("SELECT count(*) FROM queue;")),
        QStringLiteral("1"));
    QVERIFY(!QFile::exists(config.sqlitePath + QLatin1String("-wal")));

    // Committed into the orphaned WAL: not acknowledged.
    reply = request("POST", "/api/profile/bob/request");
    QCOMPARE(reply.status, 503);
    const QJsonObject error = reply.json.value(QStringLiteral("error")).toObject();
    QCOMPARE(
        error.value(QStringLiteral("code")).toString(), QStringLiteral("database_unavailable"));
    QVERIFY2(error.value(QStringLiteral("message"))
                 .toString()
                 .contains(QLatin1String("replaced or unlinked underneath")),
        qPrintable(error.value(QStringLiteral("message")).toString()));
    QCOMPARE(request("GET", "/health").status, 503);
    QVERIFY(SqliteFileGuard::tripCount() >= 1);

    // Every connection notices (after its commits, or idle within a second) and lets go; then
    // the database opens again on the real file.
    QTRY_COMPARE_WITH_TIMEOUT(request("POST", "/api/profile/bob/request").status, 200, 15000);
    QCOMPARE(request("GET", "/health").status, 200);
    reply = request("POST", "/api/profile/carol/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json.value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("queued"))
                 .toBool(),
        true);
    m_server.reset();
    QCOMPARE(sqlite3(config.sqlitePath,
                 QStringLiteral("SELECT group_concat(username, ',') FROM "
                                "(SELECT username FROM queue ORDER BY username);")),
        QStringLiteral("alice,bob,carol"));
}

void TestEndpointFileGuard::databaseFileReplacedAnswers503ThenRecovers()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DatabaseConfig config;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = dir.filePath(QStringLiteral("t.db"));
    {
        RequestService schema(config);
        QVERIFY(schema.open().ok);
    }
    Http::EndpointSettings settings;
    settings.database = config;
    settings.writerThreads = 2;
    m_server = std::make_unique<Http::EndpointServer>();
    QCOMPARE(m_server->start(settings).error, QString());
    QCOMPARE(request("POST", "/api/profile/alice/request").status, 200);

    // A consistent copy, with one more processed profile, renamed over the database.
    const QString copy = dir.filePath(QStringLiteral("copy.db"));
    QCOMPARE(sqlite3(config.sqlitePath, QStringLiteral(".backup '%1'").arg(copy)), QString());
    QCOMPARE(sqlite3(copy,
                 QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('dave'); "
                                "SELECT changes();")),
        QStringLiteral("1"));
    QVERIFY(QFile::remove(config.sqlitePath));
    QVERIFY(QFile::rename(copy, config.sqlitePath));

    Reply reply = request("POST", "/api/profile/bob/request");
    QCOMPARE(reply.status, 503);
    QVERIFY(reply.json.value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("message"))
                .toString()
                .contains(QLatin1String("replaced or unlinked underneath")));
    QCOMPARE(request("GET", "/health").status, 503);

    // Reopened on the new file: it knows dave; bob is queued there and visible to others.
    QTRY_COMPARE_WITH_TIMEOUT(request("POST", "/api/profile/bob/request").status, 200, 15000);
    QCOMPARE(request("GET", "/health").status, 200);
    reply = request("POST", "/api/profile/dave/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json.value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("queued"))
                 .toBool(),
        false);
    m_server.reset();
    QCOMPARE(sqlite3(config.sqlitePath,
                 QStringLiteral("SELECT group_concat(username, ',') FROM "
                                "(SELECT username FROM queue ORDER BY username);")),
        QStringLiteral("alice,bob"));
}

QTEST_GUILESS_MAIN(TestEndpointFileGuard)
#include "tst_endpointfileguard.moc"
