#!/usr/bin/env bash
# Builds the Debian package with CPack and proves it: desktop-file-validate, appstreamcli
# validate, lintian (no errors), systemd-analyze verify, then installs it with apt-get, runs the
# installed /usr/bin/viralspot-admin (--version, submit, serve) against a fresh SQLite file, and
# removes and purges it cleanly. Needs root (or sudo) for apt-get.
#
# Usage: scripts/test-package.sh [BUILD_DIR]      (default: build-package)
# An unconfigured BUILD_DIR is configured RelWithDebInfo with Debian's hardening build flags.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=$(realpath -m "${1:-$root/build-package}")

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

step "Tools"
needed=(desktop-file-utils appstream lintian systemd librsvg2-bin dpkg-dev file fakeroot curl
    sqlite3 bash-completion man-db)
missing=()
for pkg in "${needed[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
    echo "Installing: ${missing[*]}"
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

step "Build ($build_dir)"
"$root/scripts/install-deps.sh" build
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    # Debian's build flags: -O2, fortify, stack protector, relro and bindnow (lintian hardening).
    CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
        LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
        cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DVIRALSPOT_TESTS=OFF
fi
# Only what the package holds (the tests and benchmarks are not part of it).
cmake --build "$build_dir" --parallel "$(nproc)" --target viralspot-admin viralspot_packaging_files
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")
[[ -n $version ]] || fail "no CMAKE_PROJECT_VERSION in $build_dir/CMakeCache.txt"

step "Package (cpack -G DEB)"
rm -f "$build_dir"/viralspot-admin_*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null) || fail "cpack failed (see $build_dir/_CPack_Packages)"
deb=$(ls "$build_dir"/viralspot-admin_"$version"_*.deb)
dpkg-deb --field "$deb"
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes ($(du -h "$deb" | cut -f1))," \
    "$(dpkg-deb --contents "$deb" | grep -vc '/$') files"

step "lintian"
lintian_out=$(mktemp)
lintian_status=0
lintian --fail-on error --display-info --tag-display-limit 0 "$deb" >"$lintian_out" 2>&1 ||
    lintian_status=$?
cat "$lintian_out"
for level in E W I; do
    echo "lintian $level: $(grep -c "^$level: " "$lintian_out" || true)"
done
((lintian_status == 0)) || fail "lintian reports errors (status $lintian_status)"

# Whatever fails from here on, leave no package or server behind.
work=$(mktemp -d)
serve_pid=
cleanup() {
    if [[ -n $serve_pid ]]; then
        kill "$serve_pid" 2>/dev/null || true
    fi
    if dpkg-query -W -f='${db:Status-Status}' viralspot-admin 2>/dev/null | grep -q installed; then
        echo "cleaning up: purging viralspot-admin"
        "${SUDO[@]}" apt-get purge -y -qq viralspot-admin >/dev/null 2>&1 || true
    fi
    rm -rf "$work" "$lintian_out"
}
trap cleanup EXIT

step "Install (apt-get install ./$(basename "$deb"))"
if dpkg-query -W -f='${db:Status-Status}' viralspot-admin 2>/dev/null | grep -q installed; then
    "${SUDO[@]}" apt-get purge -y -qq viralspot-admin >/dev/null
fi
cp "$deb" "$work/"
chmod 0755 "$work"
(cd "$work" && "${SUDO[@]}" apt-get install -y -qq "./$(basename "$deb")") >/dev/null ||
    fail "apt-get install failed"
dpkg-query -W -f='${Package} ${Version} ${db:Status-Status}\n' viralspot-admin
[[ -x /usr/bin/viralspot-admin ]] || fail "/usr/bin/viralspot-admin is missing"
getent passwd viralspot >/dev/null || fail "the viralspot system user was not created"
[[ $(stat -c '%U %a' /etc/viralspot-admin/token) == "viralspot 600" ]] ||
    fail "/etc/viralspot-admin/token is not viralspot-only: $(stat -c '%U %a' /etc/viralspot-admin/token)"
[[ $(stat -c '%G %a' /etc/viralspot-admin/viralspot-admin.conf) == "viralspot 640" ]] ||
    fail "/etc/viralspot-admin/viralspot-admin.conf permissions"
echo "user viralspot, token 0600 viralspot, configuration 0640 root:viralspot: ok"

step "Validate the installed files"
desktop-file-validate /usr/share/applications/org.viralspot.Admin.desktop &&
    echo "desktop-file-validate: ok"
appstreamcli validate --no-net /usr/share/metainfo/org.viralspot.Admin.metainfo.xml
man_warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l /usr/share/man/man1/viralspot-admin.1.gz 2>&1 >/dev/null)
[[ -z $man_warnings ]] || fail "man page warnings: $man_warnings"
echo "man --warnings: ok"
completions=$(bash -c 'source /usr/share/bash-completion/bash_completion
    source /usr/share/bash-completion/completions/viralspot-admin
    COMP_WORDS=(viralspot-admin s); COMP_CWORD=1; COMP_LINE="viralspot-admin s"; COMP_POINT=17
    _viralspot_admin; echo "${COMPREPLY[*]}"
    COMP_WORDS=(viralspot-admin serve --t); COMP_CWORD=2; COMP_LINE="viralspot-admin serve --t"
    COMP_POINT=25; _viralspot_admin; echo "${COMPREPLY[*]}"')
[[ $completions == $'serve submit\n--token-file' ]] || fail "bash completion gave: $completions"
echo "bash completion: ok"
for size in 16 22 24 32 48 64 128 256 512; do
    png=/usr/share/icons/hicolor/${size}x${size}/apps/org.viralspot.Admin.png
    file "$png" | grep -q "$size x $size" || fail "$png is not ${size}x${size}"
done
[[ -f /usr/share/icons/hicolor/scalable/apps/org.viralspot.Admin.svg ]] || fail "no SVG icon"
echo "icons: ok"

step "systemd-analyze verify"
unit=/lib/systemd/system/viralspot-admin.service
verify_out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$unit" 2>&1) && verify_status=0 ||
    verify_status=$?
echo "$verify_out"
if ((verify_status == 0)) && grep -qiE 'unknown|failed|ignoring|invalid' <<<"$verify_out"; then
    fail "systemd-analyze verify warns about $unit"
elif ((verify_status == 0)); then
    echo "systemd-analyze verify: ok"
    systemd-analyze security --offline=yes "$unit" 2>/dev/null | tail -n 1 || true
elif grep -qiE 'Failed to (initialize|set up|create).*manager|cgroup|not been booted|Operation not permitted' <<<"$verify_out"; then
    echo "systemd-analyze verify: not available in this environment (status $verify_status)"
else
    fail "systemd-analyze verify rejects $unit"
fi

step "Run the installed binary (fresh SQLite file)"
installed_version=$(/usr/bin/viralspot-admin --version)
[[ $installed_version == "viralspot-admin $version" ]] ||
    fail "--version says '$installed_version', the project is $version"
echo "--version: $installed_version"

db="$work/queue.sqlite"
submit_out=$(/usr/bin/viralspot-admin submit --database "sqlite:$db" --source pkgtest natgeo @NASA) ||
    fail "submit failed: $submit_out"
echo "$submit_out"
rows=$(sqlite3 "$db" "SELECT group_concat(username || ':' || status || ':' || priority || ':' || source, ' ')
    FROM (SELECT * FROM queue ORDER BY username)")
[[ $rows == "nasa:PENDING:HIGH:pkgtest natgeo:PENDING:HIGH:pkgtest" ]] || fail "queue holds: $rows"
json=$(/usr/bin/viralspot-admin submit --database "sqlite:$db" --json natgeo) ||
    fail "second submit failed"
grep -q '"outcome": *"already_queued"' <<<"$json" || fail "second submit said: $json"
invalid_status=0
/usr/bin/viralspot-admin submit --database "sqlite:$db" 'bad..name' >/dev/null || invalid_status=$?
((invalid_status == 1)) || fail "an invalid username exits $invalid_status, not 1"
echo "submit: queued 2, already_queued on repeat, invalid exits 1: ok"

/usr/bin/viralspot-admin serve --database "sqlite:$db" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
serve_pid=$!
url=
for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/serve.out")
    [[ -n $url ]] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n $url ]] || fail "serve printed no listening line: $(cat "$work/serve.out" "$work/serve.err")"
echo "serve: listening on $url"
health=$(curl -fsS "$url/health") || fail "GET /health failed"
grep -q '"status": *"ok"' <<<"$health" || fail "GET /health said: $health"
echo "GET /health: $health"
posted=$(curl -fsS -X POST "$url/api/profile/Instagram/request?source=pkgtest") ||
    fail "POST request failed"
grep -q '"queued": *true' <<<"$posted" || fail "POST said: $posted"
[[ $(sqlite3 "$db" "SELECT count(*) FROM queue WHERE username='instagram' AND status='PENDING'") == 1 ]] ||
    fail "the POSTed profile is not in the queue"
echo "POST /api/profile/Instagram/request: queued"
kill -TERM "$serve_pid"
serve_status=0
wait "$serve_pid" || serve_status=$?
serve_pid=
((serve_status == 0)) || fail "serve exited $serve_status on SIGTERM"
echo "serve: stopped cleanly on SIGTERM"

step "Remove and purge"
"${SUDO[@]}" apt-get remove -y -qq viralspot-admin >/dev/null || fail "apt-get remove failed"
[[ ! -e /usr/bin/viralspot-admin ]] || fail "/usr/bin/viralspot-admin is still there after remove"
[[ -f /etc/viralspot-admin/viralspot-admin.conf ]] || fail "remove deleted the conffile"
"${SUDO[@]}" apt-get purge -y -qq viralspot-admin >/dev/null || fail "apt-get purge failed"
[[ ! -e /etc/viralspot-admin ]] || fail "/etc/viralspot-admin is still there after purge"
if dpkg-query -W -f='${db:Status-Status}' viralspot-admin 2>/dev/null | grep -q .; then
    status=$(dpkg-query -W -f='${db:Status-Status}' viralspot-admin)
    [[ $status == not-installed ]] || fail "dpkg still knows viralspot-admin: $status"
fi
leftover=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's#^\.##' | grep -v '/$' |
    while read -r f; do [[ -e $f ]] && echo "$f"; done || true)
[[ -z $leftover ]] || fail "files left after purge: $leftover"
echo "removed and purged: no files left"

step "test-package.sh: all checks passed ($(basename "$deb"))"
