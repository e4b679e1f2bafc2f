#include "ui/bulk/bulksession.h"

#include "core/auditlog.h"
#include "core/batches/batches.h"
#include "core/ids.h"
#include "core/sqlitefileguard.h"
#include "core/username.h"
#include "ui/bulkresultmodel.h"
#include "ui/csv/csvwriter.h"
#include "ui/databasesession.h"
#include "ui/settings.h"
#include "ui/uilogging.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QPointer>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentRun>
#include <QTimer>

#include <algorithm>

namespace ViralSpot::Ui {

namespace {

constexpr int ParseDebounceMs = 150;

QString formatDuration(qint64 ms)
{
    const qint64 s = (ms + 999) / 1000;
    if (s < 60)
        return BulkSession::tr("%n s", nullptr, int(s));
    return BulkSession::tr("%1 min %2 s").arg(s / 60).arg(s % 60);
}

// A count or line number as the user's locale writes it ("100,000", "100.000"; the C locale of
// the tests: "100000").
QString number(qint64 n)
{
    return QLocale().toString(n);
}

} // namespace

BulkSession::BulkSession(
    DatabaseSession *database, const Settings &settings, bool readOnly, QObject *parent)
    : QObject(parent)
    , m_database(database)
    , m_settings(settings)
    , m_readOnly(readOnly)
    , m_model(new BulkResultModel(this))
    , m_parseTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("bulkSession"));
    m_parseTimer->setSingleShot(true);
    m_parseTimer->setInterval(ParseDebounceMs);
    connect(m_parseTimer, &QTimer::timeout, this, &BulkSession::startParse);
    connect(&m_parseWatcher, &QFutureWatcher<BulkParseResult>::finished, this,
        &BulkSession::onParseFinished);
    connect(m_database, &DatabaseSession::batchProgress, this, &BulkSession::onBatchProgress);
    connect(m_database, &DatabaseSession::batchFinished, this, &BulkSession::onBatchFinished);
    connect(
        m_database, &DatabaseSession::fileImportProgress, this, &BulkSession::onFileImportProgress);
    connect(
        m_database, &DatabaseSession::fileImportFinished, this, &BulkSession::onFileImportFinished);
}

BulkSession::~BulkSession()
{
    if (m_batchCancel)
        m_batchCancel->store(true);
    m_parseWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
}

NewBatch BulkSession::newBatch(const QString &source) const
{
    NewBatch record;
    record.id = Ids::uuidV7();
    record.source = source;
    record.origin = QStringLiteral("window");
    record.submittedBy = AuditLog::currentOsUser();
    record.name = m_submitBatchName.isEmpty()
        ? Batches::defaultName(source, record.origin, QDateTime::currentDateTime())
        : m_submitBatchName;
    return record;
}

void BulkSession::setProgress(int value, int maximum, bool textVisible)
{
    m_progress = Progress { value, maximum, textVisible, QString() };
}

void BulkSession::setStatusText(const QString &text)
{
    m_status = text;
    Q_EMIT changed();
}

// ---- the text and its preview --------------------------------------------------------------

bool BulkSession::isPreviewPending() const
{
    return m_inserting || m_parseTimer->isActive() || isParsing() ||
        m_parsedGeneration != m_textGeneration;
}

void BulkSession::setInserting(bool inserting)
{
    m_inserting = inserting;
    if (inserting)
        m_previewCounts = tr("Inserting…");
    Q_EMIT changed();
}

void BulkSession::textChanged(bool inserting)
{
    m_inserting = inserting;
    ++m_textGeneration;
    if (!isBatchRunning() && hasResults() && !m_resultsStale) {
        // The results stay until the next Submit all, marked as those of the earlier text at
        // once; the parse then compares the texts (an undo can make them equal again).
        m_resultsStale = true;
    }
    Q_EMIT changed();
    if (m_inserting)
        return; // the end of the insertion reports the text again
    m_parseTimer->start();
}

void BulkSession::startParse()
{
    if (m_inserting)
        return;
    if (isParsing()) {
        m_parseTimer->start(); // parse again once the running one is done
        return;
    }
    m_parsingGeneration = m_textGeneration;
    m_previewCounts = tr("Reading…");
    Q_EMIT changed();
    if (!m_textSource) {
        parseText(QString());
        return;
    }
    m_readingText = true;
    QElapsedTimer clock;
    clock.start();
    m_textSource([this, guard = QPointer<BulkSession>(this), clock](const QString &text) {
        if (!guard)
            return;
        qCDebug(lcUi) << "read the text in" << clock.elapsed() << "ms";
        m_readingText = false;
        if (m_parsingGeneration != m_textGeneration) {
            // Changed while it was read: read it again after the pause.
            if (!m_inserting && !m_parseTimer->isActive())
                m_parseTimer->start();
            Q_EMIT changed();
            return;
        }
        parseText(text);
    });
}

void BulkSession::parseText(const QString &text)
{
    if (!text.isEmpty() && !m_streamPath.isEmpty())
        m_streamPath.clear(); // text typed or pasted: Submit all sends it, not the file
    const BulkParser::Format format = m_format;
    m_parsingText = text; // implicitly shared: kept to tell whether results still match it
    m_parsingFormat = format;
    Q_EMIT changed();
    m_parseWatcher.setFuture(
        QtConcurrent::run([text, format] { return BulkParser::parse(text, format); }));
}

void BulkSession::onParseFinished()
{
    if (m_parsingGeneration != m_textGeneration) {
        if (!m_parseTimer->isActive())
            m_parseTimer->start();
        return; // superseded: the text changed meanwhile
    }
    m_previewParse = m_parseWatcher.result();
    m_previewText = m_parsingText;
    m_previewFormat = m_parsingFormat;
    m_parsingText = QString();
    m_parsedGeneration = m_parsingGeneration;
    if (hasResults() || isBatchRunning()) {
        // The table keeps the results of the submitted text; the counts describe the new one.
        if (m_streamResults)
            m_resultsStale = m_streamPath != m_streamRequest.path;
        else
            m_resultsStale = m_previewText != m_resultsText || m_previewFormat != m_resultsFormat;
    } else {
        QElapsedTimer clock;
        clock.start();
        m_model->setParseResult(m_previewParse);
        qCDebug(lcUi) << "preview model reset in" << clock.elapsed() << "ms";
    }
    updatePreviewCounts();
    Q_EMIT changed();
    Q_EMIT previewUpdated();
    if (m_submitAfterParse) {
        m_submitAfterParse = false;
        startBatch();
    }
}

void BulkSession::updatePreviewCounts()
{
    if (!m_streamPath.isEmpty()) {
        const QFileInfo info(m_streamPath);
        m_previewCounts = tr("File %1 (%2): too large for the editor. Submit all reads it piece "
                             "by piece and records every line in the batch; no preview.")
                              .arg(info.fileName(), QLocale().formattedDataSize(info.size()));
        return;
    }
    const BulkParseResult &p = m_previewParse;
    if (p.entries.isEmpty()) {
        m_previewCounts = tr("Nothing to submit yet.");
        return;
    }
    QString text = tr("Inputs: %1 · valid: %2 · invalid: %3 · duplicates: %4")
                       .arg(number(p.entries.size()), number(p.valid), number(p.invalid),
                           number(p.duplicates));
    if (p.csv)
        text += QStringLiteral(" · ") + tr("CSV, column %1").arg(p.csvColumn + 1);
    m_previewCounts = text;
}

bool BulkSession::hasResults() const
{
    return m_streamResults || m_model->hasResults();
}

int BulkSession::errorCount() const
{
    return m_streamResults ? m_streamProgress.failedInputs : m_model->count(Outcome::Error);
}

QString BulkSession::summaryText() const
{
    if (!hasResults())
        return QString();
    QStringList parts;
    auto add = [&](Outcome o) {
        const int n = m_streamResults
            ? (o == Outcome::Error ? m_streamProgress.failedInputs : m_streamProgress.count(o))
            : m_model->count(o);
        if (n > 0 || o != Outcome::Cancelled)
            parts.append(QStringLiteral("%1 %2").arg(outcomeLabel(o).toLower(), number(n)));
    };
    add(Outcome::Queued);
    add(Outcome::AlreadyProcessed);
    add(Outcome::AlreadyQueued);
    add(Outcome::Invalid);
    add(Outcome::DuplicateInBatch);
    add(Outcome::Error);
    add(Outcome::Cancelled);
    if (m_streamResults) {
        // What the batch holds, and the file's lines after the last piece committed.
        parts.prepend(tr("in the batch: %1").arg(number(m_streamProgress.inputs)));
        if (!m_streamProgress.finished && !isBatchRunning())
            parts.append(
                tr("not sent: the file from line %1 on")
                    .arg(number(m_streamProgress.failedInputs > 0 ? m_streamProgress.failedFromLine
                                                                  : m_streamProgress.lines + 1)));
    }
    return parts.join(QStringLiteral(" · "));
}

bool BulkSession::areResultsStale() const
{
    return m_resultsStale && hasResults();
}

QString BulkSession::staleNoteText() const
{
    if (!areResultsStale())
        return QString();
    if (m_streamResults)
        return tr("These results are for the file %1 submitted at %2, not for what is chosen "
                  "now. They stay until you submit again.")
            .arg(QFileInfo(m_streamRequest.path).fileName(),
                QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat));
    return tr("These results are for the text submitted at %1, not for the text as it is now. "
              "They stay until you submit again: Submit all sends the current text.")
        .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat));
}

// ---- the batch -----------------------------------------------------------------------------

void BulkSession::submit(const QString &source, const QString &batchName)
{
    if (isBatchRunning() || m_readOnly)
        return;
    m_submitSource = source;
    m_submitBatchName = batchName.trimmed();
    if (!m_streamPath.isEmpty()) {
        startStream({});
        return;
    }
    if (isPreviewPending()) {
        // Submit what the user sees: finish reading the text first.
        m_submitAfterParse = true;
        if (!m_inserting && !isParsing()) {
            m_parseTimer->stop();
            startParse();
        }
        setStatusText(tr("Reading the text…"));
        return;
    }
    startBatch();
}

void BulkSession::startBatch()
{
    const BulkParseResult parsed = m_previewParse; // implicitly shared: no deep copy
    if (parsed.entries.isEmpty()) {
        setStatusText(tr("Nothing to submit: paste some usernames first."));
        return;
    }
    const QString source = m_submitSource;
    if (const std::optional<QString> error = Username::sourceError(source)) {
        setStatusText(tr("The source is not valid: %1").arg(*error));
        return;
    }
    if (hasResults() && !m_resultsStale && m_confirm && !m_confirm()) {
        setStatusText(tr("Not submitted again: the results shown are still those of the run at %1.")
                          .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat)));
        return;
    }
    Q_EMIT submitted(source);
    m_streamResults = false;
    // The new run replaces the results: the table shows this text from now on (a reset of
    // 100,000 rows is skipped when the table already shows its preview).
    if (m_model->hasResults() ||
        m_model->parseResult().entries.constData() != parsed.entries.constData())
        m_model->setParseResult(parsed);
    m_resultsText = m_previewText;
    m_resultsFormat = m_previewFormat;
    m_resultsTime = QDateTime::currentDateTime();
    m_resultsStale = false;
    m_batchCancel = std::make_shared<std::atomic_bool>(false);
    m_batchId = m_database->nextId();
    const NewBatch record = newBatch(source);
    m_lastBatchId = record.id;
    m_lastBatchName = record.name;
    m_recording = true;
    const int total = parsed.entries.size();
    setProgress(0, qMax(1, total), true);
    m_eta = tr("Starting…");
    m_status = tr("Submitting the batch (inputs: %1)…").arg(total);
    m_batchTimer.start();
    Q_EMIT changed();
    qCInfo(lcUi) << "submitting a batch of" << total << "inputs";
    m_database->submitBatch(
        m_batchId, parsed, source, m_settings.batchChunkSize(), m_batchCancel, record);
}

void BulkSession::cancel()
{
    if (!m_batchCancel || m_batchCancel->load())
        return;
    m_batchCancel->store(true);
    m_eta = tr("Cancelling…");
    m_status = tr("Cancelling: the chunk in progress finishes, the rest is not sent.");
    Q_EMIT changed();
}

void BulkSession::retryErrors(const QString &fallbackSource)
{
    if (isBatchRunning() || m_readOnly || errorCount() == 0)
        return;
    if (m_streamResults) {
        // The piece the database failed was not written: carry on from it, in the same batch
        // (the pieces committed before are read again, not sent), when the file is unchanged.
        const QFileInfo info(m_streamRequest.path);
        if (!info.exists() || info.size() != m_streamRequest.size ||
            info.lastModified() != m_streamRequest.modified) {
            setStatusText(tr("%1 changed since it was submitted: its lines cannot be matched "
                             "with the batch any more. Import it again and submit it.")
                              .arg(info.fileName()));
            return;
        }
        startStream(m_streamProgress);
        return;
    }
    QList<RequestItem> items;
    m_retryRows.clear();
    const QList<RequestResult> &results = m_model->results();
    for (qsizetype row = 0; row < results.size(); ++row) {
        const RequestResult &r = results.at(row);
        if (r.outcome != Outcome::Error || r.username.isEmpty())
            continue;
        items.append(RequestItem { r.username, r.source.isEmpty() ? fallbackSource : r.source });
        m_retryRows.append(int(row));
    }
    if (items.isEmpty())
        return;
    m_batchCancel = std::make_shared<std::atomic_bool>(false);
    m_batchId = m_database->nextId();
    m_recording = false; // a retry is not a batch of its own
    setProgress(0, int(items.size()), true);
    m_eta = tr("Starting…");
    m_status = tr("Retrying the rows that failed (%1)…").arg(items.size());
    m_batchTimer.start();
    Q_EMIT changed();
    m_database->submitItems(m_batchId, items, m_settings.batchChunkSize(), m_batchCancel);
}

void BulkSession::onBatchProgress(quint64 id, int done, int total)
{
    if (id != m_batchId)
        return;
    m_progress.maximum = qMax(1, total);
    m_progress.value = done;
    if (!(m_batchCancel && m_batchCancel->load()) && done > 0 && done < total) {
        const qint64 elapsed = m_batchTimer.elapsed();
        const qint64 eta = elapsed * (total - done) / done;
        m_eta = tr("about %1 left").arg(formatDuration(eta));
    }
    Q_EMIT changed();
}

void BulkSession::onBatchFinished(
    quint64 id, const QList<RequestResult> &results, bool cancelled, qint64 elapsedMs)
{
    if (id != m_batchId)
        return;
    m_batchCancel.reset();
    QList<RequestResult> all = results;
    if (!m_retryRows.isEmpty()) {
        // A retry: its answers replace the failed rows, the other rows keep theirs.
        all = m_model->results();
        for (qsizetype i = 0; i < results.size() && i < m_retryRows.size(); ++i) {
            RequestResult r = results.at(i);
            const RequestResult &old = all.at(m_retryRows.at(i));
            r.input = old.input;
            r.line = old.line;
            all[m_retryRows.at(i)] = r;
        }
        m_retryRows.clear();
    }
    const BulkResultModel::Counts counts = BulkResultModel::countOutcomes(all);
    if (all.size() == m_model->rowCount()) {
        QElapsedTimer clock;
        clock.start();
        m_model->setResults(all, counts);
        qCDebug(lcUi) << "results model reset in" << clock.elapsed() << "ms";
    }
    const int total = int(all.size());
    const int notSent = counts[static_cast<int>(Outcome::Cancelled)];
    const int errors = counts[static_cast<int>(Outcome::Error)];
    const int queued = counts[static_cast<int>(Outcome::Queued)];
    setProgress(total - notSent, qMax(1, total), m_progress.textVisible);
    m_eta = formatDuration(elapsedMs);
    if (cancelled && notSent > 0) {
        m_status =
            tr("Cancelled. %1 of %2 inputs were handled before the cancel and are in the "
               "database (%3 newly queued); %4 were not sent — they are marked "
               "“Cancelled”.")
                .arg(number(total - notSent), number(total), number(queued), number(notSent));
    } else if (errors > 0) {
        m_status = tr("Finished with errors: %1 input(s) could not be handled because the "
                      "database failed; nothing was claimed for them. Submit again when it is "
                      "back.")
                       .arg(number(errors));
    } else {
        m_status = tr("Done: %1 inputs in %2.").arg(number(total), formatDuration(elapsedMs));
    }
    qCInfo(lcUi) << "batch finished:" << total << "inputs," << queued << "queued," << errors
                 << "errors," << notSent << "cancelled in" << elapsedMs << "ms";
    Q_EMIT changed();
    // Something reached the database: the batch exists and has items to follow.
    const bool recorded =
        m_recording && std::any_of(results.cbegin(), results.cend(), [](const RequestResult &r) {
            return r.outcome == Outcome::Queued || r.outcome == Outcome::AlreadyQueued ||
                r.outcome == Outcome::AlreadyProcessed;
        });
    m_recording = false;
    if (recorded)
        Q_EMIT batchRecorded(m_lastBatchId, m_lastBatchName);
    Q_EMIT batchFinished(cancelled);
}

void BulkSession::resetStatus()
{
    if (hasResults())
        return;
    m_status.clear();
    setProgress(0, m_progress.maximum, false);
    m_eta.clear();
    Q_EMIT changed();
}

// ---- export --------------------------------------------------------------------------------

void BulkSession::exportCsv(
    const QString &chosenPath, const QString &stateFilter, const QString &filterLabel)
{
    if (m_exportWatcher.isRunning()) {
        Q_EMIT exportFinished(false, chosenPath);
        return;
    }
    // The database's own file chosen in the dialog is refused as chosen (with ".csv" added
    // it would be another file, which is not what the staff member picked).
    for (const QString &candidate : { chosenPath, Csv::exportPath(chosenPath).value }) {
        if (!candidate.isEmpty() && SqliteFileGuard::isDatabaseFile(candidate)) {
            setStatusText(SqliteFileGuard::refusedFileMessage(candidate));
            Q_EMIT exportFinished(false, candidate);
            return;
        }
    }
    const ValueResult<QString> target = Csv::exportPath(chosenPath);
    const QString path = target.value;
    if (path.isEmpty()) {
        setStatusText(target.error);
        Q_EMIT exportFinished(false, chosenPath);
        return;
    }
    if (m_streamResults) {
        exportStreamed(path);
        return;
    }
    const BulkParseResult parsed = m_model->parseResult(); // implicitly shared copies
    const QList<RequestResult> results = m_model->results();
    const int all = m_model->rowCount();
    m_status = tr("Exporting…");
    disconnect(&m_exportWatcher, nullptr, this, nullptr);
    connect(&m_exportWatcher, &QFutureWatcher<ExportResult>::finished, this,
        [this, path, all, stateFilter, filterLabel] {
            const ExportResult result = m_exportWatcher.result();
            const QString where = QDir::toNativeSeparators(path);
            if (!result.error.isEmpty())
                m_status = tr("Cannot write %1: %2").arg(where, result.error);
            else if (stateFilter.isEmpty())
                m_status = tr("Exported to %1 (rows: %2).").arg(where).arg(result.rows);
            else
                m_status = tr("Exported the rows shown (%1): %2 of %3, to %4.")
                               .arg(filterLabel)
                               .arg(result.rows)
                               .arg(all)
                               .arg(where);
            Q_EMIT changed();
            Q_EMIT exportFinished(result.error.isEmpty(), path);
        });
    m_exportWatcher.setFuture(
        QtConcurrent::run([parsed, results, path, stateFilter]() -> ExportResult {
            ExportResult result;
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly)) {
                result.error = file.errorString();
                return result;
            }
            file.write(BulkResultModel::toCsv(parsed, results, stateFilter).toUtf8());
            if (!file.commit()) {
                result.error = file.errorString();
                return result;
            }
            if (stateFilter.isEmpty()) {
                result.rows = int(parsed.entries.size());
            } else {
                for (qsizetype row = 0; row < parsed.entries.size(); ++row) {
                    if (BulkResultModel::stateName(parsed, results, int(row)) == stateFilter)
                        ++result.rows;
                }
            }
            return result;
        }));
    Q_EMIT changed(); // now isExporting(): the page disables its Export button
}

bool BulkSession::isExporting() const
{
    return m_exportWatcher.isRunning() || m_exportId != 0;
}

// ---- a file submitted as it is read --------------------------------------------------------

void BulkSession::setStreamFile(const QString &path, BulkParser::Format format)
{
    m_streamPath = path;
    m_streamFormat = format;
    if (m_streamResults && !isBatchRunning())
        m_resultsStale = m_streamPath != m_streamRequest.path;
    updatePreviewCounts();
    Q_EMIT changed();
    Q_EMIT previewUpdated();
}

void BulkSession::startStream(const FileImportProgress &resume)
{
    const bool retry = resume.pieces > 0 || resume.failedInputs > 0;
    if (!retry) {
        const QString source = m_submitSource;
        if (const std::optional<QString> error = Username::sourceError(source)) {
            setStatusText(tr("The source is not valid: %1").arg(*error));
            return;
        }
        if (hasResults() && !m_resultsStale && m_confirm && !m_confirm()) {
            setStatusText(
                tr("Not submitted again: the results shown are still those of the run at %1.")
                    .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat)));
            return;
        }
        const QFileInfo info(m_streamPath);
        FileImportRequest request;
        request.path = m_streamPath;
        request.format = m_streamFormat;
        request.source = source;
        request.linesPerPiece = qMax(1, m_settings.batchChunkSize());
        request.size = info.size();
        request.modified = info.lastModified();
        request.record = newBatch(source);
        Q_EMIT submitted(source);
        m_streamRequest = request;
        m_streamProgress = {};
        m_streamProgress.bytesTotal = request.size;
        m_streamAnnounced = false;
        m_lastBatchId = request.record.id;
        m_lastBatchName = request.record.name;
        // The per-line table is emptied: a streamed file's lines are items of the batch.
        m_model->setParseResult({});
        m_streamResults = true;
        m_resultsText.clear();
        m_resultsTime = QDateTime::currentDateTime();
        m_resultsStale = false;
        m_status = tr("Submitting %1 as it is read…").arg(QFileInfo(request.path).fileName());
    } else {
        m_status = tr("Carrying on with %1 from line %2…")
                       .arg(QFileInfo(m_streamRequest.path).fileName())
                       .arg(resume.failedFromLine);
    }
    m_batchCancel = std::make_shared<std::atomic_bool>(false);
    m_batchId = m_database->nextId();
    m_recording = false;
    m_retryRows.clear();
    m_eta = tr("Starting…");
    setStreamProgressBar();
    m_batchTimer.start();
    Q_EMIT changed();
    qCInfo(lcUi) << "streaming the file" << m_streamRequest.path << "of" << m_streamRequest.size
                 << "bytes" << (retry ? "(carrying on)" : "");
    m_database->submitFile(m_batchId, m_streamRequest, m_batchCancel, resume);
}

void BulkSession::setStreamProgressBar()
{
    // Bytes of the file, in thousandths (an int range holds any file size so).
    const FileImportProgress &p = m_streamProgress;
    const int value = p.bytesTotal > 0 ? int(p.bytesRead * 1000 / p.bytesTotal) : 0;
    m_progress = Progress { value, 1000, true, tr("lines read: %1 · %p%").arg(number(p.lines)) };
}

void BulkSession::onFileImportProgress(quint64 id, const FileImportProgress &progress)
{
    if (id != m_batchId)
        return;
    m_streamProgress = progress;
    setStreamProgressBar();
    const qint64 elapsed = m_batchTimer.elapsed();
    if (!isCancelling() && progress.bytesRead > 0 && progress.bytesRead < progress.bytesTotal) {
        // Pieces committed earlier (a retry) are read again quickly: only bytes read now count.
        const qint64 eta = elapsed * (progress.bytesTotal - progress.bytesRead) /
            qMax<qint64>(1, progress.bytesRead);
        m_eta = tr("about %1 left").arg(formatDuration(eta));
    }
    Q_EMIT changed();
    if (!m_streamAnnounced && progress.recorded) {
        // The batch exists from the first committed piece: it can be followed at once.
        m_streamAnnounced = true;
        Q_EMIT batchRecorded(m_lastBatchId, m_lastBatchName);
    }
    Q_EMIT streamProgressed();
}

void BulkSession::onFileImportFinished(
    quint64 id, const FileImportProgress &progress, bool cancelled, qint64 elapsedMs)
{
    if (id != m_batchId)
        return;
    m_batchCancel.reset();
    m_streamProgress = progress;
    setStreamProgressBar();
    m_eta = formatDuration(elapsedMs);
    const QString file = QFileInfo(m_streamRequest.path).fileName();
    const int queued = progress.count(Outcome::Queued);
    if (progress.failedInputs > 0) {
        m_status = tr("The database failed at line %1 of %2: %3. The %4 inputs before it are in "
                      "the batch; nothing from line %1 on was written, and the rest of the file "
                      "was not read. Retry errors carries on from line %1 when the database is "
                      "back.")
                       .arg(number(progress.failedFromLine), file, progress.error,
                           number(progress.inputs));
    } else if (!progress.error.isEmpty()) {
        m_status = progress.error;
    } else if (cancelled && !progress.finished) {
        m_status = tr("Cancelled after line %1 of %2: its %3 inputs up to there are in the batch "
                      "(%4 newly queued); the rest of the file was not read.")
                       .arg(number(progress.lines), file, number(progress.inputs), number(queued));
    } else {
        m_status = tr("Done: %1 inputs from %2 lines of %3 in %4.")
                       .arg(number(progress.inputs), number(progress.lines), file,
                           formatDuration(elapsedMs));
    }
    qCInfo(lcUi) << "file import finished:" << progress.inputs << "inputs," << queued << "queued,"
                 << progress.failedInputs << "failed," << elapsedMs << "ms";
    Q_EMIT changed();
    if (!m_streamAnnounced && progress.recorded) {
        m_streamAnnounced = true;
        Q_EMIT batchRecorded(m_lastBatchId, m_lastBatchName);
    }
    Q_EMIT streamProgressed();
    Q_EMIT batchFinished(cancelled);
}

void BulkSession::exportStreamed(const QString &path)
{
    // Every item of the batch, as the Batches tab exports them, a chunk at a time on the
    // request thread (the lines are not in memory here).
    if (!m_streamProgress.recorded) {
        setStatusText(tr("Nothing to export: no line of the file reached the batch."));
        Q_EMIT exportFinished(false, path);
        return;
    }
    m_exportId = m_database->nextId();
    const quint64 exportId = m_exportId;
    m_status = tr("Exporting…");
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_database, &DatabaseSession::batchExportFinished, this,
        [this, exportId, path, connection](quint64 id, bool ok, const QString &error, qint64 rows) {
            if (id != exportId)
                return;
            disconnect(*connection);
            m_exportId = 0;
            const QString where = QDir::toNativeSeparators(path);
            m_status = ok ? tr("Exported the batch's items to %1 (rows: %2).").arg(where).arg(rows)
                          : tr("Cannot write %1: %2").arg(where, error);
            Q_EMIT changed();
            Q_EMIT exportFinished(ok, path);
        });
    m_database->exportBatch(exportId, path, m_lastBatchId);
    Q_EMIT changed();
}

} // namespace ViralSpot::Ui
