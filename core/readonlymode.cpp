#include "core/readonlymode.h"

#include <QString>

namespace ViralSpot::ReadOnlyMode {

bool requestedByEnvironment()
{
    const QString value = qEnvironmentVariable("VIRALSPOT_READ_ONLY").trimmed().toLower();
    return value == QLatin1String("1") || value == QLatin1String("true") ||
        value == QLatin1String("yes") || value == QLatin1String("on");
}

} // namespace ViralSpot::ReadOnlyMode
