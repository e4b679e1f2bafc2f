#pragma once

#include "bulkparser.h"
#include "connectionsecurity.h"
#include "databaseconfig.h"
#include "outcome.h"
#include "settings.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QMainWindow>
#include <QPointer>

#include <atomic>
#include <functional>
#include <memory>

class QAction;
class QComboBox;
class QFrame;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTabWidget;
class QTableView;
class QThread;
class QTimer;

namespace ViralSpot::Ui {

class BulkEditor;
class BulkFilterProxy;
class ElidingLabel;
class BulkResultModel;
class HistoryModel;
class RequestWorker;
class SecretStore;
#ifdef VIRALSPOT_HAS_HTTP
class EndpointPanel;
#endif

// Seams for modal dialogs, so tests can answer them without a nested event loop.
struct DialogHooks
{
    // Runs a modal dialog; default: dialog.exec().
    std::function<int(QDialog &dialog)> exec;
    // Asks for a file name; default: QFileDialog. Empty = cancelled.
    std::function<QString(
        QWidget *parent, const QString &caption, const QString &filter, bool save)>
        fileName;
};

struct MainWindowOptions
{
    QString databaseUrl; // --database; empty: the configured database (settings)
    bool readOnly = false;
};

class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum Tab
    {
        SingleTab,
        BulkTab,
        EndpointTab
    };

    explicit MainWindow(const MainWindowOptions &options = {}, QWidget *parent = nullptr);
    ~MainWindow() override;

    void setDialogHooks(DialogHooks hooks);
    Settings &settings() { return m_settings; }

    // State, for the status bar, scripts and tests.
    BulkResultModel *bulkModel() const { return m_bulkModel; }
    BulkFilterProxy *bulkProxy() const { return m_bulkProxy; }
    HistoryModel *historyModel() const { return m_historyModel; }
    SecretStore *secretStore() const { return m_secrets; }
    ViralSpot::DatabaseConfig databaseConfig() const { return m_config; }
    bool isConnected() const { return m_connected == 1; }
    bool isConnectionKnown() const { return m_connected != -1; }
    bool isBatchRunning() const { return m_batchCancel != nullptr; }
    // True while the preview does not yet reflect the text (typing, inserting, parsing).
    bool isPreviewPending() const;
    QString batchStatusText() const;
    // The parse of the editor's text as it is now. The table (bulkModel()) shows it until a
    // batch runs; afterwards it shows that batch's text and results until the next one.
    const ViralSpot::BulkParseResult &previewParse() const { return m_previewParse; }
    // True when the results shown are for a text other than the editor's.
    bool areResultsStale() const;

    void submitSingle();
    void submitBulk();
    void cancelBulk();
    // Sends the rows whose outcome is `error` again (after the database came back).
    void retryErrors();
    // Replaces the editor's text with the file's (no question: the callers ask first).
    bool importFile(const QString &path);
    // Writes the rows the table shows (its filter applies) as CSV on a pool thread, through
    // the guarded writer; a name without .csv gets it. exportFinished() tells how it went.
    void exportCsv(const QString &path);
    void copyInvalid();
    void openDatabaseSettings();
    void showAbout();
    // Preview and repair of duplicate active queue rows (offered in the banner while requests
    // are refused for them), through the dialog seam.
    void openRepairDialog();
    bool isRepairOffered() const { return !m_repairMessage.isEmpty(); }
    // Switches the window (and its worker) to another database. persist: remember it.
    void setDatabaseConfig(const ViralSpot::DatabaseConfig &config, bool persist);

Q_SIGNALS:
    void connectionChanged(bool connected);
    void singleRequestFinished(const ViralSpot::RequestResult &result);
    void previewUpdated();
    void batchFinished(bool cancelled);
    void exportFinished(bool ok, const QString &path);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildSingleTab(QWidget *page);
    void buildBulkTab(QWidget *page);
    void buildStatusBar();
    void restoreSettings();
    void saveSettings();
    void startWorker();
    void stopWorker();
    void sendConfigToWorker(const ViralSpot::DatabaseConfig &config);
    void loadDatabaseConfig(const ViralSpot::DatabaseConfig &config);
    void rebuildQueueTabs(const ViralSpot::DatabaseConfig &config);

    void updateUsernamePreview();
    void onSingleFinished(quint64 id, const ViralSpot::RequestResult &result);

    void scheduleParse();
    void startParse();
    void onParseFinished();
    void startBatch();
    void onBatchProgress(quint64 id, int done, int total);
    void onBatchFinished(quint64 id, const QList<ViralSpot::RequestResult> &results, bool cancelled,
        qint64 elapsedMs);
    void updatePreviewCounts();
    void updateSummary();
    QString summaryText() const;
    void updateStaleNote();
    bool confirmReplaceText(const QString &path);
    bool confirmSubmitAgain();
    void updateFilter();
    void updateBulkButtons();
    void clearBulk();

    void onConnectionChanged(bool connected, const QString &error);
    void onRepairRequiredChanged(bool required, const QString &message);
    void showRepairBanner();
    void updateStatusBar();
    // The status bar's TLS label: encrypted or not, and what was verified (PostgreSQL only).
    void showConnectionSecurity(const ViralSpot::ConnectionSecurity &security);
    QString currentSource(QComboBox *combo) const;
    void rememberSource(const QString &source);
    void fillSourceCombo(QComboBox *combo);
    void setStatusMessage(const QString &text);

    Settings m_settings;
    MainWindowOptions m_options;
    DialogHooks m_hooks;
    SecretStore *m_secrets = nullptr;

    QThread *m_workerThread = nullptr;
    RequestWorker *m_worker = nullptr;
    ViralSpot::DatabaseConfig m_config;
    int m_connected = -1; // -1 unknown, 0 lost, 1 connected
    QString m_connectionError;
    quint64 m_nextId = 1;

    // Single request
    QTabWidget *m_tabs = nullptr;
    QLineEdit *m_usernameEdit = nullptr;
    ElidingLabel *m_normalizedLabel = nullptr;
    QComboBox *m_sourceCombo = nullptr;
    QPushButton *m_requestButton = nullptr;
    ElidingLabel *m_outcomeLabel = nullptr;
    QLabel *m_outcomeDetail = nullptr;
    QString m_outcomeInput; // the input the shown outcome is for; null: none shown
    HistoryModel *m_historyModel = nullptr;
    QTableView *m_historyView = nullptr;
    int m_singlePending = 0;

    // Bulk
    QSplitter *m_bulkSplitter = nullptr;
    BulkEditor *m_bulkEditor = nullptr;
    QLabel *m_previewCounts = nullptr;
    QComboBox *m_bulkSourceCombo = nullptr;
    QPushButton *m_submitButton = nullptr;
    QPushButton *m_cancelButton = nullptr;
    QPushButton *m_retryButton = nullptr;
    QPushButton *m_copyInvalidButton = nullptr;
    QPushButton *m_exportButton = nullptr;
    QAction *m_submitAction = nullptr;
    QLabel *m_staleNote = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_etaLabel = nullptr;
    QLabel *m_batchStatus = nullptr;
    QComboBox *m_outcomeFilter = nullptr;
    QLabel *m_summaryLabel = nullptr;
    QTableView *m_bulkView = nullptr;
    BulkResultModel *m_bulkModel = nullptr;
    BulkFilterProxy *m_bulkProxy = nullptr;
    QTimer *m_parseTimer = nullptr;
    QFutureWatcher<ViralSpot::BulkParseResult> m_parseWatcher;
    QFutureWatcher<QString> m_exportWatcher; // the error, empty on success
    ViralSpot::BulkParser::Format m_bulkFormat = ViralSpot::BulkParser::Format::Auto;
    // The editor's text as last parsed, and its parse (the preview counts, what Submit sends).
    ViralSpot::BulkParseResult m_previewParse;
    QString m_previewText;
    ViralSpot::BulkParser::Format m_previewFormat = ViralSpot::BulkParser::Format::Auto;
    QString m_parsingText;
    ViralSpot::BulkParser::Format m_parsingFormat = ViralSpot::BulkParser::Format::Auto;
    // The text the model's results are for; stale: the editor's text differs from it.
    QString m_resultsText;
    ViralSpot::BulkParser::Format m_resultsFormat = ViralSpot::BulkParser::Format::Auto;
    QDateTime m_resultsTime;
    bool m_resultsStale = false;
    quint64 m_textGeneration = 0;
    quint64 m_parsingGeneration = 0;
    quint64 m_parsedGeneration = 0;
    bool m_submitAfterParse = false;
    quint64 m_batchId = 0;
    std::shared_ptr<std::atomic_bool> m_batchCancel;
    QList<int> m_retryRows; // rows of the running retry, in the order sent
    QElapsedTimer m_batchTimer;

    // Status
    QFrame *m_banner = nullptr;
    QLabel *m_bannerLabel = nullptr;
    QPushButton *m_bannerRetryButton = nullptr;
    QPushButton *m_repairButton = nullptr;
    QString m_repairMessage; // non-empty: requests wait for the repair
    QLabel *m_statusEngine = nullptr;
    QLabel *m_statusWhere = nullptr;
    QLabel *m_statusConnection = nullptr;
    QLabel *m_statusSecurity = nullptr;

#ifdef VIRALSPOT_HAS_HTTP
    EndpointPanel *m_endpointPanel = nullptr;
#endif
    QList<QWidget *> m_queueTabs;
    int m_restoreTab = -1; // the remembered tab, applied once every tab exists
};

} // namespace ViralSpot::Ui
