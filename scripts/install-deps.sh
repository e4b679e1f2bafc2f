#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those that are missing (idempotent).
# Usage: scripts/install-deps.sh [build|test|run]   (default: test, the superset)
set -euo pipefail

profile=${1:-test}

build_pkgs=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev
    libqt6sql6-sqlite libqt6sql6-psql libqt6svg6 libsqlite3-dev
    qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-charts-dev qtkeychain-qt6-dev
    libqt6opengl6-dev
    libgl-dev fonts-dejavu-core
)
run_pkgs=(xvfb xauth)
test_pkgs=(postgresql pgbouncer sqlite3 xvfb xauth wrk imagemagick clang-format clang-14 libclang-rt-14-dev llvm-14)

case $profile in
    build) wanted=("${build_pkgs[@]}") ;;
    run) wanted=("${build_pkgs[@]}" "${run_pkgs[@]}") ;;
    test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    *) echo "usage: $0 [build|test|run]" >&2; exit 64 ;;
esac

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
