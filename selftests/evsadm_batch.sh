#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# evsadm -batch against the real module: N SAs and policies from a file
# install exactly N (EVS_CMD_BATCH_ADD, many per request); a bad item in
# the middle of a batch is named by FILE:LINE with the kernel's extack text
# and word, stops the run with everything before it installed (ip -batch),
# and with -force only that line is lost; parse errors, standard input,
# non-add lines kept in order, also while a request is in flight (evsadm
# parses the next request while the kernel adds the last).  -n NAME, and
# the brief SA dump of a plain listing.
# evs-selftest-timeout: 600
. "$(dirname "$0")/lib.sh"

EVSADM=${EVSADM:-${EVS_BINDIR:-$EVS_TOP/userspace/evsadm}/evsadm}
require_cmd ip jq awk
[ -x "$EVSADM" ] || skip_all "$EVSADM not built"
evs_load_module || skip_all "evs.ko does not load"
netns_new ns
ip -n "$ns" link add evs0 type evs && ip -n "$ns" link set evs0 up

e() { ip netns exec "$ns" "$EVSADM" "$@"; }
T=$(mktemp -d /tmp/evsadm_batch.XXXXXX)
on_exit rm -rf "$T"

# More than one request's worth (about 550 items fit in one).
N=700

# gen FILE N: N outbound SAs, each followed by its policy (2N lines).
gen() {
	awk -v n="$2" 'BEGIN {
		for (k = 0; k < n; k++) {
			j = 256 + k
			printf "sa add dev evs0 dir out spi %d src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x\n", 4096 + k
			printf "policy add dev evs0 dir out src 192.168.77.1/32 dst 10.77.%d.%d/32 spi %d\n", int(j / 256), j % 256, 4096 + k
		}
	}' > "$1"
}

# insert FILE LINE TEXT: TEXT becomes line LINE of FILE.
insert() {
	awk -v l="$2" -v t="$3" 'NR == l { print t } { print }' "$1" > "$1.new" && mv "$1.new" "$1"
}

count() {	# sa|policy
	e -j "$1" show | jq length
}

expect() { tap_expect "$@"; }

# same DESC GOT WANT
same() {
	if [ "$2" = "$3" ]; then tap_ok "$1"; else tap_fail "$1"; tap_diag "got $2, want $3"; fi
}

flush() { e policy flush && e sa flush; }

# --- a good batch installs exactly N -------------------------------------
gen "$T/good" $N
expect "-batch of $N SAs + $N policies succeeds" 0 "" e -batch "$T/good"
same "dump counts exactly $N SAs" "$(count sa)" $N
same "dump counts exactly $N policies" "$(count policy)" $N
json=$(e -j sa show | jq -c '[.[] | select(.spi == 4096 + 345)][0] | [.dir, .src, .dst, .enc.name]' 2>&1)
same "an SA from the middle of the batch is as written" "$json" \
	'["out","198.51.100.1","198.51.100.2","ecb(cipher_null)"]'
flush

# --- a bad item in the middle of a batch ---------------------------------
# Line 601 repeats SA 4096 (EEXIST, found only by the kernel); it is the
# 601st item of the run, in the middle of the second request.
cp "$T/good" "$T/dup"
insert "$T/dup" 601 "sa add dev evs0 dir out spi 4096 src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x"
expect "duplicate SA: FILE:LINE, the kernel's text and the word" 1 \
	"evsadm: $T/dup:601: kernel: an SA with this SPI already exists in this direction (\"spi\")" \
	e -batch "$T/dup"
same "without -force: the 300 SAs before the bad line stay" "$(count sa)" 300
same "without -force: the 300 policies before the bad line stay" "$(count policy)" 300
flush
expect "-force: the same error" 1 "evsadm: $T/dup:601: kernel: an SA with this SPI already exists" \
	e -force -batch "$T/dup"
same "-force: every other line went in ($N SAs)" "$(count sa)" $N
same "-force: every other line went in ($N policies)" "$(count policy)" $N
flush

# A policy naming an SA that does not exist, in the first request.
cp "$T/good" "$T/nosa"
insert "$T/nosa" 201 "policy add dev evs0 dir out src 192.168.77.2/32 dst 10.77.9.9/32 spi 99999"
expect "policy without its SA: FILE:LINE and text" 1 \
	"evsadm: $T/nosa:201: kernel: no SA with this SPI in the policy's direction on this device (\"spi\")" \
	e -batch "$T/nosa"
same "the 100 SAs before it stay" "$(count sa)" 100
flush

# --- errors evsadm finds itself, input from stdin, order kept -------------
printf '%s\n' "# a comment" "" \
	"sa add dev evs0 dir out spi 0x3000 src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x" \
	"sa add dev evs0 dir out spi 0x3001 bogus 1" \
	"sa add dev evs0 dir out spi 0x3002 src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x" \
	> "$T/parse"
expect "parse error: FILE:LINE and the word" 1 "evsadm: $T/parse:4: sa add: unknown keyword \"bogus\"" \
	e -batch "$T/parse"
same "lines before a parse error go in, lines after do not" "$(e -j sa show | jq -c '[.[].spi]')" '[12288]'
flush
expect "standard input: -batch -" 0 "" ip netns exec "$ns" "$EVSADM" -batch - < "$T/good"
same "from standard input: $N SAs" "$(count sa)" $N
flush
printf '%s\n' \
	"sa add dev evs0 dir out spi 0x4000 src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x" \
	"policy add dev evs0 dir out src 192.168.77.1/32 dst 10.77.1.1/32 spi 0x4000" \
	"sa del dev evs0 dir out spi 0x4000" \
	"sa add dev evs0 dir out spi 0x4001 src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x" \
	"policy add dev evs0 dir out src 192.168.77.1/32 dst 10.77.1.1/32 spi 0x4001" \
	> "$T/mixed"
expect "adds around a del" 0 "" e -batch "$T/mixed"
same "the del ran between the adds, in order" \
	"$(e -j sa show | jq -c '[.[].spi]') $(e -j policy show | jq -c '[.[].spi]')" '[16385] [16385]'
# --- errors while a request is in flight (the sender thread) --------------
# Line 201 (request 1) is refused by the kernel; line 1001 (request 2,
# parsed while request 1 may still be in flight) does not parse.
flush
cp "$T/good" "$T/both"
insert "$T/both" 201 "sa add dev evs0 dir out spi 4096 src 198.51.100.1 dst 198.51.100.2 enc ecb(cipher_null) 0x auth digest_null 0x"
insert "$T/both" 1001 "sa add dev evs0 dir out spi 0x3001 bogus 1"
out=$(e -batch "$T/both" 2>&1)
same "without -force: only the kernel's error of the earlier line" \
	"$(printf '%s\n' "$out" | sed "s|$T/||")" \
	'evsadm: both:201: kernel: an SA with this SPI already exists in this direction ("spi")'
same "without -force: nothing after the failed line went in" "$(count sa)" 100
flush
out=$(e -force -batch "$T/both" 2>&1)
same "-force: both errors, in the order of their lines" \
	"$(printf '%s\n' "$out" | sed "s|$T/||" | cut -d: -f1-3 | tr '\n' ' ')" \
	'evsadm: both:201 evsadm: both:1001 '
same "-force: every other line went in ($N SAs)" "$(count sa)" $N
flush

# --- -n NAME and the brief listing ---------------------------------------
printf 'sa add dev evs0 dir in spi 0x5000 src 198.51.100.2 dst 198.51.100.1 enc ecb(cipher_null) 0x auth digest_null 0x\n' \
	> "$T/one"
expect "-n NAME: a batch in the named namespace" 0 "" "$EVSADM" -n "$ns" -batch "$T/one"
same "-n NAME: the same listing as ip netns exec" "$("$EVSADM" -n "$ns" sa show)" "$(e sa show)"
expect "-n: an unknown namespace" 1 'network namespace "nosuch-ns"' "$EVSADM" -n nosuch-ns sa show
expect "-n: not a name" 1 'is not a network namespace name' "$EVSADM" -n ../x sa show
printf -- '-n %s sa show\n' "$ns" > "$T/nsline"
expect "-n inside a batch is refused" 1 'is not valid inside a batch' e -batch "$T/nsline"
same "a plain listing has no counters or current lifetimes" \
	"$(e sa show | grep -c -e current -e 'RX:')" 0
same "-s lists current lifetimes and counters" "$(e -s sa show | grep -c -e current -e 'RX:')" 2
same "-j keeps the current lifetimes" "$(e -j sa show | jq -c '.[0].current | has("bytes")')" true
flush
printf 'sa show dev nosuch0\n' > "$T/fail"
expect "another command failing: FILE:LINE" 1 "evsadm: $T/fail:1: command failed" e -batch "$T/fail"
expect "-batch takes no command" 2 "-batch takes no command" e -batch "$T/fail" sa show
expect "a missing file" 1 "$T/none" e -batch "$T/none"
tap_done
