#!/bin/bash
# kernel/build.sh VARIANT OUT
#
# Builds the node kernel from a source tarball and installs OUT/bzImage.
# VARIANT is "patched" (patches/series applied) or "stock" (no patches; the
# negative control for tests and benchmarks).  Builds are cached under
# $NETSWAP_CACHE by a hash of the tarball, the patches, the config fragments
# and this script, so an unchanged rebuild only copies the cached image.
#
# Source: $KERNEL_TARBALL (with $KERNEL_SHA256) or Debian's linux-source-6.12.
set -euo pipefail

variant=${1:?usage: kernel/build.sh patched|stock OUT}
out=${2:?usage: kernel/build.sh patched|stock OUT}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NETSWAP_CACHE:-$HOME/.cache/netswap}
fragments=${KERNEL_FRAGMENTS:-"$top/configs/base.config $top/configs/debug.config"}
jobs=${JOBS:-$(nproc)}

die() { echo "kernel: error: $*" >&2; exit 1; }
say() { echo "kernel: $*"; }

case $variant in patched|stock) ;; *) die "variant must be patched or stock, not '$variant'";; esac

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
	[ "$variant" = patched ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$top/patches/series" | sed "s|^|$top/patches/|"
}

# A patch counts from its first "diff --git": rewording a commit message
# does not rebuild the kernel.
build_key() {
	{
		echo "$tarsum"
		local p
		for p in $(patch_list); do sed -n '/^diff --git /,$p' "$p" | sha256sum; done
		for p in $fragments "$0"; do sha256sum <"$p"; done
	} | sha256sum | cut -c1-16
}

extract() {
	local src=$1
	say "extracting $(basename "$tarball") into $src"
	rm -rf "$src.tmp" && mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	local p
	for p in $(patch_list); do
		say "applying $(basename "$p")"
		if ! (cd "$src.tmp" && patch -p1 --forward --batch --no-backup-if-mismatch -s <"$p"); then
			(cd "$src.tmp" && find . -name '*.rej' | while read -r rej; do
				echo "kernel: rejected hunks of ${rej%.rej}:" >&2
				grep -E '^(@@|\*\*\*) ' "$rej" | sed 's/^/kernel:   /' >&2
			done)
			die "patch $(basename "$p") does not apply to $(basename "$tarball"); the hunks above did not apply (*.rej files under $src.tmp)"
		fi
	done
	mv "$src.tmp" "$src"
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

find_tarball
key=$(build_key)
dir=$cache/kernel/$variant-$key
mkdir -p "$out"
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
