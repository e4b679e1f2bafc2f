#include "ui/batches/batchexport.h"

#include "ui/batches/batchitemmodel.h"
#include "ui/csv/csvwriter.h"

#include <QRegularExpression>
#include <QSaveFile>

namespace ViralSpot::Ui::BatchExport {

namespace {
constexpr int Chunk = 5000;
} // namespace

Result write(
    QSqlDatabase &db, const QString &path, const QString &batchId, const QList<ItemState> &states)
{
    Result result;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        result.error = file.errorString();
        return result;
    }
    file.write(Csv::line(BatchItemModel::csvHeader()).toUtf8());
    for (int after = 0;;) {
        // Page after page by position: an OFFSET walked every earlier item again for each page.
        const BatchItems page = Batches::itemsAfter(db, batchId, states, after, Chunk);
        if (!page.ok) {
            result.error = page.error;
            file.cancelWriting();
            return result;
        }
        QString chunk;
        for (const BatchItem &item : page.items)
            Csv::appendLine(chunk, BatchItemModel::csvFields(item));
        file.write(chunk.toUtf8());
        result.rows += page.items.size();
        if (page.items.size() < Chunk)
            break;
        after = page.items.constLast().position;
    }
    if (!file.commit()) {
        result.error = file.errorString();
        return result;
    }
    result.ok = true;
    return result;
}

QString fileName(const QString &batchName)
{
    static const QRegularExpression unusual(QStringLiteral("[^A-Za-z0-9_.-]+"));
    QString name = batchName.simplified().replace(unusual, QStringLiteral("-"));
    if (name.isEmpty() || name == QLatin1String("-"))
        name = QStringLiteral("batch");
    return name + QStringLiteral(".csv");
}

} // namespace ViralSpot::Ui::BatchExport
