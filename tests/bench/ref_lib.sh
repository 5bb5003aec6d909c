# tests/bench/ref_lib.sh - what the reference initramfs builders share:
# OUT, the output folder ref, a private work folder removed on exit, and
# Debian packages unpacked into a private root, never installed. Source it
# from a script that has set -euo pipefail and takes OUT as $1.
OUT=$(realpath "${1:-out}")
ref=$OUT/bench/ref
work=$(mktemp -d /tmp/netswap-ref.XXXXXX)
trap 'rm -rf "$work"' EXIT
R=$work/root
mkdir -p "$ref" "$R"

kernel_version() { # the version string a bzImage carries (offset 0x20e + 0x200)
	local off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 0x200)) count=64 status=none | tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

# unpack_debs PACKAGE...: apt-get download into $work, dpkg-deb -x into $R.
unpack_debs() {
	(cd "$work" && timeout 300 apt-get download "$@" >/dev/null 2>&1) || return 1
	local d
	for d in "$work"/*.deb; do dpkg-deb -x "$d" "$R"; done
}
