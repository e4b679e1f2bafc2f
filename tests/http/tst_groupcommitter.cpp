// The endpoint's database stage on its own (GroupCommitter): a read first for requests that
// need no write, the writers for the rest, and the switch between the two by the share of
// requests that reads answer. Every request is answered exactly once, with the outcome the
// database gives, whichever way it went. Runs once per engine (VIRALSPOT_TEST_ENGINE).

#include "core/http/db/databaseworkers.h"
#include "core/schema.h"
#include "tests/support/testdatabase.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QHash>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using namespace ViralSpot::Http;

class TestGroupCommitter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void everyRequestIsAnsweredOnceWithTheDatabasesOutcome();
    void readsStepAsideForNewNamesAndComeBackForRepeats();
    void smallBatchesWaitForMoreOnlyUnderLoad();

private:
    // Submits `names` (all at once) and waits until each has its answer; returns the outcomes
    // by name, and fails the test on a missing or repeated answer.
    QHash<QString, Outcome> run(const QStringList &names);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<GroupCommitter> m_committer;
    QObject m_context; // answers are delivered on this (the test's) thread
};

void TestGroupCommitter::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QSqlDatabase connection = m_db->connection();
    const Schema::MigrationResult migration = Schema::migrate(connection);
    QVERIFY2(migration.ok, qPrintable(migration.error));
    m_committer = std::make_unique<GroupCommitter>(m_db->config(), &m_context);
    m_committer->start();
}

void TestGroupCommitter::cleanup()
{
    m_committer.reset();
    m_db.reset();
}

QHash<QString, Outcome> TestGroupCommitter::run(const QStringList &names)
{
    auto answers = std::make_shared<QList<RequestResult>>();
    for (const QString &name : names) {
        m_committer->submit({ name, QStringLiteral("test") },
            [answers](const RequestResult &r, const std::optional<Eta> &) { answers->append(r); });
    }
    QHash<QString, Outcome> outcomes;
    if (!QTest::qWaitFor([&] { return answers->size() >= names.size(); }, 30000)) {
        qWarning() << "answered" << answers->size() << "of" << names.size();
        return outcomes;
    }
    QTest::qWait(50); // a second answer to any of them would arrive now
    if (answers->size() != names.size()) {
        qWarning() << "answered" << answers->size() << "times for" << names.size();
        return {};
    }
    for (const RequestResult &r : std::as_const(*answers))
        outcomes.insert(r.username, r.outcome);
    return outcomes;
}

void TestGroupCommitter::everyRequestIsAnsweredOnceWithTheDatabasesOutcome()
{
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('done')")));
    QVERIFY(m_db->seedQueue(
        QStringLiteral("low"), QStringLiteral("PENDING"), QStringLiteral("LOW"), 0));
    QVERIFY(m_db->seedQueue(
        QStringLiteral("high"), QStringLiteral("PENDING"), QStringLiteral("HIGH"), 0));
    QStringList names { QStringLiteral("done"), QStringLiteral("low"), QStringLiteral("high") };
    for (int i = 0; i < 200; ++i)
        names << QStringLiteral("new_%1").arg(i);
    const QHash<QString, Outcome> outcomes = run(names);
    QCOMPARE(outcomes.size(), names.size());
    QCOMPARE(outcomes.value(QStringLiteral("done")), Outcome::AlreadyProcessed);
    QCOMPARE(outcomes.value(QStringLiteral("low")), Outcome::AlreadyQueued);
    QCOMPARE(outcomes.value(QStringLiteral("high")), Outcome::AlreadyQueued);
    for (int i = 0; i < 200; ++i)
        QCOMPARE(outcomes.value(QStringLiteral("new_%1").arg(i)), Outcome::Queued);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT priority FROM queue WHERE username = 'low'"))
                 .toString(),
        QStringLiteral("HIGH"));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 202);
}

void TestGroupCommitter::readsStepAsideForNewNamesAndComeBackForRepeats()
{
    QVERIFY(m_committer->readsFirst()); // until reads show they do not pay
    // New names only: reads answer none of them, so requests stop going through them first.
    for (int round = 0; round < 40 && m_committer->readsFirst(); ++round) {
        QStringList names;
        for (int i = 0; i < 10; ++i)
            names << QStringLiteral("fresh_%1_%2").arg(round).arg(i);
        const QHash<QString, Outcome> outcomes = run(names);
        QCOMPARE(outcomes.size(), names.size());
        for (const QString &name : std::as_const(names))
            QCOMPARE(outcomes.value(name), Outcome::Queued);
    }
    QVERIFY2(!m_committer->readsFirst(), qPrintable(QString::number(m_committer->readShare())));

    // Repeats of queued names: the sampled reads answer them, and the reads come first again.
    for (int round = 0; round < 200 && !m_committer->readsFirst(); ++round) {
        QStringList names;
        for (int i = 0; i < 10; ++i)
            names << QStringLiteral("fresh_%1_%2").arg(round % 40).arg(i);
        const QHash<QString, Outcome> outcomes = run(names);
        QCOMPARE(outcomes.size(), names.size());
        for (const QString &name : std::as_const(names))
            QCOMPARE(outcomes.value(name), Outcome::AlreadyQueued);
    }
    QVERIFY2(m_committer->readsFirst(), qPrintable(QString::number(m_committer->readShare())));
}

void TestGroupCommitter::smallBatchesWaitForMoreOnlyUnderLoad()
{
    // A hold far longer than any commit, so that waiting and not waiting are plain to see.
    m_committer = std::make_unique<GroupCommitter>(m_db->config(), &m_context);
    m_committer->holdBatches(4, std::chrono::seconds(30));
    m_committer->start();
    auto answers = std::make_shared<QList<RequestResult>>();
    const auto submit = [&](const QString &name) {
        m_committer->submit({ name, QStringLiteral("test") },
            [answers](const RequestResult &r, const std::optional<Eta> &) { answers->append(r); });
    };

    // After a quiet spell: committed at once, alone.
    submit(QStringLiteral("first"));
    QVERIFY(QTest::qWaitFor([&] { return answers->size() == 1; }, 10000));

    // Right after a commit (load): a batch smaller than 4 waits for more...
    submit(QStringLiteral("second"));
    QTest::qWait(500);
    QCOMPARE(answers->size(), 1);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 1);
    // ... and commits as soon as it has them.
    submit(QStringLiteral("third"));
    submit(QStringLiteral("fourth"));
    submit(QStringLiteral("fifth"));
    QVERIFY(QTest::qWaitFor([&] { return answers->size() == 5; }, 10000));

    // Stopping does not wait for the hold: what waits is committed and answered.
    submit(QStringLiteral("sixth"));
    QTest::qWait(100);
    QCOMPARE(answers->size(), 5);
    QElapsedTimer stopping;
    stopping.start();
    m_committer->stop();
    QVERIFY2(stopping.elapsed() < 10000, qPrintable(QString::number(stopping.elapsed())));
    QCoreApplication::sendPostedEvents();
    QCOMPARE(answers->size(), 6);
    for (const RequestResult &r : std::as_const(*answers))
        QCOMPARE(r.outcome, Outcome::Queued);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 6);
}

QTEST_GUILESS_MAIN(TestGroupCommitter)
#include "tst_groupcommitter.moc"
