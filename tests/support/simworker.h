#pragma once

// The ORIGINAL scraper worker, simulated for tests (Qt Core + Sql): it claims the next PENDING
// row in its own order (ORDER BY priority, "timestamp": HIGH before LOW, oldest first), sets it
// PROCESSING with one more attempt and last_attempt, then completes it (the profile into
// primary_profiles, the row COMPLETED) or fails it (FAILED with error_message). It never reads
// the app's own tables. Every write takes the time to stamp (`at`), so that tests of rates
// and estimates run on a simulated clock instead of sleeping.

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

namespace ViralSpot::Test {

class SimWorker
{
public:
    // `db`: an open connection of the calling thread (either engine).
    explicit SimWorker(QSqlDatabase db);

    struct Claimed
    {
        bool ok = false; // false: the database failed (error)
        QString error;
        QString id; // empty: nothing PENDING
        QString username;
    };
    // The original worker's choice of the next row (PostgreSQL: FOR UPDATE SKIP LOCKED, as it
    // does): the statement claim() runs as its subquery; tests check its plan.
    static QString nextRowSql(const QSqlDatabase &db);
    // The next PENDING row, as the original worker takes it, now PROCESSING.
    Claimed claim(const QDateTime &at = QDateTime::currentDateTimeUtc());
    bool complete(const QString &id, const QDateTime &at = QDateTime::currentDateTimeUtc());
    bool fail(const QString &id, const QString &message,
        const QDateTime &at = QDateTime::currentDateTimeUtc());
    // claim() then complete(); the username processed, or empty when nothing was PENDING
    // (or on failure: lastError()).
    QString processNext(const QDateTime &at = QDateTime::currentDateTimeUtc());

    QString lastError() const { return m_error; }

private:
    QSqlDatabase m_db;
    QString m_error;
};

} // namespace ViralSpot::Test
