// SPDX-License-Identifier: MIT
/*
 * A client re-authenticates Phase 1 without a quick mode (libreswan's
 * Phase 1 rekey): two IKE engines against each other in memory, evsd's
 * real XAUTH and mode-config steps on both (each client its own Easy VPN
 * module, the gateway one with RADIUS accounting to a fake server that
 * records every Accounting-Request).  The renewal carries the session
 * on: its connection outlives the old ISAKMP SA, DPD runs on the new one,
 * and accounting sees one session (one Start, one Stop).  Another user
 * from the same address and port, or a login that fails, takes nothing.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ezv/config_easyvpn.h"
#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "lib/userdb.h"
#include "tests/unit/conf_text.h"
#include "tests/unit/ezv/fake_radius.h"
#include "tests/unit/unit.h"

#include "tests/unit/ike_pair.h"

static const char server_fmt[] =
	CONF_IKE_POLICY_10
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n    dpd-interval 10\n    dpd-retries 3\n}\n"
	"user-database %s\n"
	"pool sales 10.77.1.10 10.77.1.20\n"
	"group sales {\n    key groupsecret\n    pool sales\n"
	"    split-include 192.168.77.0/24\n}\n"
	"aaa {\n    accounting radius\n    timeout 1\n    retries 2\n"
	"    radius-server 127.0.0.1 {\n        key " FRAD_SECRET "\n"
	"        auth-port %u\n        acct-port %u\n    }\n}\n";

/* Every client: group sales in aggressive mode, XAUTH as user/password. */
static const char client_fmt[] =
	"crypto ipsec transform-set T esp-aes 256 esp-sha256-hmac\n"
	"timers {\n    dpd-interval 10\n}\n"
	"peer gw {\n"
	"    server 203.0.113.1\n"
	"    mode aggressive\n"
	"    group-name sales\n"
	"    group-key groupsecret\n"
	"    xauth-username %s\n"
	"    xauth-password %s\n"
	CONF_PEER_TAIL;

/* A side and the Easy VPN module its engine runs the steps of. */
struct end {
	struct side s;
	struct ezv *z;
	struct easyvpn_config *cfg;
};

static struct frad rad;
static char dir[64], users[96];

static void no_hooks(struct ike_engine *e)
{
	(void)e;
}

/* The side's engine (role) on conf, then its Easy VPN module from the
 * same configuration, attached as evsd attaches it. */
static void end_open(struct end *x, const char *name, const char *conf, enum evs_role role)
{
	struct evs_err err;

	side_open(&x->s, name, conf, role, no_hooks);
	x->cfg = NULL;
	UNIT_ASSERT_EQ_INT(easyvpn_config_load(x->s.cfg.tree, &x->cfg, &err), 0);
	x->z = ezv_init(&x->s.cfg.ike, x->cfg, NULL, NULL, &err);
	if (!x->z)
		UNIT_FAIL("%s: %s", name, err.msg);
	ezv_attach(x->z, x->s.e);
	ezv_serve(x->z, 0);
}

static void end_close(struct end *x)
{
	ike_engine_free(x->s.e);
	x->s.e = NULL;
	ezv_shutdown(x->z);
	easyvpn_config_destroy(x->cfg);
	flush_q(&x->s);
	ike_conf_free(&x->s.cfg);
	unlink(x->s.path);
	free(x->s.path);
}

static void server_open(struct end *srv)
{
	char text[2048];
	struct userdb db;
	struct evs_err ue;

	evsd_log_set_quiet(true);
	UNIT_ASSERT_EQ_INT(frad_start(&rad, FRAD_CHALLENGE_ONCE, 16), 0);
	snprintf(dir, sizeof(dir), "/tmp/evs-reauth-XXXXXX");
	UNIT_ASSERT(mkdtemp(dir));
	snprintf(users, sizeof(users), "%s/users", dir);
	userdb_init(&db);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "alice", "sales", "alicepw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "bob", "sales", "bobpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_save(&db, users, &ue), 0);
	userdb_free(&db);
	snprintf(text, sizeof(text), server_fmt, users, rad.port, rad.port);
	end_open(srv, "server", text, EVS_ROLE_SERVER);
}

static void server_close(struct end *srv)
{
	end_close(srv);
	frad_stop(&rad);
	unlink(users);
	rmdir(dir);
}

static void client_open(struct end *cli, const char *user, const char *pass)
{
	char text[1024];

	snprintf(text, sizeof(text), client_fmt, user, pass);
	end_open(cli, "client", text, EVS_ROLE_CLIENT);
}

/* Datagrams both ways and the gateway's AAA answers, until quiet. */
static void run(struct end *cli, struct end *srv)
{
	for (int idle = 0; idle < 10;) {
		struct pollfd p = { .fd = ezv_fd(srv->z), .events = POLLIN };

		pump(&cli->s, &srv->s);
		if (poll(&p, 1, 20) > 0) {
			ezv_process(srv->z);
			idle = 0;
		} else {
			idle++;
		}
	}
}

/* secs seconds of the clock, one at a time, with everything delivered. */
static void run_for(struct end *cli, struct end *srv, int secs)
{
	for (int i = 0; i < secs; i++) {
		tick(&cli->s, &srv->s, 1000);
		ezv_tick(srv->z, now_ms);
		ezv_tick(cli->z, now_ms);
		run(cli, srv);
	}
}

static struct ike_sa *connect_client(struct end *cli)
{
	struct sockaddr_storage local;

	set_addr(&local, "198.51.100.2", 500);
	return ike_engine_connect(cli->s.e, &cli->s.cfg.ike.peers[0], &local);
}

/* A live SA of x other than not (NULL: none). */
static struct ike_sa *other_sa(struct end *x, const struct ike_sa *not)
{
	for (struct ike_sa *sa = x->s.e->sas; sa; sa = sa->next)
		if (sa != not && sa->state != IKE_S_DEAD)
			return sa;
	return NULL;
}

static unsigned live_sas(struct end *srv)
{
	unsigned n = 0;

	for (struct ike_sa *sa = srv->s.e->sas; sa; sa = sa->next)
		n += sa->state != IKE_S_DEAD;
	return n;
}

/* What ezv_session_walk says of one session. */
struct seen {
	unsigned n;
	uint32_t id;
	unsigned n_conns;
	uint32_t conn;
	uint32_t addr;
	char acct[32];
};

static void seen_one(const struct ezv_session_info *i, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->id = i->id;
	s->n_conns = i->n_conns;
	s->conn = i->n_conns ? i->conns[0] : 0;
	s->addr = i->addr;
	snprintf(s->acct, sizeof(s->acct), "%s", i->acct_session_id);
}

static struct seen sessions_of(struct end *srv, const char *user)
{
	struct seen s = { 0 };

	ezv_session_walk(srv->z, &(struct ezv_session_filter){ .user = user }, seen_one, &s);
	return s;
}

/* Wait (a few seconds at most) until the fake server has n records of
 * status for session. */
static unsigned acct_wait(uint32_t status, const char *session, unsigned n)
{
	for (int i = 0; i < 150 && frad_acct_count(&rad, status, session) < n; i++)
		usleep(20000);
	return frad_acct_count(&rad, status, session);
}

/* alice connects; her session has one connection and an accounting Start. */
static struct ike_sa *alice_in(struct end *cli, struct end *srv, struct seen *a)
{
	struct ike_sa *first;

	connect_client(cli);
	run(cli, srv);
	first = other_sa(srv, NULL);
	UNIT_ASSERT(first && first->state == IKE_S_READY && first->conns &&
		    first->conns->installed && first->dpd);
	*a = sessions_of(srv, "alice");
	UNIT_ASSERT_EQ_INT(a->n, 1);
	UNIT_ASSERT_EQ_INT(a->n_conns, 1);
	UNIT_ASSERT(a->acct[0]);
	UNIT_ASSERT_EQ_INT(acct_wait(1, a->acct, 1), 1);
	return first;
}

/* The client renews Phase 1 (from the same address and port, without
 * INITIAL-CONTACT: it holds the old SA) and logs in as user/pass, but
 * sends no quick mode: libreswan re-authenticates so.  The server's
 * newer SA (NULL: none). */
static struct ike_sa *renewal(struct end *cli, struct end *srv, const struct ike_sa *first,
			      const char *user, const char *pass)
{
	struct ike_peer *p = &cli->s.cfg.ike.peers[0];
	struct ike_sa *c = other_sa(cli, NULL);

	UNIT_ASSERT(c);
	snprintf(p->xauth_user, sizeof(p->xauth_user), "%s", user);
	secret_free(p->xauth_pass);
	p->xauth_pass = secret_from(pass, strlen(pass));
	cli->s.drop_exch = ISAKMP_EXCH_QUICK;
	c->rekey_at = now_ms;
	ike_sa_rearm(c);
	tick(&cli->s, &srv->s, 10);
	run(cli, srv);
	return other_sa(srv, first);
}

UNIT_TEST(reauth_without_quick_mode_carries_the_session_on)
{
	struct end srv, cli;
	struct ike_sa *first, *second;
	struct seen a, b;
	uint64_t t0;

	server_open(&srv);
	client_open(&cli, "alice", "alicepw");
	first = alice_in(&cli, &srv, &a);

	second = renewal(&cli, &srv, first, "alice", "alicepw");
	UNIT_ASSERT(second && second->state == IKE_S_READY && second->dpd);
	/* the connection moved over as it was: nothing new in the kernel */
	UNIT_ASSERT(second->conns && second->conns->id == a.conn && !second->conns->next);
	UNIT_ASSERT(!first->conns && first->replaced);
	UNIT_ASSERT_EQ_INT(srv.s.n_kadd, 1);
	/* one session, the renewal's, with the address and accounting session */
	b = sessions_of(&srv, "alice");
	UNIT_ASSERT_EQ_INT(b.n, 1);
	UNIT_ASSERT_EQ_INT(b.id, evs_session_id((struct evs_session *)second));
	UNIT_ASSERT_EQ_INT(b.conn, a.conn);
	UNIT_ASSERT_EQ_INT(b.addr, a.addr);
	UNIT_ASSERT_EQ_STR(b.acct, a.acct);
	UNIT_ASSERT_EQ_INT(ezv_leases(srv.z), 1);

	/* the first ISAKMP SA's lifetime ends: the session does not */
	first->expire_at = now_ms + 1000;
	ike_sa_rearm(first);
	run_for(&cli, &srv, 2);
	UNIT_ASSERT_EQ_INT(live_sas(&srv), 1);
	UNIT_ASSERT(other_sa(&srv, NULL) == second);
	UNIT_ASSERT(second->conns && second->conns->id == a.conn);
	UNIT_ASSERT_EQ_INT(srv.s.n_kdel, 0);
	b = sessions_of(&srv, "alice");
	UNIT_ASSERT_EQ_INT(b.n, 1);
	UNIT_ASSERT_EQ_INT(b.n_conns, 1);
	UNIT_ASSERT_EQ_STR(b.acct, a.acct);
	UNIT_ASSERT_EQ_INT(ezv_leases(srv.z), 1);
	UNIT_ASSERT_EQ_INT(frad_acct_count(&rad, 2, NULL), 0);

	/* DPD runs on the new SA: a live peer answers for a minute ... */
	run_for(&cli, &srv, 60);
	UNIT_ASSERT(other_sa(&srv, NULL) == second && second->conns);
	UNIT_ASSERT_EQ_INT(srv.s.e->stats.dpd_dead, 0);
	/* ... and when it falls silent, the session ends within interval +
	 * retries * 5 s: one Stop, for the one accounting session */
	t0 = now_ms;
	while (live_sas(&srv) && now_ms - t0 < 60000) {
		tick(&cli.s, &srv.s, 250);
		flush_q(&cli.s);
		flush_q(&srv.s);
	}
	UNIT_ASSERT_EQ_INT(live_sas(&srv), 0);
	UNIT_ASSERT(now_ms - t0 <= (10 + 3 * 5 + 1) * 1000);
	UNIT_ASSERT_EQ_INT(srv.s.e->stats.dpd_dead, 1);
	UNIT_ASSERT_EQ_INT(srv.s.n_kdel, 1);
	UNIT_ASSERT_EQ_INT(srv.s.kdel[0], a.conn);
	UNIT_ASSERT_EQ_INT(ezv_leases(srv.z), 0);
	UNIT_ASSERT_EQ_INT(acct_wait(2, a.acct, 1), 1);
	UNIT_ASSERT_EQ_INT(frad_acct_count(&rad, 2, NULL), 1);
	UNIT_ASSERT_EQ_INT(frad_acct_count(&rad, 1, NULL), 1);

	end_close(&cli);
	server_close(&srv);
}

/* Only the same user, logged in again, carries a session on: bob from
 * alice's address and port (her host, or her NAT's mapping) with the
 * group key, or a holder of the group key whose login fails, takes
 * nothing -- not when his SA is ready, not when alice's expires.  (Before the renewal carried
 * sessions on, neither took anything either.) */
UNIT_TEST(another_user_or_a_failed_login_takes_nothing_over)
{
	static const struct {
		const char *user, *pass;
		bool ready;
	} cases[] = {
		{ "bob", "bobpw", true },
		{ "alice", "wrongpw", false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct end srv, cli;
		struct ike_sa *first, *second;
		struct seen a, b;

		server_open(&srv);
		client_open(&cli, "alice", "alicepw");
		first = alice_in(&cli, &srv, &a);

		second = renewal(&cli, &srv, first, cases[i].user, cases[i].pass);
		if (cases[i].ready)
			UNIT_ASSERT(second && second->state == IKE_S_READY);
		else
			UNIT_ASSERT(!second || second->state != IKE_S_READY);
		UNIT_ASSERT(!second || !second->conns);
		UNIT_ASSERT(first->conns && first->conns->id == a.conn && !first->replaced);
		b = sessions_of(&srv, "alice");
		UNIT_ASSERT_EQ_INT(b.n, 1);
		UNIT_ASSERT_EQ_INT(b.id, evs_session_id((struct evs_session *)first));
		UNIT_ASSERT_EQ_INT(b.n_conns, 1);
		UNIT_ASSERT_EQ_STR(b.acct, a.acct);

		/* alice's ISAKMP SA expires: her session ends (its connection
		 * is left to its own lifetime in the kernel, as before) */
		first->expire_at = now_ms + 1000;
		ike_sa_rearm(first);
		run_for(&cli, &srv, 2);
		UNIT_ASSERT(!sessions_of(&srv, "alice").n);
		second = other_sa(&srv, NULL);
		UNIT_ASSERT(!second || !second->conns);
		UNIT_ASSERT_EQ_INT(acct_wait(2, a.acct, 1), 1);
		if (cases[i].ready) {
			b = sessions_of(&srv, "bob");
			UNIT_ASSERT_EQ_INT(b.n, 1);
			UNIT_ASSERT_EQ_INT(b.n_conns, 0);
			UNIT_ASSERT(b.addr != a.addr);
		}
		end_close(&cli);
		server_close(&srv);
	}
}

UNIT_MAIN()
