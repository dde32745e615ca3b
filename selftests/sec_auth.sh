#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Who gets a tunnel from an evsd gateway, played with real peers:
#  (a) strongSwan in IKEv1 main mode with the address key and plain
#      pre-share, no XAUTH: Phase 1 comes up, the gateway asks for XAUTH,
#      strongSwan goes straight to quick mode, which is refused; no SA in
#      either kernel.  The key marked no-xauth: quick mode only within its
#      selectors (other selectors refused, its own up).
#  (b) strongSwan in aggressive mode with its IP address as identity:
#      evsd answers with a random key (never HASH_R under the address key),
#      so strongSwan sees a wrong key; the key marked aggressive: up.
#  (c) two network-extension users (evsd clients, alice then bob) claim
#      10.77.200.0/24 and 10.77.200.128/25: bob is refused with
#      INVALID-ID-INFORMATION and a log line naming both, no RRI route.
#   cli  (strongSwan / alice) \
#                              br0 198.51.100.1 srv ---- lan 192.168.77.0/24
#   cli2 (bob) 198.51.100.3   /
# evs-selftest-timeout: 1800
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/strongswan.sh"

CHARON=/usr/lib/ipsec/charon
ike_init
ike_users || skip_all "evsadm user add failed"
printf 'bobpass\n' | "$EVS_TOP/userspace/evsadm/evsadm" user add bob group sales \
	file "$IKE_TMP/users" >/dev/null 2>&1 || skip_all "evsadm user add failed"

cleanup() {
	sw_stop
	ike_stop_all
	for ns in $(netns_list_mine); do ip netns del "$ns"; done
}

# ---- strongSwan ---------------------------------------------------------------

# sw_conf AGGRESSIVE(yes|no): one IKEv1 PSK connection to the gateway as
# 198.51.100.2, no XAUTH, selectors 198.51.100.2/32 <-> 192.168.77.0/24.
sw_conf() {
	mkdir -p "$IKE_TMP/sw"
	cat >"$IKE_TMP/sw/swanctl.conf" <<EOF
connections {
    evs {
        version = 1
        aggressive = $1
        remote_addrs = 198.51.100.1
        proposals = aes256-sha256-modp2048
        local-1 {
            auth = psk
            id = 198.51.100.2
        }
        remote-1 {
            auth = psk
            id = 198.51.100.1
        }
        children {
            c {
                local_ts = 198.51.100.2/32
                remote_ts = 192.168.77.0/24
                esp_proposals = aes256-sha256
            }
        }
    }
}
secrets {
    ike-1 {
        secret = "mainsecret"
    }
}
EOF
}

sw_initiate() {
	timeout 90 swanctl --initiate --child c --ike evs --timeout 60 \
		--uri "unix://$IKE_TMP/sw/charon.vici" >"$IKE_TMP/sw/init.out" 2>&1
}

# server_conf KEY-LINES: a gateway with these address keys.
server_conf() {
	ike_conf_server "$1"
}

esp_sas() { # NS
	ip netns exec "$1" "$EVS_TOP/userspace/evsadm/evsadm" sa show 2>/dev/null | grep -c spi
}

# sw_case NAME AGGRESSIVE KEYS EXPECT(up|down) WHY-PATTERN
sw_case() {
	local name=$1 aggr=$2 keys=$3 expect=$4 why=$5
	ike_topology
	server_conf "$keys" >"$IKE_TMP/server.conf"
	ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "$name: evsd starts"; cleanup; return; }
	sw_conf "$aggr"
	sw_start "$cli" || { tap_fail "$name: charon starts"; cleanup; return; }
	sw_initiate
	sleep 2
	if [ "$expect" = up ]; then
		if ike_wait_conn server 20; then
			tap_ok "$name: tunnel up"
		else
			tap_fail "$name: tunnel up"
			sw_diag
			ike_diag server
		fi
		tap_check "$name: ESP SAs in evsd's kernel" test "$(esp_sas "$srv")" -ge 2
		tap_check "$name: strongSwan installed its CHILD_SA" \
			sh -c "swanctl --list-sas --uri unix://$IKE_TMP/sw/charon.vici | grep -q INSTALLED"
	else
		tap_check_fails "$name: no Phase 2 connection on the gateway" ike_wait_conn server 5
		tap_check "$name: no ESP SA in evsd's kernel" test "$(esp_sas "$srv")" -eq 0
		tap_check_fails "$name: strongSwan installed no CHILD_SA" \
			sh -c "swanctl --list-sas --uri unix://$IKE_TMP/sw/charon.vici | grep -q INSTALLED"
		if ike_wait_log server "$why" 10; then
			tap_ok "$name: the gateway says why"
		else
			tap_fail "$name: the gateway says why"
			ike_diag server
			sw_diag
		fi
		grep -- "$why" "$IKE_TMP/server.log" | head -1 | tap_diag
	fi
	cleanup
}

if [ -x $CHARON ] && command -v swanctl >/dev/null; then
	# (a) main mode, plain pre-share, no XAUTH
	sw_case "main mode PSK without XAUTH, key for 0.0.0.0/0" no \
		"crypto isakmp key mainsecret address 0.0.0.0/0" down \
		"refused: Phase 2 before XAUTH/mode config finished"
	sw_case "main mode PSK, no-xauth key, other selectors" no \
		"crypto isakmp key mainsecret address 0.0.0.0/0 no-xauth {
    local-network 10.77.9.0/24
    remote-network 198.51.100.0/24
}" down "IDcr 192.168.77.0/24 is not inside a local-network"
	sw_case "main mode PSK, no-xauth key with its selectors" no \
		"crypto isakmp key mainsecret address 0.0.0.0/0 no-xauth {
    local-network 192.168.77.0/24
    remote-network 198.51.100.0/24
}" up ""
	# (b) aggressive mode with an address identity
	sw_case "aggressive mode, IP identity, address key" yes \
		"crypto isakmp key mainsecret address 0.0.0.0/0" down \
		"is not marked 'aggressive'; answering with a random key"
	sw_case "aggressive mode, IP identity, key marked aggressive (no-xauth)" yes \
		"crypto isakmp key mainsecret address 0.0.0.0/0 no-xauth aggressive {
    local-network 192.168.77.0/24
    remote-network 198.51.100.0/24
}" up ""
else
	tap_skip "strongSwan cases" "charon/swanctl not installed"
fi

# ---- (c) overlapping network-extension claims ------------------------------------

# client_conf USER PASS NET
client_conf() {
	ike_conf_client "" user="$1" password="$2" peer="ezvpn-mode network-extension" \
		peer="local-network $3"
}

ike_topology
ike_second_client
ip -n "$cli" link add h0 type dummy
ip -n "$cli" addr add 10.77.200.1/24 dev h0
ip -n "$cli" link set h0 up
ip -n "$cli2" link add h0 type dummy
ip -n "$cli2" addr add 10.77.200.129/25 dev h0
ip -n "$cli2" link set h0 up

ike_conf_server "" group="mode network-extension" \
	group="network-extension allow 10.77.200.0/22" \
	>"$IKE_TMP/server.conf"
client_conf alice userpass 10.77.200.0/24 >"$IKE_TMP/alice.conf"
client_conf bob bobpass 10.77.200.128/25 >"$IKE_TMP/bob.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "NEM: evsd starts"; tap_done; }
ike_start alice "$cli" "$IKE_TMP/alice.conf" --client || { tap_fail "NEM: alice starts"; tap_done; }
if ike_wait_conn alice 90; then
	tap_ok "NEM: alice's 10.77.200.0/24 comes up"
else
	tap_fail "NEM: alice's 10.77.200.0/24 comes up"
	ike_diag alice
	ike_diag server
fi
tap_check "NEM: RRI route 10.77.200.0/24 for alice" \
	sh -c "ip -n $srv route show 10.77.200.0/24 | grep -q evs0"
ike_start bob "$cli2" "$IKE_TMP/bob.conf" --client || { tap_fail "NEM: bob starts"; tap_done; }
if ike_wait_log server "may not claim IDci 10.77.200.128/25: overlaps 10.77.200.0/24 of user \"alice\" from 198.51.100.2" 90; then
	tap_ok "NEM: bob's 10.77.200.128/25 refused: overlaps alice's network"
else
	tap_fail "NEM: bob's 10.77.200.128/25 refused: overlaps alice's network"
	ike_diag bob
	ike_diag server
fi
grep "may not claim IDci 10.77.200.128/25" "$IKE_TMP/server.log" | head -1 | tap_diag
tap_check "NEM: the log line names user bob and his peer" \
	grep -q "network extension: user \"bob\" (group \"sales\") from 198.51.100.3 may not claim IDci 10.77.200.128/25" \
	"$IKE_TMP/server.log"
tap_check "NEM: bob got INVALID-ID-INFORMATION" ike_wait_log bob "notify INVALID-ID-INFORMATION" 20
tap_check_fails "NEM: no RRI route for bob's 10.77.200.128/25" \
	sh -c "ip -n $srv route show 10.77.200.128/25 | grep -q evs0"
tap_check_fails "NEM: bob has no connection" ike_wait_conn bob 3
tap_check "NEM: alice's route is still there" \
	sh -c "ip -n $srv route show 10.77.200.0/24 | grep -q evs0"
ike_stop bob
ike_stop alice
ike_stop server
tap_done
