#pragma once

#include "tests/support/testdatabase.h"

#include <QString>
#include <QStringList>

namespace ViralSpot::Test {

// The original ViralSpot database (tests/core/legacy_viralspot.sql, PostgreSQL): enum-typed
// priority/status, uuid ids, defaults, an updated_at trigger, row-level security, a view, a
// wide primary_profiles with mixed-case names, and two active rows for "dupe".
// Loads it into `db` (a fresh PostgreSQL TemporaryDatabase) as its owner.
Result loadLegacyFixture(TemporaryDatabase &db);

// The statements of an SQL file, split at top-level semicolons (dollar-quoted bodies kept
// whole, "--" comments dropped).
QStringList sqlStatements(const QString &text);

// On either engine, a database an older tool left with two active rows for "dupe" (and
// "NatGeo" processed): the fixture on PostgreSQL, the same rows in a plain queue table on
// SQLite. The app has not touched it yet.
Result seedLegacyDuplicates(TemporaryDatabase &db);

} // namespace ViralSpot::Test
