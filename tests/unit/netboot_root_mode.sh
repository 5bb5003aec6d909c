#!/bin/bash
# make netboot's ROOT_MODE: overlay serves the root read-only and puts
# rootovl on the nodes' command line; cow warns about nbd#177; a bad mode
# is refused naming the choices. Needs OUT/bzImage and OUT/initramfs.img.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=${OUT:-out}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
CHECK_NAME="netboot ROOT_MODE"
. tests/unit/checks.sh
build() { # MODE -> $d/MODE.log, tree in $d/MODE
	ROOT_MODE=$1 NETBOOT_DIR=$d/$1 SWAP_DIR=$d/swap bash netboot/build.sh "$out" 10.0.2.2 10809 >"$d/$1.log" 2>&1
}
build overlay
check "overlay builds" [ $? = 0 ]
check "overlay adds rootovl" grep -q 'command line: .* root=nbd:10.0.2.2:10809/root rootovl$' "$d/overlay.log"
check "overlay serves the root read-only" bash -c "awk '/^\\[/ { in_root = (\$0 == \"[root]\") } in_root' '$d/overlay/nbd-server.conf' | grep -q 'readonly = true'"
check "overlay: pxelinux gets rootovl" grep -q 'rootovl' "$d/overlay/tftp/pxelinux.cfg/default"
build cow
check "cow warns about nbd#177" grep -q 'warning: ROOT_MODE=cow: .*nbd#177.*ROOT_MODE=overlay' "$d/cow.log"
build ro
check "ro has no rootovl" bash -c "! grep -q rootovl '$d/ro.log'"
build bad
check "a bad mode is refused" grep -q "error: ROOT_MODE='bad': expected ro .*, overlay .* or cow" "$d/bad.log"
exit $failed
