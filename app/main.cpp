// viralspot-admin: the window (default), `serve` (headless endpoint) and `submit`.
// Argument parsing and wiring only; the work is done by the core, http and ui libraries.

#include "commandline.h"
#include "migratecommand.h"
#include "repaircommand.h"
#include "submitcommand.h"
#include "translations.h"
#include "version.h"

#ifdef VIRALSPOT_HAS_HTTP
#include "servecommand.h"
#endif
#ifdef VIRALSPOT_HAS_GUI
#include "mainwindowlauncher.h"

#include <QApplication>
#endif

#include <QCoreApplication>

#include <cstdio>
#include <cstring>

namespace {

void setApplicationInfo()
{
    QCoreApplication::setOrganizationName(QStringLiteral(VIRALSPOT_ORGANIZATION));
    QCoreApplication::setApplicationName(QStringLiteral(VIRALSPOT_APP_NAME));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIRALSPOT_VERSION));
}

const char *const TopLevelHelp =
    "Usage: viralspot-admin [COMMAND] [OPTIONS]\n"
    "Puts Instagram profiles on the ViralSpot scraping queue.\n"
    "\n"
    "Commands:\n"
    "  (none)     open the window\n"
    "  serve      run the HTTP endpoint without a window\n"
    "  submit     request profiles from the terminal\n"
    "  repair-duplicates\n"
    "             report (and with --apply repair) duplicate active queue rows\n"
    "  migrate    bring the schema up to date (--print-sql: show the SQL, run nothing)\n"
    "\n"
    "Common options:\n"
    "  --database URL   sqlite:PATH or postgresql://user[:password]@host[:port]/dbname\n"
    "                   (default: $VIRALSPOT_DATABASE_URL, else a SQLite file in the\n"
    "                   application data folder)\n"
    "  --read-only      nothing is written to the queue (also VIRALSPOT_READ_ONLY=1)\n"
    "  -h, --help       this help; 'viralspot-admin COMMAND --help' for a command\n"
    "  -v, --version    the version\n";

// Strips the subcommand from the arguments so each command's parser sees "program [options]".
QStringList commandArguments(const QStringList &all)
{
    QStringList args = all;
    args.removeAt(1);
    return args;
}

} // namespace

int main(int argc, char *argv[])
{
    const char *command = argc > 1 && argv[1][0] != '-' ? argv[1] : nullptr;

    if (command && std::strcmp(command, "submit") == 0) {
        QCoreApplication app(argc, argv);
        setApplicationInfo();
        ViralSpot::Translations::install(app);
        return ViralSpot::SubmitCommand::run(commandArguments(app.arguments()));
    }
    if (command && std::strcmp(command, "repair-duplicates") == 0) {
        QCoreApplication app(argc, argv);
        setApplicationInfo();
        ViralSpot::Translations::install(app);
        return ViralSpot::RepairCommand::run(commandArguments(app.arguments()));
    }
    if (command && std::strcmp(command, "migrate") == 0) {
        QCoreApplication app(argc, argv);
        setApplicationInfo();
        ViralSpot::Translations::install(app);
        return ViralSpot::MigrateCommand::run(commandArguments(app.arguments()));
    }
#ifdef VIRALSPOT_HAS_HTTP
    if (command && std::strcmp(command, "serve") == 0) {
        QCoreApplication app(argc, argv);
        setApplicationInfo();
        ViralSpot::Translations::install(app);
        return ViralSpot::ServeCommand::run(commandArguments(app.arguments()));
    }
#endif
    if (command) {
        std::fprintf(stderr, "viralspot-admin: unknown command '%s'\n\n%s", command, TopLevelHelp);
        return ViralSpot::CommandLine::UsageError;
    }

    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(TopLevelHelp, stdout);
            return 0;
        }
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("%s %s\n", VIRALSPOT_APP_NAME, VIRALSPOT_VERSION);
            return 0;
        }
    }

#ifdef VIRALSPOT_HAS_GUI
    QApplication app(argc, argv);
    setApplicationInfo();
    ViralSpot::Translations::install(app);
    return ViralSpot::Ui::runMainWindow(app);
#else
    std::fprintf(
        stderr, "viralspot-admin: this build has no window (headless).\n\n%s", TopLevelHelp);
    return ViralSpot::CommandLine::UsageError;
#endif
}
