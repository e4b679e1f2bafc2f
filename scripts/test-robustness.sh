#!/usr/bin/env bash
# Robustness suite, run by scripts/test.sh after the main suite:
#  1. a sanitizer build (gcc, AddressSanitizer + UndefinedBehaviorSanitizer, headless; UBSan
#     for the product's code, not the test classes' own sources) running the whole CTest suite
#     on SQLite and PostgreSQL, including tests/robustness (crashes under load, database
#     outage, full disk, hostile clients) and the HTTP malformed-request table;
#     any sanitizer report fails it;
#  2. the libFuzzer targets of tests/fuzz (clang 14, ASan + UBSan), each for FUZZ_SECONDS from
#     its seed corpus in tests/fuzz/corpus/<target>/; any crash, hang, leak or sanitizer report
#     fails it (the input is kept under $FUZZ_ARTIFACTS).
#
# Environment:
#   VIRALSPOT_TEST_PG_URL  admin URL of a PostgreSQL server for the postgresql runs (test.sh
#                          exports its throwaway server); when unset, one is started here.
#   ASAN_BUILD_DIR         default build-asan;   FUZZ_BUILD_DIR  default build-fuzz
#   FUZZ_SECONDS           seconds per fuzz target (default 30; e.g. 3600 for a long run)
#   FUZZ_SEED              libFuzzer's -seed (default 1, so that a test run explores the same
#                          inputs in the same order and a failure is reproducible; 0 = random,
#                          for long runs that look for new bugs: every input they find goes into
#                          tests/fuzz/corpus/<target>/regress-* once fixed)
#   FUZZ_ARTIFACTS         where crashing inputs go (default a fresh folder under /tmp)
#   ROBUSTNESS_PARTS       "sanitizers fuzz" (default both)
#   CTEST_ARGS             extra ctest arguments for the sanitizer run (e.g. "-R tst_crash")
#   ROBUSTNESS_BUILD_STATE a folder where a `--build-only` run (started earlier, in the
#                          background) writes each build's output and exit status
#                          (<part>.log, <part>.rc): this run waits for them instead of building.
# With --configure-only, configures the sanitizer build folder and stops (scripts/test.sh asks
# it which tests it has, and does not build or run those in the main build).
# With --build-only, builds (sanitizer build, then fuzz build) and stops: scripts/test.sh runs it
# at low priority in the background while the main suite runs, whose tests mostly wait (on
# processes, servers, timers) and leave the cores idle. Without ROBUSTNESS_BUILD_STATE, the
# fuzz build runs the same way, at low priority beside the sanitizer suite.
# Each build folder is checked against the install script's `test` list
# (scripts/check-build-deps.sh). The benchmarks are not built here: they are not run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

asan_dir=${ASAN_BUILD_DIR:-$root/build-asan}
fuzz_dir=${FUZZ_BUILD_DIR:-$root/build-fuzz}
fuzz_seconds=${FUZZ_SECONDS:-30}
fuzz_seed=${FUZZ_SEED:-1}
parts=${ROBUSTNESS_PARTS:-sanitizers fuzz}
jobs=$(nproc)
started=$SECONDS

configure_asan() {
    # -O1 -g1: the optimisation level AddressSanitizer's own documentation suggests, and line
    # tables for its reports; 40% less compile time than -O2 -g (measured on requestservice.cpp).
    cmake -S "$root" -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DVIRALSPOT_WERROR=ON -DVIRALSPOT_SANITIZE=ON -DVIRALSPOT_GUI=OFF -DVIRALSPOT_TESTS=ON \
        -DVIRALSPOT_UNITY=ON \
        >/dev/null
}
if [[ ${1:-} == --configure-only ]]; then
    configure_asan
    exit 0
fi

# build_sanitizers, build_fuzz: one build each; run as `$0 --build-part PART` (a process of its
# own, so that `set -e` holds inside it whoever calls it).
# shellcheck disable=SC2317 # called as "build_$2"
build_sanitizers() {
    echo "== Sanitizer build (gcc, ASan + UBSan, headless)"
    configure_asan
    # The executables of the tests this run runs (CTEST_ARGS selects; their helpers come with
    # them) and the program itself; not the benchmarks, which are built and kept compiling in
    # the main build and never run under the sanitizers, nor the executables of the tests
    # CTEST_ARGS leaves out (scripts/test.sh runs the `processes` tests in the main build).
    local targets
    # shellcheck disable=SC2086 # CTEST_ARGS is a list of words
    mapfile -t targets < <("$root/scripts/test-targets.sh" "$asan_dir" ${CTEST_ARGS:-})
    cmake --build "$asan_dir" -j"$jobs" --target viralspot-admin "${targets[@]}"
    "$root/scripts/check-build-deps.sh" "$asan_dir" test
}
# shellcheck disable=SC2317 # called as "build_$2"
build_fuzz() {
    echo "== Fuzz targets build (clang 14, libFuzzer, ASan + UBSan)"
    cmake -S "$root" -B "$fuzz_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS= -DVIRALSPOT_WERROR=ON \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
        -DVIRALSPOT_GUI=OFF -DVIRALSPOT_HTTP=ON -DVIRALSPOT_TESTS=ON -DVIRALSPOT_FUZZ=ON \
        -DVIRALSPOT_UNITY=ON \
        >/dev/null
    cmake --build "$fuzz_dir" -j"$jobs" --target viralspot_fuzzers
    "$root/scripts/check-build-deps.sh" "$fuzz_dir" test
}
case ${1:-} in
    --build-part)
        "build_${2:?}"
        exit 0
        ;;
    --build-only)
        [[ -n ${ROBUSTNESS_BUILD_STATE:-} ]] || ROBUSTNESS_BUILD_STATE=$(mktemp -d)
        for part in sanitizers fuzz; do
            [[ " $parts " == *" $part "* ]] || continue
            rc=0
            "$0" --build-part "$part" >"$ROBUSTNESS_BUILD_STATE/$part.log" 2>&1 || rc=$?
            echo "$rc" >"$ROBUSTNESS_BUILD_STATE/$part.rc"
        done
        exit 0
        ;;
esac

# start_build PART: the build in the background at low priority, its output and status in
# ROBUSTNESS_BUILD_STATE. finish_build PART: waits for it (or for the --build-only run that
# writes the same files), prints its output and returns its status.
declare -A build_pid
start_build() {
    (
        rc=0
        nice -n 19 "$0" --build-part "$1" >"$ROBUSTNESS_BUILD_STATE/$1.log" 2>&1 || rc=$?
        echo "$rc" >"$ROBUSTNESS_BUILD_STATE/$1.rc"
    ) &
    build_pid[$1]=$!
}
# build PART: in the foreground.
build() {
    "$0" --build-part "$1"
}
finish_build() {
    local waited=$SECONDS
    if [[ -n ${build_pid[$1]:-} ]]; then
        wait "${build_pid[$1]}" || true
    fi
    while [[ ! -f $ROBUSTNESS_BUILD_STATE/$1.rc ]]; do
        if ((SECONDS - waited > 3600)); then
            echo "the $1 build did not end within an hour" >&2
            return 1
        fi
        sleep 1
    done
    cat "$ROBUSTNESS_BUILD_STATE/$1.log"
    echo "-- $1 build waited for: $((SECONDS - waited)) s"
    return "$(cat "$ROBUSTNESS_BUILD_STATE/$1.rc")"
}
build_state_is_ours=false
if [[ -z ${ROBUSTNESS_BUILD_STATE:-} ]]; then
    ROBUSTNESS_BUILD_STATE=$(mktemp -d /tmp/viralspot-robustness-build.XXXXXX)
    build_state_is_ours=true
fi

if [[ " $parts " == *" sanitizers "* && -z ${VIRALSPOT_TEST_PG_URL:-} ]]; then
    # shellcheck source=scripts/pg-throwaway.sh
    source "$root/scripts/pg-throwaway.sh"
    # shellcheck source=scripts/pgbouncer-throwaway.sh
    source "$root/scripts/pgbouncer-throwaway.sh"
    trap 'pgbouncer_throwaway_stop; pg_throwaway_stop' EXIT
    pg_throwaway_start
    pgbouncer_throwaway_start
fi
export VIRALSPOT_TEST_PG_URL=${VIRALSPOT_TEST_PG_URL:-}
export QT_QPA_PLATFORM=offscreen

# Sanitizer settings for every process of the run (tests and the app they start).
# A 64 MB quarantine of freed memory per process instead of 256: a use after free is still
# found while the block is among the last 64 MB freed, and each of the suite's many processes
# touches, and scans for leaks at exit, less memory (15% less CPU time on eight of the heaviest
# tests, measured; the system time most of it).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=64
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/tests/robustness/lsan.supp:print_suppressions=0

sanitizer_report='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|ERROR: UndefinedBehaviorSanitizer'
status=0

if [[ " $parts " == *" sanitizers "* ]]; then
    if $build_state_is_ours; then
        build sanitizers || status=1
    else
        finish_build sanitizers || status=1
    fi
    # The fuzz build beside the sanitizer suite, at low priority (unless a --build-only run
    # does it already).
    if $build_state_is_ours && [[ " $parts " == *" fuzz "* ]]; then
        start_build fuzz
    fi

    echo "== Whole CTest suite under the sanitizers (SQLite and PostgreSQL)"
    # shellcheck disable=SC2086 # CTEST_ARGS is a list of words
    ctest --test-dir "$asan_dir" --output-on-failure --parallel "$jobs" --timeout 900 \
        ${CTEST_ARGS:-} || status=1
    # A report in a process whose exit status nobody checks must fail the run too.
    if grep -E -n "$sanitizer_report" "$asan_dir/Testing/Temporary/LastTest.log" | head -n 20; then
        echo "sanitizer report in the test output (see $asan_dir/Testing/Temporary/LastTest.log)" >&2
        status=1
    fi
    echo "-- sanitizer part: $((SECONDS - started)) s"
fi

if [[ " $parts " == *" fuzz "* ]]; then
    fuzz_started=$SECONDS
    fuzz_built=0
    if $build_state_is_ours && [[ " $parts " != *" sanitizers "* ]]; then
        build fuzz || fuzz_built=$?
    else
        finish_build fuzz || fuzz_built=$?
    fi
    if ((fuzz_built != 0)); then
        echo "the fuzz build failed: the fuzz targets are not run" >&2
        status=1
    fi
    echo "== Fuzz targets (clang 14, libFuzzer, ASan + UBSan)"
    artifacts=${FUZZ_ARTIFACTS:-$(mktemp -d /tmp/viralspot-fuzz-artifacts.XXXXXX)}
    mkdir -p "$artifacts"
    # run_fuzzer TARGET: one libFuzzer run; its exit status goes to $artifacts/TARGET.rc.
    run_fuzzer() {
        local target=$1 work rc=0
        local seeds=$root/tests/fuzz/corpus/$target extra=()
        work=$(mktemp -d "/tmp/viralspot-$target.XXXXXX") # new inputs stay out of the repository
        [[ -f $root/tests/fuzz/${target#fuzz_}.dict ]] && extra+=("-dict=$root/tests/fuzz/${target#fuzz_}.dict")
        [[ $target == fuzz_http_request ]] && extra+=("-dict=$root/tests/fuzz/http.dict")
        "$fuzz_dir/fuzz/$target" -max_total_time="$fuzz_seconds" -seed="$fuzz_seed" \
            -timeout=20 -rss_limit_mb=4096 \
            -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
            "${extra[@]}" "$work" "$seeds" >"$artifacts/$target.log" 2>&1 || rc=$?
        echo "$rc" >"$artifacts/$target.rc"
        rm -rf "$work"
    }
    # Each fuzzer is one process on one core: as many run side by side as there are cores,
    # each for its full FUZZ_SECONDS.
    targets=(fuzz_username fuzz_bulkparser fuzz_databaseconfig fuzz_http_request)
    ((fuzz_built == 0)) || targets=()
    running=0
    for target in "${targets[@]}"; do
        if ((running >= jobs)); then
            wait -n || true
            running=$((running - 1))
        fi
        echo "-- $target for ${fuzz_seconds} s (seed $fuzz_seed)"
        run_fuzzer "$target" &
        running=$((running + 1))
    done
    wait || true
    for target in "${targets[@]}"; do
        rc=$(cat "$artifacts/$target.rc" 2>/dev/null || echo "none")
        echo "-- $target: $(grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)|Done [0-9]+ runs' \
            "$artifacts/$target.log" | tr '\n' ' ' || true)"
        if [[ $rc != 0 ]] || grep -E -q "$sanitizer_report|^==[0-9]+==ERROR" "$artifacts/$target.log"; then
            echo "$target FAILED (exit $rc); log and input under $artifacts:" >&2
            tail -n 40 "$artifacts/$target.log" >&2
            status=1
        fi
    done
    echo "-- fuzz part: $((SECONDS - fuzz_started)) s"
fi

if ((status == 0)); then
    echo "== Robustness suite passed in $((SECONDS - started)) s"
else
    echo "== Robustness suite FAILED after $((SECONDS - started)) s" >&2
fi
exit $status
