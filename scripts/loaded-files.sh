#!/usr/bin/env bash
# Prints the files a viralspot-admin executable has mapped while it runs — its libraries and
# the ones Qt loads at run time, which no linker records (the SQL drivers, the platform plugin,
# image formats, fonts) — for scripts/check-deps.sh files:
#
#   scripts/loaded-files.sh BINARY | scripts/check-deps.sh files - PACKAGE...
#
# Runs, each on a fresh SQLite file in a temporary home: `serve` (until it listens); `serve` on
# PostgreSQL when VIRALSPOT_TEST_PG_URL is set (the QPSQL driver and libpq); and, when the
# executable has a window and Xvfb is installed, the window on a private X display with Qt's
# xcb platform, as on a desktop.
# Left out: what Qt loads only because it is there and does without — the plugins it finds by
# scanning a folder (image formats, icon engines, input contexts, themes, styles, TLS
# backends) with the libraries only they bring, and libXcursor (with its libXrender), which
# the xcb platform opens by name when present. The platform plugin and SQL drivers stay.
set -euo pipefail
bin=${1:?usage: loaded-files.sh BINARY}
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_DATA_HOME=$work/home/.local/share
export XDG_RUNTIME_DIR=$work/run LANG=C.UTF-8
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

maps_of() { # PID: the files it maps
    awk '$6 ~ /^\// {print $6}' "/proc/$1/maps" 2>/dev/null | sort -u
}

# wait_for PID PATTERN FILE: until FILE (its output) or its maps match PATTERN (20 s at most).
wait_for() {
    local pid=$1 pattern=$2 file=$3 _
    for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || { echo "loaded-files: $bin exited early:" >&2; cat "$file" >&2; return 1; }
        if grep -qE "$pattern" "$file" 2>/dev/null || maps_of "$pid" | grep -qE "$pattern"; then
            return 0
        fi
        sleep 0.1
    done
    echo "loaded-files: $bin did not reach /$pattern/ in 20 s" >&2
    return 1
}

run_serve() { # NAME DATABASE-URL
    "$bin" serve --database "$2" --port 0 >"$work/$1.out" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait_for "$pid" '^listening on' "$work/$1.out"
    maps_of "$pid" >>"$work/mapped"
    kill "$pid"
}

"$bin" --version >/dev/null
run_serve serve-sqlite "sqlite:$work/queue.sqlite"
if [[ -n ${VIRALSPOT_TEST_PG_URL:-} ]]; then
    run_serve serve-postgresql "$VIRALSPOT_TEST_PG_URL"
fi

if ldd "$bin" | grep -q libQt6Widgets && command -v Xvfb >/dev/null; then
    Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x800x24 3>"$work/display" >/dev/null 2>&1 &
    pids+=("$!")
    for _ in $(seq 1 100); do
        [[ -s $work/display ]] && break
        sleep 0.1
    done
    [[ -s $work/display ]] || { echo "loaded-files: Xvfb did not start" >&2; exit 1; }
    DISPLAY=:$(tr -d '\n' <"$work/display") QT_QPA_PLATFORM=xcb \
        "$bin" --database "sqlite:$work/window.sqlite" >"$work/window.out" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_for "$pid" 'platforms/libqxcb\.so' "$work/window.out"
    # The window maps its fonts and styles once it has painted: give it that moment.
    for _ in $(seq 1 50); do
        maps_of "$pid" | grep -qE '\.(ttf|otf|pfb)$' && break
        sleep 0.1
    done
    sleep 1
    maps_of "$pid" >>"$work/mapped"
fi

# What Qt loads only when present (above): the optional plugins, and the libraries that only
# they need (not the executable, not the platform plugin or SQL drivers).
libs_of() { xargs -r ldd 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | xargs -r realpath -e | sort -u; }
sort -u -o "$work/mapped" "$work/mapped"
optional='/plugins/(imageformats|iconengines|platforminputcontexts|platformthemes|styles|tls|networkinformation)/'
grep -E "$optional" "$work/mapped" >"$work/optional" || true
{ echo "$bin"; grep -E '/plugins/(platforms|sqldrivers)/' "$work/mapped" || true; } | libs_of >"$work/needed"
libs_of <"$work/optional" | grep -vxF -f "$work/needed" >>"$work/optional" || true
grep -E '/lib(Xcursor|Xrender)\.so' "$work/mapped" >>"$work/optional" || true
xargs -r realpath -e <"$work/optional" >>"$work/optional" 2>/dev/null || true
tr '\n' '\0' <"$work/mapped" | xargs -0 -r realpath -m -- | paste "$work/mapped" - |
    awk -F'\t' -v optionalfile="$work/optional" '
        BEGIN { while ((getline line < optionalfile) > 0) optional[line] = 1 }
        !($1 in optional) && !($2 in optional) { print $1 }'
