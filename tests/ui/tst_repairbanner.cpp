// The window on a database an older tool left with duplicate active rows: the banner says what
// to do and offers the repair; the dialog previews the rows it would mark, applies, and the
// audit log records it; requests work again.

#include "core/schema.h"
#include "tests/support/legacyfixture.h"
#include "tests/support/testdatabase.h"
#include "tests/support/verify.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/mainwindow.h"
#include "ui/repairdialog.h"

#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;
using ViralSpot::Ui::RepairDialog;

class TestRepairBanner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void bannerOffersTheRepairWhichPreviewsAndApplies();
    void readOnlyWindowDoesNotOfferIt();

private:
    std::unique_ptr<MainWindow> openWindow(bool readOnly = false);
    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestRepairBanner::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestRepairBanner::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    VERIFY_OK(Test::seedLegacyDuplicates(*m_db));
}

void TestRepairBanner::cleanup()
{
    m_db.reset();
}

std::unique_ptr<MainWindow> TestRepairBanner::openWindow(bool readOnly)
{
    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    options.readOnly = readOnly;
    auto window = std::make_unique<MainWindow>(options);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("window not exposed");
    return window;
}

void TestRepairBanner::bannerOffersTheRepairWhichPreviewsAndApplies()
{
    auto window = openWindow();
    auto *banner = window->findChild<QFrame *>(QStringLiteral("connectionBanner"));
    auto *label = window->findChild<QLabel *>(QStringLiteral("bannerLabel"));
    auto *repairButton = window->findChild<QPushButton *>(QStringLiteral("repairButton"));
    QVERIFY(banner && label && repairButton);
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isRepairRequired(), 10000);
    QVERIFY(banner->isVisible());
    QVERIFY(repairButton->isVisible());
    const QString message = Schema::repairRequiredMessage({ 1, 1 });
    QCOMPARE(label->text(), message.toHtmlEscaped());
    QVERIFY(Test::database(window)->isConnected()); // reachable: not the outage banner

    // A request says the same.
    QSignalSpy finished(Test::singlePage(window), &Ui::SingleRequestPage::requestFinished);
    auto *edit = Test::child<QLineEdit>(window.get(), "usernameEdit");
    QVERIFY(edit);
    QTest::keyClicks(edit, QStringLiteral("someone"));
    Test::singlePage(window)->submit();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10000);
    const auto result = finished.at(0).at(0).value<RequestResult>();
    QCOMPARE(result.outcome, Outcome::Error);
    QCOMPARE(result.errorKind, ErrorKind::RepairRequired);
    QCOMPARE(result.message, message);

    // The dialog: the preview first (count and rows), then Apply.
    QString summary;
    QStringList previewRow;
    bool applied = false;
    int previewRows = 0;
    Test::answerNextModal<RepairDialog>([&](QDialog &dialog) {
        auto *repair = qobject_cast<RepairDialog *>(&dialog);
        auto *apply = dialog.findChild<QPushButton *>(QStringLiteral("applyRepairButton"));
        if (!repair || !apply)
            return int(QDialog::Rejected);
        if (!QTest::qWaitFor([&] { return apply->isEnabled(); }, 10000))
            return int(QDialog::Rejected);
        summary = repair->summaryText();
        for (int column = 0; column < repair->rowsModel()->columnCount(); ++column)
            previewRow << repair->rowsModel()->item(0, column)->text();
        previewRows = repair->rowsModel()->rowCount();
        QTest::mouseClick(apply, Qt::LeftButton);
        applied = QTest::qWaitFor([&] { return dialog.result() == QDialog::Accepted; }, 10000);
        return dialog.result();
    });
    QTest::mouseClick(repairButton, Qt::LeftButton);
    QVERIFY(applied);
    QVERIFY2(summary.contains(QLatin1String("1 rows would be marked FAILED")), qPrintable(summary));
    const QString keptId = m_db->scalar(QStringLiteral("SELECT id FROM queue WHERE request_id = "
                                                       "'a1b2c3d4'"))
                               .toString();
    const QString extraId = m_db->scalar(QStringLiteral("SELECT id FROM queue WHERE request_id = "
                                                        "'e5f6a7b8'"))
                                .toString();
    QCOMPARE(previewRows, 1);
    QCOMPARE(previewRow.value(0), QStringLiteral("dupe"));
    QCOMPARE(previewRow.value(1), extraId);
    QCOMPARE(previewRow.value(4), keptId);

    // Done: the row marked, the audit log, the banner gone, requests work.
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT error_message FROM queue WHERE request_id = "
                                         "'e5f6a7b8'"))
                 .toString(),
        QStringLiteral("Duplicate active request: kept queue row ") + keptId);
    QCOMPARE(m_db->scalar(QStringLiteral("SELECT COUNT(*) FROM audit_log WHERE origin = 'window' "
                                         "AND action = 'repair' AND total = 1"))
                 .toInt(),
        1);
    QTRY_VERIFY_WITH_TIMEOUT(!Test::database(window)->isRepairRequired(), 10000);
    QVERIFY(!banner->isVisible());
    edit->clear();
    QTest::keyClicks(edit, QStringLiteral("someone"));
    Test::singlePage(window)->submit();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 10000);
    QCOMPARE(finished.at(1).at(0).value<RequestResult>().outcome, Outcome::Queued);
}

void TestRepairBanner::readOnlyWindowDoesNotOfferIt()
{
    auto window = openWindow(true);
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(window)->isRepairRequired(), 10000);
    auto *label = window->findChild<QLabel *>(QStringLiteral("bannerLabel"));
    auto *repairButton = window->findChild<QPushButton *>(QStringLiteral("repairButton"));
    QVERIFY(label && repairButton);
    QVERIFY(label->text().contains(QLatin1String("repair-duplicates --apply")));
    QVERIFY(!repairButton->isVisible());
}

QTEST_MAIN(TestRepairBanner)
#include "tst_repairbanner.moc"
