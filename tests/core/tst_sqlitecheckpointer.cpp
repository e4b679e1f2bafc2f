// Checkpoints on a thread of their own (core/sqlitecheckpointer.h): the committing connection
// leaves them to the thread, takes them over when the thread falls behind, and the last
// connection's close still checkpoints and removes the WAL.

#include "core/database.h"
#include "core/sqlitecheckpointer.h"

#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace ViralSpot;

namespace {

constexpr int PageSize = 4096; // SQLite's default
constexpr qint64 FrameSize = PageSize + 24;
constexpr int RowsPerCommit = 40; // ~40 pages a commit: 3,000-byte rows, one a page

qint64 walPages(const QString &databasePath)
{
    const QFileInfo wal(databasePath + QLatin1String("-wal"));
    return wal.exists() ? wal.size() / FrameSize : 0;
}

} // namespace

class TestSqliteCheckpointer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void commitsLeaveCheckpointsToTheThread();
    void theWriterCheckpointsWhenTheThreadFallsBehind();
    void theLastCloseStillRemovesTheWal();

private:
    // Opens `name` on `file` in m_dir with a table `t` for the commits.
    QSqlDatabase open(const QString &name, const QString &file);
    // One transaction of RowsPerCommit rows; false (and a failed check) when it fails.
    static bool commitRows(QSqlDatabase &db, int commit);

    QTemporaryDir m_dir;
};

void TestSqliteCheckpointer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(SqliteCheckpointer::enabled());
}

void TestSqliteCheckpointer::cleanup()
{
    SqliteCheckpointer::holdForTest(false);
    Database::close(QStringLiteral("writer"));
    Database::close(QStringLiteral("reader"));
}

QSqlDatabase TestSqliteCheckpointer::open(const QString &name, const QString &file)
{
    DatabaseConfig config;
    config.engine = DatabaseConfig::Engine::SQLite;
    config.sqlitePath = m_dir.filePath(file);
    const ValueResult<QSqlDatabase> opened = Database::open(config, name);
    if (!opened.ok) {
        qWarning().noquote() << opened.error;
        return {};
    }
    QSqlDatabase db = opened.value;
    QSqlQuery q(db);
    q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body BLOB)"));
    return db;
}

bool TestSqliteCheckpointer::commitRows(QSqlDatabase &db, int commit)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("BEGIN IMMEDIATE")))
        return false;
    q.prepare(QStringLiteral("INSERT INTO t (id, body) VALUES (?, randomblob(3000))"));
    for (int i = 0; i < RowsPerCommit; ++i) {
        q.bindValue(0, commit * RowsPerCommit + i);
        if (!q.exec()) {
            qWarning().noquote() << q.lastError().text();
            return false;
        }
    }
    return q.exec(QStringLiteral("COMMIT"));
}

// 300 commits of ~40 pages one after the other (~12,000 pages, 12 times the threshold): the
// thread runs the checkpoints; the writer, where SQLite's own would have checkpointed ~12
// times, does so only when the WAL reaches InlineLimit (once, to start it over: each of its
// transactions begins while the thread still copies the last commits); a reader on another
// connection sees every commit, and the file is whole.
void TestSqliteCheckpointer::commitsLeaveCheckpointsToTheThread()
{
    QSqlDatabase writer = open(QStringLiteral("writer"), QStringLiteral("thread.sqlite"));
    QSqlDatabase reader = open(QStringLiteral("reader"), QStringLiteral("thread.sqlite"));
    QVERIFY(writer.isOpen() && reader.isOpen());
    const QString path = m_dir.filePath(QStringLiteral("thread.sqlite"));
    const SqliteCheckpointer::Statistics before = SqliteCheckpointer::statistics();
    constexpr int Commits = 300;
    qint64 largestWal = 0;
    QSqlQuery read(reader);
    for (int commit = 0; commit < Commits; ++commit) {
        QVERIFY(commitRows(writer, commit));
        largestWal = qMax(largestWal, walPages(path));
        if (commit % 50 == 49) {
            QVERIFY(read.exec(QStringLiteral("SELECT COUNT(*) FROM t")) && read.next());
            QCOMPARE(read.value(0).toInt(), (commit + 1) * RowsPerCommit);
            read.finish();
        }
    }
    const SqliteCheckpointer::Statistics run = SqliteCheckpointer::statistics() - before;
    const quint64 rounds = run.rounds;
    const quint64 inCommits = run.inlineCheckpoints;
    qInfo("thread rounds %llu, checkpoints in the writer %llu, largest WAL %lld pages", rounds,
        inCommits, largestWal);
    QVERIFY2(rounds >= 3, qPrintable(QString::number(rounds)));
    const qint64 written = qint64(Commits) * RowsPerCommit;
    QVERIFY2(inCommits <= quint64(written / SqliteCheckpointer::InlineLimit),
        qPrintable(QString::number(inCommits)));
    // Started over: never more than the limit and a commit.
    QVERIFY2(largestWal <= SqliteCheckpointer::InlineLimit + RowsPerCommit + 10,
        qPrintable(QString::number(largestWal)));
    QVERIFY(read.exec(QStringLiteral("PRAGMA integrity_check")) && read.next());
    QCOMPARE(read.value(0).toString(), QStringLiteral("ok"));
}

// With the thread held (as when it falls behind), the writer checkpoints itself once the WAL
// holds InlineLimit pages: the WAL grows no further than that and one more commit.
void TestSqliteCheckpointer::theWriterCheckpointsWhenTheThreadFallsBehind()
{
    QSqlDatabase writer = open(QStringLiteral("writer"), QStringLiteral("held.sqlite"));
    QVERIFY(writer.isOpen());
    const QString path = m_dir.filePath(QStringLiteral("held.sqlite"));
    SqliteCheckpointer::holdForTest(true);
    const SqliteCheckpointer::Statistics before = SqliteCheckpointer::statistics();
    // ~16,000 pages: twice the limit.
    constexpr int Commits = 2 * SqliteCheckpointer::InlineLimit / RowsPerCommit;
    qint64 largestWal = 0;
    for (int commit = 0; commit < Commits; ++commit) {
        QVERIFY(commitRows(writer, commit));
        largestWal = qMax(largestWal, walPages(path));
    }
    const SqliteCheckpointer::Statistics held = SqliteCheckpointer::statistics();
    const SqliteCheckpointer::Statistics whileHeld = held - before;
    qInfo("held: checkpoints in the writer %llu, largest WAL %lld pages",
        whileHeld.inlineCheckpoints, largestWal);
    QCOMPARE(whileHeld.rounds, quint64(0));
    QVERIFY(whileHeld.inlineCheckpoints >= 1);
    QVERIFY2(largestWal <= SqliteCheckpointer::InlineLimit + 2 * RowsPerCommit + 10,
        qPrintable(QString::number(largestWal)));
    // Released, the thread takes the requests that waited.
    SqliteCheckpointer::holdForTest(false);
    QTRY_VERIFY(SqliteCheckpointer::statistics().rounds > held.rounds);
    QVERIFY(commitRows(writer, Commits));
    QSqlQuery q(writer);
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM t")) && q.next());
    QCOMPARE(q.value(0).toInt(), (Commits + 1) * RowsPerCommit);
}

// Closing the process's last connection right after commits that asked the thread for a
// round: the close waits for a round in flight, so it is the last connection and, as with
// SQLite's own checkpoints, copies everything back and removes the WAL.
void TestSqliteCheckpointer::theLastCloseStillRemovesTheWal()
{
    const QString file = QStringLiteral("close.sqlite");
    const QString path = m_dir.filePath(file);
    const quint64 roundsBefore = SqliteCheckpointer::statistics().rounds;
    constexpr int Closes = 20;
    int commit = 0;
    for (int i = 0; i < Closes; ++i) {
        {
            QSqlDatabase writer = open(QStringLiteral("writer"), file);
            QVERIFY(writer.isOpen());
            // Past the threshold: the last commit's hook asks for a round.
            const int commits = SqliteCheckpointer::Threshold / RowsPerCommit + 1;
            for (int k = 0; k < commits; ++k)
                QVERIFY(commitRows(writer, commit++));
        }
        Database::close(QStringLiteral("writer"));
        QVERIFY2(!QFileInfo::exists(path + QLatin1String("-wal")), qPrintable(QString::number(i)));
    }
    QVERIFY(SqliteCheckpointer::statistics().rounds > roundsBefore);
    QSqlDatabase reader = open(QStringLiteral("reader"), file);
    QSqlQuery q(reader);
    QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM t")) && q.next());
    QCOMPARE(q.value(0).toInt(), commit * RowsPerCommit);
}

QTEST_GUILESS_MAIN(TestSqliteCheckpointer)
#include "tst_sqlitecheckpointer.moc"
