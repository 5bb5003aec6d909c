#!/bin/bash
# tests/e2e/bench.sh [OUT] - swap throughput, side by side on one hog and one
# RAM size: local virtio-blk swap, the stock 6.12 kernel's NBD swap, and the
# patched kernel's page-sized NBD swap with 1, 2 and 4 connections; the
# page-cluster knob; stock and patched behind 0, 5 and 50 ms of added
# latency per request (nbdkit's delay filter); stock and patched against a
# server that bounds each connection (nbdkit's 16 threads, +50 ms, as
# torture's delay50) with 1 to 16 connections. Then the boot figures of our
# initramfs against Debian's initramfs-tools and dracut
# (tests/bench/ref_initramfs.sh). Prints tables and writes OUT/bench/:
# results.csv, boot.csv, throughput.png, the consoles.
#
# The whole run lives in a network namespace of its own. Swap runs use a
# tap device (guest 10.0.2.15, servers on 10.0.2.2) rather than QEMU's user
# network, whose userspace TCP stack would be measured instead of NBD swap
# (it halves the figures); boot runs use the user network for its DHCP.
#
# A measurement: it fails only on a broken run (a boot that does not finish,
# a page that does not verify, an OOM kill, an I/O error, a hung task).
# One run at a time (QEMU TCG is CPU bound), every row once per round,
# rounds interleaved so a drift in host speed hits every row alike: about
# 50 minutes on a 2-core machine. The host load is recorded beside every
# figure.
#
#   BENCH_ONLY="local ours_c1"   run only these rows of the table below
#   BENCH_ROUNDS=2               rounds of the swap rows
#   BENCH_BOOTS=3                boots of each initramfs for the boot table
#                                (0 skips them; the default with BENCH_ONLY)
#   BENCH_REF=0                  no initramfs-tools/dracut references
#   BENCH_SMP=1                  vCPUs of every node (see below)
#   TPUT_MEM/TPUT_HOG, LAT_MEM/LAT_HOG   the node and hog of each section
#                                (srv uses LAT_*)
#   SRV_THREADS=16               nbdkit threads per connection in srv
#   BENCH_CANDIDATE=<bzImage>    adds the cand_* rows: a candidate kernel
#                                beside ours and stock in the same run, to
#                                measure a change to the series
OUT=$(realpath "${1:-${OUT:-out}}")
export OUT
. "$(dirname "$0")/../lib.sh"
netns_enter netswap-bench "$OUT"
STOCK=${STOCK_KERNEL:-$OUT/stock/bzImage}
# shellcheck disable=SC2153 # KERNEL and INITRD come from lib.sh
PATCHED=$KERNEL OURS_INITRD=$INITRD
TPUT_MEM=${TPUT_MEM:-64}
TPUT_HOG=${TPUT_HOG:--m 192 -p 1 -j 1 -o seq}
# The latency runs keep 16 faults in flight, as a node running several
# programs does; one process would wait out every round trip alone.
LAT_MEM=${LAT_MEM:-64}
LAT_HOG=${LAT_HOG:--m 128 -p 1 -j 16 -o seq}
# The block layer has no more hardware queues than vCPUs, and the stock
# NBD sends a queue's requests on that queue's connection: with one vCPU
# its conns=2 and 4 add idle connections. Patch 6 spreads them over all
# connections. More vCPUs starve TCG on a 2-core host (BENCH_SMP=2 ran at
# 1.5 MiB/s against 5.1 with one).
SMP=${BENCH_SMP:-1}
# pc: vm.page-cluster in the node (3, the kernel's default, is what the
# netswap init leaves; the knob rows show 0, one page per fault, and 4 and
# 5, 16 and 32 pages of swap readahead, on both kernels).
# section  name       kernel   swap        conns  delay  pc
RUNS="
tput       local      patched  local       -      0      3
tput       stock_c1   stock    nbd-server  1      0      3
tput       stock_c4   stock    nbd-server  4      0      3
tput       ours_c1    patched  nbd-server  1      0      3
tput       ours_c2    patched  nbd-server  2      0      3
tput       ours_c4    patched  nbd-server  4      0      3
knob       ours_pc0   patched  nbd-server  1      0      0
knob       stock_pc4  stock    nbd-server  1      0      4
knob       ours_pc4   patched  nbd-server  1      0      4
knob       stock_pc5  stock    nbd-server  1      0      5
knob       ours_pc5   patched  nbd-server  1      0      5
lat        stock_d0   stock    nbdkit      1      0      3
lat        ours_d0    patched  nbdkit      1      0      3
lat        stock_d5   stock    nbdkit      1      5      3
lat        ours_d5    patched  nbdkit      1      5      3
lat        stock_d50  stock    nbdkit      1      50     3
lat        ours_d50   patched  nbdkit      1      50     3
srv        stock_s1   stock    nbdkit      1      50     3
srv        stock_s4   stock    nbdkit      4      50     3
srv        ours_s1    patched  nbdkit      1      50     3
srv        ours_s4    patched  nbdkit      4      50     3
srv        ours_s8    patched  nbdkit      8      50     3
srv        ours_s16   patched  nbdkit      16     50     3
tput       cand_c1    candidate nbd-server 1      0      3
tput       cand_c4    candidate nbd-server 4      0      3
lat        cand_d5    candidate nbdkit     1      5      3
"
RUN_TIMEOUT=${RUN_TIMEOUT:-1800}
here=$(cd "$(dirname "$0")/.." && pwd)
results=$OUT/bench
mkdir -p "$results"
csv=$T/results.csv
bootcsv=$T/boot.csv
echo "section,config,round,kernel,swap,conns,delay_ms,page_cluster,mem_mb,hog,seconds,mib_per_s,fill_mib_s,verify_mib_s,load_start,load_end" >"$csv"
echo "initramfs,boot,run_init_s,root_mounted_s,real_init_s" >"$bootcsv"
for k in "$PATCHED" "$STOCK" "$INITRD" "$TESTROOT_IMG"; do [ -f "$k" ] || fail "$k missing (make kernel stock-kernel initramfs testroot)"; done
[ -z "${BENCH_CANDIDATE:-}" ] || [ -f "$BENCH_CANDIDATE" ] ||
	fail "BENCH_CANDIDATE=$BENCH_CANDIDATE: no such file (expected a candidate kernel's bzImage)"

# The namespace's network: loopback for the user-network guests (QEMU
# connects to 127.0.0.1 for them) and tap0 for the swap runs.
tap_net_up

# 512 threads, the patched NBD queue depth: the server never caps the
# requests in flight (nbdkit's default of 16 would, at 50 ms: 16 x 4 KiB /
# 50 ms).
export NBDKIT_THREADS=512
# ... except in the srv section, where nbdkit keeps its default of 16 per
# connection, as a storage server with a worker pool per client does.
SRV_THREADS=${SRV_THREADS:-16}

servers_stop() {
	if [ -n "${KIT_PID:-}" ]; then
		nbdkit_stop
		KIT_PID= KIT_PORT=
	fi
	nbd_server_down
	rm -f "$T/nbd-server.pid"
}

# The guest side: hog output goes through a loop that stamps each line with
# the guest's uptime (a shell builtin read: no fork per line), so the
# phases can be timed. No double quotes: the kernel command line holds the
# whole test in one quoted parameter. The local run first makes its disk a
# swap and gives the VM the reserve the netswap init sets for NBD swap
# (swap_tune_vm in init/swap.c).
nstest_for() { # local|nbd|boot PAGE-CLUSTER HOG-ARGS
	local prep="sysctl -qw vm.page-cluster=$2;" stamp="read -r u _ </proc/uptime;echo BENCH: real init \$u;"
	[ "$1" = boot ] && { printf '%s' "$stamp"; return; }
	[ "$1" = local ] && prep="$prep sysctl -qw vm.min_free_kbytes=\$(awk '/MemTotal/{v=int(\$2/32);print (v<2048?2048:(v>65536?65536:v))}' /proc/meminfo);mkswap /dev/vda >/dev/null&&swapon /dev/vda&&"
	printf '%s' "$stamp$prep{ hog $3;echo BENCH: rc=\$?; }|while read -r l;do read -r u _ </proc/uptime;echo BENCH: \$u \$l;done"
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

# One boot, one hog run: appends a row to results.csv.
swap_run() { # section config round kernel swap conns delay page-cluster
	local section=$1 name=$2 round=$3 kernel=$4 swap=$5 conns=$6 delay=$7 pc=$8
	local mem=$TPUT_MEM hog=$TPUT_HOG kfile=$PATCHED img=$T/swap.img run=$2_r$3 append load0 res secs mibs rates
	[ "$kernel" = stock ] && kfile=$STOCK
	[ "$kernel" = candidate ] && kfile=$BENCH_CANDIDATE
	[ "$section" = tput ] || [ "$section" = knob ] || mem=$LAT_MEM hog=$LAT_HOG
	# srv: a server that serves SRV_THREADS requests at a time per
	# connection, so connections are what lets more requests fly.
	local threads=$NBDKIT_THREADS
	[ "$section" = srv ] && threads=$SRV_THREADS
	load0=$(cut -d' ' -f1 /proc/loadavg)
	sparse_file "$img" 1G
	nbd_server root="$TESTROOT_IMG:ro" swap="$img"
	local server=10.0.2.2:$NBD_PORT nstest
	nstest=$(nstest_for nbd "$pc" "$hog")
	case $swap in
	local) nstest=$(nstest_for local "$pc" "$hog")
		set -- -drive "file=$img,if=virtio,format=raw" ;;
	nbdkit) NBDKIT_THREADS=$threads nbdkit_start "$img" "$delay"
		server=10.0.2.2:$KIT_PORT
		set -- ;;
	*) set -- ;;
	esac
	append="$TAP_IP root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$nstest\""
	[ "$swap" = local ] || append="netswap=nbd:$server/swap:conns=$conns $append"
	log "== $run: $kernel kernel, swap $swap conns=$conns +${delay} ms, page-cluster $pc, ${mem} MB, hog $hog (host load $load0)"
	KERNEL=$kfile QEMU_MEM=$mem QEMU_SMP=$SMP QEMU_NETDEV=$TAP_NETDEV qemu_boot "$run" "$append" "$@"
	wait_console "$run" "TESTROOT: done" "$RUN_TIMEOUT" || fail "$run did not finish in ${RUN_TIMEOUT}s"
	qemu_gone "$run"
	servers_stop
	rm -f "$img"
	keep_console "$run" "$results"
	console_has "$run" "BENCH: [0-9.]+ BENCH: rc=0" || fail "$run: the hog failed: $(console_line "$run" 'hog: RESULT')"
	res=$(console_line "$run" "hog: RESULT ok")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$res")
	mibs=$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$res")
	rates=$(phase_rates "$run" "$(sed -n 's/.* mib=\([0-9]*\).*/\1/p' <<<"$res")")
	case $hog in *"-j 1 "*|*"-j 1") ;; *) rates="- -" ;; esac
	echo "$section,$name,$round,$kernel,$swap,$conns,$delay,$pc,$mem,$hog,$secs,$mibs,${rates% *},${rates#* },$load0,$(cut -d' ' -f1 /proc/loadavg)" >>"$csv"
	log "$run: $secs s, $mibs MiB/s (fill ${rates% *}, verify ${rates#* } MiB/s)"
}

# One boot to the test root's init over the user network's DHCP, at the
# same RAM for every initramfs (256 MB: initramfs-tools unpacks 20 MB).
boot_run() { # LABEL BOOT INITRD APPEND
	local run=boot_${1//-/_}_$2
	INITRD=$3 QEMU_MEM=256 QEMU_SMP=$SMP qemu_boot "$run" "$4 nstest=\"$(nstest_for boot)\""
	wait_console "$run" "TESTROOT: done" 300 || { log "$1 did not boot; see $results/$run.console"; console_text "$run" >"$results/$run.console"; stop_qemu "$run" 2; return 1; }
	stop_qemu "$run" 20
	keep_console "$run" "$results"
	console_text "$run" | awk -v k="$1" -v b="$2" '
	function ts(line) { sub(/^\[ */, "", line); sub(/\].*/, "", line); return line }
	/Run \/init as init process/ { ri = ts($0) }
	/EXT4-fs \(nbd[0-9]+\): mounted/ && !rm { rm = ts($0) }
	/^BENCH: real init / { rl = $4 }
	END { print k "," b "," ri "," rm "," rl }' >>"$bootcsv"
}

boot_section() {
	local img i
	if [ "${BENCH_REF:-1}" = 1 ] && { [ ! -f "$results/ref/initramfs-tools.img" ] || [ ! -f "$results/ref/dracut.img" ]; }; then
		bash "$here/bench/ref_initramfs.sh" "$OUT" || log "references incomplete: $(cat "$results/ref/summary.txt" 2>/dev/null)"
	fi
	nbd_server root="$TESTROOT_IMG:ro" swap="$T/boot-swap.img"
	sparse_file "$T/boot-swap.img" 256M
	local srv=10.0.2.2:$NBD_PORT
	for i in $(seq "$BOOTS"); do
		boot_run netswap "$i" "$OURS_INITRD" "netswap=nbd:$srv/swap root=nbd:$srv/root"
		img=$results/ref/initramfs-tools.img
		[ -f "$img" ] && boot_run initramfs-tools "$i" "$img" "root=/dev/nbd0 nbdroot=$srv/root ip=dhcp ro"
		img=$results/ref/dracut.img
		# dracut's root=nbd:SERVER:PORT:FSTYPE:FLAGS:NBD-CLIENT-OPTIONS; no
		# fsck, which cannot open the read-only export
		[ -f "$img" ] && boot_run dracut "$i" "$img" "root=nbd:$srv:ext4:ro:-name=root rd.neednet=1 ip=dhcp rd.skipfsck ro"
	done
	servers_stop
}

t0=$SECONDS
for round in $(seq "${BENCH_ROUNDS:-2}"); do
	while read -r section name kernel swap conns delay pc; do
		[ -n "$section" ] || continue
		case " ${BENCH_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
		[ "$kernel" != candidate ] || [ -n "${BENCH_CANDIDATE:-}" ] || continue
		swap_run "$section" "$name" "$round" "$kernel" "$swap" "$conns" "$delay" "$pc"
	done <<<"$RUNS"
done
BOOTS=${BENCH_BOOTS:-3}
[ -z "${BENCH_ONLY:-}" ] || BOOTS=${BENCH_BOOTS:-0}
[ "$BOOTS" = 0 ] || boot_section
cp "$csv" "$bootcsv" "$results/"
bash "$here/bench/report.sh" "$results" "$here/bench/throughput.gp"
pass "$(($(wc -l <"$csv") - 1)) swap runs, $(($(wc -l <"$bootcsv") - 1)) boots in $((SECONDS - t0)) s, every page verified"
