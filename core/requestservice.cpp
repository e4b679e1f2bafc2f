#include "requestservice.h"

#include "database.h"
#include "ids.h"
#include "logging.h"
#include "queuequery.h"
#include "schema.h"
#include "sqlitefileguard.h"
#include "username.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

namespace ViralSpot {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("RequestService", text);
}

// Transient failures worth another try of the whole chunk: PostgreSQL deadlock and
// serialization failure; SQLite busy/locked (the busy timeout already waited).
bool isTransient(const QSqlError &error)
{
    const QString code = error.nativeErrorCode();
    return code == QLatin1String("40P01") || code == QLatin1String("40001") ||
        Database::isBusy(error);
}

// A list of double-quoted strings between `open` and `close`, with `"` and `\` escaped by a
// backslash: both a PostgreSQL array literal ({"a","b"}) and a JSON array (["a","b"]) of plain
// strings. Usernames and sources reaching here are validated (no quotes or backslashes), but
// escape anyway.
QString quotedList(const QStringList &values, QLatin1Char open, QLatin1Char close)
{
    QString out;
    out.reserve(values.size() * 16 + 2);
    out += open;
    bool first = true;
    for (const QString &value : values) {
        if (!first)
            out += QLatin1Char(',');
        first = false;
        out += QLatin1Char('"');
        for (const QChar c : value) {
            if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
                out += QLatin1Char('\\');
            out += c;
        }
        out += QLatin1Char('"');
    }
    out += close;
    return out;
}

QString pgArray(const QStringList &values)
{
    return quotedList(values, QLatin1Char('{'), QLatin1Char('}'));
}

// For SQLite's json_each().
QString jsonArray(const QStringList &values)
{
    return quotedList(values, QLatin1Char('['), QLatin1Char(']'));
}

// Why a parsed request item cannot go to SQL (empty: it can): the username must be valid and
// already normalized, the source valid.
QString itemProblem(const RequestItem &item)
{
    const Username::Parsed parsed = Username::normalize(item.username);
    if (!parsed.isValid())
        return parsed.error;
    if (parsed.username != item.username)
        return tr("The username is not in normalized form.");
    return Username::sourceError(item.source);
}

QString sqliteNow()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

} // namespace

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

bool RequestService::open(QString *error)
{
    // A connection opened (again) here has no prepared statements yet.
    if (!isOpen()) {
        m_pgLegacy = {};
        m_sqlite.reset();
        m_lookup.reset();
    }
    QString why;
    QSqlDatabase db = Database::open(m_config, m_connectionName, &why);
    if (!db.isOpen()) {
        m_lastErrorKind = ErrorKind::Unavailable;
        if (error)
            *error = why;
        return false;
    }
    if (m_migrated)
        return true;
    // Until it is ready for requests (a repair, or an owner's migration, pending), the schema
    // is asked again on every call: the fix is made elsewhere (another process, the window's
    // repair, the owner) and takes effect without a restart.
    const Schema::MigrationResult migration = Schema::migrate(db);
    m_duplicates = migration.duplicates;
    m_lastErrorKind = ErrorKind::None;
    if (!migration.ok) {
        m_lastErrorKind = migration.errorKind;
        if (error)
            *error = migration.error;
        return false;
    }
    // With duplicate active rows the connection serves reads (status, the window's views);
    // requests are refused by runChunk() until the repair.
    m_migrated = migration.duplicates.isClean();
    return true;
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
    m_pgLegacy = {};
    m_sqlite.reset(); // before the connection goes: its statements belong to it
    m_lookup.reset();
    Database::close(m_connectionName);
}

bool RequestService::ping(QString *error)
{
    // A trip is reported once before the connection is opened again, so that the window's
    // banner and /health say what happened even when the reopen succeeds at once.
    if (!m_replaced.isEmpty()) {
        if (error)
            *error = m_replaced;
        m_replaced.clear();
        return false;
    }
    if (!open(error))
        return false;
    bool answered = false;
    {
        QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
        answered = q.exec(QStringLiteral("SELECT 1")) && q.next();
        if (!answered && error)
            *error = q.lastError().text();
    }
    if (answered) {
        if (checkFiles(error))
            return true;
        m_replaced.clear(); // said just now
        return false;
    }
    close(); // reopened by the next call
    return false;
}

bool RequestService::checkFiles(QString *error)
{
    if (!isOpen())
        return true;
    QString problem;
    if (SqliteFileGuard::check(QSqlDatabase::database(m_connectionName, false), &problem))
        return true;
    close(); // reopened, on the file at the path, by the next call
    m_replaced = problem;
    if (error)
        *error = problem;
    return false;
}

QSqlDatabase RequestService::database(QString *error)
{
    if (!open(error))
        return QSqlDatabase();
    return QSqlDatabase::database(m_connectionName, false);
}

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
    const QList<RequestResult> results = requestItems({ { parsed.username, result.source } });
    result.outcome = results.constFirst().outcome;
    result.message = results.constFirst().message;
    result.errorKind = results.constFirst().errorKind;
    result.requestId = results.constFirst().requestId;
    result.queueId = results.constFirst().queueId;
    result.pausedRowExists = results.constFirst().pausedRowExists;
    return result;
}

QList<RequestResult> RequestService::requestItems(
    const QList<RequestItem> &items, const BatchOptions &options)
{
    QList<RequestResult> results(items.size());
    QList<int> leaders; // items sent to the database, in order
    QList<int> leaderOf(items.size(), -1); // for a repeat: the index of its first occurrence
    QHash<QString, int> first; // username -> index of its first occurrence
    first.reserve(items.size());

    for (int i = 0; i < items.size(); ++i) {
        RequestResult &r = results[i];
        r.input = items[i].username;
        r.username = items[i].username;
        r.source = items[i].source;
        // Validated again here: this is the last door before SQL, whoever calls it.
        if (const QString problem = itemProblem(items[i]); !problem.isEmpty()) {
            r.outcome = Outcome::Invalid;
            r.message = problem;
            continue;
        }
        const auto it = first.constFind(items[i].username);
        if (it != first.constEnd()) {
            leaderOf[i] = it.value(); // answered from its first occurrence below
            continue;
        }
        first.insert(items[i].username, i);
        leaders.append(i);
    }

    const int chunkSize = qMax(1, options.chunkSize);
    bool databaseGone = false;
    QString goneMessage;
    int done = items.size() - leaders.size();
    for (int start = 0; start < leaders.size(); start += chunkSize) {
        const int end = qMin<int>(start + chunkSize, leaders.size());
        if (options.cancel && options.cancel->load()) {
            for (int k = start; k < end; ++k) {
                RequestResult &r = results[leaders[k]];
                r.outcome = Outcome::Cancelled;
                r.message = outcomeMessage(Outcome::Cancelled, r.username);
            }
            done += end - start;
            if (options.progress)
                options.progress(done, items.size());
            continue;
        }
        QList<RequestItem> chunk;
        chunk.reserve(end - start);
        for (int k = start; k < end; ++k)
            chunk.append(items[leaders[k]]);

        QList<RequestResult> chunkResults;
        if (databaseGone) {
            for (const RequestItem &item : chunk) {
                RequestResult r;
                r.outcome = Outcome::Error;
                r.errorKind = ErrorKind::Unavailable;
                r.message = goneMessage;
                chunkResults.append(r);
                Q_UNUSED(item)
            }
        } else {
            chunkResults = runChunk(chunk);
            if (!chunkResults.isEmpty() && chunkResults.constFirst().outcome == Outcome::Error &&
                !isOpen()) {
                // The connection is gone: the rest fail at once instead of each waiting for a
                // connect timeout. The next call reconnects.
                databaseGone = true;
                goneMessage = chunkResults.constFirst().message;
            }
        }
        for (int k = start; k < end; ++k) {
            RequestResult &r = results[leaders[k]];
            const RequestResult &c = chunkResults[k - start];
            r.outcome = c.outcome;
            r.message =
                c.outcome == Outcome::Error ? c.message : outcomeMessage(c.outcome, r.username);
            r.errorKind = c.errorKind;
            r.requestId = c.requestId;
            r.queueId = c.queueId;
        }
        done += end - start;
        if (options.progress)
            options.progress(done, items.size());
    }

    // Repeats answer like their first occurrence would if asked again now.
    for (int i = 0; i < results.size(); ++i) {
        if (leaderOf[i] < 0)
            continue;
        RequestResult &r = results[i];
        const RequestResult &leader = results[leaderOf[i]];
        switch (leader.outcome) {
        case Outcome::Queued:
        case Outcome::AlreadyQueued:
            r.outcome = Outcome::AlreadyQueued;
            break;
        default:
            r.outcome = leader.outcome;
            break;
        }
        r.message =
            r.outcome == Outcome::Error ? leader.message : outcomeMessage(r.outcome, r.username);
        r.errorKind = leader.errorKind;
    }
    if (leaders.isEmpty() && options.progress)
        options.progress(items.size(), items.size());
    if (options.notePausedRows)
        notePausedRows(results);
    return results;
}

namespace {

// One chunk's rows, with the ids made here: only the inserted usernames come back from the
// database, so the ids need not.
struct Chunk
{
    QStringList names;
    QStringList sources;
    QStringList requestIds;
    QStringList ids;
    QHash<QString, int> index; // username -> position
};

void markProcessed(QSqlQuery &q, const Chunk &chunk, QList<RequestResult> &results)
{
    while (q.next()) {
        const auto it = chunk.index.constFind(q.value(0).toString());
        if (it != chunk.index.constEnd())
            results[it.value()].outcome = Outcome::AlreadyProcessed;
    }
}

void markQueued(const QString &username, const Chunk &chunk, QList<RequestResult> &results)
{
    const auto it = chunk.index.constFind(username);
    if (it == chunk.index.constEnd())
        return;
    RequestResult &r = results[it.value()];
    r.outcome = Outcome::Queued;
    r.queueId = chunk.ids[it.value()];
    r.requestId = chunk.requestIds[it.value()];
}

} // namespace

// SQLite: one transaction of three statements, all in process (no round trips to save). The
// statements are prepared once per connection and run again with new bindings, so that a small
// chunk (the endpoint's group commits) pays no SQL parsing.
//
// Usernames an adopted database holds in mixed case ("Foo", stored as typed by the original
// endpoint) are the same profile as "foo" (SPEC 1.1). Such rows sit in partial indexes of their
// own (schema step 5); a probe of those, inside the transaction, picks the statements that also
// look there. The app writes lower case only, so on its own databases the lean ones run (the
// extra lookups cost the endpoint 10% of its requests a second).
struct SqliteChunkStatements
{
    struct Variant
    {
        explicit Variant(const QSqlDatabase &db)
            : processed(db)
            , insert(db)
            , raise(db)
        { }
        QSqlQuery processed; // ?1 names (JSON) -> the processed ones
        QSqlQuery insert; // ?1..?3 now, ?4 rows (JSON) -> RETURNING username
        QSqlQuery raise; // ?1 now, ?2 (and ?3) names (JSON)
        int raiseNameBindings = 1;
    };

    explicit SqliteChunkStatements(const QSqlDatabase &db)
        : begin(db)
        , legacyRows(db)
        , commit(db)
        , rollback(db)
        , lean(db)
        , legacy(db)
    { }

    bool prepare(QSqlError *error)
    {
        // The partial unique index decides, so concurrent callers cannot both insert. Rows as
        // a JSON array of [username, source, id, request_id].
        const QString insert = QStringLiteral(
            "INSERT INTO queue (id, username, source, priority, status, attempts, request_id, "
            "timestamp, created_at, updated_at) "
            "SELECT value->>2, value->>0, value->>1, 'HIGH', 'PENDING', 0, value->>3, ?, ?, ? "
            "FROM json_each(?) WHERE %1 "
            "ON CONFLICT (username) WHERE status IN ('PENDING','PROCESSING') DO NOTHING "
            "RETURNING username");
        // "+status", "+priority": keep the planner on the username index; the status index
        // would make it walk every PENDING row.
        const QString raise =
            QStringLiteral("UPDATE queue SET priority = 'HIGH', updated_at = ? "
                           "WHERE +status = 'PENDING' AND +priority = 'LOW' AND %1");
        legacy.raiseNameBindings = 2;
        // The mixed-case lookups name the partial indexes' predicate verbatim, so that SQLite
        // uses them.
        const std::pair<QSqlQuery *, QString> statements[] = {
            // Take the write lock up front: a deferred BEGIN that reads and then writes can
            // fail with SQLITE_BUSY without waiting.
            { &begin, QStringLiteral("BEGIN IMMEDIATE") },
            { &legacyRows,
                QStringLiteral("SELECT EXISTS (SELECT 1 FROM queue "
                               "WHERE username <> lower(username)) "
                               "OR EXISTS (SELECT 1 FROM primary_profiles "
                               "WHERE username <> lower(username))") },
            { &commit, QStringLiteral("COMMIT") },
            { &rollback, QStringLiteral("ROLLBACK") },
            { &lean.processed,
                QStringLiteral("SELECT j.value FROM json_each(?) j "
                               "JOIN primary_profiles p ON p.username = j.value") },
            { &lean.insert, insert.arg(QStringLiteral("true")) },
            { &lean.raise,
                raise.arg(QStringLiteral("username IN (SELECT value FROM json_each(?))")) },
            { &legacy.processed,
                QStringLiteral("SELECT j.value FROM json_each(?) j "
                               "WHERE EXISTS (SELECT 1 FROM primary_profiles p "
                               "WHERE p.username = j.value) "
                               "OR EXISTS (SELECT 1 FROM primary_profiles p "
                               "WHERE lower(p.username) = j.value "
                               "AND p.username <> lower(p.username))") },
            { &legacy.insert,
                insert.arg(QStringLiteral("NOT EXISTS (SELECT 1 FROM queue q "
                                          "WHERE lower(q.username) = value->>0 "
                                          "AND q.username <> lower(q.username) "
                                          "AND q.status IN ('PENDING','PROCESSING'))")) },
            { &legacy.raise,
                raise.arg(QStringLiteral("(username IN (SELECT value FROM json_each(?)) "
                                         "OR (lower(username) IN (SELECT value FROM json_each(?)) "
                                         "AND username <> lower(username)))")) },
        };
        for (const auto &[query, sql] : statements) {
            query->setForwardOnly(true);
            if (!query->prepare(sql)) {
                *error = query->lastError();
                return false;
            }
        }
        return true;
    }

    QSqlQuery begin;
    QSqlQuery legacyRows;
    QSqlQuery commit;
    QSqlQuery rollback;
    Variant lean;
    Variant legacy;
};

namespace {

bool execStatement(QSqlQuery &q, QSqlError *error)
{
    if (q.exec())
        return true;
    *error = q.lastError();
    q.finish();
    return false;
}

bool runSqliteChunk(
    SqliteChunkStatements &s, const Chunk &chunk, QList<RequestResult> &results, QSqlError *error)
{
    if (!execStatement(s.begin, error))
        return false;
    SqliteChunkStatements::Variant *v = &s.lean;
    const auto rollback = [&] {
        s.legacyRows.finish();
        v->processed.finish();
        v->insert.finish();
        v->raise.finish();
        s.rollback.exec();
        s.rollback.finish();
        return false;
    };

    // 0. Does this database hold mixed-case names (an adopted one)?
    if (!execStatement(s.legacyRows, error) || !s.legacyRows.next())
        return rollback();
    if (s.legacyRows.value(0).toBool())
        v = &s.legacy;
    s.legacyRows.finish();

    // 1. Already processed: nothing is written for these.
    v->processed.bindValue(0, jsonArray(chunk.names));
    if (!execStatement(v->processed, error))
        return rollback();
    markProcessed(v->processed, chunk, results);
    v->processed.finish();

    // 2. Insert where no active row exists.
    QString rows;
    rows.reserve(chunk.names.size() * 110);
    rows += QLatin1Char('[');
    for (int i = 0; i < chunk.names.size(); ++i) {
        if (results[i].outcome == Outcome::AlreadyProcessed)
            continue;
        if (rows.size() > 1)
            rows += QLatin1Char(',');
        rows += QStringLiteral("[\"") + chunk.names[i] + QStringLiteral("\",\"") +
            chunk.sources[i] + QStringLiteral("\",\"") + chunk.ids[i] + QStringLiteral("\",\"") +
            chunk.requestIds[i] + QStringLiteral("\"]");
    }
    rows += QLatin1Char(']');
    const QString now = sqliteNow();
    if (rows.size() > 2) {
        v->insert.bindValue(0, now);
        v->insert.bindValue(1, now);
        v->insert.bindValue(2, now);
        v->insert.bindValue(3, rows);
        if (!execStatement(v->insert, error))
            return rollback();
        while (v->insert.next())
            markQueued(v->insert.value(0).toString(), chunk, results);
        v->insert.finish();
    }

    // 3. Someone asked for a profile that waits at LOW priority: raise it.
    QStringList waiting;
    for (int i = 0; i < chunk.names.size(); ++i) {
        if (results[i].outcome == Outcome::AlreadyQueued)
            waiting.append(chunk.names[i]);
    }
    if (!waiting.isEmpty()) {
        const QString waitingJson = jsonArray(waiting);
        v->raise.bindValue(0, now);
        for (int k = 1; k <= v->raiseNameBindings; ++k)
            v->raise.bindValue(k, waitingJson);
        if (!execStatement(v->raise, error))
            return rollback();
        v->raise.finish();
    }

    // 4. Only a committed row is reported as queued.
    if (!execStatement(s.commit, error))
        return rollback();
    s.commit.finish();
    return true;
}

// PostgreSQL: the whole chunk is one statement, so one round trip and one implicit
// transaction (committed before the answer arrives). The arrays are written into the statement
// as literals and it is sent unprepared: a named server-side statement (ours, or QPSQL's
// PREPARE qpsqlpstmt_N) lives in the server session, which a transaction pooler (PgBouncer
// pool_mode=transaction, Supabase port 6543) does not keep between transactions. The cost is
// planning the statement on every chunk; the endpoint batches many requests into one chunk.
//
// The chunk statement, in two forms. The lean one matches usernames exactly: the app writes
// lower case only. The legacy one also matches the mixed-case rows ("Foo") an adopted database
// may hold (SPEC 1.1: the same profile as "foo"), through the partial indexes of schema step 5.
// Its extra lookups cost ~15% on a 100,000-username batch, so it runs only where such rows
// exist (LegacyCheck, one index probe per table, before each chunk).
const QString PostgresChunkStatement = QStringLiteral(
    "WITH input AS ("
    "  SELECT * FROM unnest($1, $2, $3, $4)"
    "  AS t(u, s, r, i)),"
    " processed AS ("
    "  SELECT p.username FROM primary_profiles p WHERE p.username = ANY($1)%1),"
    " inserted AS ("
    "  INSERT INTO queue (id, username, source, priority, status, attempts, request_id,"
    "   timestamp, created_at, updated_at)"
    "  SELECT input.i::uuid, input.u, input.s, 'HIGH', 'PENDING', 0, input.r, now(),"
    "   now(), now() FROM input"
    "  WHERE NOT EXISTS (SELECT 1 FROM primary_profiles p WHERE p.username = input.u)%2"
    // Sorted, so that concurrent batches take their locks in the same order.
    "  ORDER BY input.u"
    "  ON CONFLICT (username) WHERE status IN ('PENDING','PROCESSING') DO NOTHING"
    "  RETURNING username),"
    // Unordered row locks: two batches raising the same rows in another order can
    // deadlock, and PostgreSQL then aborts one of them, which is retried (40P01).
    " raised AS ("
    "  UPDATE queue SET priority = 'HIGH', updated_at = now()"
    "  WHERE %3 AND status = 'PENDING' AND priority = 'LOW'"
    "  AND NOT EXISTS (SELECT 1 FROM primary_profiles p WHERE p.username = %4)%5"
    "  RETURNING 1)"
    " SELECT 'p', username FROM processed"
    " UNION ALL SELECT 'q', username FROM inserted");

const QString &postgresStatement(bool legacy)
{
    static const QString lean = PostgresChunkStatement.arg(QString(), QString(),
        QStringLiteral("username = ANY($1)"), QStringLiteral("queue.username"), QString());
    static const QString withLegacy = PostgresChunkStatement.arg(
        QStringLiteral(" UNION SELECT lower(p.username) FROM primary_profiles p"
                       " WHERE lower(p.username) = ANY($1) AND p.username <> lower(p.username)"),
        QStringLiteral(
            " AND NOT EXISTS (SELECT 1 FROM primary_profiles p WHERE lower(p.username) = input.u"
            "  AND p.username <> lower(p.username))"
            // "|| ''": not the status index, which the planner would AND with this tiny one.
            " AND NOT EXISTS (SELECT 1 FROM queue q WHERE lower(q.username) = input.u"
            "  AND q.username <> lower(q.username) AND (q.status || '') IN "
            "('PENDING','PROCESSING'))"),
        QStringLiteral("(username = ANY($1)"
                       " OR (lower(username) = ANY($1) AND username <> lower(username)))"),
        QStringLiteral("lower(queue.username)"),
        QStringLiteral(" AND NOT EXISTS (SELECT 1 FROM primary_profiles p"
                       " WHERE lower(p.username) = lower(queue.username)"
                       " AND p.username <> lower(p.username))"));
    return legacy ? withLegacy : lean;
}

// Whether the database holds mixed-case usernames. Scalar subqueries ordered by the index key,
// so that the (usually empty) partial indexes answer: written as EXISTS, the planner expects an
// early hit and scans the whole table (27 ms on 200,000 rows).
const QLatin1String PostgresLegacyCheck(
    "SELECT (SELECT 1 FROM queue WHERE username <> lower(username)"
    " ORDER BY lower(username) LIMIT 1) IS NOT NULL"
    " OR (SELECT 1 FROM primary_profiles WHERE username <> lower(username)"
    " ORDER BY lower(username) LIMIT 1) IS NOT NULL");

bool runPostgresChunk(QSqlDatabase &db, const Chunk &chunk, QList<RequestResult> &results,
    QSqlError *error, PostgresLegacyState *legacyState)
{
    // At most once a second per connection: a round trip before every group commit cost the
    // endpoint 15% of its requests a second. Mixed-case rows come from an adopted database's
    // past (the app writes lower case only), so a second's delay in noticing one that another
    // tool adds now changes nothing real; no check can close that race anyway, as no index
    // spans case variants.
    if (!legacyState->checked.isValid() || legacyState->checked.hasExpired(1000)) {
        QSqlQuery check(db);
        check.setForwardOnly(true);
        if (!check.exec(PostgresLegacyCheck) || !check.next()) {
            *error = check.lastError();
            return false;
        }
        legacyState->present = check.value(0).toBool();
        legacyState->checked.start();
    }
    const bool legacy = legacyState->present;
    QString literals[4];
    const QStringList *arrays[] = { &chunk.names, &chunk.sources, &chunk.requestIds, &chunk.ids };
    for (int k = 0; k < 4; ++k) {
        QString why;
        literals[k] = Database::postgresLiteral(pgArray(*arrays[k]), &why);
        if (literals[k].isEmpty()) {
            *error = QSqlError(why, QString(), QSqlError::StatementError);
            return false;
        }
        literals[k] += QLatin1String("::text[]");
    }
    // $1..$4 in one pass, so that no value is searched for parameters in its turn.
    const QString &statement = postgresStatement(legacy);
    QString sql;
    sql.reserve(statement.size() + 4 * literals[0].size() + literals[1].size() +
        literals[2].size() + literals[3].size());
    for (qsizetype i = 0; i < statement.size(); ++i) {
        const QChar c = statement.at(i);
        if (c == QLatin1Char('$') && i + 1 < statement.size() &&
            statement.at(i + 1) >= QLatin1Char('1') && statement.at(i + 1) <= QLatin1Char('4')) {
            sql += literals[statement.at(i + 1).unicode() - '1'];
            ++i;
        } else {
            sql += c;
        }
    }
    // "Queued" promises a durable commit whatever the server's default says. SET LOCAL, in the
    // same statement string (one implicit transaction), rather than a SET on the session: a
    // transaction pooler would run that in some other client's server session.
    sql.prepend(QLatin1String("SET LOCAL synchronous_commit = on; "));
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // The first result is the SET's; the chunk's rows (or its error) come next.
    if (!q.exec(sql) || !q.nextResult()) {
        *error = q.lastError();
        return false;
    }
    while (q.next()) {
        const QString username = q.value(1).toString();
        if (q.value(0).toString() == QLatin1String("q"))
            markQueued(username, chunk, results);
        else if (const auto it = chunk.index.constFind(username); it != chunk.index.constEnd())
            results[it.value()].outcome = Outcome::AlreadyProcessed;
    }
    return true;
}

bool isSafeLiteral(const QString &value)
{
    return !value.contains(QLatin1Char('\'')) && !value.contains(QLatin1Char('\\')) &&
        !value.contains(QLatin1Char('"'));
}

} // namespace

QList<RequestResult> RequestService::runChunk(const QList<RequestItem> &items)
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

    Chunk chunk;
    chunk.names.reserve(items.size());
    chunk.index.reserve(items.size());
    for (int i = 0; i < items.size(); ++i) {
        const RequestItem &item = items[i];
        // requestItems() validated both; this guards the statement text all the same.
        if (!isSafeLiteral(item.username) || !isSafeLiteral(item.source))
            return failAll(tr("Refused a value that could not be sent safely."), ErrorKind::Failed);
        chunk.names.append(item.username);
        chunk.sources.append(item.source);
        chunk.requestIds.append(Ids::requestId());
        chunk.ids.append(Ids::uuidV7());
        chunk.index.insert(item.username, i);
    }

    constexpr int MaxAttempts = 8;
    bool reconnected = false;
    for (int attempt = 1;; ++attempt) {
        QString openError;
        if (!open(&openError)) {
            // A role without a right it needs is not an outage: say what to do instead.
            if (m_lastErrorKind == ErrorKind::SetupRequired)
                return failAll(openError, ErrorKind::SetupRequired);
            close();
            return failAll(
                tr("The database is unavailable: %1").arg(openError), ErrorKind::Unavailable);
        }
        if (repairRequired())
            return failAll(repairMessage(), ErrorKind::RepairRequired);
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        for (RequestResult &r : results) {
            r.outcome = Outcome::AlreadyQueued;
            r.queueId.clear();
            r.requestId.clear();
        }
        QSqlError error;
        bool ok = false;
        if (Database::isPostgres(db)) {
            ok = runPostgresChunk(db, chunk, results, &error, &m_pgLegacy);
        } else {
            if (!m_sqlite) {
                auto statements = std::make_unique<SqliteChunkStatements>(db);
                if (statements->prepare(&error))
                    m_sqlite = std::move(statements);
            }
            ok = m_sqlite && runSqliteChunk(*m_sqlite, chunk, results, &error);
        }
        if (ok) {
            // Nothing is acknowledged from a file nobody else sees (SqliteFileGuard).
            db = QSqlDatabase();
            if (!checkFiles(nullptr))
                return failAll(m_replaced, ErrorKind::Unavailable);
            return results;
        }

        qCWarning(lcCore).noquote() << "request batch of" << items.size() << "failed (attempt"
                                    << attempt << "):" << error.nativeErrorCode() << error.text();
        if (isTransient(error) && attempt < MaxAttempts) {
            QThread::msleep(10 * attempt);
            continue;
        }
        // The connection was lost (a server restart, a network blip): one fresh connection
        // gets one more try; a server that is really down fails at connect. QPSQL reports a
        // lost connection as closed; ping() alone cannot tell, since it reopens a closed one.
        if (!db.isOpen() || !ping(nullptr)) {
            db = QSqlDatabase();
            close();
            if (!reconnected) {
                reconnected = true;
                continue;
            }
            return failAll(tr("The database is unavailable: %1").arg(error.text().trimmed()),
                ErrorKind::Unavailable);
        }
        if (const QString permission = Schema::permissionProblem(db, error); !permission.isEmpty())
            return failAll(permission, ErrorKind::SetupRequired);
        return failAll(
            tr("The database failed: %1").arg(error.text().trimmed()), ErrorKind::Failed);
    }
}

void RequestService::notePausedRows(QList<RequestResult> &results)
{
    QStringList names;
    for (const RequestResult &r : std::as_const(results)) {
        if (r.outcome == Outcome::Queued && isSafeLiteral(r.username))
            names << r.username;
    }
    if (names.isEmpty() || !isOpen())
        return;
    // Committed already: this read only adds words. Mixed-case legacy rows ("Foo") count too.
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    const QString list = Database::isPostgres(db)
        ? QStringLiteral("SELECT unnest('%1'::text[])").arg(pgArray(names))
        : QStringLiteral("SELECT value FROM json_each('%1')").arg(jsonArray(names));
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

namespace {

// resolveWithoutWrite(): per input position, 'p' for a processed name, 'q' for one whose
// active row a request would not change, NULL for the names that need requestItems() (also
// when in doubt: a NULL priority, say, on an adopted table). The same precedence as the chunk
// statements: processed first (any case variant), then the queue. An active row found only as
// a mixed-case variant is left to requestItems(). The mixed-case lookups name the partial
// indexes' predicate (schema step 5).
// Scalar subqueries with LIMIT 1, not EXISTS: PostgreSQL may turn an EXISTS into a "hashed
// SubPlan" that reads every matching row of the table, and it chose that for the mixed-case
// lookup. "|| ''" keeps it off the (status, priority) index there.
// %1: the input as rows (value = username, key = position).
const QString ResolveStatement = QStringLiteral(
    "SELECT j.key, CASE"
    " WHEN (SELECT 1 FROM primary_profiles p WHERE p.username = j.value LIMIT 1) IS NOT NULL"
    "  OR (SELECT 1 FROM primary_profiles p WHERE lower(p.username) = j.value"
    "   AND p.username <> lower(p.username) LIMIT 1) IS NOT NULL THEN 'p'"
    // The active row (one at most, by the unique index) is not one to raise.
    " WHEN (SELECT 1 FROM queue q WHERE q.username = j.value"
    "   AND q.status IN ('PENDING','PROCESSING')"
    "   AND NOT (q.status = 'PENDING' AND q.priority = 'LOW') LIMIT 1) IS NOT NULL"
    "  AND (SELECT 1 FROM queue q WHERE lower(q.username) = j.value"
    "   AND q.username <> lower(q.username) AND (q.status || '') = 'PENDING'"
    "   AND (q.priority || '') = 'LOW' LIMIT 1) IS NULL THEN 'q'"
    " END"
    " FROM %1");

} // namespace

bool RequestService::resolveWithoutWrite(
    const QList<RequestItem> &items, QList<std::optional<RequestResult>> *results, QString *error)
{
    results->clear();
    results->resize(items.size());
    if (items.isEmpty())
        return true;
    // Only valid, normalized input is looked up; requestItems() answers the rest.
    QStringList names;
    QList<int> position;
    names.reserve(items.size());
    position.reserve(items.size());
    for (int i = 0; i < items.size(); ++i) {
        if (itemProblem(items[i]).isEmpty()) {
            names.append(items[i].username);
            position.append(i);
        }
    }
    if (names.isEmpty())
        return true;

    QString why;
    if (!open(&why)) {
        close();
        if (error)
            *error = why;
        return false;
    }
    if (repairRequired())
        return true; // every request goes on, to be refused in one place (runChunk)
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    const bool postgres = Database::isPostgres(db);
    // SQLite: prepared once per connection. PostgreSQL: sent whole each time, since a prepared
    // statement would live in the server session (see Database::exec()).
    std::unique_ptr<QSqlQuery> pgLookup;
    if (postgres) {
        pgLookup = std::make_unique<QSqlQuery>(db);
        pgLookup->setForwardOnly(true);
    } else if (!m_lookup) {
        auto q = std::make_unique<QSqlQuery>(db);
        q->setForwardOnly(true);
        if (!q->prepare(ResolveStatement.arg(QStringLiteral("json_each(?) AS j")))) {
            if (error)
                *error = q->lastError().text();
            return false;
        }
        m_lookup = std::move(q);
    }
    QSqlQuery *lookup = postgres ? pgLookup.get() : m_lookup.get();
    QSqlError sqlError;
    bool ok = false;
    if (postgres) {
        // PostgreSQL numbers WITH ORDINALITY from 1; the offset is subtracted below.
        ok = Database::exec(*lookup,
            ResolveStatement.arg(
                QStringLiteral("unnest(?::text[]) WITH ORDINALITY AS j(value, key)")),
            { pgArray(names) }, &sqlError);
    } else {
        lookup->bindValue(0, jsonArray(names));
        ok = lookup->exec();
        if (!ok)
            sqlError = lookup->lastError();
    }
    if (!ok) {
        if (error)
            *error = sqlError.text();
        lookup->finish();
        pgLookup.reset();
        if (!db.isOpen() || !ping(nullptr))
            close(); // lost: the next call reconnects
        return false;
    }
    const int base = postgres ? 1 : 0;
    while (lookup->next()) {
        const QVariant kind = lookup->value(1);
        const int k = lookup->value(0).toInt() - base;
        if (kind.isNull() || k < 0 || k >= position.size())
            continue; // for requestItems()
        const int i = position[k];
        RequestResult r;
        r.input = items[i].username;
        r.username = items[i].username;
        r.source = items[i].source;
        r.outcome = kind.toString() == QLatin1String("p") ? Outcome::AlreadyProcessed
                                                          : Outcome::AlreadyQueued;
        r.message = outcomeMessage(r.outcome, r.username);
        (*results)[i] = std::move(r);
    }
    lookup->finish();
    pgLookup.reset();
    db = QSqlDatabase();
    // A connection left on a replaced file reads what nobody else sees.
    if (!checkFiles(error)) {
        results->clear();
        results->resize(items.size());
        return false;
    }
    return true;
}

QList<RequestResult> RequestService::requestBulk(
    const BulkParseResult &parsed, const QString &source, const BatchOptions &options)
{
    const QString effectiveSource = source.isEmpty() ? Username::DefaultSource.toString() : source;
    const QString sourceError = Username::sourceError(effectiveSource);

    QList<RequestResult> results(parsed.entries.size());
    QList<RequestItem> items;
    QList<int> itemEntry;
    items.reserve(parsed.valid);
    itemEntry.reserve(parsed.valid);
    for (int i = 0; i < parsed.entries.size(); ++i) {
        const BulkEntry &entry = parsed.entries[i];
        RequestResult &r = results[i];
        r.input = entry.input;
        r.username = entry.username;
        r.source = effectiveSource;
        r.line = entry.line;
        if (!sourceError.isEmpty()) {
            r.outcome = Outcome::Invalid;
            r.message = sourceError;
            continue;
        }
        switch (entry.status) {
        case BulkEntry::Status::Invalid:
            r.outcome = Outcome::Invalid;
            r.message = entry.error;
            break;
        case BulkEntry::Status::Duplicate: {
            r.outcome = Outcome::DuplicateInBatch;
            const int firstLine =
                entry.duplicateOf >= 0 && entry.duplicateOf < parsed.entries.size()
                ? parsed.entries[entry.duplicateOf].line
                : 0;
            r.message =
                tr("Repeats %1 from line %2 of this batch").arg(entry.username).arg(firstLine);
            break;
        }
        case BulkEntry::Status::Valid:
            items.append({ entry.username, effectiveSource });
            itemEntry.append(i);
            break;
        }
    }

    const int offline = parsed.entries.size() - items.size();
    BatchOptions inner = options;
    if (options.progress) {
        const int total = parsed.entries.size();
        inner.progress = [&options, offline, total](
                             int done, int) { options.progress(offline + done, total); };
    }
    const QList<RequestResult> done =
        items.isEmpty() ? QList<RequestResult>() : requestItems(items, inner);
    for (int k = 0; k < done.size(); ++k) {
        RequestResult &r = results[itemEntry[k]];
        r.outcome = done[k].outcome;
        r.message = done[k].message;
        r.errorKind = done[k].errorKind;
        r.requestId = done[k].requestId;
        r.queueId = done[k].queueId;
        r.pausedRowExists = done[k].pausedRowExists;
    }
    if (items.isEmpty() && options.progress)
        options.progress(parsed.entries.size(), parsed.entries.size());
    return results;
}

ProfileStatus RequestService::status(const QString &username)
{
    ProfileStatus status;
    const Username::Parsed parsed = Username::normalize(username);
    if (!parsed.isValid()) {
        status.error = parsed.error;
        return status;
    }
    QString queueStatus;
    // A connection lost since the last call (a server restart; QPSQL then reports it closed)
    // gets one fresh connection and one more try.
    for (int attempt = 1;; ++attempt) {
        QString error;
        QSqlDatabase db = database(&error);
        if (!db.isOpen()) {
            status.errorKind = m_lastErrorKind == ErrorKind::SetupRequired
                ? ErrorKind::SetupRequired
                : ErrorKind::Unavailable;
            status.error = status.errorKind == ErrorKind::SetupRequired
                ? error
                : tr("The database is unavailable: %1").arg(error);
            return status;
        }
        // Processed: the queue browser's check (legacy mixed-case names included).
        QString failure;
        status.completed = QueueQuery::isProcessed(db, parsed.username, &failure);
        bool ok = failure.isEmpty();
        QSqlQuery q(db);
        q.setForwardOnly(true);
        QSqlError sqlError;
        if (ok) {
            ok = Database::exec(q,
                QStringLiteral("SELECT status, attempts FROM ("
                               "SELECT status, attempts, created_at FROM queue "
                               "WHERE username = ? "
                               "UNION ALL SELECT status, attempts, created_at FROM queue "
                               "WHERE lower(username) = ? AND username <> lower(username)) r "
                               "ORDER BY created_at DESC LIMIT 1"),
                { parsed.username, parsed.username }, &sqlError);
            if (!ok)
                failure = sqlError.text();
        }
        if (!ok) {
            const bool lost = !db.isOpen();
            q = QSqlQuery();
            db = QSqlDatabase();
            close();
            if (lost && attempt == 1)
                continue;
            status.errorKind = lost ? ErrorKind::Unavailable : ErrorKind::Failed;
            status.error =
                (lost ? tr("The database is unavailable: %1") : tr("The database failed: %1"))
                    .arg(failure);
            if (const QString permission = Schema::permissionProblem(db, sqlError);
                !lost && !permission.isEmpty()) {
                status.errorKind = ErrorKind::SetupRequired;
                status.error = permission;
            }
            return status;
        }
        if (q.next()) {
            queueStatus = q.value(0).toString();
            status.attempts = q.value(1).toInt();
        }
        break;
    }
    status.ok = true;
    if (status.completed) {
        status.status = QStringLiteral("COMPLETED");
        status.message = tr("Profile %1 is fully processed").arg(parsed.username);
    } else if (!queueStatus.isEmpty()) {
        status.status = queueStatus;
        status.message =
            tr("Profile %1 is in the queue with status %2").arg(parsed.username, queueStatus);
    } else {
        status.status = QStringLiteral("NOT_FOUND");
        status.message = tr("Profile %1 has not been requested").arg(parsed.username);
    }
    return status;
}

} // namespace ViralSpot
