#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsd's client role with IPv6, against one evsd gateway on both families
# (an IPv6 pool, sales6, beside the IPv4 one; a user per case, its policy
# in a user block):
#  1. alice over IPv6 transport, split tunnel: mode config gives an IPv4
#     address and an IPv6 /128 with the split networks 192.168.77.0/24 and
#     2001:db8:77::/64; the client puts both addresses on evs0 and routes
#     both networks into it (proto 78, the family's address as source),
#     runs one quick mode per family and pings the LAN host over both; all
#     of it gone when the client stops.
#  2. bob over IPv4 transport, IPv6 tunnelled whole (his split list has no
#     IPv6 network): ::/1 + 8000::/1 into evs0 beside the IPv4 split route;
#     gone after.
#  3. carol, network extension with an IPv6 LAN (2001:db8:200::/64 beside
#     10.77.200.0/24): the gateway installs the RRI route for the IPv6 LAN
#     and takes it away at teardown; the LAN host and the client's LAN
#     reach each other; her third LAN, outside her allow list, is refused
#     as an IPv4 one would be.
#  An IPv6 local-network in client mode is a configuration error (no PAT
#  for IPv6).
#   cli c0 198.51.100.2 2001:db8:1::2 -- s0 198.51.100.1 2001:db8:1::1 srv
#   srv lan0 192.168.77.1 2001:db8:77::1 -- eth0 192.168.77.2 2001:db8:77::2 lan
# Addresses: documentation prefixes, inside the test's namespaces only.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
# the policy is the user's (group-lock: all three in group sales); the
# cheapest password hash, as the XAUTH check costs seconds under TCG
for u in alice bob carol; do
	printf 'userpass\n' | "$EVS_TOP/userspace/evsadm/evsadm" user add "$u" \
		group sales file "$IKE_TMP/users" cost min >/dev/null 2>&1 ||
		skip_all "evsadm user add failed"
done

# server_conf: the gateway on both families with an IPv6 pool (routed,
# outside the LAN) and both LANs split; bob's split list is IPv4 only,
# carol extends her networks.
server_conf() {
	ike_conf_server "" |
		sed -e 's|^listen 198.51.100.1$|&\nlisten 2001:db8:1::1|' \
			-e 's|^pool sales .*$|&\npool sales6 2001:db8:99::/112|' \
			-e 's|^    pool sales$|    pool sales sales6|' \
			-e 's|^    split-include 192.168.77.0/24$|& 2001:db8:77::/64|'
	cat <<-EOF
	user bob {
	    split-include 192.168.77.0/24
	}
	user carol {
	    mode network-extension
	    network-extension allow 10.77.200.0/24 2001:db8:200::/56
	}
	EOF
}

# v6_addr: the client's IPv6 address on evs0 (from pool sales6).
v6_addr() {
	ip -n "$cli" -6 addr show dev evs0 scope global |
		sed -n 's|.*inet6 \(2001:db8:99::[0-9a-f]*\)/128.*|\1|p' | head -1
}

# has6 NS NET [SRC]: NET routed into evs0 by evsd's client (proto 78).
has6() {
	local out
	out=$(ip -n "$1" -6 route show "$2" dev evs0 proto 78 2>/dev/null)
	[ -n "$out" ] || return 1
	[ -z "${3:-}" ] || echo "$out" | grep -q "src $3\b"
}

# clean6: nothing of the client's IPv6 left on evs0 or in the routes.
clean6() {
	local a r
	a=$(ip -n "$cli" -6 addr show dev evs0 scope global | grep inet6)
	r=$(ip -n "$cli" -6 route show proto 78)
	[ -z "$a$r" ] && return 0
	echo "left: $a $r"
	return 1
}

rri6() { ip -n "$srv" -6 route show "$1" 2>/dev/null | grep -q 'dev evs0'; }

# client_up DESC: wait for two connections (one per family) on the client.
client_up() {
	local n=0
	for _ in $(seq 450); do
		n=$(ike_ctl client sessions | grep -c '^  conn ')
		[ "$n" -ge 2 ] && break
		sleep 0.2
	done
	if [ "$n" -ge 2 ]; then
		tap_ok "$1: one connection per family"
	else
		tap_fail "$1: one connection per family ($n)"
		ike_diag client
		ike_diag server
	fi
}

# ---- a client-mode IPv6 LAN is refused ----------------------------------------------
ike_conf_client "" peer="local-network 2001:db8:200::/64" >"$IKE_TMP/bad.conf"
if "$EVSD" --check-config -c "$IKE_TMP/bad.conf" >"$IKE_TMP/bad.log" 2>&1; then
	tap_fail "client mode with an IPv6 local-network: refused"
else
	tap_check "client mode with an IPv6 local-network: refused with file:line" \
		grep -q "bad.conf:[0-9]*: peer gw: an IPv6 local-network needs" "$IKE_TMP/bad.log"
fi
tap_diag <"$IKE_TMP/bad.log"

# ---- 1: alice, IPv6 transport, split tunnel of both families -----------------------
ike_topology
ike_ipv6_beside
server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "gateway does not start"
ike_conf_client "" server=2001:db8:1::1 >"$IKE_TMP/client.conf"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "1: client starts"
client_up "1 (IPv6 outer, split)"
for _ in $(seq 50); do has6 "$cli" 2001:db8:77::/64 && break; sleep 0.2; done
a4=$(ike_client_inner client)
a6=$(v6_addr)
case $a6 in
2001:db8:99::*) tap_ok "1: IPv6 address $a6/128 on evs0" ;;
*) tap_fail "1: IPv6 address from pool sales6 on evs0"; a6=2001:db8:99::1 ;;
esac
tap_check "1: IPv4 address $a4/32 on evs0" ike_client_has_addr "$cli" "$a4"
tap_check "1: route 2001:db8:77::/64 into evs0, source $a6" \
	has6 "$cli" 2001:db8:77::/64 "$a6"
tap_check "1: route 192.168.77.0/24 into evs0, source $a4" \
	ike_client_has_route "$cli" 192.168.77.0/24 "$a4"
tap_check_fails "1: no IPv6 full-tunnel halves (split)" has6 "$cli" ::/1
tap_check "1: the gateway has the RRI route $a6/128" rri6 "$a6/128"
tap_check "1: IKE and ESP over IPv6" \
	sh -c "ip netns exec '$cli' '$EVSADM' sa show 2>/dev/null | grep -q '2001:db8:1::1'"
tap_check "1: ping the LAN host over IPv6" \
	ip netns exec "$cli" ping -6 -c 2 -i 0.3 -W 5 2001:db8:77::2
tap_check "1: ping the LAN host over IPv4" \
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 192.168.77.2
tap_check "1: the LAN host reaches the client's IPv6 address" \
	ip netns exec "$lan" ping -6 -c 2 -i 0.3 -W 5 "$a6"
ike_stop client
tap_result "1: client exits cleanly" $?
tap_check "1: IPv6 address and routes gone from the client" clean6
tap_check "1: IPv4 address and routes gone from the client" ike_client_clean "$cli"
for _ in $(seq 50); do rri6 "$a6/128" || break; sleep 0.2; done
tap_check_fails "1: the gateway's RRI route $a6/128 gone" rri6 "$a6/128"

# ---- 2: bob, IPv4 transport, IPv6 tunnelled whole ------------------------------------
ike_conf_client "" user=bob >"$IKE_TMP/client.conf"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "2: client starts"
client_up "2 (IPv4 outer, IPv6 whole)"
for _ in $(seq 50); do has6 "$cli" 8000::/1 && break; sleep 0.2; done
a6=$(v6_addr)
tap_check "2: ::/1 into evs0, source $a6" has6 "$cli" ::/1 "$a6"
tap_check "2: 8000::/1 into evs0, source $a6" has6 "$cli" 8000::/1 "$a6"
tap_check "2: the IPv4 split route stays as it was" \
	ike_client_has_route "$cli" 192.168.77.0/24
tap_check_fails "2: no IPv4 full-tunnel halves" ike_client_has_route "$cli" 0.0.0.0/1
tap_check "2: ping the LAN host over IPv6" \
	ip netns exec "$cli" ping -6 -c 2 -i 0.3 -W 5 2001:db8:77::2
ike_stop client
tap_check "2: IPv6 address and routes gone from the client" clean6
tap_check "2: IPv4 address and routes gone from the client" ike_client_clean "$cli"

# ---- 3: carol, network extension with an IPv6 LAN ------------------------------------
ip -n "$cli" link add h0 type dummy
ip -n "$cli" addr add 10.77.200.1/24 dev h0
ip -n "$cli" addr add 2001:db8:200::1/64 dev h0 nodad
ip -n "$cli" link set h0 up
# 2001:db8:300::/64 lies outside her allow list: refused, the others not
ike_conf_client "" server=2001:db8:1::1 user=carol peer="ezvpn-mode network-extension" \
	peer="local-network 10.77.200.0/24" peer="local-network 2001:db8:200::/64" \
	peer="local-network 2001:db8:300::/64" >"$IKE_TMP/client.conf"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "3: client starts"
client_up "3 (network extension, IPv6 LAN)"
for _ in $(seq 50); do rri6 2001:db8:200::/64 && break; sleep 0.2; done
tap_check "3: the gateway routes 2001:db8:200::/64 into evs0 (RRI)" rri6 2001:db8:200::/64
tap_check "3: claim of 2001:db8:300::/64, outside the allow list, refused" \
	ike_wait_log server "may not claim IDci 2001:db8:300::/64: outside every IPv6 .network-extension allow. prefix" 30
tap_check_fails "3: no RRI route for it" rri6 2001:db8:300::/64
tap_check "3: the client routes 2001:db8:77::/64 into evs0, source its LAN address" \
	has6 "$cli" 2001:db8:77::/64 2001:db8:200::1
tap_check_fails "3: no address assigned in network extension" \
	sh -c "ip -n $cli -6 addr show dev evs0 scope global | grep -q inet6"
tap_check "3: the client's LAN reaches the LAN host over IPv6" \
	ip netns exec "$cli" ping -6 -c 2 -i 0.3 -W 5 -I 2001:db8:200::1 2001:db8:77::2
tap_check "3: the LAN host reaches the client's LAN over IPv6" \
	ip netns exec "$lan" ping -6 -c 2 -i 0.3 -W 5 2001:db8:200::1
tap_check "3: the IPv4 LAN still works beside it" \
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I 10.77.200.1 192.168.77.2
ike_stop client
for _ in $(seq 50); do rri6 2001:db8:200::/64 || break; sleep 0.2; done
tap_check_fails "3: the RRI route went with the connection" rri6 2001:db8:200::/64
tap_check "3: the client's routes are gone" clean6
ike_stop server
tap_result "evsd exits cleanly" $?
tap_done
