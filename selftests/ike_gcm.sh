#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# AES-GCM (RFC 4106, ESP transforms 18-20) negotiated in quick mode, so
# IKE-made tunnels get evs.ko's AEAD path.  Main mode PSK + XAUTH + mode
# config each time:
#   strongSwan client (esp_proposals aes128gcm16, then aes256-sha256) ->
#     evsd gateway whose first set is esp-gcm 128: the kernel SAs on both
#     sides are rfc4106(gcm(aes)), 128-bit key, 128-bit ICV; ping passes.
#   evsd client (a set of esp-gcm 256 and esp-aes 256 esp-sha256-hmac) ->
#     strongSwan gateway accepting aes256gcm16 only: GCM-256 on both sides.
#   evsd client with the default set -> evsd gateway with esp-gcm 256:
#     GCM-256 on both evs.ko ends, 1 MiB over TCP intact and counted.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/strongswan.sh"

ike_init
printf 'userpass\n' | "$EVS_TOP/userspace/evsadm/evsadm" user add alice group sales \
	file "$IKE_TMP/users" cost min >/dev/null 2>&1 || skip_all "evsadm user add failed"

CHARON=/usr/lib/ipsec/charon
HAVE_SW=yes
{ [ -x $CHARON ] && command -v swanctl >/dev/null &&
  [ -f /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ]; } || HAVE_SW=no

# sa_lines NS: evsadm sa show in NS.
sa_lines() {
	ip netns exec "$1" "$EVS_TOP/userspace/evsadm/evsadm" sa show 2>/dev/null
}

# gcm_sas NS BITS: every SA in NS is rfc4106(gcm(aes)) with a BITS-bit key
# and a 128-bit ICV, and there is an inbound and an outbound one.
gcm_sas() {
	local out n_aead n_spi
	out=$(sa_lines "$1")
	n_spi=$(grep -c 'spi' <<<"$out")
	n_aead=$(grep -c "aead rfc4106(gcm(aes)) key $2 bits icv 128 bits" <<<"$out")
	[ "$n_spi" -ge 2 ] && [ "$n_aead" -eq "$n_spi" ] &&
		grep -q 'dir in' <<<"$out" && grep -q 'dir out' <<<"$out" &&
		! grep -q 'auth hmac' <<<"$out"
}

# in_packets NS: packets counted on NS's inbound SAs.
in_packets() {
	ip netns exec "$1" "$EVS_TOP/userspace/evsadm/evsadm" -j sa show 2>/dev/null |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(s.get("current",{}).get("packets",0) for s in d if s["dir"]=="in"))'
}

evsd_client_conf() { # SETS PEER_LINES
	cat <<EOF
log-level debug
device evs0
$1
peer gw {
    server 198.51.100.1
    mode main
    group-key mainsecret
    authentication xauth-pre-share
    encryption aes
    key-length 256
    hash sha256
    group 14
$2
    xauth-username alice
    xauth-password userpass
}
EOF
}

sw_conf() { # ROLE(client|server) ESP_PROPOSALS
	local role=$1 esp=$2
	echo "connections {"
	if [ "$role" = client ]; then
		echo "    evs {"
		echo "        version = 1"
		echo "        remote_addrs = 198.51.100.1"
		echo "        vips = 0.0.0.0"
		echo "        proposals = aes256-sha256-modp2048"
		echo "        local-1 {"
		echo "            auth = psk"
		echo "        }"
		echo "        local-2 {"
		echo "            auth = xauth"
		echo "            xauth_id = alice"
		echo "        }"
		echo "        remote-1 {"
		echo "            auth = psk"
		echo "        }"
		echo "        children {"
		echo "            c {"
		echo "                remote_ts = 192.168.77.0/24"
	else
		echo "    gw {"
		echo "        version = 1"
		echo "        local_addrs = 198.51.100.1"
		echo "        pools = p"
		echo "        proposals = aes256-sha256-modp2048"
		echo "        local-1 {"
		echo "            auth = psk"
		echo "            id = 198.51.100.1"
		echo "        }"
		echo "        remote-1 {"
		echo "            auth = psk"
		echo "        }"
		echo "        remote-2 {"
		echo "            auth = xauth"
		echo "        }"
		echo "        children {"
		echo "            c {"
		echo "                local_ts = 0.0.0.0/0"
	fi
	echo "                esp_proposals = $esp"
	echo "            }"
	echo "        }"
	echo "    }"
	echo "}"
	[ "$role" = server ] && printf 'pools {\n    p {\n        addrs = 10.77.5.0/24\n    }\n}\n'
	cat <<EOF
secrets {
    ike-1 {
        secret = "mainsecret"
    }
    xauth-1 {
        id = alice
        secret = userpass
    }
}
EOF
}

# gcm_both_ends T EVS_NS SW_NS BITS: evs.ko's SAs in EVS_NS and charon's
# xfrm SAs in SW_NS are rfc4106(gcm(aes)) with a BITS-bit key (the xfrm key
# shows the 32-bit salt too) and a 128-bit ICV; the client pings the LAN
# host through the tunnel and evs.ko's GCM SA decrypts the pings (gateway)
# or their replies (client).
gcm_both_ends() {
	local t=$1 evs=$2 sw=$3 bits=$4
	local hex=$(((bits + 32) / 4))
	tap_check "$t: evs.ko SAs are rfc4106(gcm(aes)), $bits-bit key, 128-bit ICV" \
		gcm_sas "$evs" "$bits" || sa_lines "$evs" | tap_diag
	tap_check "$t: strongSwan's xfrm SAs are rfc4106(gcm(aes)), $bits-bit key, 128-bit ICV" \
		sh -c "test \$(ip -n $sw xfrm state | grep -c 'aead rfc4106(gcm(aes)) 0x[0-9a-f]\{$hex\} 128') -eq 2" ||
		ip -n "$sw" xfrm state | sed 's/0x[0-9a-f]*/KEY/' | tap_diag
	tap_check "$t: ping the LAN host through the tunnel" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	tap_check "$t: evs.ko's GCM SA decrypted the pings or their replies" \
		test "$(in_packets "$evs")" -ge 3
}

case_sw_client() {
	local t="strongSwan client (aes128gcm16) -> evsd gateway"
	ike_topology
	mkdir -p "$IKE_TMP/sw"
	sw_conf client "aes128gcm16, aes256-sha256" >"$IKE_TMP/sw/swanctl.conf"
	evsd_gateway_conf users="$IKE_TMP/users" psk=198.51.100.0/24 \
		transform="G:esp-gcm 128" transform="T:esp-aes 256 esp-sha256-hmac" \
		>"$IKE_TMP/server.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "$t: evsd starts"; sw_end_case; return; }
	sw_start "$cli" || { tap_fail "$t: charon starts"; tap_diag <"$IKE_TMP/sw/load.out"; sw_end_case; return; }
	sw_initiate_up "$t: up" || { sw_end_case; return; }
	grep 'transform set' "$IKE_TMP/server.log" | tap_diag
	tap_check "$t: evsd chose set G (esp-gcm-128)" \
		grep -q 'transform set G matched proposal .*(esp-gcm-128 aead' "$IKE_TMP/server.log"
	gcm_both_ends "$t" "$srv" "$cli" 128
	sw_end_case
}

case_sw_server() {
	local t="evsd client (esp-gcm 256 + CBC) -> strongSwan gateway (aes256gcm16)"
	ike_topology
	mkdir -p "$IKE_TMP/sw"
	sw_conf server "aes256gcm16" >"$IKE_TMP/sw/swanctl.conf"
	ip -n "$srv" route add 10.77.5.0/24 dev s0
	evsd_client_conf "crypto ipsec transform-set M esp-aes 256 esp-gcm 256 esp-sha256-hmac" \
		"    transform-set M" >"$IKE_TMP/client.conf"
	sw_start "$srv" || { tap_fail "$t: charon starts"; tap_diag <"$IKE_TMP/sw/load.out"; sw_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "$t: evsd starts"; sw_end_case; return; }
	ike_up "$t: up" client:90 || { sw_diag; sw_end_case; return; }
	gcm_both_ends "$t" "$cli" "$srv" 256
	sw_end_case
}

case_evsd_evsd() {
	local t="evsd client (default set) -> evsd gateway (esp-gcm 256)"
	ike_topology
	evsd_gateway_conf users="$IKE_TMP/users" psk=198.51.100.0/24 \
		transform="G:esp-gcm 256" >"$IKE_TMP/server.conf"
	evsd_client_conf "" "" >"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "$t: server starts"; sw_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "$t: client starts"; sw_end_case; return; }
	ike_up "$t: up" client:60 server:10 || { sw_end_case; return; }
	tap_check "$t: client's SAs are GCM-256" gcm_sas "$cli" 256 || sa_lines "$cli" | tap_diag
	tap_check "$t: gateway's SAs are GCM-256" gcm_sas "$srv" 256 || sa_lines "$srv" | tap_diag
	tap_check "$t: 1 MiB over TCP arrives intact" ike_send_mib "$cli" "$lan"
	tap_check "$t: the gateway's GCM SA decrypted the transfer" \
		test "$(in_packets "$srv")" -gt 100
	grep -i 'sanitizer\|segfault' "$IKE_TMP"/*.log && tap_fail "$t: no crashes"
	sw_end_case
}

if [ $HAVE_SW = yes ]; then
	case_sw_client
	case_sw_server
else
	tap_skip "strongSwan client -> evsd gateway" "charon or its xauth plugin missing"
	tap_skip "evsd client -> strongSwan gateway" "charon or its xauth plugin missing"
fi
case_evsd_evsd
tap_done
