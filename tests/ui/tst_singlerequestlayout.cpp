// The Single request tab with long and changing input, offscreen: whatever the staff member
// types, the window's minimum size stays the same (a 300-character name once asked for
// 3,302 px), and a new name being typed clears the outcome of the previous one.

#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/mainwindow.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>

#include <memory>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

class TestSingleRequestLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void minimumSizeDoesNotDependOnInput();
    void typingANewNameClearsTheLastOutcome();

private:
    std::unique_ptr<MainWindow> openWindow();
    RequestResult request(MainWindow *window, const QString &input);

    std::unique_ptr<Test::TemporaryDatabase> m_db;
};

void TestSingleRequestLayout::initTestCase()
{
    Test::initUiTestEnvironment();
}

void TestSingleRequestLayout::init()
{
    Test::wipeSettings();
    m_db = std::make_unique<Test::TemporaryDatabase>();
    QVERIFY2(m_db->isValid(), qPrintable(m_db->error()));
    RequestService service(m_db->config(), QStringLiteral("tst_singlerequestlayout_migrate"));
    QString error;
    const Result opened = service.open();
    QVERIFY2(opened.ok, qPrintable(opened.error));
    service.close();
}

void TestSingleRequestLayout::cleanup()
{
    m_db.reset();
}

std::unique_ptr<MainWindow> TestSingleRequestLayout::openWindow()
{
    Ui::MainWindowOptions options;
    options.databaseUrl = m_db->url();
    auto window = std::make_unique<MainWindow>(options);
    window->resize(900, 600);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("window not exposed");
    return window;
}

RequestResult TestSingleRequestLayout::request(MainWindow *window, const QString &input)
{
    auto *edit = Test::child<QLineEdit>(window, "usernameEdit");
    edit->selectAll();
    QTest::keyClicks(edit, input);
    QSignalSpy finished(Test::singlePage(window), &Ui::SingleRequestPage::requestFinished);
    QTest::mouseClick(Test::child<QPushButton>(window, "requestButton"), Qt::LeftButton);
    if (!finished.wait(15000))
        return {};
    QTest::qWait(50); // let the layout settle
    return finished.first().first().value<RequestResult>();
}

void TestSingleRequestLayout::minimumSizeDoesNotDependOnInput()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    auto *outcome = Test::child<QLabel>(window.get(), "outcomeLabel");
    auto *requestButton = Test::child<QPushButton>(window.get(), "requestButton");

    QCOMPARE(request(window.get(), QStringLiteral("abc")).outcome, Outcome::Queued);
    const QSize minimumHint = window->minimumSizeHint();
    const QSize minimum = window->minimumSize();
    const QSize size = window->size();
    qInfo("3 characters: minimum size hint %dx%d, window %dx%d", minimumHint.width(),
        minimumHint.height(), size.width(), size.height());

    const QString longName = QString(300, QLatin1Char('a'));
    const QString longUrl = QStringLiteral("https://www.instagram.com/") +
        QString(78, QLatin1Char('b')) + QLatin1Char('/');
    for (const QString &input : { longName, longUrl, QString(104, QLatin1Char('c')) }) {
        const RequestResult result = request(window.get(), input);
        QCOMPARE(result.outcome, Outcome::Invalid);
        qInfo("%d characters: minimum size hint %dx%d, window %dx%d", int(input.size()),
            window->minimumSizeHint().width(), window->minimumSizeHint().height(), window->width(),
            window->height());
        QCOMPARE(window->minimumSizeHint(), minimumHint);
        QCOMPARE(window->minimumSize(), minimum);
        QCOMPARE(window->size(), size);
        // The Request button is still inside the window, and the whole outcome can be read.
        const QRect button(requestButton->mapTo(window.get(), QPoint(0, 0)), requestButton->size());
        QVERIFY(window->rect().contains(button));
        QVERIFY(outcome->width() <= window->width());
        const QString shownName = result.username.isEmpty() ? input : result.username;
        QVERIFY2(outcome->toolTip().endsWith(shownName), qPrintable(outcome->toolTip()));
        QVERIFY(outcome->text().startsWith(QLatin1String("Invalid")));
    }
}

void TestSingleRequestLayout::typingANewNameClearsTheLastOutcome()
{
    auto window = openWindow();
    QTRY_VERIFY(Test::database(window)->isConnected());
    auto *outcome = Test::child<QLabel>(window.get(), "outcomeLabel");
    auto *detail = Test::child<QLabel>(window.get(), "outcomeDetailLabel");
    auto *normalized = Test::child<QLabel>(window.get(), "normalizedLabel");
    auto *edit = Test::child<QLineEdit>(window.get(), "usernameEdit");

    QCOMPARE(request(window.get(), QStringLiteral("bad..name")).outcome, Outcome::Invalid);
    QVERIFY(outcome->text().startsWith(QLatin1String("Invalid")));
    QVERIFY(!detail->text().isEmpty());

    // The name is still selected: the first key replaces it. A new invalid name shows its own
    // error, without the old big "Invalid: bad..name" beside it.
    QTest::keyClicks(edit, QStringLiteral(".other"));
    QVERIFY(!normalized->text().isEmpty());
    QVERIFY(!normalized->text().startsWith(QStringLiteral("→")));
    QVERIFY2(outcome->text().isEmpty(), qPrintable(outcome->text()));
    QVERIFY2(detail->text().isEmpty(), qPrintable(detail->text()));

    // The same after a valid request.
    QCOMPARE(request(window.get(), QStringLiteral("valid_one")).outcome, Outcome::Queued);
    QVERIFY(outcome->text().startsWith(QLatin1String("Queued")));
    QTest::keyClicks(edit, QStringLiteral("x y"));
    QVERIFY(outcome->text().isEmpty());
}

QTEST_MAIN(TestSingleRequestLayout)
#include "tst_singlerequestlayout.moc"
