// A PostgreSQL outage through the endpoint: while the server is down every request that needs
// the database is answered 503 within seconds (nothing hangs, nothing is claimed), the HTTP
// thread keeps answering, and once the server is back the endpoint reconnects by itself.
// PostgreSQL only (the SQLite counterpart, a locked database, is in tst_endpointserver).

#include "core/http/endpointserver.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestEndpointOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outageAndRecovery();

private:
    QPair<int, QJsonObject> request(const QByteArray &method, const QByteArray &path);

    QNetworkAccessManager m_network;
    quint16 m_port = 0;
};

QPair<int, QJsonObject> TestEndpointOutage::request(
    const QByteArray &method, const QByteArray &path)
{
    QNetworkRequest networkRequest(
        QUrl::fromEncoded("http://127.0.0.1:" + QByteArray::number(m_port) + path));
    std::unique_ptr<QNetworkReply> reply(
        m_network.sendCustomRequest(networkRequest, method, QByteArray()));
    [&] { QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 15000); }();
    return { reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
        QJsonDocument::fromJson(reply->readAll()).object() };
}

void TestEndpointOutage::outageAndRecovery()
{
    Test::PostgresServer postgres;
    VERIFY_OK(postgres.start());
    Http::EndpointSettings settings;
    const ValueResult<DatabaseConfig> database = DatabaseConfig::fromUrl(postgres.adminUrl());
    QVERIFY2(database.ok, qPrintable(database.error));
    settings.database = database.value;
    settings.databaseTimeoutMs = 3000;
    Http::EndpointServer server;
    QCOMPARE(server.start(settings).error, QString());
    m_port = server.port();

    auto queued = [](const QPair<int, QJsonObject> &reply) {
        return reply.second.value(QStringLiteral("data"))
            .toObject()
            .value(QStringLiteral("queued"))
            .toBool();
    };
    QPair<int, QJsonObject> reply = request("POST", "/api/profile/before_outage/request");
    QCOMPARE(reply.first, 200);
    QVERIFY(queued(reply));

    VERIFY_OK(postgres.stop());
    QElapsedTimer timer;
    timer.start();
    reply = request("POST", "/api/profile/during_outage/request");
    QCOMPARE(reply.first, 503);
    QCOMPARE(reply.second.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("code"))
                 .toString(),
        QStringLiteral("database_unavailable"));
    reply = request("GET", "/health");
    QCOMPARE(reply.first, 503);
    QCOMPARE(
        reply.second.value(QStringLiteral("database")).toString(), QStringLiteral("unavailable"));
    QCOMPARE(request("GET", "/api/profile/before_outage/status").first, 503);
    QVERIFY2(timer.elapsed() < 10000, qPrintable(QString::number(timer.elapsed())));
    QCOMPARE(request("GET", "/health/live").first, 200);
    QCOMPARE(request("POST", "/api/profile/a..b/request").first, 400); // no database needed

    VERIFY_OK(postgres.start());
    QTRY_COMPARE_WITH_TIMEOUT(request("GET", "/health").first, 200, 30000);
    reply = request("POST", "/api/profile/after_outage/request");
    QCOMPARE(reply.first, 200);
    QVERIFY(queued(reply));
    reply = request("POST", "/api/profile/before_outage/request");
    QCOMPARE(reply.first, 200);
    QVERIFY(!queued(reply)); // still the one row from before the outage
    reply = request("GET", "/api/profile/after_outage/status");
    QCOMPARE(reply.second.value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("status"))
                 .toString(),
        QStringLiteral("PENDING"));
    server.stop();
}

QTEST_GUILESS_MAIN(TestEndpointOutage)
#include "tst_endpointoutage.moc"
