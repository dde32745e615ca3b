// SPDX-License-Identifier: MIT
/*
 * evsd's client role on its own host: the peer block's client settings
 * (ezvpn-mode, local-network, remote-network, address-device) with their
 * file:line errors; the Phase 2 selectors a session proposes; what
 * clientcfg.c installs and removes, in which order, through a fake
 * backend that records every request; the rtnetlink messages it builds;
 * the PAT rule set; the session seam (apply on the first connection,
 * keep across a renewed Phase 1, remove at the end).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "evsd/client/client_fw.h"
#include "evsd/client/failover.h"
#include "evsd/client/client_host.h"
#include "ezv/modecfg.h"
#include "evsd/client/clientcfg.h"
#include "tests/unit/ike_conf.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "evsd/client/pat.h"
#include "lib/rtnl.h"
#include "lib/secret.h"
#include "tests/unit/unit.h"

/* ---- configuration ---------------------------------------------------------- */

static const char peer_head[] =
	"peer gw {\n"
	"    server 198.51.100.1\n"
	"    group-key k\n";

static int load(const char *body, struct ike_conf *cfg, struct evs_err *err)
{
	char text[2048], *path;
	int rc;

	snprintf(text, sizeof(text), "%s%s}\n", peer_head, body);
	path = unit_tmpfile(text);
	evsd_log_set_quiet(true);
	err->msg[0] = '\0';
	rc = ike_conf_load(path, cfg, err);
	unlink(path);
	free(path);
	return rc;
}

static void expect_error(const char *body, unsigned line, const char *part)
{
	struct ike_conf cfg;
	struct evs_err err;
	const char *colon;
	char want[16];

	UNIT_ASSERT_EQ_INT(load(body, &cfg, &err), -1);
	printf("# %s\n", err.msg);
	snprintf(want, sizeof(want), ":%u: ", line);
	colon = strstr(err.msg, want);
	if (!colon || !strstr(err.msg, part))
		UNIT_FAIL("got \"%s\", want line %u and \"%s\"", err.msg, line, part);
}

UNIT_TEST(peer_client_settings_load)
{
	struct ike_conf cfg;
	struct evs_err err;
	const struct ike_peer *p;

	UNIT_ASSERT_EQ_INT(secret_init(), 0);
	UNIT_ASSERT_EQ_INT(load("    ezvpn-mode network-extension\n"
				"    local-network 10.77.200.0/24\n"
				"    local-network 10.77.201.0/24\n"
				"    remote-network 192.168.77.0/24\n"
				"    address-device dummy0\n", &cfg, &err), 0);
	p = &cfg.ike.peers[0];
	UNIT_ASSERT_EQ_INT(p->ezvpn_mode, IKE_EZVPN_NETWORK_EXTENSION);
	UNIT_ASSERT_EQ_INT(p->n_local_nets, 2);
	UNIT_ASSERT_EQ_INT(p->local_nets[1].addr[2], 201);
	UNIT_ASSERT_EQ_INT(p->local_nets[1].plen, 24);
	UNIT_ASSERT_EQ_INT(p->local_nets[1].family, AF_INET);
	UNIT_ASSERT_EQ_INT(p->n_remote_nets, 1);
	UNIT_ASSERT_EQ_INT(p->remote_nets[0].addr[0], 192);
	UNIT_ASSERT_EQ_STR(p->addr_device, "dummy0");
	UNIT_ASSERT(!p->ipv6_off);
	ike_conf_free(&cfg);

	/* network extension with an IPv6 LAN; IPv6 not asked for */
	UNIT_ASSERT_EQ_INT(load("    ezvpn-mode network-extension\n"
				"    local-network 2001:db8:200::/64\n"
				"    ipv6 off\n", &cfg, &err), 0);
	p = &cfg.ike.peers[0];
	UNIT_ASSERT_EQ_INT(p->n_local_nets, 1);
	UNIT_ASSERT_EQ_INT(p->local_nets[0].family, AF_INET6);
	UNIT_ASSERT_EQ_INT(p->local_nets[0].plen, 64);
	UNIT_ASSERT(p->ipv6_off);
	ike_conf_free(&cfg);

	/* defaults: client mode, nothing configured */
	UNIT_ASSERT_EQ_INT(load("", &cfg, &err), 0);
	p = &cfg.ike.peers[0];
	UNIT_ASSERT_EQ_INT(p->ezvpn_mode, IKE_EZVPN_CLIENT);
	UNIT_ASSERT_EQ_INT(p->n_local_nets, 0);
	UNIT_ASSERT_EQ_INT(p->n_remote_nets, 0);
	UNIT_ASSERT_EQ_STR(p->addr_device, "");
	ike_conf_free(&cfg);
}

UNIT_TEST(peer_client_settings_errors_carry_file_and_line)
{
	expect_error("    local-network 10.77.200.1/24\n", 4,
		     "has host bits set (the network is 10.77.200.0/24)");
	/* client mode hides the LAN behind its address: IPv6 has no PAT */
	expect_error("    local-network 10.77.200.0/24\n    local-network 2001:db8::/32\n",
		     5, "peer gw: an IPv6 local-network needs 'ezvpn-mode network-extension'");
	expect_error("    ipv6 maybe\n", 4, "maybe");
	expect_error("    remote-network 2001:db8::1/32\n", 4, "the network is 2001:db8::/32");
	expect_error("    local-network 10.77.200.0/33\n", 4, "bad prefix length");
	expect_error("    local-network nowhere\n", 4, "not an IPv4 or IPv6 address");
	expect_error("    remote-network 192.168.77.0/24\n"
		     "    remote-network 192.168.77.0/24\n", 5, "given twice");
	expect_error("    remote-network 10.0.1.0/24\n    remote-network 10.0.2.0/24\n"
		     "    remote-network 10.0.3.0/24\n    remote-network 10.0.4.0/24\n"
		     "    remote-network 10.0.5.0/24\n    remote-network 10.0.6.0/24\n"
		     "    remote-network 10.0.7.0/24\n    remote-network 10.0.8.0/24\n"
		     "    remote-network 10.0.9.0/24\n", 12, "more than 8");
	expect_error("    ezvpn-mode network-extension\n", 1,
		     "network-extension mode needs at least one 'local-network'");
	expect_error("    ezvpn-mode hardware\n", 4, "hardware");
	expect_error("    ezvpn-mode client\n    ezvpn-mode client\n", 5, "given twice");
	expect_error("    address-device this-name-is-too-long\n", 4,
		     "is not an interface name");
	expect_error("    local-network 10.0.0.0/8 extra\n", 4, "local-network");
}

UNIT_TEST(peer_firewall_settings)
{
	struct ike_conf cfg;
	struct evs_err err;
	const struct ike_peer *p;

	UNIT_ASSERT_EQ_INT(load("    firewall-allow tcp 22 from 10.77.0.0/16\n"
				"    firewall-allow icmp\n"
				"    firewall-allow from 192.168.77.10/32\n"
				"    firewall-allow udp\n", &cfg, &err), 0);
	p = &cfg.ike.peers[0];
	UNIT_ASSERT(!p->firewall_off);
	UNIT_ASSERT_EQ_INT(p->n_fw_allow, 4);
	UNIT_ASSERT_EQ_INT(p->fw_allow[0].proto, IPPROTO_TCP);
	UNIT_ASSERT_EQ_INT(p->fw_allow[0].port, 22);
	UNIT_ASSERT_EQ_INT(p->fw_allow[0].from.plen, 16);
	UNIT_ASSERT_EQ_INT(p->fw_allow[0].from.addr[1], 77);
	UNIT_ASSERT_EQ_INT(p->fw_allow[1].proto, IPPROTO_ICMP);
	UNIT_ASSERT_EQ_INT(p->fw_allow[1].from.family, 0);
	UNIT_ASSERT_EQ_INT(p->fw_allow[2].proto, 0);
	UNIT_ASSERT_EQ_INT(p->fw_allow[2].from.addr[3], 10);
	UNIT_ASSERT_EQ_INT(p->fw_allow[3].proto, IPPROTO_UDP);
	UNIT_ASSERT_EQ_INT(p->fw_allow[3].port, 0);
	ike_conf_free(&cfg);
	UNIT_ASSERT_EQ_INT(load("    firewall off\n", &cfg, &err), 0);
	UNIT_ASSERT(cfg.ike.peers[0].firewall_off);
	ike_conf_free(&cfg);

	expect_error("    firewall maybe\n", 4, "maybe");
	expect_error("    firewall-allow icmp 8\n", 4, "a port needs tcp or udp");
	expect_error("    firewall-allow tcp 70000\n", 4, "firewall-allow");
	expect_error("    firewall-allow any\n", 4, "would let everything in");
	expect_error("    firewall-allow tcp 22 from\n", 4, "expected 'firewall-allow");
	expect_error("    firewall-allow tcp 22 to 10.0.0.0/8\n", 4, "expected 'firewall-allow");
	expect_error("    firewall-allow from 2001:db8::/32\n", 4, "only IPv4");
}

/* The filter: replies first, then each allow line, then a drop; one
 * table replaced in one transaction. */
UNIT_TEST(firewall_script)
{
	static const struct ike_fw_allow allow[] = {
		{ IPPROTO_TCP, 22, { .family = AF_INET, .addr = { 10, 77, 0, 0 }, .plen = 16 } },
		{ IPPROTO_ICMP, 0, { 0 } },
		{ 0, 0, { .family = AF_INET, .addr = { 192, 168, 77, 10 }, .plen = 32 } },
		{ IPPROTO_UDP, 0, { 0 } },
	};
	const struct client_fw_peer peers[] = {
		{ "gw", allow, 4 }, { "o\"dd", allow, 1 }, { "none", NULL, 0 },
	};
	char out[4096], small[64];

	UNIT_ASSERT(client_fw_script("evs0", peers, 3, out, sizeof(out)) > 0);
	UNIT_ASSERT_EQ_STR(out,
		"add table inet evs_client_fw\ndelete table inet evs_client_fw\n"
		"table inet evs_client_fw {\n"
		"\tcounter dropped {\n\t}\n"
		"\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tiifname \"evs0\" jump from_tunnel\n\t}\n"
		"\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tiifname \"evs0\" jump from_tunnel\n\t}\n"
		"\tchain from_tunnel {\n\t\tct state established,related accept\n"
		"\t\tip saddr 10.77.0.0/16 tcp dport 22 accept comment \"gw\"\n"
		"\t\tmeta l4proto icmp accept comment \"gw\"\n"
		"\t\tip saddr 192.168.77.10/32 accept comment \"gw\"\n"
		"\t\tmeta l4proto udp accept comment \"gw\"\n"
		"\t\tip saddr 10.77.0.0/16 tcp dport 22 accept comment \"o_dd\"\n"
		"\t\tcounter name \"dropped\" drop\n\t}\n}\n");
	UNIT_ASSERT_EQ_INT(client_fw_script("evs0", peers, 0, out, sizeof(out)), -1);
	UNIT_ASSERT_EQ_INT(client_fw_script("evs0", peers, 1, small, sizeof(small)), -1);
	UNIT_ASSERT(client_fw_remove_script(out, sizeof(out)) > 0);
	UNIT_ASSERT_EQ_STR(out, "add table inet evs_client_fw\ndelete table inet evs_client_fw\n");
}

#define SIN(ss) ((const struct sockaddr_in *)(ss))

UNIT_TEST(peer_servers_and_return_rule)
{
	struct ike_conf cfg;
	struct evs_err err;
	const struct ike_peer *p;

	UNIT_ASSERT_EQ_INT(load("    server 198.51.100.3 port 4501\n"
				"    return-to-primary after 60\n", &cfg, &err), 0);
	p = &cfg.ike.peers[0];
	UNIT_ASSERT_EQ_INT(p->n_servers, 2);
	UNIT_ASSERT_EQ_INT(ntohl(SIN(&p->servers[0])->sin_addr.s_addr), 0xc6336401);
	UNIT_ASSERT_EQ_INT(ntohs(SIN(&p->servers[0])->sin_port), 500);
	UNIT_ASSERT_EQ_INT(ntohl(SIN(&p->servers[1])->sin_addr.s_addr), 0xc6336403);
	UNIT_ASSERT_EQ_INT(ntohs(SIN(&p->servers[1])->sin_port), 4501);
	/* the primary stays the first line */
	UNIT_ASSERT_EQ_INT(ntohl(((struct sockaddr_in *)&p->server)->sin_addr.s_addr), 0xc6336401);
	UNIT_ASSERT_EQ_INT(p->return_after, 60);
	ike_conf_free(&cfg);
	UNIT_ASSERT_EQ_INT(load("    return-to-primary never\n", &cfg, &err), 0);
	UNIT_ASSERT_EQ_INT(cfg.ike.peers[0].return_after, 0);
	UNIT_ASSERT_EQ_INT(cfg.ike.peers[0].n_servers, 1);
	ike_conf_free(&cfg);
	expect_error("    server 198.51.100.1\n", 4, "given twice");
	expect_error("    server 198.51.100.2\n    server 198.51.100.3\n"
		     "    server 198.51.100.4\n    server 198.51.100.5\n", 7, "more than 4");
	expect_error("    return-to-primary soon\n", 4, "return-to-primary never | after");
	expect_error("    return-to-primary after 5\n", 4, "return-to-primary");
}

static uint32_t gw_ip(const struct failover *f)
{
	return ntohl(((const struct sockaddr_in *)failover_current(f))->sin_addr.s_addr);
}

/* The list: configured first, then the pushed ones (no duplicates, no
 * names); no answer or DPD moves on, wrapping; anything else stays;
 * return-to-primary only from a backup, after the time. */
UNIT_TEST(failover_order_and_rules)
{
	struct ike_peer p = { 0 };
	struct failover f;

	struct sockaddr_in *s0 = (struct sockaddr_in *)&p.servers[0];

	s0->sin_family = AF_INET;
	s0->sin_port = htons(500);
	s0->sin_addr.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	p.servers[1] = p.servers[0];
	((struct sockaddr_in *)&p.servers[1])->sin_addr.s_addr = htonl(0xc6336402);
	p.n_servers = 2;
	failover_init(&f, &p);
	UNIT_ASSERT_EQ_INT(f.n, 2);
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336401);
	UNIT_ASSERT_EQ_INT(failover_set_pushed(&f, "198.51.100.9, 198.51.100.2 gw.example.com,"
					       "0.0.0.0 198.51.100.10"), 2);
	UNIT_ASSERT_EQ_INT(f.n, 4);
	UNIT_ASSERT_EQ_INT(ntohl(((struct sockaddr_in *)&f.gw[2])->sin_addr.s_addr), 0xc6336409);
	UNIT_ASSERT_EQ_INT(ntohs(((struct sockaddr_in *)&f.gw[2])->sin_port), 500);
	UNIT_ASSERT_EQ_INT(ntohl(((struct sockaddr_in *)&f.gw[3])->sin_addr.s_addr), 0xc633640a);
	/* ended by the peer's delete, a lifetime, the admin: stay */
	UNIT_ASSERT(!failover_ended(&f, true, EVS_END_PEER_DELETE));
	UNIT_ASSERT(!failover_ended(&f, true, EVS_END_ERROR));
	UNIT_ASSERT(!failover_ended(&f, false, EVS_END_ADMIN));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336401);
	/* no answer at connect, then DPD: the next, and round again */
	UNIT_ASSERT(failover_ended(&f, false, EVS_END_ERROR));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336402);
	UNIT_ASSERT(failover_ended(&f, true, EVS_END_DPD));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336409);
	/* a new push keeps us on the gateway in use */
	UNIT_ASSERT_EQ_INT(failover_set_pushed(&f, "198.51.100.10,198.51.100.9"), 2);
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336409);
	UNIT_ASSERT_EQ_INT(f.cur, 3);			/* now the last */
	UNIT_ASSERT(failover_ended(&f, false, EVS_END_ERROR));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336401);	/* wrapped */
	/* return-to-primary */
	UNIT_ASSERT(failover_ended(&f, true, EVS_END_DPD));
	failover_up(&f, 1000);
	UNIT_ASSERT(!failover_return_due(&f, 0, 1000000));	/* never */
	UNIT_ASSERT(!failover_return_due(&f, 60, 60999));
	UNIT_ASSERT(failover_return_due(&f, 60, 61000));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336401);
	failover_up(&f, 70000);
	UNIT_ASSERT(!failover_return_due(&f, 60, 500000));	/* on the primary */
	/* the pushed list emptied: back to the configured ones */
	UNIT_ASSERT_EQ_INT(failover_set_pushed(&f, ""), 0);
	UNIT_ASSERT_EQ_INT(f.n, 2);
	/* on a pushed backup that pushes nothing itself: it stays in the list,
	 * and return-to-primary still knows it is on a backup */
	UNIT_ASSERT_EQ_INT(failover_set_pushed(&f, "198.51.100.9"), 1);
	UNIT_ASSERT(failover_ended(&f, true, EVS_END_DPD));
	UNIT_ASSERT(failover_ended(&f, true, EVS_END_DPD));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336409);
	UNIT_ASSERT_EQ_INT(failover_set_pushed(&f, ""), 0);
	UNIT_ASSERT_EQ_INT(f.n, 3);
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336409);
	UNIT_ASSERT_EQ_INT(f.cur, 2);
	failover_up(&f, 1000);
	UNIT_ASSERT(failover_return_due(&f, 10, 11000));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336401);
	/* one gateway: nothing to move to */
	p.n_servers = 1;
	failover_init(&f, &p);
	UNIT_ASSERT(!failover_ended(&f, false, EVS_END_ERROR));
	UNIT_ASSERT_EQ_INT(gw_ip(&f), 0xc6336401);
}

/* A list kept by an earlier evsd comes back only when it fits the
 * configured servers now and is a list failover_set_pushed() could make. */
UNIT_TEST(failover_restore_takes_only_what_fits)
{
	struct ike_peer p = { 0 };
	struct failover f, g;
	struct sockaddr_in *s0 = (struct sockaddr_in *)&p.servers[0];

	s0->sin_family = AF_INET;
	s0->sin_port = htons(500);
	s0->sin_addr.s_addr = htonl(0xc6336401);	/* 198.51.100.1 */
	p.n_servers = 1;
	failover_init(&f, &p);
	UNIT_ASSERT_EQ_INT(failover_set_pushed(&f, "198.51.100.3 198.51.100.4"), 2);
	UNIT_ASSERT(failover_ended(&f, true, EVS_END_DPD));	/* on .3 */
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, f.n, f.n_config, f.cur), 0);
	UNIT_ASSERT_EQ_INT(g.n, 3);
	UNIT_ASSERT_EQ_INT(g.n_config, 1);
	UNIT_ASSERT_EQ_INT(gw_ip(&g), 0xc6336403);
	UNIT_ASSERT_EQ_INT(g.up_since, 0);
	/* the configured server changed: start from the configuration */
	s0->sin_addr.s_addr = htonl(0xc6336402);
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, f.n, f.n_config, f.cur), -1);
	UNIT_ASSERT_EQ_INT(g.n, 1);
	UNIT_ASSERT_EQ_INT(gw_ip(&g), 0xc6336402);
	s0->sin_addr.s_addr = htonl(0xc6336401);
	/* a current index outside, a duplicate, 0.0.0.0, too many */
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, f.n, f.n_config, 3), -1);
	f.gw[2] = f.gw[1];
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, f.n, f.n_config, 0), -1);
	UNIT_ASSERT_EQ_INT(g.n, 1);
	((struct sockaddr_in *)&f.gw[2])->sin_addr.s_addr = 0;
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, f.n, f.n_config, 0), -1);
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, FAILOVER_MAX + 1, 1, 0), -1);
	UNIT_ASSERT_EQ_INT(failover_restore(&g, &p, f.gw, 2, 2, 0), -1);	/* n_config */
}

/* ---- a fake host ----------------------------------------------------------------- */

static struct {
	char log[64][512];
	unsigned n;
	bool route_exists;		/* answer EEXIST to route adds */
	bool nft_fails;
	uint8_t within[16];
	bool have_within, within6;	/* answer addr_within (of IPv6) */
} H;

static void rec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void rec(const char *fmt, ...)
{
	va_list ap;

	if (H.n >= 64)
		return;
	va_start(ap, fmt);
	vsnprintf(H.log[H.n++], sizeof(H.log[0]), fmt, ap);
	va_end(ap);
}

static unsigned f_ifindex(void *arg, const char *name)
{
	(void)arg;
	return !strcmp(name, "evs0") ? 7 : !strcmp(name, "dummy0") ? 9 :
	       !strcmp(name, "c0") ? 3 : 0;
}

/* An address of family as text (one of four rotating buffers). */
static const char *ntop(int family, const uint8_t *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static unsigned k;
	char *b = buf[k++ % 4];

	inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, b, INET6_ADDRSTRLEN);
	return b;
}

static int f_addr(void *arg, bool add, unsigned ifindex, int family, const uint8_t *a,
		  unsigned plen, struct evs_err *err)
{
	(void)arg;
	rec("addr%c %u %s/%u", add ? '+' : '-', ifindex, ntop(family, a), plen);
	evs_errf(err, "ok");
	return 0;
}

static int f_route(void *arg, bool add, const struct rtnl_route *r,
		   struct evs_err *err)
{
	char s[64] = "", g[64] = "";

	(void)arg;
	if (r->has_src)
		snprintf(s, sizeof(s), " src %s", ntop(r->family, r->src));
	if (r->has_gw)
		snprintf(g, sizeof(g), " via %s", ntop(r->family, r->gw));
	rec("route%c %s/%u oif %u%s%s proto %u", add ? '+' : '-', ntop(r->family, r->dst),
	    r->plen, r->oif, g, s, r->proto);
	if (add && H.route_exists) {
		evs_errf(err, "File exists");
		return -EEXIST;
	}
	return 0;
}

static int f_route_get(void *arg, int family, const uint8_t *dst, struct rtnl_route *out,
		       struct evs_err *err)
{
	(void)arg;
	(void)err;
	rec("get %s", ntop(family, dst));
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	out->oif = 3;
	out->has_gw = true;
	if (family == AF_INET6)	/* a router's link-local address */
		memcpy(out->gw, (uint8_t[16]){ 0xfe, 0x80, [15] = 1 }, 16);
	else
		memcpy(out->gw, (uint8_t[]){ 10, 99, 0, 1 }, 4);
	return 0;
}

static int f_within(void *arg, int family, const uint8_t *net, unsigned plen,
		    uint8_t *out)
{
	(void)arg;
	rec("within %s/%u", ntop(family, net), plen);
	if (!H.have_within || (family == AF_INET6) != H.within6)
		return -1;
	memcpy(out, H.within, family == AF_INET6 ? 16 : 4);
	return 0;
}

static int f_nft(void *arg, const char *script, struct evs_err *err)
{
	(void)arg;
	rec("nft %s", script);
	if (H.nft_fails) {
		evs_errf(err, "nft failed");
		return -1;
	}
	return 0;
}

static int f_nft_counter(void *arg, const char *table, const char *name, uint64_t *packets,
			 uint64_t *bytes)
{
	(void)arg;
	rec("counter %s %s", table, name);
	*packets = 3;
	*bytes = 252;
	return 0;
}

static const struct clientcfg_backend fake = {
	.ifindex = f_ifindex, .addr = f_addr, .route = f_route,
	.route_get = f_route_get, .addr_within = f_within, .nft = f_nft,
	.nft_counter = f_nft_counter,
};

static void host_reset(void)
{
	memset(&H, 0, sizeof(H));
	evsd_log_set_quiet(true);
}

static void expect_log(unsigned i, const char *want)
{
	if (i >= H.n)
		UNIT_FAIL("request %u missing, want \"%s\"", i, want);
	if (strncmp(H.log[i], want, strlen(want)))
		UNIT_FAIL("request %u is \"%s\", want \"%s\"", i, H.log[i], want);
}

static struct evs_prefix pfx(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t plen)
{
	struct evs_prefix p = { .family = AF_INET, .plen = plen };

	p.addr[0] = a;
	p.addr[1] = b;
	p.addr[2] = c;
	p.addr[3] = d;
	return p;
}

static const struct evs_prefix my_addr = { AF_INET, 32, { 10, 77, 0, 10 } };
static const struct evs_prefix gw4 = { AF_INET, 32, { 198, 51, 100, 1 } };

static struct clientcfg_req client_req(void)
{
	struct clientcfg_req r = {
		.backend = &fake, .name = "test", .peer = "gw", .device = "evs0",
		.addr = &my_addr, .gateway = &gw4,
	};
	return r;
}

UNIT_TEST(client_mode_split_routes_installed_and_removed_in_reverse)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix net = pfx(192, 168, 77, 0, 24), me = pfx(10, 77, 0, 10, 32);
	struct clientcfg *c;

	host_reset();
	c = clientcfg_up(&r);
	UNIT_ASSERT(c != NULL);
	expect_log(0, "addr+ 7 10.77.0.10/32");
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, &me), 0);
	/* the gateway is outside 192.168.77.0/24: no host route for it */
	expect_log(1, "route+ 192.168.77.0/24 oif 7 src 10.77.0.10 proto 78");
	UNIT_ASSERT_EQ_INT(H.n, 2);
	/* a rekey or a second child_up of the same conn changes nothing */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, &me), 0);
	UNIT_ASSERT_EQ_INT(H.n, 2);
	UNIT_ASSERT_EQ_INT(clientcfg_n_routes(c), 1);
	UNIT_ASSERT(clientcfg_same_addr(c, r.addr, NULL));
	UNIT_ASSERT(!clientcfg_same_addr(c, &me, &me));
	me.addr[3] = 11;
	UNIT_ASSERT(!clientcfg_same_addr(c, &me, NULL));
	clientcfg_down(c);
	expect_log(2, "route- 192.168.77.0/24 oif 7");
	expect_log(3, "addr- 7 10.77.0.10/32");
	UNIT_ASSERT_EQ_INT(H.n, 4);
}

UNIT_TEST(full_tunnel_keeps_the_gateway_outside_and_the_default_route)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix any = pfx(0, 0, 0, 0, 0), me = pfx(10, 77, 0, 10, 32);
	struct clientcfg *c;

	host_reset();
	c = clientcfg_up(&r);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &any, &me), 0);
	expect_log(1, "get 198.51.100.1");
	expect_log(2, "route+ 198.51.100.1/32 oif 3 via 10.99.0.1 proto 78");
	expect_log(3, "route+ 0.0.0.0/1 oif 7 src 10.77.0.10 proto 78");
	expect_log(4, "route+ 128.0.0.0/1 oif 7 src 10.77.0.10 proto 78");
	UNIT_ASSERT_EQ_INT(H.n, 5);
	/* never a delete or replace of the default route */
	for (unsigned i = 0; i < H.n; i++)
		UNIT_ASSERT(!strstr(H.log[i], "0.0.0.0/0"));
	clientcfg_down(c);
	expect_log(5, "route- 128.0.0.0/1");
	expect_log(6, "route- 0.0.0.0/1");
	expect_log(7, "route- 198.51.100.1/32 oif 3 via 10.99.0.1");
	expect_log(8, "addr- 7 10.77.0.10/32");
	UNIT_ASSERT_EQ_INT(H.n, 9);
}

UNIT_TEST(split_net_around_the_gateway_gets_the_host_route_too)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix net = pfx(198, 51, 100, 0, 24), gw = pfx(198, 51, 100, 1, 32);
	struct clientcfg *c;

	host_reset();
	c = clientcfg_up(&r);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, NULL), 0);
	expect_log(1, "get 198.51.100.1");
	expect_log(2, "route+ 198.51.100.1/32 oif 3 via 10.99.0.1");
	expect_log(3, "route+ 198.51.100.0/24 oif 7");
	/* the gateway itself as the remote selector needs no route */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 6, &gw, NULL), 0);
	UNIT_ASSERT_EQ_INT(H.n, 4);
	clientcfg_down(c);
}

UNIT_TEST(what_existed_before_is_never_removed)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix net = pfx(192, 168, 77, 0, 24);
	struct clientcfg *c;

	host_reset();
	H.route_exists = true;
	c = clientcfg_up(&r);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, NULL), 0);
	UNIT_ASSERT_EQ_INT(H.n, 2);
	clientcfg_down(c);
	/* only the address goes */
	expect_log(2, "addr- 7");
	UNIT_ASSERT_EQ_INT(H.n, 3);
}

UNIT_TEST(routes_shared_by_connections_go_with_the_last_one)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix net = pfx(192, 168, 77, 0, 24), net2 = pfx(192, 168, 78, 0, 24);
	struct clientcfg *c;

	host_reset();
	r.addr = NULL;
	r.network_extension = true;
	c = clientcfg_up(&r);
	UNIT_ASSERT_EQ_INT(H.n, 0);	/* network extension: no address */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, NULL), 0);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 6, &net, NULL), 0);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 6, &net2, NULL), 0);
	UNIT_ASSERT_EQ_INT(H.n, 2);
	clientcfg_route_del(c, 5);
	UNIT_ASSERT_EQ_INT(H.n, 2);
	clientcfg_route_del(c, 6);
	UNIT_ASSERT_EQ_INT(H.n, 4);
	expect_log(2, "route- 192.168.78.0/24");
	expect_log(3, "route- 192.168.77.0/24");
	UNIT_ASSERT_EQ_INT(clientcfg_n_routes(c), 0);
	clientcfg_down(c);
	UNIT_ASSERT_EQ_INT(H.n, 4);
}

UNIT_TEST(network_extension_takes_its_source_from_the_local_network)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix net = pfx(192, 168, 77, 0, 24), lan = pfx(10, 77, 200, 0, 24);
	struct clientcfg *c;

	host_reset();
	r.network_extension = true;	/* an address offered anyway is ignored */
	H.have_within = true;
	memcpy(H.within, (uint8_t[]){ 10, 77, 200, 1 }, 4);
	c = clientcfg_up(&r);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, &lan), 0);
	expect_log(0, "within 10.77.200.0/24");
	expect_log(1, "route+ 192.168.77.0/24 oif 7 src 10.77.200.1 proto 78");
	UNIT_ASSERT_EQ_INT(H.n, 2);
	clientcfg_down(c);
	expect_log(2, "route- 192.168.77.0/24");
	UNIT_ASSERT_EQ_INT(H.n, 3);
}

UNIT_TEST(client_mode_pat_hides_the_lan_behind_the_assigned_address)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix lans[2] = { pfx(10, 77, 200, 0, 24), pfx(10, 77, 201, 0, 24) };
	struct clientcfg *c;

	host_reset();
	r.lans = lans;
	r.n_lans = 2;
	c = clientcfg_up(&r);
	expect_log(0, "addr+ 7 10.77.0.10/32");
	expect_log(1, "nft add table ip evsd_pat_gw\ndelete table ip evsd_pat_gw\n");
	UNIT_ASSERT(strstr(H.log[1], "type nat hook postrouting priority srcnat"));
	UNIT_ASSERT(strstr(H.log[1], "oifname \"evs0\" ip saddr { 10.77.200.0/24, "
			   "10.77.201.0/24 } masquerade"));
	clientcfg_down(c);
	expect_log(2, "nft delete table ip evsd_pat_gw\n");
	expect_log(3, "addr- 7");

	/* the address on another device: SNAT to it by name */
	host_reset();
	r.addr_device = "dummy0";
	c = clientcfg_up(&r);
	expect_log(0, "addr+ 9 10.77.0.10/32");
	UNIT_ASSERT(strstr(H.log[1], "} snat to 10.77.0.10\n"));
	clientcfg_down(c);
	expect_log(3, "addr- 9 10.77.0.10/32");

	/* nft failing: logged, and nothing to remove later */
	host_reset();
	H.nft_fails = true;
	r.addr_device = NULL;
	c = clientcfg_up(&r);
	clientcfg_down(c);
	UNIT_ASSERT_EQ_INT(H.n, 3);
	expect_log(2, "addr- 7");

	/* network extension never translates */
	host_reset();
	r.network_extension = true;
	c = clientcfg_up(&r);
	clientcfg_down(c);
	UNIT_ASSERT_EQ_INT(H.n, 0);
}

static struct evs_prefix pfx6(const char *text, uint8_t plen)
{
	struct evs_prefix p = { .family = AF_INET6, .plen = plen };

	UNIT_ASSERT_EQ_INT(inet_pton(AF_INET6, text, p.addr), 1);
	return p;
}

UNIT_TEST(client_mode_ipv6_address_and_split_route_beside_ipv4)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix me6 = pfx6("2001:db8:99::5", 128), net6 = pfx6("2001:db8:77::", 64);
	struct evs_prefix net = pfx(192, 168, 77, 0, 24), me = pfx(10, 77, 0, 10, 32);
	struct clientcfg *c;

	host_reset();
	r.addr6 = &me6;
	c = clientcfg_up(&r);
	UNIT_ASSERT(c != NULL);
	expect_log(0, "addr+ 7 10.77.0.10/32");
	expect_log(1, "addr+ 7 2001:db8:99::5/128");
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net, &me), 0);
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 6, &net6, &me6), 0);
	/* each family's route takes that family's address as its source */
	expect_log(2, "route+ 192.168.77.0/24 oif 7 src 10.77.0.10 proto 78");
	expect_log(3, "route+ 2001:db8:77::/64 oif 7 src 2001:db8:99::5 proto 78");
	UNIT_ASSERT_EQ_INT(H.n, 4);
	UNIT_ASSERT(clientcfg_same_addr(c, &me, &me6));
	UNIT_ASSERT(!clientcfg_same_addr(c, &me, NULL));	/* the IPv6 one differs */
	clientcfg_route_del(c, 6);
	expect_log(4, "route- 2001:db8:77::/64 oif 7");
	clientcfg_down(c);
	expect_log(5, "route- 192.168.77.0/24");
	expect_log(6, "addr- 7 2001:db8:99::5/128");
	expect_log(7, "addr- 7 10.77.0.10/32");
	UNIT_ASSERT_EQ_INT(H.n, 8);
}

UNIT_TEST(ipv6_full_tunnel_over_ipv6_keeps_the_gateway_outside)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix me6 = pfx6("2001:db8:99::5", 128), any6 = pfx6("::", 0);
	struct evs_prefix gw6 = pfx6("2001:db8:1::1", 128), any = pfx(0, 0, 0, 0, 0);
	struct clientcfg *c;

	host_reset();
	r.addr = NULL;
	r.addr6 = &me6;
	r.gateway = &gw6;
	c = clientcfg_up(&r);
	expect_log(0, "addr+ 7 2001:db8:99::5/128");
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &any6, &me6), 0);
	expect_log(1, "get 2001:db8:1::1");
	expect_log(2, "route+ 2001:db8:1::1/128 oif 3 via fe80::1 proto 78");
	expect_log(3, "route+ ::/1 oif 7 src 2001:db8:99::5 proto 78");
	expect_log(4, "route+ 8000::/1 oif 7 src 2001:db8:99::5 proto 78");
	UNIT_ASSERT_EQ_INT(H.n, 5);
	/* an IPv4 full tunnel beside it: no address of ours, no source; the
	 * IPv6 gateway needs no IPv4 host route */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 6, &any, NULL), 0);
	expect_log(5, "route+ 0.0.0.0/1 oif 7 proto 78");
	expect_log(6, "route+ 128.0.0.0/1 oif 7 proto 78");
	UNIT_ASSERT_EQ_INT(H.n, 7);
	for (unsigned i = 0; i < H.n; i++)
		UNIT_ASSERT(!strstr(H.log[i], "::/0") && !strstr(H.log[i], "0.0.0.0/0"));
	/* the gateway itself as an IPv6 selector needs no route */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 7, &gw6, NULL), 0);
	UNIT_ASSERT_EQ_INT(H.n, 7);
	clientcfg_down(c);
	expect_log(7, "route- 128.0.0.0/1");
	expect_log(8, "route- 0.0.0.0/1");
	expect_log(9, "route- 8000::/1");
	expect_log(10, "route- ::/1");
	expect_log(11, "route- 2001:db8:1::1/128 oif 3 via fe80::1");
	expect_log(12, "addr- 7 2001:db8:99::5/128");
	UNIT_ASSERT_EQ_INT(H.n, 13);
}

UNIT_TEST(network_extension_ipv6_lan_source_from_its_own_family)
{
	struct clientcfg_req r = client_req();
	struct evs_prefix lan6 = pfx6("2001:db8:200::", 64), net6 = pfx6("2001:db8:77::", 64);
	struct evs_prefix lans[2] = { pfx(10, 77, 200, 0, 24), lan6 };
	struct clientcfg *c;

	host_reset();
	r.network_extension = true;
	r.lans = lans;
	r.n_lans = 2;
	H.have_within = H.within6 = true;
	memcpy(H.within, pfx6("2001:db8:200::1", 128).addr, 16);
	c = clientcfg_up(&r);
	UNIT_ASSERT_EQ_INT(H.n, 0);	/* no address, no PAT */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 5, &net6, &lan6), 0);
	expect_log(0, "within 2001:db8:200::/64");
	expect_log(1, "route+ 2001:db8:77::/64 oif 7 src 2001:db8:200::1 proto 78");
	/* an IPv4 route asks for an IPv4 source (the host has none here) */
	UNIT_ASSERT_EQ_INT(clientcfg_route_add(c, 6, &lans[0], &lans[0]), 0);
	expect_log(2, "within 10.77.200.0/24");
	expect_log(3, "route+ 10.77.200.0/24 oif 7 proto 78");
	clientcfg_down(c);
	expect_log(4, "route- 10.77.200.0/24");
	expect_log(5, "route- 2001:db8:77::/64");
	UNIT_ASSERT_EQ_INT(H.n, 6);
}

UNIT_TEST(no_evs_device_no_configuration)
{
	struct clientcfg_req r = client_req();

	host_reset();
	r.device = "evs9";
	UNIT_ASSERT(clientcfg_up(&r) == NULL);
	UNIT_ASSERT_EQ_INT(H.n, 0);
}

UNIT_TEST(pat_table_names_and_script_limits)
{
	struct evs_prefix lan = pfx(10, 77, 200, 0, 24);
	char name[PAT_TABLE_MAX], small[40];

	pat_table_name("branch-1.corp", name, sizeof(name));
	UNIT_ASSERT_EQ_STR(name, "evsd_pat_branch_1_corp");
	UNIT_ASSERT(pat_script(name, "evs0", &lan, 1, NULL, small, sizeof(small)) < 0);
	UNIT_ASSERT(pat_script(name, "evs0", &lan, 0, NULL, small, sizeof(small)) < 0);
	UNIT_ASSERT_EQ_INT(pat_remove_script("t", small, sizeof(small)), 18);
	UNIT_ASSERT_EQ_STR(small, "delete table ip t\n");
}

/* ---- rtnetlink messages ---------------------------------------------------------- */

struct attrs {
	const struct nlattr *tb[RTA_MAX + 1];
};

static int keep_attr(const struct nlattr *a, void *data)
{
	struct attrs *t = data;

	if (mnl_attr_get_type(a) <= RTA_MAX)
		t->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

UNIT_TEST(rtnl_route_messages)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_route r = { .dst = { 192, 168, 77, 0 }, .plen = 24, .oif = 7,
				.has_src = true, .src = { 10, 77, 0, 10 },
				.proto = EVSD_RTPROT_CLIENT };
	struct nlmsghdr *nlh = rtnl_build_route(buf, true, &r, 42);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { { 0 } };
	struct rtnl_route back;

	UNIT_ASSERT_EQ_INT(nlh->nlmsg_type, RTM_NEWROUTE);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_seq, 42);
	UNIT_ASSERT(nlh->nlmsg_flags & NLM_F_EXCL);
	UNIT_ASSERT(nlh->nlmsg_flags & NLM_F_CREATE);
	UNIT_ASSERT(nlh->nlmsg_flags & NLM_F_ACK);
	UNIT_ASSERT_EQ_INT(rtm->rtm_dst_len, 24);
	UNIT_ASSERT_EQ_INT(rtm->rtm_protocol, 78);
	UNIT_ASSERT_EQ_INT(rtm->rtm_scope, RT_SCOPE_LINK);
	UNIT_ASSERT_EQ_INT(rtm->rtm_table, RT_TABLE_MAIN);
	UNIT_ASSERT_EQ_INT(mnl_attr_parse(nlh, sizeof(*rtm), keep_attr, &t), MNL_CB_OK);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(t.tb[RTA_DST]), r.dst, 4);
	UNIT_ASSERT_EQ_INT(mnl_attr_get_u32(t.tb[RTA_OIF]), 7);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(t.tb[RTA_PREFSRC]), r.src, 4);
	UNIT_ASSERT(t.tb[RTA_GATEWAY] == NULL);

	/* the same message read back as an answer */
	nlh->nlmsg_type = RTM_NEWROUTE;
	UNIT_ASSERT_EQ_INT(rtnl_parse_route(nlh, &back), 0);
	UNIT_ASSERT_EQ_INT(back.oif, 7);
	UNIT_ASSERT(back.has_src && !back.has_gw);

	/* through a gateway: universe scope; a delete carries no source */
	r.has_gw = true;
	memcpy(r.gw, (uint8_t[]){ 10, 99, 0, 1 }, 4);
	nlh = rtnl_build_route(buf, false, &r, 43);
	rtm = mnl_nlmsg_get_payload(nlh);
	memset(&t, 0, sizeof(t));
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_type, RTM_DELROUTE);
	UNIT_ASSERT(!(nlh->nlmsg_flags & NLM_F_CREATE));
	UNIT_ASSERT_EQ_INT(mnl_attr_parse(nlh, sizeof(*rtm), keep_attr, &t), MNL_CB_OK);
	UNIT_ASSERT(t.tb[RTA_PREFSRC] == NULL);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(t.tb[RTA_GATEWAY]), r.gw, 4);
	nlh = rtnl_build_route(buf, true, &r, 44);
	UNIT_ASSERT_EQ_INT(((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_scope,
			   RT_SCOPE_UNIVERSE);

	/* not a route message */
	nlh->nlmsg_type = RTM_NEWADDR;
	UNIT_ASSERT_EQ_INT(rtnl_parse_route(nlh, &back), -1);
}

UNIT_TEST(rtnl_address_message)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static const uint8_t a[4] = { 10, 77, 0, 10 };
	struct nlmsghdr *nlh = rtnl_build_addr(buf, true, 7, AF_INET, a, 32, 9);
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { { 0 } };

	UNIT_ASSERT_EQ_INT(nlh->nlmsg_type, RTM_NEWADDR);
	UNIT_ASSERT_EQ_INT(ifa->ifa_index, 7);
	UNIT_ASSERT_EQ_INT(ifa->ifa_prefixlen, 32);
	UNIT_ASSERT_EQ_INT(ifa->ifa_family, AF_INET);
	UNIT_ASSERT_EQ_INT(mnl_attr_parse(nlh, sizeof(*ifa), keep_attr, &t), MNL_CB_OK);
	UNIT_ASSERT_MEM_EQ(mnl_attr_get_payload(t.tb[IFA_LOCAL]), a, 4);
	nlh = rtnl_build_addr(buf, false, 7, AF_INET, a, 32, 10);
	UNIT_ASSERT_EQ_INT(nlh->nlmsg_type, RTM_DELADDR);
}

/* ---- the session seam ------------------------------------------------------------ */

struct fake_session {
	struct ike_engine e;
	struct ike_config ike;
	struct ike_peer peer;
	struct client_host *host;
};

/* The engine's client hooks, as evsd's main loop wires them. */
static void seam_child_up(void *arg, struct ike_sa *sa, uint32_t conn_id)
{
	client_host_child_up(arg, sa, conn_id);
}

static void seam_child_down(void *arg, struct ike_sa *sa, uint32_t conn_id)
{
	client_host_child_down(arg, sa, conn_id);
}

static void seam_end(void *arg, struct ike_sa *sa)
{
	client_host_end(arg, sa);
}

static const struct ike_engine_ops seam_ops = {
	.client_child_up = seam_child_up,
	.client_child_down = seam_child_down,
	.client_end = seam_end,
};

static struct ike_sa *new_sa(struct fake_session *f, uint32_t serial)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));
	struct sockaddr_in *gw = (struct sockaddr_in *)&sa->path.remote;
	struct sockaddr_in *me = (struct sockaddr_in *)&sa->path.local;

	sa->eng = &f->e;
	sa->serial = serial;
	sa->peer = &f->peer;
	sa->state = IKE_S_READY;
	snprintf(sa->name, sizeof(sa->name), "ike#%u", serial);
	gw->sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", &gw->sin_addr);
	me->sin_family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", &me->sin_addr);
	sa->next = f->e.sas;
	f->e.sas = sa;
	return sa;
}

static struct ike_conn *new_conn(struct ike_sa *sa, uint32_t id,
				 struct evs_prefix local, struct evs_prefix remote)
{
	struct ike_conn *c = calloc(1, sizeof(*c));

	c->id = id;
	c->local = local;
	c->remote = remote;
	c->installed = true;
	c->next = sa->conns;
	sa->conns = c;
	return c;
}

static void fake_session_init(struct fake_session *f)
{
	memset(f, 0, sizeof(*f));
	f->e.role = EVS_ROLE_CLIENT;
	f->e.ike = &f->ike;
	strcpy(f->ike.device, "evs0");
	strcpy(f->peer.name, "gw");
	f->host = client_host_new(&fake);
	UNIT_ASSERT(f->host);
	f->e.ops = &seam_ops;
	f->e.ops_arg = f->host;
}

UNIT_TEST(selectors_from_mode_config_and_the_peer_block)
{
	struct fake_session f;
	struct evs_prefix l[EVS_SESSION_MAX_NETS], r[EVS_SESSION_MAX_NETS];
	unsigned nl, nr;
	struct ike_sa *sa;

	fake_session_init(&f);
	sa = new_sa(&f, 1);
	/* nothing known: our outer address to everything */
	evs_session_p2_selectors(sa, l, &nl, r, &nr);
	UNIT_ASSERT_EQ_INT(nl, 1);
	UNIT_ASSERT_EQ_INT(l[0].plen, 32);
	UNIT_ASSERT_EQ_INT(l[0].addr[3], 2);
	UNIT_ASSERT_EQ_INT(nr, 1);
	UNIT_ASSERT_EQ_INT(r[0].plen, 0);
	/* the file's networks (site to site, no mode config) */
	f.peer.local_nets[0] = pfx(10, 77, 200, 0, 24);
	f.peer.n_local_nets = 1;
	f.peer.remote_nets[0] = pfx(192, 168, 77, 0, 24);
	f.peer.remote_nets[1] = pfx(192, 168, 78, 0, 24);
	f.peer.n_remote_nets = 2;
	evs_session_p2_selectors(sa, l, &nl, r, &nr);
	UNIT_ASSERT_EQ_INT(nl, 1);
	UNIT_ASSERT_EQ_INT(l[0].plen, 24);
	UNIT_ASSERT_EQ_INT(nr, 2);
	/* client mode with an assigned address and a pushed split list */
	sa->inner = pfx(10, 77, 0, 10, 32);
	sa->have_inner = true;
	sa->remote_nets[0] = pfx(172, 16, 0, 0, 12);
	sa->n_remote_nets = 1;
	evs_session_p2_selectors(sa, l, &nl, r, &nr);
	UNIT_ASSERT_EQ_INT(nl, 1);
	UNIT_ASSERT_EQ_INT(l[0].addr[3], 10);
	UNIT_ASSERT_EQ_INT(l[0].plen, 32);
	UNIT_ASSERT_EQ_INT(nr, 1);
	UNIT_ASSERT_EQ_INT(r[0].addr[0], 172);
	/* network extension: the LANs, never the offered address */
	f.peer.ezvpn_mode = IKE_EZVPN_NETWORK_EXTENSION;
	f.peer.local_nets[1] = pfx(10, 77, 201, 0, 24);
	f.peer.n_local_nets = 2;
	evs_session_p2_selectors(sa, l, &nl, r, &nr);
	UNIT_ASSERT_EQ_INT(nl, 2);
	UNIT_ASSERT_EQ_INT(l[1].addr[2], 201);
	UNIT_ASSERT_EQ_INT(nr, 1);
	free(sa);
	client_host_free(f.host);
}

UNIT_TEST(session_applies_keeps_over_renewal_and_removes)
{
	struct fake_session f;
	struct ike_sa *old, *new;
	struct ike_conn *c;

	host_reset();
	fake_session_init(&f);
	old = new_sa(&f, 1);
	old->inner = pfx(10, 77, 0, 10, 32);
	old->have_inner = true;
	c = new_conn(old, 5, old->inner, pfx(192, 168, 77, 0, 24));
	evs_session_child_up(old, 5);
	expect_log(0, "addr+ 7 10.77.0.10/32");
	expect_log(1, "route+ 192.168.77.0/24 oif 7 src 10.77.0.10");
	UNIT_ASSERT_EQ_INT(H.n, 2);

	/* a renewed Phase 1 adopts the connection; the old SA ends */
	new = new_sa(&f, 2);
	new->inner = old->inner;
	new->have_inner = true;
	old->conns = NULL;
	new->conns = c;
	evs_session_end(old);
	UNIT_ASSERT_EQ_INT(H.n, 2);	/* nothing removed, nothing re-added */

	/* the connection goes (delete, DPD), then the session */
	new->conns = NULL;
	evs_session_child_down(new, 5);
	expect_log(2, "route- 192.168.77.0/24");
	evs_session_end(new);
	expect_log(3, "addr- 7 10.77.0.10/32");
	UNIT_ASSERT_EQ_INT(H.n, 4);
	free(c);
	free(new);
	free(old);
	client_host_free(f.host);

	/* the server role never touches the host */
	host_reset();
	fake_session_init(&f);
	f.e.role = EVS_ROLE_SERVER;
	old = new_sa(&f, 3);
	old->peer = NULL;
	c = new_conn(old, 6, pfx(192, 168, 77, 0, 24), pfx(10, 77, 0, 10, 32));
	evs_session_child_up(old, 6);
	evs_session_child_down(old, 6);
	evs_session_end(old);
	UNIT_ASSERT_EQ_INT(H.n, 0);
	free(c);
	free(old);
	client_host_free(f.host);
}

UNIT_TEST(session_with_another_address_starts_over)
{
	struct fake_session f;
	struct ike_sa *a, *b;
	struct ike_conn *c1, *c2;

	host_reset();
	fake_session_init(&f);
	a = new_sa(&f, 1);
	a->inner = pfx(10, 77, 0, 10, 32);
	a->have_inner = true;
	c1 = new_conn(a, 5, a->inner, pfx(192, 168, 77, 0, 24));
	evs_session_child_up(a, 5);
	b = new_sa(&f, 2);
	b->inner = pfx(10, 77, 0, 11, 32);
	b->have_inner = true;
	c2 = new_conn(b, 8, b->inner, pfx(192, 168, 77, 0, 24));
	evs_session_child_up(b, 8);
	expect_log(2, "route- 192.168.77.0/24");
	expect_log(3, "addr- 7 10.77.0.10/32");
	expect_log(4, "addr+ 7 10.77.0.11/32");
	expect_log(5, "route+ 192.168.77.0/24 oif 7 src 10.77.0.11");
	evs_session_end(a);			/* no longer the owner */
	UNIT_ASSERT_EQ_INT(H.n, 6);
	b->conns = NULL;
	evs_session_child_down(b, 8);
	evs_session_end(b);
	expect_log(7, "addr- 7 10.77.0.11/32");
	free(c1);
	free(c2);
	free(a);
	free(b);
	client_host_free(f.host);
}

static bool log_has(const char *part)
{
	for (unsigned i = 0; i < H.n; i++)
		if (strstr(H.log[i], part))
			return true;
	return false;
}

/* A client-mode session of peer gw, its steps done (serial 1); conn 5
 * is made but not yet up. */
static struct ike_sa *fw_session(struct fake_session *f, bool off, struct ike_conn **c)
{
	struct ike_sa *sa;

	host_reset();
	fake_session_init(f);
	f->peer.fw_allow[0] = (struct ike_fw_allow){ IPPROTO_TCP, 22, { 0 } };
	f->peer.n_fw_allow = 1;
	f->peer.firewall_off = off;
	sa = new_sa(f, 1);
	sa->inner = pfx(10, 77, 0, 10, 32);
	sa->have_inner = true;
	*c = new_conn(sa, 5, sa->inner, pfx(192, 168, 77, 0, 24));
	return sa;
}

static void fw_session_free(struct fake_session *f, struct ike_sa *sa, struct ike_conn *c)
{
	client_host_free(f->host);
	free(c);
	free(sa);
}

/* The gateway's pushed firewall type puts the filter on when the steps
 * are done, before the first connection (its SAs) comes up, once per
 * session; it comes off with the session; none pushed, or `firewall
 * off`, puts nothing on. */
UNIT_TEST(session_firewall_follows_the_push)
{
	static const struct modecfg_fw fw = { 1, 1, 2 };
	struct fake_session f;
	struct modecfg pushed = { 0 };
	struct ike_sa *sa;
	struct ike_conn *c;
	uint64_t pk, by;

	sa = fw_session(&f, false, &c);
	/* nothing pushed yet, then no firewall pushed: no filter */
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, sa, NULL), 0);
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, sa, &pushed), 0);
	evs_session_child_up(sa, 5);
	UNIT_ASSERT(!log_has("evs_client_fw"));
	fw_session_free(&f, sa, c);

	sa = fw_session(&f, false, &c);
	modecfg_set_fw(&pushed, &fw);
	/* no filter, no drop counter to read */
	UNIT_ASSERT_EQ_INT(client_host_fw_drops(f.host, &pk, &by), -1);
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, sa, &pushed), 0);
	UNIT_ASSERT_EQ_INT(H.n, 1);
	UNIT_ASSERT(strstr(H.log[0], "nft add table inet evs_client_fw\n") == H.log[0]);
	UNIT_ASSERT(strstr(H.log[0], "tcp dport 22 accept comment \"gw\"\n"));
	UNIT_ASSERT(strstr(H.log[0], "iifname \"evs0\" jump from_tunnel"));
	UNIT_ASSERT(strstr(H.log[0], "\tcounter dropped {\n"));
	UNIT_ASSERT_EQ_INT(client_host_fw_drops(f.host, &pk, &by), 0);
	UNIT_ASSERT(pk == 3 && by == 252);
	expect_log(1, "counter evs_client_fw dropped");
	H.n = 1;
	evs_session_child_up(sa, 5);		/* address and route after it */
	expect_log(1, "addr+ 7 10.77.0.10/32");
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, sa, &pushed), 0);	/* once */
	UNIT_ASSERT_EQ_INT(H.n, 3);
	sa->conns = NULL;
	evs_session_child_down(sa, 5);
	evs_session_end(sa);
	expect_log(H.n - 1, "nft add table inet evs_client_fw\ndelete table inet evs_client_fw\n");
	UNIT_ASSERT(!strstr(H.log[H.n - 1], "chain"));
	UNIT_ASSERT_EQ_INT(client_host_fw_drops(f.host, &pk, &by), -1);	/* gone with it */
	expect_log(H.n - 2, "addr- 7 10.77.0.10/32");	/* the address went first */
	fw_session_free(&f, sa, c);

	/* firewall off: the push is logged, nothing installed */
	sa = fw_session(&f, true, &c);
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, sa, &pushed), 0);
	evs_session_child_up(sa, 5);
	UNIT_ASSERT(!log_has("evs_client_fw"));
	sa->conns = NULL;
	evs_session_end(sa);
	UNIT_ASSERT(!log_has("evs_client_fw"));
	fw_session_free(&f, sa, c);
}

/* No tunnel without the filter its gateway asked for: when nft fails the
 * session is refused (the engine then ends it before any quick mode). */
UNIT_TEST(session_firewall_failure_refuses_the_session)
{
	static const struct modecfg_fw fw = { 1, 1, 2 };
	struct fake_session f;
	struct modecfg pushed = { 0 };
	struct ike_sa *sa;
	struct ike_conn *c;

	sa = fw_session(&f, false, &c);
	modecfg_set_fw(&pushed, &fw);
	H.nft_fails = true;
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, sa, &pushed), -1);
	H.nft_fails = false;
	sa->conns = NULL;
	evs_session_end(sa);
	/* the one write that failed; nothing held, so nothing to remove */
	UNIT_ASSERT_EQ_INT(H.n, 1);
	fw_session_free(&f, sa, c);
}

/* A renewed Phase 1 of the same peer: the filter stays up through the
 * handover and comes off with the last session. */
UNIT_TEST(session_firewall_stays_over_a_renewal)
{
	static const struct modecfg_fw fw = { 1, 1, 2 };
	struct fake_session f;
	struct modecfg pushed = { 0 };
	struct ike_sa *old, *new;
	struct ike_conn *c;
	unsigned n;

	old = fw_session(&f, false, &c);
	modecfg_set_fw(&pushed, &fw);
	UNIT_ASSERT_EQ_INT(client_host_ready(f.host, old, &pushed), 0);
	evs_session_child_up(old, 5);
	new = new_sa(&f, 2);
	new->inner = pfx(10, 77, 0, 11, 32);	/* another address: starts over */
	new->have_inner = true;
	n = H.n;
	old->conns = NULL;
	old->state = IKE_S_DEAD;
	evs_session_end(old);
	for (unsigned i = n; i < H.n; i++)
		if (strstr(H.log[i], "delete table inet evs_client_fw"))
			UNIT_FAIL("the filter came off while a session of the peer lives");
	new->conns = c;
	c->local = new->inner;
	evs_session_child_up(new, 5);
	for (unsigned i = n; i < H.n; i++)
		if (strstr(H.log[i], "delete table inet evs_client_fw"))
			UNIT_FAIL("the filter came off while a session of the peer lives");
	new->conns = NULL;
	evs_session_end(new);
	expect_log(H.n - 1, "nft add table inet evs_client_fw\ndelete table inet evs_client_fw\n");
	client_host_free(f.host);
	free(c);
	free(old);
	free(new);
}

UNIT_MAIN()
