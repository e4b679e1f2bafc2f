#include "core/engine/sqlitewriter.h"

#include "core/batches/batchrecord.h"

#include <QDateTime>
#include <QHash>

namespace ViralSpot::Engine {

namespace {

bool execStatement(QSqlQuery &q, QSqlError *error)
{
    if (q.exec())
        return true;
    *error = q.lastError();
    q.finish();
    return false;
}

QString sqliteNow()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

} // namespace

SqliteWriter::Variant::Variant(const QSqlDatabase &db)
    : processed(db)
    , insert(db)
    , raise(db)
{ }

SqliteWriter::SqliteWriter(const QSqlDatabase &db)
    : m_connectionName(db.connectionName())
    , m_begin(db)
    , m_legacyRows(db)
    , m_commit(db)
    , m_rollback(db)
    , m_lean(db)
    , m_legacy(db)
{ }

WriteResult SqliteWriter::write(const WriteChunk &chunk, QList<RequestResult> &results)
{
    WriteResult result;
    // Prepared on first use; a failed prepare is tried again with the next chunk.
    if (!m_prepared)
        m_prepared = prepare(&result.error);
    if (m_prepared)
        result.ok = run(chunk, results, &result.error);
    return result;
}

bool SqliteWriter::prepare(QSqlError *error)
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
    const QString raise = QStringLiteral("UPDATE queue SET priority = 'HIGH', updated_at = ? "
                                         "WHERE +status = 'PENDING' AND +priority = 'LOW' AND %1");
    m_legacy.raiseNameBindings = 2;
    // The mixed-case lookups name the partial indexes' predicate verbatim, so that SQLite
    // uses them.
    const std::pair<QSqlQuery *, QString> statements[] = {
        // Take the write lock up front: a deferred BEGIN that reads and then writes can
        // fail with SQLITE_BUSY without waiting.
        { &m_begin, QStringLiteral("BEGIN IMMEDIATE") },
        { &m_legacyRows,
            QStringLiteral("SELECT EXISTS (SELECT 1 FROM queue "
                           "WHERE username <> lower(username)) "
                           "OR EXISTS (SELECT 1 FROM primary_profiles "
                           "WHERE username <> lower(username))") },
        { &m_commit, QStringLiteral("COMMIT") },
        { &m_rollback, QStringLiteral("ROLLBACK") },
        { &m_lean.processed,
            QStringLiteral("SELECT j.value FROM json_each(?) j "
                           "JOIN primary_profiles p ON p.username = j.value") },
        { &m_lean.insert, insert.arg(QStringLiteral("true")) },
        { &m_lean.raise,
            raise.arg(QStringLiteral("username IN (SELECT value FROM json_each(?))")) },
        { &m_legacy.processed,
            QStringLiteral("SELECT j.value FROM json_each(?) j "
                           "WHERE EXISTS (SELECT 1 FROM primary_profiles p "
                           "WHERE p.username = j.value) "
                           "OR EXISTS (SELECT 1 FROM primary_profiles p "
                           "WHERE lower(p.username) = j.value "
                           "AND p.username <> lower(p.username))") },
        { &m_legacy.insert,
            insert.arg(QStringLiteral("NOT EXISTS (SELECT 1 FROM queue q "
                                      "WHERE lower(q.username) = value->>0 "
                                      "AND q.username <> lower(q.username) "
                                      "AND q.status IN ('PENDING','PROCESSING'))")) },
        { &m_legacy.raise,
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

bool SqliteWriter::run(const WriteChunk &chunk, QList<RequestResult> &results, QSqlError *error)
{
    if (!execStatement(m_begin, error))
        return false;
    Variant *v = &m_lean;
    const auto rollback = [&] {
        m_legacyRows.finish();
        v->processed.finish();
        v->insert.finish();
        v->raise.finish();
        m_rollback.exec();
        m_rollback.finish();
        return false;
    };

    // 0. Does this database hold mixed-case names (an adopted one)?
    if (!execStatement(m_legacyRows, error) || !m_legacyRows.next())
        return rollback();
    if (m_legacyRows.value(0).toBool())
        v = &m_legacy;
    m_legacyRows.finish();

    // 1. Already processed: nothing is written for these.
    v->processed.bindValue(0, jsonArray(chunk.names));
    if (!execStatement(v->processed, error))
        return rollback();
    while (v->processed.next())
        markProcessed(v->processed.value(0).toString(), chunk, results);
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

    // 4. The batch's items, in this transaction (BatchOptions::record).
    if (chunk.record && !record(chunk, results, error))
        return rollback();

    // 5. Only a committed row is reported as queued.
    if (!execStatement(m_commit, error))
        return rollback();
    m_commit.finish();
    return true;
}

bool SqliteWriter::record(
    const WriteChunk &chunk, const QList<RequestResult> &results, QSqlError *error)
{
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    // The active rows of the already-queued names, in this transaction (the write lock is
    // held, so they are the rows the insert found). Mixed-case legacy rows ("Foo") too.
    // "+status": on the username index, not the status one (every PENDING row).
    QStringList waiting;
    for (int i = 0; i < chunk.names.size(); ++i) {
        if (results[i].outcome == Outcome::AlreadyQueued)
            waiting << chunk.names[i];
    }
    QHash<QString, QString> activeRow;
    if (!waiting.isEmpty()) {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        q.prepare(QStringLiteral(
            "SELECT username, id FROM queue WHERE username IN (SELECT value FROM json_each(?)) "
            "AND +status IN ('PENDING','PROCESSING') "
            "UNION ALL SELECT lower(username), id FROM queue "
            "WHERE lower(username) IN (SELECT value FROM json_each(?)) "
            "AND username <> lower(username) AND +status IN ('PENDING','PROCESSING')"));
        const QString names = jsonArray(waiting);
        q.bindValue(0, names);
        q.bindValue(1, names);
        if (!q.exec()) {
            *error = q.lastError();
            return false;
        }
        while (q.next())
            activeRow.insert(q.value(0).toString(), q.value(1).toString());
    }
    BatchRecord::Chunk final = *chunk.record;
    for (BatchRecord::Entry &e : final.entries) {
        if (e.chunkIndex < 0)
            continue;
        const RequestResult &r = results[e.chunkIndex];
        e.outcome = r.outcome;
        e.message.clear();
        e.queueId = r.outcome == Outcome::Queued  ? chunk.ids[e.chunkIndex]
            : r.outcome == Outcome::AlreadyQueued ? activeRow.value(chunk.names[e.chunkIndex])
                                                  : QString();
        e.chunkIndex = -1;
    }
    return BatchRecord::insertFinal(db, final, error);
}

} // namespace ViralSpot::Engine
