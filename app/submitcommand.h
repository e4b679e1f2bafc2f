#pragma once

#include <QStringList>

namespace ViralSpot::SubmitCommand {

// `viralspot-admin submit [--source S] [--json] (USERNAME... | -)` (contract: Command line).
// `arguments` is "program [options] [usernames]" with the subcommand removed.
// Exit status: 0 every input handled, 1 some input invalid, 2 the database failed.
int run(const QStringList &arguments);

} // namespace ViralSpot::SubmitCommand
