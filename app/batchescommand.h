#pragma once

#include <QStringList>

namespace ViralSpot::BatchesCommand {

// `viralspot-admin batches [--json] [--limit N] [--search TEXT]` (contract: Batches): the
// batches newest first with their counts and ETA; --json prints one object per line with the
// fields of `GET /api/batches/{id}`'s data. Exit status: 0, or 2 when the database failed.
int run(const QStringList &arguments);

} // namespace ViralSpot::BatchesCommand
