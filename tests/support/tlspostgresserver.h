#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace ViralSpot::Test {

// A private PostgreSQL server that accepts TLS connections only, as hosted PostgreSQL does:
// ssl=on and a pg_hba.conf with `hostssl` lines and no `host` line, so a plain connection is
// refused by the server. Its certificates are made by start() with the openssl command: a
// CA, a server certificate from it for localhost and 127.0.0.1 (subjectAltName), and a
// second, unrelated CA for "wrong root certificate" cases.
// initdb/pg_ctl run as the `postgres` user when the test runs as root. The destructor stops
// the server; a watchdog process stops it too if the test dies without running it.
class TlsPostgresServer final
{
public:
    TlsPostgresServer();
    ~TlsPostgresServer();
    TlsPostgresServer(const TlsPostgresServer &) = delete;
    TlsPostgresServer &operator=(const TlsPostgresServer &) = delete;

    Result start();
    void stop();

    int port() const { return m_port; }
    QString caFile() const; // the CA that signed the server's certificate (PEM)
    QString wrongCaFile() const; // a CA that signed nothing the server has
    QString serverLog() const;

    // postgresql://postgres@HOST:PORT/postgres?sslmode=MODE[&sslrootcert=FILE][&EXTRA]
    QString url(const QString &sslMode, const QString &rootCert = {},
        const QString &host = QStringLiteral("127.0.0.1"), const QString &extra = {}) const;
    // sslmode=verify-full with the right CA: the connection a careful user makes.
    QString verifiedUrl() const { return url(QStringLiteral("verify-full"), caFile()); }

private:
    Result run(
        const QString &program, const QStringList &args, bool asPostgres, int timeoutMs = 60000);
    Result makeCertificates();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_bin;
    int m_port = 0;
    bool m_running = false;
};

} // namespace ViralSpot::Test
