#pragma once

// Internal to core: how one engine writes a chunk of requests. The request service (the only
// user) picks the writer for its connection; nothing outside core/ includes this header.

#include "core/outcome.h"

#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QStringList>

#include <memory>

namespace ViralSpot::BatchRecord {
struct Chunk;
}

namespace ViralSpot::Engine {

// One chunk's rows, with the ids made by the service: only the inserted usernames come back
// from the database, so the ids need not.
struct WriteChunk
{
    QStringList names; // valid, normalized, unique within the chunk
    QStringList sources;
    QStringList requestIds;
    QStringList ids;
    QHash<QString, int> index; // username -> position
    // Record these inputs as batch items in the same transaction (BatchOptions::record):
    // entries with a chunkIndex take the outcome and queue row the database gives that row.
    const BatchRecord::Chunk *record = nullptr;
};

struct WriteResult
{
    bool ok = false; // true: committed (durably) and `results` filled in
    QSqlError error; // when !ok
};

// Writes one chunk atomically: the processed check, the insert that the partial unique index
// decides, the LOW→HIGH raise, and the durable commit. An instance belongs to one open
// connection (it may keep prepared statements or state of it) and must be dropped before the
// connection is closed.
class RequestWriter
{
public:
    virtual ~RequestWriter() = default;

    // `results` (one per chunk row) come in as AlreadyQueued; a processed name becomes
    // AlreadyProcessed, an inserted one Queued with its ids. Only a committed row is Queued.
    virtual WriteResult write(const WriteChunk &chunk, QList<RequestResult> &results) = 0;

    // The writer for the engine of `db` (an open connection).
    static std::unique_ptr<RequestWriter> create(const QSqlDatabase &db);

protected:
    RequestWriter() = default;
    Q_DISABLE_COPY_MOVE(RequestWriter)

    // A row the database says it inserted.
    static void markQueued(
        const QString &username, const WriteChunk &chunk, QList<RequestResult> &results);
    static void markProcessed(
        const QString &username, const WriteChunk &chunk, QList<RequestResult> &results);
};

// A list of double-quoted strings with `"` and `\` escaped by a backslash: a PostgreSQL array
// literal ({"a","b"}) and a JSON array (["a","b"], for SQLite's json_each()). Usernames and
// sources reaching here are validated (no quotes or backslashes), but escape anyway.
QString pgArray(const QStringList &values);
QString jsonArray(const QStringList &values);

// No quote or backslash: safe to write into a statement's text.
bool isSafeLiteral(const QString &value);

} // namespace ViralSpot::Engine
