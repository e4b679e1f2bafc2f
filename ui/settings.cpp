#include "ui/settings.h"

#include "core/username.h"

#include <array>

namespace ViralSpot::Ui {

namespace {

struct Entry
{
    Settings::Key key;
    const char *name;
    QVariant defaultValue;
};

// The one table of keys and defaults.
const std::array<Entry, 22> &table()
{
    static const std::array<Entry, 22> entries = { {
        { Settings::Key::DatabaseEngine, "database/engine", QStringLiteral("sqlite") },
        { Settings::Key::SqlitePath, "database/sqlitePath", QString() },
        { Settings::Key::PgHost, "database/host", QStringLiteral("localhost") },
        { Settings::Key::PgPort, "database/port", 5432 },
        { Settings::Key::PgDatabase, "database/name", QStringLiteral("viralspot") },
        { Settings::Key::PgUser, "database/user", QString() },
        { Settings::Key::PgOptions, "database/options", QString() },
        { Settings::Key::Source, "request/source", QString(Username::DefaultSource.toString()) },
        { Settings::Key::RecentSources, "request/recentSources", QStringList() },
        { Settings::Key::WindowGeometry, "window/geometry", QByteArray() },
        { Settings::Key::WindowState, "window/state", QByteArray() },
        { Settings::Key::LastTab, "window/lastTab", 0 },
        { Settings::Key::SplitterState, "window/bulkSplitter", QByteArray() },
        { Settings::Key::PingIntervalMs, "database/pingIntervalMs", 5000 },
        { Settings::Key::BatchChunkSize, "bulk/chunkSize", 2000 },
        { Settings::Key::EndpointBind, "endpoint/bind", QStringLiteral("127.0.0.1") },
        { Settings::Key::EndpointPort, "endpoint/port", 8080 },
        { Settings::Key::EndpointOrigins, "endpoint/allowedOrigins", QStringList() },
        { Settings::Key::EndpointAutoStart, "endpoint/autoStart", false },
        { Settings::Key::ReadOnly, "general/readOnly", false },
        { Settings::Key::RefreshIntervalMs, "queue/refreshIntervalMs", 5000 },
        { Settings::Key::BatchNotifications, "batches/notifications", true },
    } };
    return entries;
}

const Entry &entry(Settings::Key key)
{
    const auto &e = table().at(static_cast<std::size_t>(key));
    Q_ASSERT(e.key == key); // the table is in enum order
    return e;
}

} // namespace

Settings::Settings() = default;

Settings::Settings(const QString &iniFile)
    : m_settings(iniFile, QSettings::IniFormat)
{ }

QString Settings::keyName(Key key)
{
    return QString::fromLatin1(entry(key).name);
}

QVariant Settings::defaultValue(Key key)
{
    return entry(key).defaultValue;
}

QVariant Settings::value(Key key) const
{
    return m_settings.value(keyName(key), defaultValue(key));
}

void Settings::setValue(Key key, const QVariant &value)
{
    m_settings.setValue(keyName(key), value);
}

void Settings::reset(Key key)
{
    m_settings.remove(keyName(key));
}

void Settings::sync()
{
    m_settings.sync();
}

QString Settings::fileName() const
{
    return m_settings.fileName();
}

DatabaseConfig Settings::databaseConfig() const
{
    DatabaseConfig config;
    if (value(Key::DatabaseEngine).toString() == QLatin1String("postgresql")) {
        config.engine = DatabaseConfig::Engine::PostgreSQL;
        config.host = value(Key::PgHost).toString();
        config.port = value(Key::PgPort).toInt();
        config.databaseName = value(Key::PgDatabase).toString();
        config.user = value(Key::PgUser).toString();
        config.options = value(Key::PgOptions).toString();
        return config;
    }
    const QString path = value(Key::SqlitePath).toString();
    if (path.isEmpty())
        return DatabaseConfig::fromUrl(DatabaseConfig::defaultUrl()).value;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = path;
    return config;
}

void Settings::setDatabaseConfig(const DatabaseConfig &config)
{
    if (config.engine == DatabaseConfig::Engine::PostgreSQL) {
        setValue(Key::DatabaseEngine, QStringLiteral("postgresql"));
        setValue(Key::PgHost, config.host);
        setValue(Key::PgPort, config.port);
        setValue(Key::PgDatabase, config.databaseName);
        setValue(Key::PgUser, config.user);
        setValue(Key::PgOptions, config.options);
    } else {
        setValue(Key::DatabaseEngine, QStringLiteral("sqlite"));
        setValue(Key::SqlitePath, config.sqlitePath);
    }
}

QString Settings::source() const
{
    const QString s = value(Key::Source).toString();
    return s.isEmpty() ? Username::DefaultSource.toString() : s;
}

void Settings::setSource(const QString &source)
{
    setValue(Key::Source, source);
    QStringList recent = recentSources();
    recent.removeAll(source);
    recent.prepend(source);
    while (recent.size() > 10)
        recent.removeLast();
    setValue(Key::RecentSources, recent);
}

QStringList Settings::recentSources() const
{
    return value(Key::RecentSources).toStringList();
}

QByteArray Settings::windowGeometry() const
{
    return value(Key::WindowGeometry).toByteArray();
}

void Settings::setWindowGeometry(const QByteArray &geometry)
{
    setValue(Key::WindowGeometry, geometry);
}

QByteArray Settings::windowState() const
{
    return value(Key::WindowState).toByteArray();
}

void Settings::setWindowState(const QByteArray &state)
{
    setValue(Key::WindowState, state);
}

QByteArray Settings::splitterState() const
{
    return value(Key::SplitterState).toByteArray();
}

void Settings::setSplitterState(const QByteArray &state)
{
    setValue(Key::SplitterState, state);
}

int Settings::lastTab() const
{
    return value(Key::LastTab).toInt();
}

void Settings::setLastTab(int index)
{
    setValue(Key::LastTab, index);
}

int Settings::pingIntervalMs() const
{
    return qMax(100, value(Key::PingIntervalMs).toInt());
}

QList<int> Settings::refreshIntervalChoicesMs()
{
    return { 0, 1000, 5000, 30000 };
}

int Settings::refreshIntervalMs() const
{
    const int stored = value(Key::RefreshIntervalMs).toInt();
    int nearest = 0;
    for (const int choice : refreshIntervalChoicesMs()) {
        if (qAbs(choice - stored) < qAbs(nearest - stored))
            nearest = choice;
    }
    return nearest;
}

void Settings::setRefreshIntervalMs(int ms)
{
    setValue(Key::RefreshIntervalMs, ms);
}

int Settings::batchChunkSize() const
{
    return qMax(1, value(Key::BatchChunkSize).toInt());
}

QString Settings::endpointBind() const
{
    return value(Key::EndpointBind).toString();
}

int Settings::endpointPort() const
{
    return value(Key::EndpointPort).toInt();
}

QStringList Settings::endpointOrigins() const
{
    return value(Key::EndpointOrigins).toStringList();
}

bool Settings::endpointAutoStart() const
{
    return value(Key::EndpointAutoStart).toBool();
}

bool Settings::batchNotifications() const
{
    return value(Key::BatchNotifications).toBool();
}

void Settings::setBatchNotifications(bool on)
{
    setValue(Key::BatchNotifications, on);
}

} // namespace ViralSpot::Ui
