#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages as an administrator meets them: `dpkg -i` of evs-dkms
# and evs into the VM's throw-away root, DKMS installs the module for the
# VM's kernel, `modprobe evs`, the installed example configuration adapted
# to the test topology, the unit's own ExecStartPre/ExecStart lines (evsd
# creates evs0 itself and tells READY=1 on $NOTIFY_SOCKET), the unit's
# ExecReload, and vpnc connecting through it to a LAN host (pool inside the
# LAN's subnet, proxy ARP).
#
# DKMS compiles on the host, not under emulation (over 15 minutes there):
# scripts/pkg-prepare (the build tier of make check) builds the packages,
# runs `dkms build` for this kernel with its installed headers and packs the
# result with `dkms mktarball --binaries-only`.  That tarball is put where
# the evs-dkms postinst (DKMS's common.postinst) looks for one,
# /usr/share/evs-dkms/evs-VERSION.dkms.tar.gz: the postinst loads it
# (`dkms ldtarball`, which also links the package's /usr/src/evs-VERSION as
# the source), finds the module built for this kernel and installs it.
# evs-selftest-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/lib/easyvpn.sh"

pkg=$EVS_TOP/build/pkg
require_cmd dpkg dkms vpnc socat
[ -f "$pkg/version" ] || skip_all "no packages built (scripts/pkg-prepare)"
ver=$(cat "$pkg/version")
[ -f "$pkg/evs-$ver.dkms.tar.gz" ] || skip_all "no DKMS tarball (scripts/pkg-prepare)"
kver=$(uname -r)
[ "$(cat "$pkg/kver")" = "$kver" ] || skip_all "DKMS built for $(cat "$pkg/kver"), the VM runs $kver"
modprobe tun 2>/dev/null
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun for vpnc"
# The tree's module may be loaded by an earlier test: the package's goes in.
evs_unload_module || skip_all "the tree's evs.ko is busy"
IKE_TMP=$(mktemp -d /tmp/evs-pkg.XXXXXX)
on_exit "rm -rf $IKE_TMP"
on_exit "ike_stop_all"
on_exit "rmmod evs 2>/dev/null"
on_exit ezv_vpnc_stop

# --- install -------------------------------------------------------------
# man-db's trigger rebuilds its index over all of /usr/share/man: minutes
# under emulation over 9p, and nothing this test looks at.
rm -f /var/lib/man-db/auto-update
mkdir -p /usr/share/evs-dkms
cp "$pkg/evs-$ver.dkms.tar.gz" /usr/share/evs-dkms/

# DKMS's install searches the kernel's module tree and runs depmod, which
# reads every module in it: 4,000 files and 400 MB through the VM's 9p root,
# over ten minutes under emulation on a busy host.  For this test the tree
# is a tmpfs holding what the test can load -- every module loaded now, tun
# and veth, the crypto, lib and IPv4/IPv6/xfrm/netfilter modules -- with
# the kernel's own index files; DKMS and depmod work on it as on the whole
# tree.  Unmounted at exit: later tests see the kernel's tree again.
modprobe -a tun veth 2>/dev/null
mods=/lib/modules/$kver
keep=$(cd "$mods" && {
	for m in $(awk '{ print $1 }' /proc/modules); do
		f=$(modinfo -n "$m" 2>/dev/null) && [ "${f#"$mods"/}" != "$f" ] && echo "${f#"$mods"/}"
	done
	ls -d modules.* build source kernel/crypto kernel/arch/x86/crypto kernel/lib \
		kernel/net/ipv4 kernel/net/ipv6 kernel/net/xfrm kernel/net/key kernel/net/netfilter \
		kernel/drivers/net/tun.ko kernel/drivers/net/veth.ko 2>/dev/null
} | sort -u)
# (Not under $IKE_TMP, which is removed at exit: the kernel's tree is bound here.)
orig=$(mktemp -d /run/evs-modules.XXXXXX)
mount --bind "$mods" "$orig"
on_exit "umount $orig && rmdir $orig"
mount -t tmpfs -o mode=0755 evs-modules "$mods"
on_exit "umount $mods"
# shellcheck disable=SC2086
(cd "$orig" && cp -a --parents $keep "$mods")
tap_diag "module tree for this test: $(find "$mods" -name '*.ko' | wc -l) modules"
# A file of the package's that an earlier test wrote into this throw-away
# root (rri names "proto evs" the same way) would stop dpkg at a conffile
# prompt: an administrator's first install meets none.
for f in /etc/iproute2/rt_protos.d/evs.conf; do
	[ -e "$f" ] && ! dpkg -S "$f" >/dev/null 2>&1 && rm -f "$f"
done
t0=$SECONDS
DEBIAN_FRONTEND=noninteractive timeout 600 dpkg -i \
	"$EVS_TOP/build/deb/evs-dkms_${ver}_all.deb" "$EVS_TOP/build/deb/evs_${ver}_amd64.deb" 2>&1 |
	while IFS= read -r line; do printf '%4d %s\n' $((SECONDS - t0)) "$line"; done >"$IKE_TMP/dpkg.log"
dpkg_rc=${PIPESTATUS[0]}
tap_result "dpkg -i evs-dkms evs (exit status $dpkg_rc)" "$dpkg_rc"
# Each line with the seconds since dpkg started: where the time goes.
tap_diag <"$IKE_TMP/dpkg.log"
tap_check "the evs-dkms postinst loaded the prebuilt DKMS tarball and compiled nothing" \
	sh -c "grep -q 'Loading tarball for evs-$ver' $IKE_TMP/dpkg.log &&
	       ! grep -q 'Building initial module' $IKE_TMP/dpkg.log"
tap_check "dkms status: evs $ver installed for $kver" \
	sh -c "dkms status evs/$ver -k $kver | grep -q ': installed'"
tap_check "modprobe evs" modprobe evs
tap_check "DKMS links the package's source, so kernel upgrades rebuild it" \
	test "$(readlink /var/lib/dkms/evs/$ver/source)" = "/usr/src/evs-$ver"
tap_check "the loaded module is DKMS's (updates/dkms), version $ver" \
	sh -c "modinfo -F filename evs | grep -q /updates/dkms/ && test \"\$(cat /sys/module/evs/version)\" = '$ver'"
tap_check "evsd --version, evsadm version and the module agree: $ver" \
	sh -c "test \"\$(/usr/sbin/evsd --version)\" = 'evsd $ver' &&
	       /usr/sbin/evsadm version | grep -qx 'evsadm $ver' &&
	       /usr/sbin/evsadm version | grep -q '^evs module $ver '"
tap_check "/etc/evs is 0700, the example evsd.conf 0600" \
	test "$(stat -c %a /etc/evs) $(stat -c %a /etc/evs/evsd.conf)" = "700 600"
tap_check "rt_protos.d names proto evs" grep -qw evs /etc/iproute2/rt_protos.d/evs.conf
for unit in evsd evsd-client; do
	tap_check "systemd-analyze verify $unit.service (installed)" \
		sh -c "systemd-analyze verify /lib/systemd/system/$unit.service >$IKE_TMP/verify.log 2>&1 &&
		       ! grep -q evsd $IKE_TMP/verify.log" || tap_diag <"$IKE_TMP/verify.log"
done

# --- the example configuration, adapted ------------------------------------
ike_topology
ip -n "$srv" link del evs0		# evsd creates its own
printf '%s\n' 'alice pw 1' | /usr/sbin/evsadm user add alice group sales cost min >/dev/null
sed -i -e 's/^listen .*/listen 198.51.100.1/' \
	-e "s/key \"change-me[^\"]*\"/key \"$EZV_GROUP_KEY\"/" /etc/evs/evsd.conf
tap_check "the unit's ExecStartPre lines pass" sh -c "
	sed -n 's/^ExecStartPre=+*//p' /lib/systemd/system/evsd.service |
	while read -r line; do ip netns exec $srv \$line || exit 1; done"

# The unit's ExecStart, with the runtime directory systemd would make and a
# notify socket of our own.
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/evsd.service)
mkdir -p /run/evs
socat -u "UNIX-RECV:$IKE_TMP/notify" "OPEN:$IKE_TMP/notify.log,creat,append" &
on_exit "kill $! 2>/dev/null"
for _ in $(seq 20); do [ -S "$IKE_TMP/notify" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$IKE_TMP/notify ip netns exec "$srv" $exec_start >"$IKE_TMP/server.log" 2>&1 &
echo $! >"$IKE_TMP/server.bgpid"
for _ in $(seq 100); do grep -q READY=1 "$IKE_TMP/notify.log" 2>/dev/null && break; sleep 0.2; done
tap_check "evsd ($exec_start) tells READY=1" grep -q READY=1 "$IKE_TMP/notify.log" ||
	tap_diag <"$IKE_TMP/server.log"
tap_check "evsd created evs0 and brought it up" \
	sh -c "ip -n $srv -d link show evs0 | grep -q 'state UP\|,UP' && ip -n $srv -d link show evs0 | grep -qw evs"

ezv_vpnc_start alice 'alice pw 1'
if ezv_vpnc_wait 120; then
	tap_ok "vpnc connects through the packaged evsd"
else
	tap_fail "vpnc connects through the packaged evsd"
	ezv_diag_vpnc
	ezv_diag_server 60
fi
addr=$(ezv_env INTERNAL_IP4_ADDRESS)
case $addr in
192.168.77.2[0-4][0-9]) tap_ok "address $addr from the example's pool (inside the LAN)" ;;
*) tap_fail "address from the example's pool (got '$addr')" ;;
esac
# Bounded by time, not by tries: on a busy host each try takes seconds.
t0=$SECONDS
until ezv_rri_route "$srv" "$addr" || [ $((SECONDS - t0)) -ge 60 ]; do sleep 0.5; done
if ! tap_check "ping a LAN host through the tunnel (proxy ARP answers for $addr)" \
	ip netns exec "$cli" ping -c 3 -i 0.3 -W 5 -I "$addr" 192.168.77.2; then
	ip -n "$srv" route show | tap_diag
	dmesg | tail -n 20 | tap_diag
	ezv_diag_server 60
fi

# ExecReload: the unit's line with $MAINPID.
reload=$(sed -n 's/^ExecReload=//p' /lib/systemd/system/evsd.service)
reload=${reload//\$MAINPID/$(cat "$IKE_TMP/server.bgpid")}
tap_check "ExecReload ($reload) re-reads the configuration" sh -c "$reload &&
	for i in \$(seq 50); do grep -q 'reload: configuration .* reloaded' $IKE_TMP/server.log && exit 0; sleep 0.2; done; exit 1"

ezv_vpnc_stop
# Not under tap_check: its command substitution is a subshell, which
# cannot wait for evsd and so never sees its exit status.
ike_stop server
rc=$?
tap_result "evsd stops cleanly on SIGTERM (exit status $rc)" $rc
[ $rc -eq 0 ] || tap_diag <"$IKE_TMP/server.log"
tap_check "STOPPING=1 told" grep -q STOPPING=1 "$IKE_TMP/notify.log"
# Again at the end, where a report that keeps only the lines around the
# failing test program's summary still shows why dpkg failed.
if [ "$dpkg_rc" -ne 0 ]; then
	tap_diag "dpkg -i exited $dpkg_rc; the last lines of its output:"
	tail -n 25 "$IKE_TMP/dpkg.log" | tap_diag
fi
tap_done
