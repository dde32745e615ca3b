#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# XAUTH through RADIUS: a FreeRADIUS (Debian's package) started by the test
# on 127.0.0.1 in the gateway's namespace with its own minimal config.  A
# user that exists only in RADIUS connects with vpnc and gets its
# Framed-IP-Address (outside the pool) and its group from Class; a wrong
# password is refused after the retry limit; accounting Start, an Interim-
# Update every interim-interval (60 s, the shortest evsd accepts) and Stop
# reach FreeRADIUS's detail file, Stop counting the traffic of the last
# second before the disconnect (counters read before the SAs are deleted).
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

ezv_vpnc_init freeradius
on_exit ezv_vpnc_stop
ike_topology
ezv_radius_users </dev/null
ezv_freeradius_start "$srv" || skip_all "freeradius does not start"
: >"$IKE_TMP/users"	# no local users at all
ezv_server_conf "$(ezv_aaa_conf 'authentication radius' 'accounting radius' \
	'interim-interval 60' 'retries 1')" >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

ezv_vpnc_start radonly 'radius pw 7'
if ezv_vpnc_wait 90; then
	tap_ok "RADIUS-only user connects with vpnc"
else
	tap_fail "RADIUS-only user connects with vpnc"
fi
addr=$(ezv_env INTERNAL_IP4_ADDRESS)
tap_check "Framed-IP-Address 10.77.5.5 beats the pool (got '$addr')" test "$addr" = 10.77.5.5
tap_check "group from the RADIUS Class: group sales's domain pushed" \
	test "$(ezv_env CISCO_DEF_DOMAIN)" = "corp.example"
for _ in $(seq 150); do
	ezv_rri_route "$srv" 10.77.5.5 && break
	sleep 0.2
done
tap_check "RRI route for the RADIUS address" ezv_rri_route "$srv" 10.77.5.5
tap_check "ping a LAN host through the tunnel" \
	ip netns exec "$cli" ping -c 5 -i 0.2 -W 5 -I 10.77.5.5 192.168.77.2
detail=$IKE_TMP/raddb/radacct/detail
for _ in $(seq 50); do
	grep -q 'Acct-Status-Type = Start' "$detail" 2>/dev/null && break
	sleep 0.2
done
tap_check "accounting Start for radonly in the detail file" \
	sh -c "grep -q 'Acct-Status-Type = Start' $detail && grep -q 'User-Name = \"radonly\"' $detail"
# ge A B: A is a number >= B.
ge() { [ -n "$1" ] && [ "$1" -ge "$2" ] 2>/dev/null; }

# Interim-Update every 60 s of the session, counting the first ping.
for _ in $(seq 200); do
	[ -n "$(ezv_acct_attr Interim-Update Acct-Session-Time 2)" ] && break
	sleep 1
done
t1=$(ezv_acct_attr Interim-Update Acct-Session-Time 1)
t2=$(ezv_acct_attr Interim-Update Acct-Session-Time 2)
tap_diag "Interim-Update session times: '$t1' '$t2'"
tap_check "Interim-Update after 60 s (Acct-Session-Time $t1)" sh -c "[ '${t1:-0}' -ge 59 ] && [ '${t1:-0}' -le 75 ]"
tap_check "a second Interim-Update 60 s later (Acct-Session-Time $t2)" \
	sh -c "[ \$(( ${t2:-0} - ${t1:-0} )) -ge 58 ] && [ \$(( ${t2:-0} - ${t1:-0} )) -le 70 ]"
i1=$(ezv_acct_attr Interim-Update Acct-Input-Packets 1)
tap_check "Interim-Update counts the 5 pings (Acct-Input-Packets $i1)" ge "$i1" 5

# Traffic in the last second before the disconnect reaches the Stop record:
# 10 more echo requests, then vpnc leaves at once.
ip netns exec "$cli" ping -c 10 -i 0.1 -W 5 -I 10.77.5.5 192.168.77.2 >/dev/null
ezv_vpnc_stop
for _ in $(seq 150); do
	grep -q 'Acct-Status-Type = Stop' "$detail" 2>/dev/null && break
	sleep 0.2
done
tap_check "accounting Stop in the detail file" grep -q 'Acct-Status-Type = Stop' "$detail"
in_p=$(ezv_acct_attr Stop Acct-Input-Packets)
out_p=$(ezv_acct_attr Stop Acct-Output-Packets)
tap_diag "Stop: Acct-Input-Packets '$in_p', Acct-Output-Packets '$out_p'"
tap_check "Stop counts every echo request, the last second's too (Acct-Input-Packets $in_p >= 15)" \
	ge "$in_p" 15
tap_check "Stop counts every echo reply (Acct-Output-Packets $out_p >= 15)" ge "$out_p" 15
tap_check "Stop echoes the Class and the Framed-IP-Address" \
	sh -c "awk '/Acct-Status-Type = Stop/{s=1} s' $detail | grep -q 'Framed-IP-Address = 10.77.5.5'"
tap_check "address released" grep -q 'fixed address 10.77.5.5 of "radonly" released' "$IKE_TMP/server.log"

# Wrong password: refused after the retry limit (vpnc answers once; the
# gateway's log shows each refusal and the final failure).
ezv_vpnc_start radonly 'wrong'
if ezv_vpnc_wait 40; then
	tap_fail "wrong RADIUS password refused"
else
	grep -q 'user "radonly" from 198.51.100.2 refused: RADIUS reject' "$IKE_TMP/server.log"
	tap_result "wrong RADIUS password refused (RADIUS reject)" $?
fi
ezv_vpnc_stop
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { ezv_diag_vpnc; ezv_diag_server 200; tail -n 40 "$IKE_TMP/raddb/log/debug.log" | tap_diag; }
tap_done
