// The real `viralspot-admin submit` binary: arguments, standard input, --json, exit statuses.

#include "tests/support/testdatabase.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlQuery>
#include <QStringEncoder>
#include <QTest>

#include <memory>

using namespace ViralSpot;

class TestSubmitCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void argumentsGiveOneLinePerInputAndASummary();
    void jsonLinesOnly();
    void standardInputBulk();
    void standardInputCsv();
    void standardInputInOtherEncodings();
    void exitStatusForInvalidInput();
    void badSourceIsInvalid();
    void databaseFailureExitsTwo_data();
    void databaseFailureExitsTwo();
    void environmentVariableSelectsTheDatabase();
    void helpAndVersion();
    void usageErrors();
    void repairDuplicatesCommand();
    void auditRowForEachSubmission();
    void readOnlyRefusesBeforeTheDatabase();

private:
    struct Run
    {
        int exitCode = -1;
        QString out;
        QString err;
    };
    Run submit(const QStringList &args, const QByteArray &input = {},
        const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestSubmitCommand::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
}

void TestSubmitCommand::cleanup()
{
    m_db.reset();
}

TestSubmitCommand::Run TestSubmitCommand::submit(
    const QStringList &args, const QByteArray &input, const QProcessEnvironment &env)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(Test::appBinary(), QStringList { QStringLiteral("submit") } + args);
    Run run;
    if (!p.waitForStarted())
        return run;
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000))
        return run;
    run.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    run.out = QString::fromUtf8(p.readAllStandardOutput());
    run.err = QString::fromUtf8(p.readAllStandardError());
    return run;
}

void TestSubmitCommand::argumentsGiveOneLinePerInputAndASummary()
{
    const Run r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("Alice"),
        QStringLiteral("@bob"), QStringLiteral("alice") });
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].startsWith(QLatin1String("Alice\tqueued\tProfile alice has been added")));
    QVERIFY(lines[1].startsWith(QLatin1String("@bob\tqueued\t")));
    QVERIFY(lines[2].startsWith(QLatin1String("alice\tduplicate_in_batch\t")));
    QVERIFY2(lines[3].contains(QLatin1String("3 inputs: 2 queued")), qPrintable(lines[3]));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 2);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT source FROM queue LIMIT 1")).toString(),
        QStringLiteral("frontend"));
}

void TestSubmitCommand::jsonLinesOnly()
{
    QVERIFY(m_db->exec(QStringLiteral("CREATE TABLE IF NOT EXISTS primary_profiles (username "
                                      "VARCHAR(255) UNIQUE NOT NULL)")));
    QVERIFY(m_db->exec(QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('proc')")));
    const Run r = submit({ QStringLiteral("--json"), QStringLiteral("--source"),
        QStringLiteral("cli"), QStringLiteral("--database"), m_db->url(), QStringLiteral("new1"),
        QStringLiteral("PROC"), QStringLiteral("a..b") });
    QCOMPARE(r.exitCode, 1);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    const QStringList outcomes = { QStringLiteral("queued"), QStringLiteral("already_processed"),
        QStringLiteral("invalid") };
    const QStringList inputs = { QStringLiteral("new1"), QStringLiteral("PROC"),
        QStringLiteral("a..b") };
    for (int i = 0; i < 3; ++i) {
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(lines[i].toUtf8(), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(o.keys(),
            (QStringList { QStringLiteral("input"), QStringLiteral("message"),
                QStringLiteral("outcome"), QStringLiteral("username") }));
        QCOMPARE(o.value(QLatin1String("input")).toString(), inputs[i]);
        QCOMPARE(o.value(QLatin1String("outcome")).toString(), outcomes[i]);
        QVERIFY(!o.value(QLatin1String("message")).toString().isEmpty());
    }
    QCOMPARE(QJsonDocument::fromJson(lines[1].toUtf8()).object().value(QLatin1String("username")),
        QJsonValue(QStringLiteral("proc")));
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT source FROM queue")).toString(), QStringLiteral("cli"));
}

void TestSubmitCommand::standardInputBulk()
{
    const QByteArray input =
        "one, two;three\tfour five\r\n\n@ONE\nhttps://www.instagram.com/six/\n";
    const Run r = submit({ QStringLiteral("--json"), QStringLiteral("--database"), m_db->url(),
                             QStringLiteral("-") },
        input);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.out.count(QLatin1String("\"outcome\":\"queued\"")), 6);
    QCOMPARE(r.out.count(QLatin1String("\"outcome\":\"duplicate_in_batch\"")), 1);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 6);
}

void TestSubmitCommand::standardInputCsv()
{
    const QByteArray csv = "id,username,followers\n1,Alpha,10\n2,\"beta\",20\n3,alpha,30\n";
    const Run r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("-") }, csv);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QLatin1String("3 inputs: 2 queued")), qPrintable(r.out));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username IN "
                                         "('alpha','beta')"))
                 .toInt(),
        2);
}

void TestSubmitCommand::standardInputInOtherEncodings()
{
    // A spreadsheet's "Unicode text" (UTF-16LE with its mark, tabs, a header) and its CSV in
    // Windows-1252 (an accent in another column): both read as their encodings, not as UTF-8.
    QStringEncoder utf16(QStringEncoder::Utf16LE, QStringEncoder::Flag::WriteBom);
    const QByteArray sheet =
        utf16(QStringLiteral("username\tname\r\nalpha\tAlpha\r\nbeta.two\tBéta\r\n"));
    Run r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("-") }, sheet);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QLatin1String("2 inputs: 2 queued")), qPrintable(r.out));

    const QByteArray legacy = "username;name\r\ngamma;Jos\xe9\r\ndelta;Zo\xeb \x96 \x93Z\x94\r\n";
    r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("-") }, legacy);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QLatin1String("2 inputs: 2 queued")), qPrintable(r.out));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username IN "
                                         "('alpha','beta.two','gamma','delta')"))
                 .toInt(),
        4);
}

void TestSubmitCommand::exitStatusForInvalidInput()
{
    const Run r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("good"),
        QStringLiteral(".bad") });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.contains(QLatin1String(".bad\tinvalid\t")));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 1);
}

void TestSubmitCommand::badSourceIsInvalid()
{
    const Run r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("--source"),
        QStringLiteral("no spaces allowed"), QStringLiteral("good") });
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.contains(QLatin1String("good\tinvalid\t")));
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
}

void TestSubmitCommand::databaseFailureExitsTwo_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("closed postgres port") << "postgresql://postgres@127.0.0.1:1/x";
    QTest::newRow("unwritable sqlite") << "sqlite:/proc/version/q.sqlite";
    QTest::newRow("unparsable url") << "mysql://nope";
}

void TestSubmitCommand::databaseFailureExitsTwo()
{
    QFETCH(QString, url);
    QElapsedTimer timer;
    timer.start();
    const Run r = submit({ QStringLiteral("--json"), QStringLiteral("--database"), url,
        QStringLiteral("someone"), QStringLiteral("bad..one") });
    QCOMPARE(r.exitCode, 2);
    QVERIFY(timer.elapsed() < 10000);
    QVERIFY(r.out.contains(QLatin1String("\"outcome\":\"error\"")));
    QVERIFY(!r.out.contains(QLatin1String("\"outcome\":\"queued\"")));
    QVERIFY(r.out.contains(QLatin1String("\"outcome\":\"invalid\"")));
}

void TestSubmitCommand::environmentVariableSelectsTheDatabase()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("VIRALSPOT_DATABASE_URL"), m_db->url());
    const Run r = submit({ QStringLiteral("from_env") }, {}, env);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT username FROM queue")).toString(),
        QStringLiteral("from_env"));
}

void TestSubmitCommand::helpAndVersion()
{
    Run r = submit({ QStringLiteral("--help") });
    QCOMPARE(r.exitCode, 0);
    for (const char *word : { "--source", "--json", "--database", "standard input" })
        QVERIFY2(r.out.contains(QLatin1String(word)), word);
    r = submit({ QStringLiteral("--version") });
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.startsWith(QLatin1String("viralspot-admin ")));
}

void TestSubmitCommand::usageErrors()
{
    Run r = submit({});
    QCOMPARE(r.exitCode, 64);
    QVERIFY(r.err.contains(QLatin1String("--help")));
    r = submit({ QStringLiteral("--no-such-option"), QStringLiteral("x") });
    QCOMPARE(r.exitCode, 64);
    QVERIFY(r.err.contains(QLatin1String("no-such-option")));
}

void TestSubmitCommand::repairDuplicatesCommand()
{
    // An old queue without the one-active-row index, holding a duplicate.
    const bool pg = Test::engine() == DatabaseConfig::Engine::PostgreSQL;
    QVERIFY(m_db->exec(QStringLiteral("CREATE TABLE queue (id %1 PRIMARY KEY, username "
                                      "VARCHAR(255) NOT NULL, status VARCHAR(20), created_at %2)")
                           .arg(pg ? QStringLiteral("UUID") : QStringLiteral("TEXT"),
                               pg ? QStringLiteral("TIMESTAMPTZ") : QStringLiteral("TEXT"))));
    QVERIFY(m_db->exec(QStringLiteral(
        "INSERT INTO queue (id, username, status, created_at) VALUES "
        "('00000000-0000-0000-0000-000000000001', 'x', 'PENDING', '2024-01-01T00:00:00Z'), "
        "('00000000-0000-0000-0000-000000000002', 'x', 'PROCESSING', '2024-01-02T00:00:00Z')")));

    auto repair = [&](const QStringList &extra) {
        QProcess p;
        p.start(Test::appBinary(),
            QStringList {
                QStringLiteral("repair-duplicates"), QStringLiteral("--database"), m_db->url() } +
                extra);
        p.waitForFinished(60000);
        return qMakePair(p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()));
    };
    // A request is refused while the duplicate is there, with the way out in the message.
    const Run refused = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("y") });
    QCOMPARE(refused.exitCode, 2);
    QVERIFY2(refused.err.contains(QLatin1String("repair-duplicates")), qPrintable(refused.err));

    auto report = repair({});
    QCOMPARE(report.first, 1);
    QVERIFY2(report.second.contains(QLatin1String("1 usernames")), qPrintable(report.second));
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")).toInt(),
        0);

    report = repair({ QStringLiteral("--apply") });
    QCOMPARE(report.first, 0);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 2);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT error_message FROM queue WHERE status = 'FAILED'"))
                 .toString(),
        QStringLiteral("Duplicate active request: kept queue row "
                       "00000000-0000-0000-0000-000000000001"));
    QCOMPARE(
        submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("y") }).exitCode, 0);
}

void TestSubmitCommand::auditRowForEachSubmission()
{
    const Run r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("aud1"),
        QStringLiteral("aud2"), QStringLiteral("aud1"), QStringLiteral("x..") });
    QCOMPARE(r.exitCode, 1);
    QSqlQuery q(m_db->connection());
    QVERIFY(q.exec(QStringLiteral("SELECT origin, action, total, usernames, details, os_user, "
                                  "host FROM audit_log")));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), QStringLiteral("terminal"));
    QCOMPARE(q.value(1).toString(), QStringLiteral("submit"));
    QCOMPARE(q.value(2).toInt(), 4);
    QVERIFY(q.value(3).toString().contains(QLatin1String("aud2")));
    const QJsonObject details = QJsonDocument::fromJson(q.value(4).toString().toUtf8()).object();
    QCOMPARE(details.value(QLatin1String("queued")).toInt(), 2);
    QCOMPARE(details.value(QLatin1String("duplicate_in_batch")).toInt(), 1);
    QCOMPARE(details.value(QLatin1String("invalid")).toInt(), 1);
    QVERIFY(!q.value(5).toString().isEmpty());
    QVERIFY(!q.value(6).toString().isEmpty());
    QVERIFY(!q.next());
}

void TestSubmitCommand::readOnlyRefusesBeforeTheDatabase()
{
    Run r = submit({ QStringLiteral("--read-only"), QStringLiteral("--database"), m_db->url(),
        QStringLiteral("watcher") });
    QCOMPARE(r.exitCode, 2);
    QVERIFY(r.err.contains(QLatin1String("read-only")));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("VIRALSPOT_READ_ONLY"), QStringLiteral("1"));
    r = submit({ QStringLiteral("--database"), m_db->url(), QStringLiteral("watcher") }, {}, env);
    QCOMPARE(r.exitCode, 2);
    // Not even the schema was created: the database was never touched.
    QVERIFY(!m_db->connection().tables().contains(QStringLiteral("queue")));
}

QTEST_GUILESS_MAIN(TestSubmitCommand)
#include "tst_submitcommand.moc"
