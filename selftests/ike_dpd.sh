#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Dead peer detection (RFC 3706): a client is killed with SIGKILL (no
# delete notify); the server's R-U-THERE go unanswered and its connection
# (SAs, policies, the RRI route) leaves the kernel within the configured
# time: dpd-interval + dpd-retries probes, plus slack for the emulator.
# Then the gateway is killed: the client's DPD removes its connection and
# the address and routes it had put on its host, in the same time.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

INTERVAL=4
RETRIES=2
ike_init
ike_users || skip_all "evsadm user add failed"
ike_topology
ike_conf_server "timers {
    dpd-interval $INTERVAL
    dpd-retries $RETRIES
}" >"$IKE_TMP/server.conf"
ike_conf_client "timers {
    dpd-interval $INTERVAL
    dpd-retries $RETRIES
}" >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd does not start"
ike_session_up "session up"
tap_check "server has the SA pair" test "$(ike_sa_count "$srv")" -eq 2
# A live peer answers: after three intervals the session is still there.
sleep $((INTERVAL * 3))
tap_check "a live peer keeps its SAs (R-U-THERE answered)" test "$(ike_sa_count "$srv")" -eq 2
tap_check "the server sent R-U-THERE and got the ACK" \
	sh -c "grep -q 'R-U-THERE-ACK' $IKE_TMP/server.log"
ike_kill client
t0=$(date +%s)
limit=$((INTERVAL + RETRIES * (INTERVAL < 5 ? INTERVAL : 5) + INTERVAL + 10))
while [ "$(ike_sa_count "$srv")" -ne 0 ] && [ $(($(date +%s) - t0)) -le $((limit + 30)) ]; do
	sleep 0.5
done
took=$(($(date +%s) - t0))
tap_diag "SAs gone after ${took}s (limit ${limit}s)"
if [ "$(ike_sa_count "$srv")" -eq 0 ] && [ "$took" -le "$limit" ]; then
	tap_ok "DPD removed the dead peer's SAs within ${limit}s"
else
	tap_fail "DPD removed the dead peer's SAs within ${limit}s"
	ike_diag server
fi
tap_check "server logged the dead peer" grep -q 'peer dead' "$IKE_TMP/server.log"
tap_check "no session left on the server" \
	sh -c "! evsadm --socket $IKE_TMP/server.sock ike show | grep -q '^ike '"
# The other way round: the gateway dies; the client's DPD removes its
# connection and, with it, the address and routes it had installed.
ip -n "$cli" -4 addr flush dev evs0	# the SIGKILLed client's leftovers
ip -n "$cli" -4 route flush proto 78
rm -f "$IKE_TMP/client.sock"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd does not start"
ike_session_up "second session up, address and split route on evs0"
# (the SIGKILLed first client's SAs are still in this kernel: count them)
sas_before=$(ike_sa_count "$cli")
ike_kill server
t0=$(date +%s)
while ! ike_client_clean "$cli" >/dev/null && [ $(($(date +%s) - t0)) -le $((limit + 30)) ]; do
	sleep 0.5
done
took=$(($(date +%s) - t0))
tap_diag "client's address and routes gone after ${took}s (limit ${limit}s)"
sas_after=$(ike_sa_count "$cli")
tap_diag "client SAs before ${sas_before}, after ${sas_after}"
if ike_client_clean "$cli" && [ "$took" -le "$limit" ] &&
   [ "$sas_after" -eq $((sas_before - 2)) ]; then
	tap_ok "client's DPD removed its SAs, address and routes within ${limit}s"
else
	tap_fail "client's DPD removed its SAs, address and routes within ${limit}s"
	ike_diag client
fi
tap_check "client logged the dead peer" grep -q 'peer dead' "$IKE_TMP/client.log"
tap_done
