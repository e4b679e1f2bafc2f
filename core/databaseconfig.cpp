#include "core/databaseconfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

namespace ViralSpot {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct DatabaseConfigText
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::DatabaseConfig)
};

} // namespace

bool DatabaseConfig::isTransactionPooler() const
{
    if (engine != Engine::PostgreSQL)
        return false;
    if (option(QStringLiteral("pool_mode"))
            .compare(QLatin1String("transaction"), Qt::CaseInsensitive) == 0)
        return true;
    return port == 6543 &&
        host.endsWith(QLatin1String(".pooler.supabase.com"), Qt::CaseInsensitive);
}

QString DatabaseConfig::libpqOptions() const
{
    DatabaseConfig copy = *this;
    copy.setOption(QStringLiteral("pool_mode"), QString());
    return copy.options;
}

ValueResult<DatabaseConfig> DatabaseConfig::fromUrl(const QString &url)
{
    using Parsed = ValueResult<DatabaseConfig>;
    DatabaseConfig config;
    const QString trimmed = url.trimmed();
    auto fail = [](const QString &why) { return Parsed::failure(why); };

    if (trimmed.startsWith(QLatin1String("sqlite:"), Qt::CaseInsensitive)) {
        QString path = trimmed.mid(7);
        if (path.startsWith(QLatin1String("//")))
            path = path.mid(2); // sqlite:///abs/path and sqlite://relative/path
        if (path.isEmpty())
            return fail(DatabaseConfigText::tr("The SQLite URL names no file: use sqlite:PATH."));
        if (path.contains(QChar::Null))
            return fail(DatabaseConfigText::tr("The SQLite path contains a NUL character."));
        if (path.startsWith(QLatin1String("~/")))
            path = QDir::homePath() + path.mid(1);
        config.engine = Engine::SQLite;
        // Relative to the current folder. Not through QDir::absoluteFilePath(): it takes a
        // path starting with ':' for a Qt resource and leaves it alone ("sqlite::/.." became
        // ".", which reads back as the current folder; found by fuzz_databaseconfig).
        if (!path.startsWith(QLatin1Char('/')))
            path = QDir::currentPath() + QLatin1Char('/') + path;
        config.sqlitePath = QDir::cleanPath(path);
        return Parsed::success(config);
    }

    const bool isPostgres =
        trimmed.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) ||
        trimmed.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
    if (!isPostgres) {
        if (trimmed.isEmpty())
            return fail(DatabaseConfigText::tr("The database URL is empty."));
        return fail(DatabaseConfigText::tr("Unsupported database URL \"%1\": use sqlite:PATH or "
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
        return fail(
            DatabaseConfigText::tr("The PostgreSQL URL is not valid: %1").arg(why.left(200)));
    }

    config.engine = Engine::PostgreSQL;
    config.host = parsed.host(QUrl::FullyDecoded);
    config.port = parsed.port(5432);
    if (config.port <= 0 || config.port > 65535)
        return fail(DatabaseConfigText::tr("The PostgreSQL port must be between 1 and 65535."));
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
            return fail(DatabaseConfigText::tr(
                "The PostgreSQL URL option \"%1\" is not a plain key=value pair.")
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
        return fail(DatabaseConfigText::tr("The PostgreSQL URL names no database: add /dbname."));
    return Parsed::success(config);
}

namespace {

// A provider's strings are often pasted with the password as typed: "p@ss/w%rd" is no valid
// URL. Supabase's dashboard also shows "[YOUR-PASSWORD]" in place of the password.
const QLatin1String SupabasePasswordPlaceholder("[YOUR-PASSWORD]");

bool isSupabaseHost(const QString &host)
{
    return host.endsWith(QLatin1String(".supabase.co"), Qt::CaseInsensitive) ||
        host.endsWith(QLatin1String(".supabase.com"), Qt::CaseInsensitive);
}

// Characters that cannot stand unencoded in a URL's user:password part, and '%' that is no
// percent-escape.
bool needsEncoding(const QString &userInfo)
{
    static const QRegularExpression bad(QStringLiteral(R"([@\[\]/?#\s]|%(?![0-9A-Fa-f]{2}))"));
    return userInfo.contains(bad);
}

// "postgresql://user:pa@ss@host/db" → "postgresql://user:pa%40ss@host/db". Only the part up
// to the last '@' is user information; a host name never holds '@'.
QString encodeUserInfo(const QString &url)
{
    const qsizetype start = url.indexOf(QLatin1String("://")) + 3;
    const qsizetype at = url.lastIndexOf(QLatin1Char('@'));
    if (start < 3 || at < start)
        return url;
    const QString userInfo = url.mid(start, at - start);
    const bool placeholder = userInfo.endsWith(QLatin1Char(':') + SupabasePasswordPlaceholder);
    if (!placeholder && !needsEncoding(userInfo))
        return url;
    const qsizetype colon = userInfo.indexOf(QLatin1Char(':'));
    const QString user = colon < 0 ? userInfo : userInfo.left(colon);
    const QString password = colon < 0 || placeholder ? QString() : userInfo.mid(colon + 1);
    QString encoded = QString::fromLatin1(QUrl::toPercentEncoding(user));
    if (!password.isEmpty())
        encoded += QLatin1Char(':') + QString::fromLatin1(QUrl::toPercentEncoding(password));
    return url.left(start) + encoded + url.mid(at);
}

using KeywordValues = QList<QPair<QString, QString>>;

// libpq's keyword=value form: values bare or in single quotes, '\' escapes the next
// character. Fails on a malformed string.
ValueResult<KeywordValues> parseKeywordValue(const QString &text)
{
    using Parsed = ValueResult<KeywordValues>;
    KeywordValues pairs;
    qsizetype i = 0;
    const qsizetype n = text.size();
    auto skipSpace = [&] {
        while (i < n && text.at(i).isSpace())
            ++i;
    };
    while (true) {
        skipSpace();
        if (i >= n)
            return Parsed::success(pairs);
        const qsizetype keyStart = i;
        while (i < n && !text.at(i).isSpace() && text.at(i) != QLatin1Char('='))
            ++i;
        const QString key = text.mid(keyStart, i - keyStart);
        skipSpace();
        if (key.isEmpty() || i >= n || text.at(i) != QLatin1Char('=')) {
            return Parsed::failure(DatabaseConfigText::tr(
                "The connection string is not keyword=value pairs (at \"%1\").")
                                       .arg(key.left(40)));
        }
        ++i;
        skipSpace();
        QString value;
        if (i < n && text.at(i) == QLatin1Char('\'')) {
            ++i;
            bool closed = false;
            while (i < n) {
                const QChar c = text.at(i++);
                if (c == QLatin1Char('\\') && i < n) {
                    value += text.at(i++);
                } else if (c == QLatin1Char('\'')) {
                    closed = true;
                    break;
                } else {
                    value += c;
                }
            }
            if (!closed) {
                return Parsed::failure(DatabaseConfigText::tr(
                    "The connection string has an unterminated quote after \"%1=\".")
                                           .arg(key.left(40)));
            }
        } else {
            while (i < n && !text.at(i).isSpace()) {
                const QChar c = text.at(i++);
                if (c == QLatin1Char('\\') && i < n)
                    value += text.at(i++);
                else
                    value += c;
            }
        }
        pairs.append({ key, value });
    }
}

} // namespace

ValueResult<DatabaseConfig> DatabaseConfig::fromConnectionString(const QString &text)
{
    using Parsed = ValueResult<DatabaseConfig>;
    const QString trimmed = text.trimmed();
    DatabaseConfig config;
    const bool url = trimmed.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) ||
        trimmed.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive);
    if (url || trimmed.startsWith(QLatin1String("sqlite:"), Qt::CaseInsensitive) ||
        !trimmed.contains(QLatin1Char('='))) {
        const Parsed parsed = fromUrl(url ? encodeUserInfo(trimmed) : trimmed);
        if (!parsed.ok)
            return parsed;
        config = parsed.value;
    } else {
        const ValueResult<KeywordValues> parsed = parseKeywordValue(trimmed);
        if (!parsed.ok)
            return Parsed::failure(parsed.error);
        const KeywordValues &pairs = parsed.value;
        config.engine = Engine::PostgreSQL;
        QString hostaddr;
        QString port;
        for (const auto &[key, value] : std::as_const(pairs)) {
            if (key == QLatin1String("host")) {
                config.host = value;
            } else if (key == QLatin1String("port")) {
                port = value;
            } else if (key == QLatin1String("dbname")) {
                config.databaseName = value;
            } else if (key == QLatin1String("user")) {
                config.user = value;
            } else if (key == QLatin1String("password")) {
                config.password = value == SupabasePasswordPlaceholder ? QString() : value;
            } else {
                // libpq's keywords are lower-case words ("sslmode", "connect_timeout").
                static const QRegularExpression keyword(QStringLiteral("^[a-z_]+$"));
                if (!keyword.match(key).hasMatch())
                    return Parsed::failure(
                        DatabaseConfigText::tr("\"%1\" is not a connection option.")
                            .arg(key.left(100)));
                if (value.contains(QLatin1Char(';')) || value.contains(QLatin1Char(' '))) {
                    return Parsed::failure(DatabaseConfigText::tr(
                        "The connection option \"%1\" cannot be used here (it holds ';' "
                        "or a space).")
                                               .arg(key.left(100)));
                }
                if (key == QLatin1String("hostaddr"))
                    hostaddr = value;
                config.setOption(key, value);
            }
        }
        if (!port.isEmpty()) {
            bool ok = false;
            config.port = port.toInt(&ok);
            if (!ok || config.port <= 0 || config.port > 65535)
                return Parsed::failure(
                    DatabaseConfigText::tr("The PostgreSQL port must be between 1 and 65535."));
        }
        if (config.host.isEmpty())
            config.host = hostaddr.isEmpty() ? QStringLiteral("localhost") : hostaddr;
        if (config.databaseName.isEmpty())
            config.databaseName = config.user.isEmpty() ? QStringLiteral("postgres") : config.user;
    }
    if (config.engine == Engine::PostgreSQL && isSupabaseHost(config.host) &&
        config.sslMode().isEmpty()) {
        config.setOption(QStringLiteral("sslmode"),
            config.sslRootCert().isEmpty() ? QStringLiteral("require")
                                           : QStringLiteral("verify-full"));
    }
    return Parsed::success(config);
}

bool DatabaseConfig::looksLikeConnectionString(const QString &text)
{
    static const QRegularExpression keyword(
        QStringLiteral(R"((^|\s)(host|hostaddr|port|dbname|user|password|sslmode)\s*=)"));
    const QString trimmed = text.trimmed();
    return trimmed.startsWith(QLatin1String("postgresql://"), Qt::CaseInsensitive) ||
        trimmed.startsWith(QLatin1String("postgres://"), Qt::CaseInsensitive) ||
        trimmed.contains(keyword);
}

QStringList DatabaseConfig::sslModes()
{
    return { QStringLiteral("disable"), QStringLiteral("allow"), QStringLiteral("prefer"),
        QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full") };
}

QString DatabaseConfig::option(const QString &key) const
{
    for (const QString &pair : options.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype eq = pair.indexOf(QLatin1Char('='));
        if (pair.left(eq) == key)
            return eq < 0 ? QString() : pair.mid(eq + 1);
    }
    return {};
}

void DatabaseConfig::setOption(const QString &key, const QString &value)
{
    QStringList pairs;
    bool replaced = false;
    for (const QString &pair : options.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        if (pair.left(pair.indexOf(QLatin1Char('='))) != key) {
            pairs << pair;
        } else if (!replaced && !value.isEmpty()) {
            pairs << key + QLatin1Char('=') + value;
            replaced = true;
        }
    }
    if (!replaced && !value.isEmpty())
        pairs << key + QLatin1Char('=') + value;
    options = pairs.join(QLatin1Char(';'));
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
