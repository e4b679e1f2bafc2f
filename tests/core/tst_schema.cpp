// Migrations on the engine named by VIRALSPOT_TEST_ENGINE: an empty database, an adopted
// ViralSpot database, and one that already holds duplicate active rows.

#include "core/batches/batches.h"
#include "core/database.h"
#include "core/requestservice.h"
#include "core/schema.h"
#include "tests/support/simworker.h"
#include "tests/support/testdatabase.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestSchema : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void emptyDatabaseGetsTheWholeSchema();
    void migrateTwiceChangesNothing();
    void finishedRowsIndexServesTheCompletionRate();
    void waitingOrderIndexServesTheClaimAndThePosition();
    void adoptsAnExistingViralSpotDatabase();
    void addsMissingColumnsOnly();
    void duplicateActiveRowsAreReportedAndRepaired();

private:
    bool pg() const { return Test::engine() == DatabaseConfig::Engine::PostgreSQL; }
    int count(const QString &sql) { return m_db->scalar(sql).toInt(); }
    void createViralSpotTables(bool withAllColumns);
    // The plan of `sql` in *plan; false (and the error in *plan) when it cannot be explained.
    bool planOf(const QString &sql, const QVariantList &values, QString *plan);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestSchema::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
}

void TestSchema::cleanup()
{
    m_db.reset();
}

// The shape of the original ViralSpot tables, with columns this app does not know about.
void TestSchema::createViralSpotTables(bool withAllColumns)
{
    const QString id = pg() ? QStringLiteral("UUID PRIMARY KEY DEFAULT gen_random_uuid()")
                            : QStringLiteral("TEXT PRIMARY KEY");
    const QString ts = pg() ? QStringLiteral("TIMESTAMPTZ") : QStringLiteral("TEXT");
    QString queue = QStringLiteral("CREATE TABLE queue (id %1, username VARCHAR(255) NOT NULL, "
                                   "source VARCHAR(100), priority VARCHAR(10), status VARCHAR(20), "
                                   "worker_id VARCHAR(64), ")
                        .arg(id);
    if (withAllColumns)
        queue += QStringLiteral("attempts INTEGER DEFAULT 0, last_attempt %1, error_message TEXT, "
                                "request_id VARCHAR(50) UNIQUE, timestamp %1, ")
                     .arg(ts);
    queue += QStringLiteral("created_at %1, updated_at %1)").arg(ts);
    QVERIFY(m_db->exec(queue));
    QVERIFY(m_db->exec(QStringLiteral("CREATE TABLE primary_profiles (id %1, username VARCHAR(255) "
                                      "UNIQUE NOT NULL, profile_name TEXT, bio TEXT, followers "
                                      "BIGINT, posts_count INTEGER, is_verified BOOLEAN, "
                                      "created_at %2, updated_at %2)")
                           .arg(id, ts)));
}

void TestSchema::emptyDatabaseGetsTheWholeSchema()
{
    QSqlDatabase db = m_db->connection();
    QCOMPARE(Schema::currentVersion(db), 0);
    const Schema::MigrationResult result = Schema::migrate(db);
    QVERIFY2(result.ok, qPrintable(result.error));
    QVERIFY(result.readyForRequests());
    QCOMPARE(result.fromVersion, 0);
    QCOMPARE(result.toVersion, Schema::latestVersion());
    QCOMPARE(Schema::currentVersion(db), Schema::latestVersion());

    const QStringList tables = db.tables();
    QVERIFY(tables.contains(QStringLiteral("queue")));
    QVERIFY(tables.contains(QStringLiteral("primary_profiles")));
    QVERIFY(tables.contains(QStringLiteral("audit_log")));
    const QSqlRecord queue = db.record(QStringLiteral("queue"));
    for (const char *column :
        { "id", "username", "source", "priority", "status", "attempts", "last_attempt",
            "error_message", "request_id", "timestamp", "created_at", "updated_at" })
        QVERIFY2(queue.indexOf(QLatin1String(column)) >= 0, column);
    const QSqlRecord profiles = db.record(QStringLiteral("primary_profiles"));
    for (const char *column :
        { "id", "username", "profile_name", "followers", "created_at", "updated_at" })
        QVERIFY2(profiles.indexOf(QLatin1String(column)) >= 0, column);

    // The database itself refuses a second active row, whoever writes it.
    const QString idA = pg() ? QStringLiteral("gen_random_uuid()") : QStringLiteral("'a'");
    const QString idB = pg() ? QStringLiteral("gen_random_uuid()") : QStringLiteral("'b'");
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO queue (id, username, priority, status) "
                                      "VALUES (%1, 'x', 'HIGH', 'PENDING')")
                           .arg(idA)));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("SQL failed")));
    QVERIFY(!m_db->exec(QStringLiteral("INSERT INTO queue (id, username, priority, status) "
                                       "VALUES (%1, 'x', 'LOW', 'PROCESSING')")
                            .arg(idB)));
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO queue (id, username, priority, status) "
                                      "VALUES (%1, 'x', 'LOW', 'FAILED')")
                           .arg(idB)));
}

void TestSchema::migrateTwiceChangesNothing()
{
    QSqlDatabase db = m_db->connection();
    QVERIFY(Schema::migrate(db).ok);
    const Schema::MigrationResult again = Schema::migrate(db);
    QVERIFY(again.ok);
    QCOMPARE(again.fromVersion, Schema::latestVersion());
    QCOMPARE(again.toVersion, Schema::latestVersion());
    // One row per step (their numbers need not be consecutive on a branch).
    const bool postgres = Database::isPostgres(db);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM viralspot_schema_version")),
        int(Schema::plan(QSqlDatabase(), postgres).steps.size()));
    // Step 7: the queue's three statement triggers on PostgreSQL, once; none on SQLite.
    QCOMPARE(count(postgres ? QStringLiteral("SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = "
                                             "'queue'::regclass AND NOT tgisinternal")
                            : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = "
                                             "'trigger'")),
        postgres ? 3 : 0);
}

// Step 8: the ETA's completion rate (Batches::completionRateSql, the statement measureRate
// runs) is answered from the partial index of finished rows, not by a scan of the queue or a
// walk of every finished row through the (status, priority) index; the engine can only use the
// index when the query's status predicate implies the index's.
void TestSchema::finishedRowsIndexServesTheCompletionRate()
{
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult result = Schema::migrate(db);
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(
        count(pg() ? QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname = "
                                    "'queue_finished_updated_at_idx' AND indexdef LIKE "
                                    "'%WHERE%COMPLETED%FAILED%'")
                   : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = "
                                    "'index' AND name = 'queue_finished_updated_at_idx' "
                                    "AND sql LIKE '%WHERE status IN (''COMPLETED'',''FAILED'')'")),
        1);
    const QVariantList window { QStringLiteral("2026-12-02T10:00:00.000Z"),
        QStringLiteral("2026-12-02T10:15:00.000Z") };
    QString shown;
    QVERIFY2(planOf(pg() ? Batches::completionRateSql(db).replace(
                               QLatin1String("?"), QLatin1String("?::timestamptz"))
                         : Batches::completionRateSql(db),
                 window, &shown),
        qPrintable(shown));
    QVERIFY2(shown.contains(QLatin1String("queue_finished_updated_at_idx")), qPrintable(shown));
    QVERIFY2(!shown.contains(QLatin1String("queue_status_priority_idx")), qPrintable(shown));

    // Without the index (dropped by hand), the rate is still measured (SQLite names the index
    // in the statement, and falls back to the plain one).
    QVERIFY(
        m_db->exec(QStringLiteral("INSERT INTO queue (id, username, priority, status) VALUES "
                                  "(%1, 'waiting', 'HIGH', 'PENDING')")
                       .arg(pg() ? QStringLiteral("gen_random_uuid()") : QStringLiteral("'w1'"))));
    QVERIFY(m_db->exec(QStringLiteral("DROP INDEX queue_finished_updated_at_idx")));
    const EtaEstimate eta = Batches::etaForProfile(db, QStringLiteral("waiting"));
    QVERIFY2(eta.ok, qPrintable(eta.error));
    QVERIFY(!eta.eta); // no row finished: unknown
    QVERIFY2(eta.why.contains(QLatin1String("idle")), qPrintable(eta.why));
}

// The plan the engine chooses for `sql`, one line a node. PostgreSQL: an empty table is scanned
// whatever its indexes, so a sequential scan is forbidden and the plan shows whether an index can
// serve the query at all. SQLite: without statistics (the app never runs ANALYZE), as in a real
// file.
bool TestSchema::planOf(const QString &sql, const QVariantList &values, QString *plan)
{
    QSqlDatabase db = m_db->connection();
    QSqlQuery q(db);
    QStringList lines;
    QSqlError error;
    if (pg()) {
        if (!q.exec(QStringLiteral("BEGIN")) ||
            !q.exec(QStringLiteral("SET LOCAL enable_seqscan = off"))) {
            *plan = q.lastError().text();
            return false;
        }
        if (Database::exec(q, QStringLiteral("EXPLAIN ") + sql, values, &error)) {
            while (q.next())
                lines << q.value(0).toString();
        }
        q.exec(QStringLiteral("ROLLBACK"));
    } else if (Database::exec(q, QStringLiteral("EXPLAIN QUERY PLAN ") + sql, values, &error)) {
        while (q.next())
            lines << q.value(3).toString();
    }
    // A statement that cannot be explained fails the test, whatever its error text names.
    *plan = error.isValid() ? error.text() : lines.join(QLatin1Char('\n'));
    return !error.isValid() && !lines.isEmpty();
}

// Step 9 (PostgreSQL): the original workers' claim and the ETA's position of a profile read the
// waiting rows in the workers' order from the partial index of the waiting rows: no sort of
// every waiting row for a claim, no scan of the queue for a position. SQLite gets no such index
// (its planner would not use it for the claim: the plan shows why).
void TestSchema::waitingOrderIndexServesTheClaimAndThePosition()
{
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult result = Schema::migrate(db);
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(count(pg() ? QStringLiteral("SELECT COUNT(*) FROM pg_indexes WHERE indexname = "
                                         "'queue_waiting_order_idx' AND indexdef LIKE "
                                         "'%(priority, \"timestamp\") WHERE%PENDING%'")
                        : QStringLiteral("SELECT COUNT(*) FROM sqlite_master WHERE type = "
                                         "'index' AND name = 'queue_waiting_order_idx' AND sql "
                                         "LIKE '%(priority, \"timestamp\") WHERE%PENDING%'")),
        1);
    // The original worker's choice of the next row, as it runs.
    const QString claimSql = Test::SimWorker::nextRowSql(db);
    if (!pg()) {
        // SQLite (step 10) still takes the (status, priority) index for the claim: the original
        // worker's plan is unchanged; the app's own reads name the index.
        QString claim;
        QVERIFY2(planOf(claimSql, {}, &claim), qPrintable(claim));
        QVERIFY2(claim.contains(QLatin1String("queue_status_priority_idx")), qPrintable(claim));
        QString position;
        QVERIFY2(planOf(Batches::profilePositionSql(db), { QStringLiteral("x") }, &position),
            qPrintable(position));
        QVERIFY2(position.contains(QLatin1String("USING INDEX queue_waiting_order_idx")),
            qPrintable(position));
        QString places;
        QVERIFY2(planOf(Batches::countsAndPlacesSql(db, 2),
                     { QStringLiteral("x"), QStringLiteral("y") }, &places),
            qPrintable(places));
        QVERIFY2(
            places.contains(QLatin1String("queue_waiting_order_idx ((priority,timestamp)>(?,?) AND "
                                          "(priority,timestamp)<(?,?))")),
            qPrintable(places));
        return;
    }
    QString claim;
    QVERIFY2(planOf(claimSql, {}, &claim), qPrintable(claim));
    QVERIFY2(claim.contains(QLatin1String("queue_waiting_order_idx")), qPrintable(claim));
    QVERIFY2(!claim.contains(QLatin1String("Sort")), qPrintable(claim));
    // The position of one profile: the statement the single route's `eta` runs.
    QString position;
    QVERIFY2(planOf(Batches::profilePositionSql(db),
                 { QStringLiteral("00000000-0000-0000-0000-000000000001") }, &position),
        qPrintable(position));
    QVERIFY2(position.contains(QLatin1String("queue_waiting_order_idx")), qPrintable(position));
    // The places of a page of batches (the list, the detail, etaForBatch): each batch counts
    // the waiting rows between the previous batch's last waiting row and its own, a range of
    // the index bounded on both sides (not a count from the first waiting row).
    QString places;
    QVERIFY2(planOf(Batches::countsAndPlacesSql(db, 2),
                 { QStringLiteral("00000000-0000-0000-0000-000000000001"),
                     QStringLiteral("00000000-0000-0000-0000-000000000002") },
                 &places),
        qPrintable(places));
    const QStringList conditions =
        places.split(QLatin1Char('\n')).filter(QLatin1String("Index Cond"));
    bool bothBounds = false;
    for (const QString &line : conditions)
        bothBounds = bothBounds ||
            (line.contains(QLatin1String("ROW(priority, \"timestamp\") >")) &&
                line.contains(QLatin1String("ROW(priority, \"timestamp\") <=")));
    QVERIFY2(places.contains(QLatin1String("queue_waiting_order_idx")), qPrintable(places));
    QVERIFY2(bothBounds, qPrintable(places));
}

void TestSchema::adoptsAnExistingViralSpotDatabase()
{
    createViralSpotTables(true);
    const QString id = pg() ? QStringLiteral("gen_random_uuid()") : QStringLiteral("'old1'");
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO queue (id, username, source, priority, status, "
                                      "worker_id, attempts, request_id) VALUES (%1, 'legacy', "
                                      "'scraper', 'LOW', 'PROCESSING', 'w-7', 3, 'legacy-req')")
                           .arg(id)));
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username, bio, followers) "
                                      "VALUES ('famous', 'hello', 1000)")));

    RequestService service(m_db->config());
    QString error;
    const Result opened = service.open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
    // Extra columns and existing rows are untouched.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT worker_id FROM queue WHERE username = 'legacy'"))
                 .toString(),
        QStringLiteral("w-7"));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT bio FROM primary_profiles")).toString(),
        QStringLiteral("hello"));
    QCOMPARE(service.request(QStringLiteral("famous")).outcome, Outcome::AlreadyProcessed);
    QCOMPARE(service.request(QStringLiteral("legacy")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(service.request(QStringLiteral("newbie")).outcome, Outcome::Queued);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 2);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT attempts FROM queue WHERE username = 'legacy'"))
                 .toInt(),
        3);
}

void TestSchema::addsMissingColumnsOnly()
{
    createViralSpotTables(false);
    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult result = Schema::migrate(db);
    QVERIFY2(result.ok, qPrintable(result.error));
    const QSqlRecord queue = db.record(QStringLiteral("queue"));
    for (const char *column :
        { "attempts", "last_attempt", "error_message", "request_id", "timestamp", "worker_id" })
        QVERIFY2(queue.indexOf(QLatin1String(column)) >= 0, column);
}

void TestSchema::duplicateActiveRowsAreReportedAndRepaired()
{
    createViralSpotTables(true);
    // What the original check-then-insert endpoint could leave behind.
    const QStringList rows = {
        QStringLiteral("('d1', 'dup', 'PENDING', '2024-01-01T10:00:00Z')"),
        QStringLiteral("('d2', 'dup', 'PENDING', '2024-01-01T09:00:00Z')"), // oldest: kept
        QStringLiteral("('d3', 'dup', 'PROCESSING', '2024-01-01T11:00:00Z')"),
        QStringLiteral("('d4', 'dup', 'FAILED', '2023-01-01T11:00:00Z')"),
        // As typed into the original endpoint: "Twin" and "twin" are one profile (contract:
        // Usernames).
        QStringLiteral("('e1', 'Twin', 'PENDING', '2024-02-01T10:00:00Z')"),
        QStringLiteral("('e2', 'twin', 'PENDING', '2024-02-02T10:00:00Z')"),
        QStringLiteral("('f1', 'single', 'PENDING', '2024-02-02T10:00:00Z')"),
    };
    QMap<QString, QString> ids; // our label -> real id
    for (const QString &row : rows) {
        QString values = row;
        const QString label = row.mid(2, 2);
        if (pg()) {
            const QString uuid =
                QStringLiteral("00000000-0000-0000-0000-0000000000%1").arg(ids.size() + 10);
            values.replace(QStringLiteral("'%1'").arg(label), QStringLiteral("'%1'").arg(uuid));
            ids.insert(label, uuid);
        } else {
            ids.insert(label, label);
        }
        QVERIFY(m_db->exec(QStringLiteral("INSERT INTO queue (id, username, status, created_at) "
                                          "VALUES ") +
            values));
    }

    QSqlDatabase db = m_db->connection();
    const Schema::MigrationResult result = Schema::migrate(db);
    QVERIFY(result.ok);
    QVERIFY(!result.readyForRequests());
    QCOMPARE(result.duplicates.usernames, 2);
    QCOMPARE(result.duplicates.extraRows, 3);

    // Requests are refused, with a message saying what to do; reading works.
    RequestService service(m_db->config());
    QString error;
    const Result opened = service.open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
    QVERIFY(service.repairRequired());
    const RequestResult refused = service.request(QStringLiteral("someone"));
    QCOMPARE(refused.outcome, Outcome::Error);
    QCOMPARE(refused.errorKind, ErrorKind::RepairRequired);
    QVERIFY2(refused.message.contains(QLatin1String("duplicate active rows")),
        qPrintable(refused.message));
    QVERIFY(refused.message.contains(QLatin1String("viralspot-admin repair-duplicates --apply")));
    QVERIFY(service.status(QStringLiteral("dup")).ok);

    const Schema::RepairResult repair = Schema::repairDuplicates(db);
    QVERIFY2(repair.ok, qPrintable(repair.error));
    QCOMPARE(repair.usernames, 2);
    QCOMPARE(repair.rowsMarkedFailed, 3);

    // Nothing deleted; the oldest active row per username survives; the others name it.
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), rows.size());
    QSqlQuery q(db);
    QVERIFY(q.exec(QStringLiteral("SELECT id, status, error_message FROM queue WHERE "
                                  "lower(username) IN ('dup', 'twin') ORDER BY created_at")));
    QMap<QString, QPair<QString, QString>> byId;
    while (q.next())
        byId.insert(q.value(0).toString(), { q.value(1).toString(), q.value(2).toString() });
    QCOMPARE(byId.value(ids[QStringLiteral("d2")]).first, QStringLiteral("PENDING"));
    QCOMPARE(byId.value(ids[QStringLiteral("e1")]).first, QStringLiteral("PENDING"));
    for (const char *label : { "d1", "d3" }) {
        const auto row = byId.value(ids[QLatin1String(label)]);
        QCOMPARE(row.first, QStringLiteral("FAILED"));
        QVERIFY2(row.second.contains(ids[QStringLiteral("d2")]), qPrintable(row.second));
    }
    QCOMPARE(byId.value(ids[QStringLiteral("e2")]).first, QStringLiteral("FAILED"));
    QVERIFY(byId.value(ids[QStringLiteral("e2")]).second.contains(ids[QStringLiteral("e1")]));
    QVERIFY(byId.value(ids[QStringLiteral("d4")]).second.isEmpty()); // already failed: untouched

    QCOMPARE(Schema::currentVersion(db), Schema::latestVersion());
    const Result reopened = service.open();
    QVERIFY2(reopened.ok, qPrintable(reopened.error));
    QCOMPARE(service.request(QStringLiteral("dup")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(service.request(QStringLiteral("twin")).outcome, Outcome::AlreadyQueued);
    QCOMPARE(service.request(QStringLiteral("someone")).outcome, Outcome::Queued);
}

QTEST_GUILESS_MAIN(TestSchema)
#include "tst_schema.moc"
