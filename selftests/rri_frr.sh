#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RRI routes redistributed by a real routing daemon: FRR (zebra + ospfd) on
# the gateway picks up the module's "proto evs" kernel routes and announces
# them into OSPF; an internal router, also running FRR, learns the client's
# /32 and loses it when the connection ends (conn del, and SA hard expiry).
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/lib/frr.sh"

frr_require
require_cmd ip evsadm
evs_load_module || skip_all "evs.ko not loadable"

netns_new gw rtr
tmp=$(mktemp -d /tmp/evs-frr.XXXXXX)
chmod 0755 "$tmp"
on_exit "rm -rf $tmp"
# Routes show as "proto evs" in ip route (make install ships the same file).
# Left as found: pkg_install meets the package's own copy as new.
if [ ! -e /etc/iproute2/rt_protos.d/evs.conf ]; then
	mkdir -p /etc/iproute2/rt_protos.d
	echo '77 evs' >/etc/iproute2/rt_protos.d/evs.conf
	on_exit "rm -f /etc/iproute2/rt_protos.d/evs.conf"
fi

ip -n "$gw" link add evs0 type evs
ip -n "$gw" link set evs0 up
ip -n "$gw" link add lan0 type veth peer name lan netns "$rtr"
ip -n "$gw" addr add 192.168.77.1/24 dev lan0
ip -n "$gw" link set lan0 up
ip -n "$rtr" addr add 192.168.77.2/24 dev lan
ip -n "$rtr" link set lan up
ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1

# Only the client pool, only from the kernel (which is where the module's
# routes show up to zebra: FRR files unknown protocols such as 77 as kernel
# routes).
frr_start "$tmp" "$gw" gw lan0 192.168.77.1 "$(frr_pool_extra 10.77.0.0/16)"
tap_result "FRR started on the gateway" $?
frr_start "$tmp" "$rtr" rtr lan 192.168.77.2 ""
tap_result "FRR started on the internal router" $?

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	"$@" >/dev/null 2>&1
}
rtr_has() { ip -n "$rtr" route show "$1" proto ospf | grep -q .; }
rtr_lacks() { ! rtr_has "$1"; }
gw() { ip netns exec "$gw" "$@"; }

tap_check "connection 1 added" gw evsadm conn add 1 label alice
tap_check "RRI route 10.77.0.5/32 added" gw evsadm route add 10.77.0.5/32 dev evs0 conn 1
ip -n "$gw" route show 10.77.0.5/32 | grep -q 'dev evs0 proto evs'
tap_result "the gateway's kernel shows the route as proto evs" $?

wait_for 120 rtr_has 10.77.0.5/32
tap_result "the internal router learns 10.77.0.5/32 over OSPF" $?
ip -n "$rtr" route show 10.77.0.5/32 | tap_diag
ip -n "$rtr" route show 10.77.0.5/32 | grep -q 'via 192.168.77.1'
tap_result "... with the gateway as next hop" $?
# Only the pool is announced, not every kernel route.
ip -n "$gw" route add 203.0.113.0/24 dev evs0
sleep 5
rtr_lacks 203.0.113.0/24
tap_result "a kernel route outside the pool is not announced" $?

tap_check "connection 1 deleted" gw evsadm conn del 1
! ip -n "$gw" route show 10.77.0.5/32 | grep -q .
tap_result "the gateway's route is gone with the connection" $?
wait_for 60 rtr_lacks 10.77.0.5/32
tap_result "the internal router loses 10.77.0.5/32" $?

# A connection whose SA hard-expires: announced, then withdrawn by itself.
# The lifetime counts from the start of SA_ADD, and under emulation the
# first AES-GCM instance (module load, self-tests) takes tens of seconds:
# warm the crypto up first.
key=0x0102030405060708090a0b0c0d0e0f1011121314
sa_args="dev evs0 dir in src 198.51.100.2 dst 198.51.100.1 aead rfc4106(gcm(aes)) $key 128"
gw evsadm sa add $sa_args spi 0x3999 && gw evsadm sa del dev evs0 dir in spi 0x3999
gw evsadm conn add 2 label bob &&
	gw evsadm sa add $sa_args spi 0x3001 conn 2 limit time-hard 20 &&
	gw evsadm route add 10.77.0.6/32 dev evs0 conn 2
tap_result "connection 2 with an SA living 20 s and a route" $?
wait_for 60 rtr_has 10.77.0.6/32
tap_result "the internal router learns 10.77.0.6/32" $?
wait_for 60 rtr_lacks 10.77.0.6/32 && ! ip -n "$gw" route show 10.77.0.6/32 | grep -q .
tap_result "the SA's hard expiry withdraws it on both" $?
gw evsadm conn show 2 >/dev/null 2>&1
tap_result "connection 2 went with its last SA" $((!$?))

[ $_tap_failed -eq 0 ] || frr_diag "$tmp" gw "$gw" rtr "$rtr"
tap_done
