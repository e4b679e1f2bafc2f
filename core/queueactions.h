#pragma once

#include "core/auditlog.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace ViralSpot {

// An admin action on selected queue rows.
enum class QueueAction
{
    Retry, // FAILED -> PENDING, error_message cleared
    Pause, // PENDING -> PAUSED
    Resume, // PAUSED -> PENDING
    Raise, // priority LOW -> HIGH (rows not COMPLETED)
};

struct QueueActionSkip
{
    enum class Reason
    {
        NotFound, // no row with that id (any more)
        WrongState, // the row is not in a state the action applies to
        ActiveExists, // it would become a second active row for its username
        SameUsername, // another selected row of the same username was taken instead
    };
    QString id;
    QString username;
    Reason reason = Reason::WrongState;
};

struct QueueActionResult
{
    bool ok = false;
    QString error;
    QueueAction action = QueueAction::Retry;
    int requested = 0; // distinct ids asked for
    QStringList changedIds;
    QStringList changedUsernames; // in the order of changedIds
    QList<QueueActionSkip> skipped;
    // !ok because concurrent writers kept making the same usernames active (a unique violation
    // on every attempt): nothing was changed, and trying again later is safe.
    bool raced = false;

    int changed() const { return changedIds.size(); }
    int skippedCount(QueueActionSkip::Reason reason) const;
    // "Retried 3 rows; skipped 1 that would be a second active row for its username, ..."
    QString summary() const;
};

namespace QueueActions {

QString actionName(QueueAction action); // "retry", "pause", "resume", "raise"
QString actionLabel(QueueAction action); // "Retry", ... (translated)
QString reasonName(QueueActionSkip::Reason reason); // "not_found", "wrong_state", ...

// Applies the action to the rows with these ids in one transaction, set-based: rows that are
// not in the right state are skipped, and so is any row that would become a second active
// (PENDING/PROCESSING) row for its username — the database's partial unique index is the
// final word, so a concurrent writer is handled by retrying the statement. The audit row
// (`audit`: origin and optionally who/where and details of its own; action, usernames, total
// and the counts in details are filled in here) is written in the same transaction; leave
// audit.origin empty to write none.
QueueActionResult apply(
    QSqlDatabase &db, QueueAction action, const QStringList &ids, const AuditEntry &audit = {});

} // namespace QueueActions
} // namespace ViralSpot
