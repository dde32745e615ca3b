#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two Easy VPN clients at once never share an address; then 50
# connect/disconnect cycles (evsd's own client role: aggressive mode group
# key, XAUTH, mode config, Phase 2) leave the gateway as it started: no SA,
# no policy, no connection, no RRI route, no proxy-ARP entry, and every
# address back in its pool.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

CYCLES=${EZV_CYCLES:-50}
ike_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 2' || skip_all "evsadm user add failed"
ike_topology
ike_second_client
ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

client_conf() { # SERVER USER PASSWORD
	evsd_client_conf log=info transform="esp-aes 256 esp-sha-hmac" hash=sha \
		server="$1" key="$EZV_GROUP_KEY" user="$2" password="$3"
}
client_conf 198.51.100.1 alice 'alice pw 1' >"$IKE_TMP/alice.conf"
client_conf 198.51.100.1 bob 'bob pw 2' >"$IKE_TMP/bob.conf"

# state NS: SAs, policies, connections, RRI routes, proxy-ARP entries
state() {
	local ns=$1
	printf 'sa=%s pol=%s conn=%s route=%s parp=%s\n' \
		"$(ip netns exec "$ns" "$EVSADM" sa show 2>/dev/null | grep -c 'spi')" \
		"$(ip netns exec "$ns" "$EVSADM" policy show 2>/dev/null | grep -c 'dir')" \
		"$(ip netns exec "$ns" "$EVSADM" conn show 2>/dev/null | grep -c '^conn')" \
		"$(ip -n "$ns" route show dev evs0 2>/dev/null | grep -c .)" \
		"$(ip -n "$ns" neigh show proxy 2>/dev/null | grep -c .)"
}
before=$(state "$srv")
tap_diag "gateway before: $before"

# --- two clients at once -------------------------------------------------
ike_start alice "$cli" "$IKE_TMP/alice.conf" --client
ike_start bob "$cli2" "$IKE_TMP/bob.conf" --client
if ike_wait_conn alice 90 && ike_wait_conn bob 90; then
	tap_ok "two clients connected at once"
else
	tap_fail "two clients connected at once"
	ike_diag alice
	ike_diag bob
fi
a=$(ike_client_inner alice)
b=$(ike_client_inner bob)
tap_diag "alice got $a, bob got $b"
case "$a,$b" in
10.77.0.*,10.77.0.*) [ "$a" != "$b" ]; tap_result "they got different addresses ($a, $b)" $? ;;
*) tap_fail "both got pool addresses (alice '$a', bob '$b')" ;;
esac
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$a" && ezv_rri_route "$srv" "$b" && break
	sleep 0.2
done
tap_check "one RRI route each" sh -c "ip -n $srv route show dev evs0 | grep -c . | grep -qx 2"
ike_stop alice
ike_stop bob

# --- churn -----------------------------------------------------------------
ok=0 failed=0
start=$(date +%s)
for i in $(seq "$CYCLES"); do
	if ike_start alice "$cli" "$IKE_TMP/alice.conf" --client && ike_wait_conn alice 60; then
		ok=$((ok + 1))
	else
		failed=$((failed + 1))
		[ $failed -le 3 ] && { echo "# cycle $i failed"; ike_diag alice; }
	fi
	ike_stop alice
	[ $failed -gt 20 ] && break
done
tap_diag "$CYCLES cycles in $(( $(date +%s) - start )) s: $ok connected, $failed failed"
tap_check "all $CYCLES connect/disconnect cycles connected" test $ok -eq "$CYCLES"
for _ in $(seq 50); do
	[ "$(state "$srv")" = "$before" ] && break
	sleep 0.2
done
after=$(state "$srv")
tap_diag "gateway after: $after"
tap_check "gateway kernel state as it started (SAs, policies, conns, routes, ARP)" \
	test "$after" = "$before"
given=$(grep -c 'modecfg: replied for\|modecfg: pushed (SET) for' "$IKE_TMP/server.log")
returned=$(grep -c 'returned to pool "sales"' "$IKE_TMP/server.log")
tap_diag "addresses given $given, returned $returned"
tap_check "every address given out came back to the pool" test "$given" -eq "$returned"
clients_clean() { ike_client_clean "$cli" && ike_client_clean "$cli2"; }
tap_check "the clients kept no address or route of evsd's after the cycles" clients_clean
ike_stop server
tap_result "evsd exits cleanly" $?
if grep -qi 'sanitizer\|segfault' "$IKE_TMP"/*.log; then
	tap_fail "no crash"
else
	tap_ok "no crash"
fi
tap_done
