#!/bin/bash
# tests/bench/serverbench.sh [OUT] - many nodes swapping to one server. fio's
# nbd engine (libnbd) plays 8, 16 and 32 nodes, each on its own export (its
# own sparse file) and its own NBD connection, doing what a swapping node
# sends: 4 KiB requests at random offsets, 60% writes, 16 in flight. Each
# server in turn serves all of them on 127.0.0.1:
#   nbd-server  one process, one config with N exports (a child per client)
#   nbdkit      one process, file plugin with dir= (every file an export),
#               16 threads per connection (its default)
#   qemu-nbd    one process per export: it serves one image
#   qemu-storage-daemon  one process, QEMU's block layer (qemu-nbd's) with
#               a file blockdev and an NBD export per node: how a gateway
#               serves Ceph RBD images (driver=rbd), see docs/beyond-one-server.md
# Prints a table and writes OUT/serverbench/: results.csv (a row per cell),
# each cell's fio JSON, serverbench.png. tests/bench/serverbench_report.sh
# prints the table again from a saved directory.
#
# Nodes start 50 ms apart, as no boot storm is quite simultaneous:
# nbd-server 3.24 listens with a backlog of 10, and 32 clients connecting
# at once overflowed it here (9 connections hung in the handshake for
# good; fio, unlike our init, has no handshake timeout). A cell whose fio
# does not finish in time is killed and recorded as failed.
#
# Per node: MiB/s read and written (means over the nodes, and the slowest
# node), p50 and p99 completion latency of reads and writes (every node's
# requests pooled). Server CPU is the utime+stime of the server processes
# and their children (nbd-server's forks, every qemu-nbd) over the measured
# seconds, in % of one core; fio's is its own account of its threads
# (usr + sys). Both run on the same host, so
# the generator takes CPU the server would otherwise get: on a small shared
# machine this is a lower bound on what a server can carry. The 1-minute
# load and the whole host's CPU use are recorded beside every row, and, as
# a cross-check, the server's CPU over fio's whole run (server_cpu_run_pct,
# lower: it includes the connects, the ramp and the teardown).
#
# A measurement, not a test: it fails only when a server does not start
# or a node gets an error or moves no data.
#
#   SERVERBENCH_SECONDS=12       measured seconds per cell: server CPU is
#                                sampled over these, once the last node is
#                                past its 2 s ramp; fio measures each node
#                                for 2 s + the last node's delay longer
#   SERVERBENCH_NODES="8 16 32"  node counts
#   SERVERBENCH_SERVERS="nbd-server nbdkit qemu-nbd qemu-storage-daemon"
#   SERVERBENCH_QD=16            requests in flight per node
#   SERVERBENCH_WRITES=60        % of requests that are writes
#   SERVERBENCH_SIZE=256M        each node's export (its random range)
OUT=$(realpath "${1:-${OUT:-out}}")
export OUT
. "$(dirname "$0")/../lib.sh"
bench=$(cd "$(dirname "$0")" && pwd)
secs=${SERVERBENCH_SECONDS:-12} ramp=2
nodes_list=${SERVERBENCH_NODES:-8 16 32}
servers=${SERVERBENCH_SERVERS:-nbd-server nbdkit qemu-nbd qemu-storage-daemon}
stagger_ms=50
qd=${SERVERBENCH_QD:-16} writes=${SERVERBENCH_WRITES:-60} size=${SERVERBENCH_SIZE:-256M}
dir=$OUT/serverbench exports=$T/exports
hz=$(getconf CLK_TCK)
command -v fio >/dev/null || fail "fio is missing: make deps (or apt-get install fio)"
mkdir -p "$dir" "$exports"
rm -f "$dir"/results.csv "$dir"/fio-*.json

# ---- the servers: each start_* sets SERVER_PIDS and URIS (one per node) ----
fresh_exports() { # N: N empty sparse files node01..nodeN, nothing of the last cell
	rm -f "$exports"/node*
	local i
	for i in $(seq -f %02g "$1"); do sparse_file "$exports/node$i" "$size"; done
}

wait_listening() { # PORT
	for _ in $(seq 100); do
		[ -n "$(ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.1
	done
	fail "nothing listens on 127.0.0.1:$1"
}

start_nbd-server() {
	local specs=() f
	for f in "$exports"/node*; do specs+=("$(basename "$f")=$f"); done
	nbd_server "${specs[@]}"
	wait_listening "$NBD_PORT"
	SERVER_PIDS=("$NBD_PID")
	URIS=()
	for f in "$exports"/node*; do URIS+=("nbd://127.0.0.1:$NBD_PORT/$(basename "$f")"); done
}
stop_nbd-server() { nbd_server_stop; forget_pid "$NBD_PID"; }

start_nbdkit() {
	unset KIT_PORT
	nbdkit_start "$exports" 0
	wait_listening "$KIT_PORT"
	SERVER_PIDS=("$KIT_PID")
	URIS=()
	local f
	for f in "$exports"/node*; do URIS+=("nbd://127.0.0.1:$KIT_PORT/$(basename "$f")"); done
}
stop_nbdkit() { nbdkit_stop; }

# qemu-nbd's defaults: cache=writeback, aio=threads, one client per export.
start_qemu-nbd() {
	local f name port pid
	SERVER_PIDS=() URIS=()
	for f in "$exports"/node*; do
		name=$(basename "$f") port=$(free_port)
		qemu-nbd -f raw -b 127.0.0.1 -p "$port" -x "$name" -t --pid-file="$T/qemu-nbd-$name.pid" "$f" \
			>>"$T/qemu-nbd.log" 2>&1 &
		pid=$!
		track_pid "$pid"
		SERVER_PIDS+=("$pid")
		wait_listening "$port"
		URIS+=("nbd://127.0.0.1:$port/$name")
	done
}
stop_qemu-nbd() {
	local p
	for p in "${SERVER_PIDS[@]}"; do signal_ours TERM "$p"; done
	for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null; forget_pid "$p"; done
}

# one process, the QEMU block layer: a file blockdev and an NBD export per
# node, with QEMU's defaults (page cache, aio=threads, the main loop)
start_qemu-storage-daemon() {
	local f name port args=()
	port=$(free_port)
	URIS=()
	for f in "$exports"/node*; do
		name=$(basename "$f")
		args+=(--blockdev "driver=file,node-name=$name,filename=$f"
			--export "type=nbd,id=e$name,node-name=$name,name=$name,writable=on")
		URIS+=("nbd://127.0.0.1:$port/$name")
	done
	qemu-storage-daemon --nbd-server "addr.type=inet,addr.host=127.0.0.1,addr.port=$port" "${args[@]}" \
		>>"$T/qsd.log" 2>&1 &
	SERVER_PIDS=($!)
	track_pid "${SERVER_PIDS[0]}"
	wait_listening "$port"
}
stop_qemu-storage-daemon() { stop_qemu-nbd; }

# ---- CPU accounting from /proc ----
# utime+stime of these processes and all their descendants, in ticks: a
# process's own, its reaped children's (cutime+cstime) and its live
# children's, so a child that exits and is reaped mid-cell stays counted.
proc_ticks() { # PID...
	local p stat a t=0 kids
	for p; do
		read -r stat 2>/dev/null </proc/"$p"/stat || continue
		read -ra a <<<"${stat##*) }" # a[0] is field 3 (state); fields 14-17
		t=$((t + a[11] + a[12] + a[13] + a[14]))
		kids=$(cat /proc/"$p"/task/*/children 2>/dev/null)
		# shellcheck disable=SC2086 # a list of PIDs
		[ -n "$kids" ] && t=$((t + $(proc_ticks $kids)))
	done
	echo "$t"
}

host_busy_ticks() { # all CPUs' busy ticks: everything but idle and iowait
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

now_ms() { date +%s%3N; }

# ---- one cell ----
fio_jobs() { # the job file: one [nodeNN] section per node
	echo "[global]"
	echo "ioengine=nbd"
	echo "thread"
	echo "rw=randrw"
	echo "rwmixwrite=$writes"
	echo "bs=4k"
	echo "iodepth=$qd"
	echo "size=$size"
	echo "time_based"
	echo "ramp_time=$ramp"
	# every node still runs when the CPU window, after the last ramp, ends
	echo "runtime=$((secs + 2 + (${#URIS[@]} * stagger_ms + 999) / 1000))"
	local u i=0
	for u in "${URIS[@]}"; do
		i=$((i + 1))
		printf '[node%02d]\nuri=%s\nstartdelay=%dms\n' "$i" "$u" $(((i - 1) * stagger_ms))
	done
}

cell() { # SERVER NODES
	local server=$1 n=$2 json=$dir/fio-$1-$2.json
	fresh_exports "$n"
	"start_$server"
	fio_jobs >"$T/cell.fio"
	local load0 s0 h0 t0 s1 h1 t1 fio_pid window=$((ramp + (n * stagger_ms + 999) / 1000))
	load0=$(cut -d' ' -f1 /proc/loadavg)
	local sa ta sb tb
	sa=$(proc_ticks "${SERVER_PIDS[@]}") ta=$(now_ms)
	# a hung handshake never ends by itself: kill fio a minute after it should be done
	timeout -s KILL $((window + secs + 2 + 60)) \
		fio --output-format=json+ --output="$json" "$T/cell.fio" >"$T/fio.log" 2>&1 &
	fio_pid=$!
	track_pid "$fio_pid"
	sleep "$window"
	s0=$(proc_ticks "${SERVER_PIDS[@]}") h0=$(host_busy_ticks) t0=$(now_ms)
	sleep "$secs"
	s1=$(proc_ticks "${SERVER_PIDS[@]}") h1=$(host_busy_ticks) t1=$(now_ms)
	local rc=0 fig
	wait "$fio_pid" || rc=$?
	sleep 1 # nbd-server reaps its children: their time moves to its cutime
	sb=$(proc_ticks "${SERVER_PIDS[@]}") tb=$(now_ms)
	forget_pid "$fio_pid"
	"stop_$server"
	if [ "$rc" != 0 ]; then
		echo "$server,$n,$qd,$writes,$secs,failed: fio rc $rc ($(grep -c . "$T/fio.log") log lines),,,,,,,,,,,$load0,," >>"$dir/results.csv"
		log "$server, $n nodes: FAILED, fio rc $rc: $(tail -n 3 "$T/fio.log" | tr '\n' ' ')"
		return
	fi
	fig=$(python3 "$bench/fio_nodes.py" "$json") || fail "$server, $n nodes: a node failed (see $json)"
	# % of one core: ticks / (seconds * ticks per second) * 100
	cpu() { echo "$1 $2 $3 $4 $hz" | awk '{ printf "%.0f", ($2 - $1) * 100000 / (($4 - $3) * $5) }'; }
	# the last column: the server's CPU over fio's whole run (connects,
	# stagger, ramp, teardown too), a cross-check of the measured window's
	echo "$server,$n,$qd,$writes,$secs,$fig,$(cpu "$s0" "$s1" "$t0" "$t1"),$(cpu "$h0" "$h1" "$t0" "$t1"),$load0,$(cut -d' ' -f1 /proc/loadavg),$(cpu "$sa" "$sb" "$ta" "$tb")" \
		>>"$dir/results.csv"
	log "$server, $n nodes: $(tail -n 1 "$dir/results.csv")"
}

echo "server,nodes,qd,write_pct,seconds,read_mibs,write_mibs,slowest_mibs,total_mibs,read_p50_ms,read_p99_ms,write_p50_ms,write_p99_ms,fio_cpu_pct,server_cpu_pct,host_cpu_pct,load_start,load_end,server_cpu_run_pct" \
	>"$dir/results.csv"
log "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $secs s per cell; nodes: $nodes_list; servers: $servers"
for server in $servers; do
	declare -F "start_$server" >/dev/null || fail "unknown server '$server' (nbd-server, nbdkit, qemu-nbd, qemu-storage-daemon)"
	for n in $nodes_list; do cell "$server" "$n"; done
done
bash "$bench/serverbench_report.sh" "$dir"
