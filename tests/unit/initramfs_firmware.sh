#!/bin/bash
# make initramfs FIRMWARE=...: the image holds, under /lib/firmware, the
# files the 6.12 drivers request, by the names read from the kernel source
# (bnx2x_init_firmware's fw_file_name, ice's request_firmware), not from
# initramfs/firmware.list; the same names in any order give the same bytes;
# FIRMWARE=bnx2x adds only bnx2x's; FIRMWARE_DIR takes the files from a
# directory (a .xz unpacked); an unknown name is refused naming the known
# ones; no FIRMWARE, no /lib/firmware. The first run downloads two Debian
# packages (15 MB) and reads the kernel tarball; later runs use the cache.
set -u
cd "$(dirname "$0")/../.." || exit 1
cache=${NETSWAP_CACHE:-$HOME/.cache/netswap}
tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
CHECK_NAME="initramfs FIRMWARE"
. tests/unit/checks.sh

# ---- the names the drivers request, from the kernel source ----
# The three source files, cached by the tarball's identity (as kernel/build.sh).
src=$cache/firmware/src-$(stat -c '%s %Y' "$tarball" | sha256sum | cut -c1-16)
if [ ! -f "$src/.done" ]; then
	mkdir -p "$src"
	tar -xJf "$tarball" -C "$src" --strip-components=1 --wildcards \
		'*/drivers/net/ethernet/broadcom/bnx2x/bnx2x_main.c' \
		'*/drivers/net/ethernet/broadcom/bnx2x/bnx2x_hsi.h' \
		'*/drivers/net/ethernet/intel/ice/ice_main.c' || { echo "FAIL $CHECK_NAME: cannot read $tarball"; exit 1; }
	touch "$src/.done"
fi
bnx2x=$src/drivers/net/ethernet/broadcom/bnx2x
ice=$src/drivers/net/ethernet/intel/ice/ice_main.c

# The #defines of the files, continuation lines joined.
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$bnx2x/bnx2x_main.c" "$bnx2x/bnx2x_hsi.h" "$ice" |
	grep -E '^#define[[:space:]]' >"$d/defines"
expand() { # MACRO -> the string it expands to: literals and numbers, macros expanded
	local body tok s=
	body=$(awk -v m="$1" '$2 == m { sub(/^#define[ \t]+[A-Za-z0-9_]+[ \t]*/, ""); print; exit }' "$d/defines")
	[ -n "$body" ] || { echo "?$1?"; return; }
	for tok in $(grep -oE '"[^"]*"|[A-Za-z_][A-Za-z0-9_]*|[0-9]+' <<<"$body"); do
		case $tok in
		__stringify) ;; # its argument is a number: the number's digits
		\"*) s+=${tok//\"/} ;;
		[0-9]*) s+=$tok ;;
		*) s+=$(expand "$tok") ;;
		esac
	done
	echo "$s"
}
names=()
for m in $(sed -n '/^static int bnx2x_init_firmware/,/^}/p' "$bnx2x/bnx2x_main.c" | grep -oE '\bfw_file_name = [A-Z0-9_]+' | cut -d' ' -f3); do
	names+=("$(expand "$m")")
done
check "bnx2x asks for three files (e1, e1h, e2)" [ ${#names[@]} = 3 ]
m=$(grep -oE 'request_firmware\(firmware, [A-Z0-9_]+' "$ice" | cut -d' ' -f2)
names+=("$(expand "$m")")
names_are_paths() {
	local n
	for n in "${names[@]}"; do [[ $n =~ ^[a-z0-9/._-]+$ ]] || return 1; done
}
check "the macros expand to file names: ${names[*]}" names_are_paths

# ---- builds ----
out=$d/out
build() { # IMAGE FIRMWARE [FIRMWARE_DIR] -> $d/IMAGE.img, $d/IMAGE.log; the build's status
	rm -f "$out/initramfs.img"
	make -s initramfs OUT="$out" CACHE="$cache" FIRMWARE="$2" FIRMWARE_DIR="${3:-}" >"$d/$1.log" 2>&1
	local rc=$?
	[ $rc != 0 ] || cp "$out/initramfs.img" "$d/$1.img"
	return $rc
}
unpack() { xz -dc "$1" 2>/dev/null || zstd -dcq "$1"; }
paths() { unpack "$d/$1.img" | cpio -t --quiet; }
file_of() { unpack "$d/$1.img" | cpio -i --quiet --to-stdout "$2"; }
has_file() { # IMAGE PATH: a regular file, not empty
	unpack "$d/$1.img" | cpio -tv --quiet | awk -v p="$2" '$NF == p && /^-/ && $5 > 0 { found = 1 } END { exit !found }'
}
bnx2x_only() { [ "$(paths bnx2x | grep -c '^lib/firmware/bnx2x/.*\.fw$')" = 3 ] && ! paths bnx2x | grep -q intel; }
stand_ins() { # IMAGE: each file is the stand-in FIRMWARE_DIR held
	local n
	for n in "${names[@]}"; do [ "$(file_of "$1" "lib/firmware/$n")" = "stand-in for $n" ] || return 1; done
}
no_lib() { ! paths none | grep -q '^lib'; }

t0=$SECONDS
build both "bnx2x ice"
check "FIRMWARE=\"bnx2x ice\" builds ($((SECONDS - t0)) s)" [ -f "$d/both.img" ]
for n in "${names[@]}"; do
	check "the image holds lib/firmware/$n" has_file both "lib/firmware/$n"
done
build reversed "ice  bnx2x"
check "\"ice  bnx2x\" gives the same bytes" cmp -s "$d/both.img" "$d/reversed.img"
check "a second build is from the cache" bash -c "! grep -q downloading '$d/reversed.log'"
build bnx2x bnx2x
check "FIRMWARE=bnx2x: its three files, nothing of ice" bnx2x_only

build bad "bnx2x nosuch"
check "an unknown name fails" [ $? != 0 ]
check "an unknown name is named, with the known ones" grep -q "unknown name 'nosuch' in FIRMWARE; known: bnx2x ice" "$d/bad.log"

# FIRMWARE_DIR: stand-in files, one compressed as Fedora ships them.
for n in "${names[@]}"; do
	mkdir -p "$d/fw/$(dirname "$n")"
	echo "stand-in for $n" >"$d/fw/$n"
done
xz "$d/fw/${names[3]}"
build dir "bnx2x ice" "$d/fw"
check "FIRMWARE_DIR: the directory's files, a .xz unpacked" stand_ins dir
rm "$d/fw/${names[0]}"
build dirmissing bnx2x "$d/fw"
check "FIRMWARE_DIR without a file fails naming it" grep -q "has no ${names[0]} " "$d/dirmissing.log"

build none ""
check "no FIRMWARE, no /lib/firmware" no_lib
echo "$CHECK_NAME: $((SECONDS - t0)) s of builds; FIRMWARE=\"bnx2x ice\" $(stat -c %s "$d/both.img") bytes, bnx2x $(stat -c %s "$d/bnx2x.img"), none $(stat -c %s "$d/none.img")"
exit $failed
