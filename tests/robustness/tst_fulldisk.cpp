// The SQLite file lives on a small tmpfs that fills up in the middle of a batch, through
// `submit` and through `serve`: the requests that do not fit get `error` outcomes (503 over
// HTTP) with a clear message, nothing acknowledged is lost, PRAGMA integrity_check stays ok,
// and service is normal again once space is freed. Mounting a tmpfs needs root (the test
// fails and says so otherwise).

#include "tests/robustness/httpclient.h"
#include "tests/robustness/loadgenerator.h"
#include "tests/robustness/serveprocess.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QTemporaryDir>
#include <QTest>

#include <sys/statvfs.h>

using namespace ViralSpot;
using namespace ViralSpot::Robustness;

class TestFullDisk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void submitFillsTheDisk();
    void serveFillsTheDisk();

private:
    bool fill(qint64 leaveBytes);
    QString databasePath() const { return m_mount.filePath(QStringLiteral("queue.sqlite")); }
    QString url() const { return QStringLiteral("sqlite:") + databasePath(); }
    QString integrity();
    QStringList check(const QStringList &acknowledged);

    QTemporaryDir m_mount;
    QTemporaryDir m_logs;
    bool m_mounted = false;
};

namespace {

bool run(const QString &program, const QStringList &arguments, QString *output = nullptr)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    const bool ok = process.waitForFinished(30000) &&
        process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
    if (output)
        *output = QString::fromLocal8Bit(process.readAll());
    return ok;
}

qint64 freeBytes(const QString &path)
{
    struct statvfs info = {};
    if (::statvfs(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return qint64(info.f_bavail) * qint64(info.f_frsize);
}

} // namespace

void TestFullDisk::init()
{
    QVERIFY(m_mount.isValid());
    QString output;
    m_mounted = run(QStringLiteral("mount"),
        { QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
            QStringLiteral("size=32m,mode=0755"), QStringLiteral("viralspot-fulldisk"),
            m_mount.path() },
        &output);
    QVERIFY2(m_mounted,
        qPrintable(
            QStringLiteral("cannot mount a 32 MiB tmpfs (this test needs root): ") + output));
}

void TestFullDisk::cleanup()
{
    QSqlDatabase::removeDatabase(QStringLiteral("fulldisk"));
    if (m_mounted)
        run(QStringLiteral("umount"), { QStringLiteral("-l"), m_mount.path() });
    m_mounted = false;
}

bool TestFullDisk::fill(qint64 leaveBytes)
{
    QFile filler(m_mount.filePath(QStringLiteral("filler")));
    if (!filler.open(QIODevice::Append))
        return false;
    const QByteArray block(4096, 'x');
    while (freeBytes(m_mount.path()) > leaveBytes) {
        if (filler.write(block) != block.size() || !filler.flush())
            break;
    }
    return freeBytes(m_mount.path()) <= leaveBytes;
}

QString TestFullDisk::integrity()
{
    QString result;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fulldisk"));
        db.setDatabaseName(databasePath());
        if (!db.open())
            return db.lastError().text();
        result = sqliteIntegrity(db);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("fulldisk"));
    return result;
}

QStringList TestFullDisk::check(const QStringList &acknowledged)
{
    QStringList problems;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("fulldisk"));
        db.setDatabaseName(databasePath());
        if (!db.open())
            return { db.lastError().text() };
        problems = checkQueue(db, acknowledged);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("fulldisk"));
    return problems;
}

void TestFullDisk::submitFillsTheDisk()
{
    QString output;
    QVERIFY2(run(Test::appBinary(),
                 { QStringLiteral("submit"), QStringLiteral("--database"), url(),
                     QStringLiteral("first_user") },
                 &output),
        qPrintable(output));
    QVERIFY(fill(256 * 1024));

    constexpr int Count = 30000;
    QByteArray input;
    for (int i = 0; i < Count; ++i)
        input += "full_" + QByteArray::number(i) + '\n';
    auto submit = [&](int *exitCode, QMap<QString, int> *counts, QStringList *queued,
                      QStringList *errors) {
        QProcess process;
        process.start(Test::appBinary(),
            { QStringLiteral("submit"), QStringLiteral("--json"), QStringLiteral("--database"),
                url(), QStringLiteral("-") });
        process.write(input);
        process.closeWriteChannel();
        QVERIFY(process.waitForFinished(120000));
        *exitCode = process.exitCode();
        int lines = 0;
        for (const QByteArray &line : process.readAllStandardOutput().split('\n')) {
            if (line.isEmpty())
                continue;
            ++lines;
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            const QString outcome = object.value(QStringLiteral("outcome")).toString();
            ++(*counts)[outcome];
            if (outcome == QLatin1String("queued"))
                *queued << object.value(QStringLiteral("username")).toString();
            else if (outcome == QLatin1String("error"))
                *errors << object.value(QStringLiteral("message")).toString();
        }
        QCOMPARE(lines, Count);
    };

    int exitCode = -1;
    QMap<QString, int> counts;
    QStringList queued;
    QStringList errors;
    submit(&exitCode, &counts, &queued, &errors);
    if (QTest::currentTestFailed())
        return;
    qInfo() << "disk full mid-batch: exit" << exitCode << counts
            << "first error:" << errors.value(0);
    QCOMPARE(exitCode, 2);
    QVERIFY(!errors.isEmpty());
    for (const QString &message : std::as_const(errors))
        QVERIFY2(message.contains(QLatin1String("full"), Qt::CaseInsensitive), qPrintable(message));
    QCOMPARE(integrity(), QStringLiteral("ok"));
    QStringList problems = check(queued + QStringList { QStringLiteral("first_user") });
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 10).join(QLatin1Char('\n'))));

    // Space is freed: the same batch goes through.
    QVERIFY(QFile::remove(m_mount.filePath(QStringLiteral("filler"))));
    exitCode = -1;
    counts.clear();
    QStringList queuedAfter;
    errors.clear();
    submit(&exitCode, &counts, &queuedAfter, &errors);
    if (QTest::currentTestFailed())
        return;
    qInfo() << "after freeing space: exit" << exitCode << counts;
    QCOMPARE(exitCode, 0);
    QCOMPARE(
        counts.value(QStringLiteral("queued")) + counts.value(QStringLiteral("already_queued")),
        Count);
    QCOMPARE(counts.value(QStringLiteral("already_queued")), queued.size());
    QStringList all;
    for (int i = 0; i < Count; ++i)
        all << QStringLiteral("full_%1").arg(i);
    problems = check(all);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 10).join(QLatin1Char('\n'))));
    QCOMPARE(integrity(), QStringLiteral("ok"));
}

void TestFullDisk::serveFillsTheDisk()
{
    QVERIFY(m_logs.isValid());
    ServeProcess serve(url(), m_logs.filePath(QStringLiteral("serve.log")));
    VERIFY_OK(serve.start());
    HttpClient client(serve.port());
    QVERIFY(client.requestProfile(QStringLiteral("first_user")).queued());
    QVERIFY(fill(64 * 1024));

    LoadGenerator load(serve.port(), QStringLiteral("disk"), 4, 10000);
    load.start();
    auto full = [&load] {
        for (const LoadGenerator::Sample &sample : load.samples()) {
            if (sample.status == 503)
                return true;
        }
        return false;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(full(), "the disk never filled up", 120000);
    const HttpAnswer refused = client.requestProfile(QStringLiteral("while_full"));
    load.stop();
    qInfo("disk full after %d answers, %lld acknowledged; a request now: %d %s", load.answered(),
        qlonglong(load.acknowledged().size()), refused.status, refused.body.constData());
    QVERIFY2(load.problems().isEmpty(), qPrintable(load.problems().join(QLatin1Char('\n'))));
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
        QStringLiteral("database_unavailable"));
    QStringList acknowledged = load.acknowledged() << QStringLiteral("first_user");
    QCOMPARE(integrity(), QStringLiteral("ok"));
    QStringList problems = check(acknowledged);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 10).join(QLatin1Char('\n'))));

    // Space is freed: normal service without a restart.
    QVERIFY(QFile::remove(m_mount.filePath(QStringLiteral("filler"))));
    int attempt = 0;
    QTRY_VERIFY_WITH_TIMEOUT(
        client.requestProfile(QStringLiteral("freed_%1").arg(++attempt)).queued(), 5000);
    acknowledged << QStringLiteral("freed_%1").arg(attempt);
    for (int i = 0; i < 100; ++i) {
        const HttpAnswer answer = client.requestProfile(QStringLiteral("normal_%1").arg(i));
        QVERIFY2(answer.queued(), answer.body.constData());
        acknowledged << QStringLiteral("normal_%1").arg(i);
    }
    QCOMPARE(client.get("/health").status, 200);
    QCOMPARE(serve.terminate(), 0);
    QCOMPARE(integrity(), QStringLiteral("ok"));
    problems = check(acknowledged);
    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 10).join(QLatin1Char('\n'))));
}

QTEST_GUILESS_MAIN(TestFullDisk)
#include "tst_fulldisk.moc"
