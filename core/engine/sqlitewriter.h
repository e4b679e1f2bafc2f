#pragma once

#include "core/engine/requestwriter.h"

#include <QSqlQuery>

namespace ViralSpot::Engine {

// SQLite: one transaction of three statements, all in process (no round trips to save). The
// statements are prepared once per connection and run again with new bindings, so that a small
// chunk (the endpoint's group commits) pays no SQL parsing.
//
// Usernames an adopted database holds in mixed case ("Foo", stored as typed by the original
// endpoint) are the same profile as "foo". Such rows sit in partial indexes of their own
// (schema step 5); a probe of those, inside the transaction, picks the statements that also
// look there. The app writes lower case only, so on its own databases the lean ones run (the
// extra lookups cost the endpoint 10% of its requests a second).
class SqliteWriter final : public RequestWriter
{
public:
    explicit SqliteWriter(const QSqlDatabase &db);

    WriteResult write(const WriteChunk &chunk, QList<RequestResult> &results) override;

private:
    // The statements of one form (lean or legacy).
    struct Variant
    {
        explicit Variant(const QSqlDatabase &db);
        QSqlQuery processed; // ?1 names (JSON) -> the processed ones
        QSqlQuery insert; // ?1..?3 now, ?4 rows (JSON) -> RETURNING username
        QSqlQuery raise; // ?1 now, ?2 (and ?3) names (JSON)
        int raiseNameBindings = 1;
    };

    bool prepare(QSqlError *error);
    bool run(const WriteChunk &chunk, QList<RequestResult> &results, QSqlError *error);

    // BatchOptions::record: the items, with the rows found for already-queued names.
    bool record(const WriteChunk &chunk, const QList<RequestResult> &results, QSqlError *error);

    QString m_connectionName;
    bool m_prepared = false;
    QSqlQuery m_begin;
    QSqlQuery m_legacyRows;
    QSqlQuery m_commit;
    QSqlQuery m_rollback;
    Variant m_lean;
    Variant m_legacy;
};

} // namespace ViralSpot::Engine
