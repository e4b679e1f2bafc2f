#include "ui/repairdialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

namespace ViralSpot::Ui {

RepairDialog::RepairDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("repairDialog"));
    setWindowTitle(tr("Repair duplicate queue rows"));
    resize(720, 420);

    m_summary = new QLabel(tr("Looking for duplicate active rows…"), this);
    m_summary->setObjectName(QStringLiteral("repairSummary"));
    m_summary->setWordWrap(true);

    m_model = new QStandardItemModel(0, 5, this);
    m_model->setHorizontalHeaderLabels(
        { tr("Username"), tr("Row to mark FAILED"), tr("Status"), tr("Created"), tr("Row kept") });
    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("repairRows"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->verticalHeader()->hide();

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_apply = buttons->addButton(tr("&Mark them FAILED"), QDialogButtonBox::AcceptRole);
    m_apply->setObjectName(QStringLiteral("applyRepairButton"));
    m_apply->setEnabled(false); // until the preview shows what it will do
    connect(m_apply, &QPushButton::clicked, this, [this] {
        m_apply->setEnabled(false);
        m_summary->setText(tr("Repairing…"));
        Q_EMIT applyRequested();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_view, 1);
    layout->addWidget(buttons);
}

void RepairDialog::setPreview(
    int usernames, int extraRows, const QList<Schema::DuplicateRow> &rows, const QString &error)
{
    m_model->removeRows(0, m_model->rowCount());
    if (!error.isEmpty()) {
        m_summary->setText(tr("The duplicate rows could not be read: %1").arg(error));
        return;
    }
    if (extraRows == 0) {
        m_summary->setText(tr("The queue holds no duplicate active rows: nothing to repair."));
        return;
    }
    for (const Schema::DuplicateRow &row : rows) {
        QList<QStandardItem *> items;
        for (const QString &text : Schema::previewColumns(row))
            items << new QStandardItem(text);
        m_model->appendRow(items);
    }
    QString text = tr("%n usernames have more than one active (PENDING or PROCESSING) row.",
                       nullptr, usernames) +
        QLatin1Char(' ') +
        tr("%n rows would be marked FAILED, each with a message naming the row kept (the oldest "
           "active row of its username). Nothing is deleted; the repair is recorded in the audit "
           "log.",
            nullptr, extraRows);
    if (rows.size() < extraRows)
        text += QLatin1Char(' ') + tr("The first %1 are listed.").arg(rows.size());
    m_summary->setText(text);
    m_apply->setEnabled(true);
}

void RepairDialog::setFinished(bool ok, int usernames, int rowsMarkedFailed, const QString &error)
{
    m_marked = rowsMarkedFailed;
    if (ok) {
        m_summary->setText(tr("Repaired %n usernames.", nullptr, usernames));
        accept();
        return;
    }
    m_summary->setText(tr("The repair failed: %1").arg(error));
}

QString RepairDialog::summaryText() const
{
    return m_summary->text();
}

} // namespace ViralSpot::Ui
