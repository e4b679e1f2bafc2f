// The Bulk tab as staff use it, offscreen against a real SQLite database: results that survive
// editing and undo, a second Submit all that asks first, an import that asks before replacing
// text, an empty tab with nothing to submit, Tab moving the focus, and the CSV export (what is
// shown, never a live formula, .csv added to a typed name) through the dialog seams
// (MessageBox::setNextAnswer, FileDialog::setNextFileName). A file above the stream threshold,
// imported through the dialog seam: streamed, its results the batch's items, exported from it.

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/batches/batchitemmodel.h"
#include "ui/bulk/bulkpage.h"
#include "ui/bulk/bulksession.h"
#include "ui/bulkeditor.h"
#include "ui/bulkresultmodel.h"
#include "ui/filedialog.h"
#include "ui/mainwindow.h"
#include "ui/messagebox.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringEncoder>
#include <QTableView>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::BulkResultModel;
using ViralSpot::Ui::MainWindow;

namespace {

// Pasted by a staff member: the first five are what a spreadsheet would run as formulas.
const QStringList Pasted = {
    QStringLiteral("=1+1"),
    QStringLiteral("+cmd|'"),
    QStringLiteral("@SUM(1+1)"),
    QStringLiteral("-2+3"),
    QStringLiteral("\"=HYPERLINK(\"\"http://evil.example/\"\")\""),
    QStringLiteral("alice"),
    QStringLiteral("bob"),
};

bool isLiveFormula(const QString &cell)
{
    if (cell.isEmpty())
        return false;
    if (cell.front() == QLatin1Char('\t') || cell.front() == QLatin1Char('\r'))
        return true;
    const QString t = cell.trimmed();
    return !t.isEmpty() && QStringLiteral("=+-@").contains(t.front());
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

// The message boxes answered through the seam since the last call: their object names, and
// their words (text and informative text) in *texts.
QStringList takeAnswered(QStringList *texts = nullptr)
{
    QStringList names;
    for (const Ui::MessageBox::Answered &box : Ui::MessageBox::takeAnswered()) {
        names.append(box.objectName);
        if (texts)
            texts->append(box.text + QLatin1Char(' ') + box.informativeText);
    }
    return names;
}

} // namespace

class TestBulkWorkflow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void editingKeepsResultsMarkedUntilSubmit();
    void submittingTheSameTextAgainAsks();
    void importAsksBeforeReplacingText();
    void emptyTabHasNothingToSubmit();
    void tabMovesFocusCtrlTabTypesTab();
    void editorHandsItsTextOverInSlices();
    void exportNeverHoldsALiveFormula();
    void exportWritesWhatTheFilterShows();
    void exportAddsCsvToATypedName();
    void bigFileIsStreamedThroughTheDialog();
    void droppedFilesAreImportedOrStreamed();
    void filesInOtherEncodingsAreRead();

private:
    std::unique_ptr<MainWindow> openWindow();
    QPlainTextEdit *editor(MainWindow *window);
    // Pastes the text in the empty editor and submits it; waits for the results.
    bool pasteAndSubmit(MainWindow *window, const QString &text);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestBulkWorkflow::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestBulkWorkflow::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    RequestService service(m_db->config(), QStringLiteral("tst_bulkworkflow_migrate"));
    QString error;
    const Result opened = service.open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
    service.close();
}

void TestBulkWorkflow::cleanup()
{
    m_db.reset();
}

std::unique_ptr<MainWindow> TestBulkWorkflow::openWindow()
{
    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("window not exposed");
    Test::child<QTabWidget>(window.get(), "tabs")->setCurrentIndex(MainWindow::BulkTab);
    return window;
}

QPlainTextEdit *TestBulkWorkflow::editor(MainWindow *window)
{
    return Test::child<QPlainTextEdit>(window, "bulkEditor");
}

bool TestBulkWorkflow::pasteAndSubmit(MainWindow *window, const QString &text)
{
    Test::paste(editor(window), text);
    if (!Test::waitFor([&] { return !Test::bulk(window)->isPreviewPending(); }, 30000))
        return false;
    QSignalSpy finished(Test::bulk(window), &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(window, "submitButton"), Qt::LeftButton);
    return finished.wait(60000) && Test::bulk(window)->model()->hasResults();
}

void TestBulkWorkflow::editingKeepsResultsMarkedUntilSubmit()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    QVERIFY(pasteAndSubmit(window.get(), QStringLiteral("alice\nbob\nbad..name\ncarol")));
    BulkResultModel *model = Test::bulk(window)->model();
    auto *summary = Test::child<QLabel>(window.get(), "summaryLabel");
    const QString summaryBefore = summary->text();
    QVERIFY2(summaryBefore.contains(QLatin1String("queued 3")), qPrintable(summaryBefore));
    auto *note = window->findChild<QLabel *>(QStringLiteral("staleResultsLabel"));
    QVERIFY2(note, "no note that marks results of an earlier text");
    QVERIFY(!note->isVisible());

    // One keystroke (a space at the end) used to wipe every outcome and the summary.
    QPlainTextEdit *edit = editor(window.get());
    edit->setFocus();
    edit->moveCursor(QTextCursor::End);
    QTest::keyClick(edit, Qt::Key_Space);
    QVERIFY(note->isVisible()); // at once, before the text is read again
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(model->hasResults());
    QCOMPARE(model->count(Outcome::Queued), 3);
    QCOMPARE(model->count(Outcome::Invalid), 1);
    QCOMPARE(summary->text(), summaryBefore);
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QLatin1String("submitted")), qPrintable(note->text()));

    // Undo brings the submitted text back: the results are current again.
    QTest::keyClick(edit, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(edit->toPlainText(), QStringLiteral("alice\nbob\nbad..name\ncarol"));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(model->hasResults());
    QCOMPARE(summary->text(), summaryBefore);
    QVERIFY(!note->isVisible());

    // Clear empties the text (undoably) and keeps the results, marked.
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "clearBulkButton"), Qt::LeftButton);
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(edit->toPlainText().isEmpty());
    QVERIFY(model->hasResults());
    QVERIFY(note->isVisible());
    QTest::keyClick(edit, Qt::Key_Z, Qt::ControlModifier);
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QCOMPARE(edit->toPlainText(), QStringLiteral("alice\nbob\nbad..name\ncarol"));
    QVERIFY(!note->isVisible());

    // A new text, submitted: its results replace the old ones, no question asked (new text:
    // a "no" set for a question would have stopped the batch, and is still there afterwards).
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("dave erin"));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(note->isVisible());
    QCOMPARE(model->rowCount(), 4); // the table still shows the submitted text's rows
    QSignalSpy finished(Test::bulk(window), &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QVERIFY(finished.wait(60000));
    QVERIFY(takeAnswered().isEmpty());
    Ui::MessageBox::setNextAnswer(QMessageBox::NoButton);
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->count(Outcome::Queued), 2);
    QVERIFY(!note->isVisible());
}

void TestBulkWorkflow::submittingTheSameTextAgainAsks()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    QVERIFY(pasteAndSubmit(window.get(), QStringLiteral("alice bob carol")));
    BulkResultModel *model = Test::bulk(window)->model();
    QCOMPARE(model->count(Outcome::Queued), 3);
    auto *summary = Test::child<QLabel>(window.get(), "summaryLabel");
    const QString summaryBefore = summary->text();

    QSignalSpy finished(Test::bulk(window), &Ui::BulkSession::batchFinished);
    // Declined: nothing runs, the results stay.
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QStringList texts;
    QCOMPARE(takeAnswered(&texts), QStringList { QStringLiteral("submitAgainBox") });
    QVERIFY2(texts.first().contains(QLatin1String("queued 3")), qPrintable(texts.first()));
    QVERIFY(!Test::bulk(window)->isBatchRunning());
    QTest::qWait(300);
    QCOMPARE(finished.count(), 0);
    QCOMPARE(summary->text(), summaryBefore);
    QCOMPARE(model->count(Outcome::Queued), 3);

    // Submit all from the menu (Ctrl+Enter) asks the same.
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    window->findChild<QAction *>(QStringLiteral("submitAction"))->trigger();
    QCOMPARE(takeAnswered(), QStringList { QStringLiteral("submitAgainBox") });
    QVERIFY(!Test::bulk(window)->isBatchRunning());

    // Confirmed: it runs again, and says what it found.
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QCOMPARE(takeAnswered(), QStringList { QStringLiteral("submitAgainBox") });
    QVERIFY(finished.wait(60000));
    QCOMPARE(model->count(Outcome::AlreadyQueued), 3);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 3);
}

void TestBulkWorkflow::importAsksBeforeReplacingText()
{
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("list.txt"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("from_file_1\nfrom_file_2\n");
    }
    auto window = openWindow();
    QPlainTextEdit *edit = editor(window.get());
    auto *importButton = Test::child<QPushButton>(window.get(), "importButton");

    // An empty editor: nothing to lose, no question (the "no" set for one stays unused).
    Ui::FileDialog::setNextFileName(file);
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    QTest::mouseClick(importButton, Qt::LeftButton);
    QVERIFY(takeAnswered().isEmpty());
    Ui::MessageBox::setNextAnswer(QMessageBox::NoButton);
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QCOMPARE(Test::bulk(window)->model()->rowCount(), 2);

    // Typed text: asked first; declined keeps it.
    edit->clear();
    QTest::keyClicks(edit, QStringLiteral("typed_by_hand"));
    Ui::FileDialog::setNextFileName(file);
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    QTest::mouseClick(importButton, Qt::LeftButton);
    QStringList texts;
    QCOMPARE(takeAnswered(&texts), QStringList { QStringLiteral("replaceTextBox") });
    QVERIFY2(texts.first().contains(QLatin1String("list.txt")), qPrintable(texts.first()));
    QCOMPARE(edit->toPlainText(), QStringLiteral("typed_by_hand"));

    // The menu's Import… asks too; accepted, the file replaces the text.
    Ui::FileDialog::setNextFileName(file);
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    window->findChild<QAction *>(QStringLiteral("importAction"))->trigger();
    QCOMPARE(takeAnswered(), QStringList { QStringLiteral("replaceTextBox") });
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QCOMPARE(edit->toPlainText(), QStringLiteral("from_file_1\nfrom_file_2\n"));
}

void TestBulkWorkflow::emptyTabHasNothingToSubmit()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    auto *submit = Test::child<QPushButton>(window.get(), "submitButton");
    auto *progress = Test::child<QProgressBar>(window.get(), "batchProgress");
    // "0 of 1" and an enabled Submit all on an empty tab.
    QVERIFY2(!progress->isTextVisible(), qPrintable(progress->text()));
    QVERIFY(!submit->isEnabled());
    QVERIFY(!window->findChild<QAction *>(QStringLiteral("submitAction"))->isEnabled());

    // Something typed: it can be submitted (at once, before the preview is read).
    QTest::keyClicks(editor(window.get()), QStringLiteral("alice"));
    QVERIFY(submit->isEnabled());
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(submit->isEnabled());
    // Only separators: nothing to submit.
    editor(window.get())->setPlainText(QStringLiteral(" ,\n; "));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());
    QVERIFY(!submit->isEnabled());

    // After a run the progress reads "1 of 1".
    editor(window.get())->clear();
    QVERIFY(pasteAndSubmit(window.get(), QStringLiteral("alice")));
    QVERIFY(progress->isTextVisible());
    QCOMPARE(progress->text(), QStringLiteral("1 of 1"));
}

void TestBulkWorkflow::tabMovesFocusCtrlTabTypesTab()
{
    auto window = openWindow();
    QApplication::setActiveWindow(window.get());
    QVERIFY(QTest::qWaitForWindowActive(window.get()));
    QPlainTextEdit *edit = editor(window.get());
    edit->setFocus();
    QTRY_VERIFY(edit->hasFocus());
    QTest::keyClicks(edit, QStringLiteral("alice"));
    QTest::keyClick(edit, Qt::Key_Tab);
    QCOMPARE(edit->toPlainText(), QStringLiteral("alice"));
    QVERIFY(!edit->hasFocus());

    edit->setFocus();
    QTRY_VERIFY(edit->hasFocus());
    edit->moveCursor(QTextCursor::End);
    QTest::keyClick(edit, Qt::Key_Tab, Qt::ControlModifier);
    QCOMPARE(edit->toPlainText(), QStringLiteral("alice\t"));
    QVERIFY(edit->hasFocus());
    QCOMPARE(
        Test::child<QTabWidget>(window.get(), "tabs")->currentIndex(), int(MainWindow::BulkTab));
}

// What the preview reads (BulkEditor::readText): the text as toPlainText() gives it, line
// separators and no-break spaces included, on later event-loop turns; a change meanwhile ends
// the read early.
void TestBulkWorkflow::editorHandsItsTextOverInSlices()
{
    Ui::BulkEditor edit;
    QStringList lines;
    for (int i = 0; i < 60000; ++i)
        lines << QStringLiteral("user_%1").arg(i);
    lines[10] = QStringLiteral("a\u00a0b");
    lines[20] = QStringLiteral("c\u2028d");
    lines << QString() << QString(); // the text ends with two line ends
    for (const QString &text : { QString(), QStringLiteral("one"), QStringLiteral("\n\none\n"),
             lines.join(QLatin1Char('\n')) }) {
        edit.setPlainText(text);
        QString read = QStringLiteral("(not yet)");
        int calls = 0;
        edit.readText([&](const QString &t) {
            read = t;
            ++calls;
        });
        QVERIFY(edit.isReading());
        QCOMPARE(calls, 0); // never before the caller returns
        QTRY_COMPARE(calls, 1);
        QVERIFY(!edit.isReading());
        QCOMPARE(read.size(), edit.toPlainText().size());
        QCOMPARE(read, edit.toPlainText());
    }
    QVERIFY(edit.toPlainText().contains(QStringLiteral("\na b\n")));
    QVERIFY(edit.toPlainText().contains(QStringLiteral("\nc\nd\n")));

    // Changed before the first slice: what was read (nothing) is handed over at once.
    QString read = QStringLiteral("(not yet)");
    int calls = 0;
    edit.readText([&](const QString &t) {
        read = t;
        ++calls;
    });
    edit.appendPlainText(QStringLiteral("more"));
    QTRY_COMPARE(calls, 1);
    QVERIFY(read.isEmpty());
    // A second read ends the first one the same way.
    QString second;
    edit.readText([&](const QString &t) {
        read = t;
        ++calls;
    });
    edit.readText([&](const QString &t) { second = t; });
    QCOMPARE(calls, 2);
    QVERIFY(read.isEmpty());
    QTRY_COMPARE(second, edit.toPlainText());
}

void TestBulkWorkflow::exportNeverHoldsALiveFormula()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    QVERIFY(pasteAndSubmit(window.get(), Pasted.join(QLatin1Char('\n'))));
    BulkResultModel *model = Test::bulk(window)->model();
    QCOMPARE(model->rowCount(), Pasted.size());
    QCOMPARE(model->count(Outcome::Queued), 2);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("results.csv"));
    QSignalSpy exported(Test::bulk(window), &Ui::BulkSession::exportFinished);
    Ui::FileDialog::setNextFileName(path);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "exportButton"), Qt::LeftButton);
    QTRY_COMPARE(exported.count(), 1);
    QCOMPARE(exported.first().at(0).toBool(), true);
    const QList<QStringList> csv = Test::readCsv(QString::fromUtf8(readAll(path)));
    QCOMPARE(csv.size(), Pasted.size() + 1);
    int guarded = 0;
    for (qsizetype r = 1; r < csv.size(); ++r) {
        const QStringList &fields = csv.at(r);
        QCOMPARE(fields.size(), 5);
        for (const QString &cell : fields)
            QVERIFY2(
                !isLiveFormula(cell), qPrintable(QStringLiteral("row %1: %2").arg(r).arg(cell)));
        // The input is kept, shown as text.
        const QString input = model->parseResult().entries.at(r - 1).input;
        if (isLiveFormula(input)) {
            QCOMPARE(fields.at(1), QLatin1Char('\'') + input);
            ++guarded;
        } else {
            QCOMPARE(fields.at(1), input);
        }
    }
    QCOMPARE(guarded, 5);
}

void TestBulkWorkflow::exportWritesWhatTheFilterShows()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    QVERIFY(
        pasteAndSubmit(window.get(), QStringLiteral("alice bad..one bob .two carol bad..three")));
    auto *filter = Test::child<QComboBox>(window.get(), "outcomeFilter");
    filter->setCurrentIndex(filter->findData(QStringLiteral("invalid")));
    QCOMPARE(Test::child<QSortFilterProxyModel>(window.get(), "bulkProxy")->rowCount(), 3);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("invalid.csv"));
    QSignalSpy exported(Test::bulk(window), &Ui::BulkSession::exportFinished);
    Ui::FileDialog::setNextFileName(path);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "exportButton"), Qt::LeftButton);
    QTRY_COMPARE(exported.count(), 1);
    QCOMPARE(exported.first().at(0).toBool(), true);
    const QList<QStringList> csv = Test::readCsv(QString::fromUtf8(readAll(path)));
    QCOMPARE(csv.size(), 1 + 3);
    for (qsizetype r = 1; r < csv.size(); ++r)
        QCOMPARE(csv.at(r).at(3), QStringLiteral("invalid"));
    const QString status = Test::bulk(window)->statusText();
    QVERIFY2(status.contains(QLatin1String("3 of 6")), qPrintable(status));

    // All rows again without the filter.
    filter->setCurrentIndex(0);
    Ui::FileDialog::setNextFileName(path);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "exportButton"), Qt::LeftButton);
    QTRY_COMPARE(exported.count(), 2);
    QCOMPARE(Test::readCsv(QString::fromUtf8(readAll(path))).size(), 1 + 6);
}

void TestBulkWorkflow::exportAddsCsvToATypedName()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    QVERIFY(pasteAndSubmit(window.get(), QStringLiteral("alice bob")));

    QTemporaryDir dir;
    const QString typed = dir.filePath(QStringLiteral("results")); // typed without .csv
    QSignalSpy exported(Test::bulk(window), &Ui::BulkSession::exportFinished);
    Ui::FileDialog::setNextFileName(typed);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "exportButton"), Qt::LeftButton);
    QTRY_COMPARE(exported.count(), 1);
    QCOMPARE(exported.first().at(0).toBool(), true);
    QVERIFY2(!QFile::exists(typed), "saved without the .csv extension");
    const QString path = typed + QStringLiteral(".csv");
    QCOMPARE(exported.first().at(1).toString(), path);
    QCOMPARE(Test::readCsv(QString::fromUtf8(readAll(path))).size(), 3);

    // The import dialog's filter (*.txt *.csv) finds it, and it imports.
    QVERIFY(Test::bulkPage(window)->importFile(path));
    QTRY_VERIFY(!Test::bulk(window)->isPreviewPending());

    // Typed again: results.csv exists and the dialog never asked about it, so it stays.
    QFile::remove(path);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("precious\n");
    }
    Ui::FileDialog::setNextFileName(typed);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "exportButton"), Qt::LeftButton);
    QTRY_COMPARE(exported.count(), 2);
    QCOMPARE(exported.at(1).at(0).toBool(), false);
    QCOMPARE(readAll(path), QByteArray("precious\n"));
    QVERIFY2(Test::bulk(window)->statusText().contains(QLatin1String("already exists")),
        qPrintable(Test::bulk(window)->statusText()));
}

void TestBulkWorkflow::bigFileIsStreamedThroughTheDialog()
{
    constexpr int Lines = 25000; // three pieces of the default 10,000 lines
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("crawl.txt"));
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QByteArray out;
        for (int i = 0; i < Lines; ++i)
            out += (i % 1000 == 999 ? QStringLiteral("bad..%1") : QStringLiteral("crawled_%1"))
                       .arg(i)
                       .toUtf8() +
                '\n';
        f.write(out);
    }
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    Ui::BulkSession *session = Test::bulk(window);
    session->setStreamThreshold(64 * 1024); // the file is about 300 KB
    QVERIFY(session->shouldStream(QFileInfo(path).size()));

    Ui::FileDialog::setNextFileName(path);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "importButton"), Qt::LeftButton);
    QCOMPARE(session->streamFile(), path);
    QTRY_VERIFY(!session->isPreviewPending());
    QVERIFY(editor(window.get())->document()->isEmpty()); // never loaded into the editor
    QCOMPARE(session->model()->rowCount(), 0);
    const QString counts = Test::child<QLabel>(window.get(), "previewCountsLabel")->text();
    QVERIFY2(counts.contains(QLatin1String("crawl.txt")), qPrintable(counts));
    auto *submit = Test::child<QPushButton>(window.get(), "submitButton");
    QVERIFY(submit->isEnabled());

    QSignalSpy finished(session, &Ui::BulkSession::batchFinished);
    QTest::mouseClick(submit, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(session->streamProgress().inputs, Lines);
    QCOMPARE(session->model()->rowCount(), 0);
    // The table shows the batch's items, a page at a time, not a row per line in memory.
    auto *streamView = Test::child<QTableView>(window.get(), "bulkStreamView");
    QVERIFY(streamView->isVisible());
    QVERIFY(!Test::child<QTableView>(window.get(), "bulkView")->isVisible());
    Ui::BatchItemModel *items = Test::bulkPage(window)->streamItemModel();
    QVERIFY(items);
    QCOMPARE(streamView->model(), items);
    QTRY_COMPARE(items->rowCount(), int(Ui::BatchItemModel::PageSize));
    QTRY_COMPARE(items->matching(), qint64(Lines)); // the read after the last piece
    QCOMPARE(items->itemAt(0)->position, 1);
    QCOMPARE(items->itemAt(0)->username, QStringLiteral("crawled_0"));
    QCOMPARE(items->batchId(), session->lastBatchId());

    // Its waiting items scrolled to the end a page at a time (fetchMore, as the view asks):
    // every one once, in input order, although a worker finishes the first 100 shown between
    // two pages (an OFFSET skipped as many waiting items as had finished meanwhile).
    constexpr int Waiting = Lines - Lines / 1000;
    QSignalSpy loaded(items, &Ui::BatchItemModel::loaded);
    items->setStates({ ItemState::Waiting });
    QTRY_COMPARE(loaded.count(), 1);
    QCOMPARE(items->rowCount(), int(Ui::BatchItemModel::PageSize));
    QCOMPARE(items->matching(), qint64(Waiting));
    {
        QSqlQuery q(m_db->connection());
        QVERIFY2(q.exec(QStringLiteral("UPDATE queue SET status = 'COMPLETED' WHERE id IN "
                                       "(SELECT queue_id FROM viralspot_batch_items "
                                       "WHERE position <= 100)")),
            qPrintable(q.lastError().text()));
        QCOMPARE(q.numRowsAffected(), 100);
    }
    while (items->canFetchMore({})) {
        const qsizetype before = loaded.count();
        items->fetchMore({});
        QTRY_COMPARE(loaded.count(), before + 1);
    }
    QCOMPARE(items->rowCount(), Waiting);
    for (int row = 1; row < items->rowCount(); ++row)
        QVERIFY(items->itemAt(row)->position > items->itemAt(row - 1)->position);
    QCOMPARE(items->itemAt(Waiting - 1)->username, QStringLiteral("crawled_%1").arg(Lines - 2));
    const qsizetype reads = loaded.count();
    items->setStates({});
    QTRY_COMPARE(loaded.count(), reads + 1);

    auto *progress = Test::child<QProgressBar>(window.get(), "batchProgress");
    QCOMPARE(progress->value(), progress->maximum());
    QVERIFY2(progress->text().contains(Test::number(Lines)), qPrintable(progress->text()));
    const QString summary = Test::child<QLabel>(window.get(), "summaryLabel")->text();
    QVERIFY2(
        summary.contains(QStringLiteral("queued %1").arg(Test::number(Lines - Lines / 1000))) &&
            summary.contains(QStringLiteral("invalid %1").arg(Test::number(Lines / 1000))),
        qPrintable(summary));
    QVERIFY(!Test::child<QComboBox>(window.get(), "outcomeFilter")->isEnabled());
    QVERIFY(!Test::child<QPushButton>(window.get(), "copyInvalidButton")->isEnabled());
    QVERIFY(!Test::child<QPushButton>(window.get(), "retryErrorsButton")->isEnabled());
    QVERIFY(Test::child<QPushButton>(window.get(), "followBatchButton")->isVisible());

    // Export CSV writes every item of the batch, read from the database a chunk at a time.
    const QString csvPath = dir.filePath(QStringLiteral("crawl-results.csv"));
    QSignalSpy exported(session, &Ui::BulkSession::exportFinished);
    Ui::FileDialog::setNextFileName(csvPath);
    auto *exportButton = Test::child<QPushButton>(window.get(), "exportButton");
    QVERIFY(exportButton->isEnabled());
    QTest::mouseClick(exportButton, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 60000);
    QCOMPARE(exported.first().at(0).toBool(), true);
    const QList<QStringList> csv = Test::readCsv(QString::fromUtf8(readAll(csvPath)));
    QCOMPARE(csv.size(), 1 + Lines);
    QCOMPARE(csv.at(1).at(2), QStringLiteral("crawled_0"));
    QCOMPARE(csv.at(1000).at(3), Ui::outcomeLabel(Outcome::Invalid));
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")).toInt(), Lines);

    // Typing text chooses the text again: Submit all would send it, not the file.
    QTest::keyClicks(editor(window.get()), QStringLiteral("typed_after"));
    QTRY_VERIFY(!session->isPreviewPending());
    QVERIFY(session->streamFile().isEmpty());
    QVERIFY(session->areResultsStale());
}

// Files dropped on the editor, as Qt delivers a drag from a file manager (the drag-enter and
// drop events with the files' URLs): a small one is loaded into the editor, a big one after
// the question is streamed like one chosen in the dialog, every line an item of the batch.
void TestBulkWorkflow::droppedFilesAreImportedOrStreamed()
{
    QTemporaryDir dir;
    const QString small = dir.filePath(QStringLiteral("small.txt"));
    const QString big = dir.filePath(QStringLiteral("dropped crawl.csv"));
    constexpr int Lines = 12000;
    {
        QFile f(small);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("dropped_1\ndropped_2\n");
        QFile g(big);
        QVERIFY(g.open(QIODevice::WriteOnly));
        QByteArray out = "username\n";
        for (int i = 0; i < Lines; ++i)
            out += "dropped_big_" + QByteArray::number(i) + '\n';
        g.write(out);
    }
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    Ui::BulkSession *session = Test::bulk(window);
    session->setStreamThreshold(64 * 1024); // the big file is about 230 KB
    QPlainTextEdit *edit = editor(window.get());
    const auto drop = [&](const QString &file) {
        QMimeData mime;
        mime.setUrls({ QUrl::fromLocalFile(file) });
        QDragEnterEvent enter(
            QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(edit->viewport(), &enter);
        if (!enter.isAccepted())
            return false;
        QDropEvent event(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(edit->viewport(), &event);
        return true;
    };

    // Small, on an empty editor: loaded, no question.
    QVERIFY(drop(small));
    QVERIFY(takeAnswered().isEmpty());
    QCOMPARE(edit->toPlainText(), QStringLiteral("dropped_1\ndropped_2\n"));
    QTRY_VERIFY(!session->isPreviewPending());
    QCOMPARE(session->model()->rowCount(), 2);

    // Big, on text: asked first, then streamed; the editor is emptied, nothing is read whole.
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    QVERIFY(drop(big));
    QCOMPARE(takeAnswered(), QStringList { QStringLiteral("replaceTextBox") });
    QCOMPARE(session->streamFile(), big);
    QTRY_VERIFY(!session->isPreviewPending());
    QVERIFY(edit->document()->isEmpty());
    QCOMPARE(session->model()->rowCount(), 0);
    QSignalSpy finished(session, &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(session->streamProgress().inputs, Lines); // the CSV header is not an input
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username LIKE "
                                         "'dropped\\_big\\_%' ESCAPE '\\'"))
                 .toInt(),
        Lines);
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")).toInt(), Lines);
}

void TestBulkWorkflow::filesInOtherEncodingsAreRead()
{
    // What spreadsheets save: "Unicode text" (UTF-16LE with its mark, tab-separated) and CSV in
    // Windows-1252. The window refused the second as "not UTF-8 text" for one accent in another
    // column, and read the first as a NUL between every two letters.
    QTemporaryDir dir;
    const QString sheet = dir.filePath(QStringLiteral("sheet.txt"));
    const QString legacy = dir.filePath(QStringLiteral("legacy.csv"));
    const QString bigSheet = dir.filePath(QStringLiteral("big sheet.txt"));
    constexpr int Lines = 5000;
    {
        QStringEncoder utf16(QStringEncoder::Utf16LE, QStringEncoder::Flag::WriteBom);
        QFile f(sheet);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(utf16(QStringLiteral("username\tname\r\nsheet_one\tOne\r\nsheet_two\tTwó\r\n")));
        QFile g(legacy);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write("username;name\r\nlegacy_one;Jos\xe9\r\nlegacy_two;\x93Zo\xeb\x94\r\n");
        QFile h(bigSheet);
        QVERIFY(h.open(QIODevice::WriteOnly));
        QString text = QStringLiteral("username\tname\r\n");
        for (int i = 0; i < Lines; ++i)
            text += QStringLiteral("big_sheet_%1\tNamé %1\r\n").arg(i);
        QStringEncoder big(QStringEncoder::Utf16LE, QStringEncoder::Flag::WriteBom);
        h.write(big(text));
    }
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    Ui::BulkSession *session = Test::bulk(window);
    Ui::BulkPage *page = Test::bulkPage(window);
    QPlainTextEdit *edit = editor(window.get());

    QVERIFY(page->importFile(sheet));
    QCOMPARE(
        edit->toPlainText(), QStringLiteral("username\tname\nsheet_one\tOne\nsheet_two\tTwó\n"));
    QCOMPARE(session->statusText(), QStringLiteral("Imported sheet.txt (read as UTF-16LE)."));
    QTRY_VERIFY(!session->isPreviewPending());
    QVERIFY(session->previewParse().csv);
    QCOMPARE(session->previewParse().valid, 2);

    edit->clear();
    QVERIFY(page->importFile(legacy));
    QCOMPARE(
        edit->toPlainText(), QStringLiteral("username;name\nlegacy_one;José\nlegacy_two;“Zoë”\n"));
    QCOMPARE(session->statusText(), QStringLiteral("Imported legacy.csv (read as Windows-1252)."));
    QTRY_VERIFY(!session->isPreviewPending());
    QCOMPARE(session->previewParse().valid, 2);

    // Above the stream threshold: said when chosen, read as UTF-16 piece by piece.
    session->setStreamThreshold(64 * 1024);
    QVERIFY(page->importFile(bigSheet));
    QCOMPARE(session->streamFile(), bigSheet);
    QVERIFY2(session->statusText().endsWith(QLatin1String(" Read as UTF-16LE.")),
        qPrintable(session->statusText()));
    QSignalSpy finished(session, &Ui::BulkSession::batchFinished);
    QTest::mouseClick(Test::child<QPushButton>(window.get(), "submitButton"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(session->streamProgress().inputs, Lines);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username LIKE "
                                         "'big\\_sheet\\_%' ESCAPE '\\'"))
                 .toInt(),
        Lines);
}

QTEST_MAIN(TestBulkWorkflow)
#include "tst_bulkworkflow.moc"
