#include "core/databaseclient.h"

namespace ViralSpot {

DatabaseClient::DatabaseClient(std::shared_ptr<DatabaseThread> thread, QObject *parent)
    : QObject(parent)
    , m_thread(std::move(thread))
{ }

// The last client of a thread stops it (waiting for its running job).
DatabaseClient::~DatabaseClient() = default;

} // namespace ViralSpot
