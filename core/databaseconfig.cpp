#include "databaseconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

namespace ViralSpot {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("DatabaseConfig", text);
}

} // namespace

DatabaseConfig DatabaseConfig::fromUrl(const QString &url, QString *error)
{
    DatabaseConfig config;
    const QString trimmed = url.trimmed();
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return DatabaseConfig {};
    };
    if (error)
        error->clear();

    if (trimmed.startsWith(QLatin1String("sqlite:"), Qt::CaseInsensitive)) {
        QString path = trimmed.mid(7);
        if (path.startsWith(QLatin1String("//")))
            path = path.mid(2); // sqlite:///abs/path and sqlite://relative/path
        if (path.isEmpty())
            return fail(tr("The SQLite URL names no file: use sqlite:PATH."));
        if (path.contains(QChar::Null))
            return fail(tr("The SQLite path contains a NUL character."));
        if (path.startsWith(QLatin1String("~/")))
            path = QDir::homePath() + path.mid(1);
        config.engine = Engine::SQLite;
        // Relative to the current folder. Not through QDir::absoluteFilePath(): it takes a
        // path starting with ':' for a Qt resource and leaves it alone ("sqlite::/.." became
        // ".", which reads back as the current folder; found by fuzz_databaseconfig).
        if (!path.startsWith(QLatin1Char('/')))
            path = QDir::currentPath() + QLatin1Char('/') + path;
        config.sqlitePath = QDir::cleanPath(path);
        return config;
    }

    const bool isPostgres =
        trimmed.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) ||
        trimmed.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
    if (!isPostgres) {
        if (trimmed.isEmpty())
            return fail(tr("The database URL is empty."));
        return fail(tr("Unsupported database URL \"%1\": use sqlite:PATH or "
                       "postgresql://user[:password]@host[:port]/dbname.")
                        .arg(trimmed.left(200)));
    }

    const QUrl parsed(trimmed, QUrl::StrictMode);
    if (!parsed.isValid()) {
        // QUrl's message quotes the whole URL, password included: keep only the reason.
        QString why = parsed.errorString();
        const qsizetype source = why.indexOf(QLatin1String("; source was"));
        if (source >= 0)
            why.truncate(source);
        return fail(tr("The PostgreSQL URL is not valid: %1").arg(why.left(200)));
    }

    config.engine = Engine::PostgreSQL;
    config.host = parsed.host(QUrl::FullyDecoded);
    config.port = parsed.port(5432);
    if (config.port <= 0 || config.port > 65535)
        return fail(tr("The PostgreSQL port must be between 1 and 65535."));
    config.user = parsed.userName(QUrl::FullyDecoded);
    config.password = parsed.password(QUrl::FullyDecoded);
    config.databaseName = parsed.path(QUrl::FullyDecoded);
    if (config.databaseName.startsWith(QLatin1Char('/')))
        config.databaseName.remove(0, 1);

    QStringList options;
    const QUrlQuery query(parsed);
    for (const auto &item : query.queryItems(QUrl::FullyDecoded)) {
        const QString key = item.first;
        const QString value = item.second;
        // Options are kept as "key=value;…": a key holding '=' (from "%3D") would split
        // differently when read back, and no libpq option name has one.
        if (key.isEmpty() || key.contains(QLatin1Char('=')) || key.contains(QLatin1Char(';')) ||
            value.contains(QLatin1Char(';')) || key.contains(QLatin1Char(' ')) ||
            value.contains(QLatin1Char(' ')))
            return fail(tr("The PostgreSQL URL option \"%1\" is not a plain key=value pair.")
                            .arg(key.left(100)));
        if (key == QLatin1String("host") && config.host.isEmpty()) {
            config.host = value; // a Unix socket folder, as libpq allows
            continue;
        }
        options << key + QLatin1Char('=') + value;
    }
    config.options = options.join(QLatin1Char(';'));
    if (config.host.isEmpty())
        config.host = QStringLiteral("localhost");
    if (config.databaseName.isEmpty())
        return fail(tr("The PostgreSQL URL names no database: add /dbname."));
    return config;
}

QString DatabaseConfig::defaultUrl()
{
    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return QStringLiteral("sqlite:") + dataDir + QStringLiteral("/viralspot-admin/queue.sqlite");
}

QString DatabaseConfig::resolveUrl(const QString &commandLineValue)
{
    if (!commandLineValue.isEmpty())
        return commandLineValue;
    const QString fromEnvironment = qEnvironmentVariable("VIRALSPOT_DATABASE_URL");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return defaultUrl();
}

static QString buildUrl(const DatabaseConfig &config, bool maskPassword)
{
    if (config.engine == DatabaseConfig::Engine::SQLite)
        return QStringLiteral("sqlite:") + config.sqlitePath;
    QUrl url;
    url.setScheme(QStringLiteral("postgresql"));
    // A host that is no URL host as it is (a Unix socket folder from ?host=/path, or any
    // ?host= value QUrl would reject or change) goes back to the query, so that the URL
    // parses to this same configuration again.
    url.setHost(config.host, QUrl::DecodedMode);
    const bool hostInQuery = url.host(QUrl::FullyDecoded) != config.host;
    if (hostInQuery)
        url.setHost(QString());
    url.setPort(config.port);
    url.setUserName(config.user);
    if (!config.password.isEmpty())
        url.setPassword(maskPassword ? QStringLiteral("***") : config.password);
    url.setPath(QLatin1Char('/') + config.databaseName);
    // QUrlQuery takes items percent-encoded: a literal '%' must go in as "%25".
    const auto literal = [](QString text) {
        return text.replace(QLatin1Char('%'), QLatin1String("%25"));
    };
    QUrlQuery query;
    if (hostInQuery)
        query.addQueryItem(QStringLiteral("host"), literal(config.host));
    for (const QString &pair : config.options.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        query.addQueryItem(literal(pair.left(eq)), literal(pair.mid(eq + 1)));
    }
    if (!query.isEmpty())
        url.setQuery(query);
    return url.toString(QUrl::FullyEncoded);
}

QString DatabaseConfig::displayUrl() const
{
    return buildUrl(*this, true);
}

QString DatabaseConfig::toUrl() const
{
    return buildUrl(*this, false);
}

} // namespace ViralSpot
