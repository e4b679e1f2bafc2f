#include "mainwindowlauncher.h"

#include "mainwindow.h"

#include <QApplication>
#include <QCommandLineParser>

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
    options.readOnly = parser.isSet(readOnly);

    app.setQuitOnLastWindowClosed(true);
    MainWindow window(options);
    window.show();
    return app.exec();
}

} // namespace ViralSpot::Ui
