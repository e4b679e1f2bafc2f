#include "app/commandline.h"

#include "core/databaseconfig.h"
#include "core/readonlymode.h"
#include "core/version.h"

#include <QCoreApplication>

#include <cstdio>

namespace ViralSpot::CommandLine {

namespace {
const QString DatabaseOption = QStringLiteral("database");
const QString ReadOnlyOption = QStringLiteral("read-only");
} // namespace

void addCommonOptions(QCommandLineParser &parser)
{
    parser.addOption({ DatabaseOption,
        QCoreApplication::translate("CommandLine",
            "Database URL: sqlite:PATH or postgresql://user@host[:port]/dbname "
            "(default: $VIRALSPOT_DATABASE_URL, else a SQLite file in the "
            "application data folder)."),
        QStringLiteral("url") });
    parser.addOption({ ReadOnlyOption,
        QCoreApplication::translate("CommandLine",
            "Read-only mode: nothing is written to the queue (also "
            "VIRALSPOT_READ_ONLY=1).") });
    parser.addHelpOption();
    parser.addVersionOption();
}

bool readOnly(const QCommandLineParser &parser)
{
    return parser.isSet(ReadOnlyOption) || ReadOnlyMode::requestedByEnvironment();
}

QString databaseUrl(const QCommandLineParser &parser)
{
    return DatabaseConfig::resolveUrl(parser.value(DatabaseOption));
}

QString givenDatabaseUrl(const QCommandLineParser &parser)
{
    const QString given = parser.value(DatabaseOption);
    return given.isEmpty() ? qEnvironmentVariable("VIRALSPOT_DATABASE_URL") : given;
}

bool parse(QCommandLineParser &parser, const QStringList &arguments, int *exitCode)
{
    if (!parser.parse(arguments)) {
        std::fprintf(stderr, "%s\n%s\n", qPrintable(parser.errorText()),
            qPrintable(QCoreApplication::translate("CommandLine", "Try '%1 --help'.")
                           .arg(arguments.value(0))));
        *exitCode = UsageError;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        *exitCode = Success;
        return false;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        std::printf("%s %s\n", VIRALSPOT_APP_NAME, VIRALSPOT_VERSION);
        *exitCode = Success;
        return false;
    }
    return true;
}

} // namespace ViralSpot::CommandLine
