#pragma once

#include <QtGlobal>

struct sqlite3;

namespace ViralSpot::SqliteCheckpointer {

// SQLite copies the WAL back into the database file (a checkpoint) in the connection whose
// commit takes the WAL past 1,000 pages (wal_autocheckpoint): that commit returns only after
// ~4 MB of pages were copied and the database file synced. A bulk batch of 100,000 usernames
// crosses it ten times or more, ~10% of its time on the writer's thread (docs/benchmarks.md,
// section 1). SQLite's documentation names the way out: switch the automatic checkpoint off
// and run checkpoints on a thread of their own. This module does that:
//
// - attach() replaces a connection's automatic checkpoint with a WAL hook. After a commit
//   that leaves Threshold pages or more in the WAL, and Threshold more than when it last asked,
//   the hook asks the checkpoint thread for a round on that database and returns at once.
// - The thread (one per process, started at the first attach) runs each round on a connection
//   of its own, opened for the round and closed after it: a PASSIVE checkpoint, which copies
//   what no reader still needs and never blocks writers or readers. A request that arrives
//   during a round gets one more round after it.
// - The WAL starts over only at a write transaction that begins when all of it has been
//   copied. A writer that begins its next transaction at once (a bulk batch, the endpoint under
//   load) seldom finds that between two rounds, so the WAL grows; at InlineLimit pages the
//   committing connection checkpoints itself, as SQLite would have: it copies only what the
//   thread has not yet (its last commits), and the WAL starts over. The WAL thus holds up to
//   InlineLimit pages and one commit (~32 MB) where SQLite alone keeps ~Threshold.
// - When the thread cannot open the database (a read-only file, say), the committing
//   connection checkpoints itself past Threshold pages, as SQLite does.
// - A round opens the database only when SqliteFileGuard::mayOpen() allows it (no replaced
//   copies of its files held by this process) and leaves it without checkpointing otherwise.
// - detach(), before a connection closes: when it was the process's last connection to its
//   database, a round in flight is waited for and pending ones are dropped, so the closing
//   connection is the last one, checkpoints and removes the WAL as it always did.
//
// Durability is unchanged: a commit is durable when it is in the WAL (synchronous=FULL); a
// checkpoint only moves committed pages, and SQLite makes each one safe against a crash.
//
// On by default; VIRALSPOT_SQLITE_CHECKPOINT=inline in the environment keeps SQLite's own
// automatic checkpoint (README: "Configuration").

// False when the environment asks for SQLite's own checkpoints (VIRALSPOT_SQLITE_CHECKPOINT=
// inline).
bool enabled();

constexpr int Threshold = 1000; // SQLite's default wal_autocheckpoint, in pages
constexpr int InlineLimit = 8 * Threshold; // the committing connection checkpoints itself

// For a new SQLite connection in WAL mode (Database::open). Does nothing for connections to
// an in-memory database, or when !enabled().
void attach(sqlite3 *handle);
// Before the connection closes (Database::close).
void detach(sqlite3 *handle);

struct Statistics
{
    quint64 requests = 0; // hook calls that asked the thread for a round
    quint64 rounds = 0; // rounds the thread ran to the checkpoint
    quint64 inlineCheckpoints = 0; // checkpoints a committing connection ran itself
    quint64 failedRounds = 0; // rounds that did not checkpoint: refused (replaced files), busy,
                              // or the file cannot be opened for writing
};

// Process-wide counters (tests and diagnostics).
Statistics statistics();
// What happened between two readings of statistics(): `later - earlier`.
Statistics operator-(const Statistics &later, const Statistics &earlier);

// Tests: while held, the thread starts no round (requests wait), as when it falls behind.
void holdForTest(bool held);

} // namespace ViralSpot::SqliteCheckpointer
