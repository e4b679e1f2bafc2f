#!/usr/bin/env bash
# The Debian packages the project needs, written once: installs those that are missing
# (idempotent), or prints the list for the checks that compare a build against it.
#
#   scripts/install-deps.sh [PROFILE]           install (default: test, the superset)
#   scripts/install-deps.sh --print [PROFILE]   print the profile's packages, one a line
# PROFILE: build (scripts/build.sh), run (scripts/run.sh), package (scripts/test-package.sh),
# test (scripts/test.sh).
#
# Installed with --no-install-recommends, as on a clean machine: a package that another one
# only *recommends* must be named here. scripts/check-deps.sh (run by scripts/test.sh) fails
# when a build or a run used a package this list would not bring.
set -euo pipefail

print=false
if [[ ${1:-} == --print ]]; then
    print=true
    shift
fi
profile=${1:-test}

# Configure and build (scripts/build.sh) and run what was built (scripts/run.sh).
build_pkgs=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev
    libqt6sql6-sqlite libqt6sql6-psql libqt6svg6 libsqlite3-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-charts-dev qtkeychain-qt6-dev
    # qt6-base-dev only recommends it; Qt6Charts' CMake package needs it at configure.
    libqt6opengl6-dev
    libgl-dev fonts-dejavu-core
)
# scripts/run.sh: the window on the user's display or the headless endpoint; what the built
# program loads at run time (Qt's xcb and offscreen platforms, the SQL drivers, fonts) comes
# with the build list above, which scripts/test.sh checks on a running window and endpoint.
run_pkgs=()
# scripts/test-package.sh: building the .deb, validating, installing and running it; Xvfb for
# the window in the run-time dependency check.
package_pkgs=(
    desktop-file-utils appstream lintian systemd librsvg2-bin dpkg-dev file fakeroot curl
    sqlite3 bash-completion man-db xvfb xauth
)
# scripts/test.sh: the throwaway PostgreSQL, the sanitizer and fuzzing builds (clang 14), and
# everything scripts/test-package.sh needs.
test_pkgs=(postgresql pgbouncer clang-14 libclang-rt-14-dev llvm-14 "${package_pkgs[@]}")
# tst_desktopnotifier runs under dbus-run-session (a private session bus with a notification
# listener); dbus-daemon brings it with the session bus configuration.
test_pkgs+=(dbus-daemon)
# Not needed by the README commands, but by the tools the README names (benchmarks with wrk,
# screenshots with ImageMagick, clang-format for contributors).
test_pkgs+=(wrk imagemagick clang-format)

case $profile in
    build) wanted=("${build_pkgs[@]}") ;;
    run) wanted=("${build_pkgs[@]}" "${run_pkgs[@]}") ;;
    package) wanted=("${build_pkgs[@]}" "${package_pkgs[@]}") ;;
    test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    *) echo "usage: $0 [--print] [build|run|package|test]" >&2; exit 64 ;;
esac

if $print; then
    printf '%s\n' "${wanted[@]}"
    exit 0
fi

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

echo "Installing: ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
