#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsadm import-ios end to end: a Cisco IOS Easy VPN server's running-config
# (userspace/tests/data/ios/local_one_group.cfg: local users, one group,
# crypto map with a dynamic map) is converted, the clear-text and type 7
# users go to the user file, evsd --check-config takes the result, and the
# converted gateway serves vpnc: group key, XAUTH with the IOS password,
# mode config as the IOS group said, Phase 2, ping to a LAN host.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

ezv_vpnc_init
on_exit ezv_vpnc_stop
ike_topology

ios=$EVS_TOP/userspace/tests/data/ios/local_one_group.cfg
conf=$IKE_TMP/server.conf
if "$EVSADM" import-ios "$ios" -o "$conf" -u "$IKE_TMP/users" --cost min \
	2>"$IKE_TMP/import.err"; then
	tap_ok "evsadm import-ios converts the IOS configuration"
else
	tap_fail "evsadm import-ios converts the IOS configuration"
	tap_diag <"$IKE_TMP/import.err"
	tap_done
fi
tap_check "the users with clear-text and type 7 passwords are in the user file" \
	sh -c "$EVSADM user show file $IKE_TMP/users | tr '\n' ' ' | grep -qx 'alice group sales password argon2id bob group sales password argon2id '"
tap_check "the users with type 5 and 9 hashes are named for a new password" \
	sh -c "grep -q 'user admin (line 31) needs a new password' $IKE_TMP/import.err &&
	       grep -q 'user carol (line 34) needs a new password: a type 9 hash' $IKE_TMP/import.err"
tap_check "what was not carried over is listed with its line" \
	grep -q '^# line 61: max-users 50: evsd limits sessions per user' "$conf"
tap_check "the converted file is mode 0600" test "$(stat -c %a "$conf")" = 600
if "$EVSD" --check-config -c "$conf" >"$IKE_TMP/check.out" 2>&1; then
	tap_ok "evsd --check-config takes the converted file"
else
	tap_fail "evsd --check-config takes the converted file"
	tap_diag <"$IKE_TMP/check.out"
fi

if ! ike_start server "$srv" "$conf"; then
	tap_fail "evsd starts with the converted configuration"
	tap_done
fi
tap_ok "evsd starts with the converted configuration"

# The IOS group's key and alice's IOS password ("password 0 alice pw 1").
ezv_vpnc_start alice 'alice pw 1'
ezv_vpnc_up "vpnc connects: group key, XAUTH, mode config" || tap_done
ezv_vpnc_addr_check "the IOS pool SALES-POOL"
# The split-include network comes from the IOS ACL SPLIT-SALES.
ezv_check_sales_push "the IOS group's "
tap_check "gateway has the RRI host route $addr/32 dev evs0 (IOS reverse-route)" \
	ezv_rri_wait "$srv" "$addr"
tap_check "ping a LAN host through the tunnel" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
ezv_vpnc_stop

# bob's password was type 7 on the router.
ezv_vpnc_start bob 'bob-Type7-pass'
ezv_vpnc_up "bob logs in with the password decoded from type 7"
ezv_vpnc_stop

ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || ezv_diag_server 200
ezv_no_crash
tap_done
