#include "core/queueactions.h"

#include "core/database.h"
#include "core/logging.h"
#include "core/queuequery.h"
#include "core/sqlitefileguard.h"

#include <QCoreApplication>
#include <QHash>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace ViralSpot {

namespace {

// Ids per statement: well under SQLite's host-parameter limit, and a short statement for
// PostgreSQL.
constexpr int ChunkSize = 500;
constexpr int MaxAttempts = 4;

// The translation context of this file's messages (as lupdate files them).
struct QueueActionsText
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::QueueActions)
};

struct ResultMessages
{
    Q_DECLARE_TR_FUNCTIONS(ViralSpot::QueueActionResult)
};

bool activates(QueueAction action)
{
    return action == QueueAction::Retry || action == QueueAction::Resume;
}

struct SelectedRow
{
    QString id;
    QString username;
    QString status;
    QString priority;
    QDateTime createdAt;
    bool otherActive = false;
};

bool applies(QueueAction action, const SelectedRow &row)
{
    switch (action) {
    case QueueAction::Retry:
        return row.status == QLatin1String("FAILED");
    case QueueAction::Pause:
        return row.status == QLatin1String("PENDING");
    case QueueAction::Resume:
        return row.status == QLatin1String("PAUSED");
    case QueueAction::Raise:
        return row.priority == QLatin1String("LOW") && row.status != QLatin1String("COMPLETED");
    }
    return false;
}

QString updateSql(QueueAction action, const QSqlDatabase &db, int idCount)
{
    const QString now = QueueQuery::nowExpression(db);
    const QString ids =
        QStringLiteral(" WHERE id IN (") + Database::placeholders(idCount) + QStringLiteral(")");
    // The NOT EXISTS keeps the one-active-row rule for rows that become active; the partial
    // unique index still rejects a row a concurrent writer made active meanwhile.
    // Usernames compare regardless of case ("Foo" from an adopted database is "foo"); the second
    // branch probes the index of mixed-case rows (schema step 5).
    const QString noOtherActive =
        QStringLiteral(" AND NOT EXISTS (SELECT 1 FROM queue other WHERE"
                       " (other.username = lower(queue.username) OR (lower(other.username) ="
                       " lower(queue.username) AND other.username <> lower(other.username)))"
                       " AND other.status IN ('PENDING','PROCESSING'))");
    switch (action) {
    case QueueAction::Retry:
        return QStringLiteral("UPDATE queue SET status = 'PENDING', error_message = NULL, "
                              "updated_at = ") +
            now + ids + QStringLiteral(" AND status = 'FAILED'") + noOtherActive +
            QStringLiteral(" RETURNING id");
    case QueueAction::Pause:
        return QStringLiteral("UPDATE queue SET status = 'PAUSED', updated_at = ") + now + ids +
            QStringLiteral(" AND status = 'PENDING' RETURNING id");
    case QueueAction::Resume:
        return QStringLiteral("UPDATE queue SET status = 'PENDING', updated_at = ") + now + ids +
            QStringLiteral(" AND status = 'PAUSED'") + noOtherActive +
            QStringLiteral(" RETURNING id");
    case QueueAction::Raise:
        return QStringLiteral("UPDATE queue SET priority = 'HIGH', updated_at = ") + now + ids +
            QStringLiteral(" AND priority = 'LOW' AND status <> 'COMPLETED' RETURNING id");
    }
    return {};
}

// One attempt inside an open transaction. Returns false with *sqlError set on a database error.
bool applyOnce(QSqlDatabase &db, QueueAction action, const QStringList &ids,
    QueueActionResult &result, QSqlError *sqlError)
{
    // 1. The selected rows as they are now, and whether their username has another active row.
    QHash<QString, SelectedRow> rows;
    for (int start = 0; start < ids.size(); start += ChunkSize) {
        const QStringList chunk = ids.mid(start, ChunkSize);
        QSqlQuery q(db);
        q.setForwardOnly(true);
        // Unprepared on PostgreSQL (transaction poolers): see Database::exec().
        if (!Database::exec(q,
                QStringLiteral("SELECT q.id, q.username, q.status, q.priority, q.created_at, "
                               "EXISTS (SELECT 1 FROM queue other WHERE "
                               "(other.username = lower(q.username) OR (lower(other.username) = "
                               "lower(q.username) AND other.username <> lower(other.username))) "
                               "AND other.status IN ('PENDING','PROCESSING') AND other.id <> q.id) "
                               "FROM queue q WHERE q.id IN (") +
                    Database::placeholders(chunk.size()) + QStringLiteral(")"),
                QVariantList(chunk.cbegin(), chunk.cend()), sqlError))
            return false;
        while (q.next()) {
            SelectedRow row;
            row.id = q.value(0).toString();
            row.username = q.value(1).toString();
            row.status = q.value(2).toString();
            row.priority = q.value(3).toString();
            row.createdAt = QueueQuery::toDateTime(q.value(4));
            row.otherActive = q.value(5).toBool();
            rows.insert(row.id, row);
        }
    }

    // 2. Classify; for actions that make a row active, one row per username (the newest).
    QStringList candidates;
    QHash<QString, QString> chosenPerUsername; // lower-case username -> id
    for (const QString &id : ids) {
        const auto it = rows.constFind(id);
        if (it == rows.cend()) {
            result.skipped.append({ id, QString(), QueueActionSkip::Reason::NotFound });
            continue;
        }
        const SelectedRow &row = it.value();
        if (!applies(action, row)) {
            result.skipped.append({ id, row.username, QueueActionSkip::Reason::WrongState });
            continue;
        }
        if (activates(action)) {
            if (row.otherActive) {
                result.skipped.append({ id, row.username, QueueActionSkip::Reason::ActiveExists });
                continue;
            }
            const QString profile = row.username.toLower(); // "Foo" and "foo" are one
            const auto chosen = chosenPerUsername.constFind(profile);
            if (chosen != chosenPerUsername.cend()) {
                const SelectedRow &other = rows.value(chosen.value());
                const bool newer = row.createdAt > other.createdAt ||
                    (row.createdAt == other.createdAt && row.id > other.id);
                if (!newer) {
                    result.skipped.append(
                        { id, row.username, QueueActionSkip::Reason::SameUsername });
                    continue;
                }
                result.skipped.append(
                    { other.id, other.username, QueueActionSkip::Reason::SameUsername });
                candidates.removeOne(other.id);
            }
            chosenPerUsername.insert(profile, id);
        }
        candidates << id;
    }

    // 3. The set-based update, guarded again in SQL.
    QSet<QString> changed;
    for (int start = 0; start < candidates.size(); start += ChunkSize) {
        const QStringList chunk = candidates.mid(start, ChunkSize);
        QSqlQuery q(db);
        q.setForwardOnly(true);
        if (!Database::exec(q, updateSql(action, db, chunk.size()),
                QVariantList(chunk.cbegin(), chunk.cend()), sqlError))
            return false;
        while (q.next())
            changed.insert(q.value(0).toString());
    }
    for (const QString &id : std::as_const(candidates)) {
        const SelectedRow &row = rows.value(id);
        if (changed.contains(id)) {
            result.changedIds << id;
            result.changedUsernames << row.username;
        } else {
            // Changed between the read and the update (only possible on PostgreSQL).
            result.skipped.append({ id, row.username,
                activates(action) ? QueueActionSkip::Reason::ActiveExists
                                  : QueueActionSkip::Reason::WrongState });
        }
    }
    return true;
}

} // namespace

int QueueActionResult::skippedCount(QueueActionSkip::Reason reason) const
{
    int n = 0;
    for (const QueueActionSkip &s : skipped)
        n += s.reason == reason ? 1 : 0;
    return n;
}

QString QueueActionResult::summary() const
{
    if (!ok)
        return ResultMessages::tr("%1 failed: %2").arg(QueueActions::actionLabel(action), error);
    QStringList parts;
    parts << ResultMessages::tr("%1: %2 of %3 rows changed")
                 .arg(QueueActions::actionLabel(action))
                 .arg(changed())
                 .arg(requested);
    if (const int n = skippedCount(QueueActionSkip::Reason::ActiveExists))
        parts << ResultMessages::tr(
            "%1 skipped: the username already has an active (pending or processing) row")
                     .arg(n);
    if (const int n = skippedCount(QueueActionSkip::Reason::SameUsername))
        parts << ResultMessages::tr(
            "%1 skipped: another selected row of the same username was used")
                     .arg(n);
    if (const int n = skippedCount(QueueActionSkip::Reason::WrongState))
        parts << ResultMessages::tr("%1 skipped: not in a state this action applies to").arg(n);
    if (const int n = skippedCount(QueueActionSkip::Reason::NotFound))
        parts << ResultMessages::tr("%1 skipped: no longer in the queue").arg(n);
    return parts.join(QStringLiteral("; "));
}

namespace QueueActions {

QString actionName(QueueAction action)
{
    switch (action) {
    case QueueAction::Retry:
        return QStringLiteral("retry");
    case QueueAction::Pause:
        return QStringLiteral("pause");
    case QueueAction::Resume:
        return QStringLiteral("resume");
    case QueueAction::Raise:
        return QStringLiteral("raise");
    }
    return {};
}

QString actionLabel(QueueAction action)
{
    switch (action) {
    case QueueAction::Retry:
        return QueueActionsText::tr("Retry");
    case QueueAction::Pause:
        return QueueActionsText::tr("Pause");
    case QueueAction::Resume:
        return QueueActionsText::tr("Resume");
    case QueueAction::Raise:
        return QueueActionsText::tr("Raise priority");
    }
    return {};
}

QString reasonName(QueueActionSkip::Reason reason)
{
    switch (reason) {
    case QueueActionSkip::Reason::NotFound:
        return QStringLiteral("not_found");
    case QueueActionSkip::Reason::WrongState:
        return QStringLiteral("wrong_state");
    case QueueActionSkip::Reason::ActiveExists:
        return QStringLiteral("active_exists");
    case QueueActionSkip::Reason::SameUsername:
        return QStringLiteral("same_username");
    }
    return {};
}

QueueActionResult apply(
    QSqlDatabase &db, QueueAction action, const QStringList &ids, const AuditEntry &audit)
{
    QStringList unique;
    QSet<QString> seen;
    for (const QString &id : ids) {
        if (!id.isEmpty() && !seen.contains(id)) {
            seen.insert(id);
            unique << id;
        }
    }

    QueueActionResult result;
    result.action = action;
    result.requested = unique.size();
    for (int attempt = 1; attempt <= MaxAttempts; ++attempt) {
        result.changedIds.clear();
        result.changedUsernames.clear();
        result.skipped.clear();
        if (QSqlError beginError; !Database::beginWrite(db, &beginError)) {
            result.error = beginError.text();
            return result;
        }
        QSqlError sqlError;
        bool ok = applyOnce(db, action, unique, result, &sqlError);
        QString auditError;
        if (ok && !audit.origin.isEmpty()) {
            AuditEntry entry = audit;
            entry.action = actionName(action);
            // Every username the action was about, skipped ones too: a search for a name
            // finds the action that left its row alone.
            entry.usernames = result.changedUsernames;
            QSet<QString> named(entry.usernames.cbegin(), entry.usernames.cend());
            for (const QueueActionSkip &skip : std::as_const(result.skipped)) {
                if (entry.usernames.size() >= AuditLog::MaxUsernames)
                    break; // the stored list stops there anyway
                if (!skip.username.isEmpty() && !named.contains(skip.username)) {
                    named.insert(skip.username);
                    entry.usernames << skip.username;
                }
            }
            entry.total = result.requested;
            // The caller's details (e.g. a batch's id) stay; the counts are added.
            const QJsonObject counts {
                { QStringLiteral("changed"), result.changed() },
                { QStringLiteral("skipped_active_exists"),
                    result.skippedCount(QueueActionSkip::Reason::ActiveExists) },
                { QStringLiteral("skipped_same_username"),
                    result.skippedCount(QueueActionSkip::Reason::SameUsername) },
                { QStringLiteral("skipped_wrong_state"),
                    result.skippedCount(QueueActionSkip::Reason::WrongState) },
                { QStringLiteral("skipped_not_found"),
                    result.skippedCount(QueueActionSkip::Reason::NotFound) },
            };
            for (auto it = counts.begin(); it != counts.end(); ++it)
                entry.details.insert(it.key(), it.value());
            const Result audited = AuditLog::record(db, entry);
            ok = audited.ok;
            auditError = audited.error;
        }
        QSqlQuery end(db);
        if (ok && end.exec(QStringLiteral("COMMIT"))) {
            // Not confirmed when it went to a file nobody else sees (SqliteFileGuard); the
            // caller's connection check closes the connection.
            if (const Result files = SqliteFileGuard::check(db); !files.ok) {
                result.changedIds.clear();
                result.changedUsernames.clear();
                result.error = files.error;
                return result;
            }
            result.ok = true;
            return result;
        }
        if (ok)
            sqlError = end.lastError();
        end.exec(QStringLiteral("ROLLBACK"));
        if (!auditError.isEmpty()) {
            result.error = auditError;
            return result;
        }
        if (Database::isUniqueViolation(sqlError) && attempt < MaxAttempts) {
            // A concurrent writer made one of these usernames active after our read: the
            // next attempt sees that row and skips ours.
            qCInfo(lcCore) << "queue action" << actionName(action)
                           << "raced with another writer; retrying";
            continue;
        }
        result.raced = Database::isUniqueViolation(sqlError);
        result.error = sqlError.text();
        return result;
    }
    return result;
}

} // namespace QueueActions
} // namespace ViralSpot
