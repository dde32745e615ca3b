#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsd client <-> evsd server over evs.ko on both ends, in three Phase 1
# modes: aggressive mode PSK (group name as KEY_ID), main mode PSK, main
# mode RSA signatures (certificates made now with openssl).  Each client
# authenticates with XAUTH, pulls mode config, brings up Phase 2 and puts
# the assigned address and the split route on its evs0 by itself; then a
# ping and a 1 MiB TCP transfer cross the tunnel to a LAN host; a clean
# client shutdown removes the connection from both kernels and the
# address and route from the client.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
ike_certs "$IKE_TMP" || skip_all "openssl cannot make test certificates"
printf 'userpass\n' | "$EVS_TOP/userspace/evsadm/evsadm" user add alice group sales \
	file "$IKE_TMP/users" cost min >/dev/null 2>&1 ||
	skip_all "evsadm user add failed"

evsd_gateway_conf users="$IKE_TMP/users" pki="$IKE_TMP" \
	policy=20:sha256:rsa-sig:14 psk=198.51.100.0/24 psk=203.0.113.0/24 \
	extra="timers {
    dpd-interval 5
    dpd-retries 3
}" >"$IKE_TMP/server.conf"

# client_conf MODE: the client's configuration for one mode.
client_conf() {
	evsd_client_conf auth="$1" pki="$IKE_TMP" extra="timers {
    dpd-interval 5
}"
}

sa_count() { # NS: SAs in the kernel
	ip netns exec "$1" "$EVS_TOP/userspace/evsadm/evsadm" sa show 2>/dev/null |
		grep -c 'spi'
}

run_mode() {
	local mode=$1 inner rc
	ike_topology
	client_conf "$mode" >"$IKE_TMP/client.conf"
	if ! ike_start server "$srv" "$IKE_TMP/server.conf"; then
		tap_fail "$mode: server starts"
		return
	fi
	if ! ike_start client "$cli" "$IKE_TMP/client.conf" --client; then
		tap_fail "$mode: client starts"
		ike_stop server
		return
	fi
	ike_up "$mode: Phase 1, XAUTH, mode config and Phase 2 complete" client:60 server:10 ||
		{ ike_end_case; return; }
	ike_ctl client sessions | tap_diag
	inner=$(ike_client_inner client)
	tap_check "$mode: client put its assigned address $inner on evs0" \
		ike_client_has_addr "$cli" "$inner"
	tap_check "$mode: client routed the split network into evs0 from $inner" \
		ike_client_has_route "$cli" 192.168.77.0/24 "$inner"
	tap_check "$mode: ping the LAN host through the tunnel" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	tap_check "$mode: 1 MiB over TCP arrives intact" ike_send_mib "$cli" "$lan"
	# Packets really went through evs: the SAs counted them.
	tap_check "$mode: traffic counted on the server's SAs" \
		sh -c "ip netns exec $srv $EVS_TOP/userspace/evsadm/evsadm -j sa show | tee $IKE_TMP/sa.json |
		       python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if sum(s.get(\"current\",{}).get(\"packets\",0) for s in d if s[\"dir\"]==\"in\")>100 else 1)'" ||
		head -c 1500 "$IKE_TMP/sa.json" | tap_diag
	ike_stop client
	rc=$?
	tap_result "$mode: client exits cleanly on SIGTERM" $rc
	[ $rc -eq 0 ] || ike_diag client
	sleep 1
	tap_check "$mode: client's SAs gone from its kernel" test "$(sa_count "$cli")" -eq 0
	tap_check "$mode: client removed its address and routes" ike_client_clean "$cli"
	tap_check "$mode: delete notify removed the server's SAs" test "$(sa_count "$srv")" -eq 0
	ike_stop server
	tap_result "$mode: server exits cleanly on SIGTERM" $?
	grep -i 'sanitizer\|segfault' "$IKE_TMP"/*.log && tap_fail "$mode: no crashes"
	for ns in $(netns_list_mine); do ip netns del "$ns"; done
}

for mode in ${EVS_IKE_MODES:-aggressive-psk main-psk main-rsa}; do
	run_mode "$mode"
done
tap_done
