#include "app/batchescommand.h"

#include "app/commandline.h"
#include "core/batches/batches.h"
#include "core/batchjson.h"
#include "core/databaseconfig.h"
#include "core/requestservice.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <cstdio>

namespace ViralSpot::BatchesCommand {

namespace {

// The translation context of this file's messages (as lupdate files them).
struct Messages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::BatchesCommand)
};

void write(FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
}

QString etaColumn(const BatchSummary &batch)
{
    if (batch.counts.done())
        return Messages::tr("done");
    if (!batch.eta)
        return Messages::tr("unknown");
    return QStringLiteral("%1 - %2").arg(
        BatchJson::isoUtc(batch.eta->earliest), BatchJson::isoUtc(batch.eta->latest));
}

} // namespace

int run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        Messages::tr("List the batches (every bulk submission: window, submit, POST /api/batches), "
                     "newest first, with where their profiles are now and when the rest should "
                     "be done."));
    parser.addOption({ QStringLiteral("json"),
        Messages::tr("One JSON object per batch on standard output (the fields of GET "
                     "/api/batches/{id}), nothing else.") });
    parser.addOption(
        { QStringLiteral("limit"), Messages::tr("How many batches, newest first (default: 50)."),
            QStringLiteral("n"), QStringLiteral("50") });
    parser.addOption({ QStringLiteral("search"),
        Messages::tr("Only batches whose name holds this text."), QStringLiteral("text") });
    CommandLine::addCommonOptions(parser);
    int exitCode = 0;
    if (!CommandLine::parse(parser, arguments, &exitCode))
        return exitCode;
    if (!parser.positionalArguments().isEmpty()) {
        write(stderr,
            Messages::tr("batches: unexpected argument '%1'.\nTry 'viralspot-admin batches "
                         "--help'.\n")
                .arg(parser.positionalArguments().constFirst()));
        return CommandLine::UsageError;
    }
    bool limitOk = false;
    const int limit = parser.value(QStringLiteral("limit")).toInt(&limitOk);
    if (!limitOk || limit < 1) {
        write(stderr, Messages::tr("batches: --limit takes a number above 0.\n"));
        return CommandLine::UsageError;
    }
    const bool json = parser.isSet(QStringLiteral("json"));

    const ValueResult<DatabaseConfig> config =
        DatabaseConfig::fromUrl(CommandLine::databaseUrl(parser));
    if (!config.ok) {
        write(stderr, Messages::tr("batches: %1\n").arg(config.error));
        return CommandLine::DatabaseFailure;
    }
    RequestService service(config.value, QStringLiteral("batches"));
    if (const Result opened = service.open(); !opened.ok) {
        write(stderr, Messages::tr("batches: %1\n").arg(opened.error));
        return CommandLine::DatabaseFailure;
    }
    QSqlDatabase db = service.database().value;
    const BatchList list = Batches::list(db, parser.value(QStringLiteral("search")), limit);
    if (!list.ok) {
        write(stderr, Messages::tr("batches: %1\n").arg(list.error));
        return CommandLine::DatabaseFailure;
    }
    QString out;
    if (!json && !list.batches.isEmpty())
        out += Messages::tr("id\tcreated\tname\ttotal\tprocessed\tprocessing\twaiting\tfailed\t"
                            "paused\tgone\teta\n");
    for (const BatchSummary &batch : list.batches) {
        if (json) {
            out += QString::fromUtf8(
                       QJsonDocument(BatchJson::summary(batch)).toJson(QJsonDocument::Compact)) +
                QLatin1Char('\n');
            continue;
        }
        const BatchCounts &c = batch.counts;
        out += QStringLiteral("%1\t%2\t%3\t%4\t%5\t%6\t%7\t%8\t%9\t%10\t%11\n")
                   .arg(batch.id, BatchJson::isoUtc(batch.createdAt), batch.name)
                   .arg(c.total)
                   .arg(c.processed)
                   .arg(c.processing)
                   .arg(c.waiting)
                   .arg(c.failed)
                   .arg(c.paused)
                   .arg(c.gone)
                   .arg(etaColumn(batch));
    }
    if (!json && list.batches.isEmpty())
        out += Messages::tr("No batches yet.\n");
    write(stdout, out);
    std::fflush(stdout);
    return CommandLine::Success;
}

} // namespace ViralSpot::BatchesCommand
