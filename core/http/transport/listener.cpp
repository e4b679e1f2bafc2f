#include "core/http/transport/listener.h"

#include "core/http/httplogging.h"

namespace ViralSpot::Http {

Listener::Listener(
    const ConnectionLimits &limits, int maxConnections, Connection::Logger logger, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
    , m_maxConnections(maxConnections)
    , m_logger(std::move(logger))
{
    const int shortest = qMin(m_limits.requestTimeoutMs, m_limits.idleTimeoutMs);
    m_timeouts.setInterval(qBound(20, shortest / 4, 1000));
    connect(&m_timeouts, &QTimer::timeout, this, &Listener::checkTimeouts);
    m_timeouts.start();
    setListenBacklogSize(1024); // bursts of connecting clients (Qt's default is 50)
    setMaxPendingConnections(1024);
}

void Listener::incomingConnection(qintptr socketDescriptor)
{
    if (m_connections.size() >= m_maxConnections) {
        QTcpSocket refused;
        refused.setSocketDescriptor(socketDescriptor);
        refused.abort();
        qCWarning(lcHttp) << "connection refused: already" << m_connections.size() << "connections";
        return;
    }
    auto *connection = new Connection(m_limits, m_logger, this);
    if (!connection->setSocketDescriptor(socketDescriptor)) {
        delete connection;
        return;
    }
    m_connections.append(connection);
    connect(connection, &QObject::destroyed, this,
        [this, connection] { m_connections.removeOne(connection); });
    addPendingConnection(connection);
}

void Listener::checkTimeouts()
{
    const qint64 now = Connection::monotonicMs();
    const QList<Connection *> connections = m_connections; // a check may close one
    for (Connection *connection : connections)
        connection->checkTimeouts(now);
}

void Listener::finishConnections()
{
    m_timeouts.stop();
    const QList<Connection *> connections = m_connections;
    for (Connection *connection : connections)
        connection->finish();
}

} // namespace ViralSpot::Http
