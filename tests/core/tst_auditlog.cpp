// AuditLog: writing and reading `audit_log` (filters, truncation of huge username lists),
// submission entries and the endpoint's aggregated counter, on SQLite and PostgreSQL.

#include "../ui_queue/queueseed.h"
#include "core/auditlog.h"
#include "core/queueactions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTest>
#include <QThread>

using namespace ViralSpot;
using namespace ViralSpot::Test;

class TestAuditLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void recordAndReadBack();
    void filters_data();
    void filters();
    void hugeUsernameListsAreTruncated();
    void submissionEntryCountsOutcomes();
    void endpointCounterAggregates();
    void osUserAsWhoamiWithoutEnvironment();
    void detailsReadForPeople();
    void skippedActionsNameTheirUsernames();

private:
    void add(const QString &origin, const QString &action, const QStringList &usernames,
        const QDateTime &when, const QString &osUser = {});
    std::unique_ptr<TemporaryDatabase> m_db;
    QDateTime m_base;
};

void TestAuditLog::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    m_base = QDateTime(QDate(2026, 4, 1), QTime(10, 0), Qt::UTC);
}

void TestAuditLog::cleanup()
{
    m_db.reset();
}

void TestAuditLog::add(const QString &origin, const QString &action, const QStringList &usernames,
    const QDateTime &when, const QString &osUser)
{
    AuditEntry e = AuditEntry::forOrigin(origin, action);
    e.usernames = usernames;
    e.total = usernames.size();
    e.occurredAt = when;
    e.osUser = osUser;
    e.details = QJsonObject { { QStringLiteral("queued"), int(usernames.size()) } };
    QSqlDatabase db = m_db->connection();
    const Result recorded = AuditLog::record(db, e);
    QVERIFY2(recorded.ok, qPrintable(recorded.error));
}

void TestAuditLog::recordAndReadBack()
{
    add(QStringLiteral("window"), QStringLiteral("submit"),
        { QStringLiteral("alice"), QStringLiteral("bob") }, m_base);
    QSqlDatabase db = m_db->connection();
    const AuditPage page = AuditLog::read(db, {}, 10);
    QVERIFY2(page.ok, qPrintable(page.error));
    QCOMPARE(page.entries.size(), 1);
    const AuditEntry &e = page.entries.first();
    QVERIFY(e.id > 0);
    QCOMPARE(e.occurredAt, m_base);
    QCOMPARE(e.origin, QStringLiteral("window"));
    QCOMPARE(e.action, QStringLiteral("submit"));
    QCOMPARE(e.usernames, (QStringList { QStringLiteral("alice"), QStringLiteral("bob") }));
    QCOMPARE(e.total, 2);
    QCOMPARE(e.details.value(QStringLiteral("queued")).toInt(), 2);
    QCOMPARE(e.osUser, AuditLog::currentOsUser());
    QCOMPARE(e.host, AuditLog::currentHost());
    QVERIFY(!e.osUser.isEmpty());
    QVERIFY(!e.usernamesTruncated);
}

void TestAuditLog::filters_data()
{
    QTest::addColumn<QString>("action");
    QTest::addColumn<QString>("origin");
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("fromHour");
    QTest::addColumn<int>("toHour");
    QTest::addColumn<QList<int>>("expected"); // entry numbers, newest first

    QTest::newRow("all") << QString() << QString() << QString() << -1 << -1
                         << QList<int> { 4, 3, 2, 1, 0 };
    QTest::newRow("action retry") << QStringLiteral("retry") << QString() << QString() << -1 << -1
                                  << QList<int> { 3, 1 };
    QTest::newRow("origin terminal")
        << QString() << QStringLiteral("terminal") << QString() << -1 << -1 << QList<int> { 2 };
    QTest::newRow("username text, any case")
        << QString() << QString() << QStringLiteral("CAROL") << -1 << -1 << QList<int> { 3, 0 };
    QTest::newRow("underscore is literal")
        << QString() << QString() << QStringLiteral("d_e") << -1 << -1 << QList<int> { 4 };
    QTest::newRow("os user") << QString() << QString() << QStringLiteral("operator7") << -1 << -1
                             << QList<int> { 2 };
    QTest::newRow("time range") << QString() << QString() << QString() << 1 << 3
                                << QList<int> { 2, 1 };
    QTest::newRow("combined") << QStringLiteral("retry") << QStringLiteral("window")
                              << QStringLiteral("carol") << 2 << 10 << QList<int> { 3 };
}

void TestAuditLog::filters()
{
    QFETCH(QString, action);
    QFETCH(QString, origin);
    QFETCH(QString, text);
    QFETCH(int, fromHour);
    QFETCH(int, toHour);
    QFETCH(QList<int>, expected);

    add(QStringLiteral("window"), QStringLiteral("submit"),
        { QStringLiteral("carol"), QStringLiteral("dxe") }, m_base);
    add(QStringLiteral("window"), QStringLiteral("retry"), { QStringLiteral("alice") },
        m_base.addSecs(3600));
    add(QStringLiteral("terminal"), QStringLiteral("submit"), { QStringLiteral("bob") },
        m_base.addSecs(2 * 3600), QStringLiteral("operator7"));
    add(QStringLiteral("window"), QStringLiteral("retry"), { QStringLiteral("carol") },
        m_base.addSecs(3 * 3600));
    add(QStringLiteral("endpoint"), QStringLiteral("endpoint"), { QStringLiteral("d_e") },
        m_base.addSecs(4 * 3600));

    AuditFilter filter;
    filter.action = action;
    filter.origin = origin;
    filter.text = text;
    if (fromHour >= 0)
        filter.from = m_base.addSecs(3600LL * fromHour);
    if (toHour >= 0)
        filter.to = m_base.addSecs(3600LL * toHour);
    const AuditPage page = AuditLog::read(m_db->connection(), filter, 100);
    QVERIFY2(page.ok, qPrintable(page.error));
    QList<int> got;
    for (const AuditEntry &e : page.entries)
        got << int(e.occurredAt.secsTo(m_base) / -3600);
    QCOMPARE(got, expected);
}

void TestAuditLog::hugeUsernameListsAreTruncated()
{
    QStringList names;
    for (int i = 0; i < 1500; ++i)
        names << QStringLiteral("user%1").arg(i);
    add(QStringLiteral("terminal"), QStringLiteral("submit"), names, m_base);
    const AuditPage page = AuditLog::read(m_db->connection(), {}, 10);
    QVERIFY(page.ok);
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(page.entries.first().total, 1500);
    QCOMPARE(page.entries.first().usernames.size(), AuditLog::MaxUsernames);
    QCOMPARE(page.entries.first().usernames.first(), QStringLiteral("user0"));
    QVERIFY(page.entries.first().usernamesTruncated);
}

void TestAuditLog::submissionEntryCountsOutcomes()
{
    QList<RequestResult> results;
    const QList<QPair<QString, Outcome>> inputs = {
        { QStringLiteral("a1"), Outcome::Queued },
        { QStringLiteral("a2"), Outcome::Queued },
        { QStringLiteral("a3"), Outcome::AlreadyQueued },
        { QStringLiteral("bad!"), Outcome::Invalid },
        { QStringLiteral("a1"), Outcome::DuplicateInBatch },
    };
    for (const auto &input : inputs) {
        RequestResult r;
        r.input = input.first;
        r.username = input.first;
        r.outcome = input.second;
        results << r;
    }
    const AuditEntry entry = AuditLog::submissionEntry(QStringLiteral("terminal"), results);
    QCOMPARE(entry.action, QStringLiteral("submit"));
    QCOMPARE(entry.origin, QStringLiteral("terminal"));
    QCOMPARE(entry.total, 5);
    QCOMPARE(entry.usernames,
        (QStringList { QStringLiteral("a1"), QStringLiteral("a2"), QStringLiteral("a3") }));
    QCOMPARE(entry.details.value(QStringLiteral("queued")).toInt(), 2);
    QCOMPARE(entry.details.value(QStringLiteral("already_queued")).toInt(), 1);
    QCOMPARE(entry.details.value(QStringLiteral("invalid")).toInt(), 1);
    QCOMPARE(entry.details.value(QStringLiteral("duplicate_in_batch")).toInt(), 1);
    QSqlDatabase db = m_db->connection();
    QVERIFY(AuditLog::record(db, entry).ok);
    const ValueResult<QStringList> actions = AuditLog::actions(db);
    QVERIFY2(actions.ok, qPrintable(actions.error));
    QCOMPARE(actions.value, QStringList { QStringLiteral("submit") });
}

void TestAuditLog::endpointCounterAggregates()
{
    EndpointAuditCounter counter;
    QVERIFY(counter.isEmpty());
    QList<QThread *> threads;
    for (int t = 0; t < 4; ++t) {
        threads << QThread::create([&counter, t] {
            for (int i = 0; i < 250; ++i)
                counter.add(i % 5 == 0 ? Outcome::AlreadyQueued : Outcome::Queued,
                    QStringLiteral("t%1u%2").arg(t).arg(i % 10));
        });
        threads.last()->start();
    }
    for (QThread *thread : std::as_const(threads)) {
        QVERIFY(thread->wait(10000));
        delete thread;
    }
    QSqlDatabase db = m_db->connection();
    const Result flushed = counter.flush(db);
    QVERIFY2(flushed.ok, qPrintable(flushed.error));
    QVERIFY(counter.isEmpty());
    QVERIFY(counter.flush(db).ok); // nothing to write: no second row
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toInt(), 1);
    const AuditPage page = AuditLog::read(db, {}, 10);
    QVERIFY(page.ok);
    const AuditEntry &e = page.entries.first();
    QCOMPARE(e.origin, QStringLiteral("endpoint"));
    QCOMPARE(e.total, 1000);
    QCOMPARE(e.details.value(QStringLiteral("queued")).toInt(), 800);
    QCOMPARE(e.details.value(QStringLiteral("already_queued")).toInt(), 200);
    QCOMPARE(e.usernames.size(), 40); // distinct usernames
}

void TestAuditLog::osUserAsWhoamiWithoutEnvironment()
{
    QProcess whoami;
    whoami.start(QStringLiteral("whoami"), {});
    QVERIFY(whoami.waitForFinished(10000));
    const QString expected = QString::fromLocal8Bit(whoami.readAllStandardOutput()).trimmed();
    QVERIFY(!expected.isEmpty());
    // A desktop session or a service may start the window without $USER and $LOGNAME.
    const QByteArray names[] = { "USER", "LOGNAME", "USERNAME" };
    QList<QPair<QByteArray, QByteArray>> saved;
    for (const QByteArray &name : names) {
        if (qEnvironmentVariableIsSet(name.constData()))
            saved.append({ name, qgetenv(name.constData()) });
        qunsetenv(name.constData());
    }
    const QString withoutEnvironment = AuditLog::currentOsUser();
    // And an environment that says something else does not override the real user.
    qputenv("USER", "somebody-else");
    const QString withOtherUser = AuditLog::currentOsUser();
    qunsetenv("USER");
    for (const auto &[name, value] : std::as_const(saved))
        qputenv(name.constData(), value);
    QCOMPARE(withoutEnvironment, expected);
    QCOMPARE(withOtherUser, expected);
}

void TestAuditLog::detailsReadForPeople()
{
    const QJsonObject action { { QStringLiteral("changed"), 2 },
        { QStringLiteral("skipped_active_exists"), 0 },
        { QStringLiteral("skipped_same_username"), 0 },
        { QStringLiteral("skipped_wrong_state"), 1 }, { QStringLiteral("skipped_not_found"), 0 } };
    const QString text = AuditLog::describeDetails(action);
    QCOMPARE(text, QStringLiteral("changed: 2 · skipped: not in a state for this action: 1"));
    const QJsonObject submit { { QStringLiteral("already_queued"), 3 },
        { QStringLiteral("duplicate_in_batch"), 1 }, { QStringLiteral("queued"), 1200 } };
    QCOMPARE(AuditLog::describeDetails(submit),
        QStringLiteral("already queued: 3 · repeated in the batch: 1 · queued: 1,200"));
    // No machine key is shown as it is.
    for (const QString &key : action.keys() + submit.keys()) {
        if (key.contains(QLatin1Char('_')))
            QVERIFY2(!AuditLog::detailLabel(key).contains(QLatin1Char('_')), qPrintable(key));
    }
    QCOMPARE(
        AuditLog::detailLabel(QStringLiteral("some_new_count")), QStringLiteral("some new count"));
}

void TestAuditLog::skippedActionsNameTheirUsernames()
{
    // An admin pauses three rows; two are not pending, so only one changes. The audit entry
    // names all three, so a search for any of them finds what was done.
    QSqlDatabase db = m_db->connection();
    SeedRow pending;
    pending.username = QStringLiteral("still_waiting");
    SeedRow done;
    done.username = QStringLiteral("long_done");
    done.status = QStringLiteral("COMPLETED");
    SeedRow failed;
    failed.username = QStringLiteral("broke_once");
    failed.status = QStringLiteral("FAILED");
    for (SeedRow *row : { &pending, &done, &failed })
        QVERIFY(!insertQueueRow(db, *row).isEmpty());
    const QueueActionResult result = QueueActions::apply(db, QueueAction::Pause,
        { pending.id, done.id, failed.id }, AuditEntry::forOrigin(QStringLiteral("window")));
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changed(), 1);

    for (const QString &name : { QStringLiteral("still_waiting"), QStringLiteral("long_done"),
             QStringLiteral("broke_once") }) {
        AuditFilter filter;
        filter.text = name;
        filter.action = QStringLiteral("pause");
        const AuditPage page = AuditLog::read(db, filter, 10);
        QVERIFY2(page.ok, qPrintable(page.error));
        QVERIFY2(page.entries.size() == 1, qPrintable(name));
        QCOMPARE(page.entries.first().total, 3);
        QCOMPARE(page.entries.first().usernames.first(), QStringLiteral("still_waiting"));
    }
    // All skipped: the names are still there.
    const QueueActionResult none = QueueActions::apply(db, QueueAction::Retry,
        { pending.id, done.id }, AuditEntry::forOrigin(QStringLiteral("window")));
    QVERIFY(none.ok);
    QCOMPARE(none.changed(), 0);
    AuditFilter retry;
    retry.action = QStringLiteral("retry");
    const AuditPage page = AuditLog::read(db, retry, 10);
    QCOMPARE(page.entries.size(), 1);
    QCOMPARE(page.entries.first().usernames,
        (QStringList { QStringLiteral("still_waiting"), QStringLiteral("long_done") }));
}

QTEST_GUILESS_MAIN(TestAuditLog)
#include "tst_auditlog.moc"
