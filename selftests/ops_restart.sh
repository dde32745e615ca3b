#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hitless restart of the gateway's evsd (issue 14, part 1;
# Documentation/restart.md): two vpnc clients (alice, bob) ping a LAN host
# every 50 ms; evsd is killed with SIGKILL and started again; the new evsd
# adopts both sessions from their records and not one ping is lost.  Then
# a new client (carol) gets an address neither of them holds, an admin
# disconnect (`evsadm session del`) ends alice's adopted session and a
# vpnc disconnect ends bob's, each with its log line; SIGUSR2 exits
# keeping carol's session and the next evsd adopts it too; a clean stop
# (SIGTERM) deletes it and leaves no record.  Accounting goes to a
# FreeRADIUS of the test's own: one Start and one Stop per session, the
# Stop with the whole session's counts (from before the restart too), no
# Accounting-On from an evsd that adopted sessions, and one Accounting-Off
# at the clean stop.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/ops.sh"

require_cmd vpnc python3
ike_init
modprobe tun 2>/dev/null
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun for vpnc"
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 2' || skip_all "evsadm user add failed"
ezv_user carol 'carol pw 3' || skip_all "evsadm user add failed"
ike_topology
# bob's namespace: 203.0.113.2, carol's 203.0.113.3, on one bridge in the
# gateway's namespace (203.0.113.1), routed to its 198.51.100.1.
netns_new cli2 cli3
ip -n "$srv" link add br0 type bridge
ip -n "$srv" addr add 203.0.113.1/24 dev br0
ip -n "$srv" link set br0 up
i=2
for ns in "$cli2" "$cli3"; do
	ip -n "$ns" link add c$i type veth peer name s$i netns "$srv"
	ip -n "$ns" addr add 203.0.113.$i/24 dev c$i
	ip -n "$ns" link set c$i up
	ip -n "$ns" route add default via 203.0.113.1
	ip -n "$srv" link set s$i master br0
	ip -n "$srv" link set s$i up
	i=$((i + 1))
done
STATE=$IKE_TMP/state

on_exit "vpnc_stop alice; vpnc_stop bob; vpnc_stop carol"

ezv_radius_users </dev/null
ezv_freeradius_start "$srv" || tap_fail "FreeRADIUS (accounting) starts"
ezv_server_conf "$(ezv_aaa_conf 'accounting radius' 'retries 3')" >"$IKE_TMP/server.conf"
start_gw none || { tap_fail "evsd starts"; tap_done; }
tap_ok "evsd starts"

connect_alice_bob
a=$(addr_of alice)
b=$(addr_of bob)
tap_diag "alice $a, bob $b"
ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$a" 192.168.77.2 >/dev/null 2>&1
ip netns exec "$cli2" ping -c 2 -i 0.3 -W 5 -I "$b" 192.168.77.2 >/dev/null 2>&1
# acct_wait TYPE USER N: until the detail file holds N such records (20 s).
acct_wait() {
	for _ in $(seq 100); do
		[ "$(ezv_acct_count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.2
	done
	return 1
}
acct_wait Start bob 1
tap_check "accounting: a Start for alice and for bob" \
	test "$(ezv_acct_count Start alice):$(ezv_acct_count Start bob)" = 1:1

n=$(ls "$STATE"/*.json 2>/dev/null | wc -l)
tap_check "one record per session in the state directory ($n)" test "$n" -eq 2
tap_check "the directory is 0700 and the records 0600, root's" \
	sh -c "test \"\$(stat -c %a:%U $STATE)\" = 700:root &&
	       ! stat -c %a:%U $STATE/*.json | grep -v '^600:root$'"

# --- kill -9 under traffic ---------------------------------------------------
COUNT=300
restart_under_pings $COUNT "a:$cli:$a" "b:$cli2:$b"
tap_check "it adopts both sessions" wait_log 'state: 2 sessions adopted, 0 records removed' 30
tap_check "no leftover connection removed" \
	sh -c "! grep -q 'left by an earlier evsd' $IKE_TMP/server.log"
ezv_pings_wait a b
tap_check "alice: $COUNT pings through the restart, 0 lost" \
	grep -q "^$COUNT packets transmitted, $COUNT received" "$IKE_TMP/ping.a"
tap_check "bob: $COUNT pings through the restart, 0 lost" \
	grep -q "^$COUNT packets transmitted, $COUNT received" "$IKE_TMP/ping.b"

ctl -j session show >"$IKE_TMP/show.json" 2>&1
tap_diag "session show -j: $(head -c 600 "$IKE_TMP/show.json")"
tap_check "session show lists the adopted sessions with their users and addresses" \
	js "sorted((s['user'], s['address']) for s in d) == [('alice', '$a'), ('bob', '$b')]" <"$IKE_TMP/show.json"
tap_check "pool show: 2 used (the ledger rebuilt)" \
	sh -c "$EVSADM --socket $IKE_TMP/server.sock pool show | grep -q 'used 2 '"

# A new client: an address neither adopted session holds.
if connect carol "$cli3" carol 'carol pw 3' tun2; then
	c=$(addr_of carol)
	tap_diag "carol $c"
	tap_check "a new client gets a free address ($c, not $a or $b)" \
		sh -c "test -n '$c' && test '$c' != '$a' && test '$c' != '$b'"
else
	tap_fail "a new client (carol) connects after the restart"
	tail -n 20 "$IKE_TMP/carol.log" | tap_diag
fi
tap_check "bob still pings the LAN" \
	ip netns exec "$cli2" ping -c 2 -i 0.3 -W 5 -I "$b" 192.168.77.2

# --- an admin disconnect and a client disconnect of adopted sessions -----------
ctl session del user alice >"$IKE_TMP/del.txt" 2>&1
tap_result "session del user alice (adopted) succeeds" $?
for _ in $(seq 50); do
	ezv_rri_route "$srv" "$a" || break
	sleep 0.2
done
tap_check_fails "alice's RRI route is gone" ezv_rri_route "$srv" "$a"
tap_check "alice's address went back to the pool" \
	grep -q "address $a of \"alice\" returned to pool \"sales\"" "$IKE_TMP/server.log"
tap_check "alice's session end: admin, with her traffic from before the restart" \
	grep -Eq "session end: user \"alice\" group \"sales\" address $a from 198.51.100.2: admin after [0-9]+ s; in [1-9][0-9]{3,} bytes" "$IKE_TMP/server.log"
for _ in $(seq 100); do
	vpnc_alive alice || break
	sleep 0.2
done
tap_check_fails "alice's vpnc got the delete and exited" vpnc_alive alice

vpnc_stop bob TERM
tap_check "bob's disconnect (adopted session): client delete, logged" \
	wait_log "session end: user \"bob\" group \"sales\" address $b from 203.0.113.2: client delete after [0-9]* s; in [1-9][0-9]* bytes" 20
tap_check_fails "bob's RRI route is gone" ezv_rri_route "$srv" "$b"
n=$(ls "$STATE"/*.json 2>/dev/null | wc -l)
want=0
[ -n "${c:-}" ] && want=1
tap_check "the ended sessions' records are gone ($n left, carol's: $want)" test "$n" -eq "$want"

# --- accounting of the adopted sessions ----------------------------------------
# logged_in USER: the "in N bytes" of USER's session end line.
logged_in() {
	sed -n "s/.*session end: user \"$1\" .*; in \([0-9]*\) bytes.*/\1/p" \
		"$IKE_TMP/server.log" | tail -n 1
}
acct_wait Stop alice 1
acct_wait Stop bob 1
tap_check "accounting: one Start and one Stop each for alice and bob (adoption sent no second Start)" \
	test "$(ezv_acct_count Start alice):$(ezv_acct_count Stop alice):$(ezv_acct_count Start bob):$(ezv_acct_count Stop bob)" = 1:1:1:1
for u in alice bob; do
	oct=$(ezv_acct_attr Stop Acct-Input-Octets 1 $u)
	pk=$(ezv_acct_attr Stop Acct-Input-Packets 1 $u)
	tap_diag "$u's Stop: Acct-Input-Octets $oct, Acct-Input-Packets $pk, evsd logged $(logged_in $u)"
	tap_check "$u's Stop counts the whole session: $COUNT pings through the restart and more ($pk packets, $oct bytes as logged)" \
		sh -c "[ '${pk:-0}' -ge $((COUNT + 2)) ] && [ -n '$oct' ] && [ '$oct' = '$(logged_in $u)' ]"
done
tap_check "alice's Stop: Admin-Reset; bob's: User-Request" \
	test "$(ezv_acct_attr Stop Acct-Terminate-Cause 1 alice):$(ezv_acct_attr Stop Acct-Terminate-Cause 1 bob)" = Admin-Reset:User-Request
tap_check "accounting: one Accounting-On (the first start); the adopting evsd sent none" \
	test "$(ezv_acct_count Accounting-On)" = 1

# --- SIGUSR2: a stop that keeps the sessions ------------------------------------
if [ -n "${c:-}" ]; then
	kill -USR2 "$(cat "$IKE_TMP/server.bgpid")"
	wait_log 'evsd stopped' 20
	wait "$(cat "$IKE_TMP/server.bgpid")" 2>/dev/null
	tap_check "SIGUSR2: evsd exits keeping the sessions" \
		grep -q 'exiting with the sessions kept' "$IKE_TMP/server.log"
	tap_check "no delete was sent (carol's vpnc still runs)" vpnc_alive carol
	rm -f "$IKE_TMP/server.bgpid"
	start_gw server2
	tap_check "the next evsd adopts carol's session" \
		wait_log 'state: 1 session adopted, 0 records removed' 30
	tap_check "carol pings the LAN through the adopted session" \
		ip netns exec "$cli3" ping -c 3 -i 0.3 -W 5 -I "$c" 192.168.77.2
fi

# --- a clean stop deletes ------------------------------------------------------
ike_stop server
tap_result "SIGTERM: evsd exits cleanly" $?
n=$(ls "$STATE"/*.json 2>/dev/null | wc -l)
tap_check "SIGTERM ended every session: no record left" test "$n" -eq 0
if [ -n "${c:-}" ]; then
	tap_check "carol's session ended with a shutdown line" \
		grep -q "session end: user \"carol\" .*: shutdown" "$IKE_TMP/server.log"
	acct_wait Stop carol 1
	tap_check "carol's Stop (one, across two adoptions): Admin-Reboot" \
		test "$(ezv_acct_count Stop carol):$(ezv_acct_attr Stop Acct-Terminate-Cause 1 carol)" = 1:Admin-Reboot
fi
acct_wait Accounting-Off "" 1
tap_check "accounting: one Accounting-Off, from the clean stop (SIGUSR2 sent none), and still one Accounting-On" \
	test "$(ezv_acct_count Accounting-Off):$(ezv_acct_count Accounting-On)" = 1:1
[ $_tap_failed -eq 0 ] || ezv_diag_server 200
ezv_no_crash "$IKE_TMP"/server*.log
tap_done
