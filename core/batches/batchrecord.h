#pragma once

// Internal to core: what a chunk of a recorded request writes into the batch tables, in the
// same transaction as its queue rows (the engine writers) or on its own (inputs that never
// reach a writer: invalid, duplicate, cancelled, failed). Nothing outside core/ includes it.

#include "core/batches/batches.h"
#include "core/outcome.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QString>

namespace ViralSpot::BatchRecord {

struct Entry
{
    int position = 0;
    QString input;
    QString username; // empty for unparsable input
    // >= 0: a row the writer sends (its index in the chunk): its outcome and queue row come
    // from the database in the same transaction. < 0: `outcome`, `message` and `queueId` are
    // final.
    int chunkIndex = -1;
    Outcome outcome = Outcome::Error;
    QString message; // stored only for inputs that were not sent
    QString queueId;
};

struct Chunk
{
    NewBatch batch;
    bool create = false; // insert the batch row (ON CONFLICT (id) DO NOTHING)
    QDateTime createdAt; // UTC
    QList<Entry> entries;
    int firstPosition() const { return entries.isEmpty() ? 0 : entries.constFirst().position; }
    int lastPosition() const { return entries.isEmpty() ? 0 : entries.constLast().position; }
};

// The batch row's INSERT (when chunk.create) and the items' INSERT for entries whose outcome
// is final (every entry's `chunkIndex` must be < 0), inside the caller's transaction. Both
// engines; set-based (one statement for all the items).
bool insertFinal(QSqlDatabase &db, const Chunk &chunk, QSqlError *error);

// Its own transaction around insertFinal() (BEGIN IMMEDIATE on SQLite).
bool writeOwnTransaction(QSqlDatabase &db, const Chunk &chunk, QSqlError *error);

// The batch row's INSERT statement as text with literals (PostgreSQL, for the writer's
// multi-statement string). Empty with *error when a value cannot be written.
QString postgresBatchInsert(const Chunk &chunk, QString *error);

// The input as stored: NULL (empty) when it is the username itself (most inputs), read back
// as COALESCE(input, username).
QString storedInput(const Entry &entry);

// Text safe to store: NUL characters (which PostgreSQL text cannot hold) replaced.
QString storable(const QString &text);

// A PostgreSQL array literal ({"a",NULL,"b"}) of text values, empty strings as NULL when
// `emptyIsNull`.
QString pgTextArray(const QStringList &values, bool emptyIsNull);

} // namespace ViralSpot::BatchRecord
