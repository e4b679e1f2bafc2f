// Over 600 lines: one test class for the whole request contract (every outcome on every engine).
// The request service on the engine named by VIRALSPOT_TEST_ENGINE (CTest runs both).

#include "core/auditlog.h"
#include "core/bulkparser.h"
#include "core/requestservice.h"
#include "core/sqlitewal.h"
#include "tests/support/testdatabase.h"

#include <QSqlQuery>
#include <QTest>

#include <atomic>
#include <memory>

using namespace ViralSpot;

namespace {

// A database of this test's engine that cannot be reached.
DatabaseConfig unreachableConfig()
{
    const ValueResult<DatabaseConfig> config = Test::engine() == DatabaseConfig::Engine::PostgreSQL
        ? DatabaseConfig::fromUrl(QStringLiteral("postgresql://postgres@127.0.0.1:1/none"))
        : DatabaseConfig::fromUrl(QStringLiteral("sqlite:/proc/version/nope/q.sqlite"));
    if (!config.ok)
        qFatal("bad test URL: %s", qPrintable(config.error));
    return config.value;
}

} // namespace

class TestRequestService : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void queuedCreatesACompleteRow();
    void alreadyProcessed();
    void alreadyQueued_data();
    void alreadyQueued();
    void lowPriorityPendingIsRaised();
    void processingLowIsNotTouched();
    void finishedRowsDoNotBlock_data();
    void finishedRowsDoNotBlock();
    void mixedCaseAndFormsAreOneProfile();
    void legacyMixedCaseRowsAreTheSameProfile();
    void invalidWritesNothing_data();
    void invalidWritesNothing();
    void defaultSourceIsFrontend();
    void commitIsDurableAndVisible();
    void batchMixesAllOutcomesInOrder();
    void repeatsInOneCallAnswerOnce();
    void chunkedBatchReportsProgressAndCancels();
    void largeBatch();
    void statusReportsEachState();
    void unreachableDatabaseIsAnError();
    void resolveWithoutWriteAnswersOnlyWhatNeedsNoWrite();
    void resolveWithoutWriteOnADeadDatabase();
    void pausedRowIsMentioned();
    void walGatheringIsOptIn();

private:
    QString str(const QString &sql) { return m_db->scalar(sql).toString(); }
    int count(const QString &sql) { return m_db->scalar(sql).toInt(); }
    void seedQueue(const QString &username, const QString &status, const QString &priority);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<RequestService> m_service;
};

void TestRequestService::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    m_service = std::make_unique<RequestService>(m_db->config());
    QString error;
    const Result opened = m_service->open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
}

void TestRequestService::cleanup()
{
    m_service.reset();
    m_db.reset();
}

void TestRequestService::seedQueue(
    const QString &username, const QString &status, const QString &priority)
{
    QVERIFY(m_db->seedQueue(username, status, priority, 2));
}

void TestRequestService::queuedCreatesACompleteRow()
{
    const RequestResult r = m_service->request(QStringLiteral("  Alice_1 "), QStringLiteral("cli"));
    QCOMPARE(r.outcome, Outcome::Queued);
    QCOMPARE(r.username, QStringLiteral("alice_1"));
    QCOMPARE(
        r.message, QStringLiteral("Profile alice_1 has been added to the high priority queue"));
    QVERIFY(!r.requestId.isEmpty());
    QVERIFY(!r.queueId.isEmpty());

    QSqlQuery q(m_db->connection());
    QVERIFY(q.exec(QStringLiteral("SELECT username, source, priority, status, attempts, "
                                  "request_id, id, timestamp, created_at, updated_at FROM queue")));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("alice_1"));
    QCOMPARE(q.value(1).toString(), QStringLiteral("cli"));
    QCOMPARE(q.value(2).toString(), QStringLiteral("HIGH"));
    QCOMPARE(q.value(3).toString(), QStringLiteral("PENDING"));
    QCOMPARE(q.value(4).toInt(), 0);
    QCOMPARE(q.value(5).toString(), r.requestId);
    QCOMPARE(q.value(6).toString(), r.queueId);
    QVERIFY(!q.value(7).isNull());
    QVERIFY(!q.value(8).isNull());
    QVERIFY(!q.value(9).isNull());
    QVERIFY(!q.next());
}

void TestRequestService::alreadyProcessed()
{
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done')")));
    const RequestResult r = m_service->request(QStringLiteral("@Done"));
    QCOMPARE(r.outcome, Outcome::AlreadyProcessed);
    QCOMPARE(r.message, QStringLiteral("Profile done is already fully processed"));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
}

void TestRequestService::alreadyQueued_data()
{
    QTest::addColumn<QString>("status");
    QTest::newRow("pending") << "PENDING";
    QTest::newRow("processing") << "PROCESSING";
}

void TestRequestService::alreadyQueued()
{
    QFETCH(QString, status);
    seedQueue(QStringLiteral("waiting"), status, QStringLiteral("HIGH"));
    const RequestResult r = m_service->request(QStringLiteral("waiting"));
    QCOMPARE(r.outcome, Outcome::AlreadyQueued);
    QCOMPARE(r.message, QStringLiteral("Profile waiting is already in the high priority queue"));
    QVERIFY(r.requestId.isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
    QCOMPARE(str(QStringLiteral("SELECT status FROM queue")), status);
}

void TestRequestService::lowPriorityPendingIsRaised()
{
    seedQueue(QStringLiteral("slow"), QStringLiteral("PENDING"), QStringLiteral("LOW"));
    const RequestResult r = m_service->request(QStringLiteral("SLOW"));
    QCOMPARE(r.outcome, Outcome::AlreadyQueued);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
    QCOMPARE(str(QStringLiteral("SELECT priority FROM queue")), QStringLiteral("HIGH"));
    QCOMPARE(str(QStringLiteral("SELECT status FROM queue")), QStringLiteral("PENDING"));
}

void TestRequestService::processingLowIsNotTouched()
{
    seedQueue(QStringLiteral("busy"), QStringLiteral("PROCESSING"), QStringLiteral("LOW"));
    QCOMPARE(m_service->request(QStringLiteral("busy")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(str(QStringLiteral("SELECT priority FROM queue")), QStringLiteral("LOW"));
}

void TestRequestService::finishedRowsDoNotBlock_data()
{
    QTest::addColumn<QString>("status");
    QTest::newRow("failed") << "FAILED";
    QTest::newRow("completed") << "COMPLETED";
    QTest::newRow("paused") << "PAUSED";
}

void TestRequestService::finishedRowsDoNotBlock()
{
    QFETCH(QString, status);
    seedQueue(QStringLiteral("again"), status, QStringLiteral("LOW"));
    const RequestResult r = m_service->request(QStringLiteral("again"));
    QCOMPARE(r.outcome, Outcome::Queued);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'again'")), 2);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'again' AND "
                                  "status = 'PENDING' AND priority = 'HIGH'")),
        1);
    // The old row is left as it was.
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = '%1'").arg(status)), 1);
}

void TestRequestService::mixedCaseAndFormsAreOneProfile()
{
    QCOMPARE(m_service->request(QStringLiteral("MixedCase")).outcome, Outcome::Queued);
    QCOMPARE(m_service->request(QStringLiteral("mixedcase")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(m_service->request(QStringLiteral("@MIXEDCASE")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(m_service->request(QStringLiteral("https://www.instagram.com/MixedCase/")).outcome,
        Outcome::AlreadyQueued);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('proc')")));
    QCOMPARE(m_service->request(QStringLiteral("PROC")).outcome, Outcome::AlreadyProcessed);
}

void TestRequestService::legacyMixedCaseRowsAreTheSameProfile()
{
    // An adopted database: the original endpoint stored usernames as typed (contract: Usernames:
    // "Foo" and "foo" are the same profile everywhere).
    QVERIFY(
        m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('OldStar')")));
    seedQueue(QStringLiteral("Waiting_One"), QStringLiteral("PENDING"), QStringLiteral("LOW"));
    seedQueue(QStringLiteral("Busy.One"), QStringLiteral("PROCESSING"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("Gone_One"), QStringLiteral("FAILED"), QStringLiteral("LOW"));

    QCOMPARE(m_service->request(QStringLiteral("oldstar")).outcome, Outcome::AlreadyProcessed);
    QCOMPARE(m_service->request(QStringLiteral("WAITING_ONE")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(str(QStringLiteral("SELECT priority FROM queue WHERE username = 'Waiting_One'")),
        QStringLiteral("HIGH")); // raised: somebody asked for it
    QCOMPARE(m_service->request(QStringLiteral("busy.one")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(m_service->request(QStringLiteral("gone_one")).outcome, Outcome::Queued);

    // The batch path (group commits, pasted lists) answers the same.
    const QList<RequestResult> batch = m_service->requestItems({
        { QStringLiteral("oldstar"), QStringLiteral("b") },
        { QStringLiteral("waiting_one"), QStringLiteral("b") },
        { QStringLiteral("busy.one"), QStringLiteral("b") },
        { QStringLiteral("fresh_one"), QStringLiteral("b") },
    });
    QCOMPARE(batch.size(), 4);
    QCOMPARE(batch[0].outcome, Outcome::AlreadyProcessed);
    QCOMPARE(batch[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(batch[2].outcome, Outcome::AlreadyQueued);
    QCOMPARE(batch[3].outcome, Outcome::Queued);

    // New rows only for gone_one and fresh_one; one active row per profile, whatever its case.
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 5);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM (SELECT lower(username) FROM queue "
                                  "WHERE status IN ('PENDING','PROCESSING') "
                                  "GROUP BY lower(username) HAVING COUNT(*) > 1) d")),
        0);
    QCOMPARE(m_service->status(QStringLiteral("waiting_one")).status, QStringLiteral("PENDING"));
    QCOMPARE(m_service->status(QStringLiteral("Busy.One")).status, QStringLiteral("PROCESSING"));
    QCOMPARE(m_service->status(QStringLiteral("oldstar")).status, QStringLiteral("COMPLETED"));
}

void TestRequestService::invalidWritesNothing_data()
{
    QTest::addColumn<QString>("username");
    QTest::addColumn<QString>("source");
    QTest::newRow("dots") << "a..b"
                          << "frontend";
    QTest::newRow("too long") << QString(31, QLatin1Char('a')) << "frontend";
    QTest::newRow("space inside") << "a b"
                                  << "frontend";
    QTest::newRow("empty") << ""
                           << "frontend";
    QTest::newRow("sql") << "x'; DROP TABLE queue; --"
                         << "frontend";
    QTest::newRow("bad source") << "fine"
                                << "bad source!";
    QTest::newRow("long source") << "fine" << QString(101, QLatin1Char('s'));
    QTest::newRow("quote source") << "fine"
                                  << "a\"b";
}

void TestRequestService::invalidWritesNothing()
{
    QFETCH(QString, username);
    QFETCH(QString, source);
    const RequestResult r = m_service->request(username, source);
    QCOMPARE(r.outcome, Outcome::Invalid);
    QVERIFY(!r.message.isEmpty());
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
    // requestItems is a door too: unnormalized or invalid items are refused there as well.
    const QList<RequestResult> items = m_service->requestItems({ { username, source } });
    QCOMPARE(items.constFirst().outcome, Outcome::Invalid);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
}

void TestRequestService::defaultSourceIsFrontend()
{
    QCOMPARE(m_service->request(QStringLiteral("src")).outcome, Outcome::Queued);
    QCOMPARE(str(QStringLiteral("SELECT source FROM queue")), QStringLiteral("frontend"));
}

void TestRequestService::commitIsDurableAndVisible()
{
    QSqlDatabase db = m_service->database().value;
    QSqlQuery q(db);
    if (Test::engine() == DatabaseConfig::Engine::SQLite) {
        QVERIFY(q.exec(QStringLiteral("PRAGMA synchronous")) && q.next());
        QCOMPARE(q.value(0).toInt(), 2); // FULL
        QVERIFY(q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("wal"));
    } else {
        // Even a server configured for speed over durability is made to flush each commit:
        // inside the request's own transaction (SET LOCAL), since behind a transaction pooler
        // a session setting would land in some other client's server session. A trigger
        // records what the inserting transaction runs with.
        QVERIFY(m_db->exec(QStringLiteral("ALTER DATABASE \"%1\" SET synchronous_commit = off")
                               .arg(m_db->config().databaseName)));
        QVERIFY(m_db->exec(QStringLiteral("CREATE TABLE seen_setting (value text)")));
        QVERIFY(m_db->exec(QStringLiteral(
            "CREATE FUNCTION record_setting() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
            "INSERT INTO seen_setting VALUES (current_setting('synchronous_commit')); "
            "RETURN NEW; END$$")));
        QVERIFY(m_db->exec(QStringLiteral("CREATE TRIGGER record_setting AFTER INSERT ON queue "
                                          "FOR EACH ROW EXECUTE FUNCTION record_setting()")));
        m_service->close();
        db = m_service->database().value;
        q = QSqlQuery(db);
        if (Test::pooler() == Test::Pooler::None) {
            // The app leaves its session as the server set it up (a new server session here).
            QVERIFY(q.exec(QStringLiteral("SHOW synchronous_commit")) && q.next());
            QCOMPARE(q.value(0).toString(), QStringLiteral("off"));
        }
        QVERIFY(q.exec(QStringLiteral("SHOW fsync")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("on"));
    }
    q.finish();
    // Queued means committed: another connection sees the row the moment the call returns,
    // and no transaction is left open on the service's connection.
    const RequestResult r = m_service->request(QStringLiteral("durable"));
    QCOMPARE(r.outcome, Outcome::Queued);
    if (Test::engine() == DatabaseConfig::Engine::PostgreSQL)
        QCOMPARE(str(QStringLiteral("SELECT string_agg(value, ',') FROM seen_setting")),
            QStringLiteral("on"));
    if (Test::engine() == DatabaseConfig::Engine::PostgreSQL &&
        Test::pooler() == Test::Pooler::None) {
        // Nor is a named statement left in the session, by any of the service's statements.
        QVERIFY(m_service->status(QStringLiteral("durable")).ok);
        const QList<std::optional<RequestResult>> resolved =
            m_service
                ->resolveWithoutWrite({ { QStringLiteral("durable"), QStringLiteral("frontend") } })
                .results;
        QCOMPARE(resolved.size(), 1);
        QVERIFY(resolved.first().has_value());
        q = QSqlQuery(m_service->database().value);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM pg_prepared_statements")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        q.finish();
    }
    QCOMPARE(
        count(
            QStringLiteral("SELECT COUNT(*) FROM queue WHERE request_id = '%1'").arg(r.requestId)),
        1);
    if (Test::engine() == DatabaseConfig::Engine::PostgreSQL) {
        // Only this test's database: other tests run beside this one on the same server.
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM pg_stat_activity WHERE state LIKE "
                                      "'idle in transaction%' AND datname = current_database()")) &&
            q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }
}

void TestRequestService::batchMixesAllOutcomesInOrder()
{
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('proc')")));
    seedQueue(QStringLiteral("waits"), QStringLiteral("PENDING"), QStringLiteral("LOW"));
    const QString text = QStringLiteral("new_one, @Proc\nwaits;bad..name\tNEW_ONE\n"
                                        "https://instagram.com/another/?igsh=x\n\n  waits ");
    const BulkParseResult parsed = BulkParser::parse(text);
    const QList<RequestResult> results = m_service->requestBulk(parsed, QStringLiteral("bulk"));
    const QList<Outcome> expected = { Outcome::Queued, Outcome::AlreadyProcessed,
        Outcome::AlreadyQueued, Outcome::Invalid, Outcome::DuplicateInBatch, Outcome::Queued,
        Outcome::DuplicateInBatch };
    QCOMPARE(results.size(), expected.size());
    for (int i = 0; i < expected.size(); ++i)
        QVERIFY2(results[i].outcome == expected[i],
            qPrintable(QStringLiteral("entry %1 (%2): %3")
                           .arg(i)
                           .arg(results[i].input, outcomeName(results[i].outcome))));
    QCOMPARE(results[0].username, QStringLiteral("new_one"));
    QCOMPARE(results[5].username, QStringLiteral("another"));
    QCOMPARE(results[0].line, 1);
    QCOMPARE(results[3].line, 2);
    QCOMPARE(results[6].line, 5);
    // A repeat names the input it repeats by its number (waits: the third input, on line 2).
    QCOMPARE(results[4].message, QStringLiteral("Repeats new_one from input 1 of this batch"));
    QCOMPARE(results[6].message, QStringLiteral("Repeats waits from input 3 of this batch"));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 3);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE source = 'bulk'")), 2);
    QCOMPARE(str(QStringLiteral("SELECT priority FROM queue WHERE username = 'waits'")),
        QStringLiteral("HIGH"));
}

void TestRequestService::repeatsInOneCallAnswerOnce()
{
    const QList<RequestResult> results =
        m_service->requestItems({ { QStringLiteral("twice"), QStringLiteral("a") },
            { QStringLiteral("twice"), QStringLiteral("b") } });
    QCOMPARE(results[0].outcome, Outcome::Queued);
    QCOMPARE(results[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
}

void TestRequestService::chunkedBatchReportsProgressAndCancels()
{
    QList<RequestItem> items;
    for (int i = 0; i < 2500; ++i)
        items.append({ QStringLiteral("user%1").arg(i), QStringLiteral("chunks") });

    QList<int> progress;
    std::atomic_bool cancel { false };
    BatchOptions options;
    options.chunkSize = 500;
    options.cancel = &cancel;
    options.progress = [&](int done, int total) {
        QCOMPARE(total, 2500);
        progress.append(done);
        if (done >= 1000)
            cancel = true;
    };
    const QList<RequestResult> results = m_service->requestItems(items, options);
    QCOMPARE(progress, (QList<int> { 500, 1000, 1500, 2000, 2500 }));
    int queued = 0;
    int cancelled = 0;
    for (int i = 0; i < results.size(); ++i) {
        if (i < 1000)
            QCOMPARE(results[i].outcome, Outcome::Queued);
        else
            QCOMPARE(results[i].outcome, Outcome::Cancelled);
        queued += results[i].outcome == Outcome::Queued;
        cancelled += results[i].outcome == Outcome::Cancelled;
    }
    QCOMPARE(queued, 1000);
    QCOMPARE(cancelled, 1500);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1000);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'user999'")), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'user1000'")), 0);
}

void TestRequestService::largeBatch()
{
    // 30,000 lines: a third already processed, a third repeats, the rest new.
    QStringList lines;
    QSqlDatabase db = m_db->connection();
    QVERIFY(db.transaction());
    {
        QSqlQuery insert(db);
        QVERIFY(
            insert.prepare(QStringLiteral("INSERT INTO primary_profiles (username) VALUES (?)")));
        for (int i = 0; i < 10000; ++i) {
            insert.addBindValue(QStringLiteral("done%1").arg(i));
            QVERIFY(insert.exec());
        }
    }
    QVERIFY(db.commit());
    for (int i = 0; i < 10000; ++i) {
        lines << QStringLiteral("fresh%1").arg(i) << QStringLiteral("done%1").arg(i)
              << QStringLiteral("FRESH%1").arg(i);
    }
    const QList<RequestResult> results =
        m_service->requestBulk(BulkParser::parse(lines.join(QLatin1Char('\n'))), {});
    QCOMPARE(results.size(), 30000);
    for (int i = 0; i < 10000; ++i) {
        QCOMPARE(results[3 * i].outcome, Outcome::Queued);
        QCOMPARE(results[3 * i + 1].outcome, Outcome::AlreadyProcessed);
        QCOMPARE(results[3 * i + 2].outcome, Outcome::DuplicateInBatch);
    }
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 10000);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(DISTINCT request_id) FROM queue")), 10000);
}

void TestRequestService::statusReportsEachState()
{
    ProfileStatus s = m_service->status(QStringLiteral("nobody"));
    QVERIFY(s.ok);
    QCOMPARE(s.status, QStringLiteral("NOT_FOUND"));
    QVERIFY(!s.completed);

    seedQueue(QStringLiteral("failing"), QStringLiteral("FAILED"), QStringLiteral("LOW"));
    s = m_service->status(QStringLiteral("@Failing"));
    QVERIFY(s.ok);
    QCOMPARE(s.status, QStringLiteral("FAILED"));
    QCOMPARE(s.attempts, 2);

    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done')")));
    s = m_service->status(QStringLiteral("done"));
    QVERIFY(s.completed);
    QCOMPARE(s.status, QStringLiteral("COMPLETED"));

    s = m_service->status(QStringLiteral("bad..name"));
    QVERIFY(!s.ok);
    QVERIFY(!s.error.isEmpty());
}

void TestRequestService::unreachableDatabaseIsAnError()
{
    QString error;
    RequestService dead(unreachableConfig());
    QElapsedTimer timer;
    timer.start();
    const RequestResult r = dead.request(QStringLiteral("someone"));
    QCOMPARE(r.outcome, Outcome::Error);
    QVERIFY2(r.message.contains(QLatin1String("unavailable")), qPrintable(r.message));
    QVERIFY(r.requestId.isEmpty());
    QVERIFY2(timer.elapsed() < 5000, "a dead database must fail fast");
    const Result pinged = dead.ping();
    QVERIFY(!pinged.ok);
    QVERIFY(!pinged.error.isEmpty());
    const QList<RequestResult> batch =
        dead.requestItems({ { QStringLiteral("a"), QStringLiteral("s") },
            { QStringLiteral("b"), QStringLiteral("s") } });
    QCOMPARE(batch[0].outcome, Outcome::Error);
    QCOMPARE(batch[1].outcome, Outcome::Error);
}

void TestRequestService::resolveWithoutWriteAnswersOnlyWhatNeedsNoWrite()
{
    // The endpoint's triage: what it answers must be exactly what requestItems() would
    // answer, and requestItems() must then write nothing for it. The rest is left to it.
    QVERIFY(m_db->exec(QStringLiteral(
        "INSERT INTO primary_profiles (username) VALUES ('done'), ('OldStar'), ('queued_too')")));
    seedQueue(QStringLiteral("high"), QStringLiteral("PENDING"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("busy_low"), QStringLiteral("PROCESSING"), QStringLiteral("LOW"));
    seedQueue(QStringLiteral("busy_high"), QStringLiteral("PROCESSING"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("low"), QStringLiteral("PENDING"), QStringLiteral("LOW"));
    seedQueue(QStringLiteral("finished"), QStringLiteral("COMPLETED"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("failed"), QStringLiteral("FAILED"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("queued_too"), QStringLiteral("PENDING"), QStringLiteral("HIGH"));
    // Legacy mixed-case rows (an adopted database): "twin" waits at HIGH, but its variant
    // "Twin" waits at LOW and would be raised; "Legacy" waits only as a mixed-case row.
    seedQueue(QStringLiteral("twin"), QStringLiteral("PENDING"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("Twin"), QStringLiteral("PENDING"), QStringLiteral("LOW"));
    seedQueue(QStringLiteral("Legacy"), QStringLiteral("PENDING"), QStringLiteral("HIGH"));

    const std::optional<Outcome> none;
    const QList<std::pair<RequestItem, std::optional<Outcome>>> cases = {
        { { QStringLiteral("done"), QStringLiteral("web") }, Outcome::AlreadyProcessed },
        { { QStringLiteral("oldstar"), QStringLiteral("web") }, Outcome::AlreadyProcessed },
        // Processed wins over a waiting row, as in requestItems().
        { { QStringLiteral("queued_too"), QStringLiteral("web") }, Outcome::AlreadyProcessed },
        { { QStringLiteral("high"), QStringLiteral("web") }, Outcome::AlreadyQueued },
        { { QStringLiteral("busy_low"), QStringLiteral("web") }, Outcome::AlreadyQueued },
        { { QStringLiteral("busy_high"), QStringLiteral("web") }, Outcome::AlreadyQueued },
        { { QStringLiteral("high"), QStringLiteral("web") }, Outcome::AlreadyQueued }, // repeat
        { { QStringLiteral("low"), QStringLiteral("web") }, none }, // to be raised: a write
        { { QStringLiteral("twin"), QStringLiteral("web") }, none }, // "Twin" to be raised
        { { QStringLiteral("legacy"), QStringLiteral("web") }, none }, // left to requestItems
        { { QStringLiteral("finished"), QStringLiteral("web") }, none }, // a new row
        { { QStringLiteral("failed"), QStringLiteral("web") }, none },
        { { QStringLiteral("brand_new"), QStringLiteral("web") }, none },
        { { QStringLiteral("High"), QStringLiteral("web") }, none }, // not normalized
        { { QStringLiteral("high"), QStringLiteral("bad source!") }, none }, // invalid source
    };
    QList<RequestItem> items;
    for (const auto &c : cases)
        items.append(c.first);

    const QString snapshot = QStringLiteral(
        "SELECT COUNT(*) || ':' || COALESCE(SUM(CASE WHEN priority = 'HIGH' THEN 1 ELSE 0 END), 0) "
        "|| ':' || COALESCE(MAX(updated_at), '') FROM queue");
    const QString before = str(snapshot);
    const ResolvedRequests triaged = m_service->resolveWithoutWrite(items);
    QVERIFY2(triaged.ok, qPrintable(triaged.error));
    QList<std::optional<RequestResult>> resolved = triaged.results;
    QCOMPARE(resolved.size(), items.size());
    QCOMPARE(str(snapshot), before); // it only reads

    QList<int> answered;
    for (int i = 0; i < cases.size(); ++i) {
        const RequestItem &item = cases[i].first;
        const std::optional<Outcome> &expected = cases[i].second;
        QVERIFY2(resolved[i].has_value() == expected.has_value(),
            qPrintable(QStringLiteral("%1 (%2)").arg(item.username, item.source)));
        if (!expected)
            continue;
        QCOMPARE(resolved[i]->outcome, *expected);
        QCOMPARE(resolved[i]->username, item.username);
        QCOMPARE(resolved[i]->source, item.source);
        QCOMPARE(resolved[i]->message, outcomeMessage(*expected, item.username));
        QVERIFY(resolved[i]->requestId.isEmpty());
        answered.append(i);
    }

    // requestItems() agrees one by one (a batch would answer repeats as repeats) and writes
    // nothing for them.
    for (const int i : std::as_const(answered)) {
        const QList<RequestResult> direct = m_service->requestItems({ items[i] });
        QCOMPARE(direct.size(), 1);
        QCOMPARE(direct[0].outcome, resolved[i]->outcome);
        QCOMPARE(direct[0].message, resolved[i]->message);
    }
    QCOMPARE(str(snapshot), before);

    // Once "low" has been raised by requestItems(), a read alone answers it too.
    QCOMPARE(
        m_service->requestItems({ { QStringLiteral("low"), QStringLiteral("web") } })[0].outcome,
        Outcome::AlreadyQueued);
    const ResolvedRequests again =
        m_service->resolveWithoutWrite({ { QStringLiteral("low"), QStringLiteral("web") } });
    QVERIFY(again.ok);
    resolved = again.results;
    QVERIFY(resolved[0].has_value());
    QCOMPARE(resolved[0]->outcome, Outcome::AlreadyQueued);
}

void TestRequestService::walGatheringIsOptIn()
{
    // SQLite's own I/O path by default; the WAL-gathering VFS only when the environment asks
    // (the _gatherwal run of this test sets VIRALSPOT_SQLITE_GATHER_WAL=1).
    const bool wanted = qEnvironmentVariableIntValue("VIRALSPOT_SQLITE_GATHER_WAL") != 0;
    QCOMPARE(SqliteWal::enabled(), wanted);
    QCOMPARE(m_service->request(QStringLiteral("optin")).outcome, Outcome::Queued);
    const bool sqlite = Test::engine() == DatabaseConfig::Engine::SQLite;
    QCOMPARE(SqliteWal::statistics().writes > 0, wanted && sqlite);
}

void TestRequestService::resolveWithoutWriteOnADeadDatabase()
{
    RequestService dead(unreachableConfig());
    const ResolvedRequests resolved =
        dead.resolveWithoutWrite({ { QStringLiteral("someone"), QStringLiteral("web") } });
    QVERIFY(!resolved.ok);
    QVERIFY(!resolved.error.isEmpty());
    QCOMPARE(resolved.results.size(), 1);
    QVERIFY(!resolved.results[0].has_value());
}

void TestRequestService::pausedRowIsMentioned()
{
    // An admin paused a request; someone asks for the profile again. The outcome stays
    // "queued" (a PAUSED row is not active), and the answer says a paused request exists.
    seedQueue(QStringLiteral("held"), QStringLiteral("PAUSED"), QStringLiteral("HIGH"));
    seedQueue(QStringLiteral("Held_Old"), QStringLiteral("PAUSED"), QStringLiteral("LOW"));
    const QString contract =
        QStringLiteral("Profile held has been added to the high priority queue");
    const RequestResult r = m_service->request(QStringLiteral("@Held"));
    QCOMPARE(r.outcome, Outcome::Queued);
    QVERIFY(r.pausedRowExists);
    QVERIFY2(r.message.startsWith(contract + QStringLiteral(". Note: ")), qPrintable(r.message));
    QVERIFY2(
        r.message.contains(QStringLiteral("paused (an admin paused it)")), qPrintable(r.message));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'held' AND "
                                  "status = 'PAUSED'")),
        1); // left alone
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'held' AND "
                                  "status = 'PENDING'")),
        1);

    // A bulk text: the legacy mixed-case row counts, a name without a paused row gets no note.
    const QList<RequestResult> bulk = m_service->requestBulk(
        BulkParser::parse(QStringLiteral("held_old\nfree_one"), BulkParser::Format::Text), {});
    QCOMPARE(bulk.size(), 2);
    QCOMPARE(bulk[0].outcome, Outcome::Queued);
    QVERIFY(bulk[0].pausedRowExists);
    QVERIFY(bulk[0].message.contains(QStringLiteral("held_old is paused")));
    QCOMPARE(bulk[1].outcome, Outcome::Queued);
    QVERIFY(!bulk[1].pausedRowExists);
    QCOMPARE(bulk[1].message,
        QStringLiteral("Profile free_one has been added to the high priority queue"));

    // The audit entry counts it, readably.
    const AuditEntry entry = AuditLog::submissionEntry(QStringLiteral("terminal"), bulk);
    QCOMPARE(entry.details.value(QStringLiteral("queued")).toInt(), 2);
    QCOMPARE(entry.details.value(QStringLiteral("queued_beside_paused")).toInt(), 1);
    QVERIFY(AuditLog::describeDetails(entry.details)
                .contains(QStringLiteral("queued beside a paused request: 1")));

    // Asked again while the new row waits: already queued, as before.
    QCOMPARE(m_service->request(QStringLiteral("held")).outcome, Outcome::AlreadyQueued);

    // Turned off (the endpoint, whose messages are fixed): the contract message alone.
    seedQueue(QStringLiteral("quiet"), QStringLiteral("PAUSED"), QStringLiteral("HIGH"));
    BatchOptions options;
    options.notePausedRows = false;
    const QList<RequestResult> plain =
        m_service->requestItems({ { QStringLiteral("quiet"), QStringLiteral("b") } }, options);
    QCOMPARE(plain[0].outcome, Outcome::Queued);
    QVERIFY(!plain[0].pausedRowExists);
    QCOMPARE(plain[0].message,
        QStringLiteral("Profile quiet has been added to the high priority queue"));
}

QTEST_GUILESS_MAIN(TestRequestService)
#include "tst_requestservice.moc"
