// QueueBrowserWidget driven like a user: search as you type, filters, selection that survives a
// refresh, confirmed actions with their report and database effect, read-only mode, CSV export.

#include "tests/ui_queue/queueseed.h"
#include "ui/filedialog.h"
#include "ui/messagebox.h"
#include "ui/queue/queuebrowserwidget.h"
#include "ui/queue/queuetablemodel.h"

#include <QAbstractButton>
#include <QComboBox>
#include <QFile>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace ViralSpot;
using namespace ViralSpot::Test;
using ViralSpot::Ui::QueueBrowserWidget;
using ViralSpot::Ui::QueueTableModel;

class TestQueueBrowserWidget : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void searchAsYouTypeAndFilters();
    void refreshKeepsSelectionAndScroll();
    void relativeRangeSlidesOnRefresh();
    void retryReportsDoneAndSkipped();
    void declinedConfirmationChangesNothing();
    void readOnlyBlocksActions();
    void exportWritesTheCurrentView();
    void autoRefreshCanBePaused();
    void buttonsAreNamedApart();
    void refreshesWhenShown();
    void countsSayWhenCappedOrEstimated();

private:
    std::unique_ptr<QueueBrowserWidget> makeWidget(bool readOnly = false);
    void selectRows(QueueBrowserWidget &w, const QList<int> &rows);
    QString seed(const QString &username, const QString &status, int minutesAgo);

    std::unique_ptr<TemporaryDatabase> m_db;
};

void TestQueueBrowserWidget::init()
{
    m_db = std::make_unique<TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    QVERIFY(migrate(*m_db));
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    for (int i = 0; i < 300; ++i) {
        seed(QStringLiteral("%1_%2")
                 .arg(i % 2 ? QStringLiteral("maria") : QStringLiteral("john"))
                 .arg(i),
            i % 3 == 0 ? QStringLiteral("FAILED") : QStringLiteral("COMPLETED"), 1000 - i);
    }
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
}

void TestQueueBrowserWidget::cleanup()
{
    m_db.reset();
}

QString TestQueueBrowserWidget::seed(const QString &username, const QString &status, int minutesAgo)
{
    SeedRow row;
    row.username = username;
    row.status = status;
    row.createdAt = QDateTime::currentDateTimeUtc().addSecs(-60LL * minutesAgo);
    if (status == QLatin1String("FAILED"))
        row.errorMessage = QStringLiteral("HTTP 429");
    return insertQueueRow(m_db->connection(), row);
}

std::unique_ptr<QueueBrowserWidget> TestQueueBrowserWidget::makeWidget(bool readOnly)
{
    auto w = std::make_unique<QueueBrowserWidget>(m_db->config(), readOnly);
    w->setAutoRefreshPaused(true);
    w->resize(1000, 600);
    w->show();
    return w;
}

void TestQueueBrowserWidget::selectRows(QueueBrowserWidget &w, const QList<int> &rows)
{
    QItemSelection selection;
    for (const int row : rows)
        selection.select(w.model()->index(row, 0), w.model()->index(row, QueueColumnCount - 1));
    w.view()->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
}

void TestQueueBrowserWidget::searchAsYouTypeAndFilters()
{
    auto w = makeWidget();
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 300, 10000);
    auto *search = w->findChild<QLineEdit *>(QStringLiteral("searchEdit"));
    QVERIFY(search);
    QTest::keyClicks(search, QStringLiteral("MAR"));
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 150, 10000);
    QTest::keyClicks(search, QStringLiteral("ia_1"));
    // maria_1, maria_11, maria_13, ..., maria_1xx: odd numbers starting with 1
    int expected = 0;
    for (int i = 1; i < 300; i += 2)
        expected += QString::number(i).startsWith(QLatin1Char('1')) ? 1 : 0;
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), expected, 10000);
    for (int row = 0; row < w->model()->rowCount(); ++row) {
        QTRY_VERIFY(w->model()->isLoaded(row));
        QVERIFY(w->model()->rowAt(row)->username.startsWith(QLatin1String("maria_1")));
    }
    search->clear();
    auto *status = w->findChild<QComboBox *>(QStringLiteral("statusFilter"));
    status->setCurrentIndex(status->findData(QStringLiteral("FAILED")));
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 100, 10000);
    QTRY_VERIFY(w->model()->isLoaded(0));
    QCOMPARE(w->model()->rowAt(0)->status, QStringLiteral("FAILED"));
    // The counts above the table are over the whole queue.
    QTRY_VERIFY(w->counts().ok);
    QCOMPARE(w->counts().byStatus.value(QStringLiteral("FAILED")).rows, 100);
    QCOMPARE(w->counts().byStatus.value(QStringLiteral("COMPLETED")).rows, 200);
    QVERIFY(w->findChild<QLabel *>(QStringLiteral("countsLabel"))
                ->text()
                .contains(QStringLiteral("FAILED 100")));
}

void TestQueueBrowserWidget::refreshKeepsSelectionAndScroll()
{
    auto w = makeWidget();
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 300, 10000);
    QTRY_VERIFY(w->model()->isLoaded(150));
    w->view()->scrollTo(w->model()->index(150, 0), QAbstractItemView::PositionAtTop);
    const int scroll = w->view()->verticalScrollBar()->value();
    QVERIFY(scroll > 0);
    selectRows(*w, { 150, 152 });
    const QStringList selected = w->selectedIds();
    QCOMPARE(selected.size(), 2);

    // Two newer rows appear at the top while we look.
    seed(QStringLiteral("late_one"), QStringLiteral("PENDING"), 0);
    seed(QStringLiteral("late_two"), QStringLiteral("PENDING"), 0);
    QSignalSpy refreshed(w.get(), &QueueBrowserWidget::refreshFinished);
    QTest::mouseClick(w->findChild<QToolButton *>(QStringLiteral("refreshNow")), Qt::LeftButton);
    QVERIFY(refreshed.wait(10000));
    QCOMPARE(w->model()->rowCount(), 302);
    QStringList after = w->selectedIds();
    std::sort(after.begin(), after.end());
    QStringList before = selected;
    std::sort(before.begin(), before.end());
    QCOMPARE(after, before);
    QCOMPARE(w->view()->selectionModel()->selectedRows().size(), 2);
    QCOMPARE(w->view()->verticalScrollBar()->value(), scroll);
}

void TestQueueBrowserWidget::relativeRangeSlidesOnRefresh()
{
    // "Last hour" means the hour before each refresh, not the hour before it was chosen.
    SeedRow edge;
    edge.username = QStringLiteral("edge_row");
    edge.createdAt = QDateTime::currentDateTimeUtc().addSecs(-3600 + 3); // leaves in 3 s
    QVERIFY(!insertQueueRow(m_db->connection(), edge).isEmpty());
    seed(QStringLiteral("fresh_row"), QStringLiteral("PENDING"), 0);

    auto w = makeWidget();
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 302, 10000);
    auto *created = w->findChild<QComboBox *>(QStringLiteral("createdFilter"));
    created->setCurrentIndex(created->findText(QStringLiteral("Last hour")));
    QVERIFY(created->currentIndex() > 0);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 2, 10000);

    QTest::qWait(4000);
    QSignalSpy refreshed(w.get(), &QueueBrowserWidget::refreshFinished);
    QTest::mouseClick(w->findChild<QToolButton *>(QStringLiteral("refreshNow")), Qt::LeftButton);
    QVERIFY(refreshed.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 1, 5000);
    QTRY_VERIFY(w->model()->isLoaded(0));
    QCOMPARE(w->model()->rowAt(0)->username, QStringLiteral("fresh_row"));
}

void TestQueueBrowserWidget::retryReportsDoneAndSkipped()
{
    auto w = makeWidget();
    auto *status = w->findChild<QComboBox *>(QStringLiteral("statusFilter"));
    status->setCurrentIndex(status->findData(QStringLiteral("FAILED")));
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 100, 10000);
    // john_0 failed, and has been requested again meanwhile: retrying it would make a second
    // active row.
    seed(QStringLiteral("john_0"), QStringLiteral("PENDING"), 1);
    QTRY_VERIFY(w->model()->isLoaded(99));
    int johnRow = -1;
    for (int row = 0; row < 100; ++row) {
        if (w->model()->rowAt(row)->username == QLatin1String("john_0"))
            johnRow = row;
    }
    QVERIFY(johnRow >= 0);
    selectRows(*w, { 0, 1, johnRow });
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    QSignalSpy finished(w.get(), &QueueBrowserWidget::actionFinished);
    auto *retry = w->findChild<QPushButton *>(QStringLiteral("retryButton"));
    QVERIFY(retry->isEnabled());
    QTest::mouseClick(retry, Qt::LeftButton);
    QVERIFY(finished.wait(10000));
    const QList<Ui::MessageBox::Answered> confirmations = Ui::MessageBox::takeAnswered();
    QCOMPARE(confirmations.size(), 1);
    QVERIFY(confirmations.first().title.contains(QStringLiteral("3")) ||
        confirmations.first().text.contains(QStringLiteral("3")));
    const auto result = finished.first().first().value<QueueActionResult>();
    QVERIFY2(result.ok, qPrintable(result.error));
    QCOMPARE(result.changed(), 2);
    QCOMPARE(result.skippedCount(QueueActionSkip::Reason::ActiveExists), 1);
    QVERIFY(w->lastReport().contains(QStringLiteral("2 of 3")));
    QVERIFY(w->lastReport().contains(QStringLiteral("active")));
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")).toInt(),
        98);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'john_0' "
                                         "AND status IN ('PENDING','PROCESSING')"))
                 .toInt(),
        1);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE action = 'retry' "
                                         "AND origin = 'window' AND total = 3"))
                 .toInt(),
        1);
    // The view follows: the two retried rows leave the FAILED filter on the refresh.
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 98, 10000);
}

void TestQueueBrowserWidget::declinedConfirmationChangesNothing()
{
    auto w = makeWidget();
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 300, 10000);
    selectRows(*w, { 0, 1, 2, 3 });
    Ui::MessageBox::setNextAnswer(QMessageBox::Cancel);
    QVERIFY(!w->runAction(QueueAction::Retry));
    QCOMPARE(Ui::MessageBox::takeAnswered().size(), 1);
    QTest::qWait(50);
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")).toInt(),
        100);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toInt(), 0);
}

void TestQueueBrowserWidget::readOnlyBlocksActions()
{
    auto w = makeWidget(true);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 300, 10000);
    selectRows(*w, { 0, 1, 2 });
    for (const char *name : { "retryButton", "pauseButton", "resumeButton", "raiseButton" }) {
        auto *button = w->findChild<QPushButton *>(QString::fromLatin1(name));
        QVERIFY(button);
        QVERIFY(!button->isEnabled());
    }
    // A yes waits for a question; none is asked, so it is still there afterwards.
    Ui::MessageBox::setNextAnswer(QMessageBox::Yes);
    for (const QueueAction action :
        { QueueAction::Retry, QueueAction::Pause, QueueAction::Resume, QueueAction::Raise })
        QVERIFY(!w->runAction(action));
    QVERIFY(Ui::MessageBox::takeAnswered().isEmpty());
    Ui::MessageBox::setNextAnswer(QMessageBox::NoButton);
    QCOMPARE(
        m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE status = 'FAILED'")).toInt(),
        100);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log")).toInt(), 0);
    // Watching is still allowed: the export works.
    QVERIFY(w->findChild<QPushButton *>(QStringLiteral("exportButton"))->isEnabled());
}

void TestQueueBrowserWidget::exportWritesTheCurrentView()
{
    auto w = makeWidget();
    auto *search = w->findChild<QLineEdit *>(QStringLiteral("searchEdit"));
    search->setText(QStringLiteral("john"));
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 150, 10000);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("view.csv"));
    Ui::FileDialog::setNextFileName(path); // what the export dialog answers
    QSignalSpy exported(w.get(), &QueueBrowserWidget::exportFinished);
    QTest::mouseClick(w->findChild<QPushButton *>(QStringLiteral("exportButton")), Qt::LeftButton);
    QVERIFY(exported.wait(10000));
    QCOMPARE(exported.first().at(0).toBool(), true);
    QCOMPARE(exported.first().at(2).toLongLong(), 150);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines =
        QString::fromUtf8(file.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 151);
    QVERIFY(lines.first().startsWith(QStringLiteral("id,username,status")));
    for (int i = 1; i < lines.size(); ++i)
        QVERIFY2(lines.at(i).section(QLatin1Char(','), 1, 1).startsWith(QLatin1String("john_")),
            qPrintable(lines.at(i)));
    // Same order as the view.
    QTRY_VERIFY(w->model()->isLoaded(0));
    QCOMPARE(lines.at(1).section(QLatin1Char(','), 0, 0), w->model()->idAt(0));
}

void TestQueueBrowserWidget::autoRefreshCanBePaused()
{
    auto w = makeWidget();
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 300, 10000);
    w->setAutoRefreshInterval(1);
    w->setAutoRefreshPaused(false);
    QVERIFY(!w->isAutoRefreshPaused());
    seed(QStringLiteral("appears"), QStringLiteral("PENDING"), 0);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 301, 5000);
    QTest::mouseClick(w->findChild<QToolButton *>(QStringLiteral("pauseRefresh")), Qt::LeftButton);
    QVERIFY(w->isAutoRefreshPaused());
    seed(QStringLiteral("appears_later"), QStringLiteral("PENDING"), 0);
    QTest::qWait(2500); // two intervals: a paused refresh must not pick the row up
    QCOMPARE(w->model()->rowCount(), 301);
}

void TestQueueBrowserWidget::buttonsAreNamedApart()
{
    // "Pause" the auto-refresh and "Pause" the selected rows were one word for two things.
    auto w = makeWidget();
    auto *refreshToggle = w->findChild<QToolButton *>(QStringLiteral("pauseRefresh"));
    QVERIFY(refreshToggle);
    QStringList texts;
    for (QAbstractButton *button : w->findChildren<QAbstractButton *>()) {
        if (button->isVisible() && !button->text().isEmpty())
            texts << button->text().remove(QLatin1Char('&'));
    }
    w->setAutoRefreshPaused(!w->isAutoRefreshPaused()); // its other text
    texts << refreshToggle->text().remove(QLatin1Char('&'));
    QStringList lower;
    for (const QString &t : std::as_const(texts))
        lower << t.toLower();
    for (const QString &t : std::as_const(lower))
        QVERIFY2(lower.count(t) == 1, qPrintable(texts.join(QStringLiteral(" | "))));
    QVERIFY(refreshToggle->text().contains(QStringLiteral("auto-refresh")));
    const auto *pauseRows = w->findChild<QPushButton *>(QStringLiteral("pauseButton"));
    const auto *resumeRows = w->findChild<QPushButton *>(QStringLiteral("resumeButton"));
    QVERIFY(pauseRows->text().contains(QStringLiteral("selected")));
    QVERIFY(resumeRows->text().contains(QStringLiteral("selected")));
}

void TestQueueBrowserWidget::refreshesWhenShown()
{
    // The window builds the tab at start; it is looked at later. What it shows then is the
    // queue as it is, not as it was at start, without waiting for the auto-refresh.
    QueueBrowserWidget w(m_db->config(), false);
    w.setAutoRefreshInterval(3600);
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 300, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(w.counts().total.rows == 300, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!w.model()->isBusy(), 10000);
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    for (int i = 0; i < 25; ++i)
        seed(QStringLiteral("later_%1").arg(i), QStringLiteral("PENDING"), 0);
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
    w.resize(1000, 600);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 325, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(w.counts().total.rows, qint64(325), 5000);
    // Hidden a while and shown again (another tab and back): current again.
    QTRY_VERIFY_WITH_TIMEOUT(!w.model()->isBusy(), 10000);
    w.hide();
    seed(QStringLiteral("later_again"), QStringLiteral("PENDING"), 0);
    w.show();
    QTRY_COMPARE_WITH_TIMEOUT(w.model()->rowCount(), 326, 5000);
}

void TestQueueBrowserWidget::countsSayWhenCappedOrEstimated()
{
    // 360 rows (260 COMPLETED, 100 FAILED, all HIGH) with a cap of 250: the matching rows and
    // the COMPLETED/HIGH pair are over it, FAILED is under it. Beyond the cap PostgreSQL shows
    // its planner's estimate ("about"), SQLite the cap ("+"); the labels say which.
    QVERIFY(m_db->exec(QStringLiteral("BEGIN")));
    for (int i = 0; i < 60; ++i)
        seed(QStringLiteral("more_%1").arg(i), QStringLiteral("COMPLETED"), 2000 + i);
    QVERIFY(m_db->exec(QStringLiteral("COMMIT")));
    const bool pg = engine() == DatabaseConfig::Engine::PostgreSQL;
    if (pg)
        QVERIFY(m_db->exec(QStringLiteral("ANALYZE queue")));
    auto w = makeWidget();
    QTRY_VERIFY_WITH_TIMEOUT(!w->model()->isBusy(), 10000);
    QSignalSpy countsUpdated(w.get(), &QueueBrowserWidget::countsUpdated);
    QSignalSpy applied(w->model(), &QueueTableModel::filterApplied);
    // An estimate puts at most 300 rows in the view; more come by scrolling to the end.
    w->model()->setEstimatedRowsLimit(300);
    w->setCountCap(250);
    QVERIFY(applied.wait(10000));
    QTRY_VERIFY_WITH_TIMEOUT(!countsUpdated.isEmpty(), 10000);
    auto *match = w->findChild<QLabel *>(QStringLiteral("matchLabel"));
    auto *countsLabel = w->findChild<QLabel *>(QStringLiteral("countsLabel"));
    auto *exactButton = w->findChild<QPushButton *>(QStringLiteral("countExactly"));
    QVERIFY(match && countsLabel && exactButton);
    // A load started before the cap changed (the change watcher's first refresh) may answer
    // first with exact counts; the database thread answers in order, so the capped one follows.
    const QString marker = pg ? QStringLiteral("about") : QStringLiteral("+");
    QTRY_VERIFY_WITH_TIMEOUT(countsLabel->text().contains(marker), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(match->text().contains(marker), 10000);
    const QString cap = QLocale().toString(250);
    if (pg) {
        QCOMPARE(w->model()->count().kind, CountKind::Estimated);
        QCOMPARE(w->model()->rowCount(), 300);
        QCOMPARE(match->text(),
            QStringLiteral("Matching rows: about %1 (“about”: estimated by PostgreSQL beyond "
                           "%2 rows)")
                .arg(QLocale().toString(360), cap));
        QVERIFY2(countsLabel->text().startsWith(QStringLiteral("Total about ")),
            qPrintable(countsLabel->text()));
        QVERIFY2(countsLabel->text().contains(
                     QStringLiteral("COMPLETED about %1").arg(QLocale().toString(260))),
            qPrintable(countsLabel->text()));
        QVERIFY2(countsLabel->text().contains(QStringLiteral("estimated by PostgreSQL")),
            qPrintable(countsLabel->text()));
    } else {
        QCOMPARE(w->model()->count().kind, CountKind::Capped);
        QCOMPARE(w->model()->rowCount(), 251); // the rows counted
        QCOMPARE(match->text(),
            QStringLiteral("Matching rows: %1+ (“+”: counting stopped at %1 rows)").arg(cap));
        // 251 COMPLETED/HIGH counted (over the cap) + 100 FAILED/HIGH: more than 350.
        QVERIFY2(countsLabel->text().startsWith(
                     QStringLiteral("Total %1+ — ").arg(QLocale().toString(350))),
            qPrintable(countsLabel->text()));
        QVERIFY2(countsLabel->text().contains(QStringLiteral("COMPLETED %1+").arg(cap)),
            qPrintable(countsLabel->text()));
        QVERIFY2(countsLabel->text().contains(QStringLiteral("counting stopped at %1").arg(cap)),
            qPrintable(countsLabel->text()));
    }
    // Under the cap a number stays exact, beside the others.
    QVERIFY2(countsLabel->text().contains(QStringLiteral("FAILED 100")),
        qPrintable(countsLabel->text()));
    QVERIFY(exactButton->isEnabled());

    // Scrolled to the end, the view finds the rest: the count becomes exact.
    w->view()->scrollToBottom();
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->count().kind, CountKind::Exact, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(w->model()->rowCount(), 360, 10000);
    QCOMPARE(match->text(), QStringLiteral("Matching rows: %1").arg(QLocale().toString(360)));
    w->view()->scrollToBottom();
    QTRY_VERIFY(w->model()->isLoaded(359));

    // Counted exactly when asked: every number plain.
    countsUpdated.clear();
    QTest::mouseClick(exactButton, Qt::LeftButton);
    QVERIFY(countsUpdated.wait(10000));
    QVERIFY(w->counts().isExact());
    QVERIFY2(
        countsLabel->text().startsWith(QStringLiteral("Total %1 — ").arg(QLocale().toString(360))),
        qPrintable(countsLabel->text()));
    QVERIFY2(
        countsLabel->text().contains(QStringLiteral("COMPLETED %1").arg(QLocale().toString(260))),
        qPrintable(countsLabel->text()));
    QVERIFY(!countsLabel->text().contains(QLatin1Char('+')));
    QVERIFY(!countsLabel->text().contains(QStringLiteral("about")));
    QVERIFY(!exactButton->isEnabled());
}

QTEST_MAIN(TestQueueBrowserWidget)
#include "tst_queuebrowserwidget.moc"
