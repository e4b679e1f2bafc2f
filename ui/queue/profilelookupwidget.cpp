#include "ui/queue/profilelookupwidget.h"

#include "core/auditlog.h"
#include "core/database.h"
#include "core/databaseclient.h"
#include "core/requestservice.h"
#include "core/username.h"
#include "ui/queue/queuetablemodel.h"
#include "ui/queue/queuetabs.h"

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

struct Lookup
{
    bool ok = false;
    QString error;
    bool processed = false;
    QList<QueueRow> history;
};

} // namespace

ProfileLookupWidget::ProfileLookupWidget(
    const DatabaseConfig &config, bool readOnly, QWidget *parent)
    : ProfileLookupWidget(createQueueDatabaseThread(config), readOnly, parent)
{ }

ProfileLookupWidget::ProfileLookupWidget(
    std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_config(database->config())
    , m_readOnly(readOnly)
    , m_worker(new DatabaseClient(database, this))
    , m_historyModel(new QStandardItemModel(0, 8, this))
    , m_typingTimer(new QTimer(this))
{
    auto *layout = new QVBoxLayout(this);
    auto *row = new QHBoxLayout;
    m_input = new QLineEdit(this);
    m_input->setObjectName(QStringLiteral("lookupEdit"));
    m_input->setPlaceholderText(tr("Username, @name or instagram.com link"));
    row->addWidget(m_input, 1);
    m_request = new QPushButton(tr("Request processing"), this);
    m_request->setObjectName(QStringLiteral("requestButton"));
    m_request->setEnabled(false);
    if (m_readOnly)
        m_request->setToolTip(tr("Read-only mode"));
    row->addWidget(m_request);
    layout->addLayout(row);

    m_status = new QLabel(tr("Type a username to see its state and queue history."), this);
    m_status->setObjectName(QStringLiteral("lookupStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    m_historyModel->setHorizontalHeaderLabels({ tr("Status"), tr("Priority"), tr("Source"),
        tr("Attempts"), tr("Last attempt"), tr("Error"), tr("Created"), tr("Updated") });
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("historyView"));
    m_view->setModel(m_historyModel);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->verticalHeader()->setVisible(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_view, 1);

    m_typingTimer->setSingleShot(true);
    m_typingTimer->setInterval(300);
    connect(m_input, &QLineEdit::textChanged, this, [this] { m_typingTimer->start(); });
    connect(m_typingTimer, &QTimer::timeout, this, [this] {
        if (!m_input->text().trimmed().isEmpty())
            lookUp(m_input->text());
    });
    connect(m_input, &QLineEdit::returnPressed, this, [this] {
        m_typingTimer->stop();
        lookUp(m_input->text());
    });
    connect(m_request, &QPushButton::clicked, this, &ProfileLookupWidget::requestShown);
}

ProfileLookupWidget::~ProfileLookupWidget() = default;

QString ProfileLookupWidget::statusText() const
{
    return m_status->text();
}

bool ProfileLookupWidget::lookUp(const QString &input)
{
    const Username::Parsed parsed = Username::normalize(input);
    if (!parsed.isValid()) {
        ++m_lookupGeneration;
        m_username.clear();
        m_history.clear();
        m_historyModel->removeRows(0, m_historyModel->rowCount());
        m_request->setEnabled(false);
        m_status->setText(tr("Not a valid username: %1").arg(parsed.error));
        return false;
    }
    const QString username = parsed.username;
    const quint64 generation = ++m_lookupGeneration;
    m_status->setText(tr("Looking up %1…").arg(username));
    m_worker->post(
        [username](QSqlDatabase &db) {
            Lookup lookup;
            if (!db.isOpen()) {
                lookup.error = DatabaseThread::openError();
                return lookup;
            }
            const ValueResult<bool> processed = QueueQuery::isProcessed(db, username);
            if (!processed.ok) {
                lookup.error = processed.error;
                return lookup;
            }
            lookup.processed = processed.value;
            const ValueResult<QList<QueueRow>> history = QueueQuery::history(db, username);
            lookup.ok = history.ok;
            lookup.error = history.error;
            lookup.history = history.value;
            return lookup;
        },
        [this, username, generation](const Lookup &lookup) {
            if (generation != m_lookupGeneration)
                return;
            if (!lookup.ok) {
                m_status->setText(tr("Database error: %1").arg(lookup.error));
                return;
            }
            m_username = username;
            m_processed = lookup.processed;
            m_history = lookup.history;
            showHistory();
            Q_EMIT lookedUp(username);
        });
    return true;
}

void ProfileLookupWidget::showHistory()
{
    m_historyModel->removeRows(0, m_historyModel->rowCount());
    bool active = false;
    for (const QueueRow &row : std::as_const(m_history)) {
        active = active || row.status == QLatin1String("PENDING") ||
            row.status == QLatin1String("PROCESSING");
        QList<QStandardItem *> items;
        for (const QString &text : { row.status, row.priority, row.source,
                 QString::number(row.attempts), QueueTableModel::displayTime(row.lastAttempt),
                 row.errorMessage, QueueTableModel::displayTime(row.createdAt),
                 QueueTableModel::displayTime(row.updatedAt) })
            items << new QStandardItem(text);
        m_historyModel->appendRow(items);
    }
    QString text = m_processed ? tr("%1 is processed (in primary_profiles).").arg(m_username)
                               : tr("%1 is not processed yet.").arg(m_username);
    text += QLatin1Char(' ') +
        (m_history.isEmpty() ? tr("It has never been on the queue.")
                             : tr("Queue rows: %1.").arg(m_history.size()));
    if (active)
        text += QLatin1Char(' ') + tr("It is waiting on the queue now.");
    if (!m_notice.isEmpty())
        text = m_notice + QLatin1Char('\n') + text;
    m_notice.clear();
    m_status->setText(text);
    m_view->resizeColumnsToContents();
    m_request->setEnabled(!m_readOnly && !m_processed && !active);
}

bool ProfileLookupWidget::requestShown()
{
    if (m_readOnly || m_username.isEmpty())
        return false;
    const QString username = m_username;
    const DatabaseConfig config = m_config;
    m_request->setEnabled(false);
    m_worker->post(
        [username, config](QSqlDatabase &db) {
            RequestResult result;
            {
                RequestService service(config,
                    Database::threadConnectionName(QStringLiteral("ui_queue_lookup_request")));
                result = service.request(username, QStringLiteral("admin-window"));
            }
            if (db.isOpen()) {
                AuditEntry entry = AuditLog::submissionEntry(QStringLiteral("window"), { result });
                AuditLog::record(db, entry);
            }
            return result;
        },
        [this](const RequestResult &result) {
            // Shown above the refreshed history.
            m_notice = result.message;
            Q_EMIT requestFinished(result);
            lookUp(result.username.isEmpty() ? m_username : result.username);
        });
    return true;
}

} // namespace ViralSpot::Ui
