// SqliteFileGuard (core/sqlitefileguard.h): a connection whose WAL or database file is no
// longer the file at its path acknowledges nothing more, says why, and works again once
// reopened on the real file. The WAL is taken away the way it happens for real: this process
// opens and closes the database's files outside SQLite (which drops its POSIX locks), then a
// separate sqlite3 process reads the database, believes it is the last connection,
// checkpoints and unlinks the WAL.

#include "core/bulkparser.h"
#include "core/database.h"
#include "core/queueactions.h"
#include "core/requestservice.h"
#include "core/sqlitecheckpointer.h"
#include "core/sqlitefileguard.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace ViralSpot;

namespace {

// Runs the sqlite3 command-line shell, a separate process, on `path`.
QString runSqlite3(const QString &path, const QString &sql)
{
    QProcess shell;
    shell.start(QStringLiteral("sqlite3"), { QStringLiteral("-batch"), path, sql });
    if (!shell.waitForFinished(30000) || shell.exitCode() != 0) {
        qWarning() << "sqlite3 failed:" << shell.readAllStandardError();
        return QStringLiteral("<sqlite3 failed>");
    }
    return QString::fromUtf8(shell.readAllStandardOutput()).trimmed();
}

// What a MIME-sniffing file dialog did: open and close each file of the database. Closing
// them drops every POSIX lock this process holds on them, SQLite's included.
void openAndCloseOutsideSqlite(const QString &path)
{
    for (const char *suffix : { "", "-wal", "-shm" }) {
        QFile file(path + QLatin1String(suffix));
        if (file.open(QIODevice::ReadOnly)) {
            file.read(16);
            file.close();
        }
    }
}

} // namespace

class TestSqliteFileGuard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void walUnlinkedUnderneath();
    void databaseFileReplaced();
    void staleConnectionsBlockTheReopen();
    void queueActionIsNotConfirmed();
    void checkpointThreadLeavesReplacedFilesAlone();
    void databaseFilesAreKnown();

private:
    DatabaseConfig m_config;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestSqliteFileGuard::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("sqlite3")).isEmpty())
        QFAIL("the sqlite3 command-line shell is needed (apt-get install sqlite3)");
}

void TestSqliteFileGuard::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_config = DatabaseConfig();
    m_config.engine = DatabaseConfig::Engine::SQLite;
    m_config.sqlitePath = m_dir->filePath(QStringLiteral("t.db"));
}

void TestSqliteFileGuard::cleanup()
{
    m_dir.reset();
}

void TestSqliteFileGuard::walUnlinkedUnderneath()
{
    const QString path = m_config.sqlitePath;
    RequestService service(m_config);
    QCOMPARE(service.request(QStringLiteral("alice")).outcome, Outcome::Queued);
    const QString walPath = path + QLatin1String("-wal");
    QVERIFY(QFile::exists(walPath));
    const int tripsBefore = SqliteFileGuard::tripCount();

    openAndCloseOutsideSqlite(path);
    // Another process reads: with no lock of ours left it takes the database for its own,
    // checkpoints (alice reaches the database file) and unlinks the WAL and the shm file.
    QCOMPARE(runSqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")), QStringLiteral("1"));
    QVERIFY2(!QFile::exists(walPath), "the other process left the WAL: nothing was taken away");

    // Our connection would commit bob into the unlinked WAL: it must not say "queued".
    const RequestResult bob = service.request(QStringLiteral("bob"));
    QCOMPARE(bob.outcome, Outcome::Error);
    QVERIFY2(bob.message.contains(QLatin1String("no longer the file")), qPrintable(bob.message));
    QVERIFY(bob.queueId.isEmpty());
    QCOMPARE(SqliteFileGuard::tripCount(), tripsBefore + 1);
    QVERIFY(SqliteFileGuard::replacedProblem());
    QVERIFY(!service.isOpen());

    // ping() says it once (the window's banner, /health), then the connection is reopened on
    // the file at the path and requests are acknowledged again, visibly to others.
    const Result tripped = service.ping();
    QVERIFY(!tripped.ok);
    QVERIFY2(
        tripped.error.contains(QLatin1String("no longer the file")), qPrintable(tripped.error));
    const Result reopened = service.ping();
    QVERIFY2(reopened.ok, qPrintable(reopened.error));
    QVERIFY(!SqliteFileGuard::replacedProblem());
    QCOMPARE(service.request(QStringLiteral("carol")).outcome, Outcome::Queued);
    QCOMPARE(service.request(QStringLiteral("bob")).outcome, Outcome::Queued);
    QCOMPARE(runSqlite3(path,
                 QStringLiteral("SELECT group_concat(username, ',') FROM "
                                "(SELECT username FROM queue ORDER BY username);")),
        QStringLiteral("alice,bob,carol"));
    QVERIFY(QFile::exists(walPath));
}

void TestSqliteFileGuard::databaseFileReplaced()
{
    const QString path = m_config.sqlitePath;
    RequestService service(m_config);
    QCOMPARE(service.request(QStringLiteral("alice")).outcome, Outcome::Queued);

    // A copy (made by SQLite, consistent) renamed over the database: a new inode at the path.
    const QString copy = m_dir->filePath(QStringLiteral("copy.db"));
    QCOMPARE(runSqlite3(path, QStringLiteral(".backup '%1'").arg(copy)), QString());
    QCOMPARE(runSqlite3(copy,
                 QStringLiteral("INSERT INTO primary_profiles (username) "
                                "VALUES ('dave'); SELECT changes();")),
        QStringLiteral("1"));
    QVERIFY(
        ::rename(QFile::encodeName(copy).constData(), QFile::encodeName(path).constData()) == 0);

    const RequestResult bob = service.request(QStringLiteral("bob"));
    QCOMPARE(bob.outcome, Outcome::Error);
    QVERIFY2(bob.message.contains(QLatin1String("database file was deleted or replaced")),
        qPrintable(bob.message));
    QVERIFY(!service.isOpen());

    // Reopened: on the new file, which knows dave and not the lost bob.
    QCOMPARE(service.request(QStringLiteral("dave")).outcome, Outcome::AlreadyProcessed);
    QCOMPARE(service.request(QStringLiteral("erin")).outcome, Outcome::Queued);
    QCOMPARE(runSqlite3(path,
                 QStringLiteral("SELECT group_concat(username, ',') FROM "
                                "(SELECT username FROM queue ORDER BY username);")),
        QStringLiteral("alice,erin"));
}

void TestSqliteFileGuard::staleConnectionsBlockTheReopen()
{
    // SQLite shares its lock and wal-index state between a process's connections to one file,
    // so no connection may open while another still holds the replaced files.
    const QString path = m_config.sqlitePath;
    RequestService first(m_config, QStringLiteral("first"));
    RequestService second(m_config, QStringLiteral("second"));
    QCOMPARE(first.request(QStringLiteral("alice")).outcome, Outcome::Queued);
    QCOMPARE(second.request(QStringLiteral("bob")).outcome, Outcome::Queued);

    openAndCloseOutsideSqlite(path);
    QCOMPARE(runSqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")), QStringLiteral("2"));
    QVERIFY(!QFile::exists(path + QLatin1String("-wal")));
    QVERIFY(!SqliteFileGuard::staleDescriptors(path).isEmpty());

    QCOMPARE(first.request(QStringLiteral("carol")).outcome, Outcome::Error);
    const RequestResult refused = first.request(QStringLiteral("carol"));
    QCOMPARE(refused.outcome, Outcome::Error);
    QVERIFY2(
        refused.message.contains(QLatin1String("still holds copies")), qPrintable(refused.message));

    // The other connection notices at its next check (after a commit, or idle) and lets go.
    QVERIFY(!second.checkFiles().ok);
    QVERIFY(!second.isOpen());
    QCOMPARE(SqliteFileGuard::staleDescriptors(path), QStringList());
    QCOMPARE(first.request(QStringLiteral("carol")).outcome, Outcome::Queued);
    QCOMPARE(second.request(QStringLiteral("dave")).outcome, Outcome::Queued);
    QCOMPARE(runSqlite3(path,
                 QStringLiteral("SELECT group_concat(username, ',') FROM "
                                "(SELECT username FROM queue ORDER BY username);")),
        QStringLiteral("alice,bob,carol,dave"));
}

void TestSqliteFileGuard::queueActionIsNotConfirmed()
{
    const QString path = m_config.sqlitePath;
    RequestService service(m_config);
    const RequestResult alice = service.request(QStringLiteral("alice"));
    QCOMPARE(alice.outcome, Outcome::Queued);
    service.close();

    const QString name = QStringLiteral("actions");
    {
        const ValueResult<QSqlDatabase> opened = Database::open(m_config, name);
        QVERIFY2(opened.ok, qPrintable(opened.error));
        QSqlDatabase db = opened.value;
        openAndCloseOutsideSqlite(path);
        QCOMPARE(
            runSqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")), QStringLiteral("1"));
        const QueueActionResult result =
            QueueActions::apply(db, QueueAction::Pause, { alice.queueId }, {});
        QVERIFY(!result.ok);
        QVERIFY2(
            result.error.contains(QLatin1String("no longer the file")), qPrintable(result.error));
        QVERIFY(result.changedIds.isEmpty());
        QVERIFY(Database::isConnectionLost(db));
    }
    Database::close(name);
    QCOMPARE(
        runSqlite3(path, QStringLiteral("SELECT status FROM queue;")), QStringLiteral("PENDING"));
}

// The checkpoint thread (core/sqlitecheckpointer.h) opens a connection of its own for each
// round: while this process holds copies of the files that are no longer at their paths, it
// refuses the round, which would share SQLite's per-process state with them, and copies
// nothing into the database the other process made whole.
void TestSqliteFileGuard::checkpointThreadLeavesReplacedFilesAlone()
{
    const QString path = m_config.sqlitePath;
    RequestService service(m_config);
    // Held, so that the round this batch asks for (its WAL passes 1,000 pages) waits.
    SqliteCheckpointer::holdForTest(true);
    QString names;
    constexpr int Names = 20000;
    for (int i = 0; i < Names; ++i)
        names += QStringLiteral("guard_%1\n").arg(i);
    const QList<RequestResult> batch =
        service.requestBulk(BulkParser::parse(names), QStringLiteral("test"), {});
    QCOMPARE(batch.size(), Names);
    QCOMPARE(batch.last().outcome, Outcome::Queued);
    const SqliteCheckpointer::Statistics before = SqliteCheckpointer::statistics();
    QVERIFY(before.requests >= 1);

    openAndCloseOutsideSqlite(path);
    QCOMPARE(
        runSqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")), QString::number(Names));
    QVERIFY(!QFile::exists(path + QLatin1String("-wal")));

    // Released: the waiting round finds the stale copies and does not open the database.
    SqliteCheckpointer::holdForTest(false);
    QTRY_VERIFY(SqliteCheckpointer::statistics().failedRounds > before.failedRounds);
    QCOMPARE(SqliteCheckpointer::statistics().rounds, before.rounds);
    QCOMPARE(runSqlite3(path, QStringLiteral("PRAGMA integrity_check;")), QStringLiteral("ok"));

    // The connection itself trips at its next commit, and works again once reopened.
    QCOMPARE(service.request(QStringLiteral("bob")).outcome, Outcome::Error);
    QVERIFY(!service.ping().ok);
    QVERIFY(service.ping().ok);
    QCOMPARE(service.request(QStringLiteral("bob")).outcome, Outcome::Queued);
    QCOMPARE(runSqlite3(path, QStringLiteral("SELECT count(*) FROM queue;")),
        QString::number(Names + 1));
}

void TestSqliteFileGuard::databaseFilesAreKnown()
{
    const QString path = m_config.sqlitePath;
    RequestService service(m_config);
    QVERIFY(service.open().ok);
    for (const char *suffix : { "", "-wal", "-shm", "-journal" })
        QVERIFY2(SqliteFileGuard::isDatabaseFile(path + QLatin1String(suffix)), suffix);
    // By identity too: another name for the same file.
    const QString link = m_dir->filePath(QStringLiteral("other-name.csv"));
    QVERIFY(::link(QFile::encodeName(path).constData(), QFile::encodeName(link).constData()) == 0);
    QVERIFY(SqliteFileGuard::isDatabaseFile(link));
    QVERIFY(SqliteFileGuard::isDatabaseFile(m_dir->path() + QStringLiteral("/./sub/../t.db-wal")));
    QFile plain(m_dir->filePath(QStringLiteral("names.csv")));
    QVERIFY(plain.open(QIODevice::WriteOnly));
    plain.write("alice\n");
    plain.close();
    QVERIFY(!SqliteFileGuard::isDatabaseFile(plain.fileName()));
    QVERIFY(!SqliteFileGuard::isDatabaseFile(m_dir->filePath(QStringLiteral("t.db-walrus"))));
}

QTEST_GUILESS_MAIN(TestSqliteFileGuard)
#include "tst_sqlitefileguard.moc"
