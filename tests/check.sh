#!/bin/bash
# tests/check.sh - `make check`: host unit tests, a short fuzz of every
# parser, then the end-to-end QEMU tests. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-out}
passed=0 failed=0 failures=()

record() { # name rc
	if [ "$2" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}
step() { # name command...
	local name=$1 t0=$SECONDS
	shift
	echo "==== $name"
	"$@"
	local rc=$?
	echo "==== $name: $([ $rc = 0 ] && echo ok || echo FAILED) in $((SECONDS - t0)) s"
	record "$name" $rc
	return $rc
}

step build make -s kernel-series kernel stock-kernel lockdep-kernel initramfs testroot || {
	echo "build failed; no end-to-end tests"
	echo "check: $passed passed, $failed failed"
	exit 1
}
step unit make -s unit
step nbd-live bash tests/unit/nbd_live.sh
step dhcp-live bash tests/unit/dhcp_live.sh
step lease-live bash tests/unit/lease_live.sh "$OUT/init"
step netswap-check bash tests/unit/netswap_check.sh
step netboot-root-mode bash tests/unit/netboot_root_mode.sh
step netboot-swap-servers bash tests/unit/netboot_swap_servers.sh
step initramfs-reproducible bash tests/initramfs_repro.sh
step initramfs-firmware bash tests/unit/initramfs_firmware.sh
step fuzz make -s fuzz-check
for t in ${E2E_TESTS:-tests/e2e/*.sh}; do
	case $(basename "$t") in bench.sh | torture.sh | faults.sh | systemd_root.sh | slurm_node.sh) continue ;; esac # own make targets
	step "e2e $(basename "$t" .sh)" bash "$t"
done
[ -f tests/e2e/torture.sh ] && step "e2e torture (short)" bash tests/e2e/torture.sh "$OUT" short
[ -f tests/e2e/faults.sh ] && step "e2e faults (short)" bash tests/e2e/faults.sh "$OUT" short

echo
[ $failed = 0 ] || echo "failed: ${failures[*]}"
echo "check: $passed passed, $failed failed"
[ $failed = 0 ]
