#pragma once

#include "core/outcome.h"
#include "core/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace ViralSpot {

class RequestService;

// One row of `audit_log`: who did what to which usernames, with counts.
struct AuditEntry
{
    qint64 id = 0;
    QDateTime occurredAt; // set by record() when invalid
    QString osUser; // set by record() when empty
    QString host; // set by record() when empty
    QString origin; // "window", "terminal", "endpoint"
    QString action; // "submit", "retry", "pause", "resume", "raise", "repair", "endpoint"
    // The usernames the action was about (for queue actions: the rows changed, then the rows
    // skipped), truncated to AuditLog::MaxUsernames when stored.
    QStringList usernames;
    int total = 0; // how many usernames/rows the action was about
    // Counts, e.g. {"queued":3,"already_queued":1,"queued_beside_paused":1}; for people:
    // AuditLog::describeDetails().
    QJsonObject details;
    bool usernamesTruncated = false; // read back: the stored list is shorter than `total`

    static AuditEntry forOrigin(const QString &origin, const QString &action = {});
};

struct AuditFilter
{
    QString action; // exact, empty = any
    QString origin; // exact, empty = any
    QString text; // substring of the usernames list, os user or host (case-insensitive)
    QDateTime from; // inclusive
    QDateTime to; // exclusive
};

struct AuditPage
{
    bool ok = false;
    QString error;
    QList<AuditEntry> entries; // newest first
};

namespace AuditLog {

inline constexpr int MaxUsernames = 1000;

// The effective user's name as `whoami` gives it (password database, then $USER / $LOGNAME).
QString currentOsUser();
QString currentHost();

// The words for a details key ("skipped_same_username" -> "skipped: another selected row of
// the username"), translated; an unknown key with its underscores as spaces.
QString detailLabel(const QString &key);
// Details for people: "queued: 3 · already queued: 1"; skip reasons that counted 0 left out.
QString describeDetails(const QJsonObject &details);

// Appends an entry on `db` (inside the caller's transaction when there is one).
Result record(QSqlDatabase &db, const AuditEntry &entry);

// An entry for a submission of request results (window or terminal): the usernames that were
// handled, total = inputs, details = counts per outcome name.
AuditEntry submissionEntry(const QString &origin, const QList<RequestResult> &results);

// Records a submission through `service`'s connection (on the service's thread), when the
// database answered at all (some result is queued, already_queued or already_processed): a
// batch that only failed or was only invalid reached nothing worth auditing. Fails, saying
// why, when the row could not be written.
Result recordSubmission(
    RequestService &service, const QString &origin, const QList<RequestResult> &results);

AuditPage read(const QSqlDatabase &db, const AuditFilter &filter, int limit, qint64 offset = 0);

ValueResult<QStringList> actions(const QSqlDatabase &db); // distinct, sorted

} // namespace AuditLog

// Counts the endpoint's requests per outcome and writes them as one aggregated audit row per
// flush (not one per HTTP request). add() is thread-safe and cheap; call flush() from a timer
// (e.g. every minute) and at shutdown, on a thread with a database connection.
class EndpointAuditCounter final
{
public:
    void add(Outcome outcome, const QString &username);
    bool isEmpty() const;
    // Writes one "endpoint" row with the counts gathered since the last flush and resets them;
    // nothing is written when there is nothing to report. On failure the counts are kept.
    Result flush(QSqlDatabase &db);

private:
    mutable QMutex m_mutex;
    QMap<QString, int> m_counts;
    QStringList m_usernames;
    int m_total = 0;
};

} // namespace ViralSpot
