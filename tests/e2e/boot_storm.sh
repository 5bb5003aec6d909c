#!/bin/bash
# Boot storm: nodes PXE-boot at once from one server, as `make netboot` and
# netboot/serve set it up, on a bridge in a network namespace this test
# creates and deletes: dnsmasq's DHCP, QEMU's iPXE ROM, boot.ipxe, the
# kernel and initramfs over TFTP (dnsmasq), then again over HTTP (lighttpd,
# HTTP=on); the root export and a swap-<mac> export each from nbd-server.
# For each way, one node boots alone, then 4 at once. Per node it reports
# QEMU start to kernel start (firmware, DHCP and the download: the wall
# time at the test root's "done" less its /proc/uptime), kernel start to
# the pivot (the printk stamp of "initramfs done"), the init's swap step,
# kernel start to the test root's "done", and QEMU start to "done"; then
# the ratio of the storm's means to the single node's. A measurement: it
# asserts only that every node finishes, within a generous timeout. Under
# TCG on 2 cores the guests also share the CPUs, so a ratio is an upper
# bound on what the server adds.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
storm=${STORM_NODES:-4}
ns=netswap-storm-$$ server=10.77.0.1 port=10809 http_port=8080

taps=()
nodes=(solo)
{
	echo "52:54:00:5a:00:00 solo 10.77.0.100 128M"
	for i in $(seq "$storm"); do
		nodes+=("n$i")
		printf '52:54:00:5a:00:%02x n%d 10.77.0.%d 128M\n' "$i" "$i" $((100 + i))
	done
} >"$T/nodes"
for i in $(seq 0 "$storm"); do taps+=("tap$i"); done
netns_bridge "$ns" "$server/24" "${taps[@]}"
chmod 755 "$T" # dnsmasq and lighttpd serve files as user nobody

# the test root prints its uptime at "done"
# shellcheck disable=SC2016 # expanded by the test root's shell
nstest='nstest="echo UPTIME $(cat /proc/uptime)"'

mac_of() { awk -v h="$1" '$2 == h { print $1 }' "$T/nodes"; }

# boot NAME TAP ROUND: PXE-boots node NAME; its console is ROUND_NAME.
boot() {
	QEMU_MEM=96 tap_boot "$ns" "$3_$1" "$2" "$(mac_of "$1")" -boot n
	eval "START_$3_$1=\$EPOCHREALTIME"
}

# wait_done ROUND SECONDS NAME...: waits for every node's "done", noting
# the wall time it showed up (polled every 0.2 s).
wait_done() {
	local round=$1 end=$((SECONDS + $2)) n left
	shift 2
	while :; do
		left=0
		for n in "$@"; do
			local var="DONE_${round}_$n"
			[ -n "${!var:-}" ] && continue
			local pidvar="QEMU_PID_${round}_$n"
			if console_has "${round}_$n" "^UPTIME "; then
				eval "$var=\$EPOCHREALTIME"
			elif alive "${!pidvar}"; then
				left=1
			else
				fail "${round}_$n stopped before its test root's done"
			fi
		done
		[ $left = 0 ] && return 0
		[ $SECONDS -lt $end ] || fail "$round: not every node finished within $2 s"
		sleep 0.2
	done
}

check_node() {
	local exp
	exp=swap-$(mac_of "$2" | tr : -)
	local c=$1_$2
	console_has "$c" "netswap: /dev/nbd0: $server:$port export '$exp'" || fail "$c did not attach $exp"
	console_has "$c" "TESTROOT: swaps=/dev/nbd0:partition" || fail "$c: no swap in the real root"
	console_has "$c" "TESTROOT: root=/dev/nbd1 ext4" || fail "$c: root is not NBD"
}

# figures ROUND NAME: load_s pivot_s swap_ms done_s wall_s
figures() {
	local c=$1_$2 start="START_$1_$2" done="DONE_$1_$2" pivot swap up
	pivot=$(console_line "$c" "netswap: initramfs done in" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	swap=$(console_line "$c" "netswap: swap done in" | sed -n 's/.*swap done in \([0-9]*\) ms.*/\1/p')
	up=$(console_line "$c" "^UPTIME " | awk '{ print $2 }')
	awk -v s="${!start}" -v d="${!done}" -v p="${pivot:-0}" -v sw="${swap:-0}" -v u="$up" \
		'BEGIN { printf "%.1f %.2f %s %.2f %.1f\n", d - s - u, p, sw, u, d - s }'
}

# round WAY [build settings...]: builds, serves, boots one node and then
# $storm at once; prints their figures and sets SUMMARY_<WAY>.
round() {
	local way=$1 n i t0
	shift
	# With five TCG guests on a busy host, the kernel's check that the
	# IO-APIC timer ticks can fail, and it panics: no_timer_check skips it.
	ip netns exec "$ns" env NODES="$T/nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" \
		APPEND_EXTRA="console=ttyS0 panic=-1 no_timer_check $nstest" "$@" \
		bash "$top/netboot/build.sh" "$OUT" "$server" "$port" >"$T/build.log" 2>&1 ||
		fail "build.sh $* failed: $(cat "$T/build.log")"
	serve_start "$ns" "$T/serve-$way.log"
	boot solo tap0 "$way"
	wait_done "$way" 300 solo
	t0=$SECONDS
	for i in $(seq "$storm"); do boot "n$i" "tap$i" "$way"; done
	wait_done "$way" 600 "${nodes[@]:1}"
	log "$way: all $storm done within $((SECONDS - t0)) s of the first start"
	serve_stop
	for n in "${nodes[@]}"; do check_node "$way" "$n"; done
	for n in "${nodes[@]}"; do stop_qemu "${way}_$n"; done # frees the taps

	printf '%-10s %8s %8s %8s %8s %8s\n' "$way" load_s pivot_s swap_ms done_s wall_s
	local solo_load solo_done solo_wall sum_load=0 sum_done=0 sum_wall=0 load pivot swap up wall
	for n in "${nodes[@]}"; do
		read -r load pivot swap up wall <<<"$(figures "$way" "$n")"
		printf '%-10s %8s %8s %8s %8s %8s\n' "$n" "$load" "$pivot" "$swap" "$up" "$wall"
		if [ "$n" = solo ]; then
			solo_load=$load solo_done=$up solo_wall=$wall
			continue
		fi
		sum_load=$(awk -v a="$sum_load" -v b="$load" 'BEGIN { print a + b }')
		sum_done=$(awk -v a="$sum_done" -v b="$up" 'BEGIN { print a + b }')
		sum_wall=$(awk -v a="$sum_wall" -v b="$wall" 'BEGIN { print a + b }')
	done
	printf -v "SUMMARY_$way" '%s' "$(awk -v n="$storm" -v sl="$sum_load" -v sd="$sum_done" -v sw="$sum_wall" \
		-v l1="$solo_load" -v d1="$solo_done" -v w1="$solo_wall" -v way="$way" 'BEGIN {
		printf "%s, %d at once: to the kernel %.1f s (single %.1f, x%.1f), kernel to done %.1f s (single %.1f, x%.1f), QEMU start to done %.1f s (single %.1f, x%.1f)",
			way, n, sl / n, l1, (sl / n) / l1, sd / n, d1, (sd / n) / d1, sw / n, w1, (sw / n) / w1 }')"
}

round tftp HTTP=off
round http HTTP=on HTTP_PORT=$http_port
grep -q "sent $T/netboot/tftp/bzImage" "$T/serve-tftp.log" || fail "the TFTP round did not send bzImage over TFTP"
[ "$(grep -c '"GET /bzImage HTTP/1.1" 200 ' "$T/netboot/http.log")" = $((storm + 1)) ] ||
	fail "the HTTP round did not fetch bzImage over HTTP $((storm + 1)) times: $(cat "$T/netboot/http.log")"
grep -q "sent $T/netboot/tftp/bzImage" "$T/serve-http.log" && fail "the HTTP round fetched bzImage over TFTP"
# shellcheck disable=SC2154 # set by round
{
	log "$SUMMARY_tftp"
	log "$SUMMARY_http"
	pass "$SUMMARY_tftp; $SUMMARY_http"
}
