#include "ui/batches/batchlistmodel.h"

#include "ui/batches/batchformat.h"
#include "ui/batches/batchprogress.h"

#include <QLocale>

namespace ViralSpot::Ui {

BatchListModel::BatchListModel(std::shared_ptr<DatabaseThread> database, QObject *parent)
    : QAbstractTableModel(parent)
    , m_worker(new DatabaseClient(database, this))
    , m_places(new BatchPlaces(std::move(database), this))
{
    connect(m_places, &BatchPlaces::placed, this, [this] {
        if (m_places->apply(m_rows) && !m_rows.isEmpty())
            Q_EMIT dataChanged(
                index(0, EtaColumn), index(int(m_rows.size()) - 1, EtaColumn), { Qt::DisplayRole });
    });
    load(PageSize, 0, true);
}

void BatchListModel::setCounting(const Counting &counting)
{
    m_counting = counting;
    m_places->setCounting(counting);
}

int BatchListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BatchListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BatchListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const BatchSummary &b = m_rows.at(index.row());
    if (role == IdRole)
        return b.id;
    if (role == BatchProgressDelegate::CountsRole && index.column() == ProgressColumn)
        return QVariant::fromValue(b.counts);
    if (role == Qt::ToolTipRole && index.column() == ProgressColumn)
        return BatchProgress::toolTip(b.counts);
    if (role == Qt::ToolTipRole && index.column() == EtaColumn && b.eta && b.eta->aheadAtLeast)
        return tr("More than %1 rows are ahead of this batch; their exact count is read in the "
                  "background.")
            .arg(QLocale().toString(b.eta->ahead));
    if (role != Qt::DisplayRole)
        return {};
    const QDateTime now = m_loadedAt.isValid() ? m_loadedAt : QDateTime::currentDateTimeUtc();
    switch (index.column()) {
    case NameColumn:
        return b.name;
    case ProgressColumn:
        return BatchFormat::counts(b.counts);
    case EtaColumn:
        return BatchFormat::eta(b, now);
    case SourceColumn:
        return b.source;
    case OriginColumn:
        return b.origin;
    case SubmittedByColumn:
        return b.submittedBy;
    case CreatedColumn:
        return b.createdAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    default:
        return {};
    }
}

QVariant BatchListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ProgressColumn:
        return tr("Progress");
    case EtaColumn:
        return tr("ETA");
    case SourceColumn:
        return tr("Source");
    case OriginColumn:
        return tr("Origin");
    case SubmittedByColumn:
        return tr("Submitted by");
    case CreatedColumn:
        return tr("Created");
    default:
        return {};
    }
}

bool BatchListModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() || m_fetching)
        return false;
    // Past the capped count, a full last page says there may be more.
    return m_rows.size() < m_total || (m_capped && m_lastPageFull);
}

void BatchListModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    load(PageSize, int(m_rows.size()), false);
}

void BatchListModel::setSearch(const QString &search)
{
    if (search == m_search)
        return;
    m_search = search;
    load(PageSize, 0, true);
}

void BatchListModel::refresh()
{
    if (m_fetching) {
        // The answer on its way may have been read before what this refresh is for: read
        // once more after it (nothing else would: the list reads only when told of a change).
        m_refreshAgain = true;
        return;
    }
    m_refreshAgain = false;
    load(int(qBound(qsizetype(PageSize), m_rows.size(), qsizetype(MaxRefreshRows))), 0, true);
}

const BatchSummary *BatchListModel::batchAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int BatchListModel::rowOfId(const QString &id) const
{
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == id)
            return int(i);
    }
    return -1;
}

void BatchListModel::load(int limit, int offset, bool replace)
{
    const quint64 generation = replace ? ++m_generation : m_generation;
    m_fetching = true;
    const QString search = m_search;
    const Counting counting = m_counting;
    m_worker->post(
        [search, limit, offset, counting](QSqlDatabase &db) {
            if (!db.isOpen()) {
                BatchList failed;
                failed.error = DatabaseThread::openError();
                return failed;
            }
            return Batches::list(
                db, search, limit, offset, QDateTime::currentDateTimeUtc(), counting);
        },
        [this, generation, limit, replace](BatchList list) {
            if (generation != m_generation)
                return; // a newer search or refresh replaced this one
            m_fetching = false;
            if (!list.ok) {
                Q_EMIT errorOccurred(list.error);
                return;
            }
            m_places->apply(list.batches);
            m_loadedAt = QDateTime::currentDateTimeUtc();
            m_total = list.totalBatches;
            m_capped = list.totalCapped;
            m_lastPageFull = list.batches.size() >= limit;
            if (!replace) {
                if (!list.batches.isEmpty()) {
                    beginInsertRows(
                        {}, int(m_rows.size()), int(m_rows.size() + list.batches.size() - 1));
                    m_rows += list.batches;
                    endInsertRows();
                }
            } else {
                bool sameRows = list.batches.size() == m_rows.size();
                for (qsizetype i = 0; sameRows && i < m_rows.size(); ++i)
                    sameRows = m_rows.at(i).id == list.batches.at(i).id;
                if (sameRows) {
                    m_rows = list.batches; // in place: selection and scroll stay
                    if (!m_rows.isEmpty())
                        Q_EMIT dataChanged(
                            index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
                } else {
                    beginResetModel();
                    m_rows = list.batches;
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
