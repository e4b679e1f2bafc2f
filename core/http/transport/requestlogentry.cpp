#include "core/http/transport/requestlogentry.h"

#include <cstdio>
#include <ctime>

namespace ViralSpot::Http {

namespace {

// Qt::ISODateWithMs of a UTC time ("2026-11-28T23:59:01.123Z"), written by hand: serve logs
// every request, and QDateTime::toString took 5% of the HTTP thread's time.
QString isoUtc(const QDateTime &time)
{
    const qint64 ms = time.toMSecsSinceEpoch();
    const std::time_t seconds = std::time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm parts {};
    if (time.timeSpec() != Qt::UTC || !gmtime_r(&seconds, &parts) || parts.tm_year + 1900 < 0 ||
        parts.tm_year + 1900 > 9999)
        return time.toString(Qt::ISODateWithMs);
    char text[32];
    const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
        parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min,
        parts.tm_sec, int(ms - qint64(seconds) * 1000));
    return QString::fromLatin1(text, n);
}

} // namespace

QString RequestLogEntry::toLine() const
{
    return isoUtc(time) + QLatin1Char(' ') + client + QLatin1Char(' ') + method + QLatin1Char(' ') +
        path + QLatin1Char(' ') + QString::number(status) + QLatin1Char(' ') +
        QString::number(milliseconds, 'f', 1) + QStringLiteral("ms");
}

} // namespace ViralSpot::Http
