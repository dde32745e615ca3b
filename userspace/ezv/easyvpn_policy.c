// SPDX-License-Identifier: MIT
/* Group and user settings, merged into what a client gets; see
 * easyvpn_policy.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ezv/easyvpn_policy.h"

const char *ezv_auth_name(enum ezv_auth a)
{
	switch (a) {
	case EZV_AUTH_LOCAL: return "local";
	case EZV_AUTH_RADIUS: return "radius";
	case EZV_AUTH_RADIUS_THEN_LOCAL: return "radius-local";
	}
	return "?";
}

void ezv_settings_defaults(struct ezv_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = EZV_MODE_CLIENT;
	s->netmask = 0xffffffffu;
	s->auth = EZV_AUTH_LOCAL;
}

#define TAKE(f, stmt) do { if (user->has & EZV_BIT(f)) { stmt; } } while (0)

void ezv_merge(const struct ezv_settings *group, const struct ezv_settings *user,
	       struct ezv_settings *out)
{
	*out = *group;
	if (!user)
		return;
	TAKE(EZV_POOL, memcpy(out->pool, user->pool, sizeof(out->pool));
	     memcpy(out->pool6, user->pool6, sizeof(out->pool6)));
	TAKE(EZV_DNS, out->n_dns = user->n_dns; memcpy(out->dns, user->dns, sizeof(out->dns));
	     out->n_dns6 = user->n_dns6; memcpy(out->dns6, user->dns6, sizeof(out->dns6)));
	TAKE(EZV_WINS, out->n_wins = user->n_wins;
	     memcpy(out->wins, user->wins, sizeof(out->wins)));
	TAKE(EZV_DOMAIN, memcpy(out->domain, user->domain, sizeof(out->domain)));
	TAKE(EZV_SPLIT_INCLUDE, out->n_split = user->n_split;
	     memcpy(out->split, user->split, sizeof(out->split));
	     out->n_split6 = user->n_split6;
	     memcpy(out->split6, user->split6, sizeof(out->split6)));
	TAKE(EZV_SPLIT_DNS, memcpy(out->split_dns, user->split_dns, sizeof(out->split_dns)));
	TAKE(EZV_BANNER, memcpy(out->banner, user->banner, sizeof(out->banner)));
	TAKE(EZV_BACKUP_SERVERS, memcpy(out->backup_servers, user->backup_servers,
					sizeof(out->backup_servers)));
	TAKE(EZV_FIREWALL, out->firewall_len = user->firewall_len;
	     memcpy(out->firewall, user->firewall, sizeof(out->firewall)));
	TAKE(EZV_PFS, out->pfs = user->pfs);
	TAKE(EZV_SAVE_PASSWORD, out->save_password = user->save_password);
	TAKE(EZV_LOCAL_LAN, out->local_lan = user->local_lan;
	     out->n_local_lan = user->n_local_lan;
	     memcpy(out->local_lan_nets, user->local_lan_nets, sizeof(out->local_lan_nets)));
	TAKE(EZV_PROXY_ARP, out->proxy_arp = user->proxy_arp;
	     memcpy(out->lan_if, user->lan_if, sizeof(out->lan_if)));
	TAKE(EZV_MODE, out->mode = user->mode);
	TAKE(EZV_ADDRESS, out->address = user->address);
	TAKE(EZV_NETMASK, out->netmask = user->netmask);
	TAKE(EZV_ADDRESS_LIFETIME, out->address_lifetime = user->address_lifetime);
	TAKE(EZV_MODECFG_PUSH, out->modecfg_push = user->modecfg_push);
	TAKE(EZV_AUTH, out->auth = user->auth);
	TAKE(EZV_MAX_LOGINS, out->max_logins = user->max_logins);
	TAKE(EZV_IDLE_TIMEOUT, out->idle_timeout = user->idle_timeout);
	TAKE(EZV_SESSION_TIMEOUT, out->session_timeout = user->session_timeout);
	TAKE(EZV_NEM_ALLOW, out->n_nem_allow = user->n_nem_allow;
	     memcpy(out->nem_allow, user->nem_allow, sizeof(out->nem_allow));
	     out->n_nem_allow6 = user->n_nem_allow6;
	     memcpy(out->nem_allow6, user->nem_allow6, sizeof(out->nem_allow6)));
	TAKE(EZV_FIREWALL_AYT, out->fw_are_you_there = user->fw_are_you_there);
	out->has = group->has | user->has;
}

static uint32_t plen_to_mask(unsigned plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

static void fmt_net(uint32_t a, uint32_t mask, char *buf, size_t len)
{
	unsigned plen = 0;

	while (plen < 32 && (mask & (0x80000000u >> plen)))
		plen++;
	snprintf(buf, len, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255, plen);
}

/* Two prefixes share an address iff they agree under the shorter mask. */
static bool nets_overlap(uint32_t a, uint32_t amask, uint32_t b, uint32_t bmask)
{
	uint32_t m = amask & bmask;

	return (a & m) == (b & m);
}

int ezv_nem_check(const struct ezv_settings *eff, const struct pool_set *pools,
		  uint32_t net, unsigned plen, struct evs_err *why)
{
	uint32_t mask = plen_to_mask(plen), last;
	bool inside = false;
	char n[24], pool[POOL_NAME_MAX + 1];

	if (plen > 32) {
		evs_errf(why, "prefix length %u", plen);
		return -1;
	}
	net &= mask;
	last = net | ~mask;
	if (eff->mode != EZV_MODE_NETWORK_EXTENSION) {
		evs_errf(why, "network extension is not allowed (mode client)");
		return -1;
	}
	for (unsigned i = 0; i < eff->n_nem_allow && !inside; i++) {
		const struct modecfg_net *a = &eff->nem_allow[i];

		inside = (mask & a->mask) == a->mask && (net & a->mask) == a->addr;
	}
	if (!inside) {
		evs_errf(why, eff->n_nem_allow ? "outside every `network-extension allow` prefix"
						    : "no `network-extension allow` list");
		return -1;
	}
	for (unsigned i = 0; i < eff->n_split; i++)
		if (nets_overlap(net, mask, eff->split[i].addr, eff->split[i].mask)) {
			fmt_net(eff->split[i].addr, eff->split[i].mask, n, sizeof(n));
			evs_errf(why, "overlaps the gateway's split-include %s", n);
			return -1;
		}
	if (pools && pool_overlaps(pools, net, last, pool, sizeof(pool))) {
		evs_errf(why, "overlaps address pool \"%s\"", pool);
		return -1;
	}
	return 0;
}

static bool prefixes_overlap(const struct evs_prefix *a, const struct evs_prefix *b)
{
	return evs_prefix_within(a, b) || evs_prefix_within(b, a);
}

int ezv_nem_check6(const struct ezv_settings *eff, const struct pool6_set *pools6,
		   const struct evs_prefix *net, struct evs_err *why)
{
	char s[EVS_PREFIX_STRLEN];
	bool inside = false;

	if (net->family != AF_INET6 || net->plen > 128) {
		evs_errf(why, "not an IPv6 network");
		return -1;
	}
	if (eff->mode != EZV_MODE_NETWORK_EXTENSION) {
		evs_errf(why, "network extension is not allowed (mode client)");
		return -1;
	}
	for (unsigned i = 0; i < eff->n_nem_allow6 && !inside; i++)
		inside = evs_prefix_within(net, &eff->nem_allow6[i]);
	if (!inside) {
		evs_errf(why, eff->n_nem_allow6 ? "outside every IPv6 `network-extension "
						     "allow` prefix"
						   : "no IPv6 `network-extension allow` prefix");
		return -1;
	}
	for (unsigned i = 0; i < eff->n_split6; i++)
		if (prefixes_overlap(net, &eff->split6[i])) {
			evs_errf(why, "overlaps the gateway's split-include %s",
				 evs_prefix_str(&eff->split6[i], s, sizeof(s)));
			return -1;
		}
	if (pools6 && pool6_overlaps(pools6, net)) {
		evs_errf(why, "overlaps an IPv6 address pool");
		return -1;
	}
	return 0;
}

void ezv_offer(const struct ezv_settings *eff, uint32_t addr, uint32_t mask,
	       struct modecfg *m)
{
	memset(m, 0, sizeof(*m));
	if (addr) {
		m->ip4_addr = addr;
		m->ip4_mask = mask ? mask : 0xffffffffu;
		m->has |= MCF_BIT(MCF_IP4_ADDRESS) | MCF_BIT(MCF_IP4_NETMASK);
		if (eff->address_lifetime) {
			m->expiry = eff->address_lifetime;
			m->has |= MCF_BIT(MCF_ADDRESS_EXPIRY);
		}
	}
	if (eff->n_dns) {
		m->n_dns = eff->n_dns;
		memcpy(m->dns, eff->dns, sizeof(m->dns));
		m->has |= MCF_BIT(MCF_IP4_DNS);
	}
	/* IPv6 values go to a client only when it asks (modecfg_answer) */
	if (eff->n_dns6) {
		m->n_dns6 = eff->n_dns6;
		memcpy(m->dns6, eff->dns6, sizeof(m->dns6));
		m->has |= MCF_BIT(MCF_IP6_DNS);
	}
	if (eff->n_split6) {
		m->n_subnet6 = eff->n_split6;
		memcpy(m->subnet6, eff->split6, sizeof(m->subnet6));
		m->has |= MCF_BIT(MCF_IP6_SUBNET);
	}
	if (eff->n_wins) {
		m->n_nbns = eff->n_wins;
		memcpy(m->nbns, eff->wins, sizeof(m->nbns));
		m->has |= MCF_BIT(MCF_IP4_NBNS);
	}
	if (eff->domain[0]) {
		memcpy(m->def_domain, eff->domain, sizeof(m->def_domain));
		m->has |= MCF_BIT(MCF_DEF_DOMAIN);
	}
	if (eff->n_split) {
		m->n_split = eff->n_split;
		memcpy(m->split, eff->split, sizeof(m->split));
		m->has |= MCF_BIT(MCF_SPLIT_INCLUDE);
	}
	if (eff->split_dns[0]) {
		memcpy(m->split_dns, eff->split_dns, sizeof(m->split_dns));
		m->has |= MCF_BIT(MCF_SPLIT_DNS);
	}
	if (eff->banner[0]) {
		memcpy(m->banner, eff->banner, sizeof(m->banner));
		m->has |= MCF_BIT(MCF_BANNER);
	}
	if (eff->backup_servers[0]) {
		memcpy(m->backup_servers, eff->backup_servers, sizeof(m->backup_servers));
		m->has |= MCF_BIT(MCF_BACKUP_SERVERS);
	}
	if (eff->firewall_len) {
		memcpy(m->fw_type, eff->firewall, eff->firewall_len);
		m->fw_type_len = eff->firewall_len;
		m->has |= MCF_BIT(MCF_FW_TYPE);
	} else if (eff->fw_are_you_there) {
		/* what a concentrator requiring a firewall sends */
		const struct modecfg_fw fw = {
			.vendor = MODECFG_FW_VENDOR_CISCO,
			.product = MODECFG_FW_PRODUCT_INTEGRATED,
			.policy = MODECFG_FW_POLICY_DEFAULT,
		};

		m->fw_type_len = modecfg_fw_build(&fw, m->fw_type);
		m->has |= MCF_BIT(MCF_FW_TYPE);
	}
	if (eff->has & EZV_BIT(EZV_PFS)) {
		m->pfs = eff->pfs;
		m->has |= MCF_BIT(MCF_PFS);
	}
	if (eff->has & EZV_BIT(EZV_SAVE_PASSWORD)) {
		m->save_passwd = eff->save_password;
		m->has |= MCF_BIT(MCF_SAVE_PASSWD);
	}
	if (eff->local_lan) {
		m->n_local_lan = eff->n_local_lan;
		memcpy(m->local_lan, eff->local_lan_nets, sizeof(m->local_lan));
		m->has |= MCF_BIT(MCF_LOCAL_LAN);
	}
}

const struct ezv_group *ezv_find_group(const struct easyvpn_config *c,
				       const char *name, size_t len)
{
	for (size_t i = 0; i < c->n_groups; i++)
		if (strlen(c->groups[i].name) == len && !memcmp(c->groups[i].name, name, len))
			return &c->groups[i];
	return NULL;
}

const struct ezv_user *ezv_find_user(const struct easyvpn_config *c,
				     const char *name)
{
	for (size_t i = 0; i < c->n_users; i++)
		if (!strcmp(c->users[i].name, name))
			return &c->users[i];
	return NULL;
}

void easyvpn_config_free(struct easyvpn_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_groups; i++)
		secret_free(c->groups[i].psk);
	for (unsigned i = 0; i < c->aaa.n_servers; i++)
		secret_free(c->aaa.servers[i].key);
	for (unsigned i = 0; i < c->aaa.dae.n_clients; i++)
		secret_free(c->aaa.dae.clients[i].key);
	free(c->groups);
	free(c->users);
	pool_set_free(c->pools);
	pool6_set_free(c->pools6);
	memset(c, 0, sizeof(*c));
}

/* The per-process secret unknown group names are keyed with. */
static struct secret *dummy_base(void)
{
	static struct secret *base;

	if (!base) {
		uint8_t r[32];

		if (secret_init() < 0)
			return NULL;
		randombytes_buf(r, sizeof(r));
		base = secret_from(r, sizeof(r));
		sodium_memzero(r, sizeof(r));
	}
	return base;
}

const struct secret *ezv_group_psk(const struct easyvpn_config *c,
				   const uint8_t *name, size_t len, bool *known)
{
	/* A small cache so the same unknown name always gets the same key
	 * and a flood of names cannot grow memory. */
	static struct {
		uint8_t name_hash[16];
		struct secret *key;
	} cache[64];
	static unsigned next;
	const struct ezv_group *g = ezv_find_group(c, (const char *)name, len);
	struct secret *base, *k;
	uint8_t h[16], out[32];

	if (known)
		*known = g && g->psk;
	if (g && g->psk)
		return g->psk;
	base = dummy_base();
	if (!base)
		return NULL;
	crypto_generichash(h, sizeof(h), name, len, secret_data(base), 16);
	for (unsigned i = 0; i < 64; i++)
		if (cache[i].key && !memcmp(cache[i].name_hash, h, sizeof(h)))
			return cache[i].key;
	/* 24 bytes of printable-ish key: the length does not matter to an
	 * outsider, the HASH_R it produces never verifies at the client. */
	crypto_generichash(out, 24, name, len, secret_data(base) + 16, 16);
	k = secret_from(out, 24);
	sodium_memzero(out, sizeof(out));
	if (!k)
		return NULL;
	secret_free(cache[next].key);
	memcpy(cache[next].name_hash, h, sizeof(h));
	cache[next].key = k;
	next = (next + 1) % 64;
	return k;
}

unsigned ezv_psk_entropy_bits(const uint8_t *key, size_t len)
{
	bool lower = false, upper = false, digit = false, other = false, high = false;
	unsigned distinct = 0, alphabet = 0;
	bool seen[256] = { false };

	for (size_t i = 0; i < len; i++) {
		uint8_t c = key[i];

		if (!seen[c]) {
			seen[c] = true;
			distinct++;
		}
		if (c >= 'a' && c <= 'z')
			lower = true;
		else if (c >= 'A' && c <= 'Z')
			upper = true;
		else if (c >= '0' && c <= '9')
			digit = true;
		else if (c >= 0x20 && c < 0x7f)
			other = true;
		else
			high = true;
	}
	alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) +
		   (other ? 33 : 0) + (high ? 161 : 0);
	/* A repetitive key ("abababab...") is as weak as its few distinct
	 * symbols say, whatever classes they fall into. */
	if (distinct * 4 <= len)
		alphabet = distinct < 2 ? 2 : distinct;
	if (!len)
		return 0;
	/* len * log2(alphabet), in integers: log2(a^4)/4 to a quarter bit. */
	uint64_t a4 = (uint64_t)alphabet * alphabet * alphabet * alphabet;
	unsigned quarter_bits = 63 - (unsigned)__builtin_clzll(a4);

	return (unsigned)(len * quarter_bits / 4);
}
