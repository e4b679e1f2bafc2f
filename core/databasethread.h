#pragma once

#include "core/databaseconfig.h"

#include <QObject>
#include <QSqlDatabase>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace ViralSpot {

// The one way the window reaches the database: a thread with one named connection. Jobs run
// there one after the other, in the order they were posted, each with that connection (opened
// on the first job, reused by the next, reopened after it was lost); each answer is delivered
// on the thread of a context object, and dropped when that object is gone by then.
//
// It is a QThread so that an object that does its own SQL (RequestWorker, which keeps a
// RequestService) can live on it too and open the thread's connection by connectionName().
// However the thread ends (stop(), the destructor, or quit() from a job), the connection is
// closed on the thread itself; jobs still queued then never run and their answers never arrive.
// Views that share one thread each post through a DatabaseClient (databaseclient.h).
class DatabaseThread final : public QThread
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DatabaseThread)

public:
    // Starts the thread. `name` names the thread and, made unique, its connection.
    explicit DatabaseThread(DatabaseConfig config, const QString &name, QObject *parent = nullptr);
    // stop()
    ~DatabaseThread() override;

    const DatabaseConfig &config() const { return m_config; }
    const QString &connectionName() const { return m_connectionName; }
    // The DatabaseThread the caller runs on, nullptr on any other thread.
    static DatabaseThread *current();

    // Runs on the thread after each time the connection was (re)opened, before the job that
    // needed it. Set it before the first post().
    void setOpenHook(std::function<void(QSqlDatabase &db)> hook);

    // Runs job(db) on the thread, then done(result) on `context`'s thread unless `context` was
    // destroyed meanwhile. When the connection cannot be opened, db is closed and openError()
    // says why. A job that throws is reported by jobFailed() and gets no answer; the thread
    // goes on with the next job. After stop() nothing is posted.
    template<typename Job, typename Done>
    void post(QObject *context, Job job, Done done, std::function<void()> afterAnswer = {})
    {
        using Result = std::decay_t<std::invoke_result_t<Job &, QSqlDatabase &>>;
        enqueue(
            context,
            [job = std::move(job), done = std::move(done)](
                QSqlDatabase &db) mutable -> std::function<void()> {
                auto result = std::make_shared<const Result>(job(db));
                return [done, result]() mutable { done(*result); };
            },
            std::move(afterAnswer));
    }

    // Jobs posted and not yet run (or dropped).
    int pending() const { return m_pending.load(); }
    // How many times the connection was opened successfully (1 while it is never lost).
    int connectionsOpened() const { return m_opened.load(); }

    // Ends the thread: the running job finishes, queued jobs are dropped without an answer,
    // the connection is closed on the thread. Blocks until then; safe to call twice.
    void stop();

    // On the thread, inside a job: why the connection could not be opened.
    static QString openError();

Q_SIGNALS:
    // Emitted on the thread; `what` is the exception's message.
    void jobFailed(const QString &what);

protected:
    void run() override;

private:
    using Work = std::function<std::function<void()>(QSqlDatabase &db)>;
    void enqueue(QObject *context, Work work, std::function<void()> afterAnswer);
    QSqlDatabase connection();
    void afterJob(QSqlDatabase &db);

    const DatabaseConfig m_config;
    const QString m_connectionName;
    QObject *m_receiver = nullptr; // lives on the thread: queued jobs are events posted to it
    std::function<void(QSqlDatabase &)> m_openHook; // used on the thread only
    std::atomic_int m_pending { 0 };
    std::atomic_int m_opened { 0 };
    std::atomic_bool m_stopping { false };
};

} // namespace ViralSpot
