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

    // The desktop entry and icon installed by the package (org.viralspot.Admin); the same
    // pictures compiled in where the icon theme has none (a build tree, a bare X session): the
    // tray fallback of the notifications shows no icon, and no message, without one.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.viralspot.Admin"));
    QIcon bundled;
    for (const int size : { 16, 22, 24, 32, 48, 64, 128, 256 })
        bundled.addFile(QStringLiteral(":/icons/%1x%1/apps/org.viralspot.Admin.png").arg(size),
            QSize(size, size));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("org.viralspot.Admin"), bundled));

    app.setQuitOnLastWindowClosed(true);
    Ui::MainWindow window(windowOptions);
    window.show();
    return app.exec();
}

} // namespace ViralSpot::WindowCommand
