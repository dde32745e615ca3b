#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ESP over an outer path whose link-layer header is longer than Ethernet's
# (issue 3).  evs0 starts with headroom for ESP plus an Ethernet header, so
# that the stack's allocation of a small packet stays small; a route to
# the peer over a VLAN (18-byte header) with AES-CBC (16-byte IV) in UDP
# needs more (84 bytes: 20 + 8 + 8 + 16, and 32 for the VLAN's header
# rounded up; the stack reserves 80), and the device's headroom grows on
# the first packet.  Whatever the headroom, packets of every size must
# arrive intact and none be dropped.
# evs-selftest-timeout: 300
. "$(dirname "$0")/lib.sh"

EVSADM=${EVSADM:-${EVS_BINDIR:-$EVS_TOP/userspace/evsadm}/evsadm}
require_cmd ip jq ping
[ -x "$EVSADM" ] || skip_all "$EVSADM not built (make userspace)"
evs_load_module || skip_all "evs.ko does not load"
modprobe 8021q 2>/dev/null
netns_new a b

AO=198.51.100.1 BO=198.51.100.2 AI=192.168.77.1 BI=10.77.0.2
ENC="enc cbc(aes) 0x000102030405060708090a0b0c0d0e0f"
AUTH="auth hmac(sha1) 0x101112131415161718191a1b1c1d1e1f20212223"

ip -n "$a" link add va type veth peer name vb netns "$b"
for side in "$a va $AO $AI/24" "$b vb $BO $BI/32"; do
	set -- $side
	ip -n "$1" link set "$2" up
	ip -n "$1" link add link "$2" name "$2.100" type vlan id 100 ||
		skip_all "no VLAN support (8021q)"
	ip -n "$1" addr add "$3/24" dev "$2.100"
	ip -n "$1" link set "$2.100" up
	ip -n "$1" link add lan0 type dummy
	ip -n "$1" addr add "$4" dev lan0
	ip -n "$1" link set lan0 up
	ip -n "$1" link add evs0 type evs
	ip -n "$1" link set evs0 up
done
ip -n "$a" route add 10.77.0.0/16 dev evs0 src $AI
ip -n "$b" route add 192.168.77.0/24 dev evs0 src $BI

e() { local ns=$1; shift; ip netns exec "$ns" "$EVSADM" "$@"; }

# sa NS DIR SPI SRC DST
sa() {
	e "$1" sa add dev evs0 dir "$2" spi "$3" src "$4" dst "$5" $ENC $AUTH \
		encap espinudp 4500 4500
}
sas() {
	sa "$a" out 0x1001 $AO $BO && sa "$a" in 0x2001 $BO $AO &&
		sa "$b" out 0x2001 $BO $AO && sa "$b" in 0x1001 $AO $BO
}
policies() {
	e "$a" policy add dev evs0 dir out src 192.168.77.0/24 dst $BI/32 spi 0x1001 &&
	e "$a" policy add dev evs0 dir in src $BI/32 dst 192.168.77.0/24 spi 0x2001 &&
	e "$b" policy add dev evs0 dir out src $BI/32 dst 192.168.77.0/24 spi 0x2001 &&
	e "$b" policy add dev evs0 dir in src 192.168.77.0/24 dst $BI/32 spi 0x1001
}
tap_check "SAs over the VLAN path" sas
tap_check "policies both ways" policies

# The first packets grow the headroom; sizes up to what the path carries
# without fragmenting the inner packet (evs0 MTU 1400).
for size in 16 56 1000 1372; do
	tap_check "ping -s $size through ESP over the VLAN" \
		ip netns exec "$a" ping -q -c 3 -i 0.2 -W 5 -s $size -M do -I $AI $BI
done

# vlan_tx NS DEV: packets DEV sent
vlan_tx() { ip -n "$1" -s -j link show "$2" | jq '.[0].stats64.tx.packets'; }
n=$(vlan_tx "$a" va.100)
tap_result "the ESP packets went over the VLAN device ($n sent)" \
	$([ "${n:-0}" -ge 12 ] && echo 0 || echo 1)

stats() { e "$1" -s -j sa show; }
json() { # desc NS jq-expression
	local out
	out=$(stats "$2")
	if printf '%s' "$out" | jq -e "$3" >/dev/null 2>&1; then
		tap_ok "$1"
	else
		tap_fail "$1"
		printf '%s\n' "$out" | tap_diag
	fi
}
drops='[.[].stats | to_entries[] | select(.key | startswith("drop_")) | .value] | add == 0'
json "A: 12 packets out and 12 in, nothing dropped" "$a" \
	"(map(select(.dir == \"out\"))[0].stats.tx_packets == 12) and
	 (map(select(.dir == \"in\"))[0].stats.rx_packets == 12) and ($drops)"
json "B: 12 packets in and 12 out, nothing dropped" "$b" \
	"(map(select(.dir == \"in\"))[0].stats.rx_packets == 12) and
	 (map(select(.dir == \"out\"))[0].stats.tx_packets == 12) and ($drops)"
tap_done
