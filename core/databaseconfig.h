#pragma once

#include <QString>

namespace ViralSpot {

// Where the queue lives. Parsed from a database URL (SPEC 4):
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

    // Parses a URL. On failure returns std::nullopt-like invalid config and sets *error.
    static DatabaseConfig fromUrl(const QString &url, QString *error);

    // The default: a SQLite file in the user's application data folder.
    static QString defaultUrl();

    // --database value if given, else $VIRALSPOT_DATABASE_URL, else defaultUrl().
    static QString resolveUrl(const QString &commandLineValue);

    bool isValid() const
    {
        return engine == Engine::SQLite ? !sqlitePath.isEmpty()
                                        : !host.isEmpty() || !databaseName.isEmpty();
    }

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
