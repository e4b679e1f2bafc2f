#include "core/http/api/recentfailures.h"

namespace ViralSpot::Http {

void RecentFailures::note(qint64 nowMs)
{
    m_times.push_back(nowMs);
    if (m_times.size() > MaxKept)
        m_times.pop_front();
}

int RecentFailures::count(qint64 nowMs)
{
    while (!m_times.empty() && m_times.front() <= nowMs - WindowMs)
        m_times.pop_front();
    return static_cast<int>(m_times.size());
}

} // namespace ViralSpot::Http
