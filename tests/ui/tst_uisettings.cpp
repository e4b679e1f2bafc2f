// Settings survive re-creating the window; the database password never reaches the file.

#include "core/version.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/databasesettingsdialog.h"
#include "ui/historymodel.h"
#include "ui/mainwindow.h"
#include "ui/messagebox.h"
#include "ui/secretstore.h"
#include "ui/settings.h"

#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTest>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

class TestUiSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void tableHasDefaults();
    void windowStatePersists();
    void passwordNeverInSettingsFile();
    void aboutShowsVersion();
    void readOnlyRequestsNothing();
};

void TestUiSettings::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestUiSettings::init()
{
    Test::wipeSettings();
    Ui::SecretStore::clearSession();
}

void TestUiSettings::tableHasDefaults()
{
    Ui::Settings settings;
    QCOMPARE(settings.source(), QStringLiteral("frontend"));
    QCOMPARE(settings.lastTab(), 0);
    QCOMPARE(settings.databaseConfig().engine, DatabaseConfig::Engine::SQLite);
    QVERIFY(!settings.databaseConfig().sqlitePath.isEmpty());
    QCOMPARE(Ui::Settings::keyName(Ui::Settings::Key::LastTab), QStringLiteral("window/lastTab"));
    settings.setValue(Ui::Settings::Key::LastTab, 2);
    QCOMPARE(settings.lastTab(), 2);
    settings.reset(Ui::Settings::Key::LastTab);
    QCOMPARE(settings.lastTab(), 0);
}

void TestUiSettings::windowStatePersists()
{
    Test::TemporaryDatabase db(DatabaseConfig::Engine::SQLite);
    QVERIFY(db.isValid());
    Ui::MainWindowOptions options;
    options.databaseUrl = db.url();
    QList<int> splitterSizes;
    {
        MainWindow window(options);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTRY_VERIFY(Test::database(&window)->isConnected());
        window.resize(900, 610);
        auto *tabs = Test::child<QTabWidget>(&window, "tabs");
        tabs->setCurrentIndex(MainWindow::BulkTab);
        auto *splitter = Test::child<QSplitter>(&window, "bulkSplitter");
        splitter->setSizes({ 250, 600 });
        splitterSizes = splitter->sizes();
        // A request with a new source remembers it.
        tabs->setCurrentIndex(MainWindow::SingleTab);
        auto *source = Test::child<QComboBox>(&window, "sourceCombo");
        source->lineEdit()->clear();
        QTest::keyClicks(source->lineEdit(), QStringLiteral("campaign-x"));
        QSignalSpy finished(Test::singlePage(&window), &Ui::SingleRequestPage::requestFinished);
        QTest::keyClicks(Test::child<QLineEdit>(&window, "usernameEdit"), QStringLiteral("zed"));
        QTest::keyClick(Test::child<QLineEdit>(&window, "usernameEdit"), Qt::Key_Return);
        QTRY_COMPARE(finished.count(), 1);
        tabs->setCurrentIndex(MainWindow::BulkTab);
        window.close();
    }
    MainWindow again(options);
    again.show();
    QVERIFY(QTest::qWaitForWindowExposed(&again));
    QCOMPARE(Test::child<QTabWidget>(&again, "tabs")->currentIndex(), int(MainWindow::BulkTab));
    QCOMPARE(again.size(), QSize(900, 610));
    QCOMPARE(Test::child<QSplitter>(&again, "bulkSplitter")->sizes(), splitterSizes);
    QCOMPARE(
        Test::child<QComboBox>(&again, "sourceCombo")->currentText(), QStringLiteral("campaign-x"));
    QCOMPARE(Test::child<QComboBox>(&again, "bulkSourceCombo")->currentText(),
        QStringLiteral("campaign-x"));
}

void TestUiSettings::passwordNeverInSettingsFile()
{
    const QString password = QStringLiteral("S3cret-Pa55word-xyz");
    {
        MainWindow window;
        QString note;
        Test::answerNextModal<Ui::DatabaseSettingsDialog>([&](QDialog &dialog) {
            Test::child<QComboBox>(&dialog, "engineCombo")->setCurrentIndex(1);
            auto *host = Test::child<QLineEdit>(&dialog, "hostEdit");
            host->clear();
            QTest::keyClicks(host, QStringLiteral("db.example.internal"));
            Test::child<QSpinBox>(&dialog, "portSpin")->setValue(6543);
            auto *name = Test::child<QLineEdit>(&dialog, "databaseEdit");
            name->clear();
            QTest::keyClicks(name, QStringLiteral("viralspot_prod"));
            QTest::keyClicks(Test::child<QLineEdit>(&dialog, "userEdit"), QStringLiteral("staff"));
            QTest::keyClicks(Test::child<QLineEdit>(&dialog, "passwordEdit"), password);
            note = Test::child<QLabel>(&dialog, "passwordStorageLabel")->text();
            return int(QDialog::Accepted);
        });
        window.openDatabaseSettings();
        // No keychain service here: the dialog says the password lives for this session only.
        QVERIFY2(note.contains(QLatin1String("session only")), qPrintable(note));
        QCOMPARE(Test::database(&window)->config().host, QStringLiteral("db.example.internal"));
        QVERIFY(
            Test::database(&window)->config().password.isEmpty()); // not even kept in the window
        window.close();
    }
    Ui::Settings settings;
    settings.sync();
    QFile file(settings.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray contents = file.readAll();
    QVERIFY(contents.contains("db.example.internal"));
    QVERIFY(!contents.contains(password.toUtf8()));
    QVERIFY(!contents.contains(password.toUtf8().toBase64()));

    // Re-created, the window points at the same server, and the session still has the password.
    MainWindow again;
    QCOMPARE(Test::database(&again)->config().engine, DatabaseConfig::Engine::PostgreSQL);
    QCOMPARE(Test::database(&again)->config().host, QStringLiteral("db.example.internal"));
    QCOMPARE(Test::database(&again)->config().port, 6543);
    QCOMPARE(Test::database(&again)->config().user, QStringLiteral("staff"));
    QString shown;
    Test::answerNextModal<Ui::DatabaseSettingsDialog>([&](QDialog &dialog) {
        shown = Test::child<QLineEdit>(&dialog, "passwordEdit")->text();
        return int(QDialog::Rejected);
    });
    again.openDatabaseSettings();
    QCOMPARE(shown, password);
}

void TestUiSettings::aboutShowsVersion()
{
    MainWindow window;
    Ui::MessageBox::setNextAnswer(QMessageBox::Ok);
    window.showAbout();
    const QList<Ui::MessageBox::Answered> shown = Ui::MessageBox::takeAnswered();
    QCOMPARE(shown.size(), 1);
    QCOMPARE(shown.first().objectName, QStringLiteral("aboutBox"));
    const QString text = shown.first().text;
    QVERIFY2(text.contains(QLatin1String(VIRALSPOT_VERSION)), qPrintable(text));
}

void TestUiSettings::readOnlyRequestsNothing()
{
    Test::TemporaryDatabase db(DatabaseConfig::Engine::SQLite);
    QVERIFY(db.isValid());
    Ui::MainWindowOptions options;
    options.databaseUrl = db.url();
    options.readOnly = true;
    MainWindow window(options);
    window.show();
    QTRY_VERIFY(Test::database(&window)->isConnected());
    auto *edit = Test::child<QLineEdit>(&window, "usernameEdit");
    QTest::keyClicks(edit, QStringLiteral("someone"));
    QVERIFY(!Test::child<QPushButton>(&window, "requestButton")->isEnabled());
    QTest::keyClick(edit, Qt::Key_Return);
    QVERIFY(!Test::child<QPushButton>(&window, "submitButton")->isEnabled());
    QVERIFY(Test::child<QLabel>(&window, "statusReadOnly"));
    QCOMPARE(Test::singlePage(&window)->historyModel()->rowCount(), 0);
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM queue")).toInt(), 0);
}

QTEST_MAIN(TestUiSettings)
#include "tst_uisettings.moc"
