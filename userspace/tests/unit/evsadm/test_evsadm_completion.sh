#!/bin/bash
# SPDX-License-Identifier: MIT
# evsadm's bash completion (packaging/evsadm.bash-completion): objects,
# verbs, keywords, user names from `evsadm user show` and session ids,
# users and addresses from `evsadm session show -j` -- here from a stand-in
# evsadm that prints what the real one does.  TAP, run by `make unit`.
set -u
top=$(cd "$(dirname "$0")/../../../.." && pwd)
# shellcheck source=/dev/null
. "$top/packaging/evsadm.bash-completion"

fake_evsadm() {
	local sock=
	if [ "$1" = --socket ]; then
		sock=$2
		shift 2
	fi
	case "$*" in
	"user show") printf 'alice group sales password argon2id\nbob group eng password argon2id\n' ;;
	"-j session show")
		[ "$sock" = /nonexistent ] && { echo "evsadm: no daemon" >&2; return 1; }
		printf '[{"id":17,"user":"alice","group":"sales","address":"10.77.0.10","peer":"198.51.100.2"},'
		printf '{"id":23,"user":"bob","group":"eng","address":"10.77.0.11","peer":"203.0.113.2"}]\n' ;;
	*) return 1 ;;
	esac
}
_EVSADM_CMD=fake_evsadm

n=0 failed=0
# check "WORDS TO COMPLETE" "EXPECTED REPLIES (sorted, space separated)"
check() {
	local got
	read -r -a COMP_WORDS <<<"$1"
	# a trailing space: complete an empty word
	[ "${1: -1}" = " " ] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_evsadm
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
	n=$((n + 1))
	if [ "$got" = "$2" ]; then
		echo "ok $n - '$1' -> $2"
	else
		echo "not ok $n - '$1' -> '$got', expected '$2'"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
check "evsadm se" "session"
check "evsadm " "conn daemon help ike link monitor policy pool proxy-arp reload route sa session user version"
check "evsadm p" "policy pool proxy-arp"
check "evsadm session " "del help show"
check "evsadm -j session s" "show"
check "evsadm session del " "address id user"
check "evsadm session show " "-j -s address group id user"
check "evsadm session del id " "17 23"
check "evsadm session del user a" "alice"
check "evsadm session show address 10.77.0.1" "10.77.0.10 10.77.0.11"
check "evsadm session show group " "eng sales"
check "evsadm --socket /run/x.sock session del id 2" "23"
check "evsadm --socket /nonexistent session del id " ""
check "evsadm user passwd " "alice bob"
check "evsadm user del b" "bob"
check "evsadm user add carol " "cost file group"
check "evsadm daemon " "help show"
check "evsadm pool " "help show"
check "evsadm user add carol cost " "interactive moderate sensitive"
check "evsadm --s" "--socket --statistics"
echo "1..$n"
[ $failed -eq 0 ]
