#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Phase 2 rekey under traffic: with a 120 s lifetime the client rekeys
# at about 90% of it; a ping every 50 ms runs across the rekey and loses
# none (the new pair is keyed on each side before the other sends on it,
# and the policies move in one step); the old SA pair is deleted
# afterwards on both sides.
# The client's address and split route (clientcfg) stay through the rekey
# and go when the client stops.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
ike_users || skip_all "evsadm user add failed"
ike_topology
ike_conf_server "crypto ipsec security-association lifetime seconds 120" \
	>"$IKE_TMP/server.conf"
ike_conf_client >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd does not start"
ike_session_up "session up, address and split route on evs0"
spi0=$(ike_ctl client sessions | sed -n 's/.*spi_out=\([0-9a-f]*\).*/\1/p')
tap_diag "outbound SPI before: $spi0"
# 150 s of pings every 50 ms: the rekey falls inside.
n=3000
ip netns exec "$cli" ping -q -c $n -i 0.05 -W 2 192.168.77.2 >"$IKE_TMP/ping.out" 2>&1
tap_diag <"$IKE_TMP/ping.out"
spi1=$(ike_ctl client sessions | sed -n 's/.*spi_out=\([0-9a-f]*\).*/\1/p')
tap_diag "outbound SPI after: $spi1"
tap_check "the connection was rekeyed (new outbound SPI)" test -n "$spi1" -a "$spi0" != "$spi1"
tap_check "the client logged the rekey" grep -q 'rekeyed' "$IKE_TMP/client.log"
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$IKE_TMP/ping.out")
lost=$((n - ${rx:-0}))
tap_diag "lost $lost of $n"
tap_check "no packet lost across the rekey" test "$lost" -eq 0
tap_check "old SA pair deleted on the client (2 SAs left)" test "$(ike_sa_count "$cli")" -eq 2
# The client's Delete reaches the server as the client drops its pair.
for _ in $(seq 50); do
	[ "$(ike_sa_count "$srv")" -eq 2 ] && break
	sleep 0.2
done
if ! tap_check "old SA pair deleted on the server (2 SAs left)" test "$(ike_sa_count "$srv")" -eq 2; then
	ip netns exec "$srv" "$EVS_TOP/userspace/evsadm/evsadm" sa show 2>&1 | tap_diag
	grep -iE 'delete|rekey|expire|quick' "$IKE_TMP/server.log" | tail -n 30 | tap_diag
	grep -iE 'delete|rekey|expire|quick' "$IKE_TMP/client.log" | tail -n 30 | tap_diag
fi
inner=$(ike_client_inner client)
tap_check "client's address still on evs0 after the rekey" ike_client_has_addr "$cli" "$inner"
tap_check "client's split route still in place after the rekey" \
	ike_client_has_route "$cli" 192.168.77.0/24 "$inner"
tap_check_fails "client never removed them during the rekey" \
	grep -Eq 'client: (route|address|PAT).* removed' "$IKE_TMP/client.log"
ike_stop client
tap_check "client removed its address and routes when it stopped" ike_client_clean "$cli"
tap_done
