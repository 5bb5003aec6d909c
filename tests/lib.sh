# tests/lib.sh - the harness every end-to-end test shares: temporary
# files, free loopback ports, NBD servers and QEMU boots, all stopped by PID
# when the test ends. Source it; set OUT first (default out).
#
#   nbd_server NAME=FILE[:ro] ...   real nbd-server on 127.0.0.1:$NBD_PORT
#   qemu_boot NAME "APPEND" [extra qemu args]  boots $KERNEL + $INITRD
#   image_copy_with IMAGE COPY <<debugfs commands  a root image with files added
#   wait_console NAME REGEX SECONDS
#   netns_bridge NS ADDR/LEN TAP...  a namespace with a bridge and tap ports
#   bridge_port NS OTHER IFNAME      another namespace on that bridge
#   tap_boot NS NAME TAP MAC [qemu args]  a node on a tap port (PXE: -boot n)
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
# hung task, a request stuck for the block timeout, an OOM kill, an I/O
# error, a crash or kernel warning (lockdep's too), a bad page.
SWAP_BAD_RE='blocked for more than|Possible stuck request|Out of memory|I/O error|segfault|Kernel panic|BUG:|Oops|WARNING: CPU|WARNING: (possible|inconsistent)|DEBUG_LOCKS_WARN_ON|general protection|hog: RESULT FAIL|hog: BAD|killed by signal'
# Guest shell for nstest= (no double quotes: the command line holds it in
# one quoted parameter): once the hung-task detector fires, SysRq-w dumps
# every blocked task, so a stall leaves its stacks on the console. The
# pattern does not match itself in the kernel command line, which dmesg
# shows too.
HANG_DUMP_SH="hang_dump(){ while sleep 5;do dmesg|grep -q 'blocked for more tha[n]'&&{ echo HANG: sysrq-w;echo w>/proc/sysrq-trigger;break;};done;};hang_dump& "

cleanup() {
	local e rc=$?
	set +e # a PID already gone must not end the cleanup of a set -e script
	for e in "${PIDS[@]}"; do signal_ours TERM "${e%%:*}"; done
	for e in "${PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do alive "${e%%:*}" || break; sleep 0.2; done
		signal_ours KILL "${e%%:*}"
	done
	wait 2>/dev/null
	for e in "${AT_EXIT[@]}"; do eval "$e" 2>/dev/null; done
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
	track_pid "$NBD_PID"
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
	track_pid "$NBD_PID"
}

# nbd_server_down [SIGNAL]: nbd-server forks one child per connection: the
# children first, so none is left behind with a client.
nbd_server_down() {
	alive "$NBD_PID" && pkill -"${1:-TERM}" -P "$NBD_PID" 2>/dev/null
	signal_ours "${1:-TERM}" "$NBD_PID"
	for _ in $(seq 50); do alive "$NBD_PID" || break; sleep 0.1; done
	forget_pid "$NBD_PID"
}

# PIDs are tracked with the start time of their process (PID:START): this
# host's pid_max is 32768 and several tests run at once, so the PID of a
# process of ours that has exited soon belongs to another test's QEMU or
# server. Only a process with the start time we saw is signalled.
proc_start() { # PID -> its start time in clock ticks since boot
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# shellcheck disable=SC2086 # split on purpose: the fields after the
	set -- ${stat##*) } # command name (which may hold spaces), from the state
	echo "${20}"
}
track_pid() { # PID
	PIDS+=("$1:$(proc_start "$1")")
}
# alive PID: a tracked process of ours is still there.
alive() {
	local e now
	now=$(proc_start "$1") || return 1
	for e in "${PIDS[@]}"; do [ "$e" = "$1:$now" ] && return 0; done
	return 1
}
# signal_ours SIGNAL PID: kill -SIGNAL, only if PID is still ours.
signal_ours() {
	alive "$2" && kill -"$1" "$2" 2>/dev/null
}
# PIDs a test stopped itself leave PIDS.
forget_pid() {
	local keep=() e
	for e in "${PIDS[@]}"; do [ "${e%%:*}" = "$1" ] || keep+=("$e"); done
	PIDS=("${keep[@]}")
}

# nbdkit_start FILE DELAY_MS: nbdkit on ${NBD_LISTEN:-127.0.0.1}:$KIT_PORT
# (a free port if unset) serving FILE (a directory: each file in it as an
# export of its name, the file plugin's dir=), each read and write delayed by
# DELAY_MS; NBDKIT_THREADS sets its threads, NBDKIT_FILTERS adds filters
# (--filter=error) and NBDKIT_PARAMS their parameters. Sets KIT_PORT, KIT_PID.
nbdkit_start() {
	KIT_PORT=${KIT_PORT:-$(free_port)}
	rm -f "$T/nbdkit.pid"
	local opts=() delay_args=() serve="file=$1"
	[ -d "$1" ] && serve="dir=$1"
	[ -n "${NBDKIT_THREADS:-}" ] && opts+=(-t "$NBDKIT_THREADS")
	[ "$2" -gt 0 ] && opts+=(--filter=delay) delay_args=("rdelay=${2}ms" "wdelay=${2}ms")
	# shellcheck disable=SC2086
	nbdkit -f -P "$T/nbdkit.pid" -i "${NBD_LISTEN:-127.0.0.1}" -p "$KIT_PORT" "${opts[@]}" ${NBDKIT_FILTERS:-} \
		file "$serve" "${delay_args[@]}" ${NBDKIT_PARAMS:-} \
		>>"$T/nbdkit.log" 2>&1 &
	for _ in $(seq 50); do [ -s "$T/nbdkit.pid" ] && break; sleep 0.1; done
	[ -s "$T/nbdkit.pid" ] || fail "nbdkit did not start: $(tail -n 5 "$T/nbdkit.log")"
	KIT_PID=$(cat "$T/nbdkit.pid")
	track_pid "$KIT_PID"
}

# stop_pid PID [SIGNAL]: SIGNAL (TERM) to a process of ours, KILL after
# 5 s, then reaped and forgotten.
stop_pid() {
	signal_ours "${2:-TERM}" "$1"
	for _ in $(seq 50); do alive "$1" || break; sleep 0.1; done
	signal_ours KILL "$1"
	wait "$1" 2>/dev/null # reaped here, bash does not report "Killed"
	forget_pid "$1"
}

# nbdkit_stop [SIGNAL]: stop_pid, whose KILL matters: nbdkit waits for its
# connections, and a guest that powered off never closes its own.
nbdkit_stop() { stop_pid "$KIT_PID" "${1:-TERM}"; }

# two_swap_servers MIB: two swap servers of MIB MiB, for a node that
# stripes or mirrors over them: nbd-server (the test root and export swapa)
# on NBD_PORT, nbdkit (export swap) on KIT_PORT.
two_swap_servers() {
	sparse_file "$T/a.img" "${1}M"
	sparse_file "$T/b.img" "${1}M"
	nbd_server root="$TESTROOT_IMG:ro" swapa="$T/a.img"
	KIT_PORT=$(free_port)
	nbdkit_start "$T/b.img" 0
}

# sparse_file PATH SIZE
sparse_file() { truncate -s "$2" "$1"; }

# image_copy_with IMAGE COPY: COPY, a copy of the ext4 IMAGE with what the
# debugfs -w commands on stdin write into it (write HOST PATH, symlink ...):
# a test's own root with its checks in it, without a mount on the host.
image_copy_with() {
	cp --sparse=always "$1" "$2"
	debugfs -w "$2" -f - >"$T/debugfs.log" 2>&1 || fail "debugfs: $(cat "$T/debugfs.log")"
	! grep -qi 'error\|not found\|No such' "$T/debugfs.log" || fail "debugfs: $(cat "$T/debugfs.log")"
}

# QEMU with TCG unless KVM really works (NETSWAP_KVM=1 asks to try it).
qemu_accel() {
	if [ "${NETSWAP_KVM:-0}" = 1 ] && [ -w /dev/kvm ]; then echo "-accel kvm -accel tcg"; else echo "-accel tcg"; fi
}

# qemu_boot NAME APPEND [qemu args...]: boots in the background; the serial
# console goes to $T/NAME.console. QEMU_NIC: the NIC model (virtio-net-pci). QEMU_WRAP may prefix the command (such
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
	# no_timer_check: on a loaded host TCG can miss the ticks the kernel's
	# IO-APIC timer check counts at boot, which then panics ("IO-APIC +
	# timer doesn't work!"; seen here at load 5); the timer itself works
	# shellcheck disable=SC2046
	${QEMU_WRAP:-} qemu-system-x86_64 $(qemu_accel) -m "$mem" -smp "${QEMU_SMP:-1}" -no-reboot \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 no_timer_check $append" \
		-netdev "${QEMU_NETDEV:-user,id=n0${QEMU_NETDEV_OPTS:-}}" -device "${QEMU_NIC:-virtio-net-pci},netdev=n0${QEMU_NIC_OPTS:-}" \
		-serial "$serial" -monitor "unix:$T/$name.monitor,server=on,wait=off" -display none \
		"$@" </dev/null >"$T/$name.qemu.log" 2>&1 &
	local pid=$!
	track_pid "$pid"
	eval "QEMU_PID_$name=$pid"
	log "qemu $name pid $pid: $append"
}

# wait_console NAME REGEX SECONDS: 0 when REGEX shows up on the console.
wait_console() {
	local name=$1 re=$2 secs=$3 pidvar="QEMU_PID_$1"
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		console_has "$name" "$re" && return 0
		alive "${!pidvar}" || { console_has "$name" "$re"; return; }
		sleep 0.5
	done
	return 1
}

# The serial console ends lines with CR LF; match on the text alone.
console_text() { tr -d '\r' 2>/dev/null <"$T/$1.console"; }
console_has() { console_text "$1" | grep -qE "$2"; }
console_line() { console_text "$1" | grep -E "$2" | head -n1; }

# The end checks of a node booted into the systemd root (rootfs/e2e): no
# line of SWAP_BAD_RE on its console, and systemd reached "running".
systemd_node_ok() {
	local bad
	bad=$(console_text node | grep -E "$SWAP_BAD_RE" | head -n 5)
	[ -z "$bad" ] || fail "the node reported: $bad"
	console_has node "E2E: state=running" ||
		fail "systemd is not running: $(console_line node 'E2E: state=') $(console_text node | grep 'E2E: failed unit' | tr '\n' ' ')"
}

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
# tasks, l: every CPU's stack, m: memory, t: every task) to guest NAME, booted with
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

# stop_qemu NAME: waits for the guest to power off, else kills it and waits
# for it to be gone (then its tap is free).
stop_qemu() {
	local pidvar="QEMU_PID_$1"
	for _ in $(seq "${2:-20}"); do alive "${!pidvar}" || return 0; sleep 0.5; done
	signal_ours TERM "${!pidvar}"
	wait "${!pidvar}" 2>/dev/null
}

# keep_console NAME DIR: NAME's console saved as DIR/NAME.console; the
# test fails on a line of SWAP_BAD_RE in it (the command line's echo,
# which holds nstest=, excepted).
keep_console() {
	local bad
	console_text "$1" >"$2/$1.console"
	bad=$(grep -v "nstest=" "$2/$1.console" | grep -m1 -oE ".{0,40}($SWAP_BAD_RE).{0,60}") || true
	[ -z "$bad" ] || fail "$1: $bad"
}

# qemu_gone NAME [SECONDS]: stop_qemu, then QEMU killed if it is still
# there and reaped: a node's tap is free only once its QEMU is gone.
qemu_gone() {
	local pidvar="QEMU_PID_$1"
	stop_qemu "$1" "${2:-20}"
	signal_ours KILL "${!pidvar}"
	wait "${!pidvar}" 2>/dev/null
	forget_pid "${!pidvar}"
}

# ---- nodes on a bridge in a network namespace (root, /dev/net/tun) ----

# netns_del NS: kills what still runs in NS, then deletes it.
netns_del() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$1" 2>/dev/null
}

# netns_bridge NS ADDR/LEN TAP...: creates NS (deleted at exit, after the
# test's PIDs are stopped) with bridge br0 holding ADDR and the tap ports.
netns_bridge() {
	local ns=$1 addr=$2 tap
	shift 2
	ip netns add "$ns" || fail "cannot create network namespace $ns (needs root)"
	AT_EXIT+=("netns_del $ns")
	ip -n "$ns" link set lo up
	ip -n "$ns" link add br0 type bridge
	ip -n "$ns" addr add "$addr" dev br0
	ip -n "$ns" link set br0 up
	for tap in "$@"; do
		ip -n "$ns" tuntap add "$tap" mode tap || fail "cannot create $tap (is /dev/net/tun there?)"
		ip -n "$ns" link set "$tap" master br0 up
	done
}

# uefi_firmware NAME [secure]: QEMU arguments for OVMF (Debian's ovmf), with
# a copy of the variable store of its own for node NAME. "secure": Secure
# Boot on, with Microsoft's keys enrolled (OVMF's build for it needs q35
# and SMM).
uefi_firmware() {
	local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd machine=""
	if [ "${2:-}" = secure ]; then
		code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
		machine="-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on"
	fi
	[ -f "$code" ] || fail "$code missing: install Debian's ovmf (make deps)"
	cp "$vars" "$T/$1.vars.fd"
	echo "$machine -drive if=pflash,format=raw,readonly=on,file=$code -drive if=pflash,format=raw,file=$T/$1.vars.fd"
}

# tap_boot NS NAME TAP MAC [qemu args]: a node on TAP of NS's bridge, in the
# background; the console goes to $T/NAME.console. QEMU_MEM sets its memory
# (128), QEMU_NIC_OPTS more NIC options (",romfile=" drops the NIC's iPXE
# ROM, so UEFI firmware boots with its own network driver). Without -kernel
# in the arguments, pass -boot n for a PXE boot.
tap_boot() {
	local ns=$1 name=$2 tap=$3 mac=$4
	shift 4
	: >"$T/$name.console"
	# `ip netns exec` execs QEMU, so $! is QEMU itself
	# shellcheck disable=SC2046
	ip netns exec "$ns" qemu-system-x86_64 $(qemu_accel) -m "${QEMU_MEM:-128}" -no-reboot \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$mac${QEMU_NIC_OPTS:-}" \
		-serial "file:$T/$name.console" -monitor none -display none "$@" </dev/null >"$T/$name.qemu.log" 2>&1 &
	local pid=$!
	track_pid "$pid"
	eval "QEMU_PID_$name=$pid"
	log "qemu $name pid $pid: $mac on $tap ${*:--boot n}"
}

# bridge_port NS OTHER IFNAME: namespace OTHER (deleted at exit), joined to
# NS's bridge by a veth whose end in OTHER is IFNAME (down).
bridge_port() {
	ip netns add "$2" || fail "cannot create network namespace $2"
	AT_EXIT+=("netns_del $2")
	ip -n "$1" link add "$3-br" type veth peer name "$3"
	ip -n "$1" link set "$3" netns "$2"
	ip -n "$1" link set "$3-br" master br0 up
}

# site_dhcp NS SITE ADDR/LEN FIRST,LAST [dnsmasq options...]: a site's own
# DHCP server (dnsmasq, addresses FIRST to LAST) in namespace SITE, on a
# bridge_port of NS, logging to $T/site-dhcp.log.
site_dhcp() {
	local ns=$1 site=$2 addr=$3 range=$4
	shift 4
	bridge_port "$ns" "$site" vsite0
	ip -n "$site" addr add "$addr" dev vsite0
	ip -n "$site" link set vsite0 up
	ip netns exec "$site" dnsmasq --keep-in-foreground --port=0 --interface=vsite0 --bind-interfaces \
		--dhcp-range="$range,12h" --dhcp-leasefile="$T/site.leases" --log-facility=- "$@" >"$T/site-dhcp.log" 2>&1 &
	track_pid $!
}

# serve_start NS LOG [VAR=VALUE...]: netboot/serve (or SERVE_SCRIPT, a copy
# of it) of $T/netboot (or SERVE_DIR, such as a swap server's servers/ADDR)
# in NS, in the background, with the given environment; waits for
# "serving". Sets SERVE_PID.
serve_start() {
	local ns=$1 slog=$2
	shift 2
	ip netns exec "$ns" env "$@" bash "${SERVE_SCRIPT:-$(dirname "${BASH_SOURCE[0]}")/../netboot/serve}" "${SERVE_DIR:-$T/netboot}" >"$slog" 2>&1 &
	SERVE_PID=$!
	track_pid "$SERVE_PID"
	for _ in $(seq 100); do
		grep -q "serving [0-9]* node" "$slog" 2>/dev/null && return 0
		alive "$SERVE_PID" || break
		sleep 0.2
	done
	fail "serve did not start: $(cat "$slog")"
}

# serve_stop: stops the serve of serve_start (it stops its servers by PID).
serve_stop() {
	signal_ours TERM "$SERVE_PID"
	wait "$SERVE_PID" 2>/dev/null
	forget_pid "$SERVE_PID"
}
