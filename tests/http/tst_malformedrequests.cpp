// Bad input never crashes or stalls the endpoint (contract: Endpoint, safety): each malformed
// request of the table is answered with a 4xx or the connection is closed, and afterwards the
// server still answers a normal request correctly. Also 1,000 idle connections.

#include "core/http/endpointserver.h"
#include "tests/http/rawhttp.h"
#include "tests/support/testdatabase.h"

#include <QRandomGenerator>
#include <QTest>

#include <memory>
#include <sys/resource.h>

using namespace ViralSpot;

namespace {

QByteArray post(const QByteArray &target, const QList<QByteArray> &headers = {})
{
    return Test::rawRequest("POST", target, headers);
}

QByteArray withBody(const QByteArray &target, const QByteArray &body)
{
    return "POST " + target +
        " HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" +
        body;
}

QByteArray chunked(int chunks, int chunkSize)
{
    QByteArray out =
        "POST /api/profile/c/request HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const QByteArray chunk(chunkSize, 'z');
    for (int i = 0; i < chunks; ++i)
        out += QByteArray::number(chunkSize, 16) + "\r\n" + chunk + "\r\n";
    return out + "0\r\n\r\n";
}

QByteArray junk(int size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(42);
    for (char &c : bytes)
        c = char(generator.bounded(256));
    return bytes;
}

} // namespace

class TestMalformedRequests : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void malformed_data();
    void malformed();
    void thousandIdleConnections();

private:
    void expectNormalAnswer();

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<Http::EndpointServer> m_server;
};

void TestMalformedRequests::initTestCase()
{
    struct rlimit limit = {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) { // both ends of 1,000 connections
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    Http::EndpointSettings settings;
    settings.database = m_db->config();
    settings.requestTimeoutMs = 1000;
    settings.idleTimeoutMs = 3000;
    m_server = std::make_unique<Http::EndpointServer>();
    QCOMPARE(m_server->start(settings).error, QString());
}

void TestMalformedRequests::cleanupTestCase()
{
    m_server.reset();
    m_db.reset();
}

void TestMalformedRequests::expectNormalAnswer()
{
    Test::RawExchange exchange(QHostAddress::LocalHost, m_server->port());
    const QByteArray name =
        "normal_" + QByteArray::number(QRandomGenerator::global()->bounded(1000000));
    exchange.send(post("/api/profile/" + name + "/request"));
    QTRY_COMPARE_WITH_TIMEOUT(exchange.responses().size(), 1, 10000);
    QCOMPARE(exchange.responses().at(0).status, 200);
    QCOMPARE(exchange.responses()
                 .at(0)
                 .json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("queued")),
        QJsonValue(true));
}

void TestMalformedRequests::malformed_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status"); // the exact answer expected, or 0: any 4xx or closed

    const QByteArray mb(1024 * 1024, 'a');
    QTest::newRow("1 MB path") << "GET /" + mb + " HTTP/1.1\r\nHost: x\r\n\r\n" << 414;
    QTest::newRow("1 MB path, no line end") << "GET /" + mb << 414;
    QTest::newRow("1 MB percent-encoded username")
        << post("/api/profile/" + QByteArray(350000, 'x').replace("x", "%41") + "/request") << 414;
    QTest::newRow("10 MB body") << withBody("/api/profile/body/request",
                                       QByteArray(10 * 1024 * 1024, 'b'))
                                << 413;
    QTest::newRow("10 MB announced, nothing sent")
        << post("/api/profile/b/request", { "Content-Length: 10485760" }) << 413;
    QTest::newRow("10 MB announced with Expect")
        << post("/api/profile/b/request", { "Content-Length: 10485760", "Expect: 100-continue" })
        << 413;
    QTest::newRow("chunked 1 MB body") << chunked(64, 16384) << 413;
    QTest::newRow("100 KB header value")
        << Test::rawRequest("GET", "/health", { "X-Big: " + QByteArray(100 * 1024, 'h') }) << 413;
    QList<QByteArray> many;
    for (int i = 0; i < 5000; ++i)
        many.append("X-H" + QByteArray::number(i) + ": v");
    QTest::newRow("5000 headers") << Test::rawRequest("GET", "/health", many) << 413;
    QTest::newRow("negative Content-Length")
        << post("/api/profile/n/request", { "Content-Length: -5" }) << 400;
    QTest::newRow("text Content-Length")
        << post("/api/profile/n/request", { "Content-Length: ten" }) << 400;
    QTest::newRow("overflowing Content-Length")
        << post("/api/profile/n/request", { "Content-Length: 99999999999999999999999" }) << 400;
    QTest::newRow("raw invalid UTF-8 in path") << post("/api/profile/\xff\xfe\xfd/request") << 400;
    QTest::newRow("encoded invalid UTF-8 in path") << post("/api/profile/%FF%FE/request") << 400;
    QTest::newRow("overlong UTF-8 slash") << post("/api/profile/a%C0%AFb/request") << 400;
    QTest::newRow("encoded NUL in path") << post("/api/profile/a%00b/request") << 400;
    QTest::newRow("raw NUL in path") << post(QByteArray("/api/profile/a\0b/request", 24)) << 0;
    QTest::newRow("encoded NUL in source") << post("/api/profile/a/request?source=x%00") << 400;
    QTest::newRow("encoded CR LF in source")
        << post("/api/profile/a/request?source=x%0D%0ASet-Cookie:%20a=b") << 400;
    QTest::newRow("raw CR in query") << post("/api/profile/a/request?source=x\ry") << 0;
    QTest::newRow("raw LF in query")
        << QByteArray("POST /api/profile/a/request?source=x\nEvil: 1 HTTP/1.1\r\nHost: x\r\n\r\n")
        << 0;
    QTest::newRow("invalid UTF-8 in source") << post("/api/profile/a/request?source=%E2%82") << 400;
    QTest::newRow("junk bytes") << junk(4096) << 0;
    QTest::newRow("TLS client hello")
        << QByteArray::fromHex("16030100a5010000a10303") + junk(160) << 0;
    QTest::newRow("no HTTP version") << QByteArray("GET /health\r\n\r\n") << 0;
    QTest::newRow("wrong protocol") << QByteArray("GET /health HTTX/1.1\r\n\r\n") << 0;
    QTest::newRow("only blank lines") << QByteArray("\r\n\r\n\r\n\t \r\n") << 0;
    QTest::newRow("half-sent request left open")
        << QByteArray("POST /api/profile/half/request HTTP/1.1\r\nHost: x\r\n") << 408;
    QTest::newRow("half-sent request line") << QByteArray("POST /api/prof") << 408;
    QTest::newRow("half-sent body")
        << QByteArray(
               "POST /api/profile/half/request HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123456789")
        << 408;
    QTest::newRow("NUL bytes") << QByteArray(1000, '\0') << 0;
    QTest::newRow("unknown method") << Test::rawRequest("BREW", "/health") << 405;
    QTest::newRow("CONNECT")
        << QByteArray("CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n") << 0;
    QTest::newRow("absolute URI") << Test::rawRequest("GET", "http://evil.example/nope") << 404;
    QTest::newRow("path traversal") << Test::rawRequest("GET", "/../../etc/passwd") << 404;
    QTest::newRow("encoded traversal")
        << Test::rawRequest("GET", "/api/profile/..%2F..%2Fetc/status") << 400;
    QTest::newRow("1000-character username")
        << post("/api/profile/" + QByteArray(1000, 'u') + "/request") << 400;
    QTest::newRow("valid request then junk") << Test::rawRequest("GET", "/nope") + junk(512) << 404;
}

void TestMalformedRequests::malformed()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);

    Test::RawExchange exchange(QHostAddress::LocalHost, m_server->port());
    QTRY_VERIFY(exchange.isConnected());
    exchange.send(bytes);
    // Answered with a 4xx, or closed: within the request timeout (1 s) plus slack.
    QTRY_VERIFY_WITH_TIMEOUT(exchange.isClosed() || !exchange.responses().isEmpty(), 10000);
    if (status != 0) {
        // Closing while the client still sends may reset the connection before the answer
        // arrives; when an answer arrived, it is the expected one.
        if (!exchange.responses().isEmpty())
            QCOMPARE(exchange.responses().at(0).status, status);
        else
            QVERIFY(exchange.isClosed());
    }
    for (const Test::RawResponse &response : exchange.responses()) {
        QVERIFY2(response.status >= 400 && response.status < 500, response.head.constData());
        QCOMPARE(response.json().value(QStringLiteral("success")), QJsonValue(false));
    }
    QCOMPARE(m_db->scalar(QStringLiteral(
                              "SELECT COUNT(*) FROM queue WHERE username NOT LIKE 'normal_%'"))
                 .toInt(),
        0);
    expectNormalAnswer();
}

void TestMalformedRequests::thousandIdleConnections()
{
    std::vector<std::unique_ptr<Test::RawExchange>> idle;
    for (int i = 0; i < 1000; ++i)
        idle.push_back(
            std::make_unique<Test::RawExchange>(QHostAddress::LocalHost, m_server->port()));
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(idle.begin(), idle.end(), [](const auto &e) { return e->isConnected(); }),
        20000);
    QTRY_VERIFY_WITH_TIMEOUT(m_server->connectionCount() >= 1000, 10000);
    expectNormalAnswer(); // answered at once while 1,000 connections are open
    // Idle connections are closed after the idle timeout (3 s here).
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(idle.begin(), idle.end(), [](const auto &e) { return e->isClosed(); }), 20000);
    expectNormalAnswer();
}

QTEST_GUILESS_MAIN(TestMalformedRequests)
#include "tst_malformedrequests.moc"
