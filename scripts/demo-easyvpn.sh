#!/bin/bash
# The Easy VPN part of `make demo` (called from scripts/demo-vm.sh, as
# root, in the VM or natively): a gateway namespace with evs0 and evsd, a
# LAN host behind it, and a remote client -- vpnc by default
# (EVS_DEMO_CLIENT=evsd uses evsd's own client role) -- go through the seven
# steps of an Easy VPN connection, narrated from the gateway's log; then a
# ping crosses the tunnel, the session is shown, the client disconnects and
# the route is shown gone.
#
#   client  198.51.100.2 ---- 198.51.100.1  gateway  192.168.77.1 ---- 192.168.77.2  lan
set -euo pipefail
EVS_TOP=${EVS_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
PATH=$EVS_TOP/userspace/evsadm:$EVS_TOP/userspace/evsd:$PATH
client_kind=${EVS_DEMO_CLIENT:-vpnc}
# evsd_gateway_conf: the gateway's evsd.conf, as the selftests write it.
. "$EVS_TOP/selftests/lib/evsd_conf.sh"
# routed_lan: the LAN behind the gateway.
. "$EVS_TOP/selftests/lib/lan.sh"
gw=ezv-demo-gw lan=ezv-demo-lan cl=ezv-demo-client
tmp=$(mktemp -d /tmp/evs-demo.XXXXXX)
group_key="Demo-Kq7Rv2LmX9pWc4ZtKb8N"

say() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# narrate TITLE PATTERN: the gateway log lines that tell this step
narrate() {
	printf '\n--- %s\n' "$1"
	grep -E "$2" "$tmp/evsd.log" | sed -E 's/^[^ ]+ [^ ]+ //; s/^/    /' | cut -c1-320 |
		head -n "${3:-8}" || true
}

cleanup() {
	[ -f "$tmp/client.pid" ] && kill "$(cat "$tmp/client.pid")" 2>/dev/null || true
	[ -f "$tmp/evsd.pid" ] && kill "$(cat "$tmp/evsd.pid")" 2>/dev/null || true
	sleep 0.5
	for ns in $cl $gw $lan; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

topology() {
	say "Easy VPN: gateway, LAN host and remote client in their own namespaces"
	for ns in $gw $lan $cl; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip -n "$cl" link add c0 type veth peer name s0 netns "$gw"
	ip -n "$cl" addr add 198.51.100.2/24 dev c0
	ip -n "$cl" link set c0 up
	ip -n "$gw" addr add 198.51.100.1/24 dev s0
	ip -n "$gw" link set s0 up
	routed_lan "$gw" "$lan" lan0 eth0 192.168.77
	run ip -n "$gw" link add evs0 type evs
	run ip -n "$gw" link set evs0 up
	echo "client 198.51.100.2  <->  gateway 198.51.100.1 | 192.168.77.1  <->  LAN host 192.168.77.2"
}

gateway() {
	say "the gateway's user database (argon2id hashes; password read from stdin here)"
	printf 'alice-demo-pw\n' | run evsadm user add alice group sales file "$tmp/users" cost min
	run evsadm user show file "$tmp/users"
	evsd_gateway_conf users="$tmp/users" key="$group_key" policy=20:sha:pre-share:2 \
		transform="STRONG:esp-aes 256 esp-sha256-hmac" \
		transform="CLASSIC:esp-aes 256 esp-sha-hmac" \
		group="dns 192.168.77.53" group="domain corp.example" \
		group='banner "Welcome to the evs demo gateway, alice."' \
		group="proxy-arp lan0" >"$tmp/evsd.conf"
	say "the gateway's /etc/evs/evsd.conf (the group key shown: it is a demo)"
	cat "$tmp/evsd.conf"
	run evsd --check-config -c "$tmp/evsd.conf"
	say "start evsd on the gateway"
	ip netns exec "$gw" evsd -f -c "$tmp/evsd.conf" --pid-file "$tmp/evsd.pidf" \
		--socket "$tmp/evsd.sock" >"$tmp/evsd.log" 2>&1 &
	echo $! >"$tmp/evsd.pid"
	for _ in $(seq 50); do [ -S "$tmp/evsd.sock" ] && break; sleep 0.2; done
	[ -S "$tmp/evsd.sock" ] || { cat "$tmp/evsd.log"; exit 1; }
	echo "evsd is listening on 198.51.100.1 udp/500 and udp/4500"
}

client_vpnc() {
	modprobe tun 2>/dev/null || true
	cat >"$tmp/vpnc.conf" <<VPNC
IPSec gateway 198.51.100.1
IPSec ID sales
IPSec secret $group_key
Xauth username alice
Xauth password alice-demo-pw
IKE DH Group dh2
Perfect Forward Secrecy nopfs
NAT Traversal Mode none
Interface name tun0
No Detach
Noninteractive
Script $EVS_TOP/selftests/lib/vpnc-script
VPNC
	say "the remote user starts vpnc (Debian's Cisco-compatible client)"
	sed 's/\(secret\|password\) .*/\1 ********/' "$tmp/vpnc.conf"
	EZV_ENV=$tmp/pushed ip netns exec "$cl" vpnc "$tmp/vpnc.conf" >"$tmp/client.log" 2>&1 &
	echo $! >"$tmp/client.pid"
}

client_evsd() {
	cat >"$tmp/client.conf" <<CONF
log-level info
device evs0
crypto ipsec transform-set STRONG esp-aes 256 esp-sha256-hmac
peer gateway {
    server 198.51.100.1
    mode aggressive
    group-name sales
    group-key "$group_key"
    authentication xauth-pre-share
    encryption aes
    key-length 256
    hash sha256 sha
    group 14
    transform-set STRONG
    xauth-username alice
    xauth-password alice-demo-pw
}
CONF
	ip -n "$cl" link add evs0 type evs
	ip -n "$cl" link set evs0 up
	say "the remote user starts evsd as an Easy VPN client"
	ip netns exec "$cl" evsd -f --client -c "$tmp/client.conf" --pid-file "$tmp/cl.pidf" \
		--socket "$tmp/cl.sock" >"$tmp/client.log" 2>&1 &
	echo $! >"$tmp/client.pid"
}

wait_connected() {
	for _ in $(seq 300); do
		grep -q ': conn [0-9]* [a-z]*: ' "$tmp/evsd.log" && return 0
		kill -0 "$(cat "$tmp/client.pid")" 2>/dev/null || break
		sleep 0.2
	done
	echo "the client did not connect; its log and the gateway's:"
	tail -n 30 "$tmp/client.log"
	tail -n 60 "$tmp/evsd.log"
	exit 1
}

seven_steps() {
	say "the seven steps, as the gateway lived them"
	narrate "1. the client starts Phase 1 in aggressive mode, naming its group (ID_KEY_ID \"sales\")" \
		'peer identity|Phase 1 aggressive mode established' 3
	narrate "2. it offers every combination it supports (cipher x hash x DH group x auth method); policy 10 fits none" \
		'policy [0-9]+ not chosen' 3
	narrate "3. the gateway walks its numbered policies and takes the first that matches" \
		'policy [0-9]+ matched offered' 3
	narrate "4. XAUTH: user name and password, checked against the user database" \
		'xauth:' 6
	narrate "5. mode config: the address from the pool and the group's settings" \
		'modecfg:' 6
	narrate "6. reverse route injection: the client's address routed into evs0, proxy ARP on the LAN" \
		'rri:' 4
	narrate "7. Phase 2 (quick mode): the transform set that matched, the SAs in evs.ko" \
		'transform set [^ ]+ matched|: conn [0-9]+ up: ' 4
	if [ "$client_kind" = vpnc ] && [ -f "$tmp/pushed.connect" ]; then
		printf '\n--- what vpnc received (its script environment)\n'
		grep -E '^(INTERNAL_IP4_|CISCO_)' "$tmp/pushed.connect" | sed 's/^/    /' || true
	fi
}

traffic() {
	local addr
	say "the gateway's routing table: the RRI route (proto 77 = evs) and the proxy ARP entry"
	run ip -n "$gw" route show dev evs0
	run ip -n "$gw" neigh show proxy
	if [ "$client_kind" = vpnc ]; then
		addr=$(sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$tmp/pushed.connect")
		for _ in $(seq 100); do
			ip -n "$gw" route show "$addr/32" | grep -q evs0 && break
			sleep 0.2
		done
	else
		addr=$(evsadm --socket "$tmp/cl.sock" ike show |
		       sed -n 's/^  conn .*local=\([0-9.]*\)\/.*/\1/p' | head -1)
		say "evsd put the assigned address and the split route on the client itself"
		run ip -n "$cl" -4 addr show dev evs0
		run ip -n "$cl" route show dev evs0
	fi
	say "ping the LAN host from the client, through the tunnel"
	run ip netns exec "$cl" ping -c 3 -i 0.5 -I "$addr" 192.168.77.2
	say "the session on the gateway"
	run ip netns exec "$gw" evsadm conn show
	run ip netns exec "$gw" evsadm -s sa show
	run evsadm --socket "$tmp/evsd.sock" session show || true
	echo "$addr" >"$tmp/addr"
}

disconnect() {
	local addr
	addr=$(cat "$tmp/addr")
	say "the client disconnects"
	kill "$(cat "$tmp/client.pid")"
	rm -f "$tmp/client.pid"
	for _ in $(seq 100); do
		ip -n "$gw" route show "$addr/32" 2>/dev/null | grep -q evs0 || break
		sleep 0.2
	done
	narrate "the gateway cleans up" 'deleting|removed|returned to pool|rri: conn' 8
	say "the route is gone with the connection"
	run ip -n "$gw" route show dev evs0
	if ip -n "$gw" route show "$addr/32" | grep -q evs0; then
		echo "route $addr/32 still there: FAILED"
		exit 1
	fi
	echo "no route for $addr any more; the address is back in pool sales"
	run ip netns exec "$gw" evsadm conn show
}

main() {
	topology
	gateway
	case $client_kind in
	vpnc)
		if command -v vpnc >/dev/null; then
			client_vpnc
		else
			echo "vpnc is not installed: evsd's own client role instead"
			client_kind=evsd
			client_evsd
		fi ;;
	evsd) client_evsd ;;
	*) echo "EVS_DEMO_CLIENT: vpnc or evsd" >&2; exit 2 ;;
	esac
	wait_connected
	seven_steps
	traffic
	disconnect
	kill "$(cat "$tmp/evsd.pid")"
	rm -f "$tmp/evsd.pid"
	say "Easy VPN demo done"
}

main "$@"
