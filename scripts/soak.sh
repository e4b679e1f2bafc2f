#!/usr/bin/env bash
# Soak benchmark (a benchmark, not a test): SOAK_SECONDS (default 600) of mixed load on
# `viralspot-admin serve` with wrk — 60 % requests for new usernames, 20 % repeats of a small
# set (already_queued), 20 % status reads — while the server's resident memory (VmRSS) is
# sampled every second. Prints the idle, start (after a warm-up, see below), end and peak
# figures and the growth from start to end (target: at most 10 %).
#
# Environment: BUILD_DIR (default build/, must hold bin/viralspot-admin), SOAK_SECONDS,
# SOAK_CONNECTIONS (default 32), SOAK_THREADS (default 2), SOAK_DATABASE_URL (default a fresh
# SQLite file), SOAK_WARMUP (seconds before the "start" figure), SOAK_OUT (folder for the
# samples, the wrk output and the server's request log; default a fresh /tmp folder, which can
# reach a few GB in 10 minutes: remove it afterwards).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
seconds=${SOAK_SECONDS:-600}
connections=${SOAK_CONNECTIONS:-32}
threads=${SOAK_THREADS:-2}
out=${SOAK_OUT:-$(mktemp -d /tmp/viralspot-soak.XXXXXX)}
mkdir -p "$out"
app=$build_dir/bin/viralspot-admin
[[ -x $app ]] || { echo "no $app: build first (scripts/build.sh)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
url=${SOAK_DATABASE_URL:-sqlite:$out/queue.sqlite}

"$app" serve --port 0 --database "$url" >"$out/serve.out" 2>"$out/serve.log" &
serve_pid=$!
cleanup() {
    if kill "$serve_pid" 2>/dev/null; then wait "$serve_pid" 2>/dev/null || true; fi
    if [[ -n ${sampler_pid:-} ]]; then kill "$sampler_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
for _ in $(seq 100); do
    grep -q '^listening on' "$out/serve.out" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's/^listening on http:\/\/.*:\([0-9]*\)$/\1/p' "$out/serve.out")
[[ -n $port ]] || { echo "serve did not start:" >&2; cat "$out/serve.log" >&2; exit 1; }

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$serve_pid/status"; }
idle_kb=$(rss)
( while kill -0 "$serve_pid" 2>/dev/null; do
      echo "$(date +%s) $(rss)"
      sleep 1
  done ) >"$out/rss.txt" &
sampler_pid=$!

cat >"$out/mixed.lua" <<'LUA'
-- 60 % new usernames, 20 % repeats of 1,000 names, 20 % status reads; counts non-200 answers.
local threads = {}
local next_id = 0
function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end
function init(args)
    n = 0
    bad = 0
    math.randomseed(os.time() * 100 + id)
end
function request()
    n = n + 1
    local r = math.random(100)
    if r <= 60 then
        return wrk.format("POST", "/api/profile/s" .. id .. "_" .. n .. "/request?source=soak")
    elseif r <= 80 then
        return wrk.format("POST", "/api/profile/repeat_" .. math.random(1000) .. "/request?source=soak")
    else
        return wrk.format("GET", "/api/profile/s" .. id .. "_" .. math.random(n) .. "/status")
    end
end
function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
    local total_bad = 0
    for _, thread in ipairs(threads) do total_bad = total_bad + thread:get("bad") end
    io.write(string.format("non-200 answers: %d\n", total_bad))
    io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

echo "== soak: ${seconds} s, $connections connections, $threads wrk threads, $url (samples: $out)"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s -s "$out/mixed.lua" \
    "http://127.0.0.1:$port" | tee "$out/wrk.txt"
end_kb=$(rss)
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=

# "start" is taken after a warm-up (SOAK_WARMUP seconds, default a tenth of the run, at least
# 10 s): with SQLite the page cache (64 MiB per connection, a writer and a reader) fills while
# the file grows, which is bounded memory, not growth.
warmup=${SOAK_WARMUP:-$((seconds / 10 > 10 ? seconds / 10 : 10))}
start_kb=$(awk -v n="$((warmup + 1))" 'NR == n { print $2 }' "$out/rss.txt")
max_kb=$(awk '$2 > m { m = $2 } END { print m }' "$out/rss.txt")
samples=$(wc -l <"$out/rss.txt")
growth=$(awk -v s="$start_kb" -v e="$end_kb" 'BEGIN { printf "%.1f", (e - s) * 100 / s }')
echo "== serve VmRSS: idle ${idle_kb} kB, start ${start_kb} kB (${warmup} s in), end ${end_kb} kB, max ${max_kb} kB; growth start->end ${growth} % (${samples} samples)"
awk -v g="$growth" 'BEGIN { exit !(g <= 10) }' && echo "within the 10 % target" || echo "ABOVE the 10 % target"
