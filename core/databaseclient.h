#pragma once

#include "core/databasethread.h"

#include <QObject>

#include <memory>

namespace ViralSpot {

// One client's share of a (possibly shared) DatabaseThread: the answers come back to this
// object's thread and are dropped once it is destroyed, and it knows whether its own jobs are
// still out (busyChanged), whatever other clients of the thread are doing.
class DatabaseClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatabaseClient)

public:
    explicit DatabaseClient(std::shared_ptr<DatabaseThread> thread, QObject *parent = nullptr);
    ~DatabaseClient() override;

    const std::shared_ptr<DatabaseThread> &databaseThread() const { return m_thread; }
    const DatabaseConfig &config() const { return m_thread->config(); }

    // DatabaseThread::post() with this object as the context.
    template<typename Job, typename Done> void post(Job job, Done done)
    {
        if (m_pending++ == 0)
            Q_EMIT busyChanged(true);
        m_thread->post(this, std::move(job), std::move(done), [this] {
            if (--m_pending == 0)
                Q_EMIT busyChanged(false);
        });
    }

    // This client's jobs not yet answered.
    int pending() const { return m_pending; }
    bool isBusy() const { return m_pending > 0; }

Q_SIGNALS:
    void busyChanged(bool busy);

private:
    std::shared_ptr<DatabaseThread> m_thread;
    int m_pending = 0; // used on this object's thread only
};

} // namespace ViralSpot
