#pragma once

#include <QStringList>

namespace ViralSpot::SubmitCommand {

// `viralspot-admin submit [--source S] [--json] [--batch-name NAME] [--wait] (USERNAME... | -)`
// (contract: Command line, Batches). `arguments` is "program [options] [usernames]" with the
// subcommand removed. Every submission is recorded as a batch (origin "terminal"); standard
// input is read, committed and printed in pieces of about 10,000 lines (constant memory).
// Exit status: 0 every input handled (--wait: and every profile processed), 1 some input
// invalid, 2 the database failed, 3 (--wait) some profiles failed or their row was deleted;
// precedence 2, then 1, then 3.
int run(const QStringList &arguments);

} // namespace ViralSpot::SubmitCommand
