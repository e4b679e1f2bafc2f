#pragma once

#include "core/batches/batches.h"
#include "core/databaseclient.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace ViralSpot::Ui {

class BatchItemModel;
class BatchPlaces;
class BatchProgressBar;

// A batch's page: its name (renamed here), notification on/off, progress and ETA, the recorded
// predictions against the actual finish, its items with their live state (filtered by state,
// exported as CSV), and the actions on its rows — retry the failed, raise the waiting, pause /
// resume the rest — each confirmed with the number of rows it would change now. A big batch's
// counts are estimated from a sample (Counting::estimated(), shown with "≈"); its place, when
// deep, comes from BatchPlaces.
class BatchPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchPage)

public:
    BatchPage(std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent = nullptr);

    void setBatch(const QString &id);
    QString batchId() const { return m_batchId; }
    const ViralSpot::BatchDetail &detail() const { return m_detail; }
    BatchItemModel *itemModel() const { return m_items; }
    QTableView *view() const { return m_view; }
    // The counting of the page's reads (Counting::estimated() unless changed; tests set small
    // caps). The items' matching count follows it.
    void setCounting(const ViralSpot::Counting &counting);
    BatchPlaces *places() const { return m_places; }

    // The rows in these states only (empty: all).
    void setStateFilter(const QList<ViralSpot::ItemState> &states);
    // Preview, confirmation (MessageBox), then the action with origin "window". False when
    // nothing was started (read-only, running, not confirmed, nothing to change).
    bool runAction(ViralSpot::BatchAction action);
    // Every item matching the filter, as CSV, to a file chosen through FileDialog.
    bool exportCsv();
    bool rename(const QString &name);
    void setNotify(bool notify);
    QString lastReport() const { return m_lastReport; }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void backRequested();
    void detailLoaded();
    // Its name or notification flag changed, or an action ran: the list shows it.
    void batchChanged(const QString &id);
    void actionFinished(const ViralSpot::BatchActionResult &result);
    void exportFinished(bool ok, const QString &pathOrError, qint64 rows);

private:
    void buildUi();
    void loadDetail();
    void showDetail();
    void updateButtons();
    void report(const QString &text);

    DatabaseClient *m_worker;
    BatchItemModel *m_items;
    BatchPlaces *m_places;
    ViralSpot::Counting m_counting = ViralSpot::Counting::estimated();
    bool m_readOnly;
    QString m_batchId;
    ViralSpot::BatchDetail m_detail;
    bool m_actionRunning = false;
    bool m_exporting = false;
    QString m_lastReport;

    QLineEdit *m_name = nullptr;
    QPushButton *m_renameButton = nullptr;
    QCheckBox *m_notify = nullptr;
    QLabel *m_info = nullptr;
    BatchProgressBar *m_progress = nullptr;
    QLabel *m_counts = nullptr;
    QLabel *m_eta = nullptr;
    QLabel *m_predictions = nullptr;
    QComboBox *m_filter = nullptr;
    QLabel *m_matching = nullptr;
    QTableView *m_view = nullptr;
    QList<QPair<ViralSpot::BatchAction, QPushButton *>> m_actionButtons;
    QPushButton *m_exportButton = nullptr;
    QLabel *m_report = nullptr;
};

} // namespace ViralSpot::Ui
