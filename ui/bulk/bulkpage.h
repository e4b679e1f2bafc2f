#pragma once

#include <QElapsedTimer>
#include <QWidget>

#include <memory>

class QComboBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableView;

namespace ViralSpot {
class DatabaseThread;
}

namespace ViralSpot::Ui {

class BatchItemModel;
class BulkEditor;
class BulkFilterProxy;
class BulkSession;
class DatabaseSession;
class Settings;
class SourceCombo;

// The "Bulk" tab: the text editor (paste, type, drop or import a file), the preview and results
// table with its filter, Submit all / Cancel / Retry errors with progress and ETA, Copy invalid
// and Export CSV. The state lives in its BulkSession; this page shows it and asks the questions
// (replace the text? submit the same text again?).
class BulkPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BulkPage)

public:
    BulkPage(DatabaseSession *database, const Settings &settings, bool readOnly,
        QWidget *parent = nullptr);

    BulkSession *session() const { return m_session; }

    void submit();
    void cancel();
    void retryErrors();
    bool canSubmit() const;
    // Replaces the editor's text with the file's (no question: the callers ask first). A file
    // above BulkSession::streamThreshold() is not loaded: Submit all streams it.
    bool importFile(const QString &path);
    // The thread the items of a streamed file are read on (the queue tabs' shared one), or
    // none; without one the page shows a streamed file's counts only.
    void setBatchDatabase(std::shared_ptr<ViralSpot::DatabaseThread> database);
    BatchItemModel *streamItemModel() const { return m_streamItems; }
    // Asks for a file (and, when the editor holds text, whether to replace it), then imports.
    void importWithDialog();
    // Asks for a file name, then exports the rows the table shows (when there are any).
    void exportWithDialog();
    // Writes the rows the table shows (its filter applies) as CSV; see BulkSession::exportCsv.
    void exportCsv(const QString &path);
    void copyInvalid();
    void focusInput();
    void addRecentSource(const QString &source);

    QByteArray splitterState() const;
    void restoreSplitterState(const QByteArray &state);

Q_SIGNALS:
    // The page wants to be the current tab (a file was imported).
    void activationRequested();
    void canSubmitChanged(bool canSubmit);
    // "Follow in Batches": the batch's page, please.
    void followBatchRequested(const QString &batchId);

private:
    void refresh();
    void updateButtons();
    void updateBatchNamePlaceholder();
    void updateStreamView(bool force);
    void clear();
    bool confirmReplaceText(const QString &path);
    bool confirmSubmitAgain();

    BulkSession *m_session;
    bool m_readOnly;
    QSplitter *m_splitter = nullptr;
    BulkEditor *m_editor = nullptr;
    QLabel *m_previewCounts = nullptr;
    SourceCombo *m_sourceCombo = nullptr;
    QLineEdit *m_batchName = nullptr;
    QHBoxLayout *m_batchNameRow = nullptr;
    QPushButton *m_followButton = nullptr;
    QPushButton *m_submitButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QPushButton *m_retryButton = nullptr;
    QPushButton *m_copyInvalidButton = nullptr;
    QPushButton *m_exportButton = nullptr;
    QLabel *m_staleNote = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_etaLabel = nullptr;
    QLabel *m_batchStatus = nullptr;
    QComboBox *m_outcomeFilter = nullptr;
    QLabel *m_summaryLabel = nullptr;
    QTableView *m_view = nullptr;
    BulkFilterProxy *m_proxy = nullptr;
    // A streamed file's results: its batch's items, a page at a time.
    QTableView *m_streamView = nullptr;
    BatchItemModel *m_streamItems = nullptr;
    QElapsedTimer m_streamRefresh;
    bool m_canSubmit = false;
};

} // namespace ViralSpot::Ui
