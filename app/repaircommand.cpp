#include "app/repaircommand.h"

#include "app/commandline.h"
#include "core/auditlog.h"
#include "core/database.h"
#include "core/databaseconfig.h"
#include "core/schema.h"

#include <QCoreApplication>

#include <cstdio>

namespace ViralSpot::RepairCommand {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct Messages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::RepairCommand)
};

void print(FILE *stream, const QString &text)
{
    std::fputs(qPrintable(text + QLatin1Char('\n')), stream);
}

} // namespace

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Messages::tr("Find usernames with more than one active (PENDING or PROCESSING) queue row. "
                     "With --apply, keep the oldest active row of each and mark the others FAILED, "
                     "with an error message naming the row kept. Nothing is deleted."));
    parser.addOption(
        { QStringLiteral("apply"), Messages::tr("Repair, instead of only reporting.") });
    CommandLine::addCommonOptions(parser);
    int exitCode = 0;
    if (!CommandLine::parse(parser, arguments, &exitCode))
        return exitCode;

    const ValueResult<DatabaseConfig> parsed =
        DatabaseConfig::fromUrl(CommandLine::databaseUrl(parser));
    if (!parsed.ok) {
        print(stderr, parsed.error);
        return CommandLine::DatabaseFailure;
    }
    const DatabaseConfig &config = parsed.value;
    const QString connection = QStringLiteral("repair");
    int status = CommandLine::Success;
    {
        ValueResult<QSqlDatabase> opened = Database::open(config, connection);
        if (!opened.ok) {
            print(stderr, opened.error);
            return CommandLine::DatabaseFailure;
        }
        QSqlDatabase &db = opened.value;
        const Schema::MigrationResult migration = Schema::migrate(db);
        if (!migration.ok) {
            print(stderr, migration.error);
            status = CommandLine::DatabaseFailure;
        } else if (migration.duplicates.isClean()) {
            print(stdout, Messages::tr("No duplicate active rows: nothing to repair."));
        } else if (!parser.isSet(QStringLiteral("apply"))) {
            // The preview: exactly the rows --apply would mark, and the row kept for each.
            const Schema::RepairPreview preview = Schema::previewRepair(db, 0);
            if (!preview.ok)
                print(stderr, Messages::tr("The rows could not be listed: %1").arg(preview.error));
            for (const Schema::DuplicateRow &row : preview.rows) {
                const QStringList columns = Schema::previewColumns(row);
                print(stdout,
                    Messages::tr("would mark FAILED: %1\trow %2\t%3\tcreated %4\tkeeps row %5")
                        .arg(columns[0], columns[1], columns[2], columns[3], columns[4]));
            }
            print(stdout,
                Messages::tr(
                    "%1 usernames have more than one active queue row (%2 extra rows). Run "
                    "'%3' to keep the oldest of each and mark the others FAILED.")
                    .arg(migration.duplicates.usernames)
                    .arg(migration.duplicates.extraRows)
                    .arg(Schema::repairCommand()));
            status = CommandLine::InputProblem;
        } else if (CommandLine::readOnly(parser)) {
            print(stderr, Messages::tr("Read-only mode: nothing was repaired."));
            status = CommandLine::DatabaseFailure;
        } else {
            const Schema::RepairResult repair = Schema::repairDuplicates(db);
            if (repair.ok) {
                AuditEntry entry =
                    AuditEntry::forOrigin(QStringLiteral("terminal"), QStringLiteral("repair"));
                entry.total = repair.rowsMarkedFailed;
                entry.details.insert(QStringLiteral("usernames"), repair.usernames);
                entry.details.insert(QStringLiteral("rows_marked_failed"), repair.rowsMarkedFailed);
                if (const Result audited = AuditLog::record(db, entry); !audited.ok)
                    print(stderr,
                        Messages::tr("The audit log could not be written: %1").arg(audited.error));
            }
            if (!repair.ok) {
                print(stderr, Messages::tr("The repair failed: %1").arg(repair.error));
                status = CommandLine::DatabaseFailure;
            } else {
                print(stdout,
                    Messages::tr(
                        "Repaired %1 usernames: %2 rows marked FAILED, the oldest active row of "
                        "each kept.")
                        .arg(repair.usernames)
                        .arg(repair.rowsMarkedFailed));
            }
        }
    }
    Database::close(connection);
    return status;
}

} // namespace ViralSpot::RepairCommand
