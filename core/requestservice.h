#pragma once

#include "bulkparser.h"
#include "databaseconfig.h"
#include "outcome.h"
#include "schema.h"

#include <QElapsedTimer>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

class QSqlQuery;

namespace ViralSpot {

struct SqliteChunkStatements;

// PostgreSQL: whether the database holds mixed-case usernames, and when that was last asked.
struct PostgresLegacyState
{
    bool present = false;
    QElapsedTimer checked; // invalid: not asked yet on this connection
};

// One already-parsed request: a normalized valid username and a valid source.
struct RequestItem
{
    QString username;
    QString source;
};

struct ProfileStatus
{
    bool ok = false; // false: the database failed (error says why)
    QString error;
    ErrorKind errorKind = ErrorKind::None; // set when !ok
    bool completed = false; // in primary_profiles
    // "COMPLETED" (in primary_profiles), else the newest queue row's status, else "NOT_FOUND"
    QString status;
    int attempts = 0;
    QString message;
};

struct BatchOptions
{
    // Usernames per transaction. Progress is reported and cancellation checked between chunks.
    int chunkSize = 10000;
    // Called after each committed chunk with (inputs done, inputs total).
    std::function<void(int done, int total)> progress;
    // When it becomes true, the current chunk finishes and the rest come back as Cancelled.
    const std::atomic_bool *cancel = nullptr;
    // After the commit, look for PAUSED rows of the queued usernames and say so (the result's
    // pausedRowExists and a note in its message). One read per chunk; the endpoint, whose
    // messages are fixed, turns it off.
    bool notePausedRows = true;
};

// The one operation of the product: request processing of profiles (SPEC 1).
// An instance owns one database connection and must be used on one thread only (the one that
// calls it; the connection is opened lazily there and reopened after it is lost).
class RequestService final
{
public:
    explicit RequestService(DatabaseConfig config, QString connectionName = {});
    ~RequestService();
    RequestService(const RequestService &) = delete;
    RequestService &operator=(const RequestService &) = delete;

    const DatabaseConfig &config() const { return m_config; }

    // Opens the connection and migrates the schema if needed. Requests call it themselves.
    // True also while the queue holds duplicate active rows (reads work; requests are refused
    // with ErrorKind::RepairRequired until the repair): see repairRequired().
    bool open(QString *error = nullptr);
    // Why the last open() failed: SetupRequired when the role lacks a right, else Failed or
    // Unavailable.
    ErrorKind lastOpenErrorKind() const { return m_lastErrorKind; }
    // The queue held duplicate active rows when the schema was last checked (by open()).
    bool repairRequired() const;
    // What to do about it: Schema::repairRequiredMessage().
    QString repairMessage() const;
    bool isOpen() const;
    void close();
    // A cheap round trip to the database ("SELECT 1"); reopens a lost connection. False once
    // after checkFiles() found the files replaced (with its message), then reopens.
    bool ping(QString *error = nullptr);
    // SqliteFileGuard::check() on the open connection (true when closed): when the database
    // file or WAL it holds is no longer the file at its path, closes it and says so. Runs after
    // every commit; callers run it periodically while idle. Two stat() calls.
    bool checkFiles(QString *error = nullptr);

    // One request from any front door: parses `input` (any accepted form) and `source`
    // (empty = "frontend"), then queues it atomically.
    RequestResult request(const QString &input, const QString &source = {});

    // Many parsed usernames (valid, normalized) in a few set-based statements per chunk.
    // A username repeated in `items` gets the database's answer once and AlreadyQueued /
    // AlreadyProcessed for its repeats. Results are in input order.
    QList<RequestResult> requestItems(
        const QList<RequestItem> &items, const BatchOptions &options = {});

    // A parsed bulk text: invalid and duplicate lines get their outcomes without touching the
    // database, the valid ones go through requestItems(). One result per entry, in order.
    QList<RequestResult> requestBulk(
        const BulkParseResult &parsed, const QString &source, const BatchOptions &options = {});

    // Read only, outside any transaction: the requests that need no write get their result
    // here — the profile is processed, or it waits on the queue where a request changes
    // nothing (PROCESSING, or PENDING at HIGH priority). The others (a new name, a LOW row to
    // raise, a name found only as a mixed-case legacy row) are left empty for requestItems().
    // What this reads is committed, and on SQLite with synchronous=FULL also on disk, so the
    // answers claim nothing that a crash could take back. The endpoint answers repeated
    // requests this way without waiting behind a durable commit.
    // `results` gets one entry per item. False when the database failed (`error` says why).
    bool resolveWithoutWrite(const QList<RequestItem> &items,
        QList<std::optional<RequestResult>> *results, QString *error = nullptr);

    ProfileStatus status(const QString &username);

    // The connection, opened if needed (for read-only views on the same thread).
    QSqlDatabase database(QString *error = nullptr);

private:
    QList<RequestResult> runChunk(const QList<RequestItem> &items);
    // BatchOptions::notePausedRows: marks the queued results whose username has a PAUSED row.
    void notePausedRows(QList<RequestResult> &results);

    DatabaseConfig m_config;
    QString m_connectionName;
    QString m_replaced; // the last trip of checkFiles(), until ping() has reported it
    bool m_migrated = false;
    Schema::DuplicateReport m_duplicates; // non-clean: requests wait for the repair
    ErrorKind m_lastErrorKind = ErrorKind::None;
    PostgresLegacyState m_pgLegacy;
    // SQLite: the chunk's statements, prepared once per connection (the endpoint's group
    // commits run thousands of small chunks a second).
    std::unique_ptr<SqliteChunkStatements> m_sqlite;
    // resolveWithoutWrite()'s statement, prepared once per connection (SQLite only: a
    // PostgreSQL statement must not outlive its transaction, see Database::exec()).
    std::unique_ptr<QSqlQuery> m_lookup;
};

} // namespace ViralSpot
