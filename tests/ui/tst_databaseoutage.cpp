// PostgreSQL stopped in the middle of a batch: the remaining rows say `error`, nothing is
// claimed, the banner appears; after a restart a new submit works in the same window.

#include "core/database.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/bulkresultmodel.h"
#include "ui/mainwindow.h"

#include <QFrame>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTest>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

class TestDatabaseOutage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void postgresStopsMidBatch();
};

void TestDatabaseOutage::initTestCase()
{
    Test::initUiTestEnvironment();
    Test::wipeSettings();
}

void TestDatabaseOutage::postgresStopsMidBatch()
{
    Test::PostgresServer server;
    VERIFY_OK(server.start());

    {
        Ui::Settings settings;
        settings.setValue(Ui::Settings::Key::BatchChunkSize, 100);
        settings.setValue(Ui::Settings::Key::PingIntervalMs, 300);
        settings.sync();
    }
    Ui::MainWindowOptions options;
    options.databaseUrl = server.adminUrl();
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 15000);
    auto *banner = Test::child<QFrame>(&window, "connectionBanner");
    QVERIFY(!banner->isVisible());

    QStringList lines;
    for (int i = 0; i < 50000; ++i)
        lines << QStringLiteral("outage_%1").arg(i);
    Test::child<QTabWidget>(&window, "tabs")->setCurrentIndex(MainWindow::BulkTab);
    auto *editor = Test::child<QPlainTextEdit>(&window, "bulkEditor");
    Test::paste(editor, lines.join(QLatin1Char('\n')));
    QTRY_VERIFY_WITH_TIMEOUT(!Test::bulk(&window)->isPreviewPending(), 30000);

    auto *progress = Test::child<QProgressBar>(&window, "batchProgress");
    QSignalSpy finished(Test::bulk(&window), &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(&window, "submitButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= 500, 60000);
    VERIFY_OK(server.stop());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);

    const Ui::BulkResultModel *model = Test::bulk(&window)->model();
    const int queued = model->count(Outcome::Queued);
    const int errors = model->count(Outcome::Error);
    qInfo("queued %d before the outage, %d rows error", queued, errors);
    QVERIFY(queued >= 500);
    QVERIFY(errors > 0);
    QCOMPARE(queued + errors, 50000);
    // Once the database is gone, every remaining row is an error.
    int firstError = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        const Outcome o = model->results().at(row).outcome;
        if (o == Outcome::Error && firstError < 0)
            firstError = row;
        if (firstError >= 0)
            QCOMPARE(o, Outcome::Error);
    }
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 10000);
    QVERIFY(!Test::database(&window)->isConnected());
    QVERIFY(Test::bulk(&window)->statusText().contains(Test::number(errors)));

    // The server comes back: the banner goes by itself, and the window works again.
    VERIFY_OK(server.start());
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 30000);
    QVERIFY(!banner->isVisible());

    // Nothing was claimed: every `queued` row is committed; no `error` row is.
    const DatabaseConfig admin = DatabaseConfig::fromUrl(server.adminUrl()).value;
    QSet<QString> inDb;
    {
        const ValueResult<QSqlDatabase> opened =
            Database::open(admin, QStringLiteral("outage_check"));
        QVERIFY2(opened.ok, qPrintable(opened.error));
        const QSqlDatabase &db = opened.value;
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT username FROM queue")));
        while (q.next())
            inDb.insert(q.value(0).toString());
    }
    Database::close(QStringLiteral("outage_check"));
    QCOMPARE(inDb.size(), queued);
    for (const RequestResult &r : model->results())
        QCOMPARE(inDb.contains(r.username), r.outcome == Outcome::Queued);

    // The failed rows can be sent again: now every row is on the queue.
    finished.clear();
    auto *retry = Test::child<QPushButton>(&window, "retryErrorsButton");
    QVERIFY(retry->isEnabled());
    QTest::mouseClick(retry, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(model->count(Outcome::Queued), 50000);
    QCOMPARE(model->count(Outcome::Error), 0);
    QVERIFY(!retry->isEnabled());
    {
        const ValueResult<QSqlDatabase> opened =
            Database::open(admin, QStringLiteral("outage_check2"));
        QVERIFY2(opened.ok, qPrintable(opened.error));
        const QSqlDatabase &db = opened.value;
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM queue")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toInt(), 50000);
    }
    Database::close(QStringLiteral("outage_check2"));

    // A new submit in the same window succeeds.
    finished.clear();
    Test::child<QPushButton>(&window, "clearBulkButton")->click();
    Test::paste(editor, QStringLiteral("after_outage_1\nafter_outage_2\n@After_Outage_3"));
    QTRY_VERIFY(!Test::bulk(&window)->isPreviewPending());
    QTest::mouseClick(Test::child<QPushButton>(&window, "submitButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(model->count(Outcome::Queued), 3);
}

QTEST_MAIN(TestDatabaseOutage)
#include "tst_databaseoutage.moc"
