#!/bin/bash
# tests/run-demo.sh OUT [shell] - `make run`: a real nbd-server on loopback
# with a root export and a swap export, and a demo node in QEMU (TCG) that
# gets DHCP, swaps over NBD, pivots to the root and pushes its memory to
# 3x its RAM, verifying every page. Ctrl-C stops QEMU and the server.
# ROOT=<image> boots that root instead (make rootfs: out/rootfs.ext4, a
# Debian root with systemd), with 256 MiB (DEMO_MEM) and no hog: read-only
# over NBD below a tmpfs overlay the node writes to (rootovl), or, with
# ROOT_MODE=ro, read-only. DEMO_ROOT_OPTS= adds words to the command line.
set -euo pipefail
export OUT=$1
mode=${2:-demo}
TEST_NAME=run
. "$(dirname "$0")/lib.sh"

root_img=${ROOT:-}
if [ -n "$root_img" ]; then
	[ -f "$root_img" ] || { echo "run: ROOT=$root_img: no such image (make rootfs builds out/rootfs.ext4)" >&2; exit 1; }
	# a distribution root must be writable (machine-id, /var, logs)
	case ${ROOT_MODE:-overlay} in
	overlay) root_opts=rootovl ;;
	ro) root_opts= ;;
	*) echo "run: ROOT_MODE=$ROOT_MODE: expected overlay (the node writes to a tmpfs overlay on the read-only root) or ro" >&2; exit 1 ;;
	esac
	root_img=$(realpath "$root_img") # nbd-server runs from /
	mem=${DEMO_MEM:-256}
else
	root_img=$TESTROOT_IMG
	mem=${DEMO_MEM:-96}
fi
hog_mib=${DEMO_HOG_MIB:-$((mem * 3))}
sparse_file "$T/swap.img" 1G
nbd_server root="$root_img:ro" swap="$T/swap.img"

append="ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root"
if [ -n "${ROOT:-}" ]; then
	append+=" $root_opts ${DEMO_ROOT_OPTS:-}"
	echo "run: booting a ${mem} MiB node with root $root_img: $append"
	echo "run: log in as root (no password in make rootfs's image); poweroff ends it, Ctrl-C stops everything"
	mode=real
else
	if [ "$mode" = shell ]; then
		nstest=shell
	else
		nstest="hog -m $hog_mib -p 0 -j 2; cat /proc/swaps; free -m"
	fi
	append+=" nstest=\"$nstest\""
	echo "run: booting a ${mem} MiB node: $append"
	echo "run: the hog will write and verify $hog_mib MiB; Ctrl-C stops everything"
fi
# shellcheck disable=SC2046
qemu-system-x86_64 $(qemu_accel) -m "$mem" -smp 2 -no-reboot -display none \
	-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 panic=-1 $append" \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
	-chardev stdio,id=c0,signal=on -serial chardev:c0 -monitor none | tee "$T/run.console"
if grep -q "hog: RESULT ok" "$T/run.console"; then
	echo "run: $(grep -o 'hog: RESULT.*' "$T/run.console" | tr -d '\r')"
elif [ "$mode" = demo ]; then
	echo "run: the demo did not finish with every page verified" >&2
	exit 1
fi
