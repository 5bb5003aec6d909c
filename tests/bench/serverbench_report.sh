#!/bin/bash
# tests/bench/serverbench_report.sh DIR [PLOT.gp] - the table and the plot
# of a serverbench run from DIR/results.csv (tests/bench/serverbench.sh
# writes it; the columns are named in its first line). Can be run again on
# a saved DIR. Writes DIR/<server>.dat for the plot, and DIR/serverbench.png
# when gnuplot is there.
set -euo pipefail
dir=$1 gp=${2:-$(dirname "$0")/serverbench.gp}
csv=$dir/results.csv
[ -s "$csv" ] || { echo "serverbench_report: no $csv" >&2; exit 1; }

# results.csv: 1 server, 2 nodes, 3 qd, 4 write_pct, 5 seconds, 6 read_mibs,
# 7 write_mibs, 8 slowest_mibs, 9 total_mibs, 10 read_p50_ms, 11 read_p99_ms,
# 12 write_p50_ms, 13 write_p99_ms, 14 fio_cpu_pct, 15 server_cpu_pct,
# 16 host_cpu_pct, 17 load_start, 18 load_end
awk -F, -v cores="$(nproc)" '
NR == 2 {
	printf "\nmany nodes on one server: 4 KiB random I/O, %s%% writes, %s in flight per node, %s s per cell\n", $4, $3, $5
	printf "(fio nbd engine over 127.0.0.1; fio and the server share this host'"'"'s %d cores)\n", cores
	printf "MiB/s per node: mean read + write (slowest node); all: every node together;\n"
	printf "latency: p50/p99 completion of every node'"'"'s requests; CPU: %% of one core;\n"
	printf "MiB/s per core: all nodes'"'"' MiB/s per core the server used\n\n"
	printf "%-19s %5s %17s %7s %15s %15s %7s %8s %5s %5s %10s\n", "server", "nodes", "MiB/s per node", "all", \
	       "read p50/p99", "write p50/p99", "server", "per core", "fio", "host", "load"
}
NR > 1 && $6 ~ /^failed/ { printf "%-19s %5d %s\n", $1, $2, $6; next }
NR > 1 {
	printf "%-19s %5d %6.2f+%-5.2f(%5.2f) %7.1f %6.2f/%-6.2fms %6.2f/%-6.2fms %6d%% %8.0f %4d%% %4d%% %4.1f-%-4.1f\n", \
	       $1, $2, $6, $7, $8, $9, $10, $11, $12, $13, $15, ($15 > 0 ? $9 * 100 / $15 : 0), $14, $16, $17, $18
}' "$csv"

servers=$(awk -F, 'NR > 1 && !seen[$1]++ { printf "%s ", $1 }' "$csv")
for s in $servers; do
	awk -F, -v s="$s" 'NR > 1 && $1 == s && $6 !~ /^failed/ { print $2, $6 + $7, $11, $13, $15 }' "$csv" >"$dir/$s.dat"
done
setup=$(awk -F, -v cores="$(nproc)" 'NR == 2 { printf "4 KiB random, %s%% writes, %s in flight per node, %s s a cell, %d shared cores", $4, $3, $5, cores }' "$csv")
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$dir'; servers='$servers'; setup='$setup'" "$gp" && echo "plot: $dir/serverbench.png"
fi
