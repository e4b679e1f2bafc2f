// The terminal's batches: `submit` records every submission as a batch, `submit --wait`
// follows it to its end (exit 0 / 3, with the simulated original worker moving the rows),
// `batches --json`, and `submit -` streamed in pieces giving the one-shot path's outcomes.

#include "core/batches/batches.h"
#include "core/queuequery.h"
#include "tests/support/simworker.h"
#include "tests/support/testdatabase.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestSubmitBatches : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void everySubmitIsABatch();
    void waitExitsZeroWhenEveryProfileIsProcessed();
    void waitExitsThreeWhenSomeFailed();
    void waitKeepsOneBeforeThree();
    void waitOnANonTerminalPrintsPlainLines();
    void waitOnABigBatchDecidesFromExactCounts();
    void batchesJsonHasTheRouteFields();
    void streamedInputGivesTheOneShotOutcomes();
    void streamedCsvKeepsItsHeaderColumn();
    void helpNamesTheNewOptions();

private:
    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    QProcessEnvironment environment(int chunkLines = 0) const;
    Run run(const QStringList &args, const QByteArray &input = {},
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());
    // Starts `submit --wait` and works the queue as the original worker would (the rows of
    // `failing` fail, the others complete) until the command ends.
    Run waitWhileWorking(const QStringList &args, const QStringList &failing);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestSubmitBatches::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
}

void TestSubmitBatches::cleanup()
{
    m_db.reset();
}

QProcessEnvironment TestSubmitBatches::environment(int chunkLines) const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("VIRALSPOT_WAIT_INTERVAL_MS"), QStringLiteral("50"));
    if (chunkLines > 0)
        env.insert(QStringLiteral("VIRALSPOT_SUBMIT_CHUNK_LINES"), QString::number(chunkLines));
    return env;
}

TestSubmitBatches::Run TestSubmitBatches::run(
    const QStringList &args, const QByteArray &input, const QProcessEnvironment &env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(Test::appBinary(), args);
    Run r;
    if (!p.waitForStarted())
        return r;
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(120000))
        return r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

TestSubmitBatches::Run TestSubmitBatches::waitWhileWorking(
    const QStringList &args, const QStringList &failing)
{
    QProcess p;
    p.setProcessEnvironment(environment());
    p.start(Test::appBinary(),
        QStringList { QStringLiteral("submit"), QStringLiteral("--wait"),
            QStringLiteral("--database"), m_db->url() } +
            args);
    Run r;
    if (!p.waitForStarted())
        return r;
    p.closeWriteChannel();
    Test::SimWorker worker(m_db->connection());
    QElapsedTimer timer;
    timer.start();
    while (p.state() != QProcess::NotRunning && timer.elapsed() < 60000) {
        // One row at a time, as the original worker does; nothing pending yet is fine.
        const Test::SimWorker::Claimed claimed = worker.claim();
        if (claimed.ok && !claimed.id.isEmpty()) {
            if (failing.contains(claimed.username))
                worker.fail(claimed.id, QStringLiteral("profile is private"));
            else
                worker.complete(claimed.id);
        }
        p.waitForFinished(20);
    }
    if (p.state() != QProcess::NotRunning) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestSubmitBatches::everySubmitIsABatch()
{
    const Run r = run({ QStringLiteral("submit"), QStringLiteral("--database"), m_db->url(),
        QStringLiteral("--batch-name"), QStringLiteral("campaign one"), QStringLiteral("alpha"),
        QStringLiteral("beta"), QStringLiteral("alpha"), QStringLiteral("x..y") });
    QCOMPARE(r.exitCode, 1);
    QSqlQuery q(m_db->connection());
    QVERIFY(q.exec(QStringLiteral("SELECT id, name, origin, submitted_by FROM viralspot_batches")));
    QVERIFY(q.next());
    const QString id = q.value(0).toString();
    QCOMPARE(q.value(1).toString(), QStringLiteral("campaign one"));
    QCOMPARE(q.value(2).toString(), QStringLiteral("terminal"));
    QVERIFY(!q.value(3).toString().isEmpty());
    QVERIFY(!q.next());
    // Every input is an item, the invalid and the repeated ones too.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items WHERE "
                                         "batch_id = '%1'")
                              .arg(id))
                 .toInt(),
        4);
    // Without a name: one from the source and the time.
    QCOMPARE(run({ QStringLiteral("submit"), QStringLiteral("--database"), m_db->url(),
                     QStringLiteral("gamma") })
                 .exitCode,
        0);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches WHERE name <> "
                                         "'campaign one' AND name <> ''"))
                 .toInt(),
        1);
}

void TestSubmitBatches::waitExitsZeroWhenEveryProfileIsProcessed()
{
    const Run r = waitWhileWorking(
        { QStringLiteral("one"), QStringLiteral("two"), QStringLiteral("three") }, {});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains(QLatin1String("100%: 3 of 3 finished (3 processed, 0 failed")),
        qPrintable(r.err));
    QVERIFY2(r.out.contains(QLatin1String("3 inputs: 3 queued")), qPrintable(r.out));
}

void TestSubmitBatches::waitExitsThreeWhenSomeFailed()
{
    const Run r = waitWhileWorking(
        { QStringLiteral("one"), QStringLiteral("private_one"), QStringLiteral("three") },
        { QStringLiteral("private_one") });
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(
        r.err.contains(QLatin1String("3 of 3 finished (2 processed, 1 failed")), qPrintable(r.err));
}

void TestSubmitBatches::waitKeepsOneBeforeThree()
{
    // Invalid input and a failed profile: 1 (the input) wins over 3, after the wait.
    const Run r = waitWhileWorking(
        { QStringLiteral("fine"), QStringLiteral("bad.."), QStringLiteral("private_two") },
        { QStringLiteral("private_two") });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(
        r.err.contains(QLatin1String("2 of 2 finished (1 processed, 1 failed")), qPrintable(r.err));
}

void TestSubmitBatches::waitOnANonTerminalPrintsPlainLines()
{
    const Run r = waitWhileWorking({ QStringLiteral("plain") }, {});
    QCOMPARE(r.exitCode, 0);
    // Standard error is a pipe here: whole lines, no carriage returns.
    QVERIFY(!r.err.contains(QLatin1Char('\r')));
    QVERIFY2(r.err.endsWith(QLatin1String("done\n")), qPrintable(r.err));
}

// A batch of more than Counting::exactItems is followed by counts estimated from a sample; the
// final line and the exit status come from exact counts. Here the batch is finished (by another
// process, as the window's finish watcher does) in the same transaction that finishes its rows,
// with its one failed item left out of the sample: estimated, it reads all processed (exit 0);
// exactly, 1 failed (exit 3).
void TestSubmitBatches::waitOnABigBatchDecidesFromExactCounts()
{
    const Counting counting = Counting::estimated();
    const int names = counting.exactItems + 1;
    QByteArray input;
    for (int i = 1; i <= names; ++i)
        input += "big_" + QByteArray::number(i) + '\n';
    // The failed item: the last position the sample leaves out (that the estimate misses it is
    // checked through the library below).
    int failedPosition = names;
    while (Batches::inSample(failedPosition, names, counting.sampleItems))
        --failedPosition;
    const QString failedName = QStringLiteral("big_%1").arg(failedPosition);

    QProcess p;
    p.setProcessEnvironment(environment());
    p.start(Test::appBinary(),
        { QStringLiteral("submit"), QStringLiteral("--wait"), QStringLiteral("--database"),
            m_db->url(), QStringLiteral("-") });
    QVERIFY(p.waitForStarted());
    p.write(input);
    p.closeWriteChannel();
    QByteArray out, err;
    const auto drain = [&] {
        p.waitForReadyRead(20);
        out += p.readAllStandardOutput();
        err += p.readAllStandardError();
    };
    // The first progress line: nothing finished, estimated.
    QVERIFY(QTest::qWaitFor(
        [&] {
            drain();
            return err.contains(" waiting, ") || p.state() == QProcess::NotRunning;
        },
        60000));
    QVERIFY2(err.contains("\n~0%: 0 of "), err.constData());

    QSqlDatabase db = m_db->connection();
    const QString batchId =
        m_db->scalar(QStringLiteral("SELECT id FROM viralspot_batches")).toString();
    QVERIFY(!batchId.isEmpty());
    const QString ts = QueueQuery::timestampPlaceholder(db);
    const QVariant now = QueueQuery::timestampValue(db, QDateTime::currentDateTimeUtc());
    QVERIFY(db.transaction());
    QSqlQuery q(db);
    QVERIFY(q.prepare(QStringLiteral("UPDATE queue SET status = CASE WHEN username = ? THEN "
                                     "'FAILED' ELSE 'COMPLETED' END, error_message = CASE WHEN "
                                     "username = ? THEN 'profile is private' END, updated_at = ") +
        ts));
    q.addBindValue(failedName);
    q.addBindValue(failedName);
    q.addBindValue(now);
    QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
    QCOMPARE(q.numRowsAffected(), names);
    QVERIFY(q.prepare(QStringLiteral("UPDATE viralspot_batches SET finished_at = ") + ts));
    q.addBindValue(now);
    QVERIFY2(q.exec(), qPrintable(q.lastError().text()));
    QVERIFY(db.commit());
    const BatchDetail estimated =
        Batches::detail(db, batchId, QDateTime::currentDateTimeUtc(), counting);
    QVERIFY2(estimated.ok, qPrintable(estimated.error));
    QVERIFY(estimated.summary.counts.estimated);
    QVERIFY(estimated.summary.counts.done());
    QCOMPARE(estimated.summary.counts.failed, 0); // the sample misses the failed item

    QVERIFY(QTest::qWaitFor(
        [&] {
            drain();
            return p.state() == QProcess::NotRunning;
        },
        60000));
    drain();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 3);
    const QStringList lines = QString::fromUtf8(err).trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.constLast().startsWith(
                 QStringLiteral("100%: %1 of %1 finished (%2 processed, 1 failed")
                     .arg(names)
                     .arg(names - 1)),
        err.constData());
    QVERIFY2(QString::fromUtf8(out).contains(QStringLiteral("%1 inputs: %1 queued").arg(names)),
        out.right(400).constData());
}

void TestSubmitBatches::batchesJsonHasTheRouteFields()
{
    QVERIFY(m_db->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS primary_profiles (username "
                                      "VARCHAR(255) UNIQUE NOT NULL)")));
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('old')")));
    QCOMPARE(run({ QStringLiteral("submit"), QStringLiteral("--database"), m_db->url(),
                     QStringLiteral("--batch-name"), QStringLiteral("first"), QStringLiteral("p1"),
                     QStringLiteral("p2") })
                 .exitCode,
        0);
    QCOMPARE(run({ QStringLiteral("submit"), QStringLiteral("--database"), m_db->url(),
                     QStringLiteral("--batch-name"), QStringLiteral("second"), QStringLiteral("p3"),
                     QStringLiteral("old"), QStringLiteral("bad..") })
                 .exitCode,
        1);
    Test::SimWorker worker(m_db->connection());
    const Test::SimWorker::Claimed claimed = worker.claim(); // p1: the oldest PENDING row
    QVERIFY(claimed.ok && !claimed.id.isEmpty());
    QVERIFY(worker.fail(claimed.id, QStringLiteral("gone private")));

    const Run r = run({ QStringLiteral("batches"), QStringLiteral("--json"),
        QStringLiteral("--database"), m_db->url() });
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    const QStringList keys = { QStringLiteral("done"), QStringLiteral("eta"),
        QStringLiteral("failed"), QStringLiteral("gone"), QStringLiteral("id"),
        QStringLiteral("name"), QStringLiteral("paused"), QStringLiteral("processed"),
        QStringLiteral("processing"), QStringLiteral("total"), QStringLiteral("waiting") };
    QJsonParseError error;
    const QJsonObject newest = QJsonDocument::fromJson(lines[0].toUtf8(), &error).object();
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(newest.keys(), keys);
    QCOMPARE(newest.value(QLatin1String("name")).toString(), QStringLiteral("second"));
    QCOMPARE(newest.value(QLatin1String("total")).toInt(), 2); // p3 and old; not the invalid
    QCOMPARE(newest.value(QLatin1String("processed")).toInt(), 1);
    QCOMPARE(newest.value(QLatin1String("waiting")).toInt(), 1);
    QCOMPARE(newest.value(QLatin1String("done")).toBool(), false);
    QVERIFY(newest.value(QLatin1String("eta")).isNull()); // no completions measured: unknown
    const QJsonObject oldest = QJsonDocument::fromJson(lines[1].toUtf8()).object();
    QCOMPARE(oldest.value(QLatin1String("name")).toString(), QStringLiteral("first"));
    QCOMPARE(oldest.value(QLatin1String("failed")).toInt(), 1);
    QCOMPARE(oldest.value(QLatin1String("waiting")).toInt(), 1);
    QCOMPARE(oldest.value(QLatin1String("id")).toString(),
        m_db->scalar(QStringLiteral("SELECT id FROM viralspot_batches WHERE name = 'first'"))
            .toString());

    // Without --json: a header and one line per batch.
    const Run plain = run({ QStringLiteral("batches"), QStringLiteral("--database"), m_db->url() });
    QCOMPARE(plain.exitCode, 0);
    QCOMPARE(plain.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 3);
}

void TestSubmitBatches::streamedInputGivesTheOneShotOutcomes()
{
    // 30,000 lines: names repeated across pieces (every 7th line repeats one from about
    // 9,000 lines before), some invalid, some two to a line.
    QByteArray input;
    for (int i = 0; i < 30000; ++i) {
        if (i % 7 == 3 && i > 9000)
            input += "Name_" + QByteArray::number(i - 9001) + '\n';
        else if (i % 101 == 0)
            input += "bad.." + QByteArray::number(i) + '\n';
        else if (i % 997 == 0)
            input += "name_" + QByteArray::number(i) + ", extra_" + QByteArray::number(i) + '\n';
        else
            input += "name_" + QByteArray::number(i) + '\n';
    }
    // The one-shot path (one piece), then the same input in pieces of 4,000 lines, each on a
    // database of its own.
    const QStringList args = { QStringLiteral("submit"), QStringLiteral("--json"),
        QStringLiteral("--database"), m_db->url(), QStringLiteral("-") };
    const Run whole = run(args, input, environment(1000000));
    QCOMPARE(whole.exitCode, 1);
    Test::TemporaryDatabase other;
    QVERIFY2(other.isValid(), qPrintable(other.error()));
    QStringList pieceArgs = args;
    pieceArgs[3] = other.url();
    const Run pieces = run(pieceArgs, input, environment(4000));
    QCOMPARE(pieces.exitCode, 1);

    const QStringList a = whole.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QStringList b = pieces.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(a.size(), 30000 + 27); // the 27 two-to-a-line lines add one each
    QCOMPARE(b.size(), a.size());
    int crossDuplicates = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QJsonObject x = QJsonDocument::fromJson(a[i].toUtf8()).object();
        const QJsonObject y = QJsonDocument::fromJson(b[i].toUtf8()).object();
        QCOMPARE(y.value(QLatin1String("input")), x.value(QLatin1String("input")));
        QCOMPARE(y.value(QLatin1String("username")), x.value(QLatin1String("username")));
        QCOMPARE(y.value(QLatin1String("outcome")), x.value(QLatin1String("outcome")));
        if (x.value(QLatin1String("outcome")).toString() == QLatin1String("duplicate_in_batch"))
            ++crossDuplicates;
        // A duplicate's message names the input it repeats by its number in the batch, whether
        // that input was in the same piece or an earlier one: the same words either way.
        QCOMPARE(y.value(QLatin1String("message")), x.value(QLatin1String("message")));
    }
    QVERIFY(crossDuplicates > 2000);
    const QString count = QStringLiteral("SELECT COUNT(*) FROM queue");
    QCOMPARE(other.scalar(count).toInt(), m_db->scalar(count).toInt());
    // One batch, every input an item, in input order.
    QCOMPARE(other.scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")).toInt(), 1);
    QCOMPARE(other.scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")).toInt(),
        int(a.size()));

    // Output in one piece is byte for byte the one-shot output (summary included).
    const QStringList plainArgs = { QStringLiteral("submit"), QStringLiteral("--database"),
        m_db->url(), QStringLiteral("-") };
    const QByteArray small = "again_1\nagain_2, again_1\n.bad\n";
    const Run once = run(plainArgs, small, environment(1000000));
    Test::TemporaryDatabase third;
    QStringList thirdArgs = plainArgs;
    thirdArgs[2] = third.url();
    const Run defaults = run(thirdArgs, small, environment());
    QCOMPARE(defaults.out, once.out);
    QCOMPARE(defaults.exitCode, once.exitCode);
}

void TestSubmitBatches::streamedCsvKeepsItsHeaderColumn()
{
    // The header's `username` column holds for every piece; a quoted field across lines is
    // never cut.
    QByteArray csv = "id,username,note\n";
    for (int i = 0; i < 50; ++i)
        csv += QByteArray::number(i) + ",user_" + QByteArray::number(i) + ",\"a\nb\"\n";
    const Run r = run({ QStringLiteral("submit"), QStringLiteral("--json"),
                          QStringLiteral("--database"), m_db->url(), QStringLiteral("-") },
        csv, environment(7));
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.count(QLatin1String("\"outcome\":\"queued\"")), 50);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username LIKE "
                                         "'user\\_%' ESCAPE '\\'"))
                 .toInt(),
        50);
}

void TestSubmitBatches::helpNamesTheNewOptions()
{
    const Run submit = run({ QStringLiteral("submit"), QStringLiteral("--help") });
    QCOMPARE(submit.exitCode, 0);
    for (const char *word : { "--batch-name", "--wait", "3 with --wait" })
        QVERIFY2(submit.out.contains(QLatin1String(word)), word);
    const Run batches = run({ QStringLiteral("batches"), QStringLiteral("--help") });
    QCOMPARE(batches.exitCode, 0);
    QVERIFY(batches.out.contains(QLatin1String("--json")));
    const Run top = run({ QStringLiteral("--help") });
    QVERIFY(top.out.contains(QLatin1String("batches")));
}

QTEST_GUILESS_MAIN(TestSubmitBatches)
#include "tst_submitbatches.moc"
