#include "app/windowcommand.h"

#include "app/commandline.h"
#include "ui/settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

namespace ViralSpot::WindowCommand {

Ui::MainWindowOptions options(const QStringList &arguments, bool readOnlySetting)
{
    QCommandLineParser parser;
    CommandLine::addCommonOptions(parser);
    // Parse, don't process: the platform's options are not ours, and --help/--version were
    // answered before the window was chosen.
    parser.parse(arguments);

    Ui::MainWindowOptions options;
    options.databaseUrl = CommandLine::givenDatabaseUrl(parser);
    options.readOnly = CommandLine::readOnly(parser) || readOnlySetting;
    return options;
}

int run(QApplication &app)
{
    const Ui::MainWindowOptions windowOptions =
        options(app.arguments(), Ui::Settings().value(Ui::Settings::Key::ReadOnly).toBool());

    // The desktop entry and icon installed by the package (org.viralspot.Admin).
    QGuiApplication::setDesktopFileName(QStringLiteral("org.viralspot.Admin"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.viralspot.Admin")));

    app.setQuitOnLastWindowClosed(true);
    Ui::MainWindow window(windowOptions);
    window.show();
    return app.exec();
}

} // namespace ViralSpot::WindowCommand
