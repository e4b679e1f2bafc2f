// Qt 6.4 hangs at exit, spinning, in about 1.5% of processes whose threads make their first
// database connections at the same moment, unless Database::initializeDrivers() runs first.
// 200 runs of first_open_race catch a regression with a probability of about 95%.
//
// A hang of Qt's driver registry, not a memory fault: the test carries the `processes` label,
// which scripts/test.sh runs in the main build rather than under the sanitizers (200 process
// starts cost three times as long there). It runs on SQLite and direct PostgreSQL; a pooler in
// front changes nothing in the process, which never gets past the driver before it races.

#include "tests/support/testdatabase.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace ViralSpot;

class TestFirstConnections : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstConnectionsAtOnceThenExit();
};

void TestFirstConnections::firstConnectionsAtOnceThenExit()
{
    // On SQLite every run opens a new file, so that the threads also race to switch it to WAL
    // (which SQLite refuses with "database is locked" instead of waiting).
    constexpr int Runs = 200;
    // Four processes at a time: the race is inside each process, so running others beside it
    // changes nothing for any of them, and most of a run's time is spent waiting (process start,
    // the server's connection start-up), not computing. Not more: eight at a time (64 PostgreSQL
    // connections starting at once) met libpq's connect timeout on a loaded machine.
    constexpr int AtOnce = 4;
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    QTemporaryDir fresh;
    QVERIFY(fresh.isValid());
    const bool sqlite = db.url().startsWith(QLatin1String("sqlite:"));
    for (int first = 0; first < Runs; first += AtOnce) {
        std::vector<std::unique_ptr<QProcess>> children;
        for (int run = first; run < first + AtOnce && run < Runs; ++run) {
            const QString url = sqlite
                ? QStringLiteral("sqlite:%1/run-%2.sqlite").arg(fresh.path()).arg(run)
                : db.url();
            auto child = std::make_unique<QProcess>();
            child->start(
                Test::testBinary(QStringLiteral("first_open_race")), { url, QStringLiteral("8") });
            QVERIFY2(child->waitForStarted(), qPrintable(child->errorString()));
            children.push_back(std::move(child));
        }
        for (std::size_t i = 0; i < children.size(); ++i) {
            QProcess &child = *children[i];
            const int run = first + int(i);
            if (!child.waitForFinished(15000)) {
                for (const auto &other : children) {
                    other->kill();
                    other->waitForFinished();
                }
                QFAIL(qPrintable(QStringLiteral("run %1 did not exit within 15 s").arg(run)));
            }
            QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
                qPrintable(QStringLiteral("run %1: %2")
                               .arg(run)
                               .arg(QString::fromUtf8(child.readAllStandardError()))));
        }
    }
}

QTEST_GUILESS_MAIN(TestFirstConnections)
#include "tst_firstconnections.moc"
