#pragma once

#include "core/bulkparser.h"
#include "core/outcome.h"
#include "core/requestservice.h"
#include "ui/bulk/fileimport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>

class QTimer;

namespace ViralSpot::Ui {

class BulkResultModel;
class DatabaseSession;
class Settings;

// The Bulk tab's state, without a widget (Qt Core only; tst_bulksession drives it alone): the
// text's parse generations (a newer text supersedes a parse still running), the preview, the
// batch (submit, progress, ETA, cancel), retrying the rows that failed, the results and whether
// they are still those of the text, and the CSV export. A file too big for the editor is
// submitted as it is read instead (setStreamFile(): counts here, its lines items of the batch,
// never rows of model()). BulkPage shows it.
class BulkSession final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BulkSession)

public:
    // The text to parse, handed to `done` at once or on a later event-loop turn (the editor
    // reads 100,000 lines in slices: toPlainText() held the GUI thread 28-80 ms). Asked once
    // the pause after the last edit is over; what it hands over after the text changed again
    // is not parsed.
    using TextReady = std::function<void(const QString &text)>;
    using TextSource = std::function<void(TextReady done)>;
    // Asked before the text the results are for is submitted again; true: go ahead.
    using ResubmitConfirmation = std::function<bool()>;

    struct Progress
    {
        int value = 0;
        int maximum = 1;
        bool textVisible = false; // no "0 of 1" before anything ran
        QString format; // QProgressBar::format(); empty: "%v of %m"
    };

    // Files larger than this are not loaded into the editor: they are submitted as they are
    // read (FileImportRequest), in constant memory. Up to it, a file is text like a paste, with
    // its preview and a row per line. Read whole, a line costs about 2 KB (text, parse, results:
    // 219 MB peak for 100,000 lines, docs/benchmarks.md §7), the editor's copy aside; 1 MiB is
    // some 60,000-90,000 names, which stay as they always were.
    static constexpr qint64 DefaultStreamThreshold = 1024 * 1024;

    BulkSession(DatabaseSession *database, const Settings &settings, bool readOnly,
        QObject *parent = nullptr);
    ~BulkSession() override;

    void setTextSource(TextSource source) { m_textSource = std::move(source); }
    void setResubmitConfirmation(ResubmitConfirmation confirm) { m_confirm = std::move(confirm); }

    // The text: it changed (inserting: an insertion in steps is still under way, the parse
    // waits for its end); the format it is in (Auto, or from an imported file's name).
    void textChanged(bool inserting = false);
    void setInserting(bool inserting);
    void setFormat(ViralSpot::BulkParser::Format format) { m_format = format; }

    // A file bigger than the threshold is streamed (see DefaultStreamThreshold).
    void setStreamThreshold(qint64 bytes) { m_streamThreshold = bytes; }
    qint64 streamThreshold() const { return m_streamThreshold; }
    bool shouldStream(qint64 fileSize) const { return fileSize > m_streamThreshold; }
    // Submit all sends this file as it is read instead of the text (empty: the text again).
    // Typing or pasting text chooses the text again.
    void setStreamFile(const QString &path,
        ViralSpot::BulkParser::Format format = ViralSpot::BulkParser::Format::Auto);
    QString streamFile() const { return m_streamPath; }
    // The results are those of a streamed file: counts here, items in the batch (never a row
    // per line in model(), which stays empty).
    bool hasStreamResults() const { return m_streamResults; }
    const FileImportProgress &streamProgress() const { return m_streamProgress; }
    // Inputs that failed because of the database (what Retry errors sends).
    int errorCount() const;
    // The results are rows of model() or a streamed file's counts.
    bool hasResults() const;
    // The table: the preview of the text, then a batch's text and results until the next one.
    BulkResultModel *model() const { return m_model; }
    // True while the preview does not yet reflect the text (typing, inserting, parsing).
    bool isPreviewPending() const;
    // Reading the text or parsing it.
    bool isParsing() const { return m_readingText || m_parseWatcher.isRunning(); }
    // The parse of the text as it is now (what Submit all sends).
    const ViralSpot::BulkParseResult &previewParse() const { return m_previewParse; }
    // True when the results shown are for a text other than the current one.
    bool areResultsStale() const;
    QDateTime resultsTime() const { return m_resultsTime; }
    bool isBatchRunning() const { return m_batchCancel != nullptr; }
    bool isCancelling() const { return m_batchCancel && m_batchCancel->load(); }
    bool isExporting() const;
    bool isReadOnly() const { return m_readOnly; }

    // What the tab says: the preview counts, the batch's status line, the ETA, the progress,
    // the results' summary and the note that marks results of an earlier text.
    QString previewCountsText() const { return m_previewCounts; }
    QString statusText() const { return m_status; }
    void setStatusText(const QString &text);
    QString etaText() const { return m_eta; }
    Progress progress() const { return m_progress; }
    QString summaryText() const;
    QString staleNoteText() const;

    // Submits the text as shown with this source: at once, or as soon as the text is read.
    // It is recorded as a batch (origin "window", by this OS user) named `batchName`, or
    // Batches::defaultName() when empty.
    void submit(const QString &source, const QString &batchName = {});
    // The batch of the last submission (known before it is committed), and whether anything
    // of it reached the database (something to follow in the Batches tab).
    QString lastBatchId() const { return m_lastBatchId; }
    QString lastBatchName() const { return m_lastBatchName; }
    // Stops after the chunk in progress; what was committed stays.
    void cancel();
    // Sends the rows whose outcome is `error` again (after the database came back).
    void retryErrors(const QString &fallbackSource);
    // Empties the status line and progress unless there are results to describe.
    void resetStatus();
    // Writes the rows in `stateFilter` (a BulkResultModel::StateRole name; empty: every row)
    // as CSV on a pool thread; a name without .csv gets it. filterLabel names the filter in the
    // status line. exportFinished() tells how it went.
    void exportCsv(
        const QString &path, const QString &stateFilter = {}, const QString &filterLabel = {});

Q_SIGNALS:
    // Anything the tab shows changed.
    void changed();
    void previewUpdated();
    // A batch went out with this source.
    void submitted(const QString &source);
    // The last submission is recorded as this batch, with items to follow.
    void batchRecorded(const QString &id, const QString &name);
    void batchFinished(bool cancelled);
    // A streamed file's piece was committed (streamProgress() tells where it stands).
    void streamProgressed();
    void exportFinished(bool ok, const QString &path);

private:
    struct ExportResult
    {
        QString error; // empty on success
        int rows = 0;
    };

    // The batch record of a submission from this window (named as the user chose, or by
    // source and time).
    NewBatch newBatch(const QString &source) const;
    void setProgress(int value, int maximum, bool textVisible);
    void startParse();
    void parseText(const QString &text);
    void onParseFinished();
    void startBatch();
    void onBatchProgress(quint64 id, int done, int total);
    void onBatchFinished(quint64 id, const QList<ViralSpot::RequestResult> &results, bool cancelled,
        qint64 elapsedMs);
    void updatePreviewCounts();
    void startStream(const ViralSpot::Ui::FileImportProgress &resume);
    void onFileImportProgress(quint64 id, const ViralSpot::Ui::FileImportProgress &progress);
    void onFileImportFinished(quint64 id, const ViralSpot::Ui::FileImportProgress &progress,
        bool cancelled, qint64 elapsedMs);
    void setStreamProgressBar();
    void exportStreamed(const QString &path);

    DatabaseSession *m_database;
    const Settings &m_settings;
    bool m_readOnly;
    TextSource m_textSource;
    bool m_readingText = false; // m_textSource has not answered yet
    ResubmitConfirmation m_confirm;
    BulkResultModel *m_model;
    QTimer *m_parseTimer;
    QFutureWatcher<ViralSpot::BulkParseResult> m_parseWatcher;
    QFutureWatcher<ExportResult> m_exportWatcher;

    bool m_inserting = false;
    ViralSpot::BulkParser::Format m_format = ViralSpot::BulkParser::Format::Auto;
    // The text as last parsed, and its parse (the preview counts, what Submit sends).
    ViralSpot::BulkParseResult m_previewParse;
    QString m_previewText;
    ViralSpot::BulkParser::Format m_previewFormat = ViralSpot::BulkParser::Format::Auto;
    QString m_parsingText;
    ViralSpot::BulkParser::Format m_parsingFormat = ViralSpot::BulkParser::Format::Auto;
    // The text the model's results are for; stale: the current text differs from it.
    QString m_resultsText;
    ViralSpot::BulkParser::Format m_resultsFormat = ViralSpot::BulkParser::Format::Auto;
    QDateTime m_resultsTime;
    bool m_resultsStale = false;
    quint64 m_textGeneration = 0;
    quint64 m_parsingGeneration = 0;
    quint64 m_parsedGeneration = 0;
    bool m_submitAfterParse = false;
    QString m_submitSource;
    QString m_submitBatchName;
    QString m_lastBatchId;
    QString m_lastBatchName;
    bool m_recording = false; // the running batch is recorded (not a retry)
    quint64 m_batchId = 0;
    std::shared_ptr<std::atomic_bool> m_batchCancel;
    QList<int> m_retryRows; // rows of the running retry, in the order sent
    QElapsedTimer m_batchTimer;

    // A file submitted as it is read: the one chosen, and the one the results are for.
    qint64 m_streamThreshold = DefaultStreamThreshold;
    QString m_streamPath;
    ViralSpot::BulkParser::Format m_streamFormat = ViralSpot::BulkParser::Format::Auto;
    bool m_streamResults = false;
    bool m_streamAnnounced = false; // batchRecorded() was emitted for it
    FileImportRequest m_streamRequest;
    FileImportProgress m_streamProgress;
    quint64 m_exportId = 0; // a streamed file's export on the request thread, while running

    QString m_previewCounts;
    QString m_status;
    QString m_eta;
    Progress m_progress;
};

} // namespace ViralSpot::Ui
