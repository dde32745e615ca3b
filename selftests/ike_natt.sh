#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# NAT traversal: the client sits behind a namespace doing nftables
# masquerade; NAT-D detects it, both sides float to UDP 4500, the SAs are
# ESP-in-UDP with the NAT's mapped port, and traffic passes both ways.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

require_cmd nft
ike_init
ike_users || skip_all "evsadm user add failed"
ike_topology_nat
ike_conf_server >"$IKE_TMP/server.conf"
ike_conf_client "timers {
    nat-keepalive 5
}" >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd does not start"
ike_session_up "session up through the NAT, address and split route on evs0"
ike_ctl client sessions | tap_diag
ike_ctl server sessions | tap_diag
tap_check "client knows it floated (natt=yes)" \
	sh -c "evsadm --socket $IKE_TMP/client.sock ike show | grep -q 'natt=yes'"
tap_check "server sees the peer at the NAT's address, port != 4500 (mapped)" \
	sh -c "evsadm --socket $IKE_TMP/server.sock ike show |
	       grep -q 'peer=198.51.100.254\[[0-9]*\]' &&
	       ! evsadm --socket $IKE_TMP/server.sock ike show | grep -q 'peer=198.51.100.254\[500\]'"
tap_check "server's SAs are ESP-in-UDP" \
	sh -c "ip netns exec $srv $EVS_TOP/userspace/evsadm/evsadm -j sa show | grep -q '\"encap\"'"
tap_check "ping the LAN host through the NAT" \
	ip netns exec "$cli" ping -c 5 -i 0.3 -W 5 192.168.77.2
tap_check "the LAN host reaches the client's inner address" \
	ip netns exec "$lan" ping -c 3 -i 0.3 -W 5 "$(ike_client_inner client)"
tap_check "ESP went over UDP 4500 through the NAT (conntrack-free check: no raw ESP)" \
	sh -c "ip netns exec $srv $EVS_TOP/userspace/evsadm/evsadm -j sa show |
	       python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if all(s.get(\"encap\") for s in d) and any(s[\"dir\"]==\"in\" and s.get(\"current\",{}).get(\"packets\",0)>=5 for s in d) else 1)'"
ike_stop client
tap_result "client exits cleanly" $?
sleep 1
tap_check "server's SAs gone after the client's delete" test "$(ike_sa_count "$srv")" -eq 0
tap_check "client removed its address and routes" ike_client_clean "$cli"
tap_check "client's default route through the NAT is untouched" \
	sh -c "ip -n $cli route show default | grep -q 'via 10.99.0.1'"
tap_done
