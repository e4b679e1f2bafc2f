#pragma once

#include "core/batches/batches.h"

#include <QDateTime>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

// A batch as JSON, the same for `GET /api/batches/{id}` and `viralspot-admin batches --json`
// (contract: Batches): {"id","name","total","processed","processing","waiting","failed",
// "paused","gone","done","eta"}, times in ISO 8601 UTC.
namespace ViralSpot::BatchJson {

// "2026-12-02T10:15:00Z"
QString isoUtc(const QDateTime &time);

// {"earliest","latest"}, or null when unknown (or nothing is left to wait for).
QJsonValue eta(const std::optional<Eta> &eta);

QJsonObject summary(const BatchSummary &batch);

} // namespace ViralSpot::BatchJson
