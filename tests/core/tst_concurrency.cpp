// Many processes x many threads submit the same overlapping usernames at once: the database
// must end with exactly one active row per username, and exactly one caller in the whole
// system must have been told "queued" for each.

#include "tests/support/testdatabase.h"

#include <QProcess>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace ViralSpot;

namespace {

// Runs until every child has exited, serving all of them at once from the event loop: each
// child's standard input is written and its output read while the others run (waiting on one
// QProcess serves only that one, so the rest would start late or block on a full pipe). A
// child still running after `timeoutMs` is killed and false comes back.
bool waitForAll(const QList<QProcess *> &children, int timeoutMs)
{
    const auto allDone = [&] {
        return std::all_of(children.cbegin(), children.cend(),
            [](const QProcess *c) { return c->state() == QProcess::NotRunning; });
    };
    const bool done = QTest::qWaitFor(allDone, timeoutMs);
    if (!done) {
        for (QProcess *child : children) {
            if (child->state() != QProcess::NotRunning) {
                qWarning().noquote() << "child still running; its standard error so far:"
                                     << child->readAllStandardError().right(4000);
                child->kill();
                child->waitForFinished(5000);
            }
        }
    }
    return done;
}

} // namespace

class TestConcurrency : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void processesAndThreads_data();
    void processesAndThreads();
    void submitCommandsRacing();
};

void TestConcurrency::processesAndThreads_data()
{
    QTest::addColumn<int>("processes");
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("batch");
    QTest::newRow("4x4 singles") << 4 << 4 << 1;
    QTest::newRow("4x4 batches of 50") << 4 << 4 << 50;
}

void TestConcurrency::processesAndThreads()
{
    QFETCH(int, processes);
    QFETCH(int, threads);
    QFETCH(int, batch);
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));

    QStringList usernames;
    for (int i = 0; i < 1000; ++i)
        usernames << QStringLiteral("racer_%1").arg(i);
    const QByteArray input = usernames.join(QLatin1Char('\n')).toUtf8();

    QList<QProcess *> children;
    for (int p = 0; p < processes; ++p) {
        auto *child = new QProcess(this);
        child->start(Test::testBinary(QStringLiteral("concurrent_submitter")),
            { db.url(), QString::number(threads), QString::number(batch), QString::number(p + 1) });
        QVERIFY2(child->waitForStarted(), qPrintable(child->errorString()));
        child->write(input);
        child->closeWriteChannel();
        children.append(child);
    }

    QVERIFY(waitForAll(children, 240000));
    QHash<QString, int> queued;
    for (QProcess *child : children) {
        QCOMPARE(child->exitStatus(), QProcess::NormalExit);
        const QString err = QString::fromUtf8(child->readAllStandardError());
        QCOMPARE(child->exitCode(), 0);
        const QStringList lines = QString::fromUtf8(child->readAllStandardOutput())
                                      .split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(
            !lines.isEmpty() && lines.last().startsWith(QLatin1String("DONE")), qPrintable(err));
        for (const QString &line : lines) {
            QVERIFY2(!line.startsWith(QLatin1String("E ")), qPrintable(line));
            if (line.startsWith(QLatin1String("Q ")))
                ++queued[line.mid(2)];
        }
        delete child;
    }

    QCOMPARE(queued.size(), usernames.size());
    for (auto it = queued.cbegin(); it != queued.cend(); ++it)
        QVERIFY2(it.value() == 1,
            qPrintable(QStringLiteral("%1 queued %2 times").arg(it.key()).arg(it.value())));
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), usernames.size());
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM (SELECT username FROM queue WHERE "
                                      "status IN ('PENDING','PROCESSING') GROUP BY username "
                                      "HAVING COUNT(*) > 1) d"))
                 .toInt(),
        0);
}

void TestConcurrency::submitCommandsRacing()
{
    // The real `submit` command, 6 at once, same 300 usernames from standard input.
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QStringList usernames;
    for (int i = 0; i < 300; ++i)
        usernames << QStringLiteral("cli_racer_%1").arg(i);
    const QByteArray input = usernames.join(QLatin1Char('\n')).toUtf8();

    QList<QProcess *> children;
    for (int p = 0; p < 6; ++p) {
        auto *child = new QProcess(this);
        child->start(Test::appBinary(),
            { QStringLiteral("submit"), QStringLiteral("--json"), QStringLiteral("--database"),
                db.url(), QStringLiteral("-") });
        QVERIFY(child->waitForStarted());
        child->write(input);
        child->closeWriteChannel();
        children.append(child);
    }
    int queued = 0;
    int already = 0;
    QVERIFY(waitForAll(children, 120000));
    for (QProcess *child : children) {
        QCOMPARE(child->exitStatus(), QProcess::NormalExit);
        QCOMPARE(child->exitCode(), 0);
        const QByteArray out = child->readAllStandardOutput();
        queued += out.count("\"outcome\":\"queued\"");
        already += out.count("\"outcome\":\"already_queued\"");
        delete child;
    }
    QCOMPARE(queued, usernames.size());
    QCOMPARE(already, usernames.size() * 5);
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), usernames.size());
}

QTEST_GUILESS_MAIN(TestConcurrency)
#include "tst_concurrency.moc"
