#pragma once

// Seeding helpers shared by the queue browser's tests (core and UI): rows written straight
// into `queue` with chosen states and times, on either engine.

#include "core/queuequery.h"
#include "core/schema.h"
#include "tests/support/testdatabase.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <QUuid>

namespace ViralSpot::Test {

struct SeedRow
{
    QString username;
    QString status = QStringLiteral("PENDING");
    QString priority = QStringLiteral("HIGH");
    QString source = QStringLiteral("frontend");
    QDateTime createdAt;
    int attempts = 0;
    QString errorMessage;
    QString id; // filled by insertQueueRow
};

// Creates the schema through the product's migrations.
inline bool migrate(TemporaryDatabase &database)
{
    QSqlDatabase db = database.connection();
    const Schema::MigrationResult result = Schema::migrate(db);
    if (!result.ok)
        qWarning() << "migration failed:" << result.error;
    return result.ok;
}

// Inserts one row and returns its id (empty on failure, with a warning).
inline QString insertQueueRow(QSqlDatabase db, SeedRow &row)
{
    row.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    if (!row.createdAt.isValid())
        row.createdAt = QDateTime::currentDateTimeUtc();
    const QString ts = QueueQuery::timestampPlaceholder(db);
    QSqlQuery q(db);
    if (!q.prepare(QStringLiteral("INSERT INTO queue (id, username, source, priority, status, "
                                  "attempts, error_message, request_id, timestamp, created_at, "
                                  "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ") +
            ts + QStringLiteral(", ") + ts + QStringLiteral(", ") + ts + QStringLiteral(")"))) {
        qWarning() << q.lastError().text();
        return {};
    }
    const QVariant when = QueueQuery::timestampValue(db, row.createdAt);
    q.addBindValue(row.id);
    q.addBindValue(row.username);
    q.addBindValue(row.source.isNull() ? QVariant(QMetaType(QMetaType::QString)) : row.source);
    q.addBindValue(row.priority);
    q.addBindValue(row.status);
    q.addBindValue(row.attempts);
    q.addBindValue(
        row.errorMessage.isNull() ? QVariant(QMetaType(QMetaType::QString)) : row.errorMessage);
    q.addBindValue(QUuid::createUuid().toString(QUuid::WithoutBraces));
    q.addBindValue(when);
    q.addBindValue(when);
    q.addBindValue(when);
    if (!q.exec()) {
        qWarning() << "insert failed:" << q.lastError().text();
        row.id.clear();
    }
    return row.id;
}

inline QString rowStatus(TemporaryDatabase &database, const QString &id)
{
    QSqlQuery q(database.connection());
    q.prepare(QStringLiteral("SELECT status FROM queue WHERE id = ?"));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return {};
    return q.value(0).toString();
}

} // namespace ViralSpot::Test
