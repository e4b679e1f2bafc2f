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
    return QJsonObject {
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
}

} // namespace ViralSpot::BatchJson
