#!/usr/bin/env bash
# Benchmark: the queue browser on a queue of 1,000,000 rows, on SQLite and on a
# throwaway PostgreSQL. queue_generator fills `queue` set-based and adds the browser's indexes;
# bench_queue drives the real Queue tab offscreen and prints the times a user waits for
# (first page, status filter, prefix search, scroll to row 500,000) and the peak memory.
# Usage: scripts/bench-queue.sh [--rows N] [--runs N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=1000000
runs=3
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
"$root/scripts/install-deps.sh" test
build_dir=${BUILD_DIR:-$root/build}
BUILD_DIR=$build_dir "$root/scripts/build.sh" -DVIRALSPOT_TESTS=ON >/dev/null
cmake --build "$build_dir" --target queue_generator bench_queue >/dev/null

# shellcheck source=scripts/pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
pg_throwaway_start
work=$(mktemp -d /tmp/viralspot-bench-queue.XXXXXX)
trap 'pg_throwaway_stop; rm -rf "$work"' EXIT

export QT_QPA_PLATFORM=offscreen
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"

sqlite_url="sqlite:$work/queue.sqlite"
echo "== SQLite: generating $rows rows"
"$build_dir/bench/queue_generator" --database "$sqlite_url" --rows "$rows"
"$build_dir/bench/bench_queue" --database "$sqlite_url" --runs "$runs"

pg_url="postgresql://postgres@127.0.0.1:$PG_THROWAWAY_PORT/bench_queue"
pg_throwaway_as_postgres "$(pg_throwaway_bin)/psql" -h 127.0.0.1 -p "$PG_THROWAWAY_PORT" \
    -U postgres -q -c "CREATE DATABASE bench_queue" postgres
echo "== PostgreSQL: generating $rows rows"
"$build_dir/bench/queue_generator" --database "$pg_url" --rows "$rows"
"$build_dir/bench/bench_queue" --database "$pg_url" --runs "$runs"
