#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vpnc (Debian's package, the classic Cisco client) against evsd + evs.ko:
# aggressive mode with the group key, XAUTH with a local user, mode config
# (pool address, DNS, domain, banner, one SPLIT_INCLUDE attribute), Phase 2,
# RRI route and proxy ARP on the gateway, ping to a LAN host; disconnect
# removes the route and returns the address; a wrong password is refused;
# a packet the client sends through the tunnel outside its split include
# is dropped and counted at the gateway (vpnc proposes IDcr 0.0.0.0/0).
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

ezv_vpnc_init
on_exit ezv_vpnc_stop
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
# Two listen addresses (once a start-up failure: evs.ko takes ESP-in-UDP
# from one socket per namespace, so both share one UDP 4500 socket).
ezv_server_conf "listen 192.168.77.1" >"$IKE_TMP/server.conf"
if ! ike_start server "$srv" "$IKE_TMP/server.conf"; then
	tap_fail "evsd starts with two listen addresses"
	tap_done
fi
tap_ok "evsd starts with two listen addresses"
tap_check "IKE on both addresses, one NAT-T socket shared by them" \
	sh -c "ip netns exec $srv ss -Hunl | awk '{print \$4}' | sort | tr '\n' ' ' |
		grep -qx '0.0.0.0:4500 192.168.77.1:500 198.51.100.1:500 '"

ezv_vpnc_start alice 'alice pw 1'
ezv_vpnc_up "vpnc connects: group key, XAUTH, mode config, Phase 2" || tap_done
ezv_vpnc_addr_check "pool sales"
ezv_check_sales_push
# vpnc runs its script after mode config, then starts quick mode: wait for
# Phase 2 (the RRI route comes with it).
tap_check "gateway has the RRI host route $addr/32 dev evs0" ezv_rri_wait "$srv" "$addr"
tap_check "gateway answers ARP for $addr on the LAN (proxy ARP)" \
	sh -c "ip -n $srv neigh show proxy | grep -q '$addr dev lan0'"
tap_check "ping a LAN host through the tunnel" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
# Outside the split include: vpnc proposes IDcr 0.0.0.0/0 whatever it was
# given; the gateway accepts it but installs policies for 192.168.77.0/24
# only, so a packet routed into the tunnel by hand to a LAN host outside
# it is dropped at the gateway and counted as a policy drop.
policy_drops() {
	ip netns exec "$srv" "$EVSADM" -s sa show | grep -o ' policy [0-9]*' |
		awk '{ s += $2 } END { print s + 0 }'
}
tap_check "gateway narrowed vpnc's IDcr 0.0.0.0/0 to the split include in the kernel" \
	grep -q "IDcr 0.0.0.0/0 narrowed in the kernel to the session's networks: 192.168.77.0/24" \
	"$IKE_TMP/server.log"
ip -n "$lan" addr add 203.0.113.9/32 dev eth0
ip -n "$srv" route add 203.0.113.9/32 via 192.168.77.2
ip -n "$cli" route add 203.0.113.9/32 dev "$(ezv_env TUNDEV)" src "$addr"
drops0=$(policy_drops)
tap_check_fails "no answer from 203.0.113.9 (a LAN host outside the split include)" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 2 -I "$addr" 203.0.113.9
drops1=$(policy_drops)
tap_check "the three packets to it counted as policy drops at the gateway ($drops0 -> $drops1)" \
	test $((drops1 - drops0)) -ge 3
# vpnc sends its tun device's IPv6 router solicitations labelled next
# header 4: counted as "other" (IPv6 inner), never as malformed.
tap_check "no packet of vpnc's counted as malformed (bad-len 0 on the gateway's SAs)" \
	sh -c "ip netns exec $srv $EVSADM -s sa show | grep -q 'bad-len 0' && ! ip netns exec $srv $EVSADM -s sa show | grep -q 'bad-len [1-9]'"
tap_check "gateway log names the matched Phase 1 policy and the XAUTH result" \
	sh -c "grep -q 'policy' $IKE_TMP/server.log && grep -q 'xauth: user \"alice\" from 198.51.100.2 accepted' $IKE_TMP/server.log"

ezv_vpnc_stop
for _ in $(seq 50); do
	ezv_rri_route "$srv" "$addr" || break
	sleep 0.2
done
tap_check_fails "disconnect removes the RRI route" ezv_rri_route "$srv" "$addr"
tap_check "disconnect returns $addr to the pool" \
	grep -q "address $addr of \"alice\" returned to pool \"sales\"" "$IKE_TMP/server.log"

# A wrong password: refused after the retry limit, the session ends.
ezv_vpnc_start alice 'not the password'
if ezv_vpnc_wait 60; then
	tap_fail "wrong password refused"
else
	grep -q "user \"alice\" from 198.51.100.2 refused" "$IKE_TMP/server.log"
	tap_result "wrong password refused" $?
fi
ezv_vpnc_stop

ike_stop server
rc=$?
tap_result "evsd exits cleanly" $rc
[ $_tap_failed -eq 0 ] || { ezv_diag_vpnc; ezv_diag_server 200; }
ezv_no_crash
tap_done
