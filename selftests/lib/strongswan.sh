# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# strongSwan (charon, Debian's package) as a peer of evsd, for the selftests
# that drive it through swanctl (sourced after ike_lib.sh; the caller
# writes $IKE_TMP/sw/swanctl.conf before sw_start).

CHARON=${CHARON:-/usr/lib/ipsec/charon}

# sw_require_xauth: skip the test unless charon, swanctl and the XAUTH
# client plugin are installed.
sw_require_xauth() {
	[ -x "$CHARON" ] || skip_all "strongSwan charon not installed"
	require_cmd swanctl
	[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] ||
		skip_all "strongSwan xauth-generic plugin missing (libcharon-extauth-plugins)"
}

# sw_start NS: charon in NS with $IKE_TMP/sw/{strongswan,swanctl}.conf.
sw_start() {
	local ns=$1 d=$IKE_TMP/sw
	SW_NS=$ns
	mkdir -p "$d"
	cat >"$d/strongswan.conf" <<EOF
charon {
    load_modular = yes
    i_dont_care_about_security_and_use_aggressive_mode_psk = yes
    install_virtual_ip = yes
    retransmit_timeout = 3
    plugins {
        include /etc/strongswan.d/charon/*.conf
        vici {
            socket = unix://$d/charon.vici
        }
    }
    filelog {
        charon {
            path = $d/charon.log
            default = 1
            ike = 2
            cfg = 2
            flush_line = yes
        }
    }
}
EOF
	rm -f /run/charon.pid /var/run/charon.pid "$d/charon.vici" "$d/charon.log"
	STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" $CHARON >/dev/null 2>&1 &
	echo $! >"$d/charon.bgpid"
	# Under the emulator charon takes a while to listen.
	for _ in $(seq 150); do
		swanctl --stats --uri "unix://$d/charon.vici" >/dev/null 2>&1 && break
		sleep 0.2
	done
	swanctl --load-all --file "$d/swanctl.conf" --uri "unix://$d/charon.vici" \
		>"$d/load.out" 2>&1
}

# sw_ctl CMD [ARG...]: swanctl CMD (first, as swanctl wants it) against
# the charon of sw_start.
sw_ctl() {
	local cmd=$1
	shift
	ip netns exec "$SW_NS" swanctl "$cmd" --uri "unix://$IKE_TMP/sw/charon.vici" "$@"
}

sw_stop() {
	local f=$IKE_TMP/sw/charon.bgpid
	[ -f "$f" ] || return 0
	kill -TERM "$(cat "$f")" 2>/dev/null
	wait "$(cat "$f")" 2>/dev/null
	rm -f "$f" "$IKE_TMP/sw/charon.vici"
}
sw_diag() {
	echo "# --- charon log (last 40 lines) ---"
	tail -n 40 "$IKE_TMP/sw/charon.log" 2>/dev/null | tap_diag
}

# sw_initiate_up LABEL: charon initiates CHILD_SA c of IKE SA evs (through
# swanctl, 90 s at most) and then the evsd gateway "server" has its
# connection within 20 s: tap_ok LABEL; otherwise tap_fail LABEL with
# swanctl's output, charon's and the gateway's logs, and return 1.
sw_initiate_up() {
	if timeout 120 swanctl --initiate --child c --ike evs --timeout 90 \
		--uri "unix://$IKE_TMP/sw/charon.vici" >"$IKE_TMP/sw/init.out" 2>&1 &&
	   ike_wait_conn server 20; then
		tap_ok "$1"
		return 0
	fi
	tap_fail "$1"
	tail -n 20 "$IKE_TMP/sw/init.out" | tap_diag
	grep -v "plugin '" "$IKE_TMP/sw/load.out" | tap_diag
	sw_diag
	ike_diag server
	return 1
}

# sw_end_case: between the cases of a test: charon and every evsd stopped,
# the test's namespaces removed.
sw_end_case() {
	sw_stop
	ike_end_case
}
on_exit "sw_stop"
