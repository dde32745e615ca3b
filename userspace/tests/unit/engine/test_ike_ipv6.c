// SPDX-License-Identifier: MIT
/*
 * The IKE engine over IPv6, engine against engine in memory: main and
 * aggressive mode with IPv6 outer addresses, NAT-T through a NAT66 (NAT-D
 * hashes of 16-byte addresses), IPv6 quick mode IDs both ways, and a
 * session that carries an IPv4 and an IPv6 inner address (one quick mode
 * per family; the responder takes only the assigned address of each
 * family).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/evs.h>

#include "tests/unit/conf_text.h"
#include "tests/unit/ike_conf.h"
#include "ike/engine/ikesa.h"
#include "ike/engine/phase2.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "ike/engine/session.h"
#include "tests/unit/unit.h"

#include "tests/unit/ike_pair.h"

static const char server_conf[] =
	CONF_IKE_POLICY_10
	"crypto isakmp key v6secret address 2001:db8:1::/48 no-xauth {\n"
	"    local-network ::/0\n"
	"    remote-network 2001:db8:1::/48\n"
	"}\n"
	"crypto isakmp key natsecret address 2001:db8:77::77 no-xauth {\n"
	"    local-network ::/0\n"
	"    remote-network 2001:db8:1::/48\n"
	"}\n"
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n";

static const char client_main_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"peer gw {\n"
	"    server 2001:db8::1\n"
	"    mode main\n"
	"    group-key v6secret\n"
	CONF_PEER_TAIL;

static const char client_aggr_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"peer gw {\n"
	"    server 2001:db8::1\n"
	"    mode aggressive\n"
	"    group-name sales\n"
	"    group-key groupsecret\n"
	CONF_PEER_TAIL;

/* Stands in for XAUTH and mode config: a server session that is not site
 * to site logs in and is given the server side's addresses; a client
 * session takes the client side's as its own inner addresses (the same
 * unless a test makes the client claim others). */
struct inners {
	struct evs_prefix in4, in6;
	bool have4, have6;
};
static struct inners srv_in, cli_in;

static int inner_begin(struct evs_session *s, void *arg, void **state)
{
	const struct inners *in = arg;

	(void)state;
	if (evs_session_role(s) == EVS_ROLE_SERVER) {
		if (evs_session_site_to_site(s))
			return EVS_STEP_SKIP;
		evs_session_set_authorized(s, "alice");
	}
	if (in->have4)
		evs_session_set_inner(s, &in->in4);
	if (in->have6)
		evs_session_set_inner(s, &in->in6);
	return EVS_STEP_SKIP;
}

static const struct evs_post_phase1_ops inner_step = {
	.name = "inner",
	.begin = inner_begin,
};

static void srv_hooks(struct ike_engine *e)
{
	evs_session_register_step(e, &inner_step, &srv_in);
	evs_session_set_psk_lookup(e, sales_key_lookup, NULL);
}

static void cli_hooks(struct ike_engine *e)
{
	evs_session_register_step(e, &inner_step, &cli_in);
}

static void setup(struct side *srv, struct side *cli, const char *cli_conf)
{
	evsd_log_set_quiet(true);
	nat_on = false;
	memset(&srv_in, 0, sizeof(srv_in));
	memset(&cli_in, 0, sizeof(cli_in));
	side_open(srv, "server", server_conf, EVS_ROLE_SERVER, srv_hooks);
	side_open(cli, "client", cli_conf, EVS_ROLE_CLIENT, cli_hooks);
}

static struct ike_sa *connect_from(struct side *cli, const char *addr)
{
	struct sockaddr_storage local;

	set_addr(&local, addr, 500);
	return ike_engine_connect(cli->e, &cli->cfg.ike.peers[0], &local);
}

static struct evs_prefix pfx(const char *text, unsigned plen)
{
	struct evs_prefix p = { 0 };

	p.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	UNIT_ASSERT(inet_pton(p.family, text, p.addr) == 1);
	p.plen = (uint8_t)plen;
	return p;
}

static void assert_pair(struct side *cli, unsigned ci, struct side *srv, unsigned si)
{
	struct kchild *a = &cli->kadd[ci], *b = &srv->kadd[si];

	UNIT_ASSERT_EQ_INT(a->c.spi_in, b->c.spi_out);
	UNIT_ASSERT_EQ_INT(a->c.spi_out, b->c.spi_in);
	UNIT_ASSERT(a->c.enc_len > 0);
	UNIT_ASSERT_MEM_EQ(a->enc_in, b->enc_out, a->c.enc_len);
	UNIT_ASSERT_MEM_EQ(a->enc_out, b->enc_in, a->c.enc_len);
	UNIT_ASSERT_MEM_EQ(a->auth_in, b->auth_out, a->c.auth_len);
	/* the kernel gets what it was negotiated over: IPv6 outer */
	UNIT_ASSERT_EQ_INT(a->c.local.ss_family, AF_INET6);
	UNIT_ASSERT_EQ_INT(a->c.remote.ss_family, AF_INET6);
	UNIT_ASSERT_EQ_INT(b->c.local.ss_family, AF_INET6);
	UNIT_ASSERT(ike_addr_eq((const struct sockaddr *)&b->c.local,
				(const struct sockaddr *)&a->c.remote));
}

/* ---- ID payloads <-> prefixes ---------------------------------------------- */

static void roundtrip(const char *addr, unsigned plen, uint8_t want_type, size_t want_len)
{
	struct evs_prefix p = pfx(addr, plen), q;
	struct isakmp_id id;
	uint8_t buf[P2_ID_BUF];

	p2_prefix_to_id(&p, &id, buf);
	UNIT_ASSERT_EQ_INT(id.type, want_type);
	UNIT_ASSERT_EQ_INT(id.len, want_len);
	UNIT_ASSERT_EQ_INT(p2_id_to_prefix(&id, &q), 0);
	UNIT_ASSERT(evs_prefix_eq(&p, &q));
}

UNIT_TEST(quick_mode_ids_of_both_families)
{
	static const uint8_t holey[32] = {
		0x20, 0x01, 0x0d, 0xb8, [16] = 0xff, 0xff, 0x00, 0xff,
	};
	static const uint8_t range[32] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 1, [16] = 0x20, 0x01, 0x0d, 0xb8, 0, 1,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct isakmp_id id = { .type = ISAKMP_ID_IPV6_ADDR_SUBNET, .len = 32 };
	struct evs_prefix p;

	roundtrip("2001:db8::5", 128, ISAKMP_ID_IPV6_ADDR, 16);
	roundtrip("2001:db8:77::", 48, ISAKMP_ID_IPV6_ADDR_SUBNET, 32);
	roundtrip("::", 0, ISAKMP_ID_IPV6_ADDR_SUBNET, 32);
	roundtrip("10.77.0.0", 16, ISAKMP_ID_IPV4_ADDR_SUBNET, 8);
	roundtrip("10.77.0.5", 32, ISAKMP_ID_IPV4_ADDR, 4);
	/* a mask with a hole is refused */
	id.data = holey;
	UNIT_ASSERT_EQ_INT(p2_id_to_prefix(&id, &p), -1);
	/* a range that is exactly 2001:db8:1::/48 is that prefix; one that
	 * is not a prefix is refused */
	id.type = ISAKMP_ID_IPV6_ADDR_RANGE;
	id.data = range;
	UNIT_ASSERT_EQ_INT(p2_id_to_prefix(&id, &p), 0);
	UNIT_ASSERT(evs_prefix_eq(&p, &(struct evs_prefix){ 0 }) == false);
	UNIT_ASSERT_EQ_INT(p.plen, 48);
	UNIT_ASSERT_EQ_INT(p.family, AF_INET6);
	id.data = holey;
	UNIT_ASSERT_EQ_INT(p2_id_to_prefix(&id, &p), -1);
	/* a wrong size (the codec checks it too) */
	id.type = ISAKMP_ID_IPV6_ADDR;
	id.len = 4;
	UNIT_ASSERT_EQ_INT(p2_id_to_prefix(&id, &p), -1);
}

/* ---- main mode, aggressive mode, NAT-T over IPv6 ------------------------- */

UNIT_TEST(main_mode_over_ipv6_site_to_site)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, &cli, client_main_conf);
	c = connect_from(&cli, "2001:db8:1::2");
	UNIT_ASSERT(c);
	pump_to_ready(&cli, &srv, &c, &s);
	UNIT_ASSERT_EQ_INT(s->path.remote.ss_family, AF_INET6);
	UNIT_ASSERT(!c->nat_local && !s->nat_remote);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	assert_pair(&cli, 0, &srv, 0);
	/* no mode config: the client's outer /128 to ::/0, as IPv6 IDs */
	UNIT_ASSERT(evs_prefix_eq(&cli.kadd[0].c.local_net, &(struct evs_prefix){ 0 }) == false);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.local_net.family, AF_INET6);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.local_net.plen, 128);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.remote_net.family, AF_INET6);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.remote_net.plen, 0);
	UNIT_ASSERT(evs_prefix_eq(&srv.kadd[0].c.remote_net, &cli.kadd[0].c.local_net));
	UNIT_ASSERT(evs_prefix_eq(&srv.kadd[0].c.local_net, &cli.kadd[0].c.remote_net));
	ike_engine_shutdown(cli.e);
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	pair_close(&cli, &srv);
}

/* The key's remote-network binds an IPv6 site-to-site peer as it binds
 * an IPv4 one: a source outside it gets no Phase 2. */
UNIT_TEST(ipv6_site_to_site_selectors_bind)
{
	struct side srv, cli;

	setup(&srv, &cli, client_main_conf);
	/* 2001:db8:1::/48 key, but the client claims a /64 elsewhere */
	cli.cfg.ike.peers[0].local_nets[0] = pfx("2001:db8:99::", 64);
	cli.cfg.ike.peers[0].n_local_nets = 1;
	connect_from(&cli, "2001:db8:1::2");
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 0);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
	pair_close(&cli, &srv);
}

UNIT_TEST(nat_t_through_a_nat66)
{
	struct side srv, cli;
	struct ike_sa *c, *s;
	char conf[1024];
	const char *k = strstr(client_main_conf, "v6secret");

	/* the key of the NAT's public address */
	snprintf(conf, sizeof(conf), "%.*snatsecret%s", (int)(k - client_main_conf),
		 client_main_conf, k + strlen("v6secret"));
	setup(&srv, &cli, conf);
	nat_on = true;
	nat_inside = "2001:db8:1::2";
	nat_outside = "2001:db8:77::77";
	connect_from(&cli, nat_inside);
	pump_pair(&cli, &srv, &c, &s);
	UNIT_ASSERT_EQ_INT(s->state, IKE_S_READY);
	/* NAT-D over 16-byte addresses found the NAT on the client's side */
	assert_natt_behind_nat(&cli, &srv, c, s);
	UNIT_ASSERT_EQ_INT(srv.kadd[0].c.remote.ss_family, AF_INET6);
	nat_on = false;
	nat_inside = "10.1.1.2";
	nat_outside = "198.51.100.77";
	pair_close(&cli, &srv);
}

/* Aggressive mode with a group key over IPv6, and a session that carries
 * both families: the client runs one quick mode per family (its IPv4
 * address to 0.0.0.0/0, its IPv6 address to ::/0) and the gateway takes
 * both. */
UNIT_TEST(aggressive_mode_dual_stack_session)
{
	struct side srv, cli;
	unsigned v4 = 0, v6 = 0;

	setup(&srv, &cli, client_aggr_conf);
	srv_in.in4 = pfx("10.77.0.5", 32);
	srv_in.in6 = pfx("2001:db8:77::5", 128);
	srv_in.have4 = srv_in.have6 = true;
	cli_in = srv_in;
	connect_from(&cli, "2001:db8:1::2");
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 2);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
	for (unsigned i = 0; i < 2; i++) {
		const struct kernel_child *k = &srv.kadd[i].c;

		if (k->remote_net.family == AF_INET6) {
			v6++;
			UNIT_ASSERT(evs_prefix_eq(&k->remote_net, &srv_in.in6));
			UNIT_ASSERT_EQ_INT(k->local_net.family, AF_INET6);
			UNIT_ASSERT_EQ_INT(k->local_net.plen, 0);
		} else {
			v4++;
			UNIT_ASSERT(evs_prefix_eq(&k->remote_net, &srv_in.in4));
			UNIT_ASSERT_EQ_INT(k->local_net.family, AF_INET);
		}
		UNIT_ASSERT_EQ_INT(k->local.ss_family, AF_INET6);
	}
	UNIT_ASSERT_EQ_INT(v4, 1);
	UNIT_ASSERT_EQ_INT(v6, 1);
	pair_close(&cli, &srv);
}

/* The gateway assigned only an IPv4 address: the client's quick mode for
 * an IPv6 IDci is refused (it has none); with an IPv6 address assigned,
 * a quick mode for another IPv6 address is refused too.  The IPv4 one
 * goes through either way. */
UNIT_TEST(ipv6_idci_must_be_the_assigned_address)
{
	for (int round = 0; round < 2; round++) {
		struct side srv, cli;

		setup(&srv, &cli, client_aggr_conf);
		srv_in.in4 = pfx("10.77.0.5", 32);
		srv_in.have4 = true;
		if (round == 1) {
			srv_in.in6 = pfx("2001:db8:77::9", 128);
			srv_in.have6 = true;
		}
		cli_in.in4 = srv_in.in4;
		cli_in.in6 = pfx("2001:db8:77::5", 128);
		cli_in.have4 = cli_in.have6 = true;
		connect_from(&cli, "2001:db8:1::2");
		pump(&cli, &srv);
		UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
		UNIT_ASSERT_EQ_INT(srv.kadd[0].c.remote_net.family, AF_INET);
		UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
		pair_close(&cli, &srv);
	}
}

UNIT_MAIN()
