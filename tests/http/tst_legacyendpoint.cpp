// The endpoint on a database an older tool left with duplicate active rows: requests for
// processing get 503 repair_required naming the repair, reads keep working, /health says so,
// and a repair made elsewhere takes effect without a restart.

#include "core/http/api/apiresponse.h"
#include "core/http/endpointserver.h"
#include "core/schema.h"
#include "tests/support/legacyfixture.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestLegacyEndpoint : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void requestsAnswerRepairRequiredAndReadsWork();
    void errorKindsMapOnce();

private:
    struct Reply
    {
        int status = 0;
        QJsonObject json;
    };
    Reply request(const QByteArray &method, const QByteArray &target);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<Http::EndpointServer> m_server;
    QNetworkAccessManager m_network;
};

void TestLegacyEndpoint::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    VERIFY_OK(Test::seedLegacyDuplicates(*m_db));
    Http::EndpointSettings settings;
    settings.database = m_db->config();
    m_server = std::make_unique<Http::EndpointServer>();
    QCOMPARE(m_server->start(settings).error, QString());
}

void TestLegacyEndpoint::cleanup()
{
    m_server.reset();
    m_network.clearConnectionCache();
    m_db.reset();
}

TestLegacyEndpoint::Reply TestLegacyEndpoint::request(
    const QByteArray &method, const QByteArray &target)
{
    const QUrl url =
        QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_server->port()) + target);
    std::unique_ptr<QNetworkReply> reply(
        m_network.sendCustomRequest(QNetworkRequest(url), method, QByteArray()));
    Reply result;
    [&] { QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 15000); }();
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.json = QJsonDocument::fromJson(reply->readAll()).object();
    return result;
}

void TestLegacyEndpoint::requestsAnswerRepairRequiredAndReadsWork()
{
    const QString message = Schema::repairRequiredMessage({ 1, 1 });
    QVERIFY(message.contains(QLatin1String("viralspot-admin repair-duplicates --apply")));
    // Processed, waiting and new names alike: nothing is decided until the repair.
    for (const QByteArray &name :
        { QByteArray("natgeo"), QByteArray("dupe"), QByteArray("new1") }) {
        const Reply r = request("POST", "/api/profile/" + name + "/request");
        QCOMPARE(r.status, 503);
        QCOMPARE(r.json.value(QStringLiteral("success")).toBool(true), false);
        const QJsonObject error = r.json.value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("repair_required"));
        QCOMPARE(error.value(QStringLiteral("message")).toString(), message);
    }
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(),
        m_db->config().engine == DatabaseConfig::Engine::PostgreSQL ? 7 : 2);

    // Reads keep working.
    Reply status = request("GET", "/api/profile/dupe/status");
    QCOMPARE(status.status, 200);
    QCOMPARE(status.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("status")),
        QStringLiteral("PENDING"));
    status = request("GET", "/api/profile/NatGeo/status");
    QCOMPARE(status.status, 200);
    QVERIFY(status.json.value(QStringLiteral("data"))
                .toObject()
                .value(QStringLiteral("completed"))
                .toBool());

    // Health: reachable, but not serving requests.
    Reply health = request("GET", "/health");
    QCOMPARE(health.status, 503);
    QCOMPARE(health.json.value(QStringLiteral("database")).toString(),
        QStringLiteral("repair_required"));

    // Repaired elsewhere (the terminal, the window): the endpoint serves again at once.
    QSqlDatabase db = m_db->connection();
    const Schema::RepairResult repair = Schema::repairDuplicates(db);
    QVERIFY2(repair.ok, qPrintable(repair.error));
    Reply r = request("POST", "/api/profile/natgeo/request");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("outcome")),
        QStringLiteral("already_processed"));
    r = request("POST", "/api/profile/new1/request");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("data")).toObject().value(QStringLiteral("outcome")),
        QStringLiteral("queued"));
    health = request("GET", "/health");
    QCOMPARE(health.status, 200);
}

void TestLegacyEndpoint::errorKindsMapOnce()
{
    auto error = [](const Http::ApiResponse &r) {
        return QJsonDocument::fromJson(r.body).object().value(QStringLiteral("error")).toObject();
    };
    const QString text = QStringLiteral("exact words");
    RequestResult result;
    result.outcome = Outcome::Error;
    result.message = text;
    result.errorKind = ErrorKind::RepairRequired;
    Http::ApiResponse r = Http::ApiResponse::fromRequestResult(result);
    QCOMPARE(r.status, 503);
    QCOMPARE(error(r).value(QStringLiteral("code")).toString(), QStringLiteral("repair_required"));
    QCOMPARE(error(r).value(QStringLiteral("message")).toString(), text);
    // A missing grant or migration: the contract's code, with the core's exact words.
    result.errorKind = ErrorKind::SetupRequired;
    r = Http::ApiResponse::fromRequestResult(result);
    QCOMPARE(r.status, 503);
    QCOMPARE(
        error(r).value(QStringLiteral("code")).toString(), QStringLiteral("database_unavailable"));
    QCOMPARE(error(r).value(QStringLiteral("message")).toString(), text);
    // An outage keeps the generic sentence (no driver text to the web).
    result.errorKind = ErrorKind::Unavailable;
    r = Http::ApiResponse::fromRequestResult(result);
    QCOMPARE(
        error(r).value(QStringLiteral("code")).toString(), QStringLiteral("database_unavailable"));
    QVERIFY(error(r).value(QStringLiteral("message")).toString() != text);
    ProfileStatus status;
    status.errorKind = ErrorKind::SetupRequired;
    status.error = text;
    QCOMPARE(error(Http::ApiResponse::fromProfileStatus(QStringLiteral("x"), status))
                 .value(QStringLiteral("message"))
                 .toString(),
        text);
}

QTEST_GUILESS_MAIN(TestLegacyEndpoint)
#include "tst_legacyendpoint.moc"
