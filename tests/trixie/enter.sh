#!/bin/bash
# enter.sh - run a command inside a Debian root (tests/trixie/root.sh makes
# one), as real root in the host's user namespace, with the root's own
# programs and libraries.
#
# Usage: enter.sh ROOT [--rw PATH | --ro PATH]... [--] CMD [ARG...]
#
#   --rw PATH, --ro PATH  the host's PATH (a directory or a file) at the same
#                         path inside, writable or read-only; in the order
#                         given, so a --rw beneath a --ro stays writable.
#
# How (.ci and tests/trixie/run.sh rely on all of it):
# - ROOT itself is never written: a throwaway overlay (upper layer on a
#   tmpfs) lies over it, so every entry starts from the same root, and two
#   entries at once do not meet.  /tmp, /run and /dev/shm are fresh tmpfs;
#   /proc is the new pid namespace's; /sys and /dev are the host's.
# - pivot_root, not chroot: the kernel refuses new user namespaces to a
#   chrooted process (podman: "clone: Operation not permitted").
# - A new pid namespace whose init stays in the HOST's mount namespace: the
#   suites read the host's mounts as /proc/1/mountinfo, and that is still
#   true inside.  When CMD ends, the init exits and the kernel kills every
#   process left in the namespace (a daemon a test did not stop, a
#   container), so nothing outlives the command.  Mounts die with the
#   private mount namespace; nothing is mounted in the host's.
# - The environment is passed on as it is, but PATH is the root's and HOME
#   is /root.
# Exit status: CMD's.
set -euo pipefail

die() {
	printf 'enter.sh: %s\n' "$*" >&2
	exit 2
}

if [[ ${1:-} == --inside ]]; then
	# Below: the private mount namespace (pid 2 of the new pid namespace).
	shift
	top=$1 root=$2
	shift 2
	mount -t tmpfs -o mode=0700 nsb-trixie "$top"
	mkdir "$top/upper" "$top/work" "$top/root"
	mount -t overlay nsb-trixie -o "lowerdir=$root,upperdir=$top/upper,workdir=$top/work" "$top/root"
	new=$top/root
	mount -t proc proc "$new/proc"
	mount --rbind /sys "$new/sys"
	mount --rbind /dev "$new/dev"
	mount -t tmpfs -o mode=1777,nosuid,nodev nsb-trixie "$new/dev/shm"
	mount -t tmpfs -o mode=0755,nosuid,nodev nsb-trixie "$new/run"
	mount -t tmpfs -o mode=1777 nsb-trixie "$new/tmp"
	while [[ $# -gt 0 && $1 != -- ]]; do
		mode=$1 path=$2
		shift 2
		if [[ -d $path ]]; then
			mkdir -p "$new$path"
		else
			mkdir -p "$(dirname "$new$path")"
			[[ -e $new$path ]] || : >"$new$path"
		fi
		mount --rbind "$path" "$new$path"
		[[ $mode == --rw ]] || mount -o remount,bind,ro "$new$path"
	done
	shift
	mkdir -p "$new/.nsb-oldroot"
	cd "$new"
	pivot_root . .nsb-oldroot
	cd /
	umount -l /.nsb-oldroot
	rmdir /.nsb-oldroot
	# As on a systemd host, where rootless podman and rootlesskit expect
	# it ("/" is not a shared mount): a peer group of this namespace's own,
	# nothing propagates to the host's mounts (copied private above).
	mount --make-rshared /
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
	exec "$@"
fi

[[ $# -ge 2 ]] || die "usage: enter.sh ROOT [--rw PATH | --ro PATH]... [--] CMD [ARG...]"
[[ $(id -u) -eq 0 ]] || die "must run as root"
root=$(cd "$1" && pwd -P) || die "no root $1"
shift
[[ -x $root/bin/sh && -d $root/proc && -d $root/sys && -d $root/dev ]] ||
	die "$root does not look like a Debian root (tests/trixie/root.sh makes one)"
binds=()
while [[ $# -gt 0 ]]; do
	case $1 in
	--rw | --ro)
		[[ $# -ge 2 ]] || die "$1 needs a path"
		[[ -e $2 ]] || die "$1 $2: no such file or directory"
		binds+=("$1" "$(realpath "$2")")
		shift 2
		;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
[[ $# -gt 0 ]] || die "no command"

top=$(mktemp -d /tmp/nsb-trixie.XXXXXX)
trap 'rmdir "$top" 2>/dev/null || true' EXIT
# A shared lock: root.sh rebuilds ROOT only under an exclusive one.
exec 9<"$root"
flock -s 9
self=$(realpath "$0")
# pid 1 of the new pid namespace: a bash that stays in the host's mount
# namespace and waits for the rest (not exec'd into: see above).  Not
# exec'd here either: the mount point goes once all is over.  A signal is
# passed on to unshare, whose death takes the whole pid namespace with it
# (--kill-child), before the mount point is removed.
unshare --pid --fork --kill-child -- \
	bash -c 'rc=0; "$@" || rc=$?; exit "$rc"' init \
	unshare --mount --propagation private -- \
	bash "$self" --inside "$top" "$root" "${binds[@]}" -- "$@" &
child=$!
# (unshare 2.38 then ends its child and exits 0: say it was stopped)
stopped=
trap 'stopped=1; kill -TERM "$child" 2>/dev/null || true' TERM INT HUP
rc=0
while :; do
	wait "$child" && rc=0 || rc=$?
	kill -0 "$child" 2>/dev/null || break
done
[[ -z $stopped ]] || rc=143
exit "$rc"
