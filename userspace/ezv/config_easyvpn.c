// SPDX-License-Identifier: MIT
/*
 * The Easy VPN sections of evsd.conf (grammar: Documentation/admin-guide.md):
 *
 *	user-database /etc/evs/users
 *	aaa { authentication local|radius|radius-local  accounting none|radius
 *	      interim-interval S  timeout S  retries N  nas-identifier NAME
 *	      nas-ip-address A  require-message-authenticator yes|no  local-threads N
 *	      radius-server ADDR { key K  auth-port P  acct-port P }
 *	      dynamic-authorization { port P  listen A  event-timestamp-window S
 *	              require-event-timestamp yes|no
 *	              require-message-authenticator yes|no
 *	              client ADDR { key K } } }
 *	xauth { retries N  timeout S  lockout FAILURES SECONDS }
 *	pool NAME FIRST LAST | pool NAME PREFIX/LEN
 *	group NAME { key K  pool P  dns A..  wins A..  domain D  split-include N/L..
 *	             split-dns D..  banner TEXT  backup-servers S..  firewall-type 0xHEX
 *	             firewall none|are-you-there
 *	             pfs [yes|no]  save-password [yes|no]  include-local-lan [N/L..]
 *	             proxy-arp IFNAME  mode client|network-extension
 *	             address-lifetime S  modecfg pull|push  authentication ...
 *	             max-logins N  group-lock yes|no  idle-timeout S
 *	             session-timeout S }
 *	user NAME { group G  address A  netmask M  + any group setting but key }
 *
 * Every error is "file:line: reason" (cfg_error).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ezv/config_easyvpn.h"
#include "ezv/dae.h"
#include "ezv/easyvpn_policy.h"
#include "ike/engine/ike_config.h"
#include "lib/daemon_log.h"
#include "lib/parse.h"
#include "lib/userdb.h"

static const char *const yes_no[] = { "no", "yes", NULL };

static int want_args(const struct cfg_node *n, unsigned min, unsigned max,
		     struct evs_err *err)
{
	if (cfg_want_block(n, false, err))
		return -1;
	return cfg_nargs(n, min, max, err);
}

static int parse_ip4(const struct cfg_node *n, unsigned idx, uint32_t *out,
		     struct evs_err *err)
{
	struct in_addr a;

	if (idx >= n->argc)
		return cfg_error(err, n, "\"%s\" expects an IPv4 address", n->argv[0]);
	if (inet_pton(AF_INET, n->argv[idx], &a) != 1)
		return cfg_error(err, n, "\"%s\" expects an IPv4 address, got \"%s\"",
				 n->argv[0], n->argv[idx]);
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_net(const struct cfg_node *n, unsigned idx,
		     struct modecfg_net *net, struct evs_err *err)
{
	struct evs_inaddr p;
	struct evs_err e;

	if (evs_parse_prefix(n->argv[0], n->argv[idx], AF_INET, true, &p, &e))
		return cfg_error(err, n, "%s", e.msg);
	memset(net, 0, sizeof(*net));
	net->addr = (uint32_t)p.a[0] << 24 | p.a[1] << 16 | p.a[2] << 8 | p.a[3];
	net->mask = modecfg_plen_to_mask(p.plen);
	return 0;
}

static int parse_nets(const struct cfg_node *n, struct modecfg_net *nets,
		      unsigned *count, bool allow_none, struct evs_err *err)
{
	if (want_args(n, allow_none ? 1 : 2, 1 + MODECFG_MAX_NETS, err))
		return -1;
	*count = 0;
	for (unsigned i = 1; i < n->argc; i++)
		if (parse_net(n, i, &nets[(*count)++], err))
			return -1;
	return 0;
}

/* dns A..: IPv4 and IPv6 servers, at most MODECFG_MAX_SERVERS of each. */
static int parse_dns(const struct cfg_node *n, struct ezv_settings *s,
		     struct evs_err *err)
{
	if (want_args(n, 2, 1 + 2 * MODECFG_MAX_SERVERS, err))
		return -1;
	s->n_dns = s->n_dns6 = 0;
	for (unsigned i = 1; i < n->argc; i++) {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, n->argv[i], &a6) != 1) {
			if (s->n_dns >= MODECFG_MAX_SERVERS)
				return cfg_error(err, n, "more than %d IPv4 DNS servers",
						 MODECFG_MAX_SERVERS);
			if (parse_ip4(n, i, &s->dns[s->n_dns++], err))
				return -1;
			continue;
		}
		if (s->n_dns6 >= MODECFG_MAX_SERVERS)
			return cfg_error(err, n, "more than %d IPv6 DNS servers",
					 MODECFG_MAX_SERVERS);
		memcpy(s->dns6[s->n_dns6++], &a6, 16);
	}
	return 0;
}

/* split-include N/L..: IPv4 networks (Unity) and IPv6 ones
 * (INTERNAL_IP6_SUBNET). */
static int parse_split(const struct cfg_node *n, struct ezv_settings *s,
		       struct evs_err *err)
{
	if (want_args(n, 2, 1 + MODECFG_MAX_NETS, err))
		return -1;
	s->n_split = s->n_split6 = 0;
	for (unsigned i = 1; i < n->argc; i++) {
		struct evs_inaddr p;
		struct evs_err e;

		if (!strchr(n->argv[i], ':')) {
			if (parse_net(n, i, &s->split[s->n_split++], err))
				return -1;
			continue;
		}
		if (evs_parse_prefix(n->argv[0], n->argv[i], AF_INET6, true, &p, &e))
			return cfg_error(err, n, "%s", e.msg);
		s->split6[s->n_split6].family = AF_INET6;
		s->split6[s->n_split6].plen = p.plen;
		memcpy(s->split6[s->n_split6++].addr, p.a, 16);
	}
	return 0;
}

static int parse_servers(const struct cfg_node *n, uint32_t *list, unsigned *count,
			 struct evs_err *err)
{
	if (want_args(n, 2, 1 + MODECFG_MAX_SERVERS, err))
		return -1;
	*count = 0;
	for (unsigned i = 1; i < n->argc; i++)
		if (parse_ip4(n, i, &list[(*count)++], err))
			return -1;
	return 0;
}

/* Words joined with commas into out (split DNS, backup servers). */
static int join_words(const struct cfg_node *n, char *out, size_t len,
		      struct evs_err *err)
{
	size_t pos = 0;

	if (want_args(n, 2, 64, err))
		return -1;
	out[0] = '\0';
	for (unsigned i = 1; i < n->argc; i++) {
		size_t w = strlen(n->argv[i]);

		if (strchr(n->argv[i], ','))
			return cfg_error(err, n, "\"%s\": one name per word, no commas",
					 n->argv[0]);
		if (pos + w + 2 > len)
			return cfg_error(err, n, "\"%s\": longer than %zu bytes", n->argv[0],
					 len - 1);
		if (pos)
			out[pos++] = ',';
		memcpy(out + pos, n->argv[i], w + 1);
		pos += w;
	}
	return 0;
}

static int parse_bool(const struct cfg_node *n, bool *out, struct evs_err *err)
{
	int v;

	if (want_args(n, 1, 2, err))
		return -1;
	if (n->argc == 1) {
		*out = true;
		return 0;
	}
	v = cfg_choice(n, 1, yes_no, err);
	if (v < 0)
		return -1;
	*out = v == 1;
	return 0;
}

static int parse_auth(const struct cfg_node *n, enum ezv_auth *out,
		      struct evs_err *err)
{
	static const char *const names[] = { "local", "radius", "radius-local", NULL };
	int v;

	if (want_args(n, 2, 2, err))
		return -1;
	v = cfg_choice(n, 1, names, err);
	if (v < 0)
		return -1;
	*out = (enum ezv_auth)v;
	return 0;
}

static int parse_hex(const struct cfg_node *n, uint8_t *buf, size_t max,
		     size_t *len, struct evs_err *err)
{
	struct evs_err e;

	if (want_args(n, 2, 2, err))
		return -1;
	if (evs_parse_hexkey(n->argv[0], n->argv[1], buf, max, len, &e))
		return cfg_error(err, n, "%s", e.msg);
	return 0;
}

/* network-extension allow NET/LEN ...: more lines in one block add up;
 * IPv4 and IPv6 networks. */
static int parse_nem_allow(const struct cfg_node *n, struct ezv_settings *s,
			   struct evs_err *err)
{
	if (n->argc < 2 || strcmp(n->argv[1], "allow"))
		return cfg_error(err, n, "expected \"network-extension allow NET/LEN ...\"");
	if (n->argc < 3)
		return cfg_error(err, n, "\"network-extension allow\" needs at least one NET/LEN");
	if (!(s->has & EZV_BIT(EZV_NEM_ALLOW)))
		s->n_nem_allow = s->n_nem_allow6 = 0;
	for (unsigned i = 2; i < n->argc; i++) {
		struct modecfg_net *net;

		if (strchr(n->argv[i], ':')) {
			struct evs_prefix *p6 = &s->nem_allow6[s->n_nem_allow6];
			struct evs_inaddr p;
			struct evs_err e;

			if (s->n_nem_allow6 == EZV_NEM_MAX)
				return cfg_error(err, n, "more than %d IPv6 network-extension "
						 "prefixes", EZV_NEM_MAX);
			if (evs_parse_prefix(n->argv[0], n->argv[i], AF_INET6, true, &p, &e))
				return cfg_error(err, n, "%s", e.msg);
			memset(p6, 0, sizeof(*p6));
			p6->family = AF_INET6;
			p6->plen = p.plen;
			memcpy(p6->addr, p.a, 16);
			s->n_nem_allow6++;
			continue;
		}
		if (s->n_nem_allow == EZV_NEM_MAX)
			return cfg_error(err, n, "more than %d network-extension prefixes",
					 EZV_NEM_MAX);
		net = &s->nem_allow[s->n_nem_allow];
		if (parse_net(n, i, net, err))	/* host bits are refused there */
			return -1;
		s->n_nem_allow++;
	}
	return 0;
}

/* One setting shared by groups and users; 1 if the keyword is not one. */
static int parse_setting(const struct cfg_node *n, struct ezv_settings *s,
			 struct evs_err *err)
{
	const char *kw = n->argv[0];
	int f, v;

	if (!strcmp(kw, "pool")) {
		/* pool NAME [NAME]: an IPv4 pool and/or an IPv6 one; which is
		 * which is known once every pool is (check_settings) */
		f = EZV_POOL;
		if (want_args(n, 2, 3, err))
			return -1;
		snprintf(s->pool, sizeof(s->pool), "%s", n->argv[1]);
		snprintf(s->pool6, sizeof(s->pool6), "%s", n->argc > 2 ? n->argv[2] : "");
	} else if (!strcmp(kw, "dns")) {
		f = EZV_DNS;
		if (parse_dns(n, s, err))
			return -1;
	} else if (!strcmp(kw, "wins")) {
		f = EZV_WINS;
		if (parse_servers(n, s->wins, &s->n_wins, err))
			return -1;
	} else if (!strcmp(kw, "domain")) {
		f = EZV_DOMAIN;
		if (want_args(n, 2, 2, err))
			return -1;
		if (strlen(n->argv[1]) >= sizeof(s->domain))
			return cfg_error(err, n, "\"domain\" is too long");
		strcpy(s->domain, n->argv[1]);
	} else if (!strcmp(kw, "split-include")) {
		f = EZV_SPLIT_INCLUDE;
		if (parse_split(n, s, err))
			return -1;
	} else if (!strcmp(kw, "split-dns")) {
		f = EZV_SPLIT_DNS;
		if (join_words(n, s->split_dns, sizeof(s->split_dns), err))
			return -1;
	} else if (!strcmp(kw, "banner")) {
		f = EZV_BANNER;
		if (want_args(n, 2, 2, err))
			return -1;
		if (strlen(n->argv[1]) >= sizeof(s->banner))
			return cfg_error(err, n, "\"banner\" is longer than %zu bytes",
					 sizeof(s->banner) - 1);
		strcpy(s->banner, n->argv[1]);
	} else if (!strcmp(kw, "backup-servers")) {
		f = EZV_BACKUP_SERVERS;
		if (join_words(n, s->backup_servers, sizeof(s->backup_servers), err))
			return -1;
	} else if (!strcmp(kw, "firewall-type")) {
		f = EZV_FIREWALL;
		if (parse_hex(n, s->firewall, sizeof(s->firewall), &s->firewall_len, err))
			return -1;
	} else if (!strcmp(kw, "firewall")) {
		static const char *const fw[] = { "none", "are-you-there", NULL };

		f = EZV_FIREWALL_AYT;
		if (want_args(n, 2, 2, err))
			return -1;
		v = cfg_choice(n, 1, fw, err);
		if (v < 0)
			return -1;
		s->fw_are_you_there = v == 1;
	} else if (!strcmp(kw, "pfs")) {
		f = EZV_PFS;
		if (parse_bool(n, &s->pfs, err))
			return -1;
	} else if (!strcmp(kw, "save-password")) {
		f = EZV_SAVE_PASSWORD;
		if (parse_bool(n, &s->save_password, err))
			return -1;
	} else if (!strcmp(kw, "include-local-lan")) {
		f = EZV_LOCAL_LAN;
		s->local_lan = true;
		if (parse_nets(n, s->local_lan_nets, &s->n_local_lan, true, err))
			return -1;
	} else if (!strcmp(kw, "proxy-arp")) {
		struct evs_err e;

		f = EZV_PROXY_ARP;
		if (want_args(n, 2, 2, err))
			return -1;
		if (!strcmp(n->argv[1], "no")) {
			s->proxy_arp = false;
		} else {
			if (evs_parse_ifname("proxy-arp", n->argv[1], s->lan_if, &e))
				return cfg_error(err, n, "%s", e.msg);
			s->proxy_arp = true;
		}
	} else if (!strcmp(kw, "mode")) {
		static const char *const modes[] = { "client", "network-extension", NULL };

		f = EZV_MODE;
		if (want_args(n, 2, 2, err))
			return -1;
		v = cfg_choice(n, 1, modes, err);
		if (v < 0)
			return -1;
		s->mode = (enum ezv_mode)v;
	} else if (!strcmp(kw, "address-lifetime")) {
		f = EZV_ADDRESS_LIFETIME;
		if (want_args(n, 2, 2, err) ||
		    cfg_u32(n, 1, 60, 365u * 86400, &s->address_lifetime, err))
			return -1;
	} else if (!strcmp(kw, "modecfg")) {
		static const char *const how[] = { "pull", "push", NULL };

		f = EZV_MODECFG_PUSH;
		if (want_args(n, 2, 2, err))
			return -1;
		v = cfg_choice(n, 1, how, err);
		if (v < 0)
			return -1;
		s->modecfg_push = v == 1;
	} else if (!strcmp(kw, "authentication")) {
		f = EZV_AUTH;
		if (parse_auth(n, &s->auth, err))
			return -1;
	} else if (!strcmp(kw, "network-extension")) {
		f = EZV_NEM_ALLOW;
		if (parse_nem_allow(n, s, err))
			return -1;
	} else if (!strcmp(kw, "max-logins")) {
		f = EZV_MAX_LOGINS;
		if (want_args(n, 2, 2, err) || cfg_u32(n, 1, 0, 100000, &s->max_logins, err))
			return -1;
	} else if (!strcmp(kw, "idle-timeout")) {
		f = EZV_IDLE_TIMEOUT;
		if (want_args(n, 2, 2, err) ||
		    cfg_u32(n, 1, 0, 30 * 86400, &s->idle_timeout, err))
			return -1;
	} else if (!strcmp(kw, "session-timeout")) {
		f = EZV_SESSION_TIMEOUT;
		if (want_args(n, 2, 2, err) ||
		    cfg_u32(n, 1, 0, 365 * 86400, &s->session_timeout, err))
			return -1;
	} else {
		return 1;
	}
	s->has |= EZV_BIT(f);
	return 0;
}

static void warn_weak_psk(const struct ezv_group *g)
{
	const uint8_t *k = secret_data(g->psk);
	size_t len = secret_len(g->psk);
	unsigned bits = ezv_psk_entropy_bits(k, len);

	if (bits < EZV_PSK_WEAK_BITS)
		log_warn("%s:%u: group \"%s\": the key is weak (about %u bits, %zu characters); "
			 "anyone who sniffs one aggressive-mode exchange can try to guess it "
			 "offline: use at least 20 random characters",
			 g->file, g->line, g->name, bits, len);
}

static int load_group(struct cfg_node *n, struct easyvpn_config *c,
		      struct evs_err *err)
{
	struct ezv_group *g, *grown;

	if (cfg_nargs(n, 2, 2, err) || cfg_want_block(n, true, err))
		return -1;
	if (!userdb_name_valid(n->argv[1], true))
		return cfg_error(err, n, "invalid group name \"%s\" (1-63 of A-Z a-z 0-9 . _ - +)",
				 n->argv[1]);
	if (ezv_find_group(c, n->argv[1], strlen(n->argv[1])))
		return cfg_error(err, n, "group \"%s\" defined twice", n->argv[1]);
	grown = realloc(c->groups, (c->n_groups + 1) * sizeof(*grown));
	if (!grown)
		return cfg_error(err, n, "out of memory");
	c->groups = grown;
	g = &c->groups[c->n_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", n->argv[1]);
	ezv_settings_defaults(&g->s);
	g->s.auth = c->aaa.auth;
	g->group_lock = true;
	g->file = n->file;
	g->line = n->line;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		int r;

		ch->used = true;
		if (!strcmp(ch->argv[0], "key")) {
			if (want_args(ch, 2, 2, err))
				return -1;
			if (g->psk)
				return cfg_error(err, ch, "group \"%s\" has two keys", g->name);
			if (!ch->argv[1][0])
				return cfg_error(err, ch, "empty key");
			if (cfg_secret(ch, 1, &g->psk, err))
				return -1;
			continue;
		}
		if (!strcmp(ch->argv[0], "group-lock")) {
			if (parse_bool(ch, &g->group_lock, err))
				return -1;
			continue;
		}
		if (!strcmp(ch->argv[0], "xauth")) {
			bool on;

			if (parse_bool(ch, &on, err))
				return -1;
			if (!on)
				return cfg_error(err, ch, "group \"%s\": aggressive-mode group keys "
						 "are only accepted together with XAUTH", g->name);
			continue;
		}
		if (!strcmp(ch->argv[0], "address") || !strcmp(ch->argv[0], "netmask"))
			return cfg_error(err, ch, "\"%s\" belongs in a user block (groups use a pool)",
					 ch->argv[0]);
		r = parse_setting(ch, &g->s, err);
		if (r < 0)
			return -1;
		if (r > 0)
			return cfg_error(err, ch, "unknown group setting \"%s\"", ch->argv[0]);
	}
	if (g->psk)
		warn_weak_psk(g);
	return 0;
}

static int load_user(struct cfg_node *n, struct easyvpn_config *c,
		     struct evs_err *err)
{
	struct ezv_user *u, *grown;

	if (cfg_nargs(n, 2, 2, err) || cfg_want_block(n, true, err))
		return -1;
	if (!userdb_name_valid(n->argv[1], false))
		return cfg_error(err, n, "invalid user name \"%s\"", n->argv[1]);
	if (ezv_find_user(c, n->argv[1]))
		return cfg_error(err, n, "user \"%s\" defined twice", n->argv[1]);
	grown = realloc(c->users, (c->n_users + 1) * sizeof(*grown));
	if (!grown)
		return cfg_error(err, n, "out of memory");
	c->users = grown;
	u = &c->users[c->n_users++];
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", n->argv[1]);
	u->file = n->file;
	u->line = n->line;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		int r;

		ch->used = true;
		if (!strcmp(ch->argv[0], "group")) {
			if (want_args(ch, 2, 2, err))
				return -1;
			snprintf(u->group, sizeof(u->group), "%s", ch->argv[1]);
			continue;
		}
		if (!strcmp(ch->argv[0], "address")) {
			if (want_args(ch, 2, 2, err) || parse_ip4(ch, 1, &u->s.address, err))
				return -1;
			u->s.has |= EZV_BIT(EZV_ADDRESS);
			continue;
		}
		if (!strcmp(ch->argv[0], "netmask")) {
			if (want_args(ch, 2, 2, err) || parse_ip4(ch, 1, &u->s.netmask, err))
				return -1;
			if (modecfg_mask_to_plen(u->s.netmask) < 0)
				return cfg_error(err, ch, "netmask %s is not contiguous", ch->argv[1]);
			u->s.has |= EZV_BIT(EZV_NETMASK);
			continue;
		}
		if (!strcmp(ch->argv[0], "key"))
			return cfg_error(err, ch, "\"key\" belongs in a group block");
		r = parse_setting(ch, &u->s, err);
		if (r < 0)
			return -1;
		if (r > 0)
			return cfg_error(err, ch, "unknown user setting \"%s\"", ch->argv[0]);
	}
	return 0;
}

static int load_radius_server(struct cfg_node *n, struct ezv_aaa *aaa,
			      struct evs_err *err)
{
	struct ezv_radius_server *rs;
	uint32_t v;

	if (cfg_nargs(n, 2, 2, err) || cfg_want_block(n, true, err))
		return -1;
	if (aaa->n_servers == EZV_MAX_RADIUS)
		return cfg_error(err, n, "more than %d RADIUS servers", EZV_MAX_RADIUS);
	rs = &aaa->servers[aaa->n_servers++];
	memset(rs, 0, sizeof(*rs));
	rs->file = n->file;
	rs->line = n->line;
	rs->auth_port = 1812;
	rs->acct_port = 1813;
	if (cfg_addr(n, 1, &rs->addr, NULL, err))
		return -1;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		ch->used = true;
		if (!strcmp(ch->argv[0], "key")) {
			if (rs->key)
				return cfg_error(err, ch, "\"key\" given twice for this RADIUS server");
			if (want_args(ch, 2, 2, err) || cfg_secret(ch, 1, &rs->key, err))
				return -1;
		} else if (!strcmp(ch->argv[0], "auth-port")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 1, 65535, &v, err))
				return -1;
			rs->auth_port = (uint16_t)v;
		} else if (!strcmp(ch->argv[0], "acct-port")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 1, 65535, &v, err))
				return -1;
			rs->acct_port = (uint16_t)v;
		} else {
			return cfg_error(err, ch, "unknown radius-server setting \"%s\"", ch->argv[0]);
		}
	}
	if (!rs->key)
		return cfg_error(err, n, "radius-server %s has no key", n->argv[1]);
	return 0;
}

static int load_dae_client(struct cfg_node *n, struct ezv_dae *d, struct evs_err *err)
{
	struct ezv_dae_client *c;

	if (cfg_nargs(n, 2, 2, err) || cfg_want_block(n, true, err))
		return -1;
	if (d->n_clients == EZV_MAX_DAE_CLIENTS)
		return cfg_error(err, n, "more than %d dynamic-authorization clients",
				 EZV_MAX_DAE_CLIENTS);
	c = &d->clients[d->n_clients++];
	memset(c, 0, sizeof(*c));
	c->file = n->file;
	c->line = n->line;
	if (cfg_addr(n, 1, &c->addr, NULL, err))
		return -1;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		ch->used = true;
		if (strcmp(ch->argv[0], "key"))
			return cfg_error(err, ch, "unknown dynamic-authorization client setting "
					 "\"%s\"", ch->argv[0]);
		if (c->key)
			return cfg_error(err, ch, "\"key\" given twice for this client");
		if (want_args(ch, 2, 2, err) || cfg_secret(ch, 1, &c->key, err))
			return -1;
	}
	if (!c->key)
		return cfg_error(err, n, "dynamic-authorization client %s has no key", n->argv[1]);
	for (unsigned i = 0; i + 1 < d->n_clients; i++)
		if (ezv_same_host(&d->clients[i].addr, &c->addr))
			return cfg_error(err, n, "dynamic-authorization client %s given twice",
					 n->argv[1]);
	return 0;
}

static int load_dae(struct cfg_node *n, struct ezv_dae *d, struct evs_err *err)
{
	uint32_t v;
	int b;

	if (cfg_nargs(n, 1, 1, err) || cfg_want_block(n, true, err))
		return -1;
	d->port = 3799;
	d->window = 300;
	d->require_ma = true;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		const char *kw = ch->argv[0];

		ch->used = true;
		if (!strcmp(kw, "port")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 1, 65535, &v, err))
				return -1;
			d->port = (uint16_t)v;
		} else if (!strcmp(kw, "listen")) {
			if (want_args(ch, 2, 2, err) || cfg_addr(ch, 1, &d->listen, NULL, err))
				return -1;
		} else if (!strcmp(kw, "event-timestamp-window")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 1, 3600, &d->window, err))
				return -1;
		} else if (!strcmp(kw, "require-event-timestamp") ||
			   !strcmp(kw, "require-message-authenticator")) {
			if (want_args(ch, 2, 2, err))
				return -1;
			b = cfg_choice(ch, 1, yes_no, err);
			if (b < 0)
				return -1;
			if (kw[8] == 'e')
				d->require_timestamp = b == 1;
			else
				d->require_ma = b == 1;
		} else if (!strcmp(kw, "client")) {
			if (load_dae_client(ch, d, err))
				return -1;
		} else {
			return cfg_error(err, ch, "unknown dynamic-authorization setting \"%s\"", kw);
		}
	}
	if (!d->n_clients)
		return cfg_error(err, n, "dynamic-authorization without a client: nobody could "
				 "use it");
	return 0;
}

static int load_aaa(struct cfg_node *n, struct ezv_aaa *aaa, struct evs_err *err)
{
	if (cfg_nargs(n, 1, 1, err) || cfg_want_block(n, true, err))
		return -1;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		const char *kw = ch->argv[0];

		ch->used = true;
		if (!strcmp(kw, "authentication")) {
			if (parse_auth(ch, &aaa->auth, err))
				return -1;
		} else if (!strcmp(kw, "accounting")) {
			static const char *const acct[] = { "none", "radius", NULL };
			int v;

			if (want_args(ch, 2, 2, err))
				return -1;
			v = cfg_choice(ch, 1, acct, err);
			if (v < 0)
				return -1;
			aaa->accounting = v == 1;
		} else if (!strcmp(kw, "interim-interval")) {
			if (want_args(ch, 2, 2, err) ||
			    cfg_u32(ch, 1, 0, 86400, &aaa->interim, err))
				return -1;
			if (aaa->interim && aaa->interim < 60)
				return cfg_error(err, ch, "interim-interval below 60 seconds floods "
						 "the accounting server (0 turns it off)");
		} else if (!strcmp(kw, "timeout")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 1, 60, &aaa->timeout, err))
				return -1;
		} else if (!strcmp(kw, "retries")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 0, 10, &aaa->retries, err))
				return -1;
		} else if (!strcmp(kw, "local-threads")) {
			if (want_args(ch, 2, 2, err) ||
			    cfg_u32(ch, 1, 1, AAA_LOCAL_THREADS_MAX, &aaa->local_threads, err))
				return -1;
		} else if (!strcmp(kw, "nas-identifier")) {
			if (want_args(ch, 2, 2, err))
				return -1;
			snprintf(aaa->nas_identifier, sizeof(aaa->nas_identifier), "%s", ch->argv[1]);
		} else if (!strcmp(kw, "require-message-authenticator")) {
			int v;

			if (want_args(ch, 2, 2, err))
				return -1;
			v = cfg_choice(ch, 1, yes_no, err);
			if (v < 0)
				return -1;
			aaa->ma_optional = v == 0;
		} else if (!strcmp(kw, "radius-server")) {
			if (load_radius_server(ch, aaa, err))
				return -1;
		} else if (!strcmp(kw, "nas-ip-address")) {
			struct sockaddr_storage ss;

			if (want_args(ch, 2, 2, err) || cfg_addr(ch, 1, &ss, NULL, err))
				return -1;
			if (ss.ss_family != AF_INET)
				return cfg_error(err, ch, "nas-ip-address takes an IPv4 address");
			aaa->nas_ip = ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
		} else if (!strcmp(kw, "dynamic-authorization")) {
			if (aaa->dae.port)
				return cfg_error(err, ch, "dynamic-authorization given twice");
			if (load_dae(ch, &aaa->dae, err))
				return -1;
		} else {
			return cfg_error(err, ch, "unknown aaa setting \"%s\"", kw);
		}
	}
	return 0;
}

static int load_xauth(struct cfg_node *n, struct ezv_xauth_cfg *x, struct evs_err *err)
{
	if (cfg_nargs(n, 1, 1, err) || cfg_want_block(n, true, err))
		return -1;
	for (struct cfg_node *ch = n->child; ch; ch = ch->next) {
		const char *kw = ch->argv[0];

		ch->used = true;
		if (!strcmp(kw, "retries")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 1, 10, &x->retries, err))
				return -1;
		} else if (!strcmp(kw, "timeout")) {
			if (want_args(ch, 2, 2, err) || cfg_u32(ch, 1, 10, 600, &x->timeout, err))
				return -1;
		} else if (!strcmp(kw, "lockout")) {
			if (want_args(ch, 3, 3, err) ||
			    cfg_u32(ch, 1, 0, 1000, &x->lockout_failures, err) ||
			    cfg_u32(ch, 2, 1, 86400, &x->lockout_seconds, err))
				return -1;
		} else {
			return cfg_error(err, ch, "unknown xauth setting \"%s\"", kw);
		}
	}
	return 0;
}

static int load_pool(struct cfg_node *n, struct easyvpn_config *c, struct evs_err *err)
{
	struct evs_err msg;
	int r;

	if (want_args(n, 3, 4, err))
		return -1;
	if (n->argc == 4) {
		uint32_t first, last;

		if (parse_ip4(n, 2, &first, err) || parse_ip4(n, 3, &last, err))
			return -1;
		r = pool_add(c->pools, n->argv[1], first, last, &msg);
	} else if (strchr(n->argv[2], ':')) {
		struct evs_prefix p6 = { .family = AF_INET6 };
		struct evs_inaddr p;

		if (evs_parse_prefix(n->argv[0], n->argv[2], AF_INET6, true, &p, &msg))
			return cfg_error(err, n, "%s", msg.msg);
		if (pool6_exists(c->pools6, n->argv[1]))
			return cfg_error(err, n, "pool \"%s\" defined twice", n->argv[1]);
		p6.plen = p.plen;
		memcpy(p6.addr, p.a, 16);
		r = pool6_add(c->pools6, n->argv[1], &p6, c->pools, &msg);
	} else {
		struct modecfg_net net;

		if (parse_net(n, 2, &net, err))
			return -1;
		r = pool_add_prefix(c->pools, n->argv[1], net.addr,
				    (unsigned)modecfg_mask_to_plen(net.mask), &msg);
	}
	if (r)
		return cfg_error(err, n, "%s", msg.msg);
	return 0;
}

static int check_settings(const struct cfg_node *where, const struct easyvpn_config *c,
			  struct ezv_settings *s, const char *what,
			  const char *name, struct evs_err *err)
{
	if (s->has & EZV_BIT(EZV_POOL)) {
		/* pool A [B]: at most one of each family, in either order */
		const char *names[2] = { s->pool, s->pool6 };
		char v4[POOL_NAME_MAX + 1] = "", v6[POOL_NAME_MAX + 1] = "";

		for (unsigned i = 0; i < 2 && names[i][0]; i++) {
			bool is6 = pool6_exists(c->pools6, names[i]);

			if (!is6 && !pool_exists(c->pools, names[i]))
				return cfg_error(err, where, "%s \"%s\": no pool \"%s\"", what,
						 name, names[i]);
			if ((is6 ? v6 : v4)[0])
				return cfg_error(err, where, "%s \"%s\": two %s pools (\"%s\", "
						 "\"%s\"): name one IPv4 and one IPv6 pool", what,
						 name, is6 ? "IPv6" : "IPv4", is6 ? v6 : v4, names[i]);
			snprintf(is6 ? v6 : v4, sizeof(v4), "%s", names[i]);
		}
		snprintf(s->pool, sizeof(s->pool), "%s", v4);
		snprintf(s->pool6, sizeof(s->pool6), "%s", v6);
	}
	if ((s->has & EZV_BIT(EZV_AUTH)) && s->auth != EZV_AUTH_LOCAL && !c->aaa.n_servers)
		return cfg_error(err, where, "%s \"%s\": authentication %s but aaa has no "
				 "radius-server", what, name, ezv_auth_name(s->auth));
	return 0;
}

static unsigned mask_plen(uint32_t mask)
{
	unsigned plen = 0;

	while (plen < 32 && (mask & (0x80000000u >> plen)))
		plen++;
	return plen;
}

/* The effective settings of a group (or a user merged with its group):
 * network extension needs an allow list, and no allowed prefix may touch
 * the split-include networks or a pool. */
static int check_nem(const struct cfg_node *where, const struct easyvpn_config *c,
		     const struct ezv_settings *eff, const char *what, const char *name,
		     bool need_list, struct evs_err *err)
{
	struct evs_err why;

	if (need_list && eff->mode == EZV_MODE_NETWORK_EXTENSION && !eff->n_nem_allow &&
	    !eff->n_nem_allow6)
		return cfg_error(err, where, "%s \"%s\": mode network-extension needs "
				 "\"network-extension allow NET/LEN ...\" (the networks its "
				 "clients may bring)", what, name);
	for (unsigned i = 0; i < eff->n_nem_allow; i++) {
		struct ezv_settings probe = *eff;
		const struct modecfg_net *a = &eff->nem_allow[i];

		probe.mode = EZV_MODE_NETWORK_EXTENSION;
		if (ezv_nem_check(&probe, c->pools, a->addr, mask_plen(a->mask), &why))
			return cfg_error(err, where, "%s \"%s\": network-extension allow "
					 "%u.%u.%u.%u/%u %s", what, name, a->addr >> 24,
					 (a->addr >> 16) & 255, (a->addr >> 8) & 255, a->addr & 255,
					 mask_plen(a->mask), why.msg);
	}
	for (unsigned i = 0; i < eff->n_nem_allow6; i++) {
		struct ezv_settings probe = *eff;
		char s[EVS_PREFIX_STRLEN];

		probe.mode = EZV_MODE_NETWORK_EXTENSION;
		if (ezv_nem_check6(&probe, c->pools6, &eff->nem_allow6[i], &why))
			return cfg_error(err, where, "%s \"%s\": network-extension allow %s %s",
					 what, name, evs_prefix_str(&eff->nem_allow6[i], s,
								    sizeof(s)), why.msg);
	}
	return 0;
}

/* Find the node of a group/user again for error positions. */
static const struct cfg_node *node_at(struct cfg_node *root, const char *file,
				      unsigned line)
{
	for (struct cfg_node *n = root->child; n; n = n->next)
		if (n->line == line && n->file == file)
			return n;
	return root;
}

static const struct cfg_node *node_kw(struct cfg_node *root, const char *kw)
{
	for (struct cfg_node *n = root->child; n; n = n->next)
		if (n->argc && !strcmp(n->argv[0], kw))
			return n;
	return root;
}

static int validate(struct cfg_node *root, struct easyvpn_config *c, struct evs_err *err)
{
	if (c->aaa.auth != EZV_AUTH_LOCAL && !c->aaa.n_servers)
		return cfg_error(err, node_kw(root, "aaa"),
				 "aaa authentication %s needs a radius-server",
				 ezv_auth_name(c->aaa.auth));
	if (c->aaa.accounting && !c->aaa.n_servers)
		return cfg_error(err, node_kw(root, "aaa"),
				 "aaa accounting radius needs a radius-server");
	for (size_t i = 0; i < c->n_groups; i++) {
		struct ezv_group *g = &c->groups[i];
		const struct cfg_node *n = node_at(root, g->file, g->line);

		if (check_settings(n, c, &g->s, "group", g->name, err) ||
		    check_nem(n, c, &g->s, "group", g->name, true, err))
			return -1;
		if (g->s.mode == EZV_MODE_CLIENT && !(g->s.has & EZV_BIT(EZV_POOL)))
			log_notice("%s:%u: group \"%s\" has no pool: its clients need a "
				   "per-user address or a RADIUS Framed-IP-Address",
				   g->file, g->line, g->name);
	}
	for (size_t i = 0; i < c->n_users; i++) {
		struct ezv_user *u = &c->users[i];
		const struct cfg_node *n = node_at(root, u->file, u->line);

		if (u->group[0] && !ezv_find_group(c, u->group, strlen(u->group)))
			return cfg_error(err, n, "user \"%s\": no group \"%s\"", u->name, u->group);
		if (check_settings(n, c, &u->s, "user", u->name, err))
			return -1;
		if (u->group[0]) {
			struct ezv_settings eff;

			ezv_merge(&ezv_find_group(c, u->group, strlen(u->group))->s, &u->s, &eff);
			if (check_nem(n, c, &eff, "user", u->name, true, err))
				return -1;
		} else if (check_nem(n, c, &u->s, "user", u->name, false, err)) {
			return -1;	/* the group comes from the user file at login */
		}
	}
	return 0;
}

int easyvpn_config_load(struct cfg_node *root, struct easyvpn_config **out,
			struct evs_err *err)
{
	struct easyvpn_config *c = calloc(1, sizeof(*c));

	if (!c)
		return cfg_error(err, root, "out of memory");
	snprintf(c->user_file, sizeof(c->user_file), "%s", USERDB_PATH);
	c->aaa.auth = EZV_AUTH_LOCAL;
	c->aaa.timeout = 3;
	c->aaa.retries = 2;
	snprintf(c->aaa.nas_identifier, sizeof(c->aaa.nas_identifier), "evsd");
	c->xauth.retries = 3;
	c->xauth.timeout = 90;
	c->xauth.lockout_failures = 5;
	c->xauth.lockout_seconds = 300;
	c->pools = pool_set_new();
	c->pools6 = pool6_set_new();
	if (!c->pools || !c->pools6) {
		pool_set_free(c->pools);
		pool6_set_free(c->pools6);
		free(c);
		return cfg_error(err, root, "out of memory");
	}
	*out = c;

	/* aaa first: groups inherit its authentication method. */
	for (struct cfg_node *n = root->child; n; n = n->next)
		if (n->argc && !strcmp(n->argv[0], "aaa")) {
			n->used = true;
			if (load_aaa(n, &c->aaa, err))
				goto fail;
		}
	for (struct cfg_node *n = root->child; n; n = n->next) {
		const char *kw = n->argc ? n->argv[0] : "";
		int r = 0;

		if (!strcmp(kw, "user-database")) {
			r = want_args(n, 2, 2, err);
			if (!r)
				snprintf(c->user_file, sizeof(c->user_file), "%s", n->argv[1]);
		} else if (!strcmp(kw, "xauth")) {
			r = load_xauth(n, &c->xauth, err);
		} else if (!strcmp(kw, "pool")) {
			r = load_pool(n, c, err);
		} else if (!strcmp(kw, "group")) {
			continue;	/* after all pools are known */
		} else if (!strcmp(kw, "user")) {
			continue;
		} else {
			continue;
		}
		n->used = true;
		if (r)
			goto fail;
	}
	for (struct cfg_node *n = root->child; n; n = n->next) {
		const char *kw = n->argc ? n->argv[0] : "";

		if (strcmp(kw, "group") && strcmp(kw, "user"))
			continue;
		n->used = true;
		if ((!strcmp(kw, "group") ? load_group : load_user)(n, c, err))
			goto fail;
	}
	if (validate(root, c, err))
		goto fail;
	return 0;
fail:
	easyvpn_config_destroy(c);
	*out = NULL;
	return -1;
}

void easyvpn_config_destroy(struct easyvpn_config *c)
{
	if (!c)
		return;
	easyvpn_config_free(c);
	free(c);
}

/* What ezv_init() would refuse: the user database must load (a
 * missing file is allowed there too). */
int easyvpn_config_check(const struct easyvpn_config *c, char *sum, size_t len,
			 struct evs_err *err)
{
	struct userdb db;
	struct evs_err ue;
	size_t used = strlen(sum);

	if (!c)
		return 0;
	userdb_init(&db);
	if (userdb_load(&db, c->user_file, true, &ue)) {
		snprintf(err->msg, sizeof(err->msg), "%s", ue.msg);
		return -1;
	}
	snprintf(sum + used, len - used, ", %zu groups, %zu pools, %zu users",
		 c->n_groups, pool_count(c->pools), db.n);
	userdb_free(&db);
	return 0;
}

/* The default NAS-IP-Address: the first IPv4 address evsd listens on
 * (none when it listens on 0.0.0.0: the servers see the source). */
void ezv_config_defaults(const struct ike_config *ike, struct easyvpn_config *cfg)
{
	for (unsigned i = 0; cfg && !cfg->aaa.nas_ip && i < ike->n_listen; i++)
		if (ike->listen[i].ss_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)&ike->listen[i];

			cfg->aaa.nas_ip = ntohl(a->sin_addr.s_addr);
		}
}
