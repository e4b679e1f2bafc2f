#pragma once

#include "core/result.h"

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <optional>

namespace ViralSpot::SqliteFileGuard {

// SQLite's locks are POSIX fcntl locks, and closing *any* descriptor of a file drops all the
// process's locks on it. When code in this process opens and closes the database, its WAL or
// its shared-memory file outside SQLite (a file dialog sniffing MIME types did), another
// process soon believes it is the last connection, checkpoints and unlinks the WAL, while this
// process keeps committing into the unlinked file: every later "queued" is lost, silently.
//
// The first defence is a rule (README "Files of the database"): nothing here opens those
// files outside SQLite. This module makes a breach loud instead of silent:
//
// - attach() (Database::open, for every SQLite connection) records which database file and
//   WAL the connection holds, and refuses a connection while the process still holds copies
//   that are no longer at their paths (SQLite shares its lock and wal-index state between the
//   connections of one process, so a new connection would inherit the stale ones);
// - check() after every commit, before anything is acknowledged, and periodically while idle,
//   tells whether those files are still the ones at their paths (two stat() calls). When not,
//   the caller reports the commit as an error and closes the connection; a new one opens on
//   the real file once every connection of the process has noticed.

// Before SQLite opens `databasePath` in this process: fails, saying why, while the process
// still holds copies of its files that are no longer the files at their paths (a connection
// opened now would share SQLite's per-process state with them, and its close could checkpoint
// through their stale wal-index). attach() checks again.
Result mayOpen(const QString &databasePath);

// For a new SQLite connection, after WAL mode is set. Fails, saying why, when the files
// cannot be trusted. Connections of other drivers are accepted as they are.
Result attach(const QSqlDatabase &db);
// Forgets the connection (Database::close).
void detach(const QString &connectionName);

// Ok while the database file and the WAL the connection holds are the files at their paths
// (and for connections attach() never saw: PostgreSQL). On the connection's own thread.
// When it fails it records the trip (replacedProblem()) and the caller must close the
// connection without acknowledging what it just committed.
Result check(const QSqlDatabase &db);

// Set from a trip until a connection to that database is attached again: what happened,
// for answers that cannot carry a message of their own (the endpoint's 503s, /health).
// None while no trip is pending.
std::optional<QString> replacedProblem();
// Trips seen by this process (diagnostics and tests).
int tripCount();

// True when `path` is a file of an SQLite database this process has opened: the database, its
// -wal, -shm or -journal (by path and by device/inode, so links count too). Such a file must
// not be opened, read or written outside SQLite. Uses stat() only.
bool isDatabaseFile(const QString &path);
// The message for a refused file, for the window.
QString refusedFileMessage(const QString &path);

// Linux: descriptors of this process on `databasePath`'s files (database, -wal, -shm,
// -journal) that are no longer the files at those paths, as "fd N: path (deleted)". Empty
// elsewhere.
QStringList staleDescriptors(const QString &databasePath);

} // namespace ViralSpot::SqliteFileGuard
