#pragma once

#include "core/batches/batches.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

// A batch's items as CSV (the columns of its page, through the window's one guarded CSV
// writer), read and written a chunk at a time on the database thread that calls it.
namespace ViralSpot::Ui::BatchExport {

struct Result
{
    bool ok = false;
    QString error;
    qint64 rows = 0;
};

// Every item in `states` (empty: all), in input order, to `path` (replaced only when complete).
Result write(QSqlDatabase &db, const QString &path, const QString &batchId,
    const QList<ViralSpot::ItemState> &states);

// The file name offered for a batch's export: its name with anything unusual as "-".
QString fileName(const QString &batchName);

} // namespace ViralSpot::Ui::BatchExport
