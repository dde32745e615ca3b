#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Interop with strongSwan (charon, Debian's package, Linux xfrm on its
# side), started by this test in its namespace with its own configuration
# under a temporary directory.  Both roles, three Phase 1 modes each:
#   strongSwan client -> evsd server: aggressive PSK + XAUTH (group name as
#     KEY_ID), main PSK + XAUTH, main RSA + XAUTH; mode config pull for a
#     virtual IP; ping the LAN host from the virtual IP.
#   evsd client -> strongSwan server: the same three, evsd answering XAUTH
#     and pulling its address, which it puts on evs0 with full-tunnel
#     routes itself; ping the LAN host through evs.
# evs-selftest-timeout: 1500
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/strongswan.sh"

CHARON=/usr/lib/ipsec/charon
[ -x $CHARON ] || skip_all "strongSwan charon not installed"
require_cmd swanctl openssl
[ -f /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] ||
	skip_all "strongSwan xauth-generic plugin missing (libcharon-extauth-plugins)"
ike_init
ike_certs "$IKE_TMP" || skip_all "openssl cannot make test certificates"
printf 'userpass\n' | "$EVS_TOP/userspace/evsadm/evsadm" user add alice group sales \
	file "$IKE_TMP/users" >/dev/null 2>&1 || skip_all "evsadm user add failed"
GROUPKEY=$EVSD_GROUP_KEY

# auth_lines MODE SIDE(local|remote) ROLE(client|server): swanctl auth rounds.
sw_auth() {
	local mode=$1 side=$2 role=$3 idclient idserver
	case $mode in
	aggressive-psk) idclient=keyid:sales; idserver=198.51.100.1 ;;
	main-psk) idclient=%any; idserver=198.51.100.1 ;;
	main-rsa) idclient="O=evs test, CN=client.evs.test"
		  idserver="O=evs test, CN=server.evs.test" ;;
	esac
	local me=$role other
	[ "$role" = client ] && other=server || other=client
	if [ "$side" = local ]; then
		echo "        local-1 {"
		if [ "$mode" = main-rsa ]; then
			echo "            auth = pubkey"
			echo "            certs = $IKE_TMP/$me.pem"
			[ "$me" = client ] && echo "            id = \"$idclient\"" ||
				echo "            id = \"$idserver\""
		else
			echo "            auth = psk"
			[ "$me" = client ] && [ "$idclient" != %any ] &&
				echo "            id = $idclient"
			[ "$me" = server ] && echo "            id = $idserver"
		fi
		echo "        }"
		[ "$me" = client ] && printf '        local-2 {\n            auth = xauth\n            xauth_id = alice\n        }\n'
	else
		echo "        remote-1 {"
		if [ "$mode" = main-rsa ]; then
			echo "            auth = pubkey"
			echo "            cacerts = $IKE_TMP/ca.pem"
		else
			echo "            auth = psk"
			[ "$other" = client ] && [ "$mode" = aggressive-psk ] &&
				echo "            id = keyid:sales"
		fi
		echo "        }"
		[ "$other" = client ] && printf '        remote-2 {\n            auth = xauth\n        }\n'
	fi
	return 0
}

sw_secrets() {
	local mode=$1 key=$GROUPKEY
	[ "$mode" = aggressive-psk ] || key=mainsecret
	cat <<EOF
secrets {
    ike-1 {
        secret = "$key"
    }
    xauth-1 {
        id = alice
        secret = userpass
    }
}
EOF
	# swanctl loads private keys from the private/ directory next to
	# its configuration file (a secrets "file" entry is a passphrase).
	mkdir -p "$IKE_TMP/sw/private"
	cp "$IKE_TMP/$2.key" "$IKE_TMP/sw/private/$2.key"
}

evsd_server_conf() {
	evsd_gateway_conf users="$IKE_TMP/users" key="$GROUPKEY" pki="$IKE_TMP" \
		policy=20:sha256:rsa-sig:14 psk=198.51.100.0/24
}

sw_client_conf() {
	evsd_client_conf auth="$1" key="$GROUPKEY" pki="$IKE_TMP"
}

# strongSwan initiates to evsd.
case_sw_client() {
	local mode=$1 aggr=no
	[ "$mode" = aggressive-psk ] && aggr=yes
	ike_topology
	mkdir -p "$IKE_TMP/sw"
	{
		echo "connections {"
		echo "    evs {"
		echo "        version = 1"
		echo "        aggressive = $aggr"
		echo "        remote_addrs = 198.51.100.1"
		echo "        vips = 0.0.0.0"
		echo "        proposals = aes256-sha256-modp2048"
		sw_auth "$mode" local client
		sw_auth "$mode" remote client
		echo "        children {"
		echo "            c {"
		echo "                remote_ts = 192.168.77.0/24"
		echo "                esp_proposals = aes256-sha256"
		echo "            }"
		echo "        }"
		echo "    }"
		echo "}"
		sw_secrets "$mode" client
	} >"$IKE_TMP/sw/swanctl.conf"
	evsd_server_conf >"$IKE_TMP/server.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "sw client $mode: evsd starts"; sw_end_case; return; }
	sw_start "$cli" || { tap_fail "sw client $mode: charon starts"; tap_diag <"$IKE_TMP/sw/load.out"; sw_end_case; return; }
	sw_initiate_up "strongSwan client -> evsd, $mode: up (XAUTH, mode config, quick mode)" ||
		{ sw_end_case; return; }
	ike_ctl server sessions | tap_diag
	tap_check "strongSwan client -> evsd, $mode: ping the LAN host from the virtual IP" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	tap_check "strongSwan client -> evsd, $mode: xfrm SAs on strongSwan's side" \
		sh -c "ip -n $cli xfrm state | grep -q 'proto esp'"
	sw_stop
	sleep 2
	tap_check "strongSwan client -> evsd, $mode: strongSwan's delete removes evsd's SAs" \
		sh -c "test \$(ip netns exec $srv $EVS_TOP/userspace/evsadm/evsadm sa show | grep -c spi) -eq 0"
	sw_end_case
}

# evsd initiates to strongSwan.
case_sw_server() {
	local mode=$1 aggr=no inner
	[ "$mode" = aggressive-psk ] && aggr=yes
	ike_topology
	mkdir -p "$IKE_TMP/sw"
	{
		echo "connections {"
		echo "    gw {"
		echo "        version = 1"
		echo "        aggressive = $aggr"
		echo "        local_addrs = 198.51.100.1"
		echo "        pools = p"
		echo "        proposals = aes256-sha256-modp2048"
		sw_auth "$mode" local server
		sw_auth "$mode" remote server
		echo "        children {"
		echo "            c {"
		echo "                local_ts = 0.0.0.0/0"
		echo "                esp_proposals = aes256-sha256"
		echo "            }"
		echo "        }"
		echo "    }"
		echo "}"
		echo "pools {"
		echo "    p {"
		echo "        addrs = 10.77.5.0/24"
		echo "    }"
		echo "}"
		sw_secrets "$mode" server
	} >"$IKE_TMP/sw/swanctl.conf"
	# Replies to the pool leave through the xfrm policy; any route will do.
	ip -n "$srv" route add 10.77.5.0/24 dev s0
	sw_client_conf "$mode" >"$IKE_TMP/client.conf"
	sw_start "$srv" || { tap_fail "evsd -> strongSwan, $mode: charon starts"; tap_diag <"$IKE_TMP/sw/load.out"; sw_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "evsd -> strongSwan, $mode: evsd starts"; sw_end_case; return; }
	ike_up "evsd client -> strongSwan, $mode: up (XAUTH, mode config, quick mode)" client:90 ||
		{ sw_diag; sw_end_case; return; }
	ike_ctl client sessions | tap_diag
	inner=$(ike_client_inner client)
	# strongSwan's selector is 0.0.0.0/0 and it pushes no split list:
	# evsd routes everything into evs0 (two halves) and keeps the
	# gateway on its own path.
	tap_check "evsd client -> strongSwan, $mode: evsd put $inner on evs0 and routed 0/1 + 128/1 into it" \
		sh -c "ip -n $cli -4 addr show dev evs0 | grep -q 'inet $inner/32 ' &&
		       ip -n $cli route show 0.0.0.0/1 dev evs0 proto 78 | grep -q 'src $inner' &&
		       ip -n $cli route show 128.0.0.0/1 dev evs0 proto 78 | grep -q 'src $inner'"
	tap_check "evsd client -> strongSwan, $mode: the gateway stays outside the tunnel" \
		sh -c "ip -n $cli route get 198.51.100.1 | grep -q 'dev c0'"
	tap_check "evsd client -> strongSwan, $mode: ping the LAN host through evs" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	ike_stop client
	tap_result "evsd client -> strongSwan, $mode: evsd exits cleanly" $?
	tap_check "evsd client -> strongSwan, $mode: evsd removed its address and routes" \
		ike_client_clean "$cli"
	sleep 2
	tap_check "evsd client -> strongSwan, $mode: evsd's delete removes strongSwan's SAs" \
		sh -c "! ip -n $srv xfrm state | grep -q 'proto esp'"
	sw_end_case
}

for mode in ${EVS_IKE_MODES:-aggressive-psk main-psk main-rsa}; do
	case_sw_client "$mode"
	case_sw_server "$mode"
done
tap_done
