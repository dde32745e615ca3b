#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Backup servers of evsd's client role, with two evsd gateways:
#  1. the primary (198.51.100.1) pushes the backup's address (Unity
#     backup-servers 198.51.100.3); the primary is killed (SIGKILL, no
#     delete); the client's DPD declares it dead and the client connects
#     through the backup (the time it took is reported) and reaches the
#     backup's LAN; the primary comes back; with `return-to-primary after
#     30` the client leaves the backup and is connected through the
#     primary again.
#  2. a configured server that does not answer at connect: the next
#     `server` line is tried.
#  3. the list survives a restart of the client: connected through the
#     primary, which pushed the backup; `client show` lists both servers
#     (the one in use marked); the client stops, the primary dies; the
#     restarted client still knows the backup (a root-only file in its
#     state directory), shows it, and connects through it.
#
#   cli br0 198.51.100.2 --+-- s0 198.51.100.1 srv  lan0 192.168.77.1 -- lan  192.168.77.2
#                          +-- s0 198.51.100.3 srv2 lan0 192.168.77.1 -- lan2 192.168.77.2
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
require_cmd jq
ike_users || skip_all "evsadm user add failed"

topology() {
	local s l
	netns_new cli srv srv2 lan lan2
	ip -n "$cli" link add br0 type bridge
	ip -n "$cli" link set br0 up
	ip -n "$cli" link add c0 type veth peer name s0 netns "$srv"
	ip -n "$cli" link add c1 type veth peer name s0 netns "$srv2"
	ip -n "$cli" link set c0 master br0 up
	ip -n "$cli" link set c1 master br0 up
	ip -n "$cli" addr add 198.51.100.2/24 dev br0
	ip -n "$srv" addr add 198.51.100.1/24 dev s0
	ip -n "$srv2" addr add 198.51.100.3/24 dev s0
	for s in "$srv:$lan" "$srv2:$lan2"; do
		l=${s#*:}
		s=${s%%:*}
		ip -n "$s" link set s0 up
		routed_lan "$s" "$l" lan0 eth0 192.168.77
	done
	for s in "$cli" "$srv" "$srv2"; do
		ip -n "$s" link add evs0 type evs
		ip -n "$s" link set evs0 up
	done
}

cshow() {
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j 2>/dev/null
}

# wait_gateway ADDR SECONDS: connected through ADDR (state and address on evs0)
wait_gateway() {
	local j end=$(($(date +%s) + $2))
	while [ "$(date +%s)" -le $end ]; do
		j=$(cshow)
		if [ "$(echo "$j" | jq -r '.[0].state')" = connected ] &&
		   [ "$(echo "$j" | jq -r '.[0].gateway')" = "$1" ] &&
		   ike_client_has_addr "$cli" "$(echo "$j" | jq -r '.[0].address')"; then
			return 0
		fi
		sleep 0.5
	done
	echo "# $(echo "$j" | jq -c '.[0] | {state, gateway, address}')"
	return 1
}

# timed_gateway ADDR SECONDS DESC WHAT: wait_gateway as a TAP result, with
# the seconds it took ("WHAT: N s") as a diagnostic; 1 when it failed.
timed_gateway() {
	local t0 t1
	t0=$(date +%s.%N)
	if wait_gateway "$1" "$2"; then
		t1=$(date +%s.%N)
		tap_ok "$3"
		tap_diag "$4: $(awk "BEGIN { print $t1 - $t0 }") s"
		return 0
	fi
	tap_fail "$3"
	ike_diag client
	return 1
}

client_timers='timers {
    dpd-interval 4
    dpd-retries 2
    retransmit-interval 1000
    retransmit-count 3
}'

# on_primary CASE [PEER-LINES]: the topology, the primary pushing the
# backup 198.51.100.3, the backup, the client (PEER-LINES added to its
# peer block) connected through the primary, as a TAP result; 1 (the
# case ended) when something failed.
on_primary() {
	local extra=()
	[ -n "${2:-}" ] && extra=(peer="$2")
	topology
	ike_conf_server "" group="backup-servers 198.51.100.3" >"$IKE_TMP/server.conf"
	ike_conf_server | sed 's/^listen 198.51.100.1$/listen 198.51.100.3/' >"$IKE_TMP/backup.conf"
	ike_conf_client "$client_timers" "${extra[@]}" >"$IKE_TMP/client.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "$1: primary starts"; ike_end_case; return 1; }
	ike_start backup "$srv2" "$IKE_TMP/backup.conf" || { tap_fail "$1: backup starts"; ike_end_case; return 1; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "$1: client starts"; ike_end_case; return 1; }
	if ! wait_gateway 198.51.100.1 90; then
		tap_fail "$1: connected through the primary 198.51.100.1"
		ike_diag client
		ike_diag server
		ike_end_case
		return 1
	fi
	tap_ok "$1: connected through the primary 198.51.100.1"
}

case_failover() {
	on_primary failover "return-to-primary after 30" || return
	tap_check "failover: the primary pushed the backup 198.51.100.3" \
		test "$(cshow | jq -r '.[0].pushed.backup_servers[0]')" = 198.51.100.3
	tap_check "failover: the client pings the primary's LAN host" \
		ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 192.168.77.2
	ike_kill server
	rm -f "$IKE_TMP/server.sock"
	if ! timed_gateway 198.51.100.3 120 \
		"failover: the primary killed, connected through the backup 198.51.100.3" \
		"primary killed -> connected through the backup (DPD 4 s x 2 retries)"; then
		ike_diag backup
		ike_end_case
		return
	fi
	tap_check "failover: the client logged the dead primary and the next gateway" \
		grep -q 'gateway 198.51.100.1 of peer gw is dead (DPD); next: 198.51.100.3' "$IKE_TMP/client.log"
	tap_check "failover: split route and address moved with it" ike_client_up
	tap_check "failover: traffic flows through the backup (ping its LAN host)" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	tap_check "failover: the backup has the session" \
		sh -c "$EVSADM --socket $IKE_TMP/backup.sock session show | grep -q alice"
	# the primary comes back; the rule: 30 s on a backup, then the primary
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "failover: primary restarts"; ike_end_case; return; }
	timed_gateway 198.51.100.1 120 "failover: back on the primary (return-to-primary after 30)" \
		"primary restarted -> connected through it again"
	tap_check "failover: the client logged the return" \
		grep -q 'peer gw: 30 s on a backup gateway: back to the primary 198.51.100.1' \
		"$IKE_TMP/client.log"
	tap_check "failover: traffic flows through the primary again" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	for _ in $(seq 20); do
		"$EVSADM" --socket "$IKE_TMP/backup.sock" session show | grep -q alice || break
		sleep 0.5
	done
	tap_check_fails "failover: the backup's session ended (deletes sent)" \
		sh -c "$EVSADM --socket $IKE_TMP/backup.sock session show | grep -q alice"
	ike_stop client
	tap_result "failover: client exits cleanly" $?
	ike_end_case
}

case_no_answer() {
	topology
	ike_conf_server | sed 's/^listen 198.51.100.1$/listen 198.51.100.3/' >"$IKE_TMP/backup.conf"
	# 198.51.100.1 runs no evsd: the first server never answers
	ike_conf_client "$client_timers" peer="server 198.51.100.3" >"$IKE_TMP/client.conf"
	ike_start backup "$srv2" "$IKE_TMP/backup.conf" || { tap_fail "no answer: backup starts"; ike_end_case; return; }
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "no answer: client starts"; ike_end_case; return; }
	timed_gateway 198.51.100.3 120 "no answer: the first server silent, connected through the second" \
		"start -> connected through the second server"
	tap_check "no answer: the client logged it" \
		grep -q 'gateway 198.51.100.1 of peer gw did not answer; next: 198.51.100.3' \
		"$IKE_TMP/client.log"
	tap_check "no answer: traffic flows" \
		ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 192.168.77.2
	ike_end_case
}

case_restart() {
	local j
	on_primary restart || return
	j=$(cshow)
	echo "$j" | jq -c '.[0].servers' | tap_diag
	tap_check "restart: client show lists the configured and the pushed server, the primary in use" \
		test "$(echo "$j" | jq -c '[.[0].servers[] | [.address, .from, .current]]')" = \
		'[["198.51.100.1","config",true],["198.51.100.3","gateway",false]]'
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw | grep servers | tap_diag
	tap_check "restart: the text says so too" \
		sh -c "$EVSADM --socket $IKE_TMP/client.sock client show gw |
			grep -qx '  servers 198.51.100.1 (in use), 198.51.100.3 (pushed)'"
	tap_check "restart: the list is in a root-only file of the state directory" \
		test "$(stat -c %a "$IKE_TMP/client.state/client-gateways.state" 2>/dev/null)" = 600
	ike_stop client
	ike_kill server
	rm -f "$IKE_TMP/server.sock" "$IKE_TMP/client.sock"
	ike_start client "$cli" "$IKE_TMP/client.conf" --client || { tap_fail "restart: client restarts"; ike_end_case; return; }
	tap_check "restart: the restarted client logged the kept list" \
		grep -q 'peer gw: 2 gateways kept from the last run (1 pushed)' "$IKE_TMP/client.log"
	tap_check "restart: and shows the pushed backup before any gateway answered" \
		test "$(cshow | jq -r '.[0].servers[1].address')" = 198.51.100.3
	timed_gateway 198.51.100.3 120 \
		"restart: the primary gone, the restarted client connects through the kept backup" \
		"restart -> connected through the kept backup"
	tap_check "restart: traffic flows" \
		ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 192.168.77.2
	ike_end_case
}

case_failover
case_no_answer
case_restart
tap_done
