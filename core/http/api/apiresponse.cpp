#include "core/http/api/apiresponse.h"

#include "core/batchjson.h"
#include "core/sqlitefileguard.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ViralSpot::Http {

namespace {

QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

ApiResponse success(const QJsonObject &data)
{
    return { 200, {},
        toJson({ { QStringLiteral("success"), true }, { QStringLiteral("data"), data } }) };
}

// The request answers are written directly: building them as QJsonObjects took 14% of the HTTP
// thread's time on the endpoint's busiest path. Same JSON, same key order (QJsonObject's, sorted);
// for plain text the same bytes as QJsonDocument's compact form.
class DataWriter
{
public:
    DataWriter()
    {
        m_out.reserve(256);
        m_out += "{\"data\":{";
    }

    DataWriter &field(const char *key, QStringView value)
    {
        this->key(key);
        m_out += '"';
        const QByteArray utf8 = value.toUtf8();
        for (const char c : utf8) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                m_out += '\\';
                m_out += c;
            } else if (u < 0x20) {
                static const char hex[] = "0123456789abcdef";
                const char escaped[] = { '\\', 'u', '0', '0', hex[u >> 4], hex[u & 0xf] };
                m_out.append(escaped, sizeof escaped);
            } else {
                m_out += c;
            }
        }
        m_out += '"';
        return *this;
    }
    // JSON as it stands (an object, or null).
    DataWriter &raw(const char *key, const QByteArray &json)
    {
        this->key(key);
        m_out += json;
        return *this;
    }
    // Not an overload of field(): a string literal would convert to bool.
    DataWriter &flag(const char *key, bool value)
    {
        this->key(key);
        m_out += value ? "true" : "false";
        return *this;
    }
    ApiResponse finish()
    {
        m_out += "},\"success\":true}";
        return { 200, {}, m_out };
    }

private:
    void key(const char *name)
    {
        if (!m_first)
            m_out += ',';
        m_first = false;
        m_out += '"';
        m_out += name;
        m_out += "\":";
    }

    QByteArray m_out;
    bool m_first = true;
};

} // namespace

ApiResponse ApiResponse::fromRequestResult(
    const RequestResult &result, const std::optional<Eta> &eta)
{
    const QString &u = result.username;
    const auto etaJson = [&eta] {
        const QJsonValue value = BatchJson::eta(eta);
        return value.isObject() ? toJson(value.toObject()) : QByteArrayLiteral("null");
    };
    // Fields in sorted order (see DataWriter).
    switch (result.outcome) {
    case Outcome::Queued: {
        DataWriter data;
        data.field("estimated_time", u"1-3 minutes")
            .raw("eta", etaJson())
            .field("message", outcomeMessage(Outcome::Queued, u))
            .field("outcome", outcomeName(Outcome::Queued))
            .flag("queued", true);
        if (!result.requestId.isEmpty())
            data.field("request_id", result.requestId);
        return data.field("status", u"PENDING").field("username", u).finish();
    }
    case Outcome::AlreadyProcessed:
        return DataWriter()
            .field("estimated_time", u"complete")
            .raw("eta", QByteArrayLiteral("null")) // nothing to wait for
            .field("message", outcomeMessage(Outcome::AlreadyProcessed, u))
            .field("outcome", outcomeName(Outcome::AlreadyProcessed))
            .flag("queued", false)
            .field("username", u)
            .finish();
    case Outcome::AlreadyQueued:
    case Outcome::DuplicateInBatch: // cannot happen for one request; the profile is queued
        return DataWriter()
            .raw("eta", etaJson())
            .field("message", outcomeMessage(Outcome::AlreadyQueued, u))
            .field("outcome", outcomeName(Outcome::AlreadyQueued))
            .flag("queued", false)
            .field("username", u)
            .finish();
    case Outcome::Invalid:
        return invalidUsername(result.message);
    case Outcome::Error:
        return fromError(result.errorKind, result.message);
    case Outcome::Cancelled:
        break;
    }
    return databaseUnavailable();
}

ApiResponse ApiResponse::fromBatchResults(
    const QString &id, const QString &name, const QList<RequestResult> &results)
{
    // One transaction: a failed item means nothing was recorded; say why as the single route
    // does (503 database_unavailable or repair_required), never a 200.
    for (const RequestResult &r : results) {
        if (r.outcome == Outcome::Error || r.outcome == Outcome::Cancelled)
            return fromError(r.errorKind, r.message);
    }
    QJsonArray items;
    for (const RequestResult &r : results) {
        // The single route's words for the outcomes it shares; the core's for the others
        // (invalid: why; duplicate_in_batch: the line it repeats).
        const bool shared = r.outcome == Outcome::Queued ||
            r.outcome == Outcome::AlreadyProcessed || r.outcome == Outcome::AlreadyQueued;
        items.append(QJsonObject { { QStringLiteral("input"), r.input },
            { QStringLiteral("username"), r.username },
            { QStringLiteral("outcome"), outcomeName(r.outcome) },
            { QStringLiteral("message"),
                shared ? outcomeMessage(r.outcome, r.username) : r.message } });
    }
    return success({ { QStringLiteral("id"), id }, { QStringLiteral("name"), name },
        { QStringLiteral("results"), items } });
}

ApiResponse ApiResponse::fromBatchDetail(const BatchDetail &detail)
{
    if (!detail.ok)
        return fromError(detail.errorKind, detail.error);
    if (!detail.found)
        return error(404, QStringLiteral("not_found"), QStringLiteral("No batch with this id"));
    return success(BatchJson::summary(detail.summary));
}

ApiResponse ApiResponse::fromError(ErrorKind kind, const QString &message)
{
    switch (kind) {
    case ErrorKind::RepairRequired:
        // Not an outage: the message names the repair (the core's text, as in every door).
        return error(503, QStringLiteral("repair_required"), message);
    case ErrorKind::SetupRequired:
        // Neither is a missing grant or migration: the message says which, and what the owner
        // should run. The code stays the contract's.
        return error(503, QStringLiteral("database_unavailable"), message);
    case ErrorKind::None:
    case ErrorKind::Unavailable:
    case ErrorKind::Failed:
        break;
    }
    return databaseUnavailable();
}

ApiResponse ApiResponse::fromProfileStatus(const QString &username, const ProfileStatus &status)
{
    if (!status.ok)
        return fromError(status.errorKind, status.error);
    return success({ { QStringLiteral("username"), username },
        { QStringLiteral("completed"), status.completed },
        { QStringLiteral("status"), status.status }, { QStringLiteral("message"), status.message },
        { QStringLiteral("attempts"), status.attempts } });
}

ApiResponse ApiResponse::health(bool probeOk, int failedRequests)
{
    const bool databaseOk = probeOk && failedRequests == 0;
    QJsonObject body { { QStringLiteral("status"),
                           databaseOk ? QStringLiteral("ok") : QStringLiteral("error") },
        { QStringLiteral("database"),
            databaseOk ? QStringLiteral("ok") : QStringLiteral("unavailable") } };
    if (failedRequests > 0)
        body.insert(QStringLiteral("failed_requests"), failedRequests);
    return { databaseOk ? 200 : 503, {}, toJson(body) };
}

ApiResponse ApiResponse::healthRepairRequired()
{
    // Reachable, but every request for processing is refused until the repair: not healthy.
    const QJsonObject body { { QStringLiteral("status"), QStringLiteral("error") },
        { QStringLiteral("database"), QStringLiteral("repair_required") } };
    return { 503, {}, toJson(body) };
}

ApiResponse ApiResponse::error(int status, const QString &code, const QString &message)
{
    const QJsonObject error { { QStringLiteral("code"), code },
        { QStringLiteral("message"), message } };
    return { status, {},
        toJson({ { QStringLiteral("success"), false }, { QStringLiteral("error"), error } }) };
}

ApiResponse ApiResponse::invalidUsername(const QString &message)
{
    return error(400, QStringLiteral("invalid_username"),
        message.isEmpty() ? QStringLiteral("Invalid username") : message);
}

ApiResponse ApiResponse::invalidSource(const QString &message)
{
    return error(400, QStringLiteral("invalid_source"),
        message.isEmpty() ? QStringLiteral("Invalid source") : message);
}

ApiResponse ApiResponse::databaseUnavailable()
{
    // Until a connection is attached to the real file again (SqliteFileGuard).
    if (SqliteFileGuard::replacedProblem()) {
        return error(503, QStringLiteral("database_unavailable"),
            QStringLiteral("The database file was replaced or unlinked underneath the server "
                           "(its files were opened and closed outside SQLite), so the request "
                           "was not confirmed. The server reopens the database; try again "
                           "(repeating a request is safe)."));
    }
    return error(503, QStringLiteral("database_unavailable"),
        QStringLiteral("The database is unavailable, so the request was not confirmed. "
                       "Try again later (repeating a request is safe)."));
}

ApiResponse ApiResponse::notFound()
{
    return error(404, QStringLiteral("not_found"), QStringLiteral("No such endpoint"));
}

ApiResponse ApiResponse::methodNotAllowed(const QByteArray &allow)
{
    ApiResponse response = error(405, QStringLiteral("method_not_allowed"),
        QStringLiteral("Method not allowed; use ") + QString::fromLatin1(allow));
    response.headers.append({ QByteArrayLiteral("Allow"), allow });
    return response;
}

ApiResponse ApiResponse::unauthorized()
{
    ApiResponse response = error(401, QStringLiteral("unauthorized"),
        QStringLiteral("A valid 'Authorization: Bearer <token>' header is required"));
    response.headers.append({ QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer") });
    return response;
}

ApiResponse ApiResponse::uriTooLong()
{
    return error(
        414, QStringLiteral("uri_too_long"), QStringLiteral("The request line is too long"));
}

ApiResponse ApiResponse::payloadTooLarge()
{
    return error(413, QStringLiteral("payload_too_large"),
        QStringLiteral("The request headers or body are too large"));
}

ApiResponse ApiResponse::requestTimeout()
{
    return error(408, QStringLiteral("request_timeout"),
        QStringLiteral("The request was not completed in time"));
}

ApiResponse ApiResponse::badRequest()
{
    return error(400, QStringLiteral("bad_request"), QStringLiteral("Malformed request"));
}

ApiResponse ApiResponse::readOnly()
{
    return error(403, QStringLiteral("read_only"),
        QStringLiteral("This endpoint is read-only: nothing was queued"));
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 200:
        return QByteArrayLiteral("OK");
    case 204:
        return QByteArrayLiteral("No Content");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 413:
        return QByteArrayLiteral("Payload Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    default:
        return QByteArrayLiteral("Unknown");
    }
}

} // namespace ViralSpot::Http
