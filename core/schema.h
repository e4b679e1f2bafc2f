#pragma once

#include <QSqlDatabase>
#include <QString>

namespace ViralSpot::Schema {

// The newest schema version this build knows.
int latestVersion();

// The version recorded in the database (0 for a database the app never touched).
int currentVersion(const QSqlDatabase &db);

struct DuplicateReport
{
    // usernames (compared regardless of case) with more than one active (PENDING/PROCESSING) row
    int usernames = 0;
    int extraRows = 0; // active rows beyond the oldest one per username
    bool isClean() const { return usernames == 0; }
};

struct MigrationResult
{
    bool ok = false;
    QString error; // set when !ok
    int fromVersion = 0;
    int toVersion = 0;
    DuplicateReport duplicates; // non-clean: the one-active-row index could not be created
    // ok && !duplicates.isClean(): the schema is usable for reading, but requests are refused
    // until repairDuplicates() has run.
    bool readyForRequests() const { return ok && duplicates.isClean(); }
};

// Creates or upgrades the schema (additive only; existing ViralSpot tables are adopted as
// they are). Safe to run concurrently from many processes.
MigrationResult migrate(QSqlDatabase &db);

DuplicateReport findDuplicateActiveRows(const QSqlDatabase &db, QString *error = nullptr);

struct RepairResult
{
    bool ok = false;
    QString error;
    int usernames = 0;
    int rowsMarkedFailed = 0;
};

// Keeps the oldest active row per username and marks the others FAILED, with an
// error_message naming the row kept. Deletes nothing. Then finishes the migration.
RepairResult repairDuplicates(QSqlDatabase &db);

} // namespace ViralSpot::Schema
