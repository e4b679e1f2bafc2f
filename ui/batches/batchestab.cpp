#include "ui/batches/batchestab.h"

#include "core/auditlog.h"
#include "ui/batches/batchfinishwatcher.h"
#include "ui/batches/batchformat.h"
#include "ui/batches/batchlistmodel.h"
#include "ui/batches/batchpage.h"
#include "ui/batches/batchprogress.h"
#include "ui/settings.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QStackedWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <functional>

namespace ViralSpot::Ui {

namespace {

// Enter on a row opens it (a table view would move to the next row).
class EnterOpensFilter final : public QObject
{
public:
    EnterOpensFilter(QObject *parent, std::function<void()> open)
        : QObject(parent)
        , m_open(std::move(open))
    { }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::KeyPress) {
            const int key = static_cast<QKeyEvent *>(event)->key();
            if (key == Qt::Key_Return || key == Qt::Key_Enter) {
                m_open();
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }

private:
    std::function<void()> m_open;
};

} // namespace

BatchesTab::BatchesTab(
    std::shared_ptr<DatabaseThread> database, Settings &settings, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_settings(settings)
    , m_model(new BatchListModel(database, this))
    , m_watcher(new BatchFinishWatcher(database, AuditLog::currentOsUser(), this))
    , m_searchTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("batchesTab"));
    m_stack = new QStackedWidget(this);
    auto *listPage = new QWidget(m_stack);

    m_search = new QLineEdit(listPage);
    m_search->setObjectName(QStringLiteral("batchSearchEdit"));
    m_search->setPlaceholderText(tr("Find a batch by name…"));
    m_search->setClearButtonEnabled(true);
    m_countLabel = new QLabel(listPage);
    m_countLabel->setObjectName(QStringLiteral("batchCountLabel"));
    m_notifyAll = new QCheckBox(tr("Desktop &notifications when my batches finish"), listPage);
    m_notifyAll->setObjectName(QStringLiteral("notifyAllCheck"));
    m_notifyAll->setChecked(m_settings.batchNotifications());
    m_watcher->setAnnounce(m_notifyAll->isChecked());
    connect(m_notifyAll, &QCheckBox::toggled, this, [this](bool on) {
        m_settings.setBatchNotifications(on);
        m_settings.sync();
        m_watcher->setAnnounce(on);
    });
    auto *top = new QHBoxLayout;
    top->addWidget(m_search, 2);
    top->addWidget(m_countLabel, 1);
    top->addWidget(m_notifyAll);

    m_view = new QTableView(listPage);
    m_view->setObjectName(QStringLiteral("batchesView"));
    m_view->setModel(m_model);
    m_view->setItemDelegateForColumn(
        BatchListModel::ProgressColumn, new BatchProgressDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 10);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const int unit = m_view->fontMetrics().horizontalAdvance(QLatin1Char('m'));
    m_view->setColumnWidth(BatchListModel::NameColumn, unit * 17);
    m_view->setColumnWidth(BatchListModel::ProgressColumn, unit * 16);
    m_view->setColumnWidth(BatchListModel::EtaColumn, unit * 15);
    m_view->setColumnWidth(BatchListModel::SourceColumn, unit * 10);
    m_view->setColumnWidth(BatchListModel::OriginColumn, unit * 6);
    m_view->setColumnWidth(BatchListModel::SubmittedByColumn, unit * 8);
    m_view->installEventFilter(new EnterOpensFilter(m_view, [this] { openCurrent(); }));
    connect(m_view, &QAbstractItemView::doubleClicked, this, [this] { openCurrent(); });
    m_errorLabel = new QLabel(listPage);
    m_errorLabel->setObjectName(QStringLiteral("batchesErrorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->hide();

    auto *listLayout = new QVBoxLayout(listPage);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addLayout(top);
    listLayout->addWidget(m_view, 1);
    listLayout->addWidget(m_errorLabel);

    m_page = new BatchPage(database, readOnly, m_stack);
    m_stack->addWidget(listPage);
    m_stack->addWidget(m_page);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_stack);

    connect(m_page, &BatchPage::backRequested, this, &BatchesTab::showList);
    connect(m_page, &BatchPage::batchChanged, m_model, &BatchListModel::refresh);
    connect(m_model, &BatchListModel::loaded, this, [this] {
        m_errorLabel->hide();
        updateCountLabel();
    });
    connect(m_model, &BatchListModel::errorOccurred, this, [this](const QString &error) {
        m_errorLabel->setText(tr("Database error: %1").arg(error));
        m_errorLabel->show();
    });

    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, m_searchTimer, qOverload<>(&QTimer::start));
    connect(m_searchTimer, &QTimer::timeout, this,
        [this] { m_model->setSearch(m_search->text().trimmed()); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_searchTimer->stop();
        m_model->setSearch(m_search->text().trimmed());
    });
    updateCountLabel();
}

bool BatchesTab::isPageShown() const
{
    return m_stack->currentWidget() == m_page;
}

void BatchesTab::refresh()
{
    m_model->refresh();
    if (isPageShown())
        m_page->refresh();
    m_watcher->check();
}

void BatchesTab::refreshIfShown()
{
    if (isVisible())
        refresh();
    else
        m_watcher->check();
}

void BatchesTab::openBatch(const QString &id)
{
    if (id.isEmpty())
        return;
    m_page->setBatch(id);
    m_stack->setCurrentWidget(m_page);
    m_page->view()->setFocus();
}

void BatchesTab::showList()
{
    const QString id = m_page->batchId();
    m_stack->setCurrentIndex(0);
    const int row = m_model->rowOfId(id);
    if (row >= 0)
        m_view->selectRow(row);
    m_view->setFocus();
    m_model->refresh();
}

void BatchesTab::openCurrent()
{
    const QModelIndex current = m_view->currentIndex();
    if (current.isValid())
        openBatch(current.data(BatchListModel::IdRole).toString());
}

void BatchesTab::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
}

void BatchesTab::updateCountLabel()
{
    m_countLabel->setText(
        BatchFormat::batchCount(m_model->totalBatches(), m_model->isTotalCapped()));
}

} // namespace ViralSpot::Ui
