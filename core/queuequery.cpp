#include "core/queuequery.h"

#include "core/database.h"
#include "core/schema.h"
#include "core/username.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace ViralSpot::QueueQuery {

namespace {

// The translation context of this file's messages.
struct Messages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::QueueQuery)
};

const QString RowColumns =
    QStringLiteral("id, username, source, priority, status, attempts, last_attempt, error_message, "
                   "request_id, created_at, updated_at");

// A WHERE clause with its bound values, in order.
struct Where
{
    QString sql;
    QVariantList values;
};

QString placeholders(int count)
{
    QString result;
    for (int i = 0; i < count; ++i)
        result += i ? QStringLiteral(", ?") : QStringLiteral("?");
    return result;
}

// The search text as a stored (normalized, lower-case) username prefix.
QString normalizedPrefix(const QString &input)
{
    QString text = input.trimmed();
    if (text.contains(QLatin1Char('/'))) {
        const Username::Parsed parsed = Username::normalize(text);
        if (!parsed.username.isEmpty())
            return parsed.username;
    }
    if (text.startsWith(QLatin1Char('@')))
        text.remove(0, 1);
    return text.toLower();
}

// The smallest string greater than every string that starts with `prefix` (code point order).
QString prefixUpperBound(const QString &prefix)
{
    QString upper = prefix;
    upper[upper.size() - 1] = QChar(upper.at(upper.size() - 1).unicode() + 1);
    return upper;
}

Where buildWhere(const QSqlDatabase &db, const QueueFilter &filter)
{
    const bool pg = Database::isPostgres(db);
    QStringList clauses;
    Where where;
    if (!filter.statuses.isEmpty()) {
        clauses << QStringLiteral("status IN (%1)").arg(placeholders(filter.statuses.size()));
        for (const QString &s : filter.statuses)
            where.values << s;
    }
    if (!filter.priorities.isEmpty()) {
        clauses << QStringLiteral("priority IN (%1)").arg(placeholders(filter.priorities.size()));
        for (const QString &p : filter.priorities)
            where.values << p;
    }
    if (!filter.source.isEmpty()) {
        clauses << QStringLiteral("source = ?");
        where.values << filter.source;
    }
    if (filter.createdFrom.isValid()) {
        clauses << QStringLiteral("created_at >= ") + timestampPlaceholder(db);
        where.values << timestampValue(db, filter.createdFrom);
    }
    if (filter.createdTo.isValid()) {
        clauses << QStringLiteral("created_at < ") + timestampPlaceholder(db);
        where.values << timestampValue(db, filter.createdTo);
    }
    const QString prefix = normalizedPrefix(filter.usernamePrefix);
    if (!prefix.isEmpty()) {
        // A range over the username index instead of LIKE: exact for a prefix under byte-wise
        // comparison, and usable by the planner even with a generic plan. PostgreSQL's pattern
        // operators compare byte-wise whatever the database's collation (text_pattern_ops index).
        if (pg)
            clauses << QStringLiteral("username ~>=~ ? AND username ~<~ ?");
        else
            clauses << QStringLiteral("username >= ? AND username < ?");
        where.values << prefix << prefixUpperBound(prefix);
    }
    if (!clauses.isEmpty())
        where.sql = QStringLiteral(" WHERE ") + clauses.join(QStringLiteral(" AND "));
    return where;
}

QString orderBy(const QueueSort &sort)
{
    const bool asc = sort.order == Qt::AscendingOrder;
    const QString dir = asc ? QStringLiteral(" ASC") : QStringLiteral(" DESC");
    QString column = columnName(sort.column);
    QString nulls;
    switch (sort.column) {
    case QueueColumn::LastAttempt:
    case QueueColumn::ErrorMessage:
    case QueueColumn::Source:
    case QueueColumn::UpdatedAt:
        // The two engines disagree on where NULLs go; say it.
        nulls = asc ? QStringLiteral(" NULLS FIRST") : QStringLiteral(" NULLS LAST");
        break;
    default:
        break;
    }
    return QStringLiteral(" ORDER BY ") + column + dir + nulls + QStringLiteral(", id") + dir;
}

Result prepareAndExec(QSqlQuery &q, const QString &sql, const QVariantList &values)
{
    // Unprepared on PostgreSQL (transaction poolers): see Database::exec().
    QSqlError sqlError;
    if (Database::exec(q, sql, values, &sqlError))
        return Result::success();
    return Result::failure(sqlError.text());
}

QueueRow readRow(const QSqlQuery &q)
{
    QueueRow row;
    row.id = q.value(0).toString();
    row.username = q.value(1).toString();
    row.source = q.value(2).toString();
    row.priority = q.value(3).toString();
    row.status = q.value(4).toString();
    row.attempts = q.value(5).toInt();
    row.lastAttempt = toDateTime(q.value(6));
    row.errorMessage = q.value(7).toString();
    row.requestId = q.value(8).toString();
    row.createdAt = toDateTime(q.value(9));
    row.updatedAt = toDateTime(q.value(10));
    return row;
}

// The ids of a page, found on the (covering) sort index alone, then the full rows of only
// those ids: deep offsets skip index entries instead of whole rows.
QString pageIdsSql(const QSqlDatabase &db, const Where &where, const QueueSort &sort)
{
    Q_UNUSED(db)
    return QStringLiteral("SELECT id FROM queue") + where.sql + orderBy(sort) +
        QStringLiteral(" LIMIT ? OFFSET ?");
}

} // namespace

} // namespace ViralSpot::QueueQuery

namespace ViralSpot {
bool QueueFilter::operator==(const QueueFilter &other) const
{
    return statuses == other.statuses && priorities == other.priorities && source == other.source &&
        createdFrom == other.createdFrom && createdTo == other.createdTo &&
        usernamePrefix == other.usernamePrefix;
}
} // namespace ViralSpot

namespace ViralSpot::QueueQuery {

QStringList knownStatuses()
{
    return { QStringLiteral("PENDING"), QStringLiteral("PROCESSING"), QStringLiteral("COMPLETED"),
        QStringLiteral("FAILED"), QStringLiteral("PAUSED") };
}

QStringList knownPriorities()
{
    return { QStringLiteral("HIGH"), QStringLiteral("LOW") };
}

QString columnName(QueueColumn column)
{
    switch (column) {
    case QueueColumn::Username:
        return QStringLiteral("username");
    case QueueColumn::Status:
        return QStringLiteral("status");
    case QueueColumn::Priority:
        return QStringLiteral("priority");
    case QueueColumn::Source:
        return QStringLiteral("source");
    case QueueColumn::Attempts:
        return QStringLiteral("attempts");
    case QueueColumn::LastAttempt:
        return QStringLiteral("last_attempt");
    case QueueColumn::ErrorMessage:
        return QStringLiteral("error_message");
    case QueueColumn::CreatedAt:
        return QStringLiteral("created_at");
    case QueueColumn::UpdatedAt:
        return QStringLiteral("updated_at");
    }
    return QStringLiteral("created_at");
}

QueuePage fetch(const QSqlDatabase &db, const QueueFilter &filter, const QueueSort &sort,
    qint64 offset, int limit)
{
    QueuePage page;
    page.offset = offset;
    const Where where = buildWhere(db, filter);
    const QString sql = QStringLiteral("SELECT ") + RowColumns +
        QStringLiteral(" FROM queue WHERE id IN (") + pageIdsSql(db, where, sort) +
        QStringLiteral(")") + orderBy(sort);
    QVariantList values = where.values;
    values << limit << offset;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (const Result ran = prepareAndExec(q, sql, values); !ran.ok) {
        page.error = ran.error;
        return page;
    }
    while (q.next())
        page.rows.append(readRow(q));
    page.ok = true;
    return page;
}

ValueResult<QStringList> fetchIds(const QSqlDatabase &db, const QueueFilter &filter,
    const QueueSort &sort, qint64 offset, int limit)
{
    const Where where = buildWhere(db, filter);
    QVariantList values = where.values;
    values << limit << offset;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QStringList ids;
    if (const Result ran = prepareAndExec(q, pageIdsSql(db, where, sort), values); !ran.ok)
        return ValueResult<QStringList>::failure(ran.error);
    while (q.next())
        ids << q.value(0).toString();
    return ValueResult<QStringList>::success(ids);
}

QueueCount count(const QSqlDatabase &db, const QueueFilter &filter)
{
    QueueCount result;
    const Where where = buildWhere(db, filter);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (const Result ran = prepareAndExec(
            q, QStringLiteral("SELECT COUNT(*) FROM queue") + where.sql, where.values);
        !ran.ok) {
        result.error = ran.error;
        return result;
    }
    if (!q.next()) {
        result.error = q.lastError().text();
        return result;
    }
    result.rows = q.value(0).toLongLong();
    result.ok = true;
    return result;
}

QueueCounts counts(const QSqlDatabase &db)
{
    QueueCounts result;
    for (const QString &s : knownStatuses())
        result.byStatus.insert(s, 0);
    for (const QString &p : knownPriorities())
        result.byPriority.insert(p, 0);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(QStringLiteral(
            "SELECT status, priority, COUNT(*) FROM queue GROUP BY status, priority"))) {
        result.error = q.lastError().text();
        return result;
    }
    while (q.next()) {
        const qint64 n = q.value(2).toLongLong();
        result.byStatus[q.value(0).toString()] += n;
        result.byPriority[q.value(1).toString()] += n;
        result.total += n;
    }
    result.ok = true;
    return result;
}

ValueResult<QStringList> sources(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QStringList result;
    if (!q.exec(QStringLiteral("SELECT DISTINCT source FROM queue WHERE source IS NOT NULL "
                               "ORDER BY source")))
        return ValueResult<QStringList>::failure(q.lastError().text());
    while (q.next())
        result << q.value(0).toString();
    return ValueResult<QStringList>::success(result);
}

ValueResult<QList<QueueRow>> history(const QSqlDatabase &db, const QString &username)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QList<QueueRow> rows;
    if (const Result ran = prepareAndExec(q,
            QStringLiteral("SELECT ") + RowColumns +
                // Legacy mixed-case rows ("Foo") are the same profile (schema step 5).
                QStringLiteral(" FROM queue WHERE username = ? OR (lower(username) = ? "
                               "AND username <> lower(username)) "
                               "ORDER BY created_at DESC, id DESC"),
            { username, username });
        !ran.ok)
        return ValueResult<QList<QueueRow>>::failure(ran.error);
    while (q.next())
        rows.append(readRow(q));
    return ValueResult<QList<QueueRow>>::success(rows);
}

ValueResult<bool> isProcessed(const QSqlDatabase &db, const QString &username)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (const Result ran = prepareAndExec(q,
            QStringLiteral("SELECT 1 FROM primary_profiles WHERE username = ? OR "
                           "(lower(username) = ? AND username <> lower(username))"),
            { username, username });
        !ran.ok)
        return ValueResult<bool>::failure(ran.error);
    return ValueResult<bool>::success(q.next());
}

ProfileStatus profileStatus(const QSqlDatabase &db, const QString &username)
{
    ProfileStatus status;
    // Processed: the browser's check (legacy mixed-case names included).
    const ValueResult<bool> processed = isProcessed(db, username);
    QString failure = processed.error;
    status.completed = processed.value;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QSqlError sqlError;
    if (failure.isEmpty() &&
        !Database::exec(q,
            QStringLiteral("SELECT status, attempts FROM ("
                           "SELECT status, attempts, created_at FROM queue "
                           "WHERE username = ? "
                           "UNION ALL SELECT status, attempts, created_at FROM queue "
                           "WHERE lower(username) = ? AND username <> lower(username)) r "
                           "ORDER BY created_at DESC LIMIT 1"),
            { username, username }, &sqlError))
        failure = sqlError.text();
    if (!failure.isEmpty()) {
        status.completed = false;
        const bool lost = !db.isOpen();
        status.errorKind = lost ? ErrorKind::Unavailable : ErrorKind::Failed;
        status.error = (lost ? Messages::tr("The database is unavailable: %1")
                             : Messages::tr("The database failed: %1"))
                           .arg(failure);
        if (const std::optional<QString> permission = Schema::permissionProblem(db, sqlError);
            !lost && permission) {
            status.errorKind = ErrorKind::SetupRequired;
            status.error = *permission;
        }
        return status;
    }
    QString queueStatus;
    if (q.next()) {
        queueStatus = q.value(0).toString();
        status.attempts = q.value(1).toInt();
    }
    status.ok = true;
    if (status.completed) {
        status.status = QStringLiteral("COMPLETED");
        status.message = Messages::tr("Profile %1 is fully processed").arg(username);
    } else if (!queueStatus.isEmpty()) {
        status.status = queueStatus;
        status.message =
            Messages::tr("Profile %1 is in the queue with status %2").arg(username, queueStatus);
    } else {
        status.status = QStringLiteral("NOT_FOUND");
        status.message = Messages::tr("Profile %1 has not been requested").arg(username);
    }
    return status;
}

QStringList indexStatements(bool postgres)
{
    QStringList statements {
        // Default order (newest first) with a total order for paging; covers the id-only
        // page lookup.
        QStringLiteral("CREATE INDEX IF NOT EXISTS queue_created_at_id_idx "
                       "ON queue (created_at, id)"),
        // Status filter + default order.
        QStringLiteral("CREATE INDEX IF NOT EXISTS queue_status_created_at_id_idx "
                       "ON queue (status, created_at, id)"),
        // The counts above the table (GROUP BY status, priority) from the index alone.
        QStringLiteral("CREATE INDEX IF NOT EXISTS queue_status_priority_idx "
                       "ON queue (status, priority)"),
    };
    if (postgres)
        statements << QStringLiteral("CREATE INDEX IF NOT EXISTS queue_username_pattern_idx "
                                     "ON queue (username text_pattern_ops)");
    return statements;
}

Result ensureIndexes(QSqlDatabase &db)
{
    QSqlQuery q(db);
    for (const QString &sql : indexStatements(Database::isPostgres(db))) {
        if (!q.exec(sql))
            return Result::failure(q.lastError().text());
    }
    return Result::success();
}

QDateTime toDateTime(const QVariant &value)
{
    if (value.isNull())
        return {};
    if (value.metaType().id() == QMetaType::QDateTime)
        return value.toDateTime().toUTC();
    const QString text = value.toString();
    QDateTime dt = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!dt.isValid()) {
        // "YYYY-MM-DD HH:MM:SS" (SQLite's datetime()) and similar.
        QString iso = text;
        iso.replace(QLatin1Char(' '), QLatin1Char('T'));
        dt = QDateTime::fromString(iso, Qt::ISODateWithMs);
    }
    if (dt.isValid() && dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC);
    return dt.toUTC();
}

QVariant timestampValue(const QSqlDatabase &db, const QDateTime &value)
{
    Q_UNUSED(db)
    return value.toUTC().toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz'Z'"));
}

QString timestampPlaceholder(const QSqlDatabase &db)
{
    return Database::isPostgres(db) ? QStringLiteral("CAST(? AS timestamptz)")
                                    : QStringLiteral("?");
}

QString nowExpression(const QSqlDatabase &db)
{
    return Database::isPostgres(db) ? QStringLiteral("now()")
                                    : QStringLiteral("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')");
}

} // namespace ViralSpot::QueueQuery
