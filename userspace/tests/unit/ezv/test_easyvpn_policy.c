// SPDX-License-Identifier: MIT
/* Group and user settings: merge, the mode-config offer, group keys. */
#include <arpa/inet.h>
#include <string.h>

#include "ezv/easyvpn_policy.h"
#include "lib/secret.h"
#include "tests/unit/unit.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static void sales_group(struct ezv_settings *g)
{
	ezv_settings_defaults(g);
	g->has = EZV_BIT(EZV_POOL) | EZV_BIT(EZV_DNS) | EZV_BIT(EZV_DOMAIN) |
		 EZV_BIT(EZV_SPLIT_INCLUDE) | EZV_BIT(EZV_BANNER) | EZV_BIT(EZV_PFS) |
		 EZV_BIT(EZV_SAVE_PASSWORD) | EZV_BIT(EZV_PROXY_ARP);
	strcpy(g->pool, "sales");
	g->n_dns = 2;
	g->dns[0] = IP(192, 168, 77, 53);
	g->dns[1] = IP(192, 168, 77, 54);
	strcpy(g->domain, "corp.example");
	g->n_split = 1;
	g->split[0] = (struct modecfg_net){ IP(192, 168, 77, 0), IP(255, 255, 255, 0), 0, 0, 0 };
	strcpy(g->banner, "Sales VPN");
	g->pfs = true;
	g->save_password = false;
	g->proxy_arp = true;
	strcpy(g->lan_if, "lan0");
}

UNIT_TEST(user_fields_replace_group_fields)
{
	struct ezv_settings g, u, eff;

	sales_group(&g);
	memset(&u, 0, sizeof(u));
	u.has = EZV_BIT(EZV_DNS) | EZV_BIT(EZV_BANNER) | EZV_BIT(EZV_PFS) | EZV_BIT(EZV_ADDRESS);
	u.n_dns = 1;
	u.dns[0] = IP(10, 1, 1, 1);
	strcpy(u.banner, "Hello boss");
	u.pfs = false;
	u.address = IP(10, 77, 9, 9);
	ezv_merge(&g, &u, &eff);
	/* replaced, not appended */
	UNIT_ASSERT_EQ_INT(eff.n_dns, 1);
	UNIT_ASSERT_EQ_INT(eff.dns[0], IP(10, 1, 1, 1));
	UNIT_ASSERT_EQ_STR(eff.banner, "Hello boss");
	UNIT_ASSERT(!eff.pfs);			/* a user may turn a group flag off */
	UNIT_ASSERT_EQ_INT(eff.address, IP(10, 77, 9, 9));
	/* untouched fields come from the group */
	UNIT_ASSERT_EQ_STR(eff.domain, "corp.example");
	UNIT_ASSERT_EQ_STR(eff.pool, "sales");
	UNIT_ASSERT_EQ_INT(eff.n_split, 1);
	UNIT_ASSERT(eff.proxy_arp);
	UNIT_ASSERT_EQ_STR(eff.lan_if, "lan0");
	UNIT_ASSERT(eff.has & EZV_BIT(EZV_ADDRESS));
	/* no user block: the group as is */
	ezv_merge(&g, NULL, &eff);
	UNIT_ASSERT_EQ_INT(eff.n_dns, 2);
	UNIT_ASSERT(eff.pfs);
}

static struct evs_prefix p6(const char *text, uint8_t plen)
{
	struct evs_prefix p = { .family = AF_INET6, .plen = plen };

	UNIT_ASSERT_EQ_INT(inet_pton(AF_INET6, text, p.addr), 1);
	return p;
}

UNIT_TEST(network_extension_claims_ipv6)
{
	struct pool6_set *ps = pool6_set_new();
	struct evs_prefix pool = p6("2001:db8:99::", 120), net;
	struct ezv_settings g, u, eff;
	struct evs_err why, err;

	UNIT_ASSERT(ps);
	UNIT_ASSERT_EQ_INT(pool6_add(ps, "v6", &pool, NULL, &err), 0);
	sales_group(&g);
	net = p6("2001:db8:200::", 64);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "not allowed"));
	g.mode = EZV_MODE_NETWORK_EXTENSION;
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), -1);
	UNIT_ASSERT_EQ_STR(why.msg, "no IPv6 `network-extension allow` prefix");
	g.n_nem_allow6 = 1;
	g.nem_allow6[0] = p6("2001:db8::", 32);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), 0);
	/* wider than allowed; the split-include; a pool or part of it */
	net = p6("2001:d00::", 24);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "outside every IPv6"));
	g.split6[0] = p6("2001:db8:77::", 64);
	g.n_split6 = 1;
	net = p6("2001:db8:77::80", 121);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), -1);
	UNIT_ASSERT_EQ_STR(why.msg, "overlaps the gateway's split-include 2001:db8:77::/64");
	net = p6("2001:db8:99::", 64);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), -1);
	UNIT_ASSERT_EQ_STR(why.msg, "overlaps an IPv6 address pool");
	/* an IPv4 prefix is no IPv6 claim */
	net.family = AF_INET;
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&g, ps, &net, &why), -1);
	/* a user's list (of either family) replaces the group's */
	memset(&u, 0, sizeof(u));
	u.has = EZV_BIT(EZV_NEM_ALLOW);
	u.n_nem_allow6 = 1;
	u.nem_allow6[0] = p6("2001:db8:300::", 56);
	ezv_merge(&g, &u, &eff);
	net = p6("2001:db8:200::", 64);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&eff, ps, &net, &why), -1);
	net = p6("2001:db8:300::", 64);
	UNIT_ASSERT_EQ_INT(ezv_nem_check6(&eff, ps, &net, &why), 0);
	pool6_set_free(ps);
}

UNIT_TEST(network_extension_claims)
{
	struct ezv_settings g, u, eff;
	struct pool_set *ps = pool_set_new();
	struct evs_err why, err;

	UNIT_ASSERT(ps);
	UNIT_ASSERT_EQ_INT(pool_add_prefix(ps, "sales", IP(10, 77, 0, 0), 24, &err), 0);
	sales_group(&g);
	/* client mode: no network at all */
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 77, 200, 0), 24, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "not allowed"));
	g.mode = EZV_MODE_NETWORK_EXTENSION;
	/* network extension without a list: nothing */
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 77, 200, 0), 24, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "no `network-extension allow` list"));
	g.has |= EZV_BIT(EZV_NEM_ALLOW);
	g.n_nem_allow = 2;
	g.nem_allow[0] = (struct modecfg_net){ IP(10, 77, 0, 0), IP(255, 255, 0, 0), 0, 0, 0 };
	g.nem_allow[1] = (struct modecfg_net){ IP(192, 168, 0, 0), IP(255, 255, 0, 0), 0, 0, 0 };
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 77, 200, 0), 24, &why), 0);
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 77, 200, 9), 32, &why), 0);
	/* wider than any allowed prefix, or outside them */
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 0, 0, 0), 8, &why), -1);
	UNIT_ASSERT(strstr(why.msg, "outside every"));
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, 0, 0, &why), -1);
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 78, 0, 0), 24, &why), -1);
	/* the gateway's own LAN (split include), inside an allowed prefix */
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(192, 168, 77, 0), 24, &why), -1);
	UNIT_ASSERT_EQ_STR(why.msg, "overlaps the gateway's split-include 192.168.77.0/24");
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(192, 168, 77, 128), 25, &why), -1);
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(192, 168, 0, 0), 17, &why), -1);
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(192, 168, 78, 0), 24, &why), 0);
	/* a pool, or one address of it */
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 77, 0, 5), 32, &why), -1);
	UNIT_ASSERT_EQ_STR(why.msg, "overlaps address pool \"sales\"");
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&g, ps, IP(10, 77, 0, 0), 23, &why), -1);
	/* a user's list replaces the group's */
	memset(&u, 0, sizeof(u));
	u.has = EZV_BIT(EZV_NEM_ALLOW);
	u.n_nem_allow = 1;
	u.nem_allow[0] = (struct modecfg_net){ IP(10, 77, 201, 0), IP(255, 255, 255, 0), 0, 0, 0 };
	ezv_merge(&g, &u, &eff);
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&eff, ps, IP(10, 77, 200, 0), 24, &why), -1);
	UNIT_ASSERT_EQ_INT(ezv_nem_check(&eff, ps, IP(10, 77, 201, 0), 24, &why), 0);
	pool_set_free(ps);
}

UNIT_TEST(offer_carries_address_and_group_values)
{
	struct ezv_settings g;
	struct modecfg m;

	sales_group(&g);
	g.address_lifetime = 3600;
	ezv_offer(&g, IP(10, 77, 0, 5), 0, &m);
	UNIT_ASSERT(m.has & MCF_BIT(MCF_IP4_ADDRESS));
	UNIT_ASSERT_EQ_INT(m.ip4_addr, IP(10, 77, 0, 5));
	UNIT_ASSERT_EQ_INT(m.ip4_mask, 0xffffffffu);
	UNIT_ASSERT_EQ_INT(m.expiry, 3600);
	UNIT_ASSERT_EQ_INT(m.n_dns, 2);
	UNIT_ASSERT(m.has & MCF_BIT(MCF_SPLIT_INCLUDE));
	UNIT_ASSERT(m.has & MCF_BIT(MCF_PFS));
	UNIT_ASSERT_EQ_INT(m.pfs, 1);
	/* save-password configured "no" is still sent (the client must not save) */
	UNIT_ASSERT(m.has & MCF_BIT(MCF_SAVE_PASSWD));
	UNIT_ASSERT_EQ_INT(m.save_passwd, 0);
	UNIT_ASSERT(!(m.has & MCF_BIT(MCF_IP4_NBNS)));
	UNIT_ASSERT(!(m.has & MCF_BIT(MCF_LOCAL_LAN)));
	/* network extension: no address */
	ezv_offer(&g, 0, 0, &m);
	UNIT_ASSERT(!(m.has & MCF_BIT(MCF_IP4_ADDRESS)));
	UNIT_ASSERT(!(m.has & MCF_BIT(MCF_ADDRESS_EXPIRY)));
}

UNIT_TEST(unknown_group_gets_a_stable_dummy_key)
{
	struct easyvpn_config c;
	struct ezv_group g;
	const struct secret *k1, *k2, *k3, *kg;
	bool known = true;

	memset(&c, 0, sizeof(c));
	memset(&g, 0, sizeof(g));
	strcpy(g.name, "sales");
	g.psk = secret_from("Xq3-vT9!kL2#pR7@", 16);
	c.groups = &g;
	c.n_groups = 1;

	kg = ezv_group_psk(&c, (const uint8_t *)"sales", 5, &known);
	UNIT_ASSERT(known);
	UNIT_ASSERT(kg == g.psk);
	k1 = ezv_group_psk(&c, (const uint8_t *)"salez", 5, &known);
	UNIT_ASSERT(!known);
	UNIT_ASSERT(k1 && secret_len(k1) > 0);
	k2 = ezv_group_psk(&c, (const uint8_t *)"salez", 5, NULL);
	UNIT_ASSERT(secret_equal(k1, k2));		/* same name, same answer */
	k3 = ezv_group_psk(&c, (const uint8_t *)"other", 5, NULL);
	UNIT_ASSERT(!secret_equal(k1, k3));
	UNIT_ASSERT(!secret_equal(k1, kg));
	/* a prefix of a known name is unknown */
	ezv_group_psk(&c, (const uint8_t *)"sale", 4, &known);
	UNIT_ASSERT(!known);
	secret_free(g.psk);
}

UNIT_TEST(psk_entropy_estimate)
{
	UNIT_ASSERT(ezv_psk_entropy_bits((const uint8_t *)"cisco123", 8) < EZV_PSK_WEAK_BITS);
	UNIT_ASSERT(ezv_psk_entropy_bits((const uint8_t *)"secret", 6) < EZV_PSK_WEAK_BITS);
	UNIT_ASSERT(ezv_psk_entropy_bits((const uint8_t *)"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 30) <
		    EZV_PSK_WEAK_BITS);
	UNIT_ASSERT(ezv_psk_entropy_bits((const uint8_t *)"q7Rv2LmX9pWc4ZtKb8Ns", 20) >=
		    EZV_PSK_WEAK_BITS);
	UNIT_ASSERT_EQ_INT(ezv_psk_entropy_bits((const uint8_t *)"", 0), 0);
}

UNIT_MAIN()
