// Over 600 lines: every row of the endpoint contract, each with its exact body, in one class.
// The endpoint in process (contract: Endpoint): every row of the contract with exact bodies and
// codes, usernames and sources in their encoded forms, token, CORS, request log, an unavailable or
// locked database, group commit under concurrent pipelined clients, answer order.
// Runs once per engine (VIRALSPOT_TEST_ENGINE).

#include "core/http/endpointserver.h"
#include "core/schema.h"
#include "tests/http/rawhttp.h"
#include "tests/support/testdatabase.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace ViralSpot;

namespace {

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QList<QNetworkReply::RawHeaderPair> headers;
    QByteArray header(const QByteArray &name) const
    {
        for (const auto &pair : headers) {
            if (pair.first.compare(name, Qt::CaseInsensitive) == 0)
                return pair.second;
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const
    {
        for (const auto &pair : headers) {
            if (pair.first.compare(name, Qt::CaseInsensitive) == 0)
                return true;
        }
        return false;
    }
};

QJsonObject object(const char *json)
{
    return QJsonDocument::fromJson(QByteArray(json)).object();
}

} // namespace

class TestEndpointServer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void queuedThenAlreadyQueued();
    void alreadyProcessed();
    void lowPriorityRowIsRaised();
    void failedRowDoesNotBlock();
    void usernameForms_data();
    void usernameForms();
    void sources_data();
    void sources();
    void status();
    void health();
    void healthReflectsFailingRequests();
    void notFound_data();
    void notFound();
    void methodNotAllowed_data();
    void methodNotAllowed();
    void token();
    void cors();
    void refusesNonLoopbackWithoutToken();
    void requestLog();
    void readOnly();
    void unreachableDatabaseAnswers503Fast();
    void lockedDatabaseAnswers503WithinTimeout();
    void repeatRequestsDoNotWaitForACommit();
    void pipelinedAnswersKeepOrder();
    void connectionClose();
    void concurrentClientsGetExactlyOneQueued();
    void stopAnswersWhatWasReceived();
    void requestsAreCountedInTheAuditLog();

private:
    Result startServer(Http::EndpointSettings settings = {});
    Reply request(const QByteArray &method, const QByteArray &encodedTarget,
        const QList<QPair<QByteArray, QByteArray>> &headers = {});
    QVariant scalar(const QString &sql) { return m_db->scalar(sql); }

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<Http::EndpointServer> m_server;
    QNetworkAccessManager m_network;
};

void TestEndpointServer::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QSqlDatabase connection = m_db->connection();
    const Schema::MigrationResult migration = Schema::migrate(connection);
    QVERIFY2(migration.ok, qPrintable(migration.error));
    QCOMPARE(startServer().error, QString());
}

void TestEndpointServer::cleanup()
{
    m_server.reset();
    m_network.clearConnectionCache();
    m_db.reset();
}

Result TestEndpointServer::startServer(Http::EndpointSettings settings)
{
    m_server.reset();
    m_network.clearConnectionCache();
    settings.database = m_db->config();
    m_server = std::make_unique<Http::EndpointServer>();
    return m_server->start(settings);
}

Reply TestEndpointServer::request(const QByteArray &method, const QByteArray &encodedTarget,
    const QList<QPair<QByteArray, QByteArray>> &headers)
{
    const QUrl url = QUrl::fromEncoded(
        "http://127.0.0.1:" + QByteArray::number(m_server->port()) + encodedTarget);
    QNetworkRequest networkRequest(url);
    for (const auto &header : headers)
        networkRequest.setRawHeader(header.first, header.second);
    std::unique_ptr<QNetworkReply> reply(
        m_network.sendCustomRequest(networkRequest, method, QByteArray()));
    Reply result;
    [&] { QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 15000); }();
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.json = QJsonDocument::fromJson(result.body).object();
    result.error = reply->error();
    result.headers = reply->rawHeaderPairs();
    return result;
}

void TestEndpointServer::queuedThenAlreadyQueued()
{
    Reply reply = request("POST", "/api/profile/Foo/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("Content-Type"), QByteArray("application/json"));
    QJsonObject data = reply.json.value(QStringLiteral("data")).toObject();
    QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(true));
    QCOMPARE(data.value(QStringLiteral("queued")), QJsonValue(true));
    QCOMPARE(data.value(QStringLiteral("message")).toString(),
        QStringLiteral("Profile foo has been added to the high priority queue"));
    QCOMPARE(
        data.value(QStringLiteral("estimated_time")).toString(), QStringLiteral("1-3 minutes"));
    QCOMPARE(data.value(QStringLiteral("username")).toString(), QStringLiteral("foo"));
    const QString requestId = data.value(QStringLiteral("request_id")).toString();
    QVERIFY(!requestId.isEmpty());

    QCOMPARE(
        scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'foo'")).toInt(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT priority || '/' || status || '/' || attempts || '/' || "
                                   "source || '/' || request_id FROM queue WHERE username = 'foo'"))
                 .toString(),
        QStringLiteral("HIGH/PENDING/0/frontend/") + requestId);

    reply = request("POST", "/api/profile/foo/request");
    QCOMPARE(reply.status, 200);
    data = reply.json.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("queued")), QJsonValue(false));
    QCOMPARE(data.value(QStringLiteral("message")).toString(),
        QStringLiteral("Profile foo is already in the high priority queue"));
    QVERIFY(!data.contains(QStringLiteral("estimated_time")));
    QCOMPARE(
        scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'foo'")).toInt(), 1);
}

void TestEndpointServer::alreadyProcessed()
{
    QVERIFY(
        m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done_user')")));
    const Reply reply = request("POST", "/api/profile/Done_User/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json, object(R"({"success":true,"data":{"queued":false,"username":"done_user",
                "outcome":"already_processed","estimated_time":"complete","eta":null,
                "message":"Profile done_user is already fully processed"}})"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
}

void TestEndpointServer::lowPriorityRowIsRaised()
{
    QVERIFY(m_db->exec(QStringLiteral(
        "INSERT INTO queue (id, username, source, priority, status, attempts, request_id) "
        "VALUES ('00000000-0000-0000-0000-000000000002', 'waiting', 'scraper', 'LOW', "
        "'PENDING', 0, 'req_low')")));
    const Reply reply = request("POST", "/api/profile/waiting/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json, object(R"({"success":true,"data":{"queued":false,"username":"waiting",
                "outcome":"already_queued","eta":null,
                "message":"Profile waiting is already in the high priority queue"}})"));
    QCOMPARE(
        scalar(QStringLiteral("SELECT priority FROM queue WHERE username = 'waiting'")).toString(),
        QStringLiteral("HIGH"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 1);
}

void TestEndpointServer::failedRowDoesNotBlock()
{
    QVERIFY(m_db->exec(QStringLiteral(
        "INSERT INTO queue (id, username, source, priority, status, attempts, request_id) "
        "VALUES ('00000000-0000-0000-0000-000000000003', 'retry_me', 'x', 'HIGH', "
        "'FAILED', 3, 'req_failed')")));
    const Reply reply = request("POST", "/api/profile/retry_me/request");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("queued")),
        QJsonValue(true));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'retry_me' "
                                   "AND status = 'PENDING'"))
                 .toInt(),
        1);
}

void TestEndpointServer::usernameForms_data()
{
    QTest::addColumn<QByteArray>("segment");
    QTest::addColumn<QString>("username"); // empty: 400 invalid_username

    QTest::newRow("plain") << QByteArray("alice") << QStringLiteral("alice");
    QTest::newRow("mixed case") << QByteArray("MiXeD.Case_1") << QStringLiteral("mixed.case_1");
    QTest::newRow("percent-encoded letters") << QByteArray("%41l%69ce") << QStringLiteral("alice");
    QTest::newRow("@ encoded") << QByteArray("%40Bob") << QStringLiteral("bob");
    QTest::newRow("@ raw") << QByteArray("@carol") << QStringLiteral("carol");
    QTest::newRow("surrounding spaces") << QByteArray("%20dave%20") << QStringLiteral("dave");
    QTest::newRow("30 characters") << QByteArray(30, 'a') << QString(30, QLatin1Char('a'));
    QTest::newRow("31 characters") << QByteArray(31, 'a') << QString();
    QTest::newRow("two dots") << QByteArray("a..b") << QString();
    QTest::newRow("leading dot") << QByteArray(".abc") << QString();
    QTest::newRow("trailing dot") << QByteArray("abc.") << QString();
    QTest::newRow("inner space") << QByteArray("a%20b") << QString();
    QTest::newRow("NUL") << QByteArray("ab%00cd") << QString();
    QTest::newRow("invalid UTF-8") << QByteArray("ab%FF%FE") << QString();
    QTest::newRow("non-ASCII letter") << QByteArray("j%C3%BCrgen") << QString();
    QTest::newRow("encoded slash") << QByteArray("a%2Fb") << QString();
    QTest::newRow("dash") << QByteArray("a-b") << QString();
    QTest::newRow("plus") << QByteArray("a+b") << QString();
}

void TestEndpointServer::usernameForms()
{
    QFETCH(QByteArray, segment);
    QFETCH(QString, username);
    const Reply reply = request("POST", "/api/profile/" + segment + "/request");
    if (username.isEmpty()) {
        QCOMPARE(reply.status, 400);
        QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(false));
        const QJsonObject error = reply.json.value(QStringLiteral("error")).toObject();
        QCOMPARE(
            error.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_username"));
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
        return;
    }
    QCOMPARE(reply.status, 200);
    const QJsonObject data = reply.json.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("queued")), QJsonValue(true));
    QCOMPARE(data.value(QStringLiteral("message")).toString(),
        QStringLiteral("Profile %1 has been added to the high priority queue").arg(username));
    QCOMPARE(scalar(QStringLiteral("SELECT username FROM queue")).toString(), username);
}

void TestEndpointServer::sources_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("stored"); // empty: 400 invalid_source

    QTest::newRow("none") << QByteArray() << QStringLiteral("frontend");
    QTest::newRow("empty") << QByteArray("?source=") << QStringLiteral("frontend");
    QTest::newRow("bare key") << QByteArray("?source") << QStringLiteral("frontend");
    QTest::newRow("plain") << QByteArray("?source=web_app") << QStringLiteral("web_app");
    QTest::newRow("all allowed") << QByteArray("?source=Ext:chrome-1.2_b")
                                 << QStringLiteral("Ext:chrome-1.2_b");
    QTest::newRow("encoded colon") << QByteArray("?source=a%3Ab") << QStringLiteral("a:b");
    QTest::newRow("other parameter first")
        << QByteArray("?x=1&source=cli") << QStringLiteral("cli");
    QTest::newRow("100 characters")
        << "?source=" + QByteArray(100, 's') << QString(100, QLatin1Char('s'));
    QTest::newRow("101 characters") << "?source=" + QByteArray(101, 's') << QString();
    QTest::newRow("plus") << QByteArray("?source=a+b") << QString();
    QTest::newRow("encoded plus") << QByteArray("?source=a%2Bb") << QString();
    QTest::newRow("encoded space") << QByteArray("?source=a%20b") << QString();
    QTest::newRow("only spaces") << QByteArray("?source=%20%20") << QString();
    QTest::newRow("NUL") << QByteArray("?source=a%00") << QString();
    QTest::newRow("CR LF") << QByteArray("?source=a%0D%0AX-Evil:%201") << QString();
    QTest::newRow("invalid UTF-8") << QByteArray("?source=%C3") << QString();
    QTest::newRow("slash") << QByteArray("?source=a/b") << QString();
}

void TestEndpointServer::sources()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, stored);
    const Reply reply = request("POST", "/api/profile/someone/request" + query);
    if (stored.isEmpty()) {
        QCOMPARE(reply.status, 400);
        QCOMPARE(reply.json.value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toString(),
            QStringLiteral("invalid_source"));
        QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
        return;
    }
    QCOMPARE(reply.status, 200);
    QCOMPARE(
        scalar(QStringLiteral("SELECT source FROM queue WHERE username = 'someone'")).toString(),
        stored);
}

void TestEndpointServer::status()
{
    Reply reply = request("GET", "/api/profile/Nobody/status");
    QCOMPARE(reply.status, 200);
    QJsonObject data = reply.json.value(QStringLiteral("data")).toObject();
    QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(true));
    QCOMPARE(data.value(QStringLiteral("completed")), QJsonValue(false));
    QCOMPARE(data.value(QStringLiteral("status")).toString(), QStringLiteral("NOT_FOUND"));
    QCOMPARE(data.value(QStringLiteral("attempts")).toInt(-1), 0);
    QVERIFY(data.value(QStringLiteral("message")).isString());

    QCOMPARE(request("POST", "/api/profile/nobody/request").status, 200);
    reply = request("GET", "/api/profile/nobody/status");
    data = reply.json.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("status")).toString(), QStringLiteral("PENDING"));
    QCOMPARE(data.value(QStringLiteral("completed")), QJsonValue(false));

    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET status = 'PROCESSING', attempts = 2")));
    data =
        request("GET", "/api/profile/nobody/status").json.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("status")).toString(), QStringLiteral("PROCESSING"));
    QCOMPARE(data.value(QStringLiteral("attempts")).toInt(), 2);

    QVERIFY(
        m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('nobody')")));
    data =
        request("GET", "/api/profile/nobody/status").json.value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("completed")), QJsonValue(true));
    QCOMPARE(data.value(QStringLiteral("status")).toString(), QStringLiteral("COMPLETED"));

    reply = request("GET", "/api/profile/a..b/status");
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("invalid_username"));
}

void TestEndpointServer::health()
{
    Reply reply = request("GET", "/health");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json, object(R"({"status":"ok","database":"ok"})"));
    reply = request("GET", "/health/live");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json, object(R"({"status":"ok"})"));
    // HEAD: the headers of GET, no body (the next answer on the connection follows at once).
    Test::RawExchange exchange(QHostAddress::LocalHost, m_server->port());
    exchange.send(Test::rawRequest("HEAD", "/health") + Test::rawRequest("GET", "/health/live"));
    QTRY_COMPARE(exchange.responses().size(), 2);
    QCOMPARE(exchange.responses().at(0).status, 200);
    QVERIFY(exchange.responses().at(0).header("Content-Length").isEmpty());
    QCOMPARE(exchange.responses().at(1).body, QByteArray(R"({"status":"ok"})"));
}

void TestEndpointServer::healthReflectsFailingRequests()
{
    // Every insert fails while SELECT 1 still works (as behind a transaction pooler that loses
    // the app's prepared statements): /health must not say ok meanwhile.
    const bool sqlite = Test::engine() == DatabaseConfig::Engine::SQLite;
    if (sqlite) {
        QVERIFY(
            m_db->exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON queue "
                                      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")));
    } else {
        QVERIFY(m_db->exec(QStringLiteral("CREATE FUNCTION refuse() RETURNS trigger "
                                          "LANGUAGE plpgsql AS $$BEGIN "
                                          "RAISE EXCEPTION 'refused by the test'; END$$")));
        QVERIFY(m_db->exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON queue "
                                          "FOR EACH ROW EXECUTE FUNCTION refuse()")));
    }
    QCOMPARE(request("GET", "/health").status, 200); // nothing has failed yet
    QCOMPARE(request("POST", "/api/profile/refused/request").status, 503);
    Reply reply = request("GET", "/health");
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.json.value(QStringLiteral("status")).toString(), QStringLiteral("error"));
    QCOMPARE(
        reply.json.value(QStringLiteral("database")).toString(), QStringLiteral("unavailable"));
    QCOMPARE(reply.json.value(QStringLiteral("failed_requests")).toInt(), 1);
    QCOMPARE(request("GET", "/health/live").status, 200); // the process itself is fine

    // Fixed: requests work at once, and /health with them: a request the database served
    // outweighs the failures before it.
    QVERIFY(m_db->exec(QStringLiteral("DROP TRIGGER refuse") +
        (sqlite ? QString() : QStringLiteral(" ON queue"))));
    QCOMPARE(request("GET", "/health").status, 503); // nothing served since the failure
    QCOMPARE(request("POST", "/api/profile/accepted/request").status, 200);
    QCOMPARE(request("GET", "/health").json, object(R"({"status":"ok","database":"ok"})"));
}

void TestEndpointServer::notFound_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::newRow("root") << QByteArray("GET") << QByteArray("/");
    QTest::newRow("unknown") << QByteArray("GET") << QByteArray("/nope");
    QTest::newRow("no action") << QByteArray("POST") << QByteArray("/api/profile/foo");
    QTest::newRow("unknown action") << QByteArray("POST") << QByteArray("/api/profile/foo/delete");
    QTest::newRow("extra segment")
        << QByteArray("POST") << QByteArray("/api/profile/foo/request/x");
    QTest::newRow("empty username") << QByteArray("POST") << QByteArray("/api/profile//request");
    QTest::newRow("case of api") << QByteArray("POST") << QByteArray("/API/profile/foo/request");
    QTest::newRow("regex-like") << QByteArray("GET") << QByteArray("/healthXlive");
    QTest::newRow("options unknown") << QByteArray("OPTIONS") << QByteArray("/nope");
}

void TestEndpointServer::notFound()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    const Reply reply = request(method, target);
    QCOMPARE(reply.status, 404);
    QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(false));
    QCOMPARE(reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("not_found"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
}

void TestEndpointServer::methodNotAllowed_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("allow");
    const QByteArray post("POST, OPTIONS");
    const QByteArray get("GET, HEAD, OPTIONS");
    QTest::newRow("GET request") << QByteArray("GET") << QByteArray("/api/profile/foo/request")
                                 << post;
    QTest::newRow("PUT request") << QByteArray("PUT") << QByteArray("/api/profile/foo/request")
                                 << post;
    QTest::newRow("DELETE request")
        << QByteArray("DELETE") << QByteArray("/api/profile/foo/request") << post;
    QTest::newRow("PATCH request")
        << QByteArray("PATCH") << QByteArray("/api/profile/foo/request") << post;
    QTest::newRow("POST status") << QByteArray("POST") << QByteArray("/api/profile/foo/status")
                                 << get;
    QTest::newRow("POST health") << QByteArray("POST") << QByteArray("/health") << get;
    QTest::newRow("DELETE health") << QByteArray("DELETE") << QByteArray("/health") << get;
    QTest::newRow("unknown method") << QByteArray("FROB") << QByteArray("/health") << get;
}

void TestEndpointServer::methodNotAllowed()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, allow);
    const Reply reply = request(method, target);
    QCOMPARE(reply.status, 405);
    QCOMPARE(reply.header("Allow"), allow);
    QCOMPARE(reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("method_not_allowed"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
}

void TestEndpointServer::token()
{
    Http::EndpointSettings settings;
    settings.token = "s3cret-Token_value";
    QCOMPARE(startServer(settings).error, QString());

    const auto code = [](const Reply &reply) {
        return reply.json.value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    };
    Reply reply = request("POST", "/api/profile/foo/request");
    QCOMPARE(reply.status, 401);
    QCOMPARE(code(reply), QStringLiteral("unauthorized"));
    QCOMPARE(reply.header("WWW-Authenticate"), QByteArray("Bearer"));
    reply = request("POST", "/api/profile/foo/request", { { "Authorization", "Bearer wrong" } });
    QCOMPARE(reply.status, 401);
    reply = request(
        "POST", "/api/profile/foo/request", { { "Authorization", "Bearer s3cret-Token_valuE" } });
    QCOMPARE(reply.status, 401);
    reply = request("POST", "/api/profile/foo/request",
        { { "Authorization", "Bearer s3cret-Token_value-and-more" } });
    QCOMPARE(reply.status, 401);
    reply =
        request("POST", "/api/profile/foo/request", { { "Authorization", "s3cret-Token_value" } });
    QCOMPARE(reply.status, 401);
    reply = request("GET", "/api/profile/foo/status");
    QCOMPARE(reply.status, 401);
    reply = request("GET", "/api/nope");
    QCOMPARE(reply.status, 401); // every /api/ request needs the token, even unknown ones
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);

    reply = request(
        "POST", "/api/profile/foo/request", { { "Authorization", "Bearer s3cret-Token_value" } });
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("queued")),
        QJsonValue(true));
    reply = request(
        "GET", "/api/profile/foo/status", { { "Authorization", "bearer s3cret-Token_value" } });
    QCOMPARE(reply.status, 200);
    QCOMPARE(request("GET", "/health").status, 200); // the probe needs no token
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 1);
}

void TestEndpointServer::cors()
{
    Http::EndpointSettings settings;
    settings.allowedOrigins = { QStringLiteral("https://app.example"),
        QStringLiteral("http://localhost:3000") };
    settings.token = "tok";
    QCOMPARE(startServer(settings).error, QString());

    Reply reply = request("POST", "/api/profile/foo/request",
        { { "Origin", "https://app.example" }, { "Authorization", "Bearer tok" } });
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.header("Access-Control-Allow-Origin"), QByteArray("https://app.example"));
    QCOMPARE(reply.header("Vary"), QByteArray("Origin"));

    reply = request("POST", "/api/profile/bar/request",
        { { "Origin", "https://evil.example" }, { "Authorization", "Bearer tok" } });
    QCOMPARE(reply.status, 200);
    QVERIFY(!reply.hasHeader("Access-Control-Allow-Origin"));

    // An error answer to an allowed origin carries the headers too (the browser can read it).
    reply = request("POST", "/api/profile/baz/request", { { "Origin", "http://localhost:3000" } });
    QCOMPARE(reply.status, 401);
    QCOMPARE(reply.header("Access-Control-Allow-Origin"), QByteArray("http://localhost:3000"));

    // Preflight: answered without the token (browsers do not send it), headers only if allowed.
    reply = request("OPTIONS", "/api/profile/foo/request",
        { { "Origin", "https://app.example" }, { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "authorization" } });
    QCOMPARE(reply.status, 204);
    QCOMPARE(reply.header("Access-Control-Allow-Origin"), QByteArray("https://app.example"));
    QVERIFY(reply.header("Access-Control-Allow-Methods").contains("POST"));
    QVERIFY(reply.header("Access-Control-Allow-Headers").toLower().contains("authorization"));
    QVERIFY(reply.hasHeader("Access-Control-Max-Age"));

    reply = request("OPTIONS", "/api/profile/foo/request",
        { { "Origin", "https://evil.example" }, { "Access-Control-Request-Method", "POST" } });
    QVERIFY(!reply.hasHeader("Access-Control-Allow-Origin"));
    QVERIFY(!reply.hasHeader("Access-Control-Allow-Methods"));

    reply = request("GET", "/health", { { "Origin", "https://app.example.evil" } });
    QVERIFY(!reply.hasHeader("Access-Control-Allow-Origin"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 2);
}

void TestEndpointServer::refusesNonLoopbackWithoutToken()
{
    Http::EndpointSettings settings;
    settings.bindAddress = QHostAddress(QHostAddress::AnyIPv4);
    const QString error = startServer(settings).error;
    QVERIFY(error.contains(QStringLiteral("token")));
    QVERIFY(error.contains(QStringLiteral("0.0.0.0")));
    QVERIFY(!m_server->isListening());

    settings.token = "a-token";
    QCOMPARE(startServer(settings).error, QString());
    QVERIFY(m_server->isListening());
    QVERIFY(m_server->port() > 0);
}

void TestEndpointServer::requestLog()
{
    Http::EndpointSettings settings;
    settings.token = "very-secret-token";
    QCOMPARE(startServer(settings).error, QString());
    QSignalSpy spy(m_server.get(), &Http::EndpointServer::requestLogged);

    QCOMPARE(request("POST", "/api/profile/Logged/request?source=password123",
                 { { "Authorization", "Bearer very-secret-token" } })
                 .status,
        200);
    QCOMPARE(request("DELETE", "/health").status, 405);
    QTRY_COMPARE(spy.count(), 2);
    const auto first = spy.at(0).at(0).value<Http::RequestLogEntry>();
    QCOMPARE(first.method, QStringLiteral("POST"));
    QCOMPARE(first.path, QStringLiteral("/api/profile/Logged/request"));
    QCOMPARE(first.status, 200);
    QCOMPARE(first.client, QStringLiteral("127.0.0.1"));
    QVERIFY(first.milliseconds >= 0);
    QVERIFY(qAbs(first.time.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    const QString line = first.toLine();
    QVERIFY2(line.contains(QStringLiteral(" 127.0.0.1 POST /api/profile/Logged/request 200 ")),
        qPrintable(line));
    QVERIFY(!line.contains(QStringLiteral("very-secret-token")));
    QVERIFY(!line.contains(QStringLiteral("password123")));
    const auto second = spy.at(1).at(0).value<Http::RequestLogEntry>();
    QCOMPARE(second.method, QStringLiteral("DELETE"));
    QCOMPARE(second.status, 405);
}

void TestEndpointServer::readOnly()
{
    Http::EndpointSettings settings;
    settings.readOnly = true;
    QCOMPARE(startServer(settings).error, QString());
    Reply reply = request("POST", "/api/profile/watcher/request");
    QCOMPARE(reply.status, 403);
    QCOMPARE(reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("read_only"));
    QCOMPARE(request("GET", "/api/profile/watcher/status").status, 200);
    QCOMPARE(request("GET", "/health").status, 200);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
}

void TestEndpointServer::unreachableDatabaseAnswers503Fast()
{
    Http::EndpointSettings settings;
    settings.database = m_db->config();
    if (Test::engine() == DatabaseConfig::Engine::SQLite) {
        settings.database.sqlitePath = QStringLiteral("/proc/viralspot-no-such-dir/db.sqlite");
    } else {
        QTcpServer probe; // a port nobody listens on
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        settings.database.port = probe.serverPort();
        probe.close();
    }
    m_server = std::make_unique<Http::EndpointServer>();
    QCOMPARE(m_server->start(settings).error, QString());

    QElapsedTimer timer;
    timer.start();
    Reply reply = request("POST", "/api/profile/foo/request");
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("database_unavailable"));
    reply = request("GET", "/health");
    QCOMPARE(reply.status, 503);
    QCOMPARE(
        reply.json.value(QStringLiteral("database")).toString(), QStringLiteral("unavailable"));
    reply = request("GET", "/api/profile/foo/status");
    QCOMPARE(reply.status, 503);
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(request("GET", "/health/live").status, 200); // the HTTP thread is not stuck
}

void TestEndpointServer::lockedDatabaseAnswers503WithinTimeout()
{
    Http::EndpointSettings settings;
    settings.databaseTimeoutMs = 1000;
    QCOMPARE(startServer(settings).error, QString());
    QCOMPARE(request("POST", "/api/profile/before/request").status, 200); // connection warm

    // Hold the write lock: the writer thread blocks inside the database.
    const bool sqlite = Test::engine() == DatabaseConfig::Engine::SQLite;
    QVERIFY(m_db->exec(sqlite ? QStringLiteral("BEGIN EXCLUSIVE") : QStringLiteral("BEGIN")));
    if (!sqlite)
        QVERIFY(m_db->exec(QStringLiteral("LOCK TABLE queue IN ACCESS EXCLUSIVE MODE")));

    QElapsedTimer timer;
    timer.start();
    Reply reply = request("POST", "/api/profile/blocked/request");
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("database_unavailable"));
    QVERIFY2(elapsed >= 900 && elapsed < 5000, qPrintable(QString::number(elapsed)));
    // Meanwhile the HTTP thread answers everything that does not need the database.
    QCOMPARE(request("GET", "/health/live").status, 200);
    QCOMPARE(request("POST", "/api/profile/a..b/request").status, 400);

    QVERIFY(m_db->exec(QStringLiteral("ROLLBACK")));
    // Once the lock is gone, requests work again.
    QTRY_COMPARE_WITH_TIMEOUT(request("POST", "/api/profile/after/request").status, 200, 15000);
}

void TestEndpointServer::repeatRequestsDoNotWaitForACommit()
{
    // Requests that need no write (already processed, already waiting at HIGH) are answered
    // from a read, not behind the writers: here the writer is stuck on a lock.
    Http::EndpointSettings settings;
    settings.databaseTimeoutMs = 8000;
    QCOMPARE(startServer(settings).error, QString());
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done')")));
    QCOMPARE(request("POST", "/api/profile/waiting/request")
                 .json.value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("outcome"))
                 .toString(),
        QStringLiteral("queued"));

    // Writes wait, reads do not: SQLite's write lock; PostgreSQL's EXCLUSIVE table lock, which
    // blocks INSERT and UPDATE but not SELECT.
    const bool sqlite = Test::engine() == DatabaseConfig::Engine::SQLite;
    QVERIFY(m_db->exec(sqlite ? QStringLiteral("BEGIN IMMEDIATE") : QStringLiteral("BEGIN")));
    // Released on every way out, so that a failure here does not leave the writer stuck.
    bool locked = true;
    const auto unlock = qScopeGuard([&] {
        if (locked)
            m_db->exec(QStringLiteral("ROLLBACK"));
    });
    if (!sqlite)
        QVERIFY(m_db->exec(QStringLiteral("LOCK TABLE queue IN EXCLUSIVE MODE")));
    Test::RawExchange blocked(QHostAddress::LocalHost, m_server->port());
    blocked.send(Test::rawRequest("POST", "/api/profile/brand_new/request"));
    QTest::qWait(200); // it reaches the writer, which waits for the lock

    QElapsedTimer timer;
    timer.start();
    const Reply repeat = request("POST", "/api/profile/Waiting/request");
    const Reply processed = request("POST", "/api/profile/done/request");
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(repeat.status, 200);
    QCOMPARE(repeat.json.value(QStringLiteral("data")).toObject(),
        object(R"({"username":"waiting","outcome":"already_queued","queued":false,"eta":null,)"
               R"("message":"Profile waiting is already in the high priority queue"})"));
    QCOMPARE(processed.status, 200);
    QCOMPARE(processed.json.value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("outcome"))
                 .toString(),
        QStringLiteral("already_processed"));
    QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
    QVERIFY(blocked.responses().isEmpty()); // still waiting for its commit

    locked = false;
    QVERIFY(m_db->exec(QStringLiteral("ROLLBACK")));
    QTRY_COMPARE_WITH_TIMEOUT(blocked.responses().size(), 1, 15000);
    QCOMPARE(blocked.responses()[0].status, 200);
    QCOMPARE(blocked.responses()[0]
                 .json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("queued")),
        QJsonValue(true));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 2);
}

void TestEndpointServer::pipelinedAnswersKeepOrder()
{
    Test::RawExchange exchange(QHostAddress::LocalHost, m_server->port());
    exchange.send(Test::rawRequest("POST", "/api/profile/first/request") +
        Test::rawRequest("GET", "/health/live") + Test::rawRequest("GET", "/nope") +
        Test::rawRequest("GET", "/api/profile/first/status") +
        Test::rawRequest("POST", "/api/profile/second/request") +
        Test::rawRequest("DELETE", "/health") +
        Test::rawRequest("POST", "/api/profile/first/request"));
    QTRY_COMPARE(exchange.responses().size(), 7);
    const QList<Test::RawResponse> &r = exchange.responses();
    QCOMPARE(r[0].status, 200);
    QCOMPARE(r[0].json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("username"))
                 .toString(),
        QStringLiteral("first"));
    QCOMPARE(r[0].json().value(QStringLiteral("data")).toObject().value(QStringLiteral("queued")),
        QJsonValue(true));
    QCOMPARE(r[1].body, QByteArray(R"({"status":"ok"})"));
    QCOMPARE(r[2].status, 404);
    QCOMPARE(r[3].json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("status"))
                 .toString(),
        QStringLiteral("PENDING"));
    QCOMPARE(r[4].json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("username"))
                 .toString(),
        QStringLiteral("second"));
    QCOMPARE(r[5].status, 405);
    QCOMPARE(r[6].json().value(QStringLiteral("data")).toObject().value(QStringLiteral("queued")),
        QJsonValue(false));
    QVERIFY(!exchange.isClosed()); // keep-alive
}

void TestEndpointServer::connectionClose()
{
    Test::RawExchange close11(QHostAddress::LocalHost, m_server->port());
    close11.send(Test::rawRequest("GET", "/health/live", { "Connection: close" }));
    Test::RawExchange http10(QHostAddress::LocalHost, m_server->port());
    http10.send("GET /health/live HTTP/1.0\r\n\r\n");
    Test::RawExchange keepAlive10(QHostAddress::LocalHost, m_server->port());
    keepAlive10.send("GET /health/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Test::RawExchange keepAlive11(QHostAddress::LocalHost, m_server->port());
    keepAlive11.send(Test::rawRequest("GET", "/health/live"));

    QTRY_VERIFY(close11.isClosed() && http10.isClosed());
    QCOMPARE(close11.responses().size(), 1);
    QCOMPARE(close11.responses().at(0).header("Connection"), QByteArray("close"));
    QCOMPARE(http10.responses().size(), 1);
    QCOMPARE(http10.responses().at(0).status, 200);
    QTRY_COMPARE(keepAlive10.responses().size(), 1);
    QTRY_COMPARE(keepAlive11.responses().size(), 1);
    QTest::qWait(200); // (nothing to wait for: checks that they stay open)
    QVERIFY(!keepAlive10.isClosed());
    QVERIFY(!keepAlive11.isClosed());
}

void TestEndpointServer::concurrentClientsGetExactlyOneQueued()
{
    constexpr int Clients = 40;
    constexpr int Names = 25;
    std::vector<std::unique_ptr<Test::RawExchange>> clients;
    QList<QStringList> orders;
    for (int c = 0; c < Clients; ++c) {
        QStringList order;
        for (int i = 0; i < Names; ++i)
            order.append(QStringLiteral("Shared_%1").arg((i * 7 + c) % Names));
        QByteArray pipeline;
        for (const QString &name : order)
            pipeline += Test::rawRequest("POST", "/api/profile/" + name.toLatin1() + "/request");
        clients.push_back(
            std::make_unique<Test::RawExchange>(QHostAddress::LocalHost, m_server->port()));
        clients.back()->send(pipeline);
        orders.append(order);
    }
    QHash<QString, int> queued;
    for (int c = 0; c < Clients; ++c) {
        QTRY_COMPARE_WITH_TIMEOUT(int(clients[c]->responses().size()), Names, 30000);
        for (int i = 0; i < Names; ++i) {
            const Test::RawResponse &response = clients[c]->responses().at(i);
            QCOMPARE(response.status, 200);
            const QJsonObject data = response.json().value(QStringLiteral("data")).toObject();
            // In order: the i-th answer is for the i-th request of this connection.
            QCOMPARE(data.value(QStringLiteral("username")).toString(), orders[c][i].toLower());
            if (data.value(QStringLiteral("queued")).toBool())
                ++queued[data.value(QStringLiteral("username")).toString()];
        }
    }
    QCOMPARE(queued.size(), Names);
    for (auto it = queued.cbegin(); it != queued.cend(); ++it)
        QCOMPARE(it.value(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status IN "
                                   "('PENDING','PROCESSING')"))
                 .toInt(),
        Names);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(DISTINCT username) FROM queue")).toInt(), Names);
}

void TestEndpointServer::stopAnswersWhatWasReceived()
{
    QSignalSpy logged(m_server.get(), &Http::EndpointServer::requestLogged);
    Test::RawExchange exchange(QHostAddress::LocalHost, m_server->port());
    QByteArray pipeline;
    for (int i = 0; i < 200; ++i)
        pipeline +=
            Test::rawRequest("POST", "/api/profile/stop_" + QByteArray::number(i) + "/request");
    exchange.send(pipeline);
    QTRY_VERIFY(exchange.responses().size() >= 1);
    m_server->stop();
    QVERIFY(!m_server->isListening());
    QTRY_VERIFY(exchange.isClosed());
    // Every request the server took was answered before it closed, and every "queued" is in the
    // database.
    int answered = 0;
    for (const auto &arguments : std::as_const(logged)) {
        const auto entry = arguments.at(0).value<Http::RequestLogEntry>();
        if (entry.status == 200)
            ++answered;
        else
            QCOMPARE(entry.status, 499); // never: the connection was open
    }
    QCOMPARE(exchange.responses().size(), answered);
    QStringList acknowledged;
    for (const Test::RawResponse &response : exchange.responses()) {
        const QJsonObject data = response.json().value(QStringLiteral("data")).toObject();
        QCOMPARE(data.value(QStringLiteral("queued")), QJsonValue(true));
        acknowledged.append(data.value(QStringLiteral("username")).toString());
    }
    for (const QString &name : acknowledged)
        QCOMPARE(
            scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = '%1'").arg(name))
                .toInt(),
            1);
}

void TestEndpointServer::requestsAreCountedInTheAuditLog()
{
    QCOMPARE(request("POST", "/api/profile/audited/request").status, 200);
    QCOMPARE(request("POST", "/api/profile/audited/request").status, 200);
    QCOMPARE(request("POST", "/api/profile/a..b/request").status, 400);
    // Counted, not one row per HTTP request: the row is written when the writer flushes.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toInt(), 0);
    m_server->stop();
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toInt(), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT origin FROM audit_log")).toString(),
        QStringLiteral("endpoint"));
    QCOMPARE(scalar(QStringLiteral("SELECT total FROM audit_log")).toInt(), 2);
    const QJsonObject details = QJsonDocument::fromJson(
        scalar(QStringLiteral("SELECT details FROM audit_log")).toString().toUtf8())
                                    .object();
    QCOMPARE(details.value(QStringLiteral("queued")).toInt(), 1);
    QCOMPARE(details.value(QStringLiteral("already_queued")).toInt(), 1);
    QVERIFY(scalar(QStringLiteral("SELECT usernames FROM audit_log"))
                .toString()
                .contains(QLatin1String("audited")));
}

QTEST_GUILESS_MAIN(TestEndpointServer)
#include "tst_endpointserver.moc"
