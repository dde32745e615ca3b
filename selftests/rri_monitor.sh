#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `evsadm monitor` live (issue 4): routes and proxy-ARP entries appearing
# and going.  A gateway namespace with evs0 and a LAN veth; two monitors
# (text and -j) watch while evsadm adds a connection with two routes and a
# proxy-ARP entry, the evs device bounces (its routes go and come back),
# and the connection is deleted.  Every add and del must show, with the
# reason, the connection's own event last.  Also: a policy naming a
# connection that does not exist is refused with the kernel's reason.
# evs-selftest-timeout: 300
. "$(dirname "$0")/lib.sh"

EVSADM=${EVSADM:-${EVS_BINDIR:-$EVS_TOP/userspace/evsadm}/evsadm}
require_cmd ip jq
[ -x "$EVSADM" ] || skip_all "$EVSADM not built (make userspace)"
evs_load_module || skip_all "evs.ko does not load"
netns_new gw lan

e() { ip netns exec "$gw" "$EVSADM" "$@"; }

ip -n "$gw" link add evs0 type evs
ip -n "$gw" link set evs0 up
ip -n "$gw" link add lan0 type veth peer name lanh netns "$lan"
ip -n "$gw" addr add 192.168.77.1/24 dev lan0
ip -n "$gw" link set lan0 up
ip -n "$lan" link set lanh up
ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1

tmp=$(mktemp -d /tmp/evs-monitor.XXXXXX)
on_exit "rm -rf $tmp"
ip netns exec "$gw" "$EVSADM" monitor >"$tmp/text" 2>&1 &
on_exit "kill $!"
ip netns exec "$gw" "$EVSADM" -j monitor >"$tmp/json" 2>&1 &
on_exit "kill $!"

# wait_for FILE PATTERN: up to 30 s for a line matching PATTERN (grep -E).
wait_for() {
	for _ in $(seq 300); do
		grep -qE -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# Both monitors listen once they have seen an event: a throw-away
# connection's deletion, repeated until it shows.
ready=1
for _ in $(seq 30); do
	e conn add 900 >/dev/null 2>&1 && e conn del 900 >/dev/null 2>&1
	if grep -q 'conn-deleted\] conn 900' "$tmp/text" &&
		grep -q '"conn-deleted"' "$tmp/json"; then
		ready=0
		break
	fi
	sleep 1
done
tap_result "both monitors are listening" $ready
[ $ready -eq 0 ] || { tap_diag <"$tmp/text"; tap_done; }

tap_check "conn add 7 label alice" e conn add 7 label alice
tap_check "route add 10.77.0.5/32" e route add 10.77.0.5/32 dev evs0 conn 7
tap_check "route add 10.77.1.0/24 metric 300 table 100" \
	e route add 10.77.1.0/24 dev evs0 conn 7 metric 300 table 100
tap_check "proxy-arp add 192.168.77.200 dev lan0" \
	e proxy-arp add 192.168.77.200 dev lan0 conn 7
# The kernel flushes the routes of a device that goes down; the module
# reinstalls them when it comes back, and says so both times.
ip -n "$gw" link set evs0 down
ip -n "$gw" link set evs0 up
# The reinstall runs from a work item: wait until both are announced back.
for _ in $(seq 300); do
	[ "$(grep -c '^\[route add\] ' "$tmp/text")" -ge 4 ] && break
	sleep 0.1
done
tap_check "conn del 7" e conn del 7
wait_for "$tmp/text" '^\[conn-deleted\] conn 7 ' ||
	tap_diag "no conn-deleted event for conn 7 within 30 s"
wait_for "$tmp/json" '"conn-deleted".*"id": *7' >/dev/null

# count FILE PATTERN: lines matching PATTERN (grep -E).
count() { grep -cE -- "$2" "$1"; }

t=$tmp/text
# monitor_has DESC N PATTERN: the text monitor printed N such lines.
monitor_has() {
	local n
	n=$(count "$t" "$3")
	if [ "$n" -eq "$2" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		tap_diag "want $2 lines matching: $3, saw $n"
		tap_diag <"$t"
	fi
}
monitor_has "text: host route added (at first and after the bounce)" 2 \
	'^\[route add\] 10\.77\.0\.5 dev evs0 conn 7 metric 0$'
monitor_has "text: network route added, metric and table shown" 2 \
	'^\[route add\] 10\.77\.1\.0/24 dev evs0 conn 7 metric 300 table 100$'
monitor_has "text: proxy-ARP entry added" 1 \
	'^\[proxy-arp add\] 192\.168\.77\.200 dev lan0 conn 7$'
monitor_has "text: routes went with the device going down" 2 \
	'^\[route del\] 10\.77\.[01]\.[05](/24)? dev evs0 conn 7 .*reason device-gone$'
monitor_has "text: host route went with the connection" 1 \
	'^\[route del\] 10\.77\.0\.5 dev evs0 conn 7 metric 0 reason conn-deleted$'
monitor_has "text: network route went with the connection" 1 \
	'^\[route del\] 10\.77\.1\.0/24 dev evs0 conn 7 metric 300 table 100 reason conn-deleted$'
monitor_has "text: proxy-ARP entry went with the connection" 1 \
	'^\[proxy-arp del\] 192\.168\.77\.200 dev lan0 conn 7 reason conn-deleted$'
monitor_has "text: the connection's deletion, with its label" 1 \
	'^\[conn-deleted\] conn 7 label "alice" reason user$'
last=$(grep -E 'conn 7( |$)' "$t" | tail -n 1)
if [[ $last == "[conn-deleted] conn 7 "* ]]; then
	tap_ok "text: the connection's event comes after its routes and entry"
else
	tap_fail "text: the connection's event comes after its routes and entry"
	tap_diag <"$t"
fi

# The same events as JSON, one object per line.
j=$tmp/json
if jq -e -s '
	[.[] | select((.route.conn // .proxy_arp.conn // .conn.id) == 7)] as $e |
	([$e[] | select(.event == "route" and .op == "add")] | length) == 4 and
	([$e[] | select(.event == "route" and .op == "del")] | length) == 4 and
	([$e[] | select(.event == "route" and .op == "del" and
		.reason == "conn-deleted")] | map(.route.dst) | sort) ==
		["10.77.0.5/32", "10.77.1.0/24"] and
	([$e[] | select(.event == "proxy-arp" and .op == "add" and
		.proxy_arp.addr == "192.168.77.200" and
		.proxy_arp.dev == "lan0")] | length) == 1 and
	([$e[] | select(.event == "proxy-arp" and .op == "del" and
		.reason == "conn-deleted")] | length) == 1 and
	($e[-1].event == "conn-deleted" and $e[-1].reason == "user")
	' "$j" >/dev/null 2>&1; then
	tap_ok "json: every route and proxy-ARP add and del, conn-deleted last"
else
	tap_fail "json: every route and proxy-ARP add and del, conn-deleted last"
	tap_diag <"$j"
fi

# A policy naming a connection that does not exist is refused, like an SA
# or a route; the kernel's reason reaches the operator.
out=$(e policy add dev evs0 dir out src 192.168.77.0/24 dst 10.77.0.9/32 \
	bypass conn 99 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -qF "connection does not exist (conn add it first)" <<<"$out"; then
	tap_ok "policy add naming an unknown connection: refused with the reason"
else
	tap_fail "policy add naming an unknown connection: refused with the reason"
	tap_diag "exit $rc: $out"
fi
json_n=$(e -j policy show | jq length)
tap_result "nothing was added" "$([ "$json_n" = 0 ]; echo $?)"

tap_done
