#include "core/sqlitefileguard.h"

#include "core/database.h"
#include "core/logging.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include <atomic>
#include <mutex>
#include <sqlite3.h>
#include <sys/stat.h>

#ifdef Q_OS_LINUX
#include <dirent.h>
#include <unistd.h>
#endif

namespace ViralSpot::SqliteFileGuard {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct SqliteFileGuardText
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::SqliteFileGuard)
};

const char *const Suffixes[] = { "", "-wal", "-shm", "-journal" };

struct Identity
{
    dev_t device = 0;
    ino_t inode = 0;
    bool valid = false;

    bool operator==(const Identity &other) const
    {
        return valid && other.valid && device == other.device && inode == other.inode;
    }
};

Identity identityOf(const QByteArray &path)
{
    struct stat st;
    if (::stat(path.constData(), &st) != 0)
        return {};
    return { st.st_dev, st.st_ino, true };
}

struct Connection
{
    QString databasePath;
    QByteArray walPath;
    Identity wal; // invalid when the connection holds no WAL (another journal mode)
};

// The registry is touched at open/close and once per check (a lookup under a mutex nobody
// holds for long): the endpoint's writers commit on several threads at once.
std::mutex g_mutex;
QHash<QString, Connection> g_connections; // by connection name
QStringList g_databasePaths; // every SQLite database this process opened
std::optional<QString> g_problem; // the last trip's message until the next attach
std::atomic_int g_trips { 0 };

QString replacedMessage(const QString &databasePath, const QString &what)
{
    return SqliteFileGuardText::tr(
        "The SQLite database %1 is no longer the file this program writes to (%2): "
        "another program, or this one outside SQLite, opened and closed its files, and "
        "the changes made since then are not in the database. The last change was not "
        "confirmed; the database is opened again.")
        .arg(databasePath, what);
}

} // namespace

Result mayOpen(const QString &databasePath)
{
    const QFileInfo file(databasePath);
    const QString canonical = file.dir().exists()
        ? QDir(file.absolutePath()).canonicalPath() + QLatin1Char('/') + file.fileName()
        : file.absoluteFilePath();
    // A connection of this process that is closing as the last one unlinks the WAL a moment
    // before it closes its descriptor: that resolves itself within milliseconds, a copy
    // replaced by another program does not.
    QStringList stale = staleDescriptors(canonical);
    for (int retry = 0; !stale.isEmpty() && retry < 5; ++retry) {
        QThread::msleep(20 * (retry + 1));
        stale = staleDescriptors(canonical);
    }
    if (stale.isEmpty())
        return Result::success();
    const QString message = SqliteFileGuardText::tr(
        "This program still holds copies of the SQLite database %1 that are no longer the "
        "files at that path (%2). The database is opened again once every connection of "
        "this program has let go of them (within seconds).")
                                .arg(databasePath, stale.join(QStringLiteral(", ")));
    qCWarning(lcCore).noquote() << message;
    return Result::failure(message, ErrorKind::Unavailable);
}

Result attach(const QSqlDatabase &db)
{
    sqlite3 *handle = Database::sqliteHandle(db);
    if (!handle)
        return Result::success();
    const char *file = sqlite3_db_filename(handle, "main");
    if (!file || !*file)
        return Result::success(); // in memory: no files to lose
    const QString databasePath = QString::fromUtf8(file);

    // A read makes SQLite open the WAL (it opens it lazily, at the first transaction); from
    // then on the connection keeps the same WAL file open until it closes.
    {
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA schema_version")))
            return Result::failure(q.lastError().text(), ErrorKind::Unavailable);
    }
    if (Result allowed = mayOpen(databasePath); !allowed.ok) {
        // This connection shares SQLite's state with the stale ones: closing it must not
        // checkpoint or unlink anything either.
        sqlite3_db_config(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        return allowed;
    }
    Connection connection;
    connection.databasePath = databasePath;
    connection.walPath = QFile::encodeName(databasePath + QLatin1String("-wal"));
    // The WAL at the path now is the one the connection opened: while it holds its shared
    // lock, no other connection may delete it.
    connection.wal = identityOf(connection.walPath); // none yet on a new file: see check()

    std::lock_guard lock(g_mutex);
    g_connections.insert(db.connectionName(), connection);
    if (!g_databasePaths.contains(databasePath))
        g_databasePaths.append(databasePath);
    g_problem.reset();
    return Result::success();
}

void detach(const QString &connectionName)
{
    std::lock_guard lock(g_mutex);
    g_connections.remove(connectionName);
}

Result check(const QSqlDatabase &db)
{
    sqlite3 *handle = Database::sqliteHandle(db);
    if (!handle)
        return Result::success();
    Connection connection;
    {
        std::lock_guard lock(g_mutex);
        const auto it = g_connections.find(db.connectionName());
        if (it == g_connections.end())
            return Result::success();
        connection = it.value();
    }
    bool suspect = false;
    if (!connection.wal.valid) {
        // Attached before the database had a WAL (a new file gets one at its first write).
        // The WAL it opened since is the one at the path now, unless this process holds
        // replaced copies: then it may be one of them, and is closed to be sure.
        suspect = !staleDescriptors(connection.databasePath).isEmpty();
        if (!suspect) {
            std::lock_guard lock(g_mutex);
            const auto it = g_connections.find(db.connectionName());
            if (it != g_connections.end())
                it->wal = connection.wal = identityOf(connection.walPath);
        }
    }
    // The database file: SQLite compares the inode it opened with the one at the path.
    int moved = 0;
    const bool databaseMoved =
        sqlite3_file_control(handle, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved;
    // SQLite opens WAL files without its inode bookkeeping, so HAS_MOVED cannot tell.
    const bool walMoved =
        suspect || (connection.wal.valid && !(identityOf(connection.walPath) == connection.wal));
    if (!databaseMoved && !walMoved)
        return Result::success();

    if (walMoved) {
        // Closing would checkpoint the orphaned WAL (its frames are older than what others
        // committed since) into the real database file, when no other process has it open
        // at that moment, and then unlink whatever WAL is at the path by then.
        sqlite3_db_config(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    } else {
        // The database file was replaced but the WAL at the path is still the old file's, and
        // SQLite leaves it there when the old file is gone: the next connection would replay
        // its frames onto the new file. Checkpoint them into the old file (harmless: nobody
        // sees it any more) and empty the WAL first. Fails (and is said) while others read it.
        const int rc =
            sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
        if (rc != SQLITE_OK)
            qCCritical(lcCore).noquote()
                << "could not empty the replaced database's WAL" << connection.walPath
                << "(SQLite error" << rc << "): its frames may be applied to the new file";
    }
    const QString what = databaseMoved
        ? SqliteFileGuardText::tr("the database file was deleted or replaced")
        : SqliteFileGuardText::tr("its write-ahead log %1-wal was deleted or replaced")
              .arg(QFileInfo(connection.databasePath).fileName());

    const QString message = replacedMessage(connection.databasePath, what);
    qCCritical(lcCore).noquote() << message;
    g_trips.fetch_add(1);
    {
        std::lock_guard lock(g_mutex);
        g_problem = message;
    }
    return Result::failure(message, ErrorKind::Unavailable);
}

std::optional<QString> replacedProblem()
{
    std::lock_guard lock(g_mutex);
    return g_problem;
}

int tripCount()
{
    return g_trips.load();
}

bool isDatabaseFile(const QString &path)
{
    if (path.isEmpty())
        return false;
    QStringList databases;
    {
        std::lock_guard lock(g_mutex);
        databases = g_databasePaths;
    }
    const QString candidate = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    const Identity candidateId = identityOf(QFile::encodeName(candidate));
    for (const QString &database : std::as_const(databases)) {
        for (const char *suffix : Suffixes) {
            const QString file = database + QLatin1String(suffix);
            if (QDir::cleanPath(QFileInfo(file).absoluteFilePath()) == candidate)
                return true;
            if (candidateId.valid && identityOf(QFile::encodeName(file)) == candidateId)
                return true;
        }
    }
    return false;
}

QString refusedFileMessage(const QString &path)
{
    return SqliteFileGuardText::tr(
        "%1 is a file of the database this program has open. It is not opened outside "
        "the database: doing so would release the database's locks and lose other "
        "programs' changes. Choose another file.")
        .arg(QDir::toNativeSeparators(path));
}

QStringList staleDescriptors(const QString &databasePath)
{
    QStringList stale;
#ifdef Q_OS_LINUX
    QList<QByteArray> paths;
    QList<Identity> current;
    for (const char *suffix : Suffixes) {
        paths.append(QFile::encodeName(databasePath + QLatin1String(suffix)));
        current.append(identityOf(paths.constLast()));
    }
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return stale;
    const QByteArray deleted(" (deleted)");
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        const QByteArray link = QByteArray("/proc/self/fd/") + entry->d_name;
        char target[4096];
        const ssize_t size = ::readlink(link.constData(), target, sizeof target - 1);
        if (size <= 0)
            continue;
        QByteArray name(target, size);
        if (name.endsWith(deleted))
            name.chop(deleted.size());
        const qsizetype index = paths.indexOf(name);
        if (index < 0)
            continue;
        struct stat st;
        if (::stat(link.constData(), &st) != 0)
            continue; // closed meanwhile
        const Identity held { st.st_dev, st.st_ino, true };
        // Another thread's first open may have created the file after `current` was read.
        if (st.st_nlink != 0 && !(held == current[index]))
            current[index] = identityOf(paths[index]);
        if (st.st_nlink == 0 || !(held == current[index])) {
            stale.append(QStringLiteral("fd %1: %2%3")
                             .arg(QLatin1String(entry->d_name), QFile::decodeName(name),
                                 st.st_nlink == 0 ? QStringLiteral(" (deleted)") : QString()));
        }
    }
    ::closedir(dir);
#else
    Q_UNUSED(databasePath)
#endif
    return stale;
}

} // namespace ViralSpot::SqliteFileGuard
