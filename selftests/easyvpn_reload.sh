#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Reload under traffic, and leftovers of a killed evsd.
#
# Three vpnc clients in three groups (sales, eng, ops) each ping a LAN host
# every 50 ms while SIGHUP reloads a configuration that adds a group (new),
# changes sales' DNS servers and removes ops: the sales and eng clients lose
# no ping (ping's own summary), the ops client is disconnected with a log
# line giving the reason, a client of the new group connects at once, and
# a new sales client gets the new DNS servers.  A reload with a syntax
# error changes nothing (the error logged with file:line, the sessions
# intact).
#
# Then evsd is killed (SIGKILL) with a client connected, its session
# records removed, and started again: the old connection, its RRI route
# and proxy-ARP entry are gone before the next client is served, and that
# client gets the same pool address without a collision.
# evs-selftest-timeout: 1500
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

ezv_vpnc_init
KEY_ENG="Wq8Zt2Lr6Xc9Vb3MkHn4eng"
KEY_OPS="Lr6Xc9Vb3MkHn4Wq8Zt2ops"
KEY_NEW="Xc9Vb3MkHn4Wq8Zt2Lr6new"
ezv_user alice 'alice pw 1' sales || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 2' eng || skip_all "evsadm user add failed"
ezv_user carol 'carol pw 3' ops || skip_all "evsadm user add failed"
ezv_user dave 'dave pw 4' new || skip_all "evsadm user add failed"
ezv_user erin 'erin pw 5' sales || skip_all "evsadm user add failed"
ike_topology
ike_second_client
# A third client namespace on the gateway's bridge.
netns_new cli3
ip -n "$cli3" link add c0 type veth peer name s3 netns "$srv"
ip -n "$srv" link set s3 master br0
ip -n "$srv" link set s3 up
ip -n "$cli3" addr add 198.51.100.4/24 dev c0
ip -n "$cli3" link set c0 up

group() { # NAME KEY
	printf 'group %s {\n    key "%s"\n    pool sales\n    split-include 192.168.77.0/24\n    proxy-arp lan0\n}\n' "$1" "$2"
}
ezv_server_conf "$(group eng "$KEY_ENG")
$(group ops "$KEY_OPS")" >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
for v in a b c; do on_exit "EZV_VPNC=$v ezv_vpnc_stop"; done

# vpnc_up NAME NS USER PASSWORD GROUP KEY: connected, Phase 2 up (its RRI
# route on the gateway); prints the inner address.
vpnc_up() {
	local addr
	EZV_VPNC=$1 EZV_VPNC_NS=$2 EZV_VPNC_GROUP=$5 EZV_VPNC_KEY=$6 ezv_vpnc_start "$3" "$4"
	EZV_VPNC=$1 ezv_vpnc_wait 90 || return 1
	addr=$(EZV_VPNC=$1 ezv_env INTERNAL_IP4_ADDRESS)
	for _ in $(seq 150); do
		ezv_rri_route "$srv" "$addr" && break
		sleep 0.2
	done
	ezv_rri_route "$srv" "$addr" || return 1
	echo "$addr"
}

ms() { echo $(( $(date +%s%N) / 1000000 )); }
t=$(ms)
a=$(vpnc_up a "$cli" alice 'alice pw 1' sales "$EZV_GROUP_KEY")
rc=$?
tap_result "sales client (alice) connected: ${a:-no address} in $(( $(ms) - t )) ms" $rc
b=$(vpnc_up b "$cli2" bob 'bob pw 2' eng "$KEY_ENG")
rc=$?
tap_result "eng client (bob) connected: ${b:-no address}" $rc
c=$(vpnc_up c "$cli3" carol 'carol pw 3' ops "$KEY_OPS")
rc=$?
tap_result "ops client (carol) connected: ${c:-no address}" $rc
if [ -z "$a" ] || [ -z "$b" ] || [ -z "$c" ]; then
	for v in a b c; do EZV_VPNC=$v ezv_diag_vpnc; done
	ezv_diag_server 200
	tap_done
fi
tap_check "alice got the sales DNS servers" test "$(EZV_VPNC=a ezv_env INTERNAL_IP4_DNS)" = "192.168.77.53 192.168.77.54"
# Each client answers pings first (the tunnel is up both ways).
for v in "$cli:$a" "$cli2:$b" "$cli3:$c"; do
	ip netns exec "${v%%:*}" ping -c 2 -i 0.3 -W 5 -I "${v#*:}" 192.168.77.2 >/dev/null 2>&1
done

# --- a reload under traffic -------------------------------------------------
# 400 pings at 50 ms (20 s) from each client; the reload comes after 5 s.
COUNT=400
ezv_pings_start $COUNT "a:$cli:$a" "b:$cli2:$b" "c:$cli3:$c"
sleep 5
ezv_server_conf "$(group eng "$KEY_ENG")
$(group new "$KEY_NEW")" | sed 's/dns 192.168.77.53 192.168.77.54/dns 192.168.77.55/' \
	>"$IKE_TMP/server.conf"
t0=$(ms)
kill -HUP "$(cat "$IKE_TMP/server.bgpid")"
for _ in $(seq 100); do
	grep -q 'reload: configuration .* reloaded' "$IKE_TMP/server.log" && break
	sleep 0.1
done
tap_diag "reload logged $(( $(ms) - t0 )) ms after SIGHUP"
tap_check "the reload is logged (3 groups, one session disconnected)" \
	grep -q 'reload: configuration .* reloaded: .* 3 groups, 1 pools; 1 session disconnected' "$IKE_TMP/server.log"
tap_check "the ops client is disconnected with the reason in the log" \
	grep -q "reload: disconnecting user \"carol\" (group \"ops\", address $c): group \"ops\" removed" "$IKE_TMP/server.log"
tap_check "carol's RRI route and proxy-ARP entry are gone (her vpnc still runs)" \
	sh -c "! ip -n $srv route show $c/32 | grep -q evs0 && ! ip -n $srv neigh show proxy | grep -q '$c dev lan0'"
# The new group serves a client at once (in cli3, carol's place).
EZV_VPNC=c ezv_vpnc_stop
t=$(ms)
d=$(vpnc_up d "$cli3" dave 'dave pw 4' new "$KEY_NEW")
rc=$?
tap_result "a client of the new group (dave) connects at once: ${d:-no address} in $(( $(ms) - t )) ms, $(( $(ms) - t0 )) ms after SIGHUP" $rc
ezv_pings_wait a b c
lost() { # FILE: transmitted - received
	sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1" |
		awk '{ print $1 - $2 }'
}
tap_check "sales client (group kept): $COUNT pings, 0 lost" \
	sh -c "grep -q '^$COUNT packets transmitted, $COUNT received' $IKE_TMP/ping.a"
tap_check "eng client (group kept): $COUNT pings, 0 lost" \
	sh -c "grep -q '^$COUNT packets transmitted, $COUNT received' $IKE_TMP/ping.b"
tap_check "ops client (group removed) lost its pings after the reload" \
	test "$(lost "$IKE_TMP/ping.c")" -gt 0
tap_check "dave pings the LAN host" \
	ip netns exec "$cli3" ping -c 3 -i 0.3 -W 5 -I "$d" 192.168.77.2

# --- a reload with a syntax error changes nothing --------------------------
cp "$IKE_TMP/server.conf" "$IKE_TMP/server.good"
printf 'group broken {\n    key "x"\n' >>"$IKE_TMP/server.conf"
errline=$(wc -l <"$IKE_TMP/server.conf")
kill -HUP "$(cat "$IKE_TMP/server.bgpid")"
ike_wait_log server 'the running configuration stays' 10
tap_check "the error is logged with file:line, the running configuration stays" \
	grep -q "reload: $IKE_TMP/server.conf:[0-9]*: .*; the running configuration stays" "$IKE_TMP/server.log"
tap_diag "$(grep 'the running configuration stays' "$IKE_TMP/server.log")"
tap_diag "(the file has $errline lines)"
tap_check "the sessions go on: alice, bob and dave ping the LAN host" \
	sh -c "ip netns exec $cli ping -c 3 -i 0.2 -W 5 -I $a 192.168.77.2 >/dev/null &&
	       ip netns exec $cli2 ping -c 3 -i 0.2 -W 5 -I $b 192.168.77.2 >/dev/null &&
	       ip netns exec $cli3 ping -c 3 -i 0.2 -W 5 -I $d 192.168.77.2 >/dev/null"
EZV_VPNC=b ezv_vpnc_stop
EZV_VPNC=d ezv_vpnc_stop
# A new sales session gets the new DNS server (the reloaded configuration
# runs, not the broken file); alice's goes on.
e=$(vpnc_up e "$cli2" erin 'erin pw 5' sales "$EZV_GROUP_KEY")
rc=$?
tap_result "a new sales client (erin) connects: ${e:-no address}" $rc
tap_check "erin got the changed DNS server" test "$(EZV_VPNC=e ezv_env INTERNAL_IP4_DNS)" = "192.168.77.55"
EZV_VPNC=e ezv_vpnc_stop

# --- leftovers of a killed evsd ---------------------------------------------
cp "$IKE_TMP/server.good" "$IKE_TMP/server.conf"
conns() { ip netns exec "$srv" "$EVSADM" conn show 2>/dev/null | grep -c '^conn'; }
for _ in $(seq 50); do
	[ "$(conns)" -eq 1 ] && break
	sleep 0.2
done
tap_check "alice's connection is in the kernel (the others left)" test "$(conns)" -eq 1
ike_kill server
tap_check "after SIGKILL her connection, RRI route and proxy-ARP entry stay" \
	sh -c "[ $(conns) -eq 1 ] && ip -n $srv route show $a/32 | grep -q evs0 &&
	       ip -n $srv neigh show proxy | grep -q '$a dev lan0'"
EZV_VPNC=a ezv_vpnc_stop
# The dead evsd's socket file is still there: ike_start waits for a new one.
rm -f "$IKE_TMP/server.sock"
# Without its session records (an evsd run without a state directory, or
# one that lost it) the next evsd cannot adopt alice's session: what the
# kernel holds of it is a leftover to remove.  ops_restart tests adoption.
rm -f "$IKE_TMP/server.state"/*.json
ike_start server "$srv" "$IKE_TMP/server.conf" || tap_fail "evsd starts again"
# The control socket is there: set-up (leftovers removed first) is done.
tap_check "evsd says it removed one connection left by an earlier evsd" \
	grep -q 'removed 1 connection left by an earlier evsd (.* 1 routes, 1 proxy-ARP entries)' "$IKE_TMP/server.log"
tap_check "no connection, RRI route or proxy-ARP entry of the old one left" \
	sh -c "[ $(conns) -eq 0 ] && ! ip -n $srv route show $a/32 | grep -q evs0 &&
	       ! ip -n $srv neigh show proxy | grep -q '$a dev lan0'"
f=$(vpnc_up f "$cli2" erin 'erin pw 5' sales "$EZV_GROUP_KEY")
rc=$?
tap_result "a new client is served: ${f:-no address}" $rc
tap_check "it got alice's old address $a (the pool starts afresh)" test "$f" = "$a"
tap_check "and pings the LAN host through it (no collision with the old connection)" \
	ip netns exec "$cli2" ping -c 3 -i 0.3 -W 5 -I "$f" 192.168.77.2
tap_check "no kernel error in the log (no route, proxy-ARP or policy collision)" \
	sh -c "! grep -qi 'kernel: .*exists\|kernel refused\|rri.*fail\|proxy.*fail' $IKE_TMP/server.log"
EZV_VPNC=f ezv_vpnc_stop

ike_stop server
tap_result "evsd exits cleanly" $rc
[ $_tap_failed -eq 0 ] || ezv_diag_server 300
ezv_no_crash
tap_done
