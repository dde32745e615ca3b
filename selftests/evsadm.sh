#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsadm against the real module: version, link, SA and policy add/show/
# get/update/del/flush, connections, routes and proxy-ARP when the module
# has them, monitor events, JSON that parses, bad input rejected with the
# word named (exit 2), kernel refusals with the extack text (exit 1).
# Everything happens in namespaces this test creates.
# About 70 evsadm runs; under TCG on a busy 2-core host that takes minutes.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"

EVSADM=${EVSADM:-${EVS_BINDIR:-$EVS_TOP/userspace/evsadm}/evsadm}
require_cmd ip jq python3
[ -x "$EVSADM" ] || skip_all "$EVSADM not built"
evs_load_module || skip_all "evs.ko does not load"
netns_new ns ns2

GCM=0x000102030405060708090a0b0c0d0e0f10111213	# 128-bit key + salt
AES=0x000102030405060708090a0b0c0d0e0f
SHA256=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SHA1=0x000102030405060708090a0b0c0d0e0f10111213

e() { ip netns exec "$ns" "$EVSADM" "$@"; }
e2() { ip netns exec "$ns2" "$EVSADM" "$@"; }

# json_ok DESC JQEXPR CMD...: CMD's stdout parses as JSON and the jq
# expression is true on it (jq: python3 takes seconds to start under TCG).
json_ok() {
	local desc=$1 expr=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && printf '%s' "$out" | jq -e "$expr" >/dev/null 2>&1; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		tap_diag "command: $* (exit $rc)"
		printf '%s\n' "$out" | tap_diag
	fi
}

expect() { tap_expect "$@"; }

# --- version and links ---------------------------------------------------
expect "version names the module" 0 "evs module " e version
json_ok "version -j parses, genl version 1" '.genl_version == 1 and (.module | length > 0)' e -j version
json_ok "link show -j: no devices yet" '. == []' e -j link show
ip -n "$ns" link add evs0 type evs && ip -n "$ns" link set evs0 up
ip -n "$ns" link add evs1 type evs
json_ok "link show -j names evs0 and evs1" \
	'([.[].ifname] | sort) == ["evs0", "evs1"] and (.[0] | has("stats") | not)' e -j link show
json_ok "link -s -j show dev evs0 has drop counters" \
	'length == 1 and .[0].ifname == "evs0" and .[0].stats.drop_no_sa == 0' \
	e -s -j link show dev evs0
expect "link show dev lo: extack passed through" 1 \
	"evsadm: kernel: device is not an evs device" e link show dev lo
expect "link show dev missing: clear message" 1 \
	'evsadm: link show: device "nosuch0" does not exist' e link show dev nosuch0

# --- SAs -----------------------------------------------------------------
tap_check "sa add out, rfc4106(gcm(aes)), espinudp" \
	e sa add dev evs0 dir out spi 0x1000 src 198.51.100.1 dst 203.0.113.7 \
	aead 'rfc4106(gcm(aes))' $GCM 128 encap espinudp 4500 4500 \
	limit bytes-soft 100000 limit bytes-hard 200000 oseq 5
tap_check "sa add in, cbc(aes) + hmac(sha256) trunc 128, replay-window 64" \
	e sa add dev evs0 dir in spi 0x2000 src 203.0.113.7 dst 198.51.100.1 \
	enc 'cbc(aes)' $AES auth 'hmac(sha256)' $SHA256 trunc 128 replay-window 64 esn
out=$(e sa show 2>&1)
if grep -q "spi 0x00001000" <<<"$out" && grep -q "spi 0x00002000" <<<"$out" &&
	grep -q "aead rfc4106(gcm(aes)) key 128 bits icv 128 bits" <<<"$out" &&
	! grep -qi "0102030405" <<<"$out"; then
	tap_ok "sa show lists both SAs, algorithms and key lengths, never keys"
else
	tap_fail "sa show lists both SAs, algorithms and key lengths, never keys"
	printf '%s\n' "$out" | tap_diag
fi
json_ok "sa show -j: two SAs, key lengths only" \
	'([.[].spi] | sort) == [4096, 8192] and (tostring | contains("0102030405") | not)' \
	e -j sa show
if e -j sa show | python3 -c 'import json,sys; json.load(sys.stdin)'; then
	tap_ok "sa show -j parses with python3 json.load"
else
	tap_fail "sa show -j parses with python3 json.load"
fi
json_ok "sa get -j: one object with encap, limits, oseq" \
	'.dir == "out" and .encap.dport == 4500 and .limits.bytes_hard == 200000 and .oseq == 5' \
	e -j sa get dev evs0 dir out spi 0x1000
# An inbound SA taken over from another gateway: its window starts at
# seq-hi (the kernel refuses one above 2^32-1 without esn, naming it).
tap_check "sa add in with seq-hi (a window started at 1000)" \
	e sa add dev evs0 dir in spi 0x2100 src 203.0.113.7 dst 198.51.100.1 \
	aead 'rfc4106(gcm(aes))' $GCM 128 seq-hi 1000
json_ok "sa get -j: the inbound SA's seq_hi is 1000" \
	'.dir == "in" and .seq_hi == 1000' e -j sa get dev evs0 dir in spi 0x2100
expect "seq-hi above 2^32-1 without esn refused with the kernel's words" 1 \
	'evsadm: kernel: a sequence number above 2^32-1 needs esn ("seq-hi")' \
	e sa add dev evs0 dir in spi 0x2200 src 203.0.113.7 dst 198.51.100.1 \
	aead 'rfc4106(gcm(aes))' $GCM 128 seq-hi 0x100000000
e sa del dev evs0 dir in spi 0x2100
json_ok "sa show -s -j carries counters" \
	'all(.[]; .stats | has("drop_replay"))' e -s -j sa show
expect "duplicate SPI refused with the kernel's words, the word named" 1 \
	'evsadm: kernel: an SA with this SPI already exists in this direction ("spi")' \
	e sa add dev evs0 dir out spi 0x1000 src 198.51.100.1 dst 203.0.113.7 \
	aead 'rfc4106(gcm(aes))' $GCM 128
expect "cbc(des) refused without allow-weak (extack)" 1 "evsadm: kernel: " \
	e sa add dev evs0 dir in spi 0x3000 src 203.0.113.7 dst 198.51.100.1 \
	enc 'cbc(des)' 0x0001020304050607 auth 'hmac(sha1)' $SHA1
tap_check "cbc(des) accepted with allow-weak" \
	e sa add dev evs0 dir in spi 0x3000 src 203.0.113.7 dst 198.51.100.1 \
	enc 'cbc(des)' 0x0001020304050607 auth 'hmac(sha1)' $SHA1 allow-weak
tap_check "sa update: peer moved (NAT rebinding)" \
	e sa update dev evs0 dir out spi 0x1000 dst 203.0.113.9 encap espinudp 4500 31000
json_ok "sa get shows the new peer and port" \
	'.dst == "203.0.113.9" and .encap.dport == 31000' \
	e -j sa get dev evs0 dir out spi 0x1000

# --- bad input: exit 2, the bad word named, nothing sent ------------------
expect "bad SPI word" 2 'evsadm: sa add: "spi" expects a number, got "zz"' \
	e sa add dev evs0 dir out spi zz
expect "wrong key length" 2 \
	'evsadm: sa add: "aead" key for rfc4106(gcm(aes)) must be 160, 224 or 288 bits' \
	e sa add dev evs0 dir out spi 0x4000 src 198.51.100.1 dst 203.0.113.7 \
	aead 'rfc4106(gcm(aes))' $AES 128
expect "unknown algorithm" 2 'evsadm: sa add: unknown enc algorithm "foo"' \
	e sa add dev evs0 dir out spi 0x4000 src 198.51.100.1 dst 203.0.113.7 \
	enc foo $AES auth 'hmac(sha1)' $SHA1
expect "missing argument" 2 'evsadm: sa add: missing "src ADDR"' \
	e sa add dev evs0 dir out spi 0x4000
expect "bad address" 2 'evsadm: policy add: "src" expects an IP prefix (ADDR[/LEN]), got "10.0.0.300"' \
	e policy add dev evs0 dir out src 10.0.0.300 dst 10.77.0.5 drop
json_ok "nothing was added by the rejected commands" 'length == 3' e -j sa show

# --- policies --------------------------------------------------------------
tap_check "policy add out -> spi 0x1000" \
	e policy add dev evs0 dir out src 192.168.77.0/24 dst 10.77.0.5 spi 0x1000
tap_check "policy add in, tcp dport 22, priority 5" \
	e policy add dev evs0 dir in src 10.77.0.5 dst 192.168.77.0/24 proto tcp dport 22 \
	spi 0x2000 priority 5
tap_check "policy add drop" e policy add dev evs0 dir out src 192.168.77.0/24 dst 10.77.0.0/16 drop
expect "policy naming a missing SA: extack" 1 "evsadm: kernel: " \
	e policy add dev evs0 dir out src 192.168.77.0/24 dst 10.77.0.6 spi 0x9999
json_ok "policy show -j: three entries with selectors" \
	'length == 3 and any(.[]; .dst == "10.77.0.5/32" and .spi == 4096) and any(.[]; .dport == 22)' \
	e -j policy show
json_ok "policy show dir in filters" 'length == 1 and .[0].dir == "in"' e -j policy show dir in
json_ok "policy show dev evs1: none there" '. == []' e -j policy show dev evs1
json_ok "sa show dev evs1: none there" '. == []' e -j sa show dev evs1
json_ok "sa show dev evs0: all three" 'length == 3' e -j sa show dev evs0
tap_check "policy del by selector" \
	e policy del dev evs0 dir out src 192.168.77.0/24 dst 10.77.0.0/16
json_ok "two policies left" 'length == 2' e -j policy show

# --- delete and flush ------------------------------------------------------
tap_check "sa del" e sa del dev evs0 dir in spi 0x3000
expect "sa get after del: extack" 1 "evsadm: kernel: no SA with this SPI and direction on this device" \
	e sa get dev evs0 dir in spi 0x3000
json_ok "other namespace sees none of it" '. == []' e2 -j sa show
tap_check "sa flush dev evs0" e sa flush dev evs0
json_ok "no SAs after flush" '. == []' e -j sa show
tap_check "policy flush" e policy flush
json_ok "no policies after flush" '. == []' e -j policy show

# --- monitor ---------------------------------------------------------------
mon=$(mktemp)
on_exit "rm -f $mon"
montxt=$(mktemp)
on_exit "rm -f $montxt"
ip netns exec "$ns" "$EVSADM" -j monitor >"$mon" 2>&1 &
mpid=$!
on_exit "kill $mpid"
ip netns exec "$ns" "$EVSADM" monitor >"$montxt" 2>&1 &
tpid=$!
on_exit "kill $tpid"
sleep 1
e sa add dev evs0 dir out spi 0x5000 src 198.51.100.1 dst 203.0.113.7 \
	aead 'rfc4106(gcm(aes))' $GCM 128 limit packets-hard 100 >/dev/null 2>&1
e sa update dev evs0 dir out spi 0x5000 dst 203.0.113.10 >/dev/null 2>&1
e sa del dev evs0 dir out spi 0x5000 >/dev/null 2>&1
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q sa-deleted "$mon" && break
	sleep 1
done
kill "$mpid" "$tpid" 2>/dev/null
wait "$mpid" "$tpid" 2>/dev/null
if jq -e -s '([.[].event] | index("sa-deleted") != null and index("nat-mapping") != null) and
	all(.[] | select(has("sa")); .sa.spi == 20480)' "$mon" >/dev/null 2>&1; then
	tap_ok "monitor -j: one JSON object per line (nat-mapping, sa-deleted)"
else
	tap_fail "monitor -j: one JSON object per line (nat-mapping, sa-deleted)"
	tap_diag <"$mon"
fi

if grep -q '^\[nat-mapping\] dev evs0 dir out spi 0x00005000 .*dst 203.0.113.10' "$montxt" &&
	grep -q '^\[sa-deleted\] dev evs0 dir out spi 0x00005000 .* reason user$' "$montxt"; then
	tap_ok "monitor (text): one line per event"
else
	tap_fail "monitor (text): one line per event"
	tap_diag <"$montxt"
fi

# --- connections, routes, proxy ARP (when the module has them) ---------------
if e conn show 2>&1 | grep -q "lacks this command"; then
	tap_skip "conn/route/proxy-arp" "the loaded module has no connection commands yet"
else
	ip -n "$ns" link add lan0 type dummy && ip -n "$ns" link set lan0 up
	ip -n "$ns" addr add 192.168.77.1/24 dev lan0
	tap_check "conn add 7 label alice" e conn add 7 label alice
	expect "conn add 7 again: extack" 1 "evsadm: kernel: " e conn add 7
	tap_check "sa add bound to conn 7" \
		e sa add dev evs0 dir out spi 0x6000 src 198.51.100.1 dst 203.0.113.7 \
		aead 'rfc4106(gcm(aes))' $GCM 128 conn 7
	tap_check "route add 10.77.0.5/32 dev evs0 conn 7" \
		e route add 10.77.0.5/32 dev evs0 conn 7 metric 10
	tap_check "proxy-arp add 192.168.77.200 dev lan0 conn 7" \
		e proxy-arp add 192.168.77.200 dev lan0 conn 7
	json_ok "conn show 7 -j counts what it owns" \
		'.id == 7 and .label == "alice" and .sas == 1 and .routes == 1 and .proxy_arp == 1' \
		e -j conn show 7
	json_ok "route show -j" 'any(.[]; .dst == "10.77.0.5/32" and .conn == 7)' \
		e -j route show
	json_ok "proxy-arp show -j" 'any(.[]; .addr == "192.168.77.200")' e -j proxy-arp show
	json_ok "route show dev evs1 / conn 8 filter" '. == []' e -j route show conn 8
	json_ok "proxy-arp show dev lan0" 'length == 1 and .[0].dev == "lan0"' e -j proxy-arp show dev lan0
	expect "route show text, like ip route" 0 "10.77.0.5 dev evs0 conn 7 metric 10" e route show
	tap_check "proxy-arp on dev lan0" e proxy-arp on dev lan0
	tap_check "proxy-arp off dev lan0" e proxy-arp off dev lan0
	tap_check "conn del 7" e conn del 7
	json_ok "conn del took its SA" '. == []' e -j sa show
	json_ok "conn del took its route" '. == []' e -j route show
	json_ok "conn del took its proxy-ARP entry" '. == []' e -j proxy-arp show
	expect "route add without a live conn: extack" 1 \
		"evsadm: kernel: connection does not exist (conn add it first)" \
		e route add 10.77.0.6/32 dev evs0 conn 99
	e conn add 8 >/dev/null && e conn add 9 >/dev/null
	tap_check "conn flush" e conn flush
	json_ok "no connections after flush" '. == []' e -j conn show
fi

# --- privileges ------------------------------------------------------------
if command -v setpriv >/dev/null; then
	expect "unprivileged caller refused" 1 "evsadm: kernel: Operation not permitted" \
		ip netns exec "$ns" setpriv --reuid 65534 --regid 65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$EVSADM" sa flush
else
	tap_skip "unprivileged caller refused" "setpriv not installed"
fi

tap_done
