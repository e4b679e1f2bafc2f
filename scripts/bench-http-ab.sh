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
#   B_ENV=VIRALSPOT_SQLITE_GATHER_WAL=1 scripts/bench-http-ab.sh bin/viralspot-admin bin/viralspot-admin new
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

# shellcheck source=bench-http-common.sh
source "$(dirname "$0")/bench-http-common.sh"
bench_write_wrk_scripts "$work"
script=$work/new.lua
[[ $workload == q90 ]] && script=$work/queued90.lua

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
    bench_start_serve "$binary" "$database" "$run_dir" $env
    server_pid=$bench_server_pid
    local url=http://127.0.0.1:$bench_port
    # shellcheck disable=SC2086
    seq 0 1999 | sed 's/^/seed_/' | env $env "$binary" submit --database "$database" - >/dev/null 2>&1
    wrk -t2 -c32 -d2s -s "$script" "$url/" -- "warm$RANDOM" >/dev/null
    local before after result
    before=$(thread_cpu)
    result=$(wrk -t2 -c32 -d"${seconds}s" -s "$script" "$url/" -- "$RANDOM$RANDOM" |
        sed -n 's/^RESULT //p')
    after=$(thread_cpu)
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
    local cpu
    cpu=$(join <(echo "$before") <(echo "$after") |
        awk -v s="$seconds" '{ d = ($3 - $2) / s; if (d >= 2) printf "%s=%d%% ", $1, d }')
    echo "$result" | awk -v label="$label" -v cpu="$cpu" '{
        printf "%s %9.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d  cpu: %s\n",
            label, $1, $2 / 1000, $4 / 1000, $5, cpu }'
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
