#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An Easy VPN gateway in network-extension mode routes to a client only
# the networks the client's group allows (`network-extension allow`):
# the gateway's own LAN (its split-include) or a network outside the
# list is refused in quick mode with INVALID-ID-INFORMATION and a log
# line naming the user, the network and the reason, and no RRI route
# appears; an allowed network comes up with its route.  A group in
# network-extension mode without an allow list is a configuration error.
#   cli (evsd client, NEM) ---- srv (evsd gateway) ---- lan 192.168.77.0/24
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
ike_users || skip_all "evsadm user add failed"

server_conf() {
	ike_conf_server | sed 's/^    split-include 192.168.77.0\/24$/&\n    mode network-extension\n    network-extension allow 10.77.200.0\/24/'
}

# client_conf NET: a network-extension client bringing NET.
client_conf() {
	ike_conf_client | sed "s|^    xauth-password userpass\$|&\n    ezvpn-mode network-extension\n    local-network $1|"
}

# refused NET WHY: the gateway refuses a client claiming NET.
refused() {
	local net=$1 why=$2
	client_conf "$net" >"$IKE_TMP/client.conf"
	ike_start client "$cli" "$IKE_TMP/client.conf" --client ||
		{ tap_fail "claim $net: client starts"; return; }
	if ike_wait_log server "may not claim IDci $net: $why" 90; then
		tap_ok "claim $net: refused ($why)"
	else
		tap_fail "claim $net: refused ($why)"
		ike_diag server
	fi
	grep "may not claim IDci $net" "$IKE_TMP/server.log" | head -1 | tap_diag
	tap_check "claim $net: the log line names the user and the peer" \
		grep -q "quick mode [0-9a-f]* refused: network extension: user \"alice\" (group \"sales\") from 198.51.100.2 may not claim IDci $net" \
		"$IKE_TMP/server.log"
	tap_check "claim $net: the client got INVALID-ID-INFORMATION" \
		ike_wait_log client "notify INVALID-ID-INFORMATION" 20
	tap_check_fails "claim $net: no RRI route on the gateway" \
		sh -c "ip -n $srv route show $net | grep -q evs0"
	tap_check_fails "claim $net: no connection on the gateway" \
		sh -c "evsadm --socket $IKE_TMP/server.sock ike show | grep -q '^  conn '"
	ike_stop client
	sleep 1
}

ike_topology
ip -n "$cli" link add h0 type dummy
ip -n "$cli" addr add 10.77.200.1/24 dev h0
ip -n "$cli" link set h0 up

# no allow list: refused at start-up with file:line
ike_conf_server | sed 's/^    split-include 192.168.77.0\/24$/&\n    mode network-extension/' \
	>"$IKE_TMP/bad.conf"
if ip netns exec "$srv" timeout 30 "$EVSD" -f -c "$IKE_TMP/bad.conf" --socket "$IKE_TMP/bad.sock" \
	--pid-file "$IKE_TMP/bad.pid" >"$IKE_TMP/bad.log" 2>&1; then
	tap_fail "no allow list: evsd refuses the configuration"
else
	tap_check "no allow list: evsd refuses the configuration with file:line" \
		grep -q "bad.conf:[0-9]*: group \"sales\": mode network-extension needs" \
		"$IKE_TMP/bad.log"
fi
tap_diag <"$IKE_TMP/bad.log"

server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "server starts"; tap_done; exit; }

refused 192.168.77.0/24 "outside every"
refused 10.77.201.0/24 "outside every"

client_conf 10.77.200.0/24 >"$IKE_TMP/client.conf"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "allowed: client starts"
if ike_wait_conn client 90 && ike_wait_conn server 10; then
	tap_ok "allowed network 10.77.200.0/24: up"
else
	tap_fail "allowed network 10.77.200.0/24: up"
	ike_diag client
	ike_diag server
fi
tap_check "allowed network: the gateway routes it into evs0 (RRI)" \
	sh -c "ip -n $srv route show 10.77.200.0/24 | grep -q 'dev evs0'"
tap_check "allowed network: the client reaches the LAN host from it" \
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 192.168.77.2
tap_check "the gateway survived every refusal" \
	sh -c "kill -0 \$(cat $IKE_TMP/server.bgpid)"
ike_stop client
sleep 1
tap_check_fails "allowed network: the RRI route went with the connection" \
	sh -c "ip -n $srv route show 10.77.200.0/24 | grep -q evs0"
tap_done
