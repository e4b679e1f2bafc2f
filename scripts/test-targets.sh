#!/usr/bin/env bash
# The executable targets the CTest tests of a configured (Ninja) build folder run:
#   scripts/test-targets.sh BUILD_DIR [CTEST SELECTION...]      e.g. -LE '^processes$'
# A test runs the target of its own name or of its name without the suffixes
# viralspot_add_test() adds (NAME_<engine>, NAME_<engine>_gatherwal): the longest target name
# that the test's name starts with. Tests that run a script (tst_translations, tst_check_deps)
# need none. The helpers a test starts (add_dependencies: viralspot-admin, concurrent_submitter...)
# are built with it by Ninja. scripts/test.sh and scripts/test-robustness.sh build only these
# (and the programs named there), so that no test executable is compiled where it does not run.
set -euo pipefail
build=${1:?usage: test-targets.sh BUILD_DIR [CTEST SELECTION...]}
shift
awk '
    NR == FNR { executable[$1] = 1; next }
    {
        name = $1
        while (!(name in executable) && name ~ /_/) sub(/_[^_]*$/, "", name)
        if (name in executable) print name
    }' <(ninja -C "$build" -t targets all | sed -n 's/^[^:]*: CXX_EXECUTABLE_LINKER__\(.*\)_[A-Za-z]*$/\1/p') \
    <(ctest --test-dir "$build" -N "$@" | sed -n 's/^ *Test *#[0-9]*: \([^ ]*\).*$/\1/p') |
    sort -u
