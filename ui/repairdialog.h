#pragma once

#include "core/schema.h"

#include <QDialog>
#include <QList>

class QLabel;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace ViralSpot::Ui {

// Repair of duplicate active queue rows from the window: first a preview of what would be
// marked FAILED (how many, and the rows with the one kept for each username), then Apply.
// Holds no database connection: the window feeds it from its worker (setPreview(),
// setFinished()) and forwards applyRequested() there.
class RepairDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RepairDialog)

public:
    explicit RepairDialog(QWidget *parent = nullptr);

    void setPreview(int usernames, int extraRows,
        const QList<ViralSpot::Schema::DuplicateRow> &rows, const QString &error);
    // Success closes the dialog (accepted); a failure stays open and says why.
    void setFinished(bool ok, int usernames, int rowsMarkedFailed, const QString &error);

    QString summaryText() const;
    QStandardItemModel *rowsModel() const { return m_model; }
    int rowsMarkedFailed() const { return m_marked; }

Q_SIGNALS:
    void applyRequested();

private:
    QLabel *m_summary = nullptr;
    QTableView *m_view = nullptr;
    QStandardItemModel *m_model = nullptr;
    QPushButton *m_apply = nullptr;
    int m_marked = 0;
};

} // namespace ViralSpot::Ui
