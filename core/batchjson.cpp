#include "core/batchjson.h"

namespace ViralSpot::BatchJson {

QString isoUtc(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

QJsonValue eta(const std::optional<Eta> &eta)
{
    if (!eta || !eta->earliest.isValid() || !eta->latest.isValid())
        return QJsonValue::Null;
    return QJsonObject { { QStringLiteral("earliest"), isoUtc(eta->earliest) },
        { QStringLiteral("latest"), isoUtc(eta->latest) } };
}

QJsonObject summary(const BatchSummary &batch)
{
    const BatchCounts &c = batch.counts;
    QJsonObject out {
        { QStringLiteral("id"), batch.id },
        { QStringLiteral("name"), batch.name },
        { QStringLiteral("total"), c.total },
        { QStringLiteral("processed"), c.processed },
        { QStringLiteral("processing"), c.processing },
        { QStringLiteral("waiting"), c.waiting },
        { QStringLiteral("failed"), c.failed },
        { QStringLiteral("paused"), c.paused },
        { QStringLiteral("gone"), c.gone },
        { QStringLiteral("done"), c.done() },
        { QStringLiteral("eta"), c.done() ? QJsonValue(QJsonValue::Null) : eta(batch.eta) },
    };
    // Only when counted from a sample (Counting::estimated(), asked for): exact answers keep
    // the contract's fields alone.
    if (c.estimated)
        out.insert(QStringLiteral("estimated"), true);
    return out;
}

} // namespace ViralSpot::BatchJson
