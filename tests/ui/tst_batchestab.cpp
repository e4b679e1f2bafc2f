// The Batches tab in the real window (offscreen) against a real database of the engine named
// by VIRALSPOT_TEST_ENGINE: a batch submitted on the Bulk tab appears with its counts, a
// simulated worker moves its rows and the tab follows, the notification fires exactly once,
// actions are confirmed with their preview count and never make a second active row, the
// items export as CSV, the search finds batches by name, a single request joins the day's batch.

#include "core/batches/batches.h"
#include "core/changes/changewatcher.h"
#include "core/ids.h"
#include "core/requestservice.h"
#include "core/schema.h"
#include "tests/support/simworker.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/batches/batchestab.h"
#include "ui/batches/batchfinishwatcher.h"
#include "ui/batches/batchformat.h"
#include "ui/batches/batchitemmodel.h"
#include "ui/batches/batchlistmodel.h"
#include "ui/batches/batchpage.h"
#include "ui/batches/batchplaces.h"
#include "ui/batches/batchprogress.h"
#include "ui/filedialog.h"
#include "ui/messagebox.h"
#include "ui/notifications/desktopnotifier.h"
#include "ui/notifications/notificationbanner.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableView>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using Ui::BatchesTab;
using Ui::BatchListModel;
using Ui::MainWindow;

class TestBatchesTab : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void bulkSubmissionAppearsWithCounts();
    void workerMovesItemsAndNotifiesOnce();
    void actionsConfirmedWithPreviewCount();
    void exportWritesTheItems();
    void searchFindsByName();
    void singleRequestJoinsTheDayBatch();
    void othersUnclaimedBatchesDoNotCrowdOutMine();
    void finishCheckBeforeTheSchemaIsQuiet();
    void notifiesWhileTheWindowIsHidden();
    void bigBatchEstimatedAndPlacedInTheBackground();

private:
    void openWindow();
    // Submits `text` on the Bulk tab as batch `name`; its id.
    QString submit(const QString &name, const QString &text);
    BatchesTab *batchesTab();
    // Refreshes the tab and waits for the list and the open page to be read again.
    void refreshAndWait();
    const BatchSummary *row(const QString &id);
    int count(const QString &sql) { return m_db->scalar(sql).toInt(); }
    // A finished, unclaimed batch row without items in `db`.
    static QString insertFinishedBatch(
        Test::TemporaryDatabase &db, const QString &submitter, const QDateTime &finishedAt);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
    std::unique_ptr<MainWindow> m_window;
};

void TestBatchesTab::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestBatchesTab::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    openWindow();
}

void TestBatchesTab::cleanup()
{
    m_window.reset();
    m_db.reset();
}

void TestBatchesTab::openWindow()
{
    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(m_window)->isConnected(), 20000);
    // Offscreen there is no tray; the notifications land in the seam (and the banner).
    m_window->findChild<Ui::DesktopNotifier *>(QStringLiteral("desktopNotifier"))
        ->setTrayAllowed(false);
}

QString TestBatchesTab::submit(const QString &name, const QString &text)
{
    Test::child<QTabWidget>(m_window.get(), "tabs")->setCurrentIndex(MainWindow::BulkTab);
    Test::child<QLineEdit>(m_window.get(), "bulkBatchNameEdit")->setText(name);
    auto *editor = Test::child<QPlainTextEdit>(m_window.get(), "bulkEditor");
    editor->clear();
    Test::paste(editor, text);
    QSignalSpy finished(Test::bulk(m_window), &Ui::BulkSession::batchFinished);
    QSignalSpy recorded(Test::bulk(m_window), &Ui::BulkSession::batchRecorded);
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes); // "submit the same text again?" if asked
    Test::bulkPage(m_window)->submit();
    if (!QTest::qWaitFor([&] { return finished.count() == 1; }, 30000))
        return QString();
    Ui::MessageBox::setNextAnswer(QMessageBox::NoButton);
    return recorded.count() == 1 ? recorded.constFirst().constFirst().toString() : QString();
}

BatchesTab *TestBatchesTab::batchesTab()
{
    return m_window->findChild<BatchesTab *>(QStringLiteral("batchesTab"));
}

void TestBatchesTab::refreshAndWait()
{
    BatchesTab *tab = batchesTab();
    QSignalSpy listLoaded(tab->model(), &BatchListModel::loaded);
    QSignalSpy pageLoaded(tab->page(), &Ui::BatchPage::detailLoaded);
    QSignalSpy checked(tab->finishWatcher(), &Ui::BatchFinishWatcher::checked);
    tab->refresh();
    QTRY_VERIFY_WITH_TIMEOUT(listLoaded.count() >= 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(checked.count() >= 1, 10000);
    if (tab->isPageShown())
        QTRY_VERIFY_WITH_TIMEOUT(
            pageLoaded.count() >= 1 && !tab->page()->itemModel()->isBusy(), 10000);
}

const BatchSummary *TestBatchesTab::row(const QString &id)
{
    BatchListModel *model = batchesTab()->model();
    return model->batchAt(model->rowOfId(id));
}

void TestBatchesTab::bulkSubmissionAppearsWithCounts()
{
    QVERIFY(m_db->seedQueue(
        QStringLiteral("waiting_one"), QStringLiteral("PENDING"), QStringLiteral("LOW")));
    const QString id = submit(QStringLiteral("spring campaign"),
        QStringLiteral("alpha_one\nbeta_two\nbad!name\nwaiting_one\nalpha_one"));
    QVERIFY(!id.isEmpty());
    auto *follow = Test::child<QPushButton>(m_window.get(), "followBatchButton");
    QVERIFY(follow->isVisible());

    BatchesTab *tab = batchesTab();
    QAbstractItemModelTester tester(
        tab->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    refreshAndWait();
    const BatchSummary *b = row(id);
    QVERIFY(b);
    QCOMPARE(b->name, QStringLiteral("spring campaign"));
    QCOMPARE(b->origin, QStringLiteral("window"));
    QCOMPARE(
        b->counts.total, 3); // two queued, one already queued; invalid and duplicate not followed
    QCOMPARE(b->counts.waiting, 3);
    QCOMPARE(b->counts.processed, 0);
    QCOMPARE(b->counts.notQueued, 2);
    QCOMPARE(b->counts.waitingHigh, 3); // the LOW row found waiting was raised (a person asked)
    const QModelIndex progress =
        tab->model()->index(tab->model()->rowOfId(id), BatchListModel::ProgressColumn);
    QVERIFY2(progress.data().toString().startsWith(QStringLiteral("0 of 3 processed")),
        qPrintable(progress.data().toString()));

    // "Follow in Batches" opens its page with every input.
    QTest::mouseClick(follow, Qt::LeftButton);
    auto *tabs = Test::child<QTabWidget>(m_window.get(), "tabs");
    QCOMPARE(tabs->currentWidget(), static_cast<QWidget *>(tab));
    QVERIFY(tab->isPageShown());
    QCOMPARE(tab->page()->batchId(), id);
    QTRY_COMPARE_WITH_TIMEOUT(tab->page()->itemModel()->rowCount(), 5, 10000);
    QTRY_COMPARE(tab->page()->detail().summary.counts.total, 3);
}

void TestBatchesTab::workerMovesItemsAndNotifiesOnce()
{
    const QString id = submit(QStringLiteral("to the end"), QStringLiteral("one_a\none_b\none_c"));
    QVERIFY(!id.isEmpty());
    auto *notifier = m_window->findChild<Ui::DesktopNotifier *>(QStringLiteral("desktopNotifier"));
    BatchesTab *tab = batchesTab();
    tab->openBatch(id);
    refreshAndWait();
    QCOMPARE(row(id)->counts.waiting, 3);

    // The original workers' way (SimWorker): claim in their order, complete one, fail one,
    // leave one processing.
    Test::SimWorker worker(m_db->connection());
    const Test::SimWorker::Claimed first = worker.claim();
    const Test::SimWorker::Claimed second = worker.claim();
    const Test::SimWorker::Claimed third = worker.claim();
    QVERIFY2(
        first.ok && second.ok && third.ok && !third.id.isEmpty(), qPrintable(worker.lastError()));
    QVERIFY(worker.complete(first.id));
    QVERIFY(worker.fail(second.id, QStringLiteral("profile is private")));
    refreshAndWait();
    const BatchSummary *b = row(id);
    QCOMPARE(b->counts.processing, 1);
    QCOMPARE(b->counts.failed, 1);
    QCOMPARE(b->counts.processed, 1);
    QCOMPARE(b->counts.waiting, 0);
    QVERIFY(!b->counts.done());
    Ui::BatchItemModel *items = tab->page()->itemModel();
    QCOMPARE(items->rowCount(), 3);
    for (int r = 0; r < items->rowCount(); ++r) {
        const BatchItem *item = items->itemAt(r);
        const ItemState expected = item->username == first.username ? ItemState::Processed
            : item->username == second.username                     ? ItemState::Failed
                                                                    : ItemState::Processing;
        QCOMPARE(item->state, expected);
        QCOMPARE(items->index(r, Ui::BatchItemModel::ErrorColumn).data().toString(),
            expected == ItemState::Failed ? QStringLiteral("profile is private") : QString());
    }
    auto *bar = tab->page()->findChild<Ui::BatchProgressBar *>(QStringLiteral("batchProgressBar"));
    QCOMPARE(bar->counts().finished(), 2);
    QCOMPARE(notifier->shown().size(), 0); // not finished yet

    // The last item finishes: one notification, with the batch's name.
    QVERIFY(worker.complete(third.id));
    refreshAndWait();
    QVERIFY(row(id)->counts.done());
    QTRY_COMPARE_WITH_TIMEOUT(notifier->shown().size(), 1, 10000);
    QCOMPARE(notifier->shown().constFirst().key, id);
    QVERIFY(notifier->shown().constFirst().title.contains(QStringLiteral("to the end")));
    // No notification service on this bus (or no bus) and no tray: the window's banner.
    auto *banner =
        m_window->findChild<Ui::NotificationBanner *>(QStringLiteral("notificationBanner"));
    QTRY_VERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QStringLiteral("to the end")));
    // Never twice: not on later looks, not from another window on the same database.
    refreshAndWait();
    refreshAndWait();
    QCOMPARE(notifier->shown().size(), 1);
    const std::shared_ptr<DatabaseThread> other =
        std::make_shared<DatabaseThread>(m_db->config(), QStringLiteral("tst-other-window"));
    Ui::BatchFinishWatcher otherWindow(other, AuditLog::currentOsUser());
    QSignalSpy otherFinished(&otherWindow, &Ui::BatchFinishWatcher::batchFinished);
    QSignalSpy otherChecked(&otherWindow, &Ui::BatchFinishWatcher::checked);
    otherWindow.check();
    QTRY_COMPARE_WITH_TIMEOUT(otherChecked.count(), 1, 10000);
    QCOMPARE(otherFinished.count(), 0);
    // The banner's Open shows the batch.
    tab->showList();
    QTest::mouseClick(
        banner->findChild<QPushButton *>(QStringLiteral("notificationOpenButton")), Qt::LeftButton);
    QVERIFY(tab->isPageShown());
    QCOMPARE(tab->page()->batchId(), id);
}

void TestBatchesTab::actionsConfirmedWithPreviewCount()
{
    const QString id =
        submit(QStringLiteral("with failures"), QStringLiteral("act_a\nact_b\nact_c\nact_d"));
    QVERIFY(!id.isEmpty());
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET status = 'FAILED', error_message = "
                                      "'timeout' WHERE username IN ('act_a', 'act_b', 'act_c')")));
    // Meanwhile someone requested act_b again: it has an active row besides the failed one.
    QVERIFY(m_db->seedQueue(
        QStringLiteral("act_b"), QStringLiteral("PENDING"), QStringLiteral("HIGH")));
    BatchesTab *tab = batchesTab();
    tab->openBatch(id);
    refreshAndWait();
    Ui::BatchPage *page = tab->page();
    QCOMPARE(page->detail().summary.counts.failed, 3);
    Ui::MessageBox::takeAnswered();

    // Cancelled: asked with the count, nothing changes.
    QSignalSpy finished(page, &Ui::BatchPage::actionFinished);
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    QVERIFY(page->runAction(BatchAction::RetryFailed));
    QTRY_VERIFY2_WITH_TIMEOUT(page->lastReport().contains(QStringLiteral("not confirmed")),
        qPrintable(page->lastReport()), 10000);
    QCOMPARE(Ui::MessageBox::takeAnswered().size(), 1);
    QVERIFY(page->findChild<QPushButton *>(QStringLiteral("retryFailedButton"))->isEnabled());
    QCOMPARE(finished.count(), 0);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")), 3);

    // Confirmed: the question names the preview's count; the active act_b is left alone.
    QSqlDatabase check = m_db->connection();
    const int eligible = Batches::preview(check, id, BatchAction::RetryFailed).eligible;
    QVERIFY(eligible >= 2);
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    QVERIFY(page->runAction(BatchAction::RetryFailed));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    const QList<Ui::MessageBox::Answered> asked = Ui::MessageBox::takeAnswered();
    QCOMPARE(asked.size(), 1);
    const auto result = finished.constFirst().constFirst().value<BatchActionResult>();
    QVERIFY2(asked.constFirst().text.contains(QStringLiteral(": %1 row").arg(eligible)),
        qPrintable(asked.constFirst().text));
    QVERIFY(result.ok);
    QCOMPARE(result.changed, 2);
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status IN ('PENDING', 'PROCESSING') "
                             "AND username = 'act_b'")),
        1);
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM (SELECT username FROM queue WHERE status IN "
                             "('PENDING', 'PROCESSING') GROUP BY username HAVING COUNT(*) > 1) d")),
        0);
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'PENDING' AND "
                                  "username IN ('act_a', 'act_c')")),
        2);
    QVERIFY(!page->lastReport().isEmpty());

    // Pause the rest, then resume: each asked, each with its count.
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    QVERIFY(page->runAction(BatchAction::PauseRest));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 10000);
    QCOMPARE(Ui::MessageBox::takeAnswered().size(), 1);
    QVERIFY(count(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'PAUSED'")) >= 3);
    QCOMPARE(
        count(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE details LIKE '%%1%'").arg(id)),
        2);
}

void TestBatchesTab::exportWritesTheItems()
{
    const QString id = submit(QStringLiteral("export me"), QStringLiteral("exp_a\n=cmd\nexp_b"));
    QVERIFY(!id.isEmpty());
    QVERIFY(m_db->exec(QStringLiteral("UPDATE queue SET status = 'FAILED', error_message = "
                                      "'=HYPERLINK(\"x\")' WHERE username = 'exp_b'")));
    BatchesTab *tab = batchesTab();
    tab->openBatch(id);
    refreshAndWait();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("items.csv"));
    QSignalSpy exported(tab->page(), &Ui::BatchPage::exportFinished);
    Ui::FileDialog::setNextFileName(path);
    QVERIFY(tab->page()->exportCsv());
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 10000);
    QVERIFY(exported.constFirst().at(0).toBool());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QStringList> rows = Test::readCsv(QString::fromUtf8(file.readAll()));
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows.at(0), Ui::BatchItemModel::csvHeader());
    QCOMPARE(rows.at(1).at(2), QStringLiteral("exp_a"));
    QCOMPARE(rows.at(2).at(1), QStringLiteral("'=cmd")); // the formula guard
    QCOMPARE(rows.at(3).at(2), QStringLiteral("exp_b"));
    QCOMPARE(rows.at(3).at(4), Batches::itemStateLabel(ItemState::Failed));
    QCOMPARE(rows.at(3).at(7), QStringLiteral("'=HYPERLINK(\"x\")"));

    // Only the failed ones when the page shows only those.
    tab->page()->setStateFilter({ ItemState::Failed });
    QTRY_COMPARE_WITH_TIMEOUT(tab->page()->itemModel()->rowCount(), 1, 10000);
    Ui::FileDialog::setNextFileName(path);
    QVERIFY(tab->page()->exportCsv());
    QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 10000);
    QFile again(path);
    QVERIFY(again.open(QIODevice::ReadOnly));
    QCOMPARE(Test::readCsv(QString::fromUtf8(again.readAll())).size(), 2);
}

void TestBatchesTab::searchFindsByName()
{
    QVERIFY(!submit(QStringLiteral("Alpha launch"), QStringLiteral("s_one")).isEmpty());
    QVERIFY(!submit(QStringLiteral("beta test"), QStringLiteral("s_two")).isEmpty());
    QVERIFY(!submit(QStringLiteral("alphabet soup"), QStringLiteral("s_three")).isEmpty());
    auto *tabs = Test::child<QTabWidget>(m_window.get(), "tabs");
    BatchesTab *tab = batchesTab();
    tabs->setCurrentWidget(tab);
    refreshAndWait();
    QCOMPARE(tab->model()->rowCount(), 3);
    QCOMPARE(tab->model()->batchAt(0)->name, QStringLiteral("alphabet soup")); // newest first
    auto *label = tab->findChild<QLabel *>(QStringLiteral("batchCountLabel"));
    QCOMPARE(label->text(), QStringLiteral("Batches: 3"));
    QSignalSpy loaded(tab->model(), &BatchListModel::loaded);
    QTest::keyClicks(
        tab->findChild<QLineEdit *>(QStringLiteral("batchSearchEdit")), QStringLiteral("ALPHA"));
    QTRY_COMPARE_WITH_TIMEOUT(tab->model()->search(), QStringLiteral("ALPHA"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(tab->model()->rowCount(), 2, 10000);
    QCOMPARE(label->text(), QStringLiteral("Batches: 2"));
    // Enter on a row opens it.
    tab->view()->setCurrentIndex(tab->model()->index(1, 0));
    QTest::keyClick(tab->view(), Qt::Key_Return);
    QVERIFY(tab->isPageShown());
    QCOMPARE(tab->page()->batchId(), tab->model()->batchAt(1)->id);
}

void TestBatchesTab::singleRequestJoinsTheDayBatch()
{
    auto *tabs = Test::child<QTabWidget>(m_window.get(), "tabs");
    tabs->setCurrentIndex(MainWindow::SingleTab);
    QSignalSpy done(Test::singlePage(m_window), &Ui::SingleRequestPage::requestFinished);
    for (const char *name : { "single_one", "single_two" }) {
        auto *edit = Test::child<QLineEdit>(m_window.get(), "usernameEdit");
        edit->setText(QString::fromLatin1(name));
        QTest::keyClick(edit, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), name[7] == 'o' ? 1 : 2, 20000);
    }
    BatchesTab *tab = batchesTab();
    tabs->setCurrentWidget(tab);
    refreshAndWait();
    QCOMPARE(tab->model()->rowCount(), 1); // one batch for the person and the day
    const BatchSummary *b = tab->model()->batchAt(0);
    QCOMPARE(b->counts.total, 2);
    QCOMPARE(b->submittedBy, AuditLog::currentOsUser());
}

QString TestBatchesTab::insertFinishedBatch(
    Test::TemporaryDatabase &db, const QString &submitter, const QDateTime &finishedAt)
{
    const QString id = Ids::uuidV7();
    const QString at = finishedAt.toString(Qt::ISODateWithMs);
    return db.exec(QStringLiteral("INSERT INTO viralspot_batches (id, name, submitted_by, "
                                  "created_at, finished_at, notify) VALUES ('%1', '%2 batch', "
                                  "'%2', '%3', '%3', TRUE)")
                       .arg(id, submitter, at))
        ? id
        : QString();
}

void TestBatchesTab::othersUnclaimedBatchesDoNotCrowdOutMine()
{
    // A colleague's 120 finished batches nobody has claimed yet (their window is closed),
    // older than mine: the window's check (100 at a time) still finds and announces mine.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (int i = 0; i < 120; ++i)
        QVERIFY(!insertFinishedBatch(*m_db, QStringLiteral("colleague"), now.addSecs(-3600 + i))
                     .isEmpty());
    const QString mine = insertFinishedBatch(*m_db, AuditLog::currentOsUser(), now);
    QVERIFY(!mine.isEmpty());
    Ui::BatchFinishWatcher *watcher = batchesTab()->finishWatcher();
    QSignalSpy finished(watcher, &Ui::BatchFinishWatcher::batchFinished);
    refreshAndWait();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
    QCOMPARE(finished.constFirst().constFirst().value<Ui::BatchFinishWatcher::Finished>().id, mine);
    // Theirs are left for their windows.
    QCOMPARE(count(QStringLiteral("SELECT COUNT(*) FROM viralspot_batches WHERE submitted_by = "
                                  "'colleague' AND notified_at IS NULL")),
        120);
}

void TestBatchesTab::finishCheckBeforeTheSchemaIsQuiet()
{
    // A window's first connection to a new database: the finished-batch check may run on the
    // queue tabs' thread before the request thread has migrated. It says nothing then (no
    // "relation viralspot_batches does not exist"), and works once the schema is there.
    QTest::failOnWarning(QRegularExpression(QStringLiteral("finished batches|viralspot_batches")));
    Test::TemporaryDatabase fresh;
    QVERIFY2(fresh.isValid(), qPrintable(fresh.error()));
    const auto thread = std::make_shared<DatabaseThread>(fresh.config(), QStringLiteral("tst-new"));
    Ui::BatchFinishWatcher watcher(thread, AuditLog::currentOsUser());
    QSignalSpy checked(&watcher, &Ui::BatchFinishWatcher::checked);
    QSignalSpy finished(&watcher, &Ui::BatchFinishWatcher::batchFinished);
    watcher.check();
    QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 1, 10000);
    QVERIFY(!watcher.schemaReady());

    QSqlDatabase db = fresh.connection();
    const Schema::MigrationResult migrated = Schema::migrate(db);
    QVERIFY2(migrated.ok, qPrintable(migrated.error));
    const QString mine =
        insertFinishedBatch(fresh, AuditLog::currentOsUser(), QDateTime::currentDateTimeUtc());
    QVERIFY(!mine.isEmpty());
    watcher.check();
    QTRY_COMPARE_WITH_TIMEOUT(checked.count(), 2, 10000);
    QVERIFY(watcher.schemaReady());
    QCOMPARE(finished.count(), 1);

    // And the whole window on a new database logs no such warning either.
    m_window.reset();
    Test::TemporaryDatabase another;
    QVERIFY2(another.isValid(), qPrintable(another.error()));
    Ui::MainWindowOptions options;
    options.databaseUrl = another.url();
    m_window = std::make_unique<MainWindow>(options);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(m_window)->isConnected(), 20000);
    refreshAndWait();
    QVERIFY(batchesTab()->finishWatcher()->schemaReady());
    m_window.reset();
}

void TestBatchesTab::notifiesWhileTheWindowIsHidden()
{
    // The Batches tab has no timer of its own: the change watcher's checks go on while the
    // window is hidden (the views are told nothing), and a change they see runs the
    // finished-batch check, so the notification still comes.
    const QString id = submit(QStringLiteral("while away"), QStringLiteral("away_one"));
    QVERIFY(!id.isEmpty());
    auto *choice = m_window->findChild<QComboBox *>(QStringLiteral("refreshInterval"));
    QVERIFY(choice);
    choice->setCurrentIndex(choice->findData(1));
    ChangeWatcher *watcher = m_window->changeWatcher();
    QVERIFY(watcher);
    QCOMPARE(watcher->interval(), 1000);
    QVERIFY(watcher->checksWhileHidden());
    auto *notifier = m_window->findChild<Ui::DesktopNotifier *>(QStringLiteral("desktopNotifier"));
    QCOMPARE(notifier->shown().size(), 0);

    m_window->hide();
    QVERIFY(watcher->isPaused());
    // A read that the submission or the interval's change started before the hide may still
    // be on its way (and the one more it asks for after it: BatchListModel::refresh): let
    // them land before listening. Reads that went on while hidden would keep this from
    // settling, and fail it.
    BatchListModel *list = batchesTab()->model();
    QSignalSpy settling(list, &BatchListModel::loaded);
    for (int round = 0;; ++round) {
        QVERIFY2(round < 20, "the list kept reading while the window was hidden");
        settling.clear();
        QTest::qWait(300);
        QTRY_VERIFY_WITH_TIMEOUT(!list->isBusy(), 10000);
        if (settling.isEmpty())
            break;
    }
    QSignalSpy told(watcher, &ChangeWatcher::changed);
    QSignalSpy listRead(list, &BatchListModel::loaded);
    Test::SimWorker worker(m_db->connection());
    const Test::SimWorker::Claimed row = worker.claim();
    QVERIFY2(row.ok && !row.id.isEmpty(), qPrintable(worker.lastError()));
    QVERIFY(worker.complete(row.id));
    QTRY_COMPARE_WITH_TIMEOUT(notifier->shown().size(), 1, 15000);
    QCOMPARE(notifier->shown().constFirst().key, id);
    QCOMPARE(told.size(), 0); // the views were told nothing
    QCOMPARE(listRead.size(), 0); // and read nothing
}

QTEST_MAIN(TestBatchesTab)
void TestBatchesTab::bigBatchEstimatedAndPlacedInTheBackground()
{
    // With small caps (the tab's are 5,000 items and 100,000 rows): a batch of 60 waiting items
    // is counted from a sample and says so ("≈"), its page enables the actions an estimate may
    // miss and says "about" of the matching items; 20 rows of no batch wait ahead of it, more
    // than the place cap of 5, so its ETA is open-ended ("after …") until the background read
    // of the places gives the range with exactly those 20 ahead.
    RequestService service(m_db->config());
    QList<RequestItem> ahead;
    for (int i = 0; i < 30; ++i)
        ahead.append({ QStringLiteral("ahead%1").arg(i), QStringLiteral("api") });
    service.requestItems(ahead);
    BatchOptions options;
    options.record = NewBatch();
    options.record->id = Ids::uuidV7();
    options.record->name = QStringLiteral("big and deep");
    options.record->source = QStringLiteral("paste");
    options.record->origin = QStringLiteral("window");
    options.record->submittedBy = QStringLiteral("tester");
    QList<RequestItem> input;
    for (int i = 0; i < 60; ++i)
        input.append({ QStringLiteral("deep%1").arg(i), QStringLiteral("api") });
    service.requestItems(input, options);
    const QString id = options.record->id;
    QVERIFY(m_db->exec(
        QStringLiteral("UPDATE queue SET priority = 'HIGH' WHERE username LIKE 'ahead%'")));
    QVERIFY(m_db->exec(
        QStringLiteral("UPDATE queue SET priority = 'LOW' WHERE username LIKE 'deep%'")));
    {
        // Ten of the rows ahead finished in the last minutes: a measurable rate.
        QSqlDatabase db = m_db->connection();
        Test::SimWorker worker(db);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int i = 0; i < 10; ++i)
            QVERIFY2(worker.processNext(now.addSecs(-300 + 20 * i)).startsWith(u"ahead"),
                qPrintable(worker.lastError()));
    }

    BatchesTab *tab = batchesTab();
    Counting counting = Counting::estimated();
    counting.exactItems = 20;
    counting.sampleItems = 30;
    counting.placeCap = 5;
    tab->model()->setCounting(counting);
    tab->page()->setCounting(counting);
    Test::child<QTabWidget>(m_window.get(), "tabs")->setCurrentWidget(tab);
    refreshAndWait();
    const BatchSummary *b = row(id);
    QVERIFY(b);
    QVERIFY(b->counts.estimated);
    QVERIFY(b->counts.waiting > 0);
    const QModelIndex progress =
        tab->model()->index(tab->model()->rowOfId(id), BatchListModel::ProgressColumn);
    QVERIFY2(progress.data().toString().startsWith(QStringLiteral("\u2248 ")),
        qPrintable(progress.data().toString()));
    QVERIFY(progress.data(Qt::ToolTipRole).toString().contains(QStringLiteral("sample")));

    // The ETA: open-ended from the list's own read, the range once the places are read.
    QTRY_VERIFY_WITH_TIMEOUT(row(id)->eta && !row(id)->eta->aheadAtLeast, 10000);
    QCOMPARE(row(id)->eta->ahead, qint64(20));
    QVERIFY(row(id)->eta->latest.isValid());
    const QModelIndex eta =
        tab->model()->index(tab->model()->rowOfId(id), BatchListModel::EtaColumn);
    QVERIFY2(!eta.data().toString().startsWith(QStringLiteral("after")),
        qPrintable(eta.data().toString()));
    BatchSummary open = *row(id);
    open.eta->aheadAtLeast = true;
    open.eta->latest = QDateTime();
    QVERIFY(Ui::BatchFormat::eta(open, QDateTime::currentDateTimeUtc())
                .startsWith(QStringLiteral("after ")));
    // A refresh keeps the range read in the background (no second read within the interval).
    QSignalSpy placed(tab->model()->places(), &Ui::BatchPlaces::placed);
    refreshAndWait();
    QVERIFY(row(id)->eta && !row(id)->eta->aheadAtLeast);
    QVERIFY(!tab->model()->places()->isBusy());
    QCOMPARE(placed.count(), 0);

    // Its page.
    tab->openBatch(id);
    QTRY_VERIFY_WITH_TIMEOUT(tab->page()->detail().found, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(
        tab->page()->detail().summary.eta && !tab->page()->detail().summary.eta->aheadAtLeast,
        10000);
    QVERIFY(tab->page()->detail().summary.counts.estimated);
    auto *counts = tab->page()->findChild<QLabel *>(QStringLiteral("batchCountsLabel"));
    QVERIFY(counts);
    QVERIFY2(counts->text().startsWith(QStringLiteral("\u2248 ")), qPrintable(counts->text()));
    // An estimate may miss a failed item: retry stays available (its preview counts exactly).
    QVERIFY(
        tab->page()->findChild<QPushButton *>(QStringLiteral("retryFailedButton"))->isEnabled());
    auto *matching = tab->page()->findChild<QLabel *>(QStringLiteral("itemsMatchingLabel"));
    QTRY_VERIFY_WITH_TIMEOUT(matching->text().contains(QStringLiteral("about")), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(tab->page()->itemModel()->rowCount(), 60, 10000);
}

#include "tst_batchestab.moc"
