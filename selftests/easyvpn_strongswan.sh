#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# strongSwan (charon, Debian's package, Linux xfrm on its side) as an IKEv1
# Easy VPN client of evsd + evs.ko: aggressive mode with the group key as
# ID_KEY_ID, XAUTH, mode config pull for a virtual IP; the gateway's RRI
# route; ping to a LAN host from the virtual IP; terminate removes the
# route and returns the address.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/strongswan.sh"

sw_require_xauth
ike_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

sw=$IKE_TMP/sw
ezv_sw_conf 198.51.100.2 198.51.100.1 0.0.0.0
ezv_sw_start
if sw_ctl --initiate --child lan --timeout 90 >"$sw/initiate.log" 2>&1; then
	tap_ok "strongSwan connects: aggressive PSK (keyid:sales) + XAUTH + mode config + Phase 2"
else
	tap_fail "strongSwan connects: aggressive PSK (keyid:sales) + XAUTH + mode config + Phase 2"
	tail -n 40 "$sw/initiate.log" | tap_diag
fi
vip=$(ip -n "$cli" -o -4 addr show | grep -o '10\.77\.0\.[0-9]*' | head -1)
case $vip in
10.77.0.*) tap_ok "virtual IP $vip from pool sales" ;;
*) tap_fail "virtual IP from pool sales" ;;
esac
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$vip" && break
	sleep 0.2
done
tap_check "gateway has the RRI route $vip/32" ezv_rri_route "$srv" "$vip"
tap_check "ping a LAN host from the virtual IP" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$vip" 192.168.77.2
tap_check "strongSwan terminates" sw_ctl --terminate --ike evs --timeout 30
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$vip" || break
	sleep 0.2
done
tap_check_fails "RRI route gone" ezv_rri_route "$srv" "$vip"
tap_check "address returned to the pool" \
	grep -q "address $vip of \"alice\" returned to pool \"sales\"" "$IKE_TMP/server.log"
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { sw_diag; ezv_diag_server 150; }
tap_done
