#!/bin/bash
# tests/bench/report.sh DIR [PLOT.gp] - the tables and the plot of a bench
# run from the files tests/e2e/bench.sh leaves in DIR: results.csv (one
# row per swap run), boot.csv (one row per boot), ref/summary.txt. Can be
# run again on a saved DIR. Figures are means over the rounds; "spread"
# is the lowest and highest MiB/s seen.
set -euo pipefail
dir=$1 gp=${2:-$(dirname "$0")/throughput.gp}
. "$(dirname "$0")/plot.sh"
csv=$dir/results.csv boot=$dir/boot.csv

# results.csv: 1 section, 2 config, 3 round, 4 kernel, 5 swap, 6 conns,
# 7 delay_ms, 8 page_cluster, 9 mem_mb, 10 hog, 11 seconds, 12 MiB/s,
# 13 fill, 14 verify, 15 load_start, 16 load_end. Prints one line per
# config, in first-seen order: the config's fields, then the means.
means() { # SECTION-REGEX
	awk -F, -v re="$1" '
	NR > 1 && $1 ~ re {
		c = $2; if (!(c in n)) { order[++k] = c; row[c] = $0; lo[c] = $12; hi[c] = $12 }
		n[c]++; s[c] += $11; m[c] += $12; f[c] += $13; v[c] += $14
		if ($12 < lo[c]) lo[c] = $12; if ($12 > hi[c]) hi[c] = $12
		if (ld[c] == "" || $15 > ld[c]) ld[c] = $15
	}
	END {
		for (i = 1; i <= k; i++) {
			c = order[i]; split(row[c], r, ",")
			printf "%s,%s,%s,%s,%s,%s,%s,%d,%.1f,%.2f,%s,%s,%s-%s,%s\n", r[1], c, r[4], r[5], r[6], r[7], r[8], n[c],
			       s[c] / n[c], m[c] / n[c], f[c] ? sprintf("%.2f", f[c] / n[c]) : "-",
			       v[c] ? sprintf("%.2f", v[c] / n[c]) : "-", lo[c], hi[c], ld[c]
		}
	}' "$csv"
}
# means(): 1 section, 2 config, 3 kernel, 4 swap, 5 conns, 6 delay,
# 7 page_cluster, 8 runs, 9 seconds, 10 MiB/s, 11 fill, 12 verify,
# 13 spread, 14 highest start load.
means 'tput|knob' >"$dir/tput.means"
means 'lat' >"$dir/lat.means"
means 'srv' >"$dir/srv.means"

if [ -s "$dir/tput.means" ]; then
	node=$(awk -F, '$1 ~ /tput|knob/ { print $9 " MB node, hog " $10; exit }' "$csv")
	echo
	echo "swap throughput: $node (QEMU TCG, $(nproc) host cores)"
	echo "MiB/s: the hog's own figure, bytes written plus verified per second; fill is bound"
	echo "by swap-out, verify (its final check) by swap-in. /stock: against the stock kernel"
	echo "with the same connections and page-cluster; /local: against local virtio-blk swap."
	awk -F, '
	{ row[NR] = $0; if ($3 == "stock") st[$5, $7] = $10; if ($4 == "local") loc = $10 }
	END {
		printf "%-10s %-8s %-10s %5s %3s %4s %8s %6s %11s %6s %6s %6s %6s %5s\n", "config", "kernel", "swap", "conns",
		       "pc", "runs", "seconds", "MiB/s", "spread", "fill", "verify", "/stock", "/local", "load"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, ",")
			rs = (f[3] != "stock" && (f[5], f[7]) in st && st[f[5], f[7]]) ? sprintf("%.2f", f[10] / st[f[5], f[7]]) : "-"
			rl = (f[4] != "local" && loc) ? sprintf("%.2f", f[10] / loc) : "-"
			printf "%-10s %-8s %-10s %5s %3s %4s %8s %6s %11s %6s %6s %6s %6s %5s\n", f[2], f[3], f[4], f[5], f[7], f[8],
			       f[9], f[10], f[13], f[11], f[12], rs, rl, f[14]
		}
	}' "$dir/tput.means"
fi

# by_kernel MEANS FIELD HEADING BELOW: MiB/s (seconds) of each kernel by the
# means' FIELD (HEADING a printf format for its value), then ours/stock at
# the same value or, with BELOW=1, against stock's largest value under it.
by_kernel() {
	awk -F, -v col="$2" -v head="$3" -v below="$4" '
	{ k = $3; x = $col; if (!(k in seen)) { seen[k] = 1; ks[++nk] = k }
	  if (!(x in xseen)) { xseen[x] = 1; xs[++nx] = x }; v[k, x] = $10; s[k, x] = $9 }
	END {
		printf "%-10s", "kernel"; for (j = 1; j <= nx; j++) printf " %16s", sprintf(head, xs[j]); printf "\n"
		for (i = 1; i <= nk; i++) {
			printf "%-10s", ks[i]
			for (j = 1; j <= nx; j++) printf " %16s", ((ks[i], xs[j]) in v) ? sprintf("%s (%s s)", v[ks[i], xs[j]], s[ks[i], xs[j]]) : "-"
			printf "\n"
		}
		printf "%-10s", "ours/stock"
		for (j = 1; j <= nx; j++) {
			ref = ""
			for (i = 1; i <= nx; i++)
				if (("stock", xs[i]) in v && xs[i] + 0 <= xs[j] + 0 && (below || xs[i] == xs[j]) &&
				    (ref == "" || xs[i] + 0 > ref + 0)) ref = xs[i]
			ok = ref != "" && ("patched", xs[j]) in v && v["stock", ref]
			printf " %16s", ok ? sprintf("%.2f", v["patched", xs[j]] / v["stock", ref]) : "-"
		}
		printf "\n"
	}' "$1"
}

if [ -s "$dir/lat.means" ]; then
	echo
	echo "behind added latency: nbdkit (file plugin, 512 threads) + delay filter on every read"
	echo "and write, conns=1, $(awk -F, '$1 == "lat" { print $9 " MB node, hog " $10; exit }' "$csv")."
	echo "MiB/s (seconds):"
	by_kernel "$dir/lat.means" 6 "+%s ms" 0
fi

if [ -s "$dir/srv.means" ]; then
	echo
	echo "a server that bounds each connection: nbdkit with its default 16 threads per"
	echo "connection, $(awk -F, '$1 == "srv" { print "+" $7 " ms on every request, " $9 " MB node, hog " $10; exit }' "$csv")."
	echo "MiB/s (seconds) by connections; ours/stock against stock with as many connections"
	echo "or, without such a row, its most (with one vCPU the stock driver uses one anyway):"
	by_kernel "$dir/srv.means" 5 "conns=%s" 1
fi

if [ -s "$boot" ] && [ "$(wc -l <"$boot")" -gt 1 ]; then
	echo
	echo "boot, QEMU TCG, 256 MB node, DHCP, NBD root (ext4); printk clock, mean (max) over the boots."
	echo "netswap also attaches and enables its NBD swap; the references mount the root only."
	size_of() { if [ -f "$1" ]; then stat -L -c %s "$1"; else echo -; fi; }
	cpio_of() { if [ -f "$1" ]; then xz -dc "$1" 2>/dev/null | wc -c; else echo -; fi; }
	{
		echo "netswap $(size_of "$dir/../initramfs.img") $(cpio_of "$dir/../initramfs.img")"
		for r in initramfs-tools dracut; do echo "$r $(size_of "$dir/ref/$r.img") $(cpio_of "$dir/ref/$r.img")"; done
	} >"$dir/sizes.txt"
	awk -F, -v sizes="$dir/sizes.txt" '
	BEGIN { while ((getline l < sizes) > 0) { split(l, f, " "); xz[f[1]] = f[2]; cp[f[1]] = f[3] } }
	NR > 1 && $3 != "" && $4 != "" && $5 != "" {
		k = $1; if (!(k in n)) order[++nk] = k
		n[k]++; ri[k] += $3; rm[k] += $4 - $3; rl[k] += $5 - $3
		if ($5 - $3 > mx[k]) mx[k] = $5 - $3
	}
	END {
		printf "%-16s %5s %10s %10s %11s %13s %18s\n", "initramfs", "boots", "xz bytes", "cpio bytes",
		       "->Run /init", "->root mount", "->real init (max)"
		for (i = 1; i <= nk; i++) {
			k = order[i]
			printf "%-16s %5d %10s %10s %10.2fs %12.2fs %10.2fs (%.2f)\n", k, n[k], xz[k], cp[k],
			       ri[k] / n[k], rm[k] / n[k], rl[k] / n[k], mx[k]
		}
		if (("netswap" in n) && nk > 1)
			for (i = 1; i <= nk; i++) if (order[i] != "netswap")
				printf "  netswap takes %.2fx the bytes and %.2fx the time to the real init of %s\n",
				       xz["netswap"] / xz[order[i]], (rl["netswap"] / n["netswap"]) / (rl[order[i]] / n[order[i]]), order[i]
	}' "$boot"
	echo "  ->Run /init: kernel start to the initramfs' /init (includes unpacking it); the"
	echo "  others from \"Run /init\" to the root's ext4 mount and to the root's init running."
	[ -f "$dir/ref/summary.txt" ] && sed 's/^/  /' "$dir/ref/summary.txt"
fi

# the plot's data: "x MiB/s" pairs
rm -f "$dir"/*.dat
for k in patched stock; do
	awk -F, -v k="$k" '$1 == "tput" && $3 == k && $4 == "nbd-server" { print $5, $10 }' "$dir/tput.means" >"$dir/conns_$k.dat"
	awk -F, -v k="$k" '$3 == k { print $6, $10 }' "$dir/lat.means" >"$dir/lat_$k.dat"
	awk -F, -v k="$k" '$3 == k { print $5, $10 }' "$dir/srv.means" >"$dir/srv_$k.dat"
done
awk -F, '$4 == "local" { print 0.8, $10; print 20, $10 }' "$dir/tput.means" >"$dir/local.dat"
series() { local f; for f in "$@"; do [ -s "$dir/$f.dat" ] && printf '%s ' "$f"; done; return 0; }
echo
plot "$gp" "$dir/throughput.png" \
	"dir='$dir'; conns='$(series conns_patched conns_stock srv_patched srv_stock)'; local='$(series local)'; lat='$(series lat_patched lat_stock)'"
echo "raw: $dir/results.csv, $dir/boot.csv, consoles $dir/*.console"
