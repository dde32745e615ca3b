// SPDX-License-Identifier: MIT
/* The Easy VPN config sections: values, inheritance, errors with file:line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ezv/config_easyvpn.h"
#include "ezv/easyvpn_policy.h"
#include "lib/daemon_log.h"
#include "lib/userdb.h"
#include "tests/unit/unit.h"

static struct cfg_node *root;
static struct {
	struct easyvpn_config *easyvpn;
} cfg;
static char last_warning[512];

static void hook(enum evsd_log_level level, const char *msg, void *arg)
{
	if (level <= EVSD_LOG_WARN)
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

static int load(const char *text, struct evs_err *err)
{
	memset(&cfg, 0, sizeof(cfg));
	last_warning[0] = '\0';
	evsd_log_set_quiet(true);
	evsd_log_set_hook(hook, NULL);
	root = cfg_parse_string(text, "evsd.conf", err);
	if (!root)
		return -1;
	return easyvpn_config_load(root, &cfg.easyvpn, err);
}

static void unload(void)
{
	easyvpn_config_destroy(cfg.easyvpn);
	cfg.easyvpn = NULL;
	cfg_free(root);
	root = NULL;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

static const char full[] =
	"user-database /tmp/users\n"
	"aaa {\n"
	"  authentication radius-local\n"
	"  accounting radius\n"
	"  interim-interval 600\n"
	"  radius-server 127.0.0.1 {\n"
	"    key \"testing123\"\n"
	"    acct-port 1900\n"
	"  }\n"
	"}\n"
	"xauth {\n"
	"  retries 2\n"
	"  lockout 4 120\n"
	"}\n"
	"pool sales 10.77.1.10 10.77.1.200\n"
	"pool eng 10.77.2.0/24\n"
	"group sales {\n"
	"  key \"q7Rv2LmX9pWc4ZtKb8Ns\"\n"
	"  pool sales\n"
	"  dns 192.168.77.53 192.168.77.54\n"
	"  wins 192.168.77.10\n"
	"  domain corp.example\n"
	"  split-include 192.168.77.0/24 10.10.0.0/16\n"
	"  split-dns corp.example lab.example\n"
	"  banner \"Welcome to sales\"\n"
	"  backup-servers 203.0.113.2 gw2.example\n"
	"  pfs\n"
	"  save-password no\n"
	"  include-local-lan\n"
	"  proxy-arp lan0\n"
	"  mode client\n"
	"  modecfg push\n"
	"  address-lifetime 3600\n"
	"}\n"
	"group eng {\n"
	"  key \"Vb7mQ2xR9tLc4WzKp8Jd\"\n"
	"  pool eng\n"
	"  authentication local\n"
	"  mode network-extension\n"
	"  network-extension allow 172.16.0.0/12\n"
	"  network-extension allow 10.200.0.0/16\n"
	"}\n"
	"user alice {\n"
	"  group sales\n"
	"  address 10.77.9.9\n"
	"  banner \"Hi Alice\"\n"
	"  dns 10.1.1.1\n"
	"}\n";

UNIT_TEST(full_example)
{
	struct evs_err err = { { 0 } };
	const struct easyvpn_config *c;
	const struct ezv_group *g;
	const struct ezv_user *u;
	struct pool_info pi;

	UNIT_ASSERT_EQ_INT(load(full, &err), 0);
	c = cfg.easyvpn;
	UNIT_ASSERT(c);
	UNIT_ASSERT_EQ_STR(c->user_file, "/tmp/users");
	UNIT_ASSERT_EQ_INT(c->aaa.auth, EZV_AUTH_RADIUS_THEN_LOCAL);
	UNIT_ASSERT(c->aaa.accounting);
	UNIT_ASSERT_EQ_INT(c->aaa.n_servers, 1);
	UNIT_ASSERT_EQ_INT(c->aaa.servers[0].auth_port, 1812);
	UNIT_ASSERT_EQ_INT(c->aaa.servers[0].acct_port, 1900);
	UNIT_ASSERT_EQ_INT(secret_len(c->aaa.servers[0].key), 10);
	UNIT_ASSERT_EQ_INT(c->xauth.retries, 2);
	UNIT_ASSERT_EQ_INT(c->xauth.lockout_failures, 4);
	UNIT_ASSERT_EQ_INT(c->xauth.timeout, 90);
	UNIT_ASSERT_EQ_INT(pool_get_info(c->pools, "eng", &pi), 0);
	UNIT_ASSERT_EQ_INT(pi.first, IP(10, 77, 2, 1));
	UNIT_ASSERT_EQ_INT(pi.size, 254);

	g = ezv_find_group(c, "sales", 5);
	UNIT_ASSERT(g);
	UNIT_ASSERT_EQ_INT(g->line, 17);
	UNIT_ASSERT(g->psk);
	UNIT_ASSERT_EQ_INT(g->s.auth, EZV_AUTH_RADIUS_THEN_LOCAL);	/* from aaa */
	UNIT_ASSERT_EQ_INT(g->s.n_dns, 2);
	UNIT_ASSERT_EQ_INT(g->s.n_wins, 1);
	UNIT_ASSERT_EQ_INT(g->s.n_split, 2);
	UNIT_ASSERT_EQ_INT(g->s.split[1].addr, IP(10, 10, 0, 0));
	UNIT_ASSERT_EQ_INT(g->s.split[1].mask, IP(255, 255, 0, 0));
	UNIT_ASSERT_EQ_STR(g->s.split_dns, "corp.example,lab.example");
	UNIT_ASSERT_EQ_STR(g->s.backup_servers, "203.0.113.2,gw2.example");
	UNIT_ASSERT_EQ_STR(g->s.banner, "Welcome to sales");
	UNIT_ASSERT(g->s.pfs);
	UNIT_ASSERT(!g->s.save_password);
	UNIT_ASSERT(g->s.has & EZV_BIT(EZV_SAVE_PASSWORD));
	UNIT_ASSERT(g->s.local_lan);
	UNIT_ASSERT_EQ_INT(g->s.n_local_lan, 0);
	UNIT_ASSERT(g->s.proxy_arp);
	UNIT_ASSERT_EQ_STR(g->s.lan_if, "lan0");
	UNIT_ASSERT(g->s.modecfg_push);
	UNIT_ASSERT_EQ_INT(g->s.address_lifetime, 3600);
	UNIT_ASSERT(g->group_lock);

	g = ezv_find_group(c, "eng", 3);
	UNIT_ASSERT_EQ_INT(g->s.auth, EZV_AUTH_LOCAL);
	UNIT_ASSERT_EQ_INT(g->s.mode, EZV_MODE_NETWORK_EXTENSION);

	u = ezv_find_user(c, "alice");
	UNIT_ASSERT(u);
	UNIT_ASSERT_EQ_STR(u->group, "sales");
	UNIT_ASSERT_EQ_INT(u->s.address, IP(10, 77, 9, 9));
	UNIT_ASSERT(u->s.has & EZV_BIT(EZV_BANNER));
	UNIT_ASSERT(!(u->s.has & EZV_BIT(EZV_DOMAIN)));
	UNIT_ASSERT_EQ_STR(last_warning, "");	/* strong keys: no warning */
	unload();
}

UNIT_TEST(weak_group_key_warns)
{
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(load("pool p 10.77.0.0/24\n"
				"group g {\n  key cisco123\n  pool p\n}\n", &err), 0);
	UNIT_ASSERT(strstr(last_warning, "evsd.conf:2: group \"g\": the key is weak"));
	UNIT_ASSERT(!strstr(last_warning, "cisco123"));		/* never the key */
	unload();
}

static void expect_error(const char *text, const char *msg)
{
	struct evs_err err = { { 0 } };

	UNIT_ASSERT_EQ_INT(load(text, &err), -1);
	if (strcmp(err.msg, msg))
		UNIT_FAIL("error \"%s\", expected \"%s\"", err.msg, msg);
	UNIT_ASSERT(cfg.easyvpn == NULL);
	unload();
}

UNIT_TEST(errors_carry_file_and_line)
{
	expect_error("group g {\n  key k\n  pool nope\n}\n",
		     "evsd.conf:1: group \"g\": no pool \"nope\"");
	expect_error("\ngroup g {\n  key k\n  dns 1.2.3\n}\n",
		     "evsd.conf:4: \"dns\" expects an IPv4 address, got \"1.2.3\"");
	expect_error("group g {\n  colour blue\n}\n",
		     "evsd.conf:2: unknown group setting \"colour\"");
	expect_error("group g {\n}\ngroup g {\n}\n",
		     "evsd.conf:3: group \"g\" defined twice");
	expect_error("group g {\n  xauth no\n}\n",
		     "evsd.conf:2: group \"g\": aggressive-mode group keys are only accepted together with XAUTH");
	expect_error("pool a 10.77.0.1 10.77.0.100\npool b 10.77.0.50 10.77.0.60\n",
		     "evsd.conf:2: pool \"b\" (10.77.0.50-10.77.0.60) overlaps pool \"a\"");
	expect_error("aaa {\n  local-threads 0\n}\n",
		     "evsd.conf:2: local-threads: 0 is outside 1..64");
	expect_error("aaa {\n  authentication radius\n}\n",
		     "evsd.conf:1: aaa authentication radius needs a radius-server");
	expect_error("aaa {\n  radius-server 127.0.0.1 {\n  }\n}\n",
		     "evsd.conf:2: radius-server 127.0.0.1 has no key");
	/* Found by fuzz_evsd_conf: the first key leaked. */
	expect_error("aaa {\n  radius-server 127.0.0.1 {\n    key a\n    key b\n  }\n}\n",
		     "evsd.conf:4: \"key\" given twice for this RADIUS server");
	expect_error("user bob {\n  group nosuch\n}\n",
		     "evsd.conf:1: user \"bob\": no group \"nosuch\"");
	expect_error("user bob {\n  key x\n}\n",
		     "evsd.conf:2: \"key\" belongs in a group block");
}

/* Dual stack: an IPv6 pool beside an IPv4 one, named together on a
 * group's pool line in either order; dns and split-include take both
 * families; bad IPv6 lines get file:line and the reason. */
UNIT_TEST(ipv6_pools_dns_and_split_include)
{
	struct evs_err err = { { 0 } };
	const struct ezv_group *g;
	struct pool6_info info;

	if (load("pool v4 10.77.0.0/24\npool v6 2001:db8:77::/112\n"
		 "group g {\n  key k\n  pool v6 v4\n  dns 192.168.77.53 2001:db8:77::53\n"
		 "  split-include 192.168.77.0/24 2001:db8:100::/56\n}\n", &err))
		UNIT_FAIL("%s", err.msg);
	g = ezv_find_group(cfg.easyvpn, "g", 1);
	UNIT_ASSERT(g);
	UNIT_ASSERT_EQ_STR(g->s.pool, "v4");
	UNIT_ASSERT_EQ_STR(g->s.pool6, "v6");
	UNIT_ASSERT_EQ_INT(g->s.n_dns, 1);
	UNIT_ASSERT_EQ_INT(g->s.n_dns6, 1);
	UNIT_ASSERT_EQ_INT(g->s.dns6[0][15], 0x53);
	UNIT_ASSERT_EQ_INT(g->s.n_split, 1);
	UNIT_ASSERT_EQ_INT(g->s.n_split6, 1);
	UNIT_ASSERT_EQ_INT(g->s.split6[0].plen, 56);
	UNIT_ASSERT_EQ_INT(pool6_count(cfg.easyvpn->pools6), 1);
	UNIT_ASSERT_EQ_INT(pool6_get_info_at(cfg.easyvpn->pools6, 0, &info), 0);
	UNIT_ASSERT_EQ_INT(info.size, 65535);
	unload();
	expect_error("pool v6 2001:db8:77::/112\npool v6b 2001:db8:77::/120\n",
		     "evsd.conf:2: 2001:db8:77::/120 overlaps pool \"v6\"");
	expect_error("pool v6 2001:db8:77::1/112\n",
		     "evsd.conf:1: \"pool\" expects a prefix without host bits, got "
		     "\"2001:db8:77::1/112\" (did you mean 2001:db8:77::/112?)");
	expect_error("pool v6 2001:db8::/32\n",
		     "evsd.conf:1: an IPv6 pool is a prefix of length 48..120");
	expect_error("pool a 10.77.0.0/24\npool a 2001:db8:77::/112\n",
		     "evsd.conf:2: pool \"a\" defined twice");
	expect_error("pool a 2001:db8:77::/112\npool b 2001:db8:78::/112\n"
		     "group g {\n  key k\n  pool a b\n}\n",
		     "evsd.conf:3: group \"g\": two IPv6 pools (\"a\", \"b\"): name one "
		     "IPv4 and one IPv6 pool");
	expect_error("group g {\n  key k\n  split-include 2001:db8::1/32\n}\n",
		     "evsd.conf:3: \"split-include\" expects a prefix without host bits, "
		     "got \"2001:db8::1/32\" (did you mean 2001:db8::/32?)");
}

UNIT_TEST(network_extension_allow_list)
{
	const struct ezv_group *g;
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(load(full, &err), 0);
	g = ezv_find_group(cfg.easyvpn, "eng", 3);
	UNIT_ASSERT(g);
	UNIT_ASSERT_EQ_INT(g->s.mode, EZV_MODE_NETWORK_EXTENSION);
	/* two lines in one block add up */
	UNIT_ASSERT_EQ_INT(g->s.n_nem_allow, 2);
	UNIT_ASSERT_EQ_INT(g->s.nem_allow[0].addr, IP(172, 16, 0, 0));
	UNIT_ASSERT_EQ_INT(g->s.nem_allow[0].mask, IP(255, 240, 0, 0));
	UNIT_ASSERT_EQ_INT(g->s.nem_allow[1].addr, IP(10, 200, 0, 0));
	unload();

	expect_error("group g {\n  mode network-extension\n}\n",
		     "evsd.conf:1: group \"g\": mode network-extension needs \"network-extension "
		     "allow NET/LEN ...\" (the networks its clients may bring)");
	expect_error("group g {\n  network-extension 10.1.0.0/16\n}\n",
		     "evsd.conf:2: expected \"network-extension allow NET/LEN ...\"");
	expect_error("group g {\n  network-extension allow\n}\n",
		     "evsd.conf:2: \"network-extension allow\" needs at least one NET/LEN");
	expect_error("group g {\n  network-extension allow 10.1.0.1/16\n}\n",
		     "evsd.conf:2: \"network-extension\" expects a prefix without host bits, "
		     "got \"10.1.0.1/16\" (did you mean 10.1.0.0/16?)");
	expect_error("group g {\n  mode network-extension\n  split-include 192.168.77.0/24\n"
		     "  network-extension allow 192.168.0.0/16\n}\n",
		     "evsd.conf:1: group \"g\": network-extension allow 192.168.0.0/16 overlaps "
		     "the gateway's split-include 192.168.77.0/24");
	expect_error("pool p 10.77.0.0/24\ngroup g {\n  mode network-extension\n"
		     "  network-extension allow 10.77.0.0/16\n}\n",
		     "evsd.conf:2: group \"g\": network-extension allow 10.77.0.0/16 overlaps "
		     "address pool \"p\"");
	/* a user switched to network extension needs a list from somewhere */
	expect_error("pool p 10.77.0.0/24\ngroup g {\n  pool p\n}\n"
		     "user u {\n  group g\n  mode network-extension\n}\n",
		     "evsd.conf:5: user \"u\": mode network-extension needs \"network-extension "
		     "allow NET/LEN ...\" (the networks its clients may bring)");
	UNIT_ASSERT_EQ_INT(load("pool p 10.77.0.0/24\ngroup g {\n  pool p\n"
				"  network-extension allow 10.77.200.0/24\n}\n"
				"user u {\n  group g\n  mode network-extension\n}\n", &err), 0);
	unload();
}

UNIT_TEST(bad_prefix_names_the_line)
{
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(load("group g {\n  split-include 10.0.0.1/8\n}\n", &err), -1);
	UNIT_ASSERT(!strncmp(err.msg, "evsd.conf:2: ", 13));
	unload();
	UNIT_ASSERT_EQ_INT(load("group g {\n  mode bridge\n}\n", &err), -1);
	UNIT_ASSERT(!strncmp(err.msg, "evsd.conf:2: ", 13));
	unload();
}

UNIT_TEST(aaa_local_threads)
{
	struct evs_err err = { { 0 } };

	UNIT_ASSERT_EQ_INT(load("aaa {\n  local-threads 3\n}\n", &err), 0);
	UNIT_ASSERT_EQ_INT(cfg.easyvpn->aaa.local_threads, 3);
	unload();
	UNIT_ASSERT_EQ_INT(load("aaa {\n  accounting none\n}\n", &err), 0);
	UNIT_ASSERT_EQ_INT(cfg.easyvpn->aaa.local_threads, 0);	/* the CPUs, at most 4 */
	unload();
	expect_error("aaa {\n  local-threads 65\n}\n",
		     "evsd.conf:2: local-threads: 65 is outside 1..64");
}

UNIT_TEST(dynamic_authorization_and_timeouts)
{
	struct evs_err err;
	const struct ezv_dae *d;
	const struct ezv_group *g;

	UNIT_ASSERT_EQ_INT(load("aaa {\n  nas-ip-address 198.51.100.1\n"
				"  dynamic-authorization {\n    port 1700\n"
				"    event-timestamp-window 60\n    require-event-timestamp yes\n"
				"    client 192.0.2.10 {\n      key \"k1-secret\"\n    }\n"
				"    client 2001:db8::10 {\n      key \"k2-secret\"\n    }\n"
				"  }\n}\n"
				"group g {\n  idle-timeout 600\n  session-timeout 28800\n}\n",
				&err), 0);
	d = &cfg.easyvpn->aaa.dae;
	UNIT_ASSERT_EQ_INT(cfg.easyvpn->aaa.nas_ip, IP(198, 51, 100, 1));
	UNIT_ASSERT_EQ_INT(d->port, 1700);
	UNIT_ASSERT_EQ_INT(d->window, 60);
	UNIT_ASSERT(d->require_timestamp && d->require_ma);
	UNIT_ASSERT_EQ_INT(d->n_clients, 2);
	UNIT_ASSERT_EQ_INT(d->clients[1].addr.ss_family, AF_INET6);
	g = ezv_find_group(cfg.easyvpn, "g", 1);
	UNIT_ASSERT(g && g->s.idle_timeout == 600 && g->s.session_timeout == 28800);
	unload();
	/* defaults */
	UNIT_ASSERT_EQ_INT(load("aaa {\n  dynamic-authorization {\n    client 192.0.2.10 {\n"
				"      key s\n    }\n  }\n}\n", &err), 0);
	d = &cfg.easyvpn->aaa.dae;
	UNIT_ASSERT(d->port == 3799 && d->window == 300 && d->require_ma &&
		    !d->require_timestamp && d->listen.ss_family == AF_UNSPEC);
	unload();
	expect_error("aaa {\n  dynamic-authorization {\n  }\n}\n",
		     "evsd.conf:2: dynamic-authorization without a client: nobody could use it");
	expect_error("aaa {\n  dynamic-authorization {\n    client 192.0.2.1 {\n    }\n  }\n}\n",
		     "evsd.conf:3: dynamic-authorization client 192.0.2.1 has no key");
	expect_error("aaa {\n  dynamic-authorization {\n    client 192.0.2.1 {\n      key a\n"
		     "    }\n    client 192.0.2.1 {\n      key b\n    }\n  }\n}\n",
		     "evsd.conf:6: dynamic-authorization client 192.0.2.1 given twice");
	expect_error("aaa {\n  dynamic-authorization {\n    colour blue\n  }\n}\n",
		     "evsd.conf:3: unknown dynamic-authorization setting \"colour\"");
	expect_error("aaa {\n  nas-ip-address 2001:db8::1\n}\n",
		     "evsd.conf:2: nas-ip-address takes an IPv4 address");
	expect_error("group g {\n  idle-timeout soon\n}\n", "evsd.conf:2: 'soon' is not a number");
}

UNIT_MAIN()
