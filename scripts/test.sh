#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#  1. installs the Debian packages that are missing (scripts/install-deps.sh test);
#  2. builds the full configuration (window, endpoint, terminal) with warnings as errors, and
#     checks that every Debian package the build used comes with the install script's list
#     (scripts/check-build-deps.sh: a clean machine has nothing else);
#  3. starts a throwaway PostgreSQL and PgBouncers in front of it (transaction and session
#     mode, for the pooler tests); checks what the built program loads at run time (the
#     window under Xvfb, the endpoint on SQLite and PostgreSQL) against the `run` list;
#  4. runs every CTest test on SQLite and PostgreSQL, each once: the tests that the headless
#     sanitizer build also has run there (step 5) and are neither built nor run here; the
#     others (the window's, tst_packaging for the full executable's options, and those labelled
#     `processes`: hundreds of process starts that test no memory handling) here;
#  5. the robustness suite (scripts/test-robustness.sh): a headless build (no Qt Widgets, which
#     proves the layering) with AddressSanitizer + UndefinedBehaviorSanitizer running its whole
#     suite, then the fuzz targets for a bounded time; both builds' packages checked too. Its
#     two builds start at low priority in the background as soon as the main build is done, on
#     the cores the main suite's waiting tests leave idle;
#  6. the Debian package (scripts/test-package.sh): built, validated, installed, run, removed;
# and stops the PgBouncers and the PostgreSQL server whatever happens.
# TEST_PARTS selects parts: "main robustness package" (default all). Without "robustness", the
# main build builds and runs every test itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$SECONDS
parts=${TEST_PARTS:-main robustness package}
jobs=$(nproc)

"$root/scripts/install-deps.sh" test
echo "install: $((SECONDS - started)) s"

build_dir=${BUILD_DIR:-$root/build}
asan_dir=${ASAN_BUILD_DIR:-$root/build-asan}
export ASAN_BUILD_DIR=$asan_dir

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
echo "== Configure (full, -Werror)"
# -g1: line tables and functions, enough for every backtrace a failing test prints, at about
# three quarters of the compile time of full debug information (-g).
# VIRALSPOT_UNITY: the libraries and the program compiled eight sources at a time (CMakeLists.txt).
cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
    -DVIRALSPOT_WERROR=ON -DVIRALSPOT_TESTS=ON -DVIRALSPOT_UNITY=ON >/dev/null

# test_names DIR: the CTest tests a configured build folder has.
test_names() {
    ctest --test-dir "$1" -N | sed -n 's/^ *Test *#[0-9]*: \([^ ]*\).*$/\1/p' | sort -u
}

# Each test runs once. Those the headless sanitizer build has run there, under ASan + UBSan;
# the main build builds and runs only the others.
split=false
main_only=()
main_targets=()
if [[ $parts == *robustness* && $parts == *main* ]]; then
    split=true
    "$root/scripts/test-robustness.sh" --configure-only
    mapfile -t asan_tests < <(test_names "$asan_dir")
    # tst_packaging also here: it holds the full executable's --help (window options included)
    # against the man page and completion; a few seconds. And the `processes` tests: they start
    # hundreds of processes to catch a hang, which the sanitizers only make three times slower.
    mapfile -t main_only < <({
        test_names "$build_dir" | grep -vxF -f <(printf '%s\n' "${asan_tests[@]}")
        ctest --test-dir "$build_dir" -N -L '^(packaging|processes)$' |
            sed -n 's/^ *Test *#[0-9]*: \([^ ]*\).*$/\1/p'
    } | sort -u)
    export CTEST_ARGS="${CTEST_ARGS:-} -LE ^processes\$"
    # The main build builds the executables of the tests run here (the helpers they start come
    # with them: add_dependencies), the program, and the executables that no test runs, built to
    # keep them compiling (the benchmarks, ui_screenshot); not the executables of the tests run
    # only in the sanitizer build, nor the helpers only those start (scripts/test-targets.sh).
    mapfile -t tested < <("$root/scripts/test-targets.sh" "$build_dir")
    executables=$(ninja -C "$build_dir" -t targets all |
        sed -n 's/^\([^:]*\): CXX_EXECUTABLE_LINKER__\(.*\)_[A-Za-z]*$/\1 \2/p')
    # shellcheck disable=SC2046 # the paths of the test executables, one a word
    helpers=$(ninja -C "$build_dir" -t query $(awk 'NR == FNR { t[$1] = 1; next } $2 in t { print $1 }' \
        <(printf '%s\n' "${tested[@]}") - <<<"$executables") | sed -n 's/^ *|| //p' |
        awk 'NR == FNR { name[$1] = $2; next } $1 in name { print name[$1] }' <(echo "$executables") -)
    mapfile -t main_targets < <({
        "$root/scripts/test-targets.sh" "$build_dir" -R "^($(printf '%s|' "${main_only[@]}" | sed 's/|$//'))\$"
        echo viralspot-admin
        awk '{ print $2 }' <<<"$executables" | grep -vxF -f <(printf '%s\n' "${tested[@]}" "$helpers")
    } | sort -u)
    main_targets+=(viralspot_packaging_files)
fi

if [[ $parts == *main* || $parts == *package* ]]; then
    echo "== Build (full, -Werror)"
    if ((${#main_targets[@]} > 0)); then
        cmake --build "$build_dir" --parallel "$jobs" --target "${main_targets[@]}"
    else
        cmake --build "$build_dir" --parallel "$jobs"
    fi
    echo "build: $((SECONDS - started)) s"
    "$root/scripts/check-build-deps.sh" "$build_dir" build
fi

# The robustness builds (sanitizer, then fuzz) start now, at low priority, in the background:
# the main suite's tests mostly wait (on processes, servers, timers), and these builds take the
# cores the tests leave idle. scripts/test-robustness.sh waits for them (ROBUSTNESS_BUILD_STATE).
robustness_builds=
if $split; then
    ROBUSTNESS_BUILD_STATE=$(mktemp -d /tmp/viralspot-robustness-build.XXXXXX)
    export ROBUSTNESS_BUILD_STATE
    echo "== Robustness builds in the background (nice 19; output in $ROBUSTNESS_BUILD_STATE)"
    # Its own process group (setsid), so that the whole build stops if this script ends first.
    setsid nice -n 19 "$root/scripts/test-robustness.sh" --build-only \
        >"$ROBUSTNESS_BUILD_STATE/build-only.log" 2>&1 &
    robustness_builds=$!
fi
stop_robustness_builds() {
    if [[ -n $robustness_builds ]] && kill -0 "$robustness_builds" 2>/dev/null; then
        kill -- -"$robustness_builds" 2>/dev/null || true
    fi
}

echo "== Throwaway PostgreSQL and PgBouncers in front of it (transaction and session mode)"
# shellcheck source=scripts/pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
# shellcheck source=scripts/pgbouncer-throwaway.sh
source "$root/scripts/pgbouncer-throwaway.sh"
trap 'stop_robustness_builds; pgbouncer_throwaway_stop; pg_throwaway_stop' EXIT
pg_throwaway_start
pgbouncer_throwaway_start
export VIRALSPOT_TEST_PG_URL
echo "PostgreSQL at $VIRALSPOT_TEST_PG_URL, PgBouncer at $VIRALSPOT_TEST_PGBOUNCER_TX_URL" \
    "(transaction) and $VIRALSPOT_TEST_PGBOUNCER_SESSION_URL (session)"
export QT_QPA_PLATFORM=offscreen

status=0
if [[ $parts == *main* ]]; then
    echo "== What scripts/run.sh needs at run time (window, endpoint, SQL drivers) against the 'run' list"
    mapfile -t run_packages < <("$root/scripts/install-deps.sh" --print run)
    loaded=$(mktemp)
    "$root/scripts/loaded-files.sh" "$build_dir/bin/viralspot-admin" >"$loaded" || status=1
    "$root/scripts/check-deps.sh" files "$loaded" "${run_packages[@]}" || status=1
    rm -f "$loaded"
fi

if ((status == 0)) && [[ $parts == *main* ]]; then
    echo "== Tests (SQLite and PostgreSQL)"
    selection=()
    if $split; then
        selection=(-R "^($(printf '%s|' "${main_only[@]}" | sed 's/|$//'))\$")
        echo "here: the ${#main_only[@]} tests the headless sanitizer build does not have"
    fi
    if $split && ((${#main_only[@]} == 0)); then
        echo "none: the sanitizer build has them all"
    else
        ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" --timeout 900 \
            "${selection[@]}" || status=$?
    fi
    echo "tests: $((SECONDS - started)) s"
fi

if ((status == 0)) && [[ $parts == *robustness* ]]; then
    echo "== Robustness: headless sanitizer build and suite, fuzzing"
    "$root/scripts/test-robustness.sh" || status=$?
    asan_bin=$asan_dir/bin/viralspot-admin
    if [[ -x $asan_bin ]] && ldd "$asan_bin" | grep -q Qt6Widgets; then
        echo "the headless build links Qt6Widgets: the layers are broken" >&2
        status=1
    fi
    echo "robustness: $((SECONDS - started)) s"
fi

if ((status == 0)) && [[ $parts == *package* ]]; then
    echo "== Debian package"
    "$root/scripts/test-package.sh" "$build_dir" || status=$?
    echo "package: $((SECONDS - started)) s"
fi

echo "== Total $((SECONDS - started)) s"
exit $status
