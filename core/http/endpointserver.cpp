#include "core/http/endpointserver.h"

#include "core/http/api/frontend.h"
#include "core/http/db/databaseworkers.h"
#include "core/http/httplogging.h"
#include "core/http/transport/listener.h"

#include <QCoreApplication>
#include <QPointer>

namespace ViralSpot::Http {

EndpointServer::EndpointServer(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<RequestLogEntry>();
}

EndpointServer::~EndpointServer()
{
    stop();
}

Result EndpointServer::start(const EndpointSettings &settings)
{
    if (isListening())
        return Result::failure(tr("The endpoint is already running on %1.").arg(url()));
    if (Result valid = settings.validate(); !valid.ok)
        return valid;
    m_settings = settings;

    ConnectionLimits limits;
    limits.maxRequestLineBytes = settings.maxRequestLineBytes;
    limits.maxHeaderBytes = settings.maxHeaderBytes;
    limits.maxBodyBytes = settings.maxBodyBytes;
    limits.maxBatchBodyBytes = qMax(settings.maxBodyBytes, settings.maxBatchBodyBytes);
    limits.requestTimeoutMs = settings.requestTimeoutMs;
    limits.idleTimeoutMs = settings.idleTimeoutMs;
    const QPointer<EndpointServer> self(this);
    auto logger = [self](const RequestLogEntry &entry) {
        if (self)
            Q_EMIT self->requestLogged(entry);
    };

    const int writers = settings.writerThreads > 0 ? settings.writerThreads : 1;
    m_writer = std::make_unique<GroupCommitter>(settings.database, nullptr, writers);
    m_reader = std::make_unique<DatabaseReader>(settings.database);
    m_frontend = std::make_unique<Frontend>(settings, m_writer.get(), m_reader.get());
    m_writer->setContext(m_frontend.get()); // answers are delivered on the HTTP thread

    auto listener = std::make_unique<Listener>(limits, settings.maxConnections, logger);
    if (!listener->listen(settings.bindAddress, settings.port)) {
        const QString error = tr("Cannot listen on %1 port %2: %3")
                                  .arg(settings.bindAddress.toString())
                                  .arg(settings.port)
                                  .arg(listener->errorString());
        m_frontend.reset();
        m_writer.reset();
        m_reader.reset();
        return Result::failure(error);
    }
    m_listener = listener.release();
    m_frontend->bind(m_listener); // takes ownership

    m_writer->start();
    m_reader->start();
    qCInfo(lcHttp).noquote() << "listening on" << url() << "database"
                             << settings.database.displayUrl();
    Q_EMIT started(url());
    return Result::success();
}

void EndpointServer::stop()
{
    if (!m_frontend)
        return;
    m_listener->close(); // no new connections
    // Commit and answer what was received. The answers are queued calls to the frontend;
    // deliver them now, then let the connections write them out and close.
    // Writer first: its answers can release status reads waiting behind them on the same
    // connection, which the reader then still runs.
    m_writer->stop();
    QCoreApplication::sendPostedEvents(m_frontend.get(), QEvent::MetaCall);
    m_reader->stop();
    QCoreApplication::sendPostedEvents(m_frontend.get(), QEvent::MetaCall);
    m_listener->finishConnections();
    m_frontend.reset();
    m_listener = nullptr;
    m_writer.reset();
    m_reader.reset();
    qCInfo(lcHttp) << "stopped";
    Q_EMIT stopped();
}

bool EndpointServer::isListening() const
{
    return m_listener && m_listener->isListening();
}

QHostAddress EndpointServer::address() const
{
    return m_listener ? m_listener->serverAddress() : QHostAddress();
}

quint16 EndpointServer::port() const
{
    return m_listener ? m_listener->serverPort() : 0;
}

QString EndpointServer::url() const
{
    const QHostAddress host = address();
    const QString text = host.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + host.toString() + QLatin1Char(']')
        : host.toString();
    return QStringLiteral("http://%1:%2").arg(text).arg(port());
}

int EndpointServer::connectionCount() const
{
    return m_listener ? m_listener->connectionCount() : 0;
}

} // namespace ViralSpot::Http
