#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libreswan (pluto, unpacked from build/debs into the VM's throw-away root:
# apt refuses it beside strongSwan) as an IKEv1 Easy VPN client of evsd +
# evs.ko: aggressive mode with the group name as ID_KEY_ID (@[sales]),
# XAUTH, mode config pull; the gateway's RRI route; ping to a LAN host from
# the address it was given; delete removes the route.  Then mode config
# push (user carol, `modecfg push`; libreswan `modecfgpull=no`) from a group
# with an IPv6 pool: the SET carries an IPv6 address beside the IPv4 one,
# libreswan (IPv4 only in IKEv1) ACKs without it, and the gateway gives it
# back to the pool at once; IPv4 as in pull mode.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/libreswan.sh"

t0=$(date +%s)
ike_init
ls_init
tap_diag "pluto unpacked in $(($(date +%s) - t0)) s"
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ezv_user carol 'carol pw 1' || skip_all "evsadm user add failed"
ike_topology
ezv_server_conf "user carol {
    modecfg push
}" >"$IKE_TMP/server.conf"
# an IPv6 pool beside: offered to pull clients that ask, pushed to carol
sed -i -e 's|^pool sales .*$|&\npool sales6 2001:db8:77::1:0/112|' \
	-e 's|^    pool sales$|    pool sales sales6|' "$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

# up_and_down [PREFIX]: libreswan's address $addr has its RRI route and
# reaches a LAN host; deleting the connection removes the route
up_and_down() {
	tap_check "${1}gateway has the RRI route $addr/32" ezv_rri_wait "$srv" "$addr"
	tap_check "${1}ping a LAN host from $addr" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
	ls_whack --name corp --delete >/dev/null 2>&1
	for _ in $(seq 100); do
		ezv_rri_route "$srv" "$addr" || break
		sleep 0.2
	done
	tap_check_fails "${1}delete removes the RRI route" ezv_rri_route "$srv" "$addr"
}

t0=$(date +%s)
ls_conf alice 'alice pw 1'
ls_start "$cli"
tap_ok "libreswan loads the connection"
tap_diag "libreswan set up in $(($(date +%s) - t0)) s"
t0=$(date +%s)
if ls_connect; then
	tap_ok "libreswan connects: aggressive PSK @[sales] + XAUTH + mode config pull + Phase 2"
	tap_diag "in $(($(date +%s) - t0)) s"
else
	tap_fail "libreswan connects: aggressive PSK @[sales] + XAUTH + mode config pull + Phase 2"
	tail -n 30 "$LS/initiate.out" | tap_diag
fi
addr=$(ls_addr alice)
tap_diag "gateway gave $addr"
case $addr in
10.77.0.*) tap_ok "address $addr from pool sales" ;;
*) tap_fail "address from pool sales" ;;
esac
up_and_down ""
tap_check_fails "no IPv6 address for a pull client that asks for none" \
	grep -q 'modecfg: IPv6 address .* from pool' "$IKE_TMP/server.log"

# push: carol's libreswan waits for the gateway's SET
LS_MODECFGPULL=no ls_conf carol 'carol pw 1'
ls_whack --rereadsecrets >/dev/null 2>&1
ip netns exec "$cli" /usr/libexec/ipsec/addconn --ctlsocket "$LS/run/pluto.ctl" \
	--config "$LS/ipsec.conf" corp >"$LS/addconn2.out" 2>&1
t0=$(date +%s)
if ls_connect; then
	tap_ok "push: libreswan (modecfgpull=no) connects"
	tap_diag "in $(($(date +%s) - t0)) s"
else
	tap_fail "push: libreswan (modecfgpull=no) connects"
	tail -n 30 "$LS/initiate.out" | tap_diag
fi
set_line=$(grep 'modecfg: pushed (SET) for "carol"' "$IKE_TMP/server.log" | tail -1)
addr=$(echo "$set_line" | sed -n 's/.* address \(10\.77\.0\.[0-9]*\)\/.*/\1/p')
addr6=$(echo "$set_line" | sed -n 's/.* address \(2001:db8:77::1:[0-9a-f]*\)\/128.*/\1/p')
tap_diag "gateway pushed $addr and $addr6"
tap_check "push: the SET carried an IPv4 and an IPv6 address" test -n "$addr" -a -n "$addr6"
pool6_free() {
	grep -q "\"carol\" did not take IPv6 address $addr6/128 (not in its ACK)" \
		"$IKE_TMP/server.log" &&
		grep -q "IPv6 address $addr6/128 of \"carol\" returned to pool \"sales6\"" \
			"$IKE_TMP/server.log" &&
		"$EVS_TOP/userspace/evsadm/evsadm" --socket "$IKE_TMP/server.sock" pool show |
		grep -q '^sales6 .* used 0 '
}
tap_check "push: libreswan's ACK leaves the IPv6 address out: back in the pool while connected" \
	pool6_free
up_and_down "push: "
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { ls_diag; ezv_diag_server 120; }
tap_done
