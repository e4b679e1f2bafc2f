#include "tests/support/simworker.h"

#include "core/database.h"
#include "core/queuequery.h"

#include <QSqlError>
#include <QSqlQuery>

namespace ViralSpot::Test {

SimWorker::SimWorker(QSqlDatabase db)
    : m_db(std::move(db))
{ }

QString SimWorker::nextRowSql(const QSqlDatabase &db)
{
    // The original worker's, unchanged: the first PENDING row by priority (text or the legacy
    // enum: HIGH first), then "timestamp".
    return QStringLiteral("SELECT id FROM queue WHERE status = 'PENDING' "
                          "ORDER BY priority, \"timestamp\" LIMIT 1") +
        (Database::isPostgres(db) ? QStringLiteral(" FOR UPDATE SKIP LOCKED") : QString());
}

SimWorker::Claimed SimWorker::claim(const QDateTime &at)
{
    Claimed c;
    const QString ts = QueueQuery::timestampPlaceholder(m_db);
    const QString sql =
        QStringLiteral("UPDATE queue SET status = 'PROCESSING', attempts = attempts + 1, "
                       "last_attempt = %1, updated_at = %1 WHERE id = (%2) RETURNING id, username")
            .arg(ts, nextRowSql(m_db));
    QSqlQuery q(m_db);
    const QVariant when = QueueQuery::timestampValue(m_db, at);
    QSqlError error;
    if (!Database::exec(q, sql, { when, when }, &error)) {
        c.error = m_error = error.text();
        return c;
    }
    c.ok = true;
    if (q.next()) {
        c.id = q.value(0).toString();
        c.username = q.value(1).toString();
    }
    return c;
}

bool SimWorker::complete(const QString &id, const QDateTime &at)
{
    const QString ts = QueueQuery::timestampPlaceholder(m_db);
    const QVariant when = QueueQuery::timestampValue(m_db, at);
    QSqlQuery q(m_db);
    QSqlError error;
    const bool ok =
        Database::exec(q,
            QStringLiteral("INSERT INTO primary_profiles (username, created_at, updated_at) "
                           "SELECT username, %1, %1 FROM queue WHERE id = %2 "
                           "ON CONFLICT (username) DO NOTHING")
                .arg(ts,
                    Database::isPostgres(m_db) ? QStringLiteral("?::uuid") : QStringLiteral("?")),
            { when, when, id }, &error) &&
        Database::exec(q,
            QStringLiteral("UPDATE queue SET status = 'COMPLETED', updated_at = %1 WHERE id = %2")
                .arg(ts,
                    Database::isPostgres(m_db) ? QStringLiteral("?::uuid") : QStringLiteral("?")),
            { when, id }, &error);
    if (!ok)
        m_error = error.text();
    return ok;
}

bool SimWorker::fail(const QString &id, const QString &message, const QDateTime &at)
{
    const QString ts = QueueQuery::timestampPlaceholder(m_db);
    QSqlQuery q(m_db);
    QSqlError error;
    if (!Database::exec(q,
            QStringLiteral("UPDATE queue SET status = 'FAILED', error_message = ?, "
                           "updated_at = %1 WHERE id = %2")
                .arg(ts,
                    Database::isPostgres(m_db) ? QStringLiteral("?::uuid") : QStringLiteral("?")),
            { message, QueueQuery::timestampValue(m_db, at), id }, &error)) {
        m_error = error.text();
        return false;
    }
    return true;
}

QString SimWorker::processNext(const QDateTime &at)
{
    const Claimed c = claim(at);
    if (!c.ok || c.id.isEmpty())
        return {};
    return complete(c.id, at) ? c.username : QString();
}

} // namespace ViralSpot::Test
