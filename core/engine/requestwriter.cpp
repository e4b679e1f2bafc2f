#include "core/engine/requestwriter.h"

#include "core/database.h"
#include "core/engine/postgreswriter.h"
#include "core/engine/sqlitewriter.h"

namespace ViralSpot::Engine {

namespace {

QString quotedList(const QStringList &values, QLatin1Char open, QLatin1Char close)
{
    QString out;
    out.reserve(values.size() * 16 + 2);
    out += open;
    bool first = true;
    for (const QString &value : values) {
        if (!first)
            out += QLatin1Char(',');
        first = false;
        out += QLatin1Char('"');
        for (const QChar c : value) {
            if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
                out += QLatin1Char('\\');
            out += c;
        }
        out += QLatin1Char('"');
    }
    out += close;
    return out;
}

} // namespace

std::unique_ptr<RequestWriter> RequestWriter::create(const QSqlDatabase &db)
{
    if (Database::isPostgres(db))
        return std::make_unique<PostgresWriter>(db);
    return std::make_unique<SqliteWriter>(db);
}

void RequestWriter::markQueued(
    const QString &username, const WriteChunk &chunk, QList<RequestResult> &results)
{
    const auto it = chunk.index.constFind(username);
    if (it == chunk.index.constEnd())
        return;
    RequestResult &r = results[it.value()];
    r.outcome = Outcome::Queued;
    r.queueId = chunk.ids[it.value()];
    r.requestId = chunk.requestIds[it.value()];
}

void RequestWriter::markProcessed(
    const QString &username, const WriteChunk &chunk, QList<RequestResult> &results)
{
    if (const auto it = chunk.index.constFind(username); it != chunk.index.constEnd())
        results[it.value()].outcome = Outcome::AlreadyProcessed;
}

QString pgArray(const QStringList &values)
{
    return quotedList(values, QLatin1Char('{'), QLatin1Char('}'));
}

QString jsonArray(const QStringList &values)
{
    return quotedList(values, QLatin1Char('['), QLatin1Char(']'));
}

bool isSafeLiteral(const QString &value)
{
    return !value.contains(QLatin1Char('\'')) && !value.contains(QLatin1Char('\\')) &&
        !value.contains(QLatin1Char('"'));
}

} // namespace ViralSpot::Engine
