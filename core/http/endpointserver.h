#pragma once

#include "core/http/api/endpointsettings.h"
#include "core/http/transport/requestlogentry.h"

#include <QHostAddress>
#include <QObject>

#include <memory>

namespace ViralSpot::Http {

class DatabaseReader;
class Frontend;
class GroupCommitter;
class Listener;

// The embedded HTTP endpoint (contract: Endpoint), for the window's endpoint panel and for
// `viralspot-admin serve`:
//
//   POST /api/profile/{username}/request?source=…   queue a profile (group-committed)
//   GET  /api/profile/{username}/status              where a profile is
//   GET  /health                                     200, or 503 when the database is down
//   GET  /health/live                                200 without touching the database (the
//                                                    liveness probe; also the benchmark's no-op)
//
// Use it from one thread (the one it lives on, usually the main thread): that thread only
// parses and answers; the database work runs on writer threads (group commit: every request
// that arrives while a batch commits joins the next batch, and each is answered once its batch
// has committed with full durability; one writer thread by default) and a reader
// thread (status, health). A request that gets no database answer within databaseTimeoutMs is
// answered 503 database_unavailable. Answers on one connection keep the order of its
// (pipelined) requests, and a status request sees the writes sent before it on the same
// connection. Errors are JSON ({"success": false, "error": {"code", "message"}}): 400
// invalid_username / invalid_source, 401 unauthorized (token set, /api/ only), 403 read_only,
// 404 not_found, 405 method_not_allowed (with Allow), 408, 413, 414, 503. See Connection for the
// limits QtHttpServer 6.4 lacks.
//
//   Http::EndpointServer server;
//   connect(&server, &Http::EndpointServer::requestLogged, panel, &Panel::appendLine);
//   if (const QString error = server.start(settings); !error.isEmpty()) showError(error);
//   ...
//   server.stop(); // answers what is in flight, commits what is pending
class EndpointServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EndpointServer)

public:
    explicit EndpointServer(QObject *parent = nullptr);
    ~EndpointServer() override; // stop()

    // Validates the settings, listens and starts the database threads. On failure the error is
    // a sentence for the user, and nothing is left running.
    Result start(const EndpointSettings &settings);
    // Stops listening, commits every request already received, answers it, closes the
    // connections. Blocks until done (normally milliseconds; bounded by the database timeouts).
    void stop();

    bool isListening() const;
    QHostAddress address() const;
    quint16 port() const; // the actual port (also when settings.port was 0)
    QString url() const; // "http://127.0.0.1:8080"
    const EndpointSettings &settings() const { return m_settings; }
    int connectionCount() const;

Q_SIGNALS:
    // One per request (contract: Endpoint): time, client, method, path, status, milliseconds; no
    // secrets.
    void requestLogged(const ViralSpot::Http::RequestLogEntry &entry);
    void started(const QString &url);
    void stopped();

private:
    EndpointSettings m_settings;
    std::unique_ptr<GroupCommitter> m_writer;
    std::unique_ptr<DatabaseReader> m_reader;
    std::unique_ptr<Frontend> m_frontend; // owns the Listener, which owns the connections
    Listener *m_listener = nullptr;
};

} // namespace ViralSpot::Http
