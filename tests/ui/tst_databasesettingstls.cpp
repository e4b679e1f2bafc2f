// TLS where people connect: the Database dialog's TLS mode and root certificate make the URL
// the app connects with; a provider's connection string pasted whole (Supabase's URI, libpq's
// keyword=value form) fills the fields; the dialog's Test and the window's status bar work
// against a real TLS-only PostgreSQL (certificates made by the test with openssl), and the
// status bar says whether the connection is encrypted and verified.

#include "tests/support/tlspostgresserver.h"
#include "tests/support/verify.h"
#include "tests/ui/uitesthelpers.h"
#include "ui/databasesettingsdialog.h"
#include "ui/mainwindow.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTest>

using namespace ViralSpot;
using ViralSpot::Ui::DatabaseSettingsDialog;
using ViralSpot::Ui::MainWindow;

class TestDatabaseSettingsTls : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tlsFieldsMakeTheUrl();
    void setConfigShowsTls();
    void unusableRootCertificatePath();
    void pasteConnectionString_data();
    void pasteConnectionString();
    void pasteUnreadable();
    void testButtonOverTls();
    void statusBarSaysEncryptedAndVerified();
    void labelsShowNoLiteralAmpersand();

private:
    static DatabaseConfig config(const QString &url)
    {
        const ValueResult<DatabaseConfig> c = DatabaseConfig::fromUrl(url);
        if (!c.ok)
            qWarning() << c.error;
        return c.value;
    }
    static void selectSslMode(DatabaseSettingsDialog &dialog, const QString &mode)
    {
        auto *combo = Test::child<QComboBox>(&dialog, "sslModeCombo");
        QVERIFY(combo);
        const int index = combo->findData(mode);
        QVERIFY(index >= 0);
        combo->setCurrentIndex(index);
    }

    Test::TlsPostgresServer m_server;
};

void TestDatabaseSettingsTls::initTestCase()
{
    Test::initUiTestEnvironment();
    Test::wipeSettings();
    qunsetenv("PGSSLMODE");
    qunsetenv("PGSSLROOTCERT");
    VERIFY_OK(m_server.start());
}

void TestDatabaseSettingsTls::tlsFieldsMakeTheUrl()
{
    DatabaseSettingsDialog dialog;
    dialog.setConfig(config(QStringLiteral("postgresql://app@db.example.com:5433/q")));
    dialog.show();
    QCOMPARE(Test::child<QComboBox>(&dialog, "sslModeCombo")->currentData().toString(), QString());
    QVERIFY(!dialog.config().toUrl().contains(QLatin1String("sslmode")));

    selectSslMode(dialog, QStringLiteral("verify-full"));
    auto *cert = Test::child<QLineEdit>(&dialog, "sslRootCertEdit");
    QTest::keyClicks(cert, QStringLiteral("/etc/ssl/prod-ca-2021.crt"));
    const QString url = dialog.config().toUrl();
    QCOMPARE(url,
        QStringLiteral("postgresql://app@db.example.com:5433/q?sslmode=verify-full&"
                       "sslrootcert=/etc/ssl/prod-ca-2021.crt"));
    // The URL reads back as the same TLS settings (what the window and serve get).
    const DatabaseConfig back = config(url);
    QCOMPARE(back.sslMode(), QStringLiteral("verify-full"));
    QCOMPARE(back.sslRootCert(), QStringLiteral("/etc/ssl/prod-ca-2021.crt"));

    selectSslMode(dialog, QStringLiteral("disable"));
    cert->clear();
    QCOMPARE(dialog.config().toUrl(),
        QStringLiteral("postgresql://app@db.example.com:5433/q?sslmode=disable"));
}

void TestDatabaseSettingsTls::setConfigShowsTls()
{
    DatabaseSettingsDialog dialog;
    dialog.setConfig(config(QStringLiteral(
        "postgresql://app@h/q?connect_timeout=5&sslmode=verify-ca&sslrootcert=/ca.pem")));
    QCOMPARE(Test::child<QComboBox>(&dialog, "sslModeCombo")->currentData().toString(),
        QStringLiteral("verify-ca"));
    QCOMPARE(Test::child<QLineEdit>(&dialog, "sslRootCertEdit")->text(), QStringLiteral("/ca.pem"));
    // Other options pass through unchanged.
    QCOMPARE(dialog.config().options,
        QStringLiteral("connect_timeout=5;sslmode=verify-ca;sslrootcert=/ca.pem"));
}

// Qt's driver hands libpq its options unquoted: a path with a space would split in two.
void TestDatabaseSettingsTls::unusableRootCertificatePath()
{
    DatabaseSettingsDialog dialog;
    dialog.setConfig(config(QStringLiteral("postgresql://app@h/q")));
    dialog.show();
    auto *cert = Test::child<QLineEdit>(&dialog, "sslRootCertEdit");
    auto *note = Test::child<QLabel>(&dialog, "sslRootCertNote");
    auto *ok = Test::child<QDialogButtonBox>(&dialog, "buttonBox")->button(QDialogButtonBox::Ok);
    QVERIFY(ok->isEnabled());
    QVERIFY(!note->isVisible());
    QTest::keyClicks(cert, QStringLiteral("/home/me/My Certs/ca.pem"));
    QVERIFY(note->isVisible());
    QVERIFY(!ok->isEnabled());
    QVERIFY(!Test::child<QPushButton>(&dialog, "testButton")->isEnabled());
    cert->setText(QStringLiteral("/home/me/certs/ca.pem"));
    QVERIFY(!note->isVisible());
    QVERIFY(ok->isEnabled());
    QVERIFY(Test::child<QPushButton>(&dialog, "testButton")->isEnabled());
}

void TestDatabaseSettingsTls::pasteConnectionString_data()
{
    QTest::addColumn<QByteArray>("field"); // where it is pasted
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("sslMode");
    QTest::addColumn<QString>("rootCert");

    const QString pooler = QStringLiteral(
        "postgresql://postgres.abcdefghijklmnop:s3cret@aws-0-eu-central-1.pooler.supabase.com:"
        "6543/postgres");
    QTest::newRow("supabase transaction pooler into host")
        << QByteArray("hostEdit") << pooler << "aws-0-eu-central-1.pooler.supabase.com" << 6543
        << "postgres.abcdefghijklmnop"
        << "s3cret"
        << "require"
        << "";
    QTest::newRow("supabase transaction pooler into connection string")
        << QByteArray("connectionStringEdit") << pooler << "aws-0-eu-central-1.pooler.supabase.com"
        << 6543 << "postgres.abcdefghijklmnop"
        << "s3cret"
        << "require"
        << "";
    QTest::newRow("supabase session pooler, placeholder password")
        << QByteArray("hostEdit")
        << "postgresql://postgres.abcdefghijklmnop:[YOUR-PASSWORD]@aws-0-us-east-1.pooler.supabase."
           "com:5432/postgres"
        << "aws-0-us-east-1.pooler.supabase.com" << 5432 << "postgres.abcdefghijklmnop"
        << ""
        << "require"
        << "";
    QTest::newRow("supabase direct with root certificate")
        << QByteArray("connectionStringEdit")
        << "postgresql://postgres:pw@db.abcdefghijklmnop.supabase.co:5432/"
           "postgres?sslrootcert=/home/me/prod-ca-2021.crt"
        << "db.abcdefghijklmnop.supabase.co" << 5432 << "postgres"
        << "pw"
        << "verify-full"
        << "/home/me/prod-ca-2021.crt";
    QTest::newRow("keyword value") << QByteArray("hostEdit")
                                   << "host=db.example.com port=5433 dbname=postgres user=app "
                                      "password='a b' sslmode=verify-ca "
                                      "sslrootcert=/ca.pem"
                                   << "db.example.com" << 5433 << "app"
                                   << "a b"
                                   << "verify-ca"
                                   << "/ca.pem";
}

void TestDatabaseSettingsTls::pasteConnectionString()
{
    QFETCH(QByteArray, field);
    QFETCH(QString, text);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, sslMode);
    QFETCH(QString, rootCert);

    DatabaseSettingsDialog dialog;
    dialog.setConfig(config(QStringLiteral("postgresql://old@old.example.com:1/old")));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *target = Test::child<QLineEdit>(&dialog, field.constData());
    target->clear();
    Test::paste(target, text);

    QCOMPARE(Test::child<QLineEdit>(&dialog, "hostEdit")->text(), host);
    QCOMPARE(Test::child<QSpinBox>(&dialog, "portSpin")->value(), port);
    QCOMPARE(Test::child<QLineEdit>(&dialog, "databaseEdit")->text(), QStringLiteral("postgres"));
    QCOMPARE(Test::child<QLineEdit>(&dialog, "userEdit")->text(), user);
    QCOMPARE(Test::child<QLineEdit>(&dialog, "passwordEdit")->text(), password);
    QCOMPARE(Test::child<QComboBox>(&dialog, "sslModeCombo")->currentData().toString(), sslMode);
    QCOMPARE(Test::child<QLineEdit>(&dialog, "sslRootCertEdit")->text(), rootCert);
    // The pasted text held the password: it does not stay on view.
    QVERIFY(Test::child<QLineEdit>(&dialog, "connectionStringEdit")->text().isEmpty());
    auto *note = Test::child<QLabel>(&dialog, "connectionStringLabel");
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QLatin1String("Filled in")), qPrintable(note->text()));
    if (password.isEmpty()) {
        QVERIFY(note->text().contains(QLatin1String("Enter the password")));
        QVERIFY(Test::child<QLineEdit>(&dialog, "passwordEdit")->hasFocus());
    }

    const DatabaseConfig result = dialog.config();
    QCOMPARE(result.host, host);
    QCOMPARE(result.port, port);
    QCOMPARE(result.user, user);
    QCOMPARE(result.password, password);
    QCOMPARE(result.sslMode(), sslMode);
    QCOMPARE(result.sslRootCert(), rootCert);
}

void TestDatabaseSettingsTls::pasteUnreadable()
{
    DatabaseSettingsDialog dialog;
    dialog.setConfig(config(QStringLiteral("postgresql://app@keep.example.com/q")));
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    auto *field = Test::child<QLineEdit>(&dialog, "connectionStringEdit");
    Test::paste(field, QStringLiteral("host=h password='unterminated"));
    auto *note = Test::child<QLabel>(&dialog, "connectionStringLabel");
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QLatin1String("unterminated")), qPrintable(note->text()));
    QCOMPARE(
        Test::child<QLineEdit>(&dialog, "hostEdit")->text(), QStringLiteral("keep.example.com"));
    // A plain host name typed into the host field is a host name.
    auto *host = Test::child<QLineEdit>(&dialog, "hostEdit");
    host->clear();
    QTest::keyClicks(host, QStringLiteral("db.example.com"));
    QCOMPARE(dialog.config().host, QStringLiteral("db.example.com"));
    QCOMPARE(dialog.config().databaseName, QStringLiteral("q"));
}

// The dialog's Test button connects through the TLS fields, and passes libpq's refusal on.
void TestDatabaseSettingsTls::testButtonOverTls()
{
    DatabaseSettingsDialog dialog;
    dialog.setConfig(config(m_server.url(QStringLiteral("disable"))));
    dialog.show();
    selectSslMode(dialog, QStringLiteral("verify-full"));
    auto *cert = Test::child<QLineEdit>(&dialog, "sslRootCertEdit");
    cert->setText(m_server.wrongCaFile());
    QSignalSpy finished(&dialog, &DatabaseSettingsDialog::testFinished);
    dialog.testConnection();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QVERIFY2(finished.at(0).at(1).toString().contains(QLatin1String("certificate verify failed")),
        qPrintable(finished.at(0).at(1).toString()));

    cert->setText(m_server.caFile());
    dialog.testConnection();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 30000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
}

void TestDatabaseSettingsTls::statusBarSaysEncryptedAndVerified()
{
    Ui::MainWindowOptions options;
    options.databaseUrl = m_server.verifiedUrl();
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 30000);
    auto *security = window.findChild<QLabel *>(QStringLiteral("statusSecurity"));
    QVERIFY(security);
    QTRY_VERIFY(security->isVisible());
    QCOMPARE(security->text(), QStringLiteral("TLS: encrypted, verified"));
    QVERIFY2(security->toolTip().contains(QLatin1String("sslmode=verify-full TLSv")),
        qPrintable(security->toolTip()));

    // The same server under require: encrypted, nothing verified.
    Test::database(&window)->setConfig(config(m_server.url(QStringLiteral("require"))), false);
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 30000);
    QTRY_COMPARE(security->text(), QStringLiteral("TLS: encrypted, not verified"));

    // verify-ca: the chain only.
    Test::database(&window)->setConfig(
        config(m_server.url(QStringLiteral("verify-ca"), m_server.caFile())), false);
    QTRY_VERIFY_WITH_TIMEOUT(Test::database(&window)->isConnected(), 30000);
    QTRY_COMPARE(security->text(),
        QStringLiteral("TLS: encrypted, certificate verified (host name not checked)"));

    // Refused (wrong root certificate): no TLS claim is left standing.
    Test::database(&window)->setConfig(
        config(m_server.url(QStringLiteral("verify-full"), m_server.wrongCaFile())), false);
    QTRY_VERIFY_WITH_TIMEOUT(
        Test::database(&window)->isConnectionKnown() && !Test::database(&window)->isConnected(),
        30000);
    QVERIFY(!security->isVisible());
}

QTEST_MAIN(TestDatabaseSettingsTls)
void TestDatabaseSettingsTls::labelsShowNoLiteralAmpersand()
{
    // Both pages: "&File:" on the SQLite page showed its '&' (no buddy from addRow()).
    DatabaseSettingsDialog dialog;
    int mnemonics = 0;
    const QStringList literal = Test::labelsShowingAmpersand(&dialog, &mnemonics);
    QVERIFY2(literal.isEmpty(), qPrintable(literal.join(QLatin1String(", "))));
    QVERIFY(mnemonics >= 2); // the SQLite file, the root certificate
}

#include "tst_databasesettingstls.moc"
