#include "tests/robustness/httpclient.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ViralSpot::Robustness {

QJsonObject HttpAnswer::json() const
{
    return QJsonDocument::fromJson(body).object();
}

bool HttpAnswer::queued() const
{
    return status == 200 &&
        json().value(QStringLiteral("data")).toObject().value(QStringLiteral("queued")).toBool();
}

ValueResult<int> connectSocket(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ValueResult<int>::failure(QString::fromLocal8Bit(std::strerror(errno)));
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        const QString error = QString::fromLocal8Bit(std::strerror(errno));
        ::close(fd);
        return ValueResult<int>::failure(error);
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return ValueResult<int>::success(fd);
}

bool writeAll(int fd, const QByteArray &data)
{
    qsizetype done = 0;
    while (done < data.size()) {
        const ssize_t n =
            ::send(fd, data.constData() + done, size_t(data.size() - done), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        done += n;
    }
    return true;
}

qint64 residentKb(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

HttpClient::HttpClient(quint16 port, int timeoutMs)
    : m_port(port)
    , m_timeoutMs(timeoutMs)
{ }

HttpClient::~HttpClient()
{
    disconnect();
}

void HttpClient::disconnect()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
    m_buffer.clear();
}

Result HttpClient::ensureConnected()
{
    if (m_fd >= 0)
        return Result::success();
    const ValueResult<int> connected = connectSocket(m_port);
    if (!connected.ok)
        return Result::failure(connected.error);
    m_fd = connected.value;
    return Result::success();
}

HttpAnswer HttpClient::requestProfile(const QString &username, const QByteArray &source)
{
    return post("/api/profile/" + username.toUtf8().toPercentEncoding() +
        "/request?source=" + source.toPercentEncoding());
}

HttpAnswer HttpClient::send(const QByteArray &method, const QByteArray &target)
{
    HttpAnswer answer;
    QElapsedTimer timer;
    timer.start();
    if (const Result connected = ensureConnected(); !connected.ok) {
        answer.error = connected.error;
        return answer;
    }
    const QByteArray request =
        method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
    if (!writeAll(m_fd, request)) {
        answer.error = QStringLiteral("write failed");
        disconnect();
        return answer;
    }
    qsizetype headEnd = -1;
    qint64 contentLength = -1;
    for (;;) {
        if (headEnd < 0) {
            headEnd = m_buffer.indexOf("\r\n\r\n");
            if (headEnd >= 0) {
                const QList<QByteArray> lines = m_buffer.left(headEnd).split('\n');
                const QList<QByteArray> statusLine = lines.value(0).split(' ');
                answer.status = statusLine.value(1).toInt();
                contentLength = 0;
                for (const QByteArray &line : lines) {
                    if (line.toLower().startsWith("content-length:"))
                        contentLength = line.mid(15).trimmed().toLongLong();
                }
            }
        }
        if (headEnd >= 0 && m_buffer.size() >= headEnd + 4 + contentLength) {
            answer.body = m_buffer.mid(headEnd + 4, contentLength);
            m_buffer.remove(0, headEnd + 4 + contentLength);
            // 1xx interim answers carry no body: wait for the real one.
            if (answer.status >= 100 && answer.status < 200) {
                headEnd = -1;
                continue;
            }
            answer.milliseconds = timer.elapsed();
            return answer;
        }
        const qint64 left = m_timeoutMs - timer.elapsed();
        pollfd pfd = { m_fd, POLLIN, 0 };
        const int ready = left > 0 ? ::poll(&pfd, 1, int(left)) : 0;
        if (ready < 0 && errno == EINTR)
            continue;
        char chunk[16384];
        const ssize_t n = ready > 0 ? ::recv(m_fd, chunk, sizeof chunk, 0) : -1;
        if (n <= 0) {
            answer.status = 0;
            answer.body.clear();
            answer.error = ready == 0 ? QStringLiteral("timed out") : QStringLiteral("closed");
            answer.milliseconds = timer.elapsed();
            disconnect();
            return answer;
        }
        m_buffer.append(chunk, n);
    }
}

} // namespace ViralSpot::Robustness
