#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libreswan (pluto, unpacked from build/debs into the VM's throw-away root:
# apt refuses it beside strongSwan) as an IKEv1 Easy VPN client of evsd +
# evs.ko: aggressive mode with the group name as ID_KEY_ID (@[sales]),
# XAUTH, mode config pull; the gateway's RRI route; ping to a LAN host from
# the address it was given; delete removes the route.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/libreswan.sh"

ike_init
ls_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

ls_conf alice 'alice pw 1'
ls_start "$cli"
tap_ok "libreswan loads the connection"
if ls_connect; then
	tap_ok "libreswan connects: aggressive PSK @[sales] + XAUTH + mode config pull + Phase 2"
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
tap_check "gateway has the RRI route $addr/32" ezv_rri_wait "$srv" "$addr"
tap_check "ping a LAN host from $addr" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
ls_whack --name corp --delete >/dev/null 2>&1
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$addr" || break
	sleep 0.2
done
tap_check_fails "delete removes the RRI route" ezv_rri_route "$srv" "$addr"
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { ls_diag; ezv_diag_server 120; }
tap_done
