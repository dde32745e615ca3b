# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for the evs shell selftests (selftests/<name>.sh).  Source it:
#
#	. "$(dirname "$0")/lib.sh"
#	netns_new a b                   # $a, $b: fresh namespaces, removed on exit
#	evs_load_module
#	tap_check "evs0 created" ip -n "$a" link add evs0 type evs
#	tap_done                        # prints the plan; exit 1 if anything failed
#
# Output is TAP: "ok N - desc", "not ok N - desc", "ok N - desc # SKIP why",
# with diagnostics as "# ..." lines.  Tests run as root inside the VM
# (scripts/vm-run); EVS_TOP is the project root.

EVS_TOP=${EVS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export EVS_TOP
PATH=$EVS_TOP/userspace/evsadm:$EVS_TOP/userspace/evsd:$PATH

_tap_n=0
_tap_failed=0
_tap_planned=

# Print the plan up front (optional; tap_done prints it otherwise).
tap_plan() {
	_tap_planned=$1
	echo "1..$1"
}

tap_ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}

tap_fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}

tap_skip() { # desc why
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}

# tap_result DESC STATUS: ok when STATUS is 0.
tap_result() {
	if [ "$2" -eq 0 ]; then tap_ok "$1"; else tap_fail "$1"; fi
}

# Diagnostics: every line prefixed "# ".
tap_diag() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

# tap_check DESC CMD...: run CMD; ok when it exits 0; its output goes out as
# diagnostics when it fails.
tap_check() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	tap_result "$desc" $rc
	if [ $rc -ne 0 ]; then
		tap_diag "command: $*"
		tap_diag "exit status $rc"
		[ -z "$out" ] || printf '%s\n' "$out" | tap_diag
	fi
	return $rc
}

# tap_expect DESC STATUS PATTERN CMD...: CMD exits STATUS and its
# stderr+stdout contains PATTERN (fixed string).
tap_expect() {
	local desc=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -eq "$want" ] && grep -qF -- "$pat" <<<"$out"; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		tap_diag "command: $*"
		tap_diag "exit $rc (want $want), want output containing: $pat"
		printf '%s\n' "$out" | tap_diag
	fi
}

# tap_check_fails DESC CMD...: ok when CMD exits non-zero.
tap_check_fails() {
	local desc=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		tap_diag "command unexpectedly succeeded: $*"
		[ -z "$out" ] || printf '%s\n' "$out" | tap_diag
	fi
	[ $rc -ne 0 ]
}

# End the test: plan (if not given), summary, exit status.
tap_done() {
	[ -n "$_tap_planned" ] || echo "1..$_tap_n"
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" -ne "$_tap_n" ]; then
		echo "# planned $_tap_planned tests but ran $_tap_n"
		exit 1
	fi
	echo "# $((_tap_n - _tap_failed)) of $_tap_n passed"
	[ $_tap_failed -eq 0 ]
	exit $?
}

# Skip the whole test (TAP "1..0 # SKIP why"); exit status 4 as kselftest.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# --- cleanup -----------------------------------------------------------
# Cleanup actions run in reverse order when the test exits, however it exits.
_cleanups=()
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[i]}" >/dev/null 2>&1
	done
	_cleanups=()
}
trap _run_cleanups EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- network namespaces ------------------------------------------------
# netns_new VAR...: create a namespace per VAR, with a unique name
# (evs-<pid>-<n>) stored in VAR, lo up, deleted when the test exits.
_netns_n=0
netns_new() {
	local var name
	for var in "$@"; do
		_netns_n=$((_netns_n + 1))
		name=evs-$$-$_netns_n
		ip netns add "$name" || return 1
		on_exit "ip netns del $name"
		ip -n "$name" link set lo up
		printf -v "$var" '%s' "$name"
	done
}

# routed_lan RTR HOST RTRIF HOSTIF NET: a LAN behind a router namespace.
. "$EVS_TOP/selftests/lib/lan.sh"

# Names of the namespaces this test created and that still exist.
netns_list_mine() {
	ip netns list 2>/dev/null | awk -v p="evs-$$-" 'index($1, p) == 1 { print $1 }'
}

# --- the module --------------------------------------------------------
evs_module_loaded() { [ -d /sys/module/evs ]; }

# Load evs.ko from the tree unless it is loaded already.
evs_load_module() {
	evs_module_loaded && return 0
	if [ ! -f "$EVS_TOP/kernel/evs.ko" ]; then
		echo "# $EVS_TOP/kernel/evs.ko not built (make module)"
		return 1
	fi
	insmod "$EVS_TOP/kernel/evs.ko"
}

# Unload evs.ko; a module that is busy fails loudly.
evs_unload_module() {
	evs_module_loaded || return 0
	rmmod evs
}

# evs devices in a namespace ("" = the current one), one name per line.
evs_links() {
	local ns=${1:-}
	if [ -n "$ns" ]; then
		ip -n "$ns" -o link show type evs 2>/dev/null
	else
		ip -o link show type evs 2>/dev/null
	fi | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}
