#include "frontend.h"

#include "databaseworkers.h"
#include "username.h"

#include <QCryptographicHash>
#include <QHttpServerRequest>
#include <QStringDecoder>

#include <optional>

namespace ViralSpot::Http {

namespace {

QString methodName(QHttpServerRequest::Method method)
{
    switch (method) {
    case QHttpServerRequest::Method::Get:
        return QStringLiteral("GET");
    case QHttpServerRequest::Method::Put:
        return QStringLiteral("PUT");
    case QHttpServerRequest::Method::Delete:
        return QStringLiteral("DELETE");
    case QHttpServerRequest::Method::Post:
        return QStringLiteral("POST");
    case QHttpServerRequest::Method::Head:
        return QStringLiteral("HEAD");
    case QHttpServerRequest::Method::Options:
        return QStringLiteral("OPTIONS");
    case QHttpServerRequest::Method::Patch:
        return QStringLiteral("PATCH");
    case QHttpServerRequest::Method::Connect:
        return QStringLiteral("CONNECT");
    case QHttpServerRequest::Method::Trace:
        return QStringLiteral("TRACE");
    default:
        return QStringLiteral("UNKNOWN");
    }
}

// A percent-encoded path segment or query value as text; nullopt when it is not UTF-8.
// '+' stays '+' (it is not a space in a path, and the original endpoint did not treat it so).
std::optional<QString> decodeComponent(const QByteArray &encoded)
{
    const QByteArray raw = QByteArray::fromPercentEncoding(encoded);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(raw);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

// The raw (still encoded) value of the first `key` in a query, or nullopt when absent.
std::optional<QByteArray> queryValue(const QByteArray &query, const QByteArray &key)
{
    for (const QByteArray &pair : query.split('&')) {
        const qsizetype equals = pair.indexOf('=');
        const QByteArray name =
            QByteArray::fromPercentEncoding(equals < 0 ? pair : pair.left(equals));
        if (name == key)
            return equals < 0 ? QByteArray() : pair.mid(equals + 1);
    }
    return std::nullopt;
}

constexpr int MaxUnansweredPerConnection = 1024;

const QByteArray GetMethods = QByteArrayLiteral("GET, HEAD, OPTIONS");
const QByteArray PostMethods = QByteArrayLiteral("POST, OPTIONS");

} // namespace

Frontend::Frontend(const EndpointSettings &settings, GroupCommitter *writer, DatabaseReader *reader,
    QObject *parent)
    : QAbstractHttpServer(parent)
    , m_databaseTimeoutMs(settings.databaseTimeoutMs)
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
    meta.method = methodName(request.method());
    meta.path = url.path(QUrl::FullyEncoded).left(200);
    meta.head = request.method() == QHttpServerRequest::Method::Head;
    const QByteArray connectionHeader = request.value(QByteArrayLiteral("connection")).toLower();
    meta.closeAfter = connectionHeader.contains("close");
    meta.keepAlive = connectionHeader.contains("keep-alive");

    // CORS: only configured origins get the headers (SPEC 3); others get none.
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

void Frontend::dispatch(const QHttpServerRequest &request, Connection *connection,
    const Connection::PendingPtr &pending, bool corsAllowed)
{
    const QUrl url = request.url();
    if (!url.isValid()) {
        connection->answer(pending, ApiResponse::badRequest());
        return;
    }
    QList<QByteArray> segments = url.path(QUrl::FullyEncoded).toLatin1().split('/');
    if (!segments.isEmpty() && segments.constFirst().isEmpty())
        segments.removeFirst();
    if (segments.size() > 1 && segments.constLast().isEmpty())
        segments.removeLast(); // one trailing slash is forgiven

    Route route = Route::None;
    if (segments.size() == 1 && segments[0] == "health")
        route = Route::Health;
    else if (segments.size() == 2 && segments[0] == "health" && segments[1] == "live")
        route = Route::Live;
    else if (segments.size() == 4 && segments[0] == "api" && segments[1] == "profile" &&
        !segments[2].isEmpty()) {
        if (segments[3] == "request")
            route = Route::ProfileRequest;
        else if (segments[3] == "status")
            route = Route::ProfileStatus;
    }
    const QByteArray allowed = route == Route::ProfileRequest ? PostMethods : GetMethods;
    const auto method = request.method();

    if (method == QHttpServerRequest::Method::Options) {
        if (route == Route::None) {
            connection->answer(pending, ApiResponse::notFound());
            return;
        }
        ApiResponse preflight { 204, { { QByteArrayLiteral("Allow"), allowed } }, {} };
        if (corsAllowed) {
            preflight.headers.append(
                { QByteArrayLiteral("Access-Control-Allow-Methods"), allowed });
            preflight.headers.append({ QByteArrayLiteral("Access-Control-Allow-Headers"),
                QByteArrayLiteral("Authorization, Content-Type") });
            preflight.headers.append(
                { QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600") });
        }
        connection->answer(pending, preflight);
        return;
    }

    const bool api = !segments.isEmpty() && segments[0] == "api";
    if (api && !m_tokenHash.isEmpty() &&
        !authorized(request.value(QByteArrayLiteral("authorization")))) {
        connection->answer(pending, ApiResponse::unauthorized());
        return;
    }
    if (route == Route::None) {
        connection->answer(pending, ApiResponse::notFound());
        return;
    }
    const bool isGet =
        method == QHttpServerRequest::Method::Get || method == QHttpServerRequest::Method::Head;
    const bool methodOk =
        route == Route::ProfileRequest ? method == QHttpServerRequest::Method::Post : isGet;
    if (!methodOk) {
        connection->answer(pending, ApiResponse::methodNotAllowed(allowed));
        return;
    }

    if (route == Route::Live) {
        connection->answer(pending, { 200, {}, QByteArrayLiteral("{\"status\":\"ok\"}") });
        return;
    }

    const QPointer<Connection> target(connection);
    const std::weak_ptr<Connection::Pending> slot(pending);
    const QDeadlineTimer deadline(m_databaseTimeoutMs);

    if (route == Route::Health) {
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
            deadline);
        watchDeadline(connection, pending);
        return;
    }

    const std::optional<QString> input = decodeComponent(segments[2]);
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
    const QString username = parsed.username;

    if (route == Route::ProfileStatus) {
        DatabaseReader *reader = m_reader;
        connection->afterWrites([this, reader, target, slot, username, deadline] {
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
        watchDeadline(connection, pending);
        return;
    }

    // POST /api/profile/{username}/request?source=…
    if (m_readOnly) {
        connection->answer(pending, ApiResponse::readOnly());
        return;
    }
    QString source = Username::DefaultSource.toString();
    const std::optional<QByteArray> rawSource =
        queryValue(url.query(QUrl::FullyEncoded).toLatin1(), QByteArrayLiteral("source"));
    if (rawSource && !rawSource->isEmpty()) { // an empty source means the default
        const std::optional<QString> decoded = decodeComponent(*rawSource);
        if (!decoded) {
            connection->answer(pending,
                ApiResponse::invalidSource(QStringLiteral("The source is not valid UTF-8")));
            return;
        }
        const QString error = Username::sourceError(*decoded);
        if (!error.isEmpty()) {
            connection->answer(pending, ApiResponse::invalidSource(error));
            return;
        }
        source = *decoded;
    }
    connection->markWrite(pending);
    const QPointer<Frontend> self(this);
    m_writer->submit({ username, source }, [self, target, slot](const RequestResult &result) {
        if (self && result.outcome == Outcome::Error)
            self->m_failures.note(Connection::monotonicMs());
        else if (self)
            self->m_failures.noteSuccess();
        if (target)
            target->answer(slot.lock(), ApiResponse::fromRequestResult(result));
    });
    watchDeadline(connection, pending);
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
