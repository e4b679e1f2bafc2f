#pragma once

#include "core/batches/batches.h"
#include "core/databaseclient.h"
#include "ui/batches/batchplaces.h"

#include <QAbstractTableModel>
#include <QDateTime>

#include <memory>

namespace ViralSpot::Ui {

// The Batches tab's list: batches newest first, matching a name search, a page at a time
// (fetchMore as the view scrolls), read on the queue tabs' shared database thread. refresh()
// reloads the rows already shown in one query and keeps them in place when the list is the
// same batches (a new batch at the top resets it). Counted as Counting::estimated() says (big
// batches from a sample, shown with "≈"); the places of deep batches come from BatchPlaces.
class BatchListModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchListModel)

public:
    static constexpr int PageSize = 100;
    static constexpr int MaxRefreshRows = 2000; // a refresh reloads at most this many rows
    enum Column
    {
        NameColumn,
        ProgressColumn,
        EtaColumn,
        SourceColumn,
        OriginColumn,
        SubmittedByColumn,
        CreatedColumn,
        ColumnCount
    };
    enum Roles
    {
        IdRole = Qt::UserRole + 1,
    };

    explicit BatchListModel(std::shared_ptr<DatabaseThread> database, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // A new search: the first page of the matching batches replaces the rows.
    void setSearch(const QString &search);
    QString search() const { return m_search; }
    void refresh();

    // The counting of every read (Counting::estimated() unless changed; tests set small caps).
    void setCounting(const Counting &counting);
    const BatchSummary *batchAt(int row) const;
    int rowOfId(const QString &id) const;
    qint64 totalBatches() const { return m_total; }
    bool isTotalCapped() const { return m_capped; }
    bool isBusy() const { return m_worker->isBusy(); }
    DatabaseClient *worker() const { return m_worker; }
    BatchPlaces *places() const { return m_places; }

Q_SIGNALS:
    // Rows, count or both changed (after a load, a page or a refresh).
    void loaded();
    void errorOccurred(const QString &message);

private:
    void load(int limit, int offset, bool replace);

    DatabaseClient *m_worker;
    BatchPlaces *m_places;
    Counting m_counting = Counting::estimated();
    QList<BatchSummary> m_rows;
    QString m_search;
    qint64 m_total = 0;
    bool m_capped = false;
    bool m_fetching = false;
    bool m_refreshAgain = false; // refresh() while fetching: once more after the answer
    bool m_lastPageFull = false;
    quint64 m_generation = 0;
    QDateTime m_loadedAt; // the "now" of the last answer (for "today" in times)
};

} // namespace ViralSpot::Ui
