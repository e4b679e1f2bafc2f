#pragma once

#include "core/http/api/endpointsettings.h"
#include "core/http/api/recentfailures.h"
#include "core/http/transport/connection.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QPointer>
#include <QTimer>

#include <deque>

namespace ViralSpot::Http {

class DatabaseReader;
class GroupCommitter;

// The routes (contract: Endpoint) on QAbstractHttpServer: a table of routes (path, methods, one
// handler each; routes() in frontend.cpp). We route ourselves instead of using QHttpServer's
// router: 405 for a wrong method on a known path, JSON 404, authentication, CORS and request order
// handled in one place, and no QFuture handlers (Qt 6.4 work-around: a QFuture handler is used
// after free when its client leaves and answers pipelined requests out of order; fixed in 6.5).
// Runs on one thread (the HTTP thread) and never waits on SQL: database work goes to the writer
// (group commit) or the reader, and the answer comes back as a queued call.
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
    // What a route's handler is given: the request, where to answer it, and the username when
    // the route's path has one (already decoded and normalized).
    struct Call
    {
        const QHttpServerRequest &request;
        Connection *connection;
        Connection::PendingPtr pending;
        QString username;
        QString id; // the route's {id} segment, decoded
    };
    // One row of the route table (routes() in frontend.cpp): a path, the methods it answers
    // (anything else is 405 with `allow`; OPTIONS is answered for every route) and its handler.
    struct Route
    {
        QByteArrayList path; // Routes::UsernameSegment stands for the username
        QHttpServerRequest::Methods methods;
        QByteArray allow; // the Allow header: `methods` and OPTIONS
        void (Frontend::*handle)(const Call &call);
    };
    static const QList<Route> &routes();

    void dispatch(const QHttpServerRequest &request, Connection *connection,
        const Connection::PendingPtr &pending, bool corsAllowed);
    void answerPreflight(const Route &route, Connection *connection,
        const Connection::PendingPtr &pending, bool corsAllowed);

    void handleLive(const Call &call);
    void handleHealth(const Call &call);
    void handleProfileStatus(const Call &call);
    void handleProfileRequest(const Call &call);
    void handleBatchCreate(const Call &call);
    void handleBatchStatus(const Call &call);

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
    int m_maxBatchUsernames;
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
