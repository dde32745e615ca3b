// SPDX-License-Identifier: MIT
/*
 * The IKE engine end to end, in memory: an initiator (client role) and a
 * responder (server role) engine exchange datagrams through queues, with
 * a fake clock and a fake kernel that records what would be installed.
 * Covers main mode PSK, aggressive mode PSK, main mode RSA signatures,
 * quick mode with PFS, responder lifetime, retransmission, duplicates,
 * half-open bound and age, rate limits, NAT-T, DPD, delete, rekey, and a
 * flood of malformed and mutated messages.
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
#include "ike/engine/info.h"
#include "lib/daemon_log.h"
#include "ike/engine/phase2.h"
#include "lib/secret.h"
#include "ike/engine/session.h"
#include "tests/unit/unit.h"

#include "tests/unit/ike_pair.h"

/* ---- configurations -------------------------------------------------------- */

static const char server_conf[] =
	"crypto isakmp policy 10 {\n"
	CONF_IKE_POLICY_BODY
	"    lifetime 28800\n"
	"}\n"
	"crypto isakmp policy 20 {\n"
	"    encryption 3des\n"
	"    hash sha\n"
	"    authentication pre-share\n"
	"    group 14\n"
	"}\n"
	/* site to site: no XAUTH, quick mode bound by these selectors */
	"crypto isakmp key mainsecret address 198.51.100.0/24 no-xauth {\n"
	"    local-network 0.0.0.0/0\n"
	"    remote-network 198.51.100.0/24\n"
	"}\n"
	"crypto isakmp key natsecret address 198.51.100.77 no-xauth {\n"
	"    local-network 0.0.0.0/0\n"
	"    remote-network 10.1.1.0/24\n"
	"}\n"
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"crypto ipsec security-association lifetime seconds 1800\n"
	"timers {\n"
	"    retransmit-interval 1000\n"
	"    retransmit-count 3\n"
	"    half-open-max 3\n"
	"    half-open-timeout 20\n"
	"    rate-limit 50\n"
	"    dpd-interval 10\n"
	"    dpd-retries 3\n"
	"}\n";

static const char client_main_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"crypto ipsec transform-set L esp-3des esp-sha-hmac\n"
	"timers {\n"
	"    retransmit-interval 1000\n"
	"    retransmit-count 3\n"
	"    dpd-interval 10\n"
	"    dpd-retries 3\n"
	"}\n"
	"peer gw {\n"
	"    server 203.0.113.1\n"
	"    mode main\n"
	"    group-key mainsecret\n"
	"    encryption aes 3des\n"
	"    key-length 256\n"
	"    hash sha256 sha\n"
	"    group 14\n"
	"    transform-set L T\n"
	"    pfs group14\n"
	"    sa-lifetime seconds 3600\n"
	"}\n";

static const char client_aggr_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	CONF_PEER_GW_AGGRESSIVE;

static void engine_hooks(struct ike_engine *e);

static void side_init(struct side *s, const char *name, const char *conf,
		      enum evs_role role)
{
	side_open(s, name, conf, role, engine_hooks);
}

/* Stands in for XAUTH and mode config (easyvpn.c): when set, a server
 * session that is not site to site logs in as this user, and may reach
 * login_nets (its split include; none: everything). */
static const char *login_user;
static struct evs_prefix login_nets[2];
static unsigned n_login_nets;

static int login_begin(struct evs_session *s, void *arg, void **state)
{
	(void)arg;
	(void)state;
	if (evs_session_role(s) == EVS_ROLE_SERVER && login_user &&
	    !evs_session_site_to_site(s)) {
		evs_session_set_authorized(s, login_user);
		evs_session_set_remote_nets(s, login_nets, n_login_nets);
	}
	return EVS_STEP_SKIP;
}

static const struct evs_post_phase1_ops login_step = {
	.name = "login",
	.begin = login_begin,
};

/* What every engine of these tests runs: the login step, the group key. */
static void engine_hooks(struct ike_engine *e)
{
	evs_session_register_step(e, &login_step, NULL);
	evs_session_set_psk_lookup(e, sales_key_lookup, NULL);
}

static void setup_conf(struct side *srv, const char *srv_conf, struct side *cli,
		       const char *cli_conf)
{
	login_user = NULL;
	n_login_nets = 0;
	evsd_log_set_quiet(true);
	nat_on = false;
	side_init(srv, "server", srv_conf, EVS_ROLE_SERVER);
	side_init(cli, "client", cli_conf, EVS_ROLE_CLIENT);
}

static void setup(struct side *srv, struct side *cli, const char *cli_conf)
{
	setup_conf(srv, server_conf, cli, cli_conf);
}

/* Let half-open exchanges time out, with retransmissions delivered. */
static void age_out(struct side *a, struct side *b)
{
	for (int i = 0; i < 70 && (only_sa(a) || only_sa(b)); i++) {
		tick(a, b, 1000);
		pump(a, b);
	}
	UNIT_ASSERT(only_sa(b) == NULL);
}

static struct ike_sa *connect_client(struct side *cli)
{
	struct sockaddr_storage local;

	set_addr(&local, nat_on ? "10.1.1.2" : "198.51.100.2", 500);
	return ike_engine_connect(cli->e, &cli->cfg.ike.peers[0], &local);
}

/* The two ends installed matching, crossed SA pairs. */
static void assert_pair(struct side *cli, unsigned ci, struct side *srv,
			unsigned si)
{
	struct kchild *a = &cli->kadd[ci], *b = &srv->kadd[si];

	UNIT_ASSERT_EQ_INT(a->c.spi_in, b->c.spi_out);
	UNIT_ASSERT_EQ_INT(a->c.spi_out, b->c.spi_in);
	UNIT_ASSERT_EQ_INT(a->c.enc_len, b->c.enc_len);
	UNIT_ASSERT(a->c.enc_len > 0 && a->c.auth_len > 0);
	UNIT_ASSERT_MEM_EQ(a->enc_in, b->enc_out, a->c.enc_len);
	UNIT_ASSERT_MEM_EQ(a->enc_out, b->enc_in, a->c.enc_len);
	UNIT_ASSERT_MEM_EQ(a->auth_in, b->auth_out, a->c.auth_len);
	UNIT_ASSERT_MEM_EQ(a->auth_out, b->auth_in, a->c.auth_len);
	UNIT_ASSERT(memcmp(a->enc_in, a->enc_out, a->c.enc_len));
	UNIT_ASSERT_EQ_STR(a->c.enc_name, b->c.enc_name);
	UNIT_ASSERT_EQ_STR(a->c.auth_name, b->c.auth_name);
}

/* ---- the tests -------------------------------------------------------------- */

UNIT_TEST(main_mode_psk_and_quick_mode)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, &cli, client_main_conf);
	c = connect_client(&cli);
	UNIT_ASSERT(c);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_MM_I_SA_SENT);
	pump_to_ready(&cli, &srv, &c, &s);
	/* Policy 10 (aes-256/sha256) wins although the client also offers
	 * 3des and sha1. */
	UNIT_ASSERT_EQ_INT(s->chosen.encr, IKE_ENCR_AES_CBC);
	UNIT_ASSERT_EQ_INT(s->chosen.hash, IKE_HASH_SHA2_256);
	UNIT_ASSERT_EQ_INT(c->chosen.life_secs, 28800);
	/* Six Phase 1 messages, three quick mode messages. */
	UNIT_ASSERT_EQ_INT(cli.sent, 3 + 2);
	UNIT_ASSERT_EQ_INT(srv.sent, 3 + 1);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	assert_pair(&cli, 0, &srv, 0);
	/* Transform set T (server's only) although the client listed L first. */
	UNIT_ASSERT_EQ_STR(cli.kadd[0].c.enc_name, "cbc(aes)");
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.enc_len, 32);
	UNIT_ASSERT(!cli.kadd[0].c.encap);
	UNIT_ASSERT(cli.kadd[0].c.new_conn);
	/* Responder lifetime: server's 1800 s beats the client's 3600 s. */
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.hard_secs, 1800);
	UNIT_ASSERT_EQ_INT(srv.kadd[0].c.hard_secs, 1800);
	UNIT_ASSERT(cli.kadd[0].c.soft_secs < srv.kadd[0].c.soft_secs);
	/* Selectors: client outer /32 <-> 0/0, mirrored on the server. */
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.local_net.plen, 32);
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.remote_net.plen, 0);
	UNIT_ASSERT_EQ_INT(srv.kadd[0].c.remote_net.plen, 32);
	UNIT_ASSERT_EQ_INT(srv.kadd[0].c.local_net.plen, 0);
	UNIT_ASSERT(c->conns && c->conns->installed);

	/* Client shuts down: its conn leaves its kernel, the delete
	 * notifies reach the server, whose conn goes too. */
	ike_engine_shutdown(cli.e);
	UNIT_ASSERT_EQ_INT(cli.n_kdel, 1);
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT(only_sa(&srv) == NULL);
	pair_close(&cli, &srv);
}

/* What vpnc puts in its informational messages, under the message id
 * it picks (vpnc draws its deletes' ids from one random byte). */
struct vpnc_info {
	uint8_t proto, spi_size;
	const void *spi;
	uint16_t notify;	/* 0: a DELETE */
	uint32_t seq;
};

static void fill_vpnc_info(struct isakmp_bld *b, void *arg)
{
	const struct vpnc_info *v = arg;
	uint32_t be = htonl(v->seq);

	if (v->notify)
		isakmp_add_notify(b, ISAKMP_DOI_IPSEC, v->proto, v->spi, v->spi_size,
				  v->notify, &be, 4);
	else
		isakmp_add_delete(b, v->proto, v->spi_size, v->spi, 1);
}

static void send_vpnc_info(struct side *cli, uint32_t msgid, const struct vpnc_info *v)
{
	struct ike_sa *c = only_sa(cli);
	struct ike_xchg *x = ike_xchg_new(c, msgid ? msgid : 0x99, ISAKMP_EXCH_INFO);

	UNIT_ASSERT(x);
	if (!msgid) {
		x->msgid = 0;
		UNIT_ASSERT(ike_iv_phase2(&c->keys, &c->iv, 0, &x->iv) == 0);
	}
	UNIT_ASSERT(ike_send_hashed(c, x, ISAKMP_EXCH_INFO, fill_vpnc_info, (void *)v,
				    false) == 0);
	ike_xchg_free(c, x);
}

/* The client role's host hook (client_ready) runs when the steps are
 * done, before quick mode installs any SA; when it fails (evsd: the
 * inbound filter the gateway asked for could not be put on) the session
 * ends and no SA reaches either kernel. */
static unsigned ready_calls, ready_kadd_seen;
static int ready_rc;

static int f_client_ready(void *arg, struct ike_sa *sa)
{
	struct side *s = arg;

	(void)sa;
	ready_calls++;
	ready_kadd_seen = s->n_kadd + s->nq;	/* SAs, or quick mode begun */
	return ready_rc;
}

static const struct ike_engine_ops ready_ops = {
	FAKE_NET_AND_KERNEL_OPS,
	.client_ready = f_client_ready,
};

UNIT_TEST(client_ready_comes_before_any_sa_and_can_stop_the_session)
{
	struct side srv, cli;

	for (int fail = 0; fail < 2; fail++) {
		setup(&srv, &cli, client_main_conf);
		cli.e->ops = &ready_ops;
		ready_calls = 0;
		ready_kadd_seen = 99;
		ready_rc = fail ? -1 : 0;
		UNIT_ASSERT(connect_client(&cli));
		pump(&cli, &srv);
		UNIT_ASSERT_EQ_INT(ready_calls, 1);
		UNIT_ASSERT_EQ_INT(ready_kadd_seen, 0);
		if (!fail) {
			UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
			UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
		} else {
			UNIT_ASSERT_EQ_INT(cli.n_kadd + srv.n_kadd, 0);
			UNIT_ASSERT(only_sa(&cli) == NULL);
		}
		pair_close(&cli, &srv);
	}
}

UNIT_TEST(vpnc_deletes_under_a_reused_or_zero_message_id_are_taken)
{
	struct side srv, cli;
	struct ike_sa *c;
	uint8_t cookies[16];
	uint32_t spi;
	unsigned sent;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->conns && only_sa(&srv) && only_sa(&srv)->conns);
	spi = htonl(c->conns->spi_in);
	memcpy(cookies, c->cky_i, 8);
	memcpy(cookies + 8, c->cky_r, 8);
	flush_q(&srv);
	sent = srv.sent;
	send_vpnc_info(&cli, 0x42, &(struct vpnc_info){ ISAKMP_PROTO_ISAKMP, 16, cookies,
							ISAKMP_N_R_U_THERE, 7 });
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 1);		/* R-U-THERE-ACK */
	/* Anything but a delete under a used id is still a replay, and so
	 * is a delete under a used id of more than one byte (ours are). */
	send_vpnc_info(&cli, 0x42, &(struct vpnc_info){ ISAKMP_PROTO_ISAKMP, 16, cookies,
							ISAKMP_N_R_U_THERE, 8 });
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 1);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_replay, 1);
	send_vpnc_info(&cli, 0x1234, &(struct vpnc_info){ ISAKMP_PROTO_ISAKMP, 16, cookies,
							  ISAKMP_N_R_U_THERE, 9 });
	send_vpnc_info(&cli, 0x1234, &(struct vpnc_info){ ISAKMP_PROTO_ESP, 4, &spi, 0, 0 });
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 2);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_replay, 2);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 0);
	/* vpnc's two deletes: the ESP one under the same byte, the ISAKMP
	 * one under 0. */
	send_vpnc_info(&cli, 0x42, &(struct vpnc_info){ ISAKMP_PROTO_ESP, 4, &spi, 0, 0 });
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT(only_sa(&srv) && !only_sa(&srv)->conns);
	send_vpnc_info(&cli, 0, &(struct vpnc_info){ ISAKMP_PROTO_ISAKMP, 16, cookies, 0, 0 });
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_replay, 2);
	pair_close(&cli, &srv);
}

/* A client offering AES-GCM (RFC 4106) and AES-CBC. */
static const char client_gcm_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"crypto ipsec transform-set G esp-gcm 256 esp-gcm-icv8 128\n"
	"peer gw {\n"
	"    server 203.0.113.1\n"
	"    mode main\n"
	"    group-key mainsecret\n"
	"    encryption aes\n"
	"    key-length 256\n"
	"    hash sha256\n"
	"    group 14\n"
	"    transform-set T G\n"
	"}\n";

/* The two ends installed the same AEAD, keys crossed: key + 4-byte salt
 * from KEYMAT, no integrity key. */
static void assert_aead_pair(struct side *cli, struct side *srv, size_t key_len,
			     unsigned icv)
{
	struct kchild *a = &cli->kadd[0], *b = &srv->kadd[0];

	UNIT_ASSERT_EQ_STR(a->c.enc_name, "rfc4106(gcm(aes))");
	UNIT_ASSERT_EQ_STR(b->c.enc_name, "rfc4106(gcm(aes))");
	UNIT_ASSERT_EQ_INT(a->c.aead_icv_bits, icv);
	UNIT_ASSERT_EQ_INT(b->c.aead_icv_bits, icv);
	UNIT_ASSERT_EQ_INT(a->c.enc_len, key_len + 4);
	UNIT_ASSERT_EQ_INT(b->c.enc_len, key_len + 4);
	UNIT_ASSERT_EQ_INT(a->c.auth_len, 0);
	UNIT_ASSERT_EQ_INT(b->c.auth_len, 0);
	UNIT_ASSERT_EQ_INT(a->c.spi_in, b->c.spi_out);
	UNIT_ASSERT_EQ_INT(a->c.spi_out, b->c.spi_in);
	UNIT_ASSERT_MEM_EQ(a->enc_in, b->enc_out, a->c.enc_len);
	UNIT_ASSERT_MEM_EQ(a->enc_out, b->enc_in, a->c.enc_len);
	UNIT_ASSERT(memcmp(a->enc_in, a->enc_out, a->c.enc_len));
}

UNIT_TEST(quick_mode_negotiates_aes_gcm)
{
	/* One IKE policy and the site-to-site key, then the sets. */
#define GCM_SRV_HEAD \
	CONF_IKE_POLICY_10 \
	"crypto isakmp key mainsecret address 198.51.100.0/24 no-xauth {\n" \
	"    local-network 0.0.0.0/0\n" \
	"    remote-network 198.51.100.0/24\n" \
	"}\n"
	static const char srv_gcm_conf[] = GCM_SRV_HEAD
		"crypto ipsec transform-set G esp-gcm 256\n"
		"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
		"crypto ipsec transform-set G8 esp-gcm-icv8 128\n";
	static const char srv_g8_conf[] = GCM_SRV_HEAD
		"crypto ipsec transform-set G8 esp-gcm-icv8 128\n";
#undef GCM_SRV_HEAD
	struct side srv, cli;

	/* The server's first set (GCM-256) wins over the client's CBC-first
	 * order; both ends install the AEAD. */
	setup_conf(&srv, srv_gcm_conf, &cli, client_gcm_conf);
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	assert_aead_pair(&cli, &srv, 32, 128);
	UNIT_ASSERT_EQ_INT(only_sa(&cli)->conns->xf.esp_id, ESP_AES_GCM_16);
	pair_close(&cli, &srv);

	/* The 8-byte ICV variant with a 128-bit key. */
	setup_conf(&srv, srv_g8_conf, &cli, client_gcm_conf);
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	assert_aead_pair(&cli, &srv, 16, 64);
	pair_close(&cli, &srv);

	/* A server without GCM: the client's CBC offer is taken. */
	setup(&srv, &cli, client_gcm_conf);
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	assert_pair(&cli, 0, &srv, 0);
	UNIT_ASSERT_EQ_STR(cli.kadd[0].c.enc_name, "cbc(aes)");
	UNIT_ASSERT_EQ_INT(cli.kadd[0].c.aead_icv_bits, 0);
	pair_close(&cli, &srv);
}

UNIT_TEST(aggressive_mode_psk_group_key_id)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, &cli, client_aggr_conf);
	login_user = "alice";	/* a group key alone gets no Phase 2 */
	c = connect_client(&cli);
	UNIT_ASSERT(c);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_AM_I_SENT);
	pump_to_ready(&cli, &srv, &c, &s);
	UNIT_ASSERT_EQ_INT(s->peer_id.type, ISAKMP_ID_KEY_ID);
	UNIT_ASSERT_EQ_INT(s->exch, ISAKMP_EXCH_AGGRESSIVE);
	/* AM1, AM3, QM1, QM3 / AM2, QM2. */
	UNIT_ASSERT_EQ_INT(cli.sent, 4);
	UNIT_ASSERT_EQ_INT(srv.sent, 2);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	assert_pair(&cli, 0, &srv, 0);
	pair_close(&cli, &srv);
}

static bool same_prefix(const struct evs_prefix *a, const struct evs_prefix *b)
{
	return a->family == b->family && a->plen == b->plen && !memcmp(a->addr, b->addr, 4);
}

/* A split-tunnel session: vpnc proposes IDcr 0.0.0.0/0 whatever split
 * include it got, and IKEv1 cannot narrow it; the server accepts it but
 * installs the connection's kernel policies for the split networks only,
 * also after a rekey.  An IDcr inside one of them is installed as it is;
 * one outside all of them is refused. */
UNIT_TEST(split_tunnel_selectors_are_narrowed_in_the_kernel)
{
	static const char *const remote[] = {
		"", "    remote-network 192.168.77.0/25\n", "    remote-network 172.16.0.0/12\n",
	};

	for (unsigned i = 0; i < 3; i++) {
		struct side srv, cli;
		struct ike_sa *c;
		char conf[1024];
		const char *tail = strstr(client_aggr_conf, "}\n");

		snprintf(conf, sizeof(conf), "%.*s%s}\n", (int)(tail - client_aggr_conf),
			 client_aggr_conf, remote[i]);
		setup(&srv, &cli, conf);
		login_user = "alice";
		login_nets[0] = evs_prefix_ip4(0xc0a84d00, 24);	/* 192.168.77.0/24 */
		login_nets[1] = evs_prefix_ip4(0x0a630000, 16);	/* 10.99.0.0/16 */
		n_login_nets = 2;
		connect_client(&cli);
		pump(&cli, &srv);
		if (i == 2) {
			UNIT_ASSERT_EQ_INT(srv.n_kadd, 0);
			UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
			pair_close(&cli, &srv);
			continue;
		}
		UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
		UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
		assert_pair(&cli, 0, &srv, 0);
		UNIT_ASSERT_EQ_INT(cli.kadd[0].c.n_local_nets, 0);
		if (i == 1) {
			UNIT_ASSERT_EQ_INT(srv.kadd[0].c.local_net.plen, 25);
			UNIT_ASSERT_EQ_INT(srv.kadd[0].c.n_local_nets, 0);
			pair_close(&cli, &srv);
			continue;
		}
		UNIT_ASSERT_EQ_INT(srv.kadd[0].c.local_net.plen, 0);	/* as proposed */
		UNIT_ASSERT_EQ_INT(srv.kadd[0].c.n_local_nets, 2);
		UNIT_ASSERT(same_prefix(&srv.kadd[0].c.local_nets[0], &login_nets[0]));
		UNIT_ASSERT(same_prefix(&srv.kadd[0].c.local_nets[1], &login_nets[1]));
		/* a rekey keeps them */
		c = only_sa(&cli);
		UNIT_ASSERT(c && c->conns);
		ike_engine_sa_expired(cli.e, c->conns->spi_out, EVS_DIR_OUT, false);
		pump(&cli, &srv);
		UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
		UNIT_ASSERT(!srv.kadd[1].c.new_conn);
		UNIT_ASSERT_EQ_INT(srv.kadd[1].c.n_local_nets, 2);
		UNIT_ASSERT(same_prefix(&srv.kadd[1].c.local_nets[1], &login_nets[1]));
		pair_close(&cli, &srv);
	}
}

UNIT_TEST(aggressive_mode_unknown_group_looks_like_wrong_key)
{
	struct side srv, cli, srv2, cli2;
	unsigned sent_unknown, sent_wrong;

	setup(&srv, &cli, "peer gw {\n server 203.0.113.1\n mode aggressive\n"
	      " group-name nosuchgroup\n group-key groupsecret\n encryption aes\n"
	      " key-length 256\n hash sha256\n group 14\n}\n");
	connect_client(&cli);
	pump(&cli, &srv);
	/* AM3 does not decrypt into anything sensible: dropped, and the
	 * half-open SA ages out.  Nothing tells the group is unknown. */
	UNIT_ASSERT(only_sa(&srv) && only_sa(&srv)->state == IKE_S_AM_R_SENT);
	age_out(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.p1_failed, 1);
	sent_unknown = srv.sent;
	pair_close(&cli, &srv);

	setup(&srv2, &cli2, "peer gw {\n server 203.0.113.1\n mode aggressive\n"
	      " group-name sales\n group-key wrongsecret\n encryption aes\n"
	      " key-length 256\n hash sha256\n group 14\n}\n");
	connect_client(&cli2);
	pump(&cli2, &srv2);
	UNIT_ASSERT(only_sa(&srv2) && only_sa(&srv2)->state == IKE_S_AM_R_SENT);
	age_out(&cli2, &srv2);
	UNIT_ASSERT_EQ_INT(srv2.n_kadd, 0);
	UNIT_ASSERT_EQ_INT(srv2.e->stats.p1_failed, 1);
	sent_wrong = srv2.sent;
	/* Same answers: AM2, then the same AUTHENTICATION-FAILED. */
	UNIT_ASSERT_EQ_INT(sent_unknown, sent_wrong);
	pair_close(&cli2, &srv2);
}

UNIT_TEST(main_mode_wrong_psk_fails_cleanly)
{
	struct side srv, cli;

	setup(&srv, &cli, "peer gw {\n server 203.0.113.1\n group-key nope\n"
	      " encryption aes\n key-length 256\n hash sha256\n group 14\n}\n");
	connect_client(&cli);
	pump(&cli, &srv);
	/* MM5 under the wrong key decrypts to garbage: dropped (and said so
	 * in the log), MM6 never comes, both ends give up. */
	UNIT_ASSERT(only_sa(&srv) && only_sa(&srv)->state == IKE_S_MM_R_KE_SENT);
	UNIT_ASSERT(srv.e->stats.rx_malformed >= 1);
	age_out(&cli, &srv);
	UNIT_ASSERT(only_sa(&cli) == NULL);
	UNIT_ASSERT_EQ_INT(srv.n_kadd + cli.n_kadd, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.p1_failed, 1);
	UNIT_ASSERT_EQ_INT(cli.e->stats.p1_failed, 1);
	pair_close(&cli, &srv);
}

UNIT_TEST(no_matching_policy)
{
	struct side srv, cli;

	setup(&srv, &cli, "peer gw {\n server 203.0.113.1\n group-key mainsecret\n"
	      " encryption aes\n key-length 128\n hash md5\n group 14\n}\n");
	connect_client(&cli);
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.e->stats.p1_failed, 1);
	pair_close(&cli, &srv);
}

UNIT_TEST(retransmission_and_duplicates)
{
	struct side srv, cli;
	struct ike_sa *c;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	/* MM1 reaches the server; its MM2 is lost. */
	srv.drop_next = 1;
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->state == IKE_S_MM_I_SA_SENT);
	/* Not yet time: nothing is resent. */
	tick(&cli, &srv, 500);
	UNIT_ASSERT_EQ_INT(cli.nq, 0);
	/* After the interval the client resends MM1; the server sees a
	 * duplicate and resends its MM2; the exchange completes. */
	tick(&cli, &srv, 600);
	UNIT_ASSERT_EQ_INT(cli.nq, 1);
	UNIT_ASSERT_EQ_INT(cli.e->stats.rexmits, 1);
	pump(&cli, &srv);
	UNIT_ASSERT(srv.e->stats.rx_dup >= 1);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);

	/* The last quick mode message (QM3) lost: the server retransmits
	 * QM2, the client answers the duplicate with QM3 again. */
	pair_close(&cli, &srv);
}

/* Re-deliver a recorded datagram as it was sent. */
static void redeliver(const struct pkt *p, const char *from, struct side *to)
{
	struct side tmp = { .name = from };

	tmp.q[0] = *p;
	tmp.nq = 1;
	deliver(&tmp, to, 0);
}

/* A second copy of the answer to our message (the peer answered our
 * retransmission as well) is not answered with our message again: that
 * was a ping-pong at 1/s for as long as the exchange lived, and a
 * request resent after the peer had moved on to the next exchange no
 * longer decrypted there (charon: "invalid HASH_V1 payload length").  A
 * second copy of the message we answered is still answered. */
UNIT_TEST(a_duplicate_answer_is_not_answered)
{
	struct side srv, cli;
	struct pkt rec[64];
	unsigned last_cli = 0, last_srv = 0, sent;
	uint64_t dups;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	recorder = rec;
	n_recorded = 0;
	max_recorded = 64;
	pump(&cli, &srv);
	recorder = NULL;
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	/* The first datagram is the client's MM1: the client's last one is
	 * QM3, the server's QM2. */
	for (unsigned i = 0; i < n_recorded; i++) {
		if (!memcmp(&rec[i].path.local, &rec[0].path.local, sizeof(struct sockaddr_in)))
			last_cli = i;
		else
			last_srv = i;
	}
	UNIT_ASSERT(last_cli > last_srv);

	/* QM3 again: the server's QM2 answered it already; nothing goes out. */
	sent = srv.sent;
	dups = srv.e->stats.rx_dup;
	redeliver(&rec[last_cli], "client", &srv);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_dup, dups + 1);
	UNIT_ASSERT_EQ_INT(srv.sent, sent);

	/* QM2 again (the server did not see QM3): the client sends QM3 again. */
	sent = cli.sent;
	redeliver(&rec[last_srv], "server", &cli);
	UNIT_ASSERT_EQ_INT(cli.sent, sent + 1);
	UNIT_ASSERT(!memcmp(cli.q[cli.nq - 1].buf, rec[last_cli].buf, rec[last_cli].len));

	for (unsigned i = 0; i < n_recorded; i++)
		free(rec[i].buf);
	pair_close(&cli, &srv);
}

UNIT_TEST(lost_last_messages_are_recovered)
{
	struct side srv, cli;
	struct ike_sa *c, *s;
	unsigned before;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	/* MM1 -> MM2 -> MM3 -> MM4 -> MM5 -> (MM6 lost) */
	pump(&cli, &srv);	/* everything goes through first */
	pair_close(&cli, &srv);

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	for (int step = 0; step < 2; step++) {	/* MM1/MM2, MM3/MM4 */
		struct side *sides[2] = { &cli, &srv };

		for (int k = 0; k < 2; k++) {
			struct side tmp = { .name = sides[k]->name };

			UNIT_ASSERT_EQ_INT(sides[k]->nq, 1);
			tmp.q[0] = sides[k]->q[0];
			tmp.nq = 1;
			sides[k]->nq = 0;
			deliver(&tmp, sides[!k], 0);
			free(tmp.q[0].buf);
		}
	}
	/* MM5 to the server; the server is READY, its MM6 is lost. */
	UNIT_ASSERT_EQ_INT(cli.nq, 1);
	{
		struct side tmp = { .name = "client" };

		tmp.q[0] = cli.q[0];
		tmp.nq = 1;
		cli.nq = 0;
		deliver(&tmp, &srv, 0);
		free(tmp.q[0].buf);
	}
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY);
	flush_q(&srv);			/* MM6 lost */
	before = srv.sent;
	tick(&cli, &srv, 1100);		/* client resends MM5 */
	UNIT_ASSERT_EQ_INT(cli.nq, 1);
	pump(&cli, &srv);		/* server answers with MM6 again */
	UNIT_ASSERT(srv.sent > before);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	pair_close(&cli, &srv);
}

/* Aggressive mode's last message, AM3, is acknowledged by nothing: when
 * it was lost (a gateway's socket buffer full in a reconnect storm) the
 * gateway stayed in AM_R_SENT until its half-open timeout and the client
 * waited for XAUTH in vain.  The client now resends AM3 until it hears
 * from the gateway, and then stops. */
UNIT_TEST(aggressive_mode_lost_am3_is_sent_again)
{
	struct side srv, cli;
	struct ike_sa *c, *s;
	uint64_t rexmits;

	setup(&srv, &cli, client_aggr_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	UNIT_ASSERT_EQ_INT(cli.nq, 1);		/* AM1 */
	cli.drop_next = 1;			/* AM3 */
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_AM_R_SENT);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->state != IKE_S_AM_I_SENT);
	for (int i = 0; i < 10 && srv.n_kadd == 0; i++) {
		tick(&cli, &srv, 1100);
		pump(&cli, &srv);
	}
	pump_to_ready(&cli, &srv, &c, &s);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
	assert_pair(&cli, 0, &srv, 0);
	/* Heard from (QM2): AM3 is not resent any more. */
	rexmits = cli.e->stats.rexmits;
	UNIT_ASSERT(rexmits >= 1);
	for (int i = 0; i < 5; i++) {
		tick(&cli, &srv, 2000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(cli.e->stats.rexmits, rexmits);
	UNIT_ASSERT_EQ_INT(srv.e->stats.p1_failed, 0);
	pair_close(&cli, &srv);

	/* Nothing lost: AM3 stops at the gateway's first answer and is
	 * never resent. */
	setup(&srv, &cli, client_aggr_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	pump_to_ready(&cli, &srv, &c, &s);
	for (int i = 0; i < 5; i++) {
		tick(&cli, &srv, 2000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(cli.e->stats.rexmits, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_dup, 0);
	pair_close(&cli, &srv);

	/* The gateway lost the SA (evicted from its full half-open table):
	 * every AM3 goes nowhere.  The client ends the SA when its
	 * retransmissions run out (the defaults: 5, 1 s doubling, 63 s),
	 * before XAUTH would have given up (90 s), so that it starts
	 * again. */
	setup(&srv, &cli, client_aggr_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	pump(&cli, &srv);
	pair_close(&cli, &srv);
	setup(&srv, &cli, client_aggr_conf);
	login_user = "alice";
	UNIT_ASSERT(connect_client(&cli));
	cli.drop_next = 1000;			/* AM3 and all after it */
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->state != IKE_S_AM_I_SENT);
	for (int i = 0; i < 62; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&srv);
	}
	UNIT_ASSERT(only_sa(&cli) == c);
	for (int i = 0; i < 3 && only_sa(&cli); i++) {
		tick(&cli, &srv, 1000);
		flush_q(&srv);
	}
	UNIT_ASSERT(only_sa(&cli) == NULL);
	pair_close(&cli, &srv);
}

UNIT_TEST(retransmission_gives_up)
{
	struct side srv, cli;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	flush_q(&cli);			/* nobody answers */
	for (int i = 0; i < 20; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&cli);
	}
	UNIT_ASSERT(only_sa(&cli) == NULL);
	UNIT_ASSERT_EQ_INT(cli.e->stats.rexmits, 3);	/* retransmit-count 3 */
	pair_close(&cli, &srv);
}

UNIT_TEST(half_open_bound_and_age)
{
	struct side srv, cli;
	unsigned n = 0;

	setup(&srv, &cli, client_main_conf);
	for (int i = 0; i < 5; i++)
		connect_client(&cli);
	/* Deliver only the five MM1s. */
	{
		unsigned nq = cli.nq;

		for (unsigned i = 0; i < nq; i++)
			deliver(&cli, &srv, i);
		flush_q(&cli);
	}
	for (struct ike_sa *sa = srv.e->sas; sa; sa = sa->next)
		n += sa->state != IKE_S_DEAD;
	UNIT_ASSERT_EQ_INT(n, 3);			/* half-open-max 3 */
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 3);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_half_open_full, 2);
	/* They age out after half-open-timeout (20 s). */
	for (int i = 0; i < 25; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 0);
	pair_close(&cli, &srv);
}

/* The server side again, with this configuration instead. */
static void server_reload(struct side *srv, const char *conf)
{
	struct evs_err err;

	ike_engine_free(srv->e);
	ike_conf_free(&srv->cfg);
	unlink(srv->path);
	free(srv->path);
	srv->path = unit_tmpfile(conf);
	UNIT_ASSERT(ike_conf_load(srv->path, &srv->cfg, &err) == 0);
	srv->e = ike_engine_new(&srv->cfg.ike, EVS_ROLE_SERVER, &fake_ops, srv);
	engine_hooks(srv->e);
}

UNIT_TEST(per_source_rate_limit)
{
	struct side srv, cli;
	const char *conf =
		"crypto isakmp policy 10 {\n encryption aes 256\n hash sha256\n"
		" authentication pre-share\n group 14\n}\n"
		"timers {\n rate-limit 2\n half-open-max 100\n}\n";

	setup(&srv, &cli, client_main_conf);
	/* A server with a limit of 2 new exchanges per source per second. */
	server_reload(&srv, conf);
	for (int i = 0; i < 5; i++)
		connect_client(&cli);
	for (unsigned i = 0; i < cli.nq; i++)
		deliver(&cli, &srv, i);
	flush_q(&cli);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_rate_limited, 3);
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 2);
	/* A second later the source may start again. */
	tick(&cli, &srv, 1000);
	flush_q(&cli);
	flush_q(&srv);
	connect_client(&cli);
	deliver(&cli, &srv, 0);
	flush_q(&cli);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_rate_limited, 3);
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 3);
	pair_close(&cli, &srv);
}

/* ---- admission: floods of first messages ------------------------------------- */

/* A first message as if from source i of a spoofed range, with a fresh
 * initiator cookie. */
static void inject_from(struct side *srv, const char *a, uint8_t *buf,
			size_t len)
{
	struct ike_path p;

	memset(&p, 0, sizeof(p));
	set_addr(&p.local, "203.0.113.1", 500);
	set_addr(&p.remote, a, 500);
	ike_random(buf, 8);
	buf[0] |= 1;
	if (srv->nq > QMAX / 2)
		flush_q(srv);
	ike_engine_set_time(srv->e, now_ms);
	ike_engine_input(srv->e, &p, buf, len);
}

static void inject_first(struct side *srv, unsigned i, uint8_t *buf,
			 size_t len)
{
	char a[32];

	snprintf(a, sizeof(a), "198.51.100.%u", 100 + i % 60);
	inject_from(srv, a, buf, len);
}

/* The MM1 a client with this configuration sends. */
static size_t capture_mm1(const char *conf, uint8_t *out, size_t max)
{
	struct side cli;
	struct sockaddr_storage local;
	size_t n;

	side_init(&cli, "client", conf, EVS_ROLE_CLIENT);
	set_addr(&local, "198.51.100.2", 500);
	UNIT_ASSERT(ike_engine_connect(cli.e, &cli.cfg.ike.peers[0], &local));
	UNIT_ASSERT(cli.nq == 1 && cli.q[0].len <= max);
	n = cli.q[0].len;
	memcpy(out, cli.q[0].buf, n);
	side_close(&cli);
	return n;
}

static const char client_group5_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"peer gw {\n server 203.0.113.1\n group-key mainsecret\n"
	" encryption aes\n key-length 256\n hash sha256\n group 5\n"
	" transform-set T\n}\n";

UNIT_TEST(refused_first_messages_leave_nothing_behind)
{
	struct side srv, cli;
	uint8_t bare[28] = { 0 }, unmatched[2048];
	size_t ulen;
	unsigned sent_before;

	setup(&srv, &cli, client_main_conf);
	ulen = capture_mm1(client_group5_conf, unmatched, sizeof(unmatched));
	bare[17] = 0x10;
	bare[18] = ISAKMP_EXCH_MAIN;
	bare[27] = 28;
	sent_before = srv.sent;
	/* 10,000 first messages from 60 sources, 1 ms apart: bare headers
	 * and offers no policy matches.  half-open-max is 3. */
	for (unsigned i = 0; i < 10000; i++) {
		now_ms += 1;
		if (i % 2)
			inject_first(&srv, i, bare, sizeof(bare));
		else
			inject_first(&srv, i, unmatched, ulen);
		UNIT_ASSERT(srv.e->n_half_open <= 3);
	}
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 0);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	UNIT_ASSERT(only_sa(&srv) == NULL);
	/* Nothing was answered: no notify reflected at the sources. */
	UNIT_ASSERT_EQ_INT(srv.sent - sent_before, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_half_open_full, 0);
	/* A real client connects afterwards. */
	tick(&cli, &srv, 1000);
	connect_client(&cli);
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&cli) && only_sa(&cli)->state == IKE_S_READY);
	UNIT_ASSERT(only_sa(&srv) && only_sa(&srv)->state == IKE_S_READY);
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 0);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	pair_close(&cli, &srv);
}

UNIT_TEST(half_open_flood_evicts_unproven_and_a_client_gets_through)
{
	struct side srv, cli;
	uint8_t mm1[2048];
	size_t len;

	setup(&srv, &cli, client_main_conf);
	len = capture_mm1(client_main_conf, mm1, sizeof(mm1));
	/* Acceptable offers from 60 spoofed sources: each gets one MM2,
	 * the table (half-open-max 3) stays full of the newest. */
	for (unsigned i = 0; i < 3000; i++) {
		now_ms += 1;
		inject_first(&srv, i, mm1, len);
		UNIT_ASSERT(srv.e->n_half_open <= 3);
	}
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 3);
	UNIT_ASSERT(srv.e->stats.half_open_evicted >= 2990);
	/* A real client during the flood: it proves itself (MM3 carries
	 * our cookie) before the flood pushes it out. */
	connect_client(&cli);
	deliver(&cli, &srv, 0);
	flush_q(&cli);
	for (unsigned i = 0; i < 2; i++)
		inject_first(&srv, i, mm1, len);
	{
		struct sockaddr_storage ca;

		set_addr(&ca, "198.51.100.2", 500);
		for (unsigned i = 0; i < srv.nq; i++)
			if (ike_addr_eq((struct sockaddr *)&srv.q[i].path.remote,
					(struct sockaddr *)&ca))
				deliver(&srv, &cli, i);
	}
	flush_q(&srv);
	UNIT_ASSERT_EQ_INT(cli.nq, 1);		/* MM3 */
	deliver(&cli, &srv, 0);
	flush_q(&cli);
	/* Proven now: the flood goes on, the rest of the exchange completes. */
	for (unsigned i = 0; i < 10; i++)
		inject_first(&srv, i, mm1, len);
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&cli) && only_sa(&cli)->state == IKE_S_READY);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	/* The flood's exchanges age out: nothing left half-open. */
	for (int i = 0; i < 70; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 0);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	pair_close(&cli, &srv);
}

/* After a gateway restart every client starts again at once.  With the
 * default bounds 2,000 of them, each from its own address, are all
 * answered and kept: none is evicted before it can send its next message
 * (an evicted client waits out its whole retransmission cycle), none
 * refused (performance.md, "Reconnect storm"). */
UNIT_TEST(default_bounds_take_a_2000_client_storm)
{
	struct side srv, cli;
	uint8_t mm1[2048];
	size_t len;
	char a[32];
	unsigned sent;

	setup(&srv, &cli, client_main_conf);
	server_reload(&srv, CONF_IKE_POLICY_10);	/* no timers: defaults */
	len = capture_mm1(client_main_conf, mm1, sizeof(mm1));
	sent = srv.sent;
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(a, sizeof(a), "10.90.%u.%u", i / 250, 1 + i % 250);
		now_ms += 1;
		inject_from(&srv, a, mm1, len);
	}
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 2000);
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 2000);
	UNIT_ASSERT_EQ_INT(srv.e->stats.half_open_evicted, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_half_open_full, 0);
	/* After Phase 1 they all wait for XAUTH at once. */
	UNIT_ASSERT(srv.cfg.ike.timers.unauth_max >= 2000);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	pair_close(&cli, &srv);
}

UNIT_TEST(half_open_per_source_limit)
{
	struct side srv, cli;
	const char *conf =
		"crypto isakmp policy 10 {\n encryption aes 256\n hash sha256\n"
		" authentication pre-share\n group 14\n}\n"
		"timers {\n half-open-per-source 2\n half-open-max 100\n}\n";
	uint8_t mm1[2048];
	size_t len;

	setup(&srv, &cli, client_main_conf);
	server_reload(&srv, conf);
	len = capture_mm1(client_main_conf, mm1, sizeof(mm1));
	for (unsigned i = 0; i < 5; i++)
		inject_first(&srv, 0, mm1, len);	/* one source */
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 2);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_source_full, 3);
	inject_first(&srv, 1, mm1, len);		/* another one */
	UNIT_ASSERT_EQ_INT(srv.e->n_half_open, 3);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	pair_close(&cli, &srv);
}

/* MM2 to an address that has not answered is never resent on a timer,
 * and only a few times to retransmitted MM1s: no amplification. */
UNIT_TEST(mm2_to_unproven_source_is_bounded)
{
	struct side srv, cli;
	uint8_t mm1[2048];
	size_t len;
	unsigned sent;

	setup(&srv, &cli, client_main_conf);
	len = capture_mm1(client_main_conf, mm1, sizeof(mm1));
	inject_first(&srv, 7, mm1, len);
	UNIT_ASSERT_EQ_INT(srv.sent, 1);
	sent = srv.sent;
	for (int i = 0; i < 15; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&srv);
	}
	UNIT_ASSERT_EQ_INT(srv.sent, sent);		/* no timer resends */
	UNIT_ASSERT(only_sa(&srv) != NULL);
	/* The same MM1 again (same cookie, same source) five times. */
	for (int i = 0; i < 5; i++) {
		struct ike_path p;

		memset(&p, 0, sizeof(p));
		set_addr(&p.local, "203.0.113.1", 500);
		set_addr(&p.remote, "198.51.100.107", 500);
		now_ms += 2000;
		ike_engine_set_time(srv.e, now_ms);
		ike_engine_input(srv.e, &p, mm1, len);
	}
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 2);
	flush_q(&srv);
	pair_close(&cli, &srv);
}

/* ---- replay and the peer's address ------------------------------------------ */

/* Deliver a queued datagram of from's as if it came from addr:port. */
static void deliver_as(struct side *from, struct side *to, unsigned i,
		       const char *addr, uint16_t port)
{
	struct ike_path rp;

	rp.local = from->q[i].path.remote;
	rp.remote = from->q[i].path.local;
	rp.natt = from->q[i].path.natt;
	set_addr(&rp.remote, addr, port);
	ike_engine_set_time(to->e, now_ms);
	ike_engine_input(to->e, &rp, from->q[i].buf, from->q[i].len);
}

/* The client's R-U-THERE, queued (not delivered). */
static void client_rut(struct side *cli)
{
	uint32_t be = htonl(7);

	flush_q(cli);
	UNIT_ASSERT(info_send_notify(only_sa(cli), ISAKMP_N_R_U_THERE,
				     ISAKMP_PROTO_ISAKMP, NULL, 0, &be, 4) == 0);
	UNIT_ASSERT_EQ_INT(cli->nq, 1);
}

UNIT_TEST(replayed_info_is_ignored_for_the_sa_life)
{
	struct side srv, cli;
	struct pkt saved;
	struct ike_sa *s;
	struct sockaddr_storage before;
	unsigned sent;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY);
	before = s->path.remote;
	client_rut(&cli);
	saved = cli.q[0];
	saved.buf = malloc(saved.len);
	memcpy(saved.buf, cli.q[0].buf, saved.len);
	sent = srv.sent;
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 1);		/* R-U-THERE-ACK */
	/* Long after the exchange (message ids were kept 60 s). */
	idle(&cli, &srv, 70);
	flush_q(&srv);
	sent = srv.sent;
	cli.q[0] = saved;
	cli.nq = 1;
	deliver(&cli, &srv, 0);
	deliver_as(&cli, &srv, 0, "198.51.100.66", 500);
	flush_q(&cli);
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 0);		/* not answered */
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_replay, 2);
	UNIT_ASSERT(only_sa(&srv) == s);
	UNIT_ASSERT(!memcmp(&s->path.remote, &before, sizeof(before)));
	/* A new authenticated message from elsewhere, no NAT-T in use:
	 * answered, and the peer stays where it is. */
	client_rut(&cli);
	deliver_as(&cli, &srv, 0, "198.51.100.66", 500);
	flush_q(&cli);
	UNIT_ASSERT_EQ_INT(srv.sent - sent, 1);
	UNIT_ASSERT(!memcmp(&s->path.remote, &before, sizeof(before)));
	pair_close(&cli, &srv);
}

UNIT_TEST(with_natt_only_a_new_message_moves_the_peer)
{
	struct side srv, cli;
	struct pkt saved;
	struct ike_sa *s;
	char a[64];

	setup(&srv, &cli, "crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	      "peer gw {\n server 203.0.113.1\n group-key natsecret\n"
	      " encryption aes\n key-length 256\n hash sha256\n group 14\n"
	      " transform-set T\n}\n");
	nat_on = true;
	connect_client(&cli);
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY && s->path.natt);
	client_rut(&cli);
	saved = cli.q[0];
	saved.buf = malloc(saved.len);
	memcpy(saved.buf, cli.q[0].buf, saved.len);
	pump(&cli, &srv);
	idle(&cli, &srv, 70);
	/* The replay from another mapping: ignored. */
	cli.q[0] = saved;
	cli.nq = 1;
	deliver_as(&cli, &srv, 0, "198.51.100.99", 41000);
	flush_q(&cli);
	ike_addr_str((struct sockaddr *)&s->path.remote, a, sizeof(a));
	UNIT_ASSERT_EQ_STR(a, "198.51.100.77[34500]");
	/* A new one from a new mapping (the NAT rebooted): followed. */
	client_rut(&cli);
	deliver_as(&cli, &srv, 0, "198.51.100.99", 41000);
	flush_q(&cli);
	ike_addr_str((struct sockaddr *)&s->path.remote, a, sizeof(a));
	UNIT_ASSERT_EQ_STR(a, "198.51.100.99[41000]");
	pair_close(&cli, &srv);
}

/* 24,000 R-U-THEREs with new message ids: no exchange is kept for them,
 * the id memory stops at message-ids-max, the SA stays usable. */
UNIT_TEST(info_flood_keeps_exchanges_bounded)
{
	struct side srv, cli;
	struct ike_sa *s;
	unsigned kept = 0, n0;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY);
	cli.cfg.ike.timers.msgids_max = 1000000;	/* the attacker's end */
	n0 = s->n_xchgs;				/* the quick mode */
	for (unsigned i = 0; i < 24000; i++) {
		client_rut(&cli);
		deliver(&cli, &srv, 0);
		flush_q(&cli);
		flush_q(&srv);
	}
	for (struct ike_xchg *x = s->xchgs; x; x = x->next)
		kept++;
	UNIT_ASSERT(kept <= srv.cfg.ike.timers.exchanges_max);
	UNIT_ASSERT_EQ_INT(s->n_xchgs, n0);
	UNIT_ASSERT(s->ids_n <= srv.cfg.ike.timers.msgids_max);
	UNIT_ASSERT(s->ids_cap <= 2 * 16384);
	UNIT_ASSERT(only_sa(&srv) == s);
	pair_close(&cli, &srv);
}

UNIT_TEST(exchanges_per_sa_are_capped)
{
	struct side srv, cli;
	struct ike_sa *c;
	unsigned n = 0;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->state == IKE_S_READY);
	while (n < 1000 && ike_xchg_new(c, 0, ISAKMP_EXCH_QUICK))
		n++;
	UNIT_ASSERT_EQ_INT(n + c->n_xchgs - n, cli.cfg.ike.timers.exchanges_max);
	UNIT_ASSERT(n <= cli.cfg.ike.timers.exchanges_max);
	UNIT_ASSERT(cli.e->stats.xchg_refused >= 1);
	/* Lookup by id finds each of them. */
	for (struct ike_xchg *x = c->xchgs; x; x = x->next)
		UNIT_ASSERT(ike_xchg_find(c, x->msgid) == x);
	pair_close(&cli, &srv);
}

/* ---- sessions waiting for XAUTH, Phase 2 per session --------------------------- */

static int never_done_begin(struct evs_session *s, void *arg, void **state)
{
	(void)s;
	(void)state;
	return EVS_STEP_RUNNING;
}

static void never_done_end(struct evs_session *s, void **state)
{
	(void)s;
	(void)state;
}

static const struct evs_post_phase1_ops never_done = {
	.name = "never-done",
	.begin = never_done_begin,
	.end = never_done_end,
};

/* Group-key holders that never finish XAUTH hold no more than their
 * share: per source and in all. */
UNIT_TEST(unauthenticated_sessions_are_capped)
{
	struct side srv, cli;

	setup(&srv, &cli, client_main_conf);
	evs_session_register_step(srv.e, &never_done, NULL);
	evs_session_register_step(cli.e, &never_done, NULL);
	srv.cfg.ike.timers.half_open_max = 100;
	srv.cfg.ike.timers.unauth_per_source = 2;
	for (int i = 0; i < 4; i++) {
		connect_client(&cli);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(srv.e->n_unauth, 2);
	UNIT_ASSERT(srv.e->stats.unauth_refused >= 2);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	/* The global bound. */
	srv.cfg.ike.timers.unauth_per_source = 100;
	srv.cfg.ike.timers.unauth_max = 3;
	for (int i = 0; i < 3; i++) {
		connect_client(&cli);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(srv.e->n_unauth, 3);
	UNIT_ASSERT(ike_engine_counts_ok(srv.e));
	pair_close(&cli, &srv);
}

/* Steps belong to the engine they were registered on, and begin() gets
 * what they were registered with: two engines in one process each run
 * their own. */
static int count_begin(struct evs_session *s, void *arg, void **state)
{
	(void)s;
	(void)state;
	*(unsigned *)arg += 1;
	return EVS_STEP_SKIP;
}

static const struct evs_post_phase1_ops counter_step = {
	.name = "counter",
	.begin = count_begin,
};

UNIT_TEST(steps_are_per_engine)
{
	struct side srv, cli;
	unsigned srv_begins = 0;
	struct ike_sa *c, *s;

	setup(&srv, &cli, client_main_conf);
	evs_session_register_step(srv.e, &counter_step, &srv_begins);
	evs_session_register_step(cli.e, &never_done, NULL);
	connect_client(&cli);
	pump_pair(&cli, &srv, &c, &s);
	/* The server ran its counter once and is through its steps; the
	 * client waits in its own never-finishing step, so no quick mode. */
	UNIT_ASSERT_EQ_INT(srv_begins, 1);
	UNIT_ASSERT_EQ_INT(s->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_STEPS);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
	pair_close(&cli, &srv);
}

/* Quick modes for new selectors stop at connections-max per session. */
UNIT_TEST(phase2_connections_per_session_are_capped)
{
	struct side srv, cli;
	struct ike_sa *c, *s;
	unsigned n = 0;

	setup(&srv, &cli, client_main_conf);
	srv.cfg.ike.timers.conns_max = 3;
	connect_client(&cli);
	pump(&cli, &srv);
	c = only_sa(&cli);
	s = only_sa(&srv);
	UNIT_ASSERT(c && s && c->state == IKE_S_READY);
	for (int i = 0; i < 6; i++) {
		struct evs_prefix l = { AF_INET, 32, { 198, 51, 100, 2 } };
		struct evs_prefix r = { AF_INET, 24, { 10, 20, (uint8_t)i, 0 } };

		qm_initiate(c, &l, &r, NULL);
		pump(&cli, &srv);
	}
	for (struct ike_conn *k = s->conns; k; k = k->next)
		n++;
	UNIT_ASSERT_EQ_INT(n, 3);
	pair_close(&cli, &srv);
}

UNIT_TEST(nat_traversal_floats_to_4500)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, &cli, "crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	      "timers {\n nat-keepalive 20\n}\n"
	      "peer gw {\n server 203.0.113.1\n group-key natsecret\n"
	      " encryption aes\n key-length 256\n hash sha256\n group 14\n"
	      " transform-set T\n}\n");
	nat_on = true;
	connect_client(&cli);
	pump_to_ready(&cli, &srv, &c, &s);
	/* The server follows the NAT mapping of the 4500 flow. */
	assert_natt_behind_nat(&cli, &srv, c, s);
	assert_pair(&cli, 0, &srv, 0);
	/* Only the side behind the NAT sends keepalives. */
	for (int i = 0; i < 21; i++)
		tick(&cli, &srv, 1000);
	UNIT_ASSERT(cli.keepalives >= 1);
	UNIT_ASSERT_EQ_INT(srv.keepalives, 0);
	nat_on = false;
	pair_close(&cli, &srv);
}

/* A main-mode pair connected, with probing's one SA running DPD. */
static void dpd_pair_up(struct side *srv, struct side *cli, struct side *probing)
{
	setup(srv, cli, client_main_conf);
	connect_client(cli);
	pump(cli, srv);
	UNIT_ASSERT(only_sa(probing) && only_sa(probing)->dpd);
}

UNIT_TEST(dpd_detects_dead_peer)
{
	struct side srv, cli;
	uint64_t t0;

	dpd_pair_up(&srv, &cli, &cli);
	/* A live peer answers R-U-THERE: nothing happens for a minute. */
	for (int i = 0; i < 60; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT(only_sa(&cli) && only_sa(&srv));
	UNIT_ASSERT_EQ_INT(cli.n_kdel + srv.n_kdel, 0);
	/* The server dies: the client removes the connection within
	 * interval + retries * 5 s (+ a tick). */
	t0 = now_ms;
	while (only_sa(&cli) && now_ms - t0 < 60000) {
		tick(&cli, &srv, 250);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT(only_sa(&cli) == NULL);
	UNIT_ASSERT_EQ_INT(cli.n_kdel, 1);
	UNIT_ASSERT(now_ms - t0 <= (10 + 3 * 5 + 1) * 1000);
	UNIT_ASSERT_EQ_INT(cli.e->stats.dpd_dead, 1);
	pair_close(&cli, &srv);
}

/* Everything from's queue to to, once (their answers stay queued). */
static void deliver_queue(struct side *from, struct side *to)
{
	struct pkt q[QMAX];
	unsigned n = from->nq;

	memcpy(q, from->q, sizeof(q[0]) * n);
	from->nq = 0;
	for (unsigned i = 0; i < n; i++) {
		redeliver(&q[i], from->name, to);
		free(q[i].buf);
	}
}

/* A slow peer: every message of the server's reaches the client 6 s
 * late, after the client's next probe, so each R-U-THERE-ACK names an
 * older sequence than the latest probe.  Anything authenticated from the
 * peer since the first unanswered probe shows it alive: neither side is
 * declared dead (before, the client counted only the ACK of its latest
 * probe and dropped the session after 25 s). */
UNIT_TEST(dpd_late_answers_keep_a_slow_peer)
{
	static struct side hold[7];
	struct side srv, cli;

	dpd_pair_up(&srv, &cli, &cli);
	for (int i = 0; i < 120; i++) {
		struct side *in = &hold[i % 7], *out = &hold[(i + 1) % 7];

		tick(&cli, &srv, 1000);
		deliver_queue(&cli, &srv);
		memcpy(in->q, srv.q, sizeof(srv.q[0]) * srv.nq);
		in->nq = srv.nq;
		in->name = srv.name;
		srv.nq = 0;
		if (out->nq)
			deliver_queue(out, &cli);
	}
	UNIT_ASSERT(cli.e->stats.rx > 10);
	UNIT_ASSERT_EQ_INT(cli.e->stats.dpd_dead, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 0);
	UNIT_ASSERT(only_sa(&cli) && only_sa(&srv));
	UNIT_ASSERT_EQ_INT(cli.n_kdel + srv.n_kdel, 0);
	for (int i = 0; i < 7; i++)
		flush_q(&hold[i]);
	pair_close(&cli, &srv);
}

/* Appends everything in from's queue to hold (unread input). */
static void hold_queue(struct side *from, struct side *hold)
{
	UNIT_ASSERT(hold->nq + from->nq <= QMAX);
	memcpy(&hold->q[hold->nq], from->q, sizeof(from->q[0]) * from->nq);
	hold->nq += from->nq;
	hold->name = from->name;
	from->nq = 0;
}

/* A gateway behind on its input (a reconnect storm under TCG queued 5 MB
 * on port 500) holds its peers' R-U-THERE-ACKs unread: it must not call
 * them dead for answers sitting in its own queue.  The verdict waits until
 * the input is read up to the time the probes ran out; a peer that is
 * really dead dies when that is so, and at the latest after
 * IKE_DPD_BACKLOG_MAX_MS of a queue that never empties. */
UNIT_TEST(dpd_waits_for_the_gateways_own_backlog)
{
	static struct side hold;
	struct side srv, cli;
	uint64_t t0;

	dpd_pair_up(&srv, &cli, &srv);
	/* The client goes on answering; the gateway stops reading at t0.  Its
	 * probes run out 25 s later; the client, hearing them, probes only
	 * from 30 s on (and, unanswered, would give up at 45 s). */
	t0 = now_ms;
	hold.nq = 0;
	for (int i = 0; i < 35; i++) {
		tick(&cli, &srv, 1000);
		ike_engine_input_read_until(srv.e, t0);
		ike_engine_tick(srv.e);
		hold_queue(&cli, &hold);
		deliver_queue(&srv, &cli);
	}
	UNIT_ASSERT(hold.nq >= 3);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 0);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_backlog_waits, 1);
	UNIT_ASSERT(only_sa(&srv) != NULL);
	/* The backlog is read: the late answers show the client alive. */
	deliver_queue(&hold, &srv);
	ike_engine_input_read_until(srv.e, now_ms);
	for (int i = 0; i < 30; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 0);
	UNIT_ASSERT(only_sa(&srv) && only_sa(&cli));
	/* The client dies while the gateway's input is up to date: dead
	 * within the usual interval + retries * 5 s. */
	t0 = now_ms;
	while (only_sa(&srv) && now_ms - t0 < 60000) {
		tick(&cli, &srv, 250);
		ike_engine_input_read_until(srv.e, now_ms);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT(now_ms - t0 <= (10 + 3 * 5 + 1) * 1000);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 1);
	pair_close(&cli, &srv);
}

/* A queue that never empties (a flood) delays the verdict on a dead peer
 * by IKE_DPD_BACKLOG_MAX_MS at most. */
UNIT_TEST(dpd_backlog_wait_is_bounded)
{
	struct side srv, cli;
	uint64_t t0;

	dpd_pair_up(&srv, &cli, &srv);
	t0 = now_ms;
	while (only_sa(&srv) && now_ms - t0 < 300000) {
		tick(&cli, &srv, 1000);
		ike_engine_input_read_until(srv.e, t0);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT(now_ms - t0 >= IKE_DPD_BACKLOG_MAX_MS);
	UNIT_ASSERT(now_ms - t0 <= (10 + 3 * 5 + 2) * 1000 + IKE_DPD_BACKLOG_MAX_MS);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 1);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_backlog_waits, 1);
	pair_close(&cli, &srv);
}

/* No R-U-THERE for a session with nothing installed yet (between mode
 * config and the first quick mode: vpnc drops its session on one). */
UNIT_TEST(dpd_waits_for_the_first_connection)
{
	struct side srv, cli;
	struct ike_sa *sa;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	sa = only_sa(&srv);
	UNIT_ASSERT(sa && sa->dpd && sa->conns);
	for (struct ike_conn *c = sa->conns; c; c = c->next)
		c->installed = false;
	srv.sent = 0;
	for (int i = 0; i < 60; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT_EQ_INT(srv.sent, 0);
	UNIT_ASSERT(only_sa(&srv) == sa);
	/* installed: the silent peer is probed */
	for (struct ike_conn *c = sa->conns; c; c = c->next)
		c->installed = true;
	for (int i = 0; i < 12; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT(srv.sent >= 1);
	pair_close(&cli, &srv);
}

UNIT_TEST(phase2_rekey_replaces_pair)
{
	struct side srv, cli;
	struct ike_sa *c;
	uint32_t old_in;
	uint64_t t0;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->conns);
	old_in = c->conns->spi_in;
	/* The kernel says soft expiry for the outbound SA. */
	ike_engine_sa_expired(cli.e, c->conns->spi_out, EVS_DIR_OUT, false);
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 2);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
	assert_pair(&cli, 1, &srv, 1);
	UNIT_ASSERT(!cli.kadd[1].c.new_conn);
	UNIT_ASSERT_EQ_INT(cli.kadd[1].c.conn_id, cli.kadd[0].c.conn_id);
	UNIT_ASSERT_EQ_INT(cli.kadd[1].c.old_spi_in, old_in);
	UNIT_ASSERT_EQ_INT(c->conns->old_spi_in, old_in);
	/* The rekeying side keeps sending on the old pair until the
	 * responder surely has the new one (QM3), then switches; the
	 * responder switches at once. */
	UNIT_ASSERT(cli.kadd[1].c.defer_out);
	UNIT_ASSERT(!srv.kadd[1].c.defer_out);
	UNIT_ASSERT_EQ_INT(cli.out_switched, 0);
	tick(&cli, &srv, 1000);
	UNIT_ASSERT_EQ_INT(cli.out_switched, cli.kadd[1].c.spi_out);
	/* After the grace period the old pair goes, with a delete notify
	 * that makes the server drop its old pair too. */
	for (int i = 0; i < 4; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(cli.n_kdel_sas, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kdel_sas, 1);
	UNIT_ASSERT_EQ_INT(c->conns->old_spi_in, 0);
	UNIT_ASSERT_EQ_INT(cli.n_kdel + srv.n_kdel, 0);
	/* The timer rekeys too, before the kernel's soft expiry. */
	t0 = now_ms;
	for (int i = 0; i < 1800 && cli.n_kadd < 3; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 3);
	UNIT_ASSERT(now_ms - t0 < (uint64_t)cli.kadd[1].c.soft_secs * 1000);
	pair_close(&cli, &srv);
}

/* The client rekeys: its QM1 reaches the server, which answers with QM2
 * and adds the new pair alone (sas_only); the client's QM3 is still on
 * its way.  Returns the server's SA; *old_in: its inbound SPI before. */
static struct ike_sa *rekey_until_qm2(struct side *cli, struct side *srv, uint32_t *old_in)
{
	struct ike_sa *c, *s;

	connect_client(cli);
	pump(cli, srv);
	c = only_sa(cli);
	s = only_sa(srv);
	UNIT_ASSERT(c && c->conns && s && s->conns);
	ike_engine_sa_expired(cli->e, c->conns->spi_out, EVS_DIR_OUT, false);
	UNIT_ASSERT_EQ_INT(cli->nq, 1);
	*old_in = s->conns->spi_in;
	deliver(cli, srv, 0);		/* QM1 */
	flush_q(cli);
	UNIT_ASSERT_EQ_INT(srv->nq, 1);
	UNIT_ASSERT_EQ_INT(srv->n_kadd, 2);
	UNIT_ASSERT(srv->kadd[1].c.sas_only);
	/* in the kernel before QM2 was sent */
	UNIT_ASSERT_EQ_INT(srv->kadd_at_send, 2);
	return s;
}

/* A rekey's initiator (strongSwan) sends on its new pair once QM2 is in,
 * before our QM3 is read: the responder's new pair goes into the kernel
 * with QM2, its policies stay on the current pair until QM3 (the kernel
 * takes a connection's packets on any of its inbound SAs). */
UNIT_TEST(responder_rekey_adds_the_pair_with_qm2)
{
	struct side srv, cli;
	struct ike_sa *s;
	uint32_t old_in;

	setup(&srv, &cli, client_main_conf);
	s = rekey_until_qm2(&cli, &srv, &old_in);
	UNIT_ASSERT(!srv.kadd[1].c.new_conn);
	UNIT_ASSERT_EQ_INT(srv.kadd[1].c.conn_id, s->conns->id);
	UNIT_ASSERT_EQ_INT(srv.kadd[1].c.old_spi_in, old_in);
	UNIT_ASSERT_EQ_INT(s->conns->spi_in, old_in);	/* not yet its own */
	deliver(&srv, &cli, 0);		/* QM2: the client installs, sends QM3 */
	flush_q(&srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 2);
	assert_pair(&cli, 1, &srv, 1);
	UNIT_ASSERT_EQ_INT(cli.nq, 1);
	deliver(&cli, &srv, 0);		/* QM3: the policies move */
	flush_q(&cli);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
	UNIT_ASSERT(!srv.kadd[1].c.sas_only && srv.kadd[1].c.policies_only);
	UNIT_ASSERT_EQ_INT(s->conns->spi_in, srv.kadd[1].c.spi_in);
	UNIT_ASSERT_EQ_INT(s->conns->old_spi_in, old_in);
	UNIT_ASSERT_EQ_INT(srv.n_kdel_sas, 0);
	pair_close(&cli, &srv);
}

/* QM3 never comes: the pair added with QM2 leaves the kernel when the
 * exchange gives up, and the connection stays on its current pair. */
UNIT_TEST(responder_rekey_pair_without_qm3_is_deleted)
{
	struct side srv, cli;
	struct ike_sa *s;
	uint32_t old_in;

	setup(&srv, &cli, client_main_conf);
	s = rekey_until_qm2(&cli, &srv, &old_in);
	flush_q(&srv);			/* QM2 lost, and every retransmission */
	for (int i = 0; i < 300 && !srv.n_kdel_sas; i++) {
		tick(&cli, &srv, 1000);
		flush_q(&srv);
		flush_q(&cli);
	}
	UNIT_ASSERT_EQ_INT(srv.n_kdel_sas, 1);
	UNIT_ASSERT_EQ_INT(srv.kdel_sas_in, srv.kadd[1].c.spi_in);
	UNIT_ASSERT(srv.kadd[1].c.sas_only);
	UNIT_ASSERT(only_sa(&srv) == s && s->conns);
	UNIT_ASSERT_EQ_INT(s->conns->spi_in, old_in);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 0);
	pair_close(&cli, &srv);
}

UNIT_TEST(phase1_renewal_adopts_connections)
{
	struct side srv, cli;
	struct ike_sa *c;
	uint32_t conn;
	unsigned n;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->conns);
	conn = c->conns->id;
	c->rekey_at = now_ms;		/* Phase 1 renewal is due */
	ike_sa_rearm(c);
	tick(&cli, &srv, 10);
	pump(&cli, &srv);
	/* A second ISAKMP SA; the connection moved to it and was rekeyed on
	 * both sides, without a second kernel connection. */
	n = 0;
	for (struct ike_sa *sa = cli.e->sas; sa; sa = sa->next)
		n += sa->state == IKE_S_READY;
	UNIT_ASSERT_EQ_INT(n, 2);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 2);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
	UNIT_ASSERT(!cli.kadd[1].c.new_conn);
	UNIT_ASSERT(!srv.kadd[1].c.new_conn);
	UNIT_ASSERT_EQ_INT(cli.kadd[1].c.conn_id, conn);
	assert_pair(&cli, 1, &srv, 1);
	/* The old ISAKMP SA goes a little later, the connection stays. */
	for (int i = 0; i < 12; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT(only_sa(&cli) && only_sa(&srv));
	UNIT_ASSERT(only_sa(&cli) != c);
	UNIT_ASSERT(only_sa(&cli)->conns && only_sa(&srv)->conns);
	UNIT_ASSERT_EQ_INT(cli.n_kdel + srv.n_kdel, 0);
	pair_close(&cli, &srv);
}

UNIT_TEST(hard_expiry_removes_connection)
{
	struct side srv, cli;
	struct ike_sa *s;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->conns);
	ike_engine_sa_expired(srv.e, s->conns->spi_in, EVS_DIR_IN, true);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT(s->conns == NULL);
	pump(&cli, &srv);		/* the delete reaches the client */
	UNIT_ASSERT_EQ_INT(cli.n_kdel, 1);
	pair_close(&cli, &srv);
}

/* A kernel expiry names a direction and an SPI.  An outbound SPI is the
 * peer's choice, so it may equal another connection's inbound SPI: the
 * event must act on the connection whose SA it is, never on the other
 * (issue 10, item 12). */
UNIT_TEST(expiry_acts_on_the_connection_of_that_direction_and_spi)
{
	struct side srv, cli;
	struct sockaddr_storage local2;
	struct ike_sa *a = NULL, *b = NULL;
	uint32_t a_in;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	set_addr(&local2, "198.51.100.3", 500);
	UNIT_ASSERT(ike_engine_connect(cli.e, &cli.cfg.ike.peers[0], &local2));
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
	/* a: the server's SA listed first, b: the other */
	for (struct ike_sa *sa = srv.e->sas; sa; sa = sa->next) {
		if (sa->state != IKE_S_READY || !sa->conns)
			continue;
		if (!a)
			a = sa;
		else
			b = sa;
	}
	UNIT_ASSERT(a && b);
	/* a's peer chose b's inbound SPI as its own inbound SPI, which is
	 * a's outbound SPI on the server (the kernel keys by direction). */
	a->conns->spi_out = b->conns->spi_in;
	a_in = a->conns->spi_in;
	/* b's inbound SA expires: b's connection goes, a's stays */
	ike_engine_sa_expired(srv.e, b->conns->spi_in, EVS_DIR_IN, true);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT(b->conns == NULL);
	UNIT_ASSERT(a->conns != NULL);
	/* an outbound expiry with a's inbound SPI names no SA of ours */
	ike_engine_sa_expired(srv.e, a_in, EVS_DIR_OUT, true);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT(a->conns != NULL);
	/* the right one does remove it */
	ike_engine_sa_expired(srv.e, a_in, EVS_DIR_IN, true);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 2);
	UNIT_ASSERT(a->conns == NULL);
	pair_close(&cli, &srv);
}

/* The SPI index holds every connection's current and replaced pair
 * through rekeys and Phase 1 renewals, and nothing after they go. */
UNIT_TEST(spi_index_follows_rekey_renewal_and_removal)
{
	struct side srv, cli;
	struct ike_sa *c;
	struct ike_conn *k;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->conns);
	k = c->conns;
	UNIT_ASSERT(conn_by_spi(cli.e, EVS_DIR_IN, k->spi_in) == k);
	UNIT_ASSERT(conn_by_spi(cli.e, EVS_DIR_OUT, k->spi_out) == k);
	UNIT_ASSERT(conn_by_spi(cli.e, EVS_DIR_OUT, k->spi_in) == NULL);
	ike_engine_sa_expired(cli.e, k->spi_out, EVS_DIR_OUT, false);
	pump(&cli, &srv);
	UNIT_ASSERT(k->old_spi_in);
	UNIT_ASSERT(conn_by_spi(cli.e, EVS_DIR_IN, k->old_spi_in) == k);
	UNIT_ASSERT(conn_by_spi(cli.e, EVS_DIR_IN, k->spi_in) == k);
	UNIT_ASSERT_EQ_INT(cli.e->spis.n, 4);
	for (int i = 0; i < 5; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT_EQ_INT(k->old_spi_in, 0);
	UNIT_ASSERT_EQ_INT(cli.e->spis.n, 2);
	UNIT_ASSERT_EQ_INT(srv.e->spis.n, 2);
	/* Phase 1 renewal moves the connection to the new ISAKMP SA */
	c->rekey_at = now_ms;
	ike_sa_rearm(c);
	tick(&cli, &srv, 10);
	pump(&cli, &srv);
	for (int i = 0; i < 12; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	c = only_sa(&cli);
	UNIT_ASSERT(c && c->conns);
	k = c->conns;
	UNIT_ASSERT(k->sa == c);
	UNIT_ASSERT(conn_by_spi(cli.e, EVS_DIR_IN, k->spi_in) == k);
	ike_engine_shutdown(cli.e);
	UNIT_ASSERT_EQ_INT(cli.e->spis.n, 0);
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(srv.e->spis.n, 0);
	pair_close(&cli, &srv);
}

/* ---- malformed input --------------------------------------------------------- */

static struct ike_path srv_path(void)
{
	struct ike_path p;

	memset(&p, 0, sizeof(p));
	set_addr(&p.local, "203.0.113.1", 500);
	set_addr(&p.remote, "198.51.100.9", 500);
	return p;
}

UNIT_TEST(malformed_headers_are_dropped_and_counted)
{
	struct side srv, cli;
	struct ike_path p = srv_path();
	uint8_t m[64];
	uint64_t before;

	setup(&srv, &cli, client_main_conf);
	before = srv.e->stats.rx_malformed;
	ike_engine_input(srv.e, &p, m, 0);
	ike_engine_input(srv.e, &p, m, 27);
	memset(m, 0, sizeof(m));
	ike_engine_input(srv.e, &p, m, 28);			/* zero cookie */
	m[0] = 1;
	m[17] = 0x20;						/* version 2 */
	ike_engine_input(srv.e, &p, m, 28);
	m[17] = 0x10;
	m[18] = 99;						/* exchange */
	m[27] = 28;
	ike_engine_input(srv.e, &p, m, 28);
	m[18] = 2;
	m[19] = 0x80;						/* flags */
	ike_engine_input(srv.e, &p, m, 28);
	m[19] = 0;
	m[27] = 60;						/* length */
	ike_engine_input(srv.e, &p, m, 28);
	m[27] = 32;						/* payload overrun */
	m[16] = 1;
	m[28] = 0;
	m[30] = 0;
	m[31] = 40;
	ike_engine_input(srv.e, &p, m, 32);
	UNIT_ASSERT_EQ_INT(srv.e->stats.rx_malformed - before, 8);
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.sent, 0);	/* never answered */
	pair_close(&cli, &srv);
}

/* Record every datagram of a full exchange, then replay each one
 * truncated, bit-flipped and byte-mutated into fresh engines at every
 * stage: no crash (ASan/UBSan watch), nothing installed that should not
 * be. */
UNIT_TEST(mutated_messages_never_crash)
{
	struct side srv, cli;
	struct pkt rec[32];
	unsigned nrec = 0;
	uint32_t seed = 12345;

	setup(&srv, &cli, client_main_conf);
	recorder = rec;
	n_recorded = 0;
	max_recorded = 32;
	connect_client(&cli);
	pump(&cli, &srv);
	/* Some informational traffic too: DPD and a rekey. */
	for (int i = 0; i < 15; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	ike_engine_sa_expired(cli.e, only_sa(&cli)->conns->spi_out, EVS_DIR_OUT,
			      false);
	pump(&cli, &srv);
	recorder = NULL;
	nrec = n_recorded;
	UNIT_ASSERT(nrec >= 6);
	/* Feed mutations of every recorded message to both engines, which
	 * hold live SAs whose cookies the messages carry. */
	for (unsigned r = 0; r < nrec; r++) {
		for (int v = 0; v < 200; v++) {
			uint8_t buf[2048];
			size_t len = rec[r].len < sizeof(buf) ? rec[r].len : sizeof(buf);
			struct ike_path p;

			memcpy(buf, rec[r].buf, len);
			seed = seed * 1103515245 + 12345;
			switch (v % 4) {
			case 0:
				len = seed % (len + 1);
				break;
			case 1:
				buf[(seed >> 8) % len] ^= (uint8_t)(1u << (seed % 8));
				break;
			case 2:
				for (int k = 0; k < 4; k++) {
					seed = seed * 1103515245 + 12345;
					buf[(seed >> 8) % len] = (uint8_t)(seed >> 16);
				}
				break;
			case 3:
				/* Keep the header, scramble a length field in the body. */
				if (len > 31)
					buf[28 + 2 + (seed % 2)] = (uint8_t)(seed >> 12);
				break;
			}
			p.local = rec[r].path.remote;
			p.remote = rec[r].path.local;
			p.natt = rec[r].path.natt;
			ike_engine_input(srv.e, &p, buf, len);
			ike_engine_input(cli.e, &p, buf, len);
			flush_q(&srv);
			flush_q(&cli);
		}
	}
	/* The established pair survived the noise. */
	UNIT_ASSERT(only_sa(&cli) && only_sa(&cli)->state == IKE_S_READY);
	UNIT_ASSERT(srv.e->stats.rx_malformed + srv.e->stats.rx_dup +
		    srv.e->stats.rx_unknown_sa > 100);
	for (unsigned r = 0; r < nrec; r++)
		free(rec[r].buf);
	pair_close(&cli, &srv);
}

/* ---- who gets Phase 2 (server role) ------------------------------------------ */

/* The server's configuration with other keys. */
static char *server_conf_with(const char *keys)
{
	static char buf[2048];
	const char *k = strstr(server_conf, "\t/* site"), *end;

	(void)k;
	end = strstr(server_conf, "crypto isakmp key");
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(end - server_conf), server_conf, keys,
		 strstr(server_conf, "crypto ipsec transform-set"));
	return buf;
}

static struct ike_sa *connect_from(struct side *cli, const char *addr, uint16_t port)
{
	struct sockaddr_storage local;

	set_addr(&local, addr, port);
	return ike_engine_connect(cli->e, &cli->cfg.ike.peers[0], &local);
}

UNIT_TEST(address_key_without_xauth_gets_no_quick_mode)
{
	static const char *const claims[] = {
		"",					/* its outer address */
		"    local-network 10.77.1.10/32\n",	/* another user's address */
	};

	for (unsigned i = 0; i < 2; i++) {
		struct side srv, cli;
		char conf[1024];

		/* client_main_conf with a local network in its peer block */
		snprintf(conf, sizeof(conf), "%.*s%s}\n",
			 (int)(strrchr(client_main_conf, '}') - client_main_conf),
			 client_main_conf, claims[i]);
		/* `crypto isakmp key K address A`: remote access, so XAUTH */
		setup_conf(&srv, server_conf_with("crypto isakmp key mainsecret address "
						  "198.51.100.0/24\n"), &cli, conf);
		connect_client(&cli);
		pump(&cli, &srv);
		for (int t = 0; t < 5; t++) {
			tick(&cli, &srv, 1000);
			pump(&cli, &srv);
		}
		/* Phase 1 with plain pre-share (no XAUTH offered) succeeds, but
		 * no quick mode does: nothing reaches either kernel. */
		UNIT_ASSERT_EQ_INT(srv.e->stats.p1_ok, 1);
		UNIT_ASSERT(srv.e->stats.p2_failed >= 1);
		UNIT_ASSERT_EQ_INT(srv.e->stats.p2_ok, 0);
		UNIT_ASSERT_EQ_INT(srv.n_kadd, 0);
		UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
		pair_close(&cli, &srv);
	}
}

UNIT_TEST(no_xauth_key_binds_quick_mode_to_its_selectors)
{
	static const char *const keys[] = {
		/* the client's outer address is not in remote-network */
		"crypto isakmp key mainsecret address 198.51.100.0/24 no-xauth {\n"
		"    local-network 0.0.0.0/0\n    remote-network 10.9.9.0/24\n}\n",
		/* it asks for 0.0.0.0/0 of our side: not in local-network */
		"crypto isakmp key mainsecret address 198.51.100.0/24 no-xauth {\n"
		"    local-network 192.168.77.0/24\n    remote-network 198.51.100.0/24\n}\n",
		/* within both: up */
		"crypto isakmp key mainsecret address 198.51.100.0/24 no-xauth {\n"
		"    remote-network 198.51.100.2/32\n    local-network 0.0.0.0/0\n}\n",
	};

	for (unsigned i = 0; i < 3; i++) {
		struct side srv, cli;

		setup_conf(&srv, server_conf_with(keys[i]), &cli, client_main_conf);
		connect_client(&cli);
		pump(&cli, &srv);
		UNIT_ASSERT(only_sa(&srv) && only_sa(&srv)->site);
		UNIT_ASSERT_EQ_INT(srv.n_kadd, i == 2 ? 1 : 0);
		UNIT_ASSERT_EQ_INT(cli.n_kadd, i == 2 ? 1 : 0);
		pair_close(&cli, &srv);
	}
}

/* Loading text fails with needle in the message (file:line: reason). */
static void expect_conf_error(const char *text, const char *needle)
{
	struct ike_conf cfg;
	struct evs_err err;
	char *path = unit_tmpfile(text);

	UNIT_ASSERT(ike_conf_load(path, &cfg, &err) < 0);
	UNIT_ASSERT(strstr(err.msg, needle));
	unlink(path);
	free(path);
}

UNIT_TEST(no_xauth_key_needs_selectors)
{
	expect_conf_error("crypto isakmp key k address 198.51.100.0/24 no-xauth\n",
			  ":1: a no-xauth (site-to-site) key needs its selectors");
	expect_conf_error("crypto isakmp key k address 198.51.100.0/24 no-xauth {\n"
			  "    local-network 10.0.0.0/8\n}\n", ":1: a no-xauth");
	expect_conf_error("crypto isakmp key k address 198.51.100.0/24 {\n"
			  "    local-network 10.0.0.0/8\n}\n",
			  ":1: only a no-xauth key has a block");
	expect_conf_error("crypto isakmp key k address 198.51.100.0/24 no-xauth {\n"
			  "    local-network 10.0.0.0/8\n    remote-network 10.1.0.1/16\n}\n",
			  ":3: '10.1.0.1/16' has host bits set");
	expect_conf_error("crypto isakmp key k address 198.51.100.0/24 xauth\n",
			  ":1: unknown key option 'xauth'");
}

/* Aggressive mode sends HASH_R before the peer proved anything: under an
 * address key that would hand the key to anyone for an offline attack. */
UNIT_TEST(aggressive_mode_address_identity_gets_no_hash_under_address_key)
{
	static const char *const keys[] = {
		"crypto isakmp key mainsecret address 198.51.100.0/24\n",
		"crypto isakmp key mainsecret address 198.51.100.0/24 aggressive\n",
	};

	for (unsigned i = 0; i < 2; i++) {
		struct side srv, cli;
		struct ike_peer *p;

		setup_conf(&srv, server_conf_with(keys[i]), &cli,
			   "crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
			   "peer gw {\n server 203.0.113.1\n mode aggressive\n"
			   " group-name x\n group-key mainsecret\n encryption aes\n"
			   " key-length 256\n hash sha256\n group 14\n transform-set T\n}\n");
		/* the client's identity: its address (ID_IPV4_ADDR), not a group */
		p = &cli.cfg.ike.peers[0];
		p->ident = IKE_IDENT_ADDRESS;
		p->ident_value[0] = '\0';
		p->group_name[0] = '\0';
		login_user = "alice";
		connect_client(&cli);
		pump(&cli, &srv);
		UNIT_ASSERT(srv.e->sas && srv.e->sas->peer_id.type == ISAKMP_ID_IPV4_ADDR);
		if (i == 0) {
			/* HASH_R was made with a random key: the client cannot
			 * verify it and the server never establishes */
			UNIT_ASSERT_EQ_INT(cli.e->stats.p1_ok, 0);
			UNIT_ASSERT_EQ_INT(srv.e->stats.p1_ok, 0);
			UNIT_ASSERT(only_sa(&cli) == NULL ||
				    only_sa(&cli)->state != IKE_S_READY);
		} else {
			/* a key marked `aggressive` answers */
			UNIT_ASSERT_EQ_INT(cli.e->stats.p1_ok, 1);
			UNIT_ASSERT_EQ_INT(srv.e->stats.p1_ok, 1);
			UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);
		}
		pair_close(&cli, &srv);
	}
}

/* Two users behind one NAT with the same group (aggressive mode: the
 * identity is only the group's name) and the same selectors (no mode
 * config here: the NAT's address): the second must not take over the
 * first's connection; only the same user from the same address and port
 * (a renewed Phase 1: phase1_renewal_adopts_connections) does.  (From the
 * same port a new client's INITIAL-CONTACT ends the first SA anyway.) */
UNIT_TEST(second_user_behind_the_same_nat_takes_nothing_over)
{
	static const struct {
		const char *user;
		uint16_t port;
	} cases[] = {
		{ "bob", 4500 },		/* another user, another NAT port */
		{ "alice", 4500 },	/* the same user from elsewhere */
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct side srv, cli, cli2;
		struct ike_sa *first;
		uint32_t conn;

		setup(&srv, &cli, client_aggr_conf);
		login_user = "alice";
		connect_from(&cli, "198.51.100.2", 500);
		pump(&cli, &srv);
		first = only_sa(&srv);
		UNIT_ASSERT(first && first->conns);
		conn = first->conns->id;
		UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);

		side_init(&cli2, "client", client_aggr_conf, EVS_ROLE_CLIENT);
		login_user = cases[i].user;
		connect_from(&cli2, "198.51.100.2", cases[i].port);
		pump(&cli2, &srv);
		UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
		UNIT_ASSERT(srv.kadd[1].c.new_conn);
		UNIT_ASSERT(srv.kadd[1].c.conn_id != conn);
		UNIT_ASSERT(first->state == IKE_S_READY && first->conns &&
			    first->conns->id == conn);
		pair_close(&cli2, &cli);
		side_close(&srv);
	}
}

/* An Easy VPN client that probes too (so the gateway's SAs run DPD). */
static const char client_aggr_dpd_conf[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n    dpd-interval 10\n}\n"
	CONF_PEER_GW_AGGRESSIVE;

/* The gateway's live SAs. */
static unsigned live_sas(const struct side *s)
{
	unsigned n = 0;

	for (const struct ike_sa *sa = s->e->sas; sa; sa = sa->next)
		n += sa->state != IKE_S_DEAD;
	return n;
}

/* The client renews Phase 1 (no INITIAL-CONTACT: it holds the old SA)
 * and logs in as user, but its quick modes never arrive: libreswan
 * re-authenticates so.  The gateway's newer SA. */
static struct ike_sa *renew_without_quick_mode(struct side *cli, struct side *srv,
					       const struct ike_sa *first, const char *user)
{
	struct ike_sa *c = only_sa(cli);

	UNIT_ASSERT(c);
	login_user = user;
	cli->drop_exch = ISAKMP_EXCH_QUICK;
	c->rekey_at = now_ms;
	ike_sa_rearm(c);
	tick(cli, srv, 10);
	pump(cli, srv);
	UNIT_ASSERT_EQ_INT(live_sas(srv), 2);
	for (struct ike_sa *sa = srv->e->sas; sa; sa = sa->next)
		if (sa != first && sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

/* alice's session up with its connection (*conn): the gateway's SA. */
static struct ike_sa *alice_connected(struct side *srv, struct side *cli, uint32_t *conn)
{
	struct ike_sa *first;

	setup(srv, cli, client_aggr_dpd_conf);
	login_user = "alice";
	connect_client(cli);
	pump(cli, srv);
	first = only_sa(srv);
	UNIT_ASSERT(first && first->conns && first->conns->installed && first->dpd);
	*conn = first->conns->id;
	return first;
}

/* The lifetime of the gateway's SA sa ends (and two seconds pass). */
static void expire(struct side *cli, struct side *srv, struct ike_sa *sa)
{
	sa->expire_at = now_ms + 1000;
	ike_sa_rearm(sa);
	for (int i = 0; i < 2; i++) {
		tick(cli, srv, 1000);
		pump(cli, srv);
	}
}

/* The renewal carries the session on: the connection moves to the newer
 * SA when it is ready, outlives the older one's lifetime, and the newer
 * one probes the peer (DPD) for it. */
UNIT_TEST(reauth_without_quick_mode_keeps_the_connections)
{
	struct side srv, cli;
	struct ike_sa *first, *second;
	uint32_t conn;
	uint64_t t0;

	first = alice_connected(&srv, &cli, &conn);
	second = renew_without_quick_mode(&cli, &srv, first, "alice");
	UNIT_ASSERT(second->state == IKE_S_READY && second->dpd);
	UNIT_ASSERT(second->conns && second->conns->id == conn && !second->conns->next);
	UNIT_ASSERT(!first->conns && first->replaced);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 1);

	expire(&cli, &srv, first);
	UNIT_ASSERT(only_sa(&srv) == second);
	UNIT_ASSERT(second->conns && second->conns->id == conn);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 0);

	/* a live peer answers R-U-THERE on the newer SA ... */
	idle(&cli, &srv, 60);
	UNIT_ASSERT(only_sa(&srv) == second && second->conns);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 0);
	/* ... a silent one is found dead, and the connection goes */
	t0 = now_ms;
	while (only_sa(&srv) && now_ms - t0 < 60000) {
		tick(&cli, &srv, 250);
		flush_q(&cli);
		flush_q(&srv);
	}
	UNIT_ASSERT(!only_sa(&srv));
	UNIT_ASSERT(now_ms - t0 <= (10 + 3 * 5 + 1) * 1000);
	UNIT_ASSERT_EQ_INT(srv.e->stats.dpd_dead, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT_EQ_INT(srv.kdel[0], conn);
	pair_close(&cli, &srv);
}

/* A session is carried on only by the same user's renewal: an SA from the
 * same address and port that logged in as another user, or that holds
 * the (shared) group key but did not log in, takes nothing -- neither
 * when it is ready nor when the older SA's lifetime ends. */
UNIT_TEST(reauth_of_another_user_or_without_login_takes_nothing)
{
	static const char *const users[] = { "bob", NULL };

	for (unsigned i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		struct side srv, cli;
		struct ike_sa *first, *second;
		uint32_t conn;

		first = alice_connected(&srv, &cli, &conn);
		second = renew_without_quick_mode(&cli, &srv, first, users[i]);
		UNIT_ASSERT(second->state == IKE_S_READY);
		UNIT_ASSERT_EQ_INT(second->authorized, users[i] != NULL);
		UNIT_ASSERT(!second->conns && !second->replaced);
		UNIT_ASSERT(first->conns && first->conns->id == conn && !first->replaced);

		expire(&cli, &srv, first);
		UNIT_ASSERT(only_sa(&srv) == second && !second->conns);
		/* left to its own lifetime in the kernel, as before */
		UNIT_ASSERT_EQ_INT(srv.n_kdel, 0);
		pair_close(&cli, &srv);
	}
}

UNIT_MAIN()

/* text with every "from" replaced by "to" (malloc'd). */
static char *replaced(const char *text, const char *from, const char *to)
{
	size_t n = strlen(text) + 1, fl = strlen(from), tl = strlen(to);
	char *out, *o;

	for (const char *p = strstr(text, from); p; p = strstr(p + fl, from))
		n += tl;
	out = o = malloc(n);
	UNIT_ASSERT(out);
	while (*text) {
		if (!strncmp(text, from, fl)) {
			memcpy(o, to, tl);
			o += tl;
			text += fl;
		} else {
			*o++ = *text++;
		}
	}
	*o = '\0';
	return out;
}

/* A reload (evsd/reload.c) switches the engine to a new configuration
 * while a session runs: the session goes on (DPD, no delete), new
 * sessions get the new keys at once, and the old configuration is in use
 * exactly until the last SA begun under it is freed (then evsd frees it:
 * here too, so ASan sees any SA still reading it). */
UNIT_TEST(reload_keeps_live_sessions_and_the_old_config_until_they_end)
{
	char *srv_text = replaced(server_conf, "key mainsecret", "key newsecret");
	char *cli_new = replaced(client_main_conf, "group-key mainsecret",
				 "group-key newsecret");
	char *path = unit_tmpfile(srv_text);
	struct side srv, cli;
	struct ike_conf next;
	struct evs_err err;
	struct ike_sa *s;
	uint32_t gen;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	s = only_sa(&srv);
	UNIT_ASSERT(s && s->state == IKE_S_READY && srv.n_kadd == 1);
	if (ike_conf_load(path, &next, &err) < 0)
		UNIT_FAIL("reloaded config: %s", err.msg);
	gen = ike_engine_set_config(srv.e, &next.ike);
	UNIT_ASSERT(ike_engine_config_in_use(srv.e, gen));
	UNIT_ASSERT(ike_engine_config_in_use(srv.e, gen + 1));
	/* The live session goes on: DPD answered for a minute. */
	for (int i = 0; i < 60; i++) {
		tick(&cli, &srv, 1000);
		pump(&cli, &srv);
	}
	UNIT_ASSERT(only_sa(&srv) == s && only_sa(&cli));
	UNIT_ASSERT_EQ_INT(cli.n_kdel + srv.n_kdel, 0);
	UNIT_ASSERT(ike_engine_config_in_use(srv.e, gen));
	/* The client leaves: once its SA is freed, the old configuration
	 * is no longer in use, and goes. */
	ike_engine_shutdown(cli.e);
	pump(&cli, &srv);
	tick(&cli, &srv, 1000);
	UNIT_ASSERT(only_sa(&srv) == NULL);
	UNIT_ASSERT_EQ_INT(srv.n_kdel, 1);
	UNIT_ASSERT(!ike_engine_config_in_use(srv.e, gen));
	ike_conf_free(&srv.cfg);
	/* A client with the old key is refused now ... */
	side_close(&cli);
	side_init(&cli, "client", client_main_conf, EVS_ROLE_CLIENT);
	connect_client(&cli);
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 0);
	age_out(&cli, &srv);
	side_close(&cli);
	/* ... and one with the new key gets through at once. */
	side_init(&cli, "client", cli_new, EVS_ROLE_CLIENT);
	connect_client(&cli);
	pump(&cli, &srv);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT_EQ_INT(srv.n_kadd, 2);
	UNIT_ASSERT(ike_engine_config_in_use(srv.e, gen + 1));
	pair_close(&cli, &srv);
	ike_conf_free(&next);
	unlink(path);
	free(path);
	free(srv_text);
	free(cli_new);
}
