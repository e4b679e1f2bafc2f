#pragma once

#include <QStringList>

namespace ViralSpot::RepairCommand {

// `viralspot-admin repair-duplicates [--apply]`: reports usernames with more than one active
// queue row (left by the original check-then-insert endpoint) and, with --apply, keeps the
// oldest active row per username and marks the others FAILED. Deletes nothing.
// Exit status: 0 clean or repaired, 1 duplicates found (report only), 2 the database failed.
int run(const QStringList &arguments);

} // namespace ViralSpot::RepairCommand
