#include "core/sqlitewal.h"

#include "core/logging.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sqlite3.h>

namespace ViralSpot::SqliteWal {

namespace {

constexpr int FrameHeaderSize = 24;

std::atomic<quint64> g_writes { 0 };
std::atomic<quint64> g_flushes { 0 };
std::atomic<quint64> g_syncs { 0 };

sqlite3_vfs *g_base = nullptr; // the platform VFS ("unix")
sqlite3_vfs g_vfs;
sqlite3_io_methods g_walMethods;

// A WAL file: the platform's file object lives right after this one (szOsFile covers both).
struct WalFile
{
    sqlite3_file base; // must come first: SQLite sees a WalFile as a sqlite3_file
    sqlite3_file *real;
    char *buffer;
    int used;
    int capacity;
    sqlite3_int64 start; // file offset of buffer[0]
    // What the next write is, by the write before it.
    enum class Expect
    {
        Any,
        PageAfterHeader,
        PageAfterCommitHeader
    } expect;
};

WalFile *walFile(sqlite3_file *file)
{
    return reinterpret_cast<WalFile *>(file);
}

// One write to the platform's file, in pieces of at most MaxWrite bytes: its xWrite writes
// no more than that in one call (SQLite's unix VFS masks the length with 0x1ffff).
int writeThrough(WalFile *f, const char *data, int amount, sqlite3_int64 offset)
{
    g_flushes.fetch_add(1, std::memory_order_relaxed);
    while (amount > 0) {
        const int piece = qMin(amount, MaxWrite);
        if (const int rc = f->real->pMethods->xWrite(f->real, data, piece, offset); rc != SQLITE_OK)
            return rc;
        data += piece;
        offset += piece;
        amount -= piece;
    }
    return SQLITE_OK;
}

int flush(WalFile *f)
{
    if (f->used == 0)
        return SQLITE_OK;
    const int used = f->used;
    f->used = 0;
    return writeThrough(f, f->buffer, used, f->start);
}

// Appends to the buffer (flushing first when the write does not follow on, or the buffer
// would grow past MaxBuffered). Writes larger than the limit go through directly.
int append(WalFile *f, const void *data, int amount, sqlite3_int64 offset)
{
    if (f->used > 0 &&
        (offset != f->start + f->used || qint64(f->used) + amount > qint64(MaxBuffered))) {
        if (const int rc = flush(f); rc != SQLITE_OK)
            return rc;
    }
    if (amount > MaxBuffered)
        return writeThrough(f, static_cast<const char *>(data), amount, offset);
    if (f->used + amount > f->capacity) {
        int capacity = f->capacity > 0 ? f->capacity : 64 * 1024;
        while (capacity < f->used + amount)
            capacity *= 2;
        capacity = qMin(capacity, MaxBuffered);
        char *grown = static_cast<char *>(std::realloc(f->buffer, size_t(capacity)));
        if (!grown) {
            // No memory for the buffer: write through (what is buffered goes first).
            if (const int rc = flush(f); rc != SQLITE_OK)
                return rc;
            return writeThrough(f, static_cast<const char *>(data), amount, offset);
        }
        f->buffer = grown;
        f->capacity = capacity;
    }
    if (f->used == 0)
        f->start = offset;
    std::memcpy(f->buffer + f->used, data, size_t(amount));
    f->used += amount;
    return SQLITE_OK;
}

quint32 bigEndian32(const void *data)
{
    const auto *p = static_cast<const unsigned char *>(data);
    return (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | quint32(p[3]);
}

int walWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset)
{
    WalFile *f = walFile(file);
    g_writes.fetch_add(1, std::memory_order_relaxed);
    const WalFile::Expect expect = f->expect;
    f->expect = WalFile::Expect::Any;
    if (expect != WalFile::Expect::Any && f->used > 0 && offset == f->start + f->used) {
        // The page of the frame whose header came just before.
        if (const int rc = append(f, data, amount, offset); rc != SQLITE_OK)
            return rc;
        // After a commit frame's page, the commit reaches the file before SQLite publishes it
        // to readers (with synchronous=FULL, xSync comes first anyway).
        return expect == WalFile::Expect::PageAfterCommitHeader ? flush(f) : SQLITE_OK;
    }
    if (const int rc = append(f, data, amount, offset); rc != SQLITE_OK)
        return rc;
    if (amount == FrameHeaderSize && offset > 0) {
        // A frame header: bytes 4..7 hold the database size in pages after a commit, else 0.
        f->expect = bigEndian32(static_cast<const char *>(data) + 4) != 0
            ? WalFile::Expect::PageAfterCommitHeader
            : WalFile::Expect::PageAfterHeader;
        return SQLITE_OK;
    }
    if (offset == 0)
        return SQLITE_OK; // the WAL header: the first frame follows
    // Not a write this VFS knows: nothing is left waiting in memory.
    return flush(f);
}

int walClose(sqlite3_file *file)
{
    WalFile *f = walFile(file);
    const int flushed = flush(f);
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    std::free(f->buffer);
    f->buffer = nullptr;
    f->capacity = 0;
    return flushed != SQLITE_OK ? flushed : rc;
}

int walRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset)
{
    WalFile *f = walFile(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xRead(f->real, data, amount, offset);
}

int walTruncate(sqlite3_file *file, sqlite3_int64 size)
{
    WalFile *f = walFile(file);
    f->expect = WalFile::Expect::Any;
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

int walSync(sqlite3_file *file, int flags)
{
    WalFile *f = walFile(file);
    g_syncs.fetch_add(1, std::memory_order_relaxed);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

int walFileSize(sqlite3_file *file, sqlite3_int64 *size)
{
    WalFile *f = walFile(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

int walLock(sqlite3_file *file, int level)
{
    WalFile *f = walFile(file);
    return f->real->pMethods->xLock(f->real, level);
}

int walUnlock(sqlite3_file *file, int level)
{
    WalFile *f = walFile(file);
    return f->real->pMethods->xUnlock(f->real, level);
}

int walCheckReservedLock(sqlite3_file *file, int *result)
{
    WalFile *f = walFile(file);
    return f->real->pMethods->xCheckReservedLock(f->real, result);
}

int walFileControl(sqlite3_file *file, int op, void *argument)
{
    WalFile *f = walFile(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xFileControl(f->real, op, argument);
}

int walSectorSize(sqlite3_file *file)
{
    WalFile *f = walFile(file);
    return f->real->pMethods->xSectorSize(f->real);
}

int walDeviceCharacteristics(sqlite3_file *file)
{
    WalFile *f = walFile(file);
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

int vfsOpen(sqlite3_vfs *, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags)
{
    // Every other file is the platform's own object, in place: no wrapper, no cost.
    if (!(flags & SQLITE_OPEN_WAL))
        return g_base->xOpen(g_base, name, file, flags, outFlags);
    WalFile *f = new (file) WalFile {};
    f->base.pMethods = nullptr; // SQLite calls no method on a file whose open failed
    f->real = reinterpret_cast<sqlite3_file *>(f + 1);
    f->real->pMethods = nullptr;
    const int rc = g_base->xOpen(g_base, name, f->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        // The platform may have set pMethods on a failed open: it wants xClose then.
        if (f->real->pMethods)
            f->real->pMethods->xClose(f->real);
        return rc;
    }
    f->base.pMethods = &g_walMethods;
    return SQLITE_OK;
}

bool registerVfs()
{
    // SQLite counts every allocation under a process-wide mutex for sqlite3_memory_used() and
    // the soft heap limit, neither of which the app uses. Only possible before SQLite starts
    // (no connection yet); otherwise SQLITE_MISUSE, and it stays on. Not an I/O matter: done
    // whether or not the VFS is wanted.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (!enabled()) {
        qCDebug(lcCore) << "SQLite: its own VFS (VIRALSPOT_SQLITE_GATHER_WAL unset)";
        return false;
    }
    if (sqlite3_initialize() != SQLITE_OK)
        return false;
    g_base = sqlite3_vfs_find(nullptr);
    if (!g_base || g_base->iVersion < 1) {
        qCWarning(lcCore) << "SQLite: no default VFS to wrap; WAL writes are not gathered";
        return false;
    }
    static_assert(sizeof(WalFile) % 8 == 0, "the platform's file object follows, aligned");
    g_vfs = *g_base; // the platform's methods, its pAppData included (they read it)
    g_vfs.szOsFile = int(sizeof(WalFile)) + g_base->szOsFile;
    g_vfs.pNext = nullptr;
    g_vfs.zName = "viralspot";
    g_vfs.xOpen = vfsOpen;

    g_walMethods = {};
    g_walMethods.iVersion = 1; // no shared memory or memory mapping: SQLite uses neither on a WAL
    g_walMethods.xClose = walClose;
    g_walMethods.xRead = walRead;
    g_walMethods.xWrite = walWrite;
    g_walMethods.xTruncate = walTruncate;
    g_walMethods.xSync = walSync;
    g_walMethods.xFileSize = walFileSize;
    g_walMethods.xLock = walLock;
    g_walMethods.xUnlock = walUnlock;
    g_walMethods.xCheckReservedLock = walCheckReservedLock;
    g_walMethods.xFileControl = walFileControl;
    g_walMethods.xSectorSize = walSectorSize;
    g_walMethods.xDeviceCharacteristics = walDeviceCharacteristics;

    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK) {
        qCWarning(lcCore) << "SQLite: could not register the WAL-gathering VFS";
        return false;
    }
    return true;
}

} // namespace

bool enabled()
{
    return qEnvironmentVariableIntValue("VIRALSPOT_SQLITE_GATHER_WAL") != 0;
}

bool install()
{
    static const bool installed = registerVfs(); // once per process; other callers wait
    return installed;
}

Statistics statistics()
{
    return { g_writes.load(std::memory_order_relaxed), g_flushes.load(std::memory_order_relaxed),
        g_syncs.load(std::memory_order_relaxed) };
}

} // namespace ViralSpot::SqliteWal
