#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hitless restart keeps a network-extension client's claim (issue 14,
# part 1; Documentation/restart.md): alice's evsd client brings her LAN
# 10.77.200.0/24; the gateway's evsd is killed with SIGKILL and started
# again; it adopts the session with the claimed network from its record,
# the RRI route stays, alice's LAN still reaches the gateway's, and bob,
# another branch, may not claim the same network afterwards.
#   cli (alice, NEM) ------------ srv (evsd gateway) ---- lan 192.168.77.0/24
#   cli2 (bob, NEM) 203.0.113.2 --+ 203.0.113.1
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
ike_users || skip_all "evsadm user add failed"
printf 'bobpass\n' | "$EVSADM" user add bob group sales file "$IKE_TMP/users" cost min \
	>/dev/null 2>&1 || skip_all "evsadm user add failed"
ike_topology
ip -n "$cli" link add h0 type dummy
ip -n "$cli" addr add 10.77.200.1/24 dev h0
ip -n "$cli" link set h0 up
ike_topology_cli2
STATE=$IKE_TMP/state

ike_conf_server "" group="mode network-extension" \
	group="network-extension allow 10.77.200.0/21" >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" --state-dir "$STATE" ||
	{ tap_fail "server starts"; tap_done; }
ike_conf_client "" peer="ezvpn-mode network-extension" peer="local-network 10.77.200.0/24" \
	>"$IKE_TMP/client.conf"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "alice's client starts"
both_up() { ike_wait_conn client 90 && ike_wait_conn server 10; }
tap_check "alice's network 10.77.200.0/24: up" both_up ||
	{ ike_diag client; ike_diag server; tap_done; }
rri() {
	ip -n "$srv" route show 10.77.200.0/24 | grep -q 'dev evs0'
}
tap_check "the gateway routes alice's network into evs0 (RRI)" rri
# record_claims: the networks claimed in the gateway's session records.
record_claims() {
	python3 -c '
import glob, json
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "claims":
                print(" ".join(v))
            else:
                walk(v)
    elif isinstance(o, list):
        for v in o:
            walk(v)
for f in glob.glob("'"$STATE"'/*.json"):
    walk(json.load(open(f)))'
}
tap_diag "claims in the records: $(record_claims)"
tap_check "the session record holds the claim" \
	test "$(record_claims)" = 10.77.200.0/24

ike_kill server
tap_diag "evsd killed (SIGKILL)"
mv "$IKE_TMP/server.log" "$IKE_TMP/server1.log"
ike_start server "$srv" "$IKE_TMP/server.conf" --state-dir "$STATE"
tap_result "evsd starts again" $?
tap_check "it adopts alice's session" \
	ike_wait_log server 'state: 1 session adopted, 0 records removed' 30
tap_check "the RRI route of alice's network stays" rri
tap_check "alice's LAN reaches the gateway's LAN host" \
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I 10.77.200.1 192.168.77.2

# bob, another branch, claims alice's network: refused.
ike_conf_client "" peer="ezvpn-mode network-extension" peer="local-network 10.77.200.0/24" \
	user=bob password=bobpass >"$IKE_TMP/bob.conf"
ike_start bob "$cli2" "$IKE_TMP/bob.conf" --client || tap_fail "bob's client starts"
tap_check "bob may not claim alice's adopted network" \
	ike_wait_log server 'user "bob" .* may not claim IDci 10.77.200.0/24: overlaps 10.77.200.0/24 of user "alice"' 90
grep 'may not claim' "$IKE_TMP/server.log" | head -1 | tap_diag
tap_check "alice's route is still hers" rri
tap_check "alice's LAN still reaches the gateway's LAN host" \
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I 10.77.200.1 192.168.77.2
ike_stop bob
[ $_tap_failed -eq 0 ] || { ike_diag server; ike_diag client; }
tap_done
