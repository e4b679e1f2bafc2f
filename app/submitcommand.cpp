#include "app/submitcommand.h"

#include "app/commandline.h"
#include "core/auditlog.h"
#include "core/batches/batches.h"
#include "core/bulkparser.h"
#include "core/databaseconfig.h"
#include "core/ids.h"
#include "core/requestservice.h"
#include "core/username.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <unistd.h>

namespace ViralSpot::SubmitCommand {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct Messages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::SubmitCommand)
};

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

// Counts per outcome, the audit entry and the exit status over every piece of a submission.
class Tally
{
public:
    void add(const QList<RequestResult> &results)
    {
        for (const RequestResult &r : results) {
            ++m_counts[int(r.outcome)];
            ++m_total;
            if (r.outcome == Outcome::Error && m_firstError.isEmpty()) {
                m_firstError = r.message;
                m_firstErrorKind = r.errorKind;
            }
            if (r.outcome == Outcome::Queued || r.outcome == Outcome::AlreadyQueued ||
                r.outcome == Outcome::AlreadyProcessed)
                m_reached = true;
        }
        // The audit entry as AuditLog::submissionEntry() makes it for the whole submission:
        // counts summed, the first MaxUsernames usernames.
        const AuditEntry piece = AuditLog::submissionEntry(QStringLiteral("terminal"), results);
        if (m_audit.action.isEmpty())
            m_audit = AuditEntry::forOrigin(piece.origin, piece.action);
        for (auto it = piece.details.constBegin(); it != piece.details.constEnd(); ++it)
            m_audit.details.insert(
                it.key(), m_audit.details.value(it.key()).toInt() + it.value().toInt());
        for (const QString &username : piece.usernames) {
            if (m_audit.usernames.size() >= AuditLog::MaxUsernames)
                break;
            m_audit.usernames << username;
        }
        m_audit.total += piece.total;
    }

    int count(Outcome outcome) const { return m_counts[int(outcome)]; }
    int total() const { return m_total; }
    int invalid() const { return count(Outcome::Invalid); }
    int errors() const { return count(Outcome::Error) + count(Outcome::Cancelled); }
    bool reached() const { return m_reached; }
    const AuditEntry &audit() const { return m_audit; }
    const QString &firstError() const { return m_firstError; }
    ErrorKind firstErrorKind() const { return m_firstErrorKind; }

private:
    int m_counts[int(Outcome::Cancelled) + 1] = {};
    int m_total = 0;
    bool m_reached = false;
    QString m_firstError;
    ErrorKind m_firstErrorKind = ErrorKind::None;
    AuditEntry m_audit;
};

void printResults(const QList<RequestResult> &results, bool json)
{
    QString out;
    for (const RequestResult &r : results) {
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
    // Each piece's lines are out before the next piece is read: the first results show at once.
    std::fflush(stdout);
}

// How many usernames a piece of standard input holds at most (about: a piece ends at a line
// break). VIRALSPOT_SUBMIT_CHUNK_LINES changes it (tests cross several pieces with little input).
int piecesLines()
{
    bool ok = false;
    const int lines = qEnvironmentVariableIntValue("VIRALSPOT_SUBMIT_CHUNK_LINES", &ok);
    return ok && lines > 0 ? lines : 10000;
}

// --wait's poll interval: VIRALSPOT_WAIT_INTERVAL_MS (tests), default one second.
int waitIntervalMs()
{
    bool ok = false;
    const int ms = qEnvironmentVariableIntValue("VIRALSPOT_WAIT_INTERVAL_MS", &ok);
    return ok && ms > 0 ? ms : 1000;
}

QString etaText(const BatchSummary &batch)
{
    if (batch.counts.done())
        return Messages::tr("done");
    if (!batch.eta)
        return batch.etaWhy.isEmpty() ? Messages::tr("ETA unknown")
                                      : Messages::tr("ETA unknown (%1)").arg(batch.etaWhy);
    const QDateTime earliest = batch.eta->earliest.toLocalTime();
    if (batch.eta->aheadAtLeast) {
        const bool today = earliest.date() == QDate::currentDate();
        return Messages::tr("ETA after %1 (more than %2 rows ahead)")
            .arg(earliest.toString(
                today ? QStringLiteral("HH:mm") : QStringLiteral("yyyy-MM-dd HH:mm")))
            .arg(batch.eta->ahead);
    }
    const QDateTime latest = batch.eta->latest.toLocalTime();
    const bool today = latest.date() == QDate::currentDate();
    const QString format = today ? QStringLiteral("HH:mm") : QStringLiteral("yyyy-MM-dd HH:mm");
    return Messages::tr("ETA %1 - %2").arg(earliest.toString(format), latest.toString(format));
}

QString progressLine(const BatchSummary &batch)
{
    const BatchCounts &c = batch.counts;
    const int percent = c.total > 0 ? int(qint64(c.finished()) * 100 / c.total) : 100;
    // "~": a big batch's counts estimated from a sample (Counting::estimated()).
    return (c.estimated ? QStringLiteral("~") : QString()) +
        Messages::tr("%1%: %2 of %3 finished (%4 processed, %5 failed, %6 gone); "
                     "%7 processing, %8 waiting, %9 paused; %10")
            .arg(percent)
            .arg(c.finished())
            .arg(c.total)
            .arg(c.processed)
            .arg(c.failed)
            .arg(c.gone)
            .arg(c.processing)
            .arg(c.waiting)
            .arg(c.paused)
            .arg(etaText(batch));
}

// --wait: follows the batch until every item is processed, failed or gone, with a progress
// line on standard error (rewritten in place on a terminal, a plain line every few seconds
// otherwise). Polled as the window's refreshes are (Counting::estimated(): a big batch's counts
// from a sample, its place counted up to a cap), and read exactly once done, for the final line
// and the exit status. Returns the exit status: Success when every item was processed, SomeFailed
// when some failed or their row was deleted, DatabaseFailure when the database stayed unreachable.
int follow(RequestService &service, const QString &batchId)
{
    const bool terminal = ::isatty(::fileno(stderr)) == 1;
    const int interval = waitIntervalMs();
    constexpr qint64 PlainLineEveryMs = 5000;
    constexpr qint64 GiveUpAfterMs = 60000; // the database unreachable this long: stop waiting
    QElapsedTimer sincePlainLine;
    QElapsedTimer sinceReached;
    sinceReached.start();
    QString lastPlain;
    int lastWidth = 0;
    for (;;) {
        ValueResult<QSqlDatabase> db = service.database();
        BatchDetail detail;
        if (db.ok) {
            detail = Batches::detail(
                db.value, batchId, QDateTime::currentDateTimeUtc(), Counting::estimated());
            if (detail.ok && detail.found && detail.summary.counts.done() &&
                detail.summary.counts.estimated)
                detail = Batches::detail(db.value, batchId);
        } else
            detail.error = db.error;
        if (!detail.ok) {
            if (sinceReached.elapsed() >= GiveUpAfterMs) {
                if (terminal && lastWidth > 0)
                    writeErr(QStringLiteral("\n"));
                writeErr(Messages::tr("submit: stopped waiting: the database is not available: "
                                      "%1\n")
                             .arg(detail.error));
                return CommandLine::DatabaseFailure;
            }
            QThread::msleep(ulong(interval));
            continue;
        }
        sinceReached.restart();
        if (!detail.found) {
            writeErr(Messages::tr("submit: the batch %1 is not in the database.\n").arg(batchId));
            return CommandLine::DatabaseFailure;
        }
        const BatchSummary &batch = detail.summary;
        const bool done = batch.counts.done();
        const QString line = progressLine(batch);
        if (terminal) {
            // \r and the line, padded over what the previous one left.
            writeErr(QLatin1Char('\r') + line +
                QString(qMax(0, lastWidth - int(line.size())), QLatin1Char(' ')) +
                (done ? QStringLiteral("\n") : QString()));
            lastWidth = int(line.size());
        } else if (done ||
            (line != lastPlain &&
                (!sincePlainLine.isValid() || sincePlainLine.elapsed() >= PlainLineEveryMs))) {
            writeErr(line + QLatin1Char('\n'));
            lastPlain = line;
            sincePlainLine.start();
        }
        std::fflush(stderr);
        if (done)
            return batch.counts.processed == batch.counts.total ? int(CommandLine::Success)
                                                                : int(CommandLine::SomeFailed);
        QThread::msleep(ulong(interval));
    }
}

} // namespace

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(Messages::tr(
        "Request processing of Instagram profiles: queue each at HIGH priority unless it "
        "is already processed or already waiting. Every submission is recorded as a batch "
        "(see 'viralspot-admin batches').\n"
        "Usernames may be given as name, @name or a profile URL. Use - to read a list "
        "(new lines, commas, semicolons, tabs or spaces; CSV with a username column) "
        "from standard input; it is read, committed and printed piece by piece.\n"
        "Exit status: 0 every input handled (with --wait: and every profile processed), "
        "1 some input invalid, 2 the database failed, 3 with --wait: some profiles failed "
        "(or their queue row was deleted). When several apply, the first of 2, 1, 3 wins."));
    parser.addOption({ QStringLiteral("source"),
        Messages::tr("Where the request comes from (default: frontend)."), QStringLiteral("source"),
        Username::DefaultSource.toString() });
    parser.addOption({ QStringLiteral("json"),
        Messages::tr("One JSON object per input on standard output, nothing else.") });
    parser.addOption({ QStringLiteral("csv"), Messages::tr("Read standard input as CSV.") });
    parser.addOption({ QStringLiteral("batch-name"),
        Messages::tr("The batch's name (default: the source and the time)."),
        QStringLiteral("name") });
    parser.addOption({ QStringLiteral("wait"),
        Messages::tr("Follow the batch until every profile is processed or failed, with its "
                     "progress on standard error.") });
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
    const bool wait = parser.isSet(QStringLiteral("wait"));
    const QString source = parser.value(QStringLiteral("source"));
    const bool fromStandardInput = positional == QStringList { QStringLiteral("-") };

    // Standard input in pieces (constant memory); arguments as one piece (each argument is one
    // input line, and may itself hold a list: "a b,c").
    QFile in;
    QBuffer argumentsText;
    if (fromStandardInput) {
        if (!in.open(STDIN_FILENO, QIODevice::ReadOnly)) {
            writeErr(Messages::tr("submit: standard input cannot be read.\n"));
            return CommandLine::InputProblem;
        }
    } else {
        argumentsText.setData(positional.join(QLatin1Char('\n')).toUtf8());
        argumentsText.open(QIODevice::ReadOnly);
    }
    const BulkParser::Format format = !fromStandardInput ? BulkParser::Format::Text
        : parser.isSet(QStringLiteral("csv"))            ? BulkParser::Format::Csv
                                                         : BulkParser::Format::Auto;
    BulkChunkReader reader(fromStandardInput ? static_cast<QIODevice *>(&in) : &argumentsText,
        format, fromStandardInput ? piecesLines() : std::numeric_limits<int>::max());

    const ValueResult<DatabaseConfig> parsedUrl =
        DatabaseConfig::fromUrl(CommandLine::databaseUrl(parser));
    const QString &error = parsedUrl.error;
    const DatabaseConfig &config = parsedUrl.value;
    std::optional<RequestService> service;
    if (parsedUrl.ok)
        service.emplace(config, QStringLiteral("submit"));

    NewBatch batch;
    batch.id = Ids::uuidV7();
    batch.name = parser.value(QStringLiteral("batch-name"));
    batch.source = source;
    batch.origin = QStringLiteral("terminal");
    batch.submittedBy = AuditLog::currentOsUser();
    bool batchRecorded = false;

    Tally tally;
    BulkParseResult piece;
    while (reader.next(&piece)) {
        QList<RequestResult> results;
        if (!service) {
            // No database to talk to: every input that would have reached it is an error.
            results.reserve(piece.entries.size());
            for (const BulkEntry &entry : std::as_const(piece.entries)) {
                RequestResult r;
                r.input = entry.input;
                r.username = entry.username;
                r.line = entry.line;
                r.outcome =
                    entry.status == BulkEntry::Status::Invalid ? Outcome::Invalid : Outcome::Error;
                r.message = entry.status == BulkEntry::Status::Invalid ? entry.error : error;
                results.append(r);
            }
        } else {
            // One transaction per piece: the piece's queue rows and its batch items commit
            // together. The first piece that commits creates the batch; later ones append.
            BatchOptions options;
            options.chunkSize = qMax(options.chunkSize, int(piece.entries.size()));
            batch.appendToExisting = batchRecorded;
            options.record = batch;
            results = service->requestBulk(piece, source, options);
            const bool failed = std::any_of(results.cbegin(), results.cend(),
                [](const RequestResult &r) { return r.outcome == Outcome::Error; });
            if (!failed)
                batchRecorded = true;
        }
        batch.firstPosition += int(piece.entries.size());
        tally.add(results);
        printResults(results, json);
        piece = {};
    }

    // The audit trail: who submitted what from the terminal. A failure to record it does not
    // undo the requests; it is reported.
    if (service && tally.reached()) {
        ValueResult<QSqlDatabase> db = service->database();
        const Result audited =
            db.ok ? AuditLog::record(db.value, tally.audit()) : Result::failure(db.error);
        if (!audited.ok)
            writeErr(Messages::tr("submit: the audit log could not be written: %1\n")
                         .arg(audited.error));
    }

    const int invalid = tally.invalid();
    const int errors = tally.errors();
    if (!json) {
        writeOut(Messages::tr("%1 inputs: %2 queued, %3 already processed, %4 already queued, "
                              "%5 duplicate in batch, %6 invalid, %7 errors\n")
                     .arg(tally.total())
                     .arg(tally.count(Outcome::Queued))
                     .arg(tally.count(Outcome::AlreadyProcessed))
                     .arg(tally.count(Outcome::AlreadyQueued))
                     .arg(tally.count(Outcome::DuplicateInBatch))
                     .arg(invalid)
                     .arg(errors));
    }
    std::fflush(stdout);
    if (errors > 0) {
        // What to do when the database refuses for a reason the user can fix (duplicates
        // to repair, a grant or a migration missing) goes to standard error in --json mode
        // too: those lines are the only place a script's operator would see it.
        const bool actionable = tally.firstErrorKind() == ErrorKind::RepairRequired ||
            tally.firstErrorKind() == ErrorKind::SetupRequired;
        if (!json || actionable)
            writeErr(Messages::tr("submit: %1\n").arg(tally.firstError()));
        // The database failed at submission: no batch to follow (exit 2 before all else).
        return CommandLine::DatabaseFailure;
    }
    int status = invalid > 0 ? CommandLine::InputProblem : CommandLine::Success;
    if (wait && service) {
        writeErr(Messages::tr("submit: batch %1, waiting for it to finish\n").arg(batch.id));
        const int followed = follow(*service, batch.id);
        // 2 (the database was lost while waiting) before 1 (invalid input) before 3.
        if (followed == CommandLine::DatabaseFailure || status == CommandLine::Success)
            status = followed;
    }
    return status;
}

} // namespace ViralSpot::SubmitCommand
