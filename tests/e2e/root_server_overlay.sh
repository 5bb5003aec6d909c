#!/bin/bash
# The per-node overlays on the server of "A writable root": one base ext4
# root; node a's root is qemu-nbd over a qcow2 overlay of it, node b's is
# nbdkit's cow filter over it; both `rw`, both with NBD swap, booted at
# once. Each writes a file naming itself to /, swaps (the verifying hog)
# and remounts / read-only. Afterwards each overlay, read back, is a clean
# ext4 holding its node's file and not the other's, and the base is
# byte-identical.
. "$(dirname "$0")/../lib.sh"

cp --sparse=always "$TESTROOT_IMG" "$T/root.ext4"
before=$(sha256sum <"$T/root.ext4")
sparse_file "$T/swap-a.img" 128M
sparse_file "$T/swap-b.img" 128M
nbd_server swap-a="$T/swap-a.img" swap-b="$T/swap-b.img"

qemu-img create -q -f qcow2 -b "$T/root.ext4" -F raw "$T/a.qcow2" || fail "cannot create the qcow2 overlay of the base"
QNBD_PORT=$(free_port)
# --persistent: qemu-nbd would exit when its first client leaves, and a
# keeper reconnect would find no server
qemu-nbd --fork --pid-file "$T/qemu-nbd.pid" --persistent -f qcow2 -b 127.0.0.1 -p "$QNBD_PORT" \
	-x root "$T/a.qcow2" >"$T/qemu-nbd.log" 2>&1 || fail "qemu-nbd did not start: $(cat "$T/qemu-nbd.log")"
QNBD_PID=$(cat "$T/qemu-nbd.pid") || fail "qemu-nbd wrote no pid file"
track_pid "$QNBD_PID"
NBDKIT_FILTERS=--filter=cow nbdkit_start "$T/root.ext4" 0
log "qemu-nbd pid $QNBD_PID on 127.0.0.1:$QNBD_PORT, nbdkit (cow) pid $KIT_PID on 127.0.0.1:$KIT_PORT"

# node_boot NAME ROOT_PORT. The test root's init ends in poweroff -f, which
# unmounts nothing: / is remounted read-only first, which flushes ext4's
# journal, so the overlay must hold a clean file system.
node_boot() {
	local nstest="echo node $1 >/node-$1; sync; cat /node-$1; grep ' / ' /proc/mounts | sed 's/^/ROOT: /'; hog -m 160 -p 0; sync; mount -o remount,ro / && echo ROOT: remounted ro"
	QEMU_MEM=96 qemu_boot "$1" "ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap-$1 root=nbd:10.0.2.2:$2/root rw nstest=\"$nstest\""
}

# node_ran NAME: it wrote to its read-write NBD root, swapped, every page
# verified, and its root was read-only before it powered off.
node_ran() {
	wait_console "$1" "TESTROOT: done" 420 || fail "node $1 did not reach its real init's end"
	console_has "$1" "^ROOT: /dev/nbd[0-9]+ / ext4 rw," || fail "node $1's root is not a read-write NBD ext4: $(console_line "$1" '^ROOT: ')"
	console_has "$1" "^node $1$" || fail "node $1 could not write to its root"
	console_has "$1" "hog: .*swap used [0-9]{2,}" || fail "node $1 did not swap"
	console_has "$1" "hog: RESULT ok" || fail "node $1's hog did not verify every page"
	console_has "$1" "$SWAP_BAD_RE" && fail "node $1: $(console_line "$1" "$SWAP_BAD_RE")"
	console_has "$1" "^ROOT: remounted ro" || fail "node $1 could not remount its root read-only"
	stop_qemu "$1" 60
}

# image_check NAME RAW: RAW, node NAME's root read back from its server,
# is a clean ext4 holding what NAME wrote and no other node's file.
image_check() {
	local files rc=0 extra
	# e2fsck -n exits 0 even when the journal needs recovery (a warning,
	# then free counts it may not fix): clean prints only the banner, the
	# passes and the summary
	e2fsck -fn "$2" >"$T/$1.fsck" 2>&1 || rc=$?
	extra=$(grep -vE '^(e2fsck [0-9]|Pass [1-5]|[^ ]+: [0-9]+/[0-9]+ files)' "$T/$1.fsck" | grep . | head -n 4 | tr '\n' ' ')
	if [ "$rc" != 0 ] || [ -n "$extra" ]; then fail "node $1's root is not clean (e2fsck -fn: $rc): $extra"; fi
	[ "$(debugfs -R "cat /node-$1" "$2" 2>/dev/null)" = "node $1" ] || fail "node $1's overlay lacks what it wrote"
	files=$(debugfs -R "ls -p /" "$2" 2>/dev/null | cut -d/ -f6 | grep '^node-' | tr '\n' ' ')
	[ "$files" = "node-$1 " ] || fail "node $1's overlay holds /node-* files: $files"
}

node_boot a "$QNBD_PORT"
node_boot b "$KIT_PORT"
node_ran a
node_ran b

# the qcow2 file itself, once qemu-nbd has closed it: it keeps the node's root
stop_pid "$QNBD_PID"
qemu-img convert -f qcow2 -O raw "$T/a.qcow2" "$T/a.raw" || fail "cannot read node a's qcow2 overlay"
image_check a "$T/a.raw"
# the cow filter keeps writes only while its nbdkit lives: read them through it
qemu-img convert -f raw -O raw "nbd://127.0.0.1:$KIT_PORT/root" "$T/b.raw" || fail "cannot read node b's root from nbdkit"
image_check b "$T/b.raw"
nbdkit_stop
[ "$(sha256sum <"$T/root.ext4")" = "$before" ] || fail "the base image changed"
pass "qcow2 under qemu-nbd and nbdkit's cow filter: each node's writes in its own overlay, clean, base unchanged"
