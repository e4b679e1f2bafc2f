// Benchmark (not a test): the window's import of a usernames file, through the Bulk tab's
// widget-free state (BulkSession over a DatabaseSession, as the window runs them), on a fresh
// SQLite file or the database given. Prints the time and the process's peak resident memory
// (VmHWM), so the figures of docs/benchmarks.md §7 can be made again:
//   bench_fileimport FILE [--mode stream|text] [--database URL] [--piece N]
// stream: the file is streamed (read, requested and recorded piece by piece: the import of a
// file above BulkSession::streamThreshold()). text: the file is read whole and submitted like
// a paste (what the window did with every imported file before), for comparison.

#include "ui/bulk/bulksession.h"
#include "ui/bulkresultmodel.h"
#include "ui/databasesession.h"
#include "ui/secretstore.h"
#include "ui/settings.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace ViralSpot;

namespace {

qint64 statusKb(const char *field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').constFirst().toLongLong();
    }
    return -1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ViralSpotBench"));
    QCoreApplication::setApplicationName(
        QStringLiteral("bench-fileimport-%1").arg(QCoreApplication::applicationPid()));
    qputenv("VIRALSPOT_NO_KEYCHAIN", "1");

    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("usernames file"));
    parser.addOption({ QStringLiteral("mode"), QStringLiteral("stream or text"),
        QStringLiteral("mode"), QStringLiteral("stream") });
    parser.addOption({ QStringLiteral("database"),
        QStringLiteral("database URL (default: a new "
                       "SQLite file)"),
        QStringLiteral("url") });
    parser.addOption({ QStringLiteral("piece"), QStringLiteral("lines per piece"),
        QStringLiteral("n"), QStringLiteral("10000") });
    parser.process(app);
    if (parser.positionalArguments().size() != 1)
        parser.showHelp(2);
    const QString path = parser.positionalArguments().constFirst();
    const bool stream = parser.value(QStringLiteral("mode")) != QLatin1String("text");

    QTemporaryDir dir;
    QString url = parser.value(QStringLiteral("database"));
    if (url.isEmpty())
        url = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("bench.sqlite"));
    const ValueResult<DatabaseConfig> config = DatabaseConfig::fromUrl(url);
    if (!config.ok) {
        std::fprintf(stderr, "%s\n", qPrintable(config.error));
        return 2;
    }

    Ui::Settings settings;
    settings.setValue(
        Ui::Settings::Key::BatchChunkSize, parser.value(QStringLiteral("piece")).toInt());
    Ui::SecretStore secrets;
    Ui::DatabaseSession session(&settings, &secrets);
    Ui::BulkSession bulk(&session, settings, false);
    session.open(config.value);

    QElapsedTimer clock;
    qint64 firstProgressMs = -1;
    qint64 peakDuringKb = 0;
    int exitCode = 0;
    QObject::connect(&bulk, &Ui::BulkSession::streamProgressed, &app, [&] {
        if (firstProgressMs < 0)
            firstProgressMs = clock.elapsed();
    });
    QObject::connect(&bulk, &Ui::BulkSession::batchFinished, &app, [&] {
        const qint64 ms = clock.elapsed();
        const qint64 rows = bulk.model()->rowCount();
        const Ui::FileImportProgress &p = bulk.streamProgress();
        std::printf("mode=%s file=%s bytes=%lld\n", stream ? "stream" : "text", qPrintable(path),
            qlonglong(QFile(path).size()));
        std::printf(
            "elapsed_ms=%lld first_results_ms=%lld\n", qlonglong(ms), qlonglong(firstProgressMs));
        if (stream)
            std::printf("lines=%d inputs=%d queued=%d invalid=%d duplicates=%d errors=%d\n",
                p.lines, p.inputs, p.count(Outcome::Queued), p.count(Outcome::Invalid),
                p.count(Outcome::DuplicateInBatch), p.failedInputs);
        else
            std::printf("rows=%lld queued=%d invalid=%d duplicates=%d errors=%d\n", qlonglong(rows),
                bulk.model()->count(Outcome::Queued), bulk.model()->count(Outcome::Invalid),
                bulk.model()->count(Outcome::DuplicateInBatch),
                bulk.model()->count(Outcome::Error));
        std::printf("model_rows=%lld peak_rss_kb=%lld rss_now_kb=%lld\n", qlonglong(rows),
            qlonglong(statusKb("VmHWM:")), qlonglong(statusKb("VmRSS:")));
        std::fflush(stdout);
        exitCode = (stream ? p.failedInputs : bulk.model()->count(Outcome::Error)) > 0 ? 1 : 0;
        app.quit();
    });
    QTimer sampler; // the peak while it runs, for the record (VmHWM keeps the maximum anyway)
    QObject::connect(&sampler, &QTimer::timeout, &app,
        [&] { peakDuringKb = qMax(peakDuringKb, statusKb("VmRSS:")); });
    sampler.start(200);

    QObject::connect(&session, &Ui::DatabaseSession::connectionChanged, &app,
        [&](bool connected, const QString &error) {
            if (clock.isValid())
                return;
            if (!connected) {
                std::fprintf(stderr, "cannot connect: %s\n", qPrintable(error));
                app.exit(2);
                return;
            }
            std::printf("rss_before_kb=%lld\n", qlonglong(statusKb("VmRSS:")));
            clock.start();
            if (stream) {
                bulk.setStreamFile(path, BulkParser::formatForFileName(path));
                bulk.submit(QStringLiteral("bench"));
            } else {
                QFile file(path);
                if (!file.open(QIODevice::ReadOnly)) {
                    app.exit(2);
                    return;
                }
                const QString text = QString::fromUtf8(file.readAll());
                bulk.setTextSource([text](Ui::BulkSession::TextReady done) { done(text); });
                bulk.textChanged();
                bulk.submit(QStringLiteral("bench")); // after the parse
            }
        });
    return app.exec() == 0 ? exitCode : 2;
}
