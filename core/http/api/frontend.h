#pragma once

#include "connection.h"
#include "endpointsettings.h"
#include "recentfailures.h"

#include <QAbstractHttpServer>
#include <QPointer>
#include <QTimer>

#include <deque>

namespace ViralSpot::Http {

class DatabaseReader;
class GroupCommitter;

// The routes of SPEC 3 on QAbstractHttpServer. We route ourselves instead of using QHttpServer's
// router: 405 for a wrong method on a known path, JSON 404, authentication, CORS and request
// order handled in one place, and no QFuture handlers (unsafe in 6.4.2). Runs on one thread
// (the HTTP thread) and never waits on SQL: database work goes to the writer (group commit) or
// the reader, and the answer comes back as a queued call.
class Frontend final : public QAbstractHttpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Frontend)

public:
    Frontend(const EndpointSettings &settings, GroupCommitter *writer, DatabaseReader *reader,
        QObject *parent = nullptr);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    enum class Route
    {
        None,
        Health,
        Live,
        ProfileRequest,
        ProfileStatus
    };

    void dispatch(const QHttpServerRequest &request, Connection *connection,
        const Connection::PendingPtr &pending, bool corsAllowed);
    bool authorized(const QByteArray &authorization) const;
    void watchDeadline(Connection *connection, const Connection::PendingPtr &pending);
    void expireDeadlines();

    struct Deadline
    {
        qint64 atMs;
        QPointer<Connection> connection;
        std::weak_ptr<Connection::Pending> pending;
    };

    int m_databaseTimeoutMs;
    bool m_readOnly;
    QByteArray m_tokenHash; // SHA-256 of the token; empty: no authentication
    QStringList m_allowedOrigins;
    GroupCommitter *m_writer;
    DatabaseReader *m_reader;
    std::deque<Deadline> m_deadlines; // in arrival order = deadline order
    QTimer m_deadlineTimer;
    RecentFailures m_failures; // requests' database errors, for /health
};

} // namespace ViralSpot::Http
