// `viralspot-admin serve` as a user runs it (contract: Command line): the startup line, refusing a
// public bind without a token, the token from a file or the environment, two processes sharing one
// database under 64 concurrent clients, and SIGTERM during load losing no acknowledged request.
// Runs once per engine (VIRALSPOT_TEST_ENGINE).

#include "tests/http/rawhttp.h"
#include "tests/support/testdatabase.h"

#include <QMutex>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace ViralSpot;

namespace {

struct Serve
{
    std::unique_ptr<QProcess> process;
    quint16 port = 0;
    QString address;
    std::shared_ptr<QTemporaryDir> logDir; // stderr goes to a file: a full pipe would block it
    QByteArray log() const
    {
        QFile file(logDir->filePath(QStringLiteral("stderr.log")));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }
};

} // namespace

class TestServeCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void startupLineAndCleanStop();
    void refusesPublicBindWithoutToken();
    void tokenFromFileAndEnvironment();
    void badOptions();
    void twoProcessesShareOneDatabase();
    void sigtermDuringLoadLosesNothing();

private:
    // Starts serve and reads its "listening on" line; port 0 when it did not start.
    Serve start(const QStringList &options,
        const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());
    int stop(Serve &serve); // SIGTERM, returns the exit code

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestServeCommand::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(QFile::exists(Test::appBinary()));
}

void TestServeCommand::cleanup()
{
    m_db.reset();
}

Serve TestServeCommand::start(const QStringList &options, const QProcessEnvironment &environment)
{
    Serve serve;
    serve.process = std::make_unique<QProcess>();
    serve.process->setProcessEnvironment(environment);
    serve.process->setReadChannel(QProcess::StandardOutput);
    serve.logDir = std::make_shared<QTemporaryDir>();
    serve.process->setStandardErrorFile(serve.logDir->filePath(QStringLiteral("stderr.log")));
    serve.process->start(Test::appBinary(),
        QStringList { QStringLiteral("serve"), QStringLiteral("--database"), m_db->url() } +
            options);
    if (!serve.process->waitForStarted(10000))
        return serve;
    while (!serve.process->canReadLine()) {
        if (!serve.process->waitForReadyRead(15000))
            return serve;
    }
    const QString line = QString::fromUtf8(serve.process->readLine()).trimmed();
    static const QRegularExpression pattern(
        QStringLiteral("^listening on http://([0-9.]+):(\\d+)$"));
    const QRegularExpressionMatch match = pattern.match(line);
    if (match.hasMatch()) {
        serve.address = match.captured(1);
        serve.port = quint16(match.captured(2).toUInt());
    } else {
        qWarning() << "unexpected first line:" << line;
    }
    return serve;
}

int TestServeCommand::stop(Serve &serve)
{
    serve.process->terminate(); // SIGTERM
    if (!serve.process->waitForFinished(20000)) {
        serve.process->kill();
        serve.process->waitForFinished();
        return -1;
    }
    return serve.process->exitStatus() == QProcess::NormalExit ? serve.process->exitCode() : -2;
}

void TestServeCommand::startupLineAndCleanStop()
{
    Serve serve = start({ QStringLiteral("--port"), QStringLiteral("0") });
    QVERIFY(serve.port > 0);
    QCOMPARE(serve.address, QStringLiteral("127.0.0.1"));

    Test::BlockingClient client(QHostAddress::LocalHost, serve.port);
    const Test::RawResponse health = client.send("GET", "/health");
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body, QByteArray(R"({"database":"ok","status":"ok"})"));
    const Test::RawResponse queued =
        client.send("POST", "/api/profile/From_Serve/request?source=cli-test");
    QCOMPARE(queued.status, 200);
    QCOMPARE(queued.json()
                 .value(QStringLiteral("data"))
                 .toObject()
                 .value(QStringLiteral("message"))
                 .toString(),
        QStringLiteral("Profile from_serve has been added to the high priority queue"));

    QCOMPARE(stop(serve), 0);
    QCOMPARE(serve.process->readAllStandardOutput(), QByteArray()); // nothing after the line
    const QByteArray log = serve.log();
    QVERIFY2(log.contains(" 127.0.0.1 POST /api/profile/From_Serve/request 200 "), log.constData());
    QVERIFY2(!log.contains("cli-test"), log.constData()); // no query in the log
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT source FROM queue WHERE username = 'from_serve'"))
                 .toString(),
        QStringLiteral("cli-test"));
}

void TestServeCommand::refusesPublicBindWithoutToken()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("VIRALSPOT_API_TOKEN"));
    for (const QString &address : { QStringLiteral("0.0.0.0"), QStringLiteral("::") }) {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.start(Test::appBinary(),
            { QStringLiteral("serve"), QStringLiteral("--bind"), address, QStringLiteral("--port"),
                QStringLiteral("0"), QStringLiteral("--database"), m_db->url() });
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitCode(), 2);
        QCOMPARE(process.readAllStandardOutput(), QByteArray());
        const QByteArray error = process.readAllStandardError();
        QVERIFY2(error.contains("Refusing to listen on"), error.constData());
        QVERIFY2(error.contains("--token-file"), error.constData());
    }
}

void TestServeCommand::tokenFromFileAndEnvironment()
{
    QTemporaryDir dir;
    const QString tokenFile = dir.filePath(QStringLiteral("token"));
    {
        QFile file(tokenFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("file-token-123\n");
    }
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("VIRALSPOT_API_TOKEN"));
    Serve serve =
        start({ QStringLiteral("--bind"), QStringLiteral("0.0.0.0"), QStringLiteral("--port"),
                  QStringLiteral("0"), QStringLiteral("--token-file"), tokenFile },
            environment);
    QVERIFY(serve.port > 0);
    QCOMPARE(serve.address, QStringLiteral("0.0.0.0"));
    Test::BlockingClient client(QHostAddress::LocalHost, serve.port);
    QCOMPARE(client.send("POST", "/api/profile/tok/request").status, 401);
    QCOMPARE(
        client.send("POST", "/api/profile/tok/request", { "Authorization: Bearer nope" }).status,
        401);
    QCOMPARE(
        client.send("POST", "/api/profile/tok/request", { "Authorization: Bearer file-token-123" })
            .status,
        200);
    QCOMPARE(stop(serve), 0);
    QVERIFY(!serve.log().contains("file-token-123"));

    environment.insert(QStringLiteral("VIRALSPOT_API_TOKEN"), QStringLiteral("env-token-456"));
    serve = start({ QStringLiteral("--port"), QStringLiteral("0") }, environment);
    QVERIFY(serve.port > 0);
    Test::BlockingClient second(QHostAddress::LocalHost, serve.port);
    QCOMPARE(second.send("GET", "/api/profile/tok/status").status, 401);
    QCOMPARE(
        second.send("GET", "/api/profile/tok/status", { "Authorization: Bearer env-token-456" })
            .status,
        200);
    QCOMPARE(stop(serve), 0);

    QProcess missing; // an unreadable token file is an error, not "no token"
    missing.start(Test::appBinary(),
        { QStringLiteral("serve"), QStringLiteral("--token-file"),
            dir.filePath(QStringLiteral("absent")), QStringLiteral("--database"), m_db->url() });
    QVERIFY(missing.waitForFinished(15000));
    QCOMPARE(missing.exitCode(), 2);
    QVERIFY(missing.readAllStandardError().contains("token file"));
}

void TestServeCommand::badOptions()
{
    QProcess process;
    process.start(Test::appBinary(),
        { QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("99999"),
            QStringLiteral("--database"), m_db->url() });
    QVERIFY(process.waitForFinished(15000));
    QCOMPARE(process.exitCode(), 64);
    process.start(Test::appBinary(),
        { QStringLiteral("serve"), QStringLiteral("--bind"), QStringLiteral("not-an-address"),
            QStringLiteral("--database"), m_db->url() });
    QVERIFY(process.waitForFinished(15000));
    QCOMPARE(process.exitCode(), 64);
    process.start(Test::appBinary(), { QStringLiteral("serve"), QStringLiteral("--help") });
    QVERIFY(process.waitForFinished(15000));
    QCOMPARE(process.exitCode(), 0);
    const QByteArray help = process.readAllStandardOutput();
    QVERIFY(help.contains("--token-file"));
    QVERIFY(help.contains("--allow-origin"));
}

void TestServeCommand::twoProcessesShareOneDatabase()
{
    Serve first = start({ QStringLiteral("--port"), QStringLiteral("0") });
    Serve second = start({ QStringLiteral("--port"), QStringLiteral("0") });
    QVERIFY(first.port > 0);
    QVERIFY(second.port > 0);

    constexpr int Clients = 64;
    constexpr int Names = 500;
    QStringList names;
    for (int i = 0; i < Names; ++i)
        names.append(QStringLiteral("Overlap_%1").arg(i));

    QMutex mutex;
    QHash<QString, int> queued;
    int answers = 0;
    QStringList failures;
    std::vector<std::unique_ptr<QThread>> threads;
    for (int c = 0; c < Clients; ++c) {
        const quint16 port = c % 2 ? second.port : first.port;
        QStringList order = names;
        std::shuffle(order.begin(), order.end(), *QRandomGenerator::global());
        threads.emplace_back(QThread::create([&, port, order] {
            Test::BlockingClient client(QHostAddress::LocalHost, port);
            for (const QString &name : order) {
                const Test::RawResponse response =
                    client.send("POST", "/api/profile/" + name.toLatin1() + "/request");
                const QJsonObject data = response.json().value(QStringLiteral("data")).toObject();
                QMutexLocker lock(&mutex);
                ++answers;
                if (response.status != 200 ||
                    data.value(QStringLiteral("username")).toString() != name.toLower()) {
                    failures.append(QStringLiteral("%1: %2 %3")
                                        .arg(name)
                                        .arg(response.status)
                                        .arg(QString::fromUtf8(response.body)));
                    continue;
                }
                if (data.value(QStringLiteral("queued")).toBool())
                    ++queued[name.toLower()];
            }
        }));
        threads.back()->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(240000));

    QVERIFY2(failures.isEmpty(), qPrintable(failures.mid(0, 5).join(QLatin1Char('\n'))));
    QCOMPARE(answers, Clients * Names);
    QCOMPARE(queued.size(), Names);
    for (auto it = queued.cbegin(); it != queued.cend(); ++it)
        QVERIFY2(it.value() == 1, qPrintable(it.key()));
    QCOMPARE(
        m_db->scalar(QStringLiteral(
                         "SELECT COUNT(*) FROM queue WHERE status IN ('PENDING','PROCESSING')"))
            .toInt(),
        Names);
    QCOMPARE(m_db->scalar(QStringLiteral(
                              "SELECT COUNT(*) FROM (SELECT username FROM queue GROUP BY username "
                              "HAVING COUNT(*) > 1) d"))
                 .toInt(),
        0);
    QCOMPARE(stop(first), 0);
    QCOMPARE(stop(second), 0);
    for (Serve *serve : { &first, &second }) { // the request logs agree: no 5xx at all
        const QByteArray log = serve->log();
        static const QRegularExpression serverError(
            QStringLiteral(" 5\\d\\d [0-9.]+ms$"), QRegularExpression::MultilineOption);
        QVERIFY(!serverError.match(QString::fromUtf8(log)).hasMatch());
    }
}

void TestServeCommand::sigtermDuringLoadLosesNothing()
{
    Serve serve = start({ QStringLiteral("--port"), QStringLiteral("0") });
    QVERIFY(serve.port > 0);

    constexpr int Clients = 16;
    QMutex mutex;
    QStringList acknowledged;
    std::atomic_int answered { 0 };
    std::vector<std::unique_ptr<QThread>> threads;
    for (int c = 0; c < Clients; ++c) {
        threads.emplace_back(QThread::create([&, c] {
            Test::BlockingClient client(QHostAddress::LocalHost, serve.port);
            for (int i = 0;; ++i) {
                const QString name = QStringLiteral("term_%1_%2").arg(c).arg(i);
                const Test::RawResponse response =
                    client.send("POST", "/api/profile/" + name.toLatin1() + "/request", {}, 10000);
                if (response.status == 0)
                    return; // the server has gone
                ++answered;
                if (response.json()
                        .value(QStringLiteral("data"))
                        .toObject()
                        .value(QStringLiteral("queued"))
                        .toBool()) {
                    QMutexLocker lock(&mutex);
                    acknowledged.append(name);
                }
            }
        }));
        threads.back()->start();
    }
    QTRY_VERIFY_WITH_TIMEOUT(answered.load() >= 500, 30000);
    QCOMPARE(stop(serve), 0);
    for (auto &thread : threads)
        QVERIFY(thread->wait(30000));

    QVERIFY(acknowledged.size() >= 500);
    // Every "queued: true" the clients got is a committed row.
    const int rows =
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username LIKE 'term_%'"))
            .toInt();
    QVERIFY2(rows >= acknowledged.size(),
        qPrintable(QStringLiteral("%1 rows, %2 acknowledged").arg(rows).arg(acknowledged.size())));
    QSqlQuery query(m_db->connection());
    QVERIFY(query.exec(QStringLiteral("SELECT username FROM queue WHERE username LIKE 'term_%'")));
    QSet<QString> stored;
    while (query.next())
        stored.insert(query.value(0).toString());
    for (const QString &name : std::as_const(acknowledged))
        QVERIFY2(stored.contains(name), qPrintable(name));
}

QTEST_GUILESS_MAIN(TestServeCommand)
#include "tst_servecommand.moc"
