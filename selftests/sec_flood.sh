#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsd under attack from the network (issue 10 items 2, 3, 10):
#  (a) 10,000 first messages (bare headers, refused offers, acceptable
#      offers, garbage) from 60 source addresses, then a flood that goes on
#      while vpnc connects: vpnc gets through during the flood and after
#      it, and evsd's half-open count is back to 0;
#  (b) an authenticated informational message of vpnc's (its DPD
#      R-U-THERE-ACK), captured and replayed more than 60 s later from
#      another address, is ignored: the session's peer stays where it was
#      and the tunnel keeps working.
#
#   cli  c0 198.51.100.2/24 ---- s0 198.51.100.1/24  srv  lan0 192.168.77.1/24
#   atk  a1 203.0.113.100-159,200/24 ---- a0 203.0.113.1/24  srv
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

PY=/usr/bin/python3
ATTACK="$PY $(dirname "$0")/lib/sec_flood.py"
[ -x "$PY" ] || skip_all "no $PY"
ezv_vpnc_init
on_exit ezv_vpnc_stop
on_exit "touch $IKE_TMP/flood.stop"
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
netns_new atk
ip -n "$atk" link add a1 type veth peer name a0 netns "$srv"
ip -n "$srv" addr add 203.0.113.1/24 dev a0
ip -n "$srv" link set a0 up
for i in $(seq 100 159) 200; do
	ip -n "$atk" addr add 203.0.113.$i/24 dev a1
done
ip -n "$atk" link set a1 up
ip -n "$atk" route add 198.51.100.0/24 via 203.0.113.1

# Logging at info: under TCG, debug lines for every dropped datagram cost
# more than the datagrams.  The per-source rate limit is raised so that the flood reaches the
# half-open table (with the default, 20/s, most of it stops earlier);
# half-open-timeout short so the acceptable offers age out within the
# test (long enough for vpnc's exchange under TCG).
ezv_server_conf | sed -e 's/^log-level debug$/log-level info/' -e 's/^    dpd-interval 10$/    dpd-interval 10\n    rate-limit 100000\n    half-open-timeout 20/' \
	>"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "evsd starts"; tap_done; }
tap_ok "evsd starts"

# The first authenticated informational message vpnc sends (its answer
# to evsd's R-U-THERE after 10 s of quiet) is recorded on the wire.
ip netns exec "$srv" $ATTACK sniff s0 198.51.100.2 "$IKE_TMP/info.bin" 150 &
sniff_pid=$!

# (a) the flood: 10,000 first messages as fast as they go, then on at
# FLOOD_RATE a second until told to stop.  Under TCG evsd handles a few
# hundred datagrams a second; beyond that the socket's receive queue drops
# the client's messages with the flood's, which no daemon can help.
FLOOD_RATE=${FLOOD_RATE:-50}
ip netns exec "$atk" $ATTACK flood 198.51.100.1 203.0.113.100 60 10000 "$FLOOD_RATE" \
	"$IKE_TMP/flood.stop" "$IKE_TMP/flood.report" &
flood_pid=$!
for _ in $(seq 600); do
	[ -s "$IKE_TMP/flood.report" ] && break
	sleep 0.2
done
if [ -s "$IKE_TMP/flood.report" ]; then
	tap_ok "10,000 first messages from 60 addresses sent ($(cat "$IKE_TMP/flood.report"))"
else
	tap_fail "10,000 first messages from 60 addresses sent"
fi
tap_diag "after the burst: $(ike_ctl server stats)"
# The burst outruns evsd under TCG: its socket queue is full (and drops,
# the client's datagrams with the rest).  vpnc starts once evsd keeps up
# with the paced flood again.
rx_now() { ike_ctl server stats | sed -n 's/^ike: rx \([0-9]*\) .*/\1/p'; }
prev=$(rx_now)
for _ in $(seq 60); do
	sleep 1
	cur=$(rx_now)
	[ $((cur - prev)) -lt $((FLOOD_RATE * 2)) ] && break
	prev=$cur
done
tap_diag "flood paced at $FLOOD_RATE/s: $(ike_ctl server stats)"

t0=$(date +%s.%N)
ezv_vpnc_start alice 'alice pw 1'
if ezv_vpnc_wait 90; then
	t1=$(date +%s.%N)
	if [ ! -f "$IKE_TMP/flood.stop" ] && kill -0 "$flood_pid" 2>/dev/null; then
		tap_ok "vpnc connects during the flood ($(echo "$t1 - $t0" | bc) s)"
	else
		tap_fail "vpnc connects during the flood (the flood had ended)"
	fi
else
	tap_fail "vpnc connects during the flood"
	ezv_diag_vpnc
fi
grep -E '198\.51\.100\.2|Phase 1|dropped: ' "$IKE_TMP/server.log" | grep -v '203\.0\.113' | head -20 | tap_diag
touch "$IKE_TMP/flood.stop"
wait "$flood_pid"
tap_diag "flood: $(tr '\n' ' ' <"$IKE_TMP/flood.report")"
tap_diag "after the flood: $(ike_ctl server stats)"

half_open() { ike_ctl server stats | sed -n 's/.* half-open \([0-9]*\) .*/\1/p'; }
for _ in $(seq 60); do
	[ "$(half_open)" = 0 ] && break
	sleep 0.5
done
tap_check "half-open count back to 0 after the flood (got $(half_open))" test "$(half_open)" = 0

addr=$(ezv_env INTERNAL_IP4_ADDRESS)
for _ in $(seq 150); do
	ezv_rri_route "$srv" "$addr" && break
	sleep 0.2
done
tap_check "ping a LAN host through the tunnel made during the flood" \
	ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$addr" 192.168.77.2

# (b) replay.  Message ids used to be forgotten 60 s after an exchange.
if wait "$sniff_pid"; then
	tap_ok "an authenticated informational message of vpnc's recorded"
	captured=$(date +%s)
	peer_before=$(ike_ctl server sessions | sed -n 's/^ike .*state=READY peer=\([^ ]*\).*/\1/p')
	while [ $(($(date +%s) - captured)) -le 62 ]; do sleep 2; done
	ip netns exec "$atk" $ATTACK replay 203.0.113.200 198.51.100.1 "$IKE_TMP/info.bin"
	sleep 2
	peer_after=$(ike_ctl server sessions | sed -n 's/^ike .*state=READY peer=\([^ ]*\).*/\1/p')
	tap_check "replayed 60+ s later from 203.0.113.200: the peer stays $peer_before (now $peer_after)" \
		test -n "$peer_before" -a "$peer_before" = "$peer_after"
	tap_check "the replay is logged as such" grep -q "replayed message id" "$IKE_TMP/server.log"
	tap_check "the tunnel still works after the replay" \
		ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$addr" 192.168.77.2
else
	tap_fail "an authenticated informational message of vpnc's recorded"
fi

# After the flood a new client connects as usual.
ezv_vpnc_stop
sleep 1
t0=$(date +%s.%N)
ezv_vpnc_start alice 'alice pw 1'
if ezv_vpnc_wait 90; then
	tap_ok "vpnc connects after the flood ($(echo "$(date +%s.%N) - $t0" | bc) s)"
else
	tap_fail "vpnc connects after the flood"
	ezv_diag_vpnc
fi
ezv_vpnc_stop

ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || ezv_diag_server 80
ezv_no_crash
tap_done
