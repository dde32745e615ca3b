// SPDX-License-Identifier: MIT
/*
 * The Easy VPN steps end to end, in memory: evsd's server steps talk to
 * evsd's client steps through a stand-in for the engine's session
 * services (session.h), with the real AAA worker and a real user file.
 * Covers: XAUTH accept / retry / refuse after the limit, the per-source
 * lockout, group lock, mode config pull with pool addresses, addresses
 * back in the pool at the end, unknown groups answered like wrong keys.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ezv/config_easyvpn.h"
#include "ezv/easyvpn.h"
#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/jsonw.h"
#include "ezv/modecfg.h"
#include "ezv/radius.h"
#include "ezv/xauth.h"
#include "ezv/pool.h"
#include "lib/secret.h"
#include "lib/userdb.h"
#include "ezv/dae.h"
#include "tests/unit/ezv/dae_build.h"
#include "tests/unit/ezv/fake_radius.h"
#include "tests/unit/unit.h"
#include "tests/unit/log_capture.h"

/* ---- a tiny engine: two sessions wired back to back ------------------- */

struct fake_msg {
	struct fake_msg *next;
	struct evs_session *to;
	uint32_t msgid;
	uint8_t type;
	uint16_t ident;
	uint8_t *attrs;
	size_t len;
};

struct evs_session {
	enum evs_role role;
	struct evs_session *peer;
	uint32_t id;
	char name[32];
	struct sockaddr_in addr;
	struct isakmp_id pid;
	uint16_t auth;
	const char *peer_name;
	unsigned step;
	bool begun[EVS_MAX_STEPS];
	void *state[EVS_MAX_STEPS];
	bool ready, dead;
	char why[256];
	struct evs_prefix inner, inner6;
	bool have_inner, have_inner6;
	unsigned n_nets;
	struct evs_prefix nets[EVS_SESSION_MAX_NETS];
	char label[65];
	bool authorized, site;
	char user[65];
	enum evs_end_reason end_reason;
	bool terminated;
};

static const struct evs_post_phase1_ops *steps[EVS_MAX_STEPS];
static void *step_args[EVS_MAX_STEPS];
static unsigned n_steps;
static struct fake_msg *queue;
static uint32_t next_msgid = 100;
/* The engine's clock (ms): the steps read no other. */
static uint64_t fake_now = 1000000;

/* One stand-in engine: e is not looked at. */
int evs_session_register_step(struct ike_engine *e, const struct evs_post_phase1_ops *ops,
			      void *arg)
{
	(void)e;
	for (unsigned i = 0; i < n_steps; i++)
		if (steps[i] == ops)
			return 0;
	step_args[n_steps] = arg;
	steps[n_steps++] = ops;
	return 0;
}

void evs_session_clear_steps(struct ike_engine *e)
{
	(void)e;
	n_steps = 0;
}

void evs_session_set_psk_lookup(struct ike_engine *e, evs_psk_lookup_fn fn, void *arg)
{
	(void)e;
	(void)fn;
	(void)arg;
}

static void end_session(struct evs_session *s)
{
	for (unsigned i = 0; i < n_steps; i++)
		if (s->begun[i]) {
			s->begun[i] = false;
			steps[i]->end(s, &s->state[i]);
		}
}

static void run_steps(struct evs_session *s)
{
	while (!s->dead && s->step < n_steps) {
		int rc;

		s->begun[s->step] = true;
		rc = steps[s->step]->begin(s, step_args[s->step], &s->state[s->step]);
		if (rc == EVS_STEP_RUNNING)
			return;
		if (rc == EVS_STEP_FAIL) {
			s->dead = true;
			snprintf(s->why, sizeof(s->why), "step %s failed", steps[s->step]->name);
			end_session(s);
			return;
		}
		s->step++;
	}
	if (!s->dead)
		s->ready = true;
}

void evs_session_step_done(struct evs_session *s, bool ok, const char *why)
{
	if (s->dead)
		return;
	if (!ok) {
		s->dead = true;
		snprintf(s->why, sizeof(s->why), "%s", why ? why : "?");
		end_session(s);
		return;
	}
	s->step++;
	run_steps(s);
}

/* The client sends no REQUEST: a push-mode client (strongSwan's `pull =
 * no`) waits for the gateway's SET and ACKs it. */
static bool push_client;

uint32_t evs_session_send_cfg(struct evs_session *s, uint32_t msgid, uint8_t type,
			      uint16_t ident, const uint8_t *attrs, size_t len,
			      bool expect_reply)
{
	struct fake_msg *m, **pp;

	(void)expect_reply;
	if (push_client && s->role == EVS_ROLE_CLIENT && type == ISAKMP_CFG_REQUEST)
		return next_msgid++;
	m = calloc(1, sizeof(*m));
	m->to = s->peer;
	m->msgid = msgid ? msgid : next_msgid++;
	m->type = type;
	m->ident = ident;
	m->attrs = malloc(len + 1);
	memcpy(m->attrs, attrs, len);
	m->len = len;
	for (pp = &queue; *pp; pp = &(*pp)->next)
		;
	*pp = m;
	return m->msgid;
}

enum evs_role evs_session_role(const struct evs_session *s) { return s->role; }
const struct sockaddr *evs_session_peer_addr(const struct evs_session *s)
{
	return (const struct sockaddr *)&s->peer->addr;
}
const struct sockaddr *evs_session_local_addr(const struct evs_session *s)
{
	return (const struct sockaddr *)&s->addr;
}
uint16_t evs_session_auth_method(const struct evs_session *s) { return s->auth; }
const struct isakmp_id *evs_session_peer_id(const struct evs_session *s) { return &s->pid; }
const char *evs_session_peer_name(const struct evs_session *s) { return s->peer_name; }
uint32_t evs_session_id(const struct evs_session *s) { return s->id; }
uint64_t evs_session_now(const struct evs_session *s)
{
	(void)s;
	return fake_now;
}
bool evs_session_conn_remote(const struct evs_session *s, uint32_t conn_id,
			     struct evs_prefix *remote)
{
	(void)s;
	(void)conn_id;
	(void)remote;
	return false;
}
const char *evs_session_name(const struct evs_session *s) { return s->name; }
bool evs_session_peer_has_vid(const struct evs_session *s, enum isakmp_vid v)
{
	(void)s;
	(void)v;
	return true;
}
void evs_session_set_inner(struct evs_session *s, const struct evs_prefix *p)
{
	if (p->family == AF_INET6) {
		s->inner6 = *p;
		s->have_inner6 = true;
		return;
	}
	s->inner = *p;
	s->have_inner = true;
}
void evs_session_set_remote_nets(struct evs_session *s, const struct evs_prefix *n,
				 unsigned count)
{
	memcpy(s->nets, n, count * sizeof(*n));
	s->n_nets = count;
}
void evs_session_set_label(struct evs_session *s, const char *label)
{
	snprintf(s->label, sizeof(s->label), "%s", label);
}
void evs_session_set_authorized(struct evs_session *s, const char *user)
{
	s->authorized = true;
	snprintf(s->user, sizeof(s->user), "%s", user);
}
bool evs_session_site_to_site(const struct evs_session *s) { return s->site; }
/* Every call, also for a session already ended (the tests count them). */
static unsigned terminations;
static enum evs_end_reason last_reason;

/* Like the engine's: the steps' end() runs before it returns. */
void evs_session_terminate(struct evs_session *s, enum evs_end_reason reason,
			   const char *why)
{
	s->end_reason = reason;
	s->terminated = true;
	terminations++;
	last_reason = reason;
	if (s->dead)
		return;
	s->dead = true;
	snprintf(s->why, sizeof(s->why), "%s", why);
	end_session(s);
}
enum evs_end_reason evs_session_end_reason(const struct evs_session *s)
{
	return s->end_reason;
}
/* The engine writes a restart record; nothing to keep here. */
void evs_session_changed(struct evs_session *s)
{
	(void)s;
}

static struct ezv *ezv;

/* Deliver queued messages (like session_input_cfg) and AAA results until
 * none is left and the AAA worker is idle (or stays busy for a second). */
static void pump(void)
{
	for (int idle = 0; idle < 50;) {
		struct fake_msg *m = queue;

		if (m) {
			struct evs_session *s = m->to;
			struct isakmp_cfg cfg = { m->type, m->ident, m->attrs, m->len };

			queue = m->next;
			idle = 0;
			if (!s->dead) {
				int top = (int)(s->step < n_steps ? s->step : n_steps - 1);

				for (int i = top; i >= 0; i--) {
					if (!s->begun[i])
						continue;
					if (steps[i]->recv_cfg(s, &s->state[i], m->msgid, &cfg) !=
					    EVS_CFG_NOT_MINE)
						break;
				}
			}
			free(m->attrs);
			free(m);
			continue;
		}
		struct pollfd p = { .fd = ezv_fd(ezv), .events = POLLIN };

		if (poll(&p, 1, 20) > 0) {
			ezv_process(ezv);
			idle = 0;
		} else if (ezv_idle(ezv)) {
			return;	/* no message, no AAA work: settled */
		} else {
			idle++;	/* the worker is busy: wait up to a second */
		}
	}
}

/* ---- fixtures ------------------------------------------------------------- */

static struct {
	struct ike_config ike;
	struct easyvpn_config *easyvpn;
} cfg;
static struct cfg_node *tree;
static char userfile[64];
static struct ike_peer peer;
static struct evs_session srv, cli;
static uint32_t serial = 1;
/* Phase 1 as negotiated: auth method, identity (group name as KEY_ID,
 * else the client's address), a site-to-site (no-xauth) key or not. */
static uint16_t p1_auth;
static bool p1_keyid, p1_site;
static uint8_t p1_addr[4];

static const char conf_fmt[] =
	"user-database %s\n"
	"xauth {\n  retries 2\n  lockout 3 60\n}\n"
	"pool sales 10.77.1.10 10.77.1.11\n"
	"group sales {\n  key \"Vb7mQ2xR9tLc4WzKp8Jd\"\n  pool sales\n"
	"  dns 192.168.77.53\n  domain corp.example\n  banner \"Welcome\"\n"
	"  split-include 192.168.77.0/24\n}\n"
	"group eng {\n  key \"q7Rv2LmX9pWc4ZtKb8Ns\"\n  pool sales\n}\n"
	"group branch {\n  key \"Hn4Wq8Zt2Lr6Xc9Vb3Mk\"\n  mode network-extension\n"
	"  split-include 192.168.77.0/24\n"
	"  network-extension allow 10.77.200.0/21 203.0.113.0/24\n}\n"
	"group guarded {\n  key \"Tg5Xw9Lm2Qr7Vc4Zk8Hp\"\n  pool sales\n"
	"  firewall are-you-there\n}\n"
	"user bob {\n  max-logins 1\n}\n"
	"pool sales6 2001:db8:99::/120\n"
	"group dual {\n  key \"Zp3Kd8Wq5Lm2Xr7Vc9Tb\"\n  pool sales sales6\n"
	"  split-include 192.168.77.0/24 2001:db8:77::/64\n}\n"
	"group branch6 {\n  key \"Rm6Tq2Wz8Lk4Xv9Pc3Nd\"\n  mode network-extension\n"
	"  split-include 192.168.77.0/24 2001:db8:77::/64\n"
	"  network-extension allow 10.78.0.0/16 2001:db8:200::/56\n}\n";

/* More configuration for one test. */
static const char *extra_conf = "";

static void setup_k(const struct ezv_kernel_ops *kops);

static void setup(void)
{
	setup_k(NULL);
}

static void setup_k(const struct ezv_kernel_ops *kops)
{
	char dir[] = "/tmp/evs-flow-XXXXXX", text[2048];
	struct userdb db;
	struct evs_err ue;
	struct evs_err ce;
	struct evs_err err;

	evsd_log_set_quiet(true);
	UNIT_ASSERT(mkdtemp(dir));
	snprintf(userfile, sizeof(userfile), "%s/users", dir);
	userdb_init(&db);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "alice", "sales", "alicepw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "bob", "sales", "bobpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "carol", "sales", "carolpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "erin", "eng", "erinpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "dave", "branch", "davepw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "frank", "branch", "frankpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "hank", "guarded", "hankpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "olga", "dual", "olgapw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "ivan", "branch6", "ivanpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_add(&db, "jack", "branch6", "jackpw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_save(&db, userfile, &ue), 0);
	userdb_free(&db);

	p1_auth = 65001;			/* XAUTHInitPreShared, group name */
	p1_keyid = true;
	p1_site = false;
	snprintf(text, sizeof(text), conf_fmt, userfile);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s", extra_conf);
	memset(&cfg, 0, sizeof(cfg));
	tree = cfg_parse_string(text, "evsd.conf", &ce);
	UNIT_ASSERT(tree);
	UNIT_ASSERT_EQ_INT(easyvpn_config_load(tree, &cfg.easyvpn, &ce), 0);
	memset(&peer, 0, sizeof(peer));
	strcpy(peer.name, "gw");
	cfg.ike.peers = &peer;
	cfg.ike.n_peers = 1;
	strcpy(cfg.ike.device, "evs0");
	ezv = ezv_init(&cfg.ike, cfg.easyvpn, kops, NULL, &err);
	UNIT_ASSERT(ezv != NULL);
	ezv_attach(ezv, NULL);
}

static void teardown(void)
{
	ezv_shutdown(ezv);
	ezv = NULL;
	secret_free(peer.xauth_pass);
	peer.xauth_pass = NULL;
	easyvpn_config_destroy(cfg.easyvpn);
	cfg.easyvpn = NULL;
	cfg_free(tree);
	unlink(userfile);
	*strrchr(userfile, '/') = '\0';
	rmdir(userfile);
	evs_session_clear_steps(NULL);
}

/* Both sessions of a login, up to the end of Phase 1. */
static void prepare_on(struct evs_session *sv, struct evs_session *cl, const char *user,
		       const char *pw, const char *group, const char *client_ip)
{
	memset(sv, 0, sizeof(*sv));
	memset(cl, 0, sizeof(*cl));
	sv->role = EVS_ROLE_SERVER;
	cl->role = EVS_ROLE_CLIENT;
	sv->peer = cl;
	cl->peer = sv;
	sv->id = serial++;
	cl->id = serial++;
	snprintf(sv->name, sizeof(sv->name), "srv%u", sv->id);
	snprintf(cl->name, sizeof(cl->name), "cli%u", cl->id);
	cl->addr.sin_family = AF_INET;
	inet_pton(AF_INET, client_ip, &cl->addr.sin_addr);
	sv->addr.sin_family = AF_INET;
	inet_pton(AF_INET, "203.0.113.1", &sv->addr.sin_addr);
	sv->auth = cl->auth = p1_auth;
	sv->pid.type = ISAKMP_ID_KEY_ID;
	sv->pid.data = (const uint8_t *)group;
	sv->pid.len = strlen(group);
	if (!p1_keyid) {
		memcpy(p1_addr, &cl->addr.sin_addr, 4);
		sv->pid.type = ISAKMP_ID_IPV4_ADDR;
		sv->pid.data = p1_addr;
		sv->pid.len = 4;
	}
	sv->site = p1_site;
	cl->peer_name = "gw";
	snprintf(peer.xauth_user, sizeof(peer.xauth_user), "%s", user);
	secret_free(peer.xauth_pass);
	peer.xauth_pass = secret_from(pw, strlen(pw));
}

static void prepare(const char *user, const char *pw, const char *group,
		    const char *client_ip)
{
	prepare_on(&srv, &cli, user, pw, group, client_ip);
}

/* A login on sessions of the caller's (several live at once). */
static void connect_on(struct evs_session *sv, struct evs_session *cl, const char *user,
		       const char *pw, const char *group, const char *client_ip)
{
	prepare_on(sv, cl, user, pw, group, client_ip);
	/* Phase 1 done on both sides */
	run_steps(sv);
	run_steps(cl);
	pump();
}

static void connect_as(const char *user, const char *pw, const char *group,
		       const char *client_ip)
{
	connect_on(&srv, &cli, user, pw, group, client_ip);
}

/* Messages nobody will read. */
static void drop_queue(void)
{
	while (queue) {
		struct fake_msg *m = queue;

		queue = m->next;
		free(m->attrs);
		free(m);
	}
}

static void disconnect(void)
{
	if (!srv.dead)
		end_session(&srv);
	if (!cli.dead)
		end_session(&cli);
	srv.dead = cli.dead = true;
}

UNIT_TEST(login_and_pull_mode_config)
{
	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT(cli.ready);
	/* the client got a pool address and made it its Phase 2 IDci */
	UNIT_ASSERT(cli.have_inner);
	UNIT_ASSERT(srv.have_inner);
	UNIT_ASSERT_MEM_EQ(cli.inner.addr, srv.inner.addr, 4);
	UNIT_ASSERT_EQ_INT(cli.inner.addr[0], 10);
	UNIT_ASSERT_EQ_INT(cli.inner.addr[3], 10);
	UNIT_ASSERT_EQ_INT(cli.inner.plen, 32);
	/* split include became the client's remote networks */
	UNIT_ASSERT_EQ_INT(cli.n_nets, 1);
	UNIT_ASSERT_EQ_INT(cli.nets[0].plen, 24);
	UNIT_ASSERT_EQ_INT(cli.nets[0].addr[2], 77);
	/* and on the gateway what the session may reach: the engine
	 * narrows its connections' kernel policies to it */
	UNIT_ASSERT_EQ_INT(srv.n_nets, 1);
	UNIT_ASSERT_EQ_INT(srv.nets[0].plen, 24);
	UNIT_ASSERT_EQ_INT(srv.nets[0].addr[0], 192);
	UNIT_ASSERT_EQ_INT(srv.nets[0].addr[2], 77);
	UNIT_ASSERT_EQ_STR(srv.label, "alice");
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	disconnect();
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	teardown();
}

/* firewall are-you-there: a client whose REQUEST reports no firewall is
 * refused after XAUTH, before it gets an address or settings; evsd's
 * client (firewall on, the default) reports one and is given the
 * firewall type; a group without the setting takes either. */
UNIT_TEST(firewall_are_you_there_refuses_a_client_without_one)
{
	struct ezv_client_info zi;
	struct ezv_stats st;

	setup();
	peer.firewall_off = true;
	connect_as("hank", "hankpw", "guarded", "198.51.100.7");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(!srv.ready);
	UNIT_ASSERT(!cli.ready);
	UNIT_ASSERT_EQ_STR(srv.why, "no firewall reported");
	UNIT_ASSERT(!cli.have_inner);
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.refused[EZV_REFUSE_FIREWALL], 1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	drop_queue();
	disconnect();

	peer.firewall_off = false;
	connect_as("hank", "hankpw", "guarded", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT(cli.ready);
	UNIT_ASSERT(cli.have_inner);
	UNIT_ASSERT_EQ_INT(ezv_client_info(ezv, "gw", &zi), 0);
	UNIT_ASSERT(zi.pushed != NULL);
	UNIT_ASSERT(zi.pushed->has & MCF_BIT(MCF_FW_TYPE));
	UNIT_ASSERT_EQ_INT(zi.pushed->fw_type_len, MODECFG_FW_BLOCK_LEN);
	disconnect();

	/* no are-you-there: no report needed, and no firewall type pushed */
	peer.firewall_off = true;
	connect_as("alice", "alicepw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT(cli.ready);
	UNIT_ASSERT_EQ_INT(ezv_client_info(ezv, "gw", &zi), 0);
	UNIT_ASSERT(zi.pushed != NULL);
	UNIT_ASSERT(!(zi.pushed->has & MCF_BIT(MCF_FW_TYPE)));
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.refused[EZV_REFUSE_FIREWALL], 1);
	disconnect();
	peer.firewall_off = false;
	teardown();
}

/* The client role, a gateway asking for a token passcode: the stored
 * password is not sent; the session waits, client show's info says what
 * is asked and shows the message; the typed passcode goes back as
 * XAUTH_PASSCODE (no user name: not asked for). */
UNIT_TEST(client_passcode_request_waits_for_the_person)
{
	static const uint8_t req[] = {
		0x40, 0x8b, 0x00, 0x00,			/* PASSCODE */
		0x40, 0x8c, 0x00, 0x05, 'T', 'o', 'k', 'e', 'n',	/* MESSAGE */
	};
	static const uint8_t reply[] = { 0x40, 0x8b, 0x00, 0x06, '1', '2', '3', '4', '5', '6' };
	struct ezv_client_info zi;
	struct fake_msg *m;
	struct evs_err err;

	setup();
	prepare("alice", "alicepw", "sales", "198.51.100.7");
	run_steps(&cli);
	m = calloc(1, sizeof(*m));
	m->to = &cli;
	m->msgid = 77;
	m->type = ISAKMP_CFG_REQUEST;
	m->ident = 5;
	m->attrs = malloc(sizeof(req));
	memcpy(m->attrs, req, sizeof(req));
	m->len = sizeof(req);
	queue = m;
	pump();
	UNIT_ASSERT(queue == NULL);		/* nothing sent: it waits */
	UNIT_ASSERT_EQ_INT(ezv_client_info(ezv, "gw", &zi), 0);
	UNIT_ASSERT(zi.xauth_waiting);
	UNIT_ASSERT_EQ_STR(zi.xauth_ask, "passcode");
	UNIT_ASSERT_EQ_STR(zi.xauth_message, "Token");
	UNIT_ASSERT(!zi.xauth_user_asked);
	UNIT_ASSERT_EQ_INT(ezv_client_xauth(ezv, "gw", "", (const uint8_t *)"123456", 6, &err), 0);
	UNIT_ASSERT(queue && queue->to == &srv);
	UNIT_ASSERT_EQ_INT(queue->type, ISAKMP_CFG_REPLY);
	UNIT_ASSERT_EQ_INT(queue->len, sizeof(reply));
	UNIT_ASSERT_MEM_EQ(queue->attrs, reply, sizeof(reply));
	drop_queue();
	disconnect();
	teardown();
}

UNIT_TEST(two_clients_never_share_and_pool_runs_out)
{
	struct evs_session s1, c1, s2, c2;

	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(cli.ready);
	s1 = srv;
	c1 = cli;
	connect_as("bob", "bobpw", "sales", "198.51.100.8");
	UNIT_ASSERT(cli.ready);
	s2 = srv;
	c2 = cli;
	UNIT_ASSERT(memcmp(c1.inner.addr, c2.inner.addr, 4) != 0);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 2);
	/* the pool holds two addresses: the third login is refused */
	connect_as("carol", "carolpw", "sales", "198.51.100.9");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(!cli.ready);
	UNIT_ASSERT(strstr(srv.why, "step modecfg failed"));
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 2);
	disconnect();
	/* sessions live in copies now: end them through their own state */
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	end_session(&s2);
	end_session(&c2);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	teardown();
}

UNIT_TEST(wrong_password_refused_with_the_reason)
{
	struct ezv_stats st;

	setup();
	connect_as("alice", "nope", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(cli.dead);
	UNIT_ASSERT(strstr(srv.why, "wrong password"));
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.logins_ok, 0);
	/* our client answers once; the server asked again, the client gave up
	 * (the retry limit itself: test_easyvpn_xauth) */
	UNIT_ASSERT(st.logins_failed >= 1);
	disconnect();
	teardown();
}

UNIT_TEST(unknown_user_and_group_lock)
{
	setup();
	connect_as("mallory", "x", "sales", "198.51.100.20");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "no such user"));
	disconnect();
	/* erin is in eng, logging in with the sales group key */
	connect_as("erin", "erinpw", "sales", "198.51.100.21");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "group-lock"));
	disconnect();
	/* with her own group it works */
	connect_as("erin", "erinpw", "eng", "198.51.100.21");
	UNIT_ASSERT(srv.ready);
	disconnect();
	teardown();
}

/* Hybrid (64221): the client has no key, so the group name it sends as
 * KEY_ID proved nothing: it neither picks the group nor trips group-lock;
 * the user's own group decides.  XAUTH still runs (no password, no login). */
UNIT_TEST(hybrid_group_comes_from_the_user)
{
	struct ezv_session_filter f = { .group = "eng" };

	setup();
	p1_auth = 64221;			/* HybridInitRSA */
	connect_as("erin", "erinpw", "sales", "198.51.100.21");
	UNIT_ASSERT(srv.ready && srv.authorized);
	UNIT_ASSERT_EQ_STR(srv.user, "erin");
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &f, NULL, NULL), 1);
	f.group = "sales";
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &f, NULL, NULL), 0);
	disconnect();
	connect_as("erin", "wrong", "eng", "198.51.100.21");
	UNIT_ASSERT(srv.dead && !srv.authorized);
	disconnect();
	teardown();
}

UNIT_TEST(source_locked_out_after_repeated_failures)
{
	struct ezv_stats st;

	setup();
	for (int i = 0; i < 3; i++) {
		connect_as("alice", "bad", "sales", "198.51.100.30");
		UNIT_ASSERT(srv.dead);
		disconnect();
	}
	/* locked out: even the right password is refused at once */
	connect_as("alice", "alicepw", "sales", "198.51.100.30");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "step xauth failed"));
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT(st.locked_out >= 1);
	disconnect();
	/* another source is not affected, but alice herself is locked out
	 * now (the per-user limit) */
	connect_as("carol", "carolpw", "sales", "198.51.100.31");
	UNIT_ASSERT(srv.ready);
	disconnect();
	connect_as("alice", "alicepw", "sales", "198.51.100.31");
	UNIT_ASSERT(srv.dead);
	disconnect();
	teardown();
}

/* Behind one address, a guesser with an account of its own cannot reset
 * the limit by logging in between guesses: the guessed user is locked out
 * everywhere, the guesser's address too (issue 10, item 9). */
UNIT_TEST(another_users_success_never_clears_a_lockout)
{
	setup();
	for (int round = 0; round < 2; round++) {
		connect_as("alice", "guess", "sales", "198.51.100.50");
		UNIT_ASSERT(srv.dead);
		disconnect();
		if (round == 0) {
			connect_as("alice", "guess2", "sales", "198.51.100.50");
			UNIT_ASSERT(srv.dead);
			disconnect();
		}
		connect_as("carol", "carolpw", "sales", "198.51.100.50");
		if (round == 0)
			UNIT_ASSERT(srv.ready);
		disconnect();
	}
	/* alice failed 3 times: even her right password from elsewhere is
	 * refused now, without asking the user database */
	connect_as("alice", "alicepw", "sales", "198.51.100.51");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(!srv.ready);
	disconnect();
	/* the guessing address failed 3 times too, carol's login between
	 * did not clear it */
	connect_as("carol", "carolpw", "sales", "198.51.100.50");
	UNIT_ASSERT(srv.dead);
	disconnect();
	/* others are not affected */
	connect_as("carol", "carolpw", "sales", "198.51.100.52");
	UNIT_ASSERT(srv.ready);
	disconnect();
	teardown();
}

UNIT_TEST(max_logins_refuses_a_second_session)
{
	struct evs_session s1, c1;

	setup();
	connect_as("bob", "bobpw", "sales", "198.51.100.7");
	UNIT_ASSERT(cli.ready);
	s1 = srv;
	c1 = cli;
	connect_as("bob", "bobpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "max-logins 1"));
	disconnect();
	end_session(&s1);
	end_session(&c1);
	/* once the first is gone, bob may log in again */
	connect_as("bob", "bobpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	disconnect();
	teardown();
}

/* What the quick mode responder asks the mode-config step (phase2.c via
 * session_check_ids) about the client's IDci and IDcr. */
static uint16_t claim_to(struct evs_session *s, const char *net, unsigned plen,
			 const char *to, unsigned to_plen, struct evs_err *why)
{
	struct evs_prefix ci = { .family = strchr(net, ':') ? AF_INET6 : AF_INET,
				 .plen = (uint8_t)plen };
	struct evs_prefix cr = { .family = strchr(to, ':') ? AF_INET6 : AF_INET,
				 .plen = (uint8_t)to_plen };
	unsigned i = 0;

	while (strcmp(steps[i]->name, "modecfg"))
		i++;
	UNIT_ASSERT(inet_pton(ci.family, net, ci.addr) == 1);
	UNIT_ASSERT(inet_pton(cr.family, to, cr.addr) == 1);
	why->msg[0] = '\0';
	return steps[i]->check_ids(s, &s->state[i], &ci, &cr, why);
}

static uint16_t claim(struct evs_session *s, const char *net, unsigned plen,
		      struct evs_err *why)
{
	return claim_to(s, net, plen, "192.168.77.0", 24, why);
}

UNIT_TEST(network_extension_claims_only_allowed_networks)
{
	struct evs_err why;

	setup();
	connect_as("dave", "davepw", "branch", "198.51.100.9");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT(!srv.have_inner);			/* no address in this mode */
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why), 0);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.207.0", 24, &why), 0);
	/* the gateway's own LAN: refused, and the log line says who and why */
	UNIT_ASSERT_EQ_INT(claim(&srv, "192.168.77.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT_EQ_STR(why.msg, "network extension: user \"dave\" (group \"branch\") from "
			   "198.51.100.9 may not claim IDci 192.168.77.0/24: outside every "
			   "`network-extension allow` prefix");
	/* outside the allow list, or wider than it */
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.208.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "outside every"));
	UNIT_ASSERT_EQ_INT(claim(&srv, "0.0.0.0", 0, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	/* a pool's addresses */
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.1.10", 32, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	/* the tunnel's own endpoints, even inside an allowed prefix */
	UNIT_ASSERT_EQ_INT(claim(&srv, "203.0.113.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "gateway's own address"));
	disconnect();
	teardown();
}

UNIT_TEST(client_mode_claims_only_its_address)
{
	struct evs_err why;
	char a[16];

	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	inet_ntop(AF_INET, srv.inner.addr, a, sizeof(a));
	UNIT_ASSERT_EQ_INT(claim(&srv, a, 32, &why), 0);
	UNIT_ASSERT_EQ_INT(claim(&srv, "192.168.77.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "client mode: user \"alice\""));
	UNIT_ASSERT(strstr(why.msg, "only its assigned address 10.77.1.10"));
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.1.11", 32, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	disconnect();
	teardown();
}

/* evsd's client asks for IPv6 too: a dual-stack group gives it a /128
 * beside its IPv4 address, and both families' split networks become its
 * remote networks (one quick mode per family); the gateway binds the
 * IPv6 IDci to that /128. */
UNIT_TEST(client_takes_an_ipv6_address_and_networks)
{
	struct evs_err why;
	char a6[INET6_ADDRSTRLEN];

	setup();
	connect_as("olga", "olgapw", "dual", "198.51.100.7");
	UNIT_ASSERT(srv.ready && cli.ready);
	UNIT_ASSERT(cli.have_inner && cli.have_inner6);
	UNIT_ASSERT_EQ_INT(cli.inner6.plen, 128);
	UNIT_ASSERT_MEM_EQ(cli.inner6.addr, srv.inner6.addr, 16);
	UNIT_ASSERT_MEM_EQ(cli.inner6.addr, ((uint8_t[]){ 0x20, 1, 0x0d, 0xb8, 0, 0x99 }), 6);
	UNIT_ASSERT_EQ_INT(cli.n_nets, 2);
	UNIT_ASSERT_EQ_INT(cli.nets[0].family, AF_INET);
	UNIT_ASSERT_EQ_INT(cli.nets[1].family, AF_INET6);
	UNIT_ASSERT_EQ_INT(cli.nets[1].plen, 64);
	inet_ntop(AF_INET6, cli.inner6.addr, a6, sizeof(a6));
	UNIT_ASSERT_EQ_INT(claim_to(&srv, a6, 128, "2001:db8:77::", 64, &why), 0);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:99::77", 128, "2001:db8:77::", 64, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "IPv6: only its assigned address"));
	disconnect();
	/* a group without IPv6: the client gets none, and no IPv6 network */
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(cli.ready && !cli.have_inner6);
	UNIT_ASSERT_EQ_INT(cli.n_nets, 1);
	disconnect();
	teardown();
}

/* Network extension with an IPv6 LAN: the IPv6 IDci goes through the same
 * checks as an IPv4 one (the allow list, the pools, other sessions). */
UNIT_TEST(network_extension_claims_an_ipv6_lan)
{
	struct evs_session s1, c1;
	struct evs_err why;

	setup();
	connect_as("ivan", "ivanpw", "branch6", "198.51.100.9");
	UNIT_ASSERT(srv.ready && !srv.have_inner6);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:200::", 64, "2001:db8:77::", 64, &why), 0);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "10.78.1.0", 24, "192.168.77.0", 24, &why), 0);
	/* the gateway's LAN, a pool, wider than allowed */
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:77::", 64, "2001:db8:77::", 64, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT_EQ_STR(why.msg, "network extension: user \"ivan\" (group \"branch6\") from "
			   "198.51.100.9 may not claim IDci 2001:db8:77::/64: outside every "
			   "IPv6 `network-extension allow` prefix");
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:99::", 120, "2001:db8:77::", 64, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:200::", 48, "2001:db8:77::", 64, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	/* IDcr: only what the policy tunnels */
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:200::", 64, "2001:db8:78::", 64, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "may not reach IDcr 2001:db8:78::/64"));
	s1 = srv;
	c1 = cli;
	/* another branch may not overlap it */
	connect_as("jack", "jackpw", "branch6", "198.51.100.10");
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:200::", 56, "2001:db8:77::", 64, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "overlaps 2001:db8:200::/64 of user \"ivan\""));
	UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:200:ff::", 64, "2001:db8:77::", 64, &why), 0);
	disconnect();
	end_session(&s1);
	end_session(&c1);
	teardown();
}

/* Plain pre-share with an address identity (a main-mode address key) is
 * asked for XAUTH like a group; only a site-to-site key skips it. */
UNIT_TEST(every_peer_logs_in_unless_site_to_site)
{
	struct evs_err why;

	setup();
	p1_auth = 1;				/* pre-share, no XAUTH offered */
	p1_keyid = false;
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_STR(srv.label, "alice");	/* XAUTH ran, */
	UNIT_ASSERT(srv.have_inner);		/* mode config bound it */
	UNIT_ASSERT(srv.authorized);
	UNIT_ASSERT_EQ_STR(srv.user, "alice");
	disconnect();
	/* the same with a certificate (rsa-sig) */
	p1_auth = 3;
	connect_as("bob", "bobpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready && srv.authorized);
	UNIT_ASSERT_EQ_STR(srv.user, "bob");
	disconnect();
	/* a wrong password: no login, the session ends */
	connect_as("alice", "wrong", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.dead && !srv.authorized);
	disconnect();
	/* a no-xauth key: no XAUTH, no Easy VPN policy; the key's selectors
	 * bind its quick modes (phase2.c), so mode config does not refuse */
	p1_auth = 1;
	p1_site = true;
	connect_as("alice", "alicepw", "sales", "198.51.100.9");
	UNIT_ASSERT(srv.ready && !srv.authorized && !srv.have_inner);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.9.9.0", 24, &why), 0);
	disconnect();
	p1_auth = 65001;
	p1_keyid = true;
	p1_site = false;
	teardown();
}

UNIT_TEST(idcr_only_what_the_policy_tunnels)
{
	struct evs_err why;
	char a[16];

	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	inet_ntop(AF_INET, srv.inner.addr, a, sizeof(a));
	/* split-include 192.168.77.0/24: that, a part of it, or the "any"
	 * Cisco clients propose; nothing else of the gateway's side */
	UNIT_ASSERT_EQ_INT(claim_to(&srv, a, 32, "192.168.77.0", 24, &why), 0);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, a, 32, "192.168.77.5", 32, &why), 0);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, a, 32, "0.0.0.0", 0, &why), 0);
	UNIT_ASSERT_EQ_INT(claim_to(&srv, a, 32, "10.0.0.0", 8, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "may not reach IDcr 10.0.0.0/8"));
	UNIT_ASSERT_EQ_INT(claim_to(&srv, a, 32, "192.168.0.0", 16, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	disconnect();
	teardown();
}

UNIT_TEST(overlapping_network_extension_claims_refused)
{
	struct evs_session s1, c1, s2, c2;
	struct evs_err why;

	setup();
	connect_as("dave", "davepw", "branch", "198.51.100.9");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why), 0);
	s1 = srv;
	c1 = cli;
	/* another branch: equal, more specific or covering claims are dave's
	 * traffic; refused with who holds it */
	connect_as("frank", "frankpw", "branch", "198.51.100.10");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "network extension: user \"frank\" (group \"branch\") from "
			   "198.51.100.10 may not claim IDci 10.77.200.0/24: overlaps "
			   "10.77.200.0/24 of user \"dave\" from 198.51.100.9"));
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.128", 25, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 21, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "overlaps 10.77.200.0/24 of user \"dave\""));
	/* its own network is fine, and then dave may not take it */
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.201.0", 24, &why), 0);
	UNIT_ASSERT_EQ_INT(claim(&s1, "10.77.201.0", 25, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	s2 = srv;
	c2 = cli;
	/* dave renews Phase 1 from the same peer: his network stays his */
	connect_as("dave", "davepw", "branch", "198.51.100.9");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why), 0);
	disconnect();
	/* when dave's sessions end, the network is free */
	end_session(&s1);
	end_session(&c1);
	srv = s2;
	UNIT_ASSERT_EQ_INT(claim(&s2, "10.77.200.0", 24, &why), 0);
	end_session(&s2);
	end_session(&c2);
	teardown();
}

static unsigned step_index(const char *name)
{
	unsigned i = 0;

	while (strcmp(steps[i]->name, name))
		i++;
	return i;
}

/* The server's part of step x as the record holds it, parsed; NULL when
 * the step keeps nothing. */
static struct json_object *step_saved(unsigned x)
{
	struct jsonw w = { 0 };
	struct json_object *o = NULL;
	size_t len;
	char *t;

	if (!steps[x]->save(&srv, &srv.state[x], &w)) {
		UNIT_ASSERT(!w.n);
		return NULL;
	}
	t = jsonw_finish(&w, &len);
	UNIT_ASSERT(t);
	o = json_tokener_parse(t);
	UNIT_ASSERT(o);
	/* json-c's plain form: printed back the same */
	UNIT_ASSERT_EQ_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), t);
	free(t);
	return o;
}

/* What a restarted evsd (or a new HA active) does with one session's
 * record: both steps restored on a fresh session of the same login. */
static int restore_on(struct evs_session *sv, struct evs_session *cl, const char *user,
		      const char *pw, const char *client_ip, const char *record,
		      struct evs_err *why)
{
	unsigned x = step_index("xauth"), m = step_index("modecfg");
	struct json_object *o = json_tokener_parse(record);
	int rc;

	UNIT_ASSERT(o);
	prepare_on(sv, cl, user, pw, "branch", client_ip);
	sv->begun[x] = true;
	rc = steps[x]->restore(sv, step_args[x], &sv->state[x], o, why);
	json_object_put(o);
	if (rc)
		return rc;
	sv->begun[m] = true;
	rc = steps[m]->restore(sv, step_args[m], &sv->state[m], NULL, why);
	sv->step = n_steps;
	sv->ready = !rc;
	return rc;
}

/* A network-extension client's networks are in its session record and
 * claimed again when the record is adopted (a restart, an HA takeover):
 * another branch may still not claim them. */
UNIT_TEST(network_extension_claims_survive_a_restart)
{
	unsigned x;
	struct evs_session s1, c1;
	struct evs_err why;
	struct json_object *o, *a;
	char *record, *bad;

	setup();
	x = step_index("xauth");
	connect_as("dave", "davepw", "branch", "198.51.100.9");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why), 0);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.207.128", 25, &why), 0);
	o = step_saved(x);
	UNIT_ASSERT(o);
	UNIT_ASSERT(json_object_object_get_ex(o, "claims", &a));
	UNIT_ASSERT_EQ_INT((int)json_object_array_length(a), 2);
	record = strdup(json_object_to_json_string(o));
	UNIT_ASSERT(!strcmp(json_object_get_string(json_object_array_get_idx(a, 0)),
			    "10.77.207.128/25") &&
		    !strcmp(json_object_get_string(json_object_array_get_idx(a, 1)),
			    "10.77.200.0/24"));
	json_object_put(o);
	/* evsd dies: its sessions end without a trace in the new one */
	disconnect();

	UNIT_ASSERT_EQ_INT(restore_on(&s1, &c1, "dave", "davepw", "198.51.100.9", record, &why),
			   0);
	connect_as("frank", "frankpw", "branch", "198.51.100.10");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "overlaps 10.77.200.0/24 of user \"dave\""));
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.207.0", 24, &why),
			   ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT(strstr(why.msg, "overlaps 10.77.207.128/25 of user \"dave\""));
	/* a second record claiming what a restored session holds is not
	 * adopted, and leaves nothing claimed behind */
	{
		struct evs_session s2, c2;

		UNIT_ASSERT_EQ_INT(restore_on(&s2, &c2, "dave", "davepw", "198.51.100.19",
					      record, &why), -1);
		UNIT_ASSERT(strstr(why.msg, "easyvpn: claim 10.77.20"));
		end_session(&s2);
	}
	/* the restored session's end frees its networks */
	end_session(&s1);
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.200.0", 24, &why), 0);
	disconnect();

	/* damaged claims: the record is refused, nothing stays claimed */
	bad = strdup(record);
	memcpy(strstr(bad, "10.77.200.0"), "10.77.300.0", 11);
	UNIT_ASSERT_EQ_INT(restore_on(&s1, &c1, "dave", "davepw", "198.51.100.9", bad, &why),
			   -1);
	UNIT_ASSERT(strstr(why.msg, "easyvpn: bad claim"));
	end_session(&s1);
	free(bad);
	connect_as("frank", "frankpw", "branch", "198.51.100.10");
	UNIT_ASSERT_EQ_INT(claim(&srv, "10.77.207.0", 24, &why), 0);
	disconnect();
	free(record);
	teardown();
}

static void count_in_use6(const struct pool6_info *pi, void *arg)
{
	*(unsigned *)arg += pi->in_use;
}

static unsigned leases6(void)
{
	unsigned n = 0;

	ezv_pool6_walk(ezv, count_in_use6, &n);
	return n;
}

/* Push mode (`modecfg push`) with an IPv6 pool: the SET carries an
 * IPv6 /128 beside the IPv4 address.  A push client that takes it ACKs
 * it (as strongSwan): the gateway binds its IPv6 IDci to it, the lease is
 * in the session record and held again when the record is adopted (a
 * restart, an HA takeover).  One that does not (evsd's client with `ipv6
 * off`, as libreswan) ACKs without it: the address goes back to the pool
 * at once and no IPv6 IDci is accepted.  evsd's client sends a REQUEST
 * even to a push gateway: the REQUEST decides the same way.  A push group
 * without IPv6 pushes as before. */
UNIT_TEST(push_mode_pushes_an_ipv6_address_kept_only_when_taken)
{
	unsigned x;
	struct evs_session s1, c1;
	struct evs_err why;
	struct json_object *o, *j;
	char a6[INET6_ADDRSTRLEN], *record;

	extra_conf = "user olga {\n  modecfg push\n}\nuser alice {\n  modecfg push\n}\n";
	setup();
	x = step_index("xauth");
	for (int req = 0; req < 2; req++) {
		push_client = !req;
		connect_as("olga", "olgapw", "dual", "198.51.100.7");
		UNIT_ASSERT(srv.ready && cli.ready);
		UNIT_ASSERT(cli.have_inner && cli.have_inner6 && srv.have_inner6);
		UNIT_ASSERT_MEM_EQ(cli.inner6.addr, srv.inner6.addr, 16);
		UNIT_ASSERT_MEM_EQ(cli.inner6.addr,
				   ((uint8_t[]){ 0x20, 1, 0x0d, 0xb8, 0, 0x99 }), 6);
		UNIT_ASSERT_EQ_INT(cli.n_nets, 2);	/* the IPv6 split list pushed */
		UNIT_ASSERT_EQ_INT(leases6(), 1);
		UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
		inet_ntop(AF_INET6, cli.inner6.addr, a6, sizeof(a6));
		UNIT_ASSERT_EQ_INT(claim_to(&srv, a6, 128, "2001:db8:77::", 64, &why), 0);
		if (!req)
			break;
		disconnect();
		UNIT_ASSERT_EQ_INT(leases6(), 0);
	}
	o = step_saved(x);
	UNIT_ASSERT(o);
	UNIT_ASSERT(json_object_object_get_ex(o, "addr6", &j));
	UNIT_ASSERT(!strncmp(json_object_get_string(j), a6, strlen(a6)));
	record = strdup(json_object_to_json_string(o));
	json_object_put(o);
	disconnect();
	UNIT_ASSERT_EQ_INT(leases6(), 0);

	/* the record adopted: the IPv6 address held again, its IDci bound,
	 * and back to the pool when the session ends */
	UNIT_ASSERT_EQ_INT(restore_on(&s1, &c1, "olga", "olgapw", "198.51.100.7", record, &why),
			   0);
	UNIT_ASSERT_EQ_INT(leases6(), 1);
	UNIT_ASSERT_EQ_INT(claim_to(&s1, a6, 128, "2001:db8:77::", 64, &why), 0);
	/* a second record holding the same address is not adopted and
	 * leaves the ledger as it was */
	{
		struct evs_session s2, c2;

		UNIT_ASSERT_EQ_INT(restore_on(&s2, &c2, "olga", "olgapw", "198.51.100.17",
					      record, &why), -1);
		UNIT_ASSERT(strstr(why.msg, "address in use by another connection"));
		end_session(&s2);
		UNIT_ASSERT_EQ_INT(leases6(), 1);
		UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	}
	end_session(&s1);
	UNIT_ASSERT_EQ_INT(leases6(), 0);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	/* an address outside every IPv6 pool: refused, nothing held */
	memcpy(strstr(record, a6), "2001:db8:98::", 13);
	UNIT_ASSERT_EQ_INT(restore_on(&s1, &c1, "olga", "olgapw", "198.51.100.7", record, &why),
			   -1);
	UNIT_ASSERT(strstr(why.msg, "easyvpn: IPv6 address 2001:db8:98::"));
	end_session(&s1);
	UNIT_ASSERT_EQ_INT(leases6(), 0);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	free(record);

	/* a client that does not take it, by its ACK, then by its REQUEST */
	peer.ipv6_off = true;
	for (int req = 0; req < 2; req++) {
		push_client = !req;
		connect_as("olga", "olgapw", "dual", "198.51.100.7");
		UNIT_ASSERT(srv.ready && cli.ready);
		UNIT_ASSERT(cli.have_inner && !cli.have_inner6 && !srv.have_inner6);
		UNIT_ASSERT_EQ_INT(cli.n_nets, 1);
		UNIT_ASSERT_EQ_INT(leases6(), 0);
		UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
		UNIT_ASSERT_EQ_INT(claim_to(&srv, "2001:db8:99::1", 128, "2001:db8:77::", 64,
					    &why), ISAKMP_N_INVALID_ID_INFORMATION);
		UNIT_ASSERT(strstr(why.msg, "IPv6: only its assigned address (none)"));
		o = step_saved(x);
		UNIT_ASSERT(o && !json_object_object_get_ex(o, "addr6", &j));
		json_object_put(o);
		disconnect();
		UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	}
	peer.ipv6_off = false;

	/* a push group without IPv6: the SET as before, no IPv6 lease */
	push_client = true;
	connect_as("alice", "alicepw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready && cli.ready);
	UNIT_ASSERT(cli.have_inner && !cli.have_inner6 && !srv.have_inner6);
	UNIT_ASSERT_EQ_INT(cli.n_nets, 1);
	UNIT_ASSERT_EQ_INT(leases6(), 0);
	disconnect();
	push_client = false;
	extra_conf = "";
	teardown();
}

UNIT_TEST(renewed_phase1_keeps_the_address)
{
	struct evs_session s1, c1;

	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	s1 = srv;
	c1 = cli;
	/* Phase 1 renewed from the same peer, XAUTH and mode config again */
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT(cli.have_inner);
	UNIT_ASSERT_MEM_EQ(srv.inner.addr, s1.inner.addr, 4);
	UNIT_ASSERT_MEM_EQ(cli.inner.addr, c1.inner.addr, 4);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	/* the old session ends: the address stays with the new one */
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	disconnect();
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);

	/* the new Phase 1 dies first: the address goes back to the old one */
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	s1 = srv;
	c1 = cli;
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT_MEM_EQ(srv.inner.addr, s1.inner.addr, 4);
	disconnect();
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);

	/* the same user from another peer is another client */
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	s1 = srv;
	c1 = cli;
	connect_as("alice", "alicepw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT(memcmp(srv.inner.addr, s1.inner.addr, 4));
	disconnect();
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	teardown();
}

/* The same for a dual-stack client: its IPv6 /128 stays with the renewed
 * Phase 1 (its IPv6 selectors and RRI route stay valid), and goes back to
 * the old session when the new Phase 1 dies first. */
UNIT_TEST(renewed_phase1_keeps_the_ipv6_address)
{
	struct evs_session s1, c1;

	setup();
	connect_as("olga", "olgapw", "dual", "198.51.100.7");
	UNIT_ASSERT(srv.ready && srv.have_inner6);
	s1 = srv;
	c1 = cli;
	connect_as("olga", "olgapw", "dual", "198.51.100.7");
	UNIT_ASSERT(srv.ready && srv.have_inner6 && cli.have_inner6);
	UNIT_ASSERT_MEM_EQ(srv.inner6.addr, s1.inner6.addr, 16);
	UNIT_ASSERT_MEM_EQ(cli.inner6.addr, c1.inner6.addr, 16);
	UNIT_ASSERT_EQ_INT(leases6(), 1);
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(leases6(), 1);
	disconnect();
	UNIT_ASSERT_EQ_INT(leases6(), 0);

	connect_as("olga", "olgapw", "dual", "198.51.100.7");
	s1 = srv;
	c1 = cli;
	connect_as("olga", "olgapw", "dual", "198.51.100.7");
	UNIT_ASSERT_MEM_EQ(srv.inner6.addr, s1.inner6.addr, 16);
	disconnect();
	UNIT_ASSERT_EQ_INT(leases6(), 1);
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(leases6(), 0);
	teardown();
}

UNIT_TEST(max_logins_lets_a_renewal_in)
{
	struct evs_session s1, c1;

	setup();
	connect_as("bob", "bobpw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	s1 = srv;
	c1 = cli;
	connect_as("bob", "bobpw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_MEM_EQ(srv.inner.addr, s1.inner.addr, 4);
	disconnect();
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	teardown();
}

/* max-logins counts a user's logins in O(1): one session of the user (its
 * head) holds the count.  The count follows sessions coming and going,
 * the head among them, and a renewal from the same peer is no other
 * login. */
UNIT_TEST(max_logins_count_follows_the_sessions_of_one_user)
{
	enum { N = 12 };
	static struct evs_session sv[N + 2], cl[N + 2];
	char ip[INET_ADDRSTRLEN];

	extra_conf = "user dave {\n  max-logins 12\n}\n";
	setup();
	for (int i = 0; i < N; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", 1 + i);
		connect_on(&sv[i], &cl[i], "dave", "davepw", "branch", ip);
		UNIT_ASSERT(sv[i].ready);
		UNIT_ASSERT_EQ_INT(ezv_user_logins(ezv, "dave"), i + 1);
	}
	/* one more from another peer is refused */
	connect_on(&sv[N], &cl[N], "dave", "davepw", "branch", "203.0.113.200");
	UNIT_ASSERT(sv[N].dead);
	UNIT_ASSERT(strstr(sv[N].why, "already has 12 sessions (max-logins 12)"));
	end_session(&sv[N]);
	end_session(&cl[N]);
	/* a renewal from the first peer is let in (and is counted) */
	connect_on(&sv[N + 1], &cl[N + 1], "dave", "davepw", "branch", "198.51.100.1");
	UNIT_ASSERT(sv[N + 1].ready);
	UNIT_ASSERT_EQ_INT(ezv_user_logins(ezv, "dave"), N + 1);
	/* the first login (the head) and every other one end */
	for (int i = 0; i < N; i += 2) {
		end_session(&sv[i]);
		end_session(&cl[i]);
	}
	UNIT_ASSERT_EQ_INT(ezv_user_logins(ezv, "dave"), N / 2 + 1);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &(struct ezv_session_filter){ .user = "dave" },
					    NULL, NULL), N / 2 + 1);
	UNIT_ASSERT_EQ_INT(ezv_user_logins(ezv, "alice"), 0);
	/* room again: a new peer gets in */
	connect_on(&sv[N], &cl[N], "dave", "davepw", "branch", "203.0.113.200");
	UNIT_ASSERT(sv[N].ready);
	UNIT_ASSERT_EQ_INT(ezv_user_logins(ezv, "dave"), N / 2 + 2);
	for (int i = 1; i < N; i += 2) {
		end_session(&sv[i]);
		end_session(&cl[i]);
	}
	for (int i = N; i < N + 2; i++) {
		end_session(&sv[i]);
		end_session(&cl[i]);
	}
	UNIT_ASSERT_EQ_INT(ezv_user_logins(ezv, "dave"), 0);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, NULL, NULL, NULL), 0);
	extra_conf = "";
	teardown();
}

UNIT_TEST(churn_leaves_the_pool_as_it_started)
{
	setup();
	for (int i = 0; i < 50; i++) {
		connect_as(i % 2 ? "alice" : "bob", i % 2 ? "alicepw" : "bobpw", "sales",
			   "198.51.100.7");
		UNIT_ASSERT(cli.ready);
		disconnect();
	}
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	teardown();
}

/* The login deadline (xauth timeout, 90 s here) is kept on the engine's
 * clock (evs_session_now) and checked against the tick's: a client that
 * never answers is given up 90 s of that clock later, whatever the host's
 * clock says. */
UNIT_TEST(xauth_deadline_runs_on_the_engine_clock)
{
	setup();
	fake_now = 5000000;
	prepare("alice", "alicepw", "sales", "198.51.100.60");
	run_steps(&srv);		/* the client never answers */
	drop_queue();
	UNIT_ASSERT(!srv.dead && !srv.ready);
	/* The session's deadline is what the daemon wakes for; a tick before
	 * it leaves it due at the same time. */
	UNIT_ASSERT_EQ_INT(ezv_next_due(ezv), fake_now + 90000);
	UNIT_ASSERT_EQ_INT(ezv_tick(ezv, fake_now + 89999), 1);
	UNIT_ASSERT(!srv.dead);
	UNIT_ASSERT_EQ_INT(ezv_next_due(ezv), fake_now + 90000);
	ezv_tick(ezv, fake_now + 90000);
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT_EQ_STR(srv.why, "XAUTH timed out");
	fake_now = 1000000;
	disconnect();
	teardown();
}

UNIT_TEST(group_key_lookup_hides_unknown_groups)
{
	struct isakmp_id id = { .type = ISAKMP_ID_KEY_ID };
	struct sockaddr_in a = { .sin_family = AF_INET };

	setup();
	id.data = (const uint8_t *)"sales";
	id.len = 5;
	UNIT_ASSERT(ezv_psk_lookup(&id, (struct sockaddr *)&a, ezv) != NULL);
	id.data = (const uint8_t *)"nosuch";
	id.len = 6;
	/* NULL: the engine goes on with a random key and fails at HASH_I */
	UNIT_ASSERT(ezv_psk_lookup(&id, (struct sockaddr *)&a, ezv) == NULL);
	id.type = ISAKMP_ID_IPV4_ADDR;
	UNIT_ASSERT(ezv_psk_lookup(&id, (struct sockaddr *)&a, ezv) == NULL);
	teardown();
}

/* Peer strings reach the log escaped: no control byte in any line, and an
 * ESC or a newline shows as \x1b / \n (issue 10, item 8). */
static void assert_no_control_bytes_in_lines(void)
{
	for (const char *p = unit_logged; *p; p++)
		UNIT_ASSERT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ?
			    true : *p == '\n' && (p == unit_logged || p[-1] != '\n'));
}

UNIT_TEST(peer_strings_are_logged_escaped)
{
	static const char group[] = "x\x1b[2J\nevsd: forged \"line\"\\";
	struct isakmp_id id = { .type = ISAKMP_ID_KEY_ID };
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned lines = 0;

	setup();
	unit_logged[0] = '\0';
	evsd_log_set_hook(unit_log_hook, NULL);
	id.data = (const uint8_t *)group;
	id.len = sizeof(group) - 1;
	UNIT_ASSERT(ezv_psk_lookup(&id, (struct sockaddr *)&a, ezv) == NULL);
	UNIT_ASSERT(strstr(unit_logged, "unknown group \"x\\x1b[2J\\nevsd: forged \\\"line\\\"\\\\\""));
	/* a user name with control bytes, through XAUTH */
	connect_as("eve\x1b]0;owned\x07\r\nfake", "x", "sales", "198.51.100.40");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(unit_logged, "user \"eve\\x1b]0;owned\\x07\\r\\nfake\""));
	disconnect();
	/* and anything else: the sink escapes every line */
	log_notice("raw %s", "a\nb\x7f\xc3\xa9");
	UNIT_ASSERT(strstr(unit_logged, "raw a\\nb\\x7f\\xc3\\xa9\n"));
	evsd_log_set_hook(NULL, NULL);
	assert_no_control_bytes_in_lines();
	for (const char *p = unit_logged; *p; p++)
		lines += *p == '\n';
	UNIT_ASSERT(lines >= 3);
	teardown();
}

/* ---- the end of a session: one line, the reason, the final figures ----- */

/* A fake kernel: the SAs of one connection and their counters. */
static struct {
	uint32_t conn;
	uint64_t in_bytes, in_pkts, out_bytes, out_pkts;
	bool present;
	unsigned dumps;
} kern;

static int k_route_add(void *karg, uint32_t conn_id, uint32_t addr, unsigned plen,
		       struct evs_err *err)
{
	return 0;
}

static int k_parp_add(void *karg, uint32_t conn_id, uint32_t addr, const char *lan_if,
		      struct evs_err *err)
{
	return 0;
}

static int k_dump(void *karg, ezv_sa_counter_fn fn, void *arg)
{
	kern.dumps++;
	if (kern.present) {
		fn(kern.conn, 0x1000, true, kern.in_bytes, kern.in_pkts, arg);
		fn(kern.conn, 0x2000, false, kern.out_bytes, kern.out_pkts, arg);
	}
	return 0;
}

static const struct ezv_kernel_ops fake_kops = {
	.route_add = k_route_add, .parp_add = k_parp_add, .dump_sa_counters = k_dump,
};

/* The engine's side of a connection coming up / going (phase2.c). */
static void conn_event(struct evs_session *s, uint32_t conn, bool up)
{
	for (unsigned i = 0; i < n_steps; i++)
		if (s->begun[i] && (up ? steps[i]->child_up : steps[i]->child_down))
			(up ? steps[i]->child_up : steps[i]->child_down)(s, &s->state[i], conn);
}

static void show_cb(const struct ezv_session_info *i, void *arg)
{
	*(struct ezv_session_info *)arg = *i;
}

/* The line of one session's end, from the captured log. */
static const char *end_line(void)
{
	return strstr(unit_logged, "session end: ");
}

UNIT_TEST(a_session_end_is_logged_with_its_reason_and_final_traffic)
{
	struct ezv_session_filter f = { .user = "alice" };
	struct ezv_session_info info;
	struct ezv_stats st;
	char want[512];

	setup_k(&fake_kops);
	unit_logged[0] = '\0';
	evsd_log_set_hook(unit_log_hook, NULL);
	fake_now = 2000000;
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	kern = (typeof(kern)){ .conn = srv.id, .present = true, .in_bytes = 1000, .in_pkts = 10,
			       .out_bytes = 2000, .out_pkts = 20 };
	conn_event(&srv, srv.id, true);
	/* session show: the kernel's figures as of the refresh */
	fake_now += 3000;
	ezv_counters_refresh(ezv);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &f, show_cb, &info), 1);
	UNIT_ASSERT_EQ_STR(info.user, "alice");
	UNIT_ASSERT_EQ_STR(info.group, "sales");
	UNIT_ASSERT_EQ_INT(info.addr, 0x0a4d010a);	/* 10.77.1.10 */
	UNIT_ASSERT_EQ_INT(info.rx_bytes, 1000);
	UNIT_ASSERT_EQ_INT(info.tx_packets, 20);
	UNIT_ASSERT_EQ_INT(info.n_conns, 1);
	UNIT_ASSERT_EQ_INT(info.active_ms, fake_now);	/* traffic grew: active now */
	fake_now += 4000;
	ezv_counters_refresh(ezv);
	ezv_session_walk(ezv, &f, show_cb, &info);
	UNIT_ASSERT_EQ_INT(fake_now - info.active_ms, 4000);	/* idle since */
	UNIT_ASSERT(!end_line());
	/* DPD, in ike_sa_kill's order: the connection's SAs are read just
	 * before they leave the kernel (ezv_conn_closing), then end(). */
	kern.in_bytes = 1500;
	kern.in_pkts = 15;
	kern.out_bytes = 2500;
	kern.out_pkts = 25;
	fake_now += 5000;
	srv.end_reason = EVS_END_DPD;
	ezv_conn_closing(ezv, srv.id);
	kern.present = false;
	conn_event(&srv, srv.id, false);
	disconnect();
	UNIT_ASSERT(end_line());
	snprintf(want, sizeof(want), "session end: user \"alice\" group \"sales\" address "
		 "10.77.1.10 from 198.51.100.7: DPD after 12 s; in 1500 bytes 15 packets, out "
		 "2500 bytes 25 packets; login local\n");
	if (strncmp(end_line(), want, strlen(want)))
		UNIT_FAIL("got \"%s\", expected \"%s\"", end_line(), want);
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.sessions_ended, 1);

	/* The ISAKMP SA's lifetime ran out and its connection stays in the
	 * kernel (no ezv_conn_closing): end() reads the counters itself. */
	unit_logged[0] = '\0';
	connect_as("bob", "bobpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	kern = (typeof(kern)){ .conn = srv.id, .present = true, .in_bytes = 70, .in_pkts = 1,
			       .out_bytes = 80, .out_pkts = 1 };
	conn_event(&srv, srv.id, true);
	ezv_counters_refresh(ezv);
	kern.in_bytes = 700;
	kern.in_pkts = 7;
	srv.end_reason = EVS_END_LIFETIME;
	disconnect();
	UNIT_ASSERT(end_line());
	UNIT_ASSERT(strstr(end_line(), "user \"bob\" group \"sales\" address 10.77.1.11 from "
			   "198.51.100.8: lifetime after 0 s; in 700 bytes 7 packets, out 80 bytes "
			   "1 packets; login local"));
	/* A refused login is no session: no end line, a refusal counted. */
	unit_logged[0] = '\0';
	connect_as("carol", "wrong", "sales", "198.51.100.9");
	UNIT_ASSERT(srv.dead);
	disconnect();
	UNIT_ASSERT(!end_line());
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.refused[EZV_REFUSE_CREDENTIALS], 1);
	UNIT_ASSERT_EQ_INT(st.sessions_ended, 2);
	evsd_log_set_hook(NULL, NULL);
	fake_now = 1000000;
	teardown();
}

/* session del: the walk finds the user's sessions, the disconnect ends
 * them with the administrator's reason. */
UNIT_TEST(session_disconnect_by_filter_uses_the_admin_reason)
{
	struct ezv_session_filter f = { .user = "alice" }, g = { .addr = 0x0a4d010a };
	struct ezv_session_info info;

	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &g, show_cb, &info), 1);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &(struct ezv_session_filter){ .user = "bob" },
					    NULL, NULL), 0);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &f, show_cb, &info), 1);
	UNIT_ASSERT_EQ_INT(ezv_session_disconnect(ezv, info.id, EVS_END_ADMIN, "test"), 0);
	UNIT_ASSERT(srv.terminated);
	UNIT_ASSERT_EQ_INT(srv.end_reason, EVS_END_ADMIN);
	UNIT_ASSERT_EQ_INT(ezv_session_disconnect(ezv, 4242, EVS_END_ADMIN, "test"), -1);
	disconnect();
	teardown();
}

/* ---- reload (ezv/reload.c) ------------------------------------------------ */

/* Reload the module with conf_fmt where from is replaced by to (from ""
 * = unchanged); the old configuration is destroyed at once, so ASan
 * sees any pointer a session kept into it.  Returns the sessions ended,
 * or -1 when prepare refused (then nothing changed). */
static int reload_with(const char *from, const char *to, struct evs_err *err)
{
	char text[4096], base[2048];
	struct easyvpn_config *next;
	struct cfg_node *ntree;
	struct ezv_next *n;
	struct evs_err ce;
	const char *at;
	int ended;

	snprintf(base, sizeof(base), conf_fmt, userfile);
	snprintf(base + strlen(base), sizeof(base) - strlen(base), "%s", extra_conf);
	at = from[0] ? strstr(base, from) : NULL;
	UNIT_ASSERT(!from[0] || at);
	if (at)
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - base), base, to,
			 at + strlen(from));
	else
		snprintf(text, sizeof(text), "%s", base);
	ntree = cfg_parse_string(text, "evsd.conf", &ce);
	UNIT_ASSERT(ntree);
	UNIT_ASSERT_EQ_INT(easyvpn_config_load(ntree, &next, &ce), 0);
	n = ezv_reload_prepare(ezv, &cfg.ike, next, NULL, NULL, &ce);
	if (!n) {
		*err = ce;
		easyvpn_config_destroy(next);
		cfg_free(ntree);
		return -1;
	}
	ended = (int)ezv_reload_commit(ezv, n);
	easyvpn_config_destroy(cfg.easyvpn);
	cfg_free(tree);
	cfg.easyvpn = next;
	tree = ntree;
	return ended;
}

static void user_file_edit(const char *del, const char *add, const char *group)
{
	struct userdb db;
	struct evs_err ue;

	userdb_init(&db);
	UNIT_ASSERT_EQ_INT(userdb_load(&db, userfile, false, &ue), 0);
	if (del)
		UNIT_ASSERT_EQ_INT(userdb_del(&db, del, &ue), 0);
	if (add)
		UNIT_ASSERT_EQ_INT(userdb_add(&db, add, group, "pw", USERDB_COST_MIN, &ue), 0);
	UNIT_ASSERT_EQ_INT(userdb_save(&db, userfile, &ue), 0);
	userdb_free(&db);
}

static uint32_t inner(const struct evs_session *s)
{
	return (uint32_t)s->inner.addr[0] << 24 | (uint32_t)s->inner.addr[1] << 16 |
	       (uint32_t)s->inner.addr[2] << 8 | s->inner.addr[3];
}

UNIT_TEST(reload_keeps_live_sessions_and_ends_those_of_a_removed_group)
{
	struct evs_session s1, c1, s2, c2, s3, c3, s4, c4, s5, c5;
	struct evs_err err;

	setup();
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	connect_on(&s2, &c2, "erin", "erinpw", "eng", "198.51.100.8");
	UNIT_ASSERT(c1.ready && c2.ready);
	UNIT_ASSERT_EQ_INT(inner(&c1), 0x0a4d010a);
	UNIT_ASSERT_EQ_INT(inner(&c2), 0x0a4d010b);
	user_file_edit(NULL, "gina", "ops");
	unit_logged[0] = '\0';
	evsd_log_set_hook(unit_log_hook, NULL);
	/* eng removed, a new group ops with its own pool, sales' DNS changed */
	UNIT_ASSERT_EQ_INT(reload_with("group eng {\n  key \"q7Rv2LmX9pWc4ZtKb8Ns\"\n  pool sales\n}\n",
				       "pool ops 10.77.2.10 10.77.2.20\n"
				       "group ops {\n  key \"Zt4Lr6Xc9Vb3MkHn4Wq8\"\n  pool ops\n}\n",
				       &err), 1);
	evsd_log_set_hook(NULL, NULL);
	UNIT_ASSERT(s2.dead && s2.end_reason == EVS_END_RELOAD);
	UNIT_ASSERT(strstr(unit_logged, "disconnecting user \"erin\" (group \"eng\", address "
			   "10.77.1.11): group \"eng\" removed"));
	UNIT_ASSERT(!s1.dead && !s1.terminated);
	/* alice's address is hers in the new pools; erin's came back */
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	UNIT_ASSERT_EQ_INT(pool_owner(cfg.easyvpn->pools, 0x0a4d010a), s1.id);
	UNIT_ASSERT_EQ_INT(pool_owner(cfg.easyvpn->pools, 0x0a4d010b), 0);
	/* the new group works at once, from its new pool */
	connect_on(&s3, &c3, "gina", "pw", "ops", "198.51.100.9");
	UNIT_ASSERT(c3.ready);
	UNIT_ASSERT_EQ_INT(inner(&c3), 0x0a4d020a);
	/* a new sales login never gets alice's address */
	connect_on(&s4, &c4, "bob", "bobpw", "sales", "198.51.100.10");
	UNIT_ASSERT(c4.ready);
	UNIT_ASSERT_EQ_INT(inner(&c4), 0x0a4d010b);
	/* and the removed group lets nobody in */
	connect_on(&s5, &c5, "erin", "erinpw", "eng", "198.51.100.11");
	UNIT_ASSERT(!c5.ready);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 3);
	end_session(&s1);
	end_session(&s3);
	end_session(&s4);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	end_session(&c1);
	end_session(&c2);
	end_session(&c3);
	end_session(&c4);
	if (!s5.dead)
		end_session(&s5);
	if (!c5.dead)
		end_session(&c5);
	drop_queue();
	teardown();
}

/* The settings of a session (sess_eff.c): the users of a group without a
 * user block share one copy, a user with a block has its own; a reload
 * gives new sessions the new settings while live ones keep the copy they
 * were given, which outlives the configuration it came from (destroyed at
 * once by reload_with: ASan sees a use after free, LeakSanitizer a copy
 * nobody lets go of). */
static const struct ezv_settings *eff_of(const struct evs_session *s)
{
	const struct ezv_sess *x = ezv_sess_find(ezv, s->id);

	UNIT_ASSERT(x);
	return x->eff;
}

UNIT_TEST(group_settings_are_shared_and_survive_a_reload)
{
	struct evs_session s1, c1, s2, c2, s3, c3;
	const struct ezv_settings *a, *shared;
	uint32_t dns_before;
	struct evs_err err;

	setup();
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	connect_on(&s2, &c2, "carol", "carolpw", "sales", "198.51.100.8");
	UNIT_ASSERT(c1.ready && c2.ready);
	/* one copy for both, held by them and by the module */
	shared = eff_of(&s1);
	UNIT_ASSERT(eff_of(&s2) == shared);
	UNIT_ASSERT_EQ_INT(ezv_sess_find(ezv, s1.id)->eff_ref->refs, 3);
	UNIT_ASSERT_EQ_INT(shared->n_dns, 1);
	dns_before = shared->dns[0];
	end_session(&s2);
	end_session(&c2);
	UNIT_ASSERT_EQ_INT(ezv_sess_find(ezv, s1.id)->eff_ref->refs, 2);
	/* bob's user block (max-logins 1): his own copy, the group's beneath */
	connect_on(&s2, &c2, "bob", "bobpw", "sales", "198.51.100.8");
	UNIT_ASSERT(c2.ready);
	UNIT_ASSERT(eff_of(&s2) != shared);
	UNIT_ASSERT_EQ_INT(ezv_sess_find(ezv, s2.id)->eff_ref->refs, 1);
	UNIT_ASSERT_EQ_INT(eff_of(&s2)->max_logins, 1);
	UNIT_ASSERT_EQ_INT(shared->max_logins, 0);
	UNIT_ASSERT_EQ_INT(eff_of(&s2)->dns[0], dns_before);
	/* sales' DNS changes: alice keeps hers, the old configuration gone */
	UNIT_ASSERT_EQ_INT(reload_with("dns 192.168.77.53", "dns 192.168.77.54", &err), 0);
	a = eff_of(&s1);
	UNIT_ASSERT(a == shared);
	UNIT_ASSERT_EQ_INT(ezv_sess_find(ezv, s1.id)->eff_ref->refs, 1);
	UNIT_ASSERT_EQ_INT(a->dns[0], dns_before);
	end_session(&s2);
	end_session(&c2);
	/* a new login gets the new group's settings, a new shared copy */
	connect_on(&s3, &c3, "carol", "carolpw", "sales", "198.51.100.9");
	UNIT_ASSERT(c3.ready);
	UNIT_ASSERT(eff_of(&s3) != a);
	UNIT_ASSERT_EQ_INT(eff_of(&s3)->dns[0], dns_before + 1);
	UNIT_ASSERT_EQ_INT(eff_of(&s1)->dns[0], dns_before);
	/* held by carol and the module */
	UNIT_ASSERT_EQ_INT(ezv_sess_find(ezv, s3.id)->eff_ref->refs, 2);
	end_session(&s1);
	end_session(&c1);
	end_session(&s3);
	end_session(&c3);
	drop_queue();
	teardown();
}

UNIT_TEST(reload_ends_sessions_of_a_removed_user_or_a_pool_address)
{
	struct evs_session s1, c1, s2, c2, s3, c3;
	struct evs_err err;

	setup();
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	connect_on(&s2, &c2, "carol", "carolpw", "sales", "198.51.100.8");
	UNIT_ASSERT(c1.ready && c2.ready);
	/* carol leaves the user file */
	user_file_edit("carol", NULL, NULL);
	unit_logged[0] = '\0';
	evsd_log_set_hook(unit_log_hook, NULL);
	UNIT_ASSERT_EQ_INT(reload_with("", "", &err), 1);
	UNIT_ASSERT(s2.dead && s2.end_reason == EVS_END_RELOAD);
	UNIT_ASSERT(strstr(unit_logged, "user \"carol\" removed"));
	UNIT_ASSERT(!s1.dead);
	connect_on(&s3, &c3, "bob", "bobpw", "sales", "198.51.100.9");
	UNIT_ASSERT(c3.ready);
	UNIT_ASSERT_EQ_INT(inner(&c3), 0x0a4d010b);
	/* the pool shrinks to one address: alice's fits, bob's does not */
	UNIT_ASSERT_EQ_INT(reload_with("pool sales 10.77.1.10 10.77.1.11",
				       "pool sales 10.77.1.10 10.77.1.10", &err), 1);
	evsd_log_set_hook(NULL, NULL);
	UNIT_ASSERT(s3.dead && s3.end_reason == EVS_END_RELOAD);
	UNIT_ASSERT(strstr(unit_logged, "address 10.77.1.11 no longer in pool \"sales\""));
	UNIT_ASSERT(!s1.dead);
	UNIT_ASSERT_EQ_INT(pool_owner(cfg.easyvpn->pools, 0x0a4d010a), s1.id);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 1);
	end_session(&s1);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	end_session(&c1);
	end_session(&c2);
	end_session(&c3);
	drop_queue();
	teardown();
}

UNIT_TEST(reload_that_cannot_be_prepared_changes_nothing)
{
	struct evs_session s1, c1, s2, c2;
	struct evs_err err = { "" };
	char bad[128];
	FILE *f;

	setup();
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(c1.ready);
	/* the new configuration names a user file that does not parse */
	snprintf(bad, sizeof(bad), "%s.bad", userfile);
	f = fopen(bad, "w");
	UNIT_ASSERT(f);
	fputs("this is not a user line\n", f);
	fclose(f);
	chmod(bad, 0600);
	UNIT_ASSERT_EQ_INT(reload_with("/users\n", "/users.bad\n", &err), -1);
	UNIT_ASSERT(strstr(err.msg, ".bad"));
	unlink(bad);
	/* the running module is untouched: alice on, her lease held, a new
	 * login served under the old configuration (eng still there) */
	UNIT_ASSERT(!s1.dead);
	UNIT_ASSERT_EQ_INT(pool_owner(cfg.easyvpn->pools, 0x0a4d010a), s1.id);
	connect_on(&s2, &c2, "erin", "erinpw", "eng", "198.51.100.8");
	UNIT_ASSERT(c2.ready);
	end_session(&s1);
	end_session(&s2);
	UNIT_ASSERT_EQ_INT(ezv_leases(ezv), 0);
	end_session(&c1);
	end_session(&c2);
	drop_queue();
	teardown();
}

/* ---- the session indexes ------------------------------------------------ */

/* A stand-in kernel: routes and ARP taken, SA counters from a table. */
static struct {
	uint32_t conn, spi;
	bool inbound;
	uint64_t bytes;
} ksa[8];
static unsigned n_ksa;

static int ktab_dump(void *karg, ezv_sa_counter_fn fn, void *arg)
{
	(void)karg;
	for (unsigned i = 0; i < n_ksa; i++)
		fn(ksa[i].conn, ksa[i].spi, ksa[i].inbound, ksa[i].bytes, 1, arg);
	return 0;
}

static const struct ezv_kernel_ops tab_kops = {
	.route_add = k_route_add, .parp_add = k_parp_add, .dump_sa_counters = ktab_dump,
};

static void child(struct evs_session *s, uint32_t conn, bool up)
{
	unsigned i = step_index("modecfg");

	if (up)
		steps[i]->child_up(s, &s->state[i], conn);
	else
		steps[i]->child_down(s, &s->state[i], conn);
}

struct seen {
	unsigned n;
	uint32_t id;
	uint64_t rx, tx;
	char user[32];
};

static void seen_cb(const struct ezv_session_info *i, void *arg)
{
	struct seen *w = arg;

	w->n++;
	w->id = i->id;
	w->rx = i->rx_bytes;
	w->tx = i->tx_bytes;
	snprintf(w->user, sizeof(w->user), "%s", i->user);
}

static struct seen find(const char *user, uint32_t addr, uint32_t id)
{
	struct ezv_session_filter f = { .user = user, .addr = addr, .id = id };
	struct seen w = { 0 };

	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, &f, seen_cb, &w), w.n);
	return w;
}


/* Lookups by id, user, inner address and connection go through the
 * indexes: each finds its session among several, a connection that moves
 * slots (another one of the session went down) still finds its session,
 * and an ended session is in none of them. */
UNIT_TEST(sessions_are_found_by_index)
{
	struct evs_session s1, c1;
	struct seen w;
	uint32_t a1, a2;

	setup_k(&tab_kops);
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(s1.ready);
	connect_as("carol", "carolpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	a1 = inner(&c1);
	a2 = inner(&cli);
	UNIT_ASSERT(a1 && a2 && a1 != a2);

	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, NULL, NULL, NULL), 2);
	w = find("alice", 0, 0);
	UNIT_ASSERT_EQ_INT(w.n, 1);
	UNIT_ASSERT_EQ_INT(w.id, s1.id);
	w = find("carol", 0, 0);
	UNIT_ASSERT_EQ_INT(w.n, 1);
	UNIT_ASSERT_EQ_INT(w.id, srv.id);
	UNIT_ASSERT_EQ_INT(find("nobody", 0, 0).n, 0);
	UNIT_ASSERT_EQ_INT(find("alice", a2, 0).n, 0);	/* every field must match */
	w = find(NULL, a2, 0);
	UNIT_ASSERT_EQ_INT(w.n, 1);
	UNIT_ASSERT_EQ_STR(w.user, "carol");
	w = find(NULL, 0, s1.id);
	UNIT_ASSERT_EQ_INT(w.n, 1);
	UNIT_ASSERT_EQ_STR(w.user, "alice");
	UNIT_ASSERT_EQ_INT(find(NULL, 0, 999999).n, 0);

	/* counters land on the session that holds the connection */
	child(&s1, 11, true);
	child(&s1, 12, true);
	child(&s1, 13, true);
	child(&srv, 22, true);
	n_ksa = 0;
	ksa[n_ksa++] = (typeof(ksa[0])){ 22, 0x100, true, 500 };
	ksa[n_ksa++] = (typeof(ksa[0])){ 11, 0x200, false, 7 };
	ksa[n_ksa++] = (typeof(ksa[0])){ 99, 0x300, true, 1000 };	/* nobody's */
	ezv_counters_refresh(ezv);
	w = find("carol", 0, 0);
	UNIT_ASSERT_EQ_INT(w.rx, 500);
	w = find("alice", 0, 0);
	UNIT_ASSERT_EQ_INT(w.tx, 7);
	UNIT_ASSERT_EQ_INT(w.rx, 0);
	/* conn 11 goes: conn 13 moves into its slot and is still alice's */
	child(&s1, 11, false);
	ksa[1] = (typeof(ksa[0])){ 13, 0x400, false, 40 };
	ezv_counters_refresh(ezv);
	w = find("alice", 0, 0);
	UNIT_ASSERT_EQ_INT(w.tx, 47);	/* 7 retired with its SA, 40 live */
	child(&s1, 13, false);
	child(&s1, 12, false);
	ezv_counters_refresh(ezv);
	UNIT_ASSERT_EQ_INT(find("alice", 0, 0).tx, 47);

	/* ended: in no index */
	end_session(&s1);
	end_session(&c1);
	UNIT_ASSERT_EQ_INT(find("alice", 0, 0).n, 0);
	UNIT_ASSERT_EQ_INT(find(NULL, a1, 0).n, 0);
	UNIT_ASSERT_EQ_INT(find(NULL, 0, s1.id).n, 0);
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, NULL, NULL, NULL), 1);
	n_ksa = 0;
	disconnect();
	UNIT_ASSERT_EQ_INT(ezv_session_walk(ezv, NULL, NULL, NULL), 0);
	teardown();
}

/* ---- RADIUS Access-Challenge: a question for the person ------------------ */

static struct frad frad;
static char radius_conf[512];

/* A gateway whose users log in through the fake RADIUS server. */
static void setup_radius(enum frad_mode mode, size_t state_len)
{
	UNIT_ASSERT_EQ_INT(frad_start(&frad, mode, state_len), 0);
	snprintf(radius_conf, sizeof(radius_conf),
		 "aaa {\n  authentication radius\n  radius-server 127.0.0.1 {\n"
		 "    key \"%s\"\n    auth-port %u\n  }\n  timeout 1\n  retries 0\n}\n",
		 FRAD_SECRET, frad.port);
	extra_conf = radius_conf;
	setup();
}

static void teardown_radius(void)
{
	teardown();
	frad_stop(&frad);
	extra_conf = "";
}

/* What the person types (evsadm client xauth), and what follows. */
static void type_answer(const char *user, const char *answer)
{
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(ezv_client_xauth(ezv, "gw", user, (const uint8_t *)answer,
					    strlen(answer), &err), 0);
	pump();
}

/* The client waits for the person to type what `ask` names. */
static void assert_waiting_for(const char *ask)
{
	struct ezv_client_info zi;

	UNIT_ASSERT_EQ_INT(ezv_client_info(ezv, "gw", &zi), 0);
	UNIT_ASSERT(zi.xauth_waiting);
	UNIT_ASSERT_EQ_STR(zi.xauth_ask, ask);
}

/* The password passes, RADIUS asks for the next PIN: the client is asked
 * (XAUTH_MESSAGE, ANSWER, no user name), the answer goes back to RADIUS
 * with the State unchanged, and the login is accepted. */
UNIT_TEST(radius_challenge_answered_logs_in)
{
	struct ezv_client_info zi;

	setup_radius(FRAD_CHALLENGE_ONCE, 16);
	connect_as("radchal", "pin1234", "sales", "198.51.100.30");
	UNIT_ASSERT(!srv.dead && !srv.ready);
	UNIT_ASSERT_EQ_INT(frad.requests, 1);
	UNIT_ASSERT_EQ_STR(frad.pass, "pin1234");
	UNIT_ASSERT_EQ_INT(frad.state_seen, 0);
	UNIT_ASSERT_EQ_INT(ezv_client_info(ezv, "gw", &zi), 0);
	UNIT_ASSERT(zi.xauth_waiting);
	UNIT_ASSERT_EQ_STR(zi.xauth_ask, "answer");
	UNIT_ASSERT_EQ_STR(zi.xauth_message, "Enter next PIN");
	UNIT_ASSERT(!zi.xauth_user_asked);
	type_answer("", "123456");
	UNIT_ASSERT_EQ_INT(frad.requests, 2);
	UNIT_ASSERT_EQ_STR(frad.user, "radchal");
	UNIT_ASSERT_EQ_STR(frad.pass, "123456");
	UNIT_ASSERT(frad_state_ok(&frad));
	UNIT_ASSERT(srv.ready && cli.ready);
	UNIT_ASSERT_EQ_STR(srv.user, "radchal");
	disconnect();
	teardown_radius();
}

/* A wrong answer is a refused try: the next try starts from the password
 * (a new login: no State); the last try's wrong answer ends the login.
 * Challenges are not tries: two tries, two refusals, four requests. */
UNIT_TEST(radius_challenge_wrong_answer_refused)
{
	struct ezv_stats st;

	setup_radius(FRAD_CHALLENGE_ONCE, 16);
	connect_as("radchal", "pin1234", "sales", "198.51.100.31");
	assert_waiting_for("answer");
	type_answer("", "654321");
	UNIT_ASSERT(!srv.dead);
	UNIT_ASSERT_EQ_INT(frad.requests, 2);
	assert_waiting_for("password");
	type_answer("radchal", "pin1234");
	UNIT_ASSERT_EQ_INT(frad.requests, 3);
	UNIT_ASSERT_EQ_INT(frad.state_seen, 0);
	assert_waiting_for("answer");
	type_answer("", "000000");
	UNIT_ASSERT(srv.dead && cli.dead);
	UNIT_ASSERT(strstr(srv.why, "RADIUS reject"));
	UNIT_ASSERT_EQ_INT(frad.requests, 4);
	ezv_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.logins_failed, 2);
	UNIT_ASSERT_EQ_INT(st.logins_ok, 0);
	disconnect();
	teardown_radius();
}

/* A server that never stops asking: after XAUTH_CHALLENGE_ROUNDS
 * challenges the try is refused; the next try gets as many; then the
 * login ends.  The person never sees more than that. */
UNIT_TEST(radius_challenge_rounds_are_bounded)
{
	unsigned answers = 0, passwords = 0;
	struct ezv_client_info zi;

	setup_radius(FRAD_CHALLENGE_ALWAYS, 16);
	connect_as("radchal", "pin1234", "sales", "198.51.100.32");
	for (int i = 0; i < 20 && !ezv_client_info(ezv, "gw", &zi) && zi.xauth_waiting; i++) {
		if (!strcmp(zi.xauth_ask, "password")) {
			passwords++;
			type_answer("radchal", "pin1234");
		} else {
			answers++;
			type_answer("", "123456");
		}
	}
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "RADIUS asked more than 4 challenges"));
	UNIT_ASSERT_EQ_INT(answers, 2 * XAUTH_CHALLENGE_ROUNDS);
	UNIT_ASSERT_EQ_INT(passwords, 1);
	UNIT_ASSERT_EQ_INT(frad.requests, 2 * (XAUTH_CHALLENGE_ROUNDS + 1));
	disconnect();
	teardown_radius();
}

/* The State is held until the answer: one of more than RADIUS_STATE_MAX
 * bytes, or two of them, refuse the login without asking anyone; one of
 * RADIUS_STATE_MAX bytes is kept and goes back whole. */
UNIT_TEST(radius_challenge_oversized_state_refused)
{
	setup_radius(FRAD_CHALLENGE_ONCE, RADIUS_STATE_MAX + 1);
	connect_as("radchal", "pin1234", "sales", "198.51.100.33");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "a State longer than 128 bytes, or more than one"));
	UNIT_ASSERT_EQ_INT(frad.requests, 1);
	disconnect();
	teardown_radius();

	setup_radius(FRAD_CHALLENGE_ONCE, 16);
	frad.n_states = 2;
	connect_as("radchal", "pin1234", "sales", "198.51.100.33");
	UNIT_ASSERT(srv.dead);
	UNIT_ASSERT(strstr(srv.why, "or more than one"));
	disconnect();
	teardown_radius();

	setup_radius(FRAD_CHALLENGE_ONCE, RADIUS_STATE_MAX);
	connect_as("radchal", "pin1234", "sales", "198.51.100.33");
	assert_waiting_for("answer");
	type_answer("", "123456");
	UNIT_ASSERT(frad_state_ok(&frad));
	UNIT_ASSERT_EQ_INT(frad.state_seen, RADIUS_STATE_MAX);
	UNIT_ASSERT(srv.ready && cli.ready);
	disconnect();
	teardown_radius();
}

/* ---- RADIUS dynamic authorization: what a request does ------------------- */

static const char dae_conf[] =
	"aaa {\n  nas-identifier gw1\n  nas-ip-address 203.0.113.1\n"
	"  dynamic-authorization {\n    require-message-authenticator no\n"
	"    client 127.0.0.1 {\n      key \"dae-Secret-4711\"\n    }\n  }\n}\n";

static struct sockaddr_storage dae_from(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return ss;
}

#define WALL 1800000000u

/* The answer's Error-Cause (0 for an ACK), -1 for no answer. */
static long dae_send(struct tdae *r, const char *ip, uint8_t *code)
{
	struct sockaddr_storage from = dae_from(ip, 40000);
	uint8_t a[256];
	size_t n = ezv_dae_input(ezv, &from, r->b, r->len, fake_now, WALL, a, sizeof(a));

	if (!n)
		return -1;
	*code = a[0];
	return tdae_verify(a, n, r, "dae-Secret-4711");
}

static void dae_user(struct tdae *r, uint8_t code, uint8_t id, const char *user)
{
	tdae_start(r, code, id);
	if (user)
		tdae_str(r, 1, user);
}

/* Disconnect-Request: the named session ends as an admin reset, ACK;
 * nobody by that name: NAK 503; every attribute given must match; the
 * wrong secret or an unknown source: no answer at all, counted; a
 * retransmission: the same answer, nothing done twice. */
UNIT_TEST(radius_disconnect_ends_the_named_session)
{
	struct evs_session s1, c1;
	struct ezv_dae_stats st;
	struct tdae r;
	uint8_t code = 0;
	uint32_t a2;

	extra_conf = dae_conf;
	terminations = 0;
	setup();
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(s1.ready);
	connect_as("carol", "carolpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	a2 = inner(&cli);

	/* unknown user */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 1, "mallory");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_SESSION_NOT_FOUND);
	UNIT_ASSERT_EQ_INT(code, DAE_DISCONNECT_NAK);
	/* alice's name with carol's address: both must match */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 2, "alice");
	tdae_u32(&r, 8, a2);
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_SESSION_NOT_FOUND);
	UNIT_ASSERT_EQ_INT(terminations, 0);
	/* the wrong secret: nothing happens, nothing is said */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 3, "alice");
	tdae_sign(&r, "guessed");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), -1);
	/* the right secret from a host that is no client */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 4, "alice");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "198.51.100.99", &code), -1);
	UNIT_ASSERT_EQ_INT(terminations, 0);
	/* another NAS named, no identification, a Filter-Id */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 5, "alice");
	tdae_str(&r, 32, "gw2");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_NAS_MISMATCH);
	dae_user(&r, DAE_DISCONNECT_REQUEST, 6, NULL);
	tdae_str(&r, 32, "gw1");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_MISSING_ATTRIBUTE);
	dae_user(&r, DAE_DISCONNECT_REQUEST, 7, "alice");
	tdae_str(&r, 11, "acl-1");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_UNSUPPORTED_ATTRIBUTE);
	UNIT_ASSERT_EQ_INT(terminations, 0);
	/* a stale Event-Timestamp: dropped (RFC 5176 3.5) */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 8, "alice");
	tdae_u32(&r, 55, WALL - 301);
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), -1);
	UNIT_ASSERT_EQ_INT(terminations, 0);

	/* alice, by name and NAS, with a current timestamp */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 9, "alice");
	tdae_u32(&r, 4, 0xcb007101);		/* NAS-IP-Address 203.0.113.1 */
	tdae_u32(&r, 55, WALL - 5);
	tdae_ma(&r);
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), 0);
	UNIT_ASSERT_EQ_INT(code, DAE_DISCONNECT_ACK);
	UNIT_ASSERT_EQ_INT(terminations, 1);	/* alice only */
	UNIT_ASSERT_EQ_INT(last_reason, EVS_END_ADMIN);
	/* retransmitted: the same ACK, no second action; replayed from
	 * another port a minute later: the same */
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), 0);
	UNIT_ASSERT_EQ_INT(terminations, 1);
	{
		struct sockaddr_storage other = dae_from("127.0.0.1", 40001);
		uint8_t a[256];

		UNIT_ASSERT(ezv_dae_input(ezv, &other, r.b, r.len, fake_now + 60000, WALL + 60,
					  a, sizeof(a)) > 0);
		UNIT_ASSERT_EQ_INT(a[0], DAE_DISCONNECT_ACK);
	}
	UNIT_ASSERT_EQ_INT(terminations, 1);
	/* carol by her address and Acct-Session-Id-less: ACK */
	dae_user(&r, DAE_DISCONNECT_REQUEST, 10, NULL);
	tdae_u32(&r, 8, a2);
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), 0);
	UNIT_ASSERT_EQ_INT(terminations, 2);

	ezv_dae_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.unknown_client, 1);
	UNIT_ASSERT_EQ_INT(st.dropped, 2);
	UNIT_ASSERT_EQ_INT(st.duplicates, 2);
	UNIT_ASSERT_EQ_INT(st.disconnect_ack, 2);
	UNIT_ASSERT_EQ_INT(st.disconnect_nak, 5);
	end_session(&s1);
	end_session(&c1);
	disconnect();
	teardown();
	extra_conf = "";
}

/* CoA-Request: Session-Timeout (and Idle-Timeout, Class) applied and the
 * session ends when the new time is up; a CoA with anything evsd cannot
 * apply is NAKed and changes nothing (RFC 5176: all or nothing). */
UNIT_TEST(radius_coa_session_timeout_all_or_nothing)
{
	struct tdae r;
	uint8_t code = 0;
	uint64_t t0 = fake_now;

	extra_conf = dae_conf;
	setup();
	connect_as("alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(srv.ready);
	/* Session-Timeout with a Filter-Id: NAK, and no timeout set */
	dae_user(&r, DAE_COA_REQUEST, 1, "alice");
	tdae_u32(&r, 27, 5);
	tdae_str(&r, 11, "acl-1");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_UNSUPPORTED_ATTRIBUTE);
	UNIT_ASSERT_EQ_INT(code, DAE_COA_NAK);
	ezv_tick(ezv, t0 + 6000);
	UNIT_ASSERT(!srv.terminated);
	/* nothing to change: NAK 402 */
	dae_user(&r, DAE_COA_REQUEST, 2, "alice");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), DAE_ERR_MISSING_ATTRIBUTE);
	/* Session-Timeout 5 and a Class: ACK, the session ends 5 s later */
	dae_user(&r, DAE_COA_REQUEST, 3, "alice");
	tdae_u32(&r, 27, 5);
	tdae_str(&r, 25, "group=sales;tier=2");
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), 0);
	UNIT_ASSERT_EQ_INT(code, DAE_COA_ACK);
	UNIT_ASSERT_EQ_INT(ezv_next_due(ezv), fake_now + 5000);
	ezv_tick(ezv, fake_now + 4999);
	UNIT_ASSERT(!srv.terminated);
	ezv_tick(ezv, fake_now + 5000);
	UNIT_ASSERT(srv.terminated);
	UNIT_ASSERT_EQ_INT(srv.end_reason, EVS_END_SESSION_TIMEOUT);
	disconnect();
	teardown();
	extra_conf = "";
}

/* idle-timeout in the group: a session whose counters do not move for
 * that long ends as idle; one with traffic does not. */
UNIT_TEST(idle_timeout_ends_a_quiet_session)
{
	struct evs_session s1, c1;
	uint64_t t = fake_now;

	extra_conf = "user carol {\n  idle-timeout 30\n  session-timeout 60\n}\n"
		     "user alice {\n  idle-timeout 30\n}\n";
	terminations = 0;
	setup_k(&tab_kops);
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(s1.ready);
	connect_as("carol", "carolpw", "sales", "198.51.100.8");
	UNIT_ASSERT(srv.ready);
	child(&s1, 31, true);
	child(&srv, 32, true);
	n_ksa = 2;
	ksa[0] = (typeof(ksa[0])){ 31, 0x500, true, 100 };
	ksa[1] = (typeof(ksa[0])){ 32, 0x600, true, 100 };
	for (int i = 1; i <= 4; i++) {
		ksa[1].bytes += 100;	/* carol talks (packets: 1 per read) */
		ksa[1].spi++;		/* a fresh SA each time: its packets add up */
		fake_now = t + (uint64_t)i * 10000;	/* the engine's clock */
		ezv_tick(ezv, fake_now);
	}
	/* alice, quiet since the first read at t + 10 s, at t + 40 s */
	UNIT_ASSERT_EQ_INT(terminations, 1);
	UNIT_ASSERT_EQ_INT(last_reason, EVS_END_IDLE_TIMEOUT);
	UNIT_ASSERT(s1.dead && !srv.dead);
	/* carol's session-timeout of a minute (she was active 20 s ago) */
	fake_now = t + 59999;
	ezv_tick(ezv, fake_now);
	UNIT_ASSERT_EQ_INT(terminations, 1);
	fake_now = t + 60000;
	ezv_tick(ezv, fake_now);
	UNIT_ASSERT_EQ_INT(terminations, 2);
	UNIT_ASSERT_EQ_INT(last_reason, EVS_END_SESSION_TIMEOUT);
	fake_now = t;
	n_ksa = 0;
	end_session(&s1);
	end_session(&c1);
	disconnect();
	teardown();
	extra_conf = "";
}

UNIT_TEST(terminate_cause_by_reason)
{
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_PEER_DELETE), 1);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_DPD), 2);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_IDLE_TIMEOUT), 4);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_SESSION_TIMEOUT), 5);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_ADMIN), 6);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_SHUTDOWN), 7);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_RELOAD), 10);
	UNIT_ASSERT_EQ_INT(ezv_terminate_cause(EVS_END_ERROR), 9);
}

/* A request answered before a reload is still a replay after it (the
 * client stays): the same answer, and alice's next session lives. */
UNIT_TEST(reload_keeps_the_dae_replay_cache_of_clients_that_stay)
{
	struct evs_session s1, c1, s2, c2;
	struct ezv_dae_stats st;
	struct evs_err err;
	struct tdae r;
	uint8_t code = 0;

	extra_conf = dae_conf;
	terminations = 0;
	setup();
	connect_on(&s1, &c1, "alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(s1.ready);
	dae_user(&r, DAE_DISCONNECT_REQUEST, 9, "alice");
	tdae_u32(&r, 55, WALL - 5);
	tdae_sign(&r, "dae-Secret-4711");
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), 0);
	UNIT_ASSERT_EQ_INT(terminations, 1);
	UNIT_ASSERT_EQ_INT(reload_with("", "", &err), 0);
	connect_on(&s2, &c2, "alice", "alicepw", "sales", "198.51.100.7");
	UNIT_ASSERT(s2.ready);
	UNIT_ASSERT_EQ_INT(dae_send(&r, "127.0.0.1", &code), 0);
	UNIT_ASSERT_EQ_INT(code, DAE_DISCONNECT_ACK);
	UNIT_ASSERT_EQ_INT(terminations, 1);
	UNIT_ASSERT(!s2.dead);
	ezv_dae_get_stats(ezv, &st);
	UNIT_ASSERT_EQ_INT(st.duplicates, 1);
	end_session(&s2);
	end_session(&c2);
	end_session(&c1);
	drop_queue();
	teardown();
	extra_conf = "";
}

UNIT_MAIN()
