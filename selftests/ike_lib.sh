# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers shared by the ike_*.sh selftests (sourced after lib.sh): the
# client / server / LAN topology, evsd start and stop, the control
# socket, test certificates.
#
#   cli  c0 198.51.100.2/24 ---- s0 198.51.100.1/24  srv  lan0 192.168.77.1/24
#                                                     |
#                                           lan  eth0 192.168.77.2/24
#
# ike_topology_nat instead puts a router namespace doing nftables
# masquerade between the client (10.99.0.2 behind it) and the server.

. "$(dirname "${BASH_SOURCE[0]}")/lib/evsd_conf.sh"

EVSD=${EVSD:-$EVS_TOP/userspace/evsd/evsd}
EVSADM=${EVSADM:-$EVS_TOP/userspace/evsadm/evsadm}
IKE_TMP=

ike_init() {
	require_cmd ip socat
	[ -x "$EVSD" ] || skip_all "$EVSD not built (make -C userspace)"
	evs_load_module || skip_all "evs.ko does not load"
	IKE_TMP=$(mktemp -d /tmp/evs-ike.XXXXXX)
	on_exit "rm -rf $IKE_TMP"
	on_exit "ike_stop_all"
}

# ike_topology: namespaces cli, srv, lan with the addresses above and an
# evs0 device in cli and srv.
ike_topology() {
	netns_new cli srv lan
	ip -n "$cli" link add c0 type veth peer name s0 netns "$srv"
	ip -n "$cli" addr add 198.51.100.2/24 dev c0
	ip -n "$cli" link set c0 up
	ip -n "$srv" addr add 198.51.100.1/24 dev s0
	ip -n "$srv" link set s0 up
	ike_lan_and_devices
}

# ike_topology_nat: cli (10.99.0.2) -> nat (10.99.0.1 | 198.51.100.254,
# masquerade) -> srv (198.51.100.1).
ike_topology_nat() {
	netns_new cli nat srv lan
	ip -n "$cli" link add c0 type veth peer name n0 netns "$nat"
	ip -n "$nat" link add n1 type veth peer name s0 netns "$srv"
	ip -n "$cli" addr add 10.99.0.2/24 dev c0
	ip -n "$cli" link set c0 up
	ip -n "$cli" route add default via 10.99.0.1
	ip -n "$nat" addr add 10.99.0.1/24 dev n0
	ip -n "$nat" addr add 198.51.100.254/24 dev n1
	ip -n "$nat" link set n0 up
	ip -n "$nat" link set n1 up
	ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$nat" nft -f - <<-EOF
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "n1" masquerade
		}
	}
	EOF
	ip -n "$srv" addr add 198.51.100.1/24 dev s0
	ip -n "$srv" link set s0 up
	ike_lan_and_devices
}

# ike_topology_cli2: after ike_topology, a second client namespace cli2,
# 203.0.113.2 on c2, routed through the gateway's s2 (203.0.113.1) to its
# 198.51.100.1.
ike_topology_cli2() {
	netns_new cli2
	ip -n "$cli2" link add c2 type veth peer name s2 netns "$srv"
	ip -n "$cli2" addr add 203.0.113.2/24 dev c2
	ip -n "$cli2" link set c2 up
	ip -n "$cli2" route add default via 203.0.113.1
	ip -n "$srv" addr add 203.0.113.1/24 dev s2
	ip -n "$srv" link set s2 up
}

# ike_ipv6_beside: IPv6 beside ike_topology's IPv4: the outer segment
# 2001:db8:1::/64 (cli ::2, srv ::1), the LAN 2001:db8:77::/64 (srv ::1,
# lan ::2 routing through srv), no DAD, forwarding on the gateway.
ike_ipv6_beside() {
	for ns in "$cli" "$srv" "$lan"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
	done
	ip -n "$cli" addr add 2001:db8:1::2/64 dev c0 nodad
	ip -n "$srv" addr add 2001:db8:1::1/64 dev s0 nodad
	ip -n "$srv" addr add 2001:db8:77::1/64 dev lan0 nodad
	ip -n "$lan" addr add 2001:db8:77::2/64 dev eth0 nodad
	ip -n "$lan" -6 route add default via 2001:db8:77::1
	ip netns exec "$srv" sysctl -qw net.ipv6.conf.all.forwarding=1
}

ike_lan_and_devices() {
	routed_lan "$srv" "$lan" lan0 eth0 192.168.77
	for ns in "$cli" "$srv"; do
		ip -n "$ns" link add evs0 type evs
		ip -n "$ns" link set evs0 up
	done
}

# ike_start NAME NS CONF [evsd args...]: start evsd in NS with CONF (a
# file), logging to $IKE_TMP/NAME.log, control socket $IKE_TMP/NAME.sock.
ike_start() {
	local name=$1 ns=$2 conf=$3
	shift 3
	# Each evsd its own session records (a restart test passes its own).
	ip netns exec "$ns" "$EVSD" -f -d -c "$conf" \
		--pid-file "$IKE_TMP/$name.pid" --socket "$IKE_TMP/$name.sock" \
		--state-dir "$IKE_TMP/$name.state" "$@" \
		>"$IKE_TMP/$name.log" 2>&1 &
	echo $! >"$IKE_TMP/$name.bgpid"
	for _ in $(seq 50); do
		[ -S "$IKE_TMP/$name.sock" ] && return 0
		kill -0 "$(cat "$IKE_TMP/$name.bgpid")" 2>/dev/null || break
		sleep 0.2
	done
	echo "# evsd $name did not start:"
	tap_diag <"$IKE_TMP/$name.log"
	return 1
}

# ike_stop NAME: SIGTERM (clean shutdown) and wait for the exit status.
ike_stop() {
	local f=$IKE_TMP/$1.bgpid pid rc
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	rm -f "$f"
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	rc=$?
	return $rc
}

# ike_kill NAME: SIGKILL (a crashed peer).
ike_kill() {
	local f=$IKE_TMP/$1.bgpid
	[ -f "$f" ] || return 0
	kill -KILL "$(cat "$f")" 2>/dev/null
	wait "$(cat "$f")" 2>/dev/null
	rm -f "$f"
}

ike_stop_all() {
	local f
	for f in "$IKE_TMP"/*.bgpid; do
		[ -f "$f" ] || continue
		ike_stop "$(basename "$f" .bgpid)"
	done
}

# ike_ctl NAME CMD...: evsd NAME's answer through evsadm and its control
# socket.  "sessions" is `evsadm ike show` (one line per ISAKMP SA, one
# per connection), "stats" `evsadm daemon show`; other words go to evsadm.
ike_ctl() {
	local name=$1
	shift
	case "$1" in
	sessions) set -- ike show ;;
	stats) set -- daemon show ;;
	esac
	"${EVSADM:-evsadm}" --socket "$IKE_TMP/$name.sock" "$@" 2>/dev/null
}

# ike_wait_conn NAME SECONDS: wait until NAME has a Phase 2 connection.
ike_wait_conn() {
	local i
	for i in $(seq $(($2 * 5))); do
		ike_ctl "$1" sessions | grep -q '^  conn ' && return 0
		sleep 0.2
	done
	return 1
}

# ike_up LABEL NAME:SECONDS...: tap_ok LABEL when each evsd NAME, in turn,
# has its Phase 2 connection within SECONDS; otherwise tap_fail LABEL, the
# last lines of every running evsd's log, and return 1 (the caller adds
# its peer's log and ends the case).
ike_up() {
	local label=$1 w f
	shift
	for w; do
		ike_wait_conn "${w%:*}" "${w#*:}" && continue
		tap_fail "$label"
		for f in "$IKE_TMP"/*.bgpid; do
			[ -f "$f" ] && ike_diag "$(basename "$f" .bgpid)"
		done
		return 1
	done
	tap_ok "$label"
}

# ike_client_inner NAME: the client's inner address (local= of its conn).
ike_client_inner() {
	ike_ctl "$1" sessions | sed -n 's/^  conn .*local=\([0-9.]*\)\/.*/\1/p' | head -1
}

# What evsd's client role puts on its host (clientcfg.c): the assigned
# address /32 on evs0, routes into evs0 with protocol 78.
# ike_client_has_addr NS ADDR
ike_client_has_addr() {
	ip -n "$1" -4 addr show dev evs0 | grep -q "inet $2/32 "
}

# ike_client_has_route NS NET [SRC]: NET routed into evs0 by evsd.
ike_client_has_route() {
	local out
	out=$(ip -n "$1" -4 route show "$2" dev evs0 proto 78)
	[ -n "$out" ] || return 1
	[ -z "${3:-}" ] || echo "$out" | grep -q "src $3\b"
}

# ike_client_show: `evsadm client show gw -j` of evsd "client";
# ike_client_state: its state; ike_client_wait_state STATE SECONDS: wait
# until it is STATE (else say which it is).
ike_client_show() {
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j 2>/dev/null
}

ike_client_state() {
	ike_client_show | jq -r '.[0].state'
}

ike_client_wait_state() {
	for _ in $(seq $(($2 * 5))); do
		[ "$(ike_client_state)" = "$1" ] && return 0
		sleep 0.2
	done
	echo "# state is $(ike_client_state), not $1"
	return 1
}

# ike_client_resolv_home: the client namespace's own resolv.conf (ip netns
# exec bind-mounts /etc/netns/$cli/resolv.conf over /etc/resolv.conf: a
# mount point, replaced and restored in place), kept as $IKE_TMP/resolv.orig.
ike_client_resolv_home() {
	mkdir -p "/etc/netns/$cli"
	printf '# home\nsearch home.lan\nnameserver 192.0.2.1\n' >"/etc/netns/$cli/resolv.conf"
	on_exit "rm -rf /etc/netns/$cli /etc/resolv.conf.evsd-backup"
	cp "/etc/netns/$cli/resolv.conf" "$IKE_TMP/resolv.orig"
}

# ike_client_resolv_pushed WHO [SERVER...]: TAP checks that WHO's pushed
# servers (default 192.168.77.53), in that order, and domain corp.example
# come first in the client's resolv.conf, before ike_client_resolv_home's.
ike_client_resolv_pushed() {
	local who=$1 want= s
	shift
	[ $# -gt 0 ] || set -- 192.168.77.53
	for s in "$@" 192.0.2.1; do want+="nameserver $s "; done
	tap_check "dns: $who servers ($*) first in resolv.conf, then the original" \
		sh -c "ip netns exec $cli cat /etc/resolv.conf | grep '^nameserver' | tr '\n' ' ' |
		       grep -qx '$want'"
	tap_check "dns: $who domain searched first" \
		sh -c "ip netns exec $cli cat /etc/resolv.conf | grep -qx 'search corp.example home.lan'"
}

# ike_client_disconnect_clean: TAP checks that `evsadm client disconnect gw`
# takes the client down, with its address, routes and resolv.conf changes
# gone.
ike_client_disconnect_clean() {
	tap_check "disconnect: evsadm client disconnect gw" \
		"$EVSADM" --socket "$IKE_TMP/client.sock" client disconnect gw
	ike_client_wait_state down 10
	tap_result "disconnect: state down" $?
	sleep 1
	tap_check "disconnect: address and routes gone" ike_client_clean "$cli"
	ike_client_resolv_restored
}

# ike_client_resolv_restored: TAP check that resolv.conf is back as it was.
ike_client_resolv_restored() {
	tap_check "dns: resolv.conf restored byte for byte" \
		cmp "$IKE_TMP/resolv.orig" "/etc/netns/$cli/resolv.conf"
}

# ike_client_clean NS: no address on evs0 and no route of evsd's left.
ike_client_clean() {
	local a r
	a=$(ip -n "$1" -4 addr show dev evs0 | grep inet)
	r=$(ip -n "$1" -4 route show proto 78)
	[ -z "$a$r" ] && return 0
	echo "left on evs0: $a"
	echo "routes proto 78: $r"
	return 1
}

# ike_certs DIR: a CA, a server and a client certificate (RSA 2048),
# generated now: nothing secret is ever committed.
ike_certs() {
	local d=$1
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
			-days 2 -subj "/O=evs test/CN=evs test CA" 2>/dev/null &&
		for who in server client; do
			openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr \
				-subj "/O=evs test/CN=$who.evs.test" 2>/dev/null &&
			printf 'subjectAltName=DNS:%s.evs.test\n' $who >$who.ext &&
			openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key \
				-CAcreateserial -days 2 -out $who.pem -extfile $who.ext \
				2>/dev/null || exit 1
		done
	)
}

# ike_diag NAME: the last lines of an evsd log as TAP diagnostics.
ike_diag() {
	echo "# --- evsd $1 (last 40 lines) ---"
	tail -n 40 "$IKE_TMP/$1.log" | tap_diag
}

# ike_users: an XAUTH user alice/userpass in group sales.
# The cheapest password hash: under TCG the default cost makes each XAUTH
# check take seconds, more than a Phase 1 renewal's margin (6 to 9 s of a 60 s
# lifetime) on a one-vCPU VM.
ike_users() {
	printf 'userpass\n' | "$EVS_TOP/userspace/evsadm/evsadm" user add alice \
		group sales file "$IKE_TMP/users" cost min >/dev/null 2>&1
}

# ike_conf_server [EXTRA-LINES] [ARG...]: an Easy VPN gateway (group sales,
# pool 10.77.0.0/24 range, split 192.168.77.0/24) on 198.51.100.1 (ARG:
# evsd_gateway_conf's, e.g. group="mode network-extension").
ike_conf_server() {
	evsd_gateway_conf users="$IKE_TMP/users" extra="${1:-}" "${@:2}"
}

# ike_conf_client [EXTRA-LINES] [ARG...]: an aggressive-mode XAUTH client of
# it (ARG: evsd_client_conf's, e.g. peer="local-network NET").
ike_conf_client() {
	evsd_client_conf extra="${1:-}" "${@:2}"
}

# ike_end_case: between the cases of one test: every evsd stopped and the
# namespaces this test made removed, for the next case's ike_topology.
ike_end_case() {
	ike_stop_all
	for ns in $(netns_list_mine); do ip netns del "$ns"; done
}

# ike_send_mib FROM_NS LAN_NS: 1 MiB of random bytes over TCP from FROM_NS
# to 192.168.77.2:5001 in LAN_NS; succeeds when it arrives intact.
ike_send_mib() {
	local from=$1 lan=$2 lpid rc
	head -c 1048576 /dev/urandom >"$IKE_TMP/blob"
	ip netns exec "$lan" timeout 120 socat -u TCP-LISTEN:5001,reuseaddr \
		"OPEN:$IKE_TMP/blob.rx,creat,trunc" &
	lpid=$!
	for _ in $(seq 50); do
		ip netns exec "$lan" ss -ltn | grep -q ':5001 ' && break
		sleep 0.2
	done
	ip netns exec "$from" timeout 120 socat -u "OPEN:$IKE_TMP/blob" \
		TCP:192.168.77.2:5001,connect-timeout=10 || kill $lpid 2>/dev/null
	wait $lpid
	cmp "$IKE_TMP/blob" "$IKE_TMP/blob.rx"
	rc=$?
	rm -f "$IKE_TMP/blob.rx"
	return $rc
}

# ike_sa_count NS: ESP SAs in NS's kernel.
ike_sa_count() {
	ip netns exec "$1" "$EVS_TOP/userspace/evsadm/evsadm" sa show 2>/dev/null |
		grep -c spi
}

# ike_session_up DESC: ike_client_up as a TAP result; when the session
# does not come up, both daemons' logs go to the TAP output and the test
# ends there (nothing after it could pass).
ike_session_up() {
	if ike_client_up; then
		tap_ok "$1"
		return
	fi
	tap_fail "$1"
	ike_diag client
	ike_diag server
	tap_done
}

# ike_client_up: wait for the client's connection; evsd itself must have
# put the assigned address on evs0 and routed the split network into it.
ike_client_up() {
	local inner
	ike_wait_conn client 90 || return 1
	inner=$(ike_client_inner client)
	[ -n "$inner" ] || return 1
	ike_client_has_addr "$cli" "$inner" &&
		ike_client_has_route "$cli" 192.168.77.0/24 "$inner"
}

# ike_wait_log NAME PATTERN SECONDS: wait for PATTERN in NAME's evsd log.
ike_wait_log() {
	for _ in $(seq $(($3 * 5))); do
		grep -q -- "$2" "$IKE_TMP/$1.log" && return 0
		sleep 0.2
	done
	return 1
}

# ike_second_client: a namespace $cli2 (198.51.100.3, its own evs0) on the
# client's segment: the gateway's s0 goes into a bridge with cli2's link
# (evsd listens on one address: one UDP/4500 socket for the kernel).
ike_second_client() {
	netns_new cli2
	ip -n "$srv" addr del 198.51.100.1/24 dev s0
	ip -n "$srv" link add br0 type bridge
	ip -n "$srv" link set s0 master br0
	ip -n "$cli2" link add c0 type veth peer name s2 netns "$srv"
	ip -n "$srv" link set s2 master br0
	ip -n "$srv" link set s2 up
	ip -n "$srv" addr add 198.51.100.1/24 dev br0
	ip -n "$srv" link set br0 up
	ip -n "$cli2" addr add 198.51.100.3/24 dev c0
	ip -n "$cli2" link set c0 up
	ip -n "$cli2" link add evs0 type evs
	ip -n "$cli2" link set evs0 up
}
