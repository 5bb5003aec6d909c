#!/bin/bash
# rootfs/netswap-check against metrics files like the keeper writes: a
# healthy node passes; a device down, a recent reconnect, a stale file, a
# missing file, a degraded mirror each fail with one line; a machine
# without netswap passes.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
failed=0
expect() { # RC REGEX ARGS...
	local rc=$1 re=$2 out got
	shift 2
	out=$(NETSWAP_RUN=$d NETSWAP_MDSTAT=$d/mdstat sh "$here/rootfs/netswap-check" "$@" 2>&1)
	got=$?
	if [ "$got" = "$rc" ] && [[ $out =~ $re ]] && [ "$(printf '%s' "$out" | wc -l)" -le 0 ]; then
		echo "ok   netswap-check $*: rc=$got ${out:-(silent)}"
	else
		echo "FAIL netswap-check $*: rc=$got (expected $rc) output '$out' (expected /$re/, one line)"
		failed=1
	fi
}
series() { # CONNECTED DOWN_S RECONNECTS SINCE_S
	local l='{device="nbd0",server="10.0.0.1:10809",export="swap-52-54-00-12-34-56"}'
	printf '# TYPE netswap_nbd_connected gauge\nnetswap_nbd_connected%s %s\nnetswap_nbd_down_seconds%s %s\n' "$l" "$1" "$l" "$2"
	printf 'netswap_nbd_reconnects_total%s %s\nnetswap_nbd_seconds_since_reconnect%s %s\n' "$l" "$3" "$l" "$4"
	l='{device="nbd1",server="10.0.0.1:10809",export="root"}'
	printf 'netswap_nbd_connected%s 1\nnetswap_nbd_down_seconds%s 0\nnetswap_nbd_reconnects_total%s 0\nnetswap_nbd_seconds_since_reconnect%s -1\n' "$l" "$l" "$l" "$l"
}

expect 0 '^$'                      # no keeper.state: not a netswap node
touch "$d/keeper.state"
expect 1 '^netswap: no .*/netswap.prom: the NBD keeper is not running'
series 1 0 0 -1 >"$d/netswap.prom"
expect 0 '^$'
series 0 42 0 -1 >"$d/netswap.prom"
expect 1 '^netswap: device=nbd0 server=10.0.0.1:10809 export=swap-52-54-00-12-34-56 is down for 42 s; the keeper is reconnecting$'
series 1 0 3 120 >"$d/netswap.prom"
expect 1 '^netswap: device=nbd0 .* reconnected 120 s ago \(3 reconnect\(s\)\)'
expect 0 '^$' -r 60
expect 0 '^$' -r 0
expect 2 'expected seconds' -r x
# /proc/mdstat as the kernel writes it, before and after md drops a leg
mdstat() { # MEMBERS STATUS
	printf 'Personalities : [raid1] \nmd_m : active raid1 %s\n      262144 blocks super non-persistent %s\n      \nunused devices: <none>\n' "$1" "$2" >"$d/mdstat"
}
series 1 0 0 -1 >"$d/netswap.prom"
mdstat 'nbd1[1] nbd0[0]' '[2/2] [UU]'
expect 0 '^$'
mdstat 'nbd1[1](F) nbd0[0]' '[2/1] [U_]'
expect 1 '^netswap: mirror md_m is degraded \(1 of 2 legs; dropped: nbd1\): swap runs on the others, the dropped leg stays out until reboot$'
rm "$d/mdstat"
touch -d '-95 seconds' "$d/netswap.prom"
expect 1 '^netswap: .*/netswap.prom is 9[5-9] s old: the NBD keeper is not running'
[ $failed = 0 ] && echo "netswap-check: all passed"
exit $failed
