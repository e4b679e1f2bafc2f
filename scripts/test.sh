#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors (full and headless configurations),
# starts a throwaway PostgreSQL, runs the whole CTest suite on SQLite and PostgreSQL, and stops
# the server again whatever happens.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

"$root/scripts/install-deps.sh" test

build_dir=${BUILD_DIR:-$root/build}
headless_dir=${HEADLESS_BUILD_DIR:-$root/build-headless}

echo "== Build (full, -Werror)"
BUILD_DIR=$build_dir "$root/scripts/build.sh" -DVIRALSPOT_WERROR=ON -DVIRALSPOT_TESTS=ON

echo "== Build (headless: no Widgets, -Werror)"
BUILD_DIR=$headless_dir "$root/scripts/build.sh" -DVIRALSPOT_WERROR=ON -DVIRALSPOT_GUI=OFF -DVIRALSPOT_TESTS=ON
if ldd "$headless_dir/bin/viralspot-admin" | grep -q Qt6Widgets; then
    echo "headless build links Qt6Widgets: the layers are broken" >&2
    exit 1
fi

echo "== Throwaway PostgreSQL"
# shellcheck source=scripts/pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
pg_throwaway_start
trap pg_throwaway_stop EXIT
export VIRALSPOT_TEST_PG_URL
echo "PostgreSQL at $VIRALSPOT_TEST_PG_URL"

echo "== Tests"
export QT_QPA_PLATFORM=offscreen
status=0
ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 600 || status=$?
if ((status == 0)); then
    echo "== Tests (headless build, core)"
    ctest --test-dir "$headless_dir" --output-on-failure --parallel "$(nproc)" -L core || status=$?
fi
exit $status
