#!/usr/bin/env bash
# A/B of two endpoint builds (or one build under two environments) on one workload, run
# alternately so that a noisy machine hits both alike. Each run: a fresh SQLite database (or
# DATABASE, e.g. a PostgreSQL URL), `serve` on a free port, 2,000 usernames queued with
# `submit`, 2 s of warm-up, then wrk (2 threads, 32 connections) for SECONDS. Prints req/s,
# p50/p99 and the CPU each of the server's threads used, per run, then the averages.
#
#   scripts/bench-http-ab.sh A_BINARY B_BINARY [new|q90] [pairs, default 5] [seconds, default 5]
#
# Environment: A_ENV / B_ENV, space-separated VAR=value pairs for the A / B servers only, e.g.
#   B_ENV=VIRALSPOT_SQLITE_PLAIN_VFS=1 scripts/bench-http-ab.sh bin/viralspot-admin bin/viralspot-admin new
set -euo pipefail

a_binary=$(realpath "${1:?usage: $0 A_BINARY B_BINARY [new|q90] [pairs] [seconds]}")
b_binary=$(realpath "${2:?usage: $0 A_BINARY B_BINARY [new|q90] [pairs] [seconds]}")
workload=${3:-new}
pairs=${4:-5}
seconds=${5:-5}
[[ $workload == new || $workload == q90 ]] || { echo "workload: new or q90" >&2; exit 64; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

work=$(mktemp -d /tmp/viralspot-bench-ab.XXXXXX)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/load.lua" <<'LUA'
local threadCount = 0
function setup(thread) threadCount = threadCount + 1; thread:set("tid", threadCount) end
function init(args)
  counter = 0; share = tonumber(args[2])
  prefix = "ab" .. args[1] .. "_" .. tid .. "_"
  math.randomseed(tid * 7919 + os.time())
end
function request()
  local name
  if math.random() < share then name = "seed_" .. math.random(0, 1999)
  else counter = counter + 1; name = prefix .. counter end
  return wrk.format("POST", "/api/profile/" .. name .. "/request?source=bench")
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %.1f %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout + summary.errors.status))
end
LUA
share=0
[[ $workload == q90 ]] && share=0.9

thread_cpu() { # name=ticks per thread of $server_pid
    for t in /proc/"$server_pid"/task/*; do
        echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
    done | sort
}

run() { # label binary env -> one line
    local label=$1 binary=$2 env=$3 run_dir
    run_dir=$(mktemp -d "$work/run.XXXX")
    local database=${DATABASE:-sqlite:$run_dir/bench.sqlite}
    # shellcheck disable=SC2086
    env $env "$binary" serve --port 0 --database "$database" >"$run_dir/out" 2>/dev/null &
    server_pid=$!
    for _ in $(seq 100); do grep -q listening "$run_dir/out" && break; sleep 0.1; done
    local url
    url=$(sed -n 's/^listening on //p' "$run_dir/out")
    [[ -n $url ]] || { echo "$label: serve did not start" >&2; exit 1; }
    # shellcheck disable=SC2086
    seq 0 1999 | sed 's/^/seed_/' | env $env "$binary" submit --database "$database" - >/dev/null 2>&1
    wrk -t2 -c32 -d2s -s "$work/load.lua" "$url/" -- "warm$RANDOM" "$share" >/dev/null
    local before after result
    before=$(thread_cpu)
    result=$(wrk -t2 -c32 -d"${seconds}s" -s "$work/load.lua" "$url/" -- "$RANDOM$RANDOM" "$share" |
        sed -n 's/^RESULT //p')
    after=$(thread_cpu)
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
    local cpu
    cpu=$(join <(echo "$before") <(echo "$after") |
        awk -v s="$seconds" '{ d = ($3 - $2) / s; if (d >= 2) printf "%s=%d%% ", $1, d }')
    echo "$result" | awk -v label="$label" -v cpu="$cpu" '{
        printf "%s %9.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d  cpu: %s\n",
            label, $1, $2 / 1000, $3 / 1000, $4, cpu }'
}

echo "A/B $workload, $pairs pairs of ${seconds}s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A: $a_binary ${A_ENV:-}"
echo "B: $b_binary ${B_ENV:-}"
for _ in $(seq "$pairs"); do
    run A "$a_binary" "${A_ENV:-}"
    run B "$b_binary" "${B_ENV:-}"
done | tee "$work/results"
awk '{ sum[$1] += $2; n[$1]++ } END { for (k in sum) printf "%s average %.0f req/s over %d runs\n", k, sum[k] / n[k], n[k] }' \
    "$work/results" | sort
