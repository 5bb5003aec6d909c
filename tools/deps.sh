#!/bin/bash
# tools/deps.sh [GROUP...] - installs the Debian packages netswap needs that
# are missing, so `make run` and `make check` work on a fresh Debian 12.
# Groups: build (kernel, init, image), run (QEMU and NBD servers), test
# (everything the tests start), rootfs (make rootfs), all (default).
set -euo pipefail

build="make gcc libc6-dev bc flex bison libelf-dev libssl-dev xz-utils zstd cpio
       linux-source-6.12 musl-tools busybox-static e2fsprogs"
run="qemu-system-x86 qemu-utils nbd-server nbdkit iproute2 procps python3"
rootfs="mmdebstrap"
test="clang nfs-ganesha nfs-ganesha-vfs rpcbind dnsmasq-base ipxe-qemu pxelinux
      syslinux-common ipxe ovmf lighttpd cryptsetup-bin gnuplot-nox fio"

want=""
for g in "${@:-all}"; do
	case $g in
	build) want+=" $build" ;;
	run) want+=" $build $run" ;;
	rootfs) want+=" $build $rootfs" ;;
	test | all) want+=" $build $run $rootfs $test" ;;
	*) echo "deps: unknown group '$g' (build, run, rootfs, test, all)" >&2; exit 2 ;;
	esac
done

missing=()
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to apt-get install: run as root or install them by hand" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services some packages start (ganesha, rpcbind, nbd-server) are not
# wanted: tests start their own on loopback.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
