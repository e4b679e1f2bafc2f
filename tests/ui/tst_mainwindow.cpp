// Over 600 lines: the window driven end to end as staff use it, one class for both engines.
// The main window driven like a user (QTest key clicks and mouse clicks, offscreen) against a
// real database of the engine named by VIRALSPOT_TEST_ENGINE (CTest runs both).

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesettingsdialog.h"
#include "ui/filedialog.h"
#include "ui/historymodel.h"
#include "ui/mainwindow.h"
#include "ui/messagebox.h"

#include <QComboBox>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::BulkResultModel;
using ViralSpot::Ui::MainWindow;

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void typingShowsTheNormalizedName();
    void singleRequest_data();
    void singleRequest();
    void unreachableDatabaseIsAnErrorWithBanner();
    void bulkThousandMixedLines();
    void cancelKeepsCommittedRows();
    void importAndDropFiles();
    void settingsDialogTestsAndSwitches();
    void settingsDialogTestCreatesNothing();

private:
    std::unique_ptr<MainWindow> openWindow(const QString &url);
    int count(const QString &sql) { return m_db->scalar(sql).toInt(); }
    void seedQueue(const QString &username, const QString &status, const QString &priority);
    void seedProcessed(const QString &username);
    void migrate();

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestMainWindow::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestMainWindow::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    migrate();
}

void TestMainWindow::cleanup()
{
    m_db.reset();
}

void TestMainWindow::migrate()
{
    RequestService service(m_db->config(), QStringLiteral("tst_mainwindow_migrate"));
    QString error;
    const Result opened = service.open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
    service.close();
}

void TestMainWindow::seedQueue(
    const QString &username, const QString &status, const QString &priority)
{
    QVERIFY(m_db->seedQueue(username, status, priority, 0));
}

void TestMainWindow::seedProcessed(const QString &username)
{
    QVERIFY(m_db->exec(
        QStringLiteral("INSERT INTO primary_profiles (username) VALUES ('%1')").arg(username)));
}

std::unique_ptr<MainWindow> TestMainWindow::openWindow(const QString &url)
{
    Ui::MainWindowOptions options;
    options.databaseUrl = url;
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("window not exposed");
    return window;
}

void TestMainWindow::typingShowsTheNormalizedName()
{
    auto window = openWindow(m_db->url());
    auto *edit = Test::child<QLineEdit>(window.get(), "usernameEdit");
    auto *normalized = Test::child<QLabel>(window.get(), "normalizedLabel");
    QVERIFY(edit && normalized);
    QTest::keyClicks(edit, QStringLiteral("https://www.instagram.com/Some.User/?igsh=x"));
    QCOMPARE(normalized->text(), QStringLiteral("→ some.user"));
    edit->clear();
    QTest::keyClicks(edit, QStringLiteral("bad..name"));
    QVERIFY(normalized->text().contains(QLatin1String("..")) || !normalized->text().isEmpty());
    QVERIFY(!normalized->text().startsWith(QStringLiteral("→")));
}

void TestMainWindow::singleRequest_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<QString>("username");
    // Seeding: "processed" puts the username in primary_profiles, "pending-low" queues it LOW.
    QTest::addColumn<QString>("seed");
    QTest::addColumn<bool>("pressEnter");

    QTest::newRow("queued") << "  @Alice_1 "
                            << ""
                            << "queued"
                            << "alice_1"
                            << "" << false;
    QTest::newRow("queued-url-enter") << "https://www.instagram.com/Bob.Two/"
                                      << "campaign"
                                      << "queued"
                                      << "bob.two"
                                      << "" << true;
    QTest::newRow("already_processed") << "Done"
                                       << ""
                                       << "already_processed"
                                       << "done"
                                       << "processed" << false;
    QTest::newRow("already_queued") << "waiting"
                                    << ""
                                    << "already_queued"
                                    << "waiting"
                                    << "pending-low" << false;
    QTest::newRow("invalid-username") << "bad..name"
                                      << ""
                                      << "invalid"
                                      << ""
                                      << "" << false;
    QTest::newRow("invalid-source") << "carol"
                                    << "no spaces!"
                                    << "invalid"
                                    << "carol"
                                    << "" << false;
}

void TestMainWindow::singleRequest()
{
    QFETCH(QString, input);
    QFETCH(QString, source);
    QFETCH(QString, outcome);
    QFETCH(QString, username);
    QFETCH(QString, seed);
    QFETCH(bool, pressEnter);

    if (seed == QLatin1String("processed"))
        seedProcessed(username);
    if (seed == QLatin1String("pending-low"))
        seedQueue(username, QStringLiteral("PENDING"), QStringLiteral("LOW"));

    auto window = openWindow(m_db->url());
    QTRY_VERIFY(Test::database(window)->isConnected());
    auto *edit = Test::child<QLineEdit>(window.get(), "usernameEdit");
    auto *sourceCombo = Test::child<QComboBox>(window.get(), "sourceCombo");
    auto *button = Test::child<QPushButton>(window.get(), "requestButton");
    auto *outcomeLabel = Test::child<QLabel>(window.get(), "outcomeLabel");
    QVERIFY(edit && sourceCombo && button && outcomeLabel);

    if (!source.isEmpty()) {
        sourceCombo->lineEdit()->clear();
        QTest::keyClicks(sourceCombo->lineEdit(), source);
    }
    QTest::keyClicks(edit, input);
    QSignalSpy finished(Test::singlePage(window), &Ui::SingleRequestPage::requestFinished);
    if (pressEnter)
        QTest::keyClick(edit, Qt::Key_Return);
    else
        QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(finished.count(), 1);

    const auto result = finished.at(0).at(0).value<RequestResult>();
    QCOMPARE(outcomeName(result.outcome), outcome);
    QCOMPARE(Test::singlePage(window)->historyModel()->rowCount(), 1);
    QCOMPARE(Test::singlePage(window)
                 ->historyModel()
                 ->index(0, Ui::HistoryModel::OutcomeColumn)
                 .data(Ui::HistoryModel::OutcomeNameRole)
                 .toString(),
        outcome);
    QVERIFY2(outcomeLabel->text().startsWith(Ui::outcomeLabel(result.outcome)),
        qPrintable(outcomeLabel->text()));

    // Every window submission that reached the database is in the audit log (written by the
    // worker right after it answered, hence the QTRY).
    const bool reached = outcome == QLatin1String("queued") ||
        outcome == QLatin1String("already_processed") || outcome == QLatin1String("already_queued");
    if (reached) {
        QTRY_COMPARE(count(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE origin = 'window' "
                                          "AND action = 'submit' AND total = 1 AND usernames LIKE "
                                          "'%%1%'")
                               .arg(username)),
            1);
    }

    // Checked against the database.
    const QString expectedSource = source.isEmpty() ? QStringLiteral("frontend") : source;
    if (outcome == QLatin1String("queued")) {
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = '%1' AND "
                                      "status = 'PENDING' AND priority = 'HIGH' AND source = "
                                      "'%2' AND request_id = '%3'")
                           .arg(username, expectedSource, result.requestId)),
            1);
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
    } else if (outcome == QLatin1String("already_processed")) {
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
    } else if (outcome == QLatin1String("already_queued")) {
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 1);
        // A person asked for it: the LOW row is raised to HIGH.
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = '%1' AND "
                                      "priority = 'HIGH'")
                           .arg(username)),
            1);
    } else {
        QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
    }

    // The history can be copied.
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "copyHistoryButton"), Qt::LeftButton);
    QVERIFY(QApplication::clipboard()->text().contains(outcome));
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "clearHistoryButton"), Qt::LeftButton);
    QCOMPARE(Test::singlePage(window)->historyModel()->rowCount(), 0);
}

void TestMainWindow::unreachableDatabaseIsAnErrorWithBanner()
{
    QTemporaryDir dir;
    // A database nobody can reach: a port nothing listens on, or a file under a plain file.
    QString url;
    if (Test::engine() == DatabaseConfig::Engine::PostgreSQL) {
        url = QStringLiteral("postgresql://postgres@127.0.0.1:1/nothing");
    } else {
        QFile blocker(dir.filePath(QStringLiteral("not-a-folder")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        url = QStringLiteral("sqlite:") + dir.filePath(QStringLiteral("not-a-folder/q.sqlite"));
    }
    auto window = openWindow(url);
    auto *banner = Test::child<QFrame>(window.get(), "connectionBanner");
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isConnectionKnown(), 15000);
    QVERIFY(!Test::database(window)->isConnected());
    QVERIFY(banner->isVisible());
    QVERIFY(Test::child<QLabel>(window.get(), "statusConnection")
                ->text()
                .contains(QLatin1String("Unavailable")));

    QSignalSpy finished(Test::singlePage(window), &Ui::SingleRequestPage::requestFinished);
    QTest::keyClicks(Test::child<QLineEdit>(window.get(), "usernameEdit"), QStringLiteral("alice"));
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "requestButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
    QCOMPARE(finished.at(0).at(0).value<RequestResult>().outcome, Outcome::Error);
    QVERIFY(Test::child<QLabel>(window.get(), "outcomeLabel")
                ->text()
                .startsWith(QLatin1String("Error")));
    // The real database saw nothing.
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 0);
}

void TestMainWindow::bulkThousandMixedLines()
{
    // Counts in the window follow the user's locale: this test's is English (United States).
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    const auto restoreLocale = qScopeGuard([] { QLocale::setDefault(QLocale::system()); });
    // 1,000 lines: 700 new, 50 processed, 50 already queued (800 unique valid), 100 invalid,
    // 100 duplicates, in every accepted form, shuffled deterministically.
    QStringList lines;
    for (int i = 0; i < 700; ++i) {
        const QString name = QStringLiteral("new_user_%1").arg(i);
        switch (i % 4) {
        case 0:
            lines << name;
            break;
        case 1:
            lines << QLatin1Char('@') + name.toUpper();
            break;
        case 2:
            lines << QStringLiteral("https://www.instagram.com/%1/").arg(name);
            break;
        default:
            lines << QStringLiteral("  instagram.com/%1?igsh=abc  ").arg(name);
            break;
        }
    }
    for (int i = 0; i < 50; ++i) {
        const QString processed = QStringLiteral("processed_%1").arg(i);
        seedProcessed(processed);
        lines << processed;
        const QString queued = QStringLiteral("queued_%1").arg(i);
        seedQueue(queued, QStringLiteral("PENDING"), QStringLiteral("HIGH"));
        lines << queued;
    }
    for (int i = 0; i < 100; ++i)
        lines << (i % 2 ? QStringLiteral("bad..name%1").arg(i) : QStringLiteral(".dot%1").arg(i));
    for (int i = 0; i < 100; ++i)
        lines << QStringLiteral("@New_User_%1").arg(i * 7);
    QCOMPARE(lines.size(), 1000);
    // Duplicates must come after their first occurrence: shuffle only the first 900.
    for (int i = 0; i < 900; ++i)
        lines.swapItemsAt(i, (i * 7919) % 900);

    auto window = openWindow(m_db->url());
    QTRY_VERIFY(Test::database(window)->isConnected());
    auto *tabs = Test::child<QTabWidget>(window.get(), "tabs");
    tabs->setCurrentIndex(MainWindow::BulkTab);
    auto *editor = Test::child<QPlainTextEdit>(window.get(), "bulkEditor");
    QSignalSpy preview(Test::bulk(window), &Ui::BulkSession::previewUpdated);
    Test::paste(editor, lines.join(QLatin1Char('\n')));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());

    BulkResultModel *model = Test::bulk(window)->model();
    QCOMPARE(model->rowCount(), 1000);
    QCOMPARE(model->parseResult().valid, 800);
    QCOMPARE(model->parseResult().invalid, 100);
    QCOMPARE(model->parseResult().duplicates, 100);
    const QString counts = Test::child<QLabel>(window.get(), "previewCountsLabel")->text();
    // Counts as the user's locale writes them (this test's: English, United States).
    QVERIFY2(
        counts == QStringLiteral("Inputs: 1,000 · valid: 800 · invalid: 100 · duplicates: 100"),
        qPrintable(counts));

    QSignalSpy finished(Test::bulk(window), &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QVERIFY(model->hasResults());
    QCOMPARE(model->count(Outcome::Queued), 700);
    QCOMPARE(model->count(Outcome::AlreadyProcessed), 50);
    QCOMPARE(model->count(Outcome::AlreadyQueued), 50);
    QCOMPARE(model->count(Outcome::Invalid), 100);
    QCOMPARE(model->count(Outcome::DuplicateInBatch), 100);
    QCOMPARE(model->count(Outcome::Error), 0);

    // Every row's outcome matches the database.
    QHash<QString, QString> active; // username -> request_id of its active row
    {
        QSqlQuery q(m_db->connection());
        QVERIFY(q.exec(QStringLiteral(
            "SELECT username, request_id FROM queue WHERE status IN ('PENDING','PROCESSING')")));
        while (q.next()) {
            QVERIFY2(!active.contains(q.value(0).toString()), "two active rows for one username");
            active.insert(q.value(0).toString(), q.value(1).toString());
        }
    }
    QCOMPARE(active.size(), 750);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue")), 750);
    for (int row = 0; row < model->rowCount(); ++row) {
        const RequestResult &r = model->results().at(row);
        QCOMPARE(r.input, model->parseResult().entries.at(row).input);
        switch (r.outcome) {
        case Outcome::Queued:
            QVERIFY(r.username.startsWith(QLatin1String("new_user_")));
            QCOMPARE(active.value(r.username), r.requestId);
            break;
        case Outcome::AlreadyProcessed:
            QVERIFY(r.username.startsWith(QLatin1String("processed_")));
            QVERIFY(!active.contains(r.username));
            break;
        case Outcome::AlreadyQueued:
            QVERIFY(active.value(r.username).startsWith(QLatin1String("seed-req-")));
            break;
        case Outcome::DuplicateInBatch:
            QVERIFY(active.contains(r.username));
            break;
        case Outcome::Invalid:
            QVERIFY(!active.contains(r.username));
            break;
        default:
            QFAIL(qPrintable(QStringLiteral("unexpected outcome on row %1").arg(row)));
        }
    }

    // Summary, filter, copy invalid.
    const QString summary = Test::child<QLabel>(window.get(), "summaryLabel")->text();
    QVERIFY2(summary.contains(QLatin1String("queued 700")), qPrintable(summary));
    auto *filter = Test::child<QComboBox>(window.get(), "outcomeFilter");
    filter->setCurrentIndex(filter->findData(QStringLiteral("queued")));
    QCOMPARE(Test::child<QSortFilterProxyModel>(window.get(), "bulkProxy")->rowCount(), 700);
    filter->setCurrentIndex(filter->findData(QStringLiteral("invalid")));
    QCOMPARE(Test::child<QSortFilterProxyModel>(window.get(), "bulkProxy")->rowCount(), 100);
    filter->setCurrentIndex(0);
    QCOMPARE(Test::child<QSortFilterProxyModel>(window.get(), "bulkProxy")->rowCount(), 1000);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "copyInvalidButton"), Qt::LeftButton);
    const QStringList copied = QApplication::clipboard()->text().split(QLatin1Char('\n'));
    QCOMPARE(copied.size(), 100);
    for (const QString &c : copied)
        QVERIFY2(c.contains(QLatin1String("..")) || c.startsWith(QLatin1Char('.')), qPrintable(c));

    // Export CSV through the file dialog seam, and read it back.
    QTemporaryDir dir;
    const QString csvPath = dir.filePath(QStringLiteral("results.csv"));
    Ui::FileDialog::setNextFileName(csvPath);
    QSignalSpy exported(Test::bulk(window), &Ui::BulkSession::exportFinished);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "exportButton"), Qt::LeftButton);
    QTRY_COMPARE(exported.count(), 1);
    QCOMPARE(exported.at(0).at(0).toBool(), true);
    QFile file(csvPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QStringList> csv = Test::readCsv(QString::fromUtf8(file.readAll()));
    QCOMPARE(csv.size(), 1001);
    QCOMPARE(csv.at(0),
        (QStringList { QStringLiteral("line"), QStringLiteral("input"), QStringLiteral("username"),
            QStringLiteral("outcome"), QStringLiteral("message") }));
    for (int row = 0; row < 1000; ++row) {
        const RequestResult &r = model->results().at(row);
        const QStringList &fields = csv.at(row + 1);
        QCOMPARE(fields.size(), 5);
        QCOMPARE(fields.at(0).toInt(), model->parseResult().entries.at(row).line);
        // An input a spreadsheet would run ("@name") is written as text, with a leading '.
        QCOMPARE(fields.at(1),
            r.input.startsWith(QLatin1Char('@')) ? QLatin1Char('\'') + r.input : r.input);
        QCOMPARE(fields.at(2), model->parseResult().entries.at(row).username);
        QCOMPARE(fields.at(3), outcomeName(r.outcome));
        QCOMPARE(fields.at(4), r.message);
    }

    // The exported CSV imports again: its username column gives the same 800 profiles. The
    // table keeps the results until the next submit, marked as those of the earlier text.
    QVERIFY(Test::bulkPage(window)->importFile(csvPath));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(Test::bulk(window)->previewParse().csv);
    QCOMPARE(Test::bulk(window)->previewParse().valid, 800);
    QVERIFY(Test::bulk(window)->areResultsStale());
    QCOMPARE(model->count(Outcome::Queued), 700);
}

void TestMainWindow::cancelKeepsCommittedRows()
{
    QStringList lines;
    for (int i = 0; i < 40000; ++i)
        lines << QStringLiteral("cancel_me_%1").arg(i);

    auto window = openWindow(m_db->url());
    window->settings().setValue(Ui::Settings::Key::BatchChunkSize, 200);
    QTRY_VERIFY(Test::database(window)->isConnected());
    Test::child<QTabWidget>(window.get(), "tabs")->setCurrentIndex(MainWindow::BulkTab);
    Test::paste(
        Test::child<QPlainTextEdit>(window.get(), "bulkEditor"), lines.join(QLatin1Char('\n')));
    QTRY_VERIFY_WITH_TIMEOUT(!Test::bulk(window)->isPreviewPending(), 30000);
    QCOMPARE(Test::bulk(window)->model()->parseResult().valid, 40000);

    auto *progress = Test::child<QProgressBar>(window.get(), "batchProgress");
    QSignalSpy finished(Test::bulk(window), &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 0, 30000);
    QVERIFY(Test::bulk(window)->isBatchRunning());
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "cancelButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
    QCOMPARE(finished.at(0).at(0).toBool(), true);

    const BulkResultModel *model = Test::bulk(window)->model();
    const int queued = model->count(Outcome::Queued);
    const int cancelled = model->count(Outcome::Cancelled);
    QVERIFY(queued > 0);
    QVERIFY(cancelled > 0);
    QCOMPARE(queued + cancelled, 40000);
    qInfo("cancelled after %d of 40000 rows", queued);

    // Committed rows are in the database, the rest are not.
    QSet<QString> inDb;
    {
        QSqlQuery q(m_db->connection());
        QVERIFY(q.exec(QStringLiteral("SELECT username FROM queue")));
        while (q.next())
            inDb.insert(q.value(0).toString());
    }
    QCOMPARE(inDb.size(), queued);
    for (const RequestResult &r : model->results()) {
        if (r.outcome == Outcome::Queued)
            QVERIFY2(inDb.contains(r.username), qPrintable(r.username));
        else
            QVERIFY2(!inDb.contains(r.username), qPrintable(r.username));
    }
    // The window says which.
    const QString status = Test::bulk(window)->statusText();
    QVERIFY2(status.contains(QLocale().toString(queued)) &&
            status.contains(QLocale().toString(cancelled)),
        qPrintable(status));
    auto *filter = Test::child<QComboBox>(window.get(), "outcomeFilter");
    filter->setCurrentIndex(filter->findData(QStringLiteral("cancelled")));
    QCOMPARE(Test::child<QSortFilterProxyModel>(window.get(), "bulkProxy")->rowCount(), cancelled);
}

void TestMainWindow::importAndDropFiles()
{
    QTemporaryDir dir;
    const QString csvPath = dir.filePath(QStringLiteral("people.csv"));
    {
        QFile f(csvPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("id,username,notes\n1,Alice,\"a, b\"\n2,@bob,x\n3,bad..one,y\n");
    }
    auto window = openWindow(m_db->url());
    QTRY_VERIFY(Test::database(window)->isConnected());
    Ui::FileDialog::setNextFileName(csvPath);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "importButton"), Qt::LeftButton);
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    const BulkParseResult &p = Test::bulk(window)->model()->parseResult();
    QCOMPARE(p.entries.size(), 3);
    QCOMPARE(p.entries.at(0).username, QStringLiteral("alice"));
    QCOMPARE(p.entries.at(1).username, QStringLiteral("bob"));
    QCOMPARE(p.invalid, 1);

    // A .txt file dropped on the editor replaces the text: the editor accepts the drag, and
    // a file pasted from a file manager (same MIME data) takes the same path.
    const QString txtPath = dir.filePath(QStringLiteral("more.txt"));
    {
        QFile f(txtPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("one two\nthree;four\n");
    }
    // The editor holds the first file's text: replacing it is asked first (yes, here).
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    auto *editor = Test::child<QPlainTextEdit>(window.get(), "bulkEditor");
    auto *mime = new QMimeData;
    mime->setUrls({ QUrl::fromLocalFile(txtPath) });
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(editor->viewport(), &enter);
    QVERIFY(enter.isAccepted());
    QApplication::clipboard()->setMimeData(mime);
    editor->setFocus();
    QTest::keyClick(editor, Qt::Key_V, Qt::ControlModifier);
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QCOMPARE(Ui::MessageBox::takeAnswered().size(), 1);
    QCOMPARE(Test::bulk(window)->model()->parseResult().entries.size(), 4);
    QCOMPARE(
        Test::bulk(window)->model()->parseResult().entries.at(3).username, QStringLiteral("four"));
}

void TestMainWindow::settingsDialogTestsAndSwitches()
{
    QTemporaryDir startDir;
    auto window =
        openWindow(QStringLiteral("sqlite:") + startDir.filePath(QStringLiteral("start.sqlite")));
    QTRY_VERIFY(Test::database(window)->isConnected());
    const DatabaseConfig target = m_db->config();
    bool tested = false;
    QString note;
    // QTRY_* returns early on failure, so the filling lives in a void function.
    auto fill = [&](QDialog &dialog) {
        auto *engine = Test::child<QComboBox>(&dialog, "engineCombo");
        const bool pg = target.engine == DatabaseConfig::Engine::PostgreSQL;
        engine->setCurrentIndex(pg ? 1 : 0);
        if (pg) {
            auto *host = Test::child<QLineEdit>(&dialog, "hostEdit");
            host->clear();
            QTest::keyClicks(host, target.host);
            Test::child<QSpinBox>(&dialog, "portSpin")->setValue(target.port);
            auto *db = Test::child<QLineEdit>(&dialog, "databaseEdit");
            db->clear();
            QTest::keyClicks(db, target.databaseName);
            auto *user = Test::child<QLineEdit>(&dialog, "userEdit");
            user->clear();
            QTest::keyClicks(user, target.user);
            note = Test::child<QLabel>(&dialog, "passwordStorageLabel")->text();
        } else {
            auto *path = Test::child<QLineEdit>(&dialog, "sqlitePathEdit");
            path->clear();
            QTest::keyClicks(path, target.sqlitePath);
        }
        QTest::mouseClick(Test::child<QPushButton>(&dialog, "testButton"), Qt::LeftButton);
        auto *result = Test::child<QLabel>(&dialog, "testResultLabel");
        QTRY_COMPARE_WITH_TIMEOUT(result->text(), QStringLiteral("Connected."), 15000);
        tested = true;
    };
    Test::answerNextModal<Ui::DatabaseSettingsDialog>([&](QDialog &dialog) {
        fill(dialog);
        return int(QDialog::Accepted);
    });
    window->openDatabaseSettings();
    QVERIFY(tested);
    if (target.engine == DatabaseConfig::Engine::PostgreSQL)
        QVERIFY2(note.contains(QLatin1String("session only")), qPrintable(note));
    QCOMPARE(Test::database(window)->config().engine, target.engine);
    QTRY_VERIFY(Test::database(window)->isConnected());
    QCOMPARE(Test::child<QLabel>(window.get(), "statusEngine")->text(), target.engineName());

    // Requests now go to the chosen database.
    QSignalSpy finished(Test::singlePage(window), &Ui::SingleRequestPage::requestFinished);
    QTest::keyClicks(
        Test::child<QLineEdit>(window.get(), "usernameEdit"), QStringLiteral("switched"));
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "requestButton"), Qt::LeftButton);
    QTRY_COMPARE(finished.count(), 1);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'switched'")), 1);
}

void TestMainWindow::settingsDialogTestCreatesNothing()
{
    // The Test button only connects: a database someone merely tests gets no tables.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("tested.sqlite"));
    Ui::DatabaseSettingsDialog dialog;
    const ValueResult<DatabaseConfig> parsed =
        DatabaseConfig::fromUrl(QStringLiteral("sqlite:") + path);
    QVERIFY2(parsed.ok, qPrintable(parsed.error));
    dialog.setConfig(parsed.value);
    QTest::mouseClick(Test::child<QPushButton>(&dialog, "testButton"), Qt::LeftButton);
    auto *result = Test::child<QLabel>(&dialog, "testResultLabel");
    QTRY_COMPARE_WITH_TIMEOUT(result->text(), QStringLiteral("Connected."), 15000);
    QTRY_VERIFY(!dialog.isTesting());
    {
        QSqlDatabase check =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        check.setDatabaseName(path);
        QVERIFY(check.open());
        QSqlQuery q(check);
        QVERIFY(q.exec(QStringLiteral("SELECT COUNT(*) FROM sqlite_master")) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
