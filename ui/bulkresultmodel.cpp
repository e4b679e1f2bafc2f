#include "ui/bulkresultmodel.h"

#include "ui/csv/csvwriter.h"
#include "ui/palette/statuspalette.h"

#include <QColor>
#include <QCoreApplication>

namespace ViralSpot::Ui {

namespace {

QString previewStateName(BulkEntry::Status status)
{
    switch (status) {
    case BulkEntry::Status::Valid:
        return QStringLiteral("valid");
    case BulkEntry::Status::Invalid:
        return outcomeName(Outcome::Invalid);
    case BulkEntry::Status::Duplicate:
        return outcomeName(Outcome::DuplicateInBatch);
    }
    return QString();
}

} // namespace

QColor outcomeColor(const QString &stateName)
{
    return StatusPalette::outcome(stateName);
}

QString outcomeLabel(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Queued:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Queued");
    case Outcome::AlreadyProcessed:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Already processed");
    case Outcome::AlreadyQueued:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Already queued");
    case Outcome::Invalid:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Invalid");
    case Outcome::DuplicateInBatch:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Duplicate in batch");
    case Outcome::Error:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Error");
    case Outcome::Cancelled:
        return QCoreApplication::translate("ViralSpot::Ui::Outcome", "Cancelled");
    }
    return QString();
}

BulkResultModel::BulkResultModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void BulkResultModel::setParseResult(const BulkParseResult &parsed)
{
    beginResetModel();
    m_parsed = parsed;
    m_results.clear();
    m_counts = {};
    endResetModel();
}

void BulkResultModel::setResults(const QList<RequestResult> &results, const Counts &counts)
{
    // The results belong to the current parse (one per entry); anything else is a bug upstream.
    Q_ASSERT(results.size() == m_parsed.entries.size());
    beginResetModel();
    m_results = results;
    m_counts = counts;
    endResetModel();
}

void BulkResultModel::clearResults()
{
    if (m_results.isEmpty())
        return;
    beginResetModel();
    m_results.clear();
    m_counts = {};
    endResetModel();
}

BulkResultModel::Counts BulkResultModel::countOutcomes(const QList<RequestResult> &results)
{
    Counts counts {};
    for (const RequestResult &r : results)
        ++counts[static_cast<int>(r.outcome)];
    return counts;
}

QString BulkResultModel::invalidInputs() const
{
    QStringList lines;
    const int rows = rowCount();
    for (int row = 0; row < rows; ++row) {
        const bool invalid = hasResults()
            ? m_results.at(row).outcome == Outcome::Invalid
            : m_parsed.entries.at(row).status == BulkEntry::Status::Invalid;
        if (invalid)
            lines.append(m_parsed.entries.at(row).input);
    }
    return lines.join(QLatin1Char('\n'));
}

QString BulkResultModel::toCsv(const QString &stateFilter) const
{
    return toCsv(m_parsed, m_results, stateFilter);
}

QString BulkResultModel::toCsv(
    const BulkParseResult &parsed, const QList<RequestResult> &results, const QString &stateFilter)
{
    const bool submitted = !results.isEmpty();
    QString csv;
    Csv::appendLine(csv,
        { QStringLiteral("line"), QStringLiteral("input"), QStringLiteral("username"),
            QStringLiteral("outcome"), QStringLiteral("message") });
    const int rows = parsed.entries.size();
    csv.reserve(rows * 64);
    for (int row = 0; row < rows; ++row) {
        const QString state = stateName(parsed, results, row);
        if (!stateFilter.isEmpty() && state != stateFilter)
            continue;
        const BulkEntry &e = parsed.entries.at(row);
        Csv::appendLine(csv,
            { QString::number(e.line), e.input, e.username, state,
                submitted ? results.at(row).message : e.error });
    }
    return csv;
}

int BulkResultModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_parsed.entries.size();
}

int BulkResultModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString BulkResultModel::stateName(int row) const
{
    return stateName(m_parsed, m_results, row);
}

QString BulkResultModel::stateName(
    const BulkParseResult &parsed, const QList<RequestResult> &results, int row)
{
    if (!results.isEmpty())
        return outcomeName(results.at(row).outcome);
    return previewStateName(parsed.entries.at(row).status);
}

BulkFilterProxy::BulkFilterProxy(BulkResultModel *model, QObject *parent)
    : QSortFilterProxyModel(parent)
    , m_model(model)
{
    setSourceModel(model);
}

void BulkFilterProxy::setStateFilter(const QString &state)
{
    if (state == m_state)
        return;
    m_state = state;
    invalidate();
}

bool BulkFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    Q_UNUSED(sourceParent)
    return m_state.isEmpty() || m_model->stateName(sourceRow) == m_state;
}

QVariant BulkResultModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    const BulkEntry &e = m_parsed.entries.at(row);
    const RequestResult *r = hasResults() ? &m_results.at(row) : nullptr;

    switch (role) {
    case StateRole:
        return stateName(row);
    case SubmittedRole:
        return r != nullptr;
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        switch (index.column()) {
        case LineColumn:
            return e.line;
        case InputColumn:
            return e.input;
        case UsernameColumn:
            return e.username;
        case CheckColumn:
            switch (e.status) {
            case BulkEntry::Status::Valid:
                return tr("valid");
            case BulkEntry::Status::Invalid:
                return role == Qt::ToolTipRole ? e.error : tr("invalid: %1").arg(e.error);
            case BulkEntry::Status::Duplicate:
                return e.duplicateOf >= 0 && e.duplicateOf < m_parsed.entries.size()
                    ? tr("duplicate of line %1").arg(m_parsed.entries.at(e.duplicateOf).line)
                    : tr("duplicate");
            }
            return {};
        case OutcomeColumn:
            return r ? outcomeLabel(r->outcome) : QVariant();
        case MessageColumn:
            return r ? r->message : QVariant();
        }
        return {};
    case Qt::ForegroundRole:
        if (index.column() == OutcomeColumn && r)
            return outcomeColor(outcomeName(r->outcome));
        if (index.column() == CheckColumn)
            return outcomeColor(previewStateName(e.status));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == LineColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    return {};
}

QVariant BulkResultModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case LineColumn:
        return tr("Line");
    case InputColumn:
        return tr("Input");
    case UsernameColumn:
        return tr("Username");
    case CheckColumn:
        return tr("Check");
    case OutcomeColumn:
        return tr("Outcome");
    case MessageColumn:
        return tr("Message");
    }
    return {};
}

} // namespace ViralSpot::Ui
