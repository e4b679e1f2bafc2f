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
#include <QLocale>
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
}

BulkSession::~BulkSession()
{
    if (m_batchCancel)
        m_batchCancel->store(true);
    m_parseWatcher.waitForFinished();
    m_exportWatcher.waitForFinished();
}

void BulkSession::setProgress(int value, int maximum, bool textVisible)
{
    m_progress = Progress { value, maximum, textVisible };
}

void BulkSession::setStatusText(const QString &text)
{
    m_status = text;
    Q_EMIT changed();
}

// ---- the text and its preview --------------------------------------------------------------

bool BulkSession::isPreviewPending() const
{
    return m_inserting || m_parseTimer->isActive() || m_parseWatcher.isRunning() ||
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
    if (!isBatchRunning() && m_model->hasResults() && !m_resultsStale) {
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
    if (m_parseWatcher.isRunning()) {
        m_parseTimer->start(); // parse again once the running one is done
        return;
    }
    m_parsingGeneration = m_textGeneration;
    QElapsedTimer clock;
    clock.start();
    const QString text = m_textSource ? m_textSource() : QString();
    qCDebug(lcUi) << "read the text in" << clock.elapsed() << "ms";
    const BulkParser::Format format = m_format;
    m_parsingText = text; // implicitly shared: kept to tell whether results still match it
    m_parsingFormat = format;
    m_previewCounts = tr("Reading…");
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
    if (m_model->hasResults() || isBatchRunning()) {
        // The table keeps the results of the submitted text; the counts describe the new one.
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
    const BulkParseResult &p = m_previewParse;
    if (p.entries.isEmpty()) {
        m_previewCounts = tr("Nothing to submit yet.");
        return;
    }
    QString text = tr("Inputs: %1 · valid: %2 · invalid: %3 · duplicates: %4")
                       .arg(p.entries.size())
                       .arg(p.valid)
                       .arg(p.invalid)
                       .arg(p.duplicates);
    if (p.csv)
        text += QStringLiteral(" · ") + tr("CSV, column %1").arg(p.csvColumn + 1);
    m_previewCounts = text;
}

QString BulkSession::summaryText() const
{
    if (!m_model->hasResults())
        return QString();
    QStringList parts;
    auto add = [&](Outcome o) {
        const int n = m_model->count(o);
        if (n > 0 || o != Outcome::Cancelled)
            parts.append(QStringLiteral("%1 %2").arg(outcomeLabel(o).toLower()).arg(n));
    };
    add(Outcome::Queued);
    add(Outcome::AlreadyProcessed);
    add(Outcome::AlreadyQueued);
    add(Outcome::Invalid);
    add(Outcome::DuplicateInBatch);
    add(Outcome::Error);
    add(Outcome::Cancelled);
    return parts.join(QStringLiteral(" · "));
}

bool BulkSession::areResultsStale() const
{
    return m_resultsStale && m_model->hasResults();
}

QString BulkSession::staleNoteText() const
{
    if (!areResultsStale())
        return QString();
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
    if (isPreviewPending()) {
        // Submit what the user sees: finish reading the text first.
        m_submitAfterParse = true;
        if (!m_inserting && !m_parseWatcher.isRunning()) {
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
    if (m_model->hasResults() && !m_resultsStale && m_confirm && !m_confirm()) {
        setStatusText(tr("Not submitted again: the results shown are still those of the run at %1.")
                          .arg(QLocale().toString(m_resultsTime.time(), QLocale::ShortFormat)));
        return;
    }
    Q_EMIT submitted(source);
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
    NewBatch record;
    record.id = Ids::uuidV7();
    record.source = source;
    record.origin = QStringLiteral("window");
    record.submittedBy = AuditLog::currentOsUser();
    record.name = m_submitBatchName.isEmpty()
        ? Batches::defaultName(source, record.origin, QDateTime::currentDateTime())
        : m_submitBatchName;
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
    if (isBatchRunning() || m_readOnly || m_model->count(Outcome::Error) == 0)
        return;
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
        m_status = tr("Cancelled. %1 of %2 inputs were handled before the cancel and are in the "
                      "database (%3 newly queued); %4 were not sent — they are marked "
                      "“Cancelled”.")
                       .arg(total - notSent)
                       .arg(total)
                       .arg(queued)
                       .arg(notSent);
    } else if (errors > 0) {
        m_status = tr("Finished with errors: %1 input(s) could not be handled because the "
                      "database failed; nothing was claimed for them. Submit again when it is "
                      "back.")
                       .arg(errors);
    } else {
        m_status = tr("Done: %1 inputs in %2.").arg(total).arg(formatDuration(elapsedMs));
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
    if (m_model->hasResults())
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
    return m_exportWatcher.isRunning();
}

} // namespace ViralSpot::Ui
