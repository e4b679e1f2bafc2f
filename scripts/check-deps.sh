#!/usr/bin/env bash
# Would a clean Debian machine have every package this build (or this run) used?
#
#   scripts/check-deps.sh build BUILD_DIR PACKAGE...   a configured and built build folder
#   scripts/check-deps.sh files LIST PACKAGE...        absolute paths used at run time, one a
#                                                      line (LIST - = standard input)
#
# A development machine keeps every package ever installed on it, so a build can pass there and
# fail on a clean machine (a package that apt only *recommends*, skipped with
# --no-install-recommends, as libqt6opengl6-dev was). This takes the files the build used and
# asks dpkg which package owns each; every owner must be among PACKAGE..., their
# Depends/Pre-Depends closure, or what every Debian system has (the Essential packages and apt).
# The files a build used:
#  - the package configuration of every CMake package configure found (<Name>_DIR);
#  - every absolute path in the generated build rules: the compiler and tools, the libraries
#    linked, every CMake file configure read (a library CMake merely found, e.g. FindOpenGL's
#    GLU, is not used and not asked for);
#  - every header the compiler read (Ninja's dependency log, `ninja -t deps`);
#  - the shared libraries the built programs load (ldd).
# Alternatives are followed as apt does on a clean machine: the first one (a virtual package:
# its installed providers). Recommends are not followed. Needs no network: the closure comes
# from the packages installed here (the list's packages must be installed, as after
# scripts/install-deps.sh). Exit 1 with the list of what a clean machine would miss.
# CHECK_DEPS_USED_CACHE=FILE (build mode): the files used are collected once into FILE and read
# from it by the next check of the same build folder (tst_check_deps checks one build against
# two lists; collecting, mostly ldd of every program, is most of a check's time).
set -euo pipefail
export LC_ALL=C

usage() {
    echo "usage: $0 build BUILD_DIR PACKAGE... | $0 files LIST PACKAGE..." >&2
    exit 64
}
(($# >= 3)) || usage
mode=$1 source=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- The packages a clean machine would have: the list, Essential + apt, and their closure.
dpkg-query -W -f='${db:Status-Status}\t${Package}\t${Essential}\t${Provides}\t${Pre-Depends}, ${Depends}\n' \
    >"$work/status"
printf '%s\n' "$@" >"$work/wanted"
awk -F'\t' -v wantedfile="$work/wanted" '
    function strip(name) { sub(/^[ \t]+/, "", name); sub(/[ \t(:].*$/, "", name); return name }
    $1 == "installed" {
        installed[$2] = 1
        deps[$2] = $5
        if ($3 == "yes") base[$2] = 1
        n = split($4, provided, ",")
        for (i = 1; i <= n; i++) if ((p = strip(provided[i])) != "") providers[p] = providers[p] " " $2
    }
    END {
        base["apt"] = 1
        while ((getline name < wantedfile) > 0) {
            if (!(name in installed)) { print "not installed here: " name > "/dev/stderr"; bad = 1 }
            queue[++tail] = name
        }
        for (name in base) queue[++tail] = name
        for (head = 1; head <= tail; head++) {
            name = queue[head]
            if (name in seen) continue
            seen[name] = 1
            if (!(name in installed)) {
                # A virtual package: what provides it here.
                m = split(providers[name], prov, " ")
                for (j = 1; j <= m; j++) queue[++tail] = prov[j]
                continue
            }
            n = split(deps[name], group, ",")
            for (i = 1; i <= n; i++) {
                split(group[i], alternatives, "|")
                first = strip(alternatives[1])   # what apt picks on a clean machine
                if (first != "") queue[++tail] = first
            }
        }
        for (name in seen) if (name in installed) print name
        exit bad
    }' "$work/status" >"$work/closure" || {
    echo "install the list first (scripts/install-deps.sh)" >&2
    exit 64
}
# Every file of every package in the closure (dpkg's lists, one for each package).
lists=()
while IFS= read -r pkg; do
    for list in /var/lib/dpkg/info/"$pkg".list /var/lib/dpkg/info/"$pkg":*.list; do
        if [[ -f $list ]]; then lists+=("$list"); fi
    done
done <"$work/closure"
cat "${lists[@]}" >"$work/allowed"

# --- The files used: "path<TAB>what found it".
case $mode in
    build)
        build=$source
        cache=$build/CMakeCache.txt
        [[ -f $cache ]] || { echo "no $cache: configure first" >&2; exit 64; }
        if [[ -n ${CHECK_DEPS_USED_CACHE:-} && -s $CHECK_DEPS_USED_CACHE ]]; then
            cp "$CHECK_DEPS_USED_CACHE" "$work/used.raw"
        else
            {
                # CMake packages configure found: their configuration file.
                sed -n 's/^\([A-Za-z0-9_]*\)_DIR:PATH=\(\/.*\)$/\1 \2/p' "$cache" | sort -u |
                    while read -r name dir; do
                        lower=$(tr '[:upper:]' '[:lower:]' <<<"$name")
                        for config in "$dir/${name}Config.cmake" "$dir/$lower-config.cmake"; do
                            if [[ -f $config ]]; then
                                printf '%s\tconfigure (find_package %s)\n' "$config" "$name"
                            fi
                        done
                    done
                # Absolute paths in the build rules (tools, libraries linked, include flags).
                if compgen -G "$build/*.ninja" >/dev/null || [[ -f $build/Makefile ]]; then
                    find "$build" -maxdepth 3 \( -name '*.ninja' -o -name flags.make -o -name link.txt \) \
                        -print0 | xargs -0 -r grep -ohE '(^|[ ="'\''])/(usr|lib|bin|sbin|etc|opt)/[^ ;:"'\'')]+' |
                        sed 's/^[ ="'\'']//' | sort -u | sed 's/$/\tbuild rules/'
                fi
                # Headers the compiler read (after a build with Ninja).
                if [[ -f $build/.ninja_deps ]] && command -v ninja >/dev/null; then
                    ninja -C "$build" -t deps 2>/dev/null | sed -n 's/^    \(\/.*\)$/\1/p' | sort -u |
                        sed 's/$/\tcompiler (header)/'
                fi
                # Shared libraries the built programs load.
                find "$build" -type f -perm -u+x ! -name '*.so*' ! -path '*/CMakeFiles/*' -print0 |
                    while IFS= read -r -d '' exe; do
                        [[ $(head -c 4 "$exe" | od -An -c | tr -d ' ') == 177ELF ]] || continue
                        ldd "$exe" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' |
                            sed "s|\$|\tldd ${exe#"$build"/}|"
                    done
            } >"$work/used.raw"
            if [[ -n ${CHECK_DEPS_USED_CACHE:-} ]]; then cp "$work/used.raw" "$CHECK_DEPS_USED_CACHE"; fi
        fi
        ;;
    files)
        if [[ $source == - ]]; then cat; else cat "$source"; fi | grep '^/' |
            sed 's/$/\trun time/' >"$work/used.raw" || true
        ;;
    *) usage ;;
esac
# One line a path (the first reason kept); only files (directories are shared by packages).
awk -F'\t' '!seen[$1]++' "$work/used.raw" | while IFS=$'\t' read -r path why; do
    if [[ -f $path ]]; then printf '%s\t%s\n' "$path" "$why"; fi
done >"$work/used"
used_count=$(wc -l <"$work/used")
((used_count > 0)) || { echo "check-deps: no files used found in $source" >&2; exit 64; }

# Each file under its spellings: as named, lexically normalised, with symbolic links resolved
# (e.g. /usr/bin/c++ -> /etc/alternatives -> g++-12), each also with and without /usr (merged /usr).
cut -f1 "$work/used" | tr '\n' '\0' | xargs -0 realpath -s -m -- >"$work/lexical"
cut -f1 "$work/used" | tr '\n' '\0' | xargs -0 realpath -m -- >"$work/resolved"
paste "$work/used" "$work/lexical" "$work/resolved" | awk -F'\t' -v allowedfile="$work/allowed" '
    function spellings(p, out) {
        out[p] = 1
        if (p ~ /^\/usr\/(lib|lib64|bin|sbin)\//) out[substr(p, 5)] = 1
        else if (p ~ /^\/(lib|lib64|bin|sbin)\//) out["/usr" p] = 1
    }
    BEGIN { while ((getline line < allowedfile) > 0) allowed[line] = 1 }
    {
        delete s
        spellings($1, s); spellings($3, s); spellings($4, s)
        ok = 0
        for (p in s) if (p in allowed) ok = 1
        if (!ok) print $1 "\t" $2 "\t" $4
    }' >"$work/outside"

# Who owns what is outside the closure? (Files owned by no package — the build tree, /etc,
# /usr/local — are the project's or the machine's own, and not a package question.)
missing=0
if [[ -s $work/outside ]]; then
    # One dpkg query for all of them (each query reads dpkg's whole database).
    cut -f1,3 "$work/outside" | tr '\t' '\n' | sort -u | tr '\n' '\0' |
        xargs -0 dpkg -S 2>/dev/null | grep -v '^diversion' >"$work/owners" || true
    awk -F'\t' -v ownersfile="$work/owners" '
        BEGIN {
            while ((getline line < ownersfile) > 0) {
                split(line, parts, ": ")
                owner = parts[1]; sub(/[:,].*/, "", owner)
                owners[substr(line, length(parts[1]) + 3)] = owner
            }
        }
        {
            owner = ($1 in owners) ? owners[$1] : (($3 in owners) ? owners[$3] : "")
            if (owner != "" && !(owner in reported)) {
                reported[owner] = 1
                print "missing on a clean machine: " owner " (owns " $1 ", used by: " $2 ")"
            }
        }' "$work/outside" >"$work/report"
    if [[ -s $work/report ]]; then
        cat "$work/report"
        missing=1
    fi
fi

if ((missing == 0)); then
    echo "check-deps: the $used_count files used by $source come with the list ($(wc -l <"$work/closure") packages with their dependencies)"
else
    echo "check-deps: a clean machine given only the packages named would miss the packages above" >&2
fi
exit $missing
