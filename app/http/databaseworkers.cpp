#include "databaseworkers.h"

#include "httplogging.h"

#include <QElapsedTimer>
#include <QSqlQuery>
#include <QThread>

#include <algorithm>

namespace ViralSpot::Http {

namespace {

QString connectionName(const char *purpose, const void *owner)
{
    return QStringLiteral("viralspot-http-%1-%2")
        .arg(QLatin1String(purpose))
        .arg(quintptr(owner), 0, 16);
}

} // namespace

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
    {
        std::lock_guard lock(m_mutex);
        m_pending.push_back({ item, std::move(callback) });
    }
    m_wake.notify_one();
}

void GroupCommitter::run()
{
    RequestService service(m_config, connectionName("writer", QThread::currentThread()));
    QString error;
    if (!service.open(&error)) // early, so the first request does not pay for it
        qCWarning(lcHttp) << "database not available yet:" << error;
    else if (m_config.engine == DatabaseConfig::Engine::SQLite)
        QSqlQuery(service.database()).exec(QStringLiteral("PRAGMA temp_store=MEMORY"));

    for (;;) {
        auto batch = std::make_shared<std::vector<Job>>();
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return !m_pending.empty() || m_stopping; });
            if (m_pending.empty())
                break;
            batch->swap(m_pending);
        }
        QList<RequestItem> items;
        items.reserve(int(batch->size()));
        for (const Job &job : *batch)
            items.append(job.item);
        QElapsedTimer timer;
        timer.start();
        auto results = std::make_shared<QList<RequestResult>>(service.requestItems(items));
        const bool allFailed = !results->isEmpty() &&
            std::all_of(results->cbegin(), results->cend(),
                [](const RequestResult &r) { return r.outcome == Outcome::Error; });
        // A connection left stale by a database restart fails its first statement; when the
        // database answers again, run the batch once more on the fresh connection. (Safe: the
        // insert does nothing on conflict, and a first attempt that did commit makes the retry
        // answer already_queued, never a second "queued".)
        if (allFailed && service.ping())
            *results = service.requestItems(items);
        qCDebug(lcHttp) << "committed a batch of" << items.size() << "in" << timer.elapsed()
                        << "ms";
        if (results->size() != items.size())
            qCWarning(lcHttp) << "request batch answered" << results->size() << "of"
                              << items.size();
        QMetaObject::invokeMethod(
            m_context.data(),
            [batch, results] {
                for (size_t i = 0; i < batch->size(); ++i) {
                    RequestResult result;
                    if (qsizetype(i) < results->size()) {
                        result = results->at(qsizetype(i));
                    } else {
                        result.username = (*batch)[i].item.username;
                        result.outcome = Outcome::Error;
                    }
                    (*batch)[i].callback(result);
                }
            },
            Qt::QueuedConnection);
    }
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
            m_wake.wait(lock, [this] { return !m_pending.empty() || m_stopping; });
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
