#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An active/standby pair of gateways (issue 14, part 2; Documentation/ha.md).
#
#   cli 198.51.100.2 --+-- br0 (in cli) --+-- gwa 198.51.100.11   VIP 198.51.100.1
#                                         +-- gwb 198.51.100.12   (keepalived)
#   lan 192.168.77.2 --+-- br1 (in lan) --+-- gwa 192.168.77.11   VIP 192.168.77.1
#                                         +-- gwb 192.168.77.12   HA sync (UDP 4510)
#
# gwa's evsd and keepalived start first and become active; alice (vpnc)
# connects through the VIP; then gwb's evsd starts late and gets the full
# state.  Alice pings the LAN host every 50 ms while gwa dies (links down,
# evsd and keepalived killed): keepalived moves the VIPs to gwb, its notify
# script makes gwb's evsd active, which installs alice's SAs (the outbound
# sequence number moved forward), RRI route and proxy-ARP entry; the pings
# resume with no new Phase 1.  Then gwa comes back as after a reboot: the
# standby, synced again, no session dropped.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/ops.sh"

require_cmd keepalived
ezv_vpnc_init python3
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"

netns_new cli lan gwa gwb
ip -n "$cli" link add br0 type bridge
ip -n "$cli" addr add 198.51.100.2/24 dev br0
ip -n "$cli" link set br0 up
ip -n "$lan" link add br1 type bridge
ip -n "$lan" addr add 192.168.77.2/24 dev br1
ip -n "$lan" link set br1 up
ip -n "$lan" route add default via 192.168.77.1
i=11
for gw in gwa gwb; do
	ns=${!gw}
	ip -n "$ns" link add wan0 type veth peer name w$gw netns "$cli"
	ip -n "$ns" link add lan0 type veth peer name l$gw netns "$lan"
	ip -n "$cli" link set w$gw master br0 up
	ip -n "$lan" link set l$gw master br1 up
	ip -n "$ns" addr add 198.51.100.$i/24 dev wan0
	ip -n "$ns" addr add 192.168.77.$i/24 dev lan0
	ip -n "$ns" link set wan0 up
	ip -n "$ns" link set lan0 up
	ip -n "$ns" link add evs0 type evs
	ip -n "$ns" link set evs0 up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	# evsd listens on the VIP, which only the active holds.
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_nonlocal_bind=1
	i=$((i + 1))
done

KEY=$IKE_TMP/ha.key
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY"
chmod 600 "$KEY"

# gw_conf PEER_IP LOCAL_IP
gw_conf() {
	ezv_server_conf "ha {
    peer $1
    local $2
    key-file $KEY
}"
}
gw_conf 192.168.77.12 192.168.77.11 >"$IKE_TMP/gwa.conf"
gw_conf 192.168.77.11 192.168.77.12 >"$IKE_TMP/gwb.conf"

# ka_start NAME PRIORITY: keepalived in NAME's namespace; both start as
# BACKUP with nopreempt, the higher priority wins the first election.
ka_start() {
	local name=$1 ns=${!1}
	cat >"$IKE_TMP/$name.ka.conf" <<EOF
global_defs {
    script_user root
}
vrrp_instance VI {
    state BACKUP
    nopreempt
    interface wan0
    virtual_router_id 51
    priority $2
    advert_int 1
    virtual_ipaddress {
        198.51.100.1/24 dev wan0
        192.168.77.1/24 dev lan0
    }
    notify_master "$EVSADM --socket $IKE_TMP/$name.sock daemon ha master"
    notify_backup "$EVSADM --socket $IKE_TMP/$name.sock daemon ha backup"
    notify_fault "$EVSADM --socket $IKE_TMP/$name.sock daemon ha backup"
}
EOF
	ip netns exec "$ns" keepalived -n -l -D -P -f "$IKE_TMP/$name.ka.conf" \
		-p "$IKE_TMP/$name.ka.pid" -r "$IKE_TMP/$name.vrrp.pid" \
		>"$IKE_TMP/$name.ka.log" 2>&1 &
	echo $! >"$IKE_TMP/$name.ka.bgpid"
}

ka_kill() {
	local f=$IKE_TMP/$1.ka.bgpid
	[ -f "$f" ] || return 0
	kill -KILL "$(cat "$f")" 2>/dev/null
	[ -f "$IKE_TMP/$1.vrrp.pid" ] && kill -KILL "$(cat "$IKE_TMP/$1.vrrp.pid")" 2>/dev/null
	wait "$(cat "$f")" 2>/dev/null
	rm -f "$f"
}
on_exit "ka_kill gwa; ka_kill gwb; EZV_VPNC=alice ezv_vpnc_stop KILL"
# EVS_HA_LOGS=DIR (under the project, which the VM writes): keep the logs.
[ -n "${EVS_HA_LOGS:-}" ] && on_exit "mkdir -p $EVS_HA_LOGS; cp $IKE_TMP/*.log $IKE_TMP/*.conf $EVS_HA_LOGS/"

ha_show() {
	ike_ctl "$1" -j daemon ha show
}

# wait_for NAME PATTERN SECONDS: PATTERN in NAME's evsd log.
wait_for() {
	WAIT_LOG=$1 wait_log "$2" "$3"
}

gw_diag() {
	local n
	for n in gwa gwb; do
		echo "# --- $n evsd (last 60 lines) ---"
		tail -n 60 "$IKE_TMP/$n.log" | tap_diag
		echo "# --- $n keepalived (last 15 lines) ---"
		tail -n 15 "$IKE_TMP/$n.ka.log" | tap_diag
	done
	ezv_diag_vpnc
}

# --- gwa alone: active, alice connects -----------------------------------------
ike_start gwa "$gwa" "$IKE_TMP/gwa.conf" || { tap_fail "gwa's evsd starts"; tap_done; }
tap_check "gwa's evsd starts as the standby" wait_for gwa 'ha: standby' 10
ka_start gwa 150
tap_check "keepalived makes gwa active" wait_for gwa 'ha: active: 0 sessions taken over' 30
tap_check "gwa holds the VIP" sh -c "ip -n $gwa addr show dev wan0 | grep -q 198.51.100.1/24"

EZV_VPNC=alice EZV_VPNC_NS=$cli EZV_VPNC_IF=tun0 ezv_vpnc_start alice 'alice pw 1'
if EZV_VPNC=alice ezv_vpnc_wait 90; then
	tap_ok "alice connects through the VIP"
else
	tap_fail "alice connects through the VIP"
	gw_diag
	tap_done
fi
a=$(addr_of alice)
tap_diag "alice $a"
for _ in $(seq 100); do
	ezv_rri_route "$gwa" "$a" && break
	sleep 0.2
done
if ! tap_check "alice pings the LAN host through gwa" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2; then
	gw_diag
	tap_done
fi

# --- gwb starts late: the full state ------------------------------------------------
ike_start gwb "$gwb" "$IKE_TMP/gwb.conf" || { tap_fail "gwb's evsd starts"; gw_diag; tap_done; }
tap_check "gwb (late) gets the full state: 1 session held" \
	wait_for gwb 'ha: synced: 1 session held for a takeover' 30
tap_check "gwa sent it all on request" grep -q 'ha: sent the standby all 1 session' "$IKE_TMP/gwa.log"
ka_start gwb 100
sleep 3
tap_check_fails "gwb stays the standby" grep -q 'becoming active' "$IKE_TMP/gwb.log"
tap_check_fails "the standby installed nothing: no RRI route on gwb" ezv_rri_route "$gwb" "$a"
tap_check "the standby's kernel holds no SA" \
	sh -c "test \"\$(ip netns exec $gwb $EVSADM -j sa show dev evs0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 0"
ha_show gwb >"$IKE_TMP/gwb.ha.json"
tap_diag "gwb: $(cat "$IKE_TMP/gwb.ha.json")"
tap_check "gwb: ha show: backup, synced, 1 record, its peer active" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.ha.json')); sys.exit(0 if d['role']=='backup' and d['synced'] and d['records']==1 and d['peer_role']=='master' else 1)"
tap_check "gwb: no sync datagram lost or out of order (gaps 0, replays 0)" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.ha.json')); sys.exit(0 if d['stats']['gaps']==0 and d['stats']['replays']==0 else 1)"
# Traffic gwa sent on alice's SA before the failover.
ip netns exec "$cli" ping -q -c 20 -i 0.05 -I "$a" 192.168.77.2 >/dev/null 2>&1
sleep 2
oseq_a=$(ip netns exec "$gwa" "$EVSADM" -j sa show dev evs0 | python3 -c 'import json,sys; print(max([s.get("oseq",0) for s in json.load(sys.stdin) if s.get("dir")=="out"] or [0]))')
tap_diag "gwa's outbound SA: oseq $oseq_a"

# --- gwa dies under traffic -----------------------------------------------------
COUNT=400
ip netns exec "$cli" ping -c $COUNT -i 0.05 -W 1 -I "$a" 192.168.77.2 >"$IKE_TMP/ping" 2>&1 &
ping_pid=$!
sleep 3
ip -n "$gwa" link set wan0 down
ip -n "$gwa" link set lan0 down
ka_kill gwa
ike_kill gwa
t0=$(date +%s.%N)
tap_diag "gwa down (links down, evsd and keepalived killed)"
if wait_for gwb 'ha: active: 1 session taken over, 0 failed' 40; then
	t1=$(date +%s.%N)
	tap_ok "gwb becomes active and takes alice's session over"
	tap_diag "takeover $(python3 -c "print(round($t1 - $t0, 1))") s after the kill"
else
	tap_fail "gwb becomes active and takes alice's session over"
	gw_diag
	tap_done
fi
wait $ping_pid
tap_diag "$(grep 'packets transmitted' "$IKE_TMP/ping")"
rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$IKE_TMP/ping")
lost=$((COUNT - ${rx:-0}))
tap_diag "ping gap: $lost pings lost at 50 ms: $((lost * 50)) ms"
tap_check "pings resumed through gwb (gap under 15 s under emulation)" \
	test "${rx:-0}" -gt 0 -a "$lost" -lt 300
tap_check "alice still pings the LAN host through gwb" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2
tap_check "alice's vpnc lives on (the same session)" \
	kill -0 "$(cat "$IKE_TMP/alice.bgpid")"
tap_check_fails "no new Phase 1 on gwb" grep -q 'Phase 1 .* established' "$IKE_TMP/gwb.log"
tap_check_fails "no new XAUTH login on gwb" grep -q 'xauth: user "alice" .* accepted' "$IKE_TMP/gwb.log"
tap_check "gwb has alice's RRI route" ezv_rri_route "$gwb" "$a"
tap_check "gwb has alice's proxy-ARP entry on lan0" \
	sh -c "ip -n $gwb neigh show proxy dev lan0 | grep -q '^$a '"
oseq_b=$(ip netns exec "$gwb" "$EVSADM" -j sa show dev evs0 | python3 -c 'import json,sys; print(max([s.get("oseq",0) for s in json.load(sys.stdin) if s.get("dir")=="out"] or [0]))')
tap_diag "gwb's outbound SA: oseq $oseq_b (gwa's was $oseq_a)"
tap_check "the outbound sequence number moved forward past the margin" \
	test "$oseq_b" -gt $((oseq_a + 2000000))
ike_ctl gwb -j session show >"$IKE_TMP/gwb.sessions"
tap_check "gwb's session show: alice with her address" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.sessions')); sys.exit(0 if [(s['user'], s['address']) for s in d]==[('alice', '$a')] else 1)"

# --- gwa comes back, as after a reboot: the standby, synced again ----------------
ip -n "$gwa" link del evs0
ip -n "$gwa" link add evs0 type evs
ip -n "$gwa" link set evs0 up
rm -rf "$IKE_TMP/gwa.state" "$IKE_TMP/gwa.state.ha-role"
ip -n "$gwa" link set wan0 up
ip -n "$gwa" link set lan0 up
mv "$IKE_TMP/gwa.log" "$IKE_TMP/gwa.1.log"
ike_start gwa "$gwa" "$IKE_TMP/gwa.conf" || tap_fail "gwa's evsd starts again"
ka_start gwa 150
tap_check "gwa comes back as the standby and resyncs (1 session)" \
	wait_for gwa 'ha: synced: 1 session held for a takeover' 30
sleep 4
tap_check "gwb stays active (nopreempt)" sh -c "! grep -q 'becoming the standby' $IKE_TMP/gwb.log"
tap_check "alice still pings the LAN host" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2

# --- split brain: gwa told to be active too; then the standby again --------------
ike_ctl gwa daemon ha master >/dev/null
tap_check "gwa forced active takes alice's session into its kernel too" \
	wait_for gwa 'ha: active: 1 session taken over, 0 failed' 20
tap_check "split brain detected and logged on gwb" wait_for gwb 'ha: split brain: the peer is active too' 10
tap_check "split brain detected and logged on gwa" wait_for gwa 'ha: split brain: the peer is active too' 10
n_sync=$(grep -c 'ha: synced: 1 session held' "$IKE_TMP/gwa.log")
ike_ctl gwa daemon ha backup >/dev/null
tap_check "gwa, the standby again, hands alice's session over" \
	wait_for gwa 'session end: user "alice" .*: handed over' 20
tap_check_fails "gwa's kernel no longer has alice's route" ezv_rri_route "$gwa" "$a"
tap_check "the handover sent no delete: alice's vpnc lives on" \
	kill -0 "$(cat "$IKE_TMP/alice.bgpid")"
resynced() {
	test "$(grep -c 'ha: synced: 1 session held' "$IKE_TMP/gwa.log")" -gt "$n_sync"
}
for _ in $(seq 100); do resynced && break; sleep 0.2; done
tap_check "gwa resyncs from gwb" resynced
tap_check "alice pings the LAN host through gwb" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2

# --- a hostile datagram on the sync port: counted, nothing held ------------------
ip netns exec "$gwa" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.168.77.11', 0))
s.sendto(b'EVH1' + b'\x02' + b'\0' * 200, ('192.168.77.12', 4510))
"
sleep 1
ha_show gwb >"$IKE_TMP/gwb.ha2.json"
tap_diag "gwb: $(cat "$IKE_TMP/gwb.ha2.json")"
tap_check "gwb: a forged datagram fails authentication and is counted" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.ha2.json')); sys.exit(0 if d['stats']['bad_auth']>=1 and d['role']=='master' else 1)"

[ $_tap_failed -eq 0 ] || gw_diag
if cat "$IKE_TMP"/gw*.log | grep -qi 'sanitizer\|segfault'; then
	tap_fail "no crash in evsd"
else
	tap_ok "no crash in evsd"
fi
tap_done
