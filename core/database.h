#pragma once

#include "databaseconfig.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QString>

namespace ViralSpot::Database {

// Makes Qt SQL's process-wide driver table before any thread connects (open() calls it; call
// it yourself before QSqlDatabase::addDatabase() from threads that bypass open()).
void initializeDrivers();

// Opens (or returns the already open) named connection for the calling thread. A connection
// may be used only on the thread that opened it: give each thread its own name.
// SQLite: WAL, synchronous=FULL, busy timeout, foreign keys. PostgreSQL: connect timeout and
// keepalives so that a dead server fails in seconds.
// Returns an invalid/closed QSqlDatabase and sets *error on failure.
QSqlDatabase open(const DatabaseConfig &config, const QString &connectionName, QString *error);

// Closes and removes the connection. Call on the thread that opened it, after every
// QSqlQuery on it is gone.
void close(const QString &connectionName);

// A connection name unique to the calling thread and the given purpose.
QString threadConnectionName(const QString &purpose);

bool isPostgres(const QSqlDatabase &db);

// True for SQLite's "database is busy / locked" (any extended code): worth a retry.
bool isBusy(const QSqlError &error);

// True when the error means the connection itself is gone (so it should be reopened), or
// when SQLite's files were replaced underneath it (SqliteFileGuard::check()).
bool isConnectionLost(const QSqlDatabase &db);

} // namespace ViralSpot::Database
