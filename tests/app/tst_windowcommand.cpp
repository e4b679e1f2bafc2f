// The window's command line, parsed in app/ (WindowCommand::options): what the window is given.

#include "app/windowcommand.h"

#include <QTest>

using namespace ViralSpot;

class TestWindowCommand final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void databaseFromTheCommandLine_data();
    void databaseFromTheCommandLine();
    void databaseFromTheEnvironment();
    void noDatabaseMeansTheConfiguredOne();
    void readOnly_data();
    void readOnly();
};

void TestWindowCommand::init()
{
    qunsetenv("VIRALSPOT_DATABASE_URL");
    qunsetenv("VIRALSPOT_READ_ONLY");
}

void TestWindowCommand::cleanup()
{
    init();
}

void TestWindowCommand::databaseFromTheCommandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("url");
    const QString program = QStringLiteral("viralspot-admin");
    QTest::newRow("separate value") << QStringList { program, QStringLiteral("--database"),
        QStringLiteral("sqlite:/tmp/a.sqlite") }
                                    << QStringLiteral("sqlite:/tmp/a.sqlite");
    QTest::newRow("with =") << QStringList { program,
        QStringLiteral("--database=postgresql://u@h/db") }
                            << QStringLiteral("postgresql://u@h/db");
    // The platform's options (-platform, -style) are not ours: ignored, not an error.
    QTest::newRow("among platform options") << QStringList { program, QStringLiteral("-platform"),
        QStringLiteral("offscreen"), QStringLiteral("--database"),
        QStringLiteral("sqlite:/tmp/b.sqlite"), QStringLiteral("-style"), QStringLiteral("fusion") }
                                            << QStringLiteral("sqlite:/tmp/b.sqlite");
}

void TestWindowCommand::databaseFromTheCommandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, url);
    qputenv("VIRALSPOT_DATABASE_URL", "sqlite:/tmp/from-environment.sqlite");
    const Ui::MainWindowOptions options = WindowCommand::options(arguments, false);
    QCOMPARE(options.databaseUrl, url); // the command line wins over the environment
    QVERIFY(!options.readOnly);
}

void TestWindowCommand::databaseFromTheEnvironment()
{
    qputenv("VIRALSPOT_DATABASE_URL", "sqlite:/tmp/from-environment.sqlite");
    const Ui::MainWindowOptions options =
        WindowCommand::options({ QStringLiteral("viralspot-admin") }, false);
    QCOMPARE(options.databaseUrl, QStringLiteral("sqlite:/tmp/from-environment.sqlite"));
}

void TestWindowCommand::noDatabaseMeansTheConfiguredOne()
{
    // Empty, not the default SQLite file of the terminal commands: the window then opens the
    // database of its settings.
    const Ui::MainWindowOptions options =
        WindowCommand::options({ QStringLiteral("viralspot-admin") }, false);
    QVERIFY2(options.databaseUrl.isEmpty(), qPrintable(options.databaseUrl));
    QVERIFY(!options.readOnly);
}

void TestWindowCommand::readOnly_data()
{
    QTest::addColumn<bool>("option");
    QTest::addColumn<QByteArray>("environment");
    QTest::addColumn<bool>("setting");
    QTest::addColumn<bool>("readOnly");
    QTest::newRow("nothing") << false << QByteArray() << false << false;
    QTest::newRow("--read-only") << true << QByteArray() << false << true;
    QTest::newRow("VIRALSPOT_READ_ONLY=1") << false << QByteArray("1") << false << true;
    QTest::newRow("VIRALSPOT_READ_ONLY=0") << false << QByteArray("0") << false << false;
    QTest::newRow("settings file") << false << QByteArray() << true << true;
}

void TestWindowCommand::readOnly()
{
    QFETCH(bool, option);
    QFETCH(QByteArray, environment);
    QFETCH(bool, setting);
    QFETCH(bool, readOnly);
    if (!environment.isEmpty())
        qputenv("VIRALSPOT_READ_ONLY", environment);
    QStringList arguments { QStringLiteral("viralspot-admin") };
    if (option)
        arguments << QStringLiteral("--read-only");
    QCOMPARE(WindowCommand::options(arguments, setting).readOnly, readOnly);
}

QTEST_GUILESS_MAIN(TestWindowCommand)
#include "tst_windowcommand.moc"
