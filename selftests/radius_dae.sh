#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# RADIUS as operators use it, against FreeRADIUS (Debian's package) and
# its radclient: Accounting-On when evsd starts and Off when it stops;
# NAS-IP-Address (the listen address) and NAS-Port-Type Virtual in the
# records; dynamic authorization (RFC 5176) on UDP 3799: a Disconnect-
# Request for a vpnc user is ACKed and ends its session (Stop with
# Acct-Terminate-Cause Admin-Reset), one for an unknown user is NAKed with
# Error-Cause 503, one under the wrong secret gets no answer, a CoA with a
# Filter-Id is NAKed with Error-Cause 401 and changes nothing, a Disconnect
# by Framed-IP-Address ends it; a reload (evsadm reload) sends no second
# Accounting-On and the socket still answers; a CoA-Request naming the
# Acct-Session-Id with Session-Timeout = 5 is ACKed and the session ends
# about 5 s later (Session-Timeout); an Idle-Timeout from the Access-Accept
# ends a quiet session (Idle-Timeout); a client delete is User-Request,
# `evsadm session del` Admin-Reset, and a session live when evsd stops
# Admin-Reboot, before the Accounting-Off.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

require_cmd vpnc freeradius radclient
ike_init
modprobe tun 2>/dev/null
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun for vpnc"
on_exit ezv_vpnc_stop
ike_topology
ezv_radius_users <<'USERS'
idler	Cleartext-Password := "idle pw 8"
	Framed-IP-Address = 10.77.5.6,
	Class = "group=sales",
	Idle-Timeout = 20
USERS
ezv_freeradius_start "$srv" || skip_all "freeradius does not start"
: >"$IKE_TMP/users"
ezv_server_conf "$(ezv_aaa_conf 'authentication radius' 'accounting radius' 'retries 1' \
	'dynamic-authorization {
        client 127.0.0.1 {
            key dae-secret-5176
        }
    }')" >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || skip_all "evsd does not start"
detail=$IKE_TMP/raddb/radacct/detail

# wait_for SECONDS CMD...: until CMD succeeds.
wait_for() {
	local n=$(($1 * 5))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
# nth_record TYPE N: the Nth accounting record of Acct-Status-Type TYPE.
nth_record() {
	awk -v t="$1" -v n="$2" 'BEGIN { RS = "" }
		$0 ~ ("Acct-Status-Type = " t "\n") && ++k == n { print; exit }' "$detail" 2>/dev/null
}
has_record() { [ -n "$(nth_record "$1" "$2")" ]; }
# dae CODE SECRET ATTRS...: radclient from the gateway's namespace.
dae() {
	local code=$1 secret=$2
	shift 2
	printf '%s\n' "$@" | ip netns exec "$srv" radclient -x -r 1 -t 3 \
		127.0.0.1:3799 "$code" "$secret" 2>&1
}

ctl() { ike_ctl server "$@"; }
# stop_has N CAUSE: the Nth Stop record carries Acct-Terminate-Cause CAUSE.
stop_has() {
	nth_record Stop "$1" | tap_diag
	nth_record Stop "$1" | grep -q "Acct-Terminate-Cause = $2"
}

wait_for 20 has_record Accounting-On 1
tap_check "Accounting-On when evsd starts" has_record Accounting-On 1

ezv_vpnc_start radonly 'radius pw 7'
ezv_vpnc_wait 90
tap_result "radonly connects with vpnc" $?
wait_for 30 has_record Start 1
start=$(nth_record Start 1)
printf '%s\n' "$start" | tap_diag
tap_check "Start has NAS-IP-Address 198.51.100.1" \
	sh -c "printf '%s' \"\$1\" | grep -q 'NAS-IP-Address = 198.51.100.1'" _ "$start"
tap_check "Start has NAS-Port-Type Virtual" \
	sh -c "printf '%s' \"\$1\" | grep -q 'NAS-Port-Type = Virtual'" _ "$start"

out=$(dae disconnect dae-secret-5176 'User-Name = "nobody"' 'Message-Authenticator = 0x00')
printf '%s\n' "$out" | tap_diag
tap_check "Disconnect for an unknown user: NAK with Error-Cause 503" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Disconnect-NAK' &&
	       printf '%s' \"\$1\" | grep -Eq 'Error-Cause = (Session-Context-Not-Found|503)'" _ "$out"
out=$(dae disconnect wrong-secret 'User-Name = "radonly"' 'Message-Authenticator = 0x00')
printf '%s\n' "$out" | tap_diag
tap_check "Disconnect under the wrong secret: no answer" \
	sh -c "! printf '%s' \"\$1\" | grep -q 'Received'" _ "$out"
tap_check "... and the session lives" sh -c "! grep -q 'Acct-Status-Type = Stop' $detail"

out=$(dae coa dae-secret-5176 'User-Name = "radonly"' 'Session-Timeout = 5' \
	'Filter-Id = "acl-1"' 'Message-Authenticator = 0x00')
printf '%s\n' "$out" | tap_diag
tap_check "CoA with a Filter-Id: NAK with Error-Cause 401" \
	sh -c "printf '%s' \"\$1\" | grep -q 'CoA-NAK' &&
	       printf '%s' \"\$1\" | grep -Eq 'Error-Cause = (Unsupported-Attribute|401)'" _ "$out"
out=$(dae disconnect dae-secret-5176 'Framed-IP-Address = 10.77.5.5' \
	'Message-Authenticator = 0x00')
printf '%s\n' "$out" | tap_diag
tap_check "Disconnect by Framed-IP-Address 10.77.5.5: ACK" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Disconnect-ACK'" _ "$out"
wait_for 20 has_record Stop 1
stop=$(nth_record Stop 1)
printf '%s\n' "$stop" | tap_diag
tap_check "Stop with Acct-Terminate-Cause Admin-Reset" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Acct-Terminate-Cause = Admin-Reset'" _ "$stop"
tap_check "the gateway logged the disconnect" \
	grep -q 'RADIUS Disconnect-Request from 127.0.0.1 ends the session of "radonly"' \
	"$IKE_TMP/server.log"
dstat=$(ctl daemon show -j)
printf '%s\n' "$dstat" | tap_diag
tap_check "daemon show counts them: Disconnect 1 ACK 1 NAK, CoA 1 NAK, the forged one dropped" \
	python3 -c 'import json, sys
d = json.loads(sys.argv[1])["dynamic_authorization"]
sys.exit(not (d["disconnect_ack"] == 1 and d["disconnect_nak"] == 1 and
	      d["coa_nak"] == 1 and d["coa_ack"] == 0 and d["dropped"] >= 1))' "$dstat"
ezv_vpnc_stop

# CoA Session-Timeout = 5: ACK, the session ends about 5 s later
ezv_vpnc_start radonly 'radius pw 7'
ezv_vpnc_wait 90
tap_result "radonly connects again" $?
wait_for 30 has_record Start 2
tap_check "evsadm reload succeeds" ctl reload
sleep 3
tap_check "the reload sent no second Accounting-On" sh -c '! grep -q . <<EOF
$(nth_record Accounting-On 2)
EOF'
acct_id=$(nth_record Start 2 | sed -n 's/.*Acct-Session-Id = "\(.*\)"/\1/p' | head -n 1)
tap_diag "Acct-Session-Id of the second login: $acct_id"
t0=$(date +%s)
out=$(dae coa dae-secret-5176 "Acct-Session-Id = \"$acct_id\"" 'Session-Timeout = 5' \
	'Message-Authenticator = 0x00')
t_sent=$(date +%s)	# radclient itself starts slowly in a TCG guest
printf '%s\n' "$out" | tap_diag
tap_check "after the reload, CoA by Acct-Session-Id with Session-Timeout 5: ACK" sh -c "printf '%s' \"\$1\" | grep -q 'CoA-ACK'" _ "$out"
wait_for 30 has_record Stop 2
t1=$(date +%s)
stop=$(nth_record Stop 2)
printf '%s\n' "$stop" | tap_diag
tap_diag "CoA sent at $t0, answered at $t_sent, Stop seen at $t1"
tap_check "Stop with Acct-Terminate-Cause Session-Timeout" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Acct-Terminate-Cause = Session-Timeout'" _ "$stop"
tap_check "... at least 4 s after the CoA was sent ($((t1 - t0)) s), within 12 s of its answer ($((t1 - t_sent)) s)" \
	sh -c "[ $((t1 - t0)) -ge 4 ] && [ $((t1 - t_sent)) -le 12 ]"
ezv_vpnc_stop

# Idle-Timeout = 20 from the Access-Accept: no traffic, the session ends
ezv_vpnc_start idler 'idle pw 8'
ezv_vpnc_wait 90
tap_result "idler connects" $?
wait_for 30 has_record Start 3
t0=$(date +%s)
wait_for 60 has_record Stop 3
t1=$(date +%s)
stop=$(nth_record Stop 3)
printf '%s\n' "$stop" | tap_diag
tap_check "quiet session ends with Acct-Terminate-Cause Idle-Timeout" \
	sh -c "printf '%s' \"\$1\" | grep -q 'Acct-Terminate-Cause = Idle-Timeout'" _ "$stop"
# Idle time counts from the login; the Start (Phase 2 up) can come
# seconds later in a TCG guest, so the session's own age is the measure.
idle_age=$(sed -n 's/.*session end: user "idler" .*: idle timeout after \([0-9]*\) s;.*/\1/p' \
	"$IKE_TMP/server.log" | head -n 1)
tap_diag "Start seen at $t0, Stop seen at $t1; the session lasted ${idle_age:-?} s"
tap_check "... 20 to 45 s after the login (${idle_age:-?} s)" \
	sh -c "[ -n '$idle_age' ] && [ '${idle_age:-0}' -ge 20 ] && [ '${idle_age:-0}' -le 45 ]"
ezv_vpnc_stop

# a client delete (vpnc stops): User-Request
ezv_vpnc_start radonly 'radius pw 7'
ezv_vpnc_wait 90
tap_result "radonly connects (client delete)" $?
wait_for 30 has_record Start 4
ezv_vpnc_stop
wait_for 20 has_record Stop 4
tap_check "client delete: Acct-Terminate-Cause User-Request" stop_has 4 User-Request

# evsadm session del: Admin-Reset
ezv_vpnc_start radonly 'radius pw 7'
ezv_vpnc_wait 90
tap_result "radonly connects (session del)" $?
wait_for 30 has_record Start 5
tap_check "evsadm session del user radonly" ctl session del user radonly
wait_for 20 has_record Stop 5
tap_check "session del: Acct-Terminate-Cause Admin-Reset" stop_has 5 Admin-Reset
ezv_vpnc_stop

# live when evsd stops: Admin-Reboot, then Accounting-Off
ezv_vpnc_start radonly 'radius pw 7'
ezv_vpnc_wait 90
tap_result "radonly connects (evsd stops)" $?
wait_for 30 has_record Start 6

# A restart that keeps the session (SIGUSR2) tells the RADIUS server
# nothing: no Stop, no Accounting-Off, and no Accounting-On from the evsd
# that adopts it (either would end the session on the server).
kill -USR2 "$(cat "$IKE_TMP/server.bgpid")"
wait "$(cat "$IKE_TMP/server.bgpid")" 2>/dev/null
rm -f "$IKE_TMP/server.bgpid"
tap_check "SIGUSR2: evsd exits keeping the session" \
	grep -q 'exiting with the sessions kept' "$IKE_TMP/server.log"
mv "$IKE_TMP/server.log" "$IKE_TMP/server-kept.log"
ike_start server "$srv" "$IKE_TMP/server.conf"
tap_result "evsd starts again" $?
wait_for 30 grep -q 'state: 1 session adopted' "$IKE_TMP/server.log"
tap_result "the next evsd adopts the session" $?
sleep 2
tap_check "no Accounting-Off for a restart that keeps the sessions" \
	sh -c '! grep -q "Acct-Status-Type = Accounting-Off" "$1"' _ "$detail"
tap_check "no second Accounting-On after adopting" sh -c '! grep -q . <<EOF
$(nth_record Accounting-On 2)
EOF'
tap_check "no Stop for the adopted session" sh -c '! grep -q . <<EOF
$(nth_record Stop 6)
EOF'
ike_stop server
tap_result "evsd exits cleanly" $?
wait_for 10 has_record Accounting-Off 1
tap_check "Accounting-Off when evsd stops" has_record Accounting-Off 1
tap_check "the live session's Stop: Acct-Terminate-Cause Admin-Reboot" stop_has 6 Admin-Reboot
tap_check "... before the Accounting-Off" \
	awk 'BEGIN { RS = "" } /Acct-Status-Type = Stop\n/ { s = NR } /Acct-Status-Type = Accounting-Off\n/ { o = NR }
	     END { exit !(s && o && s < o) }' "$detail"
ezv_vpnc_stop
[ $_tap_failed -eq 0 ] || { ezv_diag_vpnc; ezv_diag_server 200; tail -n 60 "$IKE_TMP/raddb/log/debug.log" | tap_diag; }
tap_done
