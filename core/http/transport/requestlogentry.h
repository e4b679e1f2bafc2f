#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace ViralSpot::Http {

// One line of the request log (contract: Endpoint, safety): never holds the query, headers or body,
// so tokens and passwords cannot end up in it.
struct RequestLogEntry
{
    QDateTime time; // when the request arrived (UTC)
    QString client; // remote address
    QString method; // "GET", "POST", ... ("-" when the request could not be parsed)
    QString path; // percent-encoded path without the query, at most 200 characters
    int status = 0; // HTTP status sent (499: the client left before the answer)
    double milliseconds = 0; // from the complete request to the answer being written

    // "2026-11-28T23:59:01.123Z 127.0.0.1 POST /api/profile/foo/request 200 0.8ms"
    QString toLine() const;
};

} // namespace ViralSpot::Http

Q_DECLARE_METATYPE(ViralSpot::Http::RequestLogEntry)
