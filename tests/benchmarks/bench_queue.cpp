// Benchmark (not a test): the queue browser on a large queue (fill it with queue_generator).
// Drives the real QueueBrowserWidget offscreen and times what a user waits for: the first
// page, a status filter, a username prefix search, scrolling to row 500,000; plus the counts
// above the table and the overview's numbers; then the process's peak memory. The counts are
// capped (QueueQuery::CountCap) and estimated beyond it; the exact counts, which read the
// whole queue, are timed apart ("when asked"). Usage:
//   bench_queue --database URL [--runs 3]

#include "core/database.h"
#include "core/databasethread.h"
#include "core/overviewstats.h"
#include "ui/queue/queuebrowserwidget.h"
#include "ui/queue/queuetablemodel.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTableView>

#include <algorithm>
#include <cstdio>
#include <sys/resource.h>

using namespace ViralSpot;
using ViralSpot::Ui::QueueBrowserWidget;
using ViralSpot::Ui::QueueTableModel;

namespace {

bool waitFor(const std::function<bool()> &done, int timeoutMs = 60000)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 5);
    }
    return true;
}

// Sets a filter; returns the time until its first rows are shown, and in *complete the time
// until the row count is in as well.
double timeFilter(QueueTableModel *model, const QueueFilter &filter, qint64 *rows, double *complete)
{
    QSignalSpy shown(model, &QueueTableModel::firstPageLoaded);
    QSignalSpy applied(model, &QueueTableModel::filterApplied);
    QElapsedTimer timer;
    timer.start();
    model->setFilter(filter);
    waitFor([&shown] { return !shown.isEmpty(); });
    QCoreApplication::processEvents(); // the view repaints
    const double firstRows = timer.nsecsElapsed() / 1e6;
    waitFor([&applied] { return !applied.isEmpty(); });
    *complete = timer.nsecsElapsed() / 1e6;
    *rows = model->totalRows();
    return firstRows;
}

double currentRssMb()
{
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.value(1).toLongLong() * 4096.0 / (1024 * 1024);
}

void print(const char *what, const QList<double> &ms, const QString &note = {})
{
    QList<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    QString runs;
    for (const double v : ms)
        runs += QString::number(v, 'f', 1) + QLatin1Char(' ');
    std::printf("%-28s median %8.1f ms   runs: %s %s\n", what, sorted.at(sorted.size() / 2),
        qPrintable(runs), qPrintable(note));
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption(
        { QStringLiteral("database"), QStringLiteral("Database URL."), QStringLiteral("url") });
    parser.addOption({ QStringLiteral("runs"), QStringLiteral("Repetitions."), QStringLiteral("n"),
        QStringLiteral("3") });
    parser.process(app);
    const ValueResult<DatabaseConfig> parsed =
        DatabaseConfig::fromUrl(parser.value(QStringLiteral("database")));
    if (!parsed.ok) {
        std::fprintf(stderr, "%s\n", qPrintable(parsed.error));
        return 2;
    }
    const DatabaseConfig &config = parsed.value;
    const int runs = std::max(1, parser.value(QStringLiteral("runs")).toInt());
    std::printf("engine: %s\n", qPrintable(config.engineName()));

    {
        // The SQL alone, on this thread, for reference.
        QSqlDatabase db = Database::open(config, QStringLiteral("bench_direct")).value;
        auto time = [](const char *what, const std::function<void()> &f) {
            QElapsedTimer t;
            t.start();
            f();
            std::printf("  sql %-34s %8.1f ms\n", what, t.nsecsElapsed() / 1e6);
        };
        QueueFilter failedOnly;
        failedOnly.statuses << QStringLiteral("FAILED");
        QueueFilter prefixOnly;
        prefixOnly.usernamePrefix = QStringLiteral("user12345");
        auto said = [](const QueueCount &c) {
            std::printf("      = %s\n", qPrintable(QueueQuery::countText(c)));
        };
        QueueCount c;
        time("count(all), capped", [&] { c = QueueQuery::count(db, {}); });
        said(c);
        time("count(all), exact (when asked)", [&] { c = QueueQuery::count(db, {}, 0); });
        said(c);
        time("page 0", [&] { QueueQuery::fetch(db, {}, {}, 0, QueueTableModel::PageSize); });
        time("count(FAILED), capped", [&] { c = QueueQuery::count(db, failedOnly); });
        said(c);
        time(
            "count(FAILED), exact (when asked)", [&] { c = QueueQuery::count(db, failedOnly, 0); });
        said(c);
        time("page 0 of FAILED", [&] { QueueQuery::fetch(db, failedOnly, {}, 0, 200); });
        time("count(prefix), capped", [&] { c = QueueQuery::count(db, prefixOnly); });
        said(c);
        time("page 0 of prefix", [&] { QueueQuery::fetch(db, prefixOnly, {}, 0, 200); });
        time("page at row 500,000", [&] { QueueQuery::fetch(db, {}, {}, 500000, 200); });
        QueueCounts all;
        time("counts per status/priority, capped", [&] { all = QueueQuery::counts(db); });
        std::printf("      = total %s, PENDING %s, FAILED %s, HIGH %s\n",
            qPrintable(QueueQuery::countText(all.total)),
            qPrintable(QueueQuery::countText(all.byStatus.value(QStringLiteral("PENDING")))),
            qPrintable(QueueQuery::countText(all.byStatus.value(QStringLiteral("FAILED")))),
            qPrintable(QueueQuery::countText(all.byPriority.value(QStringLiteral("HIGH")))));
        time("counts per status/priority, exact", [&] { all = QueueQuery::counts(db, 0); });
        std::printf("      = total %s, PENDING %s\n", qPrintable(QueueQuery::countText(all.total)),
            qPrintable(QueueQuery::countText(all.byStatus.value(QStringLiteral("PENDING")))));
        time("distinct sources", [&] { QueueQuery::sources(db); });
        time("overview (24 h, 7 d, composition)",
            [&] { OverviewStats::load(db, OverviewSplit::Status); });
        std::printf("RSS after the direct SQL: %.1f MB\n", currentRssMb());
    }
    Database::close(QStringLiteral("bench_direct"));

    QList<double> firstPage, firstCount, statusFilter, statusCount, prefix, prefixCount, scroll,
        counts, overview;
    qint64 total = 0, failed = 0, found = 0;
    for (int run = 0; run < runs; ++run) {
        QElapsedTimer timer;
        timer.start();
        QueueBrowserWidget widget(config, true);
        widget.setAutoRefreshPaused(true);
        widget.resize(1200, 800);
        widget.show();
        QueueTableModel *model = widget.model();
        QSignalSpy countsSpy(&widget, &QueueBrowserWidget::countsUpdated);
        QSignalSpy applied(model, &QueueTableModel::filterApplied);
        if (!waitFor([model] { return model->totalRows() > 0 && model->isLoaded(0); })) {
            std::fprintf(stderr, "first page never came: %s\n", qPrintable(model->lastError()));
            return 1;
        }
        QCoreApplication::processEvents();
        firstPage << timer.nsecsElapsed() / 1e6;
        if (run == 0)
            std::printf("RSS after the first page: %.1f MB\n", currentRssMb());
        waitFor([&applied] { return !applied.isEmpty(); });
        firstCount << timer.nsecsElapsed() / 1e6;
        total = model->totalRows();
        // The counts above the table run beside the first page on their own connection.
        waitFor([&countsSpy] { return !countsSpy.isEmpty(); });
        counts << timer.nsecsElapsed() / 1e6;

        QueueFilter byStatus;
        byStatus.statuses << QStringLiteral("FAILED");
        double complete = 0;
        statusFilter << timeFilter(model, byStatus, &failed, &complete);
        statusCount << complete;

        QueueFilter byPrefix;
        byPrefix.usernamePrefix = QStringLiteral("User12345");
        prefix << timeFilter(model, byPrefix, &found, &complete);
        prefixCount << complete;

        qint64 all = 0;
        timeFilter(model, {}, &all, &complete);
        if (model->rowCount() <= 500000) {
            // Capped without an estimate (SQLite): the rows beyond are reached by counting
            // exactly first, as a user would ask ("Count exactly"), or by scrolling to the end.
            QSignalSpy total(model, &QueueTableModel::totalChanged);
            model->countExactly();
            waitFor([&total] { return !total.isEmpty(); });
        }
        timer.restart();
        const QModelIndex target = model->index(500000, 0);
        widget.view()->scrollTo(target, QAbstractItemView::PositionAtTop);
        QCoreApplication::processEvents(); // paint: the view asks for the visible rows
        model->ensureLoaded(500000);
        if (!waitFor([model] { return model->isLoaded(500000); })) {
            std::fprintf(stderr, "row 500000 never came: %s\n", qPrintable(model->lastError()));
            return 1;
        }
        QCoreApplication::processEvents();
        scroll << timer.nsecsElapsed() / 1e6;
        if (run == 0)
            std::printf("RSS after scrolling to row 500,000: %.1f MB\n", currentRssMb());

        // The overview's numbers (24 h + 7 days + composition), on a worker like the tab.
        DatabaseThread worker(config, QStringLiteral("bench-overview"));
        bool done = false;
        timer.restart();
        worker.post(
            &widget,
            [](QSqlDatabase &db) { return OverviewStats::load(db, OverviewSplit::Status); },
            [&done](const OverviewData &) { done = true; });
        waitFor([&done] { return done; });
        overview << timer.nsecsElapsed() / 1e6;
        if (run == 0)
            std::printf("RSS after the overview numbers: %.1f MB\n", currentRssMb());
    }
    std::printf("rows: %lld, FAILED: %lld, prefix 'user12345': %lld\n", total, failed, found);
    print("first page shown", firstPage, QStringLiteral("(from window creation)"));
    print("  + row count", firstCount);
    print("status filter FAILED", statusFilter);
    print("  + row count", statusCount);
    print("prefix search", prefix, QStringLiteral("(after the 250 ms typing pause)"));
    print("  + row count", prefixCount);
    print("scroll to row 500,000", scroll);
    print("counts per status/priority", counts, QStringLiteral("(from window creation)"));
    print("overview numbers", overview);
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("peak RSS: %.1f MB\n", usage.ru_maxrss / 1024.0);
    return 0;
}
