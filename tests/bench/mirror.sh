#!/bin/bash
# tests/bench/mirror.sh [OUT] - `make mirrorbench`: one swap server, two
# striped (netswap= twice at one prio=) and two mirrored (mirror=m, md
# RAID1), the same verifying hog on the same node, side by side. Prints a
# table and writes OUT/mirrorbench/results.csv and the consoles.
#
# Every swap server is an nbdkit (file plugin, 512 threads, as make bench
# runs it) of its own on the host; the root comes from nbd-server. The run
# lives in a network namespace of its own and the node reaches the servers
# through a tap device, as in make bench (QEMU's user network would be
# measured instead). Rows are interleaved by round, so a drift in host
# speed hits every row alike; the host load is recorded beside each figure.
# A measurement: it fails only on a broken run (a page that does not
# verify, an I/O error, a hung task, a node that does not finish).
#
#   MB_ROUNDS=2        rounds
#   MB_MEM=64          node RAM, MB
#   MB_HOG="-m 192 -p 1 -j 4 -o random"   the hog
OUT=$(realpath "${1:-${OUT:-out}}")
export OUT
. "$(dirname "$0")/../lib.sh"
netns_enter netswap-mirrorbench "$OUT"
MEM=${MB_MEM:-64}
HOG=${MB_HOG:--m 192 -p 1 -j 4 -o random}
ROUNDS=${MB_ROUNDS:-2}
export NBDKIT_THREADS=512
results=$OUT/mirrorbench
mkdir -p "$results"
csv=$results/results.csv
echo "config,round,servers,mem_mb,hog,seconds,mib_per_s,load_start,load_end" >"$csv"
for f in "$KERNEL" "$INITRD" "$TESTROOT_IMG"; do [ -f "$f" ] || fail "$f missing (make kernel initramfs testroot)"; done
tap_net_up

# kit_up NAME: an nbdkit serving $T/NAME.img (1 GiB, sparse); sets KIT_PORT.
KITS=()
kit_up() {
	sparse_file "$T/$1.img" 1G
	KIT_PORT=
	nbdkit_start "$T/$1.img" 0
	KITS+=("$KIT_PID")
}

kits_down() {
	for KIT_PID in "${KITS[@]}"; do nbdkit_stop; done
	KITS=()
	rm -f "$T"/kit*.img
}

# swap_args CONFIG: starts its servers and sets ARGS, its netswap=
# arguments (not in a subshell: the servers' PIDs must reach PIDS).
swap_args() {
	local a b
	kit_up kita
	a=10.0.2.2:$KIT_PORT
	ARGS="netswap=nbd:$a/swap"
	[ "$1" = one ] && return
	kit_up kitb
	b=10.0.2.2:$KIT_PORT
	case $1 in
	stripe) ARGS="netswap=nbd:$a/swap:prio=5 netswap=nbd:$b/swap:prio=5" ;;
	mirror) ARGS="netswap=nbd:$a/swap:mirror=m netswap=nbd:$b/swap:mirror=m" ;;
	esac
}

run_one() { # CONFIG ROUND
	local run=$1_r$2 load0 res
	load0=$(cut -d' ' -f1 /proc/loadavg)
	swap_args "$1"
	log "== $run: $ARGS, $MEM MB, hog $HOG (host load $load0)"
	QEMU_MEM=$MEM QEMU_NETDEV=$TAP_NETDEV qemu_boot "$run" \
		"$TAP_IP $ARGS root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"hog $HOG -q; cat /proc/swaps\""
	wait_console "$run" "TESTROOT: done" 1800 || fail "$run did not finish"
	qemu_gone "$run"
	kits_down
	keep_console "$run" "$results"
	res=$(console_line "$run" "hog: RESULT ok") || true
	[ -n "$res" ] || fail "$run: $(console_line "$run" 'hog: RESULT')"
	echo "$1,$2,$([ "$1" = one ] && echo 1 || echo 2),$MEM,$HOG,$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$res"),$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$res"),$load0,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
	log "$run: $(sed 's/.*hog: //' <<<"$res")"
}

nbd_server root="$TESTROOT_IMG:ro"
t0=$SECONDS
for round in $(seq "$ROUNDS"); do
	for config in one stripe mirror; do run_one "$config" "$round"; done
done
echo
echo "swap over 1 and 2 servers: $MEM MB node, hog $HOG, QEMU TCG, $(nproc) host cores"
awk -F, 'NR > 1 {
	c = $1; if (!(c in n)) { order[++k] = c; lo[c] = $7; hi[c] = $7 }
	n[c]++; s[c] += $6; m[c] += $7; srv[c] = $3
	if ($7 < lo[c]) lo[c] = $7; if ($7 > hi[c]) hi[c] = $7
	if ($8 > ld[c]) ld[c] = $8
}
END {
	printf "%-8s %7s %4s %8s %6s %11s %6s %9s\n", "config", "servers", "runs", "seconds", "MiB/s", "spread", "/one", "max load"
	for (i = 1; i <= k; i++) {
		c = order[i]
		printf "%-8s %7s %4d %8.1f %6.2f %11s %6.2f %9s\n", c, srv[c], n[c], s[c] / n[c], m[c] / n[c],
		       lo[c] "-" hi[c], (m[c] / n[c]) / (m["one"] / n["one"]), ld[c]
	}
}' "$csv" | tee "$results/table.txt"
pass "$((ROUNDS * 3)) runs in $((SECONDS - t0)) s, every page verified; $csv"
