// The Bulk tab's state without a window (QCoreApplication, no widget): BulkSession over a real
// DatabaseSession and a real database of the engine named by VIRALSPOT_TEST_ENGINE. A newer
// text supersedes a parse still running; submit (also before the text is read), submitting
// the same text again only when confirmed, cancel after a chunk, retry of the rows that failed.
// A file too big for the editor, streamed: every line recorded once in the batch, progress,
// cancel between pieces, the database failing mid-file and the retry carrying on.

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "ui/bulk/bulksession.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesession.h"
#include "ui/secretstore.h"
#include "ui/settings.h"

#include <QFileInfo>
#include <QLocale>
#include <QMap>
#include <QSet>
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
    void textChangedWhileReadIsReadAgain();
    void cancelKeepsCommittedRows();
    void retrySendsOnlyTheFailedRows();
    void streamedFileRecordsEveryLineOnce();
    void streamedFileCancelStopsBetweenPieces();
    void streamedFileFailureAndRetryCarryOn();

private:
    // A session on `config`, connected; the bulk session reads `m_text`.
    bool openSession(const DatabaseConfig &config, bool expectConnected = true);
    int count(const QString &sql) { return m_db->scalar(sql).toInt(); }
    // Writes `lines` generated lines (invalid ones, repeats within and across pieces, names
    // already waiting) to a file; `expected` gets the count per outcome they must come to.
    QString writeStreamFile(int lines, QMap<Outcome, int> *expected);
    // Items of the batch per outcome, and checks that positions 1..total each hold one item.
    QMap<Outcome, int> batchOutcomes(const QString &batchId, int total);
    QTemporaryDir m_files;

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
    m_bulk->setTextSource([this](BulkSession::TextReady done) { done(m_text); });
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

// The editor hands its text over on a later event-loop turn (BulkEditor::readText): a text
// that changed meanwhile is never previewed nor submitted; the new one is read again.
void TestBulkSession::textChangedWhileReadIsReadAgain()
{
    QVERIFY(openSession(m_db->config()));
    QList<BulkSession::TextReady> asked;
    m_bulk->setTextSource([&asked](BulkSession::TextReady done) { asked.append(std::move(done)); });
    QSignalSpy preview(m_bulk.get(), &BulkSession::previewUpdated);
    m_text = QStringLiteral("old_one old_two");
    m_bulk->textChanged();
    QTRY_COMPARE(asked.size(), 1);
    QVERIFY(m_bulk->isParsing());
    QVERIFY(m_bulk->isPreviewPending());
    // Submitted while the text is read: it waits for the text as it is now.
    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    m_bulk->submit(QStringLiteral("frontend"));
    QCOMPARE(m_bulk->statusText(), QStringLiteral("Reading the text…"));
    m_text = QStringLiteral("new_one");
    m_bulk->textChanged();
    asked.takeFirst()(QStringLiteral("old_one old_two")); // the read began before the edit
    QVERIFY(m_bulk->isPreviewPending());
    QTRY_COMPARE(asked.size(), 1); // read again after the pause
    QCOMPARE(preview.count(), 0);
    asked.takeFirst()(m_text);
    QTRY_COMPARE(preview.count(), 1);
    QCOMPARE(m_bulk->previewParse().entries.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'new_one'")), 1);
    QVERIFY(asked.isEmpty());
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
            status.contains(QLocale().toString(queued)) &&
            status.contains(QLocale().toString(cancelled)),
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

QString TestBulkSession::writeStreamFile(int lines, QMap<Outcome, int> *expected)
{
    // Names already waiting (LOW): already_queued when the file asks for them first.
    QSet<QString> waiting;
    for (int i = 1000; i < lines; i += 5000) {
        const QString name = QStringLiteral("stream_user_%1").arg(i);
        if (!m_db->seedQueue(name, QStringLiteral("PENDING"), QStringLiteral("LOW")))
            return {};
        waiting.insert(name);
    }
    const QString path = m_files.filePath(QStringLiteral("usernames-%1.txt").arg(lines));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    QSet<QString> seen;
    QByteArray out;
    for (int i = 0; i < lines; ++i) {
        QString text;
        QString name; // normalized; empty when invalid
        if (i % 50 == 7) {
            text = QStringLiteral("bad..name_%1").arg(i);
        } else if (i % 100 == 13 && i >= 15000) {
            // A name from 15,000 lines back: an earlier piece's.
            name = QStringLiteral("stream_user_%1").arg((i - 15000) / 100 * 100);
            text = QLatin1Char('@') + name;
        } else if (i % 100 == 21) {
            name = QStringLiteral("stream_user_%1").arg(i - 1); // the line before, in capitals
            text = name.toUpper();
        } else {
            name = QStringLiteral("stream_user_%1").arg(i);
            text = i % 10 == 3 ? QStringLiteral("https://instagram.com/") + name : name;
        }
        Outcome outcome = Outcome::Queued;
        if (name.isEmpty())
            outcome = Outcome::Invalid;
        else if (seen.contains(name))
            outcome = Outcome::DuplicateInBatch;
        else if (waiting.contains(name))
            outcome = Outcome::AlreadyQueued;
        if (!name.isEmpty())
            seen.insert(name);
        ++(*expected)[outcome];
        out += text.toUtf8() + '\n';
        if (out.size() > 1 << 20) {
            file.write(out);
            out.clear();
        }
    }
    file.write(out);
    return file.error() == QFileDevice::NoError ? path : QString();
}

QMap<Outcome, int> TestBulkSession::batchOutcomes(const QString &batchId, int total)
{
    QMap<Outcome, int> outcomes;
    const QString where =
        QStringLiteral(" FROM viralspot_batch_items WHERE batch_id = '%1'").arg(batchId);
    // Positions 1..total, each once (the key is (batch_id, position)).
    if (count(QStringLiteral("SELECT COUNT(*)") + where) != total ||
        count(QStringLiteral("SELECT MIN(position)") + where) != (total > 0 ? 1 : 0) ||
        count(QStringLiteral("SELECT MAX(position)") + where) != total) {
        outcomes.insert(Outcome::Error, -1); // fails the comparison with a message to read
        return outcomes;
    }
    for (Outcome o : { Outcome::Queued, Outcome::AlreadyProcessed, Outcome::AlreadyQueued,
             Outcome::Invalid, Outcome::DuplicateInBatch, Outcome::Error, Outcome::Cancelled }) {
        const int n = count(QStringLiteral("SELECT COUNT(*)") + where +
            QStringLiteral(" AND outcome = '%1'").arg(outcomeName(o)));
        if (n > 0)
            outcomes.insert(o, n);
    }
    return outcomes;
}

void TestBulkSession::streamedFileRecordsEveryLineOnce()
{
    constexpr int Lines = 200000;
    m_settings->setValue(Ui::Settings::Key::BatchChunkSize, 10000); // lines per piece
    QVERIFY(openSession(m_db->config()));
    QMap<Outcome, int> expected;
    const QString path = writeStreamFile(Lines, &expected);
    QVERIFY(!path.isEmpty());
    QVERIFY(expected.value(Outcome::DuplicateInBatch) > 1000);
    QVERIFY(expected.value(Outcome::AlreadyQueued) > 10);
    const int waitingBefore = count(QStringLiteral("SELECT COUNT(*) FROM queue"));

    QVERIFY(m_bulk->shouldStream(QFileInfo(path).size()));
    m_bulk->setStreamFile(path, BulkParser::Format::Auto);
    QVERIFY(m_bulk->previewCountsText().contains(QLatin1String("too large for the editor")));
    // Every piece committed is reported at once; the session never holds a row per line.
    struct Seen
    {
        int lines;
        qint64 bytes;
        int inputs;
        int progressValue;
    };
    QList<Seen> seen;
    int maxRows = 0;
    connect(m_bulk.get(), &BulkSession::streamProgressed, this, [&] {
        const Ui::FileImportProgress &p = m_bulk->streamProgress();
        seen.append({ p.lines, p.bytesRead, p.inputs, m_bulk->progress().value });
        maxRows = qMax(maxRows, m_bulk->model()->rowCount());
    });
    QSignalSpy recorded(m_bulk.get(), &BulkSession::batchRecorded);
    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    m_bulk->submit(QStringLiteral("crawl"), QStringLiteral("big file"));
    QVERIFY(m_bulk->isBatchRunning());
    // The first results come while the file is still being read.
    QTRY_VERIFY_WITH_TIMEOUT(!seen.isEmpty(), 60000);
    QVERIFY(seen.constFirst().inputs < Lines);
    // The share of the file is that of the lines handled (10,000 of 200,000), not of the bytes
    // read ahead.
    QVERIFY2(seen.constFirst().bytes > 0 && seen.constFirst().bytes < QFileInfo(path).size() / 10,
        qPrintable(QString::number(seen.constFirst().bytes)));
    QCOMPARE(recorded.count(), 1); // followable from the first committed piece
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 240000);
    QCOMPARE(finished.at(0).at(0).toBool(), false);

    QVERIFY2(seen.size() >= Lines / 10000, qPrintable(QString::number(seen.size())));
    for (qsizetype i = 1; i < seen.size(); ++i) {
        QVERIFY(seen.at(i).lines >= seen.at(i - 1).lines);
        QVERIFY(seen.at(i).bytes >= seen.at(i - 1).bytes);
        // Each piece adds its inputs; the last report (the end) repeats the last piece's.
        QVERIFY(seen.at(i).inputs > seen.at(i - 1).inputs || i == seen.size() - 1);
        QVERIFY(seen.at(i).progressValue >= seen.at(i - 1).progressValue);
    }
    QCOMPARE(maxRows, 0);
    QCOMPARE(m_bulk->model()->rowCount(), 0);
    QVERIFY(m_bulk->hasStreamResults());

    const Ui::FileImportProgress &p = m_bulk->streamProgress();
    QVERIFY(p.finished);
    QCOMPARE(p.lines, Lines);
    QCOMPARE(p.inputs, Lines);
    QCOMPARE(p.bytesRead, QFileInfo(path).size());
    QCOMPARE(m_bulk->progress().value, m_bulk->progress().maximum);
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it)
        QCOMPARE(p.count(it.key()), it.value());
    QCOMPARE(batchOutcomes(m_bulk->lastBatchId(), Lines), expected);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")),
        waitingBefore + expected.value(Outcome::Queued));
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches WHERE name = 'big file'")), 1);
    QVERIFY2(m_bulk->statusText().startsWith(
                 QStringLiteral("Done: %1 inputs").arg(QLocale().toString(200000))),
        qPrintable(m_bulk->statusText()));
    const QString summary = m_bulk->summaryText();
    QVERIFY2(
        summary.contains(
            QStringLiteral("queued %1").arg(QLocale().toString(expected.value(Outcome::Queued)))),
        qPrintable(summary));
    QCOMPARE(m_bulk->errorCount(), 0);
}

void TestBulkSession::streamedFileCancelStopsBetweenPieces()
{
    constexpr int Lines = 100000;
    constexpr int Piece = 2000;
    m_settings->setValue(Ui::Settings::Key::BatchChunkSize, Piece);
    QVERIFY(openSession(m_db->config()));
    QMap<Outcome, int> expected;
    const QString path = writeStreamFile(Lines, &expected);
    QVERIFY(!path.isEmpty());
    const int waitingBefore = count(QStringLiteral("SELECT COUNT(*) FROM queue"));
    m_bulk->setStreamFile(path);
    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    bool cancelled = false;
    connect(m_bulk.get(), &BulkSession::streamProgressed, this, [&] {
        if (!cancelled && m_bulk->isBatchRunning()) {
            cancelled = true;
            m_bulk->cancel();
        }
    });
    m_bulk->submit(QStringLiteral("crawl"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QVERIFY(cancelled);
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    const Ui::FileImportProgress &p = m_bulk->streamProgress();
    QVERIFY(!p.finished);
    // Whole pieces only: each piece is one transaction, and the cancel is seen between them.
    QVERIFY2(p.inputs > 0 && p.inputs < Lines, qPrintable(QString::number(p.inputs)));
    QCOMPARE(p.inputs % Piece, 0);
    QCOMPARE(p.lines, p.inputs);
    QCOMPARE(p.pieces, p.inputs / Piece);
    const QMap<Outcome, int> items = batchOutcomes(m_bulk->lastBatchId(), p.inputs);
    QVERIFY(!items.contains(Outcome::Cancelled));
    QCOMPARE(items.value(Outcome::Queued), p.count(Outcome::Queued));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")),
        waitingBefore + p.count(Outcome::Queued));
    int sum = 0;
    for (int n : items)
        sum += n;
    QCOMPARE(sum, p.inputs);
    const QString status = m_bulk->statusText();
    QVERIFY2(status.startsWith(
                 QStringLiteral("Cancelled after line %1").arg(QLocale().toString(p.lines))),
        qPrintable(status));
}

void TestBulkSession::streamedFileFailureAndRetryCarryOn()
{
    constexpr int Lines = 30000;
    m_settings->setValue(Ui::Settings::Key::BatchChunkSize, 5000);
    QVERIFY(openSession(m_db->config()));
    QMap<Outcome, int> expected;
    const QString path = writeStreamFile(Lines, &expected);
    QVERIFY(!path.isEmpty());
    const int waitingBefore = count(QStringLiteral("SELECT COUNT(*) FROM queue"));
    // The database refuses one name of the fourth piece (lines 15,001-20,000).
    const bool postgres = Test::engine() == DatabaseConfig::Engine::PostgreSQL;
    if (postgres) {
        QVERIFY(m_db->exec(
            QStringLiteral("CREATE FUNCTION stream_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                           "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$")));
        QVERIFY(m_db->exec(QStringLiteral(
            "CREATE TRIGGER stream_refuse BEFORE INSERT ON queue FOR EACH ROW "
            "WHEN (NEW.username = 'stream_user_17000') EXECUTE FUNCTION stream_refuse()")));
    } else {
        QVERIFY(
            m_db->exec(QStringLiteral("CREATE TRIGGER stream_refuse BEFORE INSERT ON queue "
                                      "WHEN NEW.username = 'stream_user_17000' "
                                      "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")));
    }
    m_bulk->setStreamFile(path);
    QSignalSpy finished(m_bulk.get(), &BulkSession::batchFinished);
    m_bulk->submit(QStringLiteral("crawl"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    {
        const Ui::FileImportProgress &p = m_bulk->streamProgress();
        QVERIFY(!p.finished);
        QCOMPARE(p.pieces, 3);
        QCOMPARE(p.inputs, 15000);
        QCOMPARE(p.failedInputs, 5000);
        QCOMPARE(p.failedFromLine, 15001);
        QCOMPARE(m_bulk->errorCount(), 5000);
        QVERIFY2(
            m_bulk->statusText().contains(QStringLiteral("line %1").arg(QLocale().toString(15001))),
            qPrintable(m_bulk->statusText()));
        // Nothing of the failed piece was written, nothing after it was read.
        int sum = 0;
        for (int n : batchOutcomes(m_bulk->lastBatchId(), 15000))
            sum += n;
        QCOMPARE(sum, 15000);
    }
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'stream_user_16001'")),
        0);

    // The database takes it again: Retry errors carries on from line 15,001 in the same batch.
    QVERIFY(m_db->exec(postgres ? QStringLiteral("DROP TRIGGER stream_refuse ON queue")
                                : QStringLiteral("DROP TRIGGER stream_refuse")));
    const QString batchId = m_bulk->lastBatchId();
    m_bulk->retryErrors(QStringLiteral("frontend"));
    QVERIFY(m_bulk->isBatchRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 120000);
    QCOMPARE(m_bulk->lastBatchId(), batchId);
    const Ui::FileImportProgress &p = m_bulk->streamProgress();
    QVERIFY(p.finished);
    QCOMPARE(p.inputs, Lines);
    QCOMPARE(p.failedInputs, 0);
    QCOMPARE(m_bulk->errorCount(), 0);
    for (auto it = expected.constBegin(); it != expected.constEnd(); ++it)
        QCOMPARE(p.count(it.key()), it.value());
    QCOMPARE(batchOutcomes(batchId, Lines), expected);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")),
        waitingBefore + expected.value(Outcome::Queued));
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches")), 1);
}

QTEST_GUILESS_MAIN(TestBulkSession)
#include "tst_bulksession.moc"
