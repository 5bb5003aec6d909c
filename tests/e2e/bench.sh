#!/bin/bash
# tests/e2e/bench.sh [OUT] - swap throughput, side by side on one hog and one
# RAM size: local virtio-blk swap, the stock 6.12 kernel's NBD swap, and the
# patched kernel's page-sized NBD swap with 1, 2 and 4 connections (and,
# with BENCH_2CPU=1, on two vCPUs); then stock and patched behind 0, 5 and
# 50 ms of added latency per request (nbdkit's delay filter); then the boot
# figures against Debian's initramfs-tools (tests/bench/ref_initramfs.sh).
# Prints tables and writes OUT/bench/: results.csv, boot.csv,
# throughput.png, the consoles.
#
# A measurement: it fails only on a broken run (a boot that does not finish,
# a page that does not verify, an OOM kill, an I/O error, a hung task).
# One run at a time (QEMU TCG is CPU bound): about 40 minutes on a
# 2-core machine. The host load is recorded beside every figure.
#
#   BENCH_ONLY="local ours_c1"   run only these rows of the table below
#   BENCH_2CPU=1                 also the 2-vCPU rows (slow on a 2-core host)
#   BENCH_REF=0                  no initramfs-tools reference
#   TPUT_MEM/TPUT_HOG, LAT_MEM/LAT_HOG   the node and hog of each section
OUT=${1:-${OUT:-out}}
export OUT
. "$(dirname "$0")/../lib.sh"
STOCK=${STOCK_KERNEL:-$OUT/stock/bzImage}
# shellcheck disable=SC2153 # KERNEL comes from lib.sh
PATCHED=$KERNEL
TPUT_MEM=${TPUT_MEM:-64}
TPUT_HOG=${TPUT_HOG:--m 192 -p 1 -j 1 -o seq}
# Swap-in is one synchronous fault per page (page-cluster=0): the latency
# runs keep 16 faults in flight.
LAT_MEM=${LAT_MEM:-64}
LAT_HOG=${LAT_HOG:--m 128 -p 1 -j 16 -o seq}
# The block layer maps each vCPU to one hardware queue and NBD sends a
# queue's requests on one connection: with one vCPU, conns=2 and 4 only
# add spare connections. The 2-vCPU rows (BENCH_2CPU=1) show what a second
# CPU lets a second connection do; on a 2-core host TCG starves them
# (1.5 MiB/s against 5.1 on one vCPU), so they are off by default.
# section  name           kernel   swap        conns  delay  vCPUs
RUNS="
tput       local          patched  local       -      0      1
tput       stock_c1       stock    nbd-server  1      0      1
tput       stock_c4       stock    nbd-server  4      0      1
tput       ours_c1        patched  nbd-server  1      0      1
tput       ours_c2        patched  nbd-server  2      0      1
tput       ours_c4        patched  nbd-server  4      0      1
tput       stock_c2_2cpu  stock    nbd-server  2      0      2
tput       ours_c1_2cpu   patched  nbd-server  1      0      2
tput       ours_c2_2cpu   patched  nbd-server  2      0      2
lat        stock_d0       stock    nbdkit      1      0      1
lat        ours_d0        patched  nbdkit      1      0      1
lat        stock_d5       stock    nbdkit      1      5      1
lat        ours_d5        patched  nbdkit      1      5      1
lat        stock_d50      stock    nbdkit      1      50     1
lat        ours_d50       patched  nbdkit      1      50     1
"
RUN_TIMEOUT=${RUN_TIMEOUT:-1800}
BAD_RE='blocked for more than|Out of memory|I/O error|segfault|Kernel panic|BUG:|Oops|hog: RESULT FAIL|hog: BAD|killed by signal'
here=$(cd "$(dirname "$0")/.." && pwd)
results=$OUT/bench
mkdir -p "$results"
csv=$T/results.csv
bootcsv=$T/boot.csv
echo "section,config,kernel,swap,conns,delay_ms,mem_mb,hog,seconds,mib_per_s,fill_mib_s,verify_mib_s,load_start,load_end,vcpus" >"$csv"
echo "config,kernel,run_init_s,init_started_s,initramfs_done_s,initramfs_ms,real_init_s,root_mounted_s" >"$bootcsv"
for k in "$PATCHED" "$STOCK" "$INITRD" "$TESTROOT_IMG"; do [ -f "$k" ] || fail "$k missing (make kernel stock-kernel initramfs testroot)"; done

forget_pid() {
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# 128 threads, the NBD queue depth: the server never caps the requests in
# flight (nbdkit's default of 16 would, at 50 ms: 16 x 4 KiB / 50 ms).
nbdkit_start() { # FILE DELAY_MS; sets KIT_PORT, KIT_PID
	KIT_PORT=$(free_port)
	rm -f "$T/nbdkit.pid"
	local filter=() delay_args=()
	[ "$2" -gt 0 ] && filter=(--filter=delay) delay_args=("rdelay=${2}ms" "wdelay=${2}ms")
	nbdkit -f -t 128 -P "$T/nbdkit.pid" -i 127.0.0.1 -p "$KIT_PORT" "${filter[@]}" file "file=$1" "${delay_args[@]}" \
		>>"$T/nbdkit.log" 2>&1 &
	for _ in $(seq 50); do [ -s "$T/nbdkit.pid" ] && break; sleep 0.1; done
	[ -s "$T/nbdkit.pid" ] || fail "nbdkit did not start: $(tail -n 5 "$T/nbdkit.log")"
	KIT_PID=$(cat "$T/nbdkit.pid")
	PIDS+=("$KIT_PID")
}

servers_stop() {
	if [ -n "${KIT_PID:-}" ]; then
		kill "$KIT_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$KIT_PID" 2>/dev/null || break; sleep 0.1; done
		wait "$KIT_PID" 2>/dev/null
		forget_pid "$KIT_PID"
		KIT_PID=
	fi
	nbd_server_stop
	forget_pid "$NBD_PID"
	rm -f "$T/nbd-server.pid"
}

# The guest side: hog output goes through a loop that stamps each line with
# the guest's uptime (a shell builtin read: no fork per line), so the
# phases can be timed. No double quotes: the kernel command line holds the
# whole test in one quoted parameter. The local run first makes its disk a
# swap and gives the VM the knobs the netswap init sets for NBD swap
# (swap_tune_vm in init/swap.c).
nstest_for() { # local|nbd|boot HOG-ARGS
	local prep='' stamp="read -r u _ </proc/uptime;echo BENCH: real init \$u;"
	[ "$1" = boot ] && { printf '%s' "$stamp"; return; }
	[ "$1" = local ] && prep="sysctl -qw vm.page-cluster=0 vm.min_free_kbytes=\$(awk '/MemTotal/{v=int(\$2/32);print (v<2048?2048:(v>65536?65536:v))}' /proc/meminfo);mkswap /dev/vda >/dev/null&&swapon /dev/vda&&"
	printf '%s' "$stamp$prep{ hog $2;echo BENCH: rc=\$?; }|while read -r l;do read -r u _ </proc/uptime;echo BENCH: \$u \$l;done"
}

# Phase rates from the stamped hog lines of a one-worker run: fill is
# bound by swap-out, the final check by swap-in.
phase_rates() { # NAME MIB -> "fill verify"
	console_text "$1" | awk -v mib="$2" '
	/^BENCH: [0-9.]+ hog: [0-9]+ MiB in/ { t0 = $2 }
	/^BENCH: [0-9.]+ hog: worker 0 fill:/ { tf = $2 }
	/^BENCH: [0-9.]+ hog: worker 0 pass / { tp = $2 }
	/^BENCH: [0-9.]+ hog: worker 0 final:/ { te = $2 }
	END {
		if (!t0 || !tf || !tp || !te || tf <= t0 || te <= tp) { print "- -"; exit }
		printf "%.2f %.2f\n", mib / (tf - t0), mib / (te - tp)
	}'
}

boot_figures() { # NAME KERNEL-LABEL
	console_text "$1" | awk -v n="$1" -v k="$2" '
	function ts(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line }
	/Run \/init as init process/ { ri = ts($0) }
	/netswap: init started at/ { is = ts($0) }
	/netswap: initramfs done in/ { id = ts($0); ms = $0; sub(/.*done in /, "", ms); sub(/ ms.*/, "", ms) }
	/EXT4-fs \(nbd[0-9]+\): mounted/ && !rm { rm = ts($0) }
	/^BENCH: real init / { rl = $4 }
	END { print n "," k "," ri "," is "," id "," ms "," rl "," rm }' >>"$bootcsv"
}

# One boot, one hog run: appends a row to results.csv.
bench_run() { # section config kernel swap conns delay vcpus
	local section=$1 name=$2 kernel=$3 swap=$4 conns=$5 delay=$6 vcpus=$7 mem=$TPUT_MEM hog=$TPUT_HOG
	local kfile=$PATCHED img=$T/swap-$name.img append load0 res secs mibs rates
	[ "$kernel" = stock ] && kfile=$STOCK
	[ "$section" = lat ] && mem=$LAT_MEM hog=$LAT_HOG
	load0=$(cut -d' ' -f1 /proc/loadavg)
	sparse_file "$img" 1G
	case $swap in
	local)
		nbd_server root="$TESTROOT_IMG:ro"
		append="root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$(nstest_for local "$hog")\""
		set -- -drive "file=$img,if=virtio,format=raw" ;;
	nbd-server)
		nbd_server root="$TESTROOT_IMG:ro" swap="$img"
		append="netswap=nbd:10.0.2.2:$NBD_PORT/swap:conns=$conns root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$(nstest_for nbd "$hog")\""
		set -- ;;
	nbdkit)
		nbd_server root="$TESTROOT_IMG:ro"
		nbdkit_start "$img" "$delay"
		append="netswap=nbd:10.0.2.2:$KIT_PORT/swap:conns=$conns root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$(nstest_for nbd "$hog")\""
		set -- ;;
	esac
	log "== $section $name: $kernel kernel, swap $swap conns=$conns +${delay} ms, ${mem} MB, $vcpus vCPU, hog $hog (host load $load0)"
	KERNEL=$kfile QEMU_MEM=$mem QEMU_SMP=$vcpus qemu_boot "$name" "$append" "$@"
	wait_console "$name" "TESTROOT: done" "$RUN_TIMEOUT" || fail "$name did not finish in ${RUN_TIMEOUT}s"
	stop_qemu "$name" 20
	servers_stop
	rm -f "$img"
	console_text "$name" >"$results/$name.console"
	grep -v "nstest=" "$results/$name.console" | grep -qE "$BAD_RE" &&
		fail "$name: $(grep -v "nstest=" "$results/$name.console" | grep -m1 -oE ".{0,40}($BAD_RE).{0,60}")"
	console_has "$name" "BENCH: [0-9.]+ BENCH: rc=0" || fail "$name: the hog failed: $(console_line "$name" 'hog: RESULT')"
	res=$(console_line "$name" "hog: RESULT ok")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$res")
	mibs=$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$res")
	rates=$(phase_rates "$name" "$(sed -n 's/.* mib=\([0-9]*\).*/\1/p' <<<"$res")")
	case $hog in *"-j 1 "*|*"-j 1") ;; *) rates="- -" ;; esac
	echo "$section,$name,$kernel,$swap,$conns,$delay,$mem,$hog,$secs,$mibs,${rates% *},${rates#* },$load0,$(cut -d' ' -f1 /proc/loadavg),$vcpus" >>"$csv"
	boot_figures "$name" "$kernel"
	log "$name: $secs s, $mibs MiB/s (fill ${rates% *}, verify ${rates#* } MiB/s)"
}

# The reference: Debian's initramfs-tools image (tests/bench/ref_initramfs.sh)
# booting the same kernel onto the same NBD root, for the boot figures.
ref_boot() {
	local img=$results/ref/initramfs-tools.img
	if [ ! -f "$img" ] && [ "${BENCH_REF:-1}" = 1 ]; then
		bash "$here/bench/ref_initramfs.sh" "$OUT" || log "no reference initramfs: $(cat "$results/ref/summary.txt" 2>/dev/null)"
	fi
	[ -f "$img" ] || return 0
	nbd_server root="$TESTROOT_IMG:ro"
	# 256 MB: the kernel unpacks its 20 MB cpio into RAM
	INITRD=$img QEMU_MEM=256 QEMU_SMP=1 qemu_boot ref_itools \
		"root=/dev/nbd0 nbdroot=10.0.2.2:$NBD_PORT/root ip=dhcp ro nstest=\"$(nstest_for boot)\""
	if wait_console ref_itools "TESTROOT: done" 300; then
		boot_figures ref_itools initramfs-tools
	else
		log "the initramfs-tools reference did not boot; see $results/ref_itools.console"
	fi
	stop_qemu ref_itools 20
	console_text ref_itools >"$results/ref_itools.console"
	servers_stop
}

t0=$SECONDS
while read -r section name kernel swap conns delay vcpus; do
	[ -n "$section" ] || continue
	case " ${BENCH_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	[ "$vcpus" = 1 ] || [ "${BENCH_2CPU:-0}" = 1 ] || [ -n "${BENCH_ONLY:-}" ] || continue
	bench_run "$section" "$name" "$kernel" "$swap" "$conns" "$delay" "$vcpus"
done <<<"$RUNS"
ref_boot

# ---- tables
echo
echo "swap throughput ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) host cores, QEMU TCG, ${TPUT_MEM} MB node, hog $TPUT_HOG)"
echo "MiB/s is the hog's own figure: bytes written plus verified per second; fill is bound by"
echo "swap-out, verify (the final check) by swap-in. /stock: against stock with the same conns"
echo "and vCPUs. Load: the host's 1-min load average at start/end."
awk -F, '
$1 == "tput" { name[++n] = $2; row[$2] = $0; key = $3 "," $5 "," $15; mibs[key] = $10 }
END {
	printf "%-14s %-8s %-10s %5s %5s %8s %6s %6s %6s %7s %9s %7s %11s\n", "config", "kernel", "swap", "conns",
	       "vCPUs", "seconds", "MiB/s", "fill", "verify", "/stock", "/stock_c1", "/local", "load"
	for (i = 1; i <= n; i++) {
		split(row[name[i]], f, ",")
		same = "stock," f[5] "," f[15]
		rn = (f[3] != "stock" && (same in mibs) && mibs[same]) ? sprintf("%.2f", f[10] / mibs[same]) : "-"
		rs = mibs["stock,1,1"] ? sprintf("%.2f", f[10] / mibs["stock,1,1"]) : "-"
		rl = mibs["patched,-,1"] ? sprintf("%.2f", f[10] / mibs["patched,-,1"]) : "-"
		printf "%-14s %-8s %-10s %5s %5s %8s %6s %6s %6s %7s %9s %7s %5s/%-5s\n", f[2], f[3], f[4], f[5], f[15],
		       f[9], f[10], f[11], f[12], rn, rs, rl, f[13], f[14]
	}
}' "$csv"
if grep -q "^lat," "$csv"; then
	echo
	echo "behind added latency: nbdkit (file plugin, 128 threads) + delay filter on every read and"
	echo "write; ${LAT_MEM} MB node, 1 vCPU, conns=1, hog $LAT_HOG. MiB/s (seconds):"
	awk -F, '
	$1 == "lat" { k = $3; if (!(k in seen)) { seen[k] = 1; ks[++nk] = k }
	              if (!($6 in dseen)) { dseen[$6] = 1; ds[++nd] = $6 }; v[k, $6] = $10; s[k, $6] = $9 }
	END {
		printf "%-9s", "kernel"; for (j = 1; j <= nd; j++) printf " %16s", "+" ds[j] " ms"; printf "\n"
		for (i = 1; i <= nk; i++) {
			printf "%-9s", ks[i]
			for (j = 1; j <= nd; j++) printf " %16s", ((ks[i], ds[j]) in v) ? sprintf("%s (%s s)", v[ks[i], ds[j]], s[ks[i], ds[j]]) : "-"
			printf "\n"
		}
		if (("patched", ds[1]) in v && ("stock", ds[1]) in v) {
			printf "%-9s", "ours/stk"
			for (j = 1; j <= nd; j++) printf " %16s", v["stock", ds[j]] ? sprintf("%.2f", v["patched", ds[j]] / v["stock", ds[j]]) : "-"
			printf "\n"
		}
	}' "$csv"
fi

# ---- boot figures
echo
echo "boot (QEMU TCG, the kernel's printk clock, means over the boots of this run):"
size_of() { [ -f "$1" ] && stat -L -c %s "$1" || echo -; }
cpio_of() { [ -f "$1" ] && xz -dc "$1" 2>/dev/null | wc -c || echo -; }
{
	echo "netswap-patched $(size_of "$INITRD") $(cpio_of "$INITRD")"
	echo "netswap-stock $(size_of "$INITRD") $(cpio_of "$INITRD")"
	echo "initramfs-tools $(size_of "$results/ref/initramfs-tools.img") $(cpio_of "$results/ref/initramfs-tools.img")"
} >"$T/sizes"
awk -F, -v sizes="$T/sizes" '
BEGIN { while ((getline l < sizes) > 0) { split(l, f, " "); xz[f[1]] = f[2]; cp[f[1]] = f[3] } }
NR > 1 && $1 != "local" && $3 != "" && $7 != "" && $8 != "" {
	k = ($2 == "initramfs-tools") ? $2 : "netswap-" $2
	if (!(k in n)) order[++nk] = k
	n[k]++; ri[k] += $3; rm[k] += $8 - $3; rl[k] += $7 - $3
	if ($7 - $3 > mx[k]) mx[k] = $7 - $3
}
END {
	printf "%-16s %5s %10s %10s %11s %13s %13s %9s\n", "initramfs", "boots", "xz bytes", "cpio bytes",
	       "->Run /init", "->root mount", "->real init", "(max)"
	for (i = 1; i <= nk; i++) {
		k = order[i]
		printf "%-16s %5d %10s %10s %10.2fs %12.2fs %12.2fs %8.2fs\n", k, n[k], xz[k], cp[k],
		       ri[k] / n[k], rm[k] / n[k], rl[k] / n[k], mx[k]
	}
}' "$bootcsv"
echo "  ->Run /init: kernel start to the initramfs' /init (includes unpacking it); the other"
echo "  two from \"Run /init\" to the root's EXT4 mount and to the test root running its test."
[ -f "$results/ref/summary.txt" ] && sed 's/^/  /' "$results/ref/summary.txt"

# ---- raw data and plot
cp "$csv" "$bootcsv" "$results/"
rm -f "$results"/*.dat
for k in patched stock; do
	for v in 1 2; do
		awk -F, -v k="$k" -v v="$v" '$1 == "tput" && $3 == k && $4 == "nbd-server" && $15 == v { print $5, $10 }' \
			"$csv" >"$results/${k}_conns_${v}cpu.dat"
	done
	awk -F, -v k="$k" '$1 == "lat" && $3 == k { print $6, $10 }' "$csv" >"$results/lat_$k.dat"
done
# the local line spans the connections axis
awk -F, '$1 == "tput" && $4 == "local" && $15 == 1 { print 0.5, $10; print 4.5, $10 }' "$csv" >"$results/local.dat"
series() { local f; for f in "$@"; do [ -s "$results/$f.dat" ] && printf '%s ' "$f"; done; }
if command -v gnuplot >/dev/null; then
	gnuplot -e "dir='$results'; conns='$(series patched_conns_1cpu stock_conns_1cpu patched_conns_2cpu stock_conns_2cpu)'; local='$(series local)'; lat='$(series lat_patched lat_stock)'" \
		"$here/bench/throughput.gp" && echo "plot: $results/throughput.png" || echo "plot: gnuplot failed (data in $results/)"
else
	echo "plot: gnuplot missing (apt-get install gnuplot-nox); data in $results/"
fi
echo "raw: $results/results.csv, $results/boot.csv, consoles $results/*.console"
pass "$(($(wc -l <"$csv") - 1)) runs in $((SECONDS - t0)) s, every page verified"
