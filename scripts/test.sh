#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run):
#  1. installs the Debian packages that are missing;
#  2. builds the full configuration (window, endpoint, terminal) with warnings as errors;
#  3. starts a throwaway PostgreSQL, and PgBouncers in transaction and session mode in front of
#     it, and runs every CTest test on SQLite and PostgreSQL (some also through the poolers);
#  4. the robustness suite (scripts/test-robustness.sh): a headless build (no Qt Widgets, which
#     proves the layering) with AddressSanitizer + UndefinedBehaviorSanitizer running its whole
#     suite again, then the fuzz targets for a bounded time;
#  5. the Debian package (scripts/test-package.sh): built, validated, installed, run, removed;
# and stops the PgBouncers and the PostgreSQL server whatever happens.
# TEST_PARTS selects parts: "main robustness package" (default all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$SECONDS
parts=${TEST_PARTS:-main robustness package}

"$root/scripts/install-deps.sh" test

build_dir=${BUILD_DIR:-$root/build}
echo "== Build (full, -Werror)"
BUILD_DIR=$build_dir "$root/scripts/build.sh" -DVIRALSPOT_WERROR=ON -DVIRALSPOT_TESTS=ON
echo "build: $((SECONDS - started)) s"

echo "== Throwaway PostgreSQL and PgBouncers in front of it (transaction and session mode)"
# shellcheck source=scripts/pg-throwaway.sh
source "$root/scripts/pg-throwaway.sh"
# shellcheck source=scripts/pgbouncer-throwaway.sh
source "$root/scripts/pgbouncer-throwaway.sh"
trap 'pgbouncer_throwaway_stop; pg_throwaway_stop' EXIT
pg_throwaway_start
pgbouncer_throwaway_start
export VIRALSPOT_TEST_PG_URL
echo "PostgreSQL at $VIRALSPOT_TEST_PG_URL, PgBouncer at $VIRALSPOT_TEST_PGBOUNCER_TX_URL" \
    "(transaction) and $VIRALSPOT_TEST_PGBOUNCER_SESSION_URL (session)"
export QT_QPA_PLATFORM=offscreen

status=0
if [[ $parts == *main* ]]; then
    echo "== Tests (SQLite and PostgreSQL)"
    # The robustness tests (crashes, outages, full disk, hostile clients) run once, in the
    # sanitizer build below, unless that part is not selected.
    exclude=()
    [[ $parts == *robustness* ]] && exclude=(-LE robustness)
    ctest --test-dir "$build_dir" --output-on-failure --parallel "$(nproc)" --timeout 900 \
        "${exclude[@]}" || status=$?
    echo "tests: $((SECONDS - started)) s"
fi

if ((status == 0)) && [[ $parts == *robustness* ]]; then
    echo "== Robustness: headless sanitizer build and suite, fuzzing"
    ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-$root/build-asan} "$root/scripts/test-robustness.sh" || status=$?
    asan_bin=${ASAN_BUILD_DIR:-$root/build-asan}/bin/viralspot-admin
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
