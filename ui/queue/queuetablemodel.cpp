#include "ui/queue/queuetablemodel.h"

#include "core/databaseclient.h"
#include "ui/queue/queuetabs.h"

#include <QLocale>

#include <algorithm>
#include <climits>

namespace ViralSpot::Ui {

QString QueueTableModel::displayTime(const QDateTime &time)
{
    return time.isValid() ? time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                          : QString();
}

QueueTableModel::QueueTableModel(const DatabaseConfig &config, QObject *parent)
    : QueueTableModel(createQueueDatabaseThread(config), parent)
{ }

QueueTableModel::QueueTableModel(std::shared_ptr<DatabaseThread> database, QObject *parent)
    : QAbstractTableModel(parent)
    , m_worker(new DatabaseClient(database, this))
{
    connect(m_worker, &DatabaseClient::busyChanged, this, &QueueTableModel::busyChanged);
    reload();
}

QueueTableModel::~QueueTableModel() = default;

int QueueTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(std::min<qint64>(m_total, INT_MAX));
}

int QueueTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : QueueColumnCount;
}

const QueueRow *QueueTableModel::rowAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    const auto it = m_pages.find(row / PageSize);
    if (it == m_pages.end())
        return nullptr;
    const int inPage = row % PageSize;
    if (inPage >= it->rows.size())
        return nullptr;
    it->lastUsed = ++m_useCounter;
    return &it->rows.at(inPage);
}

bool QueueTableModel::isLoaded(int row) const
{
    return rowAt(row) != nullptr;
}

QString QueueTableModel::idAt(int row) const
{
    const QueueRow *r = rowAt(row);
    return r ? r->id : QString();
}

int QueueTableModel::rowOfId(const QString &id) const
{
    for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
        for (int i = 0; i < it->rows.size(); ++i) {
            if (it->rows.at(i).id == id) {
                const int row = it.key() * PageSize + i;
                return row < rowCount() ? row : -1;
            }
        }
    }
    return -1;
}

void QueueTableModel::ensureLoaded(int row) const
{
    if (row >= 0 && row < rowCount() && !m_pages.contains(row / PageSize))
        requestPage(row / PageSize);
}

bool QueueTableModel::isBusy() const
{
    return m_worker->isBusy();
}

QVariant QueueTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QueueRow *row = rowAt(index.row());
    if (!row) {
        ensureLoaded(index.row());
        if (role == LoadedRole)
            return false;
        if (role == Qt::DisplayRole && index.column() == 0)
            return tr("loading…");
        return {};
    }
    switch (role) {
    case IdRole:
        return row->id;
    case LoadedRole:
        return true;
    case Qt::ToolTipRole:
        if (QueueColumn(index.column()) == QueueColumn::ErrorMessage)
            return row->errorMessage;
        return {};
    case Qt::TextAlignmentRole:
        if (QueueColumn(index.column()) == QueueColumn::Attempts)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (QueueColumn(index.column())) {
    case QueueColumn::Username:
        return row->username;
    case QueueColumn::Status:
        return row->status;
    case QueueColumn::Priority:
        return row->priority;
    case QueueColumn::Source:
        return row->source;
    case QueueColumn::Attempts:
        return row->attempts;
    case QueueColumn::LastAttempt:
        return displayTime(row->lastAttempt);
    case QueueColumn::ErrorMessage:
        return row->errorMessage.section(QLatin1Char('\n'), 0, 0);
    case QueueColumn::CreatedAt:
        return displayTime(row->createdAt);
    case QueueColumn::UpdatedAt:
        return displayTime(row->updatedAt);
    }
    return {};
}

QVariant QueueTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    switch (QueueColumn(section)) {
    case QueueColumn::Username:
        return tr("Username");
    case QueueColumn::Status:
        return tr("Status");
    case QueueColumn::Priority:
        return tr("Priority");
    case QueueColumn::Source:
        return tr("Source");
    case QueueColumn::Attempts:
        return tr("Attempts");
    case QueueColumn::LastAttempt:
        return tr("Last attempt");
    case QueueColumn::ErrorMessage:
        return tr("Error");
    case QueueColumn::CreatedAt:
        return tr("Created");
    case QueueColumn::UpdatedAt:
        return tr("Updated");
    }
    return {};
}

void QueueTableModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= QueueColumnCount)
        return;
    const QueueSort sort { QueueColumn(column), order };
    if (sort.column == m_sort.column && sort.order == m_sort.order && m_generation > 0)
        return;
    m_sort = sort;
    reload();
}

bool QueueTableModel::canFetchMore(const QModelIndex &parent) const
{
    // More rows than shown may match: count on from the end (a view asks at its last row).
    return !parent.isValid() && m_count.ok && !m_count.isExact() && !m_counting &&
        m_total < INT_MAX;
}

void QueueTableModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        countFrom(m_total);
}

void QueueTableModel::countFrom(qint64 offset)
{
    m_counting = true;
    const quint64 generation = m_generation;
    const QueueFilter filter = m_filter;
    const qint64 cap = m_cap;
    m_worker->post(
        [filter, cap, offset](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueueCount failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::count(db, filter, cap, offset);
        },
        [this, generation, offset](QueueCount count) {
            if (generation != m_generation)
                return;
            m_counting = false;
            if (!count.ok) {
                setError(count.error);
                return;
            }
            // Rows beyond `offset`: the whole count is offset more.
            count.rows += offset;
            count.counted += offset;
            applyCount(count);
        });
}

void QueueTableModel::countExactly()
{
    m_counting = true;
    const quint64 generation = m_generation;
    const QueueFilter filter = m_filter;
    m_worker->post(
        [filter](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueueCount failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::count(db, filter, 0);
        },
        [this, generation](const QueueCount &count) {
            if (generation != m_generation)
                return;
            m_counting = false;
            if (!count.ok) {
                setError(count.error);
                return;
            }
            applyCount(count);
        });
}

void QueueTableModel::setFilter(const QueueFilter &filter)
{
    m_filter = filter;
    reload();
}

void QueueTableModel::reload()
{
    // Two jobs: the first page is shown as soon as it is read; the COUNT over the whole
    // filter (the slower part on millions of rows) follows and sets the final row count.
    const quint64 generation = ++m_generation;
    m_requested.clear();
    m_refreshOutstanding = 0;
    m_counting = false;
    m_count = QueueCount();
    const QueueFilter filter = m_filter;
    const QueueSort sort = m_sort;
    const qint64 cap = m_cap;
    m_worker->post(
        [filter, sort](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueuePage failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::fetch(db, filter, sort, 0, PageSize);
        },
        [this, generation](const QueuePage &page) {
            if (generation != m_generation)
                return;
            if (!page.ok) {
                setError(page.error);
                return;
            }
            m_lastError.clear();
            beginResetModel();
            m_pages.clear();
            m_total = page.rows.size();
            if (!page.rows.isEmpty())
                m_pages.insert(0, Page { page.rows, ++m_useCounter });
            endResetModel();
            Q_EMIT firstPageLoaded();
        });
    m_worker->post(
        [filter, cap](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueueCount failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::count(db, filter, cap);
        },
        [this, generation](const QueueCount &count) {
            if (generation != m_generation)
                return;
            if (!count.ok) {
                setError(count.error);
                return;
            }
            applyCount(count);
            Q_EMIT filterApplied();
        });
}

void QueueTableModel::applyCount(const QueueCount &count)
{
    m_count = count;
    // Beyond the cap the view shows the estimate (up to a limit: the rest comes by scrolling to
    // the end), or at least the rows known to exist.
    qint64 rows = count.rows;
    if (!count.isExact())
        rows = std::max(std::min(count.rows, m_estimatedRowsLimit), count.counted);
    setRows(rows);
    Q_EMIT totalChanged(m_total);
}

void QueueTableModel::setRows(qint64 rows)
{
    const int oldRows = rowCount();
    const int newRows = int(std::min<qint64>(rows, INT_MAX));
    if (newRows > oldRows) {
        beginInsertRows({}, oldRows, newRows - 1);
        m_total = rows;
        endInsertRows();
    } else if (newRows < oldRows) {
        beginRemoveRows({}, newRows, oldRows - 1);
        m_total = rows;
        const int lastPage = newRows == 0 ? -1 : (newRows - 1) / PageSize;
        for (auto it = m_pages.begin(); it != m_pages.end();)
            it = it.key() > lastPage ? m_pages.erase(it) : std::next(it);
        endRemoveRows();
    }
    m_total = rows;
}

void QueueTableModel::requestPage(int page, bool forRefresh) const
{
    if (!forRefresh && m_requested.contains(page))
        return;
    m_requested.insert(page);
    auto *self = const_cast<QueueTableModel *>(this);
    const quint64 generation = m_generation;
    const QueueFilter filter = m_filter;
    const QueueSort sort = m_sort;
    m_worker->post(
        [filter, sort, page](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueuePage failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::fetch(db, filter, sort, qint64(page) * PageSize, PageSize);
        },
        [self, generation, page, forRefresh](const QueuePage &result) {
            if (generation != self->m_generation)
                return;
            self->m_requested.remove(page);
            if (!result.ok)
                self->setError(result.error);
            else
                self->storePage(page, result.rows);
            if (forRefresh)
                self->finishRefreshStep();
        });
}

void QueueTableModel::storePage(int page, QList<QueueRow> rows)
{
    if (m_count.ok && !m_count.isExact() && rows.size() < PageSize) {
        if (!rows.isEmpty()) {
            // A short page ends the matching rows: the count is exact now.
            QueueCount exact;
            exact.ok = true;
            exact.rows = exact.counted = qint64(page) * PageSize + rows.size();
            applyCount(exact);
        } else if (!m_counting) {
            // The estimate went past the end: count on from the rows known to exist.
            qint64 known = m_count.counted;
            for (auto it = m_pages.cbegin(); it != m_pages.cend(); ++it) {
                if (it->rows.size() == PageSize)
                    known = std::max(known, qint64(it.key() + 1) * PageSize);
            }
            countFrom(std::min(known, qint64(page) * PageSize));
            return;
        }
    }
    m_pages.insert(page, Page { std::move(rows), ++m_useCounter });
    evictPages();
    const int first = page * PageSize;
    const int last = std::min(first + PageSize, rowCount()) - 1;
    if (last >= first)
        Q_EMIT dataChanged(index(first, 0), index(last, QueueColumnCount - 1));
    Q_EMIT pageLoaded(page);
}

void QueueTableModel::evictPages()
{
    while (m_pages.size() > MaxCachedPages) {
        auto oldest = m_pages.begin();
        for (auto it = m_pages.begin(); it != m_pages.end(); ++it) {
            if (it->lastUsed < oldest->lastUsed)
                oldest = it;
        }
        m_pages.erase(oldest);
    }
}

void QueueTableModel::refresh()
{
    if (m_refreshOutstanding > 0)
        return; // the previous refresh is still on its way
    const quint64 generation = m_generation;
    const QueueFilter filter = m_filter;
    const qint64 cap = m_cap;
    m_refreshOutstanding = 1;
    m_worker->post(
        [filter, cap](QSqlDatabase &db) {
            if (!db.isOpen()) {
                QueueCount failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return QueueQuery::count(db, filter, cap);
        },
        [this, generation](QueueCount count) {
            if (generation != m_generation)
                return;
            if (!count.ok) {
                setError(count.error);
                m_refreshOutstanding = 0;
                Q_EMIT refreshed();
                return;
            }
            m_lastError.clear();
            // A capped count does not take back rows already known to exist (counted on
            // from the end, or shown exactly): the view keeps its place.
            const qint64 known = m_count.isExact() ? m_count.rows : m_count.counted;
            if (!count.isExact() && m_count.ok && known > count.counted) {
                count.counted = known;
                if (count.kind == CountKind::Capped)
                    count.rows = known - 1;
                else
                    count.rows = std::max(count.rows, known);
            }
            applyCount(count);
            const int newRows = rowCount();
            QList<int> pages = m_pages.keys();
            if (pages.isEmpty() && newRows > 0)
                pages << 0;
            m_refreshOutstanding = int(pages.size()) + 1;
            for (const int page : std::as_const(pages))
                requestPage(page, true);
            finishRefreshStep();
        });
}

void QueueTableModel::finishRefreshStep()
{
    if (m_refreshOutstanding <= 0)
        return;
    if (--m_refreshOutstanding == 0)
        Q_EMIT refreshed();
}

void QueueTableModel::setError(const QString &error)
{
    m_lastError = error;
    Q_EMIT errorOccurred(error);
}

} // namespace ViralSpot::Ui
