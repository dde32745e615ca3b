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

debs=$(ls "$EVS_TOP"/build/debs/*.deb 2>/dev/null)
[ -n "$debs" ] || skip_all "no libreswan .deb in build/debs (scripts/deps --if-missing)"
ike_init
# Unpacked into a staging root, not over /: the packages' /lib would
# replace the usrmerge symlink and take the dynamic loader with it.
root=$IKE_TMP/lsroot
for d in $debs; do dpkg -x "$d" "$root" || skip_all "cannot unpack $d"; done
[ -x "$root/usr/libexec/ipsec/pluto" ] || skip_all "pluto missing from the libreswan package"
# pluto runs its helpers (addconn, _updown) from /usr/libexec/ipsec: put that
# directory (and the one library Debian 12 lacks, libldns) into the VM's
# throw-away root, without overwriting anything there.
if [ ! -x /usr/libexec/ipsec/pluto ]; then
	[ -w /usr/libexec ] || skip_all "/usr/libexec not writable (run inside the VM)"
	cp -a "$root/usr/libexec/ipsec" /usr/libexec/ || skip_all "cannot install pluto's helpers"
	cp -n "$root"/usr/lib/x86_64-linux-gnu/libldns* /usr/lib/x86_64-linux-gnu/ 2>/dev/null
fi
PLUTO=/usr/libexec/ipsec/pluto
require_cmd certutil
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

ls=$IKE_TMP/ls
mkdir -p "$ls/nss" "$ls/run"
certutil -N -d "sql:$ls/nss" --empty-password || skip_all "certutil cannot make an NSS database"
cat >"$ls/ipsec.conf" <<CONF
config setup
	logfile=$ls/pluto.log
	ikev1-policy=accept

conn corp
	ikev2=no
	aggressive=yes
	authby=secret
	left=198.51.100.2
	leftid=@[sales]
	leftxauthclient=yes
	leftusername=alice
	leftmodecfgclient=yes
	# pluto's default updown is "ipsec _updown", which finds strongSwan's
	leftupdown=/usr/libexec/ipsec/_updown
	modecfgpull=yes
	right=198.51.100.1
	rightxauthserver=yes
	rightmodecfgserver=yes
	rightsubnet=192.168.77.0/24
	ike=aes256-sha1;modp2048
	esp=aes256-sha1
	auto=add
CONF
cat >"$ls/ipsec.secrets" <<SECRETS
@[sales] 198.51.100.1 : PSK "$EZV_GROUP_KEY"
@alice : XAUTH "alice pw 1"
SECRETS
chmod 600 "$ls/ipsec.secrets"
ip netns exec "$cli" "$PLUTO" --nofork --config "$ls/ipsec.conf" \
	--secretsfile "$ls/ipsec.secrets" --nssdir "$ls/nss" --rundir "$ls/run" \
	>"$ls/pluto.out" 2>&1 &
echo $! >"$IKE_TMP/pluto.bgpid"
on_exit "kill \$(cat $IKE_TMP/pluto.bgpid) 2>/dev/null"
for _ in $(seq 100); do [ -S "$ls/run/pluto.ctl" ] && break; sleep 0.2; done
[ -S "$ls/run/pluto.ctl" ] || { tail -n 20 "$ls/pluto.out" | tap_diag; skip_all "pluto did not start"; }
whack() { ip netns exec "$cli" /usr/libexec/ipsec/whack --ctlsocket "$ls/run/pluto.ctl" "$@"; }
ip netns exec "$cli" /usr/libexec/ipsec/addconn --verbose --ctlsocket "$ls/run/pluto.ctl" \
	--config "$ls/ipsec.conf" corp >"$ls/addconn.out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	# the peer could not even be configured: nothing about evsd was tested
	echo "# addconn exit $rc:"
	tap_diag <"$ls/addconn.out"
	grep -v '^[^:]*: | ' "$ls/pluto.log" | tail -n 20 | tap_diag
	skip_all "libreswan's addconn refused the test connection"
fi
tap_ok "libreswan loads the connection"
whack --listen >/dev/null 2>&1
timeout 120 ip netns exec "$cli" /usr/libexec/ipsec/whack --ctlsocket "$ls/run/pluto.ctl" \
	--name corp --initiate >"$ls/initiate.out" 2>&1
if whack --trafficstatus 2>/dev/null | grep -q 'corp'; then
	tap_ok "libreswan connects: aggressive PSK @[sales] + XAUTH + mode config pull + Phase 2"
else
	tap_fail "libreswan connects: aggressive PSK @[sales] + XAUTH + mode config pull + Phase 2"
	tail -n 30 "$ls/initiate.out" | tap_diag
fi
addr=$(sed -n 's/.*modecfg: replied for "alice".*address \([0-9.]*\)\/.*/\1/p' "$IKE_TMP/server.log" | tail -1)
tap_diag "gateway gave $addr"
case $addr in
10.77.0.*) tap_ok "address $addr from pool sales" ;;
*) tap_fail "address from pool sales" ;;
esac
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$addr" && break
	sleep 0.2
done
tap_check "gateway has the RRI route $addr/32" ezv_rri_route "$srv" "$addr"
tap_check "ping a LAN host from $addr" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
whack --name corp --delete >/dev/null 2>&1
for _ in $(seq 100); do
	ezv_rri_route "$srv" "$addr" || break
	sleep 0.2
done
tap_check_fails "delete removes the RRI route" ezv_rri_route "$srv" "$addr"
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { grep -v '^[^:]*: | ' "$ls/pluto.log" | tail -n 60 | tap_diag; ezv_diag_server 120; }
tap_done
