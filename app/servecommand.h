#pragma once

#include <QStringList>

namespace ViralSpot::ServeCommand {

// `viralspot-admin serve [--bind ADDR] [--port N] [--token-file FILE] [--allow-origin ORIGIN]...`
// (contract: Command line): the HTTP endpoint without a window. Prints `listening on
// http://ADDR:PORT` on standard output once it accepts connections; request log lines go to
// standard error. SIGINT/SIGTERM: stop accepting, commit and answer what is in flight, exit 0. Exit
// status: 0 after a clean stop, 2 when it cannot start (refused bind without a token, port in use,
// unreadable token file), 64 for bad options. `arguments` is "program [options]" with the
// subcommand removed.
int run(const QStringList &arguments);

} // namespace ViralSpot::ServeCommand
