// Packaging and desktop integration checks that run from the build tree: the version comes from
// CMake, translations load for the system locale, and the man page, bash completion, AppStream
// metainfo, desktop entry and systemd unit agree with the executable's own --help.

#include "core/translations.h"

#include <QFile>
#include <QLibraryInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

namespace {

const QString Executable = QStringLiteral(VIRALSPOT_EXECUTABLE);
const QString SourceDir = QStringLiteral(VIRALSPOT_SOURCE_DIR);
const QString GeneratedDir = QStringLiteral(VIRALSPOT_PACKAGING_GENERATED_DIR);

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs the executable with a clean locale environment plus `environment`.
Run run(const QStringList &arguments, const QStringList &environment = {})
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : { "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG" })
        env.remove(QLatin1String(name));
    env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    for (const QString &assignment : environment)
        env.insert(
            assignment.section(QLatin1Char('='), 0, 0), assignment.section(QLatin1Char('='), 1));
    process.setProcessEnvironment(env);
    process.start(Executable, arguments);
    Run result;
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

QString readText(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return {};
    return QString::fromUtf8(file.readAll());
}

// The man page source with roff's escaped hyphens made plain.
QString manPage()
{
    return readText(GeneratedDir + QStringLiteral("/viralspot-admin.1"))
        .replace(QStringLiteral("\\-"), QStringLiteral("-"));
}

// The long options a command's --help lists ("  --port <n>", "  -h, --help").
QStringList longOptions(const QString &helpText)
{
    QStringList options;
    static const QRegularExpression option(
        QStringLiteral("^\\s+(?:-\\w, )?(--[a-z][a-z-]*)"), QRegularExpression::MultilineOption);
    auto it = option.globalMatch(helpText);
    while (it.hasNext())
        options.append(it.next().captured(1));
    return options;
}

// The commands the top-level --help lists under "Commands:" ("  serve      run …").
QStringList subcommands()
{
    QStringList commands;
    const QString help = run({ QStringLiteral("--help") }).out;
    const QString section =
        help.section(QStringLiteral("Commands:\n"), 1).section(QStringLiteral("\n\n"), 0, 0);
    static const QRegularExpression command(
        QStringLiteral("^  ([a-z][a-z-]+)(?:\\s|$)"), QRegularExpression::MultilineOption);
    auto it = command.globalMatch(section);
    while (it.hasNext())
        commands.append(it.next().captured(1));
#ifndef VIRALSPOT_HAS_HTTP
    commands.removeAll(QStringLiteral("serve")); // listed, but not in a build without HTTP
#endif
    return commands;
}

} // namespace

class TestPackaging final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void versionComesFromCMake_data();
    void versionComesFromCMake();
    void translationLoadsForGermanLocale();
    void englishWithoutTranslation();
    void translatorFindsEveryContextSpelling();
    void manPageCoversEveryCommandAndOption();
    void manPageRendersWithoutWarnings();
    void bashCompletionCoversEveryCommandAndOption();
    void metainfoReleaseIsTheProjectVersion();
    void desktopEntryNamesInstalledIcon();
    void systemdUnitUsesExistingServeOptions();
};

void TestPackaging::versionComesFromCMake_data()
{
    const QStringList commands = subcommands();
    QVERIFY2(commands.contains(QStringLiteral("submit")), qPrintable(commands.join(u' ')));
#ifdef VIRALSPOT_HAS_HTTP
    QVERIFY2(commands.contains(QStringLiteral("serve")), qPrintable(commands.join(u' ')));
#endif

    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("--version") << QStringList { QStringLiteral("--version") };
    for (const QString &command : subcommands())
        QTest::newRow(qPrintable(command + QStringLiteral(" --version")))
            << QStringList { command, QStringLiteral("--version") };
}

void TestPackaging::versionComesFromCMake()
{
    QFETCH(QStringList, arguments);
    const Run result = run(arguments);
    QCOMPARE(result.exitCode, 0);
    QCOMPARE(result.out.trimmed(),
        QStringLiteral("viralspot-admin ") + QStringLiteral(VIRALSPOT_PROJECT_VERSION));
}

void TestPackaging::translationLoadsForGermanLocale()
{
    // An unknown option: the hint comes from the app's translation, the error from Qt's.
    const Run result = run({ QStringLiteral("submit"), QStringLiteral("--no-such-option") },
        { QStringLiteral("LANG=de_DE.UTF-8") });
    QCOMPARE(result.exitCode, 64);
    QVERIFY2(result.err.contains(QStringLiteral("Versuchen Sie '")), qPrintable(result.err));
    QVERIFY2(!result.err.contains(QStringLiteral("Try '")), qPrintable(result.err));

    const Run help = run({ QStringLiteral("submit"), QStringLiteral("--help") },
        { QStringLiteral("LANG=de_DE.UTF-8") });
    QCOMPARE(help.exitCode, 0);
    QVERIFY2(help.out.contains(QStringLiteral("Datenbank-URL")), qPrintable(help.out));
    // A text of a free tr() helper (lupdate context "ViralSpot::SubmitCommand", runtime context
    // "SubmitCommand").
    QVERIFY2(help.out.contains(QStringLiteral("Woher die Anfrage kommt")), qPrintable(help.out));

    // LANGUAGE takes precedence over LANG, as gettext does.
    const Run language = run({ QStringLiteral("submit"), QStringLiteral("--no-such-option") },
        { QStringLiteral("LANG=C"), QStringLiteral("LANGUAGE=de") });
    QVERIFY2(language.err.contains(QStringLiteral("Versuchen Sie '")), qPrintable(language.err));

    if (QFile::exists(
            QLibraryInfo::path(QLibraryInfo::TranslationsPath) + QStringLiteral("/qtbase_de.qm"))) {
        QVERIFY2(result.err.contains(QStringLiteral("Unbekannte Option")), qPrintable(result.err));
    }
}

void TestPackaging::englishWithoutTranslation()
{
    for (const QString &lang : { QStringLiteral("C.UTF-8"), QStringLiteral("en_US.UTF-8"),
             QStringLiteral("xx_YY.UTF-8") }) {
        const Run result = run({ QStringLiteral("submit"), QStringLiteral("--no-such-option") },
            { QStringLiteral("LANG=") + lang });
        QCOMPARE(result.exitCode, 64);
        QVERIFY2(result.err.contains(QStringLiteral("Try '")), qPrintable(lang + result.err));
    }
}

void TestPackaging::translatorFindsEveryContextSpelling()
{
    QCoreApplication &app = *QCoreApplication::instance();
    const auto uninstall = [&app] {
        const auto translators = app.findChildren<QTranslator *>();
        for (QTranslator *translator : translators) {
            QCoreApplication::removeTranslator(translator);
            delete translator;
        }
    };
    const QString qmDir = QStringLiteral(VIRALSPOT_QM_DIR);
    QVERIFY2(QFile::exists(qmDir + QStringLiteral("/viralspot-admin_de.qm")), qPrintable(qmDir));

    ViralSpot::Translations::install(app, QLocale(QLocale::German, QLocale::Germany), qmDir);
    // The context the .ts holds.
    QCOMPARE(QCoreApplication::translate("CommandLine", "Try '%1 --help'."),
        QStringLiteral("Versuchen Sie '%1 --help'."));
    // Q_DECLARE_TR_FUNCTIONS(ViralSpot::SubmitCommand): the context lupdate files the text
    // under is the one looked up, with Qt's own QTranslator.
    QCOMPARE(QCoreApplication::translate("ViralSpot::SubmitCommand", "Read standard input as CSV."),
        QStringLiteral("Die Standardeingabe als CSV lesen."));
    QCOMPARE(QCoreApplication::translate("ViralSpot::Ui::QueueTabs", "Queue"),
        QStringLiteral("Warteschlange"));
    // Unknown texts stay as they are.
    QCOMPARE(QCoreApplication::translate("ViralSpot::Ui::QueueTabs", "No such text"),
        QStringLiteral("No such text"));
    uninstall();

    ViralSpot::Translations::install(app, QLocale(QLocale::English, QLocale::UnitedStates), qmDir);
    QCOMPARE(QCoreApplication::translate("CommandLine", "Try '%1 --help'."),
        QStringLiteral("Try '%1 --help'."));
    uninstall();
}

void TestPackaging::manPageCoversEveryCommandAndOption()
{
    const QString man = manPage();
    QVERIFY2(!man.isEmpty(), "generated man page missing");
    QVERIFY(man.contains(QStringLiteral(".TH VIRALSPOT-ADMIN 1 ")));
    QVERIFY(man.contains(
        QStringLiteral("viralspot-admin ") + QStringLiteral(VIRALSPOT_PROJECT_VERSION)));
    for (const char *section :
        { ".SH SYNOPSIS", ".SH OPTIONS", ".SH ENVIRONMENT", ".SH \"EXIT STATUS\"", ".SH FILES" })
        QVERIFY2(man.contains(QLatin1String(section)), section);

    QStringList options = longOptions(run({ QStringLiteral("--help") }).out);
    for (const QString &command : subcommands()) {
        QVERIFY2(man.contains(QStringLiteral(".SS ") + command), qPrintable(command));
        QVERIFY2(man.contains(QStringLiteral(".B viralspot-admin ") + command),
            qPrintable(command + QStringLiteral(" missing from the synopsis")));
        const Run help = run({ command, QStringLiteral("--help") });
        QCOMPARE(help.exitCode, 0);
        const QStringList commandOptions = longOptions(help.out);
        QVERIFY2(commandOptions.size() >= 3, qPrintable(help.out));
        options += commandOptions;
    }
    options.removeDuplicates();
    for (const QString &option : std::as_const(options))
        QVERIFY2(man.contains(option), qPrintable(option + QStringLiteral(" not in the man page")));
    for (const char *variable : { "VIRALSPOT_DATABASE_URL", "PGPASSWORD", "LANG" })
        QVERIFY2(man.contains(QLatin1String(variable)), variable);
}

// What scripts/test-package.sh checks on the installed page, here in every build: roff warnings
// such as "cannot adjust line" (a long unbreakable word) at the 80 columns of a terminal.
void TestPackaging::manPageRendersWithoutWarnings()
{
    const QString man = QStandardPaths::findExecutable(QStringLiteral("man"));
    QVERIFY2(!man.isEmpty(), "man is missing: scripts/install-deps.sh test installs man-db");
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("MANWIDTH"), QStringLiteral("80"));
    process.setProcessEnvironment(env);
    process.start(man,
        { QStringLiteral("--warnings"), QStringLiteral("-l"),
            GeneratedDir + QStringLiteral("/viralspot-admin.1") });
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 0);
    QVERIFY2(!process.readAllStandardOutput().isEmpty(), "the man page rendered nothing");
    const QString warnings = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings));
}

void TestPackaging::bashCompletionCoversEveryCommandAndOption()
{
    const QString completion =
        readText(SourceDir + QStringLiteral("/resources/completion/viralspot-admin"));
    QVERIFY(completion.contains(QStringLiteral("complete -F _viralspot_admin viralspot-admin")));
    for (const QString &command : subcommands()) {
        QVERIFY2(completion.contains(command), qPrintable(command));
        const QStringList options = longOptions(run({ command, QStringLiteral("--help") }).out);
        for (const QString &option : options)
            QVERIFY2(completion.contains(option),
                qPrintable(command + QLatin1Char(' ') + option + QStringLiteral(" not completed")));
    }
}

void TestPackaging::metainfoReleaseIsTheProjectVersion()
{
    QFile file(GeneratedDir + QStringLiteral("/org.viralspot.Admin.metainfo.xml"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&file);
    QString id, releaseVersion, screenshot, launchable;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == QLatin1String("id"))
            id = xml.readElementText();
        else if (xml.name() == QLatin1String("release") && releaseVersion.isEmpty())
            releaseVersion = xml.attributes().value(QLatin1String("version")).toString();
        else if (xml.name() == QLatin1String("image"))
            screenshot = xml.readElementText();
        else if (xml.name() == QLatin1String("launchable"))
            launchable = xml.readElementText();
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(id, QStringLiteral("org.viralspot.Admin"));
    QCOMPARE(releaseVersion, QStringLiteral(VIRALSPOT_PROJECT_VERSION));
    QCOMPARE(launchable, QStringLiteral("org.viralspot.Admin.desktop"));
    QVERIFY2(screenshot.startsWith(QStringLiteral("https://")), qPrintable(screenshot));
}

void TestPackaging::desktopEntryNamesInstalledIcon()
{
    const QString desktop =
        readText(SourceDir + QStringLiteral("/resources/org.viralspot.Admin.desktop"));
    QVERIFY(desktop.contains(QStringLiteral("\nIcon=org.viralspot.Admin\n")));
    QVERIFY(desktop.contains(QStringLiteral("\nExec=viralspot-admin\n")));
    const QString icons = SourceDir + QStringLiteral("/resources/icons/");
    QVERIFY(QFile::exists(icons + QStringLiteral("org.viralspot.Admin.svg")));
    for (int size : { 16, 22, 24, 32, 48, 64, 128, 256, 512 }) {
        const QString png =
            icons + QStringLiteral("hicolor/%1x%1/apps/org.viralspot.Admin.png").arg(size);
        QFile file(png);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(png));
        // PNG: 8-byte signature, IHDR length and type, then big-endian width and height.
        const QByteArray header = file.read(24);
        QCOMPARE(header.left(8), QByteArray("\x89PNG\r\n\x1a\n", 8));
        const auto be32 = [&header](int at) {
            return (quint8(header[at]) << 24) | (quint8(header[at + 1]) << 16) |
                (quint8(header[at + 2]) << 8) | quint8(header[at + 3]);
        };
        QCOMPARE(int(be32(16)), size);
        QCOMPARE(int(be32(20)), size);
    }
}

void TestPackaging::systemdUnitUsesExistingServeOptions()
{
#ifdef VIRALSPOT_HAS_HTTP
    const QString unit =
        readText(SourceDir + QStringLiteral("/packaging/systemd/viralspot-admin.service"));
    const QString execStart =
        QRegularExpression(QStringLiteral("^ExecStart=(.*)$"), QRegularExpression::MultilineOption)
            .match(unit)
            .captured(1);
    QVERIFY(execStart.startsWith(QStringLiteral("/usr/bin/viralspot-admin serve ")));
    const QStringList serveOptions =
        longOptions(run({ QStringLiteral("serve"), QStringLiteral("--help") }).out);
    static const QRegularExpression option(QStringLiteral("--[a-z-]+"));
    auto it = option.globalMatch(execStart);
    int checked = 0;
    while (it.hasNext()) {
        const QString used = it.next().captured();
        QVERIFY2(serveOptions.contains(used),
            qPrintable(used + QStringLiteral(" is not a serve option")));
        ++checked;
    }
    QCOMPARE(checked, 3);
    for (const char *setting : { "User=viralspot", "NoNewPrivileges=yes", "ProtectSystem=strict",
             "PrivateTmp=yes", "StateDirectory=viralspot-admin",
             "EnvironmentFile=/etc/viralspot-admin/viralspot-admin.conf" })
        QVERIFY2(unit.contains(QLatin1String(setting)), setting);
#else
    QVERIFY(!QFile::exists(Executable) || run({ QStringLiteral("serve") }).exitCode == 64);
#endif
}

QTEST_GUILESS_MAIN(TestPackaging)
#include "tst_packaging.moc"
