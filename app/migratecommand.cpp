#include "app/migratecommand.h"

#include "app/commandline.h"
#include "core/database.h"
#include "core/databaseconfig.h"
#include "core/schema.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>

#include <cstdio>

namespace ViralSpot::MigrateCommand {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct Messages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::MigrateCommand)
};

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text + QLatin1Char('\n')), stream);
}

const QString PrintSqlOption = QStringLiteral("print-sql");
const QString GrantOption = QStringLiteral("grant");

// Prints the SQL for `config` without changing anything; `given`: the user named a database.
int printSql(const DatabaseConfig &config, bool given, const QString &role)
{
    const bool postgres = config.engine == DatabaseConfig::Engine::PostgreSQL;
    QString out;
    QList<Schema::PlannedStep> steps;
    const QString connection = QStringLiteral("migrate-print");
    int status = CommandLine::Success;
    // Opening a SQLite file that does not exist would create it: plan as for a new one.
    const bool open = given && (postgres || QFileInfo::exists(config.sqlitePath));
    if (!open) {
        out += given
            ? Messages::tr("-- %1 does not exist yet: every step, as for a new SQLite database.\n")
                  .arg(config.sqlitePath)
            : Messages::tr("-- No database given (--database URL or VIRALSPOT_DATABASE_URL): "
                           "every step, as for a new PostgreSQL database.\n-- An existing "
                           "database needs only its missing steps (and an adopted ViralSpot "
                           "table only its missing columns):\n-- give its URL to see exactly "
                           "those.\n");
        steps = Schema::plan(QSqlDatabase(), postgres).steps;
        out += QLatin1Char('\n') + Schema::script(steps, postgres, false);
    } else {
        {
            const ValueResult<QSqlDatabase> opened = Database::open(config, connection);
            if (!opened.ok) {
                print(stderr, opened.error);
                return CommandLine::DatabaseFailure;
            }
            const QSqlDatabase &db = opened.value;
            const Schema::MigrationPlan planned = Schema::plan(db, postgres);
            steps = planned.steps;
            if (!planned.ok) {
                print(stderr, planned.error);
                status = CommandLine::DatabaseFailure;
            } else if (steps.isEmpty()) {
                out +=
                    Messages::tr("-- %1 is at schema version %2, the latest: nothing to migrate.\n")
                        .arg(config.displayUrl())
                        .arg(Schema::currentVersion(db));
            } else {
                out +=
                    Messages::tr("-- %1 is at schema version %2; these steps bring it to %3.\n\n")
                        .arg(config.displayUrl())
                        .arg(Schema::currentVersion(db))
                        .arg(Schema::latestVersion());
                out += Schema::script(steps, postgres,
                    db.tables().contains(QStringLiteral("viralspot_schema_version")));
            }
        }
        Database::close(connection);
    }
    if (status == CommandLine::Success && !role.isEmpty()) {
        out += Messages::tr("-- What the role %1 needs at run time:\n").arg(role);
        for (const QString &grant : Schema::grantStatements(role))
            out += grant + QStringLiteral(";\n");
    }
    std::fputs(qPrintable(out), stdout);
    return status;
}

} // namespace

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Messages::tr(
        "Bring the database schema up to date, for the database owner or a DBA: only the "
        "missing steps run, each in its own transaction. With --print-sql, print the SQL "
        "instead (for review; nothing is run): with a database, only what it is missing; "
        "without one, every step for a new PostgreSQL database.\n"
        "Exit status: 0 done, 1 duplicate active rows block a step (run "
        "'viralspot-admin repair-duplicates --apply' first), 2 the database failed or the "
        "role may not change the schema."));
    parser.addOption({ PrintSqlOption, Messages::tr("Print the SQL instead of running it.") });
    parser.addOption({ GrantOption,
        Messages::tr("Also grant ROLE the rights the app needs at run time (PostgreSQL)."),
        QStringLiteral("role") });
    CommandLine::addCommonOptions(parser);
    int exitCode = 0;
    if (!CommandLine::parse(parser, arguments, &exitCode))
        return exitCode;

    const bool given = parser.isSet(QStringLiteral("database")) ||
        !qEnvironmentVariable("VIRALSPOT_DATABASE_URL").isEmpty();
    const QString url = given ? CommandLine::databaseUrl(parser)
                              : QStringLiteral("postgresql://localhost/viralspot");
    const ValueResult<DatabaseConfig> parsed = DatabaseConfig::fromUrl(url);
    if (!parsed.ok) {
        print(stderr, parsed.error);
        return CommandLine::DatabaseFailure;
    }
    const DatabaseConfig &config = parsed.value;
    const QString role = parser.value(GrantOption);
    if (!role.isEmpty() && config.engine != DatabaseConfig::Engine::PostgreSQL) {
        print(stderr, Messages::tr("--grant is for PostgreSQL: SQLite has no roles."));
        return CommandLine::UsageError;
    }
    if (parser.isSet(PrintSqlOption))
        return printSql(config, given, role);
    if (!given) {
        print(stderr,
            Messages::tr(
                "migrate: give the database with --database URL (or VIRALSPOT_DATABASE_URL), "
                "or use --print-sql to see the SQL for a new one."));
        return CommandLine::UsageError;
    }
    if (CommandLine::readOnly(parser)) {
        print(stderr, Messages::tr("Read-only mode: nothing was migrated."));
        return CommandLine::DatabaseFailure;
    }

    const QString connection = QStringLiteral("migrate");
    int status = CommandLine::Success;
    {
        ValueResult<QSqlDatabase> opened = Database::open(config, connection);
        if (!opened.ok) {
            print(stderr, opened.error);
            return CommandLine::DatabaseFailure;
        }
        QSqlDatabase &db = opened.value;
        const Schema::MigrationResult result = Schema::migrate(db);
        if (!result.ok) {
            print(stderr, result.error);
            status = CommandLine::DatabaseFailure;
        } else if (!result.duplicates.isClean()) {
            print(stderr, Schema::repairRequiredMessage(result.duplicates));
            print(stdout,
                Messages::tr("Schema at version %1 of %2: the next step waits for the repair.")
                    .arg(result.toVersion)
                    .arg(Schema::latestVersion()));
            status = CommandLine::InputProblem;
        } else if (result.toVersion == result.fromVersion) {
            print(stdout,
                Messages::tr("Schema at version %1, the latest: nothing to do.")
                    .arg(result.toVersion));
        } else {
            print(stdout,
                Messages::tr("Schema migrated from version %1 to %2.")
                    .arg(result.fromVersion)
                    .arg(result.toVersion));
        }
        if (status != CommandLine::DatabaseFailure && !role.isEmpty()) {
            QSqlQuery q(db);
            for (const QString &grant : Schema::grantStatements(role)) {
                if (!q.exec(grant)) {
                    print(stderr, Messages::tr("%1 failed: %2").arg(grant, q.lastError().text()));
                    status = CommandLine::DatabaseFailure;
                    break;
                }
                print(stdout, grant + QLatin1Char(';'));
            }
        }
    }
    Database::close(connection);
    return status;
}

} // namespace ViralSpot::MigrateCommand
