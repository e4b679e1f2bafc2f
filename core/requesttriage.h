#pragma once

// Internal to core: the read-first half of the endpoint's requests (RequestService::
// resolveWithoutWrite()).

#include "core/outcome.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>

#include <memory>
#include <optional>

namespace ViralSpot {

// Which requests need no write: the profile is processed, or it waits on the queue where a
// request changes nothing (PROCESSING, or PENDING at HIGH priority). Read only, outside any
// transaction, so what it reads is committed (and on SQLite with synchronous=FULL on disk):
// the answers claim nothing that a crash could take back. A new name, a LOW row to raise, or
// a name found only as a mixed-case legacy row is left to the writer.
//
// An instance belongs to one open connection (SQLite: the statement is prepared once on it)
// and must be dropped before the connection is closed.
class RequestTriage final
{
public:
    explicit RequestTriage(const QSqlDatabase &db);
    Q_DISABLE_COPY_MOVE(RequestTriage)

    struct Lookup
    {
        bool ok = false;
        QSqlError error; // when !ok
        // Per name: AlreadyProcessed, AlreadyQueued, or empty (a write decides).
        QList<std::optional<Outcome>> outcomes;
    };

    // `names`: valid, normalized usernames.
    Lookup lookup(const QStringList &names);

private:
    QString m_connectionName;
    bool m_postgres = false;
    std::unique_ptr<QSqlQuery> m_prepared; // SQLite only
};

} // namespace ViralSpot
