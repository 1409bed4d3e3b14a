# Sourced by the benchmarks: bench_bundle DIR BUSYBOX HOOK [JQ]: an OCI
# bundle in DIR whose rootfs holds BUSYBOX as /bin/busybox and which runs
# `busybox true` as root of a user namespace mapping host ids 100000-165535,
# with HOOK as its prestart hook (none if empty); JQ, if given, edits the
# config further (annotations, the hook's env).
bench_bundle() {
	mkdir -p "$1/rootfs/bin" "$1/rootfs/proc" "$1/rootfs/sys" "$1/rootfs/dev" "$1/rootfs/tmp"
	install -m 755 "$2" "$1/rootfs/bin/busybox"
	(cd "$1" && runc spec --rootless)
	jq --arg hook "$3" '.process.terminal=false | .process.args=["/bin/busybox","true"]
		| .linux.uidMappings=[{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings=[{"containerID":0,"hostID":100000,"size":65536}]
		| if $hook == "" then del(.hooks) else .hooks={"prestart":[{"path":$hook}]} end
		| '"${4:-.}" "$1/config.json" >"$1/c"
	mv "$1/c" "$1/config.json"
	chown -R 100000:100000 "$1/rootfs"
}
