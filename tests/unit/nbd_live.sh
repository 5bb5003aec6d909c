#!/bin/bash
# nbd_live.sh - nbd_negotiate() against real nbd-server, nbdkit and qemu-nbd.
#
# Starts each server on 127.0.0.1 on a free port, runs tests/unit/nbd_live.c
# (nbd_proto.c over a TCP socket) against its exports, and stops every
# server it started by PID.  Prints "nbd_live: N passed, N failed"; exits
# non-zero when anything failed.  A server that is not installed is
# reported as skipped (apt-get install nbd-server nbdkit qemu-utils).
#
# Environment: CC (default cc), NBD_LIVE (a prebuilt nbd_live binary).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/nbd_live.XXXXXX)
pids=()
passed=0 failed=0 skipped=0

stop_servers() {
	local pid i
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	# nbd-server daemonizes, so it is not our child: poll instead of wait.
	for pid in "${pids[@]}"; do
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	done
	pids=()
}

cleanup() {
	stop_servers
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until something accepts TCP connections on 127.0.0.1:$1.
wait_port() {
	python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
EOF
}

build() {
	if [ -n "${NBD_LIVE:-}" ]; then
		live=$NBD_LIVE
		return
	fi
	live=$tmp/nbd_live
	${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -g -I"$root/init" -o "$live" \
		"$root/tests/unit/nbd_live.c" "$root/init/nbd_proto.c" "$root/init/msgbuf.c" "$root/init/fmt.c" || exit 1
}

# check LABEL NBD_LIVE-OPTIONS... EXPORT: one expectation on the server at $port.
check() {
	local label=$1 export=${*: -1} out
	shift
	if out=$("$live" "${@:1:$#-1}" 127.0.0.1 "$port" "$export" 2>&1); then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	echo "$label: $out"
}

# fail_all LABEL N: a server did not come up; its N checks fail.
fail_all() {
	echo "FAIL $1: server did not start; log:"
	sed 's/^/    /' "$tmp/$1.log"
	failed=$((failed + $2))
}

have() {
	command -v "$1" >/dev/null && return 0
	echo "SKIP $1: not installed"
	skipped=$((skipped + 1))
	return 1
}

# start LABEL CMD...: run a foreground server in the background.
start() {
	local label=$1
	shift
	"$@" >"$tmp/$label.log" 2>&1 &
	pids+=($!)
	wait_port "$port"
}

nbd_server_tests() {
	have nbd-server || return
	port=$(free_port)
	truncate -s 64M "$tmp/swap.img"
	truncate -s 16M "$tmp/ro.img"
	: >"$tmp/empty.img"
	cat >"$tmp/nbd-server.conf" <<EOF
[generic]
listenaddr = 127.0.0.1
port = $port
[swap]
exportname = $tmp/swap.img
[ro]
exportname = $tmp/ro.img
readonly = true
[empty]
exportname = $tmp/empty.img
EOF
	# Daemonizes (-d would serve one client only); its PID is in the pidfile.
	nbd-server -C "$tmp/nbd-server.conf" -p "$tmp/nbd-server.pid" >"$tmp/nbd-server.log" 2>&1
	for _ in $(seq 50); do
		[ -s "$tmp/nbd-server.pid" ] && break
		sleep 0.1
	done
	[ -s "$tmp/nbd-server.pid" ] && pids+=($(cat "$tmp/nbd-server.pid"))
	if ! wait_port "$port"; then
		fail_all nbd-server 5
		return
	fi
	check nbd-server -s 67108864 -W -M 1 swap
	check nbd-server -s 16777216 -r ro
	check nbd-server -x NBD_ERR_REFUSED -m "NBD_REP_ERR_UNKNOWN (no such export): Export unknown" nosuch
	check nbd-server -x NBD_ERR_REFUSED -m NBD_REP_ERR_UNKNOWN ""
	check nbd-server -x NBD_ERR_EMPTY -m "has size 0" empty
	stop_servers
}

nbdkit_tests() {
	have nbdkit || return
	local kit=(nbdkit -f -i 127.0.0.1)

	port=$(free_port)
	if start nbdkit "${kit[@]}" -p "$port" memory 64M; then
		check nbdkit -s 67108864 -W -M 1 swap
		check nbdkit -s 67108864 -W ""
	else
		fail_all nbdkit 2
	fi
	stop_servers

	port=$(free_port)
	if start nbdkit-r "${kit[@]}" -p "$port" -r memory 64M; then
		check nbdkit-r -s 67108864 -r swap
	else
		fail_all nbdkit-r 1
	fi
	stop_servers

	port=$(free_port)
	if start nbdkit-strict "${kit[@]}" -p "$port" --filter=exportname memory 64M \
		exportname=swap exportname-strict=true; then
		check nbdkit-strict -s 67108864 swap
		check nbdkit-strict -x NBD_ERR_REFUSED -m NBD_REP_ERR_UNKNOWN nosuch
	else
		fail_all nbdkit-strict 2
	fi
	stop_servers

	port=$(free_port)
	if start nbdkit-blocksize "${kit[@]}" -p "$port" --filter=blocksize-policy memory 64M \
		blocksize-minimum=512 blocksize-preferred=65536 blocksize-maximum=1M; then
		check nbdkit-blocksize -b 512/65536/1048576 swap
	else
		fail_all nbdkit-blocksize 1
	fi
	stop_servers

	port=$(free_port)
	if start nbdkit-size0 "${kit[@]}" -p "$port" memory 0; then
		check nbdkit-size0 -x NBD_ERR_EMPTY swap
	else
		fail_all nbdkit-size0 1
	fi
	stop_servers

	port=$(free_port)
	if start nbdkit-oldstyle "${kit[@]}" -p "$port" --oldstyle memory 64M; then
		check nbdkit-oldstyle -x NBD_ERR_OLDSTYLE -m "oldstyle NBD, not supported" swap
	else
		fail_all nbdkit-oldstyle 1
	fi
	stop_servers

	port=$(free_port)
	if start nbdkit-notfixed "${kit[@]}" -p "$port" --mask-handshake=0 memory 64M; then
		check nbdkit-notfixed -x NBD_ERR_PROTO -m "fixed newstyle" swap
	else
		fail_all nbdkit-notfixed 1
	fi
	stop_servers

	# A pre-shared key is enough to make nbdkit insist on TLS.
	printf 'netswap:%s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$tmp/keys.psk"
	chmod 600 "$tmp/keys.psk"
	port=$(free_port)
	if start nbdkit-tls "${kit[@]}" -p "$port" --tls=require --tls-psk="$tmp/keys.psk" memory 64M; then
		check nbdkit-tls -x NBD_ERR_TLS_REQUIRED -m "does not do TLS" swap
	else
		fail_all nbdkit-tls 1
	fi
	stop_servers
}

qemu_nbd_tests() {
	have qemu-nbd || return
	truncate -s 32M "$tmp/qemu.img"

	# -t: keep serving after the first client leaves. One client at a time
	# (-e 1, the default): no NBD_FLAG_CAN_MULTI_CONN, so a node gets one
	# connection whatever its conns=; -e 4 allows four and sets the flag.
	port=$(free_port)
	if start qemu-nbd qemu-nbd -t -b 127.0.0.1 -p "$port" -x swap -f raw "$tmp/qemu.img"; then
		check qemu-nbd -s 33554432 -W -b 1/4096/33554432 -M 0 swap
		check qemu-nbd -x NBD_ERR_REFUSED -m "export 'nosuch' not present" nosuch
	else
		fail_all qemu-nbd 2
	fi
	stop_servers

	port=$(free_port)
	if start qemu-nbd-e4 qemu-nbd -t -e 4 -b 127.0.0.1 -p "$port" -x swap -f raw "$tmp/qemu.img"; then
		check qemu-nbd-e4 -s 33554432 -W -M 1 swap
	else
		fail_all qemu-nbd-e4 1
	fi
	stop_servers

	port=$(free_port)
	if start qemu-nbd-r qemu-nbd -t -r -b 127.0.0.1 -p "$port" -x swap -f raw "$tmp/qemu.img"; then
		check qemu-nbd-r -s 33554432 -r swap
	else
		fail_all qemu-nbd-r 1
	fi
	stop_servers
}

build
nbd_server_tests
nbdkit_tests
qemu_nbd_tests
[ "$skipped" -gt 0 ] && echo "nbd_live: $skipped server(s) skipped"
echo "nbd_live: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
