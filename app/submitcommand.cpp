#include "app/submitcommand.h"

#include "app/commandline.h"
#include "core/auditlog.h"
#include "core/bulkparser.h"
#include "core/databaseconfig.h"
#include "core/requestservice.h"
#include "core/username.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <algorithm>
#include <cstdio>

namespace ViralSpot::SubmitCommand {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct Messages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::SubmitCommand)
};

QByteArray readStandardInput()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    return in.readAll();
}

void writeOut(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
}

void writeErr(const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stderr);
}

} // namespace

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Messages::tr(
        "Request processing of Instagram profiles: queue each at HIGH priority unless it "
        "is already processed or already waiting.\n"
        "Usernames may be given as name, @name or a profile URL. Use - to read a list "
        "(new lines, commas, semicolons, tabs or spaces; CSV with a username column) "
        "from standard input.\n"
        "Exit status: 0 every input handled, 1 some input invalid, 2 the database "
        "failed."));
    parser.addOption({ QStringLiteral("source"),
        Messages::tr("Where the request comes from (default: frontend)."), QStringLiteral("source"),
        Username::DefaultSource.toString() });
    parser.addOption({ QStringLiteral("json"),
        Messages::tr("One JSON object per input on standard output, nothing else.") });
    parser.addOption({ QStringLiteral("csv"), Messages::tr("Read standard input as CSV.") });
    CommandLine::addCommonOptions(parser);
    parser.addPositionalArgument(QStringLiteral("usernames"),
        Messages::tr("Usernames or profile URLs, or - for standard input."),
        QStringLiteral("(USERNAME... | -)"));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);

    int exitCode = 0;
    if (!CommandLine::parse(parser, arguments, &exitCode))
        return exitCode;

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        writeErr(Messages::tr("submit: give one or more usernames, or - to read them from standard "
                              "input.\nTry 'viralspot-admin submit --help'.\n"));
        return CommandLine::UsageError;
    }
    if (CommandLine::readOnly(parser)) {
        writeErr(Messages::tr("submit: read-only mode: nothing was submitted.\n"));
        return CommandLine::DatabaseFailure;
    }
    const bool json = parser.isSet(QStringLiteral("json"));
    const QString source = parser.value(QStringLiteral("source"));

    BulkParseResult parsed;
    if (positional == QStringList { QStringLiteral("-") }) {
        const QString text = QString::fromUtf8(readStandardInput());
        parsed = BulkParser::parse(text,
            parser.isSet(QStringLiteral("csv")) ? BulkParser::Format::Csv
                                                : BulkParser::Format::Auto);
    } else {
        // Each argument is one input line; an argument may itself hold a list ("a b,c").
        parsed = BulkParser::parse(positional.join(QLatin1Char('\n')), BulkParser::Format::Text);
    }

    const ValueResult<DatabaseConfig> parsedUrl =
        DatabaseConfig::fromUrl(CommandLine::databaseUrl(parser));
    const DatabaseConfig &config = parsedUrl.value;
    QList<RequestResult> results;
    if (!parsedUrl.ok) {
        // No database to talk to: every input that would have reached it is an error.
        results.reserve(parsed.entries.size());
        for (const BulkEntry &entry : parsed.entries) {
            RequestResult r;
            r.input = entry.input;
            r.username = entry.username;
            r.line = entry.line;
            r.outcome =
                entry.status == BulkEntry::Status::Invalid ? Outcome::Invalid : Outcome::Error;
            r.message = entry.status == BulkEntry::Status::Invalid ? entry.error : parsedUrl.error;
            results.append(r);
        }
    } else {
        RequestService service(config, QStringLiteral("submit"));
        results = service.requestBulk(parsed, source);
        // The audit trail: who submitted what from the terminal. A failure to record it does
        // not undo the requests; it is reported.
        if (const Result audited =
                AuditLog::recordSubmission(service, QStringLiteral("terminal"), results);
            !audited.ok)
            writeErr(Messages::tr("submit: the audit log could not be written: %1\n")
                         .arg(audited.error));
    }

    int counts[int(Outcome::Cancelled) + 1] = {};
    QString out;
    for (const RequestResult &r : results) {
        ++counts[int(r.outcome)];
        if (json) {
            const QJsonObject line { { QStringLiteral("input"), r.input },
                { QStringLiteral("username"), r.username },
                { QStringLiteral("outcome"), outcomeName(r.outcome) },
                { QStringLiteral("message"), r.message } };
            out += QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact)) +
                QLatin1Char('\n');
        } else {
            out += QStringLiteral("%1\t%2\t%3\n").arg(r.input, outcomeName(r.outcome), r.message);
        }
        if (out.size() > 1 << 16) {
            writeOut(out);
            out.clear();
        }
    }
    writeOut(out);

    const int invalid = counts[int(Outcome::Invalid)];
    const int errors = counts[int(Outcome::Error)] + counts[int(Outcome::Cancelled)];
    if (!json) {
        writeOut(Messages::tr("%1 inputs: %2 queued, %3 already processed, %4 already queued, "
                              "%5 duplicate in batch, %6 invalid, %7 errors\n")
                     .arg(results.size())
                     .arg(counts[int(Outcome::Queued)])
                     .arg(counts[int(Outcome::AlreadyProcessed)])
                     .arg(counts[int(Outcome::AlreadyQueued)])
                     .arg(counts[int(Outcome::DuplicateInBatch)])
                     .arg(invalid)
                     .arg(errors));
    }
    std::fflush(stdout);
    if (errors > 0) {
        for (const RequestResult &r : results) {
            if (r.outcome != Outcome::Error)
                continue;
            // What to do when the database refuses for a reason the user can fix (duplicates
            // to repair, a grant or a migration missing) goes to standard error in --json mode
            // too: those lines are the only place a script's operator would see it.
            const bool actionable =
                r.errorKind == ErrorKind::RepairRequired || r.errorKind == ErrorKind::SetupRequired;
            if (!json || actionable)
                writeErr(Messages::tr("submit: %1\n").arg(r.message));
            break;
        }
        return CommandLine::DatabaseFailure;
    }
    return invalid > 0 ? CommandLine::InputProblem : CommandLine::Success;
}

} // namespace ViralSpot::SubmitCommand
