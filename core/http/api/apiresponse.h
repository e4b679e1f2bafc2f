#pragma once

#include "core/outcome.h"
#include "core/requestservice.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <optional>

namespace ViralSpot::Http {

// One HTTP answer before it is framed: status, extra headers, JSON body.
struct ApiResponse
{
    int status = 200;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body; // JSON (empty for 204)

    // The one place core results become HTTP (contract: Endpoint).
    // queued / already_processed / already_queued: 200 with the contract's data;
    // invalid: 400 invalid_username or invalid_source; error or anything else: 503.
    // `eta` (contract: Batches): the honest estimate for the profile, `null` when unknown; the
    // field is present on every 200 (estimated_time stays the original's).
    static ApiResponse fromRequestResult(
        const RequestResult &result, const std::optional<Eta> &eta = std::nullopt);
    // POST /api/batches: {"success":true,"data":{"id","name","results":[{"input","username",
    // "outcome","message"}, ...]}}, or the error of the first failed item (503: nothing was
    // recorded, the batch is one transaction).
    static ApiResponse fromBatchResults(
        const QString &id, const QString &name, const QList<RequestResult> &results);
    // GET /api/batches/{id}.
    static ApiResponse fromBatchDetail(const BatchDetail &detail);
    static ApiResponse fromProfileStatus(const QString &username, const ProfileStatus &status);
    // An error's kind: 503 repair_required with the core's message for RepairRequired, 503
    // database_unavailable with it for SetupRequired, else the generic database_unavailable.
    static ApiResponse fromError(ErrorKind kind, const QString &message);
    // 200 {"status":"ok","database":"ok"}, or 503 with "database":"unavailable" when the probe
    // failed or requests failed lately ("failed_requests": how many, see RecentFailures).
    static ApiResponse health(bool probeOk, int failedRequests = 0);
    // 503 {"status":"error","database":"repair_required"}: reachable, requests refused.
    static ApiResponse healthRepairRequired();

    // {"success": false, "error": {"code": code, "message": message}}
    static ApiResponse error(int status, const QString &code, const QString &message);
    static ApiResponse invalidUsername(const QString &message);
    static ApiResponse invalidSource(const QString &message);
    static ApiResponse databaseUnavailable();
    static ApiResponse notFound();
    static ApiResponse methodNotAllowed(const QByteArray &allow);
    static ApiResponse unauthorized();
    static ApiResponse uriTooLong();
    static ApiResponse payloadTooLarge();
    static ApiResponse requestTimeout();
    static ApiResponse badRequest();
    static ApiResponse readOnly();
};

// "OK", "Not Found", ... for the status line.
QByteArray reasonPhrase(int status);

} // namespace ViralSpot::Http
