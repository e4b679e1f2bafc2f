#pragma once

#include "databaseconfig.h"

#include <QObject>
#include <QSqlDatabase>
#include <QThread>

#include <atomic>
#include <functional>

namespace ViralSpot::Ui {

// A thread with its own database connection: jobs run there one after the other, and their
// results are handed back on the thread of a context object (the GUI thread for widgets).
// The GUI thread never touches SQL.
class SqlWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SqlWorker)

public:
    explicit SqlWorker(DatabaseConfig config, QObject *parent = nullptr);
    ~SqlWorker() override;

    const DatabaseConfig &config() const { return m_config; }

    // Runs job(db) on the worker thread, then done(result) on `context`'s thread (dropped if
    // the context is gone by then). When the connection cannot be opened, db is closed and
    // openError() says why.
    template<typename Result>
    void run(QObject *context, std::function<Result(QSqlDatabase &db)> job,
        std::function<void(const Result &)> done)
    {
        m_pending.fetch_add(1);
        emit busyChanged(true);
        QMetaObject::invokeMethod(
            m_threadObject,
            [this, context, job = std::move(job), done = std::move(done)]() mutable {
                Result result {};
                if (!m_stopping.load()) {
                    QSqlDatabase db = connection();
                    result = job(db);
                    afterJob(db);
                }
                QMetaObject::invokeMethod(
                    context,
                    [this, done = std::move(done), result = std::move(result)]() {
                        done(result);
                        if (m_pending.fetch_sub(1) == 1)
                            emit busyChanged(false);
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }

    // Jobs posted and not yet answered.
    int pending() const { return m_pending.load(); }
    bool isBusy() const { return pending() > 0; }

    // On the worker thread, inside a job: why the connection could not be opened.
    static QString openError();

signals:
    void busyChanged(bool busy);

private:
    QSqlDatabase connection();
    void afterJob(QSqlDatabase &db);

    DatabaseConfig m_config;
    QString m_connectionName;
    QThread m_thread;
    QObject *m_threadObject = nullptr;
    std::atomic_int m_pending { 0 };
    std::atomic_bool m_stopping { false };
};

} // namespace ViralSpot::Ui
