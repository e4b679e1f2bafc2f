#pragma once

#include <QStringList>

namespace ViralSpot::MigrateCommand {

// `viralspot-admin migrate [--print-sql] [--grant ROLE]`: for the database owner or a DBA.
// Brings the schema up to date (only the missing steps), or with --print-sql prints the SQL it
// would run, for review, and runs nothing. --grant ROLE adds the GRANT statements a
// least-privilege role needs at run time (PostgreSQL), run or printed likewise.
// Exit status: 0 done (or printed), 1 duplicate active rows block a step (repair first),
// 2 the database failed or the role may not migrate, 64 bad options.
int run(const QStringList &arguments);

} // namespace ViralSpot::MigrateCommand
