// Benchmark (not a test): one 100,000-username batch through RequestService::requestBulk on a
// fresh SQLite file and on PostgreSQL, beside the engine's own fastest bulk path for the same
// rows into a same-schema copy of `queue` without the one-active-row index (SQLite: sqlite3
// .import then INSERT ... SELECT; PostgreSQL: psql \copy), measured in the same run.
//
// The batch: 10% already processed, 10% already queued, 5% invalid, 5% repeated inside the
// batch, the rest new. Usage:
//   bench_requests [--lines N] [--engine sqlite|postgresql|both] [--chunk N] [--record]
// --record: the batch is recorded (BatchOptions::record: the batch row and one item per input,
// in each chunk's transaction); compare with a run without it.
// PostgreSQL needs VIRALSPOT_TEST_PG_URL (an admin URL); scripts/bench-core.sh sets it.

#include "core/bulkparser.h"
#include "core/database.h"
#include "core/ids.h"
#include "core/requestservice.h"
#include "core/schema.h"
#include "core/sqlitecheckpointer.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>

#include <cstdio>

using namespace ViralSpot;

namespace {

struct Figures
{
    QString engine;
    int lines = 0;
    double parseMs = 0;
    double submitMs = 0;
    double baselineMs = 0;
    int queued = 0;
    int processed = 0;
    int alreadyQueued = 0;
    int invalid = 0;
    int duplicates = 0;
    int errors = 0;
    bool record = false;
    qint64 items = -1; // recorded items, read back after the run
    double closeMs = 0; // closing the connection: the last one checkpoints and removes the WAL
    SqliteCheckpointer::Statistics checkpoints; // during the run and the close (SQLite)
};

// Lines of the batch; `processed` and `waiting` are seeded before the run.
void makeBatch(int lines, QStringList *batch, QStringList *processed, QStringList *waiting)
{
    for (int i = 0; i < lines; ++i) {
        const int kind = i % 20;
        if (kind < 2) { // 10% already processed
            const QString name = QStringLiteral("done.user_%1").arg(i);
            processed->append(name);
            batch->append(name);
        } else if (kind < 4) { // 10% already queued
            const QString name = QStringLiteral("waiting_user%1").arg(i);
            waiting->append(name);
            batch->append(QStringLiteral("@") + name);
        } else if (kind == 4) { // 5% invalid
            batch->append(QStringLiteral("bad..user%1").arg(i));
        } else if (kind == 5) { // 5% repeats of an earlier new one, in another form
            batch->append(QStringLiteral("https://www.instagram.com/New_User%1/").arg(i + 1));
        } else {
            batch->append(QStringLiteral("new_user%1").arg(i));
        }
    }
}

bool exec(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (q.exec(sql))
        return true;
    std::fprintf(stderr, "SQL failed: %s\n%s\n", qPrintable(q.lastError().text()),
        qPrintable(sql.left(300)));
    return false;
}

bool seed(QSqlDatabase &db, const QStringList &processed, const QStringList &waiting)
{
    const bool pg = Database::isPostgres(db);
    if (!db.transaction())
        return false;
    QSqlQuery p(db);
    p.prepare(QStringLiteral("INSERT INTO primary_profiles (username) VALUES (?)"));
    for (const QString &name : processed) {
        p.addBindValue(name);
        if (!p.exec())
            return false;
    }
    QSqlQuery q(db);
    q.prepare(pg ? QStringLiteral("INSERT INTO queue (username, source, priority, status, "
                                  "request_id, created_at) VALUES (?, 'seed', 'LOW', 'PENDING', ?, "
                                  "now())")
                 : QStringLiteral("INSERT INTO queue (id, username, source, priority, status, "
                                  "request_id, created_at) VALUES (?, ?, 'seed', 'LOW', "
                                  "'PENDING', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))"));
    for (const QString &name : waiting) {
        if (!pg)
            q.addBindValue(QUuid::createUuid().toString(QUuid::WithoutBraces));
        q.addBindValue(name);
        q.addBindValue(QString(QStringLiteral("seed_") + name));
        if (!q.exec())
            return false;
    }
    return db.commit();
}

// The same rows the batch had to decide on (every unique valid username), as CSV.
QString writeCsv(const QString &path, const BulkParseResult &parsed)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    const QByteArray now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8();
    for (const BulkEntry &entry : parsed.entries) {
        if (entry.status != BulkEntry::Status::Valid)
            continue;
        // Ids made the way the service makes them, so both sides write the same rows.
        file.write(Ids::uuidV7().toUtf8() + ',' + entry.username.toUtf8() +
            ",bench,HIGH,PENDING,0," + Ids::requestId().toUtf8() + ',' + now + ',' + now + ',' +
            now + '\n');
    }
    return path;
}

double runTool(const QString &program, const QStringList &args, const QByteArray &input = {})
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QElapsedTimer timer;
    timer.start();
    p.start(program, args);
    p.write(input);
    p.closeWriteChannel();
    p.waitForFinished(600000);
    const double ms = timer.nsecsElapsed() / 1e6;
    if (p.exitCode() != 0) {
        std::fprintf(
            stderr, "%s failed: %s\n", qPrintable(program), p.readAllStandardOutput().constData());
        return -1;
    }
    return ms;
}

Figures runEngine(
    const DatabaseConfig &config, int lines, int chunk, const QString &csvPath, bool record)
{
    Figures f;
    f.record = record;
    f.engine = config.engineName();
    f.lines = lines;

    QStringList batch, processed, waiting;
    makeBatch(lines, &batch, &processed, &waiting);
    const QString text = batch.join(QLatin1Char('\n'));

    {
        RequestService service(config, QStringLiteral("bench_setup"));
        if (const Result opened = service.open(); !opened.ok) {
            std::fprintf(stderr, "cannot open %s: %s\n", qPrintable(config.displayUrl()),
                qPrintable(opened.error));
            return f;
        }
        QSqlDatabase db = service.database().value;
        if (!seed(db, processed, waiting)) {
            std::fprintf(stderr, "seeding failed: %s\n", qPrintable(db.lastError().text()));
            return f;
        }
        // The baseline's table: the same columns and indexes, minus the one-active-row index.
        const bool pg = config.engine == DatabaseConfig::Engine::PostgreSQL;
        exec(db,
            pg ? QStringLiteral("CREATE TABLE queue_copy (LIKE queue INCLUDING DEFAULTS "
                                "INCLUDING CONSTRAINTS, PRIMARY KEY (id), UNIQUE (request_id))")
               : QStringLiteral("CREATE TABLE queue_copy (id TEXT PRIMARY KEY NOT NULL, username "
                                "VARCHAR(255) NOT NULL, source VARCHAR(100), priority "
                                "VARCHAR(10), status VARCHAR(20), attempts INTEGER, "
                                "request_id VARCHAR(50) UNIQUE, timestamp TEXT, created_at TEXT, "
                                "updated_at TEXT)"));
        // Every index `queue` has, except the one-active-row index that does the dedupe.
        QSqlQuery indexes(db);
        indexes.exec(pg ? QStringLiteral("SELECT indexdef FROM pg_indexes WHERE tablename = "
                                         "'queue' AND indexdef NOT LIKE '%UNIQUE%'")
                        : QStringLiteral("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                         "AND tbl_name = 'queue' AND sql IS NOT NULL AND sql "
                                         "NOT LIKE '%UNIQUE%'"));
        QStringList copies;
        while (indexes.next()) {
            QString sql = indexes.value(0).toString();
            sql.replace(
                QLatin1String("INDEX IF NOT EXISTS queue_"), QLatin1String("INDEX queue_copy_"));
            sql.replace(QLatin1String("INDEX queue_"), QLatin1String("INDEX queue_copy_"));
            sql.replace(QLatin1String(" ON queue "), QLatin1String(" ON queue_copy "));
            sql.replace(
                QLatin1String(" ON public.queue "), QLatin1String(" ON public.queue_copy "));
            copies << sql;
        }
        indexes.finish();
        for (const QString &sql : copies)
            exec(db, sql);
        std::printf("%-10s baseline table: queue's columns, primary key, unique request_id and "
                    "%lld more indexes (all but the one-active-row index)\n",
            qPrintable(config.engineName()), qlonglong(copies.size()));
    }

    QElapsedTimer timer;
    timer.start();
    const BulkParseResult parsed = BulkParser::parse(text);
    f.parseMs = timer.nsecsElapsed() / 1e6;

    const SqliteCheckpointer::Statistics checkpointsBefore = SqliteCheckpointer::statistics();
    {
        RequestService service(config, QStringLiteral("bench_run"));
        service.open();
        BatchOptions options;
        options.chunkSize = chunk;
        if (record) {
            NewBatch batch;
            batch.id = Ids::uuidV7();
            batch.origin = QStringLiteral("terminal");
            batch.source = QStringLiteral("bench");
            options.record = batch;
        }
        timer.restart();
        const QList<RequestResult> results =
            service.requestBulk(parsed, QStringLiteral("bench"), options);
        f.submitMs = timer.nsecsElapsed() / 1e6;
        for (const RequestResult &r : results) {
            switch (r.outcome) {
            case Outcome::Queued:
                ++f.queued;
                break;
            case Outcome::AlreadyProcessed:
                ++f.processed;
                break;
            case Outcome::AlreadyQueued:
                ++f.alreadyQueued;
                break;
            case Outcome::Invalid:
                ++f.invalid;
                break;
            case Outcome::DuplicateInBatch:
                ++f.duplicates;
                break;
            default:
                ++f.errors;
                break;
            }
        }
        if (record) {
            QSqlQuery q(service.database().value);
            if (q.exec(QStringLiteral("SELECT COUNT(*) FROM viralspot_batch_items")) && q.next())
                f.items = q.value(0).toLongLong();
        }
        // The checkpoint thread may still be copying the batch's last pages: the close waits
        // for it (the inline path has none left), then checkpoints what remains.
        timer.restart();
        service.close();
        f.closeMs = timer.nsecsElapsed() / 1e6;
    }
    f.checkpoints = SqliteCheckpointer::statistics() - checkpointsBefore;

    writeCsv(csvPath, parsed);
    if (config.engine == DatabaseConfig::Engine::SQLite) {
        const QByteArray script = ".bail on\nPRAGMA synchronous=FULL;\n.mode csv\n"
                                  "CREATE TEMP TABLE staging (id, username, source, priority, "
                                  "status, attempts, request_id, timestamp, created_at, "
                                  "updated_at);\n.import " +
            csvPath.toUtf8() +
            " staging\nBEGIN;\nINSERT INTO queue_copy SELECT * FROM staging;\nCOMMIT;\n";
        f.baselineMs = runTool(QStringLiteral("sqlite3"), { config.sqlitePath }, script);
    } else {
        const QString sql = QStringLiteral("\\copy queue_copy (id, username, source, priority, "
                                           "status, attempts, request_id, timestamp, created_at, "
                                           "updated_at) FROM '%1' WITH (FORMAT csv)")
                                .arg(csvPath);
        QStringList args = { QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-v"),
            QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-d"), config.toUrl(),
            QStringLiteral("-c"), sql };
        f.baselineMs = runTool(QStringLiteral("psql"), args);
    }
    return f;
}

void print(const Figures &f)
{
    const double perSecond = f.submitMs > 0 ? f.lines / (f.submitMs / 1000.0) : 0;
    const double ratio = f.baselineMs > 0 ? f.submitMs / f.baselineMs : 0;
    std::printf("%-10s lines=%d record=%s parse=%.1f ms submit=%.1f ms (%.0f usernames/s) "
                "baseline=%.1f ms ratio=%.2fx\n",
        qPrintable(f.engine), f.lines, f.record ? "yes" : "no", f.parseMs, f.submitMs, perSecond,
        f.baselineMs, ratio);
    if (f.record)
        std::printf("           batch items recorded: %lld\n", f.items);
    std::printf("           close=%.1f ms", f.closeMs);
    if (f.engine == QLatin1String("SQLite")) {
        if (SqliteCheckpointer::enabled()) {
            std::printf(" checkpoints: on their own thread (rounds=%llu, in the writer=%llu)",
                f.checkpoints.rounds, f.checkpoints.inlineCheckpoints);
        } else {
            std::printf(" checkpoints: SQLite's own, in the writer");
        }
    }
    std::printf("\n");
    std::printf("           outcomes: queued=%d already_processed=%d already_queued=%d "
                "invalid=%d duplicate_in_batch=%d errors=%d\n",
        f.queued, f.processed, f.alreadyQueued, f.invalid, f.duplicates, f.errors);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("lines"), QStringLiteral("Batch size."), QStringLiteral("n"),
        QStringLiteral("100000") });
    parser.addOption({ QStringLiteral("engine"), QStringLiteral("sqlite, postgresql or both."),
        QStringLiteral("engine"), QStringLiteral("both") });
    parser.addOption({ QStringLiteral("chunk"), QStringLiteral("Usernames per transaction."),
        QStringLiteral("n"), QStringLiteral("10000") });
    parser.addOption(
        { QStringLiteral("record"), QStringLiteral("Record the batch (BatchOptions::record).") });
    parser.process(app);
    const bool record = parser.isSet(QStringLiteral("record"));
    const int lines = parser.value(QStringLiteral("lines")).toInt();
    const int chunk = parser.value(QStringLiteral("chunk")).toInt();
    const QString engine = parser.value(QStringLiteral("engine"));

    QTemporaryDir dir;
    int status = 0;
    if (engine == QLatin1String("sqlite") || engine == QLatin1String("both")) {
        DatabaseConfig config;
        config.engine = DatabaseConfig::Engine::SQLite;
        config.sqlitePath = dir.filePath(QStringLiteral("bench.sqlite"));
        const Figures f =
            runEngine(config, lines, chunk, dir.filePath(QStringLiteral("s.csv")), record);
        print(f);
        status |= f.errors > 0 || f.baselineMs < 0 || (record && f.items != lines);
    }
    if (engine == QLatin1String("postgresql") || engine == QLatin1String("both")) {
        const QString adminUrl = qEnvironmentVariable("VIRALSPOT_TEST_PG_URL");
        if (adminUrl.isEmpty()) {
            std::fprintf(stderr,
                "VIRALSPOT_TEST_PG_URL is not set (scripts/bench-core.sh sets "
                "it)\n");
            return 2;
        }
        DatabaseConfig admin = DatabaseConfig::fromUrl(adminUrl).value;
        const QString name = QStringLiteral("viralspot_bench_%1").arg(app.applicationPid());
        {
            QSqlDatabase db = Database::open(admin, QStringLiteral("bench_admin")).value;
            exec(db, QStringLiteral("CREATE DATABASE ") + name);
        }
        DatabaseConfig config = admin;
        config.databaseName = name;
        const QString csv = dir.filePath(QStringLiteral("p.csv"));
        QFile::setPermissions(dir.path(),
            QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                QFileDevice::ReadOther | QFileDevice::ExeOther);
        const Figures f = runEngine(config, lines, chunk, csv, record);
        print(f);
        status |= f.errors > 0 || f.baselineMs < 0 || (record && f.items != lines);
        {
            QSqlDatabase db = QSqlDatabase::database(QStringLiteral("bench_admin"));
            exec(db, QStringLiteral("DROP DATABASE ") + name + QStringLiteral(" WITH (FORCE)"));
        }
        Database::close(QStringLiteral("bench_admin"));
    }
    return status;
}
