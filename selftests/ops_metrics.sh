#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Metrics (issue 13): evsd writes metrics-file for the node exporter's
# textfile collector.  With one vpnc client connected and pinging, the file
# is mode 0640 with the configured group, passes `promtool check metrics`,
# and prometheus-node-exporter (run as the prometheus user, as Debian does)
# serves its evs_ series on 127.0.0.1; the session's byte counters grow
# between two scrapes; the session's series go when it ends; a clean stop
# removes the file.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

getent group prometheus >/dev/null || skip_all "no prometheus group (prometheus-node-exporter not installed)"
ezv_vpnc_init promtool prometheus-node-exporter curl setpriv
on_exit ezv_vpnc_stop
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology

# The collector's directory, readable by the prometheus user as Debian's
# /var/lib/prometheus/node-exporter is.
MDIR=$(mktemp -d /tmp/evs-metrics.XXXXXX)
chmod 755 "$MDIR"
on_exit "rm -rf $MDIR"
PROM=$MDIR/evs.prom
NE_PORT=9100

# series NAME LABEL-MATCH FILE: the value of the first sample of NAME whose
# labels contain LABEL-MATCH ("" = any), empty when there is none.
series() {
	grep -F "$1{" "$3" | grep -F -- "$2" | head -1 | awk '{ print $NF }'
}

# wait_file_has TEXT SECONDS: until the metrics file contains TEXT.
wait_file_has() {
	for _ in $(seq $(($2 * 5))); do
		grep -qF -- "$1" "$PROM" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# scrape FILE: the node exporter's page, as a client would get it.
scrape() {
	ip netns exec "$srv" curl -sf --max-time 20 "http://127.0.0.1:$NE_PORT/metrics" >"$1"
}

ezv_server_conf "metrics-file $PROM group prometheus
metrics-interval 1" >"$IKE_TMP/server.conf"
if ! ike_start server "$srv" "$IKE_TMP/server.conf"; then
	tap_fail "evsd starts with metrics-file"
	tap_done
fi
tap_ok "evsd starts with metrics-file"
tap_check "the file is there at start, before any client" wait_file_has "evs_sessions 0" 20
tap_check "mode 0640, owner root, group prometheus" \
	test "$(stat -c '%a %U %G' "$PROM")" = "640 root prometheus"
tap_check_fails "other users cannot read it (user names are in it)" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$PROM"
tap_check "no temporary file left beside it" \
	test "$(ls -A "$MDIR")" = "evs.prom"
tap_check "the pool's size and use, before any client" \
	grep -qx 'evs_pool_addresses{pool="sales"} 91' "$PROM"

ezv_vpnc_start alice 'alice pw 1'
ezv_vpnc_up "vpnc connects" || tap_done
addr=$(ezv_env INTERNAL_IP4_ADDRESS)
tap_check "Phase 2 up (RRI route for $addr)" ezv_rri_wait "$srv" "$addr"
# Pings every 0.2 s for the rest of the test (bounded: 60 s).
ip netns exec "$cli" ping -q -c 300 -i 0.2 -W 2 -I "$addr" 192.168.77.2 \
	>"$IKE_TMP/ping.log" 2>&1 &
ping_pid=$!
on_exit "kill $ping_pid"

alice="user=\"alice\",group=\"sales\",address=\"$addr\""
tap_check "the session's series appear, labelled with user, group and address" \
	wait_file_has "evs_session_receive_bytes_total{id=" 20
grep -F "$alice" "$PROM" | grep -q '^evs_session_receive_bytes_total{id="[0-9]*",'
tap_result "one receive-bytes series for alice at $addr" $?
cp "$PROM" "$IKE_TMP/snapshot.prom"
tap_check "promtool check metrics: the file, with a session, passes" \
	sh -c "promtool check metrics <'$IKE_TMP/snapshot.prom'"
tap_check "sessions 1, one login accepted, the pool shows the lease" \
	sh -c "grep -qx 'evs_sessions 1' '$IKE_TMP/snapshot.prom' &&
		grep -qx 'evs_logins_total{result=\"accepted\"} 1' '$IKE_TMP/snapshot.prom' &&
		grep -qx 'evs_pool_addresses_used{pool=\"sales\"} 1' '$IKE_TMP/snapshot.prom' &&
		grep -qx 'evs_pool_addresses_free{pool=\"sales\"} 90' '$IKE_TMP/snapshot.prom'"
tap_check "the kernel's drop counters by reason are there" \
	sh -c "grep -q '^evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"replay\"} ' '$IKE_TMP/snapshot.prom' &&
		grep -q '^evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"auth\"} ' '$IKE_TMP/snapshot.prom'"

# The node exporter as Debian runs it: user prometheus, loopback only.
ip netns exec "$srv" setpriv --reuid=prometheus --regid=prometheus --init-groups \
	prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$MDIR" >"$IKE_TMP/node-exporter.log" 2>&1 &
ne_pid=$!
on_exit "kill $ne_pid"
for _ in $(seq 150); do
	scrape "$IKE_TMP/scrape1" && break
	kill -0 "$ne_pid" 2>/dev/null || break
	sleep 0.2
done
if [ -s "$IKE_TMP/scrape1" ]; then
	tap_ok "prometheus-node-exporter answers on 127.0.0.1:$NE_PORT"
else
	tap_fail "prometheus-node-exporter answers on 127.0.0.1:$NE_PORT"
	tap_diag <"$IKE_TMP/node-exporter.log"
fi
tap_check "the textfile collector read the file without error" \
	grep -qx 'node_textfile_scrape_error 0' "$IKE_TMP/scrape1"
tap_check "it serves the evs_ series (build info, sessions, pools, kernel)" \
	sh -c "grep -q '^evs_build_info{version=' '$IKE_TMP/scrape1' &&
		grep -qx 'evs_sessions 1' '$IKE_TMP/scrape1' &&
		grep -qx 'evs_pool_addresses{pool=\"sales\"} 91' '$IKE_TMP/scrape1' &&
		grep -q '^evs_kernel_dropped_packets_total{device=\"evs0\",reason=\"no_sa\"} ' '$IKE_TMP/scrape1'"
rx1=$(series evs_session_receive_bytes_total "user=\"alice\"" "$IKE_TMP/scrape1")
tx1=$(series evs_session_transmit_bytes_total "user=\"alice\"" "$IKE_TMP/scrape1")
tap_check "it serves alice's byte counters (rx '$rx1', tx '$tx1')" \
	test -n "$rx1" -a -n "$tx1"
sleep 4
scrape "$IKE_TMP/scrape2"
rx2=$(series evs_session_receive_bytes_total "user=\"alice\"" "$IKE_TMP/scrape2")
tx2=$(series evs_session_transmit_bytes_total "user=\"alice\"" "$IKE_TMP/scrape2")
tap_diag "alice: receive bytes $rx1 -> $rx2, transmit bytes $tx1 -> $tx2"
tap_check "the session's receive bytes grow between two scrapes while it pings" \
	awk -v a="$rx1" -v b="$rx2" 'BEGIN { exit !(b != "" && b + 0 > a + 0) }'
tap_check "the session's transmit bytes grow too (the echo replies)" \
	awk -v a="$tx1" -v b="$tx2" 'BEGIN { exit !(b != "" && b + 0 > a + 0) }'
kill "$ping_pid" 2>/dev/null
wait "$ping_pid" 2>/dev/null

ezv_vpnc_stop
tap_check "when the session ends its series go and the count drops" \
	wait_file_has "evs_sessions 0" 30
tap_check_fails "no series of alice left" grep -qF 'user="alice"' "$PROM"
tap_check "promtool check metrics passes without sessions" \
	sh -c "promtool check metrics <'$PROM'"

# A reload applies changed metrics-* settings: the same file is rewritten
# in place; another file replaces it.
PROM2=$MDIR/evs2.prom
reload_with() { # METRICS-LINES
	ezv_server_conf "$1" >"$IKE_TMP/server.conf"
	"$EVSADM" --socket "$IKE_TMP/server.sock" reload
}
tap_check "reload with metrics-interval 2 succeeds" reload_with "metrics-file $PROM group prometheus
metrics-interval 2"
tap_check "the writer follows the new interval" \
	grep -q "metrics: writing $PROM every 2 s" "$IKE_TMP/server.log"
tap_check "the file stayed in place" test -e "$PROM"
tap_check "reload naming another metrics-file succeeds" reload_with "metrics-file $PROM2 group prometheus
metrics-interval 1"
tap_check_fails "the old file is removed" test -e "$PROM"
PROM=$PROM2
tap_check "the new file is written" wait_file_has "evs_sessions 0" 20

ike_stop server
tap_result "evsd exits cleanly" $?
tap_check_fails "a clean stop removes the file (no stale counters served)" test -e "$PROM"
tap_check_fails "evsd never failed to write the file" \
	grep -q 'metrics: cannot write' "$IKE_TMP/server.log"
tap_check_fails "no crash in evsd" grep -qi 'sanitizer\|segfault' "$IKE_TMP/server.log"
[ $_tap_failed -eq 0 ] || { ezv_diag_vpnc; ezv_diag_server 200; }
tap_done
