#include "ui/historymodel.h"

#include "ui/bulkresultmodel.h"
#include "ui/csv/csvwriter.h"

#include <QColor>

namespace ViralSpot::Ui {

HistoryModel::HistoryModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void HistoryModel::add(const RequestResult &result, const QDateTime &time)
{
    beginInsertRows(QModelIndex(), 0, 0);
    m_entries.prepend(Entry { time, result });
    endInsertRows();
}

void HistoryModel::clear()
{
    if (m_entries.isEmpty())
        return;
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

QString HistoryModel::toText() const
{
    QStringList lines;
    lines.append(
        QStringList { tr("Time"), tr("Username"), tr("Source"), tr("Outcome"), tr("Message") }.join(
            QLatin1Char('\t')));
    for (const Entry &e : m_entries) {
        // Typed input goes to a spreadsheet: guarded like every CSV export (csvwriter.h).
        const QString name = e.result.username.isEmpty() ? e.result.input : e.result.username;
        lines.append(QStringList { e.time.toString(Qt::ISODate), Csv::tsvField(name),
            Csv::tsvField(e.result.source), outcomeName(e.result.outcome),
            Csv::tsvField(e.result.message) }
                         .join(QLatin1Char('\t')));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_entries.size();
}

int HistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Entry &e = m_entries.at(index.row());
    switch (role) {
    case OutcomeNameRole:
        return outcomeName(e.result.outcome);
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case TimeColumn:
            return role == Qt::ToolTipRole ? e.time.toString(Qt::ISODate)
                                           : e.time.toString(QStringLiteral("HH:mm:ss"));
        case UsernameColumn:
            return e.result.username.isEmpty() ? e.result.input : e.result.username;
        case SourceColumn:
            return e.result.source;
        case OutcomeColumn:
            return outcomeLabel(e.result.outcome);
        case MessageColumn:
            return e.result.message;
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == OutcomeColumn)
            return outcomeColor(outcomeName(e.result.outcome));
        return {};
    }
    return {};
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case UsernameColumn:
        return tr("Username");
    case SourceColumn:
        return tr("Source");
    case OutcomeColumn:
        return tr("Outcome");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace ViralSpot::Ui
