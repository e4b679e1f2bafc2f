// viralspot-admin: the window (default), `serve` (headless endpoint), `submit`, `batches`,
// `repair-duplicates` and `migrate`. Argument parsing and wiring only; the work is done by the
// core, http and ui libraries.

#include "app/batchescommand.h"
#include "app/commandline.h"
#include "app/migratecommand.h"
#include "app/repaircommand.h"
#include "app/submitcommand.h"
#include "core/translations.h"
#include "core/version.h"

#ifdef VIRALSPOT_HAS_HTTP
#include "app/servecommand.h"
#endif
#ifdef VIRALSPOT_HAS_GUI
#include "app/windowcommand.h"

#include <QApplication>
#endif

#include <QByteArray>
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

// Strips the subcommand from the arguments so each command's parser sees "program [options]".
QStringList commandArguments(const QStringList &all)
{
    QStringList args = all;
    args.removeAt(1);
    return args;
}

// A terminal command: a QCoreApplication (no display needed), translated, running `Run` on its
// arguments.
template<int (*Run)(const QStringList &arguments)> int runInTerminal(int &argc, char **argv)
{
    QCoreApplication app(argc, argv);
    setApplicationInfo();
    ViralSpot::Translations::install(app);
    return Run(commandArguments(app.arguments()));
}

#ifdef VIRALSPOT_HAS_GUI
int openWindow(int &argc, char **argv)
{
    QApplication app(argc, argv);
    setApplicationInfo();
    ViralSpot::Translations::install(app);
    return ViralSpot::WindowCommand::run(app);
}
#endif

// One row per command, in the order of the help. `run` is null for what this build lacks
// (the window in a headless build, serve without the endpoint).
struct Command
{
    const char *name; // nullptr: no command given (the window)
    const char *help; // one line of the top-level help
    int (*run)(int &argc, char **argv);
};

const Command Commands[] = {
#ifdef VIRALSPOT_HAS_GUI
    { nullptr, "open the window", &openWindow },
#else
    { nullptr, "open the window", nullptr },
#endif
#ifdef VIRALSPOT_HAS_HTTP
    { "serve", "run the HTTP endpoint without a window",
        &runInTerminal<&ViralSpot::ServeCommand::run> },
#else
    { "serve", "run the HTTP endpoint without a window", nullptr },
#endif
    { "submit", "request profiles from the terminal",
        &runInTerminal<&ViralSpot::SubmitCommand::run> },
    { "batches", "list the batches with their progress and ETA (--json: one object a line)",
        &runInTerminal<&ViralSpot::BatchesCommand::run> },
    { "repair-duplicates", "report (and with --apply repair) duplicate active queue rows",
        &runInTerminal<&ViralSpot::RepairCommand::run> },
    { "migrate", "bring the schema up to date (--print-sql: show the SQL, run nothing)",
        &runInTerminal<&ViralSpot::MigrateCommand::run> },
};

QByteArray topLevelHelp()
{
    QByteArray help = "Usage: viralspot-admin [COMMAND] [OPTIONS]\n"
                      "Puts Instagram profiles on the ViralSpot scraping queue.\n"
                      "\n"
                      "Commands:\n";
    constexpr int NameWidth = 11; // a longer name gets a line of its own
    for (const Command &command : Commands) {
        const QByteArray name = command.name ? QByteArray(command.name) : "(none)";
        help += "  " + name;
        if (name.size() < NameWidth)
            help += QByteArray(NameWidth - name.size(), ' ');
        else
            help += '\n' + QByteArray(2 + NameWidth, ' ');
        help += QByteArray(command.help) + '\n';
    }
    help += "\n"
            "Common options:\n"
            "  --database URL   sqlite:PATH or postgresql://user[:password]@host[:port]/dbname\n"
            "                   (default: $VIRALSPOT_DATABASE_URL, else a SQLite file in the\n"
            "                   application data folder)\n"
            "  --read-only      nothing is written to the queue (also VIRALSPOT_READ_ONLY=1)\n"
            "  -h, --help       this help; 'viralspot-admin COMMAND --help' for a command\n"
            "  -v, --version    the version\n";
    return help;
}

const Command *findCommand(const char *name)
{
    for (const Command &command : Commands) {
        if (name ? command.name && std::strcmp(command.name, name) == 0 : !command.name)
            return &command;
    }
    return nullptr;
}

} // namespace

int main(int argc, char *argv[])
{
    const char *name = argc > 1 && argv[1][0] != '-' ? argv[1] : nullptr;

    if (name) {
        const Command *command = findCommand(name);
        if (command && command->run)
            return command->run(argc, argv);
        std::fprintf(stderr, "viralspot-admin: unknown command '%s'\n\n%s", name,
            topLevelHelp().constData());
        return ViralSpot::CommandLine::UsageError;
    }

    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(topLevelHelp().constData(), stdout);
            return 0;
        }
        if (std::strcmp(argv[i], "--version") == 0 || std::strcmp(argv[i], "-v") == 0) {
            std::printf("%s %s\n", VIRALSPOT_APP_NAME, VIRALSPOT_VERSION);
            return 0;
        }
    }

    if (const Command *window = findCommand(nullptr); window->run)
        return window->run(argc, argv);
    std::fprintf(stderr, "viralspot-admin: this build has no window (headless).\n\n%s",
        topLevelHelp().constData());
    return ViralSpot::CommandLine::UsageError;
}
