// The real `serve` under load through a PgBouncer (VIRALSPOT_TEST_ENGINE pgbouncer_tx or
// pgbouncer_session, scripts/pgbouncer-throwaway.sh): two servers share a pool smaller than
// their connections, so server sessions change hands between transactions. Every answer must
// be a 200 (a named prepared statement lost or met twice in a shared session answered 503s
// here), /health must stay ok, and every acknowledged username must be on the queue once.
// The database is empty at the start: each server migrates it through the pooler.

#include "tests/robustness/httpclient.h"
#include "tests/robustness/loadgenerator.h"
#include "tests/robustness/serveprocess.h"
#include "tests/support/testdatabase.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using namespace ViralSpot::Robustness;

class TestPoolerLoad : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void endpointUnderLoad();
};

void TestPoolerLoad::endpointUnderLoad()
{
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QTemporaryDir logs;
    QVERIFY(logs.isValid());
    const int loadSeconds = qEnvironmentVariableIsSet("VIRALSPOT_POOLER_LOAD_SECONDS")
        ? qEnvironmentVariableIntValue("VIRALSPOT_POOLER_LOAD_SECONDS")
        : 5;

    std::vector<std::unique_ptr<ServeProcess>> servers;
    std::vector<std::unique_ptr<LoadGenerator>> loads;
    for (int s = 0; s < 2; ++s) {
        servers.push_back(std::make_unique<ServeProcess>(
            db.url(), logs.filePath(QStringLiteral("serve%1.log").arg(s))));
        // Each has a writer, a triage and a reader connection: together more than the pool's
        // server connections (PGBOUNCER_POOL_SIZE, 4).
        const Result started = servers.back()->start();
        QVERIFY2(started.ok, qPrintable(started.error + servers.back()->logTail()));
    }
    for (int s = 0; s < 2; ++s) {
        loads.push_back(std::make_unique<LoadGenerator>(
            servers[s]->port(), QStringLiteral("pool%1").arg(s), 8, 10000));
        loads.back()->start();
    }

    // /health and the status route while the load runs.
    QElapsedTimer timer;
    timer.start();
    int probes = 0;
    while (timer.elapsed() < loadSeconds * 1000) {
        for (const auto &server : servers) {
            HttpClient probe(server->port(), 10000);
            const HttpAnswer health = probe.get("/health");
            QVERIFY2(health.status == 200,
                qPrintable(QString::number(health.status) + QLatin1Char(' ') +
                    QString::fromUtf8(health.body) + server->logTail()));
            const HttpAnswer status = probe.get("/api/profile/pool0_0_0/status");
            QVERIFY2(status.status == 200, qPrintable(QString::fromUtf8(status.body)));
            ++probes;
        }
        QTest::qWait(250);
    }
    QStringList acknowledged;
    int answers = 0;
    QMap<int, int> byStatus;
    for (const auto &load : loads) {
        load->stop();
        QVERIFY2(load->problems().isEmpty(),
            qPrintable(load->problems().mid(0, 10).join(QLatin1Char('\n'))));
        acknowledged += load->acknowledged();
        for (const LoadGenerator::Sample &sample : load->samples()) {
            ++answers;
            ++byStatus[sample.status];
        }
    }
    qInfo("%d answers in %d s through the pooler, by status: %s; %d health probes", answers,
        loadSeconds, qPrintable([&] {
            QStringList parts;
            for (auto it = byStatus.cbegin(); it != byStatus.cend(); ++it)
                parts << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
            return parts.join(QStringLiteral(", "));
        }()),
        probes);
    QVERIFY2(answers >= 100, "too few answers to say anything");
    QCOMPARE(byStatus.value(200), answers); // 0 non-2xx
    for (const auto &server : servers)
        QCOMPARE(server->terminate(), 0);

    const QStringList broken = checkQueue(db.connection(), acknowledged);
    QVERIFY2(broken.isEmpty(), qPrintable(broken.mid(0, 10).join(QLatin1Char('\n'))));
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), acknowledged.size());
}

QTEST_GUILESS_MAIN(TestPoolerLoad)
#include "tst_poolerload.moc"
