#!/usr/bin/env bash
# HTTP endpoint benchmark: `viralspot-admin serve` on 127.0.0.1 (port 0), wrk with
# 32 connections, for SQLite and for a throwaway PostgreSQL, three workloads measured in the
# same run against the same server:
#   noop      GET /health/live: answered on the HTTP thread without the database (the ceiling)
#   new       POST /api/profile/{u}/request, every request a new username (a durable insert)
#   90%queued the same, 90% of requests for one of 2,000 usernames already queued
# Prints requests per second and latency percentiles (p50/p90/p99) with the ratio to the no-op.
# The three workloads run interleaved for several rounds and the median of each is printed, so
# that a busy neighbour on a shared machine skews the ratios less.
# Builds nothing: give it the binary (a Release/RelWithDebInfo build for meaningful figures).
#
#   scripts/bench-http.sh build/bin/viralspot-admin [seconds per run, default 5] [rounds, default 3]
#
# BENCH_POOLER=1: instead, PostgreSQL directly beside PostgreSQL through a PgBouncer in
# pool_mode=transaction (scripts/pgbouncer-throwaway.sh, PGBOUNCER_POOL_SIZE server
# connections, default 4), as Supabase's transaction pooler: two servers on two databases of
# the same PostgreSQL, both running at once, their runs alternating within each round.
set -euo pipefail

binary=$(realpath "${1:?usage: $0 path/to/viralspot-admin [seconds]}")
seconds=${2:-5}
rounds=${3:-3}
connections=32
threads=2
root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d /tmp/viralspot-bench-http.XXXXXX)
server_pid=
pooled_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [[ -n $pooled_pid ]] && kill "$pooled_pid" 2>/dev/null && wait "$pooled_pid" 2>/dev/null
    if declare -F pgbouncer_throwaway_stop >/dev/null; then pgbouncer_throwaway_stop; fi
    if declare -F pg_throwaway_stop >/dev/null; then pg_throwaway_stop; fi
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=bench-http-common.sh
source "$root/scripts/bench-http-common.sh"
bench_write_wrk_scripts "$work"

start_server() { # $1 = database URL; sets server_pid and port
    bench_start_serve "$binary" "$1" "$work"
    server_pid=$bench_server_pid
    port=$bench_port
}

stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" || { echo "serve exited with $?" >&2; exit 1; }
    server_pid=
}

run_wrk() { # $1 = label, $2 = script, $3 = path, $4 = run id; prints "label req p50 p90 p99 errors"
    local out
    out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$2" "http://127.0.0.1:$port$3" -- "$4" 2>&1 \
        | sed -n 's/^RESULT //p')
    echo "$1 $out"
}

results=()
bench_engine() { # $1 = engine label, $2 = database URL
    local url=$2 round
    start_server "$url"
    # 2,000 usernames already queued for the 90% workload, through the terminal front door.
    seq 0 1999 | sed 's/^/seed_/' | "$binary" submit --database "$url" - >/dev/null
    # Warm up (connections, caches), then measure.
    wrk -t"$threads" -c"$connections" -d2s -s "$work/report.lua" "http://127.0.0.1:$port/health/live" >/dev/null
    for round in $(seq "$rounds"); do
        results+=("$(run_wrk "$1 noop" "$work/report.lua" /health/live "$RANDOM$round")")
        results+=("$(run_wrk "$1 new" "$work/new.lua" / "$RANDOM$round")")
        results+=("$(run_wrk "$1 90%queued" "$work/queued90.lua" / "$RANDOM$round")")
    done
    stop_server
    local active
    active=$("$binary" submit --database "$url" --json seed_0 | grep -c already_queued || true)
    [[ $active -eq 1 ]] || echo "warning: seed_0 is not queued after the run" >&2
}

bench_pooler() { # PostgreSQL direct and through PgBouncer (transaction mode), interleaved
    # shellcheck source=pgbouncer-throwaway.sh
    source "$root/scripts/pgbouncer-throwaway.sh"
    pgbouncer_throwaway_start
    psql -q -h 127.0.0.1 -p "$PG_THROWAWAY_PORT" -U postgres -c 'CREATE DATABASE bench_direct' postgres
    psql -q -h 127.0.0.1 -p "$PG_THROWAWAY_PORT" -U postgres -c 'CREATE DATABASE bench_pooled' postgres
    local direct_url="postgresql://postgres@127.0.0.1:$PG_THROWAWAY_PORT/bench_direct"
    local pooled_url=${VIRALSPOT_TEST_PGBOUNCER_TX_URL%/*}/bench_pooled
    mkdir -p "$work/direct" "$work/pooled"
    bench_start_serve "$binary" "$direct_url" "$work/direct"
    server_pid=$bench_server_pid
    local direct_port=$bench_port
    bench_start_serve "$binary" "$pooled_url" "$work/pooled"
    pooled_pid=$bench_server_pid
    local pooled_port=$bench_port
    seq 0 1999 | sed 's/^/seed_/' | "$binary" submit --database "$direct_url" - >/dev/null
    seq 0 1999 | sed 's/^/seed_/' | "$binary" submit --database "$pooled_url" - >/dev/null
    for port in "$direct_port" "$pooled_port"; do
        wrk -t"$threads" -c"$connections" -d2s -s "$work/report.lua" "http://127.0.0.1:$port/health/live" >/dev/null
    done
    local round first second
    for round in $(seq "$rounds"); do
        # Alternate which goes first, so that neither always follows the other's writes.
        if ((round % 2)); then first=direct; second=pooled; else first=pooled; second=direct; fi
        for workload in noop new 90%queued; do
            for side in $first $second; do
                [[ $side == direct ]] && port=$direct_port || port=$pooled_port
                local label=PostgreSQL
                [[ $side == pooled ]] && label=PgBouncer-tx
                case $workload in
                    noop) results+=("$(run_wrk "$label noop" "$work/report.lua" /health/live "$RANDOM$round")") ;;
                    new) results+=("$(run_wrk "$label new" "$work/new.lua" / "$RANDOM$round")") ;;
                    *) results+=("$(run_wrk "$label 90%queued" "$work/queued90.lua" / "$RANDOM$round")") ;;
                esac
            done
        done
    done
    port=$pooled_port
    curl -s "http://127.0.0.1:$port/health" >"$work/pooled-health.json" || true
    echo "pooled /health after the run: $(cat "$work/pooled-health.json")"
    stop_server
    kill -TERM "$pooled_pid"
    wait "$pooled_pid" || { echo "pooled serve exited with $?" >&2; exit 1; }
    pooled_pid=
}

echo "viralspot-admin serve benchmark: wrk -t$threads -c$connections -d${seconds}s x $rounds rounds (median), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
# shellcheck source=pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
if [[ ${BENCH_POOLER:-0} == 1 ]]; then
    echo "PostgreSQL direct beside PgBouncer pool_mode=transaction (pool size ${PGBOUNCER_POOL_SIZE:-4}), interleaved"
    pg_throwaway_start
    bench_pooler
else
    bench_engine SQLite "sqlite:$work/bench.sqlite"
    pg_throwaway_start
    bench_engine PostgreSQL "$VIRALSPOT_TEST_PG_URL"
fi

printf '%s\n' "${results[@]}" >"$work/results.txt"
printf '\n%-12s %-10s %10s %8s %9s %9s %9s %7s\n' engine workload req/s of-noop p50_ms p90_ms p99_ms errors
# Median of the rounds for each engine and workload (field by field), ratio to that engine's noop.
awk '
    { key = $1 " " $2; n[key]++; for (f = 3; f <= 7; f++) v[key, f, n[key]] = $f
      if (!(key in order)) { order[key] = ++keys; names[keys] = key } }
    function median(key, f,   i, j, t, a, m) {
        m = n[key]; for (i = 1; i <= m; i++) a[i] = v[key, f, i]
        for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
    END {
        for (k = 1; k <= keys; k++) {
            key = names[k]; split(key, parts, " ")
            r = median(key, 3); rate[key] = r; if (parts[2] == "noop") noop[parts[1]] = r
            printf "%-12s %-10s %10.0f %7.0f%% %9.2f %9.2f %9.2f %7d\n", parts[1], parts[2], r,
                (noop[parts[1]] > 0 ? 100 * r / noop[parts[1]] : 0), median(key, 4) / 1000,
                median(key, 5) / 1000, median(key, 6) / 1000, median(key, 7)
        }
        # Through the transaction pooler, as a share of the direct connection.
        for (k = 1; k <= keys; k++) {
            split(names[k], parts, " ")
            direct = "PostgreSQL " parts[2]
            if (parts[1] == "PgBouncer-tx" && rate[direct] > 0)
                printf "PgBouncer-tx %-10s %5.0f%% of direct\n", parts[2], 100 * rate[names[k]] / rate[direct]
        }
    }' "$work/results.txt"
