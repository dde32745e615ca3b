#!/bin/bash
# The demo's steps, run as root inside the VM (or natively, see
# scripts/demo): everything happens in network namespaces this script
# creates and removes, so a native run leaves the host as it was.
# To extend it, add a step function and call it from main.
set -euo pipefail
EVS_TOP=${EVS_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
PATH=$EVS_TOP/userspace/evsadm:$EVS_TOP/userspace/evsd:$PATH
gw=evs-demo-gw
loaded_here=0

say() { printf '\n==> %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

cleanup() {
	ip netns del "$gw" 2>/dev/null || true
	[ $loaded_here = 0 ] || rmmod evs 2>/dev/null || true
}
trap cleanup EXIT

step_load_module() {
	say "load the evs module"
	if [ -d /sys/module/evs ]; then
		echo "evs is already loaded"
	else
		run insmod "$EVS_TOP/kernel/evs.ko"
		loaded_here=1
	fi
	run evsadm version
}

step_gateway() {
	say "create the gateway's evs0 (in namespace $gw)"
	ip netns add "$gw"
	ip -n "$gw" link set lo up
	run ip -n "$gw" link add evs0 type evs
	run ip -n "$gw" link set evs0 up
	run ip -n "$gw" -d link show evs0
}

step_show() {
	say "what evsadm sees"
	run ip netns exec "$gw" evsadm link show
	run ip netns exec "$gw" evsadm -j link show
	echo
}

# The Easy VPN session (ike-server's part): scripts/demo-easyvpn.sh.
step_easyvpn() {
	"$EVS_TOP/scripts/demo-easyvpn.sh"
}

main() {
	step_load_module
	step_gateway
	step_show
	step_easyvpn
	say "demo done"
}

main "$@"
