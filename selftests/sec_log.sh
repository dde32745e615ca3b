#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Peer-supplied strings reach evsd's log escaped (issue 10, item 8): a raw
# aggressive-mode first message whose KEY_ID holds ESC (0x1b) and a newline
# is logged as \x1b and \n on one line, and the log holds no raw control
# byte.  The gateway still answers (a wrong-key-looking AM2) and stays up.
# evs-selftest-timeout: 300
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

require_cmd python3
ike_init
ezv_user alice 'alice pw 1' >/dev/null || skip_all "evsadm user add failed"
ike_topology
ezv_server_conf >"$IKE_TMP/server.conf"
ike_start server "$srv" "$IKE_TMP/server.conf" || { tap_fail "evsd starts"; tap_done; }
tap_ok "evsd starts"

# HDR, SA (AES-256/SHA1/XAUTHInitPreShared/MODP1024), KE, Ni, ID(KEY_ID):
# what vpnc sends first, with a hostile group name.
cat >"$IKE_TMP/am1.py" <<'PY'
import os, socket, struct, sys

def payload(nxt, body):
    return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body

def tv(t, v):
    return struct.pack("!HH", 0x8000 | t, v)

attrs = tv(1, 7) + tv(14, 256) + tv(2, 2) + tv(3, 65001) + tv(4, 2) + tv(11, 1) + tv(12, 28800)
xform = struct.pack("!BBHBBH", 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xform), 1, 1, 0, 1) + xform
sa = struct.pack("!II", 1, 1) + prop
ke = b"\x7f" + os.urandom(127)
nonce = os.urandom(20)
ident = struct.pack("!BBH", 11, 0, 0) + sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
body = payload(4, sa) + payload(10, ke) + payload(5, nonce) + payload(0, ident)
hdr = os.urandom(8) + bytes(8) + struct.pack("!BBBBII", 1, 0x10, 4, 0, 0, 28 + len(body))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(hdr + body, (sys.argv[1], int(sys.argv[2])))
try:
    r, _ = s.recvfrom(4096)
    print("answer %d bytes exch %d" % (len(r), r[18]))
except socket.timeout:
    print("no answer")
PY

out=$(ip netns exec "$cli" python3 "$IKE_TMP/am1.py" 198.51.100.1 500 \
	'evil\x1b[31m\nevsd[1]: forged line\x1b[0m')
tap_diag "sender: $out"
tap_check "the gateway answers the first message (aggressive mode, exchange 4)" \
	sh -c "echo '$out' | grep -q 'exch 4'"
sleep 0.5
log=$IKE_TMP/server.log
tap_check "the unknown group is logged with ESC and newline escaped, on one line" \
	grep -qF 'unknown group "evil\x1b[31m\nevsd[1]: forged line\x1b[0m"' "$log"
tap_check "the peer identity is logged escaped too" \
	grep -qF 'peer identity keyid:evil\x1b[31m\nevsd[1]: forged line\x1b[0m' "$log"
tap_check_fails "no line of the log starts with the forged text" \
	grep -q '^evsd\[1\]: forged line' "$log"
tap_check "no raw control byte (other than the line ends) anywhere in the log" \
	sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$log'"
tap_check "evsd still runs" kill -0 "$(cat "$IKE_TMP/server.bgpid")"
ike_stop server
tap_result "evsd exits cleanly" $?
grep -n 'group\|identity' "$log" | tail -5 | cat -v | tap_diag
tap_done
