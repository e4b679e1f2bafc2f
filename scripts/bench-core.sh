#!/usr/bin/env bash
# Benchmark: one 100,000-username batch through the core on SQLite and on a throwaway
# PostgreSQL, beside each engine's own bulk path (sqlite3 .import; psql \copy).
# Usage: scripts/bench-core.sh [bench_requests options, e.g. --lines 100000 --chunk 20000]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" test
build_dir=${BUILD_DIR:-$root/build}
BUILD_DIR=$build_dir "$root/scripts/build.sh" -DVIRALSPOT_TESTS=ON >/dev/null
cmake --build "$build_dir" --target bench_requests >/dev/null

# shellcheck source=scripts/pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
pg_throwaway_start
trap pg_throwaway_stop EXIT

echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$build_dir/bench/bench_requests" "$@"
