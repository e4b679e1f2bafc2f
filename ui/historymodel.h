#pragma once

#include "core/outcome.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QList>

namespace ViralSpot::Ui {

// The session's single requests, newest first: time, username, source, outcome.
class HistoryModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryModel)

public:
    enum Column
    {
        TimeColumn,
        UsernameColumn,
        SourceColumn,
        OutcomeColumn,
        MessageColumn,
        ColumnCount
    };
    enum Role
    {
        OutcomeNameRole = Qt::UserRole + 1
    };

    struct Entry
    {
        QDateTime time;
        ViralSpot::RequestResult result;
    };

    explicit HistoryModel(QObject *parent = nullptr);

    void add(const ViralSpot::RequestResult &result, const QDateTime &time);
    void clear();
    const QList<Entry> &entries() const { return m_entries; }
    // Tab-separated, a header line first: for pasting into a spreadsheet.
    QString toText() const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(
        int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<Entry> m_entries; // newest first
};

} // namespace ViralSpot::Ui
