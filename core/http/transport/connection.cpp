#include "core/http/transport/connection.h"

#include <chrono>
#include <utility>

namespace ViralSpot::Http {

namespace {

bool isBlank(char c)
{
    return c == '\r' || c == '\n' || c == ' ' || c == '\t' || c == '\v';
}

} // namespace

Connection::Connection(const ConnectionLimits &limits, Logger logger, QObject *parent)
    : QTcpSocket(parent)
    , m_limits(limits)
    , m_logger(std::move(logger))
    , m_lastActivityMs(monotonicMs())
{
    // Connected before QAbstractHttpServer connects its own slot: we see new bytes first (how
    // the Qt 6.4 work-arounds above see a request before QtHttpServer buffers it).
    connect(this, &QIODevice::readyRead, this, &Connection::inspectIncoming);
}

Connection::~Connection()
{
    for (const PendingPtr &pending : m_pending)
        log(*pending, 499); // the client left (or we shut down) before the answer
}

qint64 Connection::monotonicMs()
{
    return monotonicNs() / 1000000;
}

qint64 Connection::monotonicNs()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

Connection::PendingPtr Connection::beginRequest(RequestMeta meta)
{
    // Qt 6.4 work-around: QHttpServerRequest does not tell the HTTP version (nor does it in 6.10);
    // the request line we kept does.
    qsizetype start = 0;
    while (start < m_head.size() && isBlank(m_head.at(start)))
        ++start;
    const qsizetype lineEnd = m_head.indexOf('\n', start);
    const QByteArray requestLine = m_head.mid(start, lineEnd < 0 ? -1 : lineEnd - start).trimmed();
    if (requestLine.endsWith(" HTTP/1.0") && !meta.keepAlive)
        meta.closeAfter = true;

    m_inRequest = false;
    m_head.clear();
    m_client = meta.client;
    auto pending = std::make_shared<Pending>();
    pending->meta = std::move(meta);
    pending->startedNs = monotonicNs();
    m_pending.push_back(pending);
    return pending;
}

void Connection::answer(const PendingPtr &pending, ApiResponse response)
{
    if (!pending || pending->ready)
        return;
    pending->ready = true;
    pending->response = std::move(response);
    if (pending->write && --m_unansweredWrites == 0 && !m_readsAfterWrites.empty()) {
        const auto reads = std::exchange(m_readsAfterWrites, {});
        for (const auto &read : reads)
            read();
    }
    flushReady();
}

void Connection::markWrite(const PendingPtr &pending)
{
    pending->write = true;
    ++m_unansweredWrites;
}

void Connection::afterWrites(std::function<void()> read)
{
    if (m_unansweredWrites == 0)
        read();
    else
        m_readsAfterWrites.push_back(std::move(read));
}

void Connection::flushReady()
{
    while (!m_pending.empty() && m_pending.front()->ready) {
        const PendingPtr pending = m_pending.front();
        m_pending.pop_front();
        if (state() == QAbstractSocket::ConnectedState)
            write(frame(*pending));
        log(*pending, pending->response.status);
        m_lastActivityMs = monotonicMs();
        if (pending->meta.closeAfter) {
            m_closing = true;
            for (const PendingPtr &dropped : m_pending)
                log(*dropped, 499);
            m_pending.clear();
            disconnectFromHost();
            return;
        }
    }
}

QByteArray Connection::frame(const Pending &pending) const
{
    const ApiResponse &response = pending.response;
    QByteArray out;
    out.reserve(320 + response.body.size());
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status) +
        "\r\n";
    if (!response.body.isEmpty())
        out += "Content-Type: application/json\r\n";
    // HEAD: no body and no length (it may not be claimed as 0); 204 carries no length at all.
    if (!pending.meta.head && response.status != 204)
        out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    if (pending.meta.closeAfter)
        out += "Connection: close\r\n";
    for (const auto &header : response.headers)
        out += header.first + ": " + header.second + "\r\n";
    for (const auto &header : pending.meta.extraHeaders)
        out += header.first + ": " + header.second + "\r\n";
    out += "\r\n";
    if (!pending.meta.head)
        out += response.body;
    return out;
}

void Connection::log(const Pending &pending, int status) const
{
    if (!m_logger)
        return;
    RequestLogEntry entry;
    entry.time = pending.meta.time;
    entry.client = pending.meta.client;
    entry.method = pending.meta.method;
    entry.path = pending.meta.path;
    entry.status = status;
    entry.milliseconds = double(monotonicNs() - pending.startedNs) / 1e6;
    m_logger(entry);
}

void Connection::inspectIncoming()
{
    const qint64 now = monotonicMs();
    m_lastActivityMs = now;
    const qint64 available = bytesAvailable();
    if (available <= 0)
        return;
    if (m_rejected || m_closing) {
        skip(available);
        return;
    }
    // QAbstractHttpServer keeps a read transaction open while a request is incomplete and
    // commits it when the request is complete: no transaction means these bytes start a request.
    if (!isTransactionStarted())
        startRequest(now);

    m_requestBytes += available;
    // A safety net over the precise checks below (pipelined requests can make this count high).
    if (m_requestBytes >
        4 * (qint64(m_limits.maxHeaderBytes) + qMax(m_bodyLimit, qint64(m_limits.maxBodyBytes)))) {
        reject(ApiResponse::payloadTooLarge());
        return;
    }
    if (!m_headDone) {
        const qint64 room = m_limits.maxHeaderBytes + 1 - m_head.size();
        if (room > 0)
            m_head += peek(qMin(available, room));
        examineHead();
    } else if (m_chunked) {
        m_bodyBytes += available;
        if (m_bodyBytes > m_bodyLimit)
            reject(ApiResponse::payloadTooLarge());
    }
}

void Connection::startRequest(qint64 nowMs)
{
    m_inRequest = true;
    m_head.clear();
    m_headDone = false;
    m_chunked = false;
    m_requestBytes = 0;
    m_bodyBytes = 0;
    m_bodyLimit = m_limits.maxBodyBytes;
    m_requestStartMs = nowMs;
}

void Connection::examineHead()
{
    // The server skips blank lines before a request line; so do we.
    qsizetype start = 0;
    while (start < m_head.size() && isBlank(m_head.at(start)))
        ++start;
    if (start == m_head.size())
        return;
    const qsizetype lineEnd = m_head.indexOf('\n', start);
    if ((lineEnd < 0 ? m_head.size() - start : lineEnd - start) > m_limits.maxRequestLineBytes) {
        reject(ApiResponse::uriTooLong());
        return;
    }
    if (lineEnd < 0)
        return;
    qsizetype end = m_head.indexOf("\n\r\n", lineEnd);
    qsizetype terminator = 3;
    const qsizetype bare = m_head.indexOf("\n\n", lineEnd);
    if (bare >= 0 && (end < 0 || bare < end)) {
        end = bare;
        terminator = 2;
    }
    if (end < 0) {
        if (m_head.size() - start > m_limits.maxHeaderBytes)
            reject(ApiResponse::payloadTooLarge());
        return;
    }
    m_headDone = true;
    // The batch route takes a larger body (a list of up to 10,000 usernames): its request line
    // is "POST /api/batches" followed by the version, a query or one trailing slash.
    {
        static const QByteArray batches = QByteArrayLiteral("POST /api/batches");
        const QByteArray line = m_head.mid(start, lineEnd - start);
        if (line.startsWith(batches) && line.size() > batches.size()) {
            const char next = line.at(batches.size());
            const bool slash = next == '/' &&
                (line.size() == batches.size() + 1 || line.at(batches.size() + 1) == ' ');
            if (next == ' ' || next == '?' || slash)
                m_bodyLimit = m_limits.maxBatchBodyBytes;
        }
    }

    qint64 contentLength = 0;
    bool expectContinue = false;
    const QList<QByteArray> lines = m_head.mid(lineEnd + 1, end - lineEnd).split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            contentLength = value.toLongLong(&ok);
            if (!ok || contentLength < 0) {
                reject(ApiResponse::badRequest());
                return;
            }
        } else if (name == "transfer-encoding") {
            m_chunked = value.toLower().contains("chunked");
        } else if (name == "expect") {
            expectContinue = value.toLower() == "100-continue";
        }
    }
    if (contentLength > m_bodyLimit) {
        reject(ApiResponse::payloadTooLarge());
        return;
    }
    if (m_chunked) {
        m_bodyBytes = m_head.size() - (end + terminator);
        if (m_bodyBytes > m_bodyLimit) {
            reject(ApiResponse::payloadTooLarge());
            return;
        }
    }
    // Qt 6.4 work-around: QtHttpServer 6.4 ignores Expect (no Expect handling in its API up to
    // 6.10); clients (curl) would wait a second before the body.
    // Only when nothing is waiting to be answered, so that answers stay in order.
    if (expectContinue && (contentLength > 0 || m_chunked) && m_pending.empty())
        write("HTTP/1.1 100 Continue\r\n\r\n");
}

void Connection::reject(ApiResponse response)
{
    if (m_rejected)
        return;
    m_rejected = true;
    m_inRequest = false;
    skip(bytesAvailable()); // the server's parser never sees the rest

    auto pending = std::make_shared<Pending>();
    pending->meta.time = QDateTime::currentDateTimeUtc();
    pending->meta.client = peerAddress().toString();
    pending->meta.method = QStringLiteral("-");
    pending->meta.path = QStringLiteral("-");
    pending->meta.closeAfter = true;
    pending->startedNs = monotonicNs();
    pending->ready = true;
    pending->response = std::move(response);
    m_pending.push_back(pending);
    flushReady();
}

void Connection::checkTimeouts(qint64 nowMs)
{
    if (m_closing || m_rejected || state() != QAbstractSocket::ConnectedState)
        return;
    if (m_inRequest && nowMs - m_requestStartMs > m_limits.requestTimeoutMs) {
        reject(ApiResponse::requestTimeout());
        return;
    }
    if (!m_inRequest && m_pending.empty() && nowMs - m_lastActivityMs > m_limits.idleTimeoutMs) {
        m_closing = true;
        disconnectFromHost();
    }
}

void Connection::finish()
{
    m_closing = true;
    if (state() != QAbstractSocket::ConnectedState)
        return;
    flush();
    if (bytesToWrite() > 0)
        waitForBytesWritten(1000);
    disconnectFromHost();
}

} // namespace ViralSpot::Http
