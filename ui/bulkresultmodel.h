#pragma once

#include "core/bulkparser.h"
#include "core/outcome.h"

#include <QAbstractTableModel>
#include <QList>
#include <QSortFilterProxyModel>

#include <array>

namespace ViralSpot::Ui {

// The bulk tab's table: one row per parsed input, first the preview (normalized username,
// valid / invalid / duplicate), then each row's outcome once the batch has run. Backed by the
// parse result itself, so 100,000 rows cost one model reset, not 100,000 items.
class BulkResultModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BulkResultModel)

public:
    enum Column
    {
        LineColumn,
        InputColumn,
        UsernameColumn,
        CheckColumn,
        OutcomeColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role
    {
        // The row's state as a machine name: the outcome once submitted; before that "valid",
        // "invalid" or "duplicate_in_batch". The filter works on it.
        StateRole = Qt::UserRole + 1,
        SubmittedRole, // bool
    };

    // Outcome counts, in the order of ViralSpot::Outcome.
    using Counts = std::array<int, 7>;

    explicit BulkResultModel(QObject *parent = nullptr);

    void setParseResult(const ViralSpot::BulkParseResult &parsed);
    // Results in entry order (as RequestService::requestBulk returns them).
    void setResults(const QList<ViralSpot::RequestResult> &results, const Counts &counts);
    void clearResults();

    const ViralSpot::BulkParseResult &parseResult() const { return m_parsed; }
    const QList<ViralSpot::RequestResult> &results() const { return m_results; }
    bool hasResults() const { return !m_results.isEmpty(); }
    const Counts &counts() const { return m_counts; }
    int count(ViralSpot::Outcome outcome) const { return m_counts[static_cast<int>(outcome)]; }

    static Counts countOutcomes(const QList<ViralSpot::RequestResult> &results);
    // The inputs of the invalid rows, one per line (for fixing and pasting back).
    QString invalidInputs() const;
    // The rows as CSV through the one guarded writer (csvwriter.h):
    // line,input,username,outcome,message. With a state filter (a StateRole name), only the
    // rows in that state: what the filtered table shows.
    QString toCsv(const QString &stateFilter = QString()) const;
    // The same for a parse result and its results (empty: not submitted yet). Thread-safe, so
    // a large export can run off the GUI thread.
    static QString toCsv(const ViralSpot::BulkParseResult &parsed,
        const QList<ViralSpot::RequestResult> &results, const QString &stateFilter = QString());

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // What StateRole gives for a row, without a QVariant.
    QString stateName(int row) const;
    static QString stateName(const ViralSpot::BulkParseResult &parsed,
        const QList<ViralSpot::RequestResult> &results, int row);

private:
    ViralSpot::BulkParseResult m_parsed;
    QList<ViralSpot::RequestResult> m_results;
    Counts m_counts {};
};

// The results table's filter by state (StateRole name; empty shows every row). Compares the
// name directly and re-filters with one layout change: a regular-expression filter over
// 100,000 rows, removed in thousands of ranges, held the GUI thread for ~190 ms.
class BulkFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit BulkFilterProxy(BulkResultModel *model, QObject *parent = nullptr);

    void setStateFilter(const QString &state);
    QString stateFilter() const { return m_state; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    BulkResultModel *m_model;
    QString m_state;
};

// Colour for an outcome (or preview state) name, readable on light and dark palettes.
QColor outcomeColor(const QString &stateName);
// The outcome's words for people ("Queued", "Already processed", …).
QString outcomeLabel(ViralSpot::Outcome outcome);

} // namespace ViralSpot::Ui
