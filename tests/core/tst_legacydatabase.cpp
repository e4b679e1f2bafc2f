// The original ViralSpot database (tests/core/legacy_viralspot.sql) as the app meets it: the
// repair it needs first, what every outcome is afterwards, rows the original workers can claim
// and finish, and a database role with rights on rows only. PostgreSQL only: the original runs
// on it (Supabase).

#include "core/auditlog.h"
#include "core/batches/batches.h"
#include "core/bulkparser.h"
#include "core/database.h"
#include "core/ids.h"
#include "core/queueactions.h"
#include "core/queuequery.h"
#include "core/requestservice.h"
#include "core/schema.h"
#include "tests/support/legacyfixture.h"
#include "tests/support/simworker.h"
#include "tests/support/testdatabase.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestLegacyDatabase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void requestsWaitForTheRepairWithTheExactMessage();
    void submitSaysWhatToDo();
    void repairPreviewsThenAppliesAndIsAudited();
    void everyOutcomeIsRightAfterTheRepair();
    void theOriginalWorkerClaimsAndFinishesOurRow();
    void queueBrowserAndActionsOnEnumColumns();
    void batchesOnEnumColumnsAndMixedCaseRows();
    void leastPrivilegeRoleNamesTheMissingGrant();
    void leastPrivilegeRoleOnAnUnmigratedDatabaseNamesTheCommand();
    void printSqlShowsTheMissingStepsWithoutRunningThem();
    void printSqlWithoutADatabase();
    void migrateCommandGrantsTheRole();

private:
    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Run app(const QStringList &args, const QProcessEnvironment &env = cleanEnvironment());
    static QProcessEnvironment cleanEnvironment();
    QString repair(); // repair-duplicates --apply as the owner; returns its output
    // A login role with SELECT, INSERT, UPDATE on queue and primary_profiles only: what a DBA
    // grants an app that "uses those two tables".
    DatabaseConfig makeRowsOnlyRole();
    bool adminExec(const QString &sql);
    QStringList tableNames();

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    QString m_role;
};

void TestLegacyDatabase::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>(DatabaseConfig::Engine::PostgreSQL);
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QString error;
    QVERIFY2(Test::loadLegacyFixture(*m_db, &error), qPrintable(error));
}

void TestLegacyDatabase::cleanup()
{
    m_db.reset(); // drops the database, and with it every grant to the role
    if (!m_role.isEmpty()) {
        adminExec(QStringLiteral("DROP ROLE IF EXISTS %1").arg(m_role));
        m_role.clear();
    }
}

QProcessEnvironment TestLegacyDatabase::cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("VIRALSPOT_DATABASE_URL"));
    return env;
}

TestLegacyDatabase::Run TestLegacyDatabase::app(
    const QStringList &args, const QProcessEnvironment &env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(Test::appBinary(), args);
    Run run;
    if (!p.waitForStarted())
        return run;
    p.closeWriteChannel();
    if (!p.waitForFinished(60000))
        return run;
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = QString::fromUtf8(p.readAllStandardOutput());
    run.err = QString::fromUtf8(p.readAllStandardError());
    return run;
}

QString TestLegacyDatabase::repair()
{
    const Run r = app({ QStringLiteral("repair-duplicates"), QStringLiteral("--apply"),
        QStringLiteral("--database"), m_db->url() });
    if (r.exitCode != 0)
        qWarning() << "repair failed:" << r.exitCode << r.out << r.err;
    return r.exitCode == 0 ? r.out : QString();
}

bool TestLegacyDatabase::adminExec(const QString &sql)
{
    QString error;
    const DatabaseConfig admin =
        DatabaseConfig::fromUrl(qEnvironmentVariable("VIRALSPOT_TEST_PG_URL"), &error);
    const QString name = QStringLiteral("legacy_admin");
    bool ok = false;
    {
        QSqlDatabase db = Database::open(admin, name, &error);
        QSqlQuery q(db);
        ok = db.isOpen() && q.exec(sql);
        if (!ok)
            qWarning() << "admin SQL failed:" << sql << q.lastError().text() << error;
    }
    Database::close(name);
    return ok;
}

DatabaseConfig TestLegacyDatabase::makeRowsOnlyRole()
{
    m_role = QStringLiteral("vs_rows_only_%1")
                 .arg(QRandomGenerator::global()->generate() & 0xffffff, 6, 16, QLatin1Char('0'));
    if (!adminExec(QStringLiteral("CREATE ROLE %1 LOGIN").arg(m_role)) ||
        !m_db->exec(QStringLiteral("GRANT SELECT, INSERT, UPDATE ON queue, primary_profiles TO %1")
                        .arg(m_role)))
        return {};
    DatabaseConfig config = m_db->config();
    config.user = m_role;
    config.password.clear();
    return config;
}

QStringList TestLegacyDatabase::tableNames()
{
    QStringList names;
    QSqlQuery q(m_db->connection());
    q.exec(QStringLiteral("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
                          "c.relnamespace WHERE n.nspname = 'public' ORDER BY relname"));
    while (q.next())
        names << q.value(0).toString();
    return names;
}

void TestLegacyDatabase::requestsWaitForTheRepairWithTheExactMessage()
{
    RequestService service(m_db->config());
    QString error;
    const Result opened = service.open(); // reading works
    QVERIFY2(opened.ok, qPrintable(opened.error));
    QVERIFY(service.repairRequired());

    const QString expected = Schema::repairRequiredMessage({ 1, 1 });
    QVERIFY2(expected.contains(QLatin1String("'viralspot-admin repair-duplicates --apply'")),
        qPrintable(expected));
    QVERIFY2(expected.contains(QLatin1String("window")), qPrintable(expected));
    QVERIFY2(
        expected.contains(QLatin1String("1 usernames with 1 extra rows")), qPrintable(expected));

    for (const QString &name : { QStringLiteral("NatGeo"), QStringLiteral("brandnew") }) {
        const RequestResult r = service.request(name);
        QCOMPARE(r.outcome, Outcome::Error);
        QCOMPARE(r.errorKind, ErrorKind::RepairRequired);
        QCOMPARE(r.message, expected);
    }
    // Read-only answers still work.
    const ProfileStatus status = service.status(QStringLiteral("dupe"));
    QVERIFY2(status.ok, qPrintable(status.error));
    QCOMPARE(status.status, QStringLiteral("PENDING"));
    QVERIFY(service.status(QStringLiteral("natgeo")).completed);
    // Nothing was written.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 7);

    // A repair made elsewhere takes effect without a restart.
    QVERIFY(!repair().isEmpty());
    const RequestResult after = service.request(QStringLiteral("brandnew"));
    QCOMPARE(after.outcome, Outcome::Queued);
    QVERIFY(!service.repairRequired());
}

void TestLegacyDatabase::submitSaysWhatToDo()
{
    const QString expected = Schema::repairRequiredMessage({ 1, 1 });
    const Run r = app({ QStringLiteral("submit"), QStringLiteral("--database"), m_db->url(),
        QStringLiteral("natgeo"), QStringLiteral("someone") });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("submit: ") + expected), qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("someone\terror\t") + expected), qPrintable(r.out));

    // --json keeps standard output to the objects, and still says it on standard error.
    const Run json = app({ QStringLiteral("submit"), QStringLiteral("--json"),
        QStringLiteral("--database"), m_db->url(), QStringLiteral("someone") });
    QCOMPARE(json.exitCode, 2);
    QVERIFY2(json.err.contains(expected), qPrintable(json.err));
    QVERIFY(json.out.startsWith(QLatin1Char('{')));
}

void TestLegacyDatabase::repairPreviewsThenAppliesAndIsAudited()
{
    const QString kept = m_db->scalar(QStringLiteral("SELECT id::text FROM queue WHERE request_id "
                                                     "= 'a1b2c3d4'"))
                             .toString();
    const QString extra = m_db->scalar(QStringLiteral("SELECT id::text FROM queue WHERE "
                                                      "request_id = 'e5f6a7b8'"))
                              .toString();
    QSqlDatabase db = m_db->connection();
    const Schema::RepairPreview listed = Schema::previewRepair(db, 0);
    QVERIFY2(listed.ok, qPrintable(listed.error));
    QCOMPARE(listed.usernames, 1);
    QCOMPARE(listed.extraRows, 1);
    const QList<Schema::DuplicateRow> &rows = listed.rows;
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0].id, extra);
    QCOMPARE(rows[0].keptId, kept);
    QCOMPARE(rows[0].username, QStringLiteral("dupe"));
    QCOMPARE(rows[0].status, QStringLiteral("PENDING"));

    const Run preview =
        app({ QStringLiteral("repair-duplicates"), QStringLiteral("--database"), m_db->url() });
    QCOMPARE(preview.exitCode, 1);
    QVERIFY2(preview.out.contains(QStringLiteral("would mark FAILED: dupe\trow %1").arg(extra)),
        qPrintable(preview.out));
    QVERIFY2(
        preview.out.contains(QStringLiteral("keeps row %1").arg(kept)), qPrintable(preview.out));
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")).toInt(),
        1);

    QVERIFY(repair().contains(QLatin1String("1 rows marked FAILED")));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT status::text || ' ' || error_message FROM queue "
                                         "WHERE id = '%1'")
                              .arg(extra))
                 .toString(),
        QStringLiteral("FAILED Duplicate active request: kept queue row ") + kept);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'repair' "
                                         "AND origin = 'terminal' AND total = 1"))
                 .toInt(),
        1);
    QCOMPARE(Schema::currentVersion(db), Schema::latestVersion());
}

void TestLegacyDatabase::everyOutcomeIsRightAfterTheRepair()
{
    QVERIFY(!repair().isEmpty());
    RequestService service(m_db->config());
    struct Case
    {
        const char *input;
        Outcome outcome;
    };
    const Case cases[] = {
        { "natgeo", Outcome::AlreadyProcessed }, // stored as "NatGeo"
        { "NatGeo", Outcome::AlreadyProcessed },
        { "bbcnews", Outcome::AlreadyProcessed },
        { "nasa", Outcome::AlreadyProcessed },
        { "dupe", Outcome::AlreadyQueued }, // the row kept by the repair
        { "busyone", Outcome::AlreadyQueued }, // PROCESSING
        { "lowwaiting", Outcome::AlreadyQueued }, // PENDING LOW: raised
        { "oldstar", Outcome::AlreadyQueued }, // "OldStar", PENDING LOW: raised
        { "brokenone", Outcome::Queued }, // FAILED does not block
        { "freshname", Outcome::Queued },
    };
    for (const Case &c : cases) {
        const RequestResult r = service.request(QString::fromLatin1(c.input));
        QVERIFY2(r.outcome == c.outcome,
            qPrintable(QStringLiteral("%1: %2 %3")
                           .arg(QLatin1String(c.input), outcomeName(r.outcome), r.message)));
    }
    // The same again in one batch: nothing new.
    QList<RequestItem> items;
    for (const char *name : { "natgeo", "dupe", "brokenone", "freshname", "another" })
        items.append({ QString::fromLatin1(name), QStringLiteral("legacytest") });
    const QList<RequestResult> batch = service.requestItems(items);
    QCOMPARE(batch[0].outcome, Outcome::AlreadyProcessed);
    QCOMPARE(batch[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(batch[2].outcome, Outcome::AlreadyQueued);
    QCOMPARE(batch[3].outcome, Outcome::AlreadyQueued);
    QCOMPARE(batch[4].outcome, Outcome::Queued);

    QCOMPARE(m_db->scalar(QStringLiteral("SELECT string_agg(username || ':' || priority::text, ',' "
                                         "ORDER BY username) FROM queue WHERE username IN "
                                         "('lowwaiting', 'OldStar') AND status = 'PENDING'"))
                 .toString(),
        QStringLiteral("OldStar:HIGH,lowwaiting:HIGH"));
    // One active row per name, whatever the case.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM (SELECT lower(username) FROM queue "
                                         "WHERE status IN ('PENDING','PROCESSING') GROUP BY 1 "
                                         "HAVING COUNT(*) > 1) d"))
                 .toInt(),
        0);
    // Our rows are ones the original workers can take: every field they rely on.
    QSqlQuery q(m_db->connection());
    QVERIFY(q.exec(QStringLiteral(
        "SELECT username, request_id, attempts, priority::text, status::text, source, "
        "\"timestamp\" IS NOT NULL AND created_at IS NOT NULL AND updated_at IS NOT NULL "
        "FROM queue WHERE username IN ('brokenone', 'freshname', 'another') "
        "AND status = 'PENDING' ORDER BY username")));
    int n = 0;
    QSet<QString> requestIds;
    while (q.next()) {
        ++n;
        QVERIFY(!q.value(1).isNull());
        requestIds.insert(q.value(1).toString());
        QCOMPARE(q.value(2).toInt(), 0);
        QVERIFY(!q.value(2).isNull());
        QCOMPARE(q.value(3).toString(), QStringLiteral("HIGH"));
        QCOMPARE(q.value(4).toString(), QStringLiteral("PENDING"));
        QVERIFY(q.value(6).toBool());
    }
    QCOMPARE(n, 3);
    QCOMPARE(requestIds.size(), 3);
}

void TestLegacyDatabase::theOriginalWorkerClaimsAndFinishesOurRow()
{
    QVERIFY(!repair().isEmpty());
    RequestService service(m_db->config());
    const RequestResult queued = service.request(QStringLiteral("workerpick"));
    QCOMPARE(queued.outcome, Outcome::Queued);
    QVERIFY(!queued.requestId.isEmpty());

    // The original worker: the oldest PENDING row by priority (the enum's order: HIGH first),
    // then "timestamp"; PROCESSING and one more attempt.
    const QString claim = QStringLiteral(
        "UPDATE queue SET status = 'PROCESSING', attempts = attempts + 1, last_attempt = now() "
        "WHERE id = (SELECT id FROM queue WHERE status = 'PENDING' "
        "ORDER BY priority, \"timestamp\" LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "RETURNING username, request_id, attempts");
    QSqlQuery q(m_db->connection());
    QStringList claimed;
    QString requestId;
    for (int i = 0; i < 10 && requestId.isEmpty(); ++i) {
        QVERIFY2(q.exec(claim), qPrintable(q.lastError().text()));
        QVERIFY(q.next());
        claimed << q.value(0).toString();
        if (q.value(0).toString() == QLatin1String("workerpick")) {
            requestId = q.value(1).toString();
            QCOMPARE(q.value(2).toInt(), 1);
        }
    }
    // HIGH rows in "timestamp" order, ours (the newest) last; LOW rows after every HIGH one.
    QCOMPARE(claimed, QStringList({ QStringLiteral("dupe"), QStringLiteral("workerpick") }));
    QCOMPARE(requestId, queued.requestId);

    // ... and finishes it by request_id.
    QVERIFY(q.exec(QStringLiteral("SELECT updated_at FROM queue WHERE request_id = '%1'")
                       .arg(requestId)) &&
        q.next());
    const QDateTime before = q.value(0).toDateTime();
    QVERIFY(q.exec(QStringLiteral("UPDATE queue SET status = 'COMPLETED' WHERE request_id = '%1'")
                       .arg(requestId)));
    QCOMPARE(q.numRowsAffected(), 1);
    QVERIFY(q.exec(QStringLiteral("SELECT status::text, updated_at > '%1'::timestamptz FROM queue "
                                  "WHERE request_id = '%2'")
                       .arg(before.toString(Qt::ISODateWithMs), requestId)) &&
        q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("COMPLETED")); // the trigger ran too
    QVERIFY(q.value(1).toBool());
    // A COMPLETED row does not block a new request.
    QCOMPARE(service.request(QStringLiteral("workerpick")).outcome, Outcome::Queued);
}

void TestLegacyDatabase::queueBrowserAndActionsOnEnumColumns()
{
    QVERIFY(!repair().isEmpty());
    QSqlDatabase db = m_db->connection();
    QueueFilter filter;
    filter.statuses = { QStringLiteral("PENDING") };
    filter.priorities = { QStringLiteral("LOW") };
    const QueuePage page = QueueQuery::fetch(db, filter, {}, 0, 50);
    QVERIFY2(page.ok, qPrintable(page.error));
    QCOMPARE(page.rows.size(), 2); // lowwaiting, OldStar
    const QueueCounts counts = QueueQuery::counts(db);
    QVERIFY2(counts.ok, qPrintable(counts.error));
    QCOMPARE(counts.byStatus.value(QStringLiteral("FAILED")), 2); // brokenone, the repaired row
    QString error;
    QVERIFY(!QueueQuery::history(db, QStringLiteral("natgeo"), &error).isEmpty());
    QVERIFY2(error.isEmpty(), qPrintable(error));

    auto idOf = [&](const char *username) {
        return m_db
            ->scalar(QStringLiteral("SELECT id::text FROM queue WHERE username = '%1' ORDER BY "
                                    "created_at LIMIT 1")
                         .arg(QLatin1String(username)))
            .toString();
    };
    const QString low = idOf("lowwaiting");
    for (const QueueAction action :
        { QueueAction::Pause, QueueAction::Resume, QueueAction::Raise }) {
        const QueueActionResult r = QueueActions::apply(db, action, { low });
        QVERIFY2(r.ok && r.changed() == 1, qPrintable(r.error + r.summary()));
    }
    const QueueActionResult retried =
        QueueActions::apply(db, QueueAction::Retry, { idOf("brokenone") });
    QVERIFY2(retried.ok && retried.changed() == 1, qPrintable(retried.error + retried.summary()));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT status::text || ' ' || priority::text FROM queue "
                                         "WHERE id = '%1'")
                              .arg(low))
                 .toString(),
        QStringLiteral("PENDING HIGH"));
}

void TestLegacyDatabase::batchesOnEnumColumnsAndMixedCaseRows()
{
    // A batch on the adopted database: enum-typed status/priority, uuid ids, mixed-case rows
    // ("OldStar" waiting, "NatGeo" processed) found as the same profiles; the original
    // worker's claim moves its items.
    QVERIFY(!repair().isEmpty());
    RequestService service(m_db->config());
    BatchOptions options;
    NewBatch batch;
    batch.id = Ids::uuidV7();
    batch.origin = QStringLiteral("terminal");
    options.record = batch;
    const QList<RequestResult> results = service.requestBulk(
        BulkParser::parse(u"natgeo\noldstar\nlowwaiting\nbrandnew\nbrokenone\n"),
        QStringLiteral("frontend"), options);
    QCOMPARE(results[0].outcome, Outcome::AlreadyProcessed);
    QCOMPARE(results[1].outcome, Outcome::AlreadyQueued);
    QCOMPARE(results[2].outcome, Outcome::AlreadyQueued);
    QCOMPARE(results[3].outcome, Outcome::Queued);
    QCOMPARE(results[4].outcome, Outcome::Queued); // its old row is FAILED
    QSqlDatabase db = m_db->connection();
    const BatchItems items = Batches::items(db, batch.id);
    QVERIFY2(items.ok, qPrintable(items.error));
    QCOMPARE(items.items.size(), 5);
    QCOMPARE(items.items[0].state, ItemState::Processed);
    // The mixed-case active row is the one followed.
    QCOMPARE(items.items[1].queueId,
        m_db->scalar(QStringLiteral("SELECT id::text FROM queue WHERE username = 'OldStar'"))
            .toString());
    QCOMPARE(items.items[1].state, ItemState::Waiting);
    QCOMPARE(items.items[3].queueId, results[3].queueId);
    BatchDetail d = Batches::detail(db, batch.id);
    QVERIFY2(d.ok, qPrintable(d.error));
    QCOMPARE(d.summary.counts.total, 5);
    QCOMPARE(d.summary.counts.waiting, 4);
    QCOMPARE(d.summary.counts.processed, 1);
    // The original worker's claim (as in theOriginalWorkerClaimsAndFinishesOurRow) moves them.
    Test::SimWorker worker(db);
    for (int i = 0; i < 10; ++i) {
        const Test::SimWorker::Claimed c = worker.claim();
        QVERIFY2(c.ok, qPrintable(c.error));
        if (c.id.isEmpty())
            break;
        if (c.username == QLatin1String("brokenone"))
            QVERIFY(worker.fail(c.id, QStringLiteral("Profile not found")));
        else
            QVERIFY2(worker.complete(c.id), qPrintable(worker.lastError()));
    }
    d = Batches::detail(db, batch.id);
    QCOMPARE(d.summary.counts.processed, 4);
    QCOMPARE(d.summary.counts.failed, 1);
    QVERIFY(d.summary.counts.done());
    QVERIFY(d.summary.finishedAt.isValid());
    const BatchActionResult retry = Batches::apply(
        db, batch.id, BatchAction::RetryFailed, AuditEntry::forOrigin(QStringLiteral("window")));
    QVERIFY2(retry.ok, qPrintable(retry.error));
    QCOMPARE(retry.changed, 1);
    const EtaEstimate eta = Batches::etaForBatch(db, batch.id);
    QVERIFY2(eta.ok, qPrintable(eta.error));
    // Five rows finished just now (the fixture's other waiting rows and ours): enough.
    QVERIFY2(eta.eta, qPrintable(eta.why));
    QCOMPARE(eta.eta->remaining, qint64(1));
    QCOMPARE(eta.eta->ahead, qint64(1)); // 'busyone', PROCESSING
}

void TestLegacyDatabase::leastPrivilegeRoleNamesTheMissingGrant()
{
    QVERIFY(!repair().isEmpty()); // the owner repaired and migrated
    const DatabaseConfig role = makeRowsOnlyRole();
    QVERIFY(!role.user.isEmpty());

    {
        RequestService service(role);
        const RequestResult r = service.request(QStringLiteral("leastpriv"));
        QCOMPARE(r.outcome, Outcome::Error);
        QCOMPARE(r.errorKind, ErrorKind::SetupRequired);
        QVERIFY2(r.message.contains(
                     QStringLiteral("GRANT SELECT ON viralspot_schema_version TO %1").arg(m_role)),
            qPrintable(r.message));
        QVERIFY2(!r.message.contains(QLatin1String("CREATE TABLE")), qPrintable(r.message));
    }
    // The documented grants, as the owner.
    for (const QString &grant : Schema::grantStatements(m_role))
        QVERIFY(m_db->exec(grant));
    RequestService service(role);
    const RequestResult r = service.request(QStringLiteral("leastpriv"));
    QVERIFY2(r.outcome == Outcome::Queued, qPrintable(r.message));
    QCOMPARE(service.request(QStringLiteral("natgeo")).outcome, Outcome::AlreadyProcessed);
    QCOMPARE(service.request(QStringLiteral("lowwaiting")).outcome, Outcome::AlreadyQueued);
    const ProfileStatus status = service.status(QStringLiteral("leastpriv"));
    QVERIFY2(status.ok, qPrintable(status.error));
    const Result audited = AuditLog::recordSubmission(service, QStringLiteral("terminal"), { r });
    QVERIFY2(audited.ok, qPrintable(audited.error));
    // The terminal, as that role: requests and the audit row.
    const Run submit = app({ QStringLiteral("submit"), QStringLiteral("--database"),
        DatabaseConfig(role).toUrl(), QStringLiteral("viasubmit"), QStringLiteral("natgeo") });
    QVERIFY2(submit.exitCode == 0, qPrintable(submit.out + submit.err));
    QVERIFY2(!submit.err.contains(QLatin1String("audit")), qPrintable(submit.err));

    // A grant taken away is named exactly.
    QVERIFY(m_db->exec(QStringLiteral("REVOKE INSERT ON audit_log FROM %1").arg(m_role)));
    const Run noAudit = app({ QStringLiteral("submit"), QStringLiteral("--database"),
        DatabaseConfig(role).toUrl(), QStringLiteral("viasubmit2") });
    QVERIFY2(noAudit.err.contains(QLatin1String("audit_log")), qPrintable(noAudit.err));
    QVERIFY(m_db->exec(QStringLiteral("REVOKE UPDATE ON queue FROM %1").arg(m_role)));
    RequestService again(role);
    const RequestResult denied = again.request(QStringLiteral("lowwaiting"));
    QCOMPARE(denied.errorKind, ErrorKind::SetupRequired);
    QVERIFY2(denied.message.contains(
                 QStringLiteral("GRANT SELECT, INSERT, UPDATE ON queue TO %1").arg(m_role)),
        qPrintable(denied.message));
}

void TestLegacyDatabase::leastPrivilegeRoleOnAnUnmigratedDatabaseNamesTheCommand()
{
    const DatabaseConfig role = makeRowsOnlyRole();
    QVERIFY(!role.user.isEmpty());
    RequestService service(role);
    const RequestResult r = service.request(QStringLiteral("leastpriv"));
    QCOMPARE(r.outcome, Outcome::Error);
    QCOMPARE(r.errorKind, ErrorKind::SetupRequired);
    QVERIFY2(r.message.contains(QLatin1String("'viralspot-admin migrate'")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QStringLiteral("version 0")), qPrintable(r.message));
    QVERIFY2(r.message.contains(QStringLiteral("role %1").arg(m_role)), qPrintable(r.message));
    // The terminal says the same.
    const Run submit = app({ QStringLiteral("submit"), QStringLiteral("--database"),
        DatabaseConfig(role).toUrl(), QStringLiteral("viasubmit") });
    QCOMPARE(submit.exitCode, 2);
    QVERIFY2(
        submit.err.contains(QLatin1String("'viralspot-admin migrate'")), qPrintable(submit.err));
}

void TestLegacyDatabase::printSqlShowsTheMissingStepsWithoutRunningThem()
{
    const QStringList before = tableNames();
    const QString indexesBefore =
        m_db->scalar(QStringLiteral("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM "
                                    "pg_indexes WHERE schemaname = 'public'"))
            .toString();
    const Run r = app({ QStringLiteral("migrate"), QStringLiteral("--print-sql"),
        QStringLiteral("--database"), m_db->url() });
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (const char *expected : { "is at schema version 0", "SELECT pg_advisory_xact_lock(",
             "CREATE TABLE IF NOT EXISTS viralspot_schema_version",
             "CREATE TABLE IF NOT EXISTS audit_log",
             "CREATE UNIQUE INDEX IF NOT EXISTS queue_one_active_per_username",
             "-- Fails while the queue holds duplicate active rows: run "
             "'viralspot-admin repair-duplicates --apply' first.",
             "INSERT INTO viralspot_schema_version (version, description, applied_at) VALUES (5," })
        QVERIFY2(r.out.contains(QLatin1String(expected)), expected);
    // The adopted tables exist: no CREATE TABLE for them, and no column is missing.
    QVERIFY(!r.out.contains(QLatin1String("CREATE TABLE queue")));
    QVERIFY(!r.out.contains(QLatin1String("ALTER TABLE")));
    // Nothing ran.
    QCOMPARE(tableNames(), before);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT string_agg(indexname, ',' ORDER BY indexname) "
                                         "FROM pg_indexes WHERE schemaname = 'public'"))
                 .toString(),
        indexesBefore);

    // Up to date: nothing to print.
    QVERIFY(!repair().isEmpty());
    const Run done = app({ QStringLiteral("migrate"), QStringLiteral("--print-sql"),
        QStringLiteral("--database"), m_db->url() });
    QCOMPARE(done.exitCode, 0);
    QVERIFY2(
        done.out.contains(QLatin1String("the latest: nothing to migrate")), qPrintable(done.out));
    QVERIFY(!done.out.contains(QLatin1String("CREATE")));
}

void TestLegacyDatabase::printSqlWithoutADatabase()
{
    const Run r = app({ QStringLiteral("migrate"), QStringLiteral("--print-sql"),
        QStringLiteral("--grant"), QStringLiteral("viralspot_app") });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith(QLatin1String("-- No database given")), qPrintable(r.out));
    for (int version = 1; version <= Schema::latestVersion(); ++version)
        QVERIFY(r.out.contains(QStringLiteral("-- Step %1:").arg(version)));
    QVERIFY(r.out.contains(QLatin1String("CREATE TABLE queue (")));
    QVERIFY(r.out.contains(QLatin1String("GRANT SELECT ON viralspot_schema_version TO "
                                         "viralspot_app;")));
    QVERIFY(r.out.contains(QLatin1String("GRANT USAGE ON SEQUENCE audit_log_id_seq TO "
                                         "viralspot_app;")));
    // Without --print-sql, the database must be named.
    QCOMPARE(app({ QStringLiteral("migrate") }).exitCode, 64);
}

void TestLegacyDatabase::migrateCommandGrantsTheRole()
{
    const DatabaseConfig role = makeRowsOnlyRole();
    QVERIFY(!role.user.isEmpty());
    // Blocked by the duplicates first, and says so.
    const Run blocked =
        app({ QStringLiteral("migrate"), QStringLiteral("--database"), m_db->url() });
    QCOMPARE(blocked.exitCode, 1);
    QVERIFY2(
        blocked.err.contains(Schema::repairRequiredMessage({ 1, 1 })), qPrintable(blocked.err));
    QVERIFY(!repair().isEmpty());
    const Run r = app({ QStringLiteral("migrate"), QStringLiteral("--database"), m_db->url(),
        QStringLiteral("--grant"), m_role });
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(QLatin1String("nothing to do")), qPrintable(r.out));
    RequestService service(role);
    const RequestResult queued = service.request(QStringLiteral("granted"));
    QVERIFY2(queued.outcome == Outcome::Queued, qPrintable(queued.message));
}

QTEST_GUILESS_MAIN(TestLegacyDatabase)
#include "tst_legacydatabase.moc"
