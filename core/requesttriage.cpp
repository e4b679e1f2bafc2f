#include "core/requesttriage.h"

#include "core/database.h"
#include "engine/requestwriter.h"

namespace ViralSpot {

namespace {

// Per input position, 'p' for a processed name, 'q' for one whose active row a request would
// not change, NULL for the names that need a write (also when in doubt: a NULL priority, say,
// on an adopted table). The same precedence as the writers: processed first (any case
// variant), then the queue. An active row found only as a mixed-case variant is left to the
// writer. The mixed-case lookups name the partial indexes' predicate (schema step 5).
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

RequestTriage::RequestTriage(const QSqlDatabase &db)
    : m_connectionName(db.connectionName())
    , m_postgres(Database::isPostgres(db))
{ }

RequestTriage::Lookup RequestTriage::lookup(const QStringList &names)
{
    Lookup result;
    result.outcomes.resize(names.size());
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    // SQLite: prepared once per connection. PostgreSQL: sent whole each time, since a prepared
    // statement would live in the server session (see Database::exec()).
    std::unique_ptr<QSqlQuery> unprepared;
    QSqlQuery *q = nullptr;
    bool ok = false;
    if (m_postgres) {
        unprepared = std::make_unique<QSqlQuery>(db);
        unprepared->setForwardOnly(true);
        q = unprepared.get();
        // PostgreSQL numbers WITH ORDINALITY from 1; the offset is subtracted below.
        ok = Database::exec(*q,
            ResolveStatement.arg(
                QStringLiteral("unnest(?::text[]) WITH ORDINALITY AS j(value, key)")),
            { Engine::pgArray(names) }, &result.error);
    } else {
        if (!m_prepared) {
            auto prepared = std::make_unique<QSqlQuery>(db);
            prepared->setForwardOnly(true);
            if (!prepared->prepare(ResolveStatement.arg(QStringLiteral("json_each(?) AS j")))) {
                result.error = prepared->lastError();
                return result;
            }
            m_prepared = std::move(prepared);
        }
        q = m_prepared.get();
        q->bindValue(0, Engine::jsonArray(names));
        ok = q->exec();
        if (!ok)
            result.error = q->lastError();
    }
    if (ok) {
        const int base = m_postgres ? 1 : 0;
        while (q->next()) {
            const QVariant kind = q->value(1);
            const int k = q->value(0).toInt() - base;
            if (kind.isNull() || k < 0 || k >= names.size())
                continue; // for the writer
            result.outcomes[k] = kind.toString() == QLatin1String("p") ? Outcome::AlreadyProcessed
                                                                       : Outcome::AlreadyQueued;
        }
    }
    q->finish();
    result.ok = ok;
    return result;
}

} // namespace ViralSpot
