#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsd's client role with a real systemd-resolved: the pushed DNS goes in
# as per-link settings of evs0, read back with the real resolvectl.
# systemd-resolved is not installed on the host (its postinst replaces
# /etc/resolv.conf): its .deb (scripts/deps keeps it in build/debs) is
# unpacked into the test's directory, and a private system dbus-daemon
# and systemd-resolved run in the client's namespace, with /run/dbus and
# /run/systemd as tmpfs of a mount namespace of this test alone (nothing
# is left for the VM's other tests).  The gateway pushes the DNS servers
# 192.168.77.53 and 2001:db8:77::53 (INTERNAL_IP6_DNS), the default domain
# corp.example and split DNS corp.example lab.example:
#  1. split tunnel, `connect manual`: after `evsadm client connect` evs0
#     has both servers and the routing domains ~corp.example ~lab.example
#     (and the search domain corp.example); `evsadm client disconnect`
#     reverts them.
#  2. full tunnel (no split-include): the routing domain is ~. ; the
#     client is killed (SIGKILL: the settings stay) and started again
#     with the gateway gone: it reverts them at start.
# evs-selftest-timeout: 300
if [ -z "${EVS_RESOLVED_MNTNS:-}" ]; then
	# the tmpfs mounts below die with this mount namespace
	EVS_RESOLVED_MNTNS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

ike_init
require_cmd dpkg dbus-daemon jq
ike_users || skip_all "evsadm user add failed"
deb=$(ls "$EVS_TOP"/build/debs/systemd-resolved_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || skip_all "no systemd-resolved .deb in build/debs (scripts/deps --if-missing)"
RS=$IKE_TMP/rs
dpkg -x "$deb" "$RS" || skip_all "cannot unpack $deb"
[ -x "$RS/lib/systemd/systemd-resolved" ] || skip_all "no systemd-resolved in $deb"
# evsd runs the resolvectl it finds in PATH
export PATH=$RS/usr/bin:$PATH

# /run/dbus and /run/systemd: fresh, private; a directory made here for
# the mount point goes again at the end
for d in /run/dbus /run/systemd; do
	[ -d "$d" ] || { mkdir "$d" && on_exit "rmdir $d"; }
	mount -t tmpfs -o mode=0755 tmpfs "$d" || skip_all "cannot mount a tmpfs on $d"
	on_exit "umount $d"
done
# resolved started as root drops to the user systemd-resolve: one in a
# private /etc/passwd (the VM has none)
if ! getent passwd systemd-resolve >/dev/null; then
	cp /etc/passwd "$IKE_TMP/passwd"
	uid=64990
	while getent passwd "$uid" >/dev/null; do uid=$((uid + 1)); done
	echo "systemd-resolve:x:$uid:$uid::/run/systemd:/usr/sbin/nologin" >>"$IKE_TMP/passwd"
	mount --bind "$IKE_TMP/passwd" /etc/passwd || skip_all "cannot bind-mount /etc/passwd"
	on_exit "umount /etc/passwd"
fi
cat >"$IKE_TMP/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF

# bg NAME CMD...: CMD in the background, logging to $IKE_TMP/NAME.out,
# killed at the end.
bg() {
	local name=$1
	shift
	"$@" >"$IKE_TMP/$name.out" 2>&1 &
	echo $! >"$IKE_TMP/$name.bgpid"
	on_exit "kill \$(cat $IKE_TMP/$name.bgpid)"
}

# resolved_start: the bus, then resolved in the client's namespace (it
# sees evs0 there); skipped when either does not come up.
resolved_start() {
	bg dbus dbus-daemon --config-file="$IKE_TMP/bus.conf" --nofork --nopidfile --nosyslog
	for _ in $(seq 50); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.1; done
	[ -S /run/dbus/system_bus_socket ] ||
		{ tap_diag <"$IKE_TMP/dbus.out"; skip_all "dbus-daemon did not start"; }
	bg resolved ip netns exec "$cli" env SYSTEMD_LOG_LEVEL=info \
		"$RS/lib/systemd/systemd-resolved"
	for _ in $(seq 100); do
		[ -S /run/systemd/resolve/io.systemd.Resolve ] && rctl status >/dev/null 2>&1 && return
		sleep 0.2
	done
	tap_diag <"$IKE_TMP/resolved.out"
	skip_all "systemd-resolved did not start"
}

rctl() { ip netns exec "$cli" resolvectl "$@"; }

# link_has VERB WORD...: `resolvectl VERB evs0` lists exactly WORD... (in
# that order for dns; in any order for domain: resolved keeps its own)
link_has() {
	local verb=$1 got want
	shift
	want=$*
	got=$(rctl "$verb" evs0 2>&1 | sed 's/^Link [0-9]* (evs0)://')
	if [ "$verb" = domain ]; then
		# shellcheck disable=SC2086 # word splitting: the list
		got=$(printf '%s\n' $got | sort)
		want=$(printf '%s\n' "$@" | sort)
	fi
	# shellcheck disable=SC2086 # word splitting: the list
	got=$(echo $got) want=$(echo $want)
	[ "$got" = "$want" ] && return 0
	echo "resolvectl $verb evs0: '$got', not '$*'"
	return 1
}

cctl() { "$EVSADM" --socket "$IKE_TMP/client.sock" client "$@"; }

server_conf() {
	ike_conf_server "" group="dns 192.168.77.53 2001:db8:77::53" \
		group="domain corp.example" group="split-dns corp.example lab.example"
}

# ---- 1: split tunnel: servers and routing domains, reverted at disconnect ---
ike_topology
resolved_start
server_conf >"$IKE_TMP/server.conf"
ike_conf_client "" peer="connect manual" >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "gateway does not start"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "1: client starts"
tap_check "1: evsadm client connect gw" cctl connect gw
ike_session_up "1: session up (split tunnel)"
for _ in $(seq 50); do grep -q "through systemd-resolved" "$IKE_TMP/client.log" && break; sleep 0.2; done
rctl status evs0 2>&1 | tap_diag
tap_check "1: evs0's DNS servers: the IPv4 one, then the IPv6 one" \
	link_has dns 192.168.77.53 2001:db8:77::53
# corp.example is the search domain, which routes its names too:
# resolved keeps one entry per name, so evsd sets no ~corp.example
tap_check "1: evs0's domains: ~lab.example routing, corp.example searched (and routed)" \
	link_has domain "~lab.example" "corp.example"
tap_check "1: evsd chose systemd-resolved" \
	grep -q "client: DNS: 2 servers on evs0 through systemd-resolved" "$IKE_TMP/client.log"
cctl show | tap_diag
tap_check "1: client show -j: dns6 2001:db8:77::53 beside dns 192.168.77.53" \
	test "$(cctl show gw -j | jq -r '.[0].pushed | [.dns[0], .dns6[0]] | join(" ")')" \
	= "192.168.77.53 2001:db8:77::53"
tap_check "1: client show: a dns6 line" sh -c "$EVSADM --socket $IKE_TMP/client.sock client show |
	grep -qx '  dns6 2001:db8:77::53'"
tap_check "1: evsadm client disconnect gw" cctl disconnect gw
for _ in $(seq 50); do link_has dns >/dev/null && break; sleep 0.2; done
tap_check "1: disconnect: no DNS server left on evs0" link_has dns
tap_check "1: disconnect: no domain left on evs0" link_has domain
ike_stop client
tap_result "1: client exits cleanly" $?
ike_stop server

# ---- 2: full tunnel: ~. ; a killed client's settings go at its restart -----
server_conf | sed '/^    split-include /d' >"$IKE_TMP/server.conf"
ike_conf_client "" >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || tap_fail "2: gateway starts"
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "2: client starts"
if ike_wait_conn client 90; then
	tap_ok "2: session up (full tunnel)"
else
	tap_fail "2: session up (full tunnel)"
	ike_diag client
fi
for _ in $(seq 50); do grep -q "through systemd-resolved" "$IKE_TMP/client.log" && break; sleep 0.2; done
rctl status evs0 2>&1 | tap_diag
tap_check "2: full tunnel: routing domain ~. (every name), corp.example searched" \
	link_has domain "~." "corp.example"
tap_check "2: evs0's DNS servers" link_has dns 192.168.77.53 2001:db8:77::53
ike_kill client
tap_check "2: killed: the settings stay on evs0" link_has domain "~." "corp.example"
ike_stop server
tap_result "2: gateway exits cleanly" $?
ike_start client "$cli" "$IKE_TMP/client.conf" --client || tap_fail "2: client starts again"
ike_wait_log client "per-link settings of evs0 reset" 20
tap_check "2: restarted: no DNS server left on evs0" link_has dns
tap_check "2: restarted: no domain left on evs0" link_has domain
ike_stop client
tap_result "2: client exits cleanly" $?
tap_check "resolved kept running throughout" kill -0 "$(cat "$IKE_TMP/resolved.bgpid")"
tap_done
