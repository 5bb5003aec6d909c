#!/bin/bash
# tests/bench/zswapbench_report.sh DIR [PLOT.gp] - the table and the plot of
# a zswapbench run from DIR/results.csv (tests/bench/zswapbench.sh writes
# it; the columns are named in its first line). Can be run again on a saved
# DIR. Figures are means over the rounds; "spread" is the lowest and
# highest MiB/s seen. Writes DIR/<kernel>_<content>.dat for the plot, and
# DIR/zswapbench.png when gnuplot is there.
set -euo pipefail
dir=$1 gp=${2:-$(dirname "$0")/zswapbench.gp}
. "$(dirname "$0")/plot.sh"
csv=$dir/results.csv
[ -s "$csv" ] || { echo "zswapbench_report: no $csv" >&2; exit 1; }

# results.csv: 1 round, 2 kernel, 3 zswap, 4 content, 5 mem_mb, 6 pool_pct,
# 7 hog, 8 seconds, 9 mib_per_s, 10 swapped_mib, 11 wire_mib,
# 12 wire_per_mib, 13 cpu_busy_pct, 14 cpu_sys_pct, 15 pool_peak_mib,
# 16 stored_peak_mib, 17 pswpout, 18 pswpin, 19 zswpout, 20 zswpin,
# 21 zswpwb, 22 swpout_zero, 23 swpin_zero, 24 load_start, 25 load_end. means: one line per cell, in first-seen order:
# 1 content, 2 kernel, 3 zswap, 4 runs, 5 seconds, 6 MiB/s, 7 spread,
# 8 swapped, 9 wire MiB, 10 wire/MiB, 11 busy, 12 sys, 13 pool peak,
# 14 stored peak, 15 writeback MiB, 16 MiB written to the device past
# zswap, 17 zero MiB, 18 highest start load.
awk -F, '
NR > 1 {
	c = $4 "," $2 "," $3
	if (!(c in n)) { order[++k] = c; lo[c] = $9; hi[c] = $9 }
	n[c]++; s[c] += $8; m[c] += $9; sw[c] += $10; w[c] += $11; busy[c] += $13; sys[c] += $14
	pp[c] += $15; sp[c] += $16; wb[c] += $21; rj[c] += $17 - $21; z[c] += $22 + $23
	if ($9 < lo[c]) lo[c] = $9; if ($9 > hi[c]) hi[c] = $9
	if (ld[c] == "" || $24 > ld[c]) ld[c] = $24
}
END {
	for (i = 1; i <= k; i++) {
		c = order[i]; r = n[c]
		printf "%s,%d,%.1f,%.2f,%s-%s,%.1f,%.1f,%.3f,%.0f,%.0f,%.1f,%.1f,%.1f,%.1f,%.1f,%s\n", c, r, s[c] / r, m[c] / r,
		       lo[c], hi[c], sw[c] / r, w[c] / r, sw[c] ? w[c] / sw[c] : 0, busy[c] / r, sys[c] / r, pp[c] / r, sp[c] / r,
		       wb[c] * 4 / 1024 / r, rj[c] * 4 / 1024 / r, z[c] * 4 / 1024 / r, ld[c]
	}
}' "$csv" >"$dir/means.csv"

setup=$(awk -F, 'NR == 2 { sub(/ -c$/, "", $7); printf "%s MB node, hog %s (-c for the mix), zswap pool %s%%", $5, $7, $6; exit }' "$csv")
echo
echo "zswap in front of NBD swap: $setup, QEMU TCG, $(nproc) host cores"
echo "MiB/s: the hog's, written + verified per second. swapped: MiB the kernel swapped out"
echo "and in (device, zswap or zero map). wire: tap rx+tx MiB over the hog's run; /MiB: wire"
echo "per MiB swapped. CPU: the node's busy % (system part). pool, stored: peak MiB of the"
echo "zswap pool and of the pages in it; wb: MiB zswap wrote back; past: MiB written to the"
echo "device past zswap (refused, or the pool full; all of it with zswap off). /off: MiB/s"
echo "and wire MiB against zswap off, same kernel and pages."
awk -F, '
{ row[NR] = $0; if ($3 == "off") { off_m[$1, $2] = $6; off_w[$1, $2] = $9 } }
END {
	printf "%-6s %-6s %-5s %4s %6s %11s %8s %6s %5s %9s %6s %6s %5s %7s %9s %9s %5s\n", "pages", "kernel", "zswap", "runs",
	       "MiB/s", "spread", "swapped", "wire", "/MiB", "CPU(sys)", "pool", "stored", "wb", "past", "MiB/s/off", "wire/off", "load"
	for (i = 1; i <= NR; i++) {
		split(row[i], f, ",")
		rm = f[3] != "off" && off_m[f[1], f[2]] ? sprintf("%.2f", f[6] / off_m[f[1], f[2]]) : "-"
		rw = f[3] != "off" && off_w[f[1], f[2]] ? sprintf("%.2f", f[9] / off_w[f[1], f[2]]) : "-"
		printf "%-6s %-6s %-5s %4d %6.2f %11s %8.0f %6.0f %5.2f %4.0f(%3.0f) %6.1f %6.1f %5.0f %7.0f %9s %9s %5s\n", f[1], f[2], f[3],
		       f[4], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14], f[15], f[16], rm, rw, f[18]
	}
}' "$dir/means.csv"

# the plot's data: a row per zswap mode: index, mode, MiB/s, wire/MiB, busy %
rm -f "$dir"/*.dat
series=""
for content in mix random; do
	for kernel in ours stock; do
		awk -F, -v c="$content" -v k="$kernel" '$1 == c && $2 == k {
			i = $3 == "off" ? 0 : $3 == "lz4" ? 1 : 2; print i, $3, $6, $10, $11 }' "$dir/means.csv" |
			sort -n >"$dir/${kernel}_$content.dat"
		[ -s "$dir/${kernel}_$content.dat" ] && series="$series${kernel}_$content "
	done
done
echo
plot "$gp" "$dir/zswapbench.png" "dir='$dir'; series='$series'; setup='$setup'"
echo "raw: $dir/results.csv, consoles $dir/*.console"
