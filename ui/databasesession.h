#pragma once

#include "core/bulkparser.h"
#include "core/connectionsecurity.h"
#include "core/databaseconfig.h"
#include "core/requestservice.h"
#include "ui/bulk/fileimport.h"

#include <QList>
#include <QObject>

#include <atomic>
#include <memory>

class QThread;

namespace ViralSpot::Ui {

class RequestWorker;
class SecretStore;
class Settings;

// The window's one database session: the worker thread and its RequestWorker (the only
// connection the window's requests use), the configuration in use, and the hand-off of a
// PostgreSQL password from the keychain to the worker (never kept here). Widget-free: pages,
// the status bar and tests use it alike. Results come back as signals on the GUI thread.
class DatabaseSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatabaseSession)

public:
    // Starts the worker thread at once; nothing is connected until open().
    DatabaseSession(Settings *settings, SecretStore *secrets, QObject *parent = nullptr);
    ~DatabaseSession() override;

    // Connects to `config`. A PostgreSQL configuration without a password gets the one in the
    // keychain (or this session); without one there, libpq's PGPASSWORD and ~/.pgpass apply.
    void open(const ViralSpot::DatabaseConfig &config);
    // Switches to another database (as chosen in the Database dialog). persist: remembered in
    // the settings, the password in the keychain.
    void setConfig(const ViralSpot::DatabaseConfig &config, bool persist);
    // The configuration in use, without its password.
    ViralSpot::DatabaseConfig config() const { return m_config; }

    bool isConnected() const { return m_connected == 1; }
    bool isConnectionKnown() const { return m_connected != -1; }
    QString connectionError() const { return m_connectionError; }
    // Non-empty while the queue holds duplicate active rows and requests wait for the repair.
    QString repairMessage() const { return m_repairMessage; }
    bool isRepairRequired() const { return !m_repairMessage.isEmpty(); }
    SecretStore *secrets() const { return m_secrets; }

    // Work for the worker thread (queued). Ids tell the answers apart.
    quint64 nextId() { return m_nextId++; }
    void request(quint64 id, const QString &input, const QString &source);
    void submitBatch(quint64 id, const ViralSpot::BulkParseResult &parsed, const QString &source,
        int chunkSize, const std::shared_ptr<std::atomic_bool> &cancel,
        const std::optional<ViralSpot::NewBatch> &record = {});
    void submitItems(quint64 id, const QList<ViralSpot::RequestItem> &items, int chunkSize,
        const std::shared_ptr<std::atomic_bool> &cancel);
    // A file imported piece by piece (RequestWorker::submitFile).
    void submitFile(quint64 id, const ViralSpot::Ui::FileImportRequest &request,
        const std::shared_ptr<std::atomic_bool> &cancel,
        const ViralSpot::Ui::FileImportProgress &resume = {});
    void exportBatch(quint64 id, const QString &path, const QString &batchId);
    // Checks the connection now instead of at the next ping.
    void ping();
    // For the repair dialog, which talks to the worker itself (queued connections only).
    RequestWorker *worker() const { return m_worker; }

    // Stops the worker thread; a running batch stops after its current chunk. Idempotent.
    void stop();

Q_SIGNALS:
    // The configuration in use changed (without its password).
    void configChanged(const ViralSpot::DatabaseConfig &config);
    // The configuration (with its password) goes to the worker now: views with their own
    // connections (queue tabs, endpoint) follow it. The connection state is unknown again.
    void configApplied(const ViralSpot::DatabaseConfig &config);
    void connectionChanged(bool connected, const QString &error);
    // Connected again after the connection was lost.
    void reconnected();
    void repairRequiredChanged(bool required, const QString &message);
    void securityChanged(const ViralSpot::ConnectionSecurity &security);
    void requestFinished(quint64 id, const ViralSpot::RequestResult &result);
    void batchProgress(quint64 id, int done, int total);
    void batchFinished(quint64 id, const QList<ViralSpot::RequestResult> &results, bool cancelled,
        qint64 elapsedMs);
    void fileImportProgress(quint64 id, const ViralSpot::Ui::FileImportProgress &progress);
    void fileImportFinished(quint64 id, const ViralSpot::Ui::FileImportProgress &progress,
        bool cancelled, qint64 elapsedMs);
    void batchExportFinished(quint64 id, bool ok, const QString &error, qint64 rows);

private:
    void applyConfig(const ViralSpot::DatabaseConfig &config);
    void onConnectionChanged(bool connected, const QString &error);
    void onRepairRequiredChanged(bool required, const QString &message);

    Settings *m_settings;
    SecretStore *m_secrets;
    QThread *m_thread = nullptr;
    RequestWorker *m_worker = nullptr;
    ViralSpot::DatabaseConfig m_config;
    int m_connected = -1; // -1 unknown, 0 lost, 1 connected
    QString m_connectionError;
    QString m_repairMessage;
    quint64 m_nextId = 1;
    // The running batch's cancel flag, set when the session stops.
    std::weak_ptr<std::atomic_bool> m_batchCancel;
};

} // namespace ViralSpot::Ui
