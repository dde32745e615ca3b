# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# strongSwan (charon, Debian's package) as a peer of evsd, for the selftests
# that drive it through swanctl (sourced after ike_lib.sh; the caller sets
# CHARON and writes $IKE_TMP/sw/swanctl.conf before sw_start).

# sw_start NS: charon in NS with $IKE_TMP/sw/{strongswan,swanctl}.conf.
sw_start() {
	local ns=$1 d=$IKE_TMP/sw
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

# sw_ezv_conf LOCAL_ADDR USER PASSWORD [LINE]: $IKE_TMP/sw/swanctl.conf of
# an Easy VPN client of the gateway 198.51.100.1 (aggressive mode PSK with
# the group key as keyid:sales, XAUTH as USER, mode config for a virtual
# IP, the LAN 192.168.77.0/24); LINE goes into the connection (e.g.
# "dpd_delay = 5s").
sw_ezv_conf() {
	mkdir -p "$IKE_TMP/sw"
	cat >"$IKE_TMP/sw/swanctl.conf" <<CONF
connections {
	evs {
		version = 1
		aggressive = yes
		local_addrs = $1
		remote_addrs = 198.51.100.1
		proposals = aes256-sha1-modp2048,aes256-sha1-modp1024
		vips = 0.0.0.0
		${4:-}
		local-1 {
			auth = psk
			id = keyid:sales
		}
		local-2 {
			auth = xauth
			xauth_id = $2
		}
		remote {
			auth = psk
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
	ike-group {
		id = keyid:sales
		secret = "$EZV_GROUP_KEY"
	}
	xauth-$2 {
		id = $2
		secret = "$3"
	}
}
CONF
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
on_exit "sw_stop"
