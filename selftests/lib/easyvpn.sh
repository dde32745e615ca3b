# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for the easyvpn_*.sh selftests (sourced after lib.sh and
# ike_lib.sh): an Easy VPN gateway configuration, users, and real clients
# (vpnc; strongSwan and libreswan in their own tests).
#
#   cli  c0 198.51.100.2/24 ---- s0 198.51.100.1/24  srv  lan0 192.168.77.1/24
#                                                     |
#                                           lan  eth0 192.168.77.2/24

EVSADM=${EVSADM:-$EVS_TOP/userspace/evsadm/evsadm}
# EVS_BINDIR=DIR runs the binaries of a private build (make -C userspace
# BUILD=B puts them in B/bin); vm-run passes EVS_* variables through.
if [ -n "${EVS_BINDIR:-}" ]; then
	EVSD=$EVS_BINDIR/evsd
	EVSADM=$EVS_BINDIR/evsadm
fi
EZV_GROUP_KEY="Kq7Rv2LmX9pWc4ZtKb8Nsales"

# ezv_user NAME PASSWORD [GROUP]: add a local user (cheap hash: tests
# verify hundreds of logins under emulation).
ezv_user() {
	printf '%s\n' "$2" | "$EVSADM" user add "$1" group "${3:-sales}" \
		file "$IKE_TMP/users" cost min
}

# ezv_server_conf [EXTRA]: the gateway's evsd.conf on stdout.  Phase 1
# policies cover what vpnc, strongSwan, libreswan, Android and iOS offer
# (AES/3DES x SHA1/MD5, MODP1024 included: weak, so configured on purpose).
ezv_server_conf() {
	evsd_gateway_conf users="$IKE_TMP/users" key="$EZV_GROUP_KEY" \
		policy=10:sha:pre-share:14 policy=20:sha:pre-share:2 \
		policy=30:md5:pre-share:2:3des \
		transform="STRONG:esp-aes 256 esp-sha-hmac" \
		transform="LEGACY:esp-3des esp-md5-hmac" \
		group="dns 192.168.77.53 192.168.77.54" group="domain corp.example" \
		group='banner "Welcome to the evs test gateway"' \
		group="split-dns corp.example" group="save-password no" \
		group="proxy-arp lan0" \
		extra="timers {
    dpd-interval 10
}
xauth {
    retries 3
    lockout 10 60
}" extra="${1:-}"
}

# ezv_sw_conf LOCAL REMOTE VIPS [CHILD...]: $IKE_TMP/sw/swanctl.conf for
# strongSwan as an Easy VPN client (lib/strongswan.sh) of the
# ezv_server_conf gateway: aggressive mode with the group key as
# keyid:sales, XAUTH as EZV_SW_USER with EZV_SW_PASSWORD (default alice),
# EZV_SW_LINE in the connection (e.g. "dpd_delay = 5s"), a child "lan" to
# 192.168.77.0/24 and the CHILD blocks given.
ezv_sw_conf() {
	local children user=${EZV_SW_USER:-alice} pass=${EZV_SW_PASSWORD:-alice pw 1}
	children=$(printf '\t\t\t%s\n' "${@:4}")
	mkdir -p "$IKE_TMP/sw"
	cat >"$IKE_TMP/sw/swanctl.conf" <<CONF
connections {
	evs {
		version = 1
		aggressive = yes
		local_addrs = $1
		remote_addrs = $2
		proposals = aes256-sha1-modp2048,aes256-sha1-modp1024
		vips = $3
		${EZV_SW_LINE:-}
		local-1 {
			auth = psk
			id = keyid:sales
		}
		local-2 {
			auth = xauth
			xauth_id = $user
		}
		remote {
			auth = psk
		}
		children {
			lan {
				remote_ts = 192.168.77.0/24
				esp_proposals = aes256-sha1
			}
$children
		}
	}
}
secrets {
	ike-group {
		id = keyid:sales
		secret = "$EZV_GROUP_KEY"
	}
	xauth-$user {
		id = $user
		secret = "$pass"
	}
}
CONF
}

# ezv_sw_start: charon in $cli with the ezv_sw_conf connection loaded
# (skips the test when charon does not start).
ezv_sw_start() {
	sw_start "$cli"
	if ! sw_ctl --stats >/dev/null 2>&1; then
		sw_diag
		skip_all "charon did not start"
	fi
	tap_check "charon starts and loads the connection" \
		grep -q "loaded connection 'evs'" "$IKE_TMP/sw/load.out"
}

# ezv_vpnc_init [CMD...]: the start of a test with vpnc clients: vpnc and
# the commands named present, ike_init, /dev/net/tun usable.
ezv_vpnc_init() {
	require_cmd vpnc "$@"
	ike_init
	modprobe tun 2>/dev/null
	[ -c /dev/net/tun ] || skip_all "no /dev/net/tun for vpnc"
}

# ezv_vpnc_start USER PASSWORD [ADDR]: run vpnc in $cli against the gateway.
# Its script (lib/vpnc-script) records what the gateway pushed in
# $IKE_TMP/TAG.env and sets up the tun device and split routes the way
# vpnc-script would.
# Several at once: EZV_VPNC=TAG names the instance's files ($IKE_TMP/TAG.*,
# default vpnc; also for ezv_vpnc_wait/stop and ezv_env), EZV_VPNC_NS its
# namespace (default $cli), EZV_VPNC_IF its tun device (default tun0),
# EZV_VPNC_GROUP and EZV_VPNC_KEY its group (default sales), EZV_VPNC_EXTRA
# more lines of its configuration (e.g. "IKE Authmode hybrid"),
# EZV_VPNC_NONINTERACTIVE= (empty) lets it ask again (a password helper).
ezv_vpnc_start() {
	local user=$1 pass=$2 t=$IKE_TMP/${EZV_VPNC:-vpnc}
	rm -f "$t.env"
	cat >"$t.conf" <<VPNC
IPSec gateway 198.51.100.1
IPSec ID ${EZV_VPNC_GROUP:-sales}
IPSec secret ${EZV_VPNC_KEY:-$EZV_GROUP_KEY}
Xauth username $user
Xauth password $pass
IKE DH Group dh2
Perfect Forward Secrecy nopfs
NAT Traversal Mode ${EZV_VPNC_NATT:-none}
Interface name ${EZV_VPNC_IF:-tun0}
Interface mode tun
No Detach
${EZV_VPNC_NONINTERACTIVE-Noninteractive}
Debug 1
Script $EVS_TOP/selftests/lib/vpnc-script
Pidfile $t.pid
${EZV_VPNC_EXTRA:-}
VPNC
	EZV_ENV=$t.env ip netns exec "${EZV_VPNC_NS:-$cli}" vpnc "$t.conf" \
		>"$t.log" 2>&1 &
	echo $! >"$t.bgpid"
}

# ezv_vpnc_wait SECONDS: until the connect script ran (0) or vpnc gave up.
ezv_vpnc_wait() {
	local i t=$IKE_TMP/${EZV_VPNC:-vpnc}
	for i in $(seq $(($1 * 5))); do
		[ -f "$t.env" ] && return 0
		kill -0 "$(cat "$t.bgpid")" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# ezv_vpnc_up LABEL [SECONDS]: tap_ok LABEL once vpnc (ezv_vpnc_start) ran
# its connect script within SECONDS (default 90); otherwise tap_fail LABEL
# with vpnc's output and the gateway's log, and return 1.
ezv_vpnc_up() {
	if ezv_vpnc_wait "${2:-90}"; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1"
	ezv_diag_vpnc
	ezv_diag_server 100
	return 1
}

# ezv_vpnc_stop [SIGNAL]: SIGTERM (vpnc sends its deletes; KILL: none) and
# wait.
ezv_vpnc_stop() {
	local f=$IKE_TMP/${EZV_VPNC:-vpnc}.bgpid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	rm -f "$f"
	kill "-${1:-TERM}" "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# ezv_env VAR: a value vpnc handed to its script.
ezv_env() {
	sed -n "s/^$1=//p" "$IKE_TMP/${EZV_VPNC:-vpnc}.env" | head -1
}

# ezv_rri_route NS ADDR: the gateway's route for a client address into evs0.
ezv_rri_route() {
	timeout 5 ip -n "$1" route show "$2/32" 2>/dev/null | grep -q 'dev evs0'
}

# ezv_check_sales_push [WHOSE]: what vpnc got is group sales's mode config
# (ezv_conf_server's, or the IOS import's): two DNS servers, the domain, the
# banner and one split-include network; WHOSE ("the IOS group's ") goes in
# front of the names of the checks.
ezv_check_sales_push() {
	local w=${1:-}
	tap_check "${w}DNS servers pushed" \
		test "$(ezv_env INTERNAL_IP4_DNS)" = "192.168.77.53 192.168.77.54"
	tap_check "${w}default domain pushed" test "$(ezv_env CISCO_DEF_DOMAIN)" = "corp.example"
	tap_check "${w}banner pushed" \
		test "$(ezv_env CISCO_BANNER)" = "Welcome to the evs test gateway"
	tap_check "${w}split-include: one network, 192.168.77.0/24" \
		test "$(ezv_env CISCO_SPLIT_INC) $(ezv_env CISCO_SPLIT_INC_0_ADDR)/$(ezv_env CISCO_SPLIT_INC_0_MASKLEN)" = "1 192.168.77.0/24"
}

# ezv_rri_wait NS ADDR [TRIES]: true once that route is there (TRIES
# looks 0.2 s apart, default 150).
ezv_rri_wait() {
	for _ in $(seq "${3:-150}"); do
		ezv_rri_route "$1" "$2" && return 0
		sleep 0.2
	done
	return 1
}

ezv_diag_vpnc() {
	echo "# --- vpnc (last 30 lines) ---"
	tail -n 30 "$IKE_TMP/${EZV_VPNC:-vpnc}.log" | tap_diag
}

# ezv_diag_server [LINES]: the gateway's log, more of it than ike_diag.
ezv_diag_server() {
	echo "# --- evsd server (last ${1:-150} lines) ---"
	tail -n "${1:-150}" "$IKE_TMP/server.log" | tap_diag
}

# ezv_vpnc_addr_check POOL: vpnc's address in $addr, and the TAP line that
# it is from POOL (10.77.0.10-10.77.0.100, named so in the line).
ezv_vpnc_addr_check() {
	addr=$(ezv_env INTERNAL_IP4_ADDRESS)
	tap_diag "vpnc got: $(tr '\n' ' ' <"$IKE_TMP/vpnc.env")"
	case $addr in
	10.77.0.[1-9][0-9]|10.77.0.100) tap_ok "address $addr from $1" ;;
	*) tap_fail "address from $1 (got '$addr')" ;;
	esac
}

# ezv_pings_start COUNT TAG:NS:ADDR...: COUNT pings 50 ms apart from ADDR
# in NS to the LAN host, in the background (the summary in
# $IKE_TMP/ping.TAG); ezv_pings_wait TAG...: wait for them, their
# summaries as diagnostics.
ezv_pings_start() {
	local count=$1 v n ns a
	shift
	for v in "$@"; do
		IFS=: read -r n ns a <<<"$v"
		ip netns exec "$ns" ping -q -c "$count" -i 0.05 -W 2 -I "$a" 192.168.77.2 \
			>"$IKE_TMP/ping.$n" 2>&1 &
		echo $! >"$IKE_TMP/ping.$n.pid"
	done
}

ezv_pings_wait() {
	local n
	for n in "$@"; do
		wait "$(cat "$IKE_TMP/ping.$n.pid")" 2>/dev/null
		tap_diag "$n: $(grep 'packets transmitted' "$IKE_TMP/ping.$n")"
	done
}

# ezv_pings_received NAME: how many of NAME's pings were answered (after
# ezv_pings_wait; nothing when ping gave no summary).
ezv_pings_received() {
	sed -n 's/^[0-9]* packets transmitted, \([0-9]*\) received.*/\1/p' "$IKE_TMP/ping.$1"
}

# ezv_no_crash [LOG...]: the TAP line "no crash in evsd": no sanitizer
# report and no segfault in LOG... (default: the gateway's log).
ezv_no_crash() {
	if cat "${@:-$IKE_TMP/server.log}" | grep -qi 'sanitizer\|segfault'; then
		tap_fail "no crash in evsd"
	else
		tap_ok "no crash in evsd"
	fi
}

# ezv_aaa_conf LINE...: an aaa block for ezv_server_conf with the test's
# FreeRADIUS (ezv_freeradius_start) as its server, 2 s per try, the NAS
# identifier evs-test-gw, and LINE... (a LINE may hold a whole block).
ezv_aaa_conf() {
	printf 'aaa {\n'
	printf '    %s\n' "$@"
	printf '    radius-server 127.0.0.1 {\n        key testing123\n    }\n'
	printf '    timeout 2\n    nas-identifier evs-test-gw\n}'
}

# ezv_acct_attr TYPE ATTR [N] [USER]: ATTR of the Nth record of
# Acct-Status-Type TYPE (of User-Name USER, when given) in
# ezv_freeradius_start's detail file (records are separated by blank lines).
ezv_acct_attr() {
	awk -v t="$1" -v a="$2" -v n="${3:-1}" -v u="${4:-}" 'BEGIN { RS = "" }
		$0 ~ ("Acct-Status-Type = " t "\n") &&
		(u == "" || index($0, "User-Name = \"" u "\"")) && ++k == n {
			if (match($0, a " = [^\n]*")) {
				v = substr($0, RSTART + length(a) + 3, RLENGTH - length(a) - 3)
				gsub(/"/, "", v); print v
			}
			exit
		}' "$IKE_TMP/raddb/radacct/detail" 2>/dev/null
}

# ezv_acct_count TYPE [USER]: how many records of Acct-Status-Type TYPE (of
# User-Name USER, when given) the detail file holds.
ezv_acct_count() {
	awk -v t="$1" -v u="${2:-}" 'BEGIN { RS = "" }
		$0 ~ ("Acct-Status-Type = " t "\n") &&
		(u == "" || index($0, "User-Name = \"" u "\"")) { k++ }
		END { print k + 0 }' "$IKE_TMP/raddb/radacct/detail" 2>/dev/null || echo 0
}

# ezv_radius_users: $IKE_TMP/raddb/users (for ezv_freeradius_start) with the
# user radonly ("radius pw 7", 10.77.5.5, group sales), then the entries
# on standard input.
ezv_radius_users() {
	mkdir -p "$IKE_TMP/raddb"
	{
		printf '%s\n' 'radonly	Cleartext-Password := "radius pw 7"' \
			'	Framed-IP-Address = 10.77.5.5,' '	Class = "group=sales"'
		cat
	} >"$IKE_TMP/raddb/users"
}

# ezv_freeradius_start NS [PAP-UNLANG]: a FreeRADIUS of the test's own on
# 127.0.0.1 in NS (secret testing123), users from $IKE_TMP/raddb/users,
# accounting to $IKE_TMP/raddb/radacct/detail.  The users file must exist
# first.  PAP-UNLANG: unlang that replaces the plain "pap" of Auth-Type
# PAP (e.g. a challenge after the first factor).
ezv_freeradius_start() {
	local ns=$1 d=$IKE_TMP/raddb pap_unlang=${2:-pap}
	mkdir -p "$d/radacct" "$d/log" "$d/run"
	cat >"$d/radiusd.conf" <<RAD
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
logdir = $d/log
raddbdir = $d
radacctdir = $d/radacct
name = freeradius
confdir = $d
modconfdir = $d
run_dir = $d/run
db_dir = $d
libdir = /usr/lib/freeradius
pidfile = $d/run/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = files
	file = $d/log/radius.log
	auth = yes
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
}
# require_message_authenticator: evsd must sign every Access-Request
# (and checks the signature of every answer: the Blast-RADIUS defence).
client localhost {
	ipaddr = 127.0.0.1
	secret = testing123
	require_message_authenticator = yes
}
modules {
	pap {
	}
	# return codes for unlang (PAP-UNLANG)
	always ok {
		rcode = ok
	}
	always reject {
		rcode = reject
	}
	always handled {
		rcode = handled
	}
	files {
		filename = $d/users
		acctusersfile = $d/acct_users
		preproxy_usersfile = $d/preproxy_users
	}
	detail {
		filename = $d/radacct/detail
		permissions = 0600
		header = "%t"
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = 1812
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = 1813
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
$pap_unlang
		}
	}
	# FreeRADIUS 3.2.1 signs its answers only when told to; evsd requires
	# a Message-Authenticator in every login answer.
	post-auth {
		update reply {
			&Message-Authenticator := 0x00
		}
		Post-Auth-Type REJECT {
			update reply {
				&Message-Authenticator := 0x00
			}
		}
	}
	accounting {
		detail
	}
}
RAD
	: >"$d/acct_users"
	: >"$d/preproxy_users"
	ip netns exec "$ns" freeradius -X -d "$d" >"$d/log/debug.log" 2>&1 &
	echo $! >"$IKE_TMP/freeradius.bgpid"
	on_exit "kill \$(cat $IKE_TMP/freeradius.bgpid) 2>/dev/null"
	for _ in $(seq 100); do
		grep -q 'Ready to process requests' "$d/log/debug.log" 2>/dev/null && return 0
		kill -0 "$(cat "$IKE_TMP/freeradius.bgpid")" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 30 "$d/log/debug.log" | tap_diag
	return 1
}
