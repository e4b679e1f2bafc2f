#pragma once

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace ViralSpot::Robustness {

// Concurrent clients POSTing requests to a running `serve`: mostly new usernames
// (PREFIX_THREAD_N), every fifth one a repeat of a name this thread already got `queued: true`
// for. Records every `queued: true` answer (the acknowledged usernames), every answer's status
// and time, and any broken promise (a username acknowledged twice, a 200 for a repeat that says
// queued, an answer that is neither 200 nor 503).
class LoadGenerator final
{
public:
    struct Sample
    {
        qint64 sentMs; // monotonic clock (Connection-independent: QDeadlineTimer's clock)
        int status; // 0: no answer
        qint64 milliseconds;
        bool cutOff; // sent, then the connection closed without an answer
    };

    LoadGenerator(quint16 port, QString prefix, int threads = 4, int timeoutMs = 10000);
    ~LoadGenerator(); // stop()
    LoadGenerator(const LoadGenerator &) = delete;
    LoadGenerator &operator=(const LoadGenerator &) = delete;

    void start();
    void stop(); // joins the threads

    int answered() const { return m_answered.load(); } // answers with a status (not 0)
    QStringList acknowledged() const;
    QStringList problems() const;
    QList<Sample> samples() const;

    static qint64 nowMs();

private:
    void run(int thread);

    quint16 m_port;
    QString m_prefix;
    int m_threads;
    int m_timeoutMs;
    std::atomic_bool m_stop { false };
    std::atomic_int m_answered { 0 };
    std::vector<std::thread> m_workers;
    mutable std::mutex m_mutex;
    QStringList m_acknowledged;
    QStringList m_problems;
    QList<Sample> m_samples;
};

// What the database says about acknowledged usernames: a list of broken promises (empty when
// every acknowledged username has an active row and no username has two active rows).
QStringList checkQueue(QSqlDatabase db, const QStringList &acknowledged);
// SQLite's PRAGMA integrity_check as one string ("ok" when healthy).
QString sqliteIntegrity(QSqlDatabase db);

} // namespace ViralSpot::Robustness
