#!/bin/bash
# NFS roots through the kernel's own mount code: NFSv4 and NFSv3 from a real
# userspace NFS server (nfs-ganesha, VFS backend, bound to 127.0.0.1; the
# kernel's nfsd cannot run in this sandbox), with swap over NBD beside it.
. "$(dirname "$0")/../lib.sh"

cp -a "$OUT/testroot" "$T/export"
nfs_port=$(free_port) mnt_port=$(free_port)
ganesha_conf() { # PROTOCOLS [BIND_ADDR]
	cat <<EOT
NFS_CORE_PARAM {
	Bind_addr = ${2:-127.0.0.1};
	NFS_Port = $nfs_port;
	MNT_Port = $mnt_port;
	Enable_NLM = false;
	Enable_RQUOTA = false;
	Enable_UDP = false;
	Protocols = $1;
}
NFS_KRB5 { Active_krb5 = false; }
NFSV4 { Graceless = true; }
EXPORT {
	Export_Id = 1;
	Path = $T/export;
	Pseudo = /export;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
	Protocols = $1;
	Transports = TCP;
	FSAL { Name = VFS; }
}
EOT
}
start_ganesha() { # PROTOCOLS
	ganesha_conf "$1" >"$T/ganesha.conf"
	ganesha.nfsd -F -f "$T/ganesha.conf" -L "$T/ganesha.log" -p "$T/ganesha.pid" &
	GANESHA_PID=$!
	track_pid "$GANESHA_PID"
	for _ in $(seq 50); do ss -ltn | grep -qE "127.0.0.1\]?:$nfs_port " && return; sleep 0.2; done
	fail "ganesha did not listen: $(grep -v DBUS "$T/ganesha.log" | tail -5)"
}

sparse_file "$T/swap.img" 64M
nbd_server swap="$T/swap.img"

start_ganesha 4
qemu_boot v4 "netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nfs:10.0.2.2:/export:port=$nfs_port,vers=4.1 rw"
wait_console v4 "TESTROOT: done" 180 || fail "NFSv4 node did not reach its real init"
console_has v4 "TESTROOT: root=10\.0\.2\.2:/export nfs4" || fail "v4 root: $(console_line v4 'TESTROOT: root=')"
console_has v4 "TESTROOT: swaps=/dev/nbd0" || fail "v4 node has no NBD swap"
stop_qemu v4
stop_pid "$GANESHA_PID"

# NFSv3: ganesha registers with rpcbind, and Debian's rpcbind cannot be
# bound to loopback alone (-h 127.0.0.1 aborts), so the v3 server, its
# rpcbind, an nbd-server and the guest's user network all live in a test
# network namespace of their own, where "all addresses" is just its loopback.
ns=netswap-nfs-$$
ip netns add "$ns" || fail "cannot create network namespace $ns"
AT_EXIT+=("ip netns del $ns")
ip -n "$ns" link set lo up
# ganesha resolves its bind address with AI_ADDRCONFIG, which fails in a
# namespace that has only loopback: give it a veth pair (both ends inside)
# with test addresses. (No dummy links here: that is a module.)
ip -n "$ns" link add nsv0 type veth peer name nsv1
ip -n "$ns" addr add 192.0.2.1/24 dev nsv0
ip -n "$ns" addr add 2001:db8::1/64 dev nsv0 nodad
ip -n "$ns" link set nsv0 up
ip -n "$ns" link set nsv1 up
ip netns exec "$ns" rpcbind -f -w &
track_pid $!
sleep 0.5
in_ns() { ip netns exec "$ns" "$@"; }
ganesha_conf 3 >"$T/ganesha3.conf"
ip netns exec "$ns" ganesha.nfsd -F -f "$T/ganesha3.conf" -L "$T/ganesha3.log" -p "$T/ganesha3.pid" &
track_pid $!
in_ns nbd-server -C "$T/nbd-server.conf" -p "$T/nbd-ns.pid" >"$T/nbd-ns.log" 2>&1 || fail "nbd-server in $ns did not start"
sleep 0.5
track_pid "$(cat "$T/nbd-ns.pid")"
for _ in $(seq 50); do in_ns ss -ltn | grep -qE ":$nfs_port " && break; sleep 0.2; done
QEMU_WRAP="ip netns exec $ns" qemu_boot v3 "netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nfs:10.0.2.2:$T/export:vers=3,port=$nfs_port,mountport=$mnt_port,mountproto=tcp,proto=tcp"
wait_console v3 "TESTROOT: done" 180 || fail "NFSv3 node did not reach its real init"
console_has v3 "TESTROOT: root=10\.0\.2\.2:$T/export nfs" || fail "v3 root: $(console_line v3 'TESTROOT: root=')"
console_has v3 "TESTROOT: swaps=/dev/nbd0" || fail "v3 node has no NBD swap"
pass "NFSv4 and NFSv3 roots, with swap over NBD"
