#!/usr/bin/env bash
# HTTP endpoint benchmark (issue 3): `viralspot-admin serve` on 127.0.0.1 (port 0), wrk with
# 32 connections, for SQLite and for a throwaway PostgreSQL, three workloads measured in the
# same run against the same server:
#   noop      GET /health/live: answered on the HTTP thread without the database (the ceiling)
#   new       POST /api/profile/{u}/request, every request a new username (a durable insert)
#   90%queued the same, 90% of requests for one of 2,000 usernames already queued
# Prints requests per second and latency percentiles (p50/p90/p99) with the ratio to the no-op.
# Builds nothing: give it the binary (a Release/RelWithDebInfo build for meaningful figures).
#
#   scripts/bench-http.sh build/bin/viralspot-admin [seconds per run, default 10]
set -euo pipefail

binary=$(realpath "${1:?usage: $0 path/to/viralspot-admin [seconds]}")
seconds=${2:-10}
connections=32
threads=2
root=$(cd "$(dirname "$0")/.." && pwd)
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d /tmp/viralspot-bench-http.XXXXXX)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    if declare -F pg_throwaway_stop >/dev/null; then pg_throwaway_stop; fi
    rm -rf "$work"
}
trap cleanup EXIT

# wrk scripts: done() prints one machine-readable line.
cat >"$work/report.lua" <<'LUA'
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %.1f %d %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    errors, summary.requests))
end
LUA
cat >"$work/new.lua" <<'LUA'
local threadCount = 0
function setup(thread)
  threadCount = threadCount + 1
  thread:set("tid", threadCount)
end
function init(args)
  counter = 0
  prefix = "n" .. run .. "_" .. tid .. "_"
end
function request()
  counter = counter + 1
  return wrk.format("POST", "/api/profile/" .. prefix .. counter .. "/request?source=bench")
end
LUA
cat >"$work/queued90.lua" <<'LUA'
local threadCount = 0
function setup(thread)
  threadCount = threadCount + 1
  thread:set("tid", threadCount)
end
function init(args)
  counter = 0
  prefix = "q" .. run .. "_" .. tid .. "_"
  math.randomseed(tid * 7919 + os.time())
end
function request()
  local name
  if math.random() < 0.9 then
    name = "seed_" .. math.random(0, 1999)
  else
    counter = counter + 1
    name = prefix .. counter
  end
  return wrk.format("POST", "/api/profile/" .. name .. "/request?source=bench")
end
LUA
for script in new queued90; do
    cat "$work/report.lua" >>"$work/$script.lua"
done

start_server() { # $1 = database URL; sets server_pid and port
    : >"$work/stdout"
    "$binary" serve --port 0 --database "$1" >"$work/stdout" 2>"$work/serve.log" &
    server_pid=$!
    for _ in $(seq 100); do
        grep -q '^listening on ' "$work/stdout" && break
        sleep 0.1
    done
    port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/stdout")
    [[ -n $port ]] || { echo "serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }
}

stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" || { echo "serve exited with $?" >&2; exit 1; }
    server_pid=
}

run_wrk() { # $1 = label, $2 = script, $3 = path; prints "label req p50 p90 p99 errors"
    local out
    out=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" -s "$2" "http://127.0.0.1:$port$3" 2>&1 \
        | sed -n 's/^RESULT //p')
    echo "$1 $out"
}

results=()
bench_engine() { # $1 = engine label, $2 = database URL
    local url=$2 run
    run=$RANDOM
    start_server "$url"
    # 2,000 usernames already queued for the 90% workload, through the terminal front door.
    seq 0 1999 | sed 's/^/seed_/' | "$binary" submit --database "$url" - >/dev/null
    sed -i "s/^local threadCount = 0$/local threadCount = 0\nrun = $run/" "$work/new.lua" "$work/queued90.lua"
    # Warm up (connections, caches), then measure.
    wrk -t"$threads" -c"$connections" -d2s -s "$work/report.lua" "http://127.0.0.1:$port/health/live" >/dev/null
    results+=("$(run_wrk "$1 noop" "$work/report.lua" /health/live)")
    results+=("$(run_wrk "$1 new" "$work/new.lua" /)")
    results+=("$(run_wrk "$1 90%queued" "$work/queued90.lua" /)")
    stop_server
    local active
    active=$("$binary" submit --database "$url" --json seed_0 | grep -c already_queued || true)
    [[ $active -eq 1 ]] || echo "warning: seed_0 is not queued after the run" >&2
}

echo "viralspot-admin serve benchmark: wrk -t$threads -c$connections -d${seconds}s, $(nproc) cores, $(date -u +%FT%TZ)"
bench_engine SQLite "sqlite:$work/bench.sqlite"

# shellcheck source=pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
pg_throwaway_start
bench_engine PostgreSQL "$VIRALSPOT_TEST_PG_URL"

printf '\n%-11s %-10s %10s %8s %9s %9s %9s %7s\n' engine workload req/s of-noop p50_ms p90_ms p99_ms errors
noop=0
for line in "${results[@]}"; do
    read -r engine workload rps p50 p90 p99 errors _total <<<"$line"
    [[ $workload == noop ]] && noop=$rps
    awk -v e="$engine" -v w="$workload" -v r="$rps" -v n="$noop" -v a="$p50" -v b="$p90" -v c="$p99" -v x="$errors" \
        'BEGIN { printf "%-11s %-10s %10.0f %7.0f%% %9.2f %9.2f %9.2f %7d\n", e, w, r, (n > 0 ? 100 * r / n : 0), a / 1000, b / 1000, c / 1000, x }'
done
