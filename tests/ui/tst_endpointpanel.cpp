// The endpoint panel: started from the window, it answers HTTP, queues into the window's
// database, shows each request in its log, refuses a public address without a token, stops.

#include "core/http/endpointserver.h"
#include "core/requestservice.h"
#include "tests/support/testdatabase.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/endpointpanel.h"
#include "ui/mainwindow.h"

#include <QCheckBox>
#include <QComboBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

#include <algorithm>

using namespace ViralSpot;
using ViralSpot::Ui::MainWindow;

class TestEndpointPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void startRequestLogStop();
    void publicAddressNeedsToken();
    void labelsShowNoLiteralAmpersand();
};

void TestEndpointPanel::initTestCase()
{
    Test::initUiTestEnvironment();
    Test::wipeSettings();
}

namespace {

QNetworkReply *post(QNetworkAccessManager &nam, const QString &url, const QByteArray &token = {})
{
    QNetworkRequest request { QUrl(url) };
    if (!token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + token);
    return nam.post(request, QByteArray());
}

} // namespace

void TestEndpointPanel::startRequestLogStop()
{
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    Ui::MainWindowOptions options;
    options.databaseUrl = db.url();
    MainWindow window(options);
    window.show();
    QTRY_VERIFY(Test::database(&window)->isConnected());
    auto *panel = Test::child<Ui::EndpointPanel>(&window, "endpointTab");
    QVERIFY(panel);
    Test::child<QTabWidget>(&window, "tabs")->setCurrentWidget(panel);
    Test::child<QSpinBox>(panel, "endpointPortSpin")->setValue(0);
    auto *token = Test::child<QLineEdit>(panel, "endpointTokenEdit");
    token->clear();
    QTest::keyClicks(token, QStringLiteral("test-token-123"));
    QTest::mouseClick(Test::child<QPushButton>(panel, "endpointStartStopButton"), Qt::LeftButton);
    QVERIFY2(panel->isRunning(), qPrintable(panel->lastError()));
    QVERIFY(Test::child<QLabel>(panel, "endpointStatusLabel")->text().contains(panel->url()));

    QNetworkAccessManager nam;
    QNetworkReply *unauthorized =
        post(nam, panel->url() + QStringLiteral("/api/profile/someone/request"));
    QTRY_VERIFY(unauthorized->isFinished());
    QCOMPARE(unauthorized->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 401);
    unauthorized->deleteLater();

    QNetworkReply *reply =
        post(nam, panel->url() + QStringLiteral("/api/profile/Panel_User/request?source=panel"),
            "test-token-123");
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 15000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QJsonObject data =
        QJsonDocument::fromJson(reply->readAll()).object().value(QStringLiteral("data")).toObject();
    QCOMPARE(data.value(QStringLiteral("queued")).toBool(), true);
    reply->deleteLater();
    QCOMPARE(db.scalar(QStringLiteral("SELECT COUNT(*) FROM queue WHERE username = 'panel_user' "
                                      "AND source = 'panel'"))
                 .toInt(),
        1);

    auto *log = Test::child<QPlainTextEdit>(panel, "endpointLog");
    QTRY_VERIFY(log->toPlainText().contains(QLatin1String("/api/profile/Panel_User/request 200")));
    QVERIFY(log->toPlainText().contains(QLatin1String(" 401 ")));
    QVERIFY(!log->toPlainText().contains(QLatin1String("test-token-123")));

    QTest::mouseClick(Test::child<QPushButton>(panel, "endpointStartStopButton"), Qt::LeftButton);
    QVERIFY(!panel->isRunning());

    // The token is a secret: never in the settings file.
    Ui::Settings settings;
    settings.sync();
    QFile file(settings.fileName());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("test-token-123"));
}

void TestEndpointPanel::publicAddressNeedsToken()
{
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    Ui::MainWindowOptions options;
    options.databaseUrl = db.url();
    MainWindow window(options);
    QTRY_VERIFY(Test::database(&window)->isConnected());
    auto *panel = Test::child<Ui::EndpointPanel>(&window, "endpointTab");
    Test::child<QComboBox>(panel, "endpointBindCombo")->setCurrentText(QStringLiteral("0.0.0.0"));
    Test::child<QSpinBox>(panel, "endpointPortSpin")->setValue(0);
    Test::child<QLineEdit>(panel, "endpointTokenEdit")->clear();
    QVERIFY(!panel->start());
    QVERIFY(!panel->isRunning());
    QVERIFY(!panel->lastError().isEmpty());
    QVERIFY(Test::child<QLabel>(panel, "endpointStatusLabel")
                ->text()
                .startsWith(QLatin1String("Not running")));
}

void TestEndpointPanel::labelsShowNoLiteralAmpersand()
{
    Test::TemporaryDatabase db;
    QVERIFY2(db.isValid(), qPrintable(db.error()));
    Ui::MainWindowOptions options;
    options.databaseUrl = db.url();
    MainWindow window(options);
    auto *panel = Test::child<Ui::EndpointPanel>(&window, "endpointTab");
    Test::child<QTabWidget>(&window, "tabs")->setCurrentWidget(panel);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // A plain-text label shows "&" as a mnemonic only when it has a buddy; without one the
    // user reads "API &token:". Every such label of the panel needs its buddy.
    int mnemonics = 0;
    const QStringList literal = Test::labelsShowingAmpersand(panel, &mnemonics);
    QVERIFY2(literal.isEmpty(), qPrintable(literal.join(QLatin1String(", "))));
    const QList<QLabel *> labels = panel->findChildren<QLabel *>();
    QVERIFY(mnemonics >= 4); // address, port, token, origins
    auto *token = Test::child<QLineEdit>(panel, "endpointTokenEdit");
    const auto tokenLabel = std::find_if(labels.cbegin(), labels.cend(),
        [](const QLabel *l) { return l->text() == QLatin1String("API &token:"); });
    QVERIFY(tokenLabel != labels.cend());
    QCOMPARE((*tokenLabel)->buddy(), token);
}

QTEST_MAIN(TestEndpointPanel)
#include "tst_endpointpanel.moc"
