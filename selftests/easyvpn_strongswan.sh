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

CHARON=/usr/lib/ipsec/charon
[ -x "$CHARON" ] || skip_all "strongSwan charon not installed"
require_cmd swanctl
[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] ||
	skip_all "strongSwan xauth-generic plugin missing (libcharon-extauth-plugins)"
ike_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

sw=$IKE_TMP/sw
mkdir -p "$sw/run"
cat >"$sw/strongswan.conf" <<CONF
# Debian's plugin configuration (load_modular), our own sockets and log.
charon {
	load_modular = yes
	plugins {
		include /etc/strongswan.d/charon/*.conf
	}
	port = 500
	port_nat_t = 4500
	piddir = $sw/run
	install_routes = yes
	install_virtual_ip = yes
	plugins {
		vici {
			socket = unix://$sw/run/charon.vici
		}
	}
	filelog {
		evslog {
			path = $sw/charon.log
			default = 1
			ike = 2
			cfg = 2
		}
	}
}
include /etc/strongswan.d/*.conf
CONF
sw_ezv_conf 198.51.100.2 alice "alice pw 1"
STRONGSWAN_CONF=$sw/strongswan.conf ip netns exec "$cli" "$CHARON" >"$sw/charon.out" 2>&1 &
echo $! >"$IKE_TMP/charon.bgpid"
on_exit "kill \$(cat $IKE_TMP/charon.bgpid) 2>/dev/null"
for _ in $(seq 50); do [ -S "$sw/run/charon.vici" ] && break; sleep 0.2; done
# swanctl wants the command first, then its options
swan() {
	local cmd=$1
	shift
	ip netns exec "$cli" swanctl "$cmd" --uri "unix://$sw/run/charon.vici" "$@"
}
if [ ! -S "$sw/run/charon.vici" ]; then
	tail -n 30 "$sw/charon.out" | tap_diag
	skip_all "charon did not start"
fi
tap_check "charon starts and loads the connection" swan --load-all --file "$sw/swanctl.conf"
if swan --initiate --child lan --timeout 90 >"$sw/initiate.log" 2>&1; then
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
tap_check "strongSwan terminates" swan --terminate --ike evs --timeout 30
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$vip" || break
	sleep 0.2
done
tap_check_fails "RRI route gone" ezv_rri_route "$srv" "$vip"
tap_check "address returned to the pool" \
	grep -q "address $vip of \"alice\" returned to pool \"sales\"" "$IKE_TMP/server.log"
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { tail -n 20 "$sw/charon.out" | tap_diag; tail -n 80 "$sw/charon.log" | tap_diag; ezv_diag_server 150; }
tap_done
