#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <sys/types.h>

namespace ViralSpot::Robustness {

// One HTTP/1.1 answer. status 0: no answer (connection refused, closed or timed out).
struct HttpAnswer
{
    int status = 0;
    QByteArray body;
    qint64 milliseconds = 0; // from sending the request to the complete answer
    QString error; // why status is 0

    QJsonObject json() const;
    // data.queued of a 200 answer to POST /api/profile/{u}/request
    bool queued() const;
};

// A blocking keep-alive HTTP client on a plain POSIX socket, usable from any thread (no event
// loop, no Qt objects): the load generators of the robustness tests. Reconnects on the next
// request after the connection was lost.
class HttpClient final
{
public:
    explicit HttpClient(quint16 port, int timeoutMs = 5000);
    ~HttpClient();
    HttpClient(const HttpClient &) = delete;
    HttpClient &operator=(const HttpClient &) = delete;

    HttpAnswer get(const QByteArray &target) { return send("GET", target); }
    HttpAnswer post(const QByteArray &target) { return send("POST", target); }
    HttpAnswer send(const QByteArray &method, const QByteArray &target);

    // POST /api/profile/{username}/request?source=...
    HttpAnswer requestProfile(const QString &username, const QByteArray &source = "robustness");

private:
    Result ensureConnected();
    void disconnect();

    quint16 m_port;
    int m_timeoutMs;
    int m_fd = -1;
    QByteArray m_buffer;
};

// A connected TCP socket to 127.0.0.1:port (blocking). For hostile-client tests.
ValueResult<int> connectSocket(quint16 port);
// Writes all of `data` (false on failure).
bool writeAll(int fd, const QByteArray &data);

// Resident memory of a process in kB (VmRSS of /proc/PID/status), or -1.
qint64 residentKb(qint64 pid);

} // namespace ViralSpot::Robustness
