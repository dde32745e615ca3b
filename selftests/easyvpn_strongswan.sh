#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# strongSwan (charon, Debian's package, Linux xfrm on its side) as an IKEv1
# Easy VPN client of evsd + evs.ko: aggressive mode with the group key as
# ID_KEY_ID, XAUTH, mode config pull for a virtual IP; the gateway's RRI
# route; ping to a LAN host from the virtual IP; a Phase 2 rekey by
# strongSwan under traffic loses nothing; terminate removes the route and
# returns the address.
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

# A Phase 2 rekey by strongSwan under pings 2 ms apart.  charon sends on its
# new pair as soon as it has QM2, before evsd has read QM3: evsd's new
# inbound SA is in the kernel from QM2 on, so nothing is lost and no
# packet meets an unknown SPI (raw ESP evs.ko does not know goes on to
# xfrm, which counts it as XfrmInNoStates; ESP in UDP is evs.ko's no_sa).
unknown_spi() {
	local udp raw
	udp=$(ip netns exec "$srv" "$EVS_TOP/userspace/evsadm/evsadm" -s -j link show dev evs0 |
		jq '.[0].stats.drop_no_sa')
	raw=$(ip netns exec "$srv" awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat)
	[ -n "$udp" ] && [ -n "$raw" ] && echo $((udp + raw))
}
rekeyed() { grep -c 'conn [0-9]* rekeyed' "$IKE_TMP/server.log"; }
nosa0=$(unknown_spi)
r0=$(rekeyed)
ip netns exec "$cli" ping -q -c 2500 -i 0.002 -W 2 -I "$vip" 192.168.77.2 \
	>"$IKE_TMP/ping.rekey" 2>&1 &
ping_pid=$!
sleep 1
sw_ctl --rekey --child lan >"$sw/rekey.log" 2>&1
for _ in $(seq 100); do
	[ "$(rekeyed)" -gt "$r0" ] && break
	sleep 0.1
done
tap_check "strongSwan's Phase 2 rekey completes on evsd (while the pings run)" \
	test "$(rekeyed)" -gt "$r0" -a -d "/proc/$ping_pid"
tap_check "evsd added the new pair with QM2, moved the policies at QM3" \
	grep -q 'policies move at QM3' "$IKE_TMP/server.log"
wait "$ping_pid"
tap_diag "$(grep 'packets transmitted' "$IKE_TMP/ping.rekey")"
got=$(sed -n 's/^[0-9]* packets transmitted, \([0-9]*\) received.*/\1/p' "$IKE_TMP/ping.rekey")
tap_check "2500 pings 2 ms apart across the rekey, none lost (${got:-no} answered)" \
	test "${got:-0}" -eq 2500
nosa1=$(unknown_spi)
tap_check "no ESP packet met an unknown SPI on the gateway ($nosa0 -> $nosa1)" \
	test -n "$nosa1" -a "$nosa1" = "$nosa0"
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
