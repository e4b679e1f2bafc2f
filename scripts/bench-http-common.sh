#!/usr/bin/env bash
# Shared by bench-http.sh and bench-http-ab.sh (sourced, not run): the wrk scripts of the
# endpoint workloads and the start of a `serve` on a free port.

# bench_write_wrk_scripts DIR: writes DIR/report.lua (the no-op's: its done() prints one
# line, "RESULT req/s p50 p90 p99 errors requests", latencies in µs), DIR/new.lua (every
# request a new username) and DIR/queued90.lua (90% for one of seed_0…seed_1999), both with
# the same report. The first wrk argument after "--" makes the new names unique to a run.
bench_write_wrk_scripts() {
    local work=$1
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
  prefix = "n" .. args[1] .. "_" .. tid .. "_"
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
  prefix = "q" .. args[1] .. "_" .. tid .. "_"
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
}

# bench_start_serve BINARY DATABASE DIR [VAR=value ...]: starts `serve --port 0` in the
# background with those environment variables; sets bench_server_pid and bench_port (stdout in
# DIR/stdout, stderr in DIR/serve.log). Exits when it does not say it is listening in 10 s.
bench_start_serve() {
    local binary=$1 database=$2 dir=$3
    shift 3
    : >"$dir/stdout"
    env "$@" "$binary" serve --port 0 --database "$database" >"$dir/stdout" 2>"$dir/serve.log" &
    # shellcheck disable=SC2034 # for the caller
    bench_server_pid=$!
    for _ in $(seq 100); do
        grep -q '^listening on ' "$dir/stdout" && break
        sleep 0.1
    done
    bench_port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/stdout")
    [[ -n $bench_port ]] || { echo "serve did not start:" >&2; cat "$dir/serve.log" >&2; exit 1; }
}
