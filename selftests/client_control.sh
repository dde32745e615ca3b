#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Connect control of evsd's client role against an evsd gateway:
#  1. a `connect manual` peer stays down until `evsadm client connect`;
#     `evsadm client show -j` shows the session (gateway, assigned
#     address, pushed DNS (IPv4 and IPv6)/domain/split/banner/
#     save-password/backup servers, bytes each way); the pushed servers
#     of both families head resolv.conf (no systemd-resolved here:
#     client_resolved runs one); `evsadm client disconnect` ends it, takes
#     the address and routes off the host, and it stays down.
#  2. typed XAUTH: a peer with a user name and no password waits
#     ("waiting for XAUTH") for `evsadm client xauth`, which reads the
#     user name and password from stdin; a wrong password gets the
#     gateway's next try, the right one brings the tunnel up.
#  3. save-password "no" from the gateway: the stored password is used
#     for that login, but after a disconnect/connect the client waits for
#     a typed one.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
require_cmd jq
ike_users || skip_all "evsadm user add failed"

cshow() { ike_client_show; }
cstate() { ike_client_state; }
wait_state() { ike_client_wait_state "$@"; }

server_sessions() {
	"$EVSADM" --socket "$IKE_TMP/server.sock" session show -j 2>/dev/null | jq length
}

case_manual() {
	local j inner t0 t1
	ike_topology
	ike_conf_server >"$IKE_TMP/server.conf"
	sed -i '/^group sales {/a\    dns 192.168.77.53 2001:db8:77::53\n    domain corp.example\n    split-dns corp.example lab.example\n    banner "welcome to sales"\n    backup-servers 198.51.100.9' \
		"$IKE_TMP/server.conf"
	ike_conf_client "" peer="connect manual" >"$IKE_TMP/client.conf"
	ike_client_resolv_home
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "manual: server starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "manual: client starts"; ike_end_case; return; }
	sleep 12	# longer than the client's 10 s reconnect round
	tap_check "manual: the peer stays down without 'client connect'" \
		test "$(cstate)" = down
	tap_check "manual: no ISAKMP SA on the gateway" \
		sh -c "! $EVSADM --socket $IKE_TMP/server.sock ike show | grep -q ."
	tap_check "manual: nothing on the client's evs0" ike_client_clean "$cli"
	t0=$(date +%s.%N)
	tap_check "manual: evsadm client connect gw" \
		"$EVSADM" --socket "$IKE_TMP/client.sock" client connect gw
	if ike_client_up; then
		t1=$(date +%s.%N)
		tap_ok "manual: up after 'client connect'"
		tap_diag "connect to tunnel up: $(awk "BEGIN { print $t1 - $t0 }") s"
	else
		tap_fail "manual: up after 'client connect'"
		ike_diag client
		ike_diag server
		ike_end_case
		return
	fi
	inner=$(ike_client_inner client)
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2 >/dev/null
	tap_result "manual: the client pings the gateway's LAN host" $?
	j=$(cshow)
	echo "$j" | tap_diag
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show | tap_diag
	tap_check "show: state connected" test "$(echo "$j" | jq -r '.[0].state')" = connected
	tap_check "show: gateway 198.51.100.1" \
		test "$(echo "$j" | jq -r '.[0].gateway')" = 198.51.100.1
	tap_check "show: the assigned address ($inner)" \
		test "$(echo "$j" | jq -r '.[0].address')" = "$inner"
	tap_check "show: pushed DNS, domain, split DNS, split network" \
		test "$(echo "$j" | jq -r '.[0].pushed | [.dns[0], .domain, (.split_dns|join(",")), .split_include[0]] | join(" ")')" \
		= "192.168.77.53 corp.example corp.example,lab.example 192.168.77.0/24"
	tap_check "show -j: pushed IPv6 DNS (dns6)" \
		test "$(echo "$j" | jq -r '.[0].pushed.dns6 | join(" ")')" = 2001:db8:77::53
	tap_check "show: a dns6 line" sh -c "$EVSADM --socket $IKE_TMP/client.sock client show |
		grep -qx '  dns6 2001:db8:77::53'"
	tap_check "show: pushed banner and backup server" \
		test "$(echo "$j" | jq -r '.[0].pushed | [.banner, .backup_servers[0]] | join("|")')" \
		= "welcome to sales|198.51.100.9"
	tap_check "show: bytes each way from the kernel (ping: > 0)" \
		test "$(echo "$j" | jq '.[0].rx_bytes > 0 and .[0].tx_bytes > 0')" = true
	tap_check "show: since (wall clock, within the last 5 minutes)" \
		test "$(echo "$j" | jq --argjson now "$(date +%s)" '.[0].since <= $now and .[0].since > $now - 300')" = true
	ip netns exec "$cli" cat /etc/resolv.conf | tap_diag
	ike_client_resolv_pushed "the pushed" 192.168.77.53 2001:db8:77::53
	ike_client_disconnect_clean
	tap_check "dns: no backup left" test ! -e /etc/resolv.conf.evsd-backup
	tap_check "disconnect: the gateway's session ended (delete sent)" \
		test "$(server_sessions)" = 0
	sleep 11
	tap_check "disconnect: still down a reconnect round later" test "$(cstate)" = down
	tap_check_fails "client connect of an unknown peer fails" \
		"$EVSADM" --socket "$IKE_TMP/client.sock" client connect nosuch
	ike_stop client
	tap_result "manual: client exits cleanly" $?
	ike_end_case
}

case_xauth() {
	local out rc
	ike_topology
	ike_conf_server >"$IKE_TMP/server.conf"
	ike_conf_client "" password= >"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "xauth: server starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "xauth: client starts"; ike_end_case; return; }
	if wait_state "waiting for XAUTH" 60; then
		tap_ok "xauth: no password configured: waiting for XAUTH"
	else
		tap_fail "xauth: no password configured: waiting for XAUTH"
		ike_diag client
		ike_end_case
		return
	fi
	out=$(printf 'alice\nwrongpass\nalice\nuserpass\n' |
		"$EVSADM" --socket "$IKE_TMP/client.sock" client xauth gw timeout 60 2>&1)
	rc=$?
	echo "$out" >"$IKE_TMP/xauth.out"
	echo "$out" | tap_diag
	tap_check "xauth: evsadm client xauth succeeds (wrong, then right password)" test $rc = 0
	tap_check "xauth: the gateway asked again after the wrong password" \
		grep -q 'asks again' "$IKE_TMP/xauth.out"
	tap_check "xauth: the gateway refused one attempt" \
		grep -q 'user "alice" from .* refused' "$IKE_TMP/server.log"
	tap_check "xauth: the tunnel comes up" ike_client_up
	tap_check "xauth: the client pings the gateway's LAN host" \
		ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 192.168.77.2
	tap_check_fails "xauth: no password in the client's log" \
		grep -q 'userpass\|wrongpass' "$IKE_TMP/client.log"
	tap_check_fails "xauth: a second 'client xauth' is refused (not waiting)" \
		sh -c "printf 'alice\nx\n' | $EVSADM --socket $IKE_TMP/client.sock client xauth gw timeout 3"
	ike_end_case
}

case_nosave() {
	ike_topology
	ike_conf_server >"$IKE_TMP/server.conf"
	sed -i '/^group sales {/a\    save-password no' "$IKE_TMP/server.conf"
	ike_conf_client >"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "nosave: server starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "nosave: client starts"; ike_end_case; return; }
	tap_check "nosave: the first login uses the stored password" ike_client_up
	tap_check "nosave: show says save-password no" \
		test "$(cshow | jq -r '.[0].pushed.save_password')" = no
	"$EVSADM" --socket "$IKE_TMP/client.sock" client disconnect gw >/dev/null
	wait_state down 10 >/dev/null
	"$EVSADM" --socket "$IKE_TMP/client.sock" client connect gw >/dev/null
	wait_state "waiting for XAUTH" 60
	tap_result "nosave: the next login waits for a typed password" $?
	printf 'alice\nuserpass\n' |
		"$EVSADM" --socket "$IKE_TMP/client.sock" client xauth gw timeout 60 | tap_diag
	tap_check "nosave: up with the typed password" ike_client_up
	ike_end_case
}

case_manual
case_xauth
case_nosave
tap_done
