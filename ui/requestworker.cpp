#include "ui/requestworker.h"

#include "core/auditlog.h"
#include "core/batches/batches.h"
#include "core/database.h"
#include "core/requestservice.h"
#include "ui/batches/batchexport.h"
#include "ui/uilogging.h"

#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <algorithm>

namespace ViralSpot::Ui {

namespace {
// While the database is away, look for it more often so work resumes quickly.
constexpr int LostPingIntervalMs = 1000;
} // namespace

RequestWorker::RequestWorker(QObject *parent)
    : QObject(parent)
{ }

RequestWorker::~RequestWorker() = default;

void RequestWorker::start(int pingIntervalMs)
{
    m_pingIntervalMs = pingIntervalMs;
    m_pingTimer = new QTimer(this);
    m_pingTimer->setInterval(m_pingIntervalMs);
    connect(m_pingTimer, &QTimer::timeout, this, &RequestWorker::ping);
}

void RequestWorker::setConfig(const DatabaseConfig &config)
{
    if (m_service)
        m_service->close();
    // On a DatabaseThread (the window's) the service opens that thread's one connection, which
    // the thread closes on itself when it ends.
    const DatabaseThread *thread = DatabaseThread::current();
    m_service = std::make_unique<RequestService>(config,
        thread ? thread->connectionName() : Database::threadConnectionName(QStringLiteral("ui")));
    m_connected = -1;
    m_repairRequired = -1;
    qCInfo(lcUi) << "database:" << config.displayUrl();
    ping();
    if (m_pingTimer)
        m_pingTimer->start();
}

void RequestWorker::request(quint64 id, const QString &input, const QString &source)
{
    if (!m_service) {
        Q_EMIT requestFinished(id, unconfigured(input, QString(), source, 0));
        return;
    }
    const RequestResult result = m_service->request(input, source);
    appendToDayBatch(result);
    Q_EMIT requestFinished(id, result);
    recordAudit({ result });
    afterWork(result.outcome == Outcome::Error);
}

void RequestWorker::appendToDayBatch(const RequestResult &result)
{
    // Followed in the person's batch of the day; nothing to follow for an invalid input or a
    // request the database did not take.
    if (result.outcome == Outcome::Invalid || result.outcome == Outcome::Error)
        return;
    ValueResult<QSqlDatabase> db = m_service->database();
    if (!db.ok) {
        qCWarning(lcUi) << "cannot record the request in the batch of the day:" << db.error;
        return;
    }
    const Batches::AppendResult appended =
        Batches::appendSingle(db.value, AuditLog::currentOsUser(), QDate::currentDate(), result);
    if (!appended.ok)
        qCWarning(lcUi) << "cannot record the request in the batch of the day:" << appended.error;
}

void RequestWorker::submitBatch(quint64 id, const BulkParseResult &parsed, const QString &source,
    int chunkSize, std::shared_ptr<std::atomic_bool> cancel, const std::optional<NewBatch> &record)
{
    QElapsedTimer timer;
    timer.start();
    Q_EMIT batchStarted(id, parsed.entries.size());
    if (!m_service) {
        QList<RequestResult> results;
        results.reserve(parsed.entries.size());
        for (const BulkEntry &entry : parsed.entries)
            results.append(unconfigured(entry.input, entry.username, source, entry.line));
        Q_EMIT batchFinished(id, results, false, timer.elapsed());
        return;
    }
    // Ask whether it was cancelled only after the batch has run.
    BatchOptions options = batchOptions(id, chunkSize, cancel.get());
    options.record = record;
    const QList<RequestResult> results = m_service->requestBulk(parsed, source, options);
    finishBatch(id, results, cancel && cancel->load(), timer.elapsed());
}

void RequestWorker::submitItems(quint64 id, const QList<RequestItem> &items, int chunkSize,
    std::shared_ptr<std::atomic_bool> cancel)
{
    QElapsedTimer timer;
    timer.start();
    Q_EMIT batchStarted(id, items.size());
    if (!m_service) {
        QList<RequestResult> results;
        results.reserve(items.size());
        for (const RequestItem &item : items)
            results.append(unconfigured(item.username, item.username, item.source, 0));
        Q_EMIT batchFinished(id, results, false, timer.elapsed());
        return;
    }
    const QList<RequestResult> results =
        m_service->requestItems(items, batchOptions(id, chunkSize, cancel.get()));
    finishBatch(id, results, cancel && cancel->load(), timer.elapsed());
}

namespace {

// The audit entry of a whole file import, as AuditLog::submissionEntry() makes it for one list:
// counts summed over the pieces, the first MaxUsernames usernames.
void addToAudit(AuditEntry &audit, const QList<RequestResult> &results)
{
    const AuditEntry piece = AuditLog::submissionEntry(QStringLiteral("window"), results);
    if (audit.action.isEmpty())
        audit = AuditEntry::forOrigin(piece.origin, piece.action);
    for (auto it = piece.details.constBegin(); it != piece.details.constEnd(); ++it)
        audit.details.insert(it.key(), audit.details.value(it.key()).toInt() + it.value().toInt());
    for (const QString &username : piece.usernames) {
        if (audit.usernames.size() >= AuditLog::MaxUsernames)
            break;
        audit.usernames << username;
    }
    audit.total += piece.total;
}

} // namespace

void RequestWorker::submitFile(quint64 id, const FileImportRequest &request,
    std::shared_ptr<std::atomic_bool> cancel, const FileImportProgress &resume)
{
    QElapsedTimer timer;
    timer.start();
    FileImportProgress progress = resume;
    progress.failedInputs = 0;
    progress.failedFromLine = 0;
    progress.error.clear();
    progress.finished = false;
    QFile file(request.path);
    if (!file.open(QIODevice::ReadOnly)) {
        progress.error = tr("Cannot open %1: %2").arg(request.path, file.errorString());
        Q_EMIT fileImportFinished(id, progress, false, timer.elapsed());
        return;
    }
    progress.bytesTotal = file.size();
    BulkChunkReader reader(&file, request.format, request.linesPerPiece);
    NewBatch batch = request.record;
    AuditEntry audit;
    bool reached = false;
    bool cancelled = false;
    int piece = 0; // index of the piece read last
    BulkParseResult parsed;
    for (;; ++piece) {
        if (cancel && cancel->load()) {
            cancelled = true;
            break;
        }
        if (!reader.next(&parsed)) {
            progress.finished = true;
            break;
        }
        if (piece < progress.pieces)
            continue; // committed by the run this one resumes
        batch.firstPosition = progress.inputs + 1;
        batch.appendToExisting = progress.recorded;
        QList<RequestResult> results;
        if (m_service) {
            BatchOptions options;
            options.chunkSize = qMax(1, int(parsed.entries.size())); // one transaction
            options.record = batch;
            // A piece the database failed is not recorded at all: a retry sends it again, and
            // every input ends up an item exactly once.
            options.recordAfterFailure = false;
            results = m_service->requestBulk(parsed, request.source, options);
        } else {
            for (const BulkEntry &entry : std::as_const(parsed.entries))
                results.append(
                    unconfigured(entry.input, entry.username, request.source, entry.line));
        }
        const auto failed = std::find_if(results.cbegin(), results.cend(),
            [](const RequestResult &r) { return r.outcome == Outcome::Error; });
        if (failed != results.cend()) {
            progress.failedInputs = int(parsed.entries.size());
            progress.failedFromLine = parsed.entries.constFirst().line;
            progress.error = failed->message;
            break;
        }
        for (const RequestResult &r : std::as_const(results)) {
            ++progress.counts[std::size_t(r.outcome)];
            reached = reached || r.outcome == Outcome::Queued ||
                r.outcome == Outcome::AlreadyQueued || r.outcome == Outcome::AlreadyProcessed;
        }
        addToAudit(audit, results);
        progress.recorded = true;
        progress.pieces = piece + 1;
        progress.inputs += int(parsed.entries.size());
        progress.lines = reader.parser().nextLine() - 1;
        progress.bytesRead = qMin(reader.bytesConsumed(), progress.bytesTotal);
        Q_EMIT fileImportProgress(id, progress);
        parsed = {};
    }
    if (progress.finished) {
        progress.lines = reader.parser().nextLine() - 1;
        progress.bytesRead = progress.bytesTotal;
    }
    if (m_service && reached) {
        ValueResult<QSqlDatabase> db = m_service->database();
        const Result audited =
            db.ok ? AuditLog::record(db.value, audit) : Result::failure(db.error);
        if (!audited.ok)
            qCWarning(lcUi) << "could not write the audit log:" << audited.error;
    }
    qCInfo(lcUi) << "file import" << id << "read" << progress.lines << "lines," << progress.inputs
                 << "inputs committed in" << progress.pieces << "pieces," << timer.elapsed() << "ms"
                 << (cancelled ? "(cancelled)" : "");
    Q_EMIT fileImportFinished(id, progress, cancelled, timer.elapsed());
    if (m_service)
        afterWork(progress.failedInputs > 0);
}

void RequestWorker::exportBatch(quint64 id, const QString &path, const QString &batchId)
{
    if (!m_service) {
        Q_EMIT batchExportFinished(id, false, tr("No database is configured."), 0);
        return;
    }
    ValueResult<QSqlDatabase> db = m_service->database();
    if (!db.ok) {
        Q_EMIT batchExportFinished(id, false, db.error, 0);
        return;
    }
    const BatchExport::Result written = BatchExport::write(db.value, path, batchId, {});
    Q_EMIT batchExportFinished(id, written.ok, written.error, written.rows);
}

RequestResult RequestWorker::unconfigured(
    const QString &input, const QString &username, const QString &source, int line) const
{
    RequestResult r;
    r.input = input;
    r.username = username;
    r.source = source;
    r.line = line;
    r.outcome = Outcome::Error;
    r.message = tr("No database is configured.");
    return r;
}

BatchOptions RequestWorker::batchOptions(quint64 id, int chunkSize, const std::atomic_bool *cancel)
{
    BatchOptions options;
    options.chunkSize = chunkSize;
    options.cancel = cancel;
    options.progress = [this, id](int done, int all) { Q_EMIT batchProgress(id, done, all); };
    return options;
}

void RequestWorker::finishBatch(
    quint64 id, const QList<RequestResult> &results, bool cancelled, qint64 elapsedMs)
{
    recordAudit(results);
    const bool sawError = std::any_of(results.cbegin(), results.cend(),
        [](const RequestResult &r) { return r.outcome == Outcome::Error; });
    Q_EMIT batchFinished(id, results, cancelled, elapsedMs);
    afterWork(sawError);
}

void RequestWorker::recordAudit(const QList<RequestResult> &results)
{
    if (const Result audited =
            AuditLog::recordSubmission(*m_service, QStringLiteral("window"), results);
        !audited.ok)
        qCWarning(lcUi) << "could not write the audit log:" << audited.error;
}

void RequestWorker::afterWork(bool sawError)
{
    if (sawError)
        ping(); // tells the window at once when the database went away
    else if (m_connected != 1)
        reportConnection(true, QString());
}

void RequestWorker::ping()
{
    if (!m_service)
        return;
    const Result pinged = m_service->ping();
    const bool ok = pinged.ok;
    reportConnection(ok, pinged.error);
    const int repair = ok && m_service->repairRequired() ? 1 : 0;
    if (ok && repair != m_repairRequired) {
        m_repairRequired = repair;
        Q_EMIT repairRequiredChanged(repair == 1, repair ? m_service->repairMessage() : QString());
    }
}

void RequestWorker::previewRepair()
{
    const ValueResult<QSqlDatabase> opened =
        m_service ? m_service->database() : ValueResult<QSqlDatabase>();
    if (!opened.ok) {
        Q_EMIT repairPreviewReady(0, 0, {}, opened.error);
        return;
    }
    const Schema::RepairPreview preview = Schema::previewRepair(opened.value, PreviewRows);
    Q_EMIT repairPreviewReady(preview.usernames, preview.extraRows, preview.rows, preview.error);
}

void RequestWorker::applyRepair()
{
    ValueResult<QSqlDatabase> opened =
        m_service ? m_service->database() : ValueResult<QSqlDatabase>();
    if (!opened.ok) {
        Q_EMIT repairFinished(false, 0, 0, opened.error);
        return;
    }
    QSqlDatabase &db = opened.value;
    const Schema::RepairResult repair = Schema::repairDuplicates(db);
    if (repair.rowsMarkedFailed > 0) {
        // Rows were marked even when the migration after it failed: that is worth a record.
        AuditEntry entry =
            AuditEntry::forOrigin(QStringLiteral("window"), QStringLiteral("repair"));
        entry.total = repair.rowsMarkedFailed;
        entry.details.insert(QStringLiteral("usernames"), repair.usernames);
        entry.details.insert(QStringLiteral("rows_marked_failed"), repair.rowsMarkedFailed);
        if (const Result audited = AuditLog::record(db, entry); !audited.ok)
            qCWarning(lcUi) << "could not write the audit log:" << audited.error;
    }
    Q_EMIT repairFinished(repair.ok, repair.usernames, repair.rowsMarkedFailed, repair.error);
    ping(); // the window's banner follows the new state
}

void RequestWorker::setPingInterval(int ms)
{
    m_pingIntervalMs = ms;
    if (m_pingTimer && m_connected != 0)
        m_pingTimer->setInterval(ms);
}

void RequestWorker::reportConnection(bool connected, const QString &error)
{
    if (m_pingTimer)
        m_pingTimer->setInterval(
            connected ? m_pingIntervalMs : qMin(m_pingIntervalMs, LostPingIntervalMs));
    const int state = connected ? 1 : 0;
    if (state == m_connected)
        return;
    m_connected = state;
    if (connected) {
        qCInfo(lcUi) << "database connected";
        if (m_service && m_service->config().engine == DatabaseConfig::Engine::PostgreSQL) {
            const ValueResult<ConnectionSecurity> security =
                ConnectionSecurity::query(m_service->database().value, m_service->config());
            if (!security.ok)
                qCWarning(lcUi) << "cannot tell whether the connection is encrypted:"
                                << security.error;
            Q_EMIT securityChanged(security.value);
        }
    } else {
        qCWarning(lcUi) << "database unavailable:" << error;
    }
    Q_EMIT connectionChanged(connected, error);
}

void RequestWorker::shutdown()
{
    if (m_pingTimer)
        m_pingTimer->stop();
    if (m_service)
        m_service->close();
    m_service.reset();
}

} // namespace ViralSpot::Ui
