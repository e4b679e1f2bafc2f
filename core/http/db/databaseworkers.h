#pragma once

#include "core/auditlog.h"
#include "core/databaseconfig.h"
#include "core/requestservice.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QPointer>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

class QThread;

namespace ViralSpot::Http {

// The single route's `eta` (contract: Batches), cheaply, for one database thread: a profile's
// estimate (Batches::etaForProfile) is kept for a few seconds per username, and the rows just
// queued (all at the end of the HIGH queue) share one estimate until more rows were queued
// than a tenth of those ahead of it; and no more than MaxPerSecond estimates are made. The times
// are absolute, so an estimate a few seconds old is as true as a fresh one, while the endpoint's
// fast path pays one query per few seconds instead of one per request.
class ProfileEtas final
{
public:
    std::optional<Eta> forResult(QSqlDatabase &db, const RequestResult &result);

    static constexpr qint64 KeepMs = 5000;
    static constexpr int MaxKept = 20000;
    // At most this many estimates a second per thread (each is a few COUNTs over `queue`):
    // beyond it, a kept estimate up to StaleMs old is given, else null (unknown). Under a
    // flood of repeats of many names, the fast path must not turn into a stream of counts
    // (measured: 2,000 names repeated at 32 connections fell from ~1,000 to 179 req/s).
    static constexpr int MaxPerSecond = 4;
    static constexpr qint64 StaleMs = 60000;

private:
    struct Kept
    {
        std::optional<Eta> eta;
        qint64 atMs = 0;
    };
    bool spend(qint64 nowMs); // one estimate from this second's budget
    QHash<QString, Kept> m_byUsername;
    qint64 m_secondStart = 0;
    int m_spent = 0;
    Kept m_tail; // the last estimate for a row queued here
    bool m_hasTail = false;
    qint64 m_queuedSinceTail = 0;
};

// The writer thread: group commit. Every request that arrives while a batch is committing joins
// the next batch; each batch is one RequestService::requestItems() call (one transaction per
// chunk, committed with full durability), and every request of it is answered once it has
// committed. The HTTP thread only appends to a list under a mutex: it never waits on SQL.
//
// In front of the writers, a triage thread reads first, on its own connection: requests that
// need no write (already processed, or already waiting at HIGH priority) are answered from
// committed data at once, instead of waiting behind the next durable commit; the others go on
// to the writers. A failed read sends everything on, so the writers decide and report. While
// reads answer less than TriageMinShare of the requests they see, most requests skip them.
class GroupCommitter final
{
public:
    // Called on the thread of `context` (the HTTP thread) with the request's result and the
    // profile's ETA (nullopt: unknown, or nothing to wait for; see ProfileEtas).
    using Callback = std::function<void(const RequestResult &, const std::optional<Eta> &)>;
    // A batch's results (POST /api/batches), in input order.
    using BatchCallback = std::function<void(const QList<RequestResult> &)>;

    // `threads` writers share the queue: each takes everything waiting when it is free, so with
    // more than one, batches commit concurrently (useful on PostgreSQL; SQLite has one writer).
    GroupCommitter(const DatabaseConfig &config, QObject *context, int threads = 1);
    ~GroupCommitter(); // stop()
    GroupCommitter(const GroupCommitter &) = delete;
    GroupCommitter &operator=(const GroupCommitter &) = delete;

    // The object whose thread runs the callbacks; set before start().
    void setContext(QObject *context) { m_context = context; }

    void start();
    // Commits everything submitted so far, then ends the thread (blocks until it has). The
    // answers are posted to `context`; deliver them with QCoreApplication::sendPostedEvents().
    void stop();

    void submit(const RequestItem &item, Callback callback);

    // A whole batch (POST /api/batches): the inputs as given (one each), recorded as `record`
    // in one transaction on a writer thread, between two group commits.
    void submitBatch(QStringList inputs, QString source, NewBatch record, BatchCallback callback);

    // Under sustained load (the previous commit ended less than `duration` ago), a batch of
    // fewer than `belowRequests` waits up to `duration` for more before it commits, as
    // PostgreSQL's commit_delay does: fewer commits for the same requests, and the CPU they
    // took goes to the HTTP thread (with 90% repeats, SQLite's writer CPU fell from 28% to
    // 18%). A request that arrives after a quiet spell is committed at once. Set before
    // start(); defaults HoldBelow and HoldFor, 0 requests turns it off.
    void holdBatches(size_t belowRequests, std::chrono::microseconds duration)
    {
        m_holdBelow = belowRequests;
        m_holdFor = duration;
    }
    static constexpr size_t HoldBelow = 8;
    static constexpr std::chrono::microseconds HoldFor { 1000 };

    // The smoothed share of requests that reads answered (1 at start), for diagnostics.
    double readShare() const { return m_triageShare.load(std::memory_order_relaxed); }
    // Whether requests go through the read first now (TriageMinShare), apart from samples.
    bool readsFirst() const { return readShare() >= TriageMinShare; }

private:
    struct Job
    {
        RequestItem item;
        Callback callback;
    };
    struct BatchJob
    {
        QStringList inputs;
        QString source;
        NewBatch record;
        BatchCallback callback;
    };
    using Batch = std::shared_ptr<std::vector<Job>>;
    void run();
    void runTriage();
    void runBatch(RequestService &service, BatchJob &job);
    // Posts the answers to the context's thread; `results` in the order of `batch`; `etas`
    // from `etaCache` on the calling thread's connection.
    void answer(Batch batch, std::shared_ptr<QList<RequestResult>> results, RequestService &service,
        ProfileEtas &etaCache);

    DatabaseConfig m_config;
    QPointer<QObject> m_context;
    int m_threadCount;
    std::vector<std::unique_ptr<QThread>> m_threads;
    std::unique_ptr<QThread> m_triageThread;
    std::mutex m_mutex;
    std::condition_variable m_wake; // writers: m_pending or m_stopping
    std::condition_variable m_triageWake; // triage: m_incoming or m_triageStopping
    std::vector<Job> m_incoming; // submitted, not yet triaged
    std::vector<Job> m_pending; // for the writers: triaged, or sent straight (see submit())
    std::vector<BatchJob> m_batches; // for the writers, one at a time
    // The endpoint's requests, counted for the audit log by the triage and writer threads.
    EndpointAuditCounter m_audit;
    bool m_stopping = false;
    bool m_triageStopping = false;
    size_t m_holdBelow = HoldBelow;
    std::chrono::microseconds m_holdFor = HoldFor;
    static constexpr double TriageMinShare = 0.2;
    static constexpr unsigned TriageSample = 16;
    std::atomic<double> m_triageShare { 1.0 }; // answered by reads: try them first
    std::atomic<unsigned> m_submitted { 0 };
};

// The reader thread: status and health queries, one after another, on their own connection so
// that they never wait behind a commit.
class DatabaseReader final
{
public:
    // Runs on the reader thread; posts its own answer back (see EndpointServer).
    using Job = std::function<void(RequestService &service)>;

    explicit DatabaseReader(const DatabaseConfig &config);
    ~DatabaseReader();
    DatabaseReader(const DatabaseReader &) = delete;
    DatabaseReader &operator=(const DatabaseReader &) = delete;

    void start();
    void stop(); // runs the queued jobs, then ends the thread (blocks)

    // A job not started before `deadline` is dropped (its caller has answered 503 already).
    void submit(Job job, QDeadlineTimer deadline);

private:
    struct Entry
    {
        Job job;
        QDeadlineTimer deadline;
    };
    void run();

    DatabaseConfig m_config;
    std::unique_ptr<QThread> m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Entry> m_pending;
    bool m_stopping = false;
};

} // namespace ViralSpot::Http
