#!/bin/bash
# kernel/build.sh VARIANT OUT
#
# Builds the node kernel from a source tarball and installs OUT/bzImage.
# VARIANT is "patched" (patches/series applied), "stock" (no patches; the
# negative control for tests and benchmarks), "lockdep" (patched, plus
# configs/lockdep.config: lock-order checking for the swap torture), or
# "series" (builds the series one patch at a time in one tree, so that every
# patch is known to build on its own; its last step is the patched kernel,
# which it caches as such).  Builds are cached
# under $NETSWAP_CACHE by a hash of the tarball, the patches, the config
# fragments and this script, so an unchanged rebuild only copies the image.
#
# Source: $KERNEL_TARBALL (with $KERNEL_SHA256) or Debian's linux-source-6.12.
set -euo pipefail

usage="usage: kernel/build.sh patched|stock|lockdep|series OUT"
variant=${1:?$usage}
out=${2:?$usage}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NETSWAP_CACHE:-$HOME/.cache/netswap}
fragments=${KERNEL_FRAGMENTS:-"$top/configs/base.config $top/configs/debug.config $top/configs/nics.config $top/configs/systemd.config $top/configs/swap.config"}
jobs=${JOBS:-$(nproc)}

die() { echo "kernel: error: $*" >&2; exit 1; }
say() { echo "kernel: $*"; }

case $variant in
patched|stock|series) ;;
lockdep) fragments="$fragments $top/configs/lockdep.config" ;;
*) die "variant must be patched, stock, lockdep or series, not '$variant'" ;;
esac

find_tarball() {
	if [ -n "${KERNEL_TARBALL:-}" ]; then
		[ -f "$KERNEL_TARBALL" ] || die "KERNEL_TARBALL=$KERNEL_TARBALL: no such file"
		[ -n "${KERNEL_SHA256:-}" ] || die "KERNEL_TARBALL needs KERNEL_SHA256=<hex> (the tarball's sha256)"
		local sum
		sum=$(sha256sum "$KERNEL_TARBALL" | cut -d' ' -f1)
		[ "$sum" = "${KERNEL_SHA256,,}" ] ||
			die "KERNEL_TARBALL=$KERNEL_TARBALL has sha256 $sum, expected KERNEL_SHA256=$KERNEL_SHA256; refusing to build"
		tarball=$KERNEL_TARBALL
		tarsum=$sum
		return
	fi
	tarball=/usr/src/linux-source-6.12.tar.xz
	[ -f "$tarball" ] || die "$tarball missing: install Debian's linux-source-6.12 (make deps) or pass KERNEL_TARBALL=<path> KERNEL_SHA256=<hex>"
	# Debian's package is trusted through apt; hash its identity, not its bytes.
	tarsum=$(stat -c '%s %Y' "$tarball" | sha256sum | cut -d' ' -f1)
}

patch_list() {
	[ "$variant" != stock ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$top/patches/series" | sed "s|^|$top/patches/|"
}

# A patch counts from its first "diff --git": rewording a commit message
# does not rebuild the kernel. Of this script, only the functions that make
# the image count: a new variant or message does not rebuild either.
build_key() {
	{
		echo "$tarsum"
		local p
		for p in $(patch_list); do sed -n '/^diff --git /,$p' "$p" | sha256sum; done
		for p in $fragments; do sha256sum <"$p"; done
		declare -f extract apply_patch configure compile | sha256sum
	} | sha256sum | cut -c1-16
}

extract() {
	local src=$1
	say "extracting $(basename "$tarball") into $src"
	rm -rf "$src.tmp" && mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	local p
	if [ "$variant" != series ]; then
		for p in $(patch_list); do apply_patch "$src.tmp" "$p"; done
	fi
	mv "$src.tmp" "$src"
}

apply_patch() {
	local src=$1 p=$2
	say "applying $(basename "$p")"
	if ! (cd "$src" && patch -p1 --forward --batch --no-backup-if-mismatch -s <"$p"); then
		(cd "$src" && find . -name '*.rej' | while read -r rej; do
			echo "kernel: rejected hunks of ${rej%.rej}:" >&2
			grep -E '^(@@|\*\*\*) ' "$rej" | sed 's/^/kernel:   /' >&2
		done)
		die "patch $(basename "$p") does not apply to $(basename "$tarball"); the hunks above did not apply (*.rej files under $src)"
	fi
}

configure() {
	local src=$1 obj=$2
	say "config: allnoconfig + $(for f in $fragments; do basename "$f"; done | tr '\n' ' ')"
	(cd "$src" && scripts/kconfig/merge_config.sh -n -O "$obj" $fragments) >"$obj.config.log" 2>&1 ||
		die "merge_config failed, see $obj.config.log"
	# merge_config.sh only warns; an option that did not stick is an error here.
	local f line sym missing=0
	for f in $fragments; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*) sym=${line%%=*} ;;
			"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; line="# $sym is not set" ;;
			*) continue ;;
			esac
			if ! grep -qxF -- "$line" "$obj/.config"; then
				echo "kernel: error: $(basename "$f") asks for '$line', the final .config has '$(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo "nothing")'" >&2
				missing=1
			fi
		done <"$f"
	done
	[ $missing = 0 ] || die "some options did not stick (a missing dependency?)"
}

compile() {
	local src=$1 obj=$2
	say "building bzImage with $jobs jobs (about 6 minutes on 2 cores); log: $obj/build.log"
	local t0=$SECONDS
	make -C "$src" O="$obj" -j"$jobs" bzImage >"$obj/build.log" 2>&1 </dev/null &
	local pid=$!
	while kill -0 $pid 2>/dev/null; do
		sleep 20
		printf 'kernel: %4ds, %5d objects compiled\n' $((SECONDS - t0)) "$(grep -c '^  CC ' "$obj/build.log" || true)"
	done
	wait $pid || { tail -30 "$obj/build.log" >&2; die "kernel build failed, see $obj/build.log"; }
	say "built in $((SECONDS - t0)) s"
}

# Every patch of the series on top of the ones before it, each step an
# incremental build of one tree: a bisection must never meet a patch that
# does not build.
build_series() {
	local src=$1 obj=$2 p n=0 total t0
	total=$(patch_list | wc -l)
	configure "$src" "$obj"
	for p in $(patch_list); do
		n=$((n + 1))
		apply_patch "$src" "$p"
		t0=$SECONDS
		make -C "$src" O="$obj" -j"$jobs" bzImage >"$obj/build.log" 2>&1 </dev/null ||
			{ tail -30 "$obj/build.log" >&2; die "the series does not build at patch $n/$total, $(basename "$p"); see $obj/build.log"; }
		say "patch $n/$total builds ($((SECONDS - t0)) s): $(basename "$p")"
	done
}

find_tarball
key=$(build_key)
dir=$cache/kernel/$variant-$key
mkdir -p "$out"
if [ "$variant" = series ]; then
	if [ -f "$dir/ok" ]; then
		say "every patch of this series built on its own before ($dir)"
		exit 0
	fi
	src=$cache/kernel/src-series-$key obj=$cache/kernel/obj-series-$key
	rm -rf "$src" "$obj" && mkdir -p "$obj"
	extract "$src"
	build_series "$src" "$obj"
	# The whole series, built as "patched" builds it: that image too.
	patched=$cache/kernel/patched-$key
	if [ ! -f "$patched/bzImage" ]; then
		mkdir -p "$patched.tmp"
		cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$patched.tmp/"
		rm -rf "$patched" && mv "$patched.tmp" "$patched"
	fi
	mkdir -p "$dir" && touch "$dir/ok"
	rm -rf "$src" "$obj"
	say "every patch of the series builds on its own; the last is cached as the patched kernel"
	exit 0
fi
if [ -f "$dir/bzImage" ]; then
	say "$variant kernel cached ($dir)"
else
	mkdir -p "$cache/kernel"
	src=$cache/kernel/src-$variant-$key
	obj=$cache/kernel/obj-$variant-$key
	[ -d "$src" ] || extract "$src"
	mkdir -p "$obj"
	configure "$src" "$obj"
	compile "$src" "$obj"
	mkdir -p "$dir.tmp"
	cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$dir.tmp/"
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
	# Keep one tree per variant: sources of older keys are dead weight.
	find "$cache/kernel" -maxdepth 1 \( -name "src-$variant-*" -o -name "obj-$variant-*" \) ! -name "*-$key" -exec rm -rf {} +
fi
cp "$dir/bzImage" "$out/bzImage"
cp "$dir/.config" "$out/kernel.config"
say "$out/bzImage ($(stat -c %s "$out/bzImage") bytes)"
