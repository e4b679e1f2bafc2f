#include "core/http/api/frontend.h"

#include "core/batches/batches.h"
#include "core/http/api/routes.h"
#include "core/http/db/databaseworkers.h"
#include "core/ids.h"
#include "core/username.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <optional>

namespace ViralSpot::Http {

namespace {

constexpr int MaxUnansweredPerConnection = 1024;

const QByteArray GetMethods = QByteArrayLiteral("GET, HEAD, OPTIONS");
const QByteArray PostMethods = QByteArrayLiteral("POST, OPTIONS");

} // namespace

Frontend::Frontend(const EndpointSettings &settings, GroupCommitter *writer, DatabaseReader *reader,
    QObject *parent)
    : QAbstractHttpServer(parent)
    , m_databaseTimeoutMs(settings.databaseTimeoutMs)
    , m_maxBatchUsernames(settings.maxBatchUsernames)
    , m_readOnly(settings.readOnly)
    , m_allowedOrigins(settings.allowedOrigins)
    , m_writer(writer)
    , m_reader(reader)
{
    if (!settings.token.isEmpty())
        m_tokenHash = QCryptographicHash::hash(settings.token, QCryptographicHash::Sha256);
    m_deadlineTimer.setInterval(qBound(10, m_databaseTimeoutMs / 8, 250));
    connect(&m_deadlineTimer, &QTimer::timeout, this, &Frontend::expireDeadlines);
}

bool Frontend::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    auto *connection = qobject_cast<Connection *>(socket);
    if (!connection)
        return false;
    if (connection->unansweredCount() >= MaxUnansweredPerConnection) {
        // A client pipelining without reading its answers: drop it rather than buffer forever.
        connection->abort();
        return true;
    }

    const QUrl url = request.url();
    RequestMeta meta;
    meta.time = QDateTime::currentDateTimeUtc();
    meta.client = request.remoteAddress().toString();
    meta.method = Routes::methodName(request.method());
    meta.path = url.path(QUrl::FullyEncoded).left(200);
    meta.head = request.method() == QHttpServerRequest::Method::Head;
    const QByteArray connectionHeader = request.value(QByteArrayLiteral("connection")).toLower();
    meta.closeAfter = connectionHeader.contains("close");
    meta.keepAlive = connectionHeader.contains("keep-alive");

    // CORS: only configured origins get the headers (contract: Endpoint); others get none.
    const QByteArray origin = request.value(QByteArrayLiteral("origin"));
    const bool corsAllowed =
        !origin.isEmpty() && m_allowedOrigins.contains(QString::fromUtf8(origin));
    if (corsAllowed) {
        meta.extraHeaders.append({ QByteArrayLiteral("Access-Control-Allow-Origin"), origin });
        meta.extraHeaders.append({ QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin") });
    }

    const Connection::PendingPtr pending = connection->beginRequest(std::move(meta));
    dispatch(request, connection, pending, corsAllowed);
    return true;
}

void Frontend::missingHandler(const QHttpServerRequest &, QTcpSocket *socket)
{
    // Only for sockets that are not ours, which the Listener never creates.
    socket->disconnectFromHost();
}

const QList<Frontend::Route> &Frontend::routes()
{
    using Method = QHttpServerRequest::Method;
    const QHttpServerRequest::Methods get = Method::Get | Method::Head;
    static const QList<Route> table {
        { { "health" }, get, GetMethods, &Frontend::handleHealth },
        { { "health", "live" }, get, GetMethods, &Frontend::handleLive },
        { { "api", "profile", Routes::UsernameSegment, "request" }, Method::Post, PostMethods,
            &Frontend::handleProfileRequest },
        { { "api", "profile", Routes::UsernameSegment, "status" }, get, GetMethods,
            &Frontend::handleProfileStatus },
        { { "api", "batches" }, Method::Post, PostMethods, &Frontend::handleBatchCreate },
        { { "api", "batches", Routes::IdSegment }, get, GetMethods, &Frontend::handleBatchStatus },
    };
    return table;
}

void Frontend::dispatch(const QHttpServerRequest &request, Connection *connection,
    const Connection::PendingPtr &pending, bool corsAllowed)
{
    const QUrl url = request.url();
    if (!url.isValid()) {
        connection->answer(pending, ApiResponse::badRequest());
        return;
    }
    const QByteArrayList segments = Routes::pathSegments(url);
    const Route *route = nullptr;
    QByteArray rawUsername;
    for (const Route &candidate : routes()) {
        if (Routes::matches(candidate.path, segments, &rawUsername)) {
            route = &candidate;
            break;
        }
    }
    const auto method = request.method();

    if (method == QHttpServerRequest::Method::Options) {
        if (!route)
            connection->answer(pending, ApiResponse::notFound());
        else
            answerPreflight(*route, connection, pending, corsAllowed);
        return;
    }
    // The token guards every path under /api/, also unknown ones (they say nothing then).
    const bool api = !segments.isEmpty() && segments[0] == "api";
    if (api && !m_tokenHash.isEmpty() &&
        !authorized(request.value(QByteArrayLiteral("authorization")))) {
        connection->answer(pending, ApiResponse::unauthorized());
        return;
    }
    if (!route) {
        connection->answer(pending, ApiResponse::notFound());
        return;
    }
    if (!route->methods.testFlag(method)) {
        connection->answer(pending, ApiResponse::methodNotAllowed(route->allow));
        return;
    }

    Call call { request, connection, pending, {}, {} };
    if (route->path.contains(Routes::UsernameSegment)) {
        const std::optional<QString> input = Routes::decodeComponent(rawUsername);
        if (!input) {
            connection->answer(pending,
                ApiResponse::invalidUsername(QStringLiteral("The username is not valid UTF-8")));
            return;
        }
        const Username::Parsed parsed = Username::normalize(*input);
        if (!parsed.isValid()) {
            connection->answer(pending, ApiResponse::invalidUsername(parsed.error));
            return;
        }
        call.username = parsed.username;
    }
    if (route->path.contains(Routes::IdSegment)) {
        const std::optional<QString> id = Routes::decodeComponent(rawUsername);
        if (!id) { // no batch has such an id
            connection->answer(pending, ApiResponse::notFound());
            return;
        }
        call.id = *id;
    }
    (this->*route->handle)(call);
}

void Frontend::answerPreflight(const Route &route, Connection *connection,
    const Connection::PendingPtr &pending, bool corsAllowed)
{
    ApiResponse preflight { 204, { { QByteArrayLiteral("Allow"), route.allow } }, {} };
    if (corsAllowed) {
        preflight.headers.append(
            { QByteArrayLiteral("Access-Control-Allow-Methods"), route.allow });
        preflight.headers.append({ QByteArrayLiteral("Access-Control-Allow-Headers"),
            QByteArrayLiteral("Authorization, Content-Type") });
        preflight.headers.append(
            { QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600") });
    }
    connection->answer(pending, preflight);
}

// GET /health/live: answered on this thread without the database (the liveness probe).
void Frontend::handleLive(const Call &call)
{
    call.connection->answer(call.pending, { 200, {}, QByteArrayLiteral("{\"status\":\"ok\"}") });
}

// GET /health: the database probe, and the failures real requests met lately.
void Frontend::handleHealth(const Call &call)
{
    const QPointer<Connection> target(call.connection);
    const std::weak_ptr<Connection::Pending> slot(call.pending);
    m_reader->submit(
        [this, target, slot](RequestService &service) {
            const bool ok = service.ping().ok;
            const bool repair = ok && service.repairRequired();
            QMetaObject::invokeMethod(
                this,
                [this, target, slot, ok, repair] {
                    // SELECT 1 alone can pass while every request fails.
                    const int failed = m_failures.count(Connection::monotonicMs());
                    if (target)
                        target->answer(slot.lock(),
                            repair ? ApiResponse::healthRepairRequired()
                                   : ApiResponse::health(ok, failed));
                },
                Qt::QueuedConnection);
        },
        QDeadlineTimer(m_databaseTimeoutMs));
    watchDeadline(call.connection, call.pending);
}

// GET /api/profile/{username}/status: read once the writes before it on the connection are
// answered (read-your-writes for pipelined requests).
void Frontend::handleProfileStatus(const Call &call)
{
    const QPointer<Connection> target(call.connection);
    const std::weak_ptr<Connection::Pending> slot(call.pending);
    const QDeadlineTimer deadline(m_databaseTimeoutMs);
    DatabaseReader *reader = m_reader;
    const QString username = call.username;
    call.connection->afterWrites([this, reader, target, slot, username, deadline] {
        reader->submit(
            [this, target, slot, username](RequestService &service) {
                const ProfileStatus status = service.status(username);
                QMetaObject::invokeMethod(
                    this,
                    [this, target, slot, username, status] {
                        if (!status.ok)
                            m_failures.note(Connection::monotonicMs());
                        else
                            m_failures.noteSuccess();
                        if (target)
                            target->answer(
                                slot.lock(), ApiResponse::fromProfileStatus(username, status));
                    },
                    Qt::QueuedConnection);
            },
            deadline);
    });
    watchDeadline(call.connection, call.pending);
}

// POST /api/profile/{username}/request?source=…: queued through the group committer.
void Frontend::handleProfileRequest(const Call &call)
{
    if (m_readOnly) {
        call.connection->answer(call.pending, ApiResponse::readOnly());
        return;
    }
    QString source = Username::DefaultSource.toString();
    const std::optional<QByteArray> rawSource = Routes::queryValue(
        call.request.url().query(QUrl::FullyEncoded).toLatin1(), QByteArrayLiteral("source"));
    if (rawSource && !rawSource->isEmpty()) { // an empty source means the default
        const std::optional<QString> decoded = Routes::decodeComponent(*rawSource);
        if (!decoded) {
            call.connection->answer(call.pending,
                ApiResponse::invalidSource(QStringLiteral("The source is not valid UTF-8")));
            return;
        }
        if (const std::optional<QString> error = Username::sourceError(*decoded)) {
            call.connection->answer(call.pending, ApiResponse::invalidSource(*error));
            return;
        }
        source = *decoded;
    }
    call.connection->markWrite(call.pending);
    const QPointer<Frontend> self(this);
    const QPointer<Connection> target(call.connection);
    const std::weak_ptr<Connection::Pending> slot(call.pending);
    m_writer->submit({ call.username, source },
        [self, target, slot](const RequestResult &result, const std::optional<Eta> &eta) {
            if (self && result.outcome == Outcome::Error)
                self->m_failures.note(Connection::monotonicMs());
            else if (self)
                self->m_failures.noteSuccess();
            if (target)
                target->answer(slot.lock(), ApiResponse::fromRequestResult(result, eta));
        });
    watchDeadline(call.connection, call.pending);
}

// POST /api/batches with {"name"?, "source"?, "usernames": [...]} (contract: Batches): recorded
// as a batch (origin "endpoint", submitted by the client's address) with its queue rows in one
// transaction on a writer thread; one result per input, as the single route's outcomes.
void Frontend::handleBatchCreate(const Call &call)
{
    if (m_readOnly) {
        call.connection->answer(call.pending, ApiResponse::readOnly());
        return;
    }
    const auto invalid = [&call](const QString &code, const QString &message) {
        call.connection->answer(call.pending, ApiResponse::error(400, code, message));
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(call.request.body(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        invalid(QStringLiteral("invalid_json"),
            QStringLiteral("The body is not valid JSON: %1 (at byte %2)")
                .arg(parseError.errorString())
                .arg(parseError.offset));
        return;
    }
    if (!document.isObject()) {
        invalid(QStringLiteral("invalid_json"),
            QStringLiteral("The body must be a JSON object with a \"usernames\" array"));
        return;
    }
    const QJsonObject body = document.object();
    const QJsonValue list = body.value(QStringLiteral("usernames"));
    if (!list.isArray()) {
        invalid(QStringLiteral("invalid_usernames"),
            QStringLiteral("\"usernames\" must be an array of strings"));
        return;
    }
    const QJsonArray array = list.toArray();
    if (array.isEmpty()) {
        invalid(QStringLiteral("invalid_usernames"),
            QStringLiteral("\"usernames\" is empty: a batch needs at least one"));
        return;
    }
    if (array.size() > m_maxBatchUsernames) {
        call.connection->answer(call.pending,
            ApiResponse::error(413, QStringLiteral("too_many_usernames"),
                QStringLiteral("At most %1 usernames per batch (%2 given)")
                    .arg(m_maxBatchUsernames)
                    .arg(array.size())));
        return;
    }
    QStringList inputs;
    inputs.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array[i].isString()) {
            invalid(QStringLiteral("invalid_usernames"),
                QStringLiteral("\"usernames\" must be an array of strings (item %1 is not)")
                    .arg(i + 1));
            return;
        }
        inputs.append(array[i].toString());
    }
    const QJsonValue nameValue = body.value(QStringLiteral("name"));
    const QJsonValue sourceValue = body.value(QStringLiteral("source"));
    if (!nameValue.isUndefined() && !nameValue.isNull() && !nameValue.isString()) {
        invalid(QStringLiteral("invalid_name"), QStringLiteral("\"name\" must be a string"));
        return;
    }
    constexpr int MaxNameLength = 200;
    QString name = nameValue.toString().trimmed();
    if (name.size() > MaxNameLength) {
        invalid(QStringLiteral("invalid_name"),
            QStringLiteral("\"name\" is longer than %1 characters").arg(MaxNameLength));
        return;
    }
    if (!sourceValue.isUndefined() && !sourceValue.isNull() && !sourceValue.isString()) {
        call.connection->answer(call.pending,
            ApiResponse::invalidSource(QStringLiteral("The source must be a string")));
        return;
    }
    QString source = sourceValue.toString();
    if (source.isEmpty()) // an empty source means the default, as on the single route
        source = Username::DefaultSource.toString();
    if (const std::optional<QString> error = Username::sourceError(source)) {
        call.connection->answer(call.pending, ApiResponse::invalidSource(*error));
        return;
    }

    NewBatch record;
    record.id = Ids::uuidV7();
    record.origin = QStringLiteral("endpoint");
    record.name = name.isEmpty()
        ? Batches::defaultName(source, record.origin, QDateTime::currentDateTimeUtc())
        : name;
    record.source = source;
    record.submittedBy = call.request.remoteAddress().toString();

    call.connection->markWrite(call.pending);
    const QPointer<Frontend> self(this);
    const QPointer<Connection> target(call.connection);
    const std::weak_ptr<Connection::Pending> slot(call.pending);
    const QString id = record.id;
    const QString batchName = record.name;
    m_writer->submitBatch(std::move(inputs), source, std::move(record),
        [self, target, slot, id, batchName](const QList<RequestResult> &results) {
            const bool failed = std::any_of(results.cbegin(), results.cend(),
                [](const RequestResult &r) { return r.outcome == Outcome::Error; });
            if (self && failed)
                self->m_failures.note(Connection::monotonicMs());
            else if (self)
                self->m_failures.noteSuccess();
            if (target)
                target->answer(slot.lock(), ApiResponse::fromBatchResults(id, batchName, results));
        });
    // A batch of thousands takes longer than one request: its own, longer deadline (the
    // shared deadline queue is kept in arrival order for the single requests).
    QTimer::singleShot(qMax(30000, 4 * m_databaseTimeoutMs), this, [this, target, slot] {
        const Connection::PendingPtr pending = slot.lock();
        if (pending && !pending->ready && target) {
            target->answer(pending, ApiResponse::databaseUnavailable());
            m_failures.note(Connection::monotonicMs());
        }
    });
}

// GET /api/batches/{id}[?counts=exact|estimated]: counts, state and ETA, read after the writes
// before it on the connection (a client that just created the batch finds it). Exact by
// default; `estimated` counts a batch of more than Counting::exactItems items from a sample, as
// the window does (the counts of a 100,000-item batch on a 10,000,000-row queue: 23 ms instead
// of 785 ms in bench_batches), with its place in the queue still counted exactly, so that the
// ETA is a full range; the answer then says `"estimated": true`.
void Frontend::handleBatchStatus(const Call &call)
{
    Counting counting;
    const std::optional<QByteArray> counts = Routes::queryValue(
        call.request.url().query(QUrl::FullyEncoded).toLatin1(), QByteArrayLiteral("counts"));
    if (counts && *counts == "estimated") {
        counting = Counting::estimated().everyPlace();
    } else if (counts && *counts != "exact") {
        call.connection->answer(call.pending,
            ApiResponse::error(400, QStringLiteral("bad_request"),
                QStringLiteral("counts must be exact or estimated")));
        return;
    }
    const QPointer<Connection> target(call.connection);
    const std::weak_ptr<Connection::Pending> slot(call.pending);
    const QDeadlineTimer deadline(m_databaseTimeoutMs);
    DatabaseReader *reader = m_reader;
    const QString id = call.id;
    call.connection->afterWrites([this, reader, target, slot, id, deadline, counting] {
        reader->submit(
            [this, target, slot, id, counting](RequestService &service) {
                ValueResult<QSqlDatabase> db = service.database();
                BatchDetail detail;
                if (db.ok) {
                    detail =
                        Batches::detail(db.value, id, QDateTime::currentDateTimeUtc(), counting);
                } else {
                    detail.error = db.error;
                    detail.errorKind = ErrorKind::Unavailable;
                }
                QMetaObject::invokeMethod(
                    this,
                    [this, target, slot, detail] {
                        if (!detail.ok)
                            m_failures.note(Connection::monotonicMs());
                        else
                            m_failures.noteSuccess();
                        if (target)
                            target->answer(slot.lock(), ApiResponse::fromBatchDetail(detail));
                    },
                    Qt::QueuedConnection);
            },
            deadline);
    });
    watchDeadline(call.connection, call.pending);
}

bool Frontend::authorized(const QByteArray &authorization) const
{
    static const QByteArray scheme = QByteArrayLiteral("bearer ");
    const bool hasScheme = authorization.size() > scheme.size() &&
        authorization.left(scheme.size()).toLower() == scheme;
    const QByteArray given = hasScheme ? authorization.mid(scheme.size()).trimmed() : QByteArray();
    // Compare fixed-size digests in constant time: neither the content nor the length of the
    // token leaks through timing.
    const QByteArray digest = QCryptographicHash::hash(given, QCryptographicHash::Sha256);
    unsigned char difference = 0;
    for (qsizetype i = 0; i < digest.size(); ++i)
        difference |= static_cast<unsigned char>(digest[i] ^ m_tokenHash[i]);
    return hasScheme & (difference == 0);
}

void Frontend::watchDeadline(Connection *connection, const Connection::PendingPtr &pending)
{
    m_deadlines.push_back({ Connection::monotonicMs() + m_databaseTimeoutMs, connection, pending });
    if (!m_deadlineTimer.isActive())
        m_deadlineTimer.start();
}

void Frontend::expireDeadlines()
{
    const qint64 now = Connection::monotonicMs();
    while (!m_deadlines.empty()) {
        Deadline &front = m_deadlines.front();
        const Connection::PendingPtr pending = front.pending.lock();
        if (pending && !pending->ready) {
            if (front.atMs > now)
                break;
            if (front.connection) // the database did not answer in time: say so, claim nothing
                front.connection->answer(pending, ApiResponse::databaseUnavailable());
            m_failures.note(now);
        }
        m_deadlines.pop_front();
    }
    if (m_deadlines.empty())
        m_deadlineTimer.stop();
}

} // namespace ViralSpot::Http
