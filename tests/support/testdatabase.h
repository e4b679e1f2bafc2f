#pragma once

#include "core/databaseconfig.h"
#include "core/result.h"

#include <QSqlDatabase>
#include <QString>
#include <QTemporaryDir>
#include <QVariant>

#include <memory>

namespace ViralSpot::Test {

// The newest PostgreSQL server's bin folder (/usr/lib/postgresql/N/bin); empty when none.
QString pgBinDir();
// A TCP port on 127.0.0.1 that nothing listens on right now.
int freePort();

// The engine this test run is for: $VIRALSPOT_TEST_ENGINE ("sqlite", the default,
// "postgresql", or PostgreSQL behind a PgBouncer: "pgbouncer_tx" in pool_mode=transaction,
// "pgbouncer_session" in pool_mode=session).
DatabaseConfig::Engine engine();
QString engineName();

// The pooler in front of PostgreSQL for this run.
enum class Pooler
{
    None,
    Transaction,
    Session
};
Pooler pooler();

// Path of a built program: $VIRALSPOT_BIN_DIR/name (the app) or $VIRALSPOT_TEST_BIN_DIR/name.
QString appBinary();
QString testBinary(const QString &name);

// A fresh, empty database for one test, removed again by the destructor.
// SQLite: a file in a temporary folder. PostgreSQL: a new database on the server named by
// $VIRALSPOT_TEST_PG_URL (an admin URL, e.g. postgresql://postgres@127.0.0.1:5433/postgres);
// isValid() is false with error() saying what is missing when that is not set. With a pooler
// (pooler()), the database is made and dropped directly, and url()/config()/connection() go
// through the PgBouncer named by $VIRALSPOT_TEST_PGBOUNCER_TX_URL or
// $VIRALSPOT_TEST_PGBOUNCER_SESSION_URL (scripts/pgbouncer-throwaway.sh).
class TemporaryDatabase final
{
public:
    explicit TemporaryDatabase(DatabaseConfig::Engine engine = Test::engine());
    ~TemporaryDatabase();
    TemporaryDatabase(const TemporaryDatabase &) = delete;
    TemporaryDatabase &operator=(const TemporaryDatabase &) = delete;

    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    const DatabaseConfig &config() const { return m_config; }
    QString url() const { return m_config.toUrl(); }

    // A private connection of the test thread, for seeding and checking rows.
    QSqlDatabase connection();
    // Runs one statement; returns false and warns on failure.
    bool exec(const QString &sql);
    // The first column of the first row of a query (invalid QVariant on failure).
    QVariant scalar(const QString &sql);
    // Inserts a queue row as a scraper (or an older tool) would: source 'seed', a unique
    // request_id, the given status, priority and attempts. Returns false on failure.
    bool seedQueue(
        const QString &username, const QString &status, const QString &priority, int attempts = 0);

private:
    DatabaseConfig m_config;
    QString m_error;
    QString m_connectionName;
    QString m_pgAdminUrl;
    bool m_created = false; // a PostgreSQL database to drop
    std::unique_ptr<QTemporaryDir> m_dir;
};

} // namespace ViralSpot::Test

namespace ViralSpot::Test {

// A private PostgreSQL server owned by one test, for tests that stop and restart the database
// (outages). Runs initdb/pg_ctl as the `postgres` user when the test runs as root.
class PostgresServer final
{
public:
    PostgresServer();
    ~PostgresServer(); // stops the server and removes its data
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    Result start(); // initdb on first start, then pg_ctl start
    Result stop(); // fast shutdown; data kept for a restart
    bool isRunning() const { return m_running; }
    int port() const { return m_port; }
    // postgresql://postgres@127.0.0.1:PORT/postgres
    QString adminUrl() const;

private:
    Result run(const QString &program, const QStringList &args, int timeoutMs);

    std::unique_ptr<QTemporaryDir> m_dir;
    int m_port = 0;
    bool m_initialized = false;
    bool m_running = false;
};

} // namespace ViralSpot::Test
