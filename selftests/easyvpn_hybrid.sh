#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hybrid authentication (HybridInitRSA, 64221): the gateway proves itself
# with its RSA certificate, the user with XAUTH; no group key anywhere.
# evsd is the gateway (policies with `authentication hybrid`, a pki block);
# its users' groups come from the user file: alice is in "sales" (pool
# 10.77.0.x), bob in "eng" (pool 10.77.1.x), which has no key at all.
#  1. strongSwan (charon, swanctl: local auth = xauth, remote auth =
#     pubkey), main mode, as alice: address from sales' pool, ping a LAN
#     host through the tunnel.
#  2. vpnc --auth-mode hybrid (aggressive mode, IPSec ID "sales") as bob:
#     the group name it sends is not believed, bob gets eng's pool.
#  3. evsd's client role (authentication hybrid, the CA only, server-name)
#     as bob: address, split route, ping.
#  4. evsd's client role whose gateway certificate names another server:
#     refused by the client, before any password is sent.
#  5. evsd's client role against strongSwan as the hybrid gateway.
# evs-selftest-timeout: 1200
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"
. "$(dirname "$0")/lib/strongswan.sh"

require_cmd openssl
ike_init
ezv_user alice 'alice pw 1' sales || skip_all "evsadm user add failed"
ezv_user bob 'bob pw 2' eng || skip_all "evsadm user add failed"
pki=$IKE_TMP/pki
mkdir -p "$pki"
ike_certs "$pki" || skip_all "cannot make the test certificates"
ike_topology
evsd_gateway_conf users="$IKE_TMP/users" pki="$pki" \
	policy=10:sha256:hybrid:14 policy=20:sha:hybrid:2 \
	transform="STRONG:esp-aes 256 esp-sha-hmac" \
	extra="pool eng 10.77.1.10 10.77.1.100
group eng {
    pool eng
    split-include 192.168.77.0/24
}" >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

# ---- 1. strongSwan -----------------------------------------------------------
CHARON=/usr/lib/ipsec/charon
strongswan_case() {
	local sw=$IKE_TMP/sw vip
	mkdir -p "$sw"
	# Hybrid in swanctl: one local round of XAUTH only, the remote by
	# its certificate (strongSwan then proposes HybridInitRSA).
	cat >"$sw/swanctl.conf" <<CONF
connections {
	evs {
		version = 1
		aggressive = no
		local_addrs = 198.51.100.2
		remote_addrs = 198.51.100.1
		proposals = aes256-sha256-modp2048
		vips = 0.0.0.0
		local {
			auth = xauth
			xauth_id = alice
		}
		remote {
			auth = pubkey
			id = "O=evs test, CN=server.evs.test"
			cacerts = $pki/ca.pem
		}
		children {
			lan {
				remote_ts = 192.168.77.0/24
				esp_proposals = aes256-sha1
			}
		}
	}
}
secrets {
	xauth-alice {
		id = alice
		secret = "alice pw 1"
	}
}
CONF
	sw_start "$cli"
	tap_check "strongSwan: charon loads the hybrid connection" \
		grep -q "loaded connection 'evs'" "$sw/load.out"
	if sw_ctl --initiate --child lan --timeout 120 >"$sw/initiate.log" 2>&1; then
		tap_ok "strongSwan: hybrid main mode (gateway CERT+SIG, client HASH) + XAUTH + mode config + Phase 2"
	else
		tap_fail "strongSwan: hybrid main mode + XAUTH + mode config + Phase 2"
		tail -n 40 "$sw/initiate.log" | tap_diag
	fi
	tap_check "strongSwan: gateway chose hybrid-init-rsa" \
		grep -q "Phase 1 main mode established (responder, .*hybrid-init-rsa" "$IKE_TMP/server.log"
	tap_check "strongSwan: XAUTH ran, group from the user file (sales)" \
		grep -q 'xauth: user "alice" from 198.51.100.2.* accepted .*group "sales"' "$IKE_TMP/server.log"
	vip=$(ip -n "$cli" -o -4 addr show | grep -o '10\.77\.0\.[0-9]*' | head -1)
	case $vip in
	10.77.0.*) tap_ok "strongSwan: virtual IP $vip from pool sales" ;;
	*) tap_fail "strongSwan: virtual IP from pool sales" ;;
	esac
	tap_check "strongSwan: ping a LAN host from the virtual IP" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$vip" 192.168.77.2
	tap_check "strongSwan: terminates" sw_ctl --terminate --ike evs --timeout 30
	sw_stop
	[ "$_tap_failed" -eq 0 ] || { sw_diag; ezv_diag_server 80; }
}
if [ -x "$CHARON" ] && command -v swanctl >/dev/null &&
	[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ]; then
	strongswan_case
else
	tap_skip "strongSwan: charon, swanctl or the xauth-generic plugin missing"
fi

# ---- 2. vpnc --auth-mode hybrid ----------------------------------------------
vpnc_case() {
	local addr
	EZV_VPNC_EXTRA="IKE Authmode hybrid
CA-File $pki/ca.pem" EZV_VPNC_KEY="not-a-group-key" ezv_vpnc_start bob 'bob pw 2'
	ezv_vpnc_up "vpnc: hybrid aggressive mode + XAUTH + mode config" 120 ||
		{ ezv_vpnc_stop; return; }
	tap_check "vpnc: gateway chose hybrid-init-rsa in aggressive mode" \
		grep -q "Phase 1 aggressive mode established (responder, .*hybrid-init-rsa" "$IKE_TMP/server.log"
	addr=$(ezv_env INTERNAL_IP4_ADDRESS)
	case $addr in
	10.77.1.*) tap_ok "vpnc: bob's group eng (pool 10.77.1.x: $addr), not the ID it sent (sales)" ;;
	*) tap_fail "vpnc: bob's group eng (pool 10.77.1.x), got '$addr'" ;;
	esac
	tap_check "vpnc: ping a LAN host through the tunnel" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
	ezv_vpnc_stop
}
modprobe tun 2>/dev/null
if command -v vpnc >/dev/null && [ -c /dev/net/tun ]; then
	vpnc_case
else
	tap_skip "vpnc: not installed or no /dev/net/tun"
fi

# ---- 3. evsd's client role ----------------------------------------------------
evsd_conf() {
	evsd_client_conf auth=hybrid pki="$pki" user=bob password='bob pw 2' \
		transform="esp-aes 256 esp-sha-hmac" peer="server-name $1"
}
evsd_conf server.evs.test >"$IKE_TMP/client.conf"
if ike_start client "$cli" "$IKE_TMP/client.conf" --client; then
	if ike_client_up; then
		tap_ok "evsd client: hybrid + XAUTH, address and split route on evs0"
	else
		tap_fail "evsd client: hybrid + XAUTH, address and split route on evs0"
		ike_diag client
		ike_diag server
	fi
	inner=$(ike_client_inner client)
	case $inner in
	10.77.1.*) tap_ok "evsd client: bob's group eng ($inner)" ;;
	*) tap_fail "evsd client: bob's group eng, got '$inner'" ;;
	esac
	tap_check "evsd client: verified the gateway's certificate" \
		grep -q 'certificate "CN=server.evs.test,O=evs test" verified' "$IKE_TMP/client.log"
	tap_check "evsd client: ping a LAN host through the tunnel" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$inner" 192.168.77.2
	ike_stop client
	tap_result "evsd client: exits cleanly" $?
else
	tap_fail "evsd client: starts"
fi

# ---- 4. a certificate that does not name the gateway ---------------------------
evsd_conf gw.elsewhere.test >"$IKE_TMP/client2.conf"
logins=$(grep -c 'xauth: user "bob" from' "$IKE_TMP/server.log")
if ike_start client2 "$cli" "$IKE_TMP/client2.conf" --client; then
	tap_check "evsd client: refuses a gateway certificate of another name" \
		ike_wait_log client2 "does not name gw.elsewhere.test" 60
	tap_check_fails "evsd client: no connection" ike_wait_conn client2 3
	tap_check "evsd client: never sent its user name (no XAUTH login logged by the gateway)" \
		test "$(grep -c 'xauth: user "bob" from' "$IKE_TMP/server.log")" -eq "$logins"
	ike_stop client2
else
	tap_fail "evsd client (misnamed gateway): starts"
fi

ike_stop server
tap_result "evsd gateway exits cleanly" $?

# ---- 5. evsd's client role against strongSwan as the hybrid gateway ----------
# strongSwan's responder: its own round by certificate, the initiator's
# by XAUTH only (that is HybridInitRSA to it).
sw_gateway_case() {
	local inner
	mkdir -p "$IKE_TMP/sw/private"
	cp "$pki/server.key" "$IKE_TMP/sw/private/server.key"
	cat >"$IKE_TMP/sw/swanctl.conf" <<CONF
connections {
    gw {
        version = 1
        aggressive = no
        local_addrs = 198.51.100.1
        pools = p
        proposals = aes256-sha256-modp2048
        local {
            auth = pubkey
            certs = $pki/server.pem
            id = "O=evs test, CN=server.evs.test"
        }
        remote {
            auth = xauth
        }
        children {
            c {
                local_ts = 0.0.0.0/0
                esp_proposals = aes256-sha1
            }
        }
    }
}
pools {
    p {
        addrs = 10.77.5.0/24
    }
}
secrets {
    xauth-bob {
        id = bob
        secret = "bob pw 2"
    }
}
CONF
	ip -n "$srv" route add 10.77.5.0/24 dev s0
	if ! sw_start "$srv"; then
		tap_fail "evsd client -> strongSwan: charon starts"
		tap_diag <"$IKE_TMP/sw/load.out"
		return
	fi
	evsd_conf server.evs.test >"$IKE_TMP/client3.conf"
	ike_start client3 "$cli" "$IKE_TMP/client3.conf" --client ||
		{ tap_fail "evsd client -> strongSwan: evsd starts"; sw_stop; return; }
	ike_up "evsd client -> strongSwan gateway: hybrid + XAUTH + mode config + quick mode" client3:90 ||
		{ sw_diag; ike_stop client3; sw_stop; return; }
	tap_check "evsd client -> strongSwan gateway: negotiated hybrid-init-rsa" \
		grep -q "Phase 1 main mode established (initiator, .*hybrid-init-rsa" "$IKE_TMP/client3.log"
	inner=$(ike_client_inner client3)
	case $inner in
	10.77.5.*) tap_ok "evsd client -> strongSwan gateway: address $inner from its pool" ;;
	*) tap_fail "evsd client -> strongSwan gateway: address from its pool, got '$inner'" ;;
	esac
	tap_check "evsd client -> strongSwan gateway: ping the LAN host through evs" \
		ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
	ike_stop client3
	tap_result "evsd client -> strongSwan gateway: evsd exits cleanly" $?
	sw_stop
}
if [ -x "$CHARON" ] && command -v swanctl >/dev/null &&
	[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ]; then
	sw_gateway_case
else
	tap_skip "evsd client -> strongSwan gateway: charon, swanctl or xauth-generic missing"
fi
tap_done
