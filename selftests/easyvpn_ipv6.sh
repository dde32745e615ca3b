#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Dual stack: strongSwan (charon) as an IKEv1 Easy VPN client of evsd over
# IPv6 transport (evsd listens on 2001:db8:1::1 and 198.51.100.1) with
# `vips = 0.0.0.0, ::`: aggressive mode + XAUTH + mode config pull give it
# an IPv4 address from pool sales and an IPv6 /128 from pool sales6 (inside
# the LAN's 2001:db8:77::/64); one quick mode per family; both families
# ping LAN hosts; the gateway has both RRI routes and the proxy NDP entry
# while connected, none after; evsadm names the session by its IPv6
# address and lists the IPv6 pool.  The same with mode config push (user
# bob, `modecfg push`; charon `pull = no`): the gateway's SET carries both
# addresses, charon ACKs both, the IPv6 lease goes back when it leaves.
# Then vpnc (IPv4 only) connects to the same
# dual-stack gateway over IPv4 as before: no IPv6 attribute in its answer.
# Needs evs.ko with IPv6 (SA outer addresses, IPv6 selectors, IPv6 RRI
# routes and proxy NDP).  Addresses: the documentation prefix 2001:db8::/32,
# inside the test's namespaces only.
# evs-selftest-timeout: 1200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/strongswan.sh"

EVSADM=$EVS_TOP/userspace/evsadm/evsadm
sw_require_xauth
ike_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 1' || skip_all "evsadm user add failed"
ike_topology
# IPv6 beside IPv4: outer 2001:db8:1::/64, LAN 2001:db8:77::/64
ike_ipv6_beside
ip netns exec "$cli" sysctl -qw net.ipv6.conf.c0.accept_dad=0
ip netns exec "$srv" sysctl -qw net.ipv6.conf.s0.accept_dad=0
ip netns exec "$srv" sysctl -qw net.ipv6.conf.lan0.accept_dad=0
ip netns exec "$lan" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
ip netns exec "$srv" sysctl -qw net.ipv6.conf.lan0.proxy_ndp=1

ezv_server_conf "user bob {
    modecfg push
}" >"$IKE_TMP/server.conf"
# the IPv6 half: listen address, pool inside the LAN's /64, DNS
sed -i -e 's|^listen 198.51.100.1$|&\nlisten 2001:db8:1::1|' \
	-e 's|^pool sales .*$|&\npool sales6 2001:db8:77::1:0/112|' \
	-e 's|^    pool sales$|    pool sales sales6|' \
	-e 's|^    dns 192.168.77.53 192.168.77.54$|    dns 192.168.77.53 2001:db8:77::53|' \
	"$IKE_TMP/server.conf"
tap_check "the dual-stack configuration is accepted" \
	"$EVSD" --check-config -c "$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
tap_check "evsd listens on [2001:db8:1::1]:500" \
	grep -q 'listening on 2001:db8:1::1\[500\]' "$IKE_TMP/server.log"

sw=$IKE_TMP/sw
# IKEv1 carries one selector pair per quick mode and charon takes the
# first: one child per family, the IPv6 one naming the pool's first address
ezv_sw_conf 2001:db8:1::2 2001:db8:1::1 "0.0.0.0, ::" \
	"lan6 {
				local_ts = 2001:db8:77::1:1/128
				remote_ts = 2001:db8:77::/64
				esp_proposals = aes256-sha1
			}"
ezv_sw_start
# sw_up LABEL LOG: charon brings up both children (one per family)
sw_up() {
	if sw_ctl --initiate --child lan --timeout 120 >"$2" 2>&1 &&
		sw_ctl --initiate --child lan6 --timeout 120 >>"$2" 2>&1; then
		tap_ok "$1"
	else
		tap_fail "$1"
		tail -n 40 "$2" | tap_diag
	fi
}
t0=$(date +%s)
sw_up "strongSwan connects over IPv6: aggressive PSK + XAUTH + mode config + Phase 2" \
	"$sw/initiate.log"
tap_diag "connected in $(($(date +%s) - t0)) s"
vip=$(ip -n "$cli" -o -4 addr show | grep -o '10\.77\.0\.[0-9]*' | head -1)
vip6=$(ip -n "$cli" -o -6 addr show | grep -o '2001:db8:77::1:[0-9a-f]*' | head -1)
case $vip in
10.77.0.*) tap_ok "IPv4 virtual IP $vip from pool sales" ;;
*) tap_fail "IPv4 virtual IP from pool sales" ;;
esac
case $vip6 in
2001:db8:77::1:*) tap_ok "IPv6 virtual IP $vip6 from pool sales6" ;;
*) tap_fail "IPv6 virtual IP from pool sales6"; vip6=2001:db8:77::1:1 ;;
esac
tap_check "two connections on the gateway: one quick mode per family" \
	test "$(grep -c 'rri: route' "$IKE_TMP/server.log")" -ge 2
rri6() { timeout 5 ip -n "$srv" -6 route show "$1/128" 2>/dev/null | grep -q 'dev evs0'; }
ndp6() { timeout 5 ip -n "$srv" -6 neigh show proxy 2>/dev/null | grep -q "^$1 dev lan0"; }
# wait_gone: until $vip's and $vip6's routes and proxy NDP entry are gone
wait_gone() {
	for _ in $(seq 100); do
		rri6 "$vip6" || ndp6 "$vip6" || ezv_rri_route "$srv" "$vip" || break
		sleep 0.2
	done
}
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$vip" && rri6 "$vip6" && break
	sleep 0.2
done
tap_check "gateway has the RRI route $vip/32" ezv_rri_route "$srv" "$vip"
tap_check "gateway has the RRI route $vip6/128" rri6 "$vip6"
tap_check "gateway has the proxy NDP entry for $vip6 on lan0" ndp6 "$vip6"
tap_check "the IPv6 SAs have IPv6 outer addresses" \
	sh -c "ip netns exec '$srv' '$EVSADM' sa show 2>/dev/null | grep -q '2001:db8:1::2'"
tap_check "ping a LAN host from the IPv4 virtual IP" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$vip" 192.168.77.2
tap_check "ping a LAN host from the IPv6 virtual IP" \
	ip netns exec "$cli" ping -6 -c 3 -i 0.3 -W 5 -I "$vip6" 2001:db8:77::2
tap_check "the LAN host reaches the IPv6 client (proxy NDP)" \
	ip netns exec "$lan" ping -6 -c 3 -i 0.3 -W 5 "$vip6"
# session6: the session named by its IPv6 address, both addresses shown;
# pool6: the IPv6 pool beside the IPv4 one, its lease counted
session6() {
	"$EVSADM" --socket "$IKE_TMP/server.sock" session show address "$vip6" |
		grep -q "^[0-9]*: user alice .*address $vip .*address6 $vip6\$"
}
pool6() {
	"$EVSADM" --socket "$IKE_TMP/server.sock" pool show |
		grep -q '^sales6 2001:db8:77::1:1-2001:db8:77::1:[0-9a-f]* size [0-9]* used 1 '
}
tap_check "evsadm session show address $vip6: alice's session, both addresses" session6
tap_check "evsadm pool show: the IPv6 pool, one address used" pool6
tap_check "strongSwan terminates" sw_ctl --terminate --ike evs --timeout 30
wait_gone
tap_check_fails "IPv4 RRI route gone" ezv_rri_route "$srv" "$vip"
tap_check_fails "IPv6 RRI route gone" rri6 "$vip6"
tap_check_fails "proxy NDP entry gone" ndp6 "$vip6"
tap_check "IPv6 address returned to the pool" \
	grep -q "IPv6 address $vip6/128 of \"alice\" returned to pool \"sales6\"" \
	"$IKE_TMP/server.log"

# push: bob's charon waits for the gateway's SET; pool sales6 hands out
# next-fit, so bob's IPv6 address is the pool's second
vip6=2001:db8:77::1:2
EZV_SW_USER=bob EZV_SW_PASSWORD='bob pw 1' EZV_SW_LINE="pull = no" \
	ezv_sw_conf 2001:db8:1::2 2001:db8:1::1 "0.0.0.0, ::" \
	"lan6 {
				local_ts = $vip6/128
				remote_ts = 2001:db8:77::/64
				esp_proposals = aes256-sha1
			}"
t0=$(date +%s)
sw_ctl --load-all --file "$sw/swanctl.conf" >"$sw/load2.out" 2>&1
sw_up "push: strongSwan (pull = no) connects with both families" "$sw/initiate2.log"
tap_diag "push: connected in $(($(date +%s) - t0)) s"
tap_check "push: the SET carried both addresses" \
	grep -q "modecfg: pushed (SET) for \"bob\" .*address 10\.77\.0\.[0-9]*/[0-9]*.*address $vip6/128" \
	"$IKE_TMP/server.log"
tap_check_fails "push: charon's ACK took the IPv6 address" \
	grep -q 'did not take IPv6 address' "$IKE_TMP/server.log"
vip=$(sed -n 's/.*modecfg: pushed (SET) for "bob".* address \(10\.77\.0\.[0-9]*\)\/.*/\1/p' \
	"$IKE_TMP/server.log" | tail -1)
have_vips() {
	ip -n "$cli" -o -4 addr show | grep -q " $vip/" &&
		ip -n "$cli" -o -6 addr show | grep -q " $vip6/"
}
push_rri() { ezv_rri_route "$srv" "$vip" && rri6 "$vip6" && ndp6 "$vip6"; }
push_ping() {
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$vip" 192.168.77.2 &&
		ip netns exec "$cli" ping -6 -c 2 -i 0.3 -W 5 -I "$vip6" 2001:db8:77::2
}
tap_check "push: charon has both addresses, $vip and $vip6" have_vips
for _ in $(seq 100); do
	push_rri && break
	sleep 0.2
done
tap_check "push: RRI routes $vip/32 and $vip6/128, proxy NDP for $vip6" push_rri
tap_check "push: ping a LAN host over IPv4 and over IPv6" push_ping
tap_diag "push: connected, checked in $(($(date +%s) - t0)) s"
tap_check "push: strongSwan terminates" sw_ctl --terminate --ike evs --timeout 30
wait_gone
push_gone() {
	! ezv_rri_route "$srv" "$vip" && ! rri6 "$vip6" && ! ndp6 "$vip6" &&
		grep -q "IPv6 address $vip6/128 of \"bob\" returned to pool \"sales6\"" \
			"$IKE_TMP/server.log"
}
tap_check "push: routes and proxy NDP gone, the IPv6 address back in the pool" push_gone
sw_stop

# vpnc (IPv4 only) on the same dual-stack gateway, over IPv4
if command -v vpnc >/dev/null && { modprobe tun 2>/dev/null; [ -c /dev/net/tun ]; }; then
	n6=$(grep -c 'modecfg: IPv6 address .* from pool' "$IKE_TMP/server.log")
	ezv_vpnc_start alice 'alice pw 1'
	on_exit ezv_vpnc_stop
	if ezv_vpnc_wait 90; then
		tap_ok "vpnc connects over IPv4 to the dual-stack gateway"
		vaddr=$(ezv_env INTERNAL_IP4_ADDRESS)
		case $vaddr in
		10.77.0.*) tap_ok "vpnc got IPv4 address $vaddr" ;;
		*) tap_fail "vpnc got an IPv4 address" ;;
		esac
		tap_check "no IPv6 address leased for vpnc" \
			test "$(grep -c 'modecfg: IPv6 address .* from pool' "$IKE_TMP/server.log")" -eq "$n6"
		tap_check "vpnc pings a LAN host" \
			ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$vaddr" 192.168.77.2
	else
		tap_fail "vpnc connects over IPv4 to the dual-stack gateway"
		ezv_diag_vpnc
	fi
	ezv_vpnc_stop
else
	tap_skip "vpnc on the dual-stack gateway" "vpnc or /dev/net/tun missing"
fi
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { sw_diag; ezv_diag_server 200; }
tap_done
