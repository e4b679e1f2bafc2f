#pragma once

#include "core/http/transport/connection.h"

#include <QList>
#include <QTcpServer>
#include <QTimer>

namespace ViralSpot::Http {

// The listening socket handed to QAbstractHttpServer::bind(): it creates our Connection
// sockets (limits, ordering), refuses connections above the limit and drives the timeouts.
// Qt 6.4 work-around: our own QTcpServer subclass is the only way to put our Connection (limits,
// timeouts) under QAbstractHttpServer; needed as long as Connection is (see there). The
// connection limit is ours: no Qt release up to 6.10 has one.
class Listener final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Listener)

public:
    Listener(const ConnectionLimits &limits, int maxConnections, Connection::Logger logger,
        QObject *parent = nullptr);

    int connectionCount() const { return int(m_connections.size()); }
    // Shutdown: every connection writes what is answered and closes.
    void finishConnections();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void checkTimeouts();

    ConnectionLimits m_limits;
    int m_maxConnections;
    Connection::Logger m_logger;
    QList<Connection *> m_connections;
    QTimer m_timeouts;
};

} // namespace ViralSpot::Http
