# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# A LAN behind a router namespace, as the selftests and `make demo`
# (scripts/demo-easyvpn.sh) build it, written in one place.
#
# routed_lan RTR HOST RTRIF HOSTIF NET: a veth RTRIF (in RTR, NET.1/24) --
# HOSTIF (in HOST, NET.2/24), both up; HOST's default route via NET.1 and
# forwarding on in RTR.  NET is the first three octets ("192.168.77").
routed_lan() {
	local rtr=$1 host=$2 rtrif=$3 hostif=$4 net=$5
	ip -n "$rtr" link add "$rtrif" type veth peer name "$hostif" netns "$host"
	ip -n "$rtr" addr add "$net.1/24" dev "$rtrif"
	ip -n "$rtr" link set "$rtrif" up
	ip -n "$host" addr add "$net.2/24" dev "$hostif"
	ip -n "$host" link set "$hostif" up
	ip -n "$host" route add default via "$net.1"
	ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1
}
