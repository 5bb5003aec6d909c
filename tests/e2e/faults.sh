#!/bin/bash
# tests/e2e/faults.sh [OUT] [short] - the fault matrix: the same faults, one
# run at a time, on four stacks side by side, every page verified by the hog.
# A measurement: another stack's failure is a result, recorded with its
# reason; the run fails only when a cell of ours fails.
#
# Stacks (rows):
#   ours    the patched kernel and our initramfs, with the command line
#           `make netboot` writes (netswap=nbd:S:P/swap root=nbd:S:P/root)
#   stock   the stock 6.12 kernel (make stock-kernel), the same initramfs
#   tuned   as stock, plus what user space can do to the swap device before
#           the hog starts: scheduler none, max_sectors_kb 4, nomerges 2
#   users   the stock kernel and Debian 12's nbd-client 3.24 in a busybox
#           initramfs, `-swap -persist` as initramfs-tools and dracut run
#           it, swap attached after the pivot, no keeper
#           (tests/faults/users_initramfs.sh)
# Scenarios (columns), each on a node of one vCPU (hog arguments below):
#   S1  the link shaped to 2 MiB/s each way (tc tbf on the tap, and on an
#       ifb for what the node sends), 16 processes in random order
#   S2  8 streaming writers and 4 processes re-reading their swapped pages
#   S3  conns=4, the default request timeout, a 1 Mbit/s link: "timed out"
#       messages and reconnects are counted; 64 MiB filled and checked
#       once (96 MiB took 32 minutes a cell, too long for the whole matrix)
#   S4  the node's link cut with no FIN or RST (QEMU monitor set_link off),
#       the swap server killed and restarted meanwhile, the link back after
#       60 s
#   S5  the swap server SIGKILLed, back after 10 s
#   S6  nbdkit stopped with SIGTERM (it answers NBD_ESHUTDOWN), restarted
#   S7  the swap server stalled (SIGSTOP) for 45 s, then resumed
#   S8  memory floor: the smallest of 32, 40, 48, 64 MB at which 4x RAM of
#       verified swap completes
# Faults strike once the node has 16 MiB in swap. Each cell: verdict (ok,
# hung task, OOM kill, I/O error, SIGBUS, bad page, no progress for 120 s,
# did not boot), MiB/s, worst and p99 fault latency, the time the node took
# to resume swapping after the server or link came back, the most pages
# under writeback. A hung-task report while the server is away for 45 or
# 60 s is the detector doing its job: it is counted, and the cell stays ok
# when every page then verifies.
#
#   FAULTS_ONLY="S4 S5"   these scenarios only
#   STACKS="ours stock"   these stacks only
#   CELL_TIMEOUT=2400     seconds a cell may take
#
# The swap server is nbdkit (file plugin), the root nbd-server, both in the
# run's own network namespace, reached over a tap. Writes OUT/faults/{full,
# short}/: results.csv, vmstat-<cell>.csv, the consoles, faults.png.
#
# short (what make check runs): S4 and S5 on ours, S6 on stock, smaller.
OUT=$(realpath "${1:-${OUT:-out}}")
export OUT
mode=${2:-full}
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")/.." && pwd)
ALL_STACKS="ours stock tuned users"
# before the namespace, which has no way to the Debian mirror
if [ -z "${NETSWAP_NS:-}" ] && [ "$mode" = full ]; then
	case " ${STACKS:-$ALL_STACKS} " in *" users "*)
		bash "$here/faults/users_initramfs.sh" "$OUT" || fail "cannot build the users' initramfs" ;;
	esac
fi
netns_enter netswap-faults "$OUT" "$mode"
STOCK=${STOCK_KERNEL:-$OUT/stock/bzImage}
# shellcheck disable=SC2153 # KERNEL and INITRD come from lib.sh
PATCHED=$KERNEL OURS_INITRD=$INITRD
USERS_INITRD=$OUT/faults/users-initramfs.img
CELL_TIMEOUT=${CELL_TIMEOUT:-2400}
STALL_SECONDS=120

# name  MB           link     conns  fault     hog arguments (4x RAM unless said)
SCENARIOS_FULL="
S1      64           16mbit   1      -         -m 256 -p 1 -j 16 -o random
S2      96           -        1      -         -m 384 -p 1 -j 12 -r 4 -o seq
S3      48           1mbit    4      -         -m 64 -p 0 -j 16 -o random
S4      64           -        1      linkdead  -m 256 -p 1 -j 4 -o random
S5      64           -        1      kill      -m 256 -p 1 -j 4 -o random
S6      64           -        1      term      -m 256 -p 1 -j 4 -o random
S7      64           -        1      stall     -m 256 -p 1 -j 4 -o random
S8      32,40,48,64  -        1      -         -m 4x -p 1 -j 4 -o random
"
# the cells make check runs: ours must pass S4 and S5; stock's S6 shows
# what the patches fix (its failure is a result, not a failed check)
SCENARIOS_SHORT="
S4      48           -        1      linkdead  -m 112 -p 1 -j 4 -o random
S5      48           -        1      kill      -m 112 -p 1 -j 4 -o random
S6      48           -        1      term      -m 112 -p 1 -j 4 -o random
"
CELLS_SHORT="ours:S4 ours:S5 stock:S6"

case $mode in
short) table=$SCENARIOS_SHORT ;;
full) table=$SCENARIOS_FULL ;;
*) fail "mode '$mode': expected short or full (empty)" ;;
esac
need=("$OURS_INITRD" "$TESTROOT_IMG")
case " ${STACKS:-$ALL_STACKS} " in *" ours "*) need+=("$PATCHED") ;; esac
case " ${STACKS:-$ALL_STACKS} " in *" stock "* | *" tuned "* | *" users "*) need+=("$STOCK") ;; esac
for f in "${need[@]}"; do
	[ -f "$f" ] || fail "$f missing (make kernel stock-kernel initramfs testroot)"
done

# results.csv and the consoles are copied out as each cell ends, so a run
# cut short keeps the cells it measured
results=$OUT/faults/$mode
rm -rf "$results"
mkdir -p "$results"
csv=$T/results.csv
echo "scenario,stack,mem_mb,verdict,mib_per_s,seconds,worst_ms,p99_ms,read_worst_ms,read_p99_ms,resume_s,keeper_ms,max_writeback,oom_kills,timeouts,reconnects,hung_reports,load1,detail" >"$csv"
our_failures=0

tap_net_up
# tc tbf on tap0 shapes what the servers send the node; what the node sends
# arrives on tap0's ingress, so it is redirected to ifb0 and shaped there.
link_shape() { # RATE
	ip link add ifb0 type ifb 2>/dev/null
	ip link set ifb0 up
	tc qdisc add dev tap0 root tbf rate "$1" burst 32k latency 400ms || fail "tc tbf on tap0 failed"
	tc qdisc add dev tap0 handle ffff: ingress
	tc filter add dev tap0 parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ifb0 ||
		fail "tc cannot redirect tap0's ingress to ifb0"
	tc qdisc add dev ifb0 root tbf rate "$1" burst 32k latency 400ms
}
# Packets the shaper dropped, toward the node and from it: a tail-dropping
# tbf starves a thin TCP stream (one lost segment, no duplicate ACKs, an
# RTO that doubles), which is worth telling apart from a stuck node.
link_drops() {
	local down up
	down=$(tc -s qdisc show dev tap0 root | grep -oE "dropped [0-9]+" | grep -oE "[0-9]+" | head -n1)
	up=$(tc -s qdisc show dev ifb0 root 2>/dev/null | grep -oE "dropped [0-9]+" | grep -oE "[0-9]+" | head -n1)
	echo "shaper dropped ${down:-0} packets to the node and ${up:-0} from it"
}
link_unshape() {
	tc qdisc del dev tap0 root 2>/dev/null
	tc qdisc del dev tap0 ingress 2>/dev/null
	ip link del ifb0 2>/dev/null
	return 0
}

# The guest side. The sampler prints /proc/vmstat's counters every second
# with shell builtins only; users first attaches its swap, tuned first
# retunes the swap device's queue.
TUNE_SH="for d in \$(sed -n 's|^/dev/\(nbd[0-9]*\) .*|\1|p' /proc/swaps);do q=/sys/block/\$d/queue;echo none >\$q/scheduler;echo 4 >\$q/max_sectors_kb;echo 2 >\$q/nomerges;echo FAULTS: tuned \$d \$(cat \$q/scheduler) max_sectors_kb=\$(cat \$q/max_sectors_kb) nomerges=\$(cat \$q/nomerges);done;"
SAMPLER_SH="vm_sample(){ while :;do s=;while read -r k v;do case \$k in nr_writeback|oom_kill|pswpin|pswpout) s=\$s' '\$k=\$v;;esac;done</proc/vmstat;read -r u _</proc/uptime;echo FAULTS: vm t=\$u\$s;sleep 1;done;};vm_sample& "
nstest_for() { # STACK HOG-ARGS
	local prep=
	case $1 in
	users) prep="/run/users/bin/nbd-swap||echo FAULTS: no swap;" ;;
	tuned) prep=$TUNE_SH ;;
	esac
	printf '%s' "$prep$HANG_DUMP_SH${SAMPLER_SH}echo FAULTS: start;hog $2;echo FAULTS: rc=\$?"
}

# The last vmstat sample's counter KEY (0 before any).
vm_last() { # NAME KEY
	console_text "$1" | grep "^FAULTS: vm t=" | tail -n1 | grep -oE " $2=[0-9]+" | cut -d= -f2 | grep . || echo 0
}
vm_moved() { echo $(($(vm_last "$1" pswpin) + $(vm_last "$1" pswpout))); }
# Lines that show the node at work: the hog's progress and the samples.
progress_lines() { console_text "$1" | grep -cE "^hog: |^FAULTS: vm t="; }

# Waits for the cell's end; sets stalled/ended. A cell stalls when neither
# the hog nor the sampler prints a line for STALL_SECONDS; SysRq then dumps
# the blocked tasks, every CPU, the memory and every task (the keeper's
# stack, wherever it sleeps) onto the console.
watch_cell() { # NAME TIMEOUT
	local end=$((SECONDS + $2)) pidvar="QEMU_PID_$1" lines last_move=$SECONDS seen
	seen=$(progress_lines "$1")
	stalled="" ended=""
	while [ $SECONDS -lt "$end" ]; do
		console_has "$1" "^FAULTS: rc=" && { ended=1; return; }
		alive "${!pidvar}" || return
		lines=$(progress_lines "$1")
		[ "$lines" != "$seen" ] && seen=$lines last_move=$SECONDS
		if [ $((SECONDS - last_move)) -ge $STALL_SECONDS ]; then
			stalled=1
			log "$1: no progress for ${STALL_SECONDS}s; SysRq w, l, m, t"
			qemu_sysrq "$1" wlmt || true
			sleep 20
			return
		fi
		sleep 2
	done
}

# Seconds from now until the swap counters move again (the node resumed).
resume_after() { # NAME
	local t0=$SECONDS seen pidvar="QEMU_PID_$1"
	seen=$(vm_moved "$1")
	while [ $((SECONDS - t0)) -lt $STALL_SECONDS ]; do
		[ "$(vm_moved "$1")" != "$seen" ] && { echo $((SECONDS - t0)); return; }
		console_has "$1" "^FAULTS: rc=" && { echo $((SECONDS - t0)); return; }
		alive "${!pidvar}" || break
		sleep 1
	done
	echo -
}

# The fault, once the node has 16 MiB in swap; sets resume (seconds from the
# server or link coming back to swap moving again) and fault_note.
inject() { # NAME FAULT
	resume=- fault_note=
	[ "$2" = - ] && return
	local t0=$SECONDS
	while [ "$(vm_last "$1" pswpout)" -lt 4096 ]; do
		console_has "$1" "^FAULTS: rc=" && { fault_note="finished before 16 MiB in swap"; return; }
		[ $((SECONDS - t0)) -lt 900 ] || { fault_note="never reached 16 MiB in swap"; return; }
		sleep 1
	done
	case $2 in
	linkdead)
		log "$1: link off (no FIN), swap server SIGKILLed and restarted, link back after 60 s"
		qemu_monitor "$1" "set_link n0 off" >/dev/null
		t0=$SECONDS
		nbdkit_stop KILL
		sleep 5
		nbdkit_start "$swap_img" 0
		[ $((SECONDS - t0)) -ge 60 ] || sleep $((60 - (SECONDS - t0)))
		qemu_monitor "$1" "set_link n0 on" >/dev/null ;;
	kill)
		log "$1: swap server SIGKILLed, back after 10 s"
		nbdkit_stop KILL
		sleep 10
		nbdkit_start "$swap_img" 0 ;;
	term)
		log "$1: swap server stopped with SIGTERM, back after 5 s"
		nbdkit_stop TERM
		sleep 5
		nbdkit_start "$swap_img" 0 ;;
	stall)
		log "$1: swap server SIGSTOPped for 45 s"
		signal_ours STOP "$KIT_PID"
		sleep 45
		signal_ours CONT "$KIT_PID" ;;
	esac
	resume=$(resume_after "$1")
	fault_note="$2 at $(vm_last "$1" pswpout) pages out"
}

# The verdict of a cell from its console; sets verdict and detail.
judge() { # NAME FAULT
	local text res hung
	text=$(console_text "$1" | grep -v "nstest=")
	res=$(grep -m1 "hog: RESULT" <<<"$text")
	hung=$(grep -c "blocked for more than" <<<"$text")
	verdict=ok detail=
	verdict_from() { verdict=$1 detail=$(grep -m1 -oE ".{0,50}($2).{0,70}" <<<"$text"); }
	if ! grep -q "^FAULTS: start" <<<"$text"; then
		verdict="did not boot" detail=$(grep -E "netswap:|USERS:|Kernel panic" <<<"$text" | tail -n1)
		[ -n "$text" ] || detail="no console output at all $(head -c 200 "$T/$1.qemu.log")"
	elif grep -q "^FAULTS: no swap" <<<"$text"; then
		verdict="did not boot" detail="no swap: $(grep -m1 -B1 "^FAULTS: no swap" <<<"$text" | head -n1)"
	elif grep -qE "hog: BAD|bad_pages=[1-9]" <<<"$text"; then
		verdict_from "bad page" "hog: BAD|bad_pages=[1-9]"
	elif grep -qE "killed by signal 7|Bus error" <<<"$text"; then
		verdict_from SIGBUS "killed by signal 7|Bus error"
	elif grep -qE "Out of memory: Kill|invoked oom-killer" <<<"$text" || [ "$(vm_last "$1" oom_kill)" != 0 ]; then
		verdict_from "OOM kill" "Out of memory: Kill|invoked oom-killer|killed by signal 9"
	elif grep -q "I/O error" <<<"$text"; then
		verdict_from "I/O error" "I/O error"
	elif [ "$hung" != 0 ] && { [ "$2" = - ] || [ "$2" = kill ] || [ "$2" = term ] || ! grep -q "hog: RESULT ok" <<<"$text"; }; then
		verdict_from "hung task" "blocked for more than"
	elif [ -n "$stalled" ]; then
		verdict="no progress for 120 s" detail="no hog line or sample for ${STALL_SECONDS}s; ${res:-no RESULT line}"
	elif [ -z "$ended" ]; then
		verdict="no progress for 120 s" detail="not finished in ${CELL_TIMEOUT}s: ${res:-no RESULT line}"
	elif ! grep -q "hog: RESULT ok" <<<"$text" || ! grep -q "^FAULTS: rc=0" <<<"$text"; then
		verdict="hog failed" detail=${res:-no RESULT line}
	fi
	[ "$hung" = 0 ] || [ "$verdict" != ok ] || detail="$hung hung-task report(s) while the server was away"
	grep -q "Kernel panic" <<<"$text" &&
		detail="${detail:+$detail; then }$(grep -m1 -oE "Kernel panic.{0,60}" <<<"$text")"
	return 0
}

# The swap server is running: a process that exited is a zombie until
# the harness reaps it, which kill -0 does not tell apart.
server_running() {
	local state
	alive "$KIT_PID" || return 1
	state=$(awk '{ print $3 }' "/proc/$KIT_PID/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; } # KEY RESULT-LINE

# One boot of STACK for SCENARIO at MEM MB; appends a row to results.csv.
run_cell() { # scenario stack mem link conns fault hog
	local sc=$1 stack=$2 mem=$3 link=$4 conns=$5 fault=$6 hog=$7
	local name=${sc}_${stack}_${mem} kernel=$STOCK initrd=$OURS_INITRD append opts="" res text
	local verdict detail stalled="" ended="" resume=- fault_note=""
	swap_img=$T/swap-$name.img
	[ "$stack" = ours ] && kernel=$PATCHED
	[ "$stack" = users ] && initrd=$USERS_INITRD
	[ -f "$initrd" ] || fail "$initrd missing"
	sparse_file "$swap_img" 2G
	nbd_server root="$TESTROOT_IMG:ro"
	KIT_PORT=$(free_port)
	nbdkit_start "$swap_img" 0
	[ "$link" = - ] || link_shape "$link"
	[ "$conns" = 1 ] || opts=":conns=$conns"
	case $stack in
	users) append="users.root=10.0.2.2:$NBD_PORT users.swap=10.0.2.2:$KIT_PORT" ;;
	*) append="$TAP_IP netswap=nbd:10.0.2.2:$KIT_PORT/swap$opts root=nbd:10.0.2.2:$NBD_PORT/root" ;;
	esac
	log "== $name: $stack, ${mem} MB, link ${link/-/unshaped}, conns $conns, fault $fault, hog $hog"
	KERNEL=$kernel INITRD=$initrd QEMU_MEM=$mem QEMU_NETDEV=$TAP_NETDEV QEMU_SYSRQ=1 \
		qemu_boot "$name" "$append nstest=\"$(nstest_for "$stack" "$hog")\""
	if wait_console "$name" "^FAULTS: start" 240; then
		inject "$name" "$fault"
		watch_cell "$name" "$CELL_TIMEOUT"
	fi
	judge "$name" "$fault"
	[ -z "$fault_note" ] || detail="${detail:+$detail; }$fault_note"
	# A swap server that exited by itself makes the cell another
	# scenario (a server gone for good, which no single-server swap
	# survives): say so, with its last words, rather than blame the node.
	if ! server_running; then
		verdict="server died"
		detail="the swap server (nbdkit pid $KIT_PID) exited by itself: $(tail -n 2 "$T/nbdkit.log" | tr '\n' ' '); $detail"
	fi
	wait_console "$name" "TESTROOT: done" 30 || true
	qemu_gone "$name" 10
	signal_ours CONT "$KIT_PID"
	nbdkit_stop KILL
	nbd_server_down KILL
	[ "$link" = - ] || detail="${detail:+$detail; }$(link_drops)"
	link_unshape
	rm -f "$swap_img"
	text=$(console_text "$name")
	res=$(grep -m1 "hog: RESULT" <<<"$text")
	console_text "$name" | sed -n 's/^FAULTS: vm //p' | tr ' ' ',' >"$T/vmstat-$name.csv"
	local wb keeper timeouts reconn hung
	wb=$(grep -oE "nr_writeback=[0-9]+" <<<"$text" | cut -d= -f2 | sort -n | tail -n1)
	keeper=$(grep -oE "back after [0-9]+ ms" <<<"$text" | grep -oE "[0-9]+" | tr '\n' ' ' | sed 's/ $//')
	timeouts=$(grep -cE "timed out|stuck request" <<<"$text")
	reconn=$(grep -cE "keeper: .* back after|Reconnecting" <<<"$text")
	hung=$(grep -c "blocked for more than" <<<"$text")
	echo "$sc,$stack,$mem,$verdict,$(field mib_per_s "$res"),$(field seconds "$res"),$(field worst_ms "$res"),$(field p99_ms "$res"),$(field read_worst_ms "$res"),$(field read_p99_ms "$res"),$resume,${keeper:--},${wb:-0},$(vm_last "$name" oom_kill),$timeouts,$reconn,$hung,$(cut -d' ' -f1 /proc/loadavg),${detail//[,\"]/;}" >>"$csv"
	log "$name: $verdict, $(field mib_per_s "$res") MiB/s, worst fault $(field worst_ms "$res") ms, resumed ${resume} s after the fault, ${detail}"
	cp "$csv" "$T/vmstat-$name.csv" "$T/nbdkit.log" "$results/"
	tr -d '\r' <"$T/$name.console" >"$results/$name.console"
	last_verdict=$verdict
	[ "$verdict" = ok ]
}

# S8 runs the RAM sizes upwards and stops at the first that passes.
run_scenario() { # scenario stack mems link conns fault hog
	local m hog
	for m in ${3//,/ }; do
		hog=${7/-m 4x/-m $((m * 4))}
		if run_cell "$1" "$2" "$m" "$4" "$5" "$6" "$hog"; then return 0; fi
	done
	return 1
}

for stack in ${STACKS:-}; do
	case " $ALL_STACKS " in *" $stack "*) ;; *) fail "stack '$stack': expected some of $ALL_STACKS" ;; esac
done
t0=$SECONDS
while read -r sc mems link conns fault hog; do
	[ -n "$sc" ] || continue
	case " ${FAULTS_ONLY:-$sc} " in *" $sc "*) ;; *) continue ;; esac
	for stack in ${STACKS:-$ALL_STACKS}; do
		if [ "$mode" = short ]; then case " $CELLS_SHORT " in *" $stack:$sc "*) ;; *) continue ;; esac; fi
		run_scenario "$sc" "$stack" "$mems" "$link" "$conns" "$fault" "$hog" ||
			{ [ "$stack" = ours ] && [ "$last_verdict" != "server died" ] && our_failures=$((our_failures + 1)); }
	done
done <<<"$table"
bash "$here/faults/report.sh" "$results"
echo "consoles, results.csv and faults.png in $results/ ($((SECONDS - t0)) s)"
[ "$(wc -l <"$csv")" -gt 1 ] || fail "no cell ran (FAULTS_ONLY='${FAULTS_ONLY:-}' STACKS='${STACKS:-}')"
[ "$our_failures" = 0 ] || fail "$our_failures cell(s) of ours failed; see the table above and $results/"
pass "$(($(wc -l <"$csv") - 1)) cell(s); every cell of ours verified every page"
