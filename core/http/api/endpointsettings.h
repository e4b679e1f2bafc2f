#pragma once

#include "core/databaseconfig.h"
#include "core/result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QStringList>

namespace ViralSpot::Http {

// Everything the endpoint needs to start. Defaults are the safe ones (contract: Endpoint).
struct EndpointSettings
{
    QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 port = 0; // 0: any free port (EndpointServer::port() tells which)

    // API token. Empty: no authentication, which is allowed on a loopback address only.
    // Read it with readTokenFile() or tokenFromEnvironment(), never from a command-line value.
    QByteArray token;

    // Origins allowed to call from a browser ("https://app.example.com"), exact match.
    QStringList allowedOrigins;

    DatabaseConfig database;

    // Read-only mode (--read-only): status and health are answered, requests to queue get
    // 403 read_only and nothing is written.
    bool readOnly = false;

    // Writer threads (group commit). 0: automatic, one: SQLite has one writer at a time anyway,
    // and on PostgreSQL one writer's larger batches beat two writers' smaller ones (2 cores,
    // local server: new usernames 21k -> 24-26k req/s; 3, 4 and 6 writers were slower still).
    int writerThreads = 0;

    // A request waiting for the database longer than this is answered 503 database_unavailable.
    int databaseTimeoutMs = 4000;
    // A request whose bytes started arriving must be complete within this (else 408, closed).
    int requestTimeoutMs = 10000;
    // A keep-alive connection without any request in flight is closed after this.
    int idleTimeoutMs = 60000;
    // Connections beyond this are closed on accept.
    int maxConnections = 4000;

    // Size limits: request line (414 above it), request line plus headers and body (413).
    int maxRequestLineBytes = 8 * 1024;
    int maxHeaderBytes = 16 * 1024;
    int maxBodyBytes = 64 * 1024;
    // POST /api/batches: its body (413 above it), and the usernames in it (413 above it).
    int maxBatchBodyBytes = 2 * 1024 * 1024;
    int maxBatchUsernames = 10000;

    // Ok when these settings may start a server, else why not (a sentence for the user).
    Result validate() const;

    // The token in `path` without surrounding white space. Fails when the file cannot be read
    // or holds no token.
    static ValueResult<QByteArray> readTokenFile(const QString &path);
    // $VIRALSPOT_API_TOKEN, trimmed (empty when unset).
    static QByteArray tokenFromEnvironment();
};

} // namespace ViralSpot::Http
