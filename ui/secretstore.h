#pragma once

#include <QObject>
#include <QString>

namespace ViralSpot::Ui {

// Keeps secrets (the PostgreSQL password, the endpoint token) out of the settings file: in the
// desktop keychain (qtkeychain) when a keychain service runs, else in memory for this session
// only. Never falls back to plain text on disk.
class SecretStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretStore)

public:
    enum class Backend
    {
        Keychain,
        SessionOnly
    };

    explicit SecretStore(QObject *parent = nullptr);
    ~SecretStore() override;

    Backend backend() const { return m_backend; }
    // A sentence for the settings dialog saying where a password goes.
    QString backendDescription() const;

    // Asynchronous; answers with readFinished(key, value, found). The session copy is
    // returned at once when there is one.
    void read(const QString &key);
    // Asynchronous; answers with writeFinished(key, inKeychain). Always kept for the session.
    void write(const QString &key, const QString &value);
    void remove(const QString &key);

    // The session copy, if any (synchronous).
    static QString sessionValue(const QString &key);
    static void clearSession();

    // The keychain key for a PostgreSQL login.
    static QString databaseKey(
        const QString &user, const QString &host, int port, const QString &database);

Q_SIGNALS:
    void readFinished(const QString &key, const QString &value, bool found);
    void writeFinished(const QString &key, bool inKeychain);
    void backendChanged();

private:
    void fallBackToSession(const QString &why);

    Backend m_backend = Backend::SessionOnly;
};

} // namespace ViralSpot::Ui
