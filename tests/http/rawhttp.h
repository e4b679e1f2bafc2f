#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTcpSocket>

namespace ViralSpot::Test {

// One HTTP/1.1 response read off a raw socket.
struct RawResponse
{
    int status = 0;
    QByteArray head; // status line and headers
    QByteArray body;

    QByteArray header(const QByteArray &name) const; // case-insensitive, first match
    QJsonObject json() const;
};

// Takes one complete response (Content-Length framed) off the front of `buffer`.
bool takeResponse(QByteArray &buffer, RawResponse *response);

// "METHOD target HTTP/1.1" with Host and the given extra header lines, no body.
QByteArray rawRequest(
    const QByteArray &method, const QByteArray &target, const QList<QByteArray> &headerLines = {});

// A blocking keep-alive client for worker threads (tests against another process).
class BlockingClient
{
public:
    BlockingClient(const QHostAddress &address, quint16 port);
    // Sends and waits for the answer; status 0 when the connection failed or closed.
    RawResponse send(const QByteArray &method, const QByteArray &target,
        const QList<QByteArray> &headerLines = {}, int timeoutMs = 30000);

private:
    QHostAddress m_address;
    quint16 m_port;
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// An asynchronous exchange on the test's own thread (the server in process needs the event
// loop): connects, writes `data`, collects responses until the peer closes.
class RawExchange final : public QObject
{
    Q_OBJECT

public:
    RawExchange(const QHostAddress &address, quint16 port, QObject *parent = nullptr);
    void send(const QByteArray &data);

    bool isConnected() const { return m_connected; }
    bool isClosed() const { return m_closed; }
    const QList<RawResponse> &responses() const { return m_responses; }
    QTcpSocket &socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
    QList<RawResponse> m_responses;
    bool m_connected = false;
    bool m_closed = false;
};

} // namespace ViralSpot::Test
