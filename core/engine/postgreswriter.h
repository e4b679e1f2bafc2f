#pragma once

#include "core/engine/requestwriter.h"

#include <QElapsedTimer>

namespace ViralSpot::Engine {

// PostgreSQL: the whole chunk is one statement, so one round trip and one implicit
// transaction (committed before the answer arrives). The arrays are written into the statement
// as literals and it is sent unprepared: a named server-side statement (ours, or QPSQL's
// PREPARE qpsqlpstmt_N) lives in the server session, which a transaction pooler (PgBouncer
// pool_mode=transaction, Supabase port 6543) does not keep between transactions. The cost is
// planning the statement on every chunk; the endpoint batches many requests into one chunk.
class PostgresWriter final : public RequestWriter
{
public:
    explicit PostgresWriter(const QSqlDatabase &db);

    WriteResult write(const WriteChunk &chunk, QList<RequestResult> &results) override;

private:
    // Whether the database holds mixed-case usernames, asked at most once a second.
    bool legacyRowsPresent(QSqlError *error);

    QString m_connectionName; // not a QSqlDatabase copy: the service closes the connection
    bool m_legacy = false;
    QElapsedTimer m_legacyChecked; // invalid: not asked yet on this connection
};

} // namespace ViralSpot::Engine
