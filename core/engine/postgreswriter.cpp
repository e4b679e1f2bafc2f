#include "core/engine/postgreswriter.h"

#include "core/batches/batchrecord.h"
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
    "  SELECT * FROM unnest($1, $2, $3, $4$X)"
    "  AS t(u, s, r, i$Y)),"
    " processed AS ("
    "  SELECT p.username FROM primary_profiles p WHERE p.username = ANY($1)%1),"
    " inserted AS ("
    "  INSERT INTO queue (id, username, source, priority, status, attempts, request_id,"
    "   timestamp, created_at, updated_at)"
    "  SELECT input.i, input.u, input.s, 'HIGH', 'PENDING', 0, input.r, now(),"
    "   now(), now() FROM input"
    "  WHERE NOT EXISTS (SELECT 1 FROM primary_profiles p WHERE p.username = input.u)%2"
    // Sorted, so that concurrent batches take their locks in the same order.
    "  ORDER BY input.u"
    "  ON CONFLICT (username) WHERE status IN ('PENDING','PROCESSING') DO NOTHING"
    "  RETURNING username, id),"
    // Unordered row locks: two batches raising the same rows in another order can
    // deadlock, and PostgreSQL then aborts one of them, which is retried (40P01).
    " raised AS ("
    "  UPDATE queue SET priority = 'HIGH', updated_at = now()"
    "  WHERE %3 AND status = 'PENDING' AND priority = 'LOW'"
    "  AND NOT EXISTS (SELECT 1 FROM primary_profiles p WHERE p.username = %4)%5"
    "  RETURNING 1)"
    "%6"
    " SELECT 'p', username FROM processed"
    " UNION ALL SELECT 'q', username FROM inserted");

// Batch items (BatchOptions::record), in the same statement. A sent input's item comes from
// the input's own row ($X adds its position and stored input, $Y their names: p, si): its
// outcome and queue row from the CTEs above (exact for this statement), an active row found for
// already_queued from the statement's snapshot. A row another transaction committed after that
// snapshot (ON CONFLICT waited for it) is not visible here; the UPDATE sent after this
// statement, in the same implicit transaction but with a new snapshot, fills those in. The
// inputs not sent (invalid, repeated: final outcomes) come from their own arrays. %1 is the
// batch id; %2.. the final items' positions, inputs, usernames, outcomes, messages, queue ids.
// Hashed lookups, no join: joining the inserted rows by name sorted every chunk's items twice.
const QLatin1String RecordItems(
    ", recorded AS ("
    "  INSERT INTO viralspot_batch_items (batch_id, position, input, username, outcome, message,"
    "   queue_id)"
    "  SELECT %1::uuid, input.p, input.si, input.u,"
    "   CASE WHEN input.i IN (SELECT id FROM inserted) THEN 'queued'"
    "    WHEN input.u IN (SELECT username FROM processed) THEN 'already_processed'"
    "    ELSE 'already_queued' END,"
    "   NULL,"
    "   CASE WHEN input.i IN (SELECT id FROM inserted) THEN input.i"
    "    WHEN input.u IN (SELECT username FROM processed) THEN NULL"
    "    ELSE (SELECT a.id FROM queue a WHERE @MATCH(input.u)"
    "     AND a.status IN ('PENDING','PROCESSING') LIMIT 1) END"
    "  FROM input"
    "  UNION ALL"
    "  SELECT %1::uuid, e.p, e.i, e.u, e.o, e.m, e.q::uuid"
    "  FROM unnest(%2::int[], %3::text[], %4::text[], %5::text[], %6::text[], %7::text[])"
    "   AS e(p, i, u, o, m, q)"
    "  RETURNING 1)");

const QLatin1String RecordFixup(
    "; UPDATE viralspot_batch_items b SET queue_id = a.id FROM queue a"
    " WHERE b.batch_id = %1::uuid AND b.position BETWEEN %2 AND %3 AND b.queue_id IS NULL"
    " AND b.outcome = 'already_queued' AND @MATCH(b.username)"
    " AND a.status IN ('PENDING','PROCESSING')");

const QString &chunkStatement(bool legacy)
{
    static const QString lean =
        ChunkStatement.arg(QString(), QString(), QStringLiteral("username = ANY($1)"),
            QStringLiteral("queue.username"), QString(), QStringLiteral("$R"));
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
                       " AND p.username <> lower(p.username))"),
        QStringLiteral("$R"));
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
        // The ids as uuid[]: each parsed once here, not cast again wherever a row uses it.
        literals[k] =
            literal.value + (k == 3 ? QLatin1String("::uuid[]") : QLatin1String("::text[]"));
    }
    // The batch items' part (BatchOptions::record), its literals written in here.
    QString recordItems;
    QString before; // statements before the chunk's (the batch row)
    QString after; // statements after it (the items' queue rows found since its snapshot)
    QString inputArrays; // $X: the sent inputs' positions and stored inputs
    QString inputColumns; // $Y: their names
    if (const BatchRecord::Chunk *record = chunk.record) {
        // The sent inputs' positions and stored inputs, by their index in the chunk; the
        // final ones whole.
        QStringList sentPositions(chunk.names.size(), QStringLiteral("NULL"));
        QStringList sentInputs(chunk.names.size());
        QStringList positions, inputs, usernames, outcomes, messages, queueIds;
        for (const BatchRecord::Entry &e : record->entries) {
            if (e.chunkIndex >= 0) {
                sentPositions[e.chunkIndex] = QString::number(e.position);
                sentInputs[e.chunkIndex] = BatchRecord::storedInput(e);
                continue;
            }
            positions << QString::number(e.position);
            inputs << BatchRecord::storedInput(e);
            usernames << e.username;
            outcomes << outcomeName(e.outcome);
            messages << e.message;
            queueIds << e.queueId;
        }
        // Their literals, in this order: the batch id, the final items' six arrays (RecordItems'
        // %1..%7), then the sent inputs' two (the input's unnest).
        enum
        {
            BatchId = 0,
            SentPositions = 7,
            SentInputs = 8,
            Literals = 9
        };
        const QString arrays[Literals] = {
            record->batch.id,
            QLatin1Char('{') + positions.join(QLatin1Char(',')) + QLatin1Char('}'),
            BatchRecord::pgTextArray(inputs, true),
            BatchRecord::pgTextArray(usernames, true),
            BatchRecord::pgTextArray(outcomes, true),
            BatchRecord::pgTextArray(messages, true),
            BatchRecord::pgTextArray(queueIds, true),
            QLatin1Char('{') + sentPositions.join(QLatin1Char(',')) + QLatin1Char('}'),
            BatchRecord::pgTextArray(sentInputs, true),
        };
        QString lit[Literals];
        for (int k = 0; k < Literals; ++k) {
            const ValueResult<QString> literal = Database::postgresLiteral(arrays[k]);
            if (!literal.ok) {
                result.error = QSqlError(literal.error, QString(), QSqlError::StatementError);
                return result;
            }
            lit[k] = literal.value;
        }
        inputArrays = QLatin1String(", ") + lit[SentPositions] + QLatin1String("::int[], ") +
            lit[SentInputs] + QLatin1String("::text[]");
        inputColumns = QStringLiteral(", p, si");
        // The active row of an already-queued name: the legacy form also finds a mixed-case
        // row ("OldStar" for "oldstar") through its partial index.
        const auto match = [this](const QString &sql, const QString &token, QLatin1String name) {
            QString out = sql;
            return out.replace(token,
                m_legacy ? QStringLiteral("(a.username = %1 OR (lower(a.username) = %1"
                                          " AND a.username <> lower(a.username)))")
                               .arg(name)
                         : QStringLiteral("a.username = %1").arg(name));
        };
        recordItems =
            match(QString(RecordItems), QStringLiteral("@MATCH(input.u)"), QLatin1String("input.u"))
                .arg(lit[0], lit[1], lit[2], lit[3], lit[4], lit[5], lit[6]);
        after = match(
            QString(RecordFixup), QStringLiteral("@MATCH(b.username)"), QLatin1String("b.username"))
                    .arg(lit[BatchId], QString::number(record->firstPosition()),
                        QString::number(record->lastPosition()));
        if (record->create) {
            const ValueResult<QString> insert = BatchRecord::postgresBatchInsert(*record);
            if (!insert.ok) {
                result.error = QSqlError(insert.error, QString(), QSqlError::StatementError);
                return result;
            }
            before = insert.value + QLatin1String("; ");
        }
    }
    // $1..$4 (and $R) in one pass, so that no value is searched for parameters in its turn.
    const QString &statement = chunkStatement(m_legacy);
    QString sql;
    sql.reserve(statement.size() + 4 * literals[0].size() + literals[1].size() +
        literals[2].size() + literals[3].size() + recordItems.size() + before.size() +
        after.size() + inputArrays.size() + 64);
    sql += QLatin1String("SET LOCAL synchronous_commit = on; ");
    // With the items the planner's cost estimate (the CTE scans' guesses times 10,000 rows)
    // crosses jit_above_cost, and compiling the statement took 2.7 s of a 3.9 s chunk while
    // running it took 1.2 s. Off for this transaction only (SET LOCAL: pooler-safe).
    if (chunk.record)
        sql += QLatin1String("SET LOCAL jit = off; ");
    sql += before;
    for (qsizetype i = 0; i < statement.size(); ++i) {
        const QChar c = statement.at(i);
        if (c == QLatin1Char('$') && i + 1 < statement.size() &&
            statement.at(i + 1) >= QLatin1Char('1') && statement.at(i + 1) <= QLatin1Char('4')) {
            sql += literals[statement.at(i + 1).unicode() - '1'];
            ++i;
        } else if (c == QLatin1Char('$') && i + 1 < statement.size() &&
            (statement.at(i + 1) == QLatin1Char('R') || statement.at(i + 1) == QLatin1Char('X') ||
                statement.at(i + 1) == QLatin1Char('Y'))) {
            const char16_t token = statement.at(i + 1).unicode();
            sql += token == u'R' ? recordItems : token == u'X' ? inputArrays : inputColumns;
            ++i;
        } else {
            sql += c;
        }
    }
    sql += after;
    // "Queued" promises a durable commit whatever the server's default says: SET LOCAL, in the
    // same statement string (one implicit transaction), rather than a SET on the session: a
    // transaction pooler would run that in some other client's server session.
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    // The first result is the SET's (then the second SET's and the batch row's INSERT's, when
    // recording); the chunk's rows (or its error) come next.
    if (!q.exec(sql) || !q.nextResult() || (chunk.record && !q.nextResult()) ||
        (!before.isEmpty() && !q.nextResult())) {
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
    // Every later statement's result is read: a failure there rolls the whole string back,
    // and only its result says so.
    if (!after.isEmpty() && !q.nextResult()) {
        result.error = q.lastError().isValid()
            ? q.lastError()
            : QSqlError(QStringLiteral("The batch items' update sent no result."), QString(),
                  QSqlError::StatementError);
        for (RequestResult &r : results) {
            r.outcome = Outcome::AlreadyQueued;
            r.queueId.clear();
            r.requestId.clear();
        }
        return result;
    }
    result.ok = true;
    return result;
}

} // namespace ViralSpot::Engine
