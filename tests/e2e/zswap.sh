#!/bin/bash
# netswap.zswap=lz4 and netswap.zswap_pool= put zswap in front of network
# swap: compressible pages stay in RAM, compressed, and fewer bytes go to the
# server. Two nodes run the same hog -c (zero, text-like and random pages,
# every page verified), both with encrypted swap: one with zswap, one with
# netswap.zswap=off as the control. The zswap node must apply the knobs,
# hold pages in its pool, and write less to its NBD device than the control.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/z.img" 512M
sparse_file "$T/off.img" 512M
nbd_server root="$TESTROOT_IMG:ro" z="$T/z.img" off="$T/off.img"
R="root=nbd:10.0.2.2:$NBD_PORT/root"
# (The kernel echoes the command line, so a figure is matched at a line start.)
# The hog overflows RAM by about half as much again; sampled while it runs,
# the pool's size, then the device's written sectors (field 7 of stat).
Z=/sys/module/zswap/parameters
run="(while sleep 2; do grep -E '^Zswap(ped)?:' /proc/meminfo | tr -s ' ' | tr '\n' ' '; echo; done | sed 's/^/ZSWAP: /') & hog -c -m 96 -p 2 -j 2 -o both -q; echo ZSWAP: params \$(cat $Z/enabled $Z/compressor $Z/max_pool_percent); set -- \$(cat /sys/block/nbd0/stat); echo ZSWAP: written_sectors=\$7"
QEMU_MEM=64 qemu_boot z "netswap=nbd:10.0.2.2:$NBD_PORT/z:encrypt netswap.zswap=lz4 netswap.zswap_pool=40 $R nstest=\"$run\""
QEMU_MEM=64 qemu_boot off "netswap=nbd:10.0.2.2:$NBD_PORT/off:encrypt netswap.zswap=off $R nstest=\"$run\""
wait_console z "TESTROOT: done" 600 || fail "the zswap node did not finish"
wait_console off "TESTROOT: done" 600 || fail "the control node did not finish"

for n in z off; do
	console_has "$n" "hog: RESULT ok" || fail "$n: the hog did not verify every page: $(console_line "$n" "hog: RESULT|hog: BAD")"
done
console_has z "netswap: zswap lz4" || fail "the init did not log zswap lz4"
console_has z "ZSWAP: params Y lz4 40" || fail "zswap knobs not applied: $(console_line z "ZSWAP: params")"
console_has off "netswap: zswap off" || fail "the control did not log zswap off"
console_has off "ZSWAP: params N " || fail "the control has zswap on: $(console_line off "ZSWAP: params")"
pool_kb=$(console_text z | grep -oE "Zswap: [0-9]+" | awk '$2 > m { m = $2 } END { print m + 0 }')
[ "$pool_kb" -gt 1024 ] || fail "zswap's pool never held more than 1 MiB (${pool_kb} kB)"
zw=$(console_line z "^ZSWAP: written_sectors=[0-9]+" | grep -oE "[0-9]+$")
ow=$(console_line off "^ZSWAP: written_sectors=[0-9]+" | grep -oE "[0-9]+$")
[ -n "$zw" ] && [ -n "$ow" ] || fail "no written-sector counts ($zw, $ow)"
[ "$ow" -gt 20480 ] || fail "the control wrote only $((ow / 2)) KiB to swap: the hog proves nothing"
[ $((zw * 10)) -lt $((ow * 7)) ] || fail "zswap wrote $((zw / 2)) KiB to the server, the control $((ow / 2)) KiB: not 30% less"
pass "hog -c verified on both; zswap lz4 pool peaked at ${pool_kb} kB and wrote $((zw / 2048)) MiB to the server against $((ow / 2048)) MiB without"
