#!/bin/bash
# tests/bench/zswapbench.sh [OUT] - zswap in front of NBD swap: off, lz4 and
# zstd (netswap.zswap=), on our kernel and the stock 6.12 one (the same
# initramfs), on the hog's compressible mix (hog -c: a quarter zero pages,
# half text-like, a quarter random) and on random pages (plain hog), every
# cell once per round, rounds interleaved so a drift in host speed hits
# every cell alike. One 64 MB node at a time, its swap on a fresh sparse
# export of nbd-server, over a tap in a network namespace of its own
# (tests/lib.sh's netns_enter and tap_net_up, as make bench does).
#
# Per cell, over the hog's run alone (the guest prints a marker, sleeps 2 s
# while the host reads the tap's counters, then runs the hog; the same at
# the end):
#   MiB/s       the hog's RESULT line: bytes written plus verified per second
#   swapped     MiB the kernel swapped out and in, whatever took the page:
#               the device (pswpout, pswpin; zswap's writebacks are not
#               counted twice), zswap (zswpout, zswpin) or the zero-page map
#               (swpout_zero, swpin_zero: since 6.12 a zero page costs no
#               I/O with or without zswap)
#   wire/MiB    rx+tx bytes of the tap (Ethernet frames: NBD, TCP, the
#               root's reads too) per MiB swapped
#   CPU         the node's /proc/stat over the hog: busy share (user, nice,
#               system, irq, softirq) and its system share (system, irq,
#               softirq: compression and the network stack)
#   pool        the peak of Zswap: (the pool) and Zswapped: (the pages in
#               it) in /proc/meminfo, sampled every second; zswap's
#               writebacks (zswpwb), and the pages that went to the
#               device without it (pswpout - zswpwb: refused as
#               incompressible, or the pool was full)
# Prints a table and writes OUT/zswapbench/: results.csv (a row per run),
# zswapbench.png, the consoles. tests/bench/zswapbench_report.sh prints
# the table again from a saved directory.
#
# A measurement: it fails only on a broken run (a boot that does not
# finish, a page that does not verify, an OOM kill, an I/O error, a hung
# task).
#
#   BENCH_ROUNDS=2                     rounds of every cell
#   ZSWAPBENCH_MEM=64                  node RAM (MB)
#   ZSWAPBENCH_HOG="-m 128 -p 1 -j 2 -o both"   the hog (2x RAM; -c is
#                                      added for the mix)
#   ZSWAPBENCH_POOL=20                 netswap.zswap_pool= of the zswap cells
#   ZSWAPBENCH_SWAPOPTS=               more netswap= options (",encrypt")
#   ZSWAPBENCH_ONLY="ours-lz4-mix ..." only these cells (kernel-zswap-content)
#   ZSWAPBENCH_DIR=OUT/zswapbench      where the results go
OUT=$(realpath "${1:-${OUT:-out}}")
export OUT
. "$(dirname "$0")/../lib.sh"
netns_enter netswap-zswapbench "$OUT"
bench=$(cd "$(dirname "$0")" && pwd)
STOCK=${STOCK_KERNEL:-$OUT/stock/bzImage}
# shellcheck disable=SC2153 # KERNEL comes from lib.sh
OURS=$KERNEL
MEM=${ZSWAPBENCH_MEM:-64}
HOG=${ZSWAPBENCH_HOG:--m 128 -p 1 -j 2 -o both}
POOL=${ZSWAPBENCH_POOL:-20}
SWAPOPTS=${ZSWAPBENCH_SWAPOPTS:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
dir=${ZSWAPBENCH_DIR:-$OUT/zswapbench}
mkdir -p "$dir"
rm -f "$dir"/*.console "$dir"/*.dat
csv=$T/results.csv
echo "round,kernel,zswap,content,mem_mb,pool_pct,hog,seconds,mib_per_s,swapped_mib,wire_mib,wire_per_mib,cpu_busy_pct,cpu_sys_pct,pool_peak_mib,stored_peak_mib,pswpout,pswpin,zswpout,zswpin,zswpwb,swpout_zero,swpin_zero,load_start,load_end" >"$csv"
for f in "$OURS" "$STOCK" "$INITRD" "$TESTROOT_IMG"; do
	[ -f "$f" ] || fail "$f missing (make kernel stock-kernel initramfs testroot)"
done
tap_net_up

# The guest side (no double quotes: the command line holds it in one quoted
# parameter). vm: the swap counters of /proc/vmstat; the pool sampler runs
# beside the hog.
guest_run() { # HOG-ARGS
	local Z=/sys/module/zswap/parameters
	printf '%s' "vm(){ echo ZB: \$1 \$(awk -v OFS== '/^(pswpin|pswpout|zswpin|zswpout|zswpwb|swpin_zero|swpout_zero) /{print \$1,\$2}' /proc/vmstat);};echo ZB: params \$(cat $Z/enabled $Z/compressor $Z/max_pool_percent);vm vm0;echo ZB: cpu0 \$(head -n1 /proc/stat);echo ZB: start;sleep 2;(while sleep 1;do echo ZB: pool \$(awk '/^Zswap(ped)?:/{print \$2}' /proc/meminfo);done)& hog $1 -q;echo ZB: rc=\$?;kill \$!;echo ZB: cpu1 \$(head -n1 /proc/stat);vm vm1;echo ZB: end;sleep 2"
}

tap_bytes() { echo $(($(cat /sys/class/net/tap0/statistics/rx_bytes) + $(cat /sys/class/net/tap0/statistics/tx_bytes))); }

# wait_marker NAME MARKER: waits for "ZB: MARKER" on the console, polling
# more often than the guest's 2 s pause after it.
wait_marker() {
	local end=$((SECONDS + RUN_TIMEOUT)) pidvar="QEMU_PID_$1"
	while [ $SECONDS -lt $end ]; do
		console_has "$1" "^ZB: $2\$" && return 0
		alive "${!pidvar}" || return 1
		sleep 0.3
	done
	return 1
}

# vm_field NAME vm0|vm1 FIELD: a counter from the guest's vm line.
vm_field() { console_line "$1" "^ZB: $2 " | grep -oE "(^| )$3=[0-9]+" | cut -d= -f2; }

# cell_figures NAME: the CSV fields from swapped_mib to swpin_zero, from
# the guest's lines (the tap's bytes are added by the caller).
cell_figures() {
	local run=$1 f d=()
	for f in pswpout pswpin zswpout zswpin zswpwb swpout_zero swpin_zero; do
		d+=($(($(vm_field "$run" vm1 "$f") - $(vm_field "$run" vm0 "$f"))))
	done
	local c0 c1 pool
	c0=$(console_line "$run" "^ZB: cpu0 cpu ")
	c1=$(console_line "$run" "^ZB: cpu1 cpu ")
	pool=$(console_text "$run" | awk '/^ZB: pool [0-9]+ [0-9]+/ { if ($3 > p) p = $3; if ($4 > s) s = $4 } END { printf "%.1f,%.1f", p / 1024, s / 1024 }')
	# out: to the device (its writebacks already counted once in zswpout),
	# to zswap, to the zero map; in: from any of the three
	awk -v c0="$c0" -v c1="$c1" -v pool="$pool" -v d="${d[*]}" 'BEGIN {
		split(d, v, " "); split(c0, a, " "); split(c1, b, " ")
		out = v[1] - v[5] + v[3] + v[6]; in_ = v[2] + v[4] + v[7]
		for (i = 4; i <= 11; i++) { x = b[i] - a[i]; tot += x; if (i == 4 || i == 5 || i == 6 || i == 9 || i == 10) busy += x; if (i == 6 || i == 9 || i == 10) sys += x }
		printf "%.1f,%.1f,%.1f,%s,%s,%s,%s,%s,%s,%s,%s\n", (out + in_) * 4 / 1024, tot ? busy * 100 / tot : 0,
		       tot ? sys * 100 / tot : 0, pool, v[1], v[2], v[3], v[4], v[5], v[6], v[7]
	}'
}

# One boot, one hog run: appends a row to results.csv.
cell_run() { # ROUND KERNEL ZSWAP CONTENT
	local round=$1 kernel=$2 zswap=$3 content=$4 kfile=$OURS hog=$HOG img=$T/swap.img
	local run=${2}_${3}_${4}_r$1 load0 knobs="netswap.zswap=$zswap" b0 b1 res secs mibs fig swapped wire
	[ "$kernel" = stock ] && kfile=$STOCK
	[ "$content" = mix ] && hog="$hog -c"
	[ "$zswap" = off ] || knobs="$knobs netswap.zswap_pool=$POOL"
	load0=$(cut -d' ' -f1 /proc/loadavg)
	sparse_file "$img" 1G
	nbd_server root="$TESTROOT_IMG:ro" swap="$img"
	log "== $run: $kernel kernel, $knobs, hog $hog, ${MEM} MB (host load $load0)"
	KERNEL=$kfile QEMU_MEM=$MEM QEMU_NETDEV=$TAP_NETDEV qemu_boot "$run" \
		"netswap=nbd:10.0.2.2:$NBD_PORT/swap$SWAPOPTS $knobs $TAP_IP root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$(guest_run "$hog")\""
	wait_marker "$run" start || { keep_console "$run" "$dir"; fail "$run: the hog did not start"; }
	b0=$(tap_bytes)
	wait_marker "$run" end || { keep_console "$run" "$dir"; fail "$run: the hog did not finish in ${RUN_TIMEOUT}s"; }
	b1=$(tap_bytes)
	wait_console "$run" "TESTROOT: done" 60 || log "$run: no TESTROOT: done"
	qemu_gone "$run"
	nbd_server_down
	rm -f "$img" "$T/nbd-server.pid"
	keep_console "$run" "$dir"
	console_has "$run" "^ZB: rc=0" || fail "$run: the hog failed: $(console_line "$run" 'hog: RESULT')"
	case $zswap in
	off) console_has "$run" "^ZB: params N " ;;
	*) console_has "$run" "^ZB: params Y $zswap $POOL" ;;
	esac || fail "$run: zswap not as asked: $(console_line "$run" '^ZB: params')"
	res=$(console_line "$run" "hog: RESULT ok")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$res")
	mibs=$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$res")
	fig=$(cell_figures "$run")
	swapped=${fig%%,*}
	wire=$(awk -v b=$((b1 - b0)) 'BEGIN { printf "%.1f", b / 1048576 }')
	echo "$round,$kernel,$zswap,$content,$MEM,$POOL,$hog,$secs,$mibs,$swapped,$wire,$(awk -v w="$wire" -v s="$swapped" 'BEGIN { printf "%.3f", (s > 0 ? w / s : 0) }'),${fig#*,},$load0,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
	log "$run: $secs s, $mibs MiB/s, $swapped MiB swapped, $wire MiB on the wire"
}

t0=$SECONDS
for round in $(seq "${BENCH_ROUNDS:-2}"); do
	for content in mix random; do
		for kernel in ours stock; do
			for zswap in off lz4 zstd; do
				case " ${ZSWAPBENCH_ONLY:-$kernel-$zswap-$content} " in *" $kernel-$zswap-$content "*) ;; *) continue ;; esac
				cell_run "$round" "$kernel" "$zswap" "$content"
			done
		done
	done
done
cp "$csv" "$dir/"
bash "$bench/zswapbench_report.sh" "$dir"
pass "$(($(wc -l <"$csv") - 1)) runs in $((SECONDS - t0)) s, every page verified"
