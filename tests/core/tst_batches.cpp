// Batches (core/batches/batches.h) on SQLite and PostgreSQL: every input recorded with the
// row it created or found, in the chunk's transaction; the live state following a simulated
// original worker; finishing and the exactly-once notification claim; the ETA on a simulated
// clock; actions that never make a second active row (also racing the single route); streamed
// appends; the original worker's claim order.

#include "core/batches/batches.h"
#include "core/bulkparser.h"
#include "core/database.h"
#include "core/ids.h"
#include "core/queuequery.h"
#include "core/requestservice.h"
#include "tests/support/simworker.h"
#include "tests/support/testdatabase.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace ViralSpot;
using namespace ViralSpot::Test;

class TestBatches : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void mixedOutcomesAreRecordedWithTheirRows();
    void itemsLayoutOfNewAndEarlierDatabases();
    void unrecordedInputsAreErrorsWhenAllOrNothing();
    void repeatsInRequestItemsAreDuplicatesInTheBatch();
    void manyChunksRecordEveryInputOnce();
    void liveStateFollowsTheWorker();
    void finishedOnceAndNotificationClaimedOnce();
    void notificationClaimRaceBetweenConnections();
    void unnotifiedFinishedFiltersBySubmitter();
    void etaUnknownWithoutCompletions();
    void etaWithinTwentyPercentAtASteadyRate();
    void placesOfAPageAreExact();
    void bigBatchesAreEstimatedFromASample();
    void anOpenBatchIsNeverFinishedFromASample();
    void samplePositionsAreThoseInTheSample();
    void actionsPreviewApplyAndAudit();
    void retryRacingTheSingleRouteNeverMakesTwoActiveRows();
    void streamedAppendFindsDuplicatesOfEarlierChunks();
    void originalWorkerClaimOrderUntouched();
    void listSearchesAndCountsThePage();
    void renameNotifyAndSingles();

private:
    NewBatch newBatch(const QString &name = {});
    QString queueIdOf(const QString &username, const QString &statusIn = {});
    int activeRows(const QString &username);
    QList<BatchItem> allItems(const QString &batchId);
    // The rows ahead of a batch, counted here the plain way (one statement per batch); `upTo`:
    // the waiting rows taken before, or with, its last waiting row.
    qint64 plainAhead(const QString &batchId, qint64 *upTo = nullptr);
    // A recorded batch of `count` new profiles big0.. (input order), its id.
    QString bigBatch(int count);
    // Sets the status of the rows of these profiles.
    bool setStatus(const QStringList &usernames, const QString &status);
    // A batch row without items (so done) by `submitter`; finished at `finishedAt` (null: not
    // marked finished yet).
    QString insertBatch(
        const QString &submitter, const QDateTime &createdAt, const QDateTime &finishedAt = {});

    // A batch of every outcome recorded and read back (the queue and profiles empty before).
    void checkMixedOutcomes();
    std::unique_ptr<TemporaryDatabase> m_db;
};

void TestBatches::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult migrated = Schema::migrate(db);
    QVERIFY2(migrated.ok, qPrintable(migrated.error));
}

void TestBatches::cleanup()
{
    m_db.reset();
}

NewBatch TestBatches::newBatch(const QString &name)
{
    NewBatch b;
    b.id = Ids::uuidV7();
    b.name = name;
    b.source = QStringLiteral("paste");
    b.origin = QStringLiteral("window");
    b.submittedBy = QStringLiteral("tester");
    return b;
}

QString TestBatches::queueIdOf(const QString &username, const QString &statusIn)
{
    return m_db
        ->scalar(QStringLiteral("SELECT id FROM queue WHERE username = '%1'%2 "
                                "ORDER BY created_at DESC LIMIT 1")
                     .arg(username,
                         statusIn.isEmpty() ? QString()
                                            : QStringLiteral(" AND status IN (%1)").arg(statusIn)))
        .toString();
}

int TestBatches::activeRows(const QString &username)
{
    return m_db
        ->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = '%1' AND status IN "
                                "('PENDING','PROCESSING')")
                     .arg(username))
        .toInt();
}

QList<BatchItem> TestBatches::allItems(const QString &batchId)
{
    QSqlDatabase db = m_db->connection();
    const BatchItems items = Batches::items(db, batchId, {}, 100000);
    if (!items.ok)
        qWarning() << items.error;
    return items.items;
}

void TestBatches::mixedOutcomesAreRecordedWithTheirRows()
{
    checkMixedOutcomes();
}

// Schema step 6 makes the items' table of a new database lean (SQLite: WITHOUT ROWID; neither
// engine indexes queue_id); a database made before keeps its rowid table and queue_id index,
// and records and reads a batch alike.
void TestBatches::itemsLayoutOfNewAndEarlierDatabases()
{
    const bool postgres = Database::isPostgres(m_db->connection());
    const QString layoutSql = postgres
        ? QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname = "
                         "'viralspot_batch_items_queue_id_idx'")
        : QStringLiteral("SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name = "
                         "'viralspot_batch_items_queue_id_idx') + (SELECT COUNT(*) FROM "
                         "sqlite_master WHERE name = 'viralspot_batch_items' AND sql NOT LIKE "
                         "'%WITHOUT ROWID')");
    QCOMPARE(m_db->scalar(layoutSql).toInt(), 0);
    checkMixedOutcomes();
    if (QTest::currentTestFailed())
        return;

    // The earlier layout, as step 6 made it before.
    const QString uuid = postgres ? QStringLiteral("UUID") : QStringLiteral("TEXT");
    QVERIFY(m_db->exec(QStringLiteral("DROP TABLE viralspot_batch_items")));
    QVERIFY(m_db->exec(QStringLiteral("CREATE TABLE viralspot_batch_items (batch_id %1 NOT NULL,"
                                      " position INTEGER NOT NULL, input TEXT,"
                                      " username VARCHAR(255), outcome VARCHAR(30) NOT NULL,"
                                      " message TEXT, queue_id %1,"
                                      " PRIMARY KEY (batch_id, position))")
                           .arg(uuid)));
    QVERIFY(m_db->exec(QStringLiteral("CREATE INDEX viralspot_batch_items_username_idx "
                                      "ON viralspot_batch_items (batch_id, username)")));
    QVERIFY(m_db->exec(QStringLiteral("CREATE INDEX viralspot_batch_items_queue_id_idx "
                                      "ON viralspot_batch_items (queue_id)")));
    QVERIFY(m_db->exec(QStringLiteral("DELETE FROM queue")));
    QVERIFY(m_db->exec(QStringLiteral("DELETE FROM primary_profiles")));
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult migrated = Schema::migrate(db);
    QVERIFY2(migrated.ok, qPrintable(migrated.error));
    QCOMPARE(m_db->scalar(layoutSql).toInt(), postgres ? 1 : 2); // kept as it was
    checkMixedOutcomes();
}

void TestBatches::checkMixedOutcomes()
{
    QVERIFY(m_db->seedQueue(
        QStringLiteral("waiting1"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done1')")));
    const QString waitingRow = queueIdOf(QStringLiteral("waiting1"));

    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch(QStringLiteral("campaign"));
    const BulkParseResult parsed = BulkParser::parse(
        u"newone\nwaiting1\ndone1\n!!not-a-name\nNewOne\nhttps://instagram.com/second_new/\n");
    const QList<RequestResult> results =
        service.requestBulk(parsed, QStringLiteral("frontend"), options);
    QCOMPARE(results.size(), 6);
    QCOMPARE(results[0].outcome, Outcome::Queued);
    QCOMPARE(results[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(results[2].outcome, Outcome::AlreadyProcessed);
    QCOMPARE(results[3].outcome, Outcome::Invalid);
    QCOMPARE(results[4].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(results[5].outcome, Outcome::Queued);

    const QList<BatchItem> items = allItems(options.record->id);
    QCOMPARE(items.size(), 6);
    const Outcome expected[] = { Outcome::Queued, Outcome::AlreadyQueued, Outcome::AlreadyProcessed,
        Outcome::Invalid, Outcome::DuplicateInBatch, Outcome::Queued };
    for (int i = 0; i < 6; ++i) {
        QCOMPARE(items[i].position, i + 1);
        QCOMPARE(items[i].outcome, expected[i]);
        QCOMPARE(items[i].input, results[i].input);
    }
    QCOMPARE(items[0].queueId, results[0].queueId);
    QCOMPARE(items[1].queueId, waitingRow); // the active row found, raised to HIGH
    QCOMPARE(items[1].priority, QStringLiteral("HIGH"));
    QVERIFY(items[2].queueId.isEmpty());
    QVERIFY(items[3].queueId.isEmpty());
    QCOMPARE(items[3].message, results[3].message);
    QCOMPARE(items[3].state, ItemState::NotQueued);
    QCOMPARE(items[4].state, ItemState::NotQueued);
    QCOMPARE(items[4].message, QStringLiteral("Repeats newone from input 1 of this batch"));
    QCOMPARE(items[5].username, QStringLiteral("second_new"));
    QCOMPARE(items[5].queueId, results[5].queueId);
    QCOMPARE(items[0].state, ItemState::Waiting);
    QCOMPARE(items[2].state, ItemState::Processed);

    QSqlDatabase db = m_db->connection();
    const BatchDetail detail = Batches::detail(db, options.record->id);
    QVERIFY2(detail.ok, qPrintable(detail.error));
    QVERIFY(detail.found);
    QCOMPARE(detail.summary.name, QStringLiteral("campaign"));
    QCOMPARE(detail.summary.origin, QStringLiteral("window"));
    QCOMPARE(detail.summary.submittedBy, QStringLiteral("tester"));
    QCOMPARE(detail.summary.counts.total, 4);
    QCOMPARE(detail.summary.counts.waiting, 3);
    QCOMPARE(detail.summary.counts.waitingHigh, 3);
    QCOMPARE(detail.summary.counts.processed, 1);
    QCOMPARE(detail.summary.counts.notQueued, 2);
    QVERIFY(!detail.summary.counts.done());
}

void TestBatches::unrecordedInputsAreErrorsWhenAllOrNothing()
{
    // Inputs of which none is sent (here: all invalid) are recorded in a transaction of their
    // own. When it fails, a caller that is all or nothing (recordAfterFailure off: the bulk
    // route, the window's file import, which would count the piece as done) gets errors for
    // them, not answers that its batch does not hold; the others keep the answers.
    QVERIFY(m_db->exec(QStringLiteral("ALTER TABLE viralspot_batch_items RENAME TO items_away")));
    RequestService service(m_db->config());
    const BulkParseResult parsed = BulkParser::parse(u"!!not-a-name\n??nor-this\n");

    BatchOptions allOrNothing;
    allOrNothing.record = newBatch();
    allOrNothing.recordAfterFailure = false;
    QList<RequestResult> results =
        service.requestBulk(parsed, QStringLiteral("frontend"), allOrNothing);
    QCOMPARE(results.size(), 2);
    for (const RequestResult &r : std::as_const(results)) {
        QCOMPARE(r.outcome, Outcome::Error);
        QCOMPARE(r.errorKind, ErrorKind::Failed);
        QVERIFY2(
            r.message.startsWith(QStringLiteral("The database failed: ")), qPrintable(r.message));
    }

    BatchOptions whatCanBe;
    whatCanBe.record = newBatch();
    results = service.requestBulk(parsed, QStringLiteral("frontend"), whatCanBe);
    QCOMPARE(results.size(), 2);
    QCOMPARE(results[0].outcome, Outcome::Invalid);
    QCOMPARE(results[1].outcome, Outcome::Invalid);

    // Neither batch was written (its row and its items commit together); with the table back,
    // the same piece is recorded whole.
    QVERIFY(m_db->exec(QStringLiteral("ALTER TABLE items_away RENAME TO viralspot_batch_items")));
    QSqlDatabase db = m_db->connection();
    for (const std::optional<NewBatch> &batch : { allOrNothing.record, whatCanBe.record }) {
        const BatchDetail detail = Batches::detail(db, batch->id);
        QVERIFY2(detail.ok, qPrintable(detail.error));
        QVERIFY(!detail.found);
    }
    allOrNothing.record = newBatch();
    results = service.requestBulk(parsed, QStringLiteral("frontend"), allOrNothing);
    QCOMPARE(results[0].outcome, Outcome::Invalid);
    QCOMPARE(results[1].outcome, Outcome::Invalid);
    QCOMPARE(allItems(allOrNothing.record->id).size(), 2);
}

void TestBatches::repeatsInRequestItemsAreDuplicatesInTheBatch()
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    const QList<RequestResult> results =
        service.requestItems({ { QStringLiteral("aa1"), QStringLiteral("api") },
                                 { QStringLiteral("bb1"), QStringLiteral("api") },
                                 { QStringLiteral("aa1"), QStringLiteral("api") },
                                 { QStringLiteral("BAD NAME"), QStringLiteral("api") } },
            options);
    QCOMPARE(results[2].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(results[3].outcome, Outcome::Invalid);
    const QList<BatchItem> items = allItems(options.record->id);
    QCOMPARE(items.size(), 4);
    QCOMPARE(items[2].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(items[3].outcome, Outcome::Invalid);
    // Without a record, a repeat keeps its old answer.
    const QList<RequestResult> plain =
        service.requestItems({ { QStringLiteral("cc1"), QStringLiteral("api") },
            { QStringLiteral("cc1"), QStringLiteral("api") } });
    QCOMPARE(plain[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")).toInt(), 1);
}

void TestBatches::manyChunksRecordEveryInputOnce()
{
    // 25 inputs in chunks of 4 (invalid and repeated ones between them): every input one item,
    // each chunk's items written with its rows.
    QString text;
    for (int i = 0; i < 20; ++i)
        text += QStringLiteral("chunky%1\n").arg(i);
    text += QStringLiteral("!!\nchunky3\n??\nchunky19\nchunky20\n");
    RequestService service(m_db->config());
    BatchOptions options;
    options.chunkSize = 4;
    options.record = newBatch();
    const QList<RequestResult> results =
        service.requestBulk(BulkParser::parse(text), QStringLiteral("frontend"), options);
    QCOMPARE(results.size(), 25);
    const QList<BatchItem> items = allItems(options.record->id);
    QCOMPARE(items.size(), 25);
    for (int i = 0; i < 25; ++i) {
        QCOMPARE(items[i].position, i + 1);
        QCOMPARE(items[i].outcome, results[i].outcome);
        QCOMPARE(items[i].queueId, results[i].queueId);
    }
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")).toInt(), 1);
}

void TestBatches::liveStateFollowsTheWorker()
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    QList<RequestItem> input;
    const QStringList names { QStringLiteral("s1"), QStringLiteral("s2"), QStringLiteral("s3"),
        QStringLiteral("s4"), QStringLiteral("s5"), QStringLiteral("s6") };
    for (const QString &n : names)
        input.append({ n, QStringLiteral("api") });
    service.requestItems(input, options);
    const QString id = options.record->id;

    QSqlDatabase db = m_db->connection();
    SimWorker worker(db);
    const SimWorker::Claimed c1 = worker.claim();
    QVERIFY2(c1.ok && !c1.id.isEmpty(), qPrintable(c1.error));
    QVERIFY(worker.complete(c1.id));
    const SimWorker::Claimed c2 = worker.claim();
    QVERIFY(worker.fail(c2.id, QStringLiteral("private account")));
    const SimWorker::Claimed c3 = worker.claim(); // stays PROCESSING
    QVERIFY(!c3.id.isEmpty());
    // The rest: one paused, one deleted, one waiting.
    QStringList rest = names;
    rest.removeAll(c1.username);
    rest.removeAll(c2.username);
    rest.removeAll(c3.username);
    QVERIFY(m_db->exec(
        QStringLiteral("UPDATE queue SET status = 'PAUSED' WHERE username = '%1'").arg(rest[0])));
    QVERIFY(m_db->exec(QStringLiteral("DELETE FROM queue WHERE username = '%1'").arg(rest[1])));

    BatchDetail d = Batches::detail(db, id);
    QVERIFY2(d.ok, qPrintable(d.error));
    QCOMPARE(d.summary.counts.total, 6);
    QCOMPARE(d.summary.counts.processed, 1);
    QCOMPARE(d.summary.counts.failed, 1);
    QCOMPARE(d.summary.counts.processing, 1);
    QCOMPARE(d.summary.counts.paused, 1);
    QCOMPARE(d.summary.counts.gone, 1);
    QCOMPARE(d.summary.counts.waiting, 1);
    QVERIFY(!d.summary.counts.done());

    QHash<QString, BatchItem> byName;
    for (const BatchItem &item : allItems(id))
        byName.insert(item.username, item);
    QCOMPARE(byName[c1.username].state, ItemState::Processed);
    QCOMPARE(byName[c2.username].state, ItemState::Failed);
    QCOMPARE(byName[c2.username].errorMessage, QStringLiteral("private account"));
    QCOMPARE(byName[c3.username].state, ItemState::Processing);
    QCOMPARE(byName[c3.username].attempts, 1);
    QCOMPARE(byName[rest[0]].state, ItemState::Paused);
    QCOMPARE(byName[rest[1]].state, ItemState::Gone);
    QCOMPARE(byName[rest[2]].state, ItemState::Waiting);

    // Filter by state.
    const BatchItems failed = Batches::items(db, id, { ItemState::Failed, ItemState::Gone });
    QVERIFY(failed.ok);
    QCOMPARE(failed.matching, 2);
    QCOMPARE(failed.items.size(), 2);
    // Page by page after a position (the export): the same items in the same order.
    QList<BatchItem> paged;
    for (int after = 0;;) {
        const BatchItems page = Batches::itemsAfter(db, id, {}, after, 2);
        QVERIFY2(page.ok, qPrintable(page.error));
        paged += page.items;
        if (page.items.size() < 2)
            break;
        after = page.items.constLast().position;
    }
    const QList<BatchItem> all = allItems(id);
    QCOMPARE(paged.size(), all.size());
    for (qsizetype i = 0; i < all.size(); ++i) {
        QCOMPARE(paged[i].position, all[i].position);
        QCOMPARE(paged[i].state, all[i].state);
    }
    const BatchItems laterFailed = Batches::itemsAfter(
        db, id, { ItemState::Failed, ItemState::Gone }, failed.items.constFirst().position, 10);
    QVERIFY(laterFailed.ok);
    QCOMPARE(laterFailed.items.size(), 1);
    QCOMPARE(laterFailed.items.constFirst().position, failed.items.constLast().position);

    // A gone item whose profile gets processed some other way counts as processed.
    QVERIFY(m_db->exec(
        QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('%1')").arg(rest[1])));
    d = Batches::detail(db, id);
    QCOMPARE(d.summary.counts.gone, 0);
    QCOMPARE(d.summary.counts.processed, 2);
}

void TestBatches::finishedOnceAndNotificationClaimedOnce()
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    service.requestItems({ { QStringLiteral("f1"), QStringLiteral("api") },
                             { QStringLiteral("f2"), QStringLiteral("api") } },
        options);
    const QString id = options.record->id;
    QSqlDatabase db = m_db->connection();
    SimWorker worker(db);
    QVERIFY(!worker.processNext(QDateTime::currentDateTimeUtc().addSecs(-10)).isEmpty());

    // Not done: no claim, not in the unnotified list.
    Batches::ClaimResult claim = Batches::claimFinishedNotification(db, id);
    QVERIFY(claim.ok);
    QVERIFY(!claim.claimed);
    BatchDetail d = Batches::detail(db, id);
    QVERIFY(!d.summary.finishedAt.isValid());

    const QDateTime lastAt = QDateTime::currentDateTimeUtc().addSecs(-5);
    const SimWorker::Claimed c = worker.claim(lastAt);
    QVERIFY(worker.fail(c.id, QStringLiteral("gone private"), lastAt));
    Batches::IdList unnotified = Batches::unnotifiedFinished(db);
    QVERIFY2(unnotified.ok, qPrintable(unnotified.error));
    QCOMPARE(unnotified.ids, QStringList { id });
    d = Batches::detail(db, id);
    QVERIFY(d.summary.counts.done());
    QVERIFY(d.summary.finishedAt.isValid());
    // The last row's finish, not the time somebody looked.
    QVERIFY2(qAbs(d.summary.finishedAt.msecsTo(lastAt)) < 2000,
        qPrintable(d.summary.finishedAt.toString(Qt::ISODateWithMs)));
    const QDateTime first = d.summary.finishedAt;
    QTest::qWait(20);
    d = Batches::detail(db, id);
    QCOMPARE(d.summary.finishedAt, first); // set once

    claim = Batches::claimFinishedNotification(db, id);
    QVERIFY(claim.ok);
    QVERIFY(claim.claimed);
    claim = Batches::claimFinishedNotification(db, id);
    QVERIFY(!claim.claimed);
    unnotified = Batches::unnotifiedFinished(db);
    QVERIFY(unnotified.ids.isEmpty());

    // Notifications off: never claimed.
    BatchOptions quiet;
    quiet.record = newBatch();
    quiet.record->notify = false;
    service.requestItems({ { QStringLiteral("f1"), QStringLiteral("api") } }, quiet);
    d = Batches::detail(db, quiet.record->id);
    QVERIFY(d.summary.counts.done()); // already processed at submission
    QVERIFY(d.summary.finishedAt.isValid());
    QVERIFY(!Batches::claimFinishedNotification(db, quiet.record->id).claimed);
}

void TestBatches::notificationClaimRaceBetweenConnections()
{
    // 30 finished batches; two connections on two threads claim each at the same moment:
    // every batch is claimed exactly once.
    constexpr int Count = 30;
    QStringList ids;
    QSqlDatabase db = m_db->connection();
    for (int i = 0; i < Count; ++i) {
        const QString id = Ids::uuidV7();
        ids << id;
        QVERIFY(
            m_db->exec(QStringLiteral("INSERT INTO viralspot_batches (id, name, created_at, "
                                      "finished_at, notify) VALUES ('%1', 'b', '%2', '%2', "
                                      "TRUE)")
                           .arg(id, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs))));
    }
    const DatabaseConfig config = m_db->config();
    std::atomic_int ready { 0 };
    QList<bool> claimed[2];
    QString errors[2];
    QList<QThread *> threads;
    for (int t = 0; t < 2; ++t) {
        threads << QThread::create([&, t] {
            const QString name = QStringLiteral("claim_%1").arg(t);
            {
                QSqlDatabase c = Database::open(config, name).value;
                ++ready;
                while (ready.load() < 2)
                    QThread::yieldCurrentThread();
                for (const QString &id : std::as_const(ids)) {
                    const Batches::ClaimResult r = Batches::claimFinishedNotification(c, id);
                    if (!r.ok)
                        errors[t] = r.error;
                    claimed[t] << r.claimed;
                }
            }
            Database::close(name);
        });
    }
    for (QThread *thread : std::as_const(threads))
        thread->start();
    for (QThread *thread : std::as_const(threads)) {
        QVERIFY(thread->wait(60000));
        delete thread;
    }
    QVERIFY2(errors[0].isEmpty() && errors[1].isEmpty(), qPrintable(errors[0] + errors[1]));
    for (int i = 0; i < Count; ++i)
        QVERIFY2(claimed[0][i] != claimed[1][i], qPrintable(QString::number(i)));
}

QString TestBatches::insertBatch(
    const QString &submitter, const QDateTime &createdAt, const QDateTime &finishedAt)
{
    const QString id = Ids::uuidV7();
    const bool ok = m_db->exec(
        QStringLiteral("INSERT INTO viralspot_batches (id, name, submitted_by, created_at, "
                       "finished_at, notify) VALUES ('%1', 'b', '%2', '%3', %4, TRUE)")
            .arg(id, submitter, createdAt.toString(Qt::ISODateWithMs),
                finishedAt.isValid()
                    ? QStringLiteral("'%1'").arg(finishedAt.toString(Qt::ISODateWithMs))
                    : QStringLiteral("NULL")));
    return ok ? id : QString();
}

void TestBatches::unnotifiedFinishedFiltersBySubmitter()
{
    // A colleague's 330 unclaimed batches: 120 finished long ago, 210 done but not yet marked
    // finished, all of those newer than mine. Unfiltered, both of the function's reads (the
    // newest 200 open ones, then the oldest finished) see only theirs; filtered by submitter,
    // mine come, and nobody else's is touched.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < 120; ++i)
        QVERIFY(!insertBatch(
            QStringLiteral("colleague"), now.addSecs(-3600 + i), now.addSecs(-3000 + i))
                     .isEmpty());
    for (int i = 0; i < 210; ++i)
        QVERIFY(!insertBatch(QStringLiteral("colleague"), now.addSecs(-600 + i)).isEmpty());
    const QString mineFinished =
        insertBatch(QStringLiteral("me"), now.addSecs(-1800), now.addSecs(-60));
    const QString mineOpen = insertBatch(QStringLiteral("me"), now.addSecs(-1700));
    QVERIFY(!mineFinished.isEmpty() && !mineOpen.isEmpty());
    const auto colleaguesOpen = [this] {
        return m_db
            ->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches WHERE "
                                    "submitted_by = 'colleague' AND finished_at IS NULL"))
            .toInt();
    };

    QSqlDatabase db = m_db->connection();
    const Batches::IdList mine = Batches::unnotifiedFinished(db, 100, QStringLiteral("me"));
    QVERIFY2(mine.ok, qPrintable(mine.error));
    // Both: the open one was seen done and marked finished by this very call.
    QCOMPARE(QSet<QString>(mine.ids.cbegin(), mine.ids.cend()),
        (QSet<QString> { mineFinished, mineOpen }));
    QCOMPARE(mine.ids.constFirst(), mineFinished); // oldest finished first
    QCOMPARE(colleaguesOpen(), 210);
    // A submitter with nothing: an empty answer, not an error.
    const Batches::IdList nobody = Batches::unnotifiedFinished(db, 100, QStringLiteral("nobody"));
    QVERIFY(nobody.ok);
    QVERIFY(nobody.ids.isEmpty());

    // Unfiltered, as the window used to ask: the colleague's hundred come first.
    const Batches::IdList everyone = Batches::unnotifiedFinished(db, 100);
    QVERIFY2(everyone.ok, qPrintable(everyone.error));
    QCOMPARE(everyone.ids.size(), 100);
    QVERIFY(!everyone.ids.contains(mineFinished));
    QVERIFY(!everyone.ids.contains(mineOpen));
    QCOMPARE(colleaguesOpen(), 10); // it marked the newest 200 open ones finished
}

void TestBatches::etaUnknownWithoutCompletions()
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    QList<RequestItem> input;
    for (int i = 0; i < 20; ++i)
        input.append({ QStringLiteral("idle%1").arg(i), QStringLiteral("api") });
    service.requestItems(input, options);
    QSqlDatabase db = m_db->connection();
    EtaEstimate e = Batches::etaForBatch(db, options.record->id);
    QVERIFY2(e.ok, qPrintable(e.error));
    QVERIFY(!e.eta);
    QVERIFY2(e.why.contains(QLatin1String("idle")), qPrintable(e.why));
    const BatchDetail d = Batches::detail(db, options.record->id);
    QVERIFY(!d.summary.eta);
    QVERIFY(!d.summary.etaWhy.isEmpty());

    // Thin evidence: three completions are not enough to say anything.
    SimWorker worker(db);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < 3; ++i)
        QVERIFY(!worker.processNext(now.addSecs(-60 + i)).isEmpty());
    e = Batches::etaForBatch(db, options.record->id, now);
    QVERIFY(e.ok);
    QVERIFY(!e.eta);
    QVERIFY2(e.why.contains(QLatin1String("too few")), qPrintable(e.why));
    e = Batches::etaForProfile(db, QStringLiteral("idle19"), now);
    QVERIFY(e.ok);
    QVERIFY(!e.eta);
}

void TestBatches::etaWithinTwentyPercentAtASteadyRate()
{
    // 1,000 items behind 200 older rows (HIGH, so taken first); one worker finishes a row
    // every 6 s of simulated time. Once a tenth of the batch is done, the estimate's midpoint
    // is within 20% of the time actually left, and the actual finish inside its range.
    QSqlDatabase db = m_db->connection();
    const QDateTime t0 = QDateTime::currentDateTimeUtc();
    RequestService service(m_db->config());
    QList<RequestItem> before;
    for (int i = 0; i < 200; ++i)
        before.append({ QStringLiteral("ahead%1").arg(i), QStringLiteral("api") });
    service.requestItems(before);
    // Older than the batch's rows, so that the original order takes them first.
    QVERIFY(m_db->exec(
        QStringLiteral("UPDATE queue SET \"timestamp\" = %1")
            .arg(Database::isPostgres(db) ? QStringLiteral("\"timestamp\" - interval '1 minute'")
                                          : QStringLiteral("'2000-01-01T00:00:00.000Z'"))));
    QList<RequestItem> input;
    for (int i = 0; i < 1000; ++i)
        input.append({ QStringLiteral("steady%1").arg(i), QStringLiteral("api") });
    BatchOptions options;
    options.record = newBatch();
    service.requestItems(input, options);
    const QString id = options.record->id;

    SimWorker worker(db);
    constexpr int StepSeconds = 6;
    int step = 0;
    const auto clock = [&] { return t0.addSecs(qint64(StepSeconds) * step); };
    // Nothing finished yet: unknown.
    QVERIFY(!Batches::etaForBatch(db, id, clock()).eta);
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    while (step < 300) { // the 200 ahead and 100 of the batch
        ++step;
        QVERIFY2(!worker.processNext(clock()).isEmpty(), qPrintable(worker.lastError()));
        if (step == 100) {
            // Half of the rows ahead done: they still count before the batch.
            const EtaEstimate e = Batches::etaForBatch(db, id, clock());
            QVERIFY2(e.ok && e.eta, qPrintable(e.error + e.why));
            QCOMPARE(e.eta->ahead, qint64(100));
            QCOMPARE(e.eta->remaining, qint64(1000));
            const double minutes = clock().secsTo(e.eta->earliest) / 60.0;
            QVERIFY2(minutes > 80 && minutes < 110, qPrintable(QString::number(minutes)));
        }
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
    BatchDetail d = Batches::detail(db, id, clock());
    QVERIFY2(d.ok, qPrintable(d.error));
    QCOMPARE(d.summary.counts.processed, 100);
    QVERIFY2(d.summary.eta, qPrintable(d.summary.etaWhy));
    const Eta eta = *d.summary.eta;
    QCOMPARE(eta.remaining, qint64(900));
    QCOMPARE(eta.ahead, qint64(0));
    QVERIFY2(qAbs(eta.completionsPerMinute - 10.0) < 1.0,
        qPrintable(QString::number(eta.completionsPerMinute)));
    const QDateTime predictedAt = clock();
    const QDateTime actual = t0.addSecs(qint64(StepSeconds) * 1200);
    const double left = predictedAt.secsTo(actual);
    const QDateTime mid = eta.earliest.addMSecs(eta.earliest.msecsTo(eta.latest) / 2);
    const double predictedLeft = predictedAt.secsTo(mid);
    QVERIFY2(qAbs(predictedLeft - left) <= 0.2 * left,
        qPrintable(QStringLiteral("predicted %1 s, actual %2 s").arg(predictedLeft).arg(left)));
    QVERIFY(eta.earliest <= actual && actual <= eta.latest);
    QCOMPARE(d.predictions.size(), 1); // the 10% point
    QVERIFY(!d.predictions[0].errorSeconds);

    // The rest, with a look at 50% (one more prediction: 25% and 50% were crossed together).
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    while (step < 800) {
        ++step;
        QVERIFY(!worker.processNext(clock()).isEmpty());
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
    d = Batches::detail(db, id, clock());
    QCOMPARE(d.predictions.size(), 2);
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    while (step < 1200) {
        ++step;
        QVERIFY(!worker.processNext(clock()).isEmpty());
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
    QVERIFY(worker.processNext(clock()).isEmpty()); // nothing left
    d = Batches::detail(db, id, clock().addSecs(30));
    QVERIFY(d.summary.counts.done());
    QCOMPARE(d.summary.finishedAt, actual);
    QVERIFY(!d.summary.eta);
    QCOMPARE(d.predictions.size(), 2);
    for (const BatchDetail::Prediction &p : std::as_const(d.predictions)) {
        QVERIFY(p.errorSeconds);
        QVERIFY2(qAbs(*p.errorSeconds) <= 0.2 * p.madeAt.secsTo(actual),
            qPrintable(QString::number(*p.errorSeconds)));
    }
}

qint64 TestBatches::plainAhead(const QString &batchId, qint64 *upToOut)
{
    const QString mine = QStringLiteral("SELECT q.id FROM viralspot_batch_items i JOIN queue q ON "
                                        "q.id = i.queue_id WHERE i.batch_id = '%1' AND q.status = "
                                        "'%2'");
    const auto count = [&](const QString &status) {
        return m_db
            ->scalar(QStringLiteral("SELECT COUNT(*) FROM (") + mine.arg(batchId, status) +
                QStringLiteral(") t"))
            .toLongLong();
    };
    const qint64 ownWaiting = count(QStringLiteral("PENDING"));
    const qint64 ownProcessing = count(QStringLiteral("PROCESSING"));
    const qint64 processingAll =
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'PROCESSING'"))
            .toLongLong();
    qint64 upTo = 0;
    const QString last =
        m_db->scalar(mine.arg(batchId, QStringLiteral("PENDING")) +
                QStringLiteral(" ORDER BY q.priority DESC, q.\"timestamp\" DESC LIMIT 1"))
            .toString();
    if (!last.isEmpty())
        upTo = m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue w, queue l WHERE l.id = "
                                           "'%1' AND w.status = 'PENDING' AND (w.priority < "
                                           "l.priority OR (w.priority = l.priority AND "
                                           "w.\"timestamp\" <= l.\"timestamp\"))")
                                .arg(last))
                   .toLongLong();
    if (upToOut)
        *upToOut = upTo;
    return qMax<qint64>(0, upTo - ownWaiting) + qMax<qint64>(0, processingAll - ownProcessing);
}

QString TestBatches::bigBatch(int count)
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch(QStringLiteral("big"));
    QList<RequestItem> input;
    for (int i = 0; i < count; ++i)
        input.append({ QStringLiteral("big%1").arg(i), QStringLiteral("api") });
    const QList<RequestResult> results = service.requestItems(input, options);
    for (const RequestResult &r : results) {
        if (r.outcome != Outcome::Queued)
            return QString();
    }
    return options.record->id;
}

bool TestBatches::setStatus(const QStringList &usernames, const QString &status)
{
    if (usernames.isEmpty())
        return true;
    return m_db->exec(QStringLiteral("UPDATE queue SET status = '%1' WHERE username IN ('%2')")
                          .arg(status, usernames.join(QStringLiteral("','"))));
}

void TestBatches::placesOfAPageAreExact()
{
    // Six open batches at different depths of the waiting rows, both priorities, two whose last
    // waiting rows share priority and timestamp, one only processing, rows of no batch between
    // them, and timestamps a microsecond apart (PostgreSQL keeps microseconds): the rows ahead
    // of each, as the list (one pass for the page), a page of the list, the detail and
    // etaForBatch count them, equal the plain count of plainAhead().
    QSqlDatabase db = m_db->connection();
    const bool postgres = Database::isPostgres(db);
    RequestService service(m_db->config());
    QStringList ids;
    for (int b = 0; b < 6; ++b) {
        BatchOptions options;
        options.record = newBatch(QStringLiteral("place %1").arg(b));
        QList<RequestItem> input;
        for (int k = 0; k < 4; ++k)
            input.append({ QStringLiteral("pl%1_%2").arg(b).arg(k), QStringLiteral("api") });
        service.requestItems(input, options);
        ids << options.record->id;
    }
    QList<RequestItem> others;
    for (int k = 0; k < 12; ++k)
        others.append({ QStringLiteral("other%1").arg(k), QStringLiteral("api") });
    service.requestItems(others);
    // Every row a priority and a timestamp of its own, shuffled across the batches.
    const QDateTime t0 = QDateTime(QDate(2026, 1, 1), QTime(0, 0), Qt::UTC);
    const auto stamp = [&](const QString &username, const QString &priority, qint64 micros) {
        const QDateTime at = t0.addMSecs(micros / 1000);
        QString text = at.toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz"));
        if (postgres)
            text += QStringLiteral("%1").arg(micros % 1000, 3, 10, QLatin1Char('0'));
        text += QLatin1Char('Z');
        QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET priority = '%1', \"timestamp\" = "
                                          "'%2' WHERE username = '%3'")
                               .arg(priority, text, username)));
    };
    QStringList names;
    for (int b = 0; b < 6; ++b)
        for (int k = 0; k < 4; ++k)
            names << QStringLiteral("pl%1_%2").arg(b).arg(k);
    for (int k = 0; k < 12; ++k)
        names << QStringLiteral("other%1").arg(k);
    for (int r = 0; r < names.size(); ++r) {
        const int order = (r * 7) % int(names.size()); // a permutation (36 and 7 coprime)
        stamp(names[r], r % 3 == 0 ? QStringLiteral("LOW") : QStringLiteral("HIGH"),
            qint64(order) * 1000000);
    }
    // Batches 1 and 2: the same last waiting key (LOW, second 100).
    stamp(QStringLiteral("pl1_0"), QStringLiteral("LOW"), 100000000);
    stamp(QStringLiteral("pl2_0"), QStringLiteral("LOW"), 100000000);
    // Batch 3's last row a microsecond after a row of no batch (PostgreSQL; a millisecond on
    // SQLite, which keeps the app's milliseconds).
    stamp(QStringLiteral("other0"), QStringLiteral("LOW"), 200000000);
    stamp(QStringLiteral("pl3_0"), QStringLiteral("LOW"), postgres ? 200000001 : 200001000);
    // Batch 5 only processing.
    QVERIFY(m_db->exec(QStringLiteral(
        "UPDATE queue SET status = 'PROCESSING' WHERE username LIKE 'pl5\\_%' ESCAPE '\\'")));
    // Completions in the last minutes (so that the rate can be used) and two more rows
    // processing, taken the original workers' way.
    SimWorker worker(db);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < 8; ++i)
        QVERIFY2(
            !worker.processNext(now.addSecs(-120 + i)).isEmpty(), qPrintable(worker.lastError()));
    for (int i = 0; i < 2; ++i)
        QVERIFY(worker.claim(now.addSecs(-10)).ok);

    QHash<QString, qint64> expected;
    for (const QString &id : std::as_const(ids))
        expected.insert(id, plainAhead(id));
    // Not all alike: the depths differ.
    const QList<qint64> depths = expected.values();
    QVERIFY(QSet<qint64>(depths.cbegin(), depths.cend()).size() >= 4);
    const BatchList l = Batches::list(db, {}, 100, 0, now);
    QVERIFY2(l.ok, qPrintable(l.error));
    int open = 0;
    for (const BatchSummary &s : l.batches) {
        if (s.counts.done())
            continue;
        ++open;
        QVERIFY2(s.eta, qPrintable(s.name + QLatin1String(": ") + s.etaWhy));
        QCOMPARE(s.eta->ahead, expected.value(s.id));
        QCOMPARE(s.eta->remaining, qint64(s.counts.waiting + s.counts.processing));
    }
    QVERIFY(open >= 5);
    const BatchList page = Batches::list(db, {}, 2, 2, now);
    QVERIFY2(page.ok, qPrintable(page.error));
    QCOMPARE(page.batches.size(), 2);
    for (const BatchSummary &s : page.batches) {
        if (s.eta)
            QCOMPARE(s.eta->ahead, expected.value(s.id));
    }
    for (const QString &id : std::as_const(ids)) {
        const BatchDetail d = Batches::detail(db, id, now);
        QVERIFY2(d.ok, qPrintable(d.error));
        const EtaEstimate e = Batches::etaForBatch(db, id, now);
        QVERIFY2(e.ok, qPrintable(e.error));
        QCOMPARE(bool(d.summary.eta), bool(e.eta));
        if (!e.eta)
            continue;
        QCOMPARE(d.summary.eta->ahead, expected.value(id));
        QCOMPARE(e.eta->ahead, expected.value(id));
    }

    // Counting::estimated() places only the batches whose last waiting row is among the first
    // placeCap waiting rows: those exactly; a deeper one gets an open-ended ETA whose rows
    // ahead are no more than the truth. The cap is one batch's own depth, so that it and the
    // shallower ones are placed and the deeper ones are not.
    QHash<QString, qint64> upTo;
    QList<qint64> depthsUpTo;
    for (const QString &id : std::as_const(ids)) {
        qint64 u = 0;
        plainAhead(id, &u);
        upTo.insert(id, u);
        if (u > 0)
            depthsUpTo << u;
    }
    std::sort(depthsUpTo.begin(), depthsUpTo.end());
    QVERIFY(depthsUpTo.size() >= 4);
    Counting capped = Counting::estimated();
    capped.placeCap = depthsUpTo.at(depthsUpTo.size() / 2 - 1);
    const BatchList c = Batches::list(db, {}, 100, 0, now, capped);
    QVERIFY2(c.ok, qPrintable(c.error));
    int placed = 0;
    int deep = 0;
    for (const BatchSummary &s : c.batches) {
        if (!s.eta)
            continue;
        if (upTo.value(s.id) <= capped.placeCap) {
            ++placed;
            QVERIFY(!s.eta->aheadAtLeast);
            QVERIFY(s.eta->latest.isValid());
            QCOMPARE(s.eta->ahead, expected.value(s.id));
        } else {
            ++deep;
            QVERIFY2(s.eta->aheadAtLeast, qPrintable(s.name));
            QVERIFY(!s.eta->latest.isValid());
            QVERIFY(s.eta->earliest > now);
            QVERIFY(s.eta->ahead <= expected.value(s.id));
        }
    }
    QVERIFY(placed >= 1);
    QVERIFY(deep >= 1);
    // The window's background read (every place counted) has them all exactly again.
    const BatchList all = Batches::summaries(db, ids, now, capped.everyPlace());
    QVERIFY2(all.ok, qPrintable(all.error));
    QCOMPARE(all.batches.size(), ids.size());
    for (const BatchSummary &s : all.batches) {
        if (!s.eta)
            continue;
        QVERIFY(!s.eta->aheadAtLeast);
        QCOMPARE(s.eta->ahead, expected.value(s.id));
    }
    // SQLite names the index of step 10; without it (an older schema opened read-only, or
    // dropped by hand) the same places come from the plain statement.
    if (!postgres) {
        QVERIFY(m_db->exec(QStringLiteral("DROP INDEX queue_waiting_order_idx")));
        const BatchList without = Batches::list(db, {}, 100, 0, now);
        QVERIFY2(without.ok, qPrintable(without.error));
        int placedWithout = 0;
        for (const BatchSummary &s : without.batches) {
            if (!s.eta)
                continue;
            ++placedWithout;
            QCOMPARE(s.eta->ahead, expected.value(s.id));
        }
        QCOMPARE(placedWithout, open);
        const EtaEstimate single = Batches::etaForProfile(db, QStringLiteral("pl0_1"), now);
        QVERIFY2(single.ok, qPrintable(single.error));
    }
}

void TestBatches::bigBatchesAreEstimatedFromASample()
{
    // 600 items whose rows' states repeat every 10 positions: 5 processed, 3 waiting, one
    // failed, one processing. A sample of every 10th position would see them all processed;
    // the hashed sample of about 120 sees each state near its share.
    const QString id = bigBatch(600);
    QVERIFY(!id.isEmpty());
    QStringList completed, failed, processing;
    for (int p = 1; p <= 600; ++p) {
        const QString name = QStringLiteral("big%1").arg(p - 1);
        const int r = p % 10;
        if (r < 5)
            completed << name;
        else if (r == 8)
            failed << name;
        else if (r == 9)
            processing << name;
    }
    QVERIFY(setStatus(completed, QStringLiteral("COMPLETED")));
    QVERIFY(setStatus(failed, QStringLiteral("FAILED")));
    QVERIFY(setStatus(processing, QStringLiteral("PROCESSING")));
    QSqlDatabase db = m_db->connection();
    const QDateTime now = QDateTime::currentDateTimeUtc();

    const BatchDetail exact = Batches::detail(db, id, now);
    QVERIFY2(exact.ok, qPrintable(exact.error));
    const BatchCounts &x = exact.summary.counts;
    QVERIFY(!x.estimated);
    QCOMPARE(x.total, 600);
    QCOMPARE(x.processed, 300);
    QCOMPARE(x.waiting, 180);
    QCOMPARE(x.failed, 60);
    QCOMPARE(x.processing, 60);

    Counting estimated = Counting::estimated();
    estimated.exactItems = 100;
    estimated.sampleItems = 120;
    const BatchDetail d = Batches::detail(db, id, now, estimated);
    QVERIFY2(d.ok, qPrintable(d.error));
    const BatchCounts &e = d.summary.counts;
    QVERIFY(e.estimated);
    QVERIFY2(e.sampled >= 80 && e.sampled <= 160, qPrintable(QString::number(e.sampled)));
    const auto near = [](int estimate, int truth) { return qAbs(estimate - truth) <= 60; };
    QVERIFY2(near(e.processed, 300), qPrintable(QString::number(e.processed)));
    QVERIFY2(near(e.waiting, 180), qPrintable(QString::number(e.waiting)));
    QVERIFY2(near(e.failed, 60), qPrintable(QString::number(e.failed)));
    QVERIFY2(near(e.processing, 60), qPrintable(QString::number(e.processing)));
    QCOMPARE(e.total, e.processed + e.processing + e.waiting + e.failed + e.paused + e.gone);
    QVERIFY(near(e.total, 600));
    QVERIFY(!e.done());
    QVERIFY(!d.summary.finishedAt.isValid());

    // The list says the same; a batch under the limit is counted exactly in the same read.
    RequestService service(m_db->config());
    BatchOptions small;
    small.record = newBatch(QStringLiteral("small"));
    service.requestItems({ { QStringLiteral("smallone"), QStringLiteral("api") } }, small);
    const BatchList l = Batches::list(db, {}, 10, 0, now, estimated);
    QVERIFY2(l.ok, qPrintable(l.error));
    QCOMPARE(l.batches.size(), 2);
    for (const BatchSummary &s : l.batches) {
        if (s.id == id) {
            QVERIFY(s.counts.estimated);
            QCOMPARE(s.counts.processed, e.processed);
        } else {
            QVERIFY(!s.counts.estimated);
            QCOMPARE(s.counts.waiting, 1);
        }
    }

    // The items: the matching count estimated, the rows themselves exact.
    const BatchItems failedItems =
        Batches::items(db, id, { ItemState::Failed }, 1000, 0, estimated);
    QVERIFY2(failedItems.ok, qPrintable(failedItems.error));
    QVERIFY(failedItems.matchingEstimated);
    QVERIFY2(
        qAbs(failedItems.matching - 60) <= 30, qPrintable(QString::number(failedItems.matching)));
    QCOMPARE(failedItems.items.size(), 60);
    for (const BatchItem &item : failedItems.items)
        QCOMPARE(item.position % 10, 8);
    const BatchItems exactFailed = Batches::items(db, id, { ItemState::Failed }, 1000, 0);
    QVERIFY(!exactFailed.matchingEstimated);
    QCOMPARE(exactFailed.matching, qint64(60));
}

void TestBatches::anOpenBatchIsNeverFinishedFromASample()
{
    // Every item processed but one still waiting: a sample that misses it shows nothing left to
    // wait for, and the batch is then counted exactly (not done); a sample that holds it is an
    // estimate with work left. Either way it is not finished, and neither notified; once the
    // last one is processed, it is.
    const QString id = bigBatch(300);
    QVERIFY(!id.isEmpty());
    QStringList names;
    for (int i = 0; i < 300; ++i)
        names << QStringLiteral("big%1").arg(i);
    Counting estimated = Counting::estimated();
    estimated.exactItems = 100;
    estimated.sampleItems = 30;
    QSqlDatabase db = m_db->connection();
    int recounted = 0;
    for (int w = 0; w < 12; ++w) {
        QVERIFY(setStatus(names, QStringLiteral("COMPLETED")));
        QVERIFY(setStatus({ names.at(w) }, QStringLiteral("PENDING")));
        const BatchDetail d = Batches::detail(db, id, QDateTime::currentDateTimeUtc(), estimated);
        QVERIFY2(d.ok, qPrintable(d.error));
        const BatchCounts &c = d.summary.counts;
        QVERIFY(!c.done());
        QVERIFY(!d.summary.finishedAt.isValid());
        if (c.estimated) {
            QVERIFY(c.waiting > 0);
        } else {
            ++recounted;
            QCOMPARE(c.waiting, 1);
            QCOMPARE(c.processed, 299);
        }
        const Batches::IdList unnotified = Batches::unnotifiedFinished(db);
        QVERIFY2(unnotified.ok, qPrintable(unnotified.error));
        QVERIFY(!unnotified.ids.contains(id));
    }
    QVERIFY2(recounted > 0, "no sample missed the waiting item: the exact recount was not tried");
    QVERIFY(setStatus(names, QStringLiteral("COMPLETED")));
    const BatchDetail done = Batches::detail(db, id, QDateTime::currentDateTimeUtc(), estimated);
    QVERIFY2(done.ok, qPrintable(done.error));
    QVERIFY(done.summary.counts.done());
    QVERIFY(!done.summary.counts.estimated);
    QCOMPARE(done.summary.counts.processed, 300);
    QVERIFY(done.summary.finishedAt.isValid());
    QVERIFY(Batches::unnotifiedFinished(db).ids.contains(id));
    // Finished: later reads may estimate it.
    const BatchDetail later = Batches::detail(db, id, QDateTime::currentDateTimeUtc(), estimated);
    QVERIFY(later.summary.counts.estimated);
    QVERIFY(later.summary.counts.done());
}

void TestBatches::samplePositionsAreThoseInTheSample()
{
    // Both ways of listing a sample (walking positions below ~2,000,000 items, walking hash
    // values above) give exactly the positions inSample() takes, in order.
    for (const qint64 size : { qint64(1), qint64(5001), qint64(100000), qint64(2000000),
             qint64(2100000), qint64(3000000), qint64(10000000) }) {
        for (const int items : { 1, 1000, 5000 }) {
            QList<qint64> expected;
            for (qint64 p = 1; p <= size; ++p) {
                if (Batches::inSample(p, size, items))
                    expected << p;
            }
            const QList<qint64> positions = Batches::samplePositions(size, items);
            QVERIFY2(positions == expected,
                qPrintable(QStringLiteral("size %1, items %2: %3 positions, expected %4")
                               .arg(size)
                               .arg(items)
                               .arg(positions.size())
                               .arg(expected.size())));
            // About `items` of them (none left out of a sample that should hold some).
            if (size > items)
                QVERIFY2(qAbs(positions.size() - items) <= qMax(2, items / 10),
                    qPrintable(QString::number(positions.size())));
        }
    }
}

void TestBatches::actionsPreviewApplyAndAudit()
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    QList<RequestItem> input;
    for (int i = 0; i < 10; ++i)
        input.append({ QStringLiteral("act%1").arg(i), QStringLiteral("api") });
    service.requestItems(input, options);
    const QString id = options.record->id;
    QSqlDatabase db = m_db->connection();
    SimWorker worker(db);
    // Two go LOW; three (HIGH, taken first) fail.
    QVERIFY(m_db->exec(
        QStringLiteral("UPDATE queue SET priority = 'LOW' WHERE username IN ('act8','act9')")));
    for (int i = 0; i < 3; ++i) {
        const SimWorker::Claimed c = worker.claim();
        QVERIFY(worker.fail(c.id, QStringLiteral("timeout")));
    }
    // One failed profile was asked for again meanwhile: its retry is skipped, its item
    // follows the new row.
    const QString failedName =
        m_db->scalar(QStringLiteral("SELECT username FROM queue WHERE status = 'FAILED' "
                                    "ORDER BY username LIMIT 1"))
            .toString();
    const RequestResult again = service.request(failedName);
    QCOMPARE(again.outcome, Outcome::Queued);

    BatchActionResult r = Batches::preview(db, id, BatchAction::RetryFailed);
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.eligible, 2);
    r = Batches::apply(
        db, id, BatchAction::RetryFailed, AuditEntry::forOrigin(QStringLiteral("window")));
    QVERIFY2(r.ok, qPrintable(r.error));
    QCOMPARE(r.changed, 2);
    QCOMPARE(activeRows(failedName), 1);
    BatchDetail d = Batches::detail(db, id);
    QCOMPARE(d.summary.counts.failed, 0);
    QCOMPARE(d.summary.counts.waiting, 10);
    for (const BatchItem &item : allItems(id)) {
        if (item.username == failedName)
            QCOMPARE(item.queueId, again.queueId);
    }
    // The audit row names the batch.
    const QJsonObject details = QJsonDocument::fromJson(
        m_db->scalar(QStringLiteral("SELECT details FROM audit_log ORDER BY id DESC LIMIT 1"))
            .toString()
            .toUtf8())
                                    .object();
    QCOMPARE(details.value(QStringLiteral("batch_id")).toString(), id);
    QCOMPARE(details.value(QStringLiteral("changed")).toInt(), 2);

    QCOMPARE(Batches::preview(db, id, BatchAction::RaiseWaiting).eligible, 2);
    r = Batches::apply(db, id, BatchAction::RaiseWaiting);
    QCOMPARE(r.changed, 2);
    QCOMPARE(Batches::detail(db, id).summary.counts.waitingHigh, 10);
    r = Batches::apply(db, id, BatchAction::PauseRest);
    QCOMPARE(r.changed, 10);
    d = Batches::detail(db, id);
    QCOMPARE(d.summary.counts.paused, 10);
    QVERIFY(!d.summary.counts.done());
    // Resume skips a profile asked for again while paused (a second active row otherwise).
    QCOMPARE(service.request(QStringLiteral("act5")).outcome, Outcome::Queued);
    QCOMPARE(Batches::preview(db, id, BatchAction::ResumeRest).eligible, 9);
    r = Batches::apply(db, id, BatchAction::ResumeRest);
    QCOMPARE(r.changed, 9);
    QCOMPARE(activeRows(QStringLiteral("act5")), 1);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM (SELECT username FROM queue "
                                         "WHERE status IN ('PENDING','PROCESSING') "
                                         "GROUP BY username HAVING COUNT(*) > 1) d"))
                 .toInt(),
        0);
}

void TestBatches::retryRacingTheSingleRouteNeverMakesTwoActiveRows()
{
    // 400 failed items; one thread retries the batch while another requests the same
    // profiles one by one through the single route, each on its own connection, at once.
    constexpr int Users = 400;
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    QList<RequestItem> input;
    QStringList names;
    for (int i = 0; i < Users; ++i) {
        names << QStringLiteral("race%1").arg(i);
        input.append({ names.constLast(), QStringLiteral("api") });
    }
    service.requestItems(input, options);
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET status = 'FAILED', error_message = 'x'")));
    const QString id = options.record->id;
    const DatabaseConfig config = m_db->config();
    std::atomic_int ready { 0 };
    BatchActionResult retried;
    int singleQueued = 0;
    QString singleError;
    QThread *retry = QThread::create([&] {
        const QString name = QStringLiteral("race_retry");
        {
            QSqlDatabase c = Database::open(config, name).value;
            ++ready;
            while (ready.load() < 2)
                QThread::yieldCurrentThread();
            retried = Batches::apply(
                c, id, BatchAction::RetryFailed, AuditEntry::forOrigin(QStringLiteral("window")));
        }
        Database::close(name);
    });
    QThread *single = QThread::create([&] {
        RequestService mine(config);
        ++ready;
        while (ready.load() < 2)
            QThread::yieldCurrentThread();
        for (int i = Users - 1; i >= 0; --i) {
            const RequestResult r = mine.request(names[i]);
            if (r.outcome == Outcome::Queued)
                ++singleQueued;
            else if (r.outcome != Outcome::AlreadyQueued)
                singleError = r.message;
        }
    });
    retry->start();
    single->start();
    QVERIFY(retry->wait(120000));
    QVERIFY(single->wait(120000));
    delete retry;
    delete single;
    QVERIFY2(retried.ok, qPrintable(retried.error));
    QVERIFY2(singleError.isEmpty(), qPrintable(singleError));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM (SELECT username FROM queue "
                                         "WHERE status IN ('PENDING','PROCESSING') "
                                         "GROUP BY username HAVING COUNT(*) > 1) d"))
                 .toInt(),
        0);
    // Every profile is active exactly once, by the retry or by the single route.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status IN "
                                         "('PENDING','PROCESSING')"))
                 .toInt(),
        Users);
    QCOMPARE(retried.changed + singleQueued, Users);
    // The batch follows an active row for every item (retried in place, or the new one).
    QSqlDatabase db = m_db->connection();
    const BatchDetail d = Batches::detail(db, id);
    QCOMPARE(d.summary.counts.waiting, Users);
    QCOMPARE(d.summary.counts.failed, 0);
}

void TestBatches::streamedAppendFindsDuplicatesOfEarlierChunks()
{
    RequestService service(m_db->config());
    BatchOptions first;
    first.record = newBatch(QStringLiteral("stream"));
    const QList<RequestResult> a = service.requestBulk(
        BulkParser::parse(u"st1\nst2\nst3\n"), QStringLiteral("frontend"), first);
    QCOMPARE(a[2].outcome, Outcome::Queued);
    BatchOptions second = first;
    second.record->appendToExisting = true;
    second.record->firstPosition = 4;
    second.chunkSize = 1;
    const QList<RequestResult> b = service.requestBulk(
        BulkParser::parse(u"st2\nst4\nst4\nst1\n"), QStringLiteral("frontend"), second);
    // Every repeat names the input it repeats by its number in the batch, in the same words,
    // whether it was in an earlier piece (b[0], b[3]) or in this one (b[2]).
    QCOMPARE(b[0].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(b[0].message, QStringLiteral("Repeats st2 from input 2 of this batch"));
    QCOMPARE(b[1].outcome, Outcome::Queued);
    QCOMPARE(b[2].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(b[2].message, QStringLiteral("Repeats st4 from input 5 of this batch"));
    QCOMPARE(b[3].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(b[3].message, QStringLiteral("Repeats st1 from input 1 of this batch"));
    const QList<BatchItem> items = allItems(first.record->id);
    QCOMPARE(items.size(), 7);
    for (int i = 0; i < 7; ++i)
        QCOMPARE(items[i].position, i + 1);
    QCOMPARE(items[3].outcome, Outcome::DuplicateInBatch);
    QCOMPARE(items[4].outcome, Outcome::Queued);
    QCOMPARE(items[4].queueId, b[1].queueId);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")).toInt(), 1);
    QSqlDatabase db = m_db->connection();
    QCOMPARE(Batches::detail(db, first.record->id).summary.counts.total, 4);
}

void TestBatches::originalWorkerClaimOrderUntouched()
{
    // The queue's own columns are those of the original schema: nothing added by batches.
    QSqlDatabase db = m_db->connection();
    const QSqlRecord record = db.record(QStringLiteral("queue"));
    QStringList columns;
    for (int i = 0; i < record.count(); ++i)
        columns << record.fieldName(i).toLower();
    columns.sort();
    QCOMPARE(columns,
        QStringList({ QStringLiteral("attempts"), QStringLiteral("created_at"),
            QStringLiteral("error_message"), QStringLiteral("id"), QStringLiteral("last_attempt"),
            QStringLiteral("priority"), QStringLiteral("request_id"), QStringLiteral("source"),
            QStringLiteral("status"), QStringLiteral("timestamp"), QStringLiteral("updated_at"),
            QStringLiteral("username") }));

    // A LOW row from before, then a batch (HIGH): the worker takes the batch's rows first,
    // then the LOW one, exactly as without batches.
    QVERIFY(m_db->seedQueue(
        QStringLiteral("lowold"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    service.requestItems({ { QStringLiteral("hi1"), QStringLiteral("api") } }, options);
    QTest::qWait(5);
    service.requestItems({ { QStringLiteral("hi2"), QStringLiteral("api") } });
    SimWorker worker(db);
    QStringList order;
    for (int i = 0; i < 3; ++i)
        order << worker.processNext();
    QCOMPARE(order,
        QStringList({ QStringLiteral("hi1"), QStringLiteral("hi2"), QStringLiteral("lowold") }));
}

void TestBatches::listSearchesAndCountsThePage()
{
    RequestService service(m_db->config());
    QStringList ids;
    for (int i = 0; i < 5; ++i) {
        BatchOptions options;
        options.record =
            newBatch(i % 2 ? QStringLiteral("Odd %1").arg(i) : QStringLiteral("Even %1").arg(i));
        service.requestItems({ { QStringLiteral("ls%1").arg(i), QStringLiteral("api") },
                                 { QStringLiteral("shared"), QStringLiteral("api") } },
            options);
        ids << options.record->id;
        QTest::qWait(3);
    }
    QSqlDatabase db = m_db->connection();
    BatchList l = Batches::list(db);
    QVERIFY2(l.ok, qPrintable(l.error));
    QCOMPARE(l.totalBatches, 5);
    QVERIFY(!l.totalCapped);
    QCOMPARE(l.batches.size(), 5);
    QCOMPARE(l.batches.first().id, ids.last()); // newest first
    for (const BatchSummary &s : std::as_const(l.batches)) {
        QCOMPARE(s.counts.total, 2);
        QCOMPARE(s.counts.waiting, 2);
    }
    l = Batches::list(db, QStringLiteral("odd"), 1, 1);
    QVERIFY(l.ok);
    QCOMPARE(l.totalBatches, 2);
    QCOMPARE(l.batches.size(), 1);
    QCOMPARE(l.batches.first().name, QStringLiteral("Odd 1"));
    // LIKE's wildcards are literal in a search.
    QCOMPARE(Batches::list(db, QStringLiteral("%")).totalBatches, 0);
}

void TestBatches::renameNotifyAndSingles()
{
    RequestService service(m_db->config());
    BatchOptions options;
    options.record = newBatch();
    service.requestItems({ { QStringLiteral("rn1"), QStringLiteral("api") } }, options);
    QSqlDatabase db = m_db->connection();
    const QString id = options.record->id;
    QVERIFY(Batches::detail(db, id).summary.name.startsWith(QLatin1String("paste ")));
    QVERIFY(Batches::rename(db, id, QStringLiteral("  Spring  ")).ok);
    QCOMPARE(Batches::detail(db, id).summary.name, QStringLiteral("Spring"));
    QVERIFY(!Batches::rename(db, id, QStringLiteral("  ")).ok);
    QVERIFY(!Batches::rename(db, Ids::uuidV7(), QStringLiteral("x")).ok);
    QVERIFY(Batches::setNotify(db, id, false).ok);
    QVERIFY(!Batches::detail(db, id).summary.notify);

    // Single requests: one batch per OS user and day, items appended in order.
    const QDate day(2026, 12, 2);
    const RequestResult r1 = service.request(QStringLiteral("single1"));
    const RequestResult r2 = service.request(QStringLiteral("single1"));
    const RequestResult r3 = service.request(QStringLiteral("not valid!"));
    Batches::AppendResult a = Batches::appendSingle(db, QStringLiteral("anna"), day, r1);
    QVERIFY2(a.ok, qPrintable(a.error));
    const QString single = a.batchId;
    a = Batches::appendSingle(db, QStringLiteral("anna"), day, r2);
    QCOMPARE(a.batchId, single);
    a = Batches::appendSingle(db, QStringLiteral("anna"), day, r3);
    QVERIFY(a.ok);
    QVERIFY(Batches::appendSingle(db, QStringLiteral("bob"), day, r1).batchId != single);
    const QList<BatchItem> items = allItems(single);
    QCOMPARE(items.size(), 3);
    QCOMPARE(items[0].queueId, r1.queueId);
    QCOMPARE(items[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(items[1].queueId, r1.queueId); // the active row found
    QCOMPARE(items[2].outcome, Outcome::Invalid);
    QCOMPARE(Batches::detail(db, single).summary.counts.total, 2);
}

QTEST_GUILESS_MAIN(TestBatches)
#include "tst_batches.moc"
