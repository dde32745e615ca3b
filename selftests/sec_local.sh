#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Local hardening of evsd (issue 10, item 14): an evsd.conf or user file
# that others may write is refused (readable: a loud warning); the control
# socket is mode 0600; a control client that trickles its command never
# stalls the daemon (another client is answered at once).
# evs-selftest-timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

require_cmd python3 timeout
ike_init
ezv_user alice 'alice pw 1' >/dev/null || skip_all "evsadm user add failed"
ike_topology
conf=$IKE_TMP/server.conf
ezv_server_conf >"$conf"

# refused_with MODE WHAT TEXT: evsd exits at once (not killed by timeout)
# with TEXT in its output when evsd.conf has MODE.
refused_with() {
	local rc
	chmod "$1" "$conf"
	timeout 20 ip netns exec "$srv" "$EVSD" -f -c "$conf" --pid-file "$IKE_TMP/x.pid" \
		--socket "$IKE_TMP/x.sock" >"$IKE_TMP/refused.log" 2>&1
	rc=$?
	tap_check "evsd refuses an evsd.conf $2 (mode $1, exit $rc)" \
		sh -c "[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q '$3' '$IKE_TMP/refused.log'"
}
refused_with 666 "that others may write" "writable by others (mode 0666): refused"
refused_with 620 "that its group may write" "writable by its group"

chmod 644 "$conf"
ike_start server "$srv" "$conf" || { tap_fail "evsd starts"; tap_done; }
tap_ok "evsd starts with an evsd.conf others may read"
tap_check "... and warns that it holds secrets" \
	grep -q "readable by everyone (mode 0644), yet it holds secrets" "$IKE_TMP/server.log"
tap_check "control socket is mode 0600" \
	test "$(stat -c %a "$IKE_TMP/server.sock")" = 600

# A client that sends its command one byte every 150 ms, never a newline.
python3 - "$IKE_TMP/server.sock" >"$IKE_TMP/trickle.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    for i in range(60):
        s.send(b"s")
        time.sleep(0.15)
    print("trickled 60 bytes")
except OSError as e:
    print("dropped: %s" % e)
PY
trickler=$!
sleep 1
t0=$(date +%s%N)
out=$(ike_ctl server stats)
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
tap_diag "stats answered in $ms ms while a client trickles: ${out:0:60}"
# (an answer at all means the daemon was not held by the trickler; the
# time is emulation-dependent.)
tap_check "another control client is answered while one trickles (${ms} ms)" \
	sh -c "echo '$out' | grep -q 'ike: rx '"
wait $trickler
tap_diag "trickler: $(cat "$IKE_TMP/trickle.out")"
grep 'control socket' "$IKE_TMP/server.log" | tap_diag
# The order in evsd's own log: the answer went out while the trickler was
# still connected (it is dropped after 5 s).
tap_check "the answer went out before the trickler was dropped" \
	sh -c "grep -e 'control socket: \"daemon-show\"' -e 'control socket: a client took longer' \
		'$IKE_TMP/server.log' | head -1 | grep -q '\"daemon-show\"'"

# The user file: group-writable is refused on reload; the old users stay.
chmod 664 "$IKE_TMP/users"
kill -HUP "$(cat "$IKE_TMP/server.bgpid")"
sleep 1
tap_check "a group-writable user file is refused on reload" \
	grep -q "users: writable by its group (mode 0664): refused" "$IKE_TMP/server.log"
tap_check "evsd still runs" kill -0 "$(cat "$IKE_TMP/server.bgpid")"
ike_stop server
tap_result "evsd exits cleanly" $?
tap_done
