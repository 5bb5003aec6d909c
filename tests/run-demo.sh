#!/bin/bash
# tests/run-demo.sh OUT [shell] - `make run`: a real nbd-server on loopback
# with a root export and a swap export, and a demo node in QEMU (TCG) that
# gets DHCP, swaps over NBD, pivots to the root and pushes its memory to
# 3x its RAM, verifying every page. Ctrl-C stops QEMU and the server.
set -euo pipefail
export OUT=$1
mode=${2:-demo}
TEST_NAME=run
. "$(dirname "$0")/lib.sh"

mem=${DEMO_MEM:-96}
hog_mib=${DEMO_HOG_MIB:-$((mem * 3))}
sparse_file "$T/swap.img" 1G
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"

if [ "$mode" = shell ]; then
	nstest=shell
else
	nstest="hog -m $hog_mib -p 0 -j 2; cat /proc/swaps; free -m"
fi
append="ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$nstest\""
echo "run: booting a ${mem} MiB node: $append"
echo "run: the hog will write and verify $hog_mib MiB; Ctrl-C stops everything"
# shellcheck disable=SC2046
qemu-system-x86_64 $(qemu_accel) -m "$mem" -smp 2 -no-reboot -display none \
	-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 panic=-1 $append" \
	-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
	-chardev stdio,id=c0,signal=on -serial chardev:c0 -monitor none | tee "$T/run.console"
if grep -q "hog: RESULT ok" "$T/run.console"; then
	echo "run: $(grep -o 'hog: RESULT.*' "$T/run.console" | tr -d '\r')"
elif [ "$mode" != shell ]; then
	echo "run: the demo did not finish with every page verified" >&2
	exit 1
fi
