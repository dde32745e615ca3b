#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# XAUTH through a RADIUS Access-Challenge: a FreeRADIUS (Debian's package)
# of the test's own challenges user radchal after its password ("Enter
# next PIN", a State of its own) and accepts only that State sent back
# with the right PIN (verified against the server itself: a wrong PIN
# or a wrong State is an Access-Reject).
#  1. evsd's client role, no stored password: `evsadm client xauth` on a
#     terminal (a pty) asks for the user name and password, shows the
#     challenge's text, asks for the answer; the tunnel comes up and
#     carries traffic.  Nothing typed in secret is echoed or logged.
#  2. a wrong PIN: RADIUS rejects, the gateway's next try (retries 3)
#     starts again from the password; the right PIN then gets in.
#  3. vpnc (not "Noninteractive") answers the challenge through its
#     password helper and shows the text.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

PTY_DIALOG=$(dirname "$0")/lib/pty_dialog.py

ezv_vpnc_init freeradius python3 jq
ike_topology
ezv_radius_users <<'USERS'
radchal	Cleartext-Password := "pin1234"
	Class = "group=sales"
USERS
# State "evs-next-pin" (hex), then the PIN 123456 with it.
ezv_freeradius_start "$srv" '
			if (&request:State) {
				if (&request:State == 0x6576732d6e6578742d70696e && &User-Password == "123456") {
					ok
				}
				else {
					reject
				}
			}
			else {
				pap
				if (ok) {
					update reply {
						&State := 0x6576732d6e6578742d70696e
						&Reply-Message := "Enter next PIN"
						&Message-Authenticator := 0x00
					}
					update control {
						&Response-Packet-Type := Access-Challenge
					}
					handled
				}
			}' || skip_all "freeradius does not start"
: >"$IKE_TMP/users"	# no local users at all
ezv_server_conf "$(ezv_aaa_conf 'authentication radius' 'retries 1')" >"$IKE_TMP/server.conf"
# the gateway's policy 10 and STRONG transform set, group sales's key
ike_conf_client "" user=radchal password= hash=sha key="$EZV_GROUP_KEY" \
	transform="esp-aes 256 esp-sha-hmac" >"$IKE_TMP/client.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"

cstate() {
	"$EVSADM" --socket "$IKE_TMP/client.sock" client show gw -j 2>/dev/null | jq -r '.[0].state'
}

wait_xauth() {
	for _ in $(seq 300); do
		[ "$(cstate)" = "waiting for XAUTH" ] && return 0
		sleep 0.2
	done
	return 1
}

# dialog TAG STEP...: `evsadm client xauth gw` on a pty, the person's
# answers STEP (pty_dialog.py); its screen in $IKE_TMP/TAG.tty.
dialog() {
	local tag=$1
	shift
	python3 "$PTY_DIALOG" "$IKE_TMP/$tag.tty" "$@" -- \
		"$EVSADM" --socket "$IKE_TMP/client.sock" client xauth gw timeout 120
}

# 1. the right PIN
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd client does not start"
if ! wait_xauth; then
	tap_fail "client waits for XAUTH (no stored password)"
	ike_diag client
	tap_done
fi
tap_ok "client waits for XAUTH (no stored password)"
dialog pin 'Username: =radchal' 'Password: *=pin1234' 'Answer: *=123456'
rc=$?
tap_result "evsadm client xauth: password, then the challenge's answer" $rc
[ $rc = 0 ] || ike_diag client
tr -d '\r' <"$IKE_TMP/pin.tty" | tap_diag
tap_check "the challenge's text is shown to the person" \
	grep -q '^gateway: Enter next PIN' "$IKE_TMP/pin.tty"
tap_check "the person is asked for the answer (not the password again)" \
	sh -c "grep -q '^Answer: ' $IKE_TMP/pin.tty && ! grep -q 'asks again' $IKE_TMP/pin.tty"
tap_check_fails "nothing typed in secret is echoed" grep -q 'pin1234\|123456' "$IKE_TMP/pin.tty"
ike_session_up "the tunnel comes up after the challenge"
tap_check "the client pings the gateway's LAN host" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 192.168.77.2
tap_check "the gateway relayed the challenge" \
	grep -q 'RADIUS challenges user "radchal" from 198.51.100.2 (1 of at most 4): Enter next PIN' \
	"$IKE_TMP/server.log"
tap_check "the gateway accepted radchal in group sales" \
	grep -q 'user "radchal" from 198.51.100.2 accepted (RADIUS accept), group "sales"' \
	"$IKE_TMP/server.log"
tap_check "FreeRADIUS got the State back with the answer" \
	awk '/Received Access-Request/ { r = 1 } /Sent Access-/ { r = 0 }
	     r && /State = 0x6576732d6e6578742d70696e/ { f = 1 } END { exit !f }' \
	"$IKE_TMP/raddb/log/debug.log"
tap_check_fails "no secret in the logs" \
	grep -q 'pin1234\|123456' "$IKE_TMP/client.log" "$IKE_TMP/server.log"
ike_stop client

# 2. a wrong PIN, then the next try
ike_start client "$cli" "$IKE_TMP/client.conf" --client || skip_all "evsd client does not start"
if wait_xauth; then
	tap_ok "again: client waits for XAUTH"
else
	tap_fail "again: client waits for XAUTH"
fi
dialog wrong 'Username: =radchal' 'Password: *=pin1234' 'Answer: *=654321' \
	'Username: =radchal' 'Password: *=pin1234' 'Answer: *=123456'
tap_result "wrong PIN, then a new try with the right one" $?
tr -d '\r' <"$IKE_TMP/wrong.tty" | tap_diag
tap_check "the gateway asked again from the password after the wrong PIN" \
	grep -q 'asks again' "$IKE_TMP/wrong.tty"
tap_check "the wrong PIN was a RADIUS reject (attempt 1 of 3)" \
	grep -q 'user "radchal" from 198.51.100.2 refused: RADIUS reject (attempt 1 of 3)' \
	"$IKE_TMP/server.log"
tap_check "up after the second try" ike_client_up
ike_stop client

# 3. vpnc: its password helper answers the second prompt
cat >"$IKE_TMP/pinhelper" <<EOF
#!/bin/sh
printf '%s\n' "\$1" >>"$IKE_TMP/pinhelper.prompts"
echo 123456
EOF
chmod +x "$IKE_TMP/pinhelper"
EZV_VPNC_NONINTERACTIVE= EZV_VPNC_EXTRA="Password helper $IKE_TMP/pinhelper" \
	ezv_vpnc_start radchal pin1234
if ezv_vpnc_wait 90; then
	tap_ok "vpnc answers the challenge through its password helper"
else
	tap_fail "vpnc answers the challenge through its password helper"
fi
tap_diag <"$IKE_TMP/pinhelper.prompts"
tap_check "vpnc's helper was asked for the answer" \
	grep -q '^Answer for VPN radchal@198.51.100.1' "$IKE_TMP/pinhelper.prompts"
addr=$(ezv_env INTERNAL_IP4_ADDRESS)
tap_check "vpnc pings the gateway's LAN host ($addr)" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2
ezv_vpnc_stop
# (its standard output, a file, is written out when it ends)
tap_check "vpnc shows the challenge's text" grep -q '^Enter next PIN' "$IKE_TMP/vpnc.log"
ezv_no_crash
ike_stop server
tap_result "evsd exits cleanly" $?
[ $_tap_failed -eq 0 ] || { ezv_diag_vpnc; ezv_diag_server 200; ike_diag client;
	tail -n 60 "$IKE_TMP/raddb/log/debug.log" | tap_diag; }
tap_done
