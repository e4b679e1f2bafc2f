#include "core/sqlitecheckpointer.h"

#include "core/logging.h"
#include "core/sqlitefileguard.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sqlite3.h>
#include <string>
#include <thread>

#ifdef Q_OS_LINUX
#include <pthread.h>
#endif

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
    // SQLite opens a file it may not write read-only, without an error.
    if (rc != SQLITE_OK || sqlite3_db_readonly(handle, "main") == 1) {
        qCWarning(lcCore).noquote()
            << "the checkpoint thread cannot open" << name << "for writing ("
            << sqlite3_errstr(rc == SQLITE_OK ? SQLITE_READONLY : rc)
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

// One database file, shared by the hooks of its connections in this process.
struct File
{
    explicit File(std::string filePath)
        : path(std::move(filePath))
    { }
    const std::string path;
    int users = 0; // attached connections (under the service's mutex)
    bool failed = false; // the thread cannot open it (under the service's mutex)
    std::atomic_int walPages { 0 }; // the WAL's length after the latest commit seen
    std::atomic_int askedAt { 0 }; // its length when the thread was last asked for a round
};

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

    // The file's state for the connection's hook.
    File *use(sqlite3 *handle, const std::string &path)
    {
        std::lock_guard lock(m_mutex);
        std::unique_ptr<File> &file = m_files[path];
        if (!file)
            file = std::make_unique<File>(path);
        if (m_connections.emplace(handle, file.get()).second)
            ++file->users;
        if (!m_thread.joinable())
            m_thread = std::thread([this] { run(); });
        return file.get();
    }

    // After the connection's hook is removed.
    void release(sqlite3 *handle)
    {
        std::unique_lock lock(m_mutex);
        const auto connection = m_connections.find(handle);
        if (connection == m_connections.end())
            return;
        File *file = connection->second;
        m_connections.erase(connection);
        if (--file->users > 0)
            return;
        m_pending.erase(file);
        m_idle.wait(lock, [&] { return m_inFlight != file; });
        m_files.erase(file->path);
    }

    // False when the caller should checkpoint itself.
    bool request(File *file)
    {
        {
            std::lock_guard lock(m_mutex);
            if (m_stop || file->failed)
                return false;
            m_pending.insert(file);
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
#ifdef Q_OS_LINUX
        pthread_setname_np(pthread_self(), "sqlite-ckpt");
#endif
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [&] { return m_stop || (!m_held && !m_pending.empty()); });
            if (m_stop)
                return;
            File *file = m_inFlight = *m_pending.begin();
            m_pending.erase(m_pending.begin());
            lock.unlock();
            // release() keeps the file while it is in flight.
            const Round round = checkpoint(file->path);
            lock.lock();
            if (round == Round::Done)
                g_rounds.fetch_add(1);
            else
                g_failedRounds.fetch_add(1);
            if (round == Round::Failed)
                file->failed = true;
            m_inFlight = nullptr;
            m_idle.notify_all();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake; // a request, a release of the hold, the end
    std::condition_variable m_idle; // a round ended
    std::map<std::string, std::unique_ptr<File>> m_files; // with attached connections
    std::map<sqlite3 *, File *> m_connections; // attached
    std::set<File *> m_pending;
    File *m_inFlight = nullptr;
    bool m_held = false;
    bool m_stop = false;
    std::thread m_thread; // last: started after the members it uses
};

Service &service()
{
    static Service instance;
    return instance;
}

int walHook(void *context, sqlite3 *handle, const char *schema, int pages)
{
    File *file = static_cast<File *>(context);
    // The WAL starts over at a write after a complete checkpoint: what the thread was asked
    // for then is done. (Two connections' hooks out of order look the same: one round more.)
    if (pages < file->walPages.exchange(pages))
        file->askedAt.store(0);
    if (pages < Threshold)
        return SQLITE_OK;
    if (pages < InlineLimit) {
        // One round per Threshold pages written: a round asked for during another runs after
        // it, and back-to-back rounds would copy the same hot pages and sync the database file
        // once per commit under a stream of small ones (the endpoint's).
        if (pages - file->askedAt.load() < Threshold)
            return SQLITE_OK;
        if (service().request(file)) {
            file->askedAt.store(pages);
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
    // Takes the place of SQLite's automatic checkpoint (the same hook slot).
    sqlite3_wal_hook(handle, walHook, service().use(handle, path));
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

Statistics operator-(const Statistics &later, const Statistics &earlier)
{
    return { later.requests - earlier.requests, later.rounds - earlier.rounds,
        later.inlineCheckpoints - earlier.inlineCheckpoints,
        later.failedRounds - earlier.failedRounds };
}

void holdForTest(bool held)
{
    service().hold(held);
}

} // namespace ViralSpot::SqliteCheckpointer
