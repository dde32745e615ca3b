# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# FRR (zebra + ospfd) in test namespaces, for RRI routes redistributed
# into OSPF (rri_frr, ops_ha).  Sourced after lib.sh.

FRR=/usr/lib/frr

# frr_require: skip the test without FRR.
frr_require() {
	[ -x $FRR/zebra ] && [ -x $FRR/ospfd ] || skip_all "FRR (zebra, ospfd) not installed"
	id frr >/dev/null 2>&1 || skip_all "no frr user (FRR package not installed properly)"
}

# frr_pool_extra PREFIX: ospfd lines announcing the kernel routes inside
# PREFIX only (the module's RRI routes, "proto evs", are kernel routes
# to zebra), not every kernel route.
frr_pool_extra() {
	printf ' redistribute kernel route-map EVS\n!\nip prefix-list POOL seq 5 permit %s le 32\nroute-map EVS permit 10\n match ip address prefix-list POOL\n' "$1"
}

# frr_start DIR NS NAME IFACE ROUTER-ID EXTRA: zebra + ospfd in NS, every
# path (config, pid, zserv socket, vty sockets) under DIR/NAME, OSPF on
# IFACE (FRR_OSPF_NET: its network type, point-to-point unless told;
# broadcast for a LAN of more than two routers) with fast timers.
frr_start() {
	local ns=$2 name=$3 ifc=$4 rid=$5 extra=$6 d=$1/$3
	mkdir -p "$d"
	echo "hostname $name" >"$d/zebra.conf"
	cat >"$d/ospfd.conf" <<EOF2
hostname $name
interface $ifc
 ip ospf network ${FRR_OSPF_NET:-point-to-point}
 ip ospf hello-interval 1
 ip ospf dead-interval 4
!
router ospf
 ospf router-id $rid
 timers throttle spf 0 50 500
 network 192.168.77.0/24 area 0
$extra
!
EOF2
	# The daemons drop to user frr (Debian's build insists on its vty
	# group), so their directory is theirs.
	chown -R frr:frr "$d"
	ip netns exec "$ns" $FRR/zebra -d -f "$d/zebra.conf" \
		-i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
		>"$d/zebra.out" 2>&1 || return 1
	# zebra must be listening before ospfd connects.
	for _ in $(seq 100); do [ -S "$d/zserv.api" ] && break; sleep 0.1; done
	ip netns exec "$ns" $FRR/ospfd -d -f "$d/ospfd.conf" \
		-i "$d/ospfd.pid" -z "$d/zserv.api" --vty_socket "$d" \
		>"$d/ospfd.out" 2>&1 || return 1
	on_exit "kill \$(cat $d/ospfd.pid $d/zebra.pid 2>/dev/null)"
}

# frr_diag DIR NAME NS...: the daemons' output and OSPF's view, as TAP
# comments (pairs of NAME and namespace).
frr_diag() {
	local dir=$1 n ns
	shift
	for f in "$dir"/*/*.out; do tap_diag "$f:"; tap_diag <"$f"; done
	while [ $# -ge 2 ]; do
		n=$1 ns=$2
		shift 2
		ip netns exec "$ns" vtysh --vty_socket "$dir/$n" \
			-c 'show ip ospf neighbor' -c 'show ip route' 2>&1 | tap_diag
	done
}
