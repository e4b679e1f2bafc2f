#pragma once

#include <QtGlobal>

#include <deque>

namespace ViralSpot::Http {

// The database errors real requests met lately, for GET /health: a SELECT 1 can succeed while
// every request fails (a transaction pooler that loses the app's session state, a missing
// grant, a full disk), and a health check that says "ok" then keeps a broken instance in a
// load balancer. Health is bad while the requests answered in the last WindowMs failed on the
// database since the last one that succeeded: a request that failed is already past its
// retries, so one is news, and one that succeeded afterwards shows the database works again
// (so an instance is healthy as soon as it serves, not WindowMs later). Without failures
// health falls back to the probe. Used on the HTTP thread only.
class RecentFailures final
{
public:
    static constexpr qint64 WindowMs = 5000;

    // A request's database error (or its database deadline passing), at `nowMs` on a
    // monotonic clock.
    void note(qint64 nowMs);
    // A request the database answered: what failed before it no longer describes the database.
    void noteSuccess() { m_times.clear(); }
    // How many requests failed within the window before `nowMs`.
    int count(qint64 nowMs);

private:
    std::deque<qint64> m_times; // oldest first, at most MaxKept
    static constexpr size_t MaxKept = 1000;
};

} // namespace ViralSpot::Http
