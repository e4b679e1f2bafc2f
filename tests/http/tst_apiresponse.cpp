// What the endpoint's hot path writes by hand instead of through Qt: the JSON of
// ApiResponse::fromRequestResult must be the JSON of the contract (contract: Endpoint), equal to
// what QJsonDocument makes of the same fields, and valid for any text; the request log line's time
// must read as Qt::ISODateWithMs.

#include "core/http/api/apiresponse.h"
#include "core/http/transport/requestlogentry.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace ViralSpot;
using namespace ViralSpot::Http;

class TestApiResponse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcomes_data();
    void outcomes();
    void anyTextStaysValidJson_data();
    void anyTextStaysValidJson();
    void logLineTime_data();
    void logLineTime();
};

namespace {

// The reference: the contract's fields for `result`, built with QJsonObject.
QByteArray reference(const RequestResult &result, const std::optional<Eta> &eta)
{
    const QString &u = result.username;
    // eta: always present, null for a processed profile or when unknown (contract: Batches).
    QJsonValue etaValue = QJsonValue::Null;
    if (eta && result.outcome != Outcome::AlreadyProcessed)
        etaValue = QJsonObject { { QStringLiteral("earliest"),
                                     eta->earliest.toUTC().toString(Qt::ISODate) },
            { QStringLiteral("latest"), eta->latest.toUTC().toString(Qt::ISODate) } };
    QJsonObject data { { QStringLiteral("username"), u },
        { QStringLiteral("outcome"), outcomeName(result.outcome) },
        { QStringLiteral("queued"), result.outcome == Outcome::Queued },
        { QStringLiteral("message"), outcomeMessage(result.outcome, u) },
        { QStringLiteral("eta"), etaValue } };
    if (result.outcome == Outcome::Queued) {
        data.insert(QStringLiteral("estimated_time"), QStringLiteral("1-3 minutes"));
        data.insert(QStringLiteral("status"), QStringLiteral("PENDING"));
        if (!result.requestId.isEmpty())
            data.insert(QStringLiteral("request_id"), result.requestId);
    } else if (result.outcome == Outcome::AlreadyProcessed) {
        data.insert(QStringLiteral("estimated_time"), QStringLiteral("complete"));
    }
    return QJsonDocument(
        QJsonObject { { QStringLiteral("success"), true }, { QStringLiteral("data"), data } })
        .toJson(QJsonDocument::Compact);
}

RequestResult result(Outcome outcome, const QString &username, const QString &requestId = {})
{
    RequestResult r;
    r.username = username;
    r.outcome = outcome;
    r.requestId = requestId;
    return r;
}

} // namespace

void TestApiResponse::outcomes_data()
{
    QTest::addColumn<RequestResult>("result");
    QTest::addColumn<bool>("withEta");
    QTest::newRow("queued") << result(Outcome::Queued, QStringLiteral("alice"),
                                   QStringLiteral("req_0123456789abcdef"))
                            << false;
    QTest::newRow("queued, no request id")
        << result(Outcome::Queued, QStringLiteral("a.b_c")) << false;
    QTest::newRow("already processed")
        << result(Outcome::AlreadyProcessed, QStringLiteral("bob")) << false;
    QTest::newRow("already queued")
        << result(Outcome::AlreadyQueued, QStringLiteral("carol")) << false;
    QTest::newRow("queued, eta") << result(Outcome::Queued, QStringLiteral("dave"),
                                        QStringLiteral("req_0123456789abcdef"))
                                 << true;
    QTest::newRow("already queued, eta")
        << result(Outcome::AlreadyQueued, QStringLiteral("erin")) << true;
    QTest::newRow("already processed, eta given")
        << result(Outcome::AlreadyProcessed, QStringLiteral("finn")) << true;
}

void TestApiResponse::outcomes()
{
    QFETCH(RequestResult, result);
    QFETCH(bool, withEta);
    std::optional<Eta> eta;
    if (withEta) {
        eta = Eta {};
        eta->earliest = QDateTime(QDate(2026, 12, 2), QTime(10, 15), Qt::UTC);
        eta->latest = QDateTime(QDate(2026, 12, 2), QTime(10, 40, 30), Qt::UTC);
    }
    const ApiResponse response = ApiResponse::fromRequestResult(result, eta);
    QCOMPARE(response.status, 200);
    QVERIFY(response.headers.isEmpty());
    QCOMPARE(response.body, reference(result, eta)); // byte for byte for plain text
    const QJsonObject data =
        QJsonDocument::fromJson(response.body).object().value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("queued")).toBool(), result.outcome == Outcome::Queued);
    QCOMPARE(data.value(QStringLiteral("message")).toString(),
        outcomeMessage(result.outcome, result.username));
}

void TestApiResponse::anyTextStaysValidJson_data()
{
    QTest::addColumn<QString>("username");
    QTest::newRow("quote and backslash") << QStringLiteral("a\"b\\c");
    QTest::newRow("control characters") << QString::fromUtf8("\n\r\t\x01\x1f end");
    QTest::newRow("non-ASCII") << QStringLiteral(u"é 名前 🚀");
    QTest::newRow("NUL") << QString(QChar(0)) + QStringLiteral("x");
    QTest::newRow("empty") << QString();
}

void TestApiResponse::anyTextStaysValidJson()
{
    QFETCH(QString, username);
    for (const Outcome outcome :
        { Outcome::Queued, Outcome::AlreadyProcessed, Outcome::AlreadyQueued }) {
        const RequestResult r = result(outcome, username, QStringLiteral("req_\"x\""));
        const ApiResponse response = ApiResponse::fromRequestResult(r);
        QJsonParseError error;
        const QJsonDocument parsed = QJsonDocument::fromJson(response.body, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, response.body.constData());
        QCOMPARE(parsed, QJsonDocument::fromJson(reference(r, std::nullopt)));
        QCOMPARE(parsed.object()
                     .value(QStringLiteral("data"))
                     .toObject()
                     .value(QStringLiteral("username"))
                     .toString(),
            username);
    }
}

void TestApiResponse::logLineTime_data()
{
    QTest::addColumn<QDateTime>("time");
    QTest::newRow("now") << QDateTime::currentDateTimeUtc();
    QTest::newRow("epoch") << QDateTime::fromMSecsSinceEpoch(0, Qt::UTC);
    QTest::newRow("leap day, last ms")
        << QDateTime(QDate(2028, 2, 29), QTime(23, 59, 59, 999), Qt::UTC);
    QTest::newRow("new year") << QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC);
    QTest::newRow("before 1970") << QDateTime(QDate(1969, 12, 31), QTime(23, 59, 59, 1), Qt::UTC);
    QTest::newRow("local time") << QDateTime(QDate(2026, 6, 1), QTime(12, 0), Qt::LocalTime);
    QTest::newRow("invalid") << QDateTime();
}

void TestApiResponse::logLineTime()
{
    QFETCH(QDateTime, time);
    Http::RequestLogEntry entry;
    entry.time = time;
    entry.client = QStringLiteral("127.0.0.1");
    entry.method = QStringLiteral("GET");
    entry.path = QStringLiteral("/health");
    entry.status = 200;
    entry.milliseconds = 0.5;
    QCOMPARE(entry.toLine(),
        time.toString(Qt::ISODateWithMs) + QStringLiteral(" 127.0.0.1 GET /health 200 0.5ms"));
}

QTEST_APPLESS_MAIN(TestApiResponse)
#include "tst_apiresponse.moc"
