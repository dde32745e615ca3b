#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evs.ko life cycle: load/unload, devices in several namespaces, unloading
# with devices present, evsadm seeing the device, dropped packets counted.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"

[ -f "$EVS_TOP/kernel/evs.ko" ] || skip_all "kernel/evs.ko not built"
require_cmd ip insmod rmmod jq

# Start from an unloaded module; another test may have left it loaded.
evs_unload_module || { echo "1..0 # SKIP evs is in use, cannot unload"; exit 4; }

# 1. Load and unload 50 times.
fails=0
for i in $(seq 50); do
	if ! insmod "$EVS_TOP/kernel/evs.ko" || ! rmmod evs; then
		fails=$((fails + 1))
		tap_diag "round $i failed"
		rmmod evs 2>/dev/null
	fi
done
[ $fails -eq 0 ] && ! evs_module_loaded
tap_result "load and unload 50 times" $?

# 2. A device of the same name in two namespaces, independent of each other.
evs_load_module
netns_new a b
ip -n "$a" link add evs0 type evs && ip -n "$b" link add evs0 type evs
tap_result "evs0 created in two namespaces" $?
[ "$(evs_links "$a")" = evs0 ] && [ "$(evs_links "$b")" = evs0 ] && [ -z "$(evs_links)" ]
tap_result "each namespace sees only its own evs0" $?
tap_check_fails "a second evs0 in the same namespace is refused" \
	ip -n "$a" link add evs0 type evs
tap_check "evs0 deleted in the first namespace" ip -n "$a" link del evs0
[ -z "$(evs_links "$a")" ] && [ "$(evs_links "$b")" = evs0 ]
tap_result "the other namespace keeps its evs0" $?
tap_check "a namespace holding evs0 can be deleted" ip netns del "$b"
tap_check "devices come and go 20 times" bash -c "
	for i in \$(seq 20); do
		ip -n $a link add evs\$i type evs || exit 1
	done
	[ \$(ip -n $a -o link show type evs | wc -l) -eq 20 ] || exit 1
	for i in \$(seq 20); do ip -n $a link del evs\$i || exit 1; done"

# 3. Packets routed into evs0 with nothing to encrypt them are dropped and
#    counted (the device has no SAs yet).
netns_new c
ip -n "$c" link add evs0 type evs && ip -n "$c" link set evs0 up &&
	ip -n "$c" route add 10.77.1.0/24 dev evs0
before=$(ip netns exec "$c" cat /sys/class/net/evs0/statistics/tx_dropped)
ip netns exec "$c" ping -c 3 -i 0.2 -W 1 10.77.1.1 >/dev/null 2>&1
after=$(ip netns exec "$c" cat /sys/class/net/evs0/statistics/tx_dropped)
tap_diag "tx_dropped $before -> $after"
[ -n "$after" ] && [ $((after - before)) -ge 3 ]
tap_result "packets without an SA are dropped and counted" $?

# 4. evsadm lists the device, in JSON with -j.
if command -v evsadm >/dev/null; then
	json=$(ip netns exec "$c" evsadm -j link show 2>&1)
	tap_diag "evsadm -j link show: $json"
	printf '%s' "$json" | jq -e '[.. | strings] | index("evs0") != null' >/dev/null
	tap_result "evsadm -j link show names evs0" $?
else
	tap_fail "evsadm -j link show names evs0 (userspace/evsadm/evsadm not built)"
fi

# 5. Unloading with devices present removes them all.
ip link add evs0 type evs
ip -n "$a" link add evs7 type evs
tap_check "rmmod evs with devices present" rmmod evs
[ -z "$(evs_links)" ] && [ -z "$(evs_links "$a")" ] && [ -z "$(evs_links "$c")" ] &&
	[ ! -e /sys/class/net/evs0 ]
tap_result "no evs device is left after rmmod" $?
! evs_module_loaded
tap_result "the module is gone" $?

tap_done
