#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Firewall policy of evsd's client role against an evsd gateway whose
# group says `firewall are-you-there`:
#  1. evsd's client reports its firewall in the mode-config REQUEST and is
#     let in; the gateway pushes a firewall type; the client puts
#     `table inet evs_client_fw` on: a new connection from the gateway's
#     LAN into the branch (ping, TCP) is dropped and counted, a port the
#     peer's `firewall-allow` names gets through, replies to what the
#     branch opened pass; `client show` says what the filter dropped (its
#     named counter, as nft lists it); `client disconnect` removes the table.
#  2. after a crash (SIGKILL) the table is left; the restarted client
#     removes it before anything connects.
#  3. a client that reports no firewall (evsd's `firewall off`) is
#     refused, with the reason in the gateway's log.
#  4. the filter is on before the first SA is in the kernel: an nft
#     wrapper on the client's PATH counts the SAs when the table is
#     written (none); when writing it fails, the session ends before any
#     quick mode: no SA, no address, nothing passes unfiltered.
#  5. vpnc (Debian's) sends the Unity firewall block in its REQUEST
#     (vendor 1 product 1 policy 2, what a concentrator asks for): the
#     gateway lets it in.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

EVSADM=$EVS_TOP/userspace/evsadm/evsadm
ike_init
require_cmd jq nft socat
ike_users || skip_all "evsadm user add failed"

LISTENERS=()
end_case() {
	local p
	for p in "${LISTENERS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	LISTENERS=()
	ike_stop_all
	ezv_vpnc_stop
	for ns in $(netns_list_mine); do ip netns del "$ns"; done
}

cstate() {
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j 2>/dev/null | jq -r '.[0].state'
}

has_table() {
	ip netns exec "$1" nft list table inet evs_client_fw >/dev/null 2>&1
}

# drops NS: the filter's drop counter (packets), as nft lists it
drops() {
	ip netns exec "$1" nft list counter inet evs_client_fw dropped 2>/dev/null |
		sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}

# listen NS ADDR PORT: a TCP server answering "hello" (its pid kept)
listen() {
	ip netns exec "$1" socat "TCP-LISTEN:$3,bind=$2,reuseaddr,fork" SYSTEM:'echo hello' \
		>/dev/null 2>&1 &
	LISTENERS+=($!)
}

# listening NS PORT: a TCP socket listens on PORT in NS (5 s at most)
listening() {
	for _ in $(seq 25); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.2
	done
	return 1
}

# tcp_get NS ADDR PORT: what the server at ADDR:PORT says (3 s at most;
# -t: after our empty input, wait that long for the answer, not socat's
# 0.5 s, which a loaded VM's forking server can miss)
tcp_get() {
	ip netns exec "$1" timeout 5 socat -T 3 -t 3 - "TCP:$2:$3,connect-timeout=3" </dev/null 2>/dev/null
}

server_conf() {
	ike_conf_server >"$IKE_TMP/server.conf"
	sed -i '/^group sales {/a\    firewall are-you-there' "$IKE_TMP/server.conf"
}

case_filter() {
	local inner d0 d1
	ike_topology
	server_conf
	ike_conf_client "" peer="firewall-allow tcp 2222 from 192.168.77.0/24" \
		>"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "filter: server starts"; end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "filter: client starts"; end_case; return; }
	if ! ike_client_up; then
		tap_fail "filter: evsd's client (firewall on) is let in by are-you-there"
		ike_diag client
		ike_diag server
		end_case
		return
	fi
	tap_ok "filter: evsd's client (firewall on) is let in by are-you-there"
	inner=$(ike_client_inner client)
	tap_check "filter: the gateway saw the client's firewall and pushed its type" \
		grep -q 'replied for "alice".*firewall vendor 1 product 1 policy 2' "$IKE_TMP/server.log"
	tap_check "filter: the client was given the firewall type" \
		grep -q 'gateway gave .*firewall vendor 1 product 1 policy 2' "$IKE_TMP/client.log"
	ike_wait_log client "table inet evs_client_fw" 10
	tap_check "filter: table inet evs_client_fw on the client after connect" has_table "$cli"
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j | jq -c '.[0].firewall' | tap_diag
	tap_check "filter: client show -j: setting on, pushed type, filter on" \
		test "$("$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j |
			jq -c '.[0].firewall | [.setting, .pushed_type, .filter, .allow_rules]')" = \
		'["on","vendor 1 product 1 policy 2",true,1]'
	tap_check "filter: client show says the filter is on" \
		sh -c "$EVSADM --socket $IKE_TMP/client.sock client show gw |
			grep -q 'firewall on, filter on (table inet evs_client_fw), 1 firewall-allow rule, [0-9]* packets\\? ([0-9]* bytes) dropped; gateway pushed vendor 1 product 1 policy 2'"
	ip netns exec "$cli" nft list table inet evs_client_fw | tap_diag
	# replies to what the branch opens pass
	tap_check "filter: the client pings the gateway's LAN host (replies pass)" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	listen "$lan" 192.168.77.2 8081
	listen "$cli" "$inner" 8080
	listen "$cli" "$inner" 2222
	listening "$lan" 8081 && listening "$cli" 8080 && listening "$cli" 2222
	tap_result "filter: the three test servers listen" $?
	tap_check "filter: a TCP connection from the branch to the LAN gets its answer" \
		test "$(tcp_get "$cli" 192.168.77.2 8081)" = hello
	# new connections from the gateway's LAN into the branch
	d0=$(drops "$cli")
	tap_check_fails "filter: a ping from the gateway's LAN to the branch ($inner) is dropped" \
		ip netns exec "$lan" ping -c 3 -i 0.3 -W 2 "$inner"
	tap_check "filter: a TCP connection from the LAN to the branch's port 8080 is dropped" \
		test -z "$(tcp_get "$lan" "$inner" 8080)"
	d1=$(drops "$cli")
	tap_check "filter: the drops counted by the filter ($d0 -> $d1, >= 4)" \
		test $((d1 - d0)) -ge 4
	tap_check "filter: client show -j: dropped_packets as nft counts them ($d1)" \
		test "$("$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j |
			jq '.[0].firewall.dropped_packets')" = "$d1"
	tap_check "filter: client show says what the filter dropped" \
		sh -c "$EVSADM --socket $IKE_TMP/client.sock client show gw |
			grep -q 'firewall-allow rule, $d1 packets ([0-9]* bytes) dropped; gateway pushed'"
	tap_check "filter: port 2222 from the LAN, as firewall-allow says, gets through" \
		test "$(tcp_get "$lan" "$inner" 2222)" = hello
	tap_check "filter: evsadm client disconnect gw" \
		"$EVSADM" --socket "$IKE_TMP/client.sock" client disconnect gw
	for _ in $(seq 50); do
		has_table "$cli" || break
		sleep 0.2
	done
	tap_check_fails "filter: the table is gone after disconnect" has_table "$cli"
	tap_check "filter: client show -j says the filter is off" \
		test "$("$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j |
			jq -r '.[0].firewall.filter')" = false
	tap_check "filter: the client logged its removal" \
		grep -q 'firewall: table inet evs_client_fw removed' "$IKE_TMP/client.log"

	# a crash leaves the table; the restarted client removes it
	"$EVSADM" --socket "$IKE_TMP/client.sock" client connect gw >/dev/null
	for _ in $(seq 300); do
		has_table "$cli" && break
		sleep 0.2
	done
	tap_check "crash: the table is back after reconnecting" has_table "$cli"
	ike_kill client
	rm -f "$IKE_TMP/client.sock"
	tap_check "crash: SIGKILL leaves the table behind" has_table "$cli"
	sed -i 's/^    xauth-password .*$/&\n    connect manual/' "$IKE_TMP/client.conf"
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "crash: client restarts"; end_case; return; }
	sleep 1
	tap_check_fails "crash: the restarted client removed the leftover table" has_table "$cli"
	tap_check "crash: the peer is down (connect manual)" test "$(cstate)" = down
	ike_stop client
	tap_result "filter: client exits cleanly" $?
	end_case
}

case_refused() {
	ike_topology
	server_conf
	ike_conf_client "" peer="firewall off" >"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "refused: server starts"; end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "refused: client starts"; end_case; return; }
	ike_wait_log server 'reports no firewall' 90
	tap_result "refused: the gateway refuses a client that reports no firewall, with a log line" $?
	grep 'reports no firewall' "$IKE_TMP/server.log" | head -2 | tap_diag
	tap_check "refused: the log names the user, the group and the address" \
		grep -q 'user "alice" (group "sales") from 198.51.100.2 refused: firewall are-you-there' \
		"$IKE_TMP/server.log"
	tap_check_fails "refused: no Phase 2 connection on the client" ike_wait_conn client 5
	tap_check_fails "refused: no address on the client's evs0" \
		sh -c "ip -n $cli -4 addr show dev evs0 | grep -q inet"
	tap_check_fails "refused: no firewall table (the client has none to put on)" has_table "$cli"
	tap_check_fails "refused: no mode-config reply (no address, no settings) sent" \
		grep -q 'modecfg: replied for' "$IKE_TMP/server.log"
	end_case
}

# fw_wrapper DIR: an nft that notes, when the client's filter is written,
# how many SAs the namespace's kernel holds then (DIR/fw-order), and
# refuses to write it while DIR/fw-fail exists; everything else (PAT,
# removals) goes to the real nft.
fw_wrapper() {
	local dir=$1 real
	real=$(command -v nft)
	mkdir -p "$dir"
	cat >"$dir/nft" <<EOF
#!/bin/bash
script=\$(cat)
if grep -q 'table inet evs_client_fw {' <<<"\$script"; then
	echo "fw-write sas=\$("$EVSADM" sa show 2>/dev/null | grep -c spi)" >>"$dir/fw-order"
	[ -e "$dir/fw-fail" ] && { echo "test wrapper: refused" >&2; exit 1; }
fi
exec "$real" "\$@" <<<"\$script"
EOF
	chmod +x "$dir/nft"
}

case_before_sa() {
	local dir=$IKE_TMP/fwbin oldpath=$PATH rc
	ike_topology
	server_conf
	ike_conf_client "" >"$IKE_TMP/client.conf"
	fw_wrapper "$dir"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "before SA: server starts"; end_case; return; }
	export PATH="$dir:$oldpath"
	ike_start client "$cli" "$IKE_TMP/client.conf" --client
	rc=$?
	export PATH=$oldpath
	[ $rc = 0 ] || { tap_fail "before SA: client starts"; end_case; return; }
	if ! ike_client_up; then
		tap_fail "before SA: the client connects"
		ike_diag client
		end_case
		return
	fi
	tap_diag <"$dir/fw-order"
	tap_check "before SA: the filter was written while the kernel held no SA" \
		test "$(head -1 "$dir/fw-order")" = "fw-write sas=0"
	tap_check "before SA: and the SAs came after it" test "$(ike_sa_count "$cli")" -ge 2
	tap_check "before SA: the client logged the filter before its first connection" \
		sh -c "grep -e 'table inet evs_client_fw' -e 'conn [0-9]* up' '$IKE_TMP/client.log' |
			head -1 | grep -q evs_client_fw"
	ike_stop client

	# the filter cannot be written: no tunnel at all
	: >"$dir/fw-order"
	touch "$dir/fw-fail"
	export PATH="$dir:$oldpath"
	ike_start client "$cli" "$IKE_TMP/client.conf" --client
	rc=$?
	export PATH=$oldpath
	[ $rc = 0 ] || { tap_fail "no filter: client starts"; end_case; return; }
	ike_wait_log client 'inbound filter could not be put on' 90
	tap_result "no filter: the session ends when the filter cannot be written" $?
	grep -e 'firewall' -e 'deleting in state' "$IKE_TMP/client.log" | head -4 | tap_diag
	sleep 2
	tap_check "no filter: the wrapper was asked (and refused)" grep -q 'fw-write' "$dir/fw-order"
	tap_check "no filter: no SA in the client's kernel" test "$(ike_sa_count "$cli")" = 0
	tap_check_fails "no filter: no Phase 2 connection on the client" ike_wait_conn client 3
	tap_check_fails "no filter: no address on the client's evs0" \
		sh -c "ip -n $cli -4 addr show dev evs0 | grep -q inet"
	end_case
}

case_vpnc() {
	if ! command -v vpnc >/dev/null || ! { modprobe tun 2>/dev/null; [ -c /dev/net/tun ]; }; then
		tap_skip "vpnc: not installed or no /dev/net/tun"
		return
	fi
	ike_topology
	ezv_server_conf >"$IKE_TMP/server.conf"
	sed -i '/^group sales {/a\    firewall are-you-there' "$IKE_TMP/server.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "vpnc: server starts"; end_case; return; }
	ezv_vpnc_start alice userpass
	if ezv_vpnc_wait 90; then
		tap_ok "vpnc: reports a firewall and is let in by are-you-there"
	else
		tap_fail "vpnc: reports a firewall and is let in by are-you-there"
		ezv_diag_vpnc
		ike_diag server
	fi
	tap_check_fails "vpnc: no refusal in the gateway's log" \
		grep -q 'reports no firewall' "$IKE_TMP/server.log"
	end_case
}

case_filter
case_refused
case_before_sa
case_vpnc
tap_done
