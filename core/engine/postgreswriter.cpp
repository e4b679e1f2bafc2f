#include "core/engine/postgreswriter.h"

#include "core/database.h"

#include <QSqlQuery>

namespace ViralSpot::Engine {

namespace {

// The chunk statement, in two forms. The lean one matches usernames exactly: the app writes
// lower case only. The legacy one also matches the mixed-case rows ("Foo") an adopted database
// may hold (the same profile as "foo"), through the partial indexes of schema step 5. Its extra
// lookups cost ~15% on a 100,000-username batch, so it runs only where such rows exist
// (LegacyCheck, one index probe per table, before each chunk).
const QString ChunkStatement = QStringLiteral(
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

const QString &chunkStatement(bool legacy)
{
    static const QString lean = ChunkStatement.arg(QString(), QString(),
        QStringLiteral("username = ANY($1)"), QStringLiteral("queue.username"), QString());
    static const QString withLegacy = ChunkStatement.arg(
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
const QLatin1String LegacyCheck(
    "SELECT (SELECT 1 FROM queue WHERE username <> lower(username)"
    " ORDER BY lower(username) LIMIT 1) IS NOT NULL"
    " OR (SELECT 1 FROM primary_profiles WHERE username <> lower(username)"
    " ORDER BY lower(username) LIMIT 1) IS NOT NULL");

} // namespace

PostgresWriter::PostgresWriter(const QSqlDatabase &db)
    : m_connectionName(db.connectionName())
{ }

bool PostgresWriter::legacyRowsPresent(QSqlError *error)
{
    // At most once a second per connection: a round trip before every group commit cost the
    // endpoint 15% of its requests a second. Mixed-case rows come from an adopted database's
    // past (the app writes lower case only), so a second's delay in noticing one that another
    // tool adds now changes nothing real; no check can close that race anyway, as no index
    // spans case variants.
    if (!m_legacyChecked.isValid() || m_legacyChecked.hasExpired(1000)) {
        QSqlQuery check(QSqlDatabase::database(m_connectionName, false));
        check.setForwardOnly(true);
        if (!check.exec(LegacyCheck) || !check.next()) {
            *error = check.lastError();
            return false;
        }
        m_legacy = check.value(0).toBool();
        m_legacyChecked.start();
    }
    return true;
}

WriteResult PostgresWriter::write(const WriteChunk &chunk, QList<RequestResult> &results)
{
    WriteResult result;
    if (!legacyRowsPresent(&result.error))
        return result;
    QString literals[4];
    const QStringList *arrays[] = { &chunk.names, &chunk.sources, &chunk.requestIds, &chunk.ids };
    for (int k = 0; k < 4; ++k) {
        const ValueResult<QString> literal = Database::postgresLiteral(pgArray(*arrays[k]));
        if (!literal.ok) {
            result.error = QSqlError(literal.error, QString(), QSqlError::StatementError);
            return result;
        }
        literals[k] = literal.value + QLatin1String("::text[]");
    }
    // $1..$4 in one pass, so that no value is searched for parameters in its turn.
    const QString &statement = chunkStatement(m_legacy);
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
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    // The first result is the SET's; the chunk's rows (or its error) come next.
    if (!q.exec(sql) || !q.nextResult()) {
        result.error = q.lastError();
        return result;
    }
    while (q.next()) {
        const QString username = q.value(1).toString();
        if (q.value(0).toString() == QLatin1String("q"))
            markQueued(username, chunk, results);
        else
            markProcessed(username, chunk, results);
    }
    result.ok = true;
    return result;
}

} // namespace ViralSpot::Engine
