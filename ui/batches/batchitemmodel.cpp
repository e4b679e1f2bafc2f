#include "ui/batches/batchitemmodel.h"

#include "ui/bulkresultmodel.h"
#include "ui/palette/statuspalette.h"

#include <QBrush>

namespace ViralSpot::Ui {

namespace {

QColor stateColor(ItemState state)
{
    using StatusPalette::queueStatus;
    switch (state) {
    case ItemState::Processed:
        return queueStatus(u"COMPLETED");
    case ItemState::Processing:
        return queueStatus(u"PROCESSING");
    case ItemState::Waiting:
        return queueStatus(u"PENDING");
    case ItemState::Failed:
        return queueStatus(u"FAILED");
    case ItemState::Paused:
        return queueStatus(u"PAUSED");
    case ItemState::Gone:
    case ItemState::NotQueued:
        break;
    }
    return StatusPalette::other();
}

} // namespace

BatchItemModel::BatchItemModel(std::shared_ptr<DatabaseThread> database, QObject *parent)
    : QAbstractTableModel(parent)
    , m_worker(new DatabaseClient(std::move(database), this))
{ }

int BatchItemModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BatchItemModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchItemModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const BatchItem &item = m_rows.at(index.row());
    if (role == StateNameRole)
        return Batches::itemStateName(item.state);
    if (role == Qt::ForegroundRole) {
        if (index.column() == StateColumn)
            return QBrush(stateColor(item.state));
        if (index.column() == SubmittedColumn)
            return QBrush(StatusPalette::outcome(outcomeName(item.outcome)));
        return {};
    }
    if (role == Qt::ToolTipRole && index.column() == SubmittedColumn)
        return item.message;
    if (role == Qt::ToolTipRole && index.column() == ErrorColumn)
        return item.errorMessage;
    if (role == Qt::TextAlignmentRole &&
        (index.column() == PositionColumn || index.column() == AttemptsColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    const QStringList fields = csvFields(item);
    return index.column() < fields.size() ? fields.at(index.column()) : QVariant();
}

QVariant BatchItemModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    const QStringList header = csvHeader();
    return section >= 0 && section < header.size() ? header.at(section) : QVariant();
}

QStringList BatchItemModel::csvHeader()
{
    return { tr("#"), tr("Input"), tr("Username"), tr("At submission"), tr("State now"),
        tr("Priority"), tr("Attempts"), tr("Error") };
}

QStringList BatchItemModel::csvFields(const BatchItem &item)
{
    const bool hasRow = !item.status.isEmpty();
    return { QString::number(item.position), item.input, item.username, outcomeLabel(item.outcome),
        Batches::itemStateLabel(item.state), hasRow ? item.priority : QString(),
        hasRow ? QString::number(item.attempts) : QString(), item.errorMessage };
}

bool BatchItemModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() || m_fetching || m_batchId.isEmpty())
        return false;
    // A short page was the last; an estimate may be short or long of the truth, so only the
    // pages decide then.
    return m_lastPageFull && (m_matchingEstimated || m_rows.size() < m_matching);
}

void BatchItemModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        load(PageSize, false);
}

void BatchItemModel::setBatch(const QString &id, const QList<ItemState> &states)
{
    m_batchId = id;
    m_states = states;
    m_refreshAgain = false;
    beginResetModel();
    m_rows.clear();
    m_matching = 0;
    m_matchingEstimated = false;
    m_lastPageFull = false;
    endResetModel();
    load(PageSize, true);
}

void BatchItemModel::setStates(const QList<ItemState> &states)
{
    if (states == m_states)
        return;
    setBatch(m_batchId, states);
}

void BatchItemModel::refresh()
{
    if (m_batchId.isEmpty())
        return;
    if (m_fetching) {
        // The answer on its way may have been read before what this refresh is for: read
        // once more after it (the page reads only when told of a change).
        m_refreshAgain = true;
        return;
    }
    m_refreshAgain = false;
    load(int(qBound(qsizetype(PageSize), m_rows.size(), qsizetype(MaxRefreshRows))), true);
}

const BatchItem *BatchItemModel::itemAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

void BatchItemModel::load(int limit, bool replace)
{
    if (m_batchId.isEmpty())
        return;
    const quint64 generation = replace ? ++m_generation : m_generation;
    m_fetching = true;
    const QString id = m_batchId;
    const QList<ItemState> states = m_states;
    const Counting counting = m_counting;
    // The next page starts after the last row shown, by position: an OFFSET walked every
    // earlier item again for each page, and skipped or repeated rows when items changed state
    // between pages. It is not counted again (refresh() counts).
    const int after = replace || m_rows.isEmpty() ? 0 : m_rows.constLast().position;
    m_worker->post(
        [id, states, limit, replace, after, counting](QSqlDatabase &db) {
            if (!db.isOpen()) {
                BatchItems failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            if (!replace)
                return Batches::itemsAfter(db, id, states, after, limit);
            return Batches::items(db, id, states, limit, 0, counting);
        },
        [this, generation, replace, limit](const BatchItems &items) {
            if (generation != m_generation)
                return;
            m_fetching = false;
            if (!items.ok) {
                Q_EMIT errorOccurred(items.error);
                return;
            }
            m_lastPageFull = items.items.size() >= limit;
            if (!replace) { // the next page (itemsAfter): appended, not counted
                if (!items.items.isEmpty()) {
                    beginInsertRows(
                        {}, int(m_rows.size()), int(m_rows.size() + items.items.size() - 1));
                    m_rows += items.items;
                    endInsertRows();
                }
                // An estimate never says fewer than the rows read.
                if (m_matchingEstimated)
                    m_matching = qMax(m_matching, qint64(m_rows.size()));
            } else {
                m_matching = items.matching;
                m_matchingEstimated = items.matchingEstimated;
                if (items.items.size() == m_rows.size()) {
                    m_rows = items.items; // the same positions: selection and scroll stay
                    if (!m_rows.isEmpty())
                        Q_EMIT dataChanged(
                            index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
                } else {
                    beginResetModel();
                    m_rows = items.items;
                    endResetModel();
                }
            }
            if (m_refreshAgain) {
                refresh(); // loaded() comes with the answer that is fresh
                return;
            }
            Q_EMIT loaded();
        });
}

} // namespace ViralSpot::Ui
