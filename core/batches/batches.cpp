// Over 600 lines: the batches' reads (live state, counts), the ETA, the actions and the
// notification claims share the item-state SQL at the top.
#include "core/batches/batches.h"

#include "core/batches/batchrecord.h"
#include "core/database.h"
#include "core/logging.h"
#include "core/queueactions.h"
#include "core/queuequery.h"
#include "core/schema.h"

#include <QCoreApplication>
#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QUuid>
#include <QVariant>

#include <algorithm>
#include <cmath>

namespace ViralSpot {

namespace {

struct BatchesText
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::Batches)
};

// The completion rate is measured over this many minutes of queue rows that became COMPLETED
// or FAILED (by updated_at): long enough to hold a few dozen completions of a slow worker
// pool, short enough to follow a pool that was scaled up or down within the quarter hour.
constexpr int RateWindowMinutes = 15;
// Fewer completions than this in the window is too thin to say anything honest: with n
// completions the range below is n ± 2√n, which for n < 5 reaches zero (an unbounded latest).
constexpr int MinCompletions = 5;
// The done fractions at which detail() records a prediction.
constexpr double RecordingPoints[] = { 0.10, 0.25, 0.50, 0.75 };
constexpr qint64 TotalCap = 10000;

// Schema step 8: the finished rows by updated_at (partial index).
const char *const FinishedRowsIndex = "queue_finished_updated_at_idx";
// Schema steps 9 (PostgreSQL) and 10 (SQLite): the waiting rows in the workers' order. SQLite,
// which has no statistics to choose it by, is told to read it (execRead falls back to the plain
// statement where it is missing: a database at an older schema opened read-only, or the index
// dropped by hand).
const char *const WaitingOrderIndex = "queue_waiting_order_idx";

QString waitingRows(const QSqlDatabase &db, const QString &alias)
{
    QString from = QStringLiteral("queue ") + alias;
    if (!Database::isPostgres(db))
        from += QStringLiteral(" INDEXED BY ") + QLatin1String(WaitingOrderIndex);
    return from;
}

const char *const FollowedOutcomes = "('queued','already_queued','already_processed')";

// `?` for a batch id: a uuid on PostgreSQL.
QString idParam(const QSqlDatabase &db)
{
    return Database::isPostgres(db) ? QStringLiteral("?::uuid") : QStringLiteral("?");
}

// How execRead() lets PostgreSQL's planner run a read.
enum class ReadPlan
{
    // JIT off: on a big queue the planner's cost of a 100,000-item batch crosses jit_above_cost,
    // and compiling took 3.7 s of a 5.6 s count (EXPLAIN ANALYZE on 10,000,000 rows,
    // docs/benchmarks.md section 9) while the statement itself runs in well under a second.
    NoJit,
    // Also no parallel workers: reads that join a few thousand items to their rows (a page of
    // batches, a batch's sample) spent more on starting workers than on the joins (the Batches
    // tab's list on 10,000,000 rows: 172 ms with two workers, 47 ms without; a big batch's
    // detail 94 ms and 32 ms; docs/benchmarks.md section 9).
    Serial,
    // Also no sorting: a page of items in position order, filtered by state. The planner cannot
    // see how many items a state filter keeps and, guessing few, joined all 100,000 items to
    // sort them (1.3 s); walking the items' primary key in order stops at the page's end.
    SerialInOrder,
};

// A read over the batch's items and their queue rows, with the settings of `plan` on
// PostgreSQL (Database::execWithSettings). SQLite: a statement naming the waiting-order index
// runs again without it where the index is missing.
bool execRead(QSqlDatabase &db, QSqlQuery &q, const QString &sql, const QVariantList &values,
    QSqlError *error = nullptr, ReadPlan plan = ReadPlan::Serial)
{
    if (!Database::isPostgres(db)) {
        QSqlError failed;
        if (Database::exec(q, sql, values, &failed))
            return true;
        const QString hint = QStringLiteral(" INDEXED BY ") + QLatin1String(WaitingOrderIndex);
        if (sql.contains(hint) && failed.text().contains(QLatin1String("no such index")))
            return Database::exec(q, QString(sql).remove(hint), values, error);
        if (error)
            *error = failed;
        return false;
    }
    QList<std::pair<QString, QString>> settings { { QStringLiteral("jit"),
        QStringLiteral("off") } };
    if (plan != ReadPlan::NoJit)
        settings.append({ QStringLiteral("max_parallel_workers_per_gather"), QStringLiteral("0") });
    if (plan == ReadPlan::SerialInOrder)
        settings.append({ QStringLiteral("enable_sort"), QStringLiteral("off") });
    return Database::execWithSettings(q, settings, sql, values, error);
}

// Every item with its state now, from its row (by queue_id) and primary_profiles (by
// username; the legacy mixed-case names through their partial index). One pass, no per-item
// round trip. `where` filters the items (i.*).
QString itemStateSql(const QString &where)
{
    return QStringLiteral(
               "SELECT i.batch_id, i.position, COALESCE(i.input, i.username), i.username, "
               "i.outcome, i.message, "
               "i.queue_id, q.status AS qstatus, q.priority AS qpriority, q.error_message, "
               "q.attempts, q.updated_at, "
               "CASE WHEN i.outcome NOT IN %1 THEN 'not_queued' "
               "WHEN q.status = 'COMPLETED' OR pp.username IS NOT NULL "
               " OR EXISTS (SELECT 1 FROM primary_profiles lp WHERE lower(lp.username) = "
               " i.username AND lp.username <> lower(lp.username)) THEN 'processed' "
               "WHEN q.status = 'PROCESSING' THEN 'processing' "
               "WHEN q.status = 'PENDING' THEN 'waiting' "
               "WHEN q.status = 'FAILED' THEN 'failed' "
               "WHEN q.status = 'PAUSED' THEN 'paused' "
               "ELSE 'gone' END AS state, q.\"timestamp\" AS qts "
               "FROM viralspot_batch_items i "
               "LEFT JOIN queue q ON q.id = i.queue_id "
               "LEFT JOIN primary_profiles pp ON pp.username = i.username "
               "WHERE ")
               .arg(QLatin1String(FollowedOutcomes)) +
        where;
}

// The batches' counts by state, one row per batch (batch_id, then the nine counts of
// BatchCounts in its order). With `places`, two more columns: the waiting rows the original
// workers take before, or with, the batch's last waiting row (ORDER BY priority, "timestamp":
// 'HIGH' < 'LOW' as text and as the legacy enum; NULL when none waits), and the queue's
// PROCESSING rows.
// The batches' last waiting rows are sorted in the workers' order, and each batch counts only
// the waiting rows between the previous batch's last one and its own (a range of the index of
// schema step 9 on PostgreSQL, bounded on both sides); the running sum gives each its place. So
// a page of batches reads the waiting rows up to the deepest one once, not once per batch (40
// open batches at up to a million rows ahead each: 6.5 s on 10,000,000 rows, docs/benchmarks.md
// section 9). The keys stay in the statement (a timestamp read back and bound again would lose
// PostgreSQL's microseconds). The first batch in that order has no lower bound, so it is its
// own branch of `n`: an `lp IS NULL OR ...` in one statement would keep the planner from
// using the lower bound as an index condition, and every range would start at the first row.
// With `placeCap` (Counting::estimated()), only the batches whose last waiting row is among the
// first `placeCap` waiting rows are placed (the ranges then read at most that many rows), and a
// last column says which batches lie deeper (`capped`: at least `placeCap` rows ahead).
// `wheres`: one or more filters of the items (each an itemStateSql), joined with UNION ALL.
QString countsSql(
    const QSqlDatabase &db, const QStringList &wheres, bool places = false, qint64 placeCap = 0)
{
    QStringList sources;
    for (const QString &where : wheres)
        sources << itemStateSql(where);
    const QString items = sources.join(QStringLiteral(" UNION ALL "));
    const QString sums = QStringLiteral(
        "SUM(CASE WHEN s.state <> 'not_queued' THEN 1 ELSE 0 END) AS total, "
        "SUM(CASE WHEN s.state = 'processed' THEN 1 ELSE 0 END) AS processed, "
        "SUM(CASE WHEN s.state = 'processing' THEN 1 ELSE 0 END) AS processing, "
        "SUM(CASE WHEN s.state = 'waiting' THEN 1 ELSE 0 END) AS waiting, "
        "SUM(CASE WHEN s.state = 'waiting' AND s.qpriority = 'HIGH' THEN 1 ELSE 0 END) AS high, "
        "SUM(CASE WHEN s.state = 'failed' THEN 1 ELSE 0 END) AS failed, "
        "SUM(CASE WHEN s.state = 'paused' THEN 1 ELSE 0 END) AS paused, "
        "SUM(CASE WHEN s.state = 'gone' THEN 1 ELSE 0 END) AS gone, "
        "SUM(CASE WHEN s.state = 'not_queued' THEN 1 ELSE 0 END) AS not_queued");
    if (!places)
        return QStringLiteral("SELECT s.batch_id, ") + sums + QStringLiteral(" FROM (") + items +
            QStringLiteral(") s GROUP BY s.batch_id");
    const QString between = QStringLiteral("(SELECT COUNT(*) FROM ") +
        waitingRows(db, QStringLiteral("w")) +
        QStringLiteral(" WHERE w.status = 'PENDING'%1 "
                       "AND (w.priority, w.\"timestamp\") <= (o.p, o.t))");
    // The cap-th waiting row in the workers' order (none when fewer wait), read once.
    const QString cutoff = placeCap > 0
        ? QStringLiteral("f AS MATERIALIZED (SELECT w.priority AS p, w.\"timestamp\" AS t "
                         "FROM %2 WHERE w.status = 'PENDING' "
                         "ORDER BY w.priority, w.\"timestamp\" LIMIT 1 OFFSET %1), ")
              .arg(placeCap - 1)
              .arg(waitingRows(db, QStringLiteral("w")))
        : QString();
    const QString withinCap = placeCap > 0
        ? QStringLiteral(" AND NOT EXISTS (SELECT 1 FROM f WHERE (c.p, c.t) > (f.p, f.t))")
        : QString();
    return QStringLiteral("WITH ") + cutoff + QStringLiteral("c AS (SELECT s.batch_id, ") + sums +
        QStringLiteral(
            ", MAX(CASE WHEN s.state = 'waiting' THEN s.qpriority END) AS p, "
            "COALESCE(MAX(CASE WHEN s.state = 'waiting' AND s.qpriority = 'LOW' THEN s.qts END), "
            "MAX(CASE WHEN s.state = 'waiting' AND s.qpriority = 'HIGH' THEN s.qts END)) AS t "
            "FROM (") +
        items +
        QStringLiteral(
            ") s GROUP BY s.batch_id), "
            "o AS (SELECT batch_id, p, t, LAG(p) OVER k AS lp, LAG(t) OVER k AS lt FROM c "
            "WHERE p IS NOT NULL AND t IS NOT NULL%3 WINDOW k AS (ORDER BY p, t)), "
            "n AS (SELECT o.batch_id, o.p, o.t, %1 AS b FROM o WHERE o.lp IS NULL "
            "UNION ALL SELECT o.batch_id, o.p, o.t, %2 FROM o WHERE o.lp IS NOT NULL), "
            "u AS (SELECT batch_id, SUM(b) OVER (ORDER BY p, t) AS upto FROM n) "
            "SELECT c.batch_id, c.total, c.processed, c.processing, c.waiting, c.high, c.failed, "
            "c.paused, c.gone, c.not_queued, u.upto, "
            "(SELECT COUNT(*) FROM queue WHERE status = 'PROCESSING'), "
            "CASE WHEN c.p IS NOT NULL AND c.t IS NOT NULL AND u.upto IS NULL THEN 1 ELSE 0 END "
            "FROM c LEFT JOIN u ON u.batch_id = c.batch_id")
            .arg(between.arg(QString()),
                between.arg(QStringLiteral(" AND (w.priority, w.\"timestamp\") > (o.lp, o.lt)")),
                withinCap);
}

struct Failure
{
    QString error;
    ErrorKind kind = ErrorKind::Failed;
};

Failure failure(const QSqlDatabase &db, const QSqlError &error)
{
    Failure f;
    const bool lost = !db.isOpen();
    f.kind = lost ? ErrorKind::Unavailable : ErrorKind::Failed;
    f.error = (lost ? BatchesText::tr("The database is unavailable: %1")
                    : BatchesText::tr("The database failed: %1"))
                  .arg(error.text().trimmed());
    if (const std::optional<QString> permission = Schema::permissionProblem(db, error);
        !lost && permission) {
        f.kind = ErrorKind::SetupRequired;
        f.error = *permission;
    }
    return f;
}

// `out` (a BatchList, BatchDetail or BatchItems) with the error of a failed statement.
template<typename Answer> Answer failed(const QSqlDatabase &db, const QSqlError &error, Answer &out)
{
    const Failure f = failure(db, error);
    out.error = f.error;
    out.errorKind = f.kind;
    return out;
}

// countsSql for `batches` bound batch ids.
QString batchesCountsSql(const QSqlDatabase &db, int batches, bool places)
{
    return countsSql(db,
        { QStringLiteral("i.batch_id IN (") + Database::placeholders(batches, idParam(db)) +
            QLatin1Char(')') },
        places);
}

// Counting::estimated(): the sampled items of a batch of `size` items, about `items` of them:
// the positions whose multiplicative hash (Knuth's) falls below items/size of 2^32. They are
// spread over the batch and over any period of its input (every n-th position would be biased
// by an input repeating every n lines), and listed in the statement, so that both engines read
// them through the items' primary key (a condition on an expression of the position would
// read every item of the batch first).
QString sampleWhere(const QSqlDatabase &db, qint64 size, int items)
{
    QStringList positions;
    for (const qint64 p : Batches::samplePositions(size, items))
        positions << QString::number(p);
    if (positions.isEmpty())
        positions << QStringLiteral("0"); // no item: counted exactly (countsFor)
    return QStringLiteral("i.batch_id = %1 AND i.position IN (%2)")
        .arg(idParam(db), positions.join(QLatin1Char(',')));
}

// Where an open batch stands in the workers' order (countsSql with `places`).
struct Place
{
    qint64 waitingUpTo = 0; // waiting rows taken before, or with, its last waiting row
    qint64 processingAll = 0; // the queue's PROCESSING rows
    bool capped = false; // Counting::placeCap: waitingUpTo is at least the cap, not counted
};

// A batch to sample (Counting::estimated()): its size (its last position) and whether finished.
struct Sampled
{
    qint64 size = 0;
    bool finished = false;
};

// The batches among `ids` with more than `exactItems` items (one index probe each).
bool bigBatches(QSqlDatabase &db, const QStringList &ids, int exactItems,
    QHash<QString, Sampled> &out, QSqlError *error)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!Database::exec(q,
            QStringLiteral("SELECT b.id, b.finished_at, (SELECT MAX(i.position) FROM "
                           "viralspot_batch_items i WHERE i.batch_id = b.id) "
                           "FROM viralspot_batches b WHERE b.id IN (%1)")
                .arg(Database::placeholders(int(ids.size()), idParam(db))),
            QVariantList(ids.cbegin(), ids.cend()), error))
        return false;
    while (q.next()) {
        const qint64 size = q.value(2).toLongLong();
        if (size > exactItems)
            out.insert(q.value(0).toString(), { size, !q.value(1).isNull() });
    }
    return true;
}

// A sample's counts scaled to the batch's `size` items (the sample's own rows, followed or
// not, are the measure of it).
void scaleSample(BatchCounts &c, qint64 size)
{
    const int rows = c.total + c.notQueued;
    const double f = double(size) / double(rows);
    const auto scaled = [f](int n) { return int(std::llround(double(n) * f)); };
    c.processed = scaled(c.processed);
    c.processing = scaled(c.processing);
    c.waiting = scaled(c.waiting);
    c.waitingHigh = qMin(c.waiting, scaled(c.waitingHigh));
    c.failed = scaled(c.failed);
    c.paused = scaled(c.paused);
    c.gone = scaled(c.gone);
    c.notQueued = scaled(c.notQueued);
    c.total = c.processed + c.processing + c.waiting + c.failed + c.paused + c.gone;
    c.estimated = true;
    c.sampled = rows;
}

// Counts for these batches, one query; with `places`, each batch's place too. Counting::
// estimated() samples the big ones and caps the places; a sampled batch not yet finished whose
// sample holds nothing to wait for is then counted again exactly (a second query for those).
bool countsFor(QSqlDatabase &db, const QStringList &ids, QHash<QString, BatchCounts> &out,
    QSqlError *error, QHash<QString, Place> *places = nullptr, const Counting &counting = {})
{
    if (ids.isEmpty())
        return true;
    QHash<QString, Sampled> sampled;
    if (counting.estimate && !bigBatches(db, ids, counting.exactItems, sampled, error))
        return false;
    QStringList exact;
    for (const QString &id : ids) {
        if (!sampled.contains(id))
            exact << id;
    }
    QStringList wheres;
    QVariantList values;
    if (!exact.isEmpty()) {
        wheres << QStringLiteral("i.batch_id IN (") +
                Database::placeholders(int(exact.size()), idParam(db)) + QLatin1Char(')');
        values += QVariantList(exact.cbegin(), exact.cend());
    }
    for (auto it = sampled.cbegin(); it != sampled.cend(); ++it) {
        wheres << sampleWhere(db, it->size, counting.sampleItems);
        values << it.key();
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // Exact counts of a big batch and places counted to the end are long reads that workers
    // share; an estimate's few thousand joins are not.
    if (!execRead(db, q,
            countsSql(db, wheres, places != nullptr, counting.estimate ? counting.placeCap : 0),
            values, error, counting.estimate ? ReadPlan::Serial : ReadPlan::NoJit))
        return false;
    QStringList recount;
    QSet<QString> seen;
    while (q.next()) {
        BatchCounts c;
        c.total = q.value(1).toInt();
        c.processed = q.value(2).toInt();
        c.processing = q.value(3).toInt();
        c.waiting = q.value(4).toInt();
        c.waitingHigh = q.value(5).toInt();
        c.failed = q.value(6).toInt();
        c.paused = q.value(7).toInt();
        c.gone = q.value(8).toInt();
        c.notQueued = q.value(9).toInt();
        const QString id = q.value(0).toString();
        seen.insert(id);
        if (const auto s = sampled.constFind(id); s != sampled.cend()) {
            if (c.done() && !s->finished) {
                recount << id;
                continue;
            }
            scaleSample(c, s->size);
        }
        out.insert(id, c);
        if (places) {
            const bool capped = q.value(12).toInt() == 1;
            places->insert(id,
                { capped ? counting.placeCap : q.value(10).toLongLong(), q.value(11).toLongLong(),
                    capped });
        }
    }
    q.finish();
    for (auto it = sampled.cbegin(); it != sampled.cend(); ++it) {
        if (!seen.contains(it.key()))
            recount << it.key(); // a sample without a single item
    }
    return recount.isEmpty() || countsFor(db, recount, out, error, places);
}

const QString BatchColumns =
    QStringLiteral("SELECT id, name, source, origin, submitted_by, created_at, finished_at, notify "
                   "FROM viralspot_batches ");

BatchSummary summaryFrom(const QSqlQuery &q)
{
    BatchSummary s;
    s.id = q.value(0).toString();
    s.name = q.value(1).toString();
    s.source = q.value(2).toString();
    s.origin = q.value(3).toString();
    s.submittedBy = q.value(4).toString();
    s.createdAt = QueueQuery::toDateTime(q.value(5));
    s.finishedAt = QueueQuery::toDateTime(q.value(6));
    s.notify = q.value(7).toBool();
    return s;
}

// When the batch's last row finished (its newest updated_at), else `now`.
QDateTime finishTime(QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (execRead(db, q,
            QStringLiteral("SELECT MAX(q.updated_at) FROM viralspot_batch_items i "
                           "JOIN queue q ON q.id = i.queue_id WHERE i.batch_id = ") +
                idParam(db),
            { id }) &&
        q.next()) {
        const QDateTime last = QueueQuery::toDateTime(q.value(0));
        if (last.isValid() && last <= now)
            return last;
    }
    return now;
}

// Marks the batches seen done as finished (once: finished_at stays as first set).
void markFinished(QSqlDatabase &db, QList<BatchSummary *> summaries, const QDateTime &now)
{
    for (BatchSummary *s : summaries) {
        if (s->finishedAt.isValid() || !s->counts.done())
            continue;
        const QDateTime when = finishTime(db, s->id, now);
        QSqlQuery q(db);
        QSqlError error;
        if (!Database::exec(q,
                QStringLiteral("UPDATE viralspot_batches SET finished_at = ? "
                               "WHERE id = %1 AND finished_at IS NULL")
                    .arg(idParam(db)),
                { Database::timestampValue(db, when), s->id }, &error)) {
            qCWarning(lcCore).noquote()
                << "batch" << s->id << "not marked finished:" << error.text();
            continue;
        }
        s->finishedAt = when;
    }
}

// ---- ETA ----------------------------------------------------------------------------------

struct Rate
{
    bool ok = false;
    QSqlError error;
    qint64 completions = 0;
    double minutes = 0; // the span they were measured over
    QString why; // when too thin to use
};

Rate measureRate(QSqlDatabase &db, const QDateTime &now)
{
    Rate rate;
    const QDateTime from = now.addSecs(-60 * RateWindowMinutes);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    const QVariantList window { Database::timestampValue(db, from),
        Database::timestampValue(db, now) };
    bool ran = Database::exec(q, Batches::completionRateSql(db), window, &rate.error);
    // SQLite: a database whose index is missing (dropped by hand) is still answered, by a scan.
    if (!ran && !Database::isPostgres(db) &&
        rate.error.text().contains(QLatin1String("no such index"))) {
        rate.error = QSqlError();
        ran = Database::exec(q,
            Batches::completionRateSql(db).remove(
                QStringLiteral(" INDEXED BY ") + QLatin1String(FinishedRowsIndex)),
            window, &rate.error);
    }
    if (!ran || !q.next()) {
        if (!rate.error.isValid())
            rate.error = q.lastError();
        return rate;
    }
    rate.ok = true;
    rate.completions = q.value(0).toLongLong();
    const QDateTime first = QueueQuery::toDateTime(q.value(1));
    // Over the time since the first completion in the window (workers that started five
    // minutes ago are not diluted over fifteen), at least a minute.
    const qint64 spanSeconds = first.isValid()
        ? qBound<qint64>(60, first.secsTo(now), qint64(60) * RateWindowMinutes)
        : 60;
    rate.minutes = spanSeconds / 60.0;
    if (rate.completions == 0)
        rate.why = BatchesText::tr(
            "workers idle (no row finished in the last %n minutes)", nullptr, RateWindowMinutes);
    else if (rate.completions < MinCompletions)
        rate.why = BatchesText::tr("too few completions to measure (%n in the last %1 minutes)",
            nullptr, int(rate.completions))
                       .arg(RateWindowMinutes);
    return rate;
}

// The range for `work` rows at the measured rate. Completions in a window are modelled as a
// Poisson count: n observed gives n ± 2√n (about 95%) as the plausible counts, so the rate
// lies between (n - 2√n)/span and (n + 2√n)/span; the earliest finish uses the fast end, the
// latest the slow one. Chosen over sub-window min/max because it needs no second query, is
// honest with few completions (wide), and narrows as evidence grows (±20% at n = 100).
Eta etaFrom(const Rate &rate, qint64 ahead, qint64 remaining, const QDateTime &now)
{
    Eta eta;
    const double n = double(rate.completions);
    const double spread = 2.0 * std::sqrt(n);
    const double fast = (n + spread) / rate.minutes;
    const double slow = (n - spread) / rate.minutes;
    const double work = double(ahead + remaining);
    eta.completionsPerMinute = n / rate.minutes;
    eta.ahead = ahead;
    eta.remaining = remaining;
    eta.earliest = now.addMSecs(qint64(work / fast * 60000.0));
    eta.latest = now.addMSecs(qint64(work / slow * 60000.0));
    return eta;
}

QString nothingToWaitFor(const BatchCounts &counts)
{
    return counts.paused > 0 ? BatchesText::tr("the rest is paused")
                             : BatchesText::tr("nothing left to wait for");
}

// The ETA of an open batch from its counts, its place and the workers' rate: the rows
// PROCESSING anywhere (finishing meanwhile) and the waiting rows the workers take before, or
// with, the batch's last waiting row, less its own, are ahead of it.
EtaEstimate etaOf(
    const BatchCounts &counts, const Place &place, const Rate &rate, const QDateTime &now)
{
    EtaEstimate e;
    e.ok = true;
    const qint64 remaining = counts.waiting + counts.processing;
    if (remaining == 0) {
        e.why = nothingToWaitFor(counts);
        return e;
    }
    if (!rate.why.isEmpty()) {
        e.why = rate.why;
        return e;
    }
    const qint64 ahead = qMax<qint64>(0, place.waitingUpTo - counts.waiting) +
        qMax<qint64>(0, place.processingAll - counts.processing);
    e.eta = etaFrom(rate, ahead, remaining, now);
    if (place.capped) {
        // At least this many ahead: no sooner than the fast end, no bound on the slow one.
        e.eta->aheadAtLeast = true;
        e.eta->latest = QDateTime();
    }
    return e;
}

// The live state of these batches: counts, and the ETA of each open one. The workers' rate
// comes first (one range of the index of schema step 8); only when it can be used do the
// counts bring the batches' places (countsSql), the one part that grows with the waiting rows.
struct LiveState
{
    QHash<QString, BatchCounts> counts;
    QHash<QString, EtaEstimate> etas; // the open batches'
};

bool readLiveState(QSqlDatabase &db, const QStringList &ids, const QDateTime &now, LiveState &out,
    QSqlError *error, const Counting &counting = {})
{
    if (ids.isEmpty())
        return true;
    const Rate rate = measureRate(db, now);
    if (!rate.ok) {
        *error = rate.error;
        return false;
    }
    QHash<QString, Place> places;
    if (!countsFor(db, ids, out.counts, error, rate.why.isEmpty() ? &places : nullptr, counting))
        return false;
    for (auto it = out.counts.cbegin(); it != out.counts.cend(); ++it) {
        if (!it->done())
            out.etas.insert(it.key(), etaOf(*it, places.value(it.key()), rate, now));
    }
    return true;
}

// The batches' counts and ETAs (readLiveState), and those seen done marked finished.
bool withLiveState(QSqlDatabase &db, QList<BatchSummary> &batches, const QDateTime &now,
    const Counting &counting, QSqlError *error)
{
    QStringList ids;
    for (const BatchSummary &s : std::as_const(batches))
        ids << s.id;
    LiveState live;
    if (!readLiveState(db, ids, now, live, error, counting))
        return false;
    QList<BatchSummary *> page;
    for (BatchSummary &s : batches) {
        s.counts = live.counts.value(s.id);
        if (const auto e = live.etas.constFind(s.id); e != live.etas.cend()) {
            s.eta = e->eta;
            s.etaWhy = e->why;
        }
        page << &s;
    }
    markFinished(db, page, now);
    return true;
}

// The batches a statement of BatchColumns selects, with their live state (withLiveState).
bool readBatches(QSqlDatabase &db, const QString &sql, const QVariantList &values,
    const QDateTime &now, const Counting &counting, QList<BatchSummary> &out, QSqlError *error)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!Database::exec(q, sql, values, error))
        return false;
    while (q.next())
        out << summaryFrom(q);
    q.finish();
    return withLiveState(db, out, now, counting, error);
}

// ---- Predictions --------------------------------------------------------------------------

void recordPrediction(QSqlDatabase &db, const BatchSummary &s, const QDateTime &now)
{
    // An open-ended estimate (Counting::estimated()'s capped place) is not a range to check.
    if (!s.eta || s.eta->aheadAtLeast || s.counts.total == 0)
        return;
    const double fraction = double(s.counts.finished()) / double(s.counts.total);
    double point = -1;
    for (const double p : RecordingPoints) {
        if (fraction >= p)
            point = p;
    }
    if (point < 0)
        return;
    // Once per recording point, whoever looks first (the NOT EXISTS).
    QSqlQuery q(db);
    QSqlError error;
    const QString batch = idParam(db);
    if (!Database::exec(q,
            QStringLiteral("INSERT INTO viralspot_batch_predictions (batch_id, made_at, "
                           "done_fraction, earliest, latest) SELECT %1, ?, ?, ?, ? "
                           "WHERE NOT EXISTS (SELECT 1 FROM viralspot_batch_predictions "
                           "WHERE batch_id = %1 AND done_fraction >= ?)")
                .arg(batch),
            { s.id, Database::timestampValue(db, now), fraction,
                Database::timestampValue(db, s.eta->earliest),
                Database::timestampValue(db, s.eta->latest), s.id, point },
            &error))
        qCWarning(lcCore).noquote()
            << "batch" << s.id << "prediction not recorded:" << error.text();
}

// ---- Actions ------------------------------------------------------------------------------

QueueAction queueAction(BatchAction action)
{
    switch (action) {
    case BatchAction::RetryFailed:
        return QueueAction::Retry;
    case BatchAction::RaiseWaiting:
        return QueueAction::Raise;
    case BatchAction::PauseRest:
        return QueueAction::Pause;
    case BatchAction::ResumeRest:
        return QueueAction::Resume;
    }
    return QueueAction::Retry;
}

struct RowSelection
{
    bool ok = false;
    QSqlError error;
    QStringList ids;
};

// The batch's rows the action applies to now, set-based. Retry leaves out rows whose profile
// has another active row or is processed (QueueActions would skip the first; the second needs
// no retry); resume leaves out rows whose profile has another active row.
RowSelection actionRows(QSqlDatabase &db, const QString &id, BatchAction action)
{
    RowSelection out;
    QString condition;
    const QString noOtherActive =
        QStringLiteral(" AND NOT EXISTS (SELECT 1 FROM queue a WHERE a.username = q.username "
                       "AND a.status IN ('PENDING','PROCESSING'))");
    const QString notProcessed = QStringLiteral(
        " AND NOT EXISTS (SELECT 1 FROM primary_profiles pp WHERE pp.username = q.username)");
    switch (action) {
    case BatchAction::RetryFailed:
        condition = QStringLiteral("q.status = 'FAILED'") + noOtherActive + notProcessed;
        break;
    case BatchAction::RaiseWaiting:
        condition = QStringLiteral("q.status = 'PENDING' AND q.priority = 'LOW'");
        break;
    case BatchAction::PauseRest:
        condition = QStringLiteral("q.status = 'PENDING'");
        break;
    case BatchAction::ResumeRest:
        condition = QStringLiteral("q.status = 'PAUSED'") + noOtherActive;
        break;
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!Database::exec(q,
            QStringLiteral("SELECT DISTINCT q.id FROM viralspot_batch_items i "
                           "JOIN queue q ON q.id = i.queue_id WHERE i.batch_id = %1 AND ")
                    .arg(idParam(db)) +
                condition,
            { id }, &out.error))
        return out;
    while (q.next())
        out.ids << q.value(0).toString();
    out.ok = true;
    return out;
}

} // namespace

namespace Batches {

QList<qint64> samplePositions(qint64 size, int items)
{
    QList<qint64> positions;
    const quint64 threshold = sampleThreshold(size, items);
    if (quint64(qMax(qint64(0), size)) <= threshold) {
        for (qint64 p = 1; p <= size; ++p) {
            if (inSample(p, size, items))
                positions << p;
        }
        return positions;
    }
    // The hash multiplies by an odd number modulo 2^32, so each hash value h has exactly one
    // position modulo 2^32: h times the multiplier's inverse (2654435761 * 244002641 = 1
    // modulo 2^32). Positions are below 2^31.
    constexpr quint64 Inverse = 244002641ULL;
    for (quint64 h = 0; h < threshold; ++h) {
        const qint64 p = qint64((h * Inverse) & 0xffffffffULL);
        if (p >= 1 && p <= size)
            positions << p;
    }
    std::sort(positions.begin(), positions.end());
    return positions;
}

QString completionRateSql(const QSqlDatabase &db)
{
    // A range of the partial index of schema step 8; its status predicate is the index's own
    // text. SQLite without statistics (the app never runs ANALYZE) prefers the (status,
    // priority) index for the status terms, which reads every finished row (0.6 s at 1,000,000
    // rows): INDEXED BY holds it to the range (measureRate falls back to the plain statement
    // when the index is missing). PostgreSQL's planner picks the index by its statistics.
    return QStringLiteral("SELECT COUNT(*), MIN(updated_at) FROM queue%1 "
                          "WHERE status IN ('COMPLETED','FAILED') "
                          "AND updated_at >= ? AND updated_at <= ?")
        .arg(Database::isPostgres(db)
                ? QString()
                : QStringLiteral(" INDEXED BY ") + QLatin1String(FinishedRowsIndex));
}

QString profilePositionSql(const QSqlDatabase &db)
{
    return QStringLiteral("SELECT (SELECT COUNT(*) FROM ") + waitingRows(db, QStringLiteral("w")) +
        QStringLiteral(" WHERE w.status = 'PENDING' "
                       " AND (w.priority, w.\"timestamp\") < (a.priority, a.\"timestamp\")), "
                       "(SELECT COUNT(*) FROM queue WHERE status = 'PROCESSING') "
                       "FROM queue a WHERE a.id = ") +
        idParam(db);
}

QString countsAndPlacesSql(const QSqlDatabase &db, int batches)
{
    return batchesCountsSql(db, batches, true);
}

QString itemStateName(ItemState state)
{
    switch (state) {
    case ItemState::Processed:
        return QStringLiteral("processed");
    case ItemState::Processing:
        return QStringLiteral("processing");
    case ItemState::Waiting:
        return QStringLiteral("waiting");
    case ItemState::Failed:
        return QStringLiteral("failed");
    case ItemState::Paused:
        return QStringLiteral("paused");
    case ItemState::Gone:
        return QStringLiteral("gone");
    case ItemState::NotQueued:
        return QStringLiteral("not_queued");
    }
    return {};
}

std::optional<ItemState> itemStateFromName(const QString &name)
{
    for (const ItemState s : { ItemState::Processed, ItemState::Processing, ItemState::Waiting,
             ItemState::Failed, ItemState::Paused, ItemState::Gone, ItemState::NotQueued }) {
        if (itemStateName(s) == name)
            return s;
    }
    return std::nullopt;
}

QString itemStateLabel(ItemState state)
{
    switch (state) {
    case ItemState::Processed:
        return BatchesText::tr("Processed");
    case ItemState::Processing:
        return BatchesText::tr("Processing");
    case ItemState::Waiting:
        return BatchesText::tr("Waiting");
    case ItemState::Failed:
        return BatchesText::tr("Failed");
    case ItemState::Paused:
        return BatchesText::tr("Paused");
    case ItemState::Gone:
        return BatchesText::tr("Gone");
    case ItemState::NotQueued:
        return BatchesText::tr("Not queued");
    }
    return {};
}

QString actionName(BatchAction action)
{
    switch (action) {
    case BatchAction::RetryFailed:
        return QStringLiteral("retry_failed");
    case BatchAction::RaiseWaiting:
        return QStringLiteral("raise_waiting");
    case BatchAction::PauseRest:
        return QStringLiteral("pause_rest");
    case BatchAction::ResumeRest:
        return QStringLiteral("resume_rest");
    }
    return {};
}

QString actionLabel(BatchAction action)
{
    switch (action) {
    case BatchAction::RetryFailed:
        return BatchesText::tr("Retry the failed");
    case BatchAction::RaiseWaiting:
        return BatchesText::tr("Raise the waiting to HIGH");
    case BatchAction::PauseRest:
        return BatchesText::tr("Pause the rest");
    case BatchAction::ResumeRest:
        return BatchesText::tr("Resume the rest");
    }
    return {};
}

QString defaultName(const QString &source, const QString &origin, const QDateTime &when)
{
    const QString what = source.isEmpty() ? origin : source;
    return QStringLiteral("%1 %2").arg(what.isEmpty() ? BatchesText::tr("batch") : what,
        when.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")));
}

AppendResult appendSingle(
    QSqlDatabase &db, const QString &osUser, const QDate &day, const RequestResult &result)
{
    AppendResult out;
    // One batch per OS user and day, its id derived from both: every process finds the same
    // batch without a lookup, and two making it at once meet at the primary key.
    const QString key =
        QStringLiteral("viralspot-single|%1|%2").arg(osUser, day.toString(Qt::ISODate));
    const QString id =
        QUuid::createUuidV5(QUuid(QStringLiteral("{6f1c1d2e-8f43-4b8e-9a55-2f0e6d1c7b10}")), key)
            .toString(QUuid::WithoutBraces);
    out.batchId = id;
    const bool postgres = Database::isPostgres(db);
    const QString batch = idParam(db);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const bool followed = result.outcome == Outcome::Queued ||
        result.outcome == Outcome::AlreadyQueued || result.outcome == Outcome::AlreadyProcessed;
    for (int attempt = 1; attempt <= 4; ++attempt) {
        QSqlQuery q(db);
        if (QSqlError beginError; !Database::beginWrite(db, &beginError)) {
            out.error = beginError.text();
            return out;
        }
        QSqlError error;
        BatchRecord::Chunk chunk;
        chunk.batch.id = id;
        chunk.batch.name =
            BatchesText::tr("Single requests of %1 on %2").arg(osUser, day.toString(Qt::ISODate));
        chunk.batch.source = QStringLiteral("single");
        chunk.batch.origin = QStringLiteral("window");
        chunk.batch.submittedBy = osUser;
        // One notification per single request would be noise: on for this batch by choice.
        chunk.batch.notify = false;
        chunk.create = true;
        chunk.createdAt = now;
        bool ok = BatchRecord::insertFinal(db, chunk, &error);
        // The next position, the active row found for an already-queued profile, and the
        // batch open again (finished_at cleared) since it has something to follow.
        ok = ok &&
            Database::exec(q,
                QStringLiteral(
                    "INSERT INTO viralspot_batch_items (batch_id, position, input, username, "
                    "outcome, message, queue_id) SELECT %1, COALESCE(MAX(position), 0) + 1, ?, "
                    "?, ?, ?, COALESCE(%2, (SELECT a.id FROM queue a WHERE a.username = ? "
                    "AND a.status IN ('PENDING','PROCESSING') AND ? = 'already_queued' "
                    "LIMIT 1)) FROM viralspot_batch_items WHERE batch_id = %1")
                    .arg(batch, postgres ? QStringLiteral("?::uuid") : QStringLiteral("?")),
                { id,
                    result.input == result.username ? QVariant()
                                                    : QVariant(BatchRecord::storable(result.input)),
                    result.username.isEmpty() ? QVariant() : QVariant(result.username),
                    outcomeName(result.outcome),
                    followed ? QVariant() : QVariant(BatchRecord::storable(result.message)),
                    result.queueId.isEmpty() ? QVariant() : QVariant(result.queueId),
                    result.username, outcomeName(result.outcome), id },
                &error);
        if (ok && followed)
            ok = Database::exec(q,
                QStringLiteral("UPDATE viralspot_batches SET finished_at = NULL, "
                               "notified_at = NULL WHERE id = %1")
                    .arg(batch),
                { id }, &error);
        if (ok && q.exec(QStringLiteral("COMMIT"))) {
            out.ok = true;
            return out;
        }
        if (ok)
            error = q.lastError();
        q.exec(QStringLiteral("ROLLBACK"));
        if (Database::isUniqueViolation(error) && attempt < 4)
            continue; // another process took that position: the next one
        out.error = failure(db, error).error;
        return out;
    }
    return out;
}

BatchList list(QSqlDatabase &db, const QString &search, int limit, int offset, const QDateTime &now,
    const Counting &counting)
{
    BatchList out;
    QString where;
    QVariantList values;
    if (!search.trimmed().isEmpty()) {
        QString pattern = search.trimmed().toLower();
        pattern.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
        pattern.replace(QLatin1Char('%'), QStringLiteral("\\%"));
        pattern.replace(QLatin1Char('_'), QStringLiteral("\\_"));
        where = QStringLiteral("WHERE lower(name) LIKE ? ESCAPE '\\' ");
        values << QString(QLatin1Char('%') + pattern + QLatin1Char('%'));
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSqlError error;
    const auto fail = [&](const QSqlError &e) { return failed(db, e, out); };
    // Capped: counting every batch of a long history is not worth a slow list.
    if (!Database::exec(q,
            QStringLiteral("SELECT COUNT(*) FROM (SELECT 1 FROM viralspot_batches %1LIMIT %2) t")
                .arg(where)
                .arg(TotalCap + 1),
            values, &error) ||
        !q.next())
        return fail(error.isValid() ? error : q.lastError());
    out.totalBatches = q.value(0).toLongLong();
    out.totalCapped = out.totalBatches > TotalCap;
    out.totalBatches = qMin(out.totalBatches, TotalCap);
    q.finish();

    QVariantList pageValues = values;
    pageValues << qMax(0, limit) << qMax(0, offset);
    if (!readBatches(db,
            BatchColumns + where +
                QStringLiteral("ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"),
            pageValues, now, counting, out.batches, &error))
        return fail(error);
    out.ok = true;
    return out;
}

BatchList summaries(
    QSqlDatabase &db, const QStringList &ids, const QDateTime &now, const Counting &counting)
{
    BatchList out;
    const auto fail = [&](const QSqlError &e) { return failed(db, e, out); };
    QStringList valid;
    for (const QString &id : ids) {
        if (!QUuid::fromString(id).isNull() && !valid.contains(id))
            valid << id;
    }
    QSqlError error;
    if (!valid.isEmpty() &&
        !readBatches(db,
            BatchColumns +
                QStringLiteral("WHERE id IN (%1) ORDER BY created_at DESC, id DESC")
                    .arg(Database::placeholders(int(valid.size()), idParam(db))),
            QVariantList(valid.cbegin(), valid.cend()), now, counting, out.batches, &error))
        return fail(error);
    out.totalBatches = out.batches.size();
    out.ok = true;
    return out;
}

BatchDetail detail(
    QSqlDatabase &db, const QString &id, const QDateTime &now, const Counting &counting)
{
    BatchDetail out;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSqlError error;
    const auto fail = [&](const QSqlError &e) { return failed(db, e, out); };
    if (QUuid::fromString(id).isNull()) {
        out.ok = true; // not an id: no such batch
        return out;
    }
    if (!Database::exec(
            q, BatchColumns + QStringLiteral("WHERE id = ") + idParam(db), { id }, &error))
        return fail(error);
    if (!q.next()) {
        out.ok = true;
        return out;
    }
    out.found = true;
    out.summary = summaryFrom(q);
    q.finish();
    LiveState live;
    if (!readLiveState(db, { id }, now, live, &error, counting))
        return fail(error);
    out.summary.counts = live.counts.value(id);
    if (const auto e = live.etas.constFind(id); e != live.etas.cend()) {
        out.summary.eta = e->eta;
        out.summary.etaWhy = e->why;
        recordPrediction(db, out.summary, now);
    }
    markFinished(db, { &out.summary }, now);

    if (!Database::exec(q,
            QStringLiteral("SELECT made_at, done_fraction, earliest, latest FROM "
                           "viralspot_batch_predictions WHERE batch_id = %1 ORDER BY made_at")
                .arg(idParam(db)),
            { id }, &error))
        return fail(error);
    while (q.next()) {
        BatchDetail::Prediction p;
        p.madeAt = QueueQuery::toDateTime(q.value(0));
        p.doneFraction = q.value(1).toDouble();
        p.earliest = QueueQuery::toDateTime(q.value(2));
        p.latest = QueueQuery::toDateTime(q.value(3));
        if (out.summary.finishedAt.isValid() && p.earliest.isValid() && p.latest.isValid()) {
            const QDateTime mid = p.earliest.addMSecs(p.earliest.msecsTo(p.latest) / 2);
            p.errorSeconds = mid.secsTo(out.summary.finishedAt);
        }
        out.predictions << p;
    }
    out.ok = true;
    return out;
}

// A page of a batch's items in input order (`where` on the items `i`, `filter` on their state
// `s`), appended to `items`.
bool readItemPage(QSqlDatabase &db, const QString &where, const QString &filter,
    QVariantList values, int limit, int offset, QList<BatchItem> &items, QSqlError *error)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    values << qMax(0, limit) << qMax(0, offset);
    if (!execRead(db, q,
            QStringLiteral("SELECT * FROM (") + itemStateSql(where) + QStringLiteral(") s") +
                filter + QStringLiteral(" ORDER BY s.position LIMIT ? OFFSET ?"),
            values, error, ReadPlan::SerialInOrder))
        return false;
    while (q.next()) {
        BatchItem item;
        item.position = q.value(1).toInt();
        item.input = q.value(2).toString();
        item.username = q.value(3).toString();
        item.outcome = outcomeFromName(q.value(4).toString()).value_or(Outcome::Error);
        item.message = q.value(5).toString();
        if (item.message.isEmpty())
            item.message = outcomeMessage(item.outcome, item.username);
        item.queueId = q.value(6).toString();
        item.status = q.value(7).toString();
        item.priority = q.value(8).toString();
        item.state = itemStateFromName(q.value(12).toString()).value_or(ItemState::Gone);
        if (item.state == ItemState::Failed)
            item.errorMessage = q.value(9).toString();
        item.attempts = q.value(10).toInt();
        item.updatedAt = QueueQuery::toDateTime(q.value(11));
        items << item;
    }
    return true;
}

// The items' states as a condition on `s.state`; empty for every state.
QString stateCondition(const QList<ItemState> &states)
{
    if (states.isEmpty())
        return {};
    QStringList names;
    for (const ItemState s : states)
        names << QLatin1Char('\'') + itemStateName(s) + QLatin1Char('\'');
    return QStringLiteral("s.state IN (") + names.join(QLatin1Char(',')) + QLatin1Char(')');
}

QString stateFilter(const QString &condition)
{
    return condition.isEmpty() ? QString() : QStringLiteral(" WHERE ") + condition;
}

BatchItems items(QSqlDatabase &db, const QString &id, const QList<ItemState> &states, int limit,
    int offset, const Counting &counting)
{
    BatchItems out;
    const QString where = QStringLiteral("i.batch_id = ") + idParam(db);
    const QString stateIn = stateCondition(states);
    const QString filter = stateFilter(stateIn);
    const QVariantList values { id };
    const auto fail = [&](const QSqlError &e) { return failed(db, e, out); };
    if (QUuid::fromString(id).isNull()) {
        out.ok = true;
        return out;
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSqlError error;
    QHash<QString, Sampled> big;
    if (counting.estimate && !bigBatches(db, { id }, counting.exactItems, big, &error))
        return fail(error);
    if (const auto b = big.constFind(id); b != big.cend()) {
        // The matching items of the sample, scaled to the batch.
        if (!execRead(db, q,
                QStringLiteral("SELECT COUNT(*), SUM(CASE WHEN %1 THEN 1 ELSE 0 END) FROM (")
                        .arg(stateIn.isEmpty() ? QStringLiteral("1 = 1") : stateIn) +
                    itemStateSql(sampleWhere(db, b->size, counting.sampleItems)) +
                    QStringLiteral(") s"),
                values, &error) ||
            !q.next())
            return fail(error.isValid() ? error : q.lastError());
        const qint64 rows = q.value(0).toLongLong();
        out.matching =
            rows > 0 ? std::llround(q.value(1).toDouble() * double(b->size) / double(rows)) : 0;
        out.matchingEstimated = true;
    } else {
        if (!execRead(db, q,
                QStringLiteral("SELECT COUNT(*) FROM (") + itemStateSql(where) +
                    QStringLiteral(") s") + filter,
                values, &error, ReadPlan::NoJit) ||
            !q.next())
            return fail(error.isValid() ? error : q.lastError());
        out.matching = q.value(0).toLongLong();
    }
    q.finish();
    if (!readItemPage(db, where, filter, values, limit, offset, out.items, &error))
        return fail(error);
    // An estimate never says fewer than the items read.
    if (out.matchingEstimated)
        out.matching = qMax(out.matching, qint64(qMax(0, offset)) + out.items.size());
    out.ok = true;
    return out;
}

BatchItems itemsAfter(QSqlDatabase &db, const QString &id, const QList<ItemState> &states,
    int afterPosition, int limit)
{
    BatchItems out;
    if (QUuid::fromString(id).isNull()) {
        out.ok = true;
        return out;
    }
    QSqlError error;
    if (!readItemPage(db,
            QStringLiteral("i.batch_id = ") + idParam(db) + QStringLiteral(" AND i.position > ?"),
            stateFilter(stateCondition(states)), { id, afterPosition }, limit, 0, out.items,
            &error))
        return failed(db, error, out);
    out.matching = out.items.size();
    out.ok = true;
    return out;
}

EtaEstimate etaForBatch(QSqlDatabase &db, const QString &id, const QDateTime &now)
{
    EtaEstimate e;
    e.ok = true;
    if (QUuid::fromString(id).isNull()) {
        e.why = BatchesText::tr("no such batch");
        return e;
    }
    LiveState live;
    if (QSqlError error; !readLiveState(db, { id }, now, live, &error)) {
        e.ok = false;
        e.error = failure(db, error).error;
        return e;
    }
    if (const auto open = live.etas.constFind(id); open != live.etas.cend())
        return *open;
    e.why = nothingToWaitFor(live.counts.value(id));
    return e;
}

EtaEstimate etaForProfile(QSqlDatabase &db, const QString &username, const QDateTime &now)
{
    EtaEstimate e;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSqlError error;
    // Its active row (legacy mixed-case rows too); then the workers' rate (a range of the
    // index of schema step 8); the rows taken before it, a count that grows with the waiting
    // rows, only when the rate can be used.
    if (!execRead(db, q,
            QStringLiteral("SELECT a.id, a.status FROM queue a WHERE (a.username = ? OR "
                           "(lower(a.username) = ? AND a.username <> lower(a.username))) "
                           "AND a.status IN ('PENDING','PROCESSING') LIMIT 1"),
            { username, username }, &error)) {
        e.error = failure(db, error).error;
        return e;
    }
    if (!q.next()) {
        e.ok = true;
        e.why = BatchesText::tr("not waiting in the queue");
        return e;
    }
    const QString id = q.value(0).toString();
    const bool processing = q.value(1).toString() == QLatin1String("PROCESSING");
    q.finish();
    const Rate rate = measureRate(db, now);
    if (!rate.ok) {
        e.error = failure(db, rate.error).error;
        return e;
    }
    if (!rate.why.isEmpty()) {
        e.ok = true;
        e.why = rate.why;
        return e;
    }
    if (!execRead(db, q, profilePositionSql(db), { id }, &error, ReadPlan::NoJit)) {
        e.error = failure(db, error).error;
        return e;
    }
    if (!q.next()) {
        // Deleted meanwhile.
        e.ok = true;
        e.why = BatchesText::tr("not waiting in the queue");
        return e;
    }
    const qint64 ahead = q.value(0).toLongLong() + q.value(1).toLongLong() - (processing ? 1 : 0);
    q.finish();
    e.ok = true;
    e.eta = etaFrom(rate, ahead, 1, now);
    return e;
}

BatchActionResult preview(QSqlDatabase &db, const QString &id, BatchAction action)
{
    BatchActionResult out;
    const RowSelection rows = actionRows(db, id, action);
    if (!rows.ok) {
        const Failure f = failure(db, rows.error);
        out.error = f.error;
        out.errorKind = f.kind;
        return out;
    }
    out.ok = true;
    out.eligible = int(rows.ids.size());
    out.summary = BatchesText::tr("%1: %n row(s) would change now", nullptr, out.eligible)
                      .arg(actionLabel(action));
    return out;
}

BatchActionResult apply(
    QSqlDatabase &db, const QString &id, BatchAction action, const AuditEntry &audit)
{
    BatchActionResult out;
    const RowSelection rows = actionRows(db, id, action);
    if (!rows.ok) {
        const Failure f = failure(db, rows.error);
        out.error = f.error;
        out.errorKind = f.kind;
        return out;
    }
    out.eligible = int(rows.ids.size());
    // QueueActions' rules and transaction: the partial unique index has the last word (never
    // a second active row), the audit row in the same transaction, the batch id in its
    // details.
    AuditEntry entry = audit;
    if (!entry.origin.isEmpty()) {
        entry.details.insert(QStringLiteral("batch_id"), id);
        entry.details.insert(QStringLiteral("batch_action"), actionName(action));
    }
    QueueActionResult done;
    if (!rows.ids.isEmpty()) {
        // QueueActions retries a statement that raced a writer a few times; against a steady
        // stream of requests for the same profiles (the single route) that can run out, and
        // the whole action is then tried again: nothing was changed, and it reads again.
        for (int attempt = 1;; ++attempt) {
            done = QueueActions::apply(db, queueAction(action), rows.ids, entry);
            if (done.ok || !done.raced || attempt >= 20)
                break;
            QThread::msleep(10 * attempt);
        }
        if (!done.ok) {
            out.error = done.error;
            out.errorKind = db.isOpen() ? ErrorKind::Failed : ErrorKind::Unavailable;
            return out;
        }
    }
    out.changed = done.changed();
    out.skipped = int(done.skipped.size());
    // A failed item whose profile has an active row again (asked for meanwhile, or its retry
    // was skipped for that row) follows that row from now on: its live state is that row's.
    if (action == BatchAction::RetryFailed) {
        QSqlQuery q(db);
        QSqlError error;
        if (!Database::exec(q,
                QStringLiteral(
                    "UPDATE viralspot_batch_items SET queue_id = (SELECT a.id FROM queue a "
                    "WHERE a.username = viralspot_batch_items.username "
                    "AND a.status IN ('PENDING','PROCESSING') LIMIT 1) "
                    "WHERE batch_id = %1 AND EXISTS (SELECT 1 FROM queue f "
                    "WHERE f.id = viralspot_batch_items.queue_id AND f.status = 'FAILED') "
                    "AND EXISTS (SELECT 1 FROM queue a "
                    "WHERE a.username = viralspot_batch_items.username "
                    "AND a.status IN ('PENDING','PROCESSING'))")
                    .arg(idParam(db)),
                { id }, &error))
            qCWarning(lcCore).noquote()
                << "batch" << id << "items not moved to their active rows:" << error.text();
    }
    out.ok = true;
    out.summary = rows.ids.isEmpty()
        ? BatchesText::tr("%1: nothing to change").arg(actionLabel(action))
        : done.summary();
    // The batch is open again when rows became active.
    if (out.changed > 0 &&
        (action == BatchAction::RetryFailed || action == BatchAction::ResumeRest)) {
        QSqlQuery q(db);
        Database::exec(q,
            QStringLiteral("UPDATE viralspot_batches SET finished_at = NULL, notified_at = NULL "
                           "WHERE id = ") +
                idParam(db),
            { id });
    }
    return out;
}

Result rename(QSqlDatabase &db, const QString &id, const QString &name)
{
    const QString trimmed = BatchRecord::storable(name.trimmed());
    if (trimmed.isEmpty())
        return Result::failure(BatchesText::tr("A batch needs a name."));
    if (trimmed.size() > 200)
        return Result::failure(BatchesText::tr("A batch name is at most 200 characters."));
    if (QUuid::fromString(id).isNull())
        return Result::failure(BatchesText::tr("No batch with id %1.").arg(id));
    QSqlQuery q(db);
    QSqlError error;
    if (!Database::exec(q,
            QStringLiteral("UPDATE viralspot_batches SET name = ? WHERE id = ") + idParam(db),
            { trimmed, id }, &error)) {
        const Failure f = failure(db, error);
        return Result::failure(f.error, f.kind);
    }
    if (q.numRowsAffected() < 1)
        return Result::failure(BatchesText::tr("No batch with id %1.").arg(id));
    return Result::success();
}

Result setNotify(QSqlDatabase &db, const QString &id, bool notify)
{
    if (QUuid::fromString(id).isNull())
        return Result::failure(BatchesText::tr("No batch with id %1.").arg(id));
    QSqlQuery q(db);
    QSqlError error;
    if (!Database::exec(q,
            QStringLiteral("UPDATE viralspot_batches SET notify = ? WHERE id = ") + idParam(db),
            { Database::isPostgres(db) ? QVariant(notify) : QVariant(notify ? 1 : 0), id },
            &error)) {
        const Failure f = failure(db, error);
        return Result::failure(f.error, f.kind);
    }
    if (q.numRowsAffected() < 1)
        return Result::failure(BatchesText::tr("No batch with id %1.").arg(id));
    return Result::success();
}

ClaimResult claimFinishedNotification(QSqlDatabase &db, const QString &id)
{
    ClaimResult out;
    if (QUuid::fromString(id).isNull()) {
        out.ok = true;
        return out;
    }
    QSqlQuery q(db);
    QSqlError error;
    // One UPDATE: whichever process's statement changes the row first claims it; the others
    // find notified_at set (PostgreSQL re-checks the WHERE after waiting on the row lock;
    // SQLite runs writers one at a time).
    if (!Database::exec(q,
            QStringLiteral("UPDATE viralspot_batches SET notified_at = ? WHERE id = %1 "
                           "AND notified_at IS NULL AND finished_at IS NOT NULL AND notify")
                .arg(idParam(db)),
            { Database::timestampValue(db, QDateTime::currentDateTimeUtc()), id }, &error)) {
        out.error = failure(db, error).error;
        return out;
    }
    out.ok = true;
    out.claimed = q.numRowsAffected() == 1;
    return out;
}

IdList unnotifiedFinished(QSqlDatabase &db, int limit, const std::optional<QString> &submittedBy)
{
    IdList out;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSqlError error;
    const QString bySubmitter = submittedBy ? QStringLiteral("AND submitted_by = ? ") : QString();
    QVariantList params;
    if (submittedBy)
        params << *submittedBy;
    // The newest open batches that want a notification: seen done now, they are marked
    // finished here, so that a batch nobody opens is still announced.
    if (!Database::exec(q,
            BatchColumns +
                QStringLiteral("WHERE finished_at IS NULL AND notify AND notified_at IS NULL ") +
                bySubmitter + QStringLiteral("ORDER BY created_at DESC LIMIT 200"),
            params, &error)) {
        out.error = failure(db, error).error;
        return out;
    }
    QList<BatchSummary> open;
    QStringList ids;
    while (q.next()) {
        open << summaryFrom(q);
        ids << open.constLast().id;
    }
    q.finish();
    QHash<QString, BatchCounts> counts;
    if (!countsFor(db, ids, counts, &error, nullptr, Counting::estimated())) {
        out.error = failure(db, error).error;
        return out;
    }
    QList<BatchSummary *> pointers;
    for (BatchSummary &s : open) {
        s.counts = counts.value(s.id);
        pointers << &s;
    }
    markFinished(db, pointers, QDateTime::currentDateTimeUtc());
    if (!Database::exec(q,
            QStringLiteral("SELECT id FROM viralspot_batches WHERE finished_at IS NOT NULL "
                           "AND notify AND notified_at IS NULL ") +
                bySubmitter + QStringLiteral("ORDER BY finished_at LIMIT ?"),
            params + QVariantList { qMax(1, limit) }, &error)) {
        out.error = failure(db, error).error;
        return out;
    }
    while (q.next())
        out.ids << q.value(0).toString();
    out.ok = true;
    return out;
}

} // namespace Batches
} // namespace ViralSpot
