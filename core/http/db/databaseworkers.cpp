#include "core/http/db/databaseworkers.h"

#include "core/auditlog.h"
#include "core/bulkparser.h"
#include "core/http/httplogging.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSqlQuery>
#include <QThread>

#include <algorithm>
#include <chrono>

namespace ViralSpot::Http {

namespace {

// How often an idle thread checks that its connection still holds the database's real files
// (SqliteFileGuard): a new connection is refused while any of them holds a replaced one.
constexpr auto IdleCheckInterval = std::chrono::seconds(1);

QString connectionName(const char *purpose, const void *owner)
{
    return QStringLiteral("viralspot-http-%1-%2")
        .arg(QLatin1String(purpose))
        .arg(quintptr(owner), 0, 16);
}

} // namespace

std::optional<Eta> ProfileEtas::forResult(QSqlDatabase &db, const RequestResult &result)
{
    // Processed, invalid, failed: nothing to wait for, or nothing known.
    if (result.outcome != Outcome::Queued && result.outcome != Outcome::AlreadyQueued)
        return std::nullopt;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const auto estimate = [&db, &result] {
        const EtaEstimate estimate = Batches::etaForProfile(db, result.username);
        return estimate.ok ? estimate.eta : std::nullopt;
    };
    if (result.outcome == Outcome::Queued) {
        ++m_queuedSinceTail;
        const qint64 ahead = m_tail.eta ? m_tail.eta->ahead : 0;
        if (!m_hasTail || now - m_tail.atMs >= KeepMs ||
            m_queuedSinceTail > qMax<qint64>(100, ahead / 10)) {
            if (!spend(now))
                return m_hasTail && now - m_tail.atMs < StaleMs ? m_tail.eta : std::nullopt;
            m_tail = { estimate(), now };
            m_hasTail = true;
            m_queuedSinceTail = 0;
        }
        return m_tail.eta;
    }
    if (m_byUsername.size() >= MaxKept) {
        for (auto it = m_byUsername.begin(); it != m_byUsername.end();)
            it = now - it->atMs >= StaleMs ? m_byUsername.erase(it) : std::next(it);
        if (m_byUsername.size() >= MaxKept)
            m_byUsername.clear();
    }
    const auto found = m_byUsername.constFind(result.username);
    if (found != m_byUsername.constEnd() && now - found->atMs < KeepMs)
        return found->eta;
    if (!spend(now)) // over budget: an older estimate, else unknown
        return found != m_byUsername.constEnd() && now - found->atMs < StaleMs ? found->eta
                                                                               : std::nullopt;
    Kept &kept = m_byUsername[result.username];
    kept = { estimate(), now };
    return kept.eta;
}

bool ProfileEtas::spend(qint64 nowMs)
{
    if (nowMs - m_secondStart >= 1000) {
        m_secondStart = nowMs;
        m_spent = 0;
    }
    if (m_spent >= MaxPerSecond)
        return false;
    ++m_spent;
    return true;
}

GroupCommitter::GroupCommitter(const DatabaseConfig &config, QObject *context, int threads)
    : m_config(config)
    , m_context(context)
    , m_threadCount(qMax(1, threads))
{ }

GroupCommitter::~GroupCommitter()
{
    stop();
}

void GroupCommitter::start()
{
    if (!m_threads.empty())
        return;
    m_stopping = false;
    m_triageStopping = false;
    m_triageThread.reset(QThread::create([this] { runTriage(); }));
    m_triageThread->setObjectName(QStringLiteral("http-triage"));
    m_triageThread->start();
    for (int i = 0; i < m_threadCount; ++i) {
        m_threads.emplace_back(QThread::create([this] { run(); }));
        m_threads.back()->setObjectName(QStringLiteral("http-writer-%1").arg(i));
        m_threads.back()->start();
    }
}

void GroupCommitter::stop()
{
    if (m_threads.empty())
        return;
    // Triage first: what it still holds goes to the writers, which then commit everything.
    {
        std::lock_guard lock(m_mutex);
        m_triageStopping = true;
    }
    m_triageWake.notify_all();
    m_triageThread->wait();
    m_triageThread.reset();
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    for (const auto &thread : m_threads)
        thread->wait();
    m_threads.clear();
}

void GroupCommitter::submit(const RequestItem &item, Callback callback)
{
    // The read first pays only where it answers: under a load of new names it would add a step
    // (a round trip on PostgreSQL) in front of every write. So while few reads answer, most
    // requests go straight to the writers; one in TriageSample still goes through the read, so
    // that the share answered by reads stays known.
    const bool triage =
        readsFirst() || m_submitted.fetch_add(1, std::memory_order_relaxed) % TriageSample == 0;
    {
        std::lock_guard lock(m_mutex);
        (triage ? m_incoming : m_pending).push_back({ item, std::move(callback) });
    }
    if (triage)
        m_triageWake.notify_one();
    else
        m_wake.notify_one();
}

void GroupCommitter::submitBatch(
    QStringList inputs, QString source, NewBatch record, BatchCallback callback)
{
    {
        std::lock_guard lock(m_mutex);
        m_batches.push_back(
            { std::move(inputs), std::move(source), std::move(record), std::move(callback) });
    }
    m_wake.notify_one();
}

void GroupCommitter::answer(Batch batch, std::shared_ptr<QList<RequestResult>> results,
    RequestService &service, ProfileEtas &etaCache)
{
    auto etas = std::make_shared<std::vector<std::optional<Eta>>>(results->size());
    QSqlDatabase db = service.database().value;
    for (qsizetype i = 0; i < results->size(); ++i) {
        const RequestResult &r = results->at(i);
        m_audit.add(r.outcome, r.username);
        if (db.isOpen())
            (*etas)[size_t(i)] = etaCache.forResult(db, r);
    }
    QMetaObject::invokeMethod(
        m_context.data(),
        [batch, results, etas] {
            for (size_t i = 0; i < batch->size(); ++i) {
                RequestResult result;
                std::optional<Eta> eta;
                if (qsizetype(i) < results->size()) {
                    result = results->at(qsizetype(i));
                    eta = (*etas)[i];
                } else {
                    result.username = (*batch)[i].item.username;
                    result.outcome = Outcome::Error;
                }
                (*batch)[i].callback(result, eta);
            }
        },
        Qt::QueuedConnection);
}

void GroupCommitter::runBatch(RequestService &service, BatchJob &job)
{
    // One transaction for the whole batch (its size is limited by the route): the queue rows,
    // the batch and its items commit together or not at all.
    const BulkParseResult parsed = BulkParser::fromInputs(job.inputs);
    BatchOptions options;
    options.chunkSize = qMax(options.chunkSize, int(parsed.entries.size()));
    options.notePausedRows = false; // the endpoint's messages are fixed
    options.record = job.record;
    options.recordAfterFailure = false; // a 503 gives out no id: nothing of it may remain
    auto results =
        std::make_shared<QList<RequestResult>>(service.requestBulk(parsed, job.source, options));
    for (const RequestResult &r : std::as_const(*results))
        m_audit.add(r.outcome, r.username);
    const auto failed = std::find_if(results->cbegin(), results->cend(),
        [](const RequestResult &r) { return r.outcome == Outcome::Error; });
    if (failed != results->cend())
        qCWarning(lcHttp).noquote()
            << "a batch of" << parsed.entries.size() << "usernames failed:" << failed->message;
    BatchCallback callback = std::move(job.callback);
    QMetaObject::invokeMethod(
        m_context.data(), [callback, results] { callback(*results); }, Qt::QueuedConnection);
}

void GroupCommitter::runTriage()
{
    RequestService service(m_config, connectionName("triage", QThread::currentThread()));
    ProfileEtas etaCache;
    for (;;) {
        std::vector<Job> jobs;
        {
            std::unique_lock lock(m_mutex);
            if (!m_triageWake.wait_for(lock, IdleCheckInterval,
                    [this] { return !m_incoming.empty() || m_triageStopping; })) {
                lock.unlock();
                service.checkFiles();
                continue;
            }
            if (m_incoming.empty())
                break;
            jobs.swap(m_incoming);
        }
        QList<RequestItem> items;
        items.reserve(qsizetype(jobs.size()));
        for (const Job &job : jobs)
            items.append(job.item);
        QList<std::optional<RequestResult>> resolved;
        if (ResolvedRequests triaged = service.resolveWithoutWrite(items); triaged.ok)
            resolved = std::move(triaged.results);
        else
            qCDebug(lcHttp).noquote() << "triage read failed, the writers decide:" << triaged.error;
        auto answered = std::make_shared<std::vector<Job>>();
        auto results = std::make_shared<QList<RequestResult>>();
        {
            std::lock_guard lock(m_mutex);
            for (size_t i = 0; i < jobs.size(); ++i) {
                if (qsizetype(i) < resolved.size() && resolved[qsizetype(i)]) {
                    answered->push_back(std::move(jobs[i]));
                    results->append(*resolved[qsizetype(i)]);
                } else {
                    m_pending.push_back(std::move(jobs[i]));
                }
            }
        }
        // The share of requests the reads answer, smoothed over about 20 batches.
        const double share = double(answered->size()) / double(jobs.size());
        m_triageShare.store(0.95 * m_triageShare.load(std::memory_order_relaxed) + 0.05 * share,
            std::memory_order_relaxed);
        if (answered->size() < jobs.size())
            m_wake.notify_one();
        if (!answered->empty())
            answer(answered, results, service, etaCache);
    }
    service.close();
}

void GroupCommitter::run()
{
    RequestService service(m_config, connectionName("writer", QThread::currentThread()));
    ProfileEtas etaCache;
    // Early, so the first request does not pay for it.
    if (const Result opened = service.open(); !opened.ok)
        qCWarning(lcHttp) << "database not available yet:" << opened.error;
    else if (service.repairRequired()) // the operator's log says it once, not per request
        qCWarning(lcHttp).noquote() << service.repairMessage();

    // The endpoint's requests go to the audit log as counts, one row a minute at most (and one
    // at the end), not one row per HTTP request.
    constexpr qint64 AuditIntervalMs = 60000;
    QElapsedTimer sinceAudit;
    sinceAudit.start();
    auto flushAudit = [&] {
        ValueResult<QSqlDatabase> opened = service.database();
        if (!m_audit.isEmpty()) {
            const Result flushed =
                opened.ok ? m_audit.flush(opened.value) : Result::failure(opened.error);
            if (!flushed.ok)
                qCWarning(lcHttp) << "could not write the audit log:" << flushed.error;
        }
        sinceAudit.restart();
    };

    // When the previous commit ended (see holdBatches()); none yet, so no hold at first.
    auto lastCommitEnd = std::chrono::steady_clock::now() - m_holdFor;
    for (;;) {
        Batch batch = std::make_shared<std::vector<Job>>();
        std::optional<BatchJob> batchJob;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, IdleCheckInterval,
                [this] { return !m_pending.empty() || !m_batches.empty() || m_stopping; });
            if (m_pending.empty() && m_batches.empty() && m_stopping)
                break;
            if (!m_batches.empty()) {
                batchJob = std::move(m_batches.front());
                m_batches.erase(m_batches.begin());
            }
            const auto now = std::chrono::steady_clock::now();
            if (!batchJob && m_pending.size() < m_holdBelow && !m_stopping &&
                now - lastCommitEnd < m_holdFor) {
                m_wake.wait_until(lock, now + m_holdFor,
                    [this] { return m_pending.size() >= m_holdBelow || m_stopping; });
            }
            batch->swap(m_pending);
        }
        if (sinceAudit.elapsed() >= AuditIntervalMs)
            flushAudit();
        if (batchJob)
            runBatch(service, *batchJob);
        if (batch->empty()) {
            service.checkFiles(); // idle: let go of replaced files (it checks after commits)
            continue;
        }
        QList<RequestItem> items;
        items.reserve(int(batch->size()));
        for (const Job &job : *batch)
            items.append(job.item);
        QElapsedTimer timer;
        timer.start();
        // The core reconnects once by itself when a database restart left the connection
        // stale, so a batch fails only when the database does not answer.
        // The endpoint's messages are fixed: it skips the read for paused rows.
        BatchOptions options;
        options.notePausedRows = false;
        auto results = std::make_shared<QList<RequestResult>>(service.requestItems(items, options));
        const auto failed = std::find_if(results->cbegin(), results->cend(),
            [](const RequestResult &r) { return r.outcome == Outcome::Error; });
        if (failed != results->cend())
            // The operator's only clue to a full disk or a broken database: say it once a batch.
            qCWarning(lcHttp).noquote()
                << "a batch of" << items.size() << "requests failed:" << failed->message;
        else
            qCDebug(lcHttp) << "committed a batch of" << items.size() << "in" << timer.elapsed()
                            << "ms";
        if (results->size() != items.size())
            qCWarning(lcHttp) << "request batch answered" << results->size() << "of"
                              << items.size();
        answer(batch, results, service, etaCache);
        lastCommitEnd = std::chrono::steady_clock::now();
    }
    flushAudit();
    service.close();
}

DatabaseReader::DatabaseReader(const DatabaseConfig &config)
    : m_config(config)
{ }

DatabaseReader::~DatabaseReader()
{
    stop();
}

void DatabaseReader::start()
{
    if (m_thread)
        return;
    m_stopping = false;
    m_thread.reset(QThread::create([this] { run(); }));
    m_thread->setObjectName(QStringLiteral("http-reader"));
    m_thread->start();
}

void DatabaseReader::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread->wait();
    m_thread.reset();
}

void DatabaseReader::submit(Job job, QDeadlineTimer deadline)
{
    {
        std::lock_guard lock(m_mutex);
        m_pending.push_back({ std::move(job), deadline });
    }
    m_wake.notify_one();
}

void DatabaseReader::run()
{
    RequestService service(m_config, connectionName("reader", this));
    service.open();
    for (;;) {
        std::vector<Entry> jobs;
        {
            std::unique_lock lock(m_mutex);
            if (!m_wake.wait_for(
                    lock, IdleCheckInterval, [this] { return !m_pending.empty() || m_stopping; })) {
                lock.unlock();
                service.checkFiles();
                continue;
            }
            if (m_pending.empty())
                break;
            jobs.swap(m_pending);
        }
        for (Entry &entry : jobs) {
            if (!entry.deadline.hasExpired())
                entry.job(service);
        }
    }
    service.close();
}

} // namespace ViralSpot::Http
