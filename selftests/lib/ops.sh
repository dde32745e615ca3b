# SPDX-License-Identifier: GPL-2.0
# What the day-to-day operation tests (ops_*.sh) share: several vpnc
# clients by tag against one gateway evsd named "server", its control
# socket, its log.  Source after lib.sh, ike_lib.sh and lib/easyvpn.sh.

ctl() {
	"$EVSADM" --socket "$IKE_TMP/server.sock" "$@"
}

# vpnc_start TAG NS USER PASSWORD TUN: one vpnc per tag, its own files
# ($IKE_TMP/TAG.*); vpnc_stop TAG [SIGNAL]: TERM sends vpnc's deletes,
# KILL nothing.
vpnc_start() {
	EZV_VPNC=$1 EZV_VPNC_NS=$2 EZV_VPNC_IF=$5 ezv_vpnc_start "$3" "$4"
}

vpnc_wait() {
	EZV_VPNC=$1 ezv_vpnc_wait "$2"
}

vpnc_stop() {
	EZV_VPNC=$1 ezv_vpnc_stop "${2:-TERM}"
}

vpnc_alive() {
	kill -0 "$(cat "$IKE_TMP/$1.bgpid")" 2>/dev/null
}

addr_of() {
	sed -n 's/^INTERNAL_IP4_ADDRESS=//p' "$IKE_TMP/$1.env" | head -1
}

# jq-like checks of evsadm's JSON with python3: js 'EXPR' <json (exit 0
# when EXPR, over the parsed document d, is true).
js() {
	python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}

# wait_log PATTERN SECONDS: in server's log (WAIT_LOG=NAME: in NAME's)
wait_log() {
	for _ in $(seq $(($2 * 5))); do
		grep -q "$1" "$IKE_TMP/${WAIT_LOG:-server}.log" && return 0
		sleep 0.2
	done
	return 1
}

# connect TAG NS USER PASSWORD TUN: vpnc up, with its RRI route on the
# gateway (one after the other: each is up before the next).
connect() {
	local tag=$1 ns=$2 user=$3 pw=$4 tun=$5 a
	vpnc_start "$tag" "$ns" "$user" "$pw" "$tun"
	vpnc_wait "$tag" 90 || return 1
	a=$(addr_of "$tag")
	for _ in $(seq 150); do
		ezv_rri_route "$srv" "$a" && return 0
		sleep 0.2
	done
	return 1
}

# connect_alice_bob: alice (namespace $cli, tun0) and bob ($cli2, tun1)
# connected, each with its RRI route; the test ends here when they are not.
connect_alice_bob() {
	local what="two vpnc clients connect (alice, bob), each with its RRI route"

	if connect alice "$cli" alice 'alice pw 1' tun0 &&
	   connect bob "$cli2" bob 'bob pw 2' tun1; then
		tap_ok "$what"
		return 0
	fi
	tap_fail "$what"
	tail -n 20 "$IKE_TMP/alice.log" "$IKE_TMP/bob.log" | tap_diag
	ezv_diag_server 200
	tap_done
}

# start_gw LOGNAME: evsd as "server" (socket, pid) with its sessions'
# records in $STATE, the earlier run's log kept as LOGNAME.log (ike_start
# writes server.log afresh).
start_gw() {
	[ -f "$IKE_TMP/server.log" ] && mv "$IKE_TMP/server.log" "$IKE_TMP/$1.log"
	ike_start server "$srv" "$IKE_TMP/server.conf" --state-dir "$STATE"
}

# restart_under_pings COUNT TAG:NS:ADDR...: pings as ezv_pings_start, and
# while they run evsd is killed (SIGKILL) and started again (TAP "evsd
# starts again"); the caller waits for the pings.
restart_under_pings() {
	ezv_pings_start "$@"
	sleep 3
	ike_kill server
	tap_diag "evsd killed (SIGKILL)"
	sleep 1
	start_gw server1
	tap_result "evsd starts again" $?
}
