#!/usr/bin/env bash
# Checks a build folder against the install script's package list for PROFILE:
#   scripts/check-build-deps.sh BUILD_DIR PROFILE        (PROFILE: build, run or test)
# with this repository's scripts/check-deps.sh and, when it is there, the shared
# check-deps-closure (../shared/tools/ beside the clone, as CI lays it out). Fails when the build
# used a Debian package that scripts/install-deps.sh PROFILE would not bring to a clean machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:?usage: check-build-deps.sh BUILD_DIR PROFILE}
profile=${2:?usage: check-build-deps.sh BUILD_DIR PROFILE}
mapfile -t packages < <("$root/scripts/install-deps.sh" --print "$profile")

status=0
echo "-- deps check: $build_dir against the '$profile' list"
"$root/scripts/check-deps.sh" build "$build_dir" "${packages[@]}" || status=1

shared=${VIRALSPOT_SHARED_DEPS_CHECK:-$root/../shared/tools/check-deps-closure}
if [[ -x $shared ]]; then
    "$shared" "$build_dir" "${packages[@]}" || status=1
else
    echo "note: $shared is not there (CI puts shared/ beside the clone); scripts/check-deps.sh did the check alone"
fi
exit $status
