#!/bin/bash
# tests/e2e/torture.sh [OUT] [short] - swap torture: a small node (48-64 MB)
# swaps 3-4x its RAM over NBD, round after round, against a real
# nbd-server, behind added latency (nbdkit's delay filter), and with the
# storage server killed and restarted in the middle of a round. Every page
# is verified by the hog; a task blocked for 30 s (the hung-task detector),
# an OOM kill, an I/O error, a segfault, an oops or panic, a bad page or a
# stall fails the run. Every round is recorded and a table printed at the end;
# consoles and results.csv stay in OUT/torture/{short,full}/.
#
#   ROUNDS=3           hog runs per configuration (full mode; short does 1;
#                      the 50 ms configuration does 1 unless its table says more)
#   CONFIGS="plain .." run only these configurations (names in the table)
#   ROUND_TIMEOUT=1800 seconds one round may take before it counts as stalled
#   BOUNCE_SIGNAL=TERM how the swap server is killed in restart rounds (or KILL)
#
# short (what make check runs, < 10 min): one round at 3x RAM against
# nbd-server, one round behind 5 ms of latency, and one round of mixed
# reads and writes over four connections on the lockdep kernel.
#
# The kernel column: "patched" is OUT/bzImage, "lockdep" OUT/lockdep/bzImage
# (make lockdep-kernel: the same series with lock-order checking, whose
# reports fail the round like any other kernel warning).
OUT=${1:-${OUT:-out}}
export OUT
mode=${2:-full}
. "$(dirname "$0")/../lib.sh"
NBDKIT_DELAY=${NBDKIT_DELAY:-/usr/lib/x86_64-linux-gnu/nbdkit/filters/nbdkit-delay-filter.so}

# Hog sizes follow the RAM: 3-4x. Reads are synchronous page faults with
# at most 8 pages of readahead, so latency rounds run more workers to keep
# faults in flight; pass 1 checks and rewrites every page, "final" checks again.
# rounds: R follows ROUNDS; a number caps it (a 50 ms round takes ~2 min;
# 8 before patch 6 spread it over four connections). lockdelay's 16
# processes get 96 MB: lockdep's tables leave about 25 MB of a 64 MB node
# to manage, and at 64 MB their page tables and slab did not fit (OOM kill
# with swap free).
# name       kernel   MB  swap server  delay ms  conns  restart  rounds  hog arguments
CONFIGS_FULL="
plain        patched  48  nbd-server   0         1      no       R       -m 144 -p 1 -j 4 -o seq
multi        patched  64  nbd-server   0         4      no       R       -m 256 -p 1 -j 4 -o random
delay5       patched  48  nbdkit       5         2      no       R       -m 144 -p 1 -j 8 -o both
delay50      patched  48  nbdkit       50        4      no       1       -m 144 -p 1 -j 16 -o seq
restart      patched  64  nbd-server   0         2      yes      R       -m 192 -p 1 -j 2 -o seq
restart5     patched  48  nbdkit       5         2      yes      R       -m 144 -p 1 -j 8 -o seq
lockmix      lockdep  64  nbd-server   0         4      no       R       -m 192 -p 1 -j 8 -o random
lockdelay    lockdep  96  nbdkit       5         4      no       1       -m 288 -p 1 -j 16 -o both
lockrestart  lockdep  64  nbdkit       5         4      yes      R       -m 192 -p 1 -j 8 -o random
"
CONFIGS_SHORT="
plain        patched  48  nbd-server   0         1      no       1       -m 144 -p 1 -j 4 -o seq
delay5       patched  48  nbdkit       5         2      no       1       -m 96 -p 1 -j 8 -o seq
lockmix      lockdep  64  nbd-server   0         4      no       1       -m 128 -p 1 -j 8 -o random
"

case $mode in
short) table=$CONFIGS_SHORT max_rounds=1 round_timeout=${ROUND_TIMEOUT:-600} ;;
full) table=$CONFIGS_FULL max_rounds=${ROUNDS:-3} round_timeout=${ROUND_TIMEOUT:-1800} ;;
*) fail "mode '$mode': expected short or full (empty)" ;;
esac
[ -f "$NBDKIT_DELAY" ] || fail "nbdkit delay filter missing ($NBDKIT_DELAY): apt-get install nbdkit"
# Results gather in $T and land in OUT/torture/MODE/ at the end, so two
# runs at once (make check beside make torture) do not mix their tables.
results=$OUT/torture/$mode
csv=$T/results.csv
echo "config,round,mem_mb,server,delay_ms,conns,hog,seconds,mib_per_s,swap_used_mib,tcp_queued_kib,reconnects,load1,verdict,detail" >"$csv"
failures=0

# The swap server dies while the node is deep in swap, stays away for a
# few seconds and comes back on the same port. SIGTERM, as a service
# manager restarts it (nbdkit then answers what is in flight with
# ESHUTDOWN); BOUNCE_SIGNAL=KILL drops the connections without a word.
swap_server_bounce() { # KIND FILE DELAY_MS
	log "killing the swap server ($1, SIG${BOUNCE_SIGNAL:-TERM}) mid-round"
	if [ "$1" = nbdkit ]; then nbdkit_stop "${BOUNCE_SIGNAL:-TERM}"; else nbd_server_down "${BOUNCE_SIGNAL:-TERM}"; fi
	sleep "${DOWN_SECONDS:-5}"
	if [ "$1" = nbdkit ]; then nbdkit_start "$2" "$3"; else nbd_server_restart; fi
	log "swap server back"
}

# The console lines of round R of NAME, from its start marker on.
round_text() { # NAME R
	console_text "$1" | awk -v s="TORTURE: round $2 start" -v e="TORTURE: round $2 rc=" \
		'index($0, s) { on = 1 } on { print } on && index($0, e) { exit }'
}

round_wait() { # NAME R REGEX SECONDS: 0 when REGEX shows up in round R
	local end=$((SECONDS + $4)) pidvar="QEMU_PID_$1"
	while [ $SECONDS -lt "$end" ]; do
		round_text "$1" "$2" | grep -qE "$3" && return 0
		alive "${!pidvar}" || break
		sleep 1
	done
	round_text "$1" "$2" | grep -qE "$3"
}

# The guest side of a round: the hog, bracketed by markers the host
# follows, beside lib.sh's watcher of hung tasks. A second watcher prints
# the send and receive queues of every TCP socket (the node's are NBD's;
# their buffers come out of the reserve kept for writing pages out) from
# /proc/net/tcp every 2 s, and the host keeps the largest sum. sockstat's
# "mem" would not do: it counts in per-CPU batches and shows 0 here.
nstest_for() { # ROUNDS HOG-ARGS
	printf '%s' "$HANG_DUMP_SH"
	printf '%s' "tcp_q(){ while sleep 2;do echo TORTURE: tcp_queues \$(awk 'NR>1{print \$5}' /proc/net/tcp);done;};tcp_q& "
	printf '%s' "for r in $(seq -s ' ' "$1");do echo TORTURE: round \$r start;hog $2;echo TORTURE: round \$r rc=\$?;done"
}

record() { # name r mem server delay conns hog seconds mibs swap tcpmem reconnects verdict detail
	local load detail=${14//[,\"]/;}
	load=$(cut -d' ' -f1 /proc/loadavg)
	echo "$1,$2,$3,$4,$5,$6,$7,$8,$9,${10},${11},${12},$load,${13},$detail" >>"$csv"
	[ "${13}" = ok ] || failures=$((failures + 1))
	log "round $2 of $1: ${13} ${8}s ${9} MiB/s swap ${10} MiB tcp ${11} KiB ${14}"
}

# The largest sum of the TCP queues a round's samples show, in KiB; each
# queue is "tx:rx" in hex bytes.
tcp_queued_kib() {
	local q sum max=0 rest
	while read -r _ _ rest; do
		sum=0
		for q in $rest; do sum=$((sum + 16#${q%:*} + 16#${q#*:})); done
		[ "$sum" -gt "$max" ] && max=$sum
	done < <(grep -oE "TORTURE: tcp_queues( [0-9A-Fa-f]+:[0-9A-Fa-f]+)*")
	echo $((max / 1024))
}

# Round R of NAME from its console: sets secs, mibs, swapmax, tcpmax, reconn,
# verdict and detail. down=1 when the swap server was bounced in the round.
round_judge() { # NAME R DOWN
	local text res
	text=$(round_text "$1" "$2")
	res=$(grep -m1 "hog: RESULT" <<<"$text")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$res")
	mibs=$(sed -n 's/.*mib_per_s=\([0-9.]*\).*/\1/p' <<<"$res")
	swapmax=$(grep -oE "swap used [0-9.]+" <<<"$text" | awk '$3 > m { m = $3 } END { print m + 0 }')
	tcpmax=$(tcp_queued_kib <<<"$text")
	reconn=$(grep -cE "keeper: .* back after" <<<"$text")
	verdict=FAIL detail=
	if grep -qE "$SWAP_BAD_RE" <<<"$text"; then
		detail=$(grep -m1 -oE ".{0,40}($SWAP_BAD_RE).{0,60}" <<<"$text")
	elif ! grep -q "TORTURE: round $2 rc=" <<<"$text"; then
		detail="round $2 did not finish in ${round_timeout}s: stalled (${res:-no RESULT line})"
	elif ! grep -q "hog: RESULT ok" <<<"$text" || ! grep -q "TORTURE: round $2 rc=0" <<<"$text"; then
		detail="hog did not verify: ${res:-no RESULT line}"
	elif [ "$3" = 1 ] && [ "$reconn" = 0 ]; then
		detail="the swap server restarted but the keeper never reconnected"
	else
		verdict=ok
		[ "$3" = 1 ] && detail="reconnects: $(grep -oE "back after [0-9]+ ms" <<<"$text" | sed 's/back after //' | tr '\n' ' ')"
	fi
}

kernel_of() { # VARIANT
	case $1 in patched) echo "$OUT/bzImage" ;; *) echo "$OUT/$1/bzImage" ;; esac
}

# One configuration: one boot, ROUNDS hog runs.
run_config() { # name kernel mem server delay conns restart rounds "hog arguments"
	local name=$1 kernel=$2 mem=$3 server=$4 delay=$5 conns=$6 restart=$7 rounds=$8 hog=$9
	local swapdev r down broken=
	local secs mibs swapmax tcpmax reconn verdict detail
	log "== $name: $kernel kernel, ${mem} MB, swap on $server, +${delay} ms, conns=$conns, restart=$restart, hog $hog, $rounds round(s)"
	[ -f "$(kernel_of "$kernel")" ] || fail "$(kernel_of "$kernel") missing (make $([ "$kernel" = patched ] && echo kernel || echo "$kernel-kernel"))"
	sparse_file "$T/swap-$name.img" 1G
	rm -f "$T/nbd-server.pid"
	if [ "$server" = nbdkit ]; then
		nbd_server root="$TESTROOT_IMG:ro"
		KIT_PORT=$(free_port)
		nbdkit_start "$T/swap-$name.img" "$delay"
		swapdev="10.0.2.2:$KIT_PORT/swap"
	else
		nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap-$name.img"
		swapdev="10.0.2.2:$NBD_PORT/swap"
	fi
	QEMU_MEM=$mem KERNEL=$(kernel_of "$kernel") qemu_boot "$name" "netswap=nbd:$swapdev:conns=$conns root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$(nstest_for "$rounds" "$hog")\""
	wait_console "$name" "TORTURE: round 1 start" 120 || broken="the node did not reach the test root"
	for r in $(seq "$rounds"); do
		if [ -n "$broken" ]; then
			record "$name" "$r" "$mem" "$server" "$delay" "$conns" "$hog" - - - - - FAIL "not run: $broken"
			continue
		fi
		down=0
		if [ "$restart" = yes ] && round_wait "$name" "$r" "hog: worker [0-9]+ pass 1/" "$round_timeout"; then
			swap_server_bounce "$server" "$T/swap-$name.img" "$delay"
			down=1
		fi
		if ! round_wait "$name" "$r" "TORTURE: round $r rc=" "$round_timeout"; then
			local pidvar="QEMU_PID_$name"
			broken="round $r stalled"
			alive "${!pidvar}" || broken="the node went down in round $r"
		fi
		round_judge "$name" "$r" "$down"
		record "$name" "$r" "$mem" "$server" "$delay" "$conns" "$hog" "${secs:--}" "${mibs:--}" \
			"$swapmax" "$tcpmax" "$reconn" "$verdict" "$detail"
	done
	[ -n "$broken" ] || wait_console "$name" "TESTROOT: done" 60 || true
	stop_qemu "$name" 20
	# errors outside the rounds (boot, shutdown) fail the configuration too;
	# the command line itself names what the watcher looks for
	if ! grep -q "^$name,.*,FAIL," "$csv" && console_text "$name" | grep -v "nstest=" | grep -qE "$SWAP_BAD_RE"; then
		record "$name" boot "$mem" "$server" "$delay" "$conns" "$hog" - - - - - FAIL \
			"$(console_text "$name" | grep -v "nstest=" | grep -m1 -oE ".{0,40}($SWAP_BAD_RE).{0,60}")"
	fi
	[ "$server" = nbdkit ] && nbdkit_stop
	nbd_server_down
}

print_table() {
	echo
	echo "swap torture ($mode, $(date -u +%Y-%m-%dT%H:%MZ), host load now $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
	awk -F, 'NR == 1 { next }
	{ printf "%-11s %-5s %3s MB  %-10s %3s ms  c=%-2s  %-26s %7s s %6s MiB/s  swap %6s MiB  tcp %5s KiB  load %5s  %-4s %s\n",
	         $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $13, $14, $15 }' "$csv"
}

t0=$SECONDS
while read -r name kernel mem server delay conns restart rounds hog; do
	[ -n "$name" ] || continue
	case " ${CONFIGS:-$name} " in *" $name "*) ;; *) continue ;; esac
	case $rounds in R) rounds=$max_rounds ;; *) [ "$rounds" -le "$max_rounds" ] || rounds=$max_rounds ;; esac
	run_config "$name" "$kernel" "$mem" "$server" "$delay" "$conns" "$restart" "$rounds" "$hog"
done <<<"$table"
print_table
mkdir -p "$results"
cp "$csv" "$results/"
for f in "$T"/*.console; do tr -d '\r' <"$f" >"$results/${f##*/}"; done
echo "console logs and results.csv in $results/"
[ "$(wc -l <"$csv")" -gt 1 ] || fail "no configuration ran (CONFIGS='${CONFIGS:-}')"
[ "$failures" = 0 ] || fail "$failures round(s) failed; see the table above and $results/"
pass "$(($(wc -l <"$csv") - 1)) round(s) in $((SECONDS - t0)) s, every page verified, no stall, OOM or I/O error"
