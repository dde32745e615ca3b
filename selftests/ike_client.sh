#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsd's client role sets its own host up (clientcfg.c), in the three ways
# an Easy VPN remote works.  A "home" LAN (10.77.200.0/24) sits behind the
# client:
#   home eth0 10.77.200.2 ---- h0 10.77.200.1  cli  c0 ---- srv ---- lan
#
#  1. client mode + PAT: the gateway assigns an address; a home host
#     reaches the gateway's LAN and is seen there with that address
#     (nftables masquerade on evs0); the nft table goes with the session.
#  2. network-extension mode: the client keeps its addresses, its Phase 2
#     selector is its LAN; the gateway routes the home LAN into its evs0
#     (RRI) and the LAN host reaches the home host by its own address.
#  3. full tunnel behind a NAT: the gateway pushes no split list; the
#     client routes 0/1 + 128/1 into evs0 and keeps the gateway on its
#     old path (host route via the NAT router), the default route stays.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

require_cmd nft
ike_init
ike_users || skip_all "evsadm user add failed"

# home_lan: the home namespace behind the client.
home_lan() {
	netns_new home
	routed_lan "$cli" "$home" h0 eth0 10.77.200
}

# peer_addr_seen_by_lan: the source address the LAN host sees for a TCP
# connection from the home host.
peer_addr_seen_by_lan() {
	local out=$IKE_TMP/peeraddr pid
	rm -f "$out"
	ip netns exec "$lan" timeout 60 socat -u TCP-LISTEN:5002,reuseaddr \
		SYSTEM:"echo \$SOCAT_PEERADDR >$out" &
	pid=$!
	for _ in $(seq 50); do
		ip netns exec "$lan" ss -ltn | grep -q ':5002 ' && break
		sleep 0.2
	done
	echo hello | ip netns exec "$home" timeout 30 socat -u - \
		TCP:192.168.77.2:5002,connect-timeout=10 >/dev/null 2>&1
	wait $pid 2>/dev/null
	cat "$out" 2>/dev/null
}

case_pat() {
	local inner seen
	ike_topology
	home_lan
	ike_conf_server >"$IKE_TMP/server.conf"
	ike_conf_client "" peer="local-network 10.77.200.0/24" \
		>"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "pat: server starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "pat: client starts"; ike_end_case; return; }
	if ike_client_up; then
		tap_ok "client mode: up, assigned address and split route on evs0"
	else
		tap_fail "client mode: up, assigned address and split route on evs0"
		ike_diag client
		ike_diag server
		ike_end_case
		return
	fi
	inner=$(ike_client_inner client)
	tap_check "client mode: PAT table installed" \
		ip netns exec "$cli" nft list table ip evsd_pat_gw
	tap_check "client mode: the home host pings the gateway's LAN host" \
		ip netns exec "$home" ping -c 3 -i 0.3 -W 5 192.168.77.2
	seen=$(peer_addr_seen_by_lan)
	tap_diag "the LAN host saw $seen (assigned $inner)"
	tap_check "client mode: the LAN host sees the home host as the assigned address" \
		test -n "$seen" -a "$seen" = "$inner"
	ike_stop client
	tap_result "client mode: client exits cleanly" $?
	tap_check "client mode: address and routes removed" ike_client_clean "$cli"
	tap_check_fails "client mode: PAT table removed" \
		ip netns exec "$cli" nft list table ip evsd_pat_gw
	ike_end_case
}

case_nem() {
	local seen
	ike_topology
	home_lan
	ike_conf_server "" group="mode network-extension" \
		group="network-extension allow 10.77.200.0/24" \
		>"$IKE_TMP/server.conf"
	ike_conf_client "" peer="ezvpn-mode network-extension" peer="local-network 10.77.200.0/24" \
		>"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "nem: server starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "nem: client starts"; ike_end_case; return; }
	ike_up "network extension: up" client:90 server:10 || { ike_end_case; return; }
	ike_ctl client sessions | tap_diag
	tap_check "network extension: Phase 2 selector is the home LAN" \
		sh -c "evsadm --socket $IKE_TMP/client.sock ike show |
		       grep -q 'local=10.77.200.0/24 remote=192.168.77.0/24'"
	tap_check "network extension: the client keeps its addresses (none on evs0)" \
		sh -c "! ip -n $cli -4 addr show dev evs0 | grep -q inet &&
		       ip -n $cli -4 addr show dev h0 | grep -q 'inet 10.77.200.1/24'"
	tap_check "network extension: split route into evs0 from the client's LAN address" \
		ike_client_has_route "$cli" 192.168.77.0/24 10.77.200.1
	tap_check "network extension: the gateway routes the home LAN into evs0 (RRI)" \
		sh -c "ip -n $srv route show 10.77.200.0/24 | grep -q 'dev evs0'"
	tap_check "network extension: the home host pings the gateway's LAN host" \
		ip netns exec "$home" ping -c 3 -i 0.3 -W 5 192.168.77.2
	tap_check "network extension: the LAN host pings the home host" \
		ip netns exec "$lan" ping -c 3 -i 0.3 -W 5 10.77.200.2
	tap_check "network extension: the client itself reaches the LAN host" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	seen=$(peer_addr_seen_by_lan)
	tap_diag "the LAN host saw $seen"
	tap_check "network extension: the LAN host sees the home host's own address" \
		test "$seen" = 10.77.200.2
	ike_stop client
	tap_result "network extension: client exits cleanly" $?
	sleep 1
	tap_check "network extension: client's routes removed" ike_client_clean "$cli"
	tap_check "network extension: the gateway's RRI route went with the connection" \
		sh -c "! ip -n $srv route show 10.77.200.0/24 | grep -q evs0"
	ike_end_case
}

case_full_tunnel_nat() {
	local inner
	ike_topology_nat
	ike_conf_server | sed '/^    split-include 192.168.77.0\/24$/d' >"$IKE_TMP/server.conf"
	ike_conf_client >"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "full: server starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "full: client starts"; ike_end_case; return; }
	ike_up "full tunnel behind a NAT: up" client:90 || { ike_end_case; return; }
	inner=$(ike_client_inner client)
	ip -n "$cli" route show | tap_diag
	tap_check "full tunnel: address on evs0, 0/1 and 128/1 into evs0" \
		sh -c "ip -n $cli -4 addr show dev evs0 | grep -q 'inet $inner/32 ' &&
		       ip -n $cli route show 0.0.0.0/1 dev evs0 proto 78 | grep -q . &&
		       ip -n $cli route show 128.0.0.0/1 dev evs0 proto 78 | grep -q ."
	tap_check "full tunnel: host route to the gateway through the NAT router" \
		sh -c "ip -n $cli route show 198.51.100.1 proto 78 | grep -q 'via 10.99.0.1 dev c0'"
	tap_check "full tunnel: the default route is still there" \
		sh -c "ip -n $cli route show default | grep -q 'via 10.99.0.1'"
	tap_check "full tunnel: ping the LAN host" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	# IKE still reaches the gateway outside the tunnel: a DPD exchange
	# (10 s of silence) completes after the routes are in.
	for _ in $(seq 60); do
		grep -Eq 'R-U-THERE(-ACK [0-9]+$| [0-9]+, acknowledging)' "$IKE_TMP/client.log" && break
		sleep 0.5
	done
	tap_check "full tunnel: IKE still reaches the gateway (a DPD exchange completed)" \
		grep -Eq 'R-U-THERE(-ACK [0-9]+$| [0-9]+, acknowledging)' "$IKE_TMP/client.log"
	tap_check "full tunnel: the session survives" ike_wait_conn client 5
	ike_stop client
	tap_result "full tunnel: client exits cleanly" $?
	tap_check "full tunnel: address and routes removed" ike_client_clean "$cli"
	tap_check "full tunnel: the default route is untouched" \
		sh -c "ip -n $cli route show default | grep -q 'via 10.99.0.1'"
	ike_end_case
}

case_pat
case_nem
case_full_tunnel_nat
tap_done
