#!/usr/bin/env bash
# Runs a README command on a clean Debian 12 machine made here: a minimal Debian 12 system
# (debootstrap --variant=minbase: the Essential packages and apt, less than a fresh install
# has) in a folder, this repository cloned into it, and the command run inside it with chroot.
# It catches what the development machine hides because it keeps every package ever installed
# on it (a package only recommended, a tool assumed present). Needs root, debootstrap (installed
# here when missing) and Debian's archive; ~45 s to make the system, then the command.
#
#   scripts/clean-machine.sh [--keep] [DIR] [-- COMMAND...]
#
# DIR: where the system is made (default: a new folder under /var/tmp; an existing DIR is
# reused as it is — a second run there is not clean). COMMAND: run in the clone (default
# `bash .ci/run`, i.e. scripts/test.sh; e.g. `-- bash scripts/run.sh`, which starts the
# headless endpoint there: no display). The clone is of this repository's HEAD; ../shared is
# copied beside it when it exists (as CI lays it out). Without --keep the folder is removed at
# the end. The exit status is the command's; its time is printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=false
dir=
command=(bash .ci/run)
while (($# > 0)); do
    case $1 in
        --keep) keep=true ;;
        --) shift; command=("$@"); break ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) dir=$1 ;;
    esac
    shift
done
[[ $(id -u) -eq 0 ]] || { echo "clean-machine.sh: run it as root (debootstrap, chroot)" >&2; exit 64; }
command -v debootstrap >/dev/null || apt-get install -y -q --no-install-recommends debootstrap
made=false
if [[ -z $dir ]]; then
    dir=$(mktemp -d /var/tmp/viralspot-clean.XXXXXX)
    chmod 755 "$dir" # a system's root folder: apt's own user must reach its folders
fi
mounts=(proc sys dev dev/pts dev/shm)
cleanup() {
    local m
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        m=$dir/${mounts[i]}
        if mountpoint -q "$m"; then umount -l "$m" || true; fi
    done
    if ! $keep && $made; then rm -rf --one-file-system "$dir"; fi
}
trap cleanup EXIT
if [[ ! -x $dir/usr/bin/apt-get ]]; then
    made=true
    echo "== debootstrap --variant=minbase bookworm $dir"
    debootstrap --variant=minbase bookworm "$dir" http://deb.debian.org/debian >"$dir.debootstrap.log" 2>&1 ||
        { tail -n 20 "$dir.debootstrap.log" >&2; exit 1; }
    rm -f "$dir.debootstrap.log"
    # The archive as this machine has it (updates and security as on an installed system).
    if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
        rm -f "$dir/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/*.sources "$dir/etc/apt/sources.list.d/"
    fi
fi
cp /etc/resolv.conf "$dir/etc/resolv.conf"
for m in "${mounts[@]}"; do
    mountpoint -q "$dir/$m" || mount --bind "/$m" "$dir/$m"
done
work=/srv/viralspot
rm -rf "$dir$work"
mkdir -p "$dir$work"
git clone -q "$root" "$dir$work/main"
if [[ -d $root/../shared ]]; then cp -a "$root/../shared" "$dir$work/shared"; fi
echo "== in the clean system: ${command[*]}"
started=$SECONDS
status=0
chroot "$dir" env -i HOME=/root LANG=C.UTF-8 CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c 'cd "$0" && exec "$@"' "$work/main" "${command[@]}" || status=$?
echo "== clean machine: exit $status after $((SECONDS - started)) s"
exit $status
