#pragma once

#include "core/databaseclient.h"
#include "core/databaseconfig.h"
#include "core/queuequery.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QSet>

#include <memory>

namespace ViralSpot::Ui {

// The `queue` table as a list model over millions of rows. Filtering, sorting and searching
// happen in SQL; the model fetches the pages the view asks for, on a worker thread, keeping a
// bounded cache of pages. A row whose page is not loaded yet shows a placeholder until it
// arrives.
//
// The number of matching rows is counted up to a cap (QueueQuery::count): exact below it;
// beyond it the rows are the planner's estimate (PostgreSQL) or the cap (SQLite), and grow
// as the view scrolls to the end (fetchMore, another capped count from there); a page that
// comes back short makes the count exact. countExactly() counts every row, when asked.
class QueueTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QueueTableModel)

public:
    static constexpr int PageSize = 200;
    static constexpr int MaxCachedPages = 100;

    // How the queue tabs show a time: local, to the second; empty when unknown.
    static QString displayTime(const QDateTime &time);
    enum Roles
    {
        IdRole = Qt::UserRole + 1,
        LoadedRole
    };

    // With a database thread of its own (createQueueDatabaseThread()).
    explicit QueueTableModel(const DatabaseConfig &config, QObject *parent = nullptr);
    // On a database thread shared with other views.
    explicit QueueTableModel(std::shared_ptr<DatabaseThread> database, QObject *parent = nullptr);
    ~QueueTableModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Replaces the filter: resets the model with the first page as soon as it is read, then
    // grows it to the number of matching rows (a COUNT in SQL).
    void setFilter(const QueueFilter &filter);
    const QueueFilter &filter() const { return m_filter; }
    const QueueSort &sortOrder() const { return m_sort; }

    // Re-counts and reloads the cached pages without a reset: rows keep their positions, so
    // the view keeps its scroll position and selection; added or removed rows appear at the end.
    void refresh();
    // Moves the filter's time range (a relative one such as "last hour", recomputed by the
    // caller) for the next refresh(), without a reset.
    void slideTimeRange(const QDateTime &createdFrom) { m_filter.createdFrom = createdFrom; }

    qint64 totalRows() const { return m_total; }
    // The matching rows as counted: exact, capped or estimated.
    const QueueCount &count() const { return m_count; }
    // Counts every matching row (as slow as the filter matches many), then shows them all.
    void countExactly();
    // The most rows one count reads (tests make it small); <= 0 counts every row.
    void setCountCap(qint64 cap) { m_cap = cap; }
    qint64 countCap() const { return m_cap; }
    // The most rows an estimate puts in the view before the view scrolls to its end (tests
    // make it small). A view keeps a record per row: 10,000,000 rows cost its GUI thread
    // 1.3 s and 70 MB, 1,000,000 a tenth of that.
    void setEstimatedRowsLimit(qint64 rows) { m_estimatedRowsLimit = rows; }
    static constexpr qint64 DefaultEstimatedRowsLimit = 1000000;
    bool isLoaded(int row) const;
    const QueueRow *rowAt(int row) const; // nullptr when not loaded
    QString idAt(int row) const; // empty when not loaded
    int rowOfId(const QString &id) const; // among loaded rows, -1 when not found
    // Asks for the page holding `row` (no-op when loaded or on its way).
    void ensureLoaded(int row) const;
    bool isBusy() const;
    QString lastError() const { return m_lastError; }

    DatabaseClient *worker() const { return m_worker; }

Q_SIGNALS:
    // The first page of a new filter or sort is shown (the row count may still grow).
    void firstPageLoaded();
    // The filter or sort took full effect: first page and row count are in.
    void filterApplied();
    // A refresh finished (count and every reloaded page are in).
    void refreshed();
    void totalChanged(qint64 total);
    void pageLoaded(int page);
    void errorOccurred(const QString &message);
    void busyChanged(bool busy);

private:
    struct Page
    {
        QList<QueueRow> rows;
        quint64 lastUsed = 0;
    };
    void reload();
    void applyCount(const QueueCount &count);
    void setRows(qint64 rows);
    void countFrom(qint64 offset);
    void requestPage(int page, bool forRefresh = false) const;
    void storePage(int page, QList<QueueRow> rows);
    void evictPages();
    void setError(const QString &error);
    void finishRefreshStep();

    DatabaseClient *m_worker = nullptr;
    QueueFilter m_filter;
    QueueSort m_sort;
    qint64 m_total = 0; // rows shown: the count, or its estimate or lower bound
    QueueCount m_count;
    qint64 m_cap = QueueQuery::CountCap;
    qint64 m_estimatedRowsLimit = DefaultEstimatedRowsLimit;
    bool m_counting = false; // a count from the end (fetchMore) or an exact count is on its way
    quint64 m_generation = 0;
    mutable QHash<int, Page> m_pages;
    mutable QSet<int> m_requested;
    mutable quint64 m_useCounter = 0;
    int m_refreshOutstanding = 0;
    QString m_lastError;
};

} // namespace ViralSpot::Ui
