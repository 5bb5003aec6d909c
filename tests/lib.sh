# tests/lib.sh - the harness every end-to-end test shares: temporary
# files, free loopback ports, NBD servers and QEMU boots, all stopped by PID
# when the test ends. Source it; set OUT first (default out).
#
#   nbd_server NAME=FILE[:ro] ...   real nbd-server on 127.0.0.1:$NBD_PORT
#   qemu_boot NAME "APPEND" [extra qemu args]  boots $KERNEL + $INITRD
#   wait_console NAME REGEX SECONDS
#   qemu_monitor NAME COMMAND       a QEMU monitor command (set_link n0 off)
#   netns_enter PREFIX ARGS...      runs the test again in a namespace of its own
#   tap_net_up                      tap0 in that namespace: servers on 10.0.2.2
#   pass/fail MESSAGE
OUT=$(realpath "${OUT:-out}")
KERNEL=${KERNEL:-$OUT/bzImage}
INITRD=${INITRD:-$OUT/initramfs.img}
TESTROOT_IMG=${TESTROOT_IMG:-$OUT/testroot.ext4}
T=$(mktemp -d /tmp/netswap-test.XXXXXX)
PIDS=()
AT_EXIT=()   # commands run after every PID is stopped (e.g. "ip netns del x")
TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
# What a swapping guest must never print (torture and bench fail on it): a
# hung task, an OOM kill, an I/O error, a crash or kernel warning, a bad page.
SWAP_BAD_RE='blocked for more than|Out of memory|I/O error|segfault|Kernel panic|BUG:|Oops|WARNING: CPU|general protection|hog: RESULT FAIL|hog: BAD|killed by signal'
# Guest shell for nstest= (no double quotes: the command line holds it in
# one quoted parameter): once the hung-task detector fires, SysRq-w dumps
# every blocked task, so a stall leaves its stacks on the console. The
# pattern does not match itself in the kernel command line, which dmesg
# shows too.
HANG_DUMP_SH="hang_dump(){ while sleep 5;do dmesg|grep -q 'blocked for more tha[n]'&&{ echo HANG: sysrq-w;echo w>/proc/sysrq-trigger;break;};done;};hang_dump& "

cleanup() {
	local p rc=$?
	set +e # a PID already gone must not end the cleanup of a set -e script
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for p in "${AT_EXIT[@]}"; do eval "$p" 2>/dev/null; done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
	return $rc
}
trap cleanup EXIT

log() { echo "[$TEST_NAME] $*"; }
pass() { echo "PASS $TEST_NAME: $*"; }
fail() {
	echo "FAIL $TEST_NAME: $*"
	for f in "$T"/*.console; do
		[ -f "$f" ] || continue
		echo "---- last lines of $(basename "$f") ----"
		tail -n 40 "$f"
	done
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nbd_server NAME=FILE[:ro] ... ; sets NBD_PORT, NBD_PID. Extra [generic]
# lines may come in NBD_GENERIC, extra per-export lines in NBD_EXPORT_OPTS.
# NBD_LISTEN: another address, only inside a test's own network namespace.
nbd_server() {
	NBD_PORT=$(free_port)
	local conf=$T/nbd-server.conf spec name file ro
	{
		echo "[generic]"
		echo "listenaddr = ${NBD_LISTEN:-127.0.0.1}"
		echo "port = $NBD_PORT"
		echo "allowlist = true"
		echo "${NBD_GENERIC:-}"
		for spec in "$@"; do
			name=${spec%%=*} file=${spec#*=} ro=false
			case $file in *:ro) file=${file%:ro} ro=true ;; esac
			echo "[$name]"
			echo "exportname = $file"
			echo "readonly = $ro"
			echo "${NBD_EXPORT_OPTS:-}"
		done
	} >"$conf"
	nbd-server -C "$conf" -p "$T/nbd-server.pid" >"$T/nbd-server.log" 2>&1 ||
		fail "nbd-server did not start: $(cat "$T/nbd-server.log")"
	for _ in $(seq 50); do [ -s "$T/nbd-server.pid" ] && break; sleep 0.1; done
	NBD_PID=$(cat "$T/nbd-server.pid")
	PIDS+=("$NBD_PID")
	log "nbd-server pid $NBD_PID on ${NBD_LISTEN:-127.0.0.1}:$NBD_PORT"
}

# nbd_server_restart: the same configuration on the same port, after
# nbd_server_down; sets NBD_PID.
nbd_server_restart() {
	rm -f "$T/nbd-server.pid"
	nbd-server -C "$T/nbd-server.conf" -p "$T/nbd-server.pid" >>"$T/nbd-server.log" 2>&1 ||
		fail "nbd-server did not restart: $(tail -n 5 "$T/nbd-server.log")"
	for _ in $(seq 50); do [ -s "$T/nbd-server.pid" ] && break; sleep 0.1; done
	NBD_PID=$(cat "$T/nbd-server.pid")
	PIDS+=("$NBD_PID")
}

# nbd_server_down [SIGNAL]: nbd-server forks one child per connection: the
# children first, so none is left behind with a client.
nbd_server_down() {
	pkill -"${1:-TERM}" -P "$NBD_PID" 2>/dev/null
	kill -"${1:-TERM}" "$NBD_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$NBD_PID" 2>/dev/null || break; sleep 0.1; done
	forget_pid "$NBD_PID"
}

nbd_server_stop() {
	kill "$NBD_PID" 2>/dev/null
	# nbd-server forks a child per client: stop those too
	pkill -P "$NBD_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$NBD_PID" 2>/dev/null || break; sleep 0.1; done
}

# PIDs a test stopped itself leave PIDS, so the cleanup never hits a reused PID.
forget_pid() {
	local keep=() p
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

# nbdkit_start FILE DELAY_MS: nbdkit on ${NBD_LISTEN:-127.0.0.1}:$KIT_PORT
# (a free port if unset) serving FILE, each read and write delayed by
# DELAY_MS; NBDKIT_THREADS sets its threads. Sets KIT_PORT, KIT_PID.
nbdkit_start() {
	KIT_PORT=${KIT_PORT:-$(free_port)}
	rm -f "$T/nbdkit.pid"
	local opts=() delay_args=()
	[ -n "${NBDKIT_THREADS:-}" ] && opts+=(-t "$NBDKIT_THREADS")
	[ "$2" -gt 0 ] && opts+=(--filter=delay) delay_args=("rdelay=${2}ms" "wdelay=${2}ms")
	nbdkit -f -P "$T/nbdkit.pid" -i "${NBD_LISTEN:-127.0.0.1}" -p "$KIT_PORT" "${opts[@]}" file "file=$1" "${delay_args[@]}" \
		>>"$T/nbdkit.log" 2>&1 &
	for _ in $(seq 50); do [ -s "$T/nbdkit.pid" ] && break; sleep 0.1; done
	[ -s "$T/nbdkit.pid" ] || fail "nbdkit did not start: $(tail -n 5 "$T/nbdkit.log")"
	KIT_PID=$(cat "$T/nbdkit.pid")
	PIDS+=("$KIT_PID")
}

# nbdkit_stop [SIGNAL]: SIGNAL (TERM), then KILL after 5 s: nbdkit waits
# for its connections, and a guest that powered off never closes its own.
nbdkit_stop() {
	kill -"${1:-TERM}" "$KIT_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$KIT_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$KIT_PID" 2>/dev/null
	wait "$KIT_PID" 2>/dev/null # reaped here, bash does not report "Killed"
	forget_pid "$KIT_PID"
}

# sparse_file PATH SIZE
sparse_file() { truncate -s "$2" "$1"; }

# QEMU with TCG unless KVM really works (NETSWAP_KVM=1 asks to try it).
qemu_accel() {
	if [ "${NETSWAP_KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then echo "-accel kvm -accel tcg"; else echo "-accel tcg"; fi
}

# qemu_boot NAME APPEND [qemu args...]: boots in the background; the serial
# console goes to $T/NAME.console. QEMU_WRAP may prefix the command (such
# as "ip netns exec NS" to run the guest's user network in a namespace). Guest network: QEMU user mode (the host
# is 10.0.2.2; its port forwards reach our loopback servers).
qemu_boot() {
	local name=$1 append=$2
	shift 2
	local mem=${QEMU_MEM:-256} serial="file:$T/$name.console"
	# QEMU_SYSRQ=1: the console is also a telnet socket, so qemu_sysrq can
	# send a serial BREAK and a SysRq key to a guest too stuck to act itself
	if [ -n "${QEMU_SYSRQ:-}" ]; then
		set -- -chardev "socket,id=con0,path=$T/$name.serial,server=on,wait=off,telnet=on,logfile=$T/$name.console" "$@"
		serial=chardev:con0
	fi
	# shellcheck disable=SC2046
	${QEMU_WRAP:-} qemu-system-x86_64 $(qemu_accel) -m "$mem" -smp "${QEMU_SMP:-1}" -no-reboot \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 $append" \
		-netdev "${QEMU_NETDEV:-user,id=n0${QEMU_NETDEV_OPTS:-}}" -device "virtio-net-pci,netdev=n0${QEMU_NIC_OPTS:-}" \
		-serial "$serial" -monitor "unix:$T/$name.monitor,server=on,wait=off" -display none \
		"$@" </dev/null >"$T/$name.qemu.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	eval "QEMU_PID_$name=$pid"
	log "qemu $name pid $pid: $append"
}

# wait_console NAME REGEX SECONDS: 0 when REGEX shows up on the console.
wait_console() {
	local name=$1 re=$2 secs=$3 pidvar="QEMU_PID_$1"
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		console_has "$name" "$re" && return 0
		kill -0 "${!pidvar}" 2>/dev/null || { console_has "$name" "$re"; return; }
		sleep 0.5
	done
	return 1
}

# The serial console ends lines with CR LF; match on the text alone.
console_text() { tr -d '\r' 2>/dev/null <"$T/$1.console"; }
console_has() { console_text "$1" | grep -qE "$2"; }
console_line() { console_text "$1" | grep -E "$2" | head -n1; }

# qemu_monitor NAME COMMAND: runs one human-monitor command in guest NAME
# (the netdev of qemu_boot is n0: "set_link n0 off"); prints its answer.
qemu_monitor() {
	python3 - "$T/$1.monitor" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
def until_prompt():
    buf = b""
    while not buf.endswith(b"(qemu) "):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace")
until_prompt()
s.sendall(sys.argv[2].encode() + b"\n")
out = until_prompt().replace("\r", "").split("\n")
print("\n".join(out[1:-1]))
EOF
}

# qemu_sysrq NAME KEYS: a serial BREAK then each SysRq key (w: blocked
# tasks, l: every CPU's stack, m: memory) to guest NAME, booted with
# QEMU_SYSRQ=1; its kernel prints the answers on the console.
qemu_sysrq() {
	python3 - "$T/$1.serial" "$2" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
for key in sys.argv[2]:
    s.sendall(b"\xff\xf3")  # telnet BRK: QEMU sends the guest a serial break
    time.sleep(0.5)
    s.sendall(key.encode())
    time.sleep(2)
EOF
}

# netns_enter PREFIX ARGS...: runs this script again, with ARGS, inside a
# network namespace of its own (NETSWAP_NS names it there) and exits with
# its status; the namespace and whatever still runs in it go when it ends.
# In that inner run it returns at once.
netns_enter() {
	[ -n "${NETSWAP_NS:-}" ] && return 0
	local ns=$1-$$
	shift
	ip netns add "$ns" || fail "cannot create a network namespace (needs root)"
	AT_EXIT+=("netns_kill $ns")
	trap 'exit 1' INT TERM
	ip netns exec "$ns" env NETSWAP_NS="$ns" bash "$0" "$@"
	exit
}

netns_kill() { # NS
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p"; done
	ip netns del "$1" 2>/dev/null
}

# tap_net_up: in the test's own namespace, loopback and tap0 (10.0.2.2/24)
# for guests booted with QEMU_NETDEV=$TAP_NETDEV and "$TAP_IP" (10.0.2.15):
# guests reach the servers through the namespace's own TCP stack rather
# than QEMU's user network, whose userspace TCP would be measured instead.
# Servers listen on every address (NBD_LISTEN), all inside the namespace.
tap_net_up() {
	[ -n "${NETSWAP_NS:-}" ] || fail "tap_net_up outside the test's own namespace (netns_enter first)"
	ip link set lo up
	ip tuntap add tap0 mode tap || fail "cannot create tap0 (is /dev/net/tun there?)"
	ip addr add 10.0.2.2/24 dev tap0
	ip link set tap0 up
	export NBD_LISTEN=0.0.0.0
	TAP_NETDEV="tap,id=n0,ifname=tap0,script=no,downscript=no"
	TAP_IP="ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"
}

# stop_qemu NAME: waits for the guest to power off, else kills it.
stop_qemu() {
	local pidvar="QEMU_PID_$1"
	for _ in $(seq "${2:-20}"); do kill -0 "${!pidvar}" 2>/dev/null || return 0; sleep 0.5; done
	kill "${!pidvar}" 2>/dev/null
}
