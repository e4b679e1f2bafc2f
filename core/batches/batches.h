#pragma once

// Batches: every bulk submission (window, `submit`, POST /api/batches) and the window's single
// requests (one batch per OS user and day) recorded with their items, and followed to the end.
// Contract: Batches (docs/contract.md). Tables (additive, migration step 6): viralspot_batches,
// viralspot_batch_items, viralspot_batch_predictions. The original workers never read them.
//
// Every function runs on the calling thread's open connection `db` (a DatabaseThread job in
// the window, the command's own connection in the terminal, a database worker in the endpoint).

#include "core/auditlog.h"
#include "core/outcome.h"
#include "core/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <optional>

namespace ViralSpot {

// Where an item of a batch is now, computed from `queue` and `primary_profiles`.
enum class ItemState
{
    Processed, // its username is in primary_profiles (or its row is COMPLETED)
    Processing, // its row is PROCESSING
    Waiting, // its row is PENDING (at the row's priority)
    Failed, // its row is FAILED (error_message from the worker)
    Paused, // its row is PAUSED
    Gone, // its row was deleted and the profile is not processed
    NotQueued, // invalid, duplicate in the batch, or an error at submission: nothing to follow
};

// A new batch, given to RequestService::requestBulk()/requestItems() through
// BatchOptions::record: the batch row and its items are written in the same transactions as
// the queue rows (a batch of at most BatchOptions::chunkSize usernames is one durable commit).
struct NewBatch
{
    QString id; // set by the caller (Ids::uuidV7()), so it knows it before the commit
    QString name; // empty: Batches::defaultName(source, origin, now)
    QString source;
    QString origin; // "window", "terminal", "endpoint"
    QString submittedBy; // the OS user, or the endpoint client ("127.0.0.1")
    bool notify = true; // a desktop notification when it finishes
    // Streaming input (submit -, big files): the first chunk creates the batch, the later ones
    // append with appendToExisting and the position of their first input. Duplicates of an
    // earlier chunk's usernames are found through the items already recorded (index on
    // batch_id, username), so memory does not grow with the input.
    bool appendToExisting = false;
    int firstPosition = 1;
};

struct BatchCounts
{
    int total = 0; // items followed: queued, already_queued, already_processed at submission
    int processed = 0;
    int processing = 0;
    int waiting = 0;
    int waitingHigh = 0; // of waiting, at HIGH priority
    int failed = 0;
    int paused = 0;
    int gone = 0;
    int notQueued = 0; // recorded but not followed (not part of total)
    // Counting::estimated(): every count above scaled from a sample of `sampled` items spread
    // over the batch. Never done() for a batch not yet finished (see Counting).
    bool estimated = false;
    int sampled = 0;
    // Every followed item processed, failed or gone (a batch with nothing to follow is done).
    bool done() const { return processing == 0 && waiting == 0 && paused == 0; }
    int finished() const { return processed + failed + gone; }
};

// An honest estimate: a range from the workers' measured completion rate and the rows they
// take first (ORDER BY priority, "timestamp"); absent when unknown.
struct Eta
{
    QDateTime earliest; // UTC
    QDateTime latest; // UTC
    double completionsPerMinute = 0; // measured over the recent window
    qint64 ahead = 0; // waiting rows the workers take before this batch's last waiting row
    qint64 remaining = 0; // this batch's rows still to finish
    // Counting::estimated(): more than `ahead` rows are ahead (the place was not counted to the
    // end): `earliest` holds, `latest` is unknown (invalid).
    bool aheadAtLeast = false;
};

struct EtaEstimate
{
    bool ok = false; // false: the database failed (error)
    QString error;
    std::optional<Eta> eta; // nullopt: unknown (why says so) or nothing left to wait for
    QString why; // when unknown: "workers idle", "too few completions to measure", ...
};

struct BatchSummary
{
    QString id;
    QString name;
    QString source;
    QString origin;
    QString submittedBy;
    QDateTime createdAt; // UTC
    QDateTime finishedAt; // UTC; null while not done (set the first time it is seen done)
    bool notify = true;
    BatchCounts counts;
    std::optional<Eta> eta; // unknown or done: nullopt
    QString etaWhy; // when no eta and not done: why unknown
};

struct BatchItem
{
    int position = 0; // 1-based, input order
    QString input;
    QString username; // normalized; empty for unparsable input
    Outcome outcome = Outcome::Error; // at submission
    QString message; // at submission
    QString queueId; // the row created or found; empty when none
    ItemState state = ItemState::NotQueued; // now
    QString priority; // of its row now
    QString status; // of its row now ("" when gone / none)
    QString errorMessage; // the worker's, for Failed
    int attempts = 0;
    QDateTime updatedAt; // of its row
};

struct BatchList
{
    bool ok = false;
    QString error;
    ErrorKind errorKind = ErrorKind::None;
    QList<BatchSummary> batches; // newest first
    qint64 totalBatches = 0; // matching the search (capped at 10,000: see totalCapped)
    bool totalCapped = false;
};

struct BatchDetail
{
    bool ok = false;
    QString error;
    ErrorKind errorKind = ErrorKind::None;
    bool found = false;
    BatchSummary summary;
    // Predicted vs. actual: each recorded prediction (time made, done fraction then, range)
    // and, once finished, how far off its midpoint was.
    struct Prediction
    {
        QDateTime madeAt;
        double doneFraction = 0;
        QDateTime earliest;
        QDateTime latest;
        std::optional<qint64> errorSeconds; // actual finish - midpoint, once finished
    };
    QList<Prediction> predictions;
};

struct BatchItems
{
    bool ok = false;
    QString error;
    ErrorKind errorKind = ErrorKind::None;
    QList<BatchItem> items; // in input order
    qint64 matching = 0; // items matching the filter
    bool matchingEstimated = false; // Counting::estimated(): scaled from a sample
};

// How a read counts its batches' items by state, and places them in the workers' order.
struct Counting
{
    // false (exact): every item joined to its queue row, every place counted to the end: what
    // finishing, notifications, the terminal and the endpoint use.
    // true (estimated): the window's periodic refreshes and the finish watcher's check of the
    // open batches, which must stay fast on a 100,000-item batch and a 10,000,000-row queue:
    // - a batch of more than `exactItems` items is counted from about `sampleItems` of them
    //   (positions picked by a hash, spread over the batch) and every count is scaled to its
    //   size (BatchCounts::estimated). A batch not yet finished whose sample shows nothing left
    //   to wait for is counted exactly instead: so the estimated counts of an open batch always
    //   hold an item still waiting, processing or paused (it is certainly not done), and only
    //   exact counts finish a batch;
    // - only the batches whose last waiting row is among the first `placeCap` waiting rows are
    //   placed exactly; a deeper one gets an open-ended ETA (Eta::aheadAtLeast).
    bool estimate = false;
    int exactItems = 5000;
    int sampleItems = 1000;
    qint64 placeCap = 100000; // 0: every place counted to the end

    static Counting exact() { return {}; }
    // The same counting with every place counted to the end (placeCap 0): the window's
    // background read of the places, the endpoint's estimated answer (a full ETA range).
    Counting everyPlace() const
    {
        Counting c = *this;
        c.placeCap = 0;
        return c;
    }
    static Counting estimated()
    {
        Counting c;
        c.estimate = true;
        return c;
    }
};

// An action on the batch's rows. Dedupe-safe: never a second active row (QueueActions' rules);
// written to the audit log with the batch id in the details.
enum class BatchAction
{
    RetryFailed, // FAILED -> PENDING (a new active row when the old one cannot be reused)
    RaiseWaiting, // PENDING at LOW -> HIGH
    PauseRest, // PENDING -> PAUSED
    ResumeRest, // PAUSED -> PENDING
};

struct BatchActionResult
{
    bool ok = false;
    QString error;
    ErrorKind errorKind = ErrorKind::None;
    int eligible = 0; // preview: rows the action would change now
    int changed = 0; // apply: rows changed
    int skipped = 0; // apply: rows skipped (e.g. a second active row would result)
    QString summary; // for people (translated)
};

namespace Batches {

QString itemStateName(ItemState state); // "processed", "processing", "waiting", ... "not_queued"
std::optional<ItemState> itemStateFromName(const QString &name);
QString itemStateLabel(ItemState state); // translated
QString actionName(
    BatchAction action); // "retry_failed", "raise_waiting", "pause_rest", "resume_rest"
QString actionLabel(BatchAction action); // translated

// "paste 2026-12-02 10:15" style name for a batch without one.
QString defaultName(const QString &source, const QString &origin, const QDateTime &when);

// The window's single requests: the batch of `osUser` for `day` (local date), made when
// missing, and `result` appended as its next item (its own small commit, after the request's).
struct AppendResult
{
    bool ok = false;
    QString error;
    QString batchId;
};
AppendResult appendSingle(
    QSqlDatabase &db, const QString &osUser, const QDate &day, const RequestResult &result);

// Newest first; `search` matches the name (case-insensitive substring); counts and ETA for
// the batches returned only (set-based: one query for the page's counts).
BatchList list(QSqlDatabase &db, const QString &search = {}, int limit = 50, int offset = 0,
    const QDateTime &now = QDateTime::currentDateTimeUtc(), const Counting &counting = {});

// These batches (missing ids left out), newest first: the window's read of the places that
// an estimated list left open-ended (Counting::estimated() with placeCap 0).
BatchList summaries(QSqlDatabase &db, const QStringList &ids,
    const QDateTime &now = QDateTime::currentDateTimeUtc(), const Counting &counting = {});

// Counting::estimated(): whether the item at `position` (from 1) of a batch of `size` items is
// in the sample of about `items` of them (a multiplicative hash of the position, so the sample
// is spread over the batch and over any period of its input).
inline quint64 sampleThreshold(qint64 size, int items)
{
    return (quint64(1) << 32) * quint64(qMax(1, items)) / quint64(qMax(qint64(1), size));
}
inline bool inSample(qint64 position, qint64 size, int items)
{
    return ((quint64(position) * 2654435761ULL) & 0xffffffffULL) < sampleThreshold(size, items);
}

// Every position of such a batch in its sample, ascending: by walking the positions, or, for a
// batch of more positions than sampled hash values (above ~2,000,000 items for a sample of
// 1,000), by walking the hash values below the threshold back to their positions (walking
// 10,000,000 positions took 22 ms a read).
QList<qint64> samplePositions(qint64 size, int items);

// One batch with counts, ETA and recorded predictions. Marks it finished (finished_at) the
// first time it is seen done, and records a prediction when the done fraction crossed a
// recording point (10%, 25%, 50%, 75%) since the last one.
BatchDetail detail(QSqlDatabase &db, const QString &id,
    const QDateTime &now = QDateTime::currentDateTimeUtc(), const Counting &counting = {});

// Its items with their live state; `states` empty = all. With Counting::estimated(), the
// matching count of a big batch is scaled from its sample (matchingEstimated).
BatchItems items(QSqlDatabase &db, const QString &id, const QList<ItemState> &states = {},
    int limit = 1000, int offset = 0, const Counting &counting = {});

// The next `limit` items after position `afterPosition`, in input order, with their live state
// (`matching`: the items read): for reading a whole batch page by page (the CSV export), where
// an OFFSET would make every page walk the items before it again.
BatchItems itemsAfter(QSqlDatabase &db, const QString &id, const QList<ItemState> &states,
    int afterPosition, int limit);

// The estimate for rows not yet finished: for a batch (its waiting/processing rows) or for
// one profile's active row (the single route's `eta`). Completion rate over the last
// `windowMinutes` of queue rows that became COMPLETED/FAILED (by updated_at).
EtaEstimate etaForBatch(
    QSqlDatabase &db, const QString &id, const QDateTime &now = QDateTime::currentDateTimeUtc());
EtaEstimate etaForProfile(QSqlDatabase &db, const QString &username,
    const QDateTime &now = QDateTime::currentDateTimeUtc());

// The statement that measures the workers' completion rate (rows that became COMPLETED or
// FAILED, by updated_at, between two bound timestamps): COUNT(*) and MIN(updated_at), from the
// partial index of schema step 8. Public so that tests can check its plan.
QString completionRateSql(const QSqlDatabase &db);

// The statement that counts one active row's position (by its bound id): the waiting rows the
// original workers take before it (ORDER BY priority, "timestamp"), from the partial index of
// schema step 9, and the rows being processed. Public so that tests can check its plan.
QString profilePositionSql(const QSqlDatabase &db);

// The statement that reads `batches` batches' counts and their places (the waiting rows the
// original workers take before each one's last waiting row: one pass over the waiting rows up
// to the deepest batch, ranges of the index of schema step 9), their ids bound. Public so that
// tests can check its plan.
QString countsAndPlacesSql(const QSqlDatabase &db, int batches);

// How many rows the action would change now (for the confirmation), then the action itself in
// one transaction with its audit row (`audit.origin` set by the caller; details get the batch
// id). Items whose row was replaced by the action (a retry that made a new row) follow the new
// row afterwards.
BatchActionResult preview(QSqlDatabase &db, const QString &id, BatchAction action);
BatchActionResult apply(
    QSqlDatabase &db, const QString &id, BatchAction action, const AuditEntry &audit = {});

Result rename(QSqlDatabase &db, const QString &id, const QString &name);
Result setNotify(QSqlDatabase &db, const QString &id, bool notify);

// Exactly once over every process sharing the database: true for the one caller that marks
// the finished batch as notified (its notify flag on); false afterwards or when not done.
struct ClaimResult
{
    bool ok = false;
    QString error;
    bool claimed = false;
};
ClaimResult claimFinishedNotification(QSqlDatabase &db, const QString &id);

// Finished batches with notify on, not yet notified (for the window's check after a change),
// oldest finished first. The open batches are counted as Counting::estimated() does (a big batch
// whose sample still holds work to wait for is certainly not finished). With `submittedBy`, only
// that submitter's (the window: its OS user's), filtered in the queries, so that other people's
// unclaimed batches never crowd them out.
struct IdList
{
    bool ok = false;
    QString error;
    QStringList ids;
};
IdList unnotifiedFinished(
    QSqlDatabase &db, int limit = 20, const std::optional<QString> &submittedBy = std::nullopt);

} // namespace Batches
} // namespace ViralSpot
