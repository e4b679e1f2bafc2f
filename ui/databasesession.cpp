#include "ui/databasesession.h"

#include "core/databasethread.h"
#include "ui/requestworker.h"
#include "ui/secretstore.h"
#include "ui/settings.h"

#include <QThread>

namespace ViralSpot::Ui {

DatabaseSession::DatabaseSession(Settings *settings, SecretStore *secrets, QObject *parent)
    : QObject(parent)
    , m_settings(settings)
    , m_secrets(secrets)
{
    setObjectName(QStringLiteral("databaseSession"));
    // The one database-thread primitive (core/databasethread.h): the worker's RequestService
    // opens this thread's one named connection, which the thread closes on itself.
    m_thread = new DatabaseThread(DatabaseConfig(), QStringLiteral("viralspot-ui-db"), this);
    m_worker = new RequestWorker;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &RequestWorker::requestFinished, this, &DatabaseSession::requestFinished);
    connect(m_worker, &RequestWorker::batchProgress, this, &DatabaseSession::batchProgress);
    connect(m_worker, &RequestWorker::batchFinished, this, &DatabaseSession::batchFinished);
    connect(
        m_worker, &RequestWorker::fileImportProgress, this, &DatabaseSession::fileImportProgress);
    connect(
        m_worker, &RequestWorker::fileImportFinished, this, &DatabaseSession::fileImportFinished);
    connect(
        m_worker, &RequestWorker::batchExportFinished, this, &DatabaseSession::batchExportFinished);
    connect(
        m_worker, &RequestWorker::connectionChanged, this, &DatabaseSession::onConnectionChanged);
    connect(m_worker, &RequestWorker::repairRequiredChanged, this,
        &DatabaseSession::onRepairRequiredChanged);
    connect(m_worker, &RequestWorker::securityChanged, this, &DatabaseSession::securityChanged);
    m_thread->start();
    const int interval = m_settings->pingIntervalMs();
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, interval] { worker->start(interval); }, Qt::QueuedConnection);
}

DatabaseSession::~DatabaseSession()
{
    stop();
}

void DatabaseSession::stop()
{
    if (!m_thread)
        return;
    if (const std::shared_ptr<std::atomic_bool> cancel = m_batchCancel.lock())
        cancel->store(true); // the batch stops after its current chunk
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker] {
            worker->shutdown();
            QThread::currentThread()->quit();
        },
        Qt::QueuedConnection);
    m_thread->wait();
    m_worker = nullptr;
    delete m_thread;
    m_thread = nullptr;
}

void DatabaseSession::open(const DatabaseConfig &config)
{
    m_config = config;
    m_config.password.clear();
    Q_EMIT configChanged(m_config);
    const bool needsSecret =
        config.engine == DatabaseConfig::Engine::PostgreSQL && config.password.isEmpty();
    if (!needsSecret) {
        applyConfig(config);
        return;
    }
    // The password comes from the keychain (or this session); when there is none, libpq's
    // PGPASSWORD and ~/.pgpass still apply.
    const QString key =
        SecretStore::databaseKey(config.user, config.host, config.port, config.databaseName);
    auto *conn = new QMetaObject::Connection;
    *conn = connect(m_secrets, &SecretStore::readFinished, this,
        [this, key, config, conn](const QString &readKey, const QString &value, bool) {
            if (readKey != key)
                return;
            disconnect(*conn);
            delete conn;
            DatabaseConfig withSecret = config;
            withSecret.password = value;
            applyConfig(withSecret);
        });
    m_secrets->read(key);
}

void DatabaseSession::setConfig(const DatabaseConfig &config, bool persist)
{
    if (persist) {
        m_settings->setDatabaseConfig(config);
        m_settings->sync();
        if (config.engine == DatabaseConfig::Engine::PostgreSQL) {
            m_secrets->write(SecretStore::databaseKey(
                                 config.user, config.host, config.port, config.databaseName),
                config.password);
        }
    }
    m_config = config;
    m_config.password.clear();
    Q_EMIT configChanged(m_config);
    applyConfig(config);
}

void DatabaseSession::applyConfig(const DatabaseConfig &config)
{
    m_connected = -1;
    m_connectionError.clear();
    Q_EMIT configApplied(config);
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, config] { worker->setConfig(config); }, Qt::QueuedConnection);
}

void DatabaseSession::request(quint64 id, const QString &input, const QString &source)
{
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, id, input, source] { worker->request(id, input, source); },
        Qt::QueuedConnection);
}

void DatabaseSession::submitBatch(quint64 id, const BulkParseResult &parsed, const QString &source,
    int chunkSize, const std::shared_ptr<std::atomic_bool> &cancel,
    const std::optional<NewBatch> &record)
{
    m_batchCancel = cancel;
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, id, parsed, source, chunkSize, cancel, record] {
            worker->submitBatch(id, parsed, source, chunkSize, cancel, record);
        },
        Qt::QueuedConnection);
}

void DatabaseSession::submitItems(quint64 id, const QList<RequestItem> &items, int chunkSize,
    const std::shared_ptr<std::atomic_bool> &cancel)
{
    m_batchCancel = cancel;
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, id, items, chunkSize, cancel] {
            worker->submitItems(id, items, chunkSize, cancel);
        },
        Qt::QueuedConnection);
}

void DatabaseSession::submitFile(quint64 id, const FileImportRequest &request,
    const std::shared_ptr<std::atomic_bool> &cancel, const FileImportProgress &resume)
{
    m_batchCancel = cancel;
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker,
        [worker, id, request, cancel, resume] { worker->submitFile(id, request, cancel, resume); },
        Qt::QueuedConnection);
}

void DatabaseSession::exportBatch(quint64 id, const QString &path, const QString &batchId)
{
    RequestWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        m_worker, [worker, id, path, batchId] { worker->exportBatch(id, path, batchId); },
        Qt::QueuedConnection);
}

void DatabaseSession::ping()
{
    QMetaObject::invokeMethod(m_worker, &RequestWorker::ping, Qt::QueuedConnection);
}

void DatabaseSession::onConnectionChanged(bool connected, const QString &error)
{
    const int previous = m_connected;
    m_connected = connected ? 1 : 0;
    m_connectionError = error;
    if (connected && previous == 0)
        Q_EMIT reconnected();
    Q_EMIT connectionChanged(connected, error);
}

void DatabaseSession::onRepairRequiredChanged(bool required, const QString &message)
{
    m_repairMessage = required ? message : QString();
    Q_EMIT repairRequiredChanged(required, m_repairMessage);
}

} // namespace ViralSpot::Ui
