// The endpoint's batches (contract: Batches): POST /api/batches (answers, limits, errors, one
// durable commit), GET /api/batches/{id}, the single route's `eta`, and a race between the two
// routes for the same usernames. In process, a real HTTP client; once per engine.

#include "core/batches/batches.h"
#include "core/http/db/databaseworkers.h"
#include "core/http/endpointserver.h"
#include "core/schema.h"
#include "tests/support/simworker.h"
#include "tests/support/testdatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace ViralSpot;

namespace {

struct Reply
{
    int status = 0;
    QJsonObject json;
    QByteArray body;
    QJsonObject data() const { return json.value(QStringLiteral("data")).toObject(); }
    QString code() const
    {
        return json.value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("code"))
            .toString();
    }
};

QByteArray batchBody(const QStringList &usernames, const QString &name = {})
{
    QJsonObject body { { QStringLiteral("usernames"), QJsonArray::fromStringList(usernames) } };
    if (!name.isEmpty())
        body.insert(QStringLiteral("name"), name);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

} // namespace

class TestBatchRoutes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void postAnswersOneResultPerInput();
    void getAnswersCountsAndFollowsTheWorker();
    void getUnknownIdIs404();
    void getCanCountFromASample();
    void badBodiesAre400_data();
    void badBodiesAre400();
    void tooManyUsernamesOrBytesIs413();
    void tokenGuardsBothRoutes();
    void databaseFailureRecordsNothing();
    void singleRouteHasEta();
    void raceWithTheSingleRouteNeverMakesASecondActiveRow();

private:
    QString startServer(Http::EndpointSettings settings = {});
    QNetworkReply *send(const QByteArray &method, const QByteArray &target,
        const QByteArray &body = {}, const QByteArray &token = {});
    Reply finish(QNetworkReply *reply);
    Reply request(const QByteArray &method, const QByteArray &target, const QByteArray &body = {},
        const QByteArray &token = {})
    {
        return finish(send(method, target, body, token));
    }
    int scalar(const QString &sql) { return m_db->scalar(sql).toInt(); }
    // Inserting a row with this username into `table` fails, as on a full disk (a trigger).
    bool refuseInsert(const QString &table, const QString &username);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<Http::EndpointServer> m_server;
    QNetworkAccessManager m_network;
};

void TestBatchRoutes::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QSqlDatabase connection = m_db->connection();
    const Schema::MigrationResult migration = Schema::migrate(connection);
    QVERIFY2(migration.ok, qPrintable(migration.error));
    QCOMPARE(startServer(), QString());
}

void TestBatchRoutes::cleanup()
{
    m_server.reset();
    m_network.clearConnectionCache();
    m_db.reset();
}

QString TestBatchRoutes::startServer(Http::EndpointSettings settings)
{
    m_server.reset();
    m_network.clearConnectionCache();
    settings.database = m_db->config();
    m_server = std::make_unique<Http::EndpointServer>();
    const Result started = m_server->start(settings);
    return started.ok ? QString() : started.error;
}

QNetworkReply *TestBatchRoutes::send(const QByteArray &method, const QByteArray &target,
    const QByteArray &body, const QByteArray &token)
{
    QNetworkRequest request(
        QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_server->port()) + target));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    return m_network.sendCustomRequest(request, method, body);
}

Reply TestBatchRoutes::finish(QNetworkReply *reply)
{
    std::unique_ptr<QNetworkReply> owned(reply);
    Reply result;
    if (!QTest::qWaitFor([&] { return reply->isFinished(); }, 60000))
        return result;
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.json = QJsonDocument::fromJson(result.body).object();
    return result;
}

void TestBatchRoutes::postAnswersOneResultPerInput()
{
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done')")));
    QVERIFY(m_db->seedQueue(
        QStringLiteral("waiting"), QStringLiteral("PENDING"), QStringLiteral("HIGH")));
    const Reply reply = request("POST", "/api/batches",
        batchBody({ QStringLiteral("Fresh"), QStringLiteral("@done"), QStringLiteral("waiting"),
                      QStringLiteral("fresh"), QStringLiteral("no..pe"), QString() },
            QStringLiteral("launch")));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(true));
    const QJsonObject data = reply.data();
    QCOMPARE(data.keys(),
        (QStringList { QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("results") }));
    QCOMPARE(data.value(QStringLiteral("name")).toString(), QStringLiteral("launch"));
    const QString id = data.value(QStringLiteral("id")).toString();
    QVERIFY(!id.isEmpty());
    const QJsonArray results = data.value(QStringLiteral("results")).toArray();
    QCOMPARE(results.size(), 6);
    const QStringList outcomes = { QStringLiteral("queued"), QStringLiteral("already_processed"),
        QStringLiteral("already_queued"), QStringLiteral("duplicate_in_batch"),
        QStringLiteral("invalid"), QStringLiteral("invalid") };
    for (int i = 0; i < 6; ++i) {
        const QJsonObject r = results[i].toObject();
        QCOMPARE(r.keys(),
            (QStringList { QStringLiteral("input"), QStringLiteral("message"),
                QStringLiteral("outcome"), QStringLiteral("username") }));
        QCOMPARE(r.value(QStringLiteral("outcome")).toString(), outcomes[i]);
        QVERIFY(!r.value(QStringLiteral("message")).toString().isEmpty());
    }
    // The single route's words for the outcomes it shares.
    QCOMPARE(results[0].toObject().value(QStringLiteral("message")).toString(),
        QStringLiteral("Profile fresh has been added to the high priority queue"));
    QCOMPARE(
        results[0].toObject().value(QStringLiteral("input")).toString(), QStringLiteral("Fresh"));
    QCOMPARE(
        results[1].toObject().value(QStringLiteral("username")).toString(), QStringLiteral("done"));

    // Recorded: the batch from the endpoint, with every input as an item.
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches WHERE id = '%1' AND "
                                   "origin = 'endpoint' AND submitted_by = '127.0.0.1'")
                        .arg(id)),
        1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items WHERE batch_id = "
                                   "'%1'")
                        .arg(id)),
        6);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'fresh'")), 1);

    // Without a name: one made from the source and the time; a source of our own.
    const Reply unnamed = request("POST", "/api/batches",
        QByteArrayLiteral(R"({"usernames":["another"],"source":"campaign:x"})"));
    QCOMPARE(unnamed.status, 200);
    QVERIFY(!unnamed.data().value(QStringLiteral("name")).toString().isEmpty());
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT source FROM queue WHERE username = 'another'"))
                 .toString(),
        QStringLiteral("campaign:x"));
}

void TestBatchRoutes::getAnswersCountsAndFollowsTheWorker()
{
    const Reply created = request("POST", "/api/batches",
        batchBody({ QStringLiteral("g1"), QStringLiteral("g2"), QStringLiteral("g3"),
            QStringLiteral("bad..") }));
    QCOMPARE(created.status, 200);
    const QByteArray target =
        "/api/batches/" + created.data().value(QStringLiteral("id")).toString().toUtf8();

    Reply reply = request("GET", target);
    QCOMPARE(reply.status, 200);
    QJsonObject data = reply.data();
    QCOMPARE(data.keys(),
        (QStringList { QStringLiteral("done"), QStringLiteral("eta"), QStringLiteral("failed"),
            QStringLiteral("gone"), QStringLiteral("id"), QStringLiteral("name"),
            QStringLiteral("paused"), QStringLiteral("processed"), QStringLiteral("processing"),
            QStringLiteral("total"), QStringLiteral("waiting") }));
    QCOMPARE(data.value(QStringLiteral("total")).toInt(), 3);
    QCOMPARE(data.value(QStringLiteral("waiting")).toInt(), 3);
    QCOMPARE(data.value(QStringLiteral("done")).toBool(), false);
    QVERIFY(data.value(QStringLiteral("eta")).isNull()); // workers idle: unknown

    // The original worker takes them: one completes, one fails, one is being processed.
    Test::SimWorker worker(m_db->connection());
    QVERIFY(!worker.processNext().isEmpty());
    Test::SimWorker::Claimed claimed = worker.claim();
    QVERIFY(claimed.ok && !claimed.id.isEmpty());
    QVERIFY(worker.fail(claimed.id, QStringLiteral("private")));
    claimed = worker.claim();
    QVERIFY(claimed.ok && !claimed.id.isEmpty());
    data = request("GET", target).data();
    QCOMPARE(data.value(QStringLiteral("processed")).toInt(), 1);
    QCOMPARE(data.value(QStringLiteral("failed")).toInt(), 1);
    QCOMPARE(data.value(QStringLiteral("processing")).toInt(), 1);
    QCOMPARE(data.value(QStringLiteral("waiting")).toInt(), 0);
    QCOMPARE(data.value(QStringLiteral("done")).toBool(), false);
    QVERIFY(worker.complete(claimed.id));
    data = request("GET", target).data();
    QCOMPARE(data.value(QStringLiteral("processed")).toInt(), 2);
    QCOMPARE(data.value(QStringLiteral("done")).toBool(), true);
    QVERIFY(data.value(QStringLiteral("eta")).isNull());
}

void TestBatchRoutes::getUnknownIdIs404()
{
    for (const QByteArray &id : { QByteArrayLiteral("00000000-0000-7000-8000-000000000000"),
             QByteArrayLiteral("nope"), QByteArrayLiteral("%FF%FE") }) {
        const Reply reply = request("GET", "/api/batches/" + id);
        QCOMPARE(reply.status, 404);
        QCOMPARE(reply.code(), QStringLiteral("not_found"));
    }
    // The list route itself answers POST only.
    QCOMPARE(request("GET", "/api/batches").status, 405);
    QCOMPARE(request("POST", "/api/batches/abc", batchBody({ QStringLiteral("x") })).status, 405);
}

// ?counts=estimated: a batch of more than Counting::exactItems items counted from a sample (the
// answer says so), its ETA still a full range; exact, the default, keeps the contract's fields.
void TestBatchRoutes::getCanCountFromASample()
{
    const int size = Counting::estimated().exactItems + 1;
    QStringList names;
    for (int i = 0; i < size; ++i)
        names << QStringLiteral("sampled_%1").arg(i);
    const Reply created = request("POST", "/api/batches", batchBody(names));
    QCOMPARE(created.status, 200);
    const QByteArray target =
        "/api/batches/" + created.data().value(QStringLiteral("id")).toString().toUtf8();
    // Rows the workers finished in the last minutes: the ETA has a rate.
    for (int i = 0; i < 10; ++i)
        QVERIFY(m_db->seedQueue(
            QStringLiteral("earlier_%1").arg(i), QStringLiteral("FAILED"), QStringLiteral("HIGH")));
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET updated_at = %1 WHERE username LIKE "
                                      "'earlier%'")
                           .arg(Test::engine() == DatabaseConfig::Engine::PostgreSQL
                                   ? QStringLiteral("now() - interval '2 minutes'")
                                   : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', "
                                                    "'-2 minutes')"))));

    const QJsonObject exact = request("GET", target).data();
    QVERIFY(!exact.contains(QStringLiteral("estimated")));
    QCOMPARE(exact.value(QStringLiteral("total")).toInt(), size);
    QCOMPARE(exact.value(QStringLiteral("waiting")).toInt(), size);
    QJsonObject exactAgain = request("GET", target + "?counts=exact").data();
    exactAgain.remove(QStringLiteral("eta")); // from the time of each read
    QJsonObject exactCounts = exact;
    exactCounts.remove(QStringLiteral("eta"));
    QCOMPARE(exactAgain, exactCounts);

    const Reply sampled = request("GET", target + "?counts=estimated");
    QCOMPARE(sampled.status, 200);
    const QJsonObject data = sampled.data();
    QCOMPARE(data.value(QStringLiteral("estimated")), QJsonValue(true));
    const int total = data.value(QStringLiteral("total")).toInt();
    QVERIFY2(total > size * 9 / 10 && total < size * 11 / 10, sampled.body.constData());
    QCOMPARE(data.value(QStringLiteral("waiting")).toInt(), total);
    QCOMPARE(data.value(QStringLiteral("done")).toBool(), false);
    // Its place counted exactly: a full range, as the exact answer's.
    QVERIFY2(
        exact.value(QStringLiteral("eta")).isObject(), QJsonDocument(exact).toJson().constData());
    const QJsonObject eta = data.value(QStringLiteral("eta")).toObject();
    QVERIFY2(!eta.value(QStringLiteral("earliest")).toString().isEmpty() &&
            !eta.value(QStringLiteral("latest")).toString().isEmpty(),
        sampled.body.constData());

    // A small batch is exact either way; anything but exact or estimated is refused.
    const Reply small = request("POST", "/api/batches", batchBody({ QStringLiteral("tiny") }));
    const QByteArray smallTarget =
        "/api/batches/" + small.data().value(QStringLiteral("id")).toString().toUtf8();
    QVERIFY(!request("GET", smallTarget + "?counts=estimated")
                 .data()
                 .contains(QStringLiteral("estimated")));
    const Reply bad = request("GET", target + "?counts=sometimes");
    QCOMPARE(bad.status, 400);
    QCOMPARE(bad.code(), QStringLiteral("bad_request"));
}

void TestBatchRoutes::badBodiesAre400_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::newRow("not json") << QByteArray("usernames=a,b") << "invalid_json";
    QTest::newRow("empty body") << QByteArray() << "invalid_json";
    QTest::newRow("an array") << QByteArray(R"(["a","b"])") << "invalid_json";
    QTest::newRow("no usernames") << QByteArray(R"({"name":"x"})") << "invalid_usernames";
    QTest::newRow("usernames a string")
        << QByteArray(R"({"usernames":"a,b"})") << "invalid_usernames";
    QTest::newRow("a number inside")
        << QByteArray(R"({"usernames":["a",2]})") << "invalid_usernames";
    QTest::newRow("empty list") << QByteArray(R"({"usernames":[]})") << "invalid_usernames";
    QTest::newRow("name a number")
        << QByteArray(R"({"usernames":["a"],"name":5})") << "invalid_name";
    QTest::newRow("bad source") << QByteArray(R"({"usernames":["a"],"source":"no spaces"})")
                                << "invalid_source";
    QTest::newRow("source a list")
        << QByteArray(R"({"usernames":["a"],"source":["x"]})") << "invalid_source";
}

void TestBatchRoutes::badBodiesAre400()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    const Reply reply = request("POST", "/api/batches", body);
    QCOMPARE(reply.status, 400);
    QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(false));
    QCOMPARE(reply.code(), code);
    QVERIFY(!reply.json.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("message"))
                 .toString()
                 .isEmpty());
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
}

void TestBatchRoutes::tooManyUsernamesOrBytesIs413()
{
    // 10,000 usernames pass (one commit); 10,001 do not.
    QStringList names;
    for (int i = 0; i < 10000; ++i)
        names << QStringLiteral("bulk_%1").arg(i);
    Reply reply = request("POST", "/api/batches", batchBody(names));
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.data().value(QStringLiteral("results")).toArray().size(), 10000);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")), 10000);
    names << QStringLiteral("one_more");
    reply = request("POST", "/api/batches", batchBody(names));
    QCOMPARE(reply.status, 413);
    QCOMPARE(reply.code(), QStringLiteral("too_many_usernames"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")), 1);

    // The body: over 2 MiB is refused from its Content-Length, before it is read (a raw
    // socket: the server answers and closes while a client would still be sending).
    const auto rawStatus = [this](const QByteArray &target, qint64 length) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_server->port());
        QByteArray received;
        if (!QTest::qWaitFor([&] { return socket.state() == QAbstractSocket::ConnectedState; }))
            return received;
        socket.write("POST " + target +
            " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            "application/json\r\nContent-Length: " +
            QByteArray::number(length) + "\r\n\r\n{\"usernames\":[");
        // Nothing arrives when the server waits for the body: then `received` stays empty.
        const bool answered = QTest::qWaitFor([&] {
            received += socket.readAll();
            return received.contains("}}") || socket.state() == QAbstractSocket::UnconnectedState;
        });
        Q_UNUSED(answered);
        return received;
    };
    QByteArray raw = rawStatus("/api/batches", 2 * 1024 * 1024 + 1);
    QVERIFY2(raw.startsWith("HTTP/1.1 413"), raw.constData());
    QVERIFY2(raw.contains("payload_too_large"), raw.constData());
    // Just under it: not refused for its size (the server waits for the body).
    raw = rawStatus("/api/batches", 2 * 1024 * 1024);
    QVERIFY2(!raw.startsWith("HTTP/1.1 413"), raw.constData());
    // Other routes keep their small limit (64 KiB).
    raw = rawStatus("/api/profile/foo/request", 100 * 1024);
    QVERIFY2(raw.startsWith("HTTP/1.1 413"), raw.constData());
}

void TestBatchRoutes::tokenGuardsBothRoutes()
{
    Http::EndpointSettings settings;
    settings.token = "batch-token";
    QCOMPARE(startServer(settings), QString());
    Reply reply = request("POST", "/api/batches", batchBody({ QStringLiteral("t1") }));
    QCOMPARE(reply.status, 401);
    QCOMPARE(reply.code(), QStringLiteral("unauthorized"));
    reply = request("POST", "/api/batches", batchBody({ QStringLiteral("t1") }), "wrong");
    QCOMPARE(reply.status, 401);
    QCOMPARE(request("GET", "/api/batches/abc").status, 401);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
    reply = request("POST", "/api/batches", batchBody({ QStringLiteral("t1") }), "batch-token");
    QCOMPARE(reply.status, 200);
    const QByteArray id = reply.data().value(QStringLiteral("id")).toString().toUtf8();
    QCOMPARE(request("GET", "/api/batches/" + id, {}, "batch-token").status, 200);
}

bool TestBatchRoutes::refuseInsert(const QString &table, const QString &username)
{
    const QString name = QStringLiteral("refuse_") + table;
    if (Test::engine() == DatabaseConfig::Engine::SQLite) {
        return m_db->exec(QStringLiteral("CREATE TRIGGER %1 BEFORE INSERT ON %2 WHEN NEW.username "
                                         "= '%3' BEGIN SELECT RAISE(ABORT, 'disk full "
                                         "(simulated)'); END")
                              .arg(name, table, username));
    }
    return m_db->exec(QStringLiteral("CREATE FUNCTION %1() RETURNS trigger LANGUAGE plpgsql AS $$ "
                                     "BEGIN IF NEW.username = '%2' THEN RAISE EXCEPTION 'disk "
                                     "full (simulated)'; END IF; RETURN NEW; END $$")
                          .arg(name, username)) &&
        m_db->exec(QStringLiteral("CREATE TRIGGER %1 BEFORE INSERT ON %2 FOR EACH ROW EXECUTE "
                                  "FUNCTION %1()")
                       .arg(name, table));
}

void TestBatchRoutes::databaseFailureRecordsNothing()
{
    // A database that refuses one of the rows: the whole batch is one transaction, so nothing
    // of it stays (no queue row, no batch), and the answer is 503, never a 200.
    QVERIFY(refuseInsert(QStringLiteral("queue"), QStringLiteral("boom")));
    const Reply reply = request("POST", "/api/batches",
        batchBody({ QStringLiteral("fine_1"), QStringLiteral("boom"), QStringLiteral("fine_2"),
            QStringLiteral("bad..") }));
    QCOMPARE(reply.status, 503);
    QCOMPARE(reply.json.value(QStringLiteral("success")), QJsonValue(false));
    QCOMPARE(reply.code(), QStringLiteral("database_unavailable"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")), 0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")), 0);

    // A batch with an invalid item still records all of its inputs.
    const Reply ok = request("POST", "/api/batches",
        batchBody({ QStringLiteral("fine_1"), QStringLiteral("bad.."), QStringLiteral("fine_1") }));
    QCOMPARE(ok.status, 200);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")), 3);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);

    // A batch of only invalid names sends nothing to the queue: its items are its whole
    // commit. When they cannot be written, the answer is a 503 as well, not a 200 with an id
    // that was never recorded.
    QVERIFY(refuseInsert(QStringLiteral("viralspot_batch_items"), QStringLiteral("refused..")));
    const Reply unrecorded = request("POST", "/api/batches",
        batchBody({ QStringLiteral("bad.."), QStringLiteral("refused..") }));
    QCOMPARE(unrecorded.status, 503);
    QCOMPARE(unrecorded.code(), QStringLiteral("database_unavailable"));
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")), 1);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")), 3);
}

void TestBatchRoutes::singleRouteHasEta()
{
    // No worker has finished anything: unknown, said as null; estimated_time unchanged.
    Reply reply = request("POST", "/api/profile/first/request");
    QCOMPARE(reply.status, 200);
    QJsonObject data = reply.data();
    QVERIFY(data.contains(QStringLiteral("eta")));
    QVERIFY(data.value(QStringLiteral("eta")).isNull());
    QCOMPARE(
        data.value(QStringLiteral("estimated_time")).toString(), QStringLiteral("1-3 minutes"));

    // A worker that finished ten rows in the last minutes: a range, in UTC, in the future.
    Test::SimWorker worker(m_db->connection());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < 10; ++i)
        QVERIFY(m_db->seedQueue(
            QStringLiteral("past_%1").arg(i), QStringLiteral("PENDING"), QStringLiteral("HIGH")));
    for (int i = 0; i < 11; ++i) // `first` and the ten
        QVERIFY(!worker.processNext(now.addSecs(-300 + 25 * i)).isEmpty());
    // The estimates are kept a few seconds per thread: a name of its own is asked once.
    QTest::qWait(int(Http::ProfileEtas::KeepMs) + 100);
    reply = request("POST", "/api/profile/second/request");
    QCOMPARE(reply.status, 200);
    data = reply.data();
    const QJsonObject eta = data.value(QStringLiteral("eta")).toObject();
    QVERIFY2(!eta.isEmpty(), reply.body.constData());
    const QDateTime earliest =
        QDateTime::fromString(eta.value(QStringLiteral("earliest")).toString(), Qt::ISODate);
    const QDateTime latest =
        QDateTime::fromString(eta.value(QStringLiteral("latest")).toString(), Qt::ISODate);
    QVERIFY(earliest.isValid() && latest.isValid());
    QCOMPARE(earliest.timeSpec(), Qt::UTC);
    QVERIFY(eta.value(QStringLiteral("earliest")).toString().endsWith(QLatin1Char('Z')));
    QVERIFY(earliest <= latest);
    QVERIFY(latest > now);
    QCOMPARE(
        data.value(QStringLiteral("estimated_time")).toString(), QStringLiteral("1-3 minutes"));
    // Asked again: already queued, with an estimate too; processed: null.
    reply = request("POST", "/api/profile/second/request");
    QCOMPARE(
        reply.data().value(QStringLiteral("outcome")).toString(), QStringLiteral("already_queued"));
    QVERIFY(reply.data().value(QStringLiteral("eta")).isObject());
    reply = request("POST", "/api/profile/past_3/request");
    QCOMPARE(reply.data().value(QStringLiteral("outcome")).toString(),
        QStringLiteral("already_processed"));
    QVERIFY(reply.data().contains(QStringLiteral("eta")));
    QVERIFY(reply.data().value(QStringLiteral("eta")).isNull());
}

void TestBatchRoutes::raceWithTheSingleRouteNeverMakesASecondActiveRow()
{
    // Both routes at the same time for the same 300 usernames, several rounds: each username
    // has one active row, and exactly one answer said `queued` for it.
    for (int round = 0; round < 3; ++round) {
        QStringList names;
        for (int i = 0; i < 300; ++i)
            names << QStringLiteral("race%1_%2").arg(round).arg(i);
        QList<QNetworkReply *> singles;
        QNetworkReply *batch = nullptr;
        for (int i = 0; i < names.size(); ++i) {
            if (i == names.size() / 3)
                batch = send("POST", "/api/batches", batchBody(names));
            singles << send("POST", "/api/profile/" + names[i].toUtf8() + "/request");
        }
        QHash<QString, int> queued;
        const Reply batchReply = finish(batch);
        QCOMPARE(batchReply.status, 200);
        for (const QJsonValue &r : batchReply.data().value(QStringLiteral("results")).toArray()) {
            if (r.toObject().value(QStringLiteral("outcome")).toString() == QLatin1String("queued"))
                ++queued[r.toObject().value(QStringLiteral("username")).toString()];
        }
        for (QNetworkReply *single : std::as_const(singles)) {
            const Reply reply = finish(single);
            QCOMPARE(reply.status, 200);
            if (reply.data().value(QStringLiteral("queued")).toBool())
                ++queued[reply.data().value(QStringLiteral("username")).toString()];
        }
        for (const QString &name : std::as_const(names))
            QVERIFY2(queued.value(name) == 1, qPrintable(name));
    }
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM (SELECT username FROM queue WHERE status "
                                   "IN ('PENDING','PROCESSING') GROUP BY username HAVING "
                                   "COUNT(*) > 1) d")),
        0);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM queue")), 900);
    QCOMPARE(scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")), 900);
}

QTEST_GUILESS_MAIN(TestBatchRoutes)
#include "tst_batchroutes.moc"
