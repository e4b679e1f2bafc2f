#pragma once

#include "core/databaseconfig.h"

#include <QByteArray>
#include <QSettings>
#include <QStringList>
#include <QVariant>

namespace ViralSpot::Ui {

// The window's settings: one table of keys and defaults (settings.cpp) and typed accessors.
// Secrets (database password, endpoint token) are never stored here: see SecretStore.
class Settings final
{
public:
    enum class Key
    {
        DatabaseEngine, // "sqlite" | "postgresql"
        SqlitePath, // empty: the default file in the application data folder
        PgHost,
        PgPort,
        PgDatabase,
        PgUser,
        PgOptions,
        Source, // last source used
        RecentSources,
        WindowGeometry,
        WindowState,
        LastTab,
        SplitterState,
        PingIntervalMs, // how often the worker checks the database
        BatchChunkSize, // usernames per transaction in a bulk submit
        EndpointBind,
        EndpointPort,
        EndpointOrigins,
        EndpointAutoStart,
        ReadOnly, // look, but never write: no request, no queue action, no endpoint writes
        RefreshIntervalMs, // the queue views' live updates: 0 (off), 1000, 5000 or 30000
        BatchNotifications, // a desktop notification when one of my batches finishes
    };

    Settings();
    // Settings kept in a given INI file (tests, portable use).
    explicit Settings(const QString &iniFile);

    static QString keyName(Key key);
    static QVariant defaultValue(Key key);

    QVariant value(Key key) const;
    void setValue(Key key, const QVariant &value);
    void reset(Key key);
    void sync();
    QString fileName() const;

    // The database as configured, without any password.
    DatabaseConfig databaseConfig() const;
    // Stores everything but the password (which goes to the keychain).
    void setDatabaseConfig(const DatabaseConfig &config);

    QString source() const;
    void setSource(const QString &source);
    QStringList recentSources() const;

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray &state);
    QByteArray splitterState() const;
    void setSplitterState(const QByteArray &state);
    int lastTab() const;
    void setLastTab(int index);

    int pingIntervalMs() const;
    // One of refreshIntervalChoicesMs() (a value written by hand is taken to the nearest).
    int refreshIntervalMs() const;
    void setRefreshIntervalMs(int ms);
    static QList<int> refreshIntervalChoicesMs();
    int batchChunkSize() const;

    QString endpointBind() const;
    int endpointPort() const;
    QStringList endpointOrigins() const;
    bool endpointAutoStart() const;

    bool batchNotifications() const;
    void setBatchNotifications(bool on);

private:
    mutable QSettings m_settings;
};

} // namespace ViralSpot::Ui
