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

step "Tools and build ($build_dir)"
"$root/scripts/install-deps.sh" package
if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    # Debian's build flags with all hardening: -O2, fortify, stack protector, relro, bindnow.
    export DEB_BUILD_MAINT_OPTIONS=hardening=+all
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
    if [[ ${state_existed:-true} == false ]]; then
        "${SUDO[@]}" rm -rf /var/lib/viralspot-admin
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

step "Run-time dependencies: what the installed program loads comes with its Depends"
# dpkg-shlibdeps (CPack) names the libraries the executable links; Qt loads more at run time
# that no linker records: the SQL drivers, the platform plugin, image formats. Every file the
# installed program maps — running `serve` on SQLite (and PostgreSQL when
# VIRALSPOT_TEST_PG_URL is set) and its window on a private Xvfb display — and the drivers and
# platform plugins it may load must belong to the package, its Depends or their closure (what
# `apt-get install` brings to a clean machine: scripts/check-deps.sh).
mapfile -t depends < <(dpkg-deb --field "$deb" Pre-Depends Depends | sed 's/^[A-Za-z-]*: //' |
    tr ',' '\n' | sed 's/|.*//; s/(.*//; s/:any//; s/[[:space:]]//g' | grep .)
echo "Depends: ${depends[*]}"
runtime=$(mktemp)
"$root/scripts/loaded-files.sh" /usr/bin/viralspot-admin >"$runtime" || fail "the installed program did not run"
ldd /usr/bin/viralspot-admin | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' >>"$runtime"
for plugin in sqldrivers/libqsqlite.so sqldrivers/libqsqlpsql.so platforms/libqoffscreen.so \
    platforms/libqxcb.so; do
    file=$(qtpaths6 --query QT_INSTALL_PLUGINS 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/qt6/plugins)/$plugin
    [[ -f $file ]] || fail "no $file"
    echo "$file" >>"$runtime"
done
deps_status=0
"$root/scripts/check-deps.sh" files "$runtime" viralspot-admin "${depends[@]}" || deps_status=$?
rm -f "$runtime"
((deps_status == 0)) || fail "the package's Depends miss what it loads (above)"

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

# start_serve NAME COMMAND...: starts a server in the background, sets serve_pid and url (from
# its "listening on" line).
start_serve() {
    local name=$1
    shift
    "$@" >"$work/$name.out" 2>"$work/$name.err" &
    serve_pid=$!
    url=
    for _ in $(seq 1 100); do
        url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/$name.out")
        [[ -n $url ]] && return 0
        kill -0 "$serve_pid" 2>/dev/null || break
        sleep 0.1
    done
    fail "$name printed no listening line: $(cat "$work/$name.out" "$work/$name.err")"
}
stop_serve() {
    local status=0
    kill -TERM "$serve_pid"
    wait "$serve_pid" || status=$?
    serve_pid=
    ((status == 0)) || fail "serve exited $status on SIGTERM"
}

start_serve serve /usr/bin/viralspot-admin serve --database "sqlite:$db" --port 0
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
stop_serve
echo "serve: stopped cleanly on SIGTERM"

step "The service's command as the viralspot user (configuration, token, state directory)"
# systemd is not PID 1 in a container: run ExecStart's command line the way the unit does, with
# the packaged configuration, as the service user, in the state directory systemd would create.
state=/var/lib/viralspot-admin
state_existed=false
[[ -d $state ]] && state_existed=true
"${SUDO[@]}" install -d -o viralspot -g viralspot -m 0750 "$state"
set -a
# shellcheck source=/dev/null
source <("${SUDO[@]}" cat /etc/viralspot-admin/viralspot-admin.conf)
set +a
[[ $VIRALSPOT_DATABASE_URL == "sqlite:$state/queue.sqlite" ]] ||
    fail "unexpected default database URL: $VIRALSPOT_DATABASE_URL"
# shellcheck disable=SC2086 # VIRALSPOT_SERVE_OPTIONS is split at white space, as systemd does
start_serve service "${SUDO[@]}" setpriv --reuid viralspot --regid viralspot --init-groups \
    env HOME="$state" XDG_DATA_HOME=/var/lib VIRALSPOT_DATABASE_URL="$VIRALSPOT_DATABASE_URL" /usr/bin/viralspot-admin serve \
    --bind "$VIRALSPOT_BIND" --port 0 --token-file "$VIRALSPOT_TOKEN_FILE" $VIRALSPOT_SERVE_OPTIONS
echo "service: listening on $url as $(ps -o user= -p "$(pgrep -P "$serve_pid" -n || echo "$serve_pid")" | tr -d ' ')"
token=$("${SUDO[@]}" cat "$VIRALSPOT_TOKEN_FILE")
anonymous=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/profile/natgeo/request?source=service")
[[ $anonymous == 401 ]] || fail "a request without the token got $anonymous, not 401"
authorized=$(curl -fsS -X POST -H "Authorization: Bearer $token" \
    "$url/api/profile/natgeo/request?source=service") || fail "the request with the token failed"
grep -q '"queued": *true' <<<"$authorized" || fail "with the token: $authorized"
[[ $(stat -c %U "$state/queue.sqlite") == viralspot ]] || fail "the database is not the user's"
stop_serve
echo "service: 401 without the token, queued with it, database $state/queue.sqlite owned by viralspot"
if [[ $state_existed == false ]]; then
    "${SUDO[@]}" rm -rf "$state"
    state_existed=true
fi

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
