#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Day-to-day operation through evsd's control socket with real clients
# (issue 13): two vpnc clients (alice, bob) log in; `evsadm session show
# -j` lists both with the right user and address and non-zero traffic
# after a ping; `pool show` and `daemon show` give the right figures;
# `session del user alice` ends alice only (delete to vpnc, RRI route
# and lease gone, a "session end ... admin" line); bob's vpnc disconnect
# and a killed client's DPD death each log their session end with the
# reason and the traffic.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/ops.sh"

ezv_vpnc_init python3
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 2' || skip_all "evsadm user add failed"
ike_topology
# bob's namespace: 203.0.113.2, routed to the gateway's 198.51.100.1.
ike_topology_cli2

on_exit "vpnc_stop alice; vpnc_stop bob; vpnc_stop alice2"

ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "evsd starts"; tap_done; }
tap_ok "evsd starts"

connect_alice_bob
a_addr=$(addr_of alice)
b_addr=$(addr_of bob)
tap_diag "alice $a_addr, bob $b_addr"
tap_check "alice pings the LAN" ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a_addr" 192.168.77.2
tap_check "bob pings the LAN" ip netns exec "$cli2" ping -c 3 -i 0.3 -W 5 -I "$b_addr" 192.168.77.2

# --- session show ---------------------------------------------------------
ctl -j session show >"$IKE_TMP/show.json" 2>"$IKE_TMP/show.err"
tap_diag "session show -j: $(head -c 600 "$IKE_TMP/show.json") $(cat "$IKE_TMP/show.err")"
tap_check "session show -j lists two sessions" js 'len(d) == 2' <"$IKE_TMP/show.json"
tap_check "alice's session: user, group, address, peer, algorithms" \
	js "any(s['user'] == 'alice' and s['group'] == 'sales' and s['address'] == '$a_addr' and s['peer'] == '198.51.100.2' and s['phase1'] and s['phase2'] and s['conns'] for s in d)" <"$IKE_TMP/show.json"
tap_check "bob's session: user and address" \
	js "any(s['user'] == 'bob' and s['address'] == '$b_addr' and s['peer'] == '203.0.113.2' for s in d)" <"$IKE_TMP/show.json"
tap_check "non-zero bytes and packets each way after the pings (kernel counters)" \
	js "all(s['rx_bytes'] > 0 and s['tx_bytes'] > 0 and s['rx_packets'] >= 3 and s['tx_packets'] >= 3 for s in d)" <"$IKE_TMP/show.json"
ctl session show user alice >"$IKE_TMP/show.txt" 2>&1
ctl -s session show user alice >>"$IKE_TMP/show.txt" 2>&1
tap_diag <"$IKE_TMP/show.txt"
tap_check "session show user alice (text) shows alice only" \
	sh -c "grep -q 'user alice group sales address $a_addr' $IKE_TMP/show.txt && ! grep -q 'user bob' $IKE_TMP/show.txt"
tap_check "session show -s adds the connection details" grep -q '    RX: ' "$IKE_TMP/show.txt"
tap_check "session show address filters" \
	sh -c "$EVSADM --socket $IKE_TMP/server.sock session show address $b_addr -j | grep -q '\"user\":\"bob\"'"

# --- pool show, daemon show -----------------------------------------------
ctl -j pool show >"$IKE_TMP/pool.json"
tap_diag "pool show: $(ctl pool show)"
tap_check "pool show: sales has 91 addresses, 2 used, 89 free" \
	js "d == [{'name': 'sales', 'first': '10.77.0.10', 'last': '10.77.0.100', 'size': 91, 'used': 2, 'free': 89}]" <"$IKE_TMP/pool.json"
ctl -j daemon show >"$IKE_TMP/daemon.json"
tap_diag "daemon show: $(ctl daemon show | tr '\n' ' ')"
tap_check "daemon show: 2 sessions, 2 logins accepted, 0 refused, 2 leases" \
	js "d['sessions'] == 2 and d['easyvpn']['logins_accepted'] == 2 and d['easyvpn']['logins_refused'] == 0 and d['easyvpn']['leases'] == 2 and d['half_open'] == 0 and d['uptime'] >= 0 and d['version']" <"$IKE_TMP/daemon.json"

# --- session del user alice -------------------------------------------------
ctl session del user alice >"$IKE_TMP/del.txt" 2>&1
tap_result "session del user alice succeeds" $?
tap_diag <"$IKE_TMP/del.txt"
for _ in $(seq 50); do
	ezv_rri_route "$srv" "$a_addr" || break
	sleep 0.2
done
tap_check_fails "alice's RRI route is gone" ezv_rri_route "$srv" "$a_addr"
tap_check "alice's address went back to the pool" \
	grep -q "address $a_addr of \"alice\" returned to pool \"sales\"" "$IKE_TMP/server.log"
tap_check "the end line of alice's session: reason admin, her address and traffic" \
	grep -Eq "session end: user \"alice\" group \"sales\" address $a_addr from 198.51.100.2: admin after [0-9]+ s; in [1-9][0-9]* bytes [1-9][0-9]* packets, out [1-9][0-9]* bytes [1-9][0-9]* packets; login local" "$IKE_TMP/server.log"
for _ in $(seq 100); do
	vpnc_alive alice || break
	sleep 0.2
done
tap_check_fails "alice's vpnc got the delete and exited" vpnc_alive alice
tap_check "bob is still connected and listed alone" \
	sh -c "$EVSADM --socket $IKE_TMP/server.sock -j session show | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if [s['user'] for s in d] == ['bob'] else 1)\""
tap_check "bob still pings the LAN" ip netns exec "$cli2" ping -c 2 -i 0.3 -W 5 -I "$b_addr" 192.168.77.2
tap_check_fails "session del of nobody fails" ctl session del user nobody
tap_check "pool show: 1 used" sh -c "$EVSADM --socket $IKE_TMP/server.sock pool show | grep -q 'sales 10.77.0.10-10.77.0.100 size 91 used 1 free 90'"

# --- the end of a session: client delete, DPD ---------------------------------
vpnc_stop bob TERM
tap_check "bob's disconnect logs his session end: client delete, traffic" \
	wait_log "session end: user \"bob\" group \"sales\" address $b_addr from 203.0.113.2: client delete after [0-9]* s; in [1-9][0-9]* bytes" 20

vpnc_start alice2 "$cli" alice 'alice pw 1' tun0
if vpnc_wait alice2 90; then
	a2=$(addr_of alice2)
	for _ in $(seq 150); do
		ezv_rri_route "$srv" "$a2" && break
		sleep 0.2
	done
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$a2" 192.168.77.2 >/dev/null
	# vpnc killed: no delete; the gateway's DPD (10 s interval) finds it dead.
	vpnc_stop alice2 KILL
	tap_check "a killed client's session ends by DPD, logged with its traffic" \
		wait_log "session end: user \"alice\" group \"sales\" address $a2 from 198.51.100.2: DPD after [0-9]* s; in [1-9][0-9]* bytes" 150
else
	tap_fail "alice reconnects for the DPD test"
fi
tap_check "daemon show: 0 sessions, 3 ended" \
	sh -c "$EVSADM --socket $IKE_TMP/server.sock -j daemon show | python3 -c \"import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['sessions'] == 0 and d['easyvpn']['sessions_ended'] == 3 else 1)\""

# --- reload ------------------------------------------------------------------
ezv_user carol 'carol pw 3'
tap_check "evsadm reload succeeds" ctl reload
tap_check "reload re-read the user database" grep -q "easyvpn: 3 local users from" "$IKE_TMP/server.log"

grep 'session end\|control socket' "$IKE_TMP/server.log" | tap_diag
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { tail -n 20 "$IKE_TMP/alice.log" | tap_diag; ezv_diag_server 200; }
ezv_no_crash
tap_done
