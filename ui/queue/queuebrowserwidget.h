#pragma once

#include "core/changes/changewatcher.h"
#include "core/databaseclient.h"
#include "core/databaseconfig.h"
#include "core/queueactions.h"
#include "core/queuequery.h"

#include <QElapsedTimer>
#include <QWidget>

#include <memory>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTimer;
class QToolButton;

namespace ViralSpot::Ui {

class QueueTableModel;

// The Queue tab: the `queue` rows with filters, prefix search as you type, counts per status
// and priority, auto-refresh (when the queue changed: ChangeWatcher) that keeps selection and
// scroll position, admin actions on the selected rows (confirmed, reported, run off the GUI
// thread, audited) and CSV export of the current view.
class QueueBrowserWidget final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueueBrowserWidget)

public:
    // With a database thread of its own (createQueueDatabaseThread()).
    explicit QueueBrowserWidget(
        const DatabaseConfig &config, bool readOnly, QWidget *parent = nullptr);
    // On a database thread shared with other views.
    explicit QueueBrowserWidget(
        std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent = nullptr);
    ~QueueBrowserWidget() override;

    QueueTableModel *model() const { return m_model; }
    // Tells when the queue changed, on this tab's database thread, at its auto-refresh
    // interval and pause. Shared by the window's other queue views (createQueueTabs()):
    // a view that shows the queue connects its refresh to changed().
    ChangeWatcher *changeWatcher() const { return m_watcher; }
    QTableView *view() const { return m_view; }
    bool isReadOnly() const { return m_readOnly; }

    // Seconds: 0 (off), 1, 5 or 30; another value picks the nearest of them.
    void setAutoRefreshInterval(int seconds);
    int autoRefreshInterval() const;
    void setAutoRefreshPaused(bool paused);
    bool isAutoRefreshPaused() const;

    // The current filter as set by the controls.
    QueueFilter filterFromControls() const;

    // Ids of the selected rows that are loaded.
    QStringList selectedIds() const;

    // Asks for confirmation, then runs the action on the selected rows on the worker thread.
    // False when nothing was started: read-only mode, empty selection, or not confirmed.
    bool runAction(QueueAction action);

    // Writes every row of the current view (filter and sort) to a CSV file, off the GUI
    // thread. False when nothing was started.
    bool exportCsv();

    QString lastReport() const { return m_lastReport; }
    const QueueCounts &counts() const { return m_counts; }

    // The most rows one count reads (QueueQuery::CountCap; tests make it small), then counts
    // again. Beyond it the labels show "10,000+" or the planner's "about 9.8 million".
    void setCountCap(qint64 cap);
    // Counts every row, for the counts and the matching rows, in the background; the next
    // refresh goes back to capped counts.
    void countExactly();

public Q_SLOTS:
    // Reloads counts and the loaded rows, keeping selection and scroll position.
    void refresh();

Q_SIGNALS:
    void actionFinished(const ViralSpot::QueueActionResult &result);
    void exportFinished(bool ok, const QString &message, qint64 rows);
    void countsUpdated();
    void refreshFinished();
    // The auto-refresh interval in seconds, 0 when paused (the Overview tab follows it).
    void autoRefreshChanged(int seconds);

protected:
    void showEvent(QShowEvent *event) override;

private:
    // The text of an action's button ("Pause selected").
    static QString actionButtonText(QueueAction action);
    void buildUi();
    void applyFilter();
    void loadCounts(qint64 cap = -1); // -1: the count cap; 0: every row
    void loadSources();
    void updateCountsLabel();
    void updateMatchLabel();
    void updateActionButtons();
    void restoreSelection(const QStringList &ids, const QString &currentId);
    void report(const QString &text);

    DatabaseConfig m_config;
    bool m_readOnly = false;
    QueueTableModel *m_model = nullptr;
    DatabaseClient *m_statsWorker = nullptr;
    QTableView *m_view = nullptr;
    QLineEdit *m_search = nullptr;
    QComboBox *m_status = nullptr;
    QComboBox *m_priority = nullptr;
    QComboBox *m_source = nullptr;
    QComboBox *m_created = nullptr;
    QDateTimeEdit *m_createdFrom = nullptr;
    QDateTimeEdit *m_createdTo = nullptr;
    QComboBox *m_interval = nullptr;
    QToolButton *m_pause = nullptr;
    QLabel *m_countsLabel = nullptr;
    QLabel *m_matchLabel = nullptr;
    QLabel *m_refreshedLabel = nullptr;
    QLabel *m_reportLabel = nullptr;
    QList<QPair<QueueAction, QPushButton *>> m_actionButtons;
    QPushButton *m_exportButton = nullptr;
    QPushButton *m_countExactlyButton = nullptr;
    qint64 m_countCap = QueueQuery::CountCap;
    ChangeWatcher *m_watcher = nullptr;
    QTimer *m_searchTimer = nullptr;
    QueueCounts m_counts;
    QString m_lastReport;
    QStringList m_pendingSelection;
    QString m_pendingCurrent;
    bool m_restoringAfterRefresh = false;
    bool m_actionRunning = false;
    bool m_refreshWhenIdle = false; // shown while an older load was running: refresh after it
    QElapsedTimer m_sinceLoad; // since the model's last load or refresh started
};

} // namespace ViralSpot::Ui
