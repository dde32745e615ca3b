/* SPDX-License-Identifier: MIT */
/*
 * easyvpn_policy: what an Easy VPN client gets.  Settings come from the
 * client's group (`group NAME { ... }` in evsd.conf) with per-user
 * overrides (`user NAME { ... }`); a RADIUS Framed-IP-Address beats both
 * for the address.  struct easyvpn_config is the whole Easy VPN part of
 * the configuration (filled by config_easyvpn.c).
 *
 * Merging is field by field: a field the user block sets replaces the
 * group's (lists are replaced, not appended: an operator who writes
 * `dns` for a user means exactly those servers).
 */
#ifndef EVSD_EASYVPN_POLICY_H
#define EVSD_EASYVPN_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/socket.h>

#include "ezv/modecfg.h"
#include "ezv/pool.h"
#include "ezv/pool6.h"
#include "lib/err.h"
#include "lib/secret.h"

#define EZV_NAME_MAX	63
#define EZV_NEM_MAX	32	/* network-extension allow prefixes */

enum ezv_field {
	EZV_POOL = 0,
	EZV_DNS,
	EZV_WINS,
	EZV_DOMAIN,
	EZV_SPLIT_INCLUDE,
	EZV_SPLIT_DNS,
	EZV_BANNER,
	EZV_BACKUP_SERVERS,
	EZV_FIREWALL,
	EZV_PFS,
	EZV_SAVE_PASSWORD,
	EZV_LOCAL_LAN,
	EZV_PROXY_ARP,
	EZV_MODE,
	EZV_ADDRESS,		/* static inner address (users) */
	EZV_NETMASK,
	EZV_ADDRESS_LIFETIME,
	EZV_MODECFG_PUSH,
	EZV_AUTH,
	EZV_MAX_LOGINS,
	EZV_NEM_ALLOW,		/* network-extension allow NET/LEN ... */
	EZV_IDLE_TIMEOUT,
	EZV_SESSION_TIMEOUT,
	EZV_FIREWALL_AYT,	/* firewall are-you-there|none */
	EZV_FIELD_COUNT
};
#define EZV_BIT(f) (1u << (f))

enum ezv_mode {
	EZV_MODE_CLIENT = 0,		/* one address from the pool, host route */
	EZV_MODE_NETWORK_EXTENSION,	/* client's own networks, from its IDs */
};

enum ezv_auth {
	EZV_AUTH_LOCAL = 0,		/* the user file */
	EZV_AUTH_RADIUS,
	EZV_AUTH_RADIUS_THEN_LOCAL,	/* local when no RADIUS server answers */
};
const char *ezv_auth_name(enum ezv_auth a);

struct ezv_settings {
	uint32_t has;				/* EZV_BIT(field) */
	char pool[POOL_NAME_MAX + 1];
	char pool6[POOL_NAME_MAX + 1];		/* the IPv6 pool, "" = none */
	unsigned n_dns6, n_split6;		/* IPv6 DNS servers, split-include */
	uint8_t dns6[MODECFG_MAX_SERVERS][16];
	struct evs_prefix split6[MODECFG_MAX_NETS];
	unsigned n_dns, n_wins;
	uint32_t dns[MODECFG_MAX_SERVERS], wins[MODECFG_MAX_SERVERS];
	char domain[MODECFG_NAME_MAX];
	unsigned n_split;
	struct modecfg_net split[MODECFG_MAX_NETS];
	char split_dns[MODECFG_STR_MAX];	/* comma-separated */
	char banner[MODECFG_STR_MAX];
	char backup_servers[MODECFG_STR_MAX];	/* comma-separated */
	uint8_t firewall[MODECFG_FW_MAX];	/* UNITY_FW_TYPE value, verbatim */
	size_t firewall_len;
	bool pfs, save_password;
	bool local_lan;				/* include-local-lan */
	unsigned n_local_lan;			/* networks; 0 = flag only */
	struct modecfg_net local_lan_nets[MODECFG_MAX_NETS];
	bool proxy_arp;
	char lan_if[IF_NAMESIZE];		/* proxy-ARP interface */
	enum ezv_mode mode;
	uint32_t address, netmask;		/* host order */
	uint32_t address_lifetime;		/* seconds, INTERNAL_ADDRESS_EXPIRY */
	bool modecfg_push;			/* SET/ACK instead of waiting */
	enum ezv_auth auth;
	uint32_t max_logins;			/* sessions per user, 0 = unlimited */
	uint32_t idle_timeout;			/* seconds without traffic, 0 = none */
	uint32_t session_timeout;		/* seconds a session may last, 0 = any */
	/* Networks a network-extension client may claim as its own (IDci);
	 * empty = none. */
	unsigned n_nem_allow, n_nem_allow6;
	struct modecfg_net nem_allow[EZV_NEM_MAX];
	struct evs_prefix nem_allow6[EZV_NEM_MAX];	/* the IPv6 ones */
	/* firewall are-you-there: a client whose REQUEST reports no
	 * firewall is refused, and the offer carries a firewall type (the
	 * configured firewall-type, else Cisco's integrated firewall) */
	bool fw_are_you_there;
};

struct ezv_group {
	char name[EZV_NAME_MAX + 1];
	struct secret *psk;			/* aggressive-mode group key */
	bool group_lock;			/* users of other groups refused */
	struct ezv_settings s;
	const char *file;
	unsigned line;
};

struct ezv_user {
	char name[EZV_NAME_MAX + 1];
	char group[EZV_NAME_MAX + 1];		/* "" = as the user file says */
	struct ezv_settings s;
	const char *file;
	unsigned line;
};

#define EZV_MAX_RADIUS 4
struct ezv_radius_server {
	struct sockaddr_storage addr;		/* port = auth port */
	uint16_t auth_port, acct_port;
	struct secret *key;
	const char *file;
	unsigned line;
};

/* RADIUS dynamic authorization (RFC 5176): who may send Disconnect and
 * CoA requests to us, on which port. */
#define EZV_MAX_DAE_CLIENTS 8
struct ezv_dae_client {
	struct sockaddr_storage addr;		/* port ignored */
	struct secret *key;
	const char *file;
	unsigned line;
};
struct ezv_dae {
	uint16_t port;				/* 0 = off */
	struct sockaddr_storage listen;		/* AF_UNSPEC = every address */
	bool require_ma;			/* Message-Authenticator required */
	uint32_t window;			/* Event-Timestamp: seconds either way */
	bool require_timestamp;			/* no Event-Timestamp: refused */
	unsigned n_clients;
	struct ezv_dae_client clients[EZV_MAX_DAE_CLIENTS];
};

#define AAA_LOCAL_THREADS_MAX 64
#define AAA_LOCAL_THREADS_DEFAULT_MAX 4

struct ezv_aaa {
	enum ezv_auth auth;			/* default for groups */
	bool accounting;			/* RADIUS accounting */
	uint32_t interim;			/* seconds, 0 = none */
	unsigned n_servers;
	struct ezv_radius_server servers[EZV_MAX_RADIUS];
	uint32_t timeout;			/* seconds per try */
	uint32_t retries;
	char nas_identifier[EZV_NAME_MAX + 1];
	/* require-message-authenticator no: login answers without a
	 * Message-Authenticator are taken (requests are signed anyway) */
	bool ma_optional;
	/* NAS-IP-Address in every request, host order; 0 = the first IPv4
	 * listen address (ezv_init), none when evsd listens on 0.0.0.0 */
	uint32_t nas_ip;
	struct ezv_dae dae;
	/* threads checking local passwords, each holding one argon2id
	 * computation's memory; 0 = the CPUs evsd may run on, at most
	 * AAA_LOCAL_THREADS_DEFAULT_MAX */
	uint32_t local_threads;
};

struct ezv_xauth_cfg {
	uint32_t retries;			/* attempts per login (3) */
	uint32_t timeout;			/* seconds for the whole login (90) */
	uint32_t lockout_failures;		/* per source ... (5) */
	uint32_t lockout_seconds;		/* ... within/for (300) */
};

struct easyvpn_config {
	char user_file[4096];			/* default USERDB_PATH */
	struct ezv_aaa aaa;
	struct ezv_xauth_cfg xauth;
	struct pool_set *pools;			/* templates: names and ranges */
	struct pool6_set *pools6;		/* the IPv6 ones */
	size_t n_groups, n_users;
	struct ezv_group *groups;
	struct ezv_user *users;
};

void ezv_settings_defaults(struct ezv_settings *s);
/* Group settings overlaid with the user's (user may be NULL). */
void ezv_merge(const struct ezv_settings *group, const struct ezv_settings *user,
	       struct ezv_settings *out);
/* The mode-config values a client gets: addr/mask are the leased inner
 * address (0 = none), the rest from the merged settings. */
void ezv_offer(const struct ezv_settings *eff, uint32_t addr, uint32_t mask,
	       struct modecfg *m);

/* May a network-extension client under eff claim net/plen (host order)
 * as its own network (its quick mode IDci, then an RRI route on the
 * gateway)?  Only inside a `network-extension allow` prefix, and never
 * touching the networks the gateway protects (split-include) or a pool
 * (pools may be NULL).  0 = yes; -1 with the reason in why. */
int ezv_nem_check(const struct ezv_settings *eff, const struct pool_set *pools,
		  uint32_t net, unsigned plen, struct evs_err *why);
/* The same for an IPv6 network: inside an IPv6 `network-extension allow`
 * prefix, touching no IPv6 split-include network and no IPv6 pool (pools6
 * may be NULL). */
int ezv_nem_check6(const struct ezv_settings *eff, const struct pool6_set *pools6,
		   const struct evs_prefix *net, struct evs_err *why);

const struct ezv_group *ezv_find_group(const struct easyvpn_config *c,
				       const char *name, size_t len);
const struct ezv_user *ezv_find_user(const struct easyvpn_config *c,
				     const char *name);
void easyvpn_config_free(struct easyvpn_config *c);

/* PSK for aggressive mode by group name (ID_KEY_ID bytes).  Never NULL
 * once the config is loaded: an unknown group gets a key derived from a
 * per-process random secret and the name, so a probe for group names sees
 * the same answer (a HASH that does not verify) and the same timing as a
 * known group with a wrong key.  *known says which it was (for the log). */
const struct secret *ezv_group_psk(const struct easyvpn_config *c,
				   const uint8_t *name, size_t len, bool *known);

/* Shannon-style estimate of a PSK's strength in bits (length x log2 of
 * the character classes used); below 64 bits evsd warns at start-up. */
unsigned ezv_psk_entropy_bits(const uint8_t *key, size_t len);
#define EZV_PSK_WEAK_BITS 64

#endif
