#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An active/standby pair of gateways (issue 14, part 2; Documentation/ha.md).
#
#   cli 198.51.100.2 --+-- br0 (in cli) --+-- gwa 198.51.100.11   VIP 198.51.100.1
#   swc 198.51.100.3 --+                  +-- gwb 198.51.100.12   (keepalived)
#   lan 192.168.77.2 --+-- br1 (in lan) --+-- gwa 192.168.77.11   VIP 192.168.77.1
#   rtr 192.168.77.3 --+                  +-- gwb 192.168.77.12   HA sync (UDP 4510)
#
# FRR (zebra + ospfd) runs on both gateways and on an internal router
# (rtr): the active's RRI routes, redistributed into OSPF, tell rtr which
# gateway carries the clients (lib/frr.sh, as rri_frr).
# gwa's evsd and keepalived start first and become active; alice (vpnc, in
# cli) and bob (strongSwan, in swc) connect through the VIP; bob's ESP
# packets are captured; then gwb's evsd starts late and gets the full
# state.  Alice pings the LAN host every 50 ms while gwa dies (links down,
# evsd and keepalived killed): keepalived moves the VIPs to gwb, its notify
# script makes gwb's evsd active, which installs both sessions' SAs (the
# outbound sequence number moved forward, the inbound replay window at
# what gwa had received), RRI routes and proxy-ARP entries; the pings
# resume with no new Phase 1.  On gwb: bob's captured packet replayed is
# dropped as a replay, bob's new packets pass, bob rekeys Phase 2 (quick
# mode on the new active), gwb's DPD is answered.  Then gwa comes back as
# after a reboot: the standby, synced again, no session dropped; split
# brain; at the end both clients' deletes are handled by gwb.  rtr learns
# the clients' routes from gwa, then from gwb after the failover, and
# only from gwb once gwa is the standby again.
# evs-selftest-timeout: 1200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/ops.sh"
. "$(dirname "$0")/lib/frr.sh"

require_cmd keepalived swanctl
frr_require
CHARON=/usr/lib/ipsec/charon
[ -x "$CHARON" ] || skip_all "strongSwan charon not installed"
[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] ||
	skip_all "strongSwan xauth-generic plugin missing (libcharon-extauth-plugins)"
ezv_vpnc_init python3
. "$(dirname "$0")/lib/strongswan.sh"
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 2' || skip_all "evsadm user add failed"

netns_new cli swc lan gwa gwb rtr
ip -n "$cli" link add br0 type bridge
ip -n "$cli" addr add 198.51.100.2/24 dev br0
ip -n "$cli" link set br0 up
# bob's own namespace: charon and vpnc would both want UDP 500.
ip -n "$swc" link add e0 type veth peer name wswc netns "$cli"
ip -n "$cli" link set wswc master br0 up
ip -n "$swc" addr add 198.51.100.3/24 dev e0
ip -n "$swc" link set e0 up
ip -n "$lan" link add br1 type bridge
ip -n "$lan" addr add 192.168.77.2/24 dev br1
ip -n "$lan" link set br1 up
ip -n "$lan" route add default via 192.168.77.1
ip -n "$rtr" link add lan0 type veth peer name lrtr netns "$lan"
ip -n "$lan" link set lrtr master br1 up
ip -n "$rtr" addr add 192.168.77.3/24 dev lan0
ip -n "$rtr" link set lan0 up
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

# OSPF on the LAN: the gateways announce their RRI routes of the pool,
# rtr only listens.  Started first: the adjacencies form meanwhile.
FRR_DIR=$(mktemp -d /tmp/evs-frr.XXXXXX)
chmod 0755 "$FRR_DIR"
on_exit "rm -rf $FRR_DIR"
export FRR_OSPF_NET=broadcast
frr_start "$FRR_DIR" "$gwa" gwa lan0 192.168.77.11 "$(frr_pool_extra 10.77.0.0/16)" &&
	frr_start "$FRR_DIR" "$gwb" gwb lan0 192.168.77.12 "$(frr_pool_extra 10.77.0.0/16)" &&
	frr_start "$FRR_DIR" "$rtr" rtr lan0 192.168.77.3 ""
tap_result "FRR (zebra, ospfd) starts on gwa, gwb and rtr" $?
# rtr_via SECONDS GW ADDR...: within SECONDS, rtr's OSPF routes to every
# ADDR go through GW's address and no other.
rtr_via() {
	local end=$((SECONDS + $1)) gw=$2 a r ok
	shift 2
	while :; do
		ok=1
		for a in "$@"; do
			r=$(ip -n "$rtr" route show "$a" proto ospf)
			echo "$r" | grep -q "via $gw " && ! echo "$r" | grep -v "via $gw " | grep -q via ||
				ok=0
		done
		[ $ok = 1 ] && return 0
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

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

# bob: strongSwan's charon as an Easy VPN client (aggressive mode PSK with
# the group key, XAUTH, mode config), DPD every 5 s when idle.
EZV_SW_USER=bob EZV_SW_PASSWORD="bob pw 2" EZV_SW_LINE="dpd_delay = 5s" \
	ezv_sw_conf 198.51.100.3 198.51.100.1 0.0.0.0
bob_vip() {
	ip -n "$swc" -o -4 addr show | grep -o '10\.77\.0\.[0-9]*' | head -1
}
# esp_capture FILE: the first ESP packet bob sends to the VIP, its ESP
# header and payload as hex in FILE (in the background; wait for it).
# ETH_P_ALL: a socket bound to one protocol is not shown outgoing frames.
esp_capture() {
	ip netns exec "$swc" python3 -c '
import select, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("e0", 0))
open(sys.argv[1] + ".ready", "w").close()
end = time.time() + 30
while time.time() < end:
    if not select.select([s], [], [], 1)[0]:
        continue
    f, a = s.recvfrom(65535)
    ip = f[14:]
    if a[2] != socket.PACKET_OUTGOING or f[12:14] != b"\x08\x00" or ip[9] != 50 or \
       ip[16:20] != socket.inet_aton("198.51.100.1"):
        continue
    open(sys.argv[1], "w").write(ip[(ip[0] & 15) * 4:int.from_bytes(ip[2:4], "big")].hex())
    break
' "$1" &
	echo $! >"$1.pid"
}
# esp_replay FILE: send the captured packet again, from bob's address.
esp_replay() {
	ip netns exec "$swc" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
s.sendto(bytes.fromhex(open(sys.argv[1]).read()), ("198.51.100.1", 0))
' "$1"
}
# sa_stat NS SPI FIELD: the counter FIELD of NS's inbound SA SPI (hex).
sa_stat() {
	ip netns exec "$1" "$EVSADM" -s -j sa show dev evs0 | python3 -c "
import json, sys
for s in json.load(sys.stdin):
    if s.get('dir') == 'in' and s.get('spi') in (int('$2', 16), '0x$2', '$2'):
        print(s.get('stats', {}).get('$3', 0)); break
else:
    print('none')"
}
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
	EZV_VPNC=alice ezv_diag_vpnc
	sw_diag
	frr_diag "$FRR_DIR" gwa "$gwa" gwb "$gwb" rtr "$rtr"
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
# through_gwa NAME NS ADDR: NAME's RRI route on gwa, then NAME pings the
# LAN host from ADDR; the test ends here when it cannot.
through_gwa() {
	tap_diag "$1 $3"
	for _ in $(seq 100); do
		ezv_rri_route "$gwa" "$3" && break
		sleep 0.2
	done
	tap_check "$1 pings the LAN host through gwa" \
		ip netns exec "$2" ping -c 3 -i 0.3 -W 5 -I "$3" 192.168.77.2 && return
	gw_diag
	tap_done
}
a=$(addr_of alice)
through_gwa alice "$cli" "$a"

sw_start "$swc"
if sw_ctl --initiate --child lan --timeout 90 >"$IKE_TMP/sw/initiate.log" 2>&1; then
	tap_ok "bob (strongSwan) connects through the VIP"
else
	tap_fail "bob (strongSwan) connects through the VIP"
	tail -n 30 "$IKE_TMP/sw/initiate.log" | tap_diag
	gw_diag
	tap_done
fi
b=$(bob_vip)
through_gwa bob "$swc" "$b"
tap_check "rtr learns alice's and bob's routes from gwa (OSPF)" rtr_via 60 192.168.77.11 "$a" "$b"

# --- gwb starts late: the full state ------------------------------------------------
ike_start gwb "$gwb" "$IKE_TMP/gwb.conf" || { tap_fail "gwb's evsd starts"; gw_diag; tap_done; }
tap_check "gwb (late) gets the full state: 2 sessions held" \
	wait_for gwb 'ha: synced: 2 sessions held for a takeover' 30
tap_check "gwa sent it all on request" grep -q 'ha: sent the standby all 2 sessions' "$IKE_TMP/gwa.log"
ka_start gwb 100
sleep 3
tap_check_fails "gwb stays the standby" grep -q 'becoming active' "$IKE_TMP/gwb.log"
tap_check_fails "the standby installed nothing: no RRI route on gwb" ezv_rri_route "$gwb" "$a"
tap_check_fails "the standby installed nothing: no RRI route on gwb for bob" ezv_rri_route "$gwb" "$b"
tap_check "the standby's kernel holds no SA" \
	sh -c "test \"\$(ip netns exec $gwb $EVSADM -j sa show dev evs0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 0"
ha_show gwb >"$IKE_TMP/gwb.ha.json"
tap_diag "gwb: $(cat "$IKE_TMP/gwb.ha.json")"
tap_check "gwb: ha show: backup, synced, 2 records, its peer active" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.ha.json')); sys.exit(0 if d['role']=='backup' and d['synced'] and d['records']==2 and d['peer_role']=='master' else 1)"
tap_check "gwb: no sync datagram lost or out of order (gaps 0, replays 0)" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.ha.json')); sys.exit(0 if d['stats']['gaps']==0 and d['stats']['replays']==0 else 1)"
# Traffic gwa sent on alice's SA before the failover; one of bob's ESP
# packets to gwa captured (an attacker on the path could), and his
# traffic stops: the new active will see no packet of his before the
# replay.  2 s: gwa reports what its inbound SAs received.
esp_capture "$IKE_TMP/bob.esp"
for _ in $(seq 100); do [ -f "$IKE_TMP/bob.esp.ready" ] && break; sleep 0.2; done
ip netns exec "$swc" ping -q -c 20 -i 0.05 -I "$b" 192.168.77.2 >/dev/null 2>&1
wait "$(cat "$IKE_TMP/bob.esp.pid")"
tap_check "one of bob's ESP packets to gwa captured" test -s "$IKE_TMP/bob.esp"
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
if wait_for gwb 'ha: active: 2 sessions taken over, 0 failed' 40; then
	t1=$(date +%s.%N)
	tap_ok "gwb becomes active and takes alice's and bob's sessions over"
	tap_diag "takeover $(python3 -c "print(round($t1 - $t0, 1))") s after the kill"
else
	tap_fail "gwb becomes active and takes alice's and bob's sessions over"
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
tap_check "rtr learns alice's and bob's routes from gwb now (OSPF)" rtr_via 60 192.168.77.12 "$a" "$b"
ip -n "$rtr" route show proto ospf | tap_diag
tap_check "gwb has alice's proxy-ARP entry on lan0" \
	sh -c "ip -n $gwb neigh show proxy dev lan0 | grep -q '^$a '"
oseq_b=$(ip netns exec "$gwb" "$EVSADM" -j sa show dev evs0 | python3 -c 'import json,sys; print(max([s.get("oseq",0) for s in json.load(sys.stdin) if s.get("dir")=="out"] or [0]))')
tap_diag "gwb's outbound SA: oseq $oseq_b (gwa's was $oseq_a)"
tap_check "the outbound sequence number moved forward past the margin" \
	test "$oseq_b" -gt $((oseq_a + 2000000))
ike_ctl gwb -j session show >"$IKE_TMP/gwb.sessions"
tap_check "gwb's session show: alice and bob with their addresses" \
	python3 -c "import json,sys; d=json.load(open('$IKE_TMP/gwb.sessions')); sys.exit(0 if sorted((s['user'], s['address']) for s in d)==[('alice', '$a'), ('bob', '$b')] else 1)"

# --- on the new active: a replay, bob's new packets, his rekey, DPD ------------
spi_b=$(cut -c1-8 "$IKE_TMP/bob.esp")
seq_b=$(cut -c9-16 "$IKE_TMP/bob.esp")
tap_diag "bob's captured packet: SPI $spi_b, sequence number $((16#${seq_b:-0}))"
grep 'taken over: SPI' "$IKE_TMP/gwb.log" | tap_diag
replays0=$(sa_stat "$gwb" "$spi_b" drop_replay)
esp_replay "$IKE_TMP/bob.esp"
sleep 1
replays1=$(sa_stat "$gwb" "$spi_b" drop_replay)
tap_diag "gwb's inbound SA $spi_b: drop_replay $replays0 -> $replays1"
replay_counted() {
	case "$replays0.$replays1" in
	[0-9]*.[0-9]*) [ "$replays1" -gt "$replays0" ] ;;
	*) return 1 ;;
	esac
}
tap_check "bob's packet from before the failover, replayed into gwb, is dropped as a replay" \
	replay_counted
tap_check "bob's new packets pass: bob pings the LAN host through gwb" \
	ip netns exec "$swc" ping -c 3 -i 0.3 -W 5 -I "$b" 192.168.77.2
sw_ctl --rekey --child lan >"$IKE_TMP/sw/rekey.log" 2>&1
tap_check "bob's Phase 2 rekey (quick mode, client-initiated) completes on gwb" \
	wait_for gwb 'conn [0-9]* rekeyed' 40
tap_check "bob pings the LAN host through gwb after the rekey" \
	ip netns exec "$swc" ping -c 3 -i 0.3 -W 5 -I "$b" 192.168.77.2
tap_check "gwb's DPD probe is answered (R-U-THERE-ACK)" wait_for gwb 'R-U-THERE-ACK' 40
tap_check "gwb answers the client's DPD probe (bob's charon)" wait_for gwb 'R-U-THERE [0-9]*, acknowledging' 40
tap_check_fails "no DPD acknowledgement taken as stale" grep -q 'stale R-U-THERE-ACK' "$IKE_TMP/gwb.log"

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
tap_check "gwa comes back as the standby and resyncs (2 sessions)" \
	wait_for gwa 'ha: synced: 2 sessions held for a takeover' 30
sleep 4
tap_check "gwb stays active (nopreempt)" sh -c "! grep -q 'becoming the standby' $IKE_TMP/gwb.log"
tap_check "alice still pings the LAN host" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2
tap_check "bob still pings the LAN host" \
	ip netns exec "$swc" ping -c 3 -i 0.3 -W 5 -I "$b" 192.168.77.2

# --- split brain: gwa told to be active too; then the standby again --------------
ike_ctl gwa daemon ha master >/dev/null
tap_check "gwa forced active takes both sessions into its kernel too" \
	wait_for gwa 'ha: active: 2 sessions taken over, 0 failed' 20
tap_check "split brain detected and logged on gwb" wait_for gwb 'ha: split brain: the peer is active too' 10
tap_check "split brain detected and logged on gwa" wait_for gwa 'ha: split brain: the peer is active too' 10
n_sync=$(grep -c 'ha: synced: 2 sessions held' "$IKE_TMP/gwa.log")
ike_ctl gwa daemon ha backup >/dev/null
t_backup=$(date +%s.%N)
handed_both() {
	wait_for gwa 'session end: user "bob" .*: handed over' 20 &&
		wait_for gwa 'session end: user "alice" .*: handed over' 5
}
tap_check "gwa, the standby again, hands alice's and bob's sessions over" handed_both
tap_check_fails "gwa's kernel no longer has alice's route" ezv_rri_route "$gwa" "$a"
tap_check "the handover sent no delete: alice's vpnc lives on" \
	kill -0 "$(cat "$IKE_TMP/alice.bgpid")"
resynced() {
	test "$(grep -c 'ha: synced: 2 sessions held' "$IKE_TMP/gwa.log")" -gt "$n_sync"
}
# The standby asks for the whole state once a second; under emulation on
# a busy host the answer can take tens of seconds.
for _ in $(seq 300); do resynced && break; sleep 0.2; done
tap_check "gwa resyncs from gwb" resynced
tap_diag "gwa resynced within $(python3 -c "print(round($(date +%s.%N) - $t_backup, 1))") s of becoming the standby"
# The active's view: its standby's HELLO says it holds a complete copy.
gwb_sees_synced() {
	ha_show gwb | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if d['role']=='master' and d['synced'] else 1)"
}
for _ in $(seq 25); do gwb_sees_synced && break; sleep 0.2; done
tap_check "gwb's ha show: active, its standby synced" gwb_sees_synced
tap_check "alice pings the LAN host through gwb" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2
tap_check "rtr's routes to alice and bob go only through gwb again" \
	rtr_via 30 192.168.77.12 "$a" "$b"

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

# --- a reload re-reads the ha section (key file, seq-rate); sessions stay -------
sed -i 's/key-file /seq-rate 3000000\n    key-file /' "$IKE_TMP/gwb.conf"
kill -HUP "$(cat "$IKE_TMP/gwb.pid")"
tap_check "gwb's reload applies the ha section's new seq-rate" \
	wait_for gwb 'ha: reloaded: .*seq-rate 3000000' 20
tap_check "alice pings the LAN host through gwb after the reload" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$a" 192.168.77.2

# --- the clients leave: gwb handles their deletes ---------------------------------
tap_check "bob (strongSwan) disconnects" sw_ctl --terminate --ike evs --timeout 30
tap_check "gwb ends bob's session on his delete" \
	wait_for gwb 'session end: user "bob" .*: client delete' 20
EZV_VPNC=alice ezv_vpnc_stop TERM
tap_check "gwb ends alice's session on vpnc's delete" \
	wait_for gwb 'session end: user "alice" .*: client delete' 20
routes_gone() {
	for _ in $(seq 50); do
		ezv_rri_route "$gwb" "$a" || ezv_rri_route "$gwb" "$b" || return 0
		sleep 0.2
	done
	return 1
}
tap_check "gwb's kernel no longer has their RRI routes" routes_gone

[ $_tap_failed -eq 0 ] || gw_diag
if cat "$IKE_TMP"/gw*.log | grep -qi 'sanitizer\|segfault'; then
	tap_fail "no crash in evsd"
else
	tap_ok "no crash in evsd"
fi
tap_done
