#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NAT traversal: the client sits behind a namespace doing nftables
# masquerade; NAT-D detects it, both sides float to UDP 4500, the SAs are
# ESP-in-UDP with the NAT's mapped port, and traffic passes both ways.
# Twice: over IPv4 (masquerade to 198.51.100.254), then over IPv6 through
# a NAT66 (the client's fd00:99::2 masqueraded to 2001:db8:1::fe; RFC 3948
# ESP-in-UDP over IPv6), the same evsd gateway listening on both.
#   cli c0 10.99.0.2 fd00:99::2 -- n0 10.99.0.1 fd00:99::1 nat
#   nat n1 198.51.100.254 2001:db8:1::fe -- s0 198.51.100.1 2001:db8:1::1 srv
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

require_cmd nft
ike_init
ike_users || skip_all "evsadm user add failed"
ike_topology_nat

# nat66_beside: IPv6 beside ike_topology_nat's IPv4, with a NAT66
# (masquerade, as a home router with a ULA inside does) in $nat.
nat66_beside() {
	local ns ifs
	for ns in "$cli:c0" "$nat:n0 n1" "$srv:s0"; do
		for ifs in ${ns#*:}; do
			ip netns exec "${ns%%:*}" sysctl -qw "net.ipv6.conf.$ifs.accept_dad=0"
		done
		ip netns exec "${ns%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
	done
	ip -n "$cli" addr add fd00:99::2/64 dev c0 nodad
	ip -n "$cli" -6 route add default via fd00:99::1
	ip -n "$nat" addr add fd00:99::1/64 dev n0 nodad
	ip -n "$nat" addr add 2001:db8:1::fe/64 dev n1 nodad
	ip netns exec "$nat" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$nat" nft -f - <<-EOF
	table ip6 nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "n1" masquerade
		}
	}
	EOF
	ip -n "$srv" addr add 2001:db8:1::1/64 dev s0 nodad
}
nat66_beside || skip_all "no NAT66 (nftables ip6 nat)"

ike_conf_server |
	sed -e 's|^listen 198.51.100.1$|&\nlisten 2001:db8:1::1|' >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

# natt_case FAMILY SERVER NAT_ADDR: the client through the NAT to SERVER;
# the gateway must see it at NAT_ADDR, floated, over ESP-in-UDP.
natt_case() {
	local fam=$1 server=$2 natip=$3 re
	re=$(printf '%s' "$natip" | sed 's/\./\\./g')
	ike_conf_client "timers {
    nat-keepalive 5
}" server="$server" >"$IKE_TMP/client.conf"
	ike_start client "$cli" "$IKE_TMP/client.conf" --client ||
		skip_all "evsd does not start"
	ike_session_up "$fam: session up through the NAT, address and split route on evs0"
	ike_ctl client sessions | tap_diag
	ike_ctl server sessions | tap_diag
	tap_check "$fam: client knows it floated (natt=yes)" \
		sh -c "evsadm --socket $IKE_TMP/client.sock ike show | grep -q 'natt=yes'"
	tap_check "$fam: server detected the NAT too (natt=yes)" \
		sh -c "evsadm --socket $IKE_TMP/server.sock ike show | grep -q 'natt=yes'"
	tap_check "$fam: server sees the peer at the NAT's address $natip, port != 500 (floated)" \
		sh -c "evsadm --socket $IKE_TMP/server.sock ike show |
		       grep -q 'peer=$re\[[0-9]*\]' &&
		       ! evsadm --socket $IKE_TMP/server.sock ike show | grep -q 'peer=$re\[500\]'"
	tap_check "$fam: server's SAs are ESP-in-UDP to the NAT's address" \
		sh -c "ip netns exec $srv $EVS_TOP/userspace/evsadm/evsadm -j sa show |
		       python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d and all(s.get(\"encap\") and \"$natip\" in (s[\"src\"], s[\"dst\"]) for s in d) else 1)'"
	tap_check "$fam: ping the LAN host through the NAT" \
		ip netns exec "$cli" ping -c 5 -i 0.3 -W 5 192.168.77.2
	tap_check "$fam: the LAN host reaches the client's inner address" \
		ip netns exec "$lan" ping -c 3 -i 0.3 -W 5 "$(ike_client_inner client)"
	tap_check "$fam: ESP went over UDP through the NAT (no raw ESP SA, inbound packets counted)" \
		sh -c "ip netns exec $srv $EVS_TOP/userspace/evsadm/evsadm -j sa show |
		       python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(s.get(\"encap\") for s in d) and any(s[\"dir\"]==\"in\" and s.get(\"current\",{}).get(\"packets\",0)>=5 for s in d) else 1)'"
	ike_stop client
	tap_result "$fam: client exits cleanly" $?
	sleep 1
	tap_check "$fam: server's SAs gone after the client's delete" \
		test "$(ike_sa_count "$srv")" -eq 0
	tap_check "$fam: client removed its address and routes" ike_client_clean "$cli"
}

natt_case IPv4 198.51.100.1 198.51.100.254
tap_check "client's default route through the NAT is untouched" \
	sh -c "ip -n $cli route show default | grep -q 'via 10.99.0.1'"
natt_case IPv6 2001:db8:1::1 2001:db8:1::fe
tap_check "client's IPv6 default route through the NAT66 is untouched" \
	sh -c "ip -n $cli -6 route show default | grep -q 'via fd00:99::1'"
ike_stop server
tap_result "evsd exits cleanly" $?
tap_done
