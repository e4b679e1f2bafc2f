#pragma once

#include "core/batches/batches.h"
#include "core/bulkparser.h"
#include "core/databaseconfig.h"
#include "core/outcome.h"
#include "core/queuequery.h"
#include "core/result.h"
#include "core/schema.h"

#include <QCoreApplication>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace ViralSpot {

namespace Engine {
class RequestWriter;
}
namespace BatchRecord {
struct Entry;
struct Chunk;
} // namespace BatchRecord
class RequestTriage;

// One already-parsed request: a normalized valid username and a valid source.
struct RequestItem
{
    QString username;
    QString source;
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
    // Record these inputs as a batch (core/batches/batches.h): the batch row and one item per
    // input (invalid and duplicate lines too) in the same transactions as the queue rows.
    std::optional<NewBatch> record;
    // With `record`: a chunk that failed still has its inputs recorded, in a transaction of
    // their own, so that every input is an item (the window, the terminal). False: a batch that
    // met a failure records nothing more (the endpoint answers 503 and gives out no id, so a
    // batch it cannot name must not appear).
    bool recordAfterFailure = true;
};

// RequestService::resolveWithoutWrite()'s answer.
struct ResolvedRequests
{
    bool ok = false; // false: the database failed (error says why)
    QString error;
    // One entry per item: the result when no write is needed, else empty.
    QList<std::optional<RequestResult>> results;
};

// The one operation of the product: request processing of profiles.
// An instance owns one database connection and must be used on one thread only (the one that
// calls it; the connection is opened lazily there and reopened after it is lost). The SQL of
// each engine lives in its writer (core/engine/), the endpoint's read-first answers in
// RequestTriage, the status route's reads in QueueQuery::profileStatus().
class RequestService final
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::RequestService)

public:
    explicit RequestService(DatabaseConfig config, QString connectionName = {});
    ~RequestService();
    RequestService(const RequestService &) = delete;
    RequestService &operator=(const RequestService &) = delete;

    const DatabaseConfig &config() const { return m_config; }

    // Opens the connection and migrates the schema if needed. Requests call it themselves.
    // Ok also while the queue holds duplicate active rows (reads work; requests are refused
    // with ErrorKind::RepairRequired until the repair): see repairRequired().
    // errorKind: SetupRequired when the role lacks a right, else Failed or Unavailable.
    Result open();
    // Why the last open() failed (as its errorKind).
    ErrorKind lastOpenErrorKind() const { return m_lastErrorKind; }
    // The queue held duplicate active rows when the schema was last checked (by open()).
    bool repairRequired() const;
    // What to do about it: Schema::repairRequiredMessage().
    QString repairMessage() const;
    bool isOpen() const;
    void close();
    // A cheap round trip to the database ("SELECT 1"); reopens a lost connection. Fails once
    // after checkFiles() found the files replaced (with its message), then reopens.
    Result ping();
    // SqliteFileGuard::check() on the open connection (ok when closed): when the database
    // file or WAL it holds is no longer the file at its path, closes it and says so. Runs after
    // every commit; callers run it periodically while idle. Two stat() calls.
    Result checkFiles();

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
    // here (RequestTriage); the others are left empty for requestItems(). The endpoint answers
    // repeated requests this way without waiting behind a durable commit.
    ResolvedRequests resolveWithoutWrite(const QList<RequestItem> &items);

    ProfileStatus status(const QString &username);

    // The connection, opened (and migrated) if needed, for read-only views on the same thread.
    // Fails as open() does.
    ValueResult<QSqlDatabase> database();

private:
    // The inputs marked `send` (the others are answered already) in chunks; with
    // BatchOptions::record, every input recorded as a batch item.
    void submit(
        QList<RequestResult> &results, const QList<bool> &send, const BatchOptions &options);
    // A streamed batch's later chunk: inputs an earlier chunk recorded become duplicates.
    void markEarlierDuplicates(
        QList<RequestResult> &results, QList<int> &leaders, const NewBatch &record);
    // Items no chunk's transaction recorded (nothing sent; a chunk failed or was cancelled), in
    // one transaction of their own.
    Result recordUnsent(const NewBatch &record, bool create, const QDateTime &createdAt,
        const QList<BatchRecord::Entry> &entries);
    // One chunk of unique valid items in one transaction, with retries and one reconnect.
    QList<RequestResult> runChunk(
        const QList<RequestItem> &items, const BatchRecord::Chunk *record = nullptr);
    // BatchOptions::notePausedRows: marks the queued results whose username has a PAUSED row.
    void notePausedRows(QList<RequestResult> &results);

    DatabaseConfig m_config;
    QString m_connectionName;
    QString m_replaced; // the last trip of checkFiles(), until ping() has reported it
    bool m_migrated = false;
    Schema::DuplicateReport m_duplicates; // non-clean: requests wait for the repair
    ErrorKind m_lastErrorKind = ErrorKind::None;
    // Both belong to the open connection: made after it opens, dropped before it closes.
    std::unique_ptr<Engine::RequestWriter> m_writer;
    std::unique_ptr<RequestTriage> m_triage;
};

} // namespace ViralSpot
