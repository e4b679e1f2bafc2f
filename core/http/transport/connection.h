#pragma once

#include "core/http/api/apiresponse.h"
#include "core/http/transport/requestlogentry.h"

#include <QByteArray>
#include <QDateTime>
#include <QTcpSocket>

#include <deque>
#include <functional>
#include <memory>

namespace ViralSpot::Http {

// What the request log and the response framing need to know about one request.
struct RequestMeta
{
    QDateTime time;
    QString client;
    QString method;
    QString path;
    bool head = false; // HEAD: headers only
    bool closeAfter = false; // "Connection: close": close once answered
    bool keepAlive = false; // "Connection: keep-alive" (HTTP/1.0 closes without it)
    QList<QPair<QByteArray, QByteArray>> extraHeaders; // CORS, added to every answer
};

// Limits and timeouts a connection enforces (copied from EndpointSettings).
struct ConnectionLimits
{
    int maxRequestLineBytes = 8 * 1024;
    int maxHeaderBytes = 16 * 1024;
    int maxBodyBytes = 64 * 1024;
    // The body of `POST /api/batches` (a JSON list of usernames) may be this large instead.
    int maxBatchBodyBytes = 2 * 1024 * 1024;
    int requestTimeoutMs = 10000;
    int idleTimeoutMs = 60000;
};

// One client connection. QAbstractHttpServer (6.4) parses the requests on it; this class adds
// what 6.4 lacks, without patching it. Each item below is a Qt 6.4 work-around, marked with the
// release that makes it unnecessary (checked against Qt's documentation up to 6.10):
// - Limits. Qt 6.4 work-around: QtHttpServer 6.4 buffers a request of any size; still needed in
//   6.10 (QHttpServerConfiguration, since 6.9, has a per-address rate limit, and from 6.10 a
//   keep-alive timeout and allow/deny lists, but no request-line, header or body limits). Our
//   readyRead slot is connected before the server's, so it sees every new byte first: it keeps the
//   request line and headers of the request being parsed (at most maxHeaderBytes), answers 414 for
//   a long request line, 413 for large headers or a large Content-Length / chunked body, and 100
//   Continue for "Expect: 100-continue", then discards the rest and closes.
// - Timeouts. Qt 6.4 work-around: a started request must complete within requestTimeoutMs
//   (else 408 and close), still needed in 6.10 (no request timeout there); an idle keep-alive
//   connection is closed after idleTimeoutMs (checkTimeouts(), called by the Listener),
//   unnecessary from Qt 6.10 (QHttpServerConfiguration::setKeepAliveTimeout).
// - Ordered answers (ours, not a work-around: the database answers out of order). Requests are
// answered in the order they arrived on the connection, even
//   when a later (pipelined) request is answered before an earlier one that waits for the
//   database: each request gets a Pending slot, and slots are written strictly in order.
//   A deferred answer holds a QPointer to this socket and a weak_ptr to its slot: if the client
//   has gone, the answer is dropped (the work is still done; nothing was claimed to anyone).
class Connection final : public QTcpSocket
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Connection)

public:
    struct Pending
    {
        RequestMeta meta;
        qint64 startedNs = 0; // monotonicNs() when the request was complete
        bool ready = false;
        bool write = false; // waits for the writer (group commit)
        ApiResponse response;
    };
    using PendingPtr = std::shared_ptr<Pending>;
    using Logger = std::function<void(const RequestLogEntry &)>;

    Connection(const ConnectionLimits &limits, Logger logger, QObject *parent);
    ~Connection() override;

    // A complete request was parsed: reserve its place in the answer order.
    PendingPtr beginRequest(RequestMeta meta);
    // Answers a request now or later. Only the first answer of a slot counts.
    void answer(const PendingPtr &pending, ApiResponse response);

    int unansweredCount() const { return int(m_pending.size()); }

    // Read-your-writes for pipelined requests: a read that arrives behind an unanswered write on
    // the same connection runs once every such write is answered (else it could see the state
    // before that write's commit).
    void markWrite(const PendingPtr &pending);
    void afterWrites(std::function<void()> read);
    // Request timeout and idle timeout; `nowMs` from monotonicMs().
    void checkTimeouts(qint64 nowMs);
    // Shutdown: writes what is answered, waits briefly for it to leave, closes.
    void finish();

    static qint64 monotonicMs();
    static qint64 monotonicNs();

private:
    void inspectIncoming();
    void startRequest(qint64 nowMs);
    void examineHead();
    void reject(ApiResponse response);
    void flushReady();
    QByteArray frame(const Pending &pending) const;
    void log(const Pending &pending, int status) const;

    ConnectionLimits m_limits;
    Logger m_logger;
    QString m_client;
    std::deque<PendingPtr> m_pending;
    int m_unansweredWrites = 0;
    std::vector<std::function<void()>> m_readsAfterWrites;

    // The request currently arriving (before QAbstractHttpServer has parsed all of it).
    QByteArray m_head;
    bool m_inRequest = false;
    bool m_headDone = false;
    bool m_chunked = false;
    qint64 m_bodyLimit = 0; // the request's: maxBodyBytes, or maxBatchBodyBytes
    qint64 m_requestBytes = 0;
    qint64 m_bodyBytes = 0;
    qint64 m_requestStartMs = 0;
    qint64 m_lastActivityMs = 0;
    bool m_rejected = false;
    bool m_closing = false;
};

} // namespace ViralSpot::Http
