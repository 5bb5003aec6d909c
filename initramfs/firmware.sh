#!/bin/bash
# initramfs/firmware.sh OUT NAME... - the firmware files the named built-in
# drivers request (initramfs/firmware.list), copied to OUT/firmware/, and on
# stdout the mkcpio list lines that put them under /lib/firmware, where the
# kernel's firmware loader looks (it waits for the initramfs to be unpacked).
#
# By default from Debian bookworm's non-free-firmware component: apt-get,
# with its own sources list and state under the cache, checks the Release
# signature and the package's hash, and each file must have the sha256 in
# the list, so every build carries the same bytes. Files are cached by hash
# in $NETSWAP_CACHE/firmware/files (the .debs beside them): a second build
# does not touch the network.
# FIRMWARE_DIR=<dir> takes the files from <dir> instead (e.g. /lib/firmware
# of a host that is not Debian; a file.xz or file.zst is unpacked), as they
# are: their hashes are printed, not checked.
set -euo pipefail
usage="usage: initramfs/firmware.sh OUT NAME..."
out=${1:?$usage}
shift
here=$(cd "$(dirname "$0")" && pwd)
table=$here/firmware.list
cache=${NETSWAP_CACHE:-$HOME/.cache/netswap}/firmware
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
source_line="http://deb.debian.org/debian bookworm non-free-firmware"

die() { echo "firmware: error: $*" >&2; exit 1; }
say() { echo "firmware: $*" >&2; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

known=$(awk '!/^#/ && NF { print $1 }' "$table" | uniq | tr '\n' ' ')
[ $# -gt 0 ] || die "no names given; known: ${known% }"
for n in "$@"; do
	case " $known" in
	*" $n "*) ;;
	*) die "unknown name '$n' in FIRMWARE; known: ${known% }" ;;
	esac
done
wanted() { case " $* " in *" $name "*) return 0 ;; esac; return 1; }

apt_download() { # PKG -> $cache/debs/PKG_<version>_all.deb
	command -v apt-get >/dev/null ||
		die "apt-get missing: pass FIRMWARE_DIR=<dir holding the files> instead"
	[ -f "$keyring" ] ||
		die "$keyring missing (Debian's debian-archive-keyring): pass FIRMWARE_DIR=<dir> instead"
	local a=$cache/apt
	mkdir -p "$a/sources.list.d" "$a/state/lists/partial" "$a/cache/archives/partial" "$cache/debs"
	echo "deb [signed-by=$keyring] $source_line" >"$a/sources.list"
	local opts=(-q -o "Dir::Etc::SourceList=$a/sources.list" -o "Dir::Etc::SourceParts=$a/sources.list.d"
		-o "Dir::State=$a/state" -o "Dir::Cache=$a/cache" -o Dir::State::status=/dev/null
		-o APT::Architecture=amd64 -o "APT::Sandbox::User=$(id -un)")
	say "downloading $1 from $source_line"
	if [ -z "${apt_updated:-}" ]; then
		apt-get "${opts[@]}" update >&2 || die "apt-get update of $source_line failed (offline? FIRMWARE_DIR=<dir> needs no network)"
		apt_updated=1
	fi
	(cd "$cache/debs" && apt-get "${opts[@]}" download "$1") >&2 || die "apt-get download $1 failed"
}

cached_deb() { # PKG -> the path of its cached .deb, or nothing
	local debs=("$cache/debs/$1"_*.deb)
	[ -f "${debs[-1]}" ] && echo "${debs[-1]}"
	return 0
}

from_debian() { # PKG FILE SHA256 -> $cache/files/SHA256
	local store=$cache/files/$3 deb tmp got
	[ -f "$store" ] && [ "$(sha "$store")" = "$3" ] && return 0
	deb=$(cached_deb "$1")
	[ -n "$deb" ] || { apt_download "$1" && deb=$(cached_deb "$1"); }
	[ -n "$deb" ] || die "apt-get download $1 left no .deb in $cache/debs"
	# The file's whole directory, so that a link in it (Debian's ice.pkg)
	# can be followed.
	tmp=$(mktemp -d)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards "./lib/firmware/$(dirname "$2")/*" ||
		{ rm -rf "$tmp"; die "$deb has no lib/firmware/$(dirname "$2")/"; }
	[ -f "$tmp/lib/firmware/$2" ] || { rm -rf "$tmp"; die "$deb has no lib/firmware/$2"; }
	got=$(sha "$tmp/lib/firmware/$2")
	if [ "$got" != "$3" ]; then
		rm -rf "$tmp"
		die "$2 in $(basename "$deb") has sha256 $got, initramfs/firmware.list expects $3 (has Debian changed it? check, then update the list)"
	fi
	mkdir -p "$cache/files"
	cp -L "$tmp/lib/firmware/$2" "$store.tmp" && mv "$store.tmp" "$store"
	rm -rf "$tmp"
}

from_dir() { # FILE DEST
	local src=$FIRMWARE_DIR/$1
	if [ -f "$src" ]; then
		cp -L "$src" "$2"
	elif [ -f "$src.zst" ]; then
		zstd -dcq "$src.zst" >"$2"
	elif [ -f "$src.xz" ]; then
		xz -dc "$src.xz" >"$2"
	else
		die "FIRMWARE_DIR=$FIRMWARE_DIR has no $1 (nor $1.xz, $1.zst)"
	fi
	say "$1 from $FIRMWARE_DIR: sha256 $(sha "$2")"
}

rm -rf "$out/firmware"
mkdir -p "$out/firmware"
echo "dir /lib 0755 0 0"
echo "dir /lib/firmware 0755 0 0"
declare -A made
files=0 bytes=0
# In the list's order, whatever the order of the names: the same image.
while read -r name pkg file sum; do
	case $name in '#'* | '') continue ;; esac
	wanted "$@" || continue
	dst=$out/firmware/$file
	mkdir -p "$(dirname "$dst")"
	if [ -n "${FIRMWARE_DIR:-}" ]; then
		from_dir "$file" "$dst"
	else
		from_debian "$pkg" "$file" "$sum"
		cp "$cache/files/$sum" "$dst"
	fi
	d=/lib/firmware
	IFS=/ read -ra parts <<<"$(dirname "$file")"
	for p in "${parts[@]}"; do
		d=$d/$p
		[ -n "${made[$d]:-}" ] || echo "dir $d 0755 0 0"
		made[$d]=1
	done
	echo "file /lib/firmware/$file $dst 0644 0 0"
	files=$((files + 1)) bytes=$((bytes + $(stat -c %s "$dst")))
done <"$table"
say "$*: $files file$([ $files = 1 ] || echo s), $bytes bytes under /lib/firmware (from ${FIRMWARE_DIR:-Debian bookworm non-free-firmware})"
