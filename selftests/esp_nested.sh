#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A tunnel inside a tunnel: evs0's SAs have as outer addresses two hosts
# reached through evs1, so each packet is encrypted twice on the way out
# (AES-GCM both times) and decrypted twice on the way in.  The second
# encryption runs inside the first one's send, on the same CPU, while the
# first still holds the CPU's request area: it must take a request of
# its own (esp.c, evs_esp_pkt_get).  Every packet must arrive, both
# levels must count them, and none be dropped.
# evs-selftest-timeout: 300
. "$(dirname "$0")/lib.sh"

EVSADM=${EVSADM:-${EVS_BINDIR:-$EVS_TOP/userspace/evsadm}/evsadm}
require_cmd ip jq ping
[ -x "$EVSADM" ] || skip_all "$EVSADM not built (make userspace)"
evs_load_module || skip_all "evs.ko does not load"
netns_new a b

AO=198.51.100.1 BO=198.51.100.2	# the wire
AM=172.16.0.1 BM=172.16.0.2	# the inner tunnel's ends, behind evs1
AI=192.168.77.1 BI=10.77.0.2	# the hosts, behind evs0
OUTER_KEY=0x000102030405060708090a0b0c0d0e0f10111213
INNER_KEY=0x202122232425262728292a2b2c2d2e2f30313233

ip -n "$a" link add va type veth peer name vb netns "$b"
for side in "$a va $AO $AM $AI/24" "$b vb $BO $BM $BI/32"; do
	set -- $side
	ip -n "$1" link set lo up
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$1" link set "$2" up
	ip -n "$1" addr add "$4/32" dev lo
	ip -n "$1" link add lan0 type dummy
	ip -n "$1" addr add "$5" dev lan0
	ip -n "$1" link set lan0 up
	for dev in evs0 evs1; do
		ip -n "$1" link add $dev type evs
		ip -n "$1" link set $dev up
	done
done
ip -n "$a" route add $BM/32 dev evs1 src $AM
ip -n "$b" route add $AM/32 dev evs1 src $BM
ip -n "$a" route add 10.77.0.0/16 dev evs0 src $AI
ip -n "$b" route add 192.168.77.0/24 dev evs0 src $BI

e() { local ns=$1; shift; ip netns exec "$ns" "$EVSADM" "$@"; }

# sa NS DEV DIR SPI SRC DST KEY
sa() {
	e "$1" sa add dev "$2" dir "$3" spi "$4" src "$5" dst "$6" \
		aead 'rfc4106(gcm(aes))' "$7" 128
}
# tunnel DEV SPI_AB SPI_BA A_OUTER B_OUTER KEY A_NET B_NET
tunnel() {
	sa "$a" $1 out $2 $4 $5 $6 && sa "$a" $1 in $3 $5 $4 $6 &&
	sa "$b" $1 out $3 $5 $4 $6 && sa "$b" $1 in $2 $4 $5 $6 &&
	e "$a" policy add dev $1 dir out src $7 dst $8 spi $2 &&
	e "$a" policy add dev $1 dir in src $8 dst $7 spi $3 &&
	e "$b" policy add dev $1 dir out src $8 dst $7 spi $3 &&
	e "$b" policy add dev $1 dir in src $7 dst $8 spi $2
}
tap_check "outer tunnel (evs1) between the wire addresses" \
	tunnel evs1 0x1001 0x2001 $AO $BO $OUTER_KEY $AM/32 $BM/32
tap_check "inner tunnel (evs0) between addresses behind evs1" \
	tunnel evs0 0x3001 0x4001 $AM $BM $INNER_KEY 192.168.77.0/24 $BI/32

for size in 56 1000; do
	tap_check "ping -s $size through ESP in ESP" \
		ip netns exec "$a" ping -q -c 5 -i 0.2 -W 5 -s $size -I $AI $BI
done

# counted NS DEV DIR: the SA's packets, in or out
counted() {
	e "$1" -s -j sa show dev "$2" |
		jq --arg d "$3" 'map(select(.dir == $d))[0].stats |
			if $d == "out" then .tx_packets else .rx_packets end'
}
drops() {
	e "$1" -s -j sa show |
		jq '[.[].stats | to_entries[] | select(.key | startswith("drop_")) | .value] | add'
}
for ns in "$a A" "$b B"; do
	set -- $ns
	for dev in evs0 evs1; do
		out=$(counted "$1" $dev out) in=$(counted "$1" $dev in)
		tap_result "$2: $dev's SAs carried the 10 pings each way ($out out, $in in)" \
			$([ "$out" = 10 ] && [ "$in" = 10 ] && echo 0 || echo 1)
	done
	n=$(drops "$1")
	tap_result "$2: no SA dropped a packet ($n)" $([ "$n" = 0 ] && echo 0 || echo 1)
done
tap_done
