#include "mainwindowlauncher.h"

#include "mainwindow.h"
#include "readonlymode.h"
#include "settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

namespace ViralSpot::Ui {

int runMainWindow(QApplication &app)
{
    QCommandLineParser parser;
    const QCommandLineOption database(QStringLiteral("database"),
        QApplication::translate("ViralSpot::Ui", "Database URL (sqlite:PATH or postgresql://…)."),
        QStringLiteral("url"));
    const QCommandLineOption readOnly(QStringLiteral("read-only"),
        QApplication::translate("ViralSpot::Ui", "Look, but do not request anything."));
    parser.addOption(database);
    parser.addOption(readOnly);
    // Unknown options are left to the platform (e.g. -platform, -style): parse, don't process.
    parser.parse(app.arguments());

    MainWindowOptions options;
    options.databaseUrl = parser.value(database);
    if (options.databaseUrl.isEmpty())
        options.databaseUrl = qEnvironmentVariable("VIRALSPOT_DATABASE_URL");
    // Read-only from the command line, the environment (as for serve and submit) or the
    // settings file (general/readOnly=true, for machines of people who only watch).
    options.readOnly = parser.isSet(readOnly) || ReadOnlyMode::requestedByEnvironment() ||
        Settings().value(Settings::Key::ReadOnly).toBool();

    // The desktop entry and icon installed by the package (org.viralspot.Admin).
    QGuiApplication::setDesktopFileName(QStringLiteral("org.viralspot.Admin"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.viralspot.Admin")));

    app.setQuitOnLastWindowClosed(true);
    MainWindow window(options);
    window.show();
    return app.exec();
}

} // namespace ViralSpot::Ui
