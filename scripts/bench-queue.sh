#!/usr/bin/env bash
# Benchmark: the queue browser on a large queue, on SQLite and on a throwaway PostgreSQL.
# queue_generator fills `queue` set-based on the server and adds the browser's indexes;
# bench_queue drives the real Queue tab offscreen and prints the times a user waits for
# (first page, status filter, prefix search, scroll to row 500,000, the counts) and the peak
# memory. Several sizes in one run (one database each, on the same server) show whether a
# cost grows with the table:
#   scripts/bench-queue.sh --rows "1000000 10000000" --engines postgresql
# Disk: about 4.3 GB for 10,000,000 rows on PostgreSQL with its indexes (removed at the end).
# Usage: scripts/bench-queue.sh [--rows "N ..."] [--runs N] [--engines "sqlite postgresql"]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes=1000000
runs=3
engines="sqlite postgresql"
while [[ $# -gt 0 ]]; do
    case $1 in
        --rows) sizes=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --engines) engines=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
"$root/scripts/install-deps.sh" test
build_dir=${BUILD_DIR:-$root/build}
BUILD_DIR=$build_dir "$root/scripts/build.sh" -DVIRALSPOT_TESTS=ON >/dev/null
cmake --build "$build_dir" --target queue_generator bench_queue >/dev/null

# shellcheck source=scripts/pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
work=$(mktemp -d /tmp/viralspot-bench-queue.XXXXXX)
trap 'pg_throwaway_stop; rm -rf "$work"' EXIT
[[ " $engines " == *" postgresql "* ]] && pg_throwaway_start

export QT_QPA_PLATFORM=offscreen
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$root" rev-parse --short HEAD)"

# Fill every database first, then measure them one after the other.
urls=()
for rows in $sizes; do
    for engine in $engines; do
        case $engine in
            sqlite) url="sqlite:$work/queue_$rows.sqlite" ;;
            postgresql)
                url="postgresql://postgres@127.0.0.1:$PG_THROWAWAY_PORT/bench_queue_$rows"
                pg_throwaway_as_postgres "$(pg_throwaway_bin)/psql" -h 127.0.0.1 \
                    -p "$PG_THROWAWAY_PORT" -U postgres -q -c "CREATE DATABASE bench_queue_$rows" postgres
                ;;
            *) echo "unknown engine $engine" >&2; exit 2 ;;
        esac
        echo "== $engine: generating $rows rows"
        "$build_dir/bench/queue_generator" --database "$url" --rows "$rows"
        urls+=("$url")
    done
done
for url in "${urls[@]}"; do
    echo "== $url"
    "$build_dir/bench/bench_queue" --database "$url" --runs "$runs"
done
