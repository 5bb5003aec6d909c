#!/bin/bash
# tests/faults/report.sh DIR - the tables and the plot of a fault matrix
# run from DIR/results.csv (tests/e2e/faults.sh writes it; this runs again on
# a saved DIR): a grid of verdicts, stacks by scenarios, then every cell's
# figures, then DIR/faults.png (gnuplot).
set -euo pipefail
dir=$1
csv=$dir/results.csv
gp=$(dirname "$0")/faults.gp

# results.csv: 1 scenario, 2 stack, 3 mem_mb, 4 verdict, 5 mib_per_s,
# 6 seconds, 7 worst_ms, 8 p99_ms, 9 read_worst_ms, 10 read_p99_ms,
# 11 resume_s, 12 keeper_ms, 13 max_writeback, 14 oom_kills, 15 timeouts,
# 16 reconnects, 17 hung_reports, 18 load1, 19 detail.
# A cell is a scenario's last run on a stack: S8 runs RAM sizes upwards
# until one passes, so its cell is the floor, or "none" when none passed.
echo
echo "fault matrix ($(date -u -r "$csv" +%Y-%m-%dT%H:%MZ), QEMU TCG, 1 vCPU per node; MiB/s when ok)"
awk -F, '
NR == 1 { next }
{
	if (!($2 in sseen)) { sseen[$2] = 1; stacks[++ns] = $2 }
	if (!($1 in cseen)) { cseen[$1] = 1; scs[++nc] = $1 }
	if ($1 == "S8") {
		cell[$2, $1] = $4 == "ok" ? sprintf("%s MB", $3) : "none"
	} else {
		cell[$2, $1] = $4 == "ok" ? sprintf("ok %s", $5) : $4
	}
}
END {
	printf "%-6s", "stack"; for (j = 1; j <= nc; j++) printf " | %-22s", scs[j]; printf "\n"
	for (i = 1; i <= ns; i++) {
		printf "%-6s", stacks[i]
		for (j = 1; j <= nc; j++) printf " | %-22s", ((stacks[i], scs[j]) in cell) ? cell[stacks[i], scs[j]] : "-"
		printf "\n"
	}
}' "$csv"
echo
echo "every run: worst/p99 fault ms (the hog times each page), resume: seconds from the server"
echo "or link back to swap moving again; keeper: its own reconnect times; wb: most pages under"
echo "writeback in one second's sample; to: \"timed out\" messages; rc: reconnects; hung: reports"
awk -F, '
NR == 1 { next }
{
	lat = $7 == "" ? "-" : sprintf("%s/%s", $7, $8)
	if ($9 != "") lat = lat sprintf(" (rd %s/%s)", $9, $10)
	printf "%-3s %-6s %3s MB  %-21s %6s MiB/s %7s s  %-24s resume %3s s  keeper %-10s wb %5s  oom %s to %s rc %s hung %s  %s\n",
	       $1, $2, $3, $4, $5 == "" ? "-" : $5, $6 == "" ? "-" : $6, lat, $11, $12, $13, $14, $15, $16, $17, $19
}' "$csv"

# the plot's data: one row per scenario, a column per stack that has a
# figure there ("-" when its cell failed or did not run), and the names of
# those stacks: gnuplot stops on a histogram column without a figure
rm -f "$dir"/*.dat "$dir"/*.stacks
stacks=$(awk -F, 'NR > 1 && !s[$2]++ { printf "%s ", $2 }' "$csv")
for what in 5:mibs 7:worst; do
	awk -F, -v col="${what%:*}" -v stacks="$stacks" -v names="$dir/${what#*:}.stacks" '
	NR == 1 { next }
	{ if (!($1 in seen)) { seen[$1] = 1; scs[++nc] = $1 }
	  if (($4 == "ok" || col == 7) && $col + 0 > 0) { v[$1, $2] = $col; has[$2] = 1 } }
	END {
		n = split(stacks, all, " ")
		printf "" > names
		for (i = 1; i <= n; i++) if (all[i] in has) { st[++k] = all[i]; printf "%s ", all[i] > names }
		for (j = 1; j <= nc; j++) {
			printf "%s", scs[j]
			for (i = 1; i <= k; i++) printf " %s", ((scs[j], st[i]) in v) ? v[scs[j], st[i]] : "-"
			printf "\n"
		}
	}' "$csv" >"$dir/${what#*:}.dat"
done
echo
if ! command -v gnuplot >/dev/null; then
	echo "plot: gnuplot missing (apt-get install gnuplot-nox); data in $dir/"
elif gnuplot -e "dir='$dir'; mibs='$(cat "$dir/mibs.stacks")'; worst='$(cat "$dir/worst.stacks")'" "$gp"; then
	echo "plot: $dir/faults.png"
else
	echo "plot: gnuplot failed (data in $dir/)"
fi
