#pragma once

#include <QtGlobal>

namespace ViralSpot::SqliteWal {

// SQLite writes each WAL frame with two pwrite() calls: its 24-byte header, then the page. A
// commit of the endpoint's group commits writes ~29 frames, so ~58 system calls, each taking
// the file's locks and touching one or two page-cache pages. This module registers a VFS
// ("viralspot", made the default) that wraps the platform's one and, for WAL files only,
// gathers the frames of a transaction in memory and writes them with one call:
//
// - at the end of the commit frame (its header names the database size; the page that follows
//   is the commit's last write), so a commit reaches the file before SQLite makes it visible to
//   readers, whatever the `synchronous` setting;
// - before any other operation on the file (read, sync, size, truncate, file control, close),
//   so SQLite and other connections never see the file without what was written;
// - when the buffer would pass MaxBuffered, or a write does not follow the previous one.
//
// A write the VFS does not recognize as a frame header or its page goes to the file at once.
// A failed write is reported by the write that flushes, within the same commit, as SQLite
// expects: the commit fails and nothing claims it succeeded.
//
// The platform VFS is untouched for every other file (database, rollback journal, temp files).
//
// Opt-in, off by default: SQLite's own I/O path is its most tested one, and the gain (+11% on a
// synthetic closed loop of 32 endpoint clients, none on a bulk batch) shows only under a
// sustained stream of small commits. VIRALSPOT_SQLITE_GATHER_WAL=1 in the environment of the
// process switches it on (README: "SQLite's WAL-gathering VFS").

// True when the environment asks for the VFS (VIRALSPOT_SQLITE_GATHER_WAL=1).
bool enabled();

// Registers the VFS as the default when enabled(), once per process (thread safe), before the
// first SQLite connection. False when it is not enabled or the platform VFS is missing;
// connections then use SQLite's own.
bool install();

constexpr int MaxBuffered = 1 << 20;
// The most the platform VFS writes in one call (SQLite's unix VFS masks lengths with 0x1ffff):
// longer writes go to it in pieces.
constexpr int MaxWrite = 0x1ffff;

struct Statistics
{
    quint64 writes = 0; // xWrite calls on WAL files through this VFS
    quint64 flushes = 0; // writes to the file made by the VFS (one system call each, or a few
                         // for more than MaxWrite bytes)
    quint64 syncs = 0; // xSync calls on WAL files (each reaches the platform's fsync)
};

// Process-wide counters (for tests and diagnostics).
Statistics statistics();

} // namespace ViralSpot::SqliteWal
