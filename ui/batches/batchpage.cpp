#include "ui/batches/batchpage.h"

#include "core/auditlog.h"
#include "ui/batches/batchexport.h"
#include "ui/batches/batchformat.h"
#include "ui/batches/batchitemmodel.h"
#include "ui/batches/batchplaces.h"
#include "ui/batches/batchprogress.h"
#include "ui/csv/csvwriter.h"
#include "ui/filedialog.h"
#include "ui/messagebox.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

BatchPage::BatchPage(std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_worker(new DatabaseClient(database, this))
    , m_items(new BatchItemModel(database, this))
    , m_places(new BatchPlaces(database, this))
    , m_readOnly(readOnly)
{
    setObjectName(QStringLiteral("batchPage"));
    buildUi();
    connect(m_items, &BatchItemModel::loaded, this, [this] {
        m_matching->setText(
            (m_items->isMatchingEstimated() ? tr("Items shown: %1 of about %2 matching")
                                            : tr("Items shown: %1 of %2 matching"))
                .arg(QLocale().toString(m_items->rowCount()),
                    QLocale().toString(m_items->matching())));
    });
    connect(m_places, &BatchPlaces::placed, this, [this] {
        if (m_detail.found && m_places->apply(m_detail.summary))
            showDetail();
    });
    connect(m_items, &BatchItemModel::errorOccurred, this,
        [this](const QString &error) { report(tr("Database error: %1").arg(error)); });
    updateButtons();
}

void BatchPage::buildUi()
{
    auto *back = new QPushButton(tr("← All batches"), this);
    back->setObjectName(QStringLiteral("backButton"));
    connect(back, &QPushButton::clicked, this, &BatchPage::backRequested);
    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("batchNameEdit"));
    m_name->setMaxLength(200);
    m_renameButton = new QPushButton(tr("Re&name"), this);
    m_renameButton->setObjectName(QStringLiteral("renameButton"));
    connect(m_renameButton, &QPushButton::clicked, this, [this] { rename(m_name->text()); });
    connect(m_name, &QLineEdit::returnPressed, this, [this] { rename(m_name->text()); });
    m_notify = new QCheckBox(tr("Notify me when it finishes"), this);
    m_notify->setObjectName(QStringLiteral("batchNotifyCheck"));
    connect(m_notify, &QCheckBox::clicked, this, &BatchPage::setNotify);
    auto *top = new QHBoxLayout;
    top->addWidget(back);
    auto *nameLabel = new QLabel(tr("&Name:"), this);
    nameLabel->setBuddy(m_name);
    top->addSpacing(8);
    top->addWidget(nameLabel);
    top->addWidget(m_name, 1);
    top->addWidget(m_renameButton);
    top->addWidget(m_notify);

    m_info = new QLabel(this);
    m_info->setObjectName(QStringLiteral("batchInfoLabel"));
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_progress = new BatchProgressBar(this);
    m_progress->setObjectName(QStringLiteral("batchProgressBar"));
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("batchCountsLabel"));
    m_eta = new QLabel(this);
    m_eta->setObjectName(QStringLiteral("batchEtaLabel"));
    m_predictions = new QLabel(this);
    m_predictions->setObjectName(QStringLiteral("predictionsLabel"));
    m_predictions->setWordWrap(true);
    m_predictions->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *grid = new QGridLayout;
    grid->addWidget(m_info, 0, 0, 1, 3);
    grid->addWidget(m_progress, 1, 0, 1, 2);
    grid->addWidget(m_eta, 1, 2);
    grid->addWidget(m_counts, 2, 0, 1, 3);
    grid->addWidget(m_predictions, 3, 0, 1, 3);
    grid->setColumnStretch(1, 1);

    m_filter = new QComboBox(this);
    m_filter->setObjectName(QStringLiteral("itemStateFilter"));
    m_filter->addItem(tr("All items"), QString());
    for (ItemState s : { ItemState::Processed, ItemState::Processing, ItemState::Waiting,
             ItemState::Failed, ItemState::Paused, ItemState::Gone, ItemState::NotQueued })
        m_filter->addItem(Batches::itemStateLabel(s), Batches::itemStateName(s));
    connect(m_filter, &QComboBox::currentIndexChanged, this, [this] {
        const auto state = Batches::itemStateFromName(m_filter->currentData().toString());
        m_items->setStates(state ? QList<ItemState> { *state } : QList<ItemState>());
    });
    m_matching = new QLabel(this);
    m_matching->setObjectName(QStringLiteral("itemsMatchingLabel"));
    auto *filterRow = new QHBoxLayout;
    auto *filterLabel = new QLabel(tr("&Show:"), this);
    filterLabel->setBuddy(m_filter);
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filter);
    filterRow->addWidget(m_matching, 1);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("batchItemsView"));
    m_view->setModel(m_items);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const int unit = m_view->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_view->setColumnWidth(BatchItemModel::PositionColumn, unit * 5);
    m_view->setColumnWidth(BatchItemModel::InputColumn, unit * 16);
    m_view->setColumnWidth(BatchItemModel::UsernameColumn, unit * 13);
    m_view->setColumnWidth(BatchItemModel::SubmittedColumn, unit * 12);
    m_view->setColumnWidth(BatchItemModel::StateColumn, unit * 9);
    m_view->setColumnWidth(BatchItemModel::PriorityColumn, unit * 6);
    m_view->setColumnWidth(BatchItemModel::AttemptsColumn, unit * 6);

    auto *actions = new QHBoxLayout;
    const QList<QPair<BatchAction, QString>> buttons = {
        { BatchAction::RetryFailed, QStringLiteral("retryFailedButton") },
        { BatchAction::RaiseWaiting, QStringLiteral("raiseWaitingButton") },
        { BatchAction::PauseRest, QStringLiteral("pauseRestButton") },
        { BatchAction::ResumeRest, QStringLiteral("resumeRestButton") },
    };
    for (const auto &b : buttons) {
        auto *button = new QPushButton(Batches::actionLabel(b.first), this);
        button->setObjectName(b.second);
        const BatchAction action = b.first;
        connect(button, &QPushButton::clicked, this, [this, action] { runAction(action); });
        actions->addWidget(button);
        m_actionButtons.append({ b.first, button });
    }
    actions->addStretch(1);
    m_exportButton = new QPushButton(tr("E&xport CSV…"), this);
    m_exportButton->setObjectName(QStringLiteral("exportItemsButton"));
    connect(m_exportButton, &QPushButton::clicked, this, &BatchPage::exportCsv);
    actions->addWidget(m_exportButton);

    m_report = new QLabel(this);
    m_report->setObjectName(QStringLiteral("batchReportLabel"));
    m_report->setWordWrap(true);
    m_report->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid);
    layout->addLayout(filterRow);
    layout->addWidget(m_view, 1);
    layout->addLayout(actions);
    layout->addWidget(m_report);
}

void BatchPage::setCounting(const Counting &counting)
{
    m_counting = counting;
    m_items->setCounting(counting);
    m_places->setCounting(counting);
}

void BatchPage::setBatch(const QString &id)
{
    m_batchId = id;
    m_detail = BatchDetail();
    m_report->clear();
    m_lastReport.clear();
    m_name->clear();
    m_predictions->clear();
    {
        QSignalBlocker block(m_filter);
        m_filter->setCurrentIndex(0);
    }
    m_items->setBatch(id);
    loadDetail();
}

void BatchPage::setStateFilter(const QList<ItemState> &states)
{
    const int index =
        states.size() == 1 ? m_filter->findData(Batches::itemStateName(states.constFirst())) : 0;
    if (states.size() <= 1 && index >= 0 && index != m_filter->currentIndex()) {
        m_filter->setCurrentIndex(index); // the combo's signal applies it
        return;
    }
    m_items->setStates(states);
}

void BatchPage::refresh()
{
    if (m_batchId.isEmpty())
        return;
    loadDetail();
    m_items->refresh();
}

void BatchPage::loadDetail()
{
    const QString id = m_batchId;
    const Counting counting = m_counting;
    m_worker->post(
        [id, counting](QSqlDatabase &db) {
            if (!db.isOpen()) {
                BatchDetail failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return Batches::detail(db, id, QDateTime::currentDateTimeUtc(), counting);
        },
        [this, id](BatchDetail detail) {
            if (id != m_batchId)
                return;
            if (!detail.ok) {
                report(tr("Database error: %1").arg(detail.error));
                return;
            }
            if (!detail.found) {
                report(tr("This batch no longer exists."));
                return;
            }
            m_places->apply(detail.summary);
            m_detail = detail;
            showDetail();
            Q_EMIT detailLoaded();
        });
}

void BatchPage::showDetail()
{
    const BatchSummary &s = m_detail.summary;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    if (!m_name->hasFocus())
        m_name->setText(s.name);
    m_notify->setChecked(s.notify);
    m_info->setText(
        tr("Source %1 · from the %2 · by %3 · created %4")
            .arg(s.source, s.origin, s.submittedBy,
                s.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"))));
    m_progress->setCounts(s.counts);
    m_counts->setText(BatchFormat::counts(s.counts));
    m_counts->setToolTip(BatchFormat::estimateNote(s.counts));
    m_eta->setText(
        s.counts.done() ? BatchFormat::eta(s, now) : tr("ETA %1").arg(BatchFormat::eta(s, now)));
    QStringList lines;
    for (const BatchDetail::Prediction &p : std::as_const(m_detail.predictions))
        lines << BatchFormat::prediction(p, s.finishedAt, now);
    m_predictions->setText(lines.isEmpty()
            ? tr("No prediction recorded yet.")
            : tr("Predictions: %1").arg(lines.join(QStringLiteral("; "))));
    updateButtons();
}

void BatchPage::updateButtons()
{
    const bool loaded = m_detail.found;
    const BatchCounts &c = m_detail.summary.counts;
    for (const auto &b : std::as_const(m_actionButtons)) {
        // An estimate can miss a state with few items; the action's preview counts exactly.
        bool relevant = c.estimated;
        switch (b.first) {
        case BatchAction::RetryFailed:
            relevant = relevant || c.failed > 0;
            break;
        case BatchAction::RaiseWaiting:
            relevant = relevant || c.waiting > c.waitingHigh;
            break;
        case BatchAction::PauseRest:
            relevant = relevant || c.waiting > 0;
            break;
        case BatchAction::ResumeRest:
            relevant = relevant || c.paused > 0;
            break;
        }
        b.second->setEnabled(!m_readOnly && loaded && relevant && !m_actionRunning);
        b.second->setToolTip(m_readOnly ? tr("Read-only mode") : QString());
    }
    m_renameButton->setEnabled(!m_readOnly && loaded);
    m_name->setReadOnly(m_readOnly);
    m_notify->setEnabled(!m_readOnly && loaded);
    m_exportButton->setEnabled(loaded && !m_exporting);
}

void BatchPage::report(const QString &text)
{
    m_lastReport = text;
    m_report->setText(text);
}

bool BatchPage::runAction(BatchAction action)
{
    if (m_readOnly || m_actionRunning || m_batchId.isEmpty())
        return false;
    m_actionRunning = true;
    updateButtons();
    const QString id = m_batchId;
    const QString label = Batches::actionLabel(action);
    report(tr("%1: counting…").arg(label));
    // First how many rows it would change now, for the question; the action itself after.
    m_worker->post(
        [id, action](QSqlDatabase &db) {
            if (!db.isOpen()) {
                BatchActionResult failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return Batches::preview(db, id, action);
        },
        [this, id, action, label](const BatchActionResult &preview) {
            if (id != m_batchId || !preview.ok || preview.eligible == 0) {
                m_actionRunning = false;
                updateButtons();
                report(!preview.ok ? tr("%1 failed: %2").arg(label, preview.error)
                                   : tr("%1: nothing to change now.").arg(label));
                return;
            }
            if (!MessageBox::confirm(this,
                    { QStringLiteral("batchActionBox"), label,
                        BatchFormat::actionQuestion(action, preview.eligible),
                        tr("Rows that changed meanwhile are skipped, and so is any row that "
                           "would become a second active row for its username."),
                        label })) {
                m_actionRunning = false;
                updateButtons();
                report(tr("%1: not confirmed; nothing changed.").arg(label));
                return;
            }
            report(tr("%1: working…").arg(label));
            m_worker->post(
                [id, action](QSqlDatabase &db) {
                    if (!db.isOpen()) {
                        BatchActionResult failed;
                        failed.error = DatabaseThread::openError();
                        return failed;
                    }
                    return Batches::apply(
                        db, id, action, AuditEntry::forOrigin(QStringLiteral("window")));
                },
                [this, id, label](const BatchActionResult &result) {
                    m_actionRunning = false;
                    report(result.ok ? (result.summary.isEmpty() ? tr("%1: changed %2, skipped %3.")
                                                                       .arg(label)
                                                                       .arg(result.changed)
                                                                       .arg(result.skipped)
                                                                 : result.summary)
                                     : tr("%1 failed: %2").arg(label, result.error));
                    Q_EMIT actionFinished(result);
                    Q_EMIT batchChanged(id);
                    refresh();
                });
        });
    return true;
}

bool BatchPage::exportCsv()
{
    if (m_batchId.isEmpty() || m_exporting)
        return false;
    const ValueResult<QString> target =
        Csv::exportPath(FileDialog::saveFileName(this, tr("Export the batch's items"),
            BatchExport::fileName(m_detail.summary.name), tr("CSV files (*.csv)")));
    const QString path = target.value;
    if (path.isEmpty()) {
        if (!target.ok)
            report(target.error);
        return false;
    }
    m_exporting = true;
    updateButtons();
    report(tr("Exporting to %1…").arg(QDir::toNativeSeparators(path)));
    const QString id = m_batchId;
    const QList<ItemState> states = m_items->states();
    m_worker->post(
        [path, id, states](QSqlDatabase &db) {
            if (!db.isOpen())
                return BatchExport::Result { false, DatabaseThread::openError(), 0 };
            return BatchExport::write(db, path, id, states);
        },
        [this, path](const BatchExport::Result &result) {
            m_exporting = false;
            updateButtons();
            report(result.ok ? tr("Exported to %1 (items: %2).")
                                   .arg(QDir::toNativeSeparators(path))
                                   .arg(result.rows)
                             : tr("Export failed: %1").arg(result.error));
            Q_EMIT exportFinished(result.ok, result.ok ? path : result.error, result.rows);
        });
    return true;
}

bool BatchPage::rename(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (m_readOnly || m_batchId.isEmpty() || trimmed.isEmpty())
        return false;
    const QString id = m_batchId;
    m_worker->post(
        [id, trimmed](QSqlDatabase &db) {
            return db.isOpen() ? Batches::rename(db, id, trimmed)
                               : Result::failure(DatabaseThread::openError());
        },
        [this, id, trimmed](const Result &result) {
            report(result.ok ? tr("Renamed to “%1”.").arg(trimmed)
                             : tr("Could not rename: %1").arg(result.error));
            if (result.ok) {
                m_detail.summary.name = trimmed;
                Q_EMIT batchChanged(id);
            }
        });
    return true;
}

void BatchPage::setNotify(bool notify)
{
    if (m_readOnly || m_batchId.isEmpty())
        return;
    const QString id = m_batchId;
    m_worker->post(
        [id, notify](QSqlDatabase &db) {
            return db.isOpen() ? Batches::setNotify(db, id, notify)
                               : Result::failure(DatabaseThread::openError());
        },
        [this, id, notify](const Result &result) {
            if (!result.ok) {
                report(tr("Could not change the notification: %1").arg(result.error));
                m_notify->setChecked(!notify);
                return;
            }
            m_detail.summary.notify = notify;
            report(notify ? tr("A notification comes when this batch finishes.")
                          : tr("No notification for this batch."));
            Q_EMIT batchChanged(id);
        });
}

} // namespace ViralSpot::Ui
