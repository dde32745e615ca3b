# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# libreswan (pluto) as an IKEv1 Easy VPN client of evsd, or as the gateway
# of evsd's client role (ls_gw_conf), for the selftests
# (sourced after ike_lib.sh and lib/easyvpn.sh).  pluto is unpacked from
# build/debs into the VM's throw-away root: apt refuses it beside strongSwan.
# Its files live in $LS (default $IKE_TMP/ls).

# ls_init: pluto and its helpers in place, or the test is skipped.
ls_init() {
	local debs root=$IKE_TMP/lsroot d
	debs=$(ls "$EVS_TOP"/build/debs/*.deb 2>/dev/null | grep -v /systemd-resolved_)
	[ -n "$debs" ] || skip_all "no libreswan .deb in build/debs (scripts/deps --if-missing)"
	# Unpacked into a staging root, not over /: the packages' /lib would
	# replace the usrmerge symlink and take the dynamic loader with it.
	for d in $debs; do dpkg -x "$d" "$root" || skip_all "cannot unpack $d"; done
	[ -x "$root/usr/libexec/ipsec/pluto" ] || skip_all "pluto missing from the libreswan package"
	# pluto runs its helpers (addconn, _updown) from /usr/libexec/ipsec:
	# that directory (and libldns, which Debian 12 lacks) goes into the
	# VM's throw-away root, without overwriting anything there.
	if [ ! -x /usr/libexec/ipsec/pluto ]; then
		[ -w /usr/libexec ] || skip_all "/usr/libexec not writable (run inside the VM)"
		cp -a "$root/usr/libexec/ipsec" /usr/libexec/ || skip_all "cannot install pluto's helpers"
		cp -n "$root"/usr/lib/x86_64-linux-gnu/libldns* /usr/lib/x86_64-linux-gnu/ 2>/dev/null
	fi
	require_cmd certutil
	LS=${LS:-$IKE_TMP/ls}
}

# ls_conf_head: ipsec.conf up to the shared lines of connection "corp"
# (IKEv1 allowed, aggressive mode, PSK), for ls_conf and ls_gw_conf.
ls_conf_head() {
	cat <<CONF
config setup
	logfile=$LS/pluto.log
	ikev1-policy=accept

conn corp
	ikev2=no
	aggressive=yes
	authby=secret
CONF
}

# ls_conf USER PASSWORD [LINE...]: connection "corp" from 198.51.100.2 to
# the gateway's 198.51.100.1 (aggressive PSK as @[sales], XAUTH as USER,
# mode config pull; LS_MODECFGPULL=no: push), each LINE added to it; and
# its secrets.
ls_conf() {
	local user=$1 pass=$2 line
	shift 2
	mkdir -p "$LS/nss" "$LS/run"
	{
		ls_conf_head
		cat <<CONF
	left=198.51.100.2
	leftid=@[sales]
	leftxauthclient=yes
	leftusername=$user
	leftmodecfgclient=yes
	# pluto's default updown is "ipsec _updown", which finds strongSwan's
	leftupdown=/usr/libexec/ipsec/_updown
	modecfgpull=${LS_MODECFGPULL:-yes}
	right=198.51.100.1
	rightxauthserver=yes
	rightmodecfgserver=yes
	rightsubnet=192.168.77.0/24
	ike=aes256-sha1;modp2048
	esp=aes256-sha1
	auto=add
CONF
		for line in "$@"; do printf '\t%s\n' "$line"; done
	} >"$LS/ipsec.conf"
	cat >"$LS/ipsec.secrets" <<SECRETS
@[sales] 198.51.100.1 : PSK "$EZV_GROUP_KEY"
@$user : XAUTH "$pass"
SECRETS
	chmod 600 "$LS/ipsec.secrets"
}

ls_whack() {
	ip netns exec "$LS_NS" /usr/libexec/ipsec/whack --ctlsocket "$LS/run/pluto.ctl" "$@"
}

# ls_start NS: pluto in NS with the connection loaded; the test is skipped
# when libreswan itself cannot be set up (nothing of evsd was tested).
ls_start() {
	local rc
	LS_NS=$1
	[ -d "$LS/nss/" ] && [ -n "$(ls "$LS/nss")" ] ||
		certutil -N -d "sql:$LS/nss" --empty-password ||
		skip_all "certutil cannot make an NSS database"
	# shellcheck disable=SC2086 # LS_PLUTO_ARGS: words
	ip netns exec "$LS_NS" /usr/libexec/ipsec/pluto --nofork --config "$LS/ipsec.conf" \
		--secretsfile "$LS/ipsec.secrets" --nssdir "$LS/nss" --rundir "$LS/run" \
		${LS_PLUTO_ARGS:-} >"$LS/pluto.out" 2>&1 &
	echo $! >"$IKE_TMP/pluto.bgpid"
	on_exit "kill \$(cat $IKE_TMP/pluto.bgpid) 2>/dev/null"
	for _ in $(seq 100); do [ -S "$LS/run/pluto.ctl" ] && break; sleep 0.2; done
	if [ ! -S "$LS/run/pluto.ctl" ]; then
		tail -n 20 "$LS/pluto.out" | tap_diag
		skip_all "pluto did not start"
	fi
	ip netns exec "$LS_NS" /usr/libexec/ipsec/addconn --verbose --ctlsocket "$LS/run/pluto.ctl" \
		--config "$LS/ipsec.conf" corp >"$LS/addconn.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "# addconn exit $rc:"
		tap_diag <"$LS/addconn.out"
		ls_diag 20
		skip_all "libreswan's addconn refused the test connection"
	fi
	ls_whack --listen >/dev/null 2>&1
}

# ls_connect: initiate "corp"; true when its IPsec SA is up.
ls_connect() {
	timeout 120 ip netns exec "$LS_NS" /usr/libexec/ipsec/whack \
		--ctlsocket "$LS/run/pluto.ctl" --name corp --initiate >"$LS/initiate.out" 2>&1
	ls_whack --trafficstatus 2>/dev/null | grep -q corp
}

# ls_addr: the address the gateway gave USER's libreswan (from its log).
ls_addr() {
	sed -n 's/.*modecfg: replied for "'"$1"'".*address \([0-9.]*\)\/.*/\1/p' \
		"$IKE_TMP/${2:-server}.log" | tail -1
}

# ls_diag [N]: pluto's log without its debug lines, the last N (60).
ls_diag() {
	grep -v '^[^:]*: | ' "$LS/pluto.log" 2>/dev/null | tail -n "${1:-60}" | tap_diag
}

# ls_gw_conf USER PASSWORD [LINE...]: libreswan as the Easy VPN gateway
# (connection "corp" on 198.51.100.1): aggressive PSK from @[sales] (the
# group name as ID_KEY_ID), XAUTH against $LS/ipsec.d/passwd (USER with
# PASSWORD, crypt(3) SHA-512), mode config pull: an address from
# 10.88.0.10-20, DNS, domain, banner, 192.168.77.0/24 as split network;
# each LINE added to the connection.  ls_start then takes
# LS_PLUTO_ARGS="--ipsecdir $LS/ipsec.d" for the passwd file.
ls_gw_conf() {
	local user=$1 pass=$2 line hash
	shift 2
	mkdir -p "$LS/nss" "$LS/run" "$LS/ipsec.d"
	hash=$(openssl passwd -6 "$pass") || return 1
	printf '%s:%s:corp\n' "$user" "$hash" >"$LS/ipsec.d/passwd"
	chmod 600 "$LS/ipsec.d/passwd"
	{
		ls_conf_head
		cat <<CONF
	left=198.51.100.1
	leftsubnet=192.168.77.0/24
	leftxauthserver=yes
	leftmodecfgserver=yes
	leftupdown=/usr/libexec/ipsec/_updown
	right=%any
	rightid=@[sales]
	rightaddresspool=10.88.0.10-10.88.0.20
	rightxauthclient=yes
	rightmodecfgclient=yes
	modecfgpull=yes
	xauthby=file
	modecfgdns=192.168.77.53
	modecfgdomains=corp.example
	modecfgbanner="libreswan says hello"
	ike=aes256-sha1;modp2048
	esp=aes256-sha1
	pfs=no
	auto=add
CONF
		for line in "$@"; do printf '\t%s\n' "$line"; done
	} >"$LS/ipsec.conf"
	cat >"$LS/ipsec.secrets" <<SECRETS
198.51.100.1 @[sales] : PSK "$EVSD_GROUP_KEY"
SECRETS
	chmod 600 "$LS/ipsec.secrets"
}
