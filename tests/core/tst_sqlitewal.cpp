// The WAL-gathering SQLite VFS (core/sqlitewal.h): what reaches the file and when, through the
// VFS's own methods, and through Qt's SQLite driver with readers on other connections.

#include "core/database.h"
#include "core/sqlitewal.h"

#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <sqlite3.h>

using namespace ViralSpot;

namespace {

// A WAL file opened through the VFS by hand, closed (and freed) on scope exit.
class WalHandle
{
public:
    // `path` names the database; the WAL is `path`-wal. The database file must exist (the
    // platform VFS gives the WAL its permissions).
    explicit WalHandle(const QString &path)
        : m_path(QFile::encodeName(path))
        , m_walPath(m_path + "-wal")
    {
        m_vfs = sqlite3_vfs_find("viralspot");
        if (!m_vfs)
            return;
        m_storage.reset(new char[size_t(m_vfs->szOsFile)]());
        // Names made as SQLite makes them for xOpen.
        m_name = sqlite3_create_filename(m_path.constData(), "", m_walPath.constData(), 0, nullptr);
        int out = 0;
        m_open =
            m_vfs->xOpen(m_vfs, sqlite3_filename_wal(m_name), file(),
                SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &out) == SQLITE_OK;
    }
    ~WalHandle()
    {
        close();
        sqlite3_free_filename(m_name);
    }
    bool isOpen() const { return m_open; }
    sqlite3_file *file() { return reinterpret_cast<sqlite3_file *>(m_storage.get()); }
    int write(const QByteArray &data, qint64 offset)
    {
        return file()->pMethods->xWrite(file(), data.constData(), int(data.size()), offset);
    }
    QByteArray read(int size, qint64 offset)
    {
        QByteArray data(size, '\0');
        if (file()->pMethods->xRead(file(), data.data(), size, offset) != SQLITE_OK)
            return {};
        return data;
    }
    int close()
    {
        if (!m_open)
            return SQLITE_OK;
        m_open = false;
        return file()->pMethods->xClose(file());
    }

private:
    QByteArray m_path;
    QByteArray m_walPath;
    sqlite3_vfs *m_vfs = nullptr;
    std::unique_ptr<char[]> m_storage;
    sqlite3_filename m_name = nullptr;
    bool m_open = false;
};

QByteArray frameHeader(quint32 page, quint32 commitSize)
{
    QByteArray header(24, '\x5a');
    for (int i = 0; i < 4; ++i) {
        header[i] = char(page >> (24 - 8 * i));
        header[4 + i] = char(commitSize >> (24 - 8 * i));
    }
    return header;
}

// An empty database file named `name` in `dir`; returns its path (the WAL is path + "-wal").
QString databaseFile(const QTemporaryDir &dir, const QString &name)
{
    const QString path = dir.filePath(name);
    QFile file(path);
    file.open(QIODevice::WriteOnly);
    return path;
}

// What the file holds now, as read beside the VFS.
QByteArray onDisk(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestSqliteWal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void framesWaitInMemoryUntilTheCommitFrame();
    void largeCommitsReachTheFileWhole();
    void everyOtherOperationWritesFirst();
    void unknownWritesGoStraightToTheFile();
    void qtDriverCommitsGatherTheirFrames();
    void readersSeeEveryCommitWhateverTheSyncMode_data();
    void readersSeeEveryCommitWhateverTheSyncMode();

private:
    QTemporaryDir m_dir;
};

void TestSqliteWal::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(SqliteWal::install(), "the VFS must register (VIRALSPOT_SQLITE_GATHER_WAL=1)");
    QVERIFY(SqliteWal::install()); // again: the same answer, nothing registered twice
    QCOMPARE(QByteArray(sqlite3_vfs_find(nullptr)->zName), QByteArray("viralspot"));
}

void TestSqliteWal::framesWaitInMemoryUntilTheCommitFrame()
{
    const QString database = databaseFile(m_dir, QStringLiteral("frames"));
    const QString path = database + QStringLiteral("-wal");
    WalHandle wal(database);
    QVERIFY(wal.isOpen());
    const QByteArray walHeader(32, 'h');
    const QByteArray page1(4096, 'a');
    const QByteArray page2(4096, 'b');

    QCOMPARE(wal.write(walHeader, 0), SQLITE_OK);
    QCOMPARE(wal.write(frameHeader(1, 0), 32), SQLITE_OK);
    QCOMPARE(wal.write(page1, 56), SQLITE_OK);
    QCOMPARE(wal.write(frameHeader(2, 0), 56 + 4096), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), 0); // header and a frame, gathered

    // The commit frame: its page is the commit's last write, and takes everything to the file.
    QCOMPARE(wal.write(page2, 56 + 4096 + 24), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), 0); // a frame whose header said "not a commit"
    QCOMPARE(wal.write(frameHeader(3, 3), 2 * (24 + 4096) + 32), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), 0);
    QCOMPARE(wal.write(page1, 2 * (24 + 4096) + 32 + 24), SQLITE_OK);
    const QByteArray disk = onDisk(path);
    QCOMPARE(disk.size(), 3 * (24 + 4096) + 32);
    QCOMPARE(disk.left(32), walHeader);
    QCOMPARE(disk.mid(56, 4096), page1);
    QCOMPARE(disk.mid(56 + 4096 + 24, 4096), page2);
    QCOMPARE(disk.right(4096), page1);
    QCOMPARE(wal.close(), SQLITE_OK);
}

// A commit larger than what the platform writes in one call reaches the file whole.
void TestSqliteWal::largeCommitsReachTheFileWhole()
{
    const QString database = databaseFile(m_dir, QStringLiteral("large"));
    const QString path = database + QStringLiteral("-wal");
    WalHandle wal(database);
    QVERIFY(wal.isOpen());
    QByteArray expected(32, 'h');
    QCOMPARE(wal.write(expected, 0), SQLITE_OK);
    constexpr int Frames = 300; // 300 × 4120 bytes: past MaxWrite, and past MaxBuffered
    for (int i = 1; i <= Frames; ++i) {
        const QByteArray header = frameHeader(quint32(i), i == Frames ? Frames : 0);
        const QByteArray page(4096, char('a' + i % 26));
        QCOMPARE(wal.write(header, expected.size()), SQLITE_OK);
        expected += header;
        QCOMPARE(wal.write(page, expected.size()), SQLITE_OK);
        expected += page;
    }
    QCOMPARE(onDisk(path), expected);
}

void TestSqliteWal::everyOtherOperationWritesFirst()
{
    const QString database = databaseFile(m_dir, QStringLiteral("ops"));
    const QString path = database + QStringLiteral("-wal");
    WalHandle wal(database);
    QVERIFY(wal.isOpen());
    sqlite3_file *f = wal.file();
    const QByteArray page(1024, 'p');
    qint64 offset = 32;
    auto frame = [&] {
        QCOMPARE(wal.write(frameHeader(7, 0), offset), SQLITE_OK);
        QCOMPARE(wal.write(page, offset + 24), SQLITE_OK);
        offset += 24 + 1024;
    };

    frame();
    QCOMPARE(onDisk(path).size(), 0);
    // A read returns what was written, the file included.
    QCOMPARE(wal.read(1024, 32 + 24), page);
    QCOMPARE(onDisk(path).size(), offset);

    frame();
    sqlite3_int64 size = 0;
    QCOMPARE(f->pMethods->xFileSize(f, &size), SQLITE_OK);
    QCOMPARE(size, offset);

    frame();
    QCOMPARE(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), offset);

    frame();
    QCOMPARE(f->pMethods->xTruncate(f, offset), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), offset);

    frame();
    int unused = 0;
    f->pMethods->xFileControl(f, SQLITE_FCNTL_LOCKSTATE, &unused);
    QCOMPARE(onDisk(path).size(), offset);

    // A write elsewhere in the file: what was gathered goes first, in place.
    frame();
    QCOMPARE(wal.write(frameHeader(8, 0), 32), SQLITE_OK);
    QByteArray disk = onDisk(path);
    QCOMPARE(disk.size(), offset);
    QCOMPARE(disk.mid(offset - 1024, 1024), page);

    // Closing writes what is left.
    QCOMPARE(wal.close(), SQLITE_OK);
    disk = onDisk(path);
    QCOMPARE(disk.mid(32, 24), frameHeader(8, 0));
}

void TestSqliteWal::unknownWritesGoStraightToTheFile()
{
    const QString database = databaseFile(m_dir, QStringLiteral("unknown"));
    const QString path = database + QStringLiteral("-wal");
    WalHandle wal(database);
    QVERIFY(wal.isOpen());
    // Not the WAL header, not a frame header, not a page after one.
    QCOMPARE(wal.write(QByteArray(100, 'x'), 500), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), 600);
    // A page whose header was not the write just before.
    QCOMPARE(wal.write(frameHeader(1, 0), 600), SQLITE_OK);
    QCOMPARE(wal.write(QByteArray(1024, 'y'), 5000), SQLITE_OK);
    QCOMPARE(onDisk(path).size(), 6024);
    // Larger than the buffer, and a multiple of what the platform writes in one call (its
    // length masked with 0x1ffff would be 0).
    const QByteArray large(9 * (SqliteWal::MaxWrite + 1), 'z');
    QVERIFY(large.size() > SqliteWal::MaxBuffered);
    QCOMPARE(wal.write(large, 8192), SQLITE_OK);
    QCOMPARE(onDisk(path).mid(8192), large);
}

void TestSqliteWal::qtDriverCommitsGatherTheirFrames()
{
    const QString connection = QStringLiteral("tst_sqlitewal_driver");
    {
        DatabaseConfig config;
        config.engine = DatabaseConfig::Engine::SQLite;
        config.sqlitePath = m_dir.filePath(QStringLiteral("driver.sqlite"));
        const ValueResult<QSqlDatabase> opened = Database::open(config, connection);
        QVERIFY2(opened.ok, qPrintable(opened.error));
        QSqlDatabase db = opened.value;
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE, "
                                      "c TEXT UNIQUE)")));
        const SqliteWal::Statistics before = SqliteWal::statistics();
        constexpr int Commits = 50;
        for (int i = 0; i < Commits; ++i) {
            QVERIFY(q.prepare(QStringLiteral("INSERT INTO t (b, c) VALUES (?, ?)")));
            q.addBindValue(QStringLiteral("b%1").arg(i));
            q.addBindValue(QStringLiteral("c%1").arg(i));
            QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
        }
        const SqliteWal::Statistics after = SqliteWal::statistics();
        // Qt's driver writes through this VFS: each commit (three pages: the table and two
        // indexes, two writes each) reaches the file in one write.
        const quint64 writes = after.writes - before.writes;
        const quint64 flushes = after.flushes - before.flushes;
        QVERIFY2(writes >= 6 * Commits, qPrintable(QString::number(writes)));
        QVERIFY2(flushes <= Commits + 2, qPrintable(QString::number(flushes)));
        // ... and is still made durable: synchronous=FULL syncs the WAL at every commit.
        QVERIFY2(after.syncs - before.syncs >= Commits,
            qPrintable(QString::number(after.syncs - before.syncs)));
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        // install() came before SQLite started, so it does not count allocations (under a
        // process-wide mutex): the count stays at zero.
        QCOMPARE(sqlite3_memory_used(), sqlite3_int64(0));
    }
    Database::close(connection);
}

void TestSqliteWal::readersSeeEveryCommitWhateverTheSyncMode_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("FULL") << QStringLiteral("FULL");
    QTest::newRow("NORMAL") << QStringLiteral("NORMAL");
    QTest::newRow("OFF") << QStringLiteral("OFF");
}

// Without a sync after the commit (NORMAL, OFF), only the commit frame's flush puts the frames
// in the file before other connections are told of the commit.
void TestSqliteWal::readersSeeEveryCommitWhateverTheSyncMode()
{
    QFETCH(QString, mode);
    DatabaseConfig config;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = m_dir.filePath(QStringLiteral("readers-%1.sqlite").arg(mode));
    const QString writerName = QStringLiteral("tst_sqlitewal_writer");
    const QString readerName = QStringLiteral("tst_sqlitewal_reader");
    {
        const ValueResult<QSqlDatabase> openedWriter = Database::open(config, writerName);
        QVERIFY2(openedWriter.ok, qPrintable(openedWriter.error));
        const ValueResult<QSqlDatabase> openedReader = Database::open(config, readerName);
        QVERIFY2(openedReader.ok, qPrintable(openedReader.error));
        QSqlDatabase writer = openedWriter.value;
        QSqlDatabase reader = openedReader.value;
        QSqlQuery w(writer);
        QVERIFY(w.exec(QStringLiteral("PRAGMA synchronous=%1").arg(mode)));
        QVERIFY(w.exec(QStringLiteral("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE)")));
        QSqlQuery r(reader);
        for (int i = 1; i <= 300; ++i) {
            QVERIFY(w.prepare(QStringLiteral("INSERT INTO t (a, b) VALUES (?, ?)")));
            w.addBindValue(i);
            w.addBindValue(QStringLiteral("row %1 ").arg(i).repeated(20)); // grows the index
            QVERIFY2(w.exec(), qPrintable(w.lastError().text()));
            QVERIFY2(r.exec(QStringLiteral("SELECT count(*), max(a), sum(length(b)) FROM t")),
                qPrintable(r.lastError().text()));
            QVERIFY(r.next());
            QCOMPARE(r.value(0).toInt(), i);
            QCOMPARE(r.value(1).toInt(), i);
            r.finish();
        }
        QVERIFY(r.exec(QStringLiteral("PRAGMA integrity_check")) && r.next());
        QCOMPARE(r.value(0).toString(), QStringLiteral("ok"));
    }
    Database::close(readerName);
    Database::close(writerName);
}

QTEST_GUILESS_MAIN(TestSqliteWal)
#include "tst_sqlitewal.moc"
