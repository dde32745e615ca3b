#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The gateway's evsd under a real systemd (issue 14, part 1): systemd 252
# runs as PID 1 of its own PID, mount and cgroup namespaces (a container,
# `container=` set) with a private /run, a few units of its own and no
# other: D-Bus (dbus.socket, dbus.service, as Debian ships them) and
# evsd.service made from packaging/evsd.service.in for the tree's evsd.
# A strongSwan client (aggressive mode, XAUTH, mode config) pings a LAN host
# every 50 ms through:
#  1. `systemctl restart evsd`: evsd asks systemd over D-Bus for its unit's
#     job (restart), keeps the session; the new evsd adopts it: the same
#     session, no delete at the client, no ping lost;
#  2. a Phase 2 rekey strongSwan starts on the adopted session;
#  3. `systemctl kill -s KILL evsd`: Restart=on-failure starts evsd again,
#     which adopts the session, no ping lost;
#  4. `systemctl stop evsd`: the job is a stop: the client gets the delete,
#     the kernel connection, the RRI route and the record are gone.
# The drop-in changes only what the VM needs (below); the sandbox is the
# shipped one.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/ops.sh"
. "$(dirname "$0")/lib/strongswan.sh"

SYSTEMD=/lib/systemd/systemd
[ -x $SYSTEMD ] || skip_all "no systemd"
[ -f /lib/systemd/system/dbus.service ] || skip_all "no dbus (the system bus) installed"
require_cmd unshare nsenter systemctl
[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] || skip_all "no cgroup2 at /sys/fs/cgroup"
sw_require_xauth
ike_init
ezv_user alice 'alice pw 1' || skip_all "evsadm user add failed"
ike_topology

# --- systemd in a container -----------------------------------------------------
SD=$IKE_TMP/sd
mkdir -p "$SD/units/evsd.service.d" "$SD/etc"
# evsd.conf where the unit looks for it (/etc/evs, bound there in the
# container only), with its user database beside it: PrivateTmp= hides
# the test's /tmp from evsd.
cp "$IKE_TMP/users" "$SD/etc/users"
ezv_server_conf | sed "s|^user-database .*|user-database /etc/evs/users|" >"$SD/etc/evsd.conf"
chmod 600 "$SD/etc/evsd.conf" "$SD/etc/users"
# The shipped unit, for the tree's evsd.
sed "s|@SBINDIR@|$(dirname "$EVSD")|g" "$EVS_TOP/packaging/evsd.service.in" \
	>"$SD/units/evsd.service"
# What differs in the VM:
#  - evsd runs in the test's gateway namespace;
#  - its log goes to a file (no journald here);
#  - the tree's evs.ko is loaded by the test, not installed: modprobe would
#    not find it, so ExecStartPre is the configuration check alone;
#  - RestartSec 1 s instead of 5 s, to keep the test short.
cat >"$SD/units/evsd.service.d/test.conf" <<EOF
[Service]
NetworkNamespacePath=/run/netns/srv
StandardOutput=append:$IKE_TMP/server.log
StandardError=inherit
ExecStartPre=
ExecStartPre=$EVSD --check-config
RestartSec=1s
EOF
# The targets every unit's default dependencies name, empty: nothing of the
# VM's root beyond D-Bus and evsd starts.
for t in sysinit basic sockets shutdown network-online; do
	printf '[Unit]\nDescription=%s (empty)\n' $t >"$SD/units/$t.target"
done
printf '[Unit]\nDescription=ops_systemd\nWants=dbus.socket dbus.service\n' \
	>"$SD/units/evs-test.target"
for u in dbus.socket dbus.service; do
	cp "/lib/systemd/system/$u" "$SD/units/"
done
# PID 1 of the container: its cgroup tree (a child of the VM's, its root
# in the new cgroup namespace), /run private (the gateway's netns file
# bound into it), /etc/evs, no generators; then systemd.
cat >"$SD/boot.sh" <<EOF
set -e
umount /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 cgroup2 /sys/fs/cgroup
touch $SD/netns
mount --bind /run/netns/$srv $SD/netns
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir /run/netns
touch /run/netns/srv
mount --bind $SD/netns /run/netns/srv
mount --bind $SD/etc /etc/evs
mount -t tmpfs tmpfs /lib/systemd/system-generators
exec env -i container=evs-selftest SYSTEMD_UNIT_PATH=$SD/units \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	$SYSTEMD --system --unit=evs-test.target --log-target=console --show-status=no
EOF
made_etc=
[ -d /etc/evs ] || { mkdir /etc/evs && made_etc=1; }
CG=/sys/fs/cgroup/evs-systemd-$$
mkdir "$CG"
(echo 0 >"$CG/cgroup.procs" &&
	exec unshare --pid --fork --mount --mount-proc --cgroup --propagation private \
		/bin/bash "$SD/boot.sh") >"$SD/systemd.log" 2>&1 </dev/null &
upid=$!
# shellcheck disable=SC2317
sd_down() {
	[ -n "${SDPID:-}" ] && kill -KILL "$SDPID"
	wait "$upid"
	find "$CG" -depth -type d -exec rmdir {} \;
	[ -z "$made_etc" ] || rmdir /etc/evs
}
on_exit sd_down
SDPID=
for _ in $(seq 50); do
	SDPID=$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{ print $1 }')
	[ -n "$SDPID" ] && break
	sleep 0.1
done
sd() {
	nsenter -t "$SDPID" -m -p "$@"
}
sc() {
	sd systemctl "$@"
}
RUN=/proc/$SDPID/root/run
ctl() {
	"$EVSADM" --socket "$RUN/evs/evsd.sock" "$@"
}
records() {
	ls "$RUN/evs/state/"*.json 2>/dev/null | wc -l
}
# charon (the client) starts while systemd boots: both are slow under TCG.
sw=$IKE_TMP/sw
ezv_sw_conf 198.51.100.2 198.51.100.1 0.0.0.0
ezv_sw_start
up=
t=$((SECONDS + 60))
while [ $SECONDS -lt $t ]; do
	sc is-active --quiet dbus.service 2>/dev/null && { up=1; break; }
	sleep 0.5
done
if [ -z "$up" ]; then
	tap_fail "systemd with D-Bus comes up in a container"
	tail -n 30 "$SD/systemd.log" | tap_diag
	tap_done
fi
tap_diag "$(sc --version | head -1) is PID 1 of a container, D-Bus up ($SECONDS s into the test)"

if ! sc start evsd; then
	tap_fail "systemctl start evsd"
	sc status evsd 2>&1 | tap_diag
	tail -n 30 "$SD/systemd.log" "$IKE_TMP/server.log" | tap_diag
	tap_done
fi
tap_check "systemctl start evsd: active (Type=notify, READY=1)" sc is-active --quiet evsd

if ! sw_ctl --initiate --child lan --timeout 90 >"$sw/initiate.log" 2>&1; then
	tap_fail "strongSwan connects"
	tail -n 40 "$sw/initiate.log" | tap_diag
	sw_diag
	ezv_diag_server 100
	tap_done
fi
vip=$(ip -n "$cli" -o -4 addr show | grep -o '10\.77\.0\.[0-9]*' | head -1)
tap_check "strongSwan connects (aggressive, XAUTH, mode config: $vip), the RRI route" \
	ezv_rri_wait "$srv" "$vip"
ip netns exec "$cli" ping -c 2 -i 0.3 -W 5 -I "$vip" 192.168.77.2 >/dev/null 2>&1
session() {
	ctl -j session show | python3 -c 'import json, sys
print(" ".join("%s:%s:%s:%s" % (s["id"], s["user"], s["address"], s["peer"])
               for s in json.load(sys.stdin)))'
}
s0=$(session)
tap_diag "session: $s0 ($SECONDS s into the test)"

# pings_through COUNT LOST LABEL CMD...: CMD while COUNT pings (50 ms
# apart) run, at most LOST of them unanswered; CMD done before the last.
pings_through() {
	local count=$1 lost=$2 what=$3 t=$SECONDS got
	shift 3
	ezv_pings_start "$count" "sw:$cli:$vip"
	sleep 2
	"$@"
	tap_result "$what ($((SECONDS - t - 2)) s)" $?
	tap_check "... while the pings still ran" kill -0 "$(cat "$IKE_TMP/ping.sw.pid")"
	ezv_pings_wait sw
	got=$(ezv_pings_received sw)
	tap_check "$count pings 50 ms apart through it, at most $lost lost (${got:-no} answered)" \
		test "${got:-0}" -ge $((count - lost)) || drops_diag
}
# Where lost pings went: the gateway's evs0 drop counters and both ends'
# xfrm error counters (raw ESP evs.ko does not take goes on to xfrm).
drops_diag() {
	"$EVS_TOP/userspace/evsadm/evsadm" -n "$srv" -s -j link show dev evs0 | tap_diag
	ip netns exec "$srv" awk '$2 != 0 { print "gateway " $0 }' /proc/net/xfrm_stat | tap_diag
	ip netns exec "$cli" awk '$2 != 0 { print "client " $0 }' /proc/net/xfrm_stat | tap_diag
}
adoptions() {
	grep -c 'state: 1 session adopted, 0 records removed' "$IKE_TMP/server.log"
}

# --- 1. systemctl restart --------------------------------------------------------
pings_through 240 0 "systemctl restart evsd" sc restart evsd
tap_check "the old evsd found a restart job (D-Bus: GetUnitByPID, Job, JobType)" \
	grep -q 'SIGTERM: systemd restarts the unit' "$IKE_TMP/server.log"
tap_check "the new evsd adopted the session (one adoption line)" test "$(adoptions)" = 1
tap_check "the same session ($(session))" test "$(session)" = "$s0"
tap_check_fails "no delete reached strongSwan" grep -q 'received DELETE' "$sw/charon.log"
tap_check "RuntimeDirectoryPreserve: the session's record stays in /run/evs/state" \
	test "$(records)" = 1

# --- 2. a Phase 2 rekey by strongSwan on the adopted session ----------------------
rekeys=$(grep -c 'conn [0-9]* rekeyed' "$IKE_TMP/server.log")
rekey() {
	sw_ctl --rekey --child lan >"$sw/rekey.log" 2>&1 &&
		for _ in $(seq 100); do
			[ "$(grep -c 'conn [0-9]* rekeyed' "$IKE_TMP/server.log")" -gt "$rekeys" ] && return 0
			sleep 0.2
		done
	return 1
}
# The rekey itself loses nothing (easyvpn_strongswan: 2,500 pings 2 ms
# apart); one ping of these 100 was seen lost once, in a run that shared
# the host with two other VMs, its cause not caught (drops_diag says now).
pings_through 100 1 "strongSwan's Phase 2 rekey of the adopted session completes on evsd" rekey

# --- 3. a crash: systemd starts evsd again -----------------------------------------
restarted() {
	sc kill -s KILL evsd || return 1
	for _ in $(seq 150); do
		[ "$(adoptions)" = 2 ] && return 0
		sleep 0.2
	done
	return 1
}
pings_through 240 0 "systemctl kill -s KILL evsd: an evsd started again adopts the session" restarted
restarted_once() {
	[ "$(sc show -P NRestarts evsd)" = 1 ] && sc is-active --quiet evsd
}
tap_check "systemd restarted it (Restart=on-failure: NRestarts 1, active)" restarted_once
tap_check "the same session ($(session))" test "$(session)" = "$s0"

# --- 4. systemctl stop -------------------------------------------------------------
tap_check "systemctl stop evsd" sc stop evsd
tap_check "the evsd found a stop job" grep -q 'SIGTERM: systemd stops the unit' "$IKE_TMP/server.log"
got_delete() {
	for _ in $(seq 100); do
		grep -q 'received DELETE' "$sw/charon.log" && return 0
		sleep 0.2
	done
	return 1
}
tap_check "strongSwan received the delete" got_delete
gone() {
	[ "$(ip netns exec "$srv" "$EVSADM" conn show 2>/dev/null | grep -c '^conn')" = 0 ] || return 1
	! ezv_rri_route "$srv" "$vip"
}
tap_check "the kernel connection and the RRI route are gone" gone
tap_check "and the session's record" test "$(records)" = 0
tap_check "session end logged (shutdown)" \
	grep -q 'session end: user "alice" .*: shutdown' "$IKE_TMP/server.log"
[ $_tap_failed -eq 0 ] || {
	sw_diag
	ezv_diag_server 150
	tail -n 30 "$SD/systemd.log" | tap_diag
}
ezv_no_crash
tap_done
