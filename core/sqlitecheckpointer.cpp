#include "core/sqlitecheckpointer.h"

#include "core/logging.h"
#include "core/sqlitefileguard.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <sqlite3.h>
#include <string>
#include <thread>

namespace ViralSpot::SqliteCheckpointer {

namespace {

std::atomic<quint64> g_requests { 0 };
std::atomic<quint64> g_rounds { 0 };
std::atomic<quint64> g_inline { 0 };
std::atomic<quint64> g_failedRounds { 0 };

std::string databasePath(sqlite3 *handle)
{
    const char *file = handle ? sqlite3_db_filename(handle, "main") : nullptr;
    return file ? std::string(file) : std::string();
}

enum class Round
{
    Done,
    Skipped, // busy or refused this time: the next request tries again
    Failed, // the database cannot be opened for writing here: checkpoint inline from now on
};

// One round: a PASSIVE checkpoint on a connection of its own, opened for the round.
Round checkpoint(const std::string &path)
{
    const QString name = QString::fromStdString(path);
    if (!SqliteFileGuard::mayOpen(name).ok)
        return Round::Skipped; // said by mayOpen; the committing connections trip themselves
    sqlite3 *handle = nullptr;
    int rc = sqlite3_open_v2(
        path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        qCWarning(lcCore).noquote()
            << "the checkpoint thread cannot open" << name << "(" << sqlite3_errstr(rc)
            << "): its writers checkpoint the WAL themselves";
        sqlite3_close(handle);
        return Round::Failed;
    }
    sqlite3_busy_timeout(handle, 1000);
    // SQLite opens the WAL at the connection's first read. Then, as SqliteFileGuard::attach()
    // does: a connection opened beside replaced copies of the files must not checkpoint into
    // them, nor checkpoint and unlink anything when it closes.
    rc = sqlite3_exec(handle, "PRAGMA schema_version", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK || !SqliteFileGuard::mayOpen(name).ok) {
        sqlite3_db_config(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        sqlite3_close(handle);
        return Round::Skipped;
    }
    // PASSIVE copies the frames no reader still needs and waits for nobody; SQLITE_BUSY means
    // another connection is checkpointing: nothing to do.
    rc = sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        qCWarning(lcCore).noquote()
            << "checkpoint of" << name << "failed (" << sqlite3_errstr(rc) << ")";
    }
    sqlite3_close(handle);
    return rc == SQLITE_OK ? Round::Done : Round::Skipped;
}

class Service
{
public:
    ~Service()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        if (m_thread.joinable())
            m_thread.join();
    }

    void use(sqlite3 *handle, const std::string &path)
    {
        std::lock_guard lock(m_mutex);
        if (!m_connections.emplace(handle, path).second)
            return;
        ++m_users[path];
        if (!m_thread.joinable())
            m_thread = std::thread([this] { run(); });
    }

    void release(sqlite3 *handle)
    {
        std::unique_lock lock(m_mutex);
        const auto connection = m_connections.find(handle);
        if (connection == m_connections.end())
            return;
        const std::string path = connection->second;
        m_connections.erase(connection);
        const auto it = m_users.find(path);
        if (it == m_users.end() || --it->second > 0)
            return;
        m_users.erase(it);
        m_pending.erase(path);
        m_failed.erase(path);
        m_idle.wait(lock, [&] { return m_inFlight != path; });
    }

    // False when the caller should checkpoint itself.
    bool request(const std::string &path)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop || m_failed.count(path) || !m_users.count(path))
                return false;
            m_pending.insert(path);
        }
        m_wake.notify_one();
        return true;
    }

    void hold(bool held)
    {
        {
            std::lock_guard lock(m_mutex);
            m_held = held;
        }
        m_wake.notify_all();
    }

private:
    void run()
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [&] { return m_stop || (!m_held && !m_pending.empty()); });
            if (m_stop)
                return;
            m_inFlight = *m_pending.begin();
            m_pending.erase(m_pending.begin());
            lock.unlock();
            const Round round = checkpoint(m_inFlight);
            lock.lock();
            if (round == Round::Done)
                g_rounds.fetch_add(1);
            else
                g_failedRounds.fetch_add(1);
            if (round == Round::Failed && m_users.count(m_inFlight))
                m_failed.insert(m_inFlight);
            m_inFlight.clear();
            m_idle.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake; // a request, a release of the hold, the end
    std::condition_variable m_idle; // a round ended
    std::map<sqlite3 *, std::string> m_connections; // attached, with their database file
    std::map<std::string, int> m_users; // attached connections per database file
    std::set<std::string> m_pending;
    std::set<std::string> m_failed;
    std::string m_inFlight;
    bool m_held = false;
    bool m_stop = false;
    std::thread m_thread; // last: started after the members it uses
};

Service &service()
{
    static Service instance;
    return instance;
}

int walHook(void *, sqlite3 *handle, const char *schema, int pages)
{
    if (pages < Threshold)
        return SQLITE_OK;
    if (pages < InlineLimit) {
        const char *file = sqlite3_db_filename(handle, schema);
        if (file && service().request(file)) {
            g_requests.fetch_add(1);
            return SQLITE_OK;
        }
    }
    // What SQLite's own hook does. Its result is not this commit's: the commit is done, and
    // an error returned here would report it as failed.
    g_inline.fetch_add(1);
    sqlite3_wal_checkpoint_v2(handle, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return SQLITE_OK;
}

} // namespace

bool enabled()
{
    static const bool on = qEnvironmentVariable("VIRALSPOT_SQLITE_CHECKPOINT")
                               .compare(QLatin1String("inline"), Qt::CaseInsensitive) != 0;
    return on;
}

void attach(sqlite3 *handle)
{
    const std::string path = databasePath(handle);
    if (path.empty() || !enabled())
        return;
    service().use(handle, path);
    // Takes the place of SQLite's automatic checkpoint (the same hook slot).
    sqlite3_wal_hook(handle, walHook, nullptr);
}

void detach(sqlite3 *handle)
{
    if (!handle || !enabled())
        return;
    sqlite3_wal_hook(handle, nullptr, nullptr);
    service().release(handle);
}

Statistics statistics()
{
    return { g_requests.load(), g_rounds.load(), g_inline.load(), g_failedRounds.load() };
}

void holdForTest(bool held)
{
    service().hold(held);
}

} // namespace ViralSpot::SqliteCheckpointer
