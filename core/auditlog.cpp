#include "auditlog.h"

#include "database.h"
#include "queuequery.h"
#include "requestservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QSqlError>
#include <QSqlQuery>
#include <QSysInfo>
#include <QVariant>

#include <algorithm>

namespace ViralSpot {

AuditEntry AuditEntry::forOrigin(const QString &origin, const QString &action)
{
    AuditEntry entry;
    entry.origin = origin;
    entry.action = action;
    return entry;
}

namespace AuditLog {

namespace {

QString likePattern(const QString &text)
{
    QString escaped;
    for (const QChar c : text.toLower()) {
        if (c == QLatin1Char('\\') || c == QLatin1Char('%') || c == QLatin1Char('_'))
            escaped += QLatin1Char('\\');
        escaped += c;
    }
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

} // namespace

QString currentOsUser()
{
    for (const char *name : { "USER", "LOGNAME", "USERNAME" }) {
        const QString value = qEnvironmentVariable(name);
        if (!value.isEmpty())
            return value;
    }
    return QStringLiteral("unknown");
}

QString currentHost()
{
    return QSysInfo::machineHostName();
}

bool record(QSqlDatabase &db, const AuditEntry &entry, QString *error)
{
    QJsonArray names;
    for (int i = 0; i < entry.usernames.size() && i < MaxUsernames; ++i)
        names.append(entry.usernames.at(i));
    QSqlQuery q(db);
    const QString ts = QueueQuery::timestampPlaceholder(db);
    const QDateTime when =
        entry.occurredAt.isValid() ? entry.occurredAt : QDateTime::currentDateTimeUtc();
    QSqlError sqlError;
    // Unprepared on PostgreSQL (transaction poolers): see Database::exec().
    if (!Database::exec(q,
            QStringLiteral("INSERT INTO audit_log (occurred_at, os_user, host, origin, "
                           "action, usernames, total, details) VALUES (") +
                ts + QStringLiteral(", ?, ?, ?, ?, ?, ?, ?)"),
            { QueueQuery::timestampValue(db, when),
                entry.osUser.isEmpty() ? currentOsUser() : entry.osUser.left(255),
                entry.host.isEmpty() ? currentHost() : entry.host.left(255), entry.origin.left(20),
                entry.action.left(50),
                QString::fromUtf8(QJsonDocument(names).toJson(QJsonDocument::Compact)), entry.total,
                QString::fromUtf8(QJsonDocument(entry.details).toJson(QJsonDocument::Compact)) },
            &sqlError)) {
        if (error)
            *error = sqlError.text();
        return false;
    }
    return true;
}

AuditEntry submissionEntry(const QString &origin, const QList<RequestResult> &results)
{
    AuditEntry entry = AuditEntry::forOrigin(origin, QStringLiteral("submit"));
    QMap<QString, int> counts;
    for (const RequestResult &r : results) {
        counts[outcomeName(r.outcome)] += 1;
        if (!r.username.isEmpty() && r.outcome != Outcome::Invalid &&
            r.outcome != Outcome::DuplicateInBatch && entry.usernames.size() < MaxUsernames)
            entry.usernames << r.username;
    }
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        entry.details.insert(it.key(), it.value());
    entry.total = results.size();
    return entry;
}

bool recordSubmission(RequestService &service, const QString &origin,
    const QList<RequestResult> &results, QString *error)
{
    const bool reached = std::any_of(results.cbegin(), results.cend(), [](const auto &r) {
        return r.outcome == Outcome::Queued || r.outcome == Outcome::AlreadyQueued ||
            r.outcome == Outcome::AlreadyProcessed;
    });
    if (!reached)
        return true;
    QSqlDatabase db = service.database(error);
    return db.isOpen() && record(db, submissionEntry(origin, results), error);
}

AuditPage read(const QSqlDatabase &db, const AuditFilter &filter, int limit, qint64 offset)
{
    AuditPage page;
    QStringList clauses;
    QVariantList values;
    if (!filter.action.isEmpty()) {
        clauses << QStringLiteral("action = ?");
        values << filter.action;
    }
    if (!filter.origin.isEmpty()) {
        clauses << QStringLiteral("origin = ?");
        values << filter.origin;
    }
    if (!filter.text.trimmed().isEmpty()) {
        clauses << QStringLiteral("(LOWER(usernames) LIKE ? ESCAPE '\\' OR LOWER(os_user) LIKE ? "
                                  "ESCAPE '\\' OR LOWER(host) LIKE ? ESCAPE '\\')");
        const QString pattern = likePattern(filter.text.trimmed());
        values << pattern << pattern << pattern;
    }
    if (filter.from.isValid()) {
        clauses << QStringLiteral("occurred_at >= ") + QueueQuery::timestampPlaceholder(db);
        values << QueueQuery::timestampValue(db, filter.from);
    }
    if (filter.to.isValid()) {
        clauses << QStringLiteral("occurred_at < ") + QueueQuery::timestampPlaceholder(db);
        values << QueueQuery::timestampValue(db, filter.to);
    }
    QString sql = QStringLiteral("SELECT id, occurred_at, os_user, host, origin, action, "
                                 "usernames, total, details FROM audit_log");
    if (!clauses.isEmpty())
        sql += QStringLiteral(" WHERE ") + clauses.join(QStringLiteral(" AND "));
    sql += QStringLiteral(" ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?");
    values << limit << offset;
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (QSqlError sqlError; !Database::exec(q, sql, values, &sqlError)) {
        page.error = sqlError.text();
        return page;
    }
    while (q.next()) {
        AuditEntry e;
        e.id = q.value(0).toLongLong();
        e.occurredAt = QueueQuery::toDateTime(q.value(1));
        e.osUser = q.value(2).toString();
        e.host = q.value(3).toString();
        e.origin = q.value(4).toString();
        e.action = q.value(5).toString();
        const QJsonArray names = QJsonDocument::fromJson(q.value(6).toString().toUtf8()).array();
        for (const QJsonValue &v : names)
            e.usernames << v.toString();
        e.total = q.value(7).toInt();
        e.details = QJsonDocument::fromJson(q.value(8).toString().toUtf8()).object();
        e.usernamesTruncated = e.usernames.size() < e.total && e.usernames.size() >= MaxUsernames;
        page.entries.append(e);
    }
    page.ok = true;
    return page;
}

QStringList actions(const QSqlDatabase &db, QString *error)
{
    QSqlQuery q(db);
    QStringList result;
    if (!q.exec(QStringLiteral("SELECT DISTINCT action FROM audit_log ORDER BY action"))) {
        if (error)
            *error = q.lastError().text();
        return result;
    }
    while (q.next())
        result << q.value(0).toString();
    return result;
}

} // namespace AuditLog

void EndpointAuditCounter::add(Outcome outcome, const QString &username)
{
    QMutexLocker lock(&m_mutex);
    m_counts[outcomeName(outcome)] += 1;
    ++m_total;
    if (!username.isEmpty() && outcome != Outcome::Invalid &&
        m_usernames.size() < AuditLog::MaxUsernames && !m_usernames.contains(username))
        m_usernames << username;
}

bool EndpointAuditCounter::isEmpty() const
{
    QMutexLocker lock(&m_mutex);
    return m_total == 0;
}

bool EndpointAuditCounter::flush(QSqlDatabase &db, QString *error)
{
    QMap<QString, int> counts;
    QStringList usernames;
    int total = 0;
    {
        QMutexLocker lock(&m_mutex);
        if (m_total == 0)
            return true;
        counts.swap(m_counts);
        usernames.swap(m_usernames);
        std::swap(total, m_total);
    }
    AuditEntry entry =
        AuditEntry::forOrigin(QStringLiteral("endpoint"), QStringLiteral("endpoint"));
    entry.usernames = usernames;
    entry.total = total;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        entry.details.insert(it.key(), it.value());
    if (AuditLog::record(db, entry, error))
        return true;
    // Put the counts back so the next flush reports them.
    QMutexLocker lock(&m_mutex);
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        m_counts[it.key()] += it.value();
    m_total += total;
    for (const QString &u : std::as_const(usernames)) {
        if (m_usernames.size() < AuditLog::MaxUsernames && !m_usernames.contains(u))
            m_usernames << u;
    }
    return false;
}

} // namespace ViralSpot
