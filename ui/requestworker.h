#pragma once

#include "core/bulkparser.h"
#include "core/connectionsecurity.h"
#include "core/databaseconfig.h"
#include "core/databasethread.h" // the thread it lives on (MainWindow creates it)
#include "core/outcome.h"
#include "core/requestservice.h"
#include "core/schema.h"
#include "ui/bulk/fileimport.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>

#include <atomic>
#include <memory>

class QTimer;

namespace ViralSpot {
class RequestService;
}

namespace ViralSpot::Ui {

// The window's request side. Lives on its own DatabaseThread (core/databasethread.h) and owns
// the RequestService that makes requests, on that thread's connection: the GUI thread never
// runs SQL. Call the public functions queued (QMetaObject::invokeMethod), never directly from
// another thread. The queue views have their own DatabaseThread (ui/queue/queuetabs.h), so a
// long batch does not hold up browsing.
class RequestWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RequestWorker)

public:
    explicit RequestWorker(QObject *parent = nullptr);
    ~RequestWorker() override;

    // All of these run on the worker thread.
    void start(int pingIntervalMs);
    void setConfig(const ViralSpot::DatabaseConfig &config);
    // A single request, appended to this OS user's batch of the day (Batches::appendSingle).
    void request(quint64 id, const QString &input, const QString &source);
    // With `record`, the submission is recorded as that batch (BatchOptions::record).
    void submitBatch(quint64 id, const ViralSpot::BulkParseResult &parsed, const QString &source,
        int chunkSize, std::shared_ptr<std::atomic_bool> cancel,
        const std::optional<ViralSpot::NewBatch> &record = {});
    // Already-parsed usernames (a retry of the rows that failed), reported like a batch.
    void submitItems(quint64 id, const QList<ViralSpot::RequestItem> &items, int chunkSize,
        std::shared_ptr<std::atomic_bool> cancel);
    // A file read, requested and recorded piece by piece (ui/bulk/fileimport.h): one
    // transaction per piece, fileImportProgress() after each, cancel checked between pieces.
    // Stops at the first piece the database fails (nothing of it written). With `resume`, the
    // pieces it counts as committed are read again but not sent, and its counts carry on.
    void submitFile(quint64 id, const ViralSpot::Ui::FileImportRequest &request,
        std::shared_ptr<std::atomic_bool> cancel, const ViralSpot::Ui::FileImportProgress &resume);
    // A recorded batch's items as CSV (BatchExport: a chunk at a time).
    void exportBatch(quint64 id, const QString &path, const QString &batchId);
    void ping();
    void setPingInterval(int ms);
    // The duplicate active rows a repair would mark FAILED (at most PreviewRows of them).
    void previewRepair();
    // Repairs them (Schema::repairDuplicates), records it in the audit log, then checks again.
    void applyRepair();
    static constexpr int PreviewRows = 1000;
    void shutdown();

Q_SIGNALS:
    void requestFinished(quint64 id, const ViralSpot::RequestResult &result);
    void batchStarted(quint64 id, int total);
    void batchProgress(quint64 id, int done, int total);
    void batchFinished(quint64 id, const QList<ViralSpot::RequestResult> &results, bool cancelled,
        qint64 elapsedMs);
    void fileImportProgress(quint64 id, const ViralSpot::Ui::FileImportProgress &progress);
    void fileImportFinished(quint64 id, const ViralSpot::Ui::FileImportProgress &progress,
        bool cancelled, qint64 elapsedMs);
    void batchExportFinished(quint64 id, bool ok, const QString &error, qint64 rows);
    // Emitted on every change, and once after each new configuration.
    void connectionChanged(bool connected, const QString &error);
    // The queue holds duplicate active rows (requests are refused until the repair), or no
    // longer does. Emitted on every change, and once after each new configuration.
    void repairRequiredChanged(bool required, const QString &message);
    void repairPreviewReady(int usernames, int extraRows,
        const QList<ViralSpot::Schema::DuplicateRow> &rows, const QString &error);
    void repairFinished(bool ok, int usernames, int rowsMarkedFailed, const QString &error);
    // After each (re)connection to PostgreSQL, just before connectionChanged(true, …).
    void securityChanged(const ViralSpot::ConnectionSecurity &security);

private:
    void reportConnection(bool connected, const QString &error);
    void afterWork(bool sawError);
    void recordAudit(const QList<RequestResult> &results);
    void appendToDayBatch(const RequestResult &result);
    // What a request gets while no database is configured.
    RequestResult unconfigured(
        const QString &input, const QString &username, const QString &source, int line) const;
    BatchOptions batchOptions(quint64 id, int chunkSize, const std::atomic_bool *cancel);
    // Audit, emit batchFinished and update the connection state after a batch.
    void finishBatch(
        quint64 id, const QList<RequestResult> &results, bool cancelled, qint64 elapsedMs);

    std::unique_ptr<ViralSpot::RequestService> m_service;
    QTimer *m_pingTimer = nullptr;
    int m_pingIntervalMs = 5000;
    int m_connected = -1; // unknown
    int m_repairRequired = -1; // unknown
};

} // namespace ViralSpot::Ui
