#include "core/queuequery.h"

#include "core/database.h"
#include "core/schema.h"
#include "core/username.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

namespace ViralSpot::QueueQuery {

namespace {

// The translation context of this file's messages.
struct QueueQueryText
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
        clauses
            << QStringLiteral("status IN (%1)").arg(Database::placeholders(filter.statuses.size()));
        for (const QString &s : filter.statuses)
            where.values << s;
    }
    if (!filter.priorities.isEmpty()) {
        clauses << QStringLiteral("priority IN (%1)")
                       .arg(Database::placeholders(filter.priorities.size()));
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

// The PostgreSQL planner's estimate of the rows a WHERE clause matches (EXPLAIN, no
// execution: the table's statistics, kept by autovacuum's ANALYZE); -1 when unavailable.
qint64 plannerEstimate(const QSqlDatabase &db, const Where &where)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!Database::exec(q, QStringLiteral("EXPLAIN (FORMAT JSON) SELECT 1 FROM queue") + where.sql,
            where.values) ||
        !q.next())
        return -1;
    const QJsonDocument plan = QJsonDocument::fromJson(q.value(0).toString().toUtf8());
    const QJsonValue rows = plan.array()
                                .at(0)
                                .toObject()
                                .value(QStringLiteral("Plan"))
                                .toObject()
                                .value(QStringLiteral("Plan Rows"));
    return rows.isDouble() ? qint64(rows.toDouble()) : -1;
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

bool QueueCounts::isExact() const
{
    if (!total.isExact())
        return false;
    for (const QueueCount &c : byStatus) {
        if (!c.isExact())
            return false;
    }
    for (const QueueCount &c : byPriority) {
        if (!c.isExact())
            return false;
    }
    return true;
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

QueueCount count(const QSqlDatabase &db, const QueueFilter &filter, qint64 cap, qint64 offset)
{
    QueueCount result;
    const Where where = buildWhere(db, filter);
    QVariantList values = where.values;
    QString sql;
    if (cap <= 0 && offset <= 0) {
        sql = QStringLiteral("SELECT COUNT(*) FROM queue") + where.sql;
    } else {
        // The LIMIT stops the scan at cap + 1 rows: the cost is bounded by the cap, not by
        // the table. No limit: LIMIT ALL on PostgreSQL, -1 on SQLite (which needs a LIMIT
        // before an OFFSET).
        QString limit = QStringLiteral("?");
        if (cap > 0)
            values << cap + 1;
        else if (Database::isPostgres(db))
            limit = QStringLiteral("ALL");
        else
            values << qint64(-1);
        sql = QStringLiteral("SELECT COUNT(*) FROM (SELECT 1 FROM queue") + where.sql +
            QStringLiteral(" LIMIT ") + limit + QStringLiteral(" OFFSET ?) s");
        values << std::max<qint64>(0, offset);
    }
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (const Result ran = prepareAndExec(q, sql, values); !ran.ok) {
        result.error = ran.error;
        return result;
    }
    if (!q.next()) {
        result.error = q.lastError().text();
        return result;
    }
    const qint64 n = q.value(0).toLongLong();
    result.ok = true;
    if (cap <= 0 || n <= cap) {
        result.rows = result.counted = n;
        return result;
    }
    result.kind = CountKind::Capped;
    result.rows = cap;
    result.counted = cap + 1;
    if (offset == 0 && Database::isPostgres(db)) {
        const qint64 estimate = plannerEstimate(db, where);
        if (estimate > cap) {
            result.kind = CountKind::Estimated;
            result.rows = std::max(estimate, result.counted);
        }
    }
    return result;
}

namespace {

QueueCount exactCount(qint64 n)
{
    QueueCount c;
    c.ok = true;
    c.rows = c.counted = n;
    return c;
}

// The sum of counts: exact only when every part is; an estimate when any part is.
void addCount(QueueCount &sum, const QueueCount &part)
{
    if (part.kind == CountKind::Estimated || sum.kind == CountKind::Estimated)
        sum.kind = CountKind::Estimated;
    else if (part.kind == CountKind::Capped)
        sum.kind = CountKind::Capped;
    sum.rows += part.rows;
    sum.counted += part.counted;
}

} // namespace

QueueCounts counts(const QSqlDatabase &db, qint64 cap)
{
    QueueCounts result;
    for (const QString &s : knownStatuses())
        result.byStatus.insert(s, exactCount(0));
    for (const QString &p : knownPriorities())
        result.byPriority.insert(p, exactCount(0));
    result.total = exactCount(0);
    QSqlQuery q(db);
    q.setForwardOnly(true);

    // A queue of at most `cap` rows: grouped exactly (any value included), at a bounded cost.
    bool small = cap <= 0;
    if (!small) {
        const QueueCount all = count(db, {}, cap);
        if (!all.ok) {
            result.error = all.error;
            return result;
        }
        small = all.isExact();
    }
    if (small) {
        if (!q.exec(QStringLiteral(
                "SELECT status, priority, COUNT(*) FROM queue GROUP BY status, priority"))) {
            result.error = q.lastError().text();
            return result;
        }
        while (q.next()) {
            const qint64 n = q.value(2).toLongLong();
            addCount(result.byStatus[q.value(0).toString()], exactCount(n));
            addCount(result.byPriority[q.value(1).toString()], exactCount(n));
            addCount(result.total, exactCount(n));
        }
        for (auto *map : { &result.byStatus, &result.byPriority }) {
            for (QueueCount &c : *map)
                c.ok = true;
        }
        result.total.ok = result.ok = true;
        return result;
    }

    // A large queue: each known (status, priority) pair counted up to the cap on the
    // (status, priority) index, all in one statement, then estimated where it reached the cap.
    // Values outside the known ones (the schema's CHECK constraint, or the original enum,
    // keeps them out) are not counted here.
    const QStringList statuses = knownStatuses();
    const QStringList priorities = knownPriorities();
    QStringList columns;
    QVariantList values;
    for (const QString &s : statuses) {
        for (const QString &p : priorities) {
            columns << QStringLiteral("(SELECT COUNT(*) FROM (SELECT 1 FROM queue WHERE "
                                      "status = ? AND priority = ? LIMIT ?) s)");
            values << s << p << cap + 1;
        }
    }
    if (const Result ran = prepareAndExec(
            q, QStringLiteral("SELECT ") + columns.join(QStringLiteral(", ")), values);
        !ran.ok) {
        result.error = ran.error;
        return result;
    }
    if (!q.next()) {
        result.error = q.lastError().text();
        return result;
    }
    const bool pg = Database::isPostgres(db);
    int column = 0;
    for (const QString &s : statuses) {
        for (const QString &p : priorities) {
            QueueCount pair = exactCount(q.value(column++).toLongLong());
            if (pair.rows > cap) {
                pair.kind = CountKind::Capped;
                pair.rows = cap;
                pair.counted = cap + 1;
                if (pg) {
                    QueueFilter filter;
                    filter.statuses << s;
                    filter.priorities << p;
                    const qint64 estimate = plannerEstimate(db, buildWhere(db, filter));
                    if (estimate > cap) {
                        pair.kind = CountKind::Estimated;
                        pair.rows = estimate;
                    }
                }
            }
            addCount(result.byStatus[s], pair);
            addCount(result.byPriority[p], pair);
            addCount(result.total, pair);
        }
    }
    for (auto *map : { &result.byStatus, &result.byPriority }) {
        for (QueueCount &c : *map) {
            c.ok = true;
            // A sum of capped parts is only known to exceed what was counted.
            if (c.kind == CountKind::Capped)
                c.rows = c.counted - 1;
        }
    }
    if (result.total.kind == CountKind::Capped)
        result.total.rows = result.total.counted - 1;
    result.total.ok = result.ok = true;
    return result;
}

QString countText(const QueueCount &count)
{
    const QLocale locale;
    switch (count.kind) {
    case CountKind::Exact:
        break;
    case CountKind::Capped:
        //: More than this many rows: the count stopped at its cap.
        return QueueQueryText::tr("%1+").arg(locale.toString(count.rows));
    case CountKind::Estimated: {
        const qint64 n = count.rows;
        if (n >= 1000000) {
            const double millions = double(n) / 1e6;
            return QueueQueryText::tr("about %1 million")
                .arg(locale.toString(millions, 'f', millions < 100 ? 1 : 0));
        }
        // Two significant digits: 123,456 -> about 120,000.
        qint64 unit = 1;
        while (n / unit >= 100)
            unit *= 10;
        return QueueQueryText::tr("about %1").arg(locale.toString((n + unit / 2) / unit * unit));
    }
    }
    return locale.toString(count.rows);
}

ValueResult<QStringList> sources(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    QStringList result;
    // A loose index scan: one step on the source index per distinct source, instead of a
    // DISTINCT over every row (3.6 s on 10,000,000 rows, PostgreSQL, when the tab opens).
    if (!q.exec(QStringLiteral("WITH RECURSIVE s(source) AS ("
                               "SELECT min(source) FROM queue "
                               "UNION ALL SELECT (SELECT source FROM queue WHERE source > s.source "
                               "ORDER BY source LIMIT 1) FROM s WHERE s.source IS NOT NULL) "
                               "SELECT source FROM s WHERE source IS NOT NULL ORDER BY source"))) {
        return ValueResult<QStringList>::failure(q.lastError().text());
    }
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
        status.error = (lost ? QueueQueryText::tr("The database is unavailable: %1")
                             : QueueQueryText::tr("The database failed: %1"))
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
        status.message = QueueQueryText::tr("Profile %1 is fully processed").arg(username);
    } else if (!queueStatus.isEmpty()) {
        status.status = queueStatus;
        status.message = QueueQueryText::tr("Profile %1 is in the queue with status %2")
                             .arg(username, queueStatus);
    } else {
        status.status = QStringLiteral("NOT_FOUND");
        status.message = QueueQueryText::tr("Profile %1 has not been requested").arg(username);
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
