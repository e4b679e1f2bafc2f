#include "ui/secretstore.h"

#include "ui/uilogging.h"

#include <QHash>
#include <QMetaObject>
#include <QMutex>

#ifdef VIRALSPOT_HAS_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace ViralSpot::Ui {

namespace {

const QString ServiceName = QStringLiteral("ViralSpot Admin");

QMutex s_sessionMutex;
QHash<QString, QString> &sessionSecrets()
{
    static QHash<QString, QString> secrets;
    return secrets;
}

bool keychainServiceExpected()
{
#ifdef VIRALSPOT_HAS_KEYCHAIN
    if (qEnvironmentVariableIsSet("VIRALSPOT_NO_KEYCHAIN"))
        return false;
    // The Linux backends (Secret Service, KWallet) talk over the session bus.
    return qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS");
#else
    return false;
#endif
}

} // namespace

SecretStore::SecretStore(QObject *parent)
    : QObject(parent)
    , m_backend(keychainServiceExpected() ? Backend::Keychain : Backend::SessionOnly)
{ }

SecretStore::~SecretStore() = default;

QString SecretStore::backendDescription() const
{
    if (m_backend == Backend::Keychain)
        return tr("The password is kept in the desktop keychain, never in the settings file.");
    return tr("No keychain service is running: the password is kept for this session only "
              "(or set PGPASSWORD / ~/.pgpass). It is never written to the settings file.");
}

QString SecretStore::sessionValue(const QString &key)
{
    QMutexLocker lock(&s_sessionMutex);
    return sessionSecrets().value(key);
}

void SecretStore::clearSession()
{
    QMutexLocker lock(&s_sessionMutex);
    sessionSecrets().clear();
}

QString SecretStore::databaseKey(
    const QString &user, const QString &host, int port, const QString &database)
{
    return QStringLiteral("postgresql://%1@%2:%3/%4").arg(user, host).arg(port).arg(database);
}

void SecretStore::fallBackToSession(const QString &why)
{
    if (m_backend == Backend::SessionOnly)
        return;
    qCInfo(lcUi) << "keychain unavailable, keeping secrets for this session only:" << why;
    m_backend = Backend::SessionOnly;
    Q_EMIT backendChanged();
}

void SecretStore::read(const QString &key)
{
    const QString session = sessionValue(key);
    if (!session.isEmpty() || m_backend == Backend::SessionOnly) {
        // Answer asynchronously in both cases, so callers see one behaviour.
        QMetaObject::invokeMethod(
            this, [this, key, session] { Q_EMIT readFinished(key, session, !session.isEmpty()); },
            Qt::QueuedConnection);
        return;
    }
#ifdef VIRALSPOT_HAS_KEYCHAIN
    auto *job = new QKeychain::ReadPasswordJob(ServiceName, this);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this, [this, key](QKeychain::Job *j) {
        auto *readJob = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (readJob->error() == QKeychain::NoError) {
            const QString value = readJob->textData();
            {
                QMutexLocker lock(&s_sessionMutex);
                sessionSecrets().insert(key, value);
            }
            Q_EMIT readFinished(key, value, true);
            return;
        }
        if (readJob->error() != QKeychain::EntryNotFound)
            fallBackToSession(readJob->errorString());
        Q_EMIT readFinished(key, QString(), false);
    });
    job->start();
#endif
}

void SecretStore::write(const QString &key, const QString &value)
{
    {
        QMutexLocker lock(&s_sessionMutex);
        if (value.isEmpty())
            sessionSecrets().remove(key);
        else
            sessionSecrets().insert(key, value);
    }
    if (m_backend == Backend::SessionOnly) {
        QMetaObject::invokeMethod(
            this, [this, key] { Q_EMIT writeFinished(key, false); }, Qt::QueuedConnection);
        return;
    }
#ifdef VIRALSPOT_HAS_KEYCHAIN
    if (value.isEmpty()) {
        remove(key);
        QMetaObject::invokeMethod(
            this, [this, key] { Q_EMIT writeFinished(key, true); }, Qt::QueuedConnection);
        return;
    }
    auto *job = new QKeychain::WritePasswordJob(ServiceName, this);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setTextData(value);
    connect(job, &QKeychain::Job::finished, this, [this, key](QKeychain::Job *j) {
        const bool ok = j->error() == QKeychain::NoError;
        if (!ok)
            fallBackToSession(j->errorString());
        Q_EMIT writeFinished(key, ok);
    });
    job->start();
#endif
}

void SecretStore::remove(const QString &key)
{
    {
        QMutexLocker lock(&s_sessionMutex);
        sessionSecrets().remove(key);
    }
#ifdef VIRALSPOT_HAS_KEYCHAIN
    if (m_backend == Backend::SessionOnly)
        return;
    auto *job = new QKeychain::DeletePasswordJob(ServiceName, this);
    job->setInsecureFallback(false);
    job->setAutoDelete(true);
    job->setKey(key);
    job->start();
#endif
}

} // namespace ViralSpot::Ui
