#include "requestlogentry.h"

namespace ViralSpot::Http {

QString RequestLogEntry::toLine() const
{
    return time.toString(Qt::ISODateWithMs) + QLatin1Char(' ') + client + QLatin1Char(' ') +
        method + QLatin1Char(' ') + path + QLatin1Char(' ') + QString::number(status) +
        QLatin1Char(' ') + QString::number(milliseconds, 'f', 1) + QStringLiteral("ms");
}

} // namespace ViralSpot::Http
