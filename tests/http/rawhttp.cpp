#include "tests/http/rawhttp.h"

#include <QJsonDocument>

namespace ViralSpot::Test {

QByteArray RawResponse::header(const QByteArray &name) const
{
    const QList<QByteArray> lines = head.split('\n');
    for (const QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

QJsonObject RawResponse::json() const
{
    return QJsonDocument::fromJson(body).object();
}

bool takeResponse(QByteArray &buffer, RawResponse *response)
{
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    RawResponse r;
    r.head = buffer.left(end);
    const QList<QByteArray> statusLine = r.head.left(r.head.indexOf('\r')).split(' ');
    r.status = statusLine.value(1).toInt();
    if (r.status == 100) { // interim answer
        buffer.remove(0, end + 4);
        return takeResponse(buffer, response);
    }
    const qsizetype length = r.header("Content-Length").toLongLong();
    if (buffer.size() < end + 4 + length)
        return false;
    r.body = buffer.mid(end + 4, length);
    buffer.remove(0, end + 4 + length);
    *response = r;
    return true;
}

QByteArray rawRequest(
    const QByteArray &method, const QByteArray &target, const QList<QByteArray> &headerLines)
{
    QByteArray out = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const QByteArray &line : headerLines)
        out += line + "\r\n";
    return out + "\r\n";
}

BlockingClient::BlockingClient(const QHostAddress &address, quint16 port)
    : m_address(address)
    , m_port(port)
{ }

RawResponse BlockingClient::send(const QByteArray &method, const QByteArray &target,
    const QList<QByteArray> &headerLines, int timeoutMs)
{
    if (m_socket.state() != QAbstractSocket::ConnectedState) {
        m_socket.abort();
        m_buffer.clear();
        m_socket.connectToHost(m_address, m_port);
        if (!m_socket.waitForConnected(timeoutMs))
            return {};
    }
    m_socket.write(rawRequest(method, target, headerLines));
    RawResponse response;
    while (!takeResponse(m_buffer, &response)) {
        if (!m_socket.waitForReadyRead(timeoutMs)) {
            m_socket.abort();
            return {};
        }
        m_buffer += m_socket.readAll();
    }
    return response;
}

RawExchange::RawExchange(const QHostAddress &address, quint16 port, QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::connected, this, [this] { m_connected = true; });
    connect(&m_socket, &QTcpSocket::readyRead, this, [this] {
        m_buffer += m_socket.readAll();
        RawResponse response;
        while (takeResponse(m_buffer, &response))
            m_responses.append(response);
    });
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] { m_closed = true; });
    connect(&m_socket, &QTcpSocket::errorOccurred, this, [this] {
        if (m_socket.state() != QAbstractSocket::ConnectedState)
            m_closed = true;
    });
    m_socket.connectToHost(address, port);
}

void RawExchange::send(const QByteArray &data)
{
    m_socket.write(data);
}

} // namespace ViralSpot::Test
