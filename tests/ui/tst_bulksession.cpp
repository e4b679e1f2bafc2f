// The Bulk tab's state without a window (QCoreApplication, no widget): BulkSession over a real
// DatabaseSession and a real database of the engine named by VIRALSPOT_TEST_ENGINE. A newer
// text supersedes a parse still running; submit (also before the text is read), submitting
// the same text again only when confirmed, cancel after a chunk, retry of the rows that failed.

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "ui/bulk/bulksession.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesession.h"
#include "ui/secretstore.h"
#include "ui/settings.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::BulkResultModel;
using ViralSpot::Ui::BulkSession;
using ViralSpot::Ui::DatabaseSession;

class TestBulkSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void newerTextSupersedesRunningParse();
    void submitAndSubmitAgainOnlyWhenConfirmed();
    void submitBeforeTheTextIsRead();
    void cancelKeepsCommittedRows();
    void retrySendsOnlyTheFailedRows();

private:
    // A session on `config`, connected; the bulk session reads `m_text`.
    bool openSession(const DatabaseConfig &config, bool expectConnected = true);
    int count(const QString &sql) { return m_db->scalar(sql).toInt(); }

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<Ui::Settings> m_settings;
    std::unique_ptr<Ui::SecretStore> m_secrets;
    std::unique_ptr<DatabaseSession> m_session;
    std::unique_ptr<BulkSession> m_bulk;
    QString m_text;
};

void TestBulkSession::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ViralSpotTest"));
    QCoreApplication::setApplicationName(
        QStringLiteral("viralspot-bulksession-test-%1").arg(QCoreApplication::applicationPid()));
    qputenv("VIRALSPOT_NO_KEYCHAIN", "1");
}

void TestBulkSession::init()
{
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    RequestService service(m_db->config(), QStringLiteral("tst_bulksession_migrate"));
    const Result opened = service.open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
    service.close();
    m_settings = std::make_unique<Ui::Settings>();
    m_secrets = std::make_unique<Ui::SecretStore>();
    m_text.clear();
}

void TestBulkSession::cleanup()
{
    m_bulk.reset();
    m_session.reset();
    m_secrets.reset();
    if (m_settings)
        QFile::remove(m_settings->fileName());
    m_settings.reset();
    m_db.reset();
}

bool TestBulkSession::openSession(const DatabaseConfig &config, bool expectConnected)
{
    m_session = std::make_unique<DatabaseSession>(m_settings.get(), m_secrets.get());
    m_bulk = std::make_unique<BulkSession>(m_session.get(), *m_settings, false);
    m_bulk->setTextSource([this] { return m_text; });
    m_session->open(config);
    if (!QTest::qWaitFor([this] { return m_session->isConnectionKnown(); }, 15000))
        return false;
    return m_session->isConnected() == expectConnected;
}

void TestBulkSession::newerTextSupersedesRunningParse()
{
    QVERIFY(openSession(m_db->config()));
    QStringList lines;
    for (int i = 0; i < 300000; ++i)
        lines << QStringLiteral("long_text_user_%1").arg(i);
    QSignalSpy preview(m_bulk.get(), &BulkSession::previewUpdated);
    m_text = lines.join(QLatin1Char('\n'));
    m_bulk->textChanged();
    QVERIFY(m_bulk->isPreviewPending());
    QTRY_VERIFY(m_bulk->isParsing()); // after the pause that follows an edit

    // Edited while the long text is parsed: that parse is never shown.
    m_text = QStringLiteral("alice, @Bob\nbad..name alice");
    m_bulk->textChanged();
    QVERIFY(m_bulk->isParsing());
    QTRY_VERIFY_WITH_TIMEOUT(!m_bulk->isPreviewPending(), 30000);
    QCOMPARE(preview.count(), 1);
    const BulkParseResult &parsed = m_bulk->previewParse();
    QCOMPARE(parsed.entries.size(), 4);
    QCOMPARE(parsed.valid, 2);
    QCOMPARE(parsed.invalid, 1);
    QCOMPARE(parsed.duplicates, 1);
    QCOMPARE(m_bulk->model()->rowCount(), 4);
    QCOMPARE(m_bulk->previewCountsText(),
        QStringLiteral("Inputs: 4 · valid: 2 · invalid: 1 · duplicates: 1"));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0); // a preview writes nothing
}

void TestBulkSession::submitAndSubmitAgainOnlyWhenConfirmed()
{
    QVERIFY(openSession(m_db->config()));
    m_text = QStringLiteral("alice bob bad..x Alice");
    m_bulk->textChanged();
    QTRY_VERIFY(!m_bulk->isPreviewPending());

    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    QSignalSpy submitted(m_bulk.get(), &BulkSession::submitted);
    m_bulk->submit(QStringLiteral("campaign"));
    QVERIFY(m_bulk->isBatchRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QCOMPARE(submitted.count(), 1);
    QCOMPARE(submitted.at(0).at(0).toString(), QStringLiteral("campaign"));
    const BulkResultModel *model = m_bulk->model();
    QCOMPARE(model->count(Outcome::Queued), 2);
    QCOMPARE(model->count(Outcome::Invalid), 1);
    QCOMPARE(model->count(Outcome::DuplicateInBatch), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE source = 'campaign' AND "
                                  "username IN ('alice','bob')")),
        2);
    QVERIFY2(m_bulk->statusText().startsWith(QLatin1String("Done: 4 inputs")),
        qPrintable(m_bulk->statusText()));
    QCOMPARE(m_bulk->progress().value, 4);
    QVERIFY(m_bulk->summaryText().contains(QLatin1String("queued 2")));
    QVERIFY(!m_bulk->areResultsStale());

    // The same text again: asked first; declined, nothing runs and the results stay.
    int asked = 0;
    bool answer = false;
    m_bulk->setResubmitConfirmation([&] {
        ++asked;
        return answer;
    });
    m_bulk->submit(QStringLiteral("campaign"));
    QCOMPARE(asked, 1);
    QVERIFY(!m_bulk->isBatchRunning());
    QVERIFY2(m_bulk->statusText().startsWith(QLatin1String("Not submitted again")),
        qPrintable(m_bulk->statusText()));
    QTest::qWait(200);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(model->count(Outcome::Queued), 2);

    // Confirmed: it runs, and finds both waiting.
    answer = true;
    m_bulk->submit(QStringLiteral("campaign"));
    QCOMPARE(asked, 2);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
    QCOMPARE(model->count(Outcome::AlreadyQueued), 2);
    QCOMPARE(model->count(Outcome::Queued), 0);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 2);

    // An edited text: its results are marked as those of the earlier text, no question.
    m_text += QStringLiteral(" carol");
    m_bulk->textChanged();
    QVERIFY(m_bulk->areResultsStale()); // at once, before the text is read again
    QTRY_VERIFY(!m_bulk->isPreviewPending());
    QVERIFY(m_bulk->areResultsStale());
    QCOMPARE(model->rowCount(), 4); // the results stay until the next submit
    QVERIFY(!m_bulk->staleNoteText().isEmpty());
    m_bulk->submit(QStringLiteral("campaign"));
    QCOMPARE(asked, 2);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 30000);
    QCOMPARE(model->rowCount(), 5);
    QCOMPARE(model->count(Outcome::Queued), 1);
    QVERIFY(!m_bulk->areResultsStale());
}

void TestBulkSession::submitBeforeTheTextIsRead()
{
    QVERIFY(openSession(m_db->config()));
    m_text = QStringLiteral("first_one");
    m_bulk->textChanged();
    QTRY_VERIFY(!m_bulk->isPreviewPending());
    // Typed and submitted at once: what is sent is the text as it is now, not the last preview.
    m_text = QStringLiteral("second_one third_one");
    m_bulk->textChanged();
    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    m_bulk->submit(QStringLiteral("frontend"));
    QCOMPARE(m_bulk->statusText(), QStringLiteral("Reading the text…"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(m_bulk->model()->rowCount(), 2);
    QCOMPARE(m_bulk->model()->count(Outcome::Queued), 2);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 2);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'first_one'")), 0);
}

void TestBulkSession::cancelKeepsCommittedRows()
{
    m_settings->setValue(Ui::Settings::Key::BatchChunkSize, 200);
    QVERIFY(openSession(m_db->config()));
    QStringList lines;
    for (int i = 0; i < 30000; ++i)
        lines << QStringLiteral("cancel_me_%1").arg(i);
    m_text = lines.join(QLatin1Char('\n'));
    m_bulk->textChanged();
    QTRY_VERIFY_WITH_TIMEOUT(!m_bulk->isPreviewPending(), 30000);

    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    m_bulk->submit(QStringLiteral("frontend"));
    QTRY_VERIFY_WITH_TIMEOUT(m_bulk->progress().value > 0, 30000);
    m_bulk->cancel();
    QVERIFY(m_bulk->isCancelling());
    QCOMPARE(m_bulk->etaText(), QStringLiteral("Cancelling…"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QVERIFY(!m_bulk->isBatchRunning());

    const int queued = m_bulk->model()->count(Outcome::Queued);
    const int cancelled = m_bulk->model()->count(Outcome::Cancelled);
    QVERIFY(queued > 0);
    QVERIFY(cancelled > 0);
    QCOMPARE(queued + cancelled, 30000);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), queued);
    const QString status = m_bulk->statusText();
    QVERIFY2(status.startsWith(QLatin1String("Cancelled.")) &&
            status.contains(QString::number(queued)) && status.contains(QString::number(cancelled)),
        qPrintable(status));
}

void TestBulkSession::retrySendsOnlyTheFailedRows()
{
    // First a database nobody can reach (a file under a plain file): every valid row fails.
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("not-a-folder")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    DatabaseConfig unreachable;
    unreachable.engine = DatabaseConfig::Engine::SQLite;
    unreachable.sqlitePath = dir.filePath(QStringLiteral("not-a-folder/q.sqlite"));
    QVERIFY(openSession(unreachable, false));

    m_text = QStringLiteral("alice\nbad..one\nbob\nalice");
    m_bulk->textChanged();
    QTRY_VERIFY(!m_bulk->isPreviewPending());
    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    m_bulk->submit(QStringLiteral("import"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    const BulkResultModel *model = m_bulk->model();
    QCOMPARE(model->count(Outcome::Error), 2);
    QCOMPARE(model->count(Outcome::Invalid), 1);
    QCOMPARE(model->count(Outcome::DuplicateInBatch), 1);

    // The database is there again: Retry errors sends the two failed rows, and only them.
    m_session->setConfig(m_db->config(), false);
    QTRY_VERIFY_WITH_TIMEOUT(m_session->isConnected(), 15000);
    m_bulk->retryErrors(QStringLiteral("frontend"));
    QVERIFY(m_bulk->isBatchRunning());
    QCOMPARE(m_bulk->progress().maximum, 2);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
    QCOMPARE(model->rowCount(), 4);
    QCOMPARE(model->count(Outcome::Queued), 2);
    QCOMPARE(model->count(Outcome::Error), 0);
    QCOMPARE(model->count(Outcome::Invalid), 1);
    QCOMPARE(model->count(Outcome::DuplicateInBatch), 1);
    // Each retried row keeps its place, input and line.
    QCOMPARE(model->results().at(0).outcome, Outcome::Queued);
    QCOMPARE(model->results().at(0).input, QStringLiteral("alice"));
    QCOMPARE(model->results().at(2).outcome, Outcome::Queued);
    QCOMPARE(model->results().at(2).line, model->parseResult().entries.at(2).line);
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username IN ('alice','bob')")), 2);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 2);
    // Nothing left to retry.
    m_bulk->retryErrors(QStringLiteral("frontend"));
    QVERIFY(!m_bulk->isBatchRunning());
}

QTEST_GUILESS_MAIN(TestBulkSession)
#include "tst_bulksession.moc"
