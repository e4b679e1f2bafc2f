#!/usr/bin/env bash
# Installs what is missing, builds, and starts ViralSpot Admin on the embedded SQLite default:
# the window where there is a display, the headless endpoint where there is none.
# Extra arguments are passed to viralspot-admin.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" run
"$root/scripts/build.sh"
bin=${BUILD_DIR:-$root/build}/bin/viralspot-admin

if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
    exec "$bin" "$@"
fi
echo "No display: starting the headless endpoint (viralspot-admin serve)."
exec "$bin" serve "$@"
