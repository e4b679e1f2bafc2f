#pragma once

#include "core/result.h"

#include <QString>
#include <QStringList>

namespace ViralSpot {

// Where the queue lives. Parsed from a database URL (contract: Command line):
//   sqlite:PATH
//   postgresql://user[:password]@host[:port]/dbname[?options]   (postgres:// also accepted)
// libpq's PGPASSWORD and ~/.pgpass apply when no password is given.
struct DatabaseConfig
{
    enum class Engine
    {
        SQLite,
        PostgreSQL
    };

    Engine engine = Engine::SQLite;
    QString sqlitePath;
    QString host;
    int port = 5432;
    QString databaseName;
    QString user;
    QString password;
    QString options; // libpq keyword=value pairs separated by ';' (from the URL's query)

    // Parses a URL. On failure: !ok, why in `error`, and an invalid (default) `value`.
    static ValueResult<DatabaseConfig> fromUrl(const QString &url);

    // Reads a connection string as hosting providers hand it out, pasted whole:
    //  - a postgresql:// URL, also with a password that is not percent-encoded or with
    //    Supabase's "[YOUR-PASSWORD]" placeholder still in it (read as no password);
    //  - libpq's keyword=value form: "host=… port=… dbname=… user=… password=… sslmode=…".
    // A Supabase host (*.supabase.co, *.supabase.com) without an sslmode gets TLS:
    // verify-full when a root certificate is named, else require (Supabase refuses plain
    // connections only when its "enforce SSL" setting is on; the app asks for TLS always).
    // Fails as fromUrl() does.
    static ValueResult<DatabaseConfig> fromConnectionString(const QString &text);
    // True when text is meant as a whole connection string rather than a host name.
    static bool looksLikeConnectionString(const QString &text);

    // libpq's sslmode values, from no TLS to a verified host and certificate chain.
    static QStringList sslModes();
    // One libpq option from options (empty when absent); setOption() with an empty value
    // removes it. The order of the other options is kept.
    QString option(const QString &key) const;
    void setOption(const QString &key, const QString &value);
    QString sslMode() const { return option(QStringLiteral("sslmode")); }
    QString sslRootCert() const { return option(QStringLiteral("sslrootcert")); }

    // The default: a SQLite file in the user's application data folder.
    static QString defaultUrl();

    // --database value if given, else $VIRALSPOT_DATABASE_URL, else defaultUrl().
    static QString resolveUrl(const QString &commandLineValue);

    bool isValid() const
    {
        return engine == Engine::SQLite ? !sqlitePath.isEmpty()
                                        : !host.isEmpty() || !databaseName.isEmpty();
    }

    // True behind a transaction pooler, where a server session lasts one transaction (so
    // LISTEN cannot work): the URL option pool_mode=transaction (the app's own, named after
    // PgBouncer's setting and never passed to libpq), or Supabase's transaction pooler
    // (a *.pooler.supabase.com host on port 6543).
    bool isTransactionPooler() const;
    // The libpq options without the app's own (pool_mode).
    QString libpqOptions() const;

    // The URL with any password masked ("postgresql://user:***@host:5432/db"). Safe for logs.
    QString displayUrl() const;
    // The URL including the password, for handing to a child process.
    QString toUrl() const;
    QString engineName() const
    {
        return engine == Engine::SQLite ? QStringLiteral("SQLite") : QStringLiteral("PostgreSQL");
    }
};

} // namespace ViralSpot
