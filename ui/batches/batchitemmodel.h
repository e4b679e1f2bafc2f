#pragma once

#include "core/batches/batches.h"
#include "core/databaseclient.h"

#include <QAbstractTableModel>

#include <memory>

namespace ViralSpot::Ui {

// A batch's items with their live state (input order), filtered by state, a page at a time
// (fetchMore), read on the queue tabs' shared database thread. refresh() reloads the rows
// shown in place.
class BatchItemModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BatchItemModel)

public:
    static constexpr int PageSize = 500;
    static constexpr int MaxRefreshRows = 5000;
    enum Column
    {
        PositionColumn,
        InputColumn,
        UsernameColumn,
        SubmittedColumn, // the outcome at submission
        StateColumn, // where it is now
        PriorityColumn,
        AttemptsColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Roles
    {
        StateNameRole = Qt::UserRole + 1, // Batches::itemStateName()
    };

    explicit BatchItemModel(std::shared_ptr<DatabaseThread> database, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Another batch or filter: its first page replaces the rows.
    void setBatch(const QString &id, const QList<ViralSpot::ItemState> &states = {});
    void setStates(const QList<ViralSpot::ItemState> &states);
    void refresh();

    QString batchId() const { return m_batchId; }
    const QList<ViralSpot::ItemState> &states() const { return m_states; }
    const BatchItem *itemAt(int row) const;
    qint64 matching() const { return m_matching; }
    bool isMatchingEstimated() const { return m_matchingEstimated; }
    // The counting of the reads (Counting::estimated() unless changed: a big batch's matching
    // count is then scaled from a sample, and pages are fetched until one comes back short).
    void setCounting(const ViralSpot::Counting &counting) { m_counting = counting; }
    bool isBusy() const { return m_worker->isBusy(); }
    DatabaseClient *worker() const { return m_worker; }

    // The column titles and one item's cells, as exported.
    static QStringList csvHeader();
    static QStringList csvFields(const ViralSpot::BatchItem &item);

Q_SIGNALS:
    void loaded();
    void errorOccurred(const QString &message);

private:
    void load(int limit, bool replace); // replace: the first `limit` rows; else the next page

    DatabaseClient *m_worker;
    QString m_batchId;
    QList<ViralSpot::ItemState> m_states;
    QList<BatchItem> m_rows;
    qint64 m_matching = 0;
    bool m_matchingEstimated = false;
    bool m_lastPageFull = false;
    ViralSpot::Counting m_counting = ViralSpot::Counting::estimated();
    bool m_fetching = false;
    bool m_refreshAgain = false; // refresh() while fetching: once more after the answer
    quint64 m_generation = 0;
};

} // namespace ViralSpot::Ui
