#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hitless restart of the gateway's evsd with a libreswan client (issue 14,
# part 1; ops_restart does the same with vpnc): libreswan, with NAT-T forced
# (ESP in UDP 4500, as every client behind a NAT sends it), pings a LAN host
# every 50 ms while evsd is killed with SIGKILL and started again, and no
# ping is lost: evs.ko's stand-in socket takes the ESP-in-UDP while no evsd
# holds UDP 4500, bound next to evsd's at both ends (kernel/encap.c).  Then, on the adopted session: libreswan's Phase 1
# re-authentication (XAUTH again, no quick mode), which carries the session
# on past the old ISAKMP SA's end; a Phase 2 rekey that libreswan starts
# when its short lifetime runs out, answered by the new evsd with traffic
# flowing on; and a DPD timeout, run by the renewed ISAKMP SA, when
# libreswan dies without a word, which ends the session, its RRI route and
# its record.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/ops.sh"
. "$(dirname "$0")/lib/libreswan.sh"

ike_init
ls_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology
STATE=$IKE_TMP/state

# DPD at 3 s idle, 3 probes: the gateway finds a dead client within ~15 s.
ezv_server_conf "timers {
    dpd-interval 3
    dpd-retries 3
}" >"$IKE_TMP/server.conf"
start_gw none || skip_all "evsd does not start"

# libreswan answers the gateway's R-U-THERE only with DPD negotiated.  It
# cannot be told to rekey an IKEv1 connection ("cannot force rekey of IKEv1
# connection"): a short lifetime makes it rekey Phase 2 by itself 70 s
# after it connected, after the pings through the restart below.  Its
# ISAKMP SA lives 50 s: libreswan renews Phase 1 30 s after it connected,
# and the old SA ends at 50 s, both before that Phase 2 rekey (no time
# added).
ls_conf alice 'alice pw 1' dpddelay=30s dpdtimeout=120s dpdaction=clear \
	salifetime=90s ikelifetime=50s rekeymargin=20s rekeyfuzz=0% encapsulation=yes
ls_start "$cli"
if ! ls_connect; then
	tap_fail "libreswan connects"
	tail -n 30 "$LS/initiate.out" | tap_diag
	ls_diag
	tap_done
fi
a=$(ls_addr alice)
tap_check "libreswan connects, address $a with its RRI route" ezv_rri_wait "$srv" "$a"
ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$a" 192.168.77.2 >/dev/null 2>&1
# sas_in_udp: the gateway's SAs exist and are all ESP-in-UDP.
sas_in_udp() {
	ip netns exec "$srv" "$EVSADM" -j sa show | python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d and all(s.get("encap") for s in d) else 1)'
}
tap_check "the gateway's SAs are ESP-in-UDP (libreswan's encapsulation=yes)" sas_in_udp

# --- kill -9 under traffic ---------------------------------------------------
COUNT=300
restart_under_pings $COUNT "ls:$cli:$a"
tap_check "it adopts the session" wait_log 'state: 1 session adopted, 0 records removed' 30
ezv_pings_wait ls
# ESP in UDP crosses two socket handovers (evsd's socket to evs.ko's
# stand-in at the kill, back at the start); the sockets overlap at both
# (SO_REUSEPORT), so no ping may be lost.  With a few system calls of
# unbound port at each, 1 of 300 was; without the stand-in, 49 of 300.
got=$(ezv_pings_received ls)
tap_check "libreswan (NAT-T): $COUNT pings through the restart, none lost (${got:-no} received)" \
	test "${got:-0}" -eq $COUNT

# --- Phase 1 re-authentication of the adopted session, without quick mode -----
tap_check "libreswan's Phase 1 renewal carries the adopted session on" \
	wait_log 'carries on the session of' 60
tap_check "the old ISAKMP SA ends (its lifetime, or libreswan's delete)" \
	wait_log 'its session went on under a renewed Phase 1' 60
tap_check_fails "and the session does not end with it" \
	grep -q 'session end: user "alice"' "$IKE_TMP/server.log"
tap_check "its RRI route stays" ezv_rri_route "$srv" "$a"
tap_check "traffic flows on" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2

# --- Phase 2 rekey of the adopted session, started by the client -------------
# (counted in the log of the evsd that adopted it)
tap_check "a Phase 2 rekey of the adopted session completes on the gateway" \
	wait_log 'conn [0-9]* rekeyed' 120
tap_check "traffic flows on the new SAs" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2

# --- DPD: libreswan dies without a delete ------------------------------------
kill -KILL "$(cat "$IKE_TMP/pluto.bgpid")" 2>/dev/null
# its kernel state would answer nothing: pluto's xfrm SAs go too
ip netns exec "$cli" ip xfrm state flush
ip netns exec "$cli" ip xfrm policy flush
tap_check "the renewed ISAKMP SA declares the client dead (DPD) and ends the session" \
	wait_log "session end: user \"alice\" .*DPD" 60
tap_check_fails "its RRI route is gone" ezv_rri_route "$srv" "$a"
n=$(ls "$STATE"/*.json 2>/dev/null | wc -l)
tap_check "and its record ($n left)" test "$n" -eq 0
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { ls_diag; ezv_diag_server 200; }
ezv_no_crash "$IKE_TMP"/server*.log
tap_done
