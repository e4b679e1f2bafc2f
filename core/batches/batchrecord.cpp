#include "core/batches/batchrecord.h"

#include "core/database.h"

#include <QSqlQuery>
#include <QVariant>

#include <memory>
#include <sqlite3.h>

namespace ViralSpot::BatchRecord {

namespace {

QString batchName(const Chunk &chunk)
{
    return chunk.batch.name.trimmed().isEmpty()
        ? Batches::defaultName(chunk.batch.source, chunk.batch.origin, chunk.createdAt)
        : storable(chunk.batch.name.trimmed());
}

QString quoted(const QString &value)
{
    QString out;
    out.reserve(value.size() + 2);
    out += QLatin1Char('"');
    for (const QChar c : value) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        out += c;
    }
    out += QLatin1Char('"');
    return out;
}

// SQLite: one prepared INSERT stepped once per item through SQLite's own interface, each text
// bound where it lies (UTF-16, no copy; empty: NULL). Through Qt SQL the items went as JSON,
// built here and read back by json_each, which took ~150 ms of a 100,000-item batch more than
// these steps (docs/benchmarks.md, section 1).
bool insertSqliteItems(sqlite3 *handle, const Chunk &chunk, QSqlError *error)
{
    const auto failed = [&](int code) {
        *error = QSqlError(QStringLiteral("Unable to record the batch's items"),
            QString::fromUtf8(sqlite3_errmsg(handle)), QSqlError::StatementError,
            QString::number(code));
        return false;
    };
    sqlite3_stmt *statement = nullptr;
    int code = sqlite3_prepare_v2(handle,
        "INSERT INTO viralspot_batch_items (batch_id, position, input, username, outcome, "
        "message, queue_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
        -1, &statement, nullptr);
    if (code != SQLITE_OK)
        return failed(code);
    const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> finalize(
        statement, sqlite3_finalize);
    const auto bindText = [statement](int index, const QString &value) {
        if (value.isEmpty())
            return sqlite3_bind_null(statement, index);
        return sqlite3_bind_text16(statement, index, value.utf16(),
            int(value.size() * qsizetype(sizeof(char16_t))), SQLITE_STATIC);
    };
    const QString batchId = chunk.batch.id;
    code = bindText(1, batchId); // kept by the statement for every item
    if (code != SQLITE_OK)
        return failed(code);
    for (const Entry &e : chunk.entries) {
        // Alive until the step below: the statement reads them in place.
        const QString texts[] = { storedInput(e), storable(e.username), outcomeName(e.outcome),
            storable(e.message), storable(e.queueId) };
        code = sqlite3_bind_int64(statement, 2, e.position);
        for (int k = 0; k < 5 && code == SQLITE_OK; ++k)
            code = bindText(3 + k, texts[k]);
        if (code == SQLITE_OK)
            code = sqlite3_step(statement);
        if (code != SQLITE_DONE)
            return failed(code);
        sqlite3_reset(statement); // after SQLITE_DONE: nothing to report
    }
    return true;
}

} // namespace

QString storedInput(const Entry &entry)
{
    return entry.input == entry.username ? QString() : storable(entry.input);
}

QString storable(const QString &text)
{
    if (!text.contains(QChar(0)))
        return text;
    QString copy = text;
    copy.replace(QChar(0), QChar(0xFFFD));
    return copy;
}

QString pgTextArray(const QStringList &values, bool emptyIsNull)
{
    QString out;
    out.reserve(values.size() * 24 + 2);
    out += QLatin1Char('{');
    for (qsizetype i = 0; i < values.size(); ++i) {
        if (i)
            out += QLatin1Char(',');
        if (emptyIsNull && values[i].isEmpty())
            out += QLatin1String("NULL");
        else
            out += quoted(storable(values[i]));
    }
    out += QLatin1Char('}');
    return out;
}

ValueResult<QString> postgresBatchInsert(const Chunk &chunk)
{
    return Database::withPostgresLiterals(
        QStringLiteral("INSERT INTO viralspot_batches (id, name, source, origin, submitted_by, "
                       "created_at, notify) VALUES (?::uuid, ?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (id) DO NOTHING"),
        { chunk.batch.id, batchName(chunk), storable(chunk.batch.source),
            storable(chunk.batch.origin), storable(chunk.batch.submittedBy),
            chunk.createdAt.toUTC(), chunk.batch.notify });
}

bool insertFinal(QSqlDatabase &db, const Chunk &chunk, QSqlError *error)
{
    const bool postgres = Database::isPostgres(db);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (chunk.create) {
        if (postgres) {
            const ValueResult<QString> sql = postgresBatchInsert(chunk);
            if (!sql.ok) {
                *error = QSqlError(sql.error, QString(), QSqlError::StatementError);
                return false;
            }
            if (!q.exec(sql.value)) {
                *error = q.lastError();
                return false;
            }
        } else if (!Database::exec(q,
                       QStringLiteral("INSERT INTO viralspot_batches (id, name, source, origin, "
                                      "submitted_by, created_at, notify) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
                       { chunk.batch.id, batchName(chunk), chunk.batch.source, chunk.batch.origin,
                           chunk.batch.submittedBy, Database::timestampValue(db, chunk.createdAt),
                           chunk.batch.notify ? 1 : 0 },
                       error)) {
            return false;
        }
        q.finish();
    }
    if (chunk.entries.isEmpty())
        return true;
    if (postgres) {
        QStringList positions, inputs, usernames, outcomes, messages, queueIds;
        for (const Entry &e : chunk.entries) {
            positions << QString::number(e.position);
            inputs << storedInput(e);
            usernames << e.username;
            outcomes << outcomeName(e.outcome);
            messages << e.message;
            queueIds << e.queueId;
        }
        return Database::exec(q,
            QStringLiteral(
                "INSERT INTO viralspot_batch_items (batch_id, position, input, username, "
                "outcome, message, queue_id) SELECT ?::uuid, t.p, t.i, t.u, t.o, t.m, t.q::uuid "
                "FROM unnest(?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
                "AS t(p, i, u, o, m, q)"),
            { chunk.batch.id,
                QString(QLatin1Char('{') + positions.join(QLatin1Char(',')) + QLatin1Char('}')),
                pgTextArray(inputs, true), pgTextArray(usernames, true),
                pgTextArray(outcomes, false), pgTextArray(messages, true),
                pgTextArray(queueIds, true) },
            error);
    }
    if (sqlite3 *handle = Database::sqliteHandle(db))
        return insertSqliteItems(handle, chunk, error);
    *error = QSqlError(
        QStringLiteral("not an SQLite connection"), QString(), QSqlError::ConnectionError);
    return false;
}

bool writeOwnTransaction(QSqlDatabase &db, const Chunk &chunk, QSqlError *error)
{
    if (!Database::beginWrite(db, error))
        return false;
    QSqlQuery q(db);
    if (!insertFinal(db, chunk, error)) {
        q.exec(QStringLiteral("ROLLBACK"));
        return false;
    }
    if (!q.exec(QStringLiteral("COMMIT"))) {
        *error = q.lastError();
        q.exec(QStringLiteral("ROLLBACK"));
        return false;
    }
    return true;
}

} // namespace ViralSpot::BatchRecord
