# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# The Easy VPN gateway's evsd.conf that the ike_*.sh selftests and
# `make demo` (scripts/demo-easyvpn.sh) run, and its clients' (the client
# role), written in one place.
#
# evsd_gateway_conf NAME=VALUE...: the configuration on stdout.  Always:
# evs0, listening on 198.51.100.1, IKE policy 10 (AES-256, SHA-256,
# pre-shared key, group 14), XAUTH users from a file, group "sales" with
# the pool 10.77.0.10-10.77.0.100 and the split network 192.168.77.0/24.
# What differs is an argument (+: may be given more than once):
#   users=FILE              the user database (required)
#   key=KEY                 group sales' key (default: $EVSD_GROUP_KEY)
#   policy=N:HASH:AUTH:DH[:ENC]
#                         + an IKE policy N (ENC default "aes 256"); one
#                           numbered 10 replaces the default policy 10
#   psk=NET               + `crypto isakmp key mainsecret address NET`
#   transform=NAME:SPEC   + a transform set (default: T:esp-aes 256 esp-sha256-hmac)
#   pki=DIR                 CA, certificate and key: DIR/ca.pem,
#                           DIR/server.pem, DIR/server.key (ike_certs)
#   group=LINE            + a line of group sales, after its split-include
#   extra=TEXT            + top-level statements at the end
EVSD_GROUP_KEY="Kq7Rv2LmX9pWc4ZtKb8Nsales"

evsd_gateway_conf() {
	local users="" key=$EVSD_GROUP_KEY pki="" arg p n hash auth dh enc
	local -a policies=("10:sha256:pre-share:14") psks=() transforms=() groups=() extras=()

	for arg in "$@"; do
		case $arg in
		users=*) users=${arg#*=} ;;
		key=*) key=${arg#*=} ;;
		policy=10:*) policies[0]=${arg#*=} ;;
		policy=*) policies+=("${arg#*=}") ;;
		psk=*) psks+=("${arg#*=}") ;;
		transform=*) transforms+=("${arg#*=}") ;;
		pki=*) pki=${arg#*=} ;;
		group=*) groups+=("${arg#*=}") ;;
		extra=*) extras+=("${arg#*=}") ;;
		*)
			echo "evsd_gateway_conf: unknown argument '$arg'" >&2
			return 1 ;;
		esac
	done
	if [ -z "$users" ]; then
		echo "evsd_gateway_conf: users=FILE is required" >&2
		return 1
	fi
	[ ${#transforms[@]} -gt 0 ] || transforms=("T:esp-aes 256 esp-sha256-hmac")

	printf 'log-level debug\ndevice evs0\nlisten 198.51.100.1\n'
	for p in "${policies[@]}"; do
		IFS=: read -r n hash auth dh enc <<<"$p"
		printf 'crypto isakmp policy %s {\n    encryption %s\n    hash %s\n' "$n" "${enc:-aes 256}" "$hash"
		printf '    authentication %s\n    group %s\n}\n' "$auth" "$dh"
	done
	for p in "${psks[@]}"; do
		printf 'crypto isakmp key mainsecret address %s\n' "$p"
	done
	for p in "${transforms[@]}"; do
		printf 'crypto ipsec transform-set %s %s\n' "${p%%:*}" "${p#*:}"
	done
	if [ -n "$pki" ]; then
		printf 'pki {\n    ca %s/ca.pem\n    certificate %s/server.pem\n' "$pki" "$pki"
		printf '    private-key %s/server.key\n}\n' "$pki"
	fi
	printf 'user-database %s\npool sales 10.77.0.10 10.77.0.100\n' "$users"
	printf 'group sales {\n    key "%s"\n    pool sales\n' "$key"
	printf '    split-include 192.168.77.0/24\n'
	for p in "${groups[@]}"; do
		printf '    %s\n' "$p"
	done
	printf '}\n'
	for p in "${extras[@]}"; do
		[ -z "$p" ] || printf '%s\n' "$p"
	done
}

# evsd_client_conf NAME=VALUE...: the client role's evsd.conf on stdout, one
# peer "gw" of the gateway above (evs0, AES-256, group 14, transform set T,
# XAUTH user alice).  Arguments (+: may be given more than once):
#   server=ADDR             the gateway (default 198.51.100.1)
#   auth=MODE               aggressive-psk (default: group sales and its key),
#                           main-psk (the address key mainsecret), main-rsa or
#                           hybrid (main mode, no key: pki=DIR gives the CA only)
#   key=KEY                 the group key (default: $EVSD_GROUP_KEY)
#   hash=HASH               Phase 1 hash (default sha256)
#   transform=SPEC          transform set T (default: esp-aes 256 esp-sha256-hmac)
#   user=NAME password=PW   XAUTH credentials (default alice / userpass;
#                           password= : none stored, typed with evsadm)
#   pki=DIR                 CA, certificate and key: DIR/ca.pem,
#                           DIR/client.pem, DIR/client.key (ike_certs)
#   log=LEVEL               log-level (default debug)
#   peer=LINE             + a line of the peer block, at its end
#   extra=TEXT            + top-level statements before the peer block
evsd_client_conf() {
	local server=198.51.100.1 auth=aggressive-psk key=$EVSD_GROUP_KEY hash=sha256
	local transform="esp-aes 256 esp-sha256-hmac" user=alice password=userpass
	local pki="" log=debug arg p
	local -a peers=() extras=()

	for arg in "$@"; do
		case $arg in
		server=*) server=${arg#*=} ;;
		auth=*) auth=${arg#*=} ;;
		key=*) key=${arg#*=} ;;
		hash=*) hash=${arg#*=} ;;
		transform=*) transform=${arg#*=} ;;
		user=*) user=${arg#*=} ;;
		password=*) password=${arg#*=} ;;
		pki=*) pki=${arg#*=} ;;
		log=*) log=${arg#*=} ;;
		peer=*) peers+=("${arg#*=}") ;;
		extra=*) extras+=("${arg#*=}") ;;
		*)
			echo "evsd_client_conf: unknown argument '$arg'" >&2
			return 1 ;;
		esac
	done
	printf 'log-level %s\ndevice evs0\n' "$log"
	printf 'crypto ipsec transform-set T %s\n' "$transform"
	if [ -n "$pki" ] && [ "$auth" = hybrid ]; then
		printf 'pki {\n    ca %s/ca.pem\n}\n' "$pki"
	elif [ -n "$pki" ]; then
		printf 'pki {\n    ca %s/ca.pem\n    certificate %s/client.pem\n' "$pki" "$pki"
		printf '    private-key %s/client.key\n}\n' "$pki"
	fi
	for p in "${extras[@]}"; do
		[ -z "$p" ] || printf '%s\n' "$p"
	done
	printf 'peer gw {\n    server %s\n' "$server"
	case $auth in
	aggressive-psk)
		printf '    mode aggressive\n    group-name sales\n    group-key "%s"\n' "$key"
		printf '    authentication xauth-pre-share\n' ;;
	main-psk)
		printf '    mode main\n    group-key mainsecret\n    authentication xauth-pre-share\n' ;;
	main-rsa)
		# the gateway must be named by its certificate: the test
		# PKI's (ike_lib.sh) carries DNS:server.evs.test
		printf '    mode main\n    authentication xauth-rsa-sig\n'
		printf '    server-name server.evs.test\n' ;;
	hybrid)
		printf '    mode main\n    authentication hybrid\n' ;;
	*)
		echo "evsd_client_conf: unknown auth '$auth'" >&2
		return 1 ;;
	esac
	printf '    encryption aes\n    key-length 256\n    hash %s\n    group 14\n' "$hash"
	printf '    transform-set T\n    xauth-username %s\n' "$user"
	[ -z "$password" ] || printf '    xauth-password "%s"\n' "$password"
	for p in "${peers[@]}"; do
		printf '    %s\n' "$p"
	done
	printf '}\n'
}
