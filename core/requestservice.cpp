#include "core/requestservice.h"

#include "core/batches/batchrecord.h"
#include "core/database.h"
#include "core/ids.h"
#include "core/logging.h"
#include "core/requesttriage.h"
#include "core/sqlitefileguard.h"
#include "core/username.h"
#include "engine/requestwriter.h"

#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

namespace ViralSpot {

namespace {

// Why a parsed request item cannot go to SQL, if it cannot: the username must be valid and
// already normalized, the source valid.
std::optional<QString> itemProblem(const RequestItem &item)
{
    const Username::Parsed parsed = Username::normalize(item.username);
    if (!parsed.isValid())
        return parsed.error;
    if (parsed.username != item.username)
        return RequestService::tr("The username is not in normalized form.");
    return Username::sourceError(item.source);
}

// Transient failures worth another try of the whole chunk: PostgreSQL deadlock and
// serialization failure; SQLite busy/locked (the busy timeout already waited).
bool isTransient(const QSqlError &error)
{
    const QString code = error.nativeErrorCode();
    return code == QLatin1String("40P01") || code == QLatin1String("40001") ||
        Database::isBusy(error);
}

// A repeat inside a batch names the input it repeats by its 1-based number in the batch (its
// item position: the line `submit` prints for it), whichever way the batch came: one piece,
// a streamed piece repeating an earlier one, or a list of inputs.
QString duplicateMessage(const QString &username, int firstInput)
{
    return RequestService::tr("Repeats %1 from input %2 of this batch")
        .arg(username)
        .arg(firstInput);
}

// Copies what the database said about an input onto the caller's result for it.
void takeAnswer(RequestResult &to, const RequestResult &from)
{
    to.outcome = from.outcome;
    to.message = from.message;
    to.errorKind = from.errorKind;
    to.requestId = from.requestId;
    to.queueId = from.queueId;
    to.pausedRowExists = from.pausedRowExists;
}

} // namespace

// ---- What a request means -------------------------------------------------------------------

RequestResult RequestService::request(const QString &input, const QString &source)
{
    RequestResult result;
    result.input = input;
    result.source = source.isEmpty() ? Username::DefaultSource.toString() : source;
    const Username::Parsed parsed = Username::normalize(input);
    result.username = parsed.username;
    if (!parsed.isValid()) {
        result.outcome = Outcome::Invalid;
        result.message = parsed.error;
        return result;
    }
    takeAnswer(result, requestItems({ { parsed.username, result.source } }).constFirst());
    return result;
}

QList<RequestResult> RequestService::requestItems(
    const QList<RequestItem> &items, const BatchOptions &options)
{
    QList<RequestResult> results(items.size());
    QList<bool> send(items.size(), true);
    for (int i = 0; i < items.size(); ++i) {
        RequestResult &r = results[i];
        r.input = items[i].username;
        r.username = items[i].username;
        r.source = items[i].source;
    }
    submit(results, send, options);
    return results;
}

void RequestService::submit(
    QList<RequestResult> &results, const QList<bool> &send, const BatchOptions &options)
{
    const std::optional<NewBatch> &record = options.record;
    const int firstPosition = record ? qMax(1, record->firstPosition) : 1;

    // 1. Invalid items never reach SQL; a repeat is answered from its first occurrence (in a
    // recorded batch: as a duplicate in the batch).
    QList<int> leaders; // items sent to the database, in order
    QList<int> leaderOf(results.size(), -1); // for a repeat: the index of its first occurrence
    QHash<QString, int> first; // username -> index of its first occurrence
    first.reserve(results.size());
    for (int i = 0; i < results.size(); ++i) {
        if (!send[i])
            continue;
        RequestResult &r = results[i];
        // Validated again here: this is the last door before SQL, whoever calls it.
        if (const std::optional<QString> problem = itemProblem({ r.username, r.source })) {
            r.outcome = Outcome::Invalid;
            r.message = *problem;
            continue;
        }
        const auto it = first.constFind(r.username);
        if (it != first.constEnd()) {
            leaderOf[i] = it.value();
            if (record) {
                r.outcome = Outcome::DuplicateInBatch;
                r.message = duplicateMessage(r.username, firstPosition + it.value());
            }
            continue;
        }
        first.insert(r.username, i);
        leaders.append(i);
    }

    // 1b. A chunk of a streamed batch: names an earlier chunk recorded are duplicates too,
    // found through the items' (batch_id, username) index, so memory does not grow with the
    // input. Read before the write: the chunks of one stream come one after another.
    if (record && record->appendToExisting && !leaders.isEmpty())
        markEarlierDuplicates(results, leaders, *record);

    // 2. The rest in chunks, one transaction each; progress and cancellation between chunks.
    const int chunkSize = qMax(1, options.chunkSize);
    std::optional<QString> databaseGone; // the rest fail at once, not after a timeout each
    int done = results.size() - leaders.size();
    int nextEntry = 0; // the first input not yet recorded (BatchOptions::record)
    bool batchWritten = record && record->appendToExisting;
    const QDateTime createdAt = QDateTime::currentDateTimeUtc();
    QList<BatchRecord::Entry> unrecorded; // inputs whose chunk wrote nothing
    bool failed = false; // a chunk failed and options.recordAfterFailure is off
    const auto entryOf = [&](int i) {
        BatchRecord::Entry e;
        const RequestResult &r = results[i];
        e.position = firstPosition + i;
        e.input = r.input;
        e.username = r.username;
        e.outcome = r.outcome;
        e.message = r.message;
        e.queueId = r.queueId;
        return e;
    };
    for (int start = 0; start < leaders.size(); start += chunkSize) {
        const int end = qMin<int>(start + chunkSize, leaders.size());
        QList<RequestItem> chunk;
        chunk.reserve(end - start);
        for (int k = start; k < end; ++k)
            chunk.append({ results[leaders[k]].username, results[leaders[k]].source });

        // This chunk's transaction records the inputs up to its last row (the last chunk: all
        // the rest), those not sent with their final answer.
        BatchRecord::Chunk recordChunk;
        if (record) {
            const int last = end == leaders.size() ? results.size() - 1 : leaders[end - 1];
            recordChunk.batch = *record;
            recordChunk.create = !batchWritten;
            recordChunk.createdAt = createdAt;
            recordChunk.entries.reserve(last - nextEntry + 1);
            int k = start;
            for (int i = nextEntry; i <= last; ++i) {
                BatchRecord::Entry e = entryOf(i);
                if (k < end && leaders[k] == i)
                    e.chunkIndex = k++ - start;
                recordChunk.entries.append(std::move(e));
            }
            nextEntry = last + 1;
        }

        QList<RequestResult> answers(chunk.size());
        bool written = false;
        if (options.cancel && options.cancel->load()) {
            for (RequestResult &a : answers)
                a.outcome = Outcome::Cancelled;
        } else if (databaseGone) {
            for (RequestResult &a : answers) {
                a.errorKind = ErrorKind::Unavailable;
                a.message = *databaseGone;
            }
        } else {
            answers = runChunk(chunk, record ? &recordChunk : nullptr);
            written = answers.constFirst().outcome != Outcome::Error;
            // The connection is gone: the next call reconnects.
            if (!written && !isOpen())
                databaseGone = answers.constFirst().message;
        }
        for (int k = start; k < end; ++k) {
            RequestResult &r = results[leaders[k]];
            const RequestResult &a = answers[k - start];
            r.outcome = a.outcome;
            r.message =
                a.outcome == Outcome::Error ? a.message : outcomeMessage(a.outcome, r.username);
            r.errorKind = a.errorKind;
            r.requestId = a.requestId;
            r.queueId = a.queueId;
        }
        if (record) {
            if (written) {
                batchWritten = true;
            } else if (!options.recordAfterFailure) {
                failed = true;
            } else {
                for (BatchRecord::Entry e : std::as_const(recordChunk.entries)) {
                    if (e.chunkIndex >= 0) {
                        const RequestResult &r = results[leaders[start + e.chunkIndex]];
                        e.outcome = r.outcome;
                        e.message = r.message;
                        e.chunkIndex = -1;
                    }
                    unrecorded.append(std::move(e));
                }
            }
        }
        done += end - start;
        if (options.progress)
            options.progress(done, results.size());
    }

    // 3. Repeats answer like their first occurrence would if asked again now.
    for (int i = 0; i < results.size(); ++i) {
        if (leaderOf[i] < 0 || record)
            continue;
        RequestResult &r = results[i];
        const RequestResult &leader = results[leaderOf[i]];
        r.outcome = leader.outcome == Outcome::Queued ? Outcome::AlreadyQueued : leader.outcome;
        r.message =
            r.outcome == Outcome::Error ? leader.message : outcomeMessage(r.outcome, r.username);
        r.errorKind = leader.errorKind;
    }

    // 4. Inputs no chunk recorded (nothing was sent, or their chunk failed or was cancelled):
    // their own small transaction, so that every input is an item.
    if (record && !failed) {
        for (int i = nextEntry; i < results.size(); ++i)
            unrecorded.append(entryOf(i));
        if (!unrecorded.isEmpty() || !batchWritten) {
            const Result recorded = recordUnsent(*record, !batchWritten, createdAt, unrecorded);
            // All or nothing (recordAfterFailure off: the bulk route, the window's file import):
            // an input its batch does not hold is not answered, even an invalid one; here only
            // inputs that no chunk sent can be left (a failed chunk skips this step).
            if (!recorded.ok && !options.recordAfterFailure) {
                for (int i = nextEntry; i < results.size(); ++i) {
                    RequestResult &r = results[i];
                    r.outcome = Outcome::Error;
                    r.errorKind = recorded.errorKind;
                    r.message = recorded.error;
                    r.queueId.clear();
                    r.requestId.clear();
                }
            }
        }
    }
    if (leaders.isEmpty() && options.progress)
        options.progress(results.size(), results.size());
    if (options.notePausedRows)
        notePausedRows(results);
}

QList<RequestResult> RequestService::requestBulk(
    const BulkParseResult &parsed, const QString &source, const BatchOptions &options)
{
    const QString effectiveSource = source.isEmpty() ? Username::DefaultSource.toString() : source;
    const std::optional<QString> sourceError = Username::sourceError(effectiveSource);

    // Invalid and repeated lines are answered here; the valid ones are sent.
    const int firstPosition = options.record ? qMax(1, options.record->firstPosition) : 1;
    QList<RequestResult> results(parsed.entries.size());
    QList<bool> send(parsed.entries.size(), false);
    for (int i = 0; i < parsed.entries.size(); ++i) {
        const BulkEntry &entry = parsed.entries[i];
        RequestResult &r = results[i];
        r.input = entry.input;
        r.username = entry.username;
        r.source = effectiveSource;
        r.line = entry.line;
        if (sourceError) {
            r.outcome = Outcome::Invalid;
            r.message = *sourceError;
            continue;
        }
        switch (entry.status) {
        case BulkEntry::Status::Invalid:
            r.outcome = Outcome::Invalid;
            r.message = entry.error;
            break;
        case BulkEntry::Status::Duplicate: {
            // Named by its input number in the batch (its item position), as a repeat of an
            // earlier streamed piece is: the same words for the same thing.
            r.outcome = Outcome::DuplicateInBatch;
            if (entry.duplicateOf >= 0 && entry.duplicateOf < parsed.entries.size())
                r.message = duplicateMessage(entry.username, firstPosition + entry.duplicateOf);
            else
                r.message = outcomeMessage(Outcome::DuplicateInBatch, entry.username);
            break;
        }
        case BulkEntry::Status::Valid:
            send[i] = true;
            break;
        }
    }
    submit(results, send, options);
    return results;
}

void RequestService::markEarlierDuplicates(
    QList<RequestResult> &results, QList<int> &leaders, const NewBatch &record)
{
    if (const Result opened = open(); !opened.ok)
        return; // the chunks fail and say why
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    const bool postgres = Database::isPostgres(db);
    QHash<QString, int> earlier; // username -> its position in the batch
    constexpr int Group = 10000;
    for (int start = 0; start < leaders.size(); start += Group) {
        QStringList names;
        for (int k = start; k < qMin<int>(start + Group, leaders.size()); ++k)
            names << results[leaders[k]].username;
        QSqlQuery q(db);
        q.setForwardOnly(true);
        QSqlError error;
        const bool ok = postgres
            ? Database::exec(q,
                  QStringLiteral("SELECT username, MIN(position) FROM viralspot_batch_items "
                                 "WHERE batch_id = ?::uuid AND username = ANY(?::text[]) "
                                 "GROUP BY username"),
                  { record.id, Engine::pgArray(names) }, &error)
            : Database::exec(q,
                  QStringLiteral("SELECT username, MIN(position) FROM viralspot_batch_items "
                                 "WHERE batch_id = ? AND username IN "
                                 "(SELECT value FROM json_each(?)) GROUP BY username"),
                  { record.id, Engine::jsonArray(names) }, &error);
        if (!ok) {
            qCWarning(lcCore).noquote()
                << "could not look for earlier items of batch" << record.id << error.text();
            return;
        }
        while (q.next())
            earlier.insert(q.value(0).toString(), q.value(1).toInt());
    }
    if (earlier.isEmpty())
        return;
    QList<int> kept;
    kept.reserve(leaders.size());
    for (const int i : std::as_const(leaders)) {
        RequestResult &r = results[i];
        const auto it = earlier.constFind(r.username);
        if (it == earlier.constEnd()) {
            kept << i;
            continue;
        }
        r.outcome = Outcome::DuplicateInBatch;
        r.message = duplicateMessage(r.username, it.value());
    }
    leaders = kept;
}

Result RequestService::recordUnsent(const NewBatch &record, bool create, const QDateTime &createdAt,
    const QList<BatchRecord::Entry> &entries)
{
    if (const Result opened = open(); !opened.ok) {
        qCWarning(lcCore).noquote()
            << "batch" << record.id << "could not record its unsent inputs:" << opened.error;
        if (opened.errorKind == ErrorKind::SetupRequired)
            return opened;
        close();
        return Result::failure(
            tr("The database is unavailable: %1").arg(opened.error), ErrorKind::Unavailable);
    }
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    BatchRecord::Chunk chunk;
    chunk.batch = record;
    chunk.create = create;
    chunk.createdAt = createdAt;
    chunk.entries = entries;
    QSqlError error;
    if (BatchRecord::writeOwnTransaction(db, chunk, &error))
        return Result::success();
    qCWarning(lcCore).noquote() << "batch" << record.id
                                << "could not record its unsent inputs:" << error.text();
    if (const std::optional<QString> permission = Schema::permissionProblem(db, error))
        return Result::failure(*permission, ErrorKind::SetupRequired);
    return Result::failure(
        tr("The database failed: %1").arg(error.text().trimmed()), ErrorKind::Failed);
}

// ---- One chunk on the database: retry, reconnect, the file guard -----------------------------

QList<RequestResult> RequestService::runChunk(
    const QList<RequestItem> &items, const BatchRecord::Chunk *record)
{
    QList<RequestResult> results(items.size());
    auto failAll = [&](const QString &message, ErrorKind kind) {
        for (RequestResult &r : results) {
            r.outcome = Outcome::Error;
            r.errorKind = kind;
            r.message = message;
            r.queueId.clear();
            r.requestId.clear();
        }
        return results;
    };

    Engine::WriteChunk chunk;
    chunk.names.reserve(items.size());
    chunk.index.reserve(items.size());
    for (int i = 0; i < items.size(); ++i) {
        const RequestItem &item = items[i];
        // requestItems() validated both; this guards the statement text all the same.
        if (!Engine::isSafeLiteral(item.username) || !Engine::isSafeLiteral(item.source))
            return failAll(tr("Refused a value that could not be sent safely."), ErrorKind::Failed);
        chunk.names.append(item.username);
        chunk.sources.append(item.source);
        chunk.requestIds.append(Ids::requestId());
        chunk.ids.append(Ids::uuidV7());
        chunk.index.insert(item.username, i);
    }
    chunk.record = record;

    constexpr int MaxAttempts = 8;
    bool reconnected = false;
    for (int attempt = 1;; ++attempt) {
        if (const Result opened = open(); !opened.ok) {
            // A role without a right it needs is not an outage: say what to do instead.
            if (opened.errorKind == ErrorKind::SetupRequired)
                return failAll(opened.error, ErrorKind::SetupRequired);
            close();
            return failAll(
                tr("The database is unavailable: %1").arg(opened.error), ErrorKind::Unavailable);
        }
        if (repairRequired())
            return failAll(repairMessage(), ErrorKind::RepairRequired);
        for (RequestResult &r : results) {
            r.outcome = Outcome::AlreadyQueued;
            r.queueId.clear();
            r.requestId.clear();
        }
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (!m_writer)
            m_writer = Engine::RequestWriter::create(db);
        const Engine::WriteResult written = m_writer->write(chunk, results);
        if (written.ok) {
            // Nothing is acknowledged from a file nobody else sees (SqliteFileGuard).
            db = QSqlDatabase();
            if (const Result files = checkFiles(); !files.ok)
                return failAll(files.error, ErrorKind::Unavailable);
            return results;
        }

        const QSqlError &error = written.error;
        qCWarning(lcCore).noquote() << "request batch of" << items.size() << "failed (attempt"
                                    << attempt << "):" << error.nativeErrorCode() << error.text();
        if (isTransient(error) && attempt < MaxAttempts) {
            QThread::msleep(10 * attempt);
            continue;
        }
        // The connection was lost (a server restart, a network blip): one fresh connection
        // gets one more try; a server that is really down fails at connect. QPSQL reports a
        // lost connection as closed; ping() alone cannot tell, since it reopens a closed one.
        if (!db.isOpen() || !ping().ok) {
            db = QSqlDatabase();
            close();
            if (!reconnected) {
                reconnected = true;
                continue;
            }
            return failAll(tr("The database is unavailable: %1").arg(error.text().trimmed()),
                ErrorKind::Unavailable);
        }
        if (const std::optional<QString> permission = Schema::permissionProblem(db, error))
            return failAll(*permission, ErrorKind::SetupRequired);
        return failAll(
            tr("The database failed: %1").arg(error.text().trimmed()), ErrorKind::Failed);
    }
}

void RequestService::notePausedRows(QList<RequestResult> &results)
{
    QStringList names;
    for (const RequestResult &r : std::as_const(results)) {
        if (r.outcome == Outcome::Queued && Engine::isSafeLiteral(r.username))
            names << r.username;
    }
    if (names.isEmpty() || !isOpen())
        return;
    // Committed already: this read only adds words. Mixed-case legacy rows ("Foo") count too.
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    const QString list = Database::isPostgres(db)
        ? QStringLiteral("SELECT unnest('%1'::text[])").arg(Engine::pgArray(names))
        : QStringLiteral("SELECT value FROM json_each('%1')").arg(Engine::jsonArray(names));
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral("SELECT lower(username) FROM queue WHERE status = 'PAUSED' "
                               "AND username IN (%1) UNION SELECT lower(username) FROM queue "
                               "WHERE status = 'PAUSED' AND lower(username) IN (%1) "
                               "AND username <> lower(username)")
                    .arg(list))) {
        qCWarning(lcCore).noquote() << "could not look for paused rows:" << q.lastError().text();
        return;
    }
    QSet<QString> paused;
    while (q.next())
        paused.insert(q.value(0).toString());
    for (RequestResult &r : results) {
        if (r.outcome == Outcome::Queued && paused.contains(r.username)) {
            r.pausedRowExists = true;
            r.message += QStringLiteral(". ") + pausedRowNote(r.username);
        }
    }
}

// ---- Reads: the endpoint's triage and the status route ---------------------------------------

ResolvedRequests RequestService::resolveWithoutWrite(const QList<RequestItem> &items)
{
    ResolvedRequests resolved;
    resolved.results.resize(items.size());
    // Only valid, normalized input is looked up; requestItems() answers the rest.
    QStringList names;
    QList<int> position;
    names.reserve(items.size());
    position.reserve(items.size());
    for (int i = 0; i < items.size(); ++i) {
        if (!itemProblem(items[i])) {
            names.append(items[i].username);
            position.append(i);
        }
    }
    if (names.isEmpty()) {
        resolved.ok = true;
        return resolved;
    }
    if (const Result opened = open(); !opened.ok) {
        close();
        resolved.error = opened.error;
        return resolved;
    }
    if (repairRequired()) {
        resolved.ok = true; // every request goes on, to be refused in one place (runChunk)
        return resolved;
    }
    if (!m_triage)
        m_triage = std::make_unique<RequestTriage>(QSqlDatabase::database(m_connectionName, false));
    const RequestTriage::Lookup lookup = m_triage->lookup(names);
    if (!lookup.ok) {
        resolved.error = lookup.error.text();
        if (!QSqlDatabase::database(m_connectionName, false).isOpen() || !ping().ok)
            close(); // lost: the next call reconnects
        return resolved;
    }
    // A connection left on a replaced file reads what nobody else sees.
    if (const Result files = checkFiles(); !files.ok) {
        resolved.error = files.error;
        return resolved;
    }
    for (int k = 0; k < names.size(); ++k) {
        if (!lookup.outcomes[k])
            continue; // for requestItems()
        const RequestItem &item = items[position[k]];
        RequestResult r;
        r.input = item.username;
        r.username = item.username;
        r.source = item.source;
        r.outcome = *lookup.outcomes[k];
        r.message = outcomeMessage(r.outcome, r.username);
        resolved.results[position[k]] = std::move(r);
    }
    resolved.ok = true;
    return resolved;
}

ProfileStatus RequestService::status(const QString &username)
{
    const Username::Parsed parsed = Username::normalize(username);
    if (!parsed.isValid()) {
        ProfileStatus invalid;
        invalid.error = parsed.error;
        return invalid;
    }
    // A connection lost since the last call (a server restart; QPSQL then reports it closed)
    // gets one fresh connection and one more try.
    for (int attempt = 1;; ++attempt) {
        ValueResult<QSqlDatabase> opened = database();
        if (!opened.ok) {
            ProfileStatus status;
            status.errorKind = m_lastErrorKind == ErrorKind::SetupRequired
                ? ErrorKind::SetupRequired
                : ErrorKind::Unavailable;
            status.error = status.errorKind == ErrorKind::SetupRequired
                ? opened.error
                : tr("The database is unavailable: %1").arg(opened.error);
            return status;
        }
        ProfileStatus status = QueueQuery::profileStatus(opened.value, parsed.username);
        if (status.ok)
            return status;
        opened.value = QSqlDatabase();
        close();
        if (status.errorKind != ErrorKind::Unavailable || attempt > 1)
            return status;
    }
}

// ---- The connection ------------------------------------------------------------------------

RequestService::RequestService(DatabaseConfig config, QString connectionName)
    : m_config(std::move(config))
    , m_connectionName(connectionName.isEmpty()
              ? Database::threadConnectionName(
                    QStringLiteral("request%1").arg(reinterpret_cast<quintptr>(this), 0, 16))
              : std::move(connectionName))
{ }

RequestService::~RequestService()
{
    close();
}

Result RequestService::open()
{
    // A connection opened (again) here has no statements or state yet.
    if (!isOpen()) {
        m_writer.reset();
        m_triage.reset();
    }
    const ValueResult<QSqlDatabase> opened = Database::open(m_config, m_connectionName);
    if (!opened.ok) {
        m_lastErrorKind = ErrorKind::Unavailable;
        return Result::failure(opened.error, ErrorKind::Unavailable);
    }
    QSqlDatabase db = opened.value;
    if (m_migrated)
        return Result::success();
    // Until it is ready for requests (a repair, or an owner's migration, pending), the schema
    // is asked again on every call: the fix is made elsewhere (another process, the window's
    // repair, the owner) and takes effect without a restart.
    const Schema::MigrationResult migration = Schema::migrate(db);
    m_duplicates = migration.duplicates;
    m_lastErrorKind = ErrorKind::None;
    if (!migration.ok) {
        m_lastErrorKind = migration.errorKind;
        return Result::failure(migration.error, migration.errorKind);
    }
    // With duplicate active rows the connection serves reads (status, the window's views);
    // requests are refused by runChunk() until the repair.
    m_migrated = migration.duplicates.isClean();
    return Result::success();
}

bool RequestService::repairRequired() const
{
    return !m_duplicates.isClean();
}

QString RequestService::repairMessage() const
{
    return Schema::repairRequiredMessage(m_duplicates);
}

bool RequestService::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) &&
        QSqlDatabase::database(m_connectionName, false).isOpen();
}

void RequestService::close()
{
    // Before the connection goes: their statements belong to it.
    m_writer.reset();
    m_triage.reset();
    Database::close(m_connectionName);
}

Result RequestService::ping()
{
    // A trip is reported once before the connection is opened again, so that the window's
    // banner and /health say what happened even when the reopen succeeds at once.
    if (!m_replaced.isEmpty())
        return Result::failure(std::exchange(m_replaced, QString()), ErrorKind::Unavailable);
    if (Result opened = open(); !opened.ok)
        return opened;
    bool answered = false;
    QString failure;
    {
        QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
        answered = q.exec(QStringLiteral("SELECT 1")) && q.next();
        if (!answered)
            failure = q.lastError().text();
    }
    if (!answered) {
        close(); // reopened by the next call
        return Result::failure(failure, ErrorKind::Unavailable);
    }
    Result files = checkFiles();
    if (!files.ok)
        m_replaced.clear(); // said just now
    return files;
}

Result RequestService::checkFiles()
{
    if (!isOpen())
        return Result::success();
    Result files = SqliteFileGuard::check(QSqlDatabase::database(m_connectionName, false));
    if (files.ok)
        return files;
    close(); // reopened, on the file at the path, by the next call
    m_replaced = files.error;
    return files;
}

ValueResult<QSqlDatabase> RequestService::database()
{
    if (const Result opened = open(); !opened.ok)
        return ValueResult<QSqlDatabase>::failure(opened.error, opened.errorKind);
    return ValueResult<QSqlDatabase>::success(QSqlDatabase::database(m_connectionName, false));
}

} // namespace ViralSpot
