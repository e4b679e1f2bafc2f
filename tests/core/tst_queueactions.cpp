// QueueActions: each admin action's effect on the database, the one-active-row rule (skipped
// would-be duplicates) and the audit rows, on SQLite and PostgreSQL.

#include "../ui_queue/queueseed.h"
#include "core/database.h"
#include "core/queueactions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>
#include <QThread>

using namespace ViralSpot;
using namespace ViralSpot::Test;

class TestQueueActions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void retryMovesFailedToPendingAndClearsTheError();
    void retrySkipsAWouldBeSecondActiveRow();
    void retryOfTwoRowsOfOneUsernameTakesTheNewest();
    void legacyMixedCaseRowsAreTheSameUsername();
    void pauseAndResume();
    void resumeSkipsWhenTheUsernameWasRequestedAgain();
    void raiseOnlyLowRowsThatAreNotCompleted();
    void unknownIdsAreReported();
    void manyRowsInOneAction();
    void noAuditWithoutOrigin();
    void concurrentRetriesNeverMakeTwoActiveRows();

private:
    QString seed(const QString &username, const QString &status,
        const QString &priority = QStringLiteral("HIGH"), int minutesAgo = 10);
    QVariantList row(const QString &id); // status, priority, error_message
    int activeRows(const QString &username);
    QJsonObject lastAuditDetails(QString *action = nullptr, QStringList *usernames = nullptr,
        int *total = nullptr, QString *origin = nullptr);
    int auditRows();

    std::unique_ptr<TemporaryDatabase> m_db;
};

void TestQueueActions::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
}

void TestQueueActions::cleanup()
{
    m_db.reset();
}

QString TestQueueActions::seed(
    const QString &username, const QString &status, const QString &priority, int minutesAgo)
{
    SeedRow r;
    r.username = username;
    r.status = status;
    r.priority = priority.isEmpty() ? QStringLiteral("HIGH") : priority;
    r.createdAt = QDateTime::currentDateTimeUtc().addSecs(-60LL * minutesAgo);
    if (status == QLatin1String("FAILED"))
        r.errorMessage = QStringLiteral("scraper timeout");
    return insertQueueRow(m_db->connection(), r);
}

QVariantList TestQueueActions::row(const QString &id)
{
    QSqlQuery q(m_db->connection());
    q.prepare(QStringLiteral("SELECT status, priority, error_message FROM queue WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return {};
    return { q.value(0), q.value(1), q.value(2) };
}

int TestQueueActions::activeRows(const QString &username)
{
    QSqlQuery q(m_db->connection());
    q.prepare(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = ? AND status IN "
                             "('PENDING','PROCESSING')"));
    q.addBindValue(username);
    if (!q.exec() || !q.next())
        return -1;
    return q.value(0).toInt();
}

int TestQueueActions::auditRows()
{
    return m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toInt();
}

QJsonObject TestQueueActions::lastAuditDetails(
    QString *action, QStringList *usernames, int *total, QString *origin)
{
    QSqlQuery q(m_db->connection());
    if (!q.exec(QStringLiteral("SELECT action, usernames, total, details, origin, os_user, host "
                               "FROM audit_log ORDER BY id DESC LIMIT 1")) ||
        !q.next())
        return {};
    if (action)
        *action = q.value(0).toString();
    if (usernames) {
        usernames->clear();
        const QJsonArray array = QJsonDocument::fromJson(q.value(1).toString().toUtf8()).array();
        for (const QJsonValue &v : array)
            *usernames << v.toString();
    }
    if (total)
        *total = q.value(2).toInt();
    if (origin)
        *origin = q.value(4).toString();
    if (q.value(5).toString().isEmpty() || q.value(6).toString().isEmpty())
        return {};
    return QJsonDocument::fromJson(q.value(3).toString().toUtf8()).object();
}

namespace {
AuditEntry windowAudit()
{
    return AuditEntry::forOrigin(QStringLiteral("window"));
}
} // namespace

void TestQueueActions::retryMovesFailedToPendingAndClearsTheError()
{
    const QString id = seed(QStringLiteral("alice"), QStringLiteral("FAILED"));
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Retry, { id }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changedIds, QStringList { id });
    QCOMPARE(result.changedUsernames, QStringList { QStringLiteral("alice") });
    QVERIFY(result.skipped.isEmpty());
    const QVariantList after = row(id);
    QCOMPARE(after.value(0).toString(), QStringLiteral("PENDING"));
    QVERIFY(after.value(2).isNull());

    QString action, origin;
    QStringList usernames;
    int total = 0;
    const QJsonObject details = lastAuditDetails(&action, &usernames, &total, &origin);
    QCOMPARE(action, QStringLiteral("retry"));
    QCOMPARE(origin, QStringLiteral("window"));
    QCOMPARE(usernames, QStringList { QStringLiteral("alice") });
    QCOMPARE(total, 1);
    QCOMPARE(details.value(QStringLiteral("changed")).toInt(), 1);
    QCOMPARE(details.value(QStringLiteral("skipped_active_exists")).toInt(), 0);
}

void TestQueueActions::retrySkipsAWouldBeSecondActiveRow()
{
    const QString failed = seed(QStringLiteral("bob"), QStringLiteral("FAILED"), {}, 30);
    const QString pending = seed(QStringLiteral("bob"), QStringLiteral("PENDING"), {}, 5);
    const QString other = seed(QStringLiteral("carol"), QStringLiteral("FAILED"));
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Retry, { failed, other }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changedIds, QStringList { other });
    QCOMPARE(result.skipped.size(), 1);
    QCOMPARE(result.skipped.first().id, failed);
    QCOMPARE(result.skipped.first().username, QStringLiteral("bob"));
    QCOMPARE(result.skipped.first().reason, QueueActionSkip::Reason::ActiveExists);
    QVERIFY(result.summary().contains(QStringLiteral("active")));

    QCOMPARE(row(failed).value(0).toString(), QStringLiteral("FAILED"));
    QCOMPARE(row(failed).value(2).toString(), QStringLiteral("scraper timeout"));
    QCOMPARE(row(pending).value(0).toString(), QStringLiteral("PENDING"));
    QCOMPARE(activeRows(QStringLiteral("bob")), 1);
    QCOMPARE(row(other).value(0).toString(), QStringLiteral("PENDING"));

    QStringList usernames;
    int total = 0;
    const QJsonObject details = lastAuditDetails(nullptr, &usernames, &total);
    // The changed row first, then the skipped one: a search for "bob" finds this action too.
    QCOMPARE(usernames, (QStringList { QStringLiteral("carol"), QStringLiteral("bob") }));
    QCOMPARE(total, 2);
    QCOMPARE(details.value(QStringLiteral("changed")).toInt(), 1);
    QCOMPARE(details.value(QStringLiteral("skipped_active_exists")).toInt(), 1);
}

void TestQueueActions::retryOfTwoRowsOfOneUsernameTakesTheNewest()
{
    const QString older = seed(QStringLiteral("dave"), QStringLiteral("FAILED"), {}, 60);
    const QString newer = seed(QStringLiteral("dave"), QStringLiteral("FAILED"), {}, 20);
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Retry, { older, newer }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changedIds, QStringList { newer });
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::SameUsername), 1);
    QCOMPARE(row(older).value(0).toString(), QStringLiteral("FAILED"));
    QCOMPARE(row(newer).value(0).toString(), QStringLiteral("PENDING"));
    QCOMPARE(activeRows(QStringLiteral("dave")), 1);
    QCOMPARE(lastAuditDetails().value(QStringLiteral("skipped_same_username")).toInt(), 1);
}

void TestQueueActions::legacyMixedCaseRowsAreTheSameUsername()
{
    // An adopted database holds names as typed: "Erin" and "erin" are one profile (contract:
    // Usernames).
    const QString legacyFailed = seed(QStringLiteral("Erin"), QStringLiteral("FAILED"), {}, 30);
    const QString pending = seed(QStringLiteral("erin"), QStringLiteral("PENDING"), {}, 5);
    const QString older = seed(QStringLiteral("Finn"), QStringLiteral("FAILED"), {}, 60);
    const QString newer = seed(QStringLiteral("finn"), QStringLiteral("FAILED"), {}, 20);
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Retry, { legacyFailed, older, newer }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changedIds, QStringList { newer });
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::ActiveExists), 1);
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::SameUsername), 1);
    QCOMPARE(row(legacyFailed).value(0).toString(), QStringLiteral("FAILED"));
    QCOMPARE(row(pending).value(0).toString(), QStringLiteral("PENDING"));
    QCOMPARE(row(older).value(0).toString(), QStringLiteral("FAILED"));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE lower(username) = "
                                         "'erin' AND status IN ('PENDING','PROCESSING')"))
                 .toInt(),
        1);
}

void TestQueueActions::pauseAndResume()
{
    const QString pending = seed(QStringLiteral("erin"), QStringLiteral("PENDING"));
    const QString failed = seed(QStringLiteral("frank"), QStringLiteral("FAILED"));
    QSqlDatabase db = m_db->connection();
    QueueActionResult result =
        QueueActions::apply(db, QueueAction::Pause, { pending, failed }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changedIds, QStringList { pending });
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::WrongState), 1);
    QCOMPARE(row(pending).value(0).toString(), QStringLiteral("PAUSED"));
    QCOMPARE(row(failed).value(0).toString(), QStringLiteral("FAILED"));
    QCOMPARE(activeRows(QStringLiteral("erin")), 0);
    QString action;
    QCOMPARE(lastAuditDetails(&action).value(QStringLiteral("skipped_wrong_state")).toInt(), 1);
    QCOMPARE(action, QStringLiteral("pause"));

    result = QueueActions::apply(db, QueueAction::Resume, { pending }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changedIds, QStringList { pending });
    QCOMPARE(row(pending).value(0).toString(), QStringLiteral("PENDING"));
    lastAuditDetails(&action);
    QCOMPARE(action, QStringLiteral("resume"));
    QCOMPARE(auditRows(), 2);
}

void TestQueueActions::resumeSkipsWhenTheUsernameWasRequestedAgain()
{
    const QString paused = seed(QStringLiteral("gina"), QStringLiteral("PAUSED"), {}, 60);
    const QString processing = seed(QStringLiteral("gina"), QStringLiteral("PROCESSING"), {}, 5);
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Resume, { paused }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changed(), 0);
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::ActiveExists), 1);
    QCOMPARE(row(paused).value(0).toString(), QStringLiteral("PAUSED"));
    QCOMPARE(row(processing).value(0).toString(), QStringLiteral("PROCESSING"));
    QCOMPARE(activeRows(QStringLiteral("gina")), 1);
    QCOMPARE(lastAuditDetails().value(QStringLiteral("skipped_active_exists")).toInt(), 1);
}

void TestQueueActions::raiseOnlyLowRowsThatAreNotCompleted()
{
    const QString low =
        seed(QStringLiteral("hank"), QStringLiteral("PENDING"), QStringLiteral("LOW"));
    const QString lowPaused =
        seed(QStringLiteral("ivy"), QStringLiteral("PAUSED"), QStringLiteral("LOW"));
    const QString done =
        seed(QStringLiteral("jack"), QStringLiteral("COMPLETED"), QStringLiteral("LOW"));
    const QString high =
        seed(QStringLiteral("kim"), QStringLiteral("PENDING"), QStringLiteral("HIGH"));
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Raise, { low, lowPaused, done, high }, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changed(), 2);
    QVERIFY(result.changedIds.contains(low));
    QVERIFY(result.changedIds.contains(lowPaused));
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::WrongState), 2);
    QCOMPARE(row(low).value(1).toString(), QStringLiteral("HIGH"));
    QCOMPARE(row(lowPaused).value(1).toString(), QStringLiteral("HIGH"));
    QCOMPARE(row(lowPaused).value(0).toString(), QStringLiteral("PAUSED"));
    QCOMPARE(row(done).value(1).toString(), QStringLiteral("LOW"));
    QString action;
    QCOMPARE(lastAuditDetails(&action).value(QStringLiteral("changed")).toInt(), 2);
    QCOMPARE(action, QStringLiteral("raise"));
}

void TestQueueActions::unknownIdsAreReported()
{
    const QString failed = seed(QStringLiteral("lena"), QStringLiteral("FAILED"));
    const QString missing = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Retry, { failed, missing, failed }, {});
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.requested, 2);
    QCOMPARE(result.changedIds, QStringList { failed });
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::NotFound), 1);
}

void TestQueueActions::manyRowsInOneAction()
{
    // More ids than one statement takes, half of them blocked by an active row.
    QSqlDatabase db = m_db->connection();
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    QStringList ids;
    for (int i = 0; i < 1200; ++i) {
        const QString name = QStringLiteral("user%1").arg(i);
        ids << seed(name, QStringLiteral("FAILED"), QStringLiteral("LOW"), 30);
        if (i % 2)
            seed(name, QStringLiteral("PENDING"), QStringLiteral("LOW"), 5);
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
    const QueueActionResult result =
        QueueActions::apply(db, QueueAction::Retry, ids, windowAudit());
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changed(), 600);
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::ActiveExists), 600);
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'PENDING'")).toInt(),
        1200);
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")).toInt(),
        600);
    int total = 0;
    QStringList usernames;
    const QJsonObject details = lastAuditDetails(nullptr, &usernames, &total);
    QCOMPARE(total, 1200);
    // The 600 changed and then skipped ones, up to the stored list's limit.
    QCOMPARE(usernames.size(), AuditLog::MaxUsernames);
    QCOMPARE(details.value(QStringLiteral("skipped_active_exists")).toInt(), 600);
}

void TestQueueActions::noAuditWithoutOrigin()
{
    const QString failed = seed(QStringLiteral("mia"), QStringLiteral("FAILED"));
    QSqlDatabase db = m_db->connection();
    const QueueActionResult result = QueueActions::apply(db, QueueAction::Retry, { failed });
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changed(), 1);
    QCOMPARE(auditRows(), 0);
}

void TestQueueActions::concurrentRetriesNeverMakeTwoActiveRows()
{
    // Two admins retry different FAILED rows of the same usernames at the same moment, each on
    // its own connection: the database's index decides, the loser skips (after a retry of
    // its statement on PostgreSQL), and every username ends with exactly one active row.
    constexpr int Users = 3000;
    QStringList first, second;
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    for (int i = 0; i < Users; ++i) {
        const QString name = QStringLiteral("race%1").arg(i);
        first << seed(name, QStringLiteral("FAILED"), {}, 60);
        second << seed(name, QStringLiteral("FAILED"), {}, 30);
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));

    const DatabaseConfig config = m_db->config();
    QueueActionResult results[2];
    QList<QThread *> threads;
    for (int t = 0; t < 2; ++t) {
        const QStringList ids = t == 0 ? first : second;
        threads << QThread::create([config, ids, &results, t] {
            const QString name = QStringLiteral("race_%1").arg(t);
            {
                QSqlDatabase db = Database::open(config, name).value;
                results[t] = QueueActions::apply(
                    db, QueueAction::Retry, ids, AuditEntry::forOrigin(QStringLiteral("window")));
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
    QVERIFY2(results[0].ok, qPrintable(results[0].error));
    QVERIFY2(results[1].ok, qPrintable(results[1].error));
    QCOMPARE(results[0].changed() + results[1].changed(), Users);
    QCOMPARE(results[0].skippedCount(QueueActionSkip::Reason::ActiveExists) +
            results[1].skippedCount(QueueActionSkip::Reason::ActiveExists),
        Users);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM (SELECT username FROM queue "
                                         "WHERE status IN ('PENDING','PROCESSING') "
                                         "GROUP BY username HAVING COUNT(*) > 1) d"))
                 .toInt(),
        0);
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'PENDING'")).toInt(),
        Users);
    QCOMPARE(auditRows(), 2);
}

QTEST_GUILESS_MAIN(TestQueueActions)
#include "tst_queueactions.moc"
