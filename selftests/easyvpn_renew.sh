#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An Easy VPN client renews Phase 1 (60 s lifetime), goes through XAUTH
# and mode config again while its old session still lives: the gateway
# hands back the same address, so the client's Phase 2 selector, its
# address on evs0 and the traffic survive; the old session's end does not
# free the address; the client's exit does.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
ike_users || skip_all "evsadm user add failed"
ike_topology
ike_conf_server >"$IKE_TMP/server.conf"
ike_conf_client "" peer="lifetime 60" >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd does not start"
ike_session_up "session up, address and split route on evs0"
inner=$(ike_client_inner client)
tap_diag "inner address $inner"
ike_wait_log server 'renewed Phase 1 from' 150
grep 'renewed Phase 1 from\|Phase 1 renewal' "$IKE_TMP/server.log" "$IKE_TMP/client.log" | tap_diag
tap_check "the gateway gave the renewed session the same address" \
	grep -q "renewed Phase 1 from 198.51.100.2: keeps address $inner " "$IKE_TMP/server.log"
# the old Phase 1 expires (60 s) after the renewal
ike_wait_log server 'Phase 1 lifetime expired' 60
sleep 2
tap_check "the client still has its address on evs0 and a connection" \
	sh -c "ip -n $cli -4 addr show dev evs0 | grep -q 'inet $inner/32 ' &&
	       evsadm --socket $IKE_TMP/client.sock ike show | grep -q '^  conn .*local=$inner/32'"
tap_check_fails "the old session's end did not free the address" \
	grep -q "address $inner of \"alice\" returned to pool" "$IKE_TMP/server.log"
tap_check "ping a LAN host after the renewal" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
ike_stop client
tap_result "client exits cleanly" $?
ike_wait_log server "address $inner of \"alice\" returned to pool" 10
tap_check "the client's exit returned the address to the pool" \
	grep -q "address $inner of \"alice\" returned to pool" "$IKE_TMP/server.log"
tap_done
