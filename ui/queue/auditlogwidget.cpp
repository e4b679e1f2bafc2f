#include "ui/queue/auditlogwidget.h"

#include "core/changes/changewatcher.h"
#include "core/databaseclient.h"
#include "ui/csv/csvwriter.h"
#include "ui/filedialog.h"
#include "ui/queue/queuetabs.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

namespace {

struct Loaded
{
    AuditPage page;
    QStringList actions;
};

} // namespace

AuditLogWidget::AuditLogWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent)
    : AuditLogWidget(createQueueDatabaseThread(config), readOnly, parent)
{ }

AuditLogWidget::AuditLogWidget(
    std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_worker(new DatabaseClient(database, this))
    , m_model(new QStandardItemModel(0, 8, this))
    , m_typingTimer(new QTimer(this))
{
    Q_UNUSED(readOnly) // nothing here writes
    auto *layout = new QVBoxLayout(this);
    auto *filters = new QHBoxLayout;
    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("auditText"));
    m_text->setPlaceholderText(tr("Username, user or host contains…"));
    m_text->setClearButtonEnabled(true);
    filters->addWidget(m_text, 2);
    m_action = new QComboBox(this);
    m_action->setObjectName(QStringLiteral("auditAction"));
    m_action->addItem(tr("All actions"));
    for (const char *name : { "submit", "retry", "pause", "resume", "raise", "repair", "endpoint" })
        m_action->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    filters->addWidget(m_action);
    m_origin = new QComboBox(this);
    m_origin->setObjectName(QStringLiteral("auditOrigin"));
    m_origin->addItem(tr("All origins"));
    for (const char *name : { "window", "terminal", "endpoint" })
        m_origin->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
    filters->addWidget(m_origin);
    m_range = new QComboBox(this);
    m_range->setObjectName(QStringLiteral("auditRange"));
    m_range->addItem(tr("Any time"), 0);
    m_range->addItem(tr("Last 24 hours"), 1);
    m_range->addItem(tr("Last 7 days"), 7);
    m_range->addItem(tr("Last 30 days"), 30);
    filters->addWidget(m_range);
    auto *refreshButton = new QPushButton(tr("Refresh"), this);
    filters->addWidget(refreshButton);
    auto *exportButton = new QPushButton(tr("Export CSV…"), this);
    exportButton->setObjectName(QStringLiteral("auditExport"));
    filters->addWidget(exportButton);
    layout->addLayout(filters);

    m_model->setHorizontalHeaderLabels({ tr("Time"), tr("Origin"), tr("Action"), tr("OS user"),
        tr("Host"), tr("Total"), tr("Counts"), tr("Usernames") });
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("auditView"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setVisible(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_view, 1);

    auto *bottom = new QHBoxLayout;
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("auditStatus"));
    bottom->addWidget(m_status, 1);
    m_more = new QPushButton(tr("Load more"), this);
    m_more->setEnabled(false);
    bottom->addWidget(m_more);
    layout->addLayout(bottom);

    m_typingTimer->setSingleShot(true);
    m_typingTimer->setInterval(300);
    connect(m_text, &QLineEdit::textChanged, this, [this] { m_typingTimer->start(); });
    connect(m_typingTimer, &QTimer::timeout, this, [this] { setFilter(filterFromControls()); });
    for (QComboBox *combo : { m_action, m_origin, m_range })
        connect(combo, &QComboBox::currentIndexChanged, this,
            [this] { setFilter(filterFromControls()); });
    connect(refreshButton, &QPushButton::clicked, this, &AuditLogWidget::refresh);
    connect(m_more, &QPushButton::clicked, this, &AuditLogWidget::loadMore);
    connect(exportButton, &QPushButton::clicked, this, &AuditLogWidget::exportCsv);
    connect(m_worker, &DatabaseClient::busyChanged, this, [this](bool busy) {
        if (!busy && m_refreshWhenIdle) {
            m_refreshWhenIdle = false;
            refresh();
        }
    });
    refresh();
}

AuditLogWidget::~AuditLogWidget() = default;

void AuditLogWidget::setChangeWatcher(ChangeWatcher *watcher)
{
    if (m_watcher)
        disconnect(m_watcher, nullptr, this, nullptr);
    m_watcher = watcher;
    if (!watcher)
        return;
    // The queue changed, and with it, as a rule, the log (requests and actions write both in
    // one transaction). Only the first page follows: pages added with "Load more" stay as
    // they are. Hidden, the tab reads nothing until it is shown; a load on its way is followed
    // by one more, never overlapped.
    connect(watcher, &ChangeWatcher::changed, this, [this] {
        if (m_entries.size() > PageSize)
            return;
        if (!isVisible())
            m_stale = true;
        else if (m_worker->isBusy())
            m_refreshWhenIdle = true;
        else
            refresh();
    });
}

void AuditLogWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (m_stale) {
        m_stale = false;
        if (m_worker->isBusy())
            m_refreshWhenIdle = true;
        else
            refresh();
    }
}

AuditFilter AuditLogWidget::filterFromControls() const
{
    AuditFilter filter;
    filter.text = m_text->text().trimmed();
    if (m_action->currentIndex() > 0)
        filter.action = m_action->currentData().toString();
    if (m_origin->currentIndex() > 0)
        filter.origin = m_origin->currentData().toString();
    if (const int days = m_range->currentData().toInt())
        filter.from = QDateTime::currentDateTimeUtc().addDays(-days);
    return filter;
}

void AuditLogWidget::setFilter(const AuditFilter &filter)
{
    m_filter = filter;
    refresh();
}

void AuditLogWidget::refresh()
{
    load(false);
}

void AuditLogWidget::loadMore()
{
    load(true);
}

void AuditLogWidget::load(bool append)
{
    const quint64 generation = ++m_generation;
    const AuditFilter filter = m_filter;
    const qint64 offset = append ? m_entries.size() : 0;
    m_worker->post(
        [filter, offset](QSqlDatabase &db) {
            Loaded loaded;
            if (!db.isOpen()) {
                loaded.page.error = DatabaseThread::openError();
                return loaded;
            }
            loaded.page = AuditLog::read(db, filter, PageSize, offset);
            return loaded;
        },
        [this, generation, append](const Loaded &result) {
            if (generation != m_generation)
                return;
            if (!result.page.ok) {
                m_status->setText(tr("Database error: %1").arg(result.page.error));
                return;
            }
            if (!append) {
                m_entries.clear();
                m_model->removeRows(0, m_model->rowCount());
            }
            m_entries += result.page.entries;
            appendRows(result.page.entries);
            m_more->setEnabled(result.page.entries.size() == PageSize);
            m_view->resizeColumnsToContents();
            m_status->setText(tr("Entries shown: %1").arg(m_entries.size()));
            Q_EMIT loaded();
        });
}

void AuditLogWidget::appendRows(const QList<AuditEntry> &entries)
{
    for (const AuditEntry &e : entries) {
        QString names = e.usernames.join(QStringLiteral(", "));
        if (e.usernamesTruncated)
            names += tr(" … (truncated)");
        const QString counts = AuditLog::describeDetails(e.details);
        const QList<QStandardItem *> items = {
            new QStandardItem(
                e.occurredAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))),
            new QStandardItem(e.origin),
            new QStandardItem(e.action),
            new QStandardItem(e.osUser),
            new QStandardItem(e.host),
            new QStandardItem(QString::number(e.total)),
            new QStandardItem(counts),
            new QStandardItem(names),
        };
        m_model->appendRow(items);
    }
}

bool AuditLogWidget::exportCsv()
{
    const ValueResult<QString> target = Csv::exportPath(FileDialog::saveFileName(this,
        tr("Export the audit log view"), QStringLiteral("audit.csv"), tr("CSV files (*.csv)")));
    const QString path = target.value;
    if (path.isEmpty()) {
        if (!target.ok)
            m_status->setText(target.error);
        return false;
    }
    if (const Result written = Csv::writeModel(*m_model, path); !written.ok) {
        m_status->setText(tr("Export failed: %1").arg(written.error));
        return false;
    }
    m_status->setText(tr("Exported to %1 (entries: %2).").arg(path).arg(m_model->rowCount()));
    return true;
}

} // namespace ViralSpot::Ui
