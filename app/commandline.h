#pragma once

#include <QCommandLineParser>
#include <QStringList>

namespace ViralSpot::CommandLine {

// Exit statuses shared by every subcommand (contract: Command line).
enum ExitCode
{
    Success = 0,
    InputProblem = 1,
    DatabaseFailure = 2,
    SomeFailed = 3, // submit --wait: some profiles failed (or their queue row was deleted)
    UsageError = 64
};

// Adds --database, --read-only, --help and --version to a subcommand's parser.
void addCommonOptions(QCommandLineParser &parser);

// Read-only mode (for people who only watch): --read-only, or VIRALSPOT_READ_ONLY=1.
bool readOnly(const QCommandLineParser &parser);

// The --database option of a parser set up by addCommonOptions(), resolved with
// $VIRALSPOT_DATABASE_URL and the default SQLite file.
QString databaseUrl(const QCommandLineParser &parser);

// The database the user named: --database, else $VIRALSPOT_DATABASE_URL, else empty (the
// window then opens the database of its settings, not the default file).
QString givenDatabaseUrl(const QCommandLineParser &parser);

// Parses `arguments` (program name first, subcommand already removed). Handles --help and
// --version itself; returns false with *exitCode set when the caller should exit.
bool parse(QCommandLineParser &parser, const QStringList &arguments, int *exitCode);

} // namespace ViralSpot::CommandLine
