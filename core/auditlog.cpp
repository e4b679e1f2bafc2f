#include "core/auditlog.h"

#include "core/database.h"
#include "core/queuequery.h"
#include "core/requestservice.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QMutexLocker>
#include <QSqlError>
#include <QSqlQuery>
#include <QSysInfo>
#include <QVariant>

#include <algorithm>
#include <cerrno>
#include <pwd.h>
#include <unistd.h>
#include <vector>

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
    // As `whoami` does: the effective user's name from the password database (also when the
    // desktop started the window without $USER), then the environment.
    const uid_t uid = ::geteuid();
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? size_t(size) : 16384);
    passwd entry {};
    passwd *found = nullptr;
    int rc = 0;
    while ((rc = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
        buffer.size() < (1u << 20))
        buffer.resize(buffer.size() * 2);
    if (rc == 0 && found && found->pw_name && *found->pw_name)
        return QString::fromLocal8Bit(found->pw_name);
    for (const char *name : { "USER", "LOGNAME" }) {
        const QString value = qEnvironmentVariable(name);
        if (!value.isEmpty())
            return value;
    }
    // No name anywhere (a container's user without a passwd entry): the number still says who.
    return QStringLiteral("uid %1").arg(uid);
}

QString currentHost()
{
    return QSysInfo::machineHostName();
}

Result record(QSqlDatabase &db, const AuditEntry &entry)
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
            &sqlError))
        return Result::failure(sqlError.text());
    return Result::success();
}

QString detailLabel(const QString &key)
{
    static const std::pair<const char *, const char *> Labels[] = {
        { "queued", QT_TRANSLATE_NOOP("AuditLog", "queued") },
        { "already_processed", QT_TRANSLATE_NOOP("AuditLog", "already processed") },
        { "already_queued", QT_TRANSLATE_NOOP("AuditLog", "already queued") },
        { "duplicate_in_batch", QT_TRANSLATE_NOOP("AuditLog", "repeated in the batch") },
        { "invalid", QT_TRANSLATE_NOOP("AuditLog", "invalid") },
        { "error", QT_TRANSLATE_NOOP("AuditLog", "database error") },
        { "cancelled", QT_TRANSLATE_NOOP("AuditLog", "cancelled") },
        { "queued_beside_paused", QT_TRANSLATE_NOOP("AuditLog", "queued beside a paused request") },
        { "changed", QT_TRANSLATE_NOOP("AuditLog", "changed") },
        { "skipped_active_exists",
            QT_TRANSLATE_NOOP("AuditLog", "skipped: the username has an active row") },
        { "skipped_same_username",
            QT_TRANSLATE_NOOP("AuditLog", "skipped: another selected row of the username") },
        { "skipped_wrong_state",
            QT_TRANSLATE_NOOP("AuditLog", "skipped: not in a state for this action") },
        { "skipped_not_found", QT_TRANSLATE_NOOP("AuditLog", "skipped: no longer in the queue") },
    };
    for (const auto &[name, label] : Labels) {
        if (key == QLatin1String(name))
            return QCoreApplication::translate("AuditLog", label);
    }
    // A key from a newer version: still readable.
    QString words = key;
    return words.replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString describeDetails(const QJsonObject &details)
{
    QStringList parts;
    for (auto it = details.constBegin(); it != details.constEnd(); ++it) {
        const QJsonValue value = it.value();
        // "skipped ... 0" says nothing: a reason nobody was skipped for is left out.
        if (it.key().startsWith(QLatin1String("skipped_")) && value.isDouble() &&
            value.toDouble() == 0)
            continue;
        const QString shown =
            value.isDouble() ? QLocale().toString(value.toInteger()) : value.toVariant().toString();
        parts
            << QCoreApplication::translate("AuditLog", "%1: %2").arg(detailLabel(it.key()), shown);
    }
    return parts.join(QStringLiteral(" · "));
}

AuditEntry submissionEntry(const QString &origin, const QList<RequestResult> &results)
{
    AuditEntry entry = AuditEntry::forOrigin(origin, QStringLiteral("submit"));
    QMap<QString, int> counts;
    for (const RequestResult &r : results) {
        counts[outcomeName(r.outcome)] += 1;
        // Staff should see that an admin had paused the profile before it was asked for again.
        if (r.outcome == Outcome::Queued && r.pausedRowExists)
            counts[QStringLiteral("queued_beside_paused")] += 1;
        if (!r.username.isEmpty() && r.outcome != Outcome::Invalid &&
            r.outcome != Outcome::DuplicateInBatch && entry.usernames.size() < MaxUsernames)
            entry.usernames << r.username;
    }
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        entry.details.insert(it.key(), it.value());
    entry.total = results.size();
    return entry;
}

Result recordSubmission(
    RequestService &service, const QString &origin, const QList<RequestResult> &results)
{
    const bool reached = std::any_of(results.cbegin(), results.cend(), [](const auto &r) {
        return r.outcome == Outcome::Queued || r.outcome == Outcome::AlreadyQueued ||
            r.outcome == Outcome::AlreadyProcessed;
    });
    if (!reached)
        return Result::success();
    ValueResult<QSqlDatabase> opened = service.database();
    if (!opened.ok)
        return Result::failure(opened.error, ErrorKind::Unavailable);
    return record(opened.value, submissionEntry(origin, results));
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

ValueResult<QStringList> actions(const QSqlDatabase &db)
{
    QSqlQuery q(db);
    QStringList result;
    if (!q.exec(QStringLiteral("SELECT DISTINCT action FROM audit_log ORDER BY action")))
        return ValueResult<QStringList>::failure(q.lastError().text());
    while (q.next())
        result << q.value(0).toString();
    return ValueResult<QStringList>::success(result);
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

Result EndpointAuditCounter::flush(QSqlDatabase &db)
{
    QMap<QString, int> counts;
    QStringList usernames;
    int total = 0;
    {
        QMutexLocker lock(&m_mutex);
        if (m_total == 0)
            return Result::success();
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
    Result recorded = AuditLog::record(db, entry);
    if (recorded.ok)
        return recorded;
    // Put the counts back so the next flush reports them.
    QMutexLocker lock(&m_mutex);
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        m_counts[it.key()] += it.value();
    m_total += total;
    for (const QString &u : std::as_const(usernames)) {
        if (m_usernames.size() < AuditLog::MaxUsernames && !m_usernames.contains(u))
            m_usernames << u;
    }
    return recorded;
}

} // namespace ViralSpot
