#!/usr/bin/env bash
# scripts/check-deps.sh against this build folder (CTest: tst_check_deps):
#  1. the install script's own build list passes;
#  2. the list as it was before libqt6opengl6-dev was added fails, naming libqt6opengl6-dev
#     (Qt6Charts' CMake package needs Qt6OpenGL: a clean machine could not configure);
#  3. run time: Qt's PostgreSQL driver, which no linker records, fails without libqt6sql6-psql.
# Needs no network (the closure comes from the installed packages' Depends).
set -euo pipefail
src=${1:?usage: tst_check_deps.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: tst_check_deps.sh SOURCE_DIR BUILD_DIR}
check=$src/scripts/check-deps.sh
mapfile -t list < <("$src/scripts/install-deps.sh" --print build)
failures=0
# Both checks of the build folder below read the same files used: collected once.
CHECK_DEPS_USED_CACHE=$(mktemp)
export CHECK_DEPS_USED_CACHE
trap 'rm -f "$CHECK_DEPS_USED_CACHE"' EXIT
without() { # PACKAGE: the build list without it
    local pkg
    for pkg in "${list[@]}"; do [[ $pkg == "$1" ]] || echo "$pkg"; done
}
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

echo "-- 1. the build list"
"$check" build "$build" "${list[@]}" || fail "the install script's build list does not cover the build"

echo "-- 2. the old build list (without libqt6opengl6-dev)"
mapfile -t old < <(without libqt6opengl6-dev)
((${#old[@]} == ${#list[@]} - 1)) || fail "libqt6opengl6-dev is not in the build list"
status=0
out=$("$check" build "$build" "${old[@]}" 2>&1) || status=$?
echo "$out"
((status == 1)) || fail "the old list exits $status, not 1"
grep -q '^missing on a clean machine: libqt6opengl6-dev ' <<<"$out" || fail "libqt6opengl6-dev is not named"

echo "-- 3. run time: the QPSQL driver without libqt6sql6-psql"
driver=$(dpkg -L libqt6sql6-psql | grep '/sqldrivers/libqsqlpsql\.so$')
"$check" files - "${list[@]}" <<<"$driver" || fail "the QPSQL driver with the full list"
status=0
mapfile -t nopsql < <(without libqt6sql6-psql)
out=$("$check" files - "${nopsql[@]}" <<<"$driver" 2>&1) || status=$?
echo "$out"
((status == 1)) && grep -q '^missing on a clean machine: libqt6sql6-psql ' <<<"$out" ||
    fail "the QPSQL driver without libqt6sql6-psql: exit $status"

((failures == 0)) && echo "tst_check_deps: all passed"
exit $((failures > 0))
