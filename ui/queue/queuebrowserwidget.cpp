// Over 600 lines: the queue tab is one widget (filters, table, actions, export, paging).
#include "ui/queue/queuebrowserwidget.h"

#include "core/changes/changewatcher.h"
#include "core/databaseclient.h"
#include "ui/csv/csvwriter.h"
#include "ui/filedialog.h"
#include "ui/messagebox.h"
#include "ui/queue/queuetablemodel.h"
#include "ui/queue/queuetabs.h"

#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QSaveFile>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

namespace {

constexpr int ExportChunk = 5000;
// A load started this recently is as current as one started when the tab is shown.
constexpr qint64 FreshLoadMs = 1000;
// The auto-refresh choices, in seconds (0: off).
constexpr int RefreshChoices[] = { 0, 1, 5, 30 };

struct ActionJobResult
{
    QueueActionResult result;
    QString resolveError;
};

struct ExportResult
{
    bool ok = false;
    QString error;
    qint64 rows = 0;
};

struct CountsAndSources
{
    QueueCounts counts;
    QStringList sources;
};

enum CreatedRange
{
    AnyTime,
    LastHour,
    LastDay,
    LastWeek,
    LastMonth,
    Custom
};

} // namespace

QueueBrowserWidget::QueueBrowserWidget(const DatabaseConfig &config, bool readOnly, QWidget *parent)
    : QueueBrowserWidget(createQueueDatabaseThread(config), readOnly, parent)
{ }

QueueBrowserWidget::QueueBrowserWidget(
    std::shared_ptr<DatabaseThread> database, bool readOnly, QWidget *parent)
    : QWidget(parent)
    , m_config(database->config())
    , m_readOnly(readOnly)
    , m_model(new QueueTableModel(database, this))
    , m_statsWorker(new DatabaseClient(database, this))
    , m_watcher(new ChangeWatcher(database, this))
    , m_searchTimer(new QTimer(this))
{
    m_sinceLoad.start(); // the model loads the first page now
    buildUi();

    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(250);
    connect(m_searchTimer, &QTimer::timeout, this, &QueueBrowserWidget::applyFilter);
    // Read again only when the queue changed (pushed, or seen by the watcher's cheap check),
    // and only while the tab is looked at: showEvent() catches up when it comes into view.
    // A refresh never overlaps the one on its way: it follows it.
    connect(m_watcher, &ChangeWatcher::changed, this, [this] {
        if (!isVisible())
            return;
        if (m_model->isBusy())
            m_refreshWhenIdle = true;
        else
            refresh();
    });
    setAutoRefreshInterval(5);

    connect(m_model, &QueueTableModel::totalChanged, this, &QueueBrowserWidget::updateMatchLabel);
    connect(m_model, &QueueTableModel::errorOccurred, this,
        [this](const QString &message) { report(tr("Database error: %1").arg(message)); });
    connect(m_model, &QueueTableModel::refreshed, this, [this] {
        restoreSelection(m_pendingSelection, m_pendingCurrent);
        m_refreshedLabel->setText(
            tr("Refreshed at %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
        Q_EMIT refreshFinished();
    });
    connect(m_model, &QueueTableModel::busyChanged, this, [this](bool busy) {
        if (!busy && m_refreshWhenIdle) {
            m_refreshWhenIdle = false;
            refresh();
        }
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
        &QueueBrowserWidget::updateActionButtons);
    connect(
        m_model, &QAbstractItemModel::modelReset, this, &QueueBrowserWidget::updateActionButtons);
    loadCounts();
    loadSources();
    updateActionButtons();
}

QueueBrowserWidget::~QueueBrowserWidget() = default;

QString QueueBrowserWidget::actionButtonText(QueueAction action)
{
    // "…selected" tells these apart from the auto-refresh's pause and resume.
    switch (action) {
    case QueueAction::Retry:
        return tr("Retry selected");
    case QueueAction::Pause:
        return tr("Pause selected");
    case QueueAction::Resume:
        return tr("Resume selected");
    case QueueAction::Raise:
        return tr("Raise priority of selected");
    }
    return QueueActions::actionLabel(action);
}

void QueueBrowserWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    // Coming into view, the tab shows the queue as it is now, not as it was when the window
    // opened or the tab was last looked at. A load that started moments ago (the window's
    // first) is current; an older one still on its way is followed by one more.
    if (!m_model->isBusy())
        refresh();
    else if (m_sinceLoad.elapsed() > FreshLoadMs)
        m_refreshWhenIdle = true;
}

void QueueBrowserWidget::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    m_countsLabel = new QLabel(this);
    m_countsLabel->setObjectName(QStringLiteral("countsLabel"));
    m_countsLabel->setTextFormat(Qt::PlainText);
    layout->addWidget(m_countsLabel);

    auto *filters = new QHBoxLayout;
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("searchEdit"));
    m_search->setPlaceholderText(tr("Find username (prefix)…"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchTimer->start(); });
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        m_searchTimer->stop();
        applyFilter();
    });
    filters->addWidget(m_search, 2);

    m_status = new QComboBox(this);
    m_status->setObjectName(QStringLiteral("statusFilter"));
    m_status->addItem(tr("All statuses"));
    for (const QString &s : QueueQuery::knownStatuses())
        m_status->addItem(s, s);
    filters->addWidget(m_status);

    m_priority = new QComboBox(this);
    m_priority->setObjectName(QStringLiteral("priorityFilter"));
    m_priority->addItem(tr("All priorities"));
    for (const QString &p : QueueQuery::knownPriorities())
        m_priority->addItem(p, p);
    filters->addWidget(m_priority);

    m_source = new QComboBox(this);
    m_source->setObjectName(QStringLiteral("sourceFilter"));
    m_source->addItem(tr("All sources"));
    filters->addWidget(m_source);

    m_created = new QComboBox(this);
    m_created->setObjectName(QStringLiteral("createdFilter"));
    m_created->addItem(tr("Created any time"), AnyTime);
    m_created->addItem(tr("Last hour"), LastHour);
    m_created->addItem(tr("Last 24 hours"), LastDay);
    m_created->addItem(tr("Last 7 days"), LastWeek);
    m_created->addItem(tr("Last 30 days"), LastMonth);
    m_created->addItem(tr("Between…"), Custom);
    filters->addWidget(m_created);
    m_createdFrom = new QDateTimeEdit(QDateTime::currentDateTime().addDays(-1), this);
    m_createdFrom->setObjectName(QStringLiteral("createdFrom"));
    m_createdTo = new QDateTimeEdit(QDateTime::currentDateTime().addSecs(3600), this);
    m_createdTo->setObjectName(QStringLiteral("createdTo"));
    for (QDateTimeEdit *edit : { m_createdFrom, m_createdTo }) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
        edit->setVisible(false);
        filters->addWidget(edit);
        connect(edit, &QDateTimeEdit::dateTimeChanged, this, &QueueBrowserWidget::applyFilter);
    }
    for (QComboBox *combo : { m_status, m_priority, m_source, m_created })
        connect(combo, &QComboBox::currentIndexChanged, this, &QueueBrowserWidget::applyFilter);
    connect(m_created, &QComboBox::currentIndexChanged, this, [this] {
        const bool custom = m_created->currentData().toInt() == Custom;
        m_createdFrom->setVisible(custom);
        m_createdTo->setVisible(custom);
    });
    layout->addLayout(filters);

    auto *refreshRow = new QHBoxLayout;
    m_matchLabel = new QLabel(this);
    m_matchLabel->setObjectName(QStringLiteral("matchLabel"));
    refreshRow->addWidget(m_matchLabel);
    // Counts stop at a cap on a large queue; every row is counted only when asked.
    m_countExactlyButton = new QPushButton(tr("Count exactly"), this);
    m_countExactlyButton->setObjectName(QStringLiteral("countExactly"));
    m_countExactlyButton->setToolTip(
        tr("Count every row (on millions of rows this reads the whole queue)."));
    m_countExactlyButton->setEnabled(false);
    connect(m_countExactlyButton, &QPushButton::clicked, this, &QueueBrowserWidget::countExactly);
    refreshRow->addWidget(m_countExactlyButton);
    refreshRow->addStretch(1);
    refreshRow->addWidget(new QLabel(tr("Auto-refresh"), this));
    m_interval = new QComboBox(this);
    m_interval->setObjectName(QStringLiteral("refreshInterval"));
    for (const int seconds : RefreshChoices)
        m_interval->addItem(seconds == 0 ? tr("Off") : tr("%n s", nullptr, seconds), seconds);
    connect(m_interval, &QComboBox::currentIndexChanged, this, [this] {
        m_watcher->setInterval(autoRefreshInterval() * 1000);
        Q_EMIT autoRefreshChanged(isAutoRefreshPaused() ? 0 : autoRefreshInterval());
    });
    refreshRow->addWidget(m_interval);
    m_pause = new QToolButton(this);
    m_pause->setObjectName(QStringLiteral("pauseRefresh"));
    // Named apart from "Pause selected", which pauses queue rows.
    m_pause->setText(tr("Pause auto-refresh"));
    m_pause->setCheckable(true);
    connect(m_pause, &QToolButton::toggled, this, &QueueBrowserWidget::setAutoRefreshPaused);
    refreshRow->addWidget(m_pause);
    auto *refreshNow = new QToolButton(this);
    refreshNow->setObjectName(QStringLiteral("refreshNow"));
    refreshNow->setText(tr("Refresh now"));
    connect(refreshNow, &QToolButton::clicked, this, &QueueBrowserWidget::refresh);
    refreshRow->addWidget(refreshNow);
    m_refreshedLabel = new QLabel(this);
    m_refreshedLabel->setObjectName(QStringLiteral("refreshedLabel"));
    refreshRow->addWidget(m_refreshedLabel);
    layout->addLayout(refreshRow);

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("queueView"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->setVisible(false);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->horizontalHeader()->setStretchLastSection(true);
    // Fixed widths from the font: sizing to contents would read rows that are not loaded.
    const int timeWidth =
        m_view->fontMetrics().horizontalAdvance(QStringLiteral("0000-00-00 00:00:00")) + 16;
    for (const QueueColumn column :
        { QueueColumn::LastAttempt, QueueColumn::CreatedAt, QueueColumn::UpdatedAt })
        m_view->setColumnWidth(int(column), timeWidth);
    m_view->setColumnWidth(int(QueueColumn::Username), timeWidth);
    m_view->setColumnWidth(int(QueueColumn::ErrorMessage), timeWidth * 3 / 2);
    m_view->horizontalHeader()->setSortIndicator(int(QueueColumn::CreatedAt), Qt::DescendingOrder);
    m_view->setSortingEnabled(true);
    layout->addWidget(m_view, 1);

    auto *actions = new QHBoxLayout;
    const QList<QPair<QueueAction, QString>> buttons = {
        { QueueAction::Retry, QStringLiteral("retryButton") },
        { QueueAction::Pause, QStringLiteral("pauseButton") },
        { QueueAction::Resume, QStringLiteral("resumeButton") },
        { QueueAction::Raise, QStringLiteral("raiseButton") },
    };
    for (const auto &b : buttons) {
        auto *button = new QPushButton(actionButtonText(b.first), this);
        button->setObjectName(b.second);
        const QueueAction action = b.first;
        connect(button, &QPushButton::clicked, this, [this, action] { runAction(action); });
        actions->addWidget(button);
        m_actionButtons.append({ b.first, button });
    }
    actions->addStretch(1);
    m_exportButton = new QPushButton(tr("Export CSV…"), this);
    m_exportButton->setObjectName(QStringLiteral("exportButton"));
    connect(m_exportButton, &QPushButton::clicked, this, &QueueBrowserWidget::exportCsv);
    actions->addWidget(m_exportButton);
    layout->addLayout(actions);

    m_reportLabel = new QLabel(this);
    m_reportLabel->setObjectName(QStringLiteral("reportLabel"));
    m_reportLabel->setWordWrap(true);
    m_reportLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_reportLabel);
    if (m_readOnly)
        report(tr("Read-only mode: actions are disabled."));
}

void QueueBrowserWidget::setAutoRefreshInterval(int seconds)
{
    // The nearest of the choices.
    int best = 0;
    for (int i = 0; i < m_interval->count(); ++i) {
        if (qAbs(m_interval->itemData(i).toInt() - seconds) <
            qAbs(m_interval->itemData(best).toInt() - seconds))
            best = i;
    }
    m_interval->setCurrentIndex(best);
    m_watcher->setInterval(autoRefreshInterval() * 1000);
}

int QueueBrowserWidget::autoRefreshInterval() const
{
    return m_interval->currentData().toInt();
}

void QueueBrowserWidget::setAutoRefreshPaused(bool paused)
{
    if (m_pause->isChecked() != paused)
        m_pause->setChecked(paused); // comes back here through toggled()
    m_pause->setText(paused ? tr("Resume auto-refresh") : tr("Pause auto-refresh"));
    m_watcher->setPaused(paused, ChangeWatcher::ByUser);
    Q_EMIT autoRefreshChanged(paused ? 0 : autoRefreshInterval());
}

bool QueueBrowserWidget::isAutoRefreshPaused() const
{
    return m_pause->isChecked();
}

QueueFilter QueueBrowserWidget::filterFromControls() const
{
    QueueFilter filter;
    if (m_status->currentIndex() > 0)
        filter.statuses << m_status->currentData().toString();
    if (m_priority->currentIndex() > 0)
        filter.priorities << m_priority->currentData().toString();
    if (m_source->currentIndex() > 0)
        filter.source = m_source->currentText();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    switch (m_created->currentData().toInt()) {
    case LastHour:
        filter.createdFrom = now.addSecs(-3600);
        break;
    case LastDay:
        filter.createdFrom = now.addDays(-1);
        break;
    case LastWeek:
        filter.createdFrom = now.addDays(-7);
        break;
    case LastMonth:
        filter.createdFrom = now.addDays(-30);
        break;
    case Custom:
        filter.createdFrom = m_createdFrom->dateTime().toUTC();
        filter.createdTo = m_createdTo->dateTime().toUTC();
        break;
    default:
        break;
    }
    filter.usernamePrefix = m_search->text();
    return filter;
}

void QueueBrowserWidget::applyFilter()
{
    const QueueFilter filter = filterFromControls();
    if (filter == m_model->filter() && !filter.createdFrom.isValid())
        return;
    m_sinceLoad.start();
    m_model->setFilter(filter);
}

void QueueBrowserWidget::refresh()
{
    // A relative range ("last hour") slides to now; the rest of the filter stays as it was
    // applied. The rows keep their places (the ones that left the range go from the end):
    // selection and scroll position survive.
    switch (m_created->currentData().toInt()) {
    case LastHour:
    case LastDay:
    case LastWeek:
    case LastMonth:
        m_model->slideTimeRange(filterFromControls().createdFrom);
        break;
    default:
        break;
    }
    m_sinceLoad.start();
    m_pendingSelection = selectedIds();
    const QModelIndex current = m_view->currentIndex();
    m_pendingCurrent = current.isValid() ? m_model->idAt(current.row()) : QString();
    m_model->refresh();
    loadCounts();
}

void QueueBrowserWidget::restoreSelection(const QStringList &ids, const QString &currentId)
{
    if (ids.isEmpty() && currentId.isEmpty())
        return;
    QItemSelection selection;
    for (const QString &id : ids) {
        const int row = m_model->rowOfId(id);
        if (row >= 0)
            selection.select(
                m_model->index(row, 0), m_model->index(row, m_model->columnCount() - 1));
    }
    QItemSelectionModel *sm = m_view->selectionModel();
    const int currentRow = currentId.isEmpty() ? -1 : m_model->rowOfId(currentId);
    if (currentRow >= 0)
        sm->setCurrentIndex(
            m_model->index(currentRow,
                m_view->currentIndex().column() < 0 ? 0 : m_view->currentIndex().column()),
            QItemSelectionModel::NoUpdate);
    sm->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

QStringList QueueBrowserWidget::selectedIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        const QString id = m_model->idAt(index.row());
        if (!id.isEmpty())
            ids << id;
    }
    return ids;
}

void QueueBrowserWidget::setCountCap(qint64 cap)
{
    m_countCap = cap;
    m_model->setCountCap(cap);
    m_model->setFilter(m_model->filter());
    loadCounts();
}

void QueueBrowserWidget::countExactly()
{
    m_countExactlyButton->setEnabled(false);
    m_countExactlyButton->setText(tr("Counting…"));
    m_model->countExactly();
    loadCounts(0);
}

void QueueBrowserWidget::loadCounts(qint64 cap)
{
    if (cap < 0)
        cap = m_countCap;
    m_statsWorker->post(
        [cap](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueueCounts failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::counts(db, cap);
        },
        [this](const QueueCounts &counts) {
            if (!counts.ok) {
                m_countsLabel->setText(tr("Counts unavailable: %1").arg(counts.error));
                return;
            }
            m_counts = counts;
            updateCountsLabel();
            Q_EMIT countsUpdated();
        });
}

void QueueBrowserWidget::loadSources()
{
    m_statsWorker->post(
        [](QSqlDatabase &db) {
            return db.isOpen() ? QueueQuery::sources(db).value : QStringList();
        },
        [this](const QStringList &sources) {
            const QString current =
                m_source->currentIndex() > 0 ? m_source->currentText() : QString();
            QSignalBlocker block(m_source);
            while (m_source->count() > 1)
                m_source->removeItem(1);
            m_source->addItems(sources);
            if (!current.isEmpty()) {
                const int i = m_source->findText(current);
                if (i > 0)
                    m_source->setCurrentIndex(i);
            }
        });
}

namespace {

// What an inexact count means, said once after the numbers ("" when all are exact).
QString countNote(const QList<QueueCount> &counts, qint64 cap)
{
    bool capped = false;
    bool estimated = false;
    for (const QueueCount &c : counts) {
        capped = capped || c.kind == CountKind::Capped;
        estimated = estimated || c.kind == CountKind::Estimated;
    }
    const QString limit = QLocale().toString(cap);
    if (estimated && capped)
        return QueueBrowserWidget::tr(
            "(“about”: estimated by PostgreSQL, “+”: counting stopped, beyond %1 rows)")
            .arg(limit);
    if (estimated)
        return QueueBrowserWidget::tr("(“about”: estimated by PostgreSQL beyond %1 rows)")
            .arg(limit);
    if (capped)
        return QueueBrowserWidget::tr("(“+”: counting stopped at %1 rows)").arg(limit);
    return {};
}

} // namespace

void QueueBrowserWidget::updateCountsLabel()
{
    QList<QueueCount> all { m_counts.total };
    QStringList parts;
    for (auto it = m_counts.byStatus.cbegin(); it != m_counts.byStatus.cend(); ++it) {
        parts << QStringLiteral("%1 %2").arg(it.key(), QueueQuery::countText(it.value()));
        all << it.value();
    }
    QStringList priorities;
    for (auto it = m_counts.byPriority.cbegin(); it != m_counts.byPriority.cend(); ++it) {
        priorities << QStringLiteral("%1 %2").arg(it.key(), QueueQuery::countText(it.value()));
        all << it.value();
    }
    QString text =
        tr("Total %1 — %2 — %3")
            .arg(QueueQuery::countText(m_counts.total))
            .arg(parts.join(QStringLiteral(" · ")), priorities.join(QStringLiteral(" · ")));
    if (const QString note = countNote(all, m_countCap); !note.isEmpty())
        text += QLatin1Char(' ') + note;
    m_countsLabel->setText(text);
    m_countExactlyButton->setEnabled(!m_counts.isExact() || !m_model->count().isExact());
    m_countExactlyButton->setText(tr("Count exactly"));
}

void QueueBrowserWidget::updateMatchLabel()
{
    const QueueCount &count = m_model->count();
    QString text = tr("Matching rows: %1").arg(QueueQuery::countText(count));
    if (const QString note = countNote({ count }, m_countCap); !note.isEmpty())
        text += QLatin1Char(' ') + note;
    m_matchLabel->setText(text);
    m_countExactlyButton->setEnabled(!m_counts.isExact() || !count.isExact());
}

void QueueBrowserWidget::updateActionButtons()
{
    const bool any = m_view->selectionModel()->hasSelection();
    for (const auto &b : std::as_const(m_actionButtons)) {
        b.second->setEnabled(!m_readOnly && any && !m_actionRunning);
        b.second->setToolTip(m_readOnly ? tr("Read-only mode") : QString());
    }
}

void QueueBrowserWidget::report(const QString &text)
{
    m_lastReport = text;
    m_reportLabel->setText(text);
}

bool QueueBrowserWidget::runAction(QueueAction action)
{
    if (m_readOnly || m_actionRunning)
        return false;
    // Loaded rows by id; rows of a range selection whose page is not loaded by position.
    QStringList ids;
    QList<QPair<int, int>> unloaded; // (first row, count)
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    QList<int> missing;
    for (const QModelIndex &index : rows) {
        const QString id = m_model->idAt(index.row());
        if (id.isEmpty())
            missing << index.row();
        else
            ids << id;
    }
    std::sort(missing.begin(), missing.end());
    for (const int row : std::as_const(missing)) {
        if (!unloaded.isEmpty() && unloaded.last().first + unloaded.last().second == row)
            unloaded.last().second += 1;
        else
            unloaded.append({ row, 1 });
    }
    const int selected = int(rows.size());
    if (selected == 0)
        return false;
    const QString label = QueueActions::actionLabel(action);
    QString what;
    switch (action) {
    case QueueAction::Retry:
        what = tr("Failed rows go back to pending, their error cleared.");
        break;
    case QueueAction::Pause:
        what = tr("Pending rows are paused: workers leave them alone.");
        break;
    case QueueAction::Resume:
        what = tr("Paused rows go back to pending.");
        break;
    case QueueAction::Raise:
        what = tr("Low-priority rows are raised to high priority.");
        break;
    }
    // Asked first (Yes or Cancel); tests answer through MessageBox::setNextAnswer().
    if (!MessageBox::confirm(this,
            { QStringLiteral("queueActionBox"), label,
                tr("%1: selected rows: %2. Go ahead?").arg(label).arg(selected) +
                    QLatin1Char('\n') + what +
                    tr("\nRows in another state are skipped, and so is any row that "
                       "would become a second active row for its username."),
                {}, {} }))
        return false;

    m_actionRunning = true;
    updateActionButtons();
    report(tr("%1: working…").arg(label));
    const QueueFilter filter = m_model->filter();
    const QueueSort sort = m_model->sortOrder();
    m_model->worker()->post(
        [action, ids, unloaded, filter, sort](QSqlDatabase &db) {
            ActionJobResult job;
            if (!db.isOpen()) {
                job.result.action = action;
                job.result.error = DatabaseThread::openError();
                return job;
            }
            QStringList all = ids;
            for (const auto &range : unloaded) {
                const ValueResult<QStringList> rangeIds =
                    QueueQuery::fetchIds(db, filter, sort, range.first, range.second);
                all += rangeIds.value;
                if (!rangeIds.ok)
                    job.resolveError = rangeIds.error;
            }
            job.result = QueueActions::apply(
                db, action, all, AuditEntry::forOrigin(QStringLiteral("window")));
            return job;
        },
        [this](const ActionJobResult &job) {
            m_actionRunning = false;
            updateActionButtons();
            report(job.result.summary());
            Q_EMIT actionFinished(job.result);
            refresh();
        });
    return true;
}

bool QueueBrowserWidget::exportCsv()
{
    const ValueResult<QString> target = Csv::exportPath(FileDialog::saveFileName(
        this, tr("Export the queue view"), QStringLiteral("queue.csv"), tr("CSV files (*.csv)")));
    const QString path = target.value;
    if (path.isEmpty()) {
        if (!target.ok)
            report(target.error);
        return false;
    }
    m_exportButton->setEnabled(false);
    report(tr("Exporting to %1…").arg(path));
    const QueueFilter filter = m_model->filter();
    const QueueSort sort = m_model->sortOrder();
    m_statsWorker->post(
        [path, filter, sort](QSqlDatabase &db) {
            ExportResult result;
            if (!db.isOpen()) {
                result.error = DatabaseThread::openError();
                return result;
            }
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly)) {
                result.error = file.errorString();
                return result;
            }
            file.write(Csv::line(Csv::queueHeader()).toUtf8());
            for (qint64 offset = 0;; offset += ExportChunk) {
                const QueuePage page = QueueQuery::fetch(db, filter, sort, offset, ExportChunk);
                if (!page.ok) {
                    result.error = page.error;
                    file.cancelWriting();
                    return result;
                }
                QByteArray chunk;
                for (const QueueRow &row : page.rows)
                    chunk += Csv::line(Csv::queueFields(row)).toUtf8();
                file.write(chunk);
                result.rows += page.rows.size();
                if (page.rows.size() < ExportChunk)
                    break;
            }
            if (!file.commit()) {
                result.error = file.errorString();
                return result;
            }
            result.ok = true;
            return result;
        },
        [this, path](const ExportResult &result) {
            m_exportButton->setEnabled(true);
            const QString message = result.ok
                ? tr("Exported to %1 (rows: %2).").arg(path).arg(result.rows)
                : tr("Export failed: %1").arg(result.error);
            report(message);
            Q_EMIT exportFinished(result.ok, result.ok ? path : result.error, result.rows);
        });
    return true;
}

} // namespace ViralSpot::Ui
