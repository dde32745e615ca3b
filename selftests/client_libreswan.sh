#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsd's client role against libreswan (pluto, Debian's 4.10 unpacked from
# build/debs) as the Easy VPN gateway: aggressive mode with the group name
# as ID_KEY_ID, group PSK, XAUTH checked by pluto against its passwd file
# (typed with `evsadm client xauth`: a wrong password first, which ends
# pluto's session, then the right one on the client's next), mode config
# pull.  The client applies the
# address, the split network pluto sends (CISCO_SPLIT_INC of its
# leftsubnet), the DNS server and domain (resolv.conf), pings a LAN host
# behind pluto; `evsadm client show -j` says what pluto pushed and what it
# did not (libreswan sends no save-password, split DNS, backup servers or
# firewall type); `client disconnect` deletes the SAs on both sides and
# restores resolv.conf.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/libreswan.sh"

ike_init
require_cmd jq openssl
ls_init
ike_topology

cshow() { ike_client_show; }
wait_state() { ike_client_wait_state "$@"; }

# ls_has_sa: pluto lists an IPsec SA of "corp" (its trafficstatus)
ls_has_sa() {
	ls_whack --trafficstatus 2>/dev/null | grep -q '"corp"'
}

# client_diag: the client's log without the test's control-socket polls
client_diag() {
	echo "# --- evsd client ---"
	grep -v 'control socket' "$IKE_TMP/client.log" | tail -n 60 | tap_diag
}

# pluto's updown routes the client's address by the gateway's default
# route, which the test's gateway has not: the way back, as a site has it
ip -n "$srv" route add 10.88.0.0/24 dev s0
ls_gw_conf alice 'alice pw 1'
LS_PLUTO_ARGS="--ipsecdir $LS/ipsec.d" ls_start "$srv"
tap_ok "libreswan loads the gateway connection"

ike_client_resolv_home

ike_conf_client "" hash=sha transform="esp-aes 256 esp-sha-hmac" password= \
	>"$IKE_TMP/client.conf"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd does not start"
if wait_state "waiting for XAUTH" 60; then
	tap_ok "aggressive mode with pluto; its XAUTH request waits for a typed password"
else
	tap_fail "aggressive mode with pluto; its XAUTH request waits for a typed password"
	ike_diag client
	ls_diag
	tap_done
fi
# pluto gives one try per Phase 1: a wrong password ends the session (XAUTH
# status FAIL), the client connects again and waits for the next one
printf 'alice\nwrong\n' | "$EVSADM" --socket "$IKE_TMP/client.sock" client xauth gw timeout 60 \
	>"$IKE_TMP/xauth1.out" 2>&1
rc=$?
tap_diag <"$IKE_TMP/xauth1.out"
tap_check "a wrong password: evsadm says the gateway refused the login" \
	sh -c "test $rc != 0 && grep -q 'the gateway refused the login' $IKE_TMP/xauth1.out"
tap_check "pluto refused it (its passwd file)" \
	grep -q 'XAUTH: User alice: Authentication Failed' "$LS/pluto.log"
wait_state "waiting for XAUTH" 60
tap_result "the client connects again and waits for a typed password" $?
printf 'alice\nalice pw 1\n' | "$EVSADM" --socket "$IKE_TMP/client.sock" client xauth gw timeout 60 \
	>"$IKE_TMP/xauth2.out" 2>&1
tap_result "the right password: XAUTH accepted" $?
tap_diag <"$IKE_TMP/xauth2.out"
if ike_client_up; then
	tap_ok "connected: address and pluto's split network on evs0"
else
	tap_fail "connected: address and pluto's split network on evs0"
	client_diag
	ls_diag
	tap_done
fi
inner=$(ike_client_inner client)
case $inner in
10.88.0.*) tap_ok "address $inner from pluto's pool" ;;
*) tap_fail "address from pluto's pool, got '$inner'" ;;
esac
tap_check "traffic: ping a LAN host behind pluto" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
tap_check "pluto: an IPsec SA of the connection" ls_has_sa
j=$(cshow)
echo "$j" | tap_diag
"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw | tap_diag
tap_check "show: connected through 198.51.100.1 with $inner" \
	test "$(echo "$j" | jq -r '.[0] | [.state, .gateway, .address] | join(" ")')" = \
	"connected 198.51.100.1 $inner"
tap_check "show: pluto pushed DNS, domain, banner, split network" \
	test "$(echo "$j" | jq -r '.[0].pushed | [.dns[0], .domain, .banner, .split_include[0]] | join("|")')" \
	= "192.168.77.53|corp.example|libreswan says hello|192.168.77.0/24"
tap_check "show: nothing pluto cannot send (split DNS, backup servers, firewall type)" \
	test "$(echo "$j" | jq -c '.[0] | [(.pushed.split_dns // [] | length), (.pushed.backup_servers // [] | length), .firewall.pushed]')" \
	= '[0,0,false]'
tap_check "show: bytes each way (ping: > 0)" \
	test "$(echo "$j" | jq '.[0].rx_bytes > 0 and .[0].tx_bytes > 0')" = true
ike_client_resolv_pushed "pluto's"
ike_client_disconnect_clean
for _ in $(seq 25); do
	ls_has_sa || break
	sleep 0.2
done
tap_check_fails "disconnect: pluto took the delete (no IPsec SA left)" ls_has_sa
ike_stop client
tap_result "client exits cleanly" $?
[ $_tap_failed -eq 0 ] || { ls_diag; client_diag; }
tap_done
