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

#include "evsd/config.h"
#include "evsd/ikesa.h"
#include "evsd/log.h"
#include "evsd/phase2.h"
#include "evsd/secret.h"
#include "evsd/session.h"
#include "tests/unit/unit.h"

/* ---- fake network and kernel ---------------------------------------------- */

struct pkt {
	struct ike_path path;		/* as the sender saw it */
	uint8_t *buf;
	size_t len;
};

#define QMAX 64
#define KMAX 32

struct kchild {
	struct kernel_child c;
	uint8_t enc_in[64], auth_in[64], enc_out[64], auth_out[64];
};

struct side {
	const char *name;
	struct evsd_config cfg;
	struct ike_engine *e;
	struct pkt q[QMAX];
	unsigned nq;
	unsigned sent;
	int drop_next;			/* drop this many outgoing */
	struct kchild kadd[KMAX];
	unsigned n_kadd;
	uint32_t kdel[KMAX];
	unsigned n_kdel;
	unsigned n_kdel_sas;
	unsigned keepalives;
	uint32_t out_switched;
	char *path;
};

static int f_send(void *arg, const struct ike_path *p, const uint8_t *buf,
		  size_t len)
{
	struct side *s = arg;

	s->sent++;
	if (s->drop_next > 0) {
		s->drop_next--;
		return 0;
	}
	if (s->nq >= QMAX)
		return -1;
	s->q[s->nq].path = *p;
	s->q[s->nq].buf = malloc(len);
	memcpy(s->q[s->nq].buf, buf, len);
	s->q[s->nq].len = len;
	s->nq++;
	return 0;
}

static int f_child_add(void *arg, const struct kernel_child *c)
{
	struct side *s = arg;
	struct kchild *k;

	if (s->n_kadd >= KMAX)
		return -1;
	k = &s->kadd[s->n_kadd++];
	k->c = *c;
	memcpy(k->enc_in, c->enc_in, c->enc_len);
	memcpy(k->enc_out, c->enc_out, c->enc_len);
	memcpy(k->auth_in, c->auth_in, c->auth_len);
	memcpy(k->auth_out, c->auth_out, c->auth_len);
	return 0;
}

static int f_child_del_sas(void *arg, uint32_t conn, uint32_t in, uint32_t out)
{
	struct side *s = arg;

	(void)conn;
	(void)in;
	(void)out;
	s->n_kdel_sas++;
	return 0;
}

static int f_conn_del(void *arg, uint32_t conn)
{
	struct side *s = arg;

	if (s->n_kdel < KMAX)
		s->kdel[s->n_kdel++] = conn;
	return 0;
}

static int f_keepalive(void *arg, const struct ike_path *p)
{
	struct side *s = arg;

	(void)p;
	s->keepalives++;
	return 0;
}

static int f_out_policy(void *arg, const struct kernel_child *c)
{
	struct side *s = arg;

	s->out_switched = c->spi_out;
	return 0;
}

static const struct ike_engine_ops fake_ops = {
	.out_policy = f_out_policy,
	.send = f_send,
	.child_add = f_child_add,
	.child_del_sas = f_child_del_sas,
	.conn_del = f_conn_del,
	.keepalive = f_keepalive,
};

static uint64_t now_ms = 1000000;

/* NAT between the two: the client's 10.1.1.2:P appears as
 * 198.51.100.77:(P+30000) to the server. */
static bool nat_on;

static void set_addr(struct sockaddr_storage *ss, const char *a, uint16_t port)
{
	struct sockaddr_in *s = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, a, &s->sin_addr);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* When set, every delivered datagram is also copied here. */
static struct pkt *recorder;
static unsigned n_recorded, max_recorded;

static void deliver(struct side *from, struct side *to, unsigned i)
{
	struct pkt *p = &from->q[i];
	struct ike_path rp;

	if (recorder && n_recorded < max_recorded) {
		recorder[n_recorded] = *p;
		recorder[n_recorded].buf = malloc(p->len);
		memcpy(recorder[n_recorded].buf, p->buf, p->len);
		n_recorded++;
	}

	rp.local = p->path.remote;
	rp.remote = p->path.local;
	rp.natt = p->path.natt;
	if (nat_on) {
		if (!strcmp(from->name, "client"))
			set_addr(&rp.remote, "198.51.100.77",
				 (uint16_t)(port_of(&p->path.local) + 30000));
		else
			set_addr(&rp.local, "10.1.1.2",
				 (uint16_t)(port_of(&p->path.remote) - 30000));
	}
	ike_engine_set_time(to->e, now_ms);
	ike_engine_input(to->e, &rp, p->buf, p->len);
}

static void flush_q(struct side *s)
{
	for (unsigned i = 0; i < s->nq; i++)
		free(s->q[i].buf);
	s->nq = 0;
}

/* Deliver everything both ways until quiet. */
static void pump(struct side *a, struct side *b)
{
	for (int round = 0; round < 50 && (a->nq || b->nq); round++) {
		struct side *sides[2] = { a, b };

		for (int k = 0; k < 2; k++) {
			struct side *from = sides[k], *to = sides[!k];
			struct pkt q[QMAX];
			unsigned n = from->nq;

			memcpy(q, from->q, sizeof(q[0]) * n);
			from->nq = 0;
			for (unsigned i = 0; i < n; i++) {
				struct side tmp = { .name = from->name };

				tmp.q[0] = q[i];
				tmp.nq = 1;
				deliver(&tmp, to, 0);
				free(q[i].buf);
			}
		}
	}
}

static void tick(struct side *a, struct side *b, uint64_t advance_ms)
{
	now_ms += advance_ms;
	ike_engine_set_time(a->e, now_ms);
	ike_engine_set_time(b->e, now_ms);
	ike_engine_tick(a->e);
	ike_engine_tick(b->e);
}

/* ---- configurations -------------------------------------------------------- */

static const char server_conf[] =
	"crypto isakmp policy 10 {\n"
	"    encryption aes 256\n"
	"    hash sha256\n"
	"    authentication pre-share\n"
	"    group 14\n"
	"    lifetime 28800\n"
	"}\n"
	"crypto isakmp policy 20 {\n"
	"    encryption 3des\n"
	"    hash sha\n"
	"    authentication pre-share\n"
	"    group 14\n"
	"}\n"
	"crypto isakmp key mainsecret address 198.51.100.0/24\n"
	"crypto isakmp key natsecret address 198.51.100.77\n"
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
	"peer gw {\n"
	"    server 203.0.113.1\n"
	"    mode aggressive\n"
	"    group-name sales\n"
	"    group-key groupsecret\n"
	"    encryption aes\n"
	"    key-length 256\n"
	"    hash sha256\n"
	"    group 14\n"
	"    transform-set T\n"
	"}\n";

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/evsd-flow-XXXXXX");
	int fd = mkstemp(path);

	UNIT_ASSERT(fd >= 0);
	UNIT_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void side_init(struct side *s, const char *name, const char *conf,
		      enum evs_role role)
{
	struct cfg_err err;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->path = write_tmp(conf);
	if (evsd_config_load(s->path, &s->cfg, &err) < 0)
		UNIT_FAIL("%s config: %s", name, err.msg);
	s->e = ike_engine_new(&s->cfg, role, &fake_ops, s);
	UNIT_ASSERT(s->e);
	ike_engine_set_time(s->e, now_ms);
}

static void side_free(struct side *s)
{
	ike_engine_free(s->e);
	flush_q(s);
	evsd_config_free(&s->cfg);
	unlink(s->path);
	free(s->path);
}

static struct secret *group_key;

static const struct secret *lookup_group(const struct isakmp_id *id,
					 const struct sockaddr *peer, void *arg)
{
	(void)peer;
	(void)arg;
	if (id->type == ISAKMP_ID_KEY_ID && id->len == 5 &&
	    !memcmp(id->data, "sales", 5))
		return group_key;
	return NULL;
}

static void setup(struct side *srv, struct side *cli, const char *cli_conf)
{
	evs_session_clear_steps();
	evsd_log_set_quiet(true);
	if (!group_key)
		group_key = secret_from("groupsecret", 11);
	evs_session_set_psk_lookup(lookup_group, NULL);
	nat_on = false;
	side_init(srv, "server", server_conf, EVS_ROLE_SERVER);
	side_init(cli, "client", cli_conf, EVS_ROLE_CLIENT);
}

static struct ike_sa *only_sa(struct side *s);

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

static struct ike_sa *only_sa(struct side *s)
{
	struct ike_sa *found = NULL;

	for (struct ike_sa *sa = s->e->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD) {
			if (found)
				return NULL;
			found = sa;
		}
	return found;
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
	pump(&cli, &srv);
	c = only_sa(&cli);
	s = only_sa(&srv);
	UNIT_ASSERT(c && s);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT(s->state, IKE_S_READY);
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
	side_free(&cli);
	side_free(&srv);
}

UNIT_TEST(aggressive_mode_psk_group_key_id)
{
	struct side srv, cli;
	struct ike_sa *c, *s;

	setup(&srv, &cli, client_aggr_conf);
	c = connect_client(&cli);
	UNIT_ASSERT(c);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_AM_I_SENT);
	pump(&cli, &srv);
	c = only_sa(&cli);
	s = only_sa(&srv);
	UNIT_ASSERT(c && s);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT(s->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT(s->peer_id.type, ISAKMP_ID_KEY_ID);
	UNIT_ASSERT_EQ_INT(s->exch, ISAKMP_EXCH_AGGRESSIVE);
	/* AM1, AM3, QM1, QM3 / AM2, QM2. */
	UNIT_ASSERT_EQ_INT(cli.sent, 4);
	UNIT_ASSERT_EQ_INT(srv.sent, 2);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	assert_pair(&cli, 0, &srv, 0);
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);

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
	side_free(&cli2);
	side_free(&srv2);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);

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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
}

UNIT_TEST(per_source_rate_limit)
{
	struct side srv, cli;
	const char *conf =
		"crypto isakmp policy 10 {\n encryption aes 256\n hash sha256\n"
		" authentication pre-share\n group 14\n}\n"
		"timers {\n rate-limit 2\n half-open-max 100\n}\n";
	struct cfg_err err;

	setup(&srv, &cli, client_main_conf);
	/* A server with a limit of 2 new exchanges per source per second. */
	ike_engine_free(srv.e);
	evsd_config_free(&srv.cfg);
	unlink(srv.path);
	free(srv.path);
	srv.path = write_tmp(conf);
	UNIT_ASSERT(evsd_config_load(srv.path, &srv.cfg, &err) == 0);
	srv.e = ike_engine_new(&srv.cfg, EVS_ROLE_SERVER, &fake_ops, &srv);
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
	side_free(&cli);
	side_free(&srv);
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
	pump(&cli, &srv);
	c = only_sa(&cli);
	s = only_sa(&srv);
	UNIT_ASSERT(c && s);
	UNIT_ASSERT_EQ_INT(c->state, IKE_S_READY);
	UNIT_ASSERT_EQ_INT(s->state, IKE_S_READY);
	UNIT_ASSERT(c->nat_local && !c->nat_remote);
	UNIT_ASSERT(s->nat_remote && !s->nat_local);
	UNIT_ASSERT(c->path.natt && s->path.natt);
	UNIT_ASSERT_EQ_INT(port_of(&c->path.remote), 4500);
	/* The server follows the NAT mapping of the 4500 flow. */
	UNIT_ASSERT_EQ_INT(port_of(&s->path.remote), 4500 + 30000);
	UNIT_ASSERT_EQ_INT(cli.n_kadd, 1);
	UNIT_ASSERT(cli.kadd[0].c.encap && srv.kadd[0].c.encap);
	UNIT_ASSERT_EQ_INT(port_of(&srv.kadd[0].c.remote), 34500);
	assert_pair(&cli, 0, &srv, 0);
	/* Only the side behind the NAT sends keepalives. */
	for (int i = 0; i < 21; i++)
		tick(&cli, &srv, 1000);
	UNIT_ASSERT(cli.keepalives >= 1);
	UNIT_ASSERT_EQ_INT(srv.keepalives, 0);
	nat_on = false;
	side_free(&cli);
	side_free(&srv);
}

UNIT_TEST(dpd_detects_dead_peer)
{
	struct side srv, cli;
	uint64_t t0;

	setup(&srv, &cli, client_main_conf);
	connect_client(&cli);
	pump(&cli, &srv);
	UNIT_ASSERT(only_sa(&cli) && only_sa(&cli)->dpd);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
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
	side_free(&cli);
	side_free(&srv);
}

UNIT_MAIN()
