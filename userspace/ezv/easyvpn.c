// SPDX-License-Identifier: MIT
/* The Easy VPN steps between Phase 1 and Phase 2; see easyvpn.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ezv/aaa.h"
#include "ezv/easyvpn.h"
#include "ezv/easyvpn_policy.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "ezv/modecfg.h"
#include "ezv/pool.h"
#include "ike/proposal.h"
#include "ezv/radius.h"
#include "ezv/xauth.h"
#include "lib/userdb.h"

#define EZV_MAX_CONNS	64	/* >= timers connections-max (config_ike.c) */
#define EZV_MAX_CLAIMS	16	/* networks one session may claim */
/* Counters are read before every Interim and Stop and before evsd removes
 * SAs; this periodic read only bounds what is lost when the kernel removes
 * an SA by itself (hard lifetime, which rekeying normally prevents). */
#define EZV_SAMPLE_MS	10000

/* Per-SA counter memory, so totals survive rekeys (old SAs vanish). */
struct sa_count {
	uint32_t spi;
	bool inbound, seen;
	uint64_t bytes, packets;
};

/* One Easy VPN session: shared by the two steps of one ISAKMP SA. */
struct ezv_sess {
	struct ezv_sess *next;
	struct evs_session *s;
	uint32_t id;
	int refs;
	bool server;
	char peer[64];			/* outer address, text */
	struct sockaddr_storage peer_sa;

	/* XAUTH */
	bool xauth_active;
	struct xauth_server xs;
	struct xauth_client xc;
	bool aaa_pending;
	uint64_t xauth_deadline;	/* ms */
	bool authenticated;
	char user[XAUTH_USER_MAX + 1];
	char p1_group[EZV_NAME_MAX + 1];	/* ID_KEY_ID, "" = none */
	struct aaa_result login;

	/* mode config */
	bool modecfg_active;
	char group[EZV_NAME_MAX + 1];	/* the policy group */
	struct ezv_settings eff;
	uint32_t addr, mask;		/* inner address (host order), 0 = none */
	char pool[POOL_NAME_MAX + 1];	/* "" = fixed address */
	struct modecfg offer;

	unsigned n_claims;		/* entries of E.claims it owns */

	/* Phase 2 / RRI / accounting */
	unsigned n_conns;
	uint32_t conns[EZV_MAX_CONNS];
	bool acct_started;
	uint64_t acct_start_ms, next_interim_ms;
	char acct_session_id[32];
	unsigned n_sa;
	struct sa_count sa[EZV_MAX_CONNS * 4];
	uint64_t retired_rx_bytes, retired_rx_pkts, retired_tx_bytes, retired_tx_pkts;
};

/* What a network-extension client may not overlap: the networks other
 * live sessions claimed (their quick mode IDci; the gateway routes them
 * there) and fixed addresses outside the pools (pools are refused as a
 * whole by ezv_nem_check).  One list of only these, walked at quick-mode
 * time: its length is the number of network-extension claims, not of
 * clients. */
struct ezv_claim {
	struct ezv_claim *next;
	struct ezv_sess *owner;
	uint32_t net;			/* host order */
	uint8_t plen;
};

/* The module's state: written by this file only. */
static struct {
	const struct ike_config *ike;
	struct easyvpn_config *ezv;
	struct aaa *aaa;
	const struct ezv_kernel_ops *kops;
	void *karg;
	struct ezv_sess *sessions;
	struct ezv_claim *claims;
	struct xauth_ratelimit rl;
	uint64_t now;
	uint64_t next_sample;
	struct easyvpn_stats st;
	bool ready;
} E;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fmt_ip(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *a = sa->sa_family == AF_INET ?
		(const void *)&((const struct sockaddr_in *)sa)->sin_addr :
		(const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

	if (!inet_ntop(sa->sa_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* ---- sessions --------------------------------------------------------- */

/* The same outer address and port: the same client (a renewed Phase 1
 * comes from where the old one did; two clients behind one NAT differ
 * in the port). */
static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) &&
		       x->sin6_port == y->sin6_port;
	}
	return false;
}

static struct ezv_sess *sess_find(uint32_t id)
{
	for (struct ezv_sess *x = E.sessions; x; x = x->next)
		if (x->id == id)
			return x;
	return NULL;
}

static struct ezv_sess *sess_get(struct evs_session *s)
{
	uint32_t id = evs_session_id(s);
	struct ezv_sess *x = sess_find(id);
	const struct sockaddr *peer;
	size_t plen;

	if (x) {
		x->refs++;
		return x;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->s = s;
	x->id = id;
	x->refs = 1;
	x->server = evs_session_role(s) == EVS_ROLE_SERVER;
	peer = evs_session_peer_addr(s);
	plen = peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					     sizeof(struct sockaddr_in);
	memcpy(&x->peer_sa, peer, plen);
	fmt_sockaddr(peer, x->peer, sizeof(x->peer));
	x->next = E.sessions;
	E.sessions = x;
	E.st.sessions++;
	return x;
}

static void sess_put(struct ezv_sess *x)
{
	if (--x->refs > 0)
		return;
	for (struct ezv_sess **pp = &E.sessions; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	E.st.sessions--;
	sodium_memzero(x, sizeof(*x));
	free(x);
}

/* ---- network claims ----------------------------------------------------- */

static bool nets_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	unsigned p = pa < pb ? pa : pb;
	uint32_t m = p ? 0xffffffffu << (32 - p) : 0;

	return (a & m) == (b & m);
}

/* Another live session's claim overlapping net/plen (equal, covering or
 * more specific); the same user from the same peer (a renewed Phase 1)
 * does not count. */
static const struct ezv_claim *claim_conflict(const struct ezv_sess *x, uint32_t net,
					      unsigned plen)
{
	for (const struct ezv_claim *c = E.claims; c; c = c->next)
		if (c->owner != x && nets_overlap(net, plen, c->net, c->plen) &&
		    !(!strcmp(c->owner->user, x->user) &&
		      same_peer(&c->owner->peer_sa, &x->peer_sa)))
			return c;
	return NULL;
}

static int claim_add(struct ezv_sess *x, uint32_t net, unsigned plen)
{
	struct ezv_claim *c;

	for (c = E.claims; c; c = c->next)
		if (c->owner == x && c->net == net && c->plen == plen)
			return 0;	/* a rekey or a retry */
	if (x->n_claims >= EZV_MAX_CLAIMS)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->owner = x;
	c->net = net;
	c->plen = (uint8_t)plen;
	c->next = E.claims;
	E.claims = c;
	x->n_claims++;
	return 0;
}

static void claims_drop(struct ezv_sess *x)
{
	for (struct ezv_claim **pp = &E.claims; *pp && x->n_claims;) {
		struct ezv_claim *c = *pp;

		if (c->owner != x) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		free(c);
		x->n_claims--;
	}
}

static void send_out(struct ezv_sess *x, uint32_t msgid, struct xauth_out *o,
		     bool expect_reply)
{
	if (!o->attrs.oom &&
	    !evs_session_send_cfg(x->s, msgid, o->cfg_type, o->ident, o->attrs.data,
				  o->attrs.len, expect_reply))
		log_warn("%s: could not send the transaction message",
			 evs_session_name(x->s));
	xauth_out_free(o);
}

/* ---- group key lookup (aggressive mode) -------------------------------- */

const struct secret *easyvpn_psk_lookup(const struct isakmp_id *id,
					const struct sockaddr *peer, void *arg)
{
	char addr[64];
	bool known = false;
	const struct secret *k;

	(void)arg;
	if (!E.ezv || id->type != ISAKMP_ID_KEY_ID)
		return NULL;
	k = ezv_group_psk(E.ezv, id->data, id->len, &known);
	if (known)
		return k;
	fmt_sockaddr(peer, addr, sizeof(addr));
	/* Said only in our log: the peer sees a wrong-key failure. */
	log_notice("easyvpn: %s asked for unknown group \"%s\"", addr,
		   log_peern(id->data, id->len > 63 ? 63 : id->len));
	return NULL;
}

/* ---- XAUTH step -------------------------------------------------------- */

static const struct ike_peer *client_peer(struct evs_session *s)
{
	const char *name = evs_session_peer_name(s);

	if (!name)
		return NULL;
	for (size_t i = 0; i < E.ike->n_peers; i++)
		if (!strcmp(E.ike->peers[i].name, name))
			return &E.ike->peers[i];
	return NULL;
}

static int xauth_begin_client(struct evs_session *s, void **state)
{
	const struct ike_peer *p = client_peer(s);
	struct ezv_sess *x;

	if (!p || !p->xauth_user[0])
		return EVS_STEP_SKIP;
	x = sess_get(s);
	if (!x)
		return EVS_STEP_FAIL;
	*state = x;
	x->xauth_active = true;
	xauth_client_init(&x->xc, 1);
	x->xauth_deadline = now_ms() + (uint64_t)E.ezv->xauth.timeout * 1000;
	log_info("%s: xauth: waiting for the gateway to ask for user \"%s\"",
		 evs_session_name(s), p->xauth_user);
	return EVS_STEP_RUNNING;
}

static int xauth_begin(struct evs_session *s, void **state)
{
	const struct isakmp_id *id = evs_session_peer_id(s);
	uint16_t auth = evs_session_auth_method(s);
	bool group_id = id && id->type == ISAKMP_ID_KEY_ID;
	struct xauth_out out;
	struct ezv_sess *x;
	uint16_t seed;

	if (!E.ready)
		return EVS_STEP_SKIP;
	if (evs_session_role(s) == EVS_ROLE_CLIENT)
		return xauth_begin_client(s, state);
	/* Every peer logs in, whatever Phase 1 method it chose (a group key
	 * is shared and can be attacked offline; an address key or a
	 * certificate says nothing about the user), except a site-to-site
	 * peer of a no-xauth key.  One that does not answer gets no Phase 2. */
	if (evs_session_site_to_site(s))
		return EVS_STEP_SKIP;
	x = sess_get(s);
	if (!x)
		return EVS_STEP_FAIL;
	*state = x;
	if (group_id)
		snprintf(x->p1_group, sizeof(x->p1_group), "%.*s",
			 (int)(id->len > EZV_NAME_MAX ? EZV_NAME_MAX : id->len),
			 (const char *)id->data);
	if (!xauth_rl_allowed(&E.rl, (struct sockaddr *)&x->peer_sa, NULL, now_ms() / 1000)) {
		E.st.locked_out++;
		log_warn("%s: xauth: %s is locked out after %u failed logins "
			 "(for %u s); refused", evs_session_name(s), x->peer,
			 E.ezv->xauth.lockout_failures, E.ezv->xauth.lockout_seconds);
		return EVS_STEP_FAIL;
	}
	x->xauth_active = true;
	randombytes_buf(&seed, sizeof(seed));
	xauth_server_init(&x->xs, E.ezv->xauth.retries, seed);
	x->xauth_deadline = now_ms() + (uint64_t)E.ezv->xauth.timeout * 1000;
	xauth_server_start(&x->xs, &out);
	log_info("%s: xauth: asking %s%s%s%s for user name and password (%s, up to %u tries)",
		 evs_session_name(s), x->peer, x->p1_group[0] ? " (group \"" : "",
		 x->p1_group, x->p1_group[0] ? "\")" : "", p1_auth_name(auth),
		 x->xs.max_attempts);
	send_out(x, 0, &out, true);
	return EVS_STEP_RUNNING;
}

static enum ezv_auth auth_method_for(const char *user, const char *p1_group)
{
	const struct ezv_user *u = ezv_find_user(E.ezv, user);
	const struct ezv_group *g = NULL;

	if (u && (u->s.has & EZV_BIT(EZV_AUTH)))
		return u->s.auth;
	if (u && u->group[0])
		g = ezv_find_group(E.ezv, u->group, strlen(u->group));
	if (!g && p1_group[0])
		g = ezv_find_group(E.ezv, p1_group, strlen(p1_group));
	return g ? g->s.auth : E.ezv->aaa.auth;
}

/* A user locked out (xauth.h) is refused without asking the back end,
 * which says nothing about the password; the try counts against the
 * source.  true: *out holds the refusal. */
static bool xauth_user_locked(struct ezv_sess *x, const char *user, struct xauth_out *out)
{
	uint64_t now_s = now_ms() / 1000;
	uint64_t wait = xauth_rl_wait(&E.rl, (struct sockaddr *)&x->peer_sa, user, now_s);

	if (!wait)
		return false;
	E.st.locked_out++;
	E.st.logins_failed++;
	xauth_rl_failed(&E.rl, (struct sockaddr *)&x->peer_sa, NULL, now_s);
	x->xs.max_attempts = x->xs.attempts + 1;
	log_warn("%s: xauth: user \"%s\" from %s is locked out for %llu s more; refused",
		 evs_session_name(x->s), log_peer(user), x->peer, (unsigned long long)wait);
	xauth_server_verdict(&x->xs, false, "locked out after repeated failures", out);
	return true;
}

static int xauth_recv_server(struct ezv_sess *x, uint32_t msgid, struct xauth_msg *m)
{
	struct xauth_out out;
	enum xauth_srv_ev ev = xauth_server_recv(&x->xs, m, &out);
	struct aaa_request rq;

	switch (ev) {
	case XAUTH_EV_VERIFY:
		memset(&rq, 0, sizeof(rq));
		rq.id = x->id;
		rq.method = auth_method_for(m->user, x->p1_group);
		snprintf(rq.user, sizeof(rq.user), "%s", m->user);
		memcpy(rq.pass, m->password, m->pass_len);
		rq.pass_len = m->pass_len;
		snprintf(rq.calling_station, sizeof(rq.calling_station), "%s", x->peer);
		log_info("%s: xauth: user \"%s\" answered; checking with %s",
			 evs_session_name(x->s), log_peer(m->user), ezv_auth_name(rq.method));
		if (xauth_user_locked(x, m->user, &out)) {
			sodium_memzero(&rq, sizeof(rq));
			send_out(x, 0, &out, true);
		} else if (aaa_submit_auth(E.aaa, &rq)) {
			log_warn("%s: xauth: the AAA queue is full; login refused",
				 evs_session_name(x->s));
			xauth_server_verdict(&x->xs, false, "AAA queue full", &out);
			send_out(x, 0, &out, true);
		} else {
			x->aaa_pending = true;
		}
		return EVS_CFG_TAKEN;
	case XAUTH_EV_SEND:
		log_info("%s: xauth: %s", evs_session_name(x->s), x->xs.reason);
		send_out(x, 0, &out, true);
		return EVS_CFG_TAKEN;
	case XAUTH_EV_DONE:
		x->xauth_active = false;
		if (x->xs.ok) {
			evs_session_step_done(x->s, true, NULL);
		} else {
			evs_session_step_done(x->s, false, x->xs.reason[0] ? x->xs.reason :
					      "XAUTH failed");
		}
		return EVS_CFG_TAKEN;
	case XAUTH_EV_NONE:
		return EVS_CFG_TAKEN;
	default:
		log_info("%s: xauth: %s message (id %u) not expected in state %s; dropped",
			 evs_session_name(x->s), m->cfg_type == ISAKMP_CFG_REPLY ? "REPLY" :
			 m->cfg_type == ISAKMP_CFG_ACK ? "ACK" : "transaction", m->ident,
			 xauth_srv_state_name(x->xs.state));
		(void)msgid;
		return EVS_CFG_BAD;
	}
}

static int xauth_recv_client(struct ezv_sess *x, uint32_t msgid, struct xauth_msg *m)
{
	const struct ike_peer *p = client_peer(x->s);
	struct xauth_out out;
	enum xauth_srv_ev ev;

	if (!p)
		return EVS_CFG_BAD;
	ev = xauth_client_recv(&x->xc, m, p->xauth_user,
			       p->xauth_pass ? secret_data(p->xauth_pass) : NULL,
			       p->xauth_pass ? secret_len(p->xauth_pass) : 0, &out);
	switch (ev) {
	case XAUTH_EV_SEND:
		log_info("%s: xauth: sending user \"%s\"%s%s", evs_session_name(x->s),
			 p->xauth_user, x->xc.server_message[0] ? "; gateway says: " : "",
			 x->xc.server_message);
		send_out(x, msgid, &out, false);
		return EVS_CFG_TAKEN;
	case XAUTH_EV_DONE:
		send_out(x, msgid, &out, false);
		x->xauth_active = false;
		log_info("%s: xauth: gateway says %s", evs_session_name(x->s),
			 x->xc.ok ? "OK" : "FAIL");
		evs_session_step_done(x->s, x->xc.ok, x->xc.ok ? NULL :
				      "the gateway refused our XAUTH credentials");
		return EVS_CFG_TAKEN;
	case XAUTH_EV_INVALID:
		if (out.cfg_type) {
			send_out(x, msgid, &out, false);
			return EVS_CFG_TAKEN;
		}
		return EVS_CFG_BAD;
	default:
		return EVS_CFG_TAKEN;
	}
}

static int xauth_recv(struct evs_session *s, void **state, uint32_t msgid,
		      const struct isakmp_cfg *cfg)
{
	struct ezv_sess *x = *state;
	struct isakmp_perr err;
	struct xauth_msg m;
	int rc;

	if (!x || !xauth_attrs_present(cfg->attrs, cfg->attrs_len))
		return EVS_CFG_NOT_MINE;
	if (xauth_decode(cfg->type, cfg->ident, cfg->attrs, cfg->attrs_len, &m, &err)) {
		log_info("%s: xauth: malformed message: %s", evs_session_name(s), err.why);
		return EVS_CFG_BAD;
	}
	rc = x->server ? xauth_recv_server(x, msgid, &m) : xauth_recv_client(x, msgid, &m);
	xauth_msg_wipe(&m);
	return rc;
}

/* Decide about a finished login: group lock, group known. */
static void login_verdict(struct ezv_sess *x, struct aaa_result *r)
{
	const struct ezv_user *u = ezv_find_user(E.ezv, r->user);
	const struct ezv_group *p1g = x->p1_group[0] ?
		ezv_find_group(E.ezv, x->p1_group, strlen(x->p1_group)) : NULL;
	const char *group = r->group;
	struct xauth_out out;
	char reason[512];
	bool ok = r->ok;

	if (u && u->group[0])
		group = u->group;		/* the config's user block decides */
	if (!group[0])
		group = x->p1_group;
	snprintf(reason, sizeof(reason), "%s", r->reason);
	if (ok && !group[0]) {
		ok = false;
		snprintf(reason, sizeof(reason), "user \"%s\" belongs to no group", r->user);
	} else if (ok && !ezv_find_group(E.ezv, group, strlen(group))) {
		ok = false;
		snprintf(reason, sizeof(reason), "user \"%s\": group \"%s\" is not configured",
			 r->user, group);
	} else if (ok && p1g && p1g->group_lock && strcmp(group, p1g->name)) {
		ok = false;
		snprintf(reason, sizeof(reason), "user \"%s\" belongs to group \"%s\", not \"%s\" "
			 "(group-lock)", r->user, group, p1g->name);
	}
	if (ok) {
		const struct ezv_group *g = ezv_find_group(E.ezv, group, strlen(group));
		struct ezv_settings eff;
		unsigned n = 0;

		ezv_merge(&g->s, u ? &u->s : NULL, &eff);
		for (struct ezv_sess *o = E.sessions; o; o = o->next)
			n += o != x && o->server && o->authenticated && !strcmp(o->user, r->user) &&
			     !same_peer(&o->peer_sa, &x->peer_sa);	/* a renewal */
		if (eff.max_logins && n >= eff.max_logins) {
			ok = false;
			snprintf(reason, sizeof(reason), "user \"%s\" already has %u session%s "
				 "(max-logins %u)", r->user, n, n == 1 ? "" : "s", eff.max_logins);
		}
	}
	if (ok) {
		E.st.logins_ok++;
		x->authenticated = true;
		snprintf(x->user, sizeof(x->user), "%s", r->user);
		snprintf(x->group, sizeof(x->group), "%s", group);
		x->login = *r;
		xauth_rl_succeeded(&E.rl, r->user);
		evsd_log_session(EVSD_LOG_NOTICE, evs_session_name(x->s), r->user, x->peer,
				 "%s: xauth: user \"%s\" from %s accepted (%s), group \"%s\"",
				 evs_session_name(x->s), log_peer(r->user), x->peer, reason, group);
	} else {
		uint64_t now_s = now_ms() / 1000;

		E.st.logins_failed++;
		xauth_rl_failed(&E.rl, (struct sockaddr *)&x->peer_sa, r->user, now_s);
		/* A source or user that just hit the limit gets no more tries. */
		if (!xauth_rl_allowed(&E.rl, (struct sockaddr *)&x->peer_sa, r->user, now_s))
			x->xs.max_attempts = x->xs.attempts + 1;
		evsd_log_session(EVSD_LOG_WARN, evs_session_name(x->s), r->user, x->peer,
				 "%s: xauth: user \"%s\" from %s refused: %s (attempt %u of %u)",
				 evs_session_name(x->s), log_peer(r->user), x->peer, reason,
				 x->xs.attempts + 1, x->xs.max_attempts);
	}
	if (xauth_server_verdict(&x->xs, ok, reason, &out) == 0)
		send_out(x, 0, &out, true);
}

static void xauth_end(struct evs_session *s, void **state)
{
	struct ezv_sess *x = *state;

	if (x) {
		x->xauth_active = false;
		sess_put(x);
	}
	*state = NULL;
}

const struct evs_post_phase1_ops easyvpn_xauth_step = {
	.name = "xauth",
	.begin = xauth_begin,
	.recv_cfg = xauth_recv,
	.end = xauth_end,
};

/* ---- mode config step ------------------------------------------------- */

/* The live session this one renews: the same user from the same peer,
 * still holding its address. */
static struct ezv_sess *renewed_session(const struct ezv_sess *x)
{
	for (struct ezv_sess *o = E.sessions; o; o = o->next)
		if (o != x && o->server && o->authenticated && o->addr &&
		    !strcmp(o->user, x->user) && same_peer(&o->peer_sa, &x->peer_sa) &&
		    pool_owner(E.ezv->pools, o->addr) == o->id)
			return o;
	return NULL;
}

/* A client that renews Phase 1 (and logs in again) while its old session
 * lives keeps its address: its Phase 2 selectors, the connections moved
 * over from the old SA and the RRI route stay valid. */
static bool take_over_address(struct ezv_sess *x, uint32_t fixed)
{
	struct ezv_sess *o = renewed_session(x);
	char a[16];

	if (!o)
		return false;
	if (fixed ? o->addr != fixed :
		    !(x->eff.has & EZV_BIT(EZV_POOL)) || strcmp(o->pool, x->eff.pool))
		return false;
	if (pool_transfer(E.ezv->pools, o->addr, o->id, x->id))
		return false;
	x->addr = o->addr;
	snprintf(x->pool, sizeof(x->pool), "%s", o->pool);
	fmt_ip(x->addr, a, sizeof(a));
	log_notice("%s: modecfg: \"%s\" renewed Phase 1 from %s: keeps address %s (from %s)",
		   evs_session_name(x->s), x->user, x->peer, a, evs_session_name(o->s));
	return true;
}

static int lease_address(struct ezv_sess *x, char *why, size_t len)
{
	uint32_t fixed = 0;
	int r;

	x->mask = x->eff.netmask ? x->eff.netmask : 0xffffffffu;
	/* 0xFFFFFFFF / 0xFFFFFFFE: "user chooses" / "NAS assigns" (RFC 2865) */
	if (x->login.source == AAA_SRC_RADIUS && x->login.radius.framed_ip &&
	    x->login.radius.framed_ip < 0xfffffffeu)
		fixed = x->login.radius.framed_ip;
	else if (x->eff.has & EZV_BIT(EZV_ADDRESS))
		fixed = x->eff.address;
	if ((fixed || x->eff.mode == EZV_MODE_CLIENT) && take_over_address(x, fixed))
		return 0;
	if (fixed) {
		r = pool_lease_fixed(E.ezv->pools, fixed, x->id);
		if (r) {
			char a[16];

			fmt_ip(fixed, a, sizeof(a));
			snprintf(why, len, "address %s: %s", a, pool_result_str(r));
			return -1;
		}
		x->addr = fixed;
		x->pool[0] = '\0';
		return 0;
	}
	if (x->eff.mode == EZV_MODE_NETWORK_EXTENSION)
		return 0;
	if (!(x->eff.has & EZV_BIT(EZV_POOL))) {
		snprintf(why, len, "group \"%s\" has no pool and the user no address", x->group);
		return -1;
	}
	r = pool_lease(E.ezv->pools, x->eff.pool, x->id, 0, &x->addr);
	if (r) {
		snprintf(why, len, "pool \"%s\": %s", x->eff.pool, pool_result_str(r));
		return -1;
	}
	snprintf(x->pool, sizeof(x->pool), "%s", x->eff.pool);
	E.st.leases++;
	return 0;
}

static void log_offer(struct ezv_sess *x, const char *how, const struct modecfg *m)
{
	char line[1024];

	modecfg_format(m, line, sizeof(line));
	log_notice("%s: modecfg: %s for \"%s\" (group \"%s\"): %s", evs_session_name(x->s),
		   how, x->user, x->group, line);
	if (m->has & MCF_BIT(MCF_BANNER))
		log_info("%s: modecfg: banner \"%s\"", evs_session_name(x->s),
			 log_peern(m->banner, strnlen(m->banner, 200)));
}

static int modecfg_begin_client(struct evs_session *s, void **state)
{
	struct ezv_sess *x = sess_get(s);
	struct modecfg req;
	struct isakmp_buf b;
	uint16_t ident;

	if (!x)
		return EVS_STEP_FAIL;
	*state = x;
	x->modecfg_active = true;
	modecfg_client_request(&req, "evsd " EVS_VERSION);
	isakmp_buf_init(&b);
	modecfg_encode_types(&b, req.requested, &req);
	randombytes_buf(&ident, sizeof(ident));
	if (b.oom || !evs_session_send_cfg(s, 0, ISAKMP_CFG_REQUEST, ident, b.data, b.len,
					   true)) {
		isakmp_buf_free(&b);
		return EVS_STEP_FAIL;
	}
	isakmp_buf_free(&b);
	log_info("%s: modecfg: asking the gateway for our address and settings",
		 evs_session_name(s));
	return EVS_STEP_RUNNING;
}

static int modecfg_begin(struct evs_session *s, void **state)
{
	const struct ezv_group *g;
	const struct ezv_user *u;
	struct ezv_sess *x;
	char why[160];

	if (!E.ready)
		return EVS_STEP_SKIP;
	if (evs_session_role(s) == EVS_ROLE_CLIENT)
		return modecfg_begin_client(s, state);
	x = sess_find(evs_session_id(s));
	if (!x || !x->authenticated)
		return EVS_STEP_SKIP;	/* no XAUTH, no Easy VPN policy */
	x = sess_get(s);
	*state = x;
	x->modecfg_active = true;
	g = ezv_find_group(E.ezv, x->group, strlen(x->group));
	u = ezv_find_user(E.ezv, x->user);
	if (!g)
		return EVS_STEP_FAIL;
	ezv_merge(&g->s, u ? &u->s : NULL, &x->eff);
	if (lease_address(x, why, sizeof(why))) {
		log_warn("%s: modecfg: no address for \"%s\": %s", evs_session_name(s),
			 x->user, why);
		return EVS_STEP_FAIL;
	}
	if (x->addr && !x->pool[0] && claim_add(x, x->addr, 32)) {
		log_warn("%s: modecfg: too many claims for \"%s\"", evs_session_name(s),
			 x->user);
		return EVS_STEP_FAIL;
	}
	ezv_offer(&x->eff, x->addr, x->mask, &x->offer);
	if (x->addr) {
		struct evs_prefix p = { .family = AF_INET, .plen = 32 };

		p.addr[0] = x->addr >> 24;
		p.addr[1] = x->addr >> 16;
		p.addr[2] = x->addr >> 8;
		p.addr[3] = x->addr;
		evs_session_set_inner(s, &p);
	}
	evs_session_set_label(s, x->user);
	evs_session_set_authorized(s, x->user);	/* check_ids binds its quick modes */
	if (x->eff.modecfg_push) {
		struct isakmp_buf b;
		uint16_t ident;

		isakmp_buf_init(&b);
		modecfg_encode_values(&b, &x->offer);
		randombytes_buf(&ident, sizeof(ident));
		if (b.oom || !evs_session_send_cfg(s, 0, ISAKMP_CFG_SET, ident, b.data, b.len,
						   true)) {
			isakmp_buf_free(&b);
			return EVS_STEP_FAIL;
		}
		isakmp_buf_free(&b);
		log_offer(x, "pushed (SET)", &x->offer);
	} else {
		log_info("%s: modecfg: waiting for the client's REQUEST", evs_session_name(s));
	}
	return EVS_STEP_RUNNING;
}

static int modecfg_recv_server(struct ezv_sess *x, uint32_t msgid,
			       const struct isakmp_cfg *cfg, const struct modecfg *in)
{
	struct modecfg reply;
	struct isakmp_buf b;

	if (cfg->type == ISAKMP_CFG_ACK) {
		if (!x->eff.modecfg_push)
			return EVS_CFG_BAD;
		log_info("%s: modecfg: the client acknowledged the SET", evs_session_name(x->s));
		if (x->modecfg_active) {
			x->modecfg_active = false;
			evs_session_step_done(x->s, true, NULL);
		}
		return EVS_CFG_TAKEN;
	}
	if (cfg->type != ISAKMP_CFG_REQUEST)
		return EVS_CFG_BAD;
	if (in->app_version[0])
		log_info("%s: modecfg: client is \"%s\"", evs_session_name(x->s),
			 log_peer(in->app_version));
	modecfg_answer(&x->offer, in, "evs " EVS_VERSION, &reply);
	isakmp_buf_init(&b);
	modecfg_encode_values(&b, &reply);
	if (b.oom || !evs_session_send_cfg(x->s, msgid, ISAKMP_CFG_REPLY, cfg->ident, b.data,
					   b.len, false)) {
		isakmp_buf_free(&b);
		log_warn("%s: modecfg: could not send the REPLY", evs_session_name(x->s));
		return EVS_CFG_TAKEN;
	}
	isakmp_buf_free(&b);
	log_offer(x, "replied", &reply);
	if (x->modecfg_active) {
		x->modecfg_active = false;
		evs_session_step_done(x->s, true, NULL);
	}
	return EVS_CFG_TAKEN;
}

static void client_apply(struct ezv_sess *x, const struct modecfg *in)
{
	struct evs_prefix nets[EVS_SESSION_MAX_NETS];
	char line[1024];
	unsigned n = 0;

	modecfg_format(in, line, sizeof(line));
	log_notice("%s: modecfg: gateway gave %s", evs_session_name(x->s), line);
	if (in->has & MCF_BIT(MCF_BANNER))
		log_notice("%s: modecfg: banner: \"%s\"", evs_session_name(x->s),
			   log_peern(in->banner, strnlen(in->banner, 400)));
	if (in->has & MCF_BIT(MCF_IP4_ADDRESS)) {
		struct evs_prefix p = { .family = AF_INET, .plen = 32 };

		x->addr = in->ip4_addr;
		p.addr[0] = x->addr >> 24;
		p.addr[1] = x->addr >> 16;
		p.addr[2] = x->addr >> 8;
		p.addr[3] = x->addr;
		evs_session_set_inner(x->s, &p);
	}
	for (unsigned i = 0; i < in->n_split && n < EVS_SESSION_MAX_NETS; i++) {
		int plen = modecfg_mask_to_plen(in->split[i].mask);
		uint32_t a = in->split[i].addr;

		if (plen < 0)
			continue;
		nets[n] = (struct evs_prefix){ .family = AF_INET, .plen = (uint8_t)plen };
		nets[n].addr[0] = a >> 24;
		nets[n].addr[1] = a >> 16;
		nets[n].addr[2] = a >> 8;
		nets[n].addr[3] = a;
		n++;
	}
	evs_session_set_remote_nets(x->s, nets, n);
}

static int modecfg_recv_client(struct ezv_sess *x, uint32_t msgid,
			       const struct isakmp_cfg *cfg, const struct modecfg *in)
{
	if (cfg->type == ISAKMP_CFG_SET) {
		struct isakmp_buf b;

		isakmp_buf_init(&b);
		modecfg_encode_types(&b, in->has, NULL);
		if (!b.oom)
			evs_session_send_cfg(x->s, msgid, ISAKMP_CFG_ACK, cfg->ident, b.data, b.len,
					     false);
		isakmp_buf_free(&b);
	} else if (cfg->type != ISAKMP_CFG_REPLY) {
		return EVS_CFG_BAD;
	}
	if (!x->modecfg_active)
		return EVS_CFG_TAKEN;	/* a retransmitted SET: ACKed again */
	client_apply(x, in);
	x->modecfg_active = false;
	evs_session_step_done(x->s, true, NULL);
	return EVS_CFG_TAKEN;
}

static int modecfg_recv(struct evs_session *s, void **state, uint32_t msgid,
			const struct isakmp_cfg *cfg)
{
	struct ezv_sess *x = *state;
	struct isakmp_perr err;
	struct modecfg in;

	if (!x || xauth_attrs_present(cfg->attrs, cfg->attrs_len))
		return EVS_CFG_NOT_MINE;
	if (modecfg_decode(cfg->attrs, cfg->attrs_len, cfg->type, &in, &err)) {
		log_info("%s: modecfg: malformed message: %s", evs_session_name(s), err.why);
		return EVS_CFG_BAD;
	}
	return x->server ? modecfg_recv_server(x, msgid, cfg, &in) :
			   modecfg_recv_client(x, msgid, cfg, &in);
}

/* The client's own networks (network extension): its Phase 2 IDci. */
static bool conn_remote(struct evs_session *s, uint32_t conn_id, struct evs_prefix *p)
{
	const struct ike_sa *sa = (const struct ike_sa *)s;

	for (const struct ike_conn *c = sa->conns; c; c = c->next)
		if (c->id == conn_id) {
			*p = c->remote;
			return true;
		}
	return false;
}

static void sample(struct ezv_sess *only);

static void acct_send(struct ezv_sess *x, enum radius_acct_type type, uint32_t cause)
{
	struct radius_acct_info ai;

	if (!E.ezv->aaa.accounting || !E.aaa)
		return;
	if (type != RADIUS_ACCT_START && E.kops)
		sample(x);	/* the figures as of now */
	memset(&ai, 0, sizeof(ai));
	ai.type = type;
	snprintf(ai.user, sizeof(ai.user), "%s", x->user);
	snprintf(ai.session_id, sizeof(ai.session_id), "%s", x->acct_session_id);
	snprintf(ai.calling_station, sizeof(ai.calling_station), "%s", x->peer);
	ai.port = x->id;
	ai.framed_ip = x->addr;
	/* RADIUS "input" is what the NAS received from the user */
	ai.in_octets = x->retired_rx_bytes;
	ai.in_packets = x->retired_rx_pkts;
	ai.out_octets = x->retired_tx_bytes;
	ai.out_packets = x->retired_tx_pkts;
	for (unsigned i = 0; i < x->n_sa; i++) {
		if (x->sa[i].inbound) {
			ai.in_octets += x->sa[i].bytes;
			ai.in_packets += x->sa[i].packets;
		} else {
			ai.out_octets += x->sa[i].bytes;
			ai.out_packets += x->sa[i].packets;
		}
	}
	ai.session_time = (uint32_t)((E.now - x->acct_start_ms) / 1000);
	ai.terminate_cause = cause;
	if (x->login.source == AAA_SRC_RADIUS) {
		memcpy(ai.class_raw, x->login.radius.class_raw, x->login.radius.class_len);
		ai.class_len = x->login.radius.class_len;
	}
	if (aaa_submit_acct(E.aaa, &ai) == 0)
		E.st.acct_sent++;
	log_info("%s: accounting %s for \"%s\": in %llu bytes/%llu packets, out %llu bytes/"
		 "%llu packets, %u s", evs_session_name(x->s),
		 type == RADIUS_ACCT_START ? "start" : type == RADIUS_ACCT_STOP ? "stop" : "interim",
		 x->user, (unsigned long long)ai.in_octets, (unsigned long long)ai.in_packets,
		 (unsigned long long)ai.out_octets, (unsigned long long)ai.out_packets,
		 ai.session_time);
}

static void modecfg_child_up(struct evs_session *s, void **state, uint32_t conn_id)
{
	struct ezv_sess *x = *state;
	char err[256], a[16];
	struct evs_prefix p;

	if (!x || !x->server || !x->authenticated)
		return;
	for (unsigned i = 0; i < x->n_conns; i++)
		if (x->conns[i] == conn_id)
			return;		/* a rekey of a connection we know */
	if (x->n_conns < EZV_MAX_CONNS)
		x->conns[x->n_conns++] = conn_id;
	if (E.kops) {
		if (x->eff.mode == EZV_MODE_CLIENT && x->addr) {
			fmt_ip(x->addr, a, sizeof(a));
			if (E.kops->route_add(E.karg, conn_id, x->addr, 32, err, sizeof(err)))
				log_warn("%s: rri: route %s/32 for conn %u: %s",
					 evs_session_name(s), a, conn_id, err);
			else
				log_notice("%s: rri: route %s/32 dev %s for \"%s\" (conn %u)",
					   evs_session_name(s), a, E.ike->device, x->user,
					   conn_id);
		} else if (x->eff.mode == EZV_MODE_NETWORK_EXTENSION &&
			   conn_remote(s, conn_id, &p) && p.family == AF_INET) {
			uint32_t net = (uint32_t)p.addr[0] << 24 | p.addr[1] << 16 |
				       p.addr[2] << 8 | p.addr[3];

			fmt_ip(net, a, sizeof(a));
			if (E.kops->route_add(E.karg, conn_id, net, p.plen, err, sizeof(err)))
				log_warn("%s: rri: route %s/%u for conn %u: %s",
					 evs_session_name(s), a, p.plen, conn_id, err);
			else
				log_notice("%s: rri: route %s/%u dev %s for \"%s\" "
					   "(network extension, conn %u)", evs_session_name(s), a,
					   p.plen, E.ike->device, x->user, conn_id);
		}
		if (x->eff.proxy_arp && x->addr && x->eff.lan_if[0]) {
			fmt_ip(x->addr, a, sizeof(a));
			if (E.kops->parp_add(E.karg, conn_id, x->addr, x->eff.lan_if, err, sizeof(err)))
				log_warn("%s: rri: proxy ARP %s on %s: %s", evs_session_name(s), a,
					 x->eff.lan_if, err);
			else
				log_notice("%s: rri: proxy ARP for %s on %s (conn %u)",
					   evs_session_name(s), a, x->eff.lan_if, conn_id);
		}
	}
	if (!x->acct_started && E.ezv->aaa.accounting) {
		x->acct_started = true;
		x->acct_start_ms = E.now ? E.now : now_ms();
		snprintf(x->acct_session_id, sizeof(x->acct_session_id), "%08X%08X",
			 x->id, (uint32_t)(x->acct_start_ms / 1000));
		x->next_interim_ms = E.ezv->aaa.interim ?
			x->acct_start_ms + (uint64_t)E.ezv->aaa.interim * 1000 : 0;
		acct_send(x, RADIUS_ACCT_START, 0);
	}
}

static void modecfg_child_down(struct evs_session *s, void **state, uint32_t conn_id)
{
	struct ezv_sess *x = *state;

	if (!x || !x->server)
		return;
	for (unsigned i = 0; i < x->n_conns; i++)
		if (x->conns[i] == conn_id) {
			x->conns[i] = x->conns[--x->n_conns];
			log_info("%s: rri: conn %u gone; the kernel removed its routes and "
				 "proxy-ARP entries with it", evs_session_name(s), conn_id);
			return;
		}
}

/* This session took its address over from an older one of the same
 * client that still lives (the new Phase 1 died first): give it back
 * rather than free an address in use. */
static void hand_back_address(struct ezv_sess *x)
{
	char a[16];

	if (pool_owner(E.ezv->pools, x->addr) != x->id)
		return;
	for (struct ezv_sess *o = E.sessions; o; o = o->next)
		if (o != x && o->server && o->authenticated && o->addr == x->addr &&
		    !strcmp(o->user, x->user) && same_peer(&o->peer_sa, &x->peer_sa) &&
		    !pool_transfer(E.ezv->pools, x->addr, x->id, o->id)) {
			fmt_ip(x->addr, a, sizeof(a));
			log_notice("%s: modecfg: address %s of \"%s\" goes back to %s",
				   evs_session_name(x->s), a, x->user, evs_session_name(o->s));
			x->addr = 0;
			return;
		}
}

static void modecfg_end(struct evs_session *s, void **state)
{
	struct ezv_sess *x = *state;
	char a[16];

	if (!x)
		return;
	if (x->server) {
		if (x->acct_started) {
			E.now = now_ms();
			acct_send(x, RADIUS_ACCT_STOP, 1 /* User-Request */);
			x->acct_started = false;
		}
		if (x->addr)
			hand_back_address(x);
		if (x->addr && pool_release_owner(E.ezv->pools, x->id)) {
			fmt_ip(x->addr, a, sizeof(a));
			if (x->pool[0])
				log_notice("%s: modecfg: address %s of \"%s\" returned to pool \"%s\"",
					   evs_session_name(s), a, x->user, x->pool);
			else
				log_notice("%s: modecfg: fixed address %s of \"%s\" released",
					   evs_session_name(s), a, x->user);
		}
		x->addr = 0;
		claims_drop(x);
	}
	x->modecfg_active = false;
	sess_put(x);
	*state = NULL;
}

static void fmt_prefix(const struct evs_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, p->plen);
}

/* Does the IPv4 net/plen hold the address of this sockaddr? */
static bool net_holds(uint32_t net, unsigned plen, const struct sockaddr *sa)
{
	uint32_t mask = plen ? 0xffffffffu << (32 - plen) : 0;

	return sa->sa_family == AF_INET &&
	       (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) & mask) == net;
}

static uint32_t prefix_u32(const struct evs_prefix *p)
{
	return (uint32_t)p->addr[0] << 24 | p->addr[1] << 16 | p->addr[2] << 8 | p->addr[3];
}

/* May the client reach idcr (our side)?  Inside a split-include network;
 * with none (a full tunnel), anything.  0.0.0.0/0 is accepted from a
 * split-tunnel client too: Cisco-style clients (vpnc) always propose it
 * and route only the split networks themselves. */
static bool idcr_tunnelled(const struct ezv_sess *x, const struct evs_prefix *idcr)
{
	uint32_t a = prefix_u32(idcr), m = idcr->plen ? 0xffffffffu << (32 - idcr->plen) : 0;

	if (idcr->family != AF_INET)
		return false;
	if (!x->eff.n_split || !idcr->plen)
		return true;
	for (unsigned i = 0; i < x->eff.n_split; i++)
		if ((m & x->eff.split[i].mask) == x->eff.split[i].mask &&
		    (a & x->eff.split[i].mask) == x->eff.split[i].addr)
			return true;
	return false;
}

/* A network-extension claim: inside the policy (ezv_nem_check), not the
 * tunnel's endpoints, overlapping no other live session's claim. */
static int nem_claim_check(struct evs_session *s, struct ezv_sess *x, uint32_t net,
			   unsigned plen, char *r, size_t len)
{
	const struct ezv_claim *c;
	char a[16];

	if (ezv_nem_check(&x->eff, E.ezv->pools, net, plen, r, len))
		return -1;
	if (net_holds(net, plen, evs_session_local_addr(s))) {
		snprintf(r, len, "holds the gateway's own address");
		return -1;
	}
	if (net_holds(net, plen, evs_session_peer_addr(s))) {
		snprintf(r, len, "holds the client's outer address");
		return -1;
	}
	c = claim_conflict(x, net, plen);
	if (c) {
		fmt_ip(c->net, a, sizeof(a));
		snprintf(r, len, "overlaps %s/%u of user \"%s\" from %s (%s)", a, c->plen,
			 c->owner->user, c->owner->peer, evs_session_name(c->owner->s));
		return -1;
	}
	if (claim_add(x, net, plen)) {
		snprintf(r, len, "more than %d networks claimed", EZV_MAX_CLAIMS);
		return -1;
	}
	return 0;
}

/* Quick mode as responder: which inner addresses may this client claim,
 * and what may it reach?  IDci, client mode: only its assigned address
 * (the engine checks it first against the inner address; this says the
 * same in policy terms).  Network extension: only networks its
 * group/user allow, never the gateway's split-include networks, a pool,
 * the tunnel's endpoints or another live session's network: the gateway
 * would route them to the client (RRI).  IDcr: what its policy tunnels. */
static uint16_t modecfg_check_ids(struct evs_session *s, void **state,
				  const struct evs_prefix *idci, const struct evs_prefix *idcr,
				  char *why, size_t len)
{
	struct ezv_sess *x = *state;
	char net_s[64], cr_s[64], r[320];
	bool client = true;

	if (evs_session_role(s) == EVS_ROLE_CLIENT)
		return 0;	/* the gateway's quick mode: our peer block decides */
	if (!x || !x->authenticated) {
		/* a site-to-site key's selectors bind it (phase2.c); the engine
		 * refuses any other session without a login before asking */
		if (evs_session_site_to_site(s))
			return 0;
		snprintf(why, len, "no logged-in user on this session");
		return ISAKMP_N_INVALID_ID_INFORMATION;
	}
	fmt_prefix(idci, net_s, sizeof(net_s));
	if (idci->family != AF_INET) {
		snprintf(r, sizeof(r), "not IPv4");
	} else if (x->eff.mode == EZV_MODE_CLIENT || x->addr) {
		char as[16];

		if (x->addr && idci->plen == 32 && prefix_u32(idci) == x->addr)
			goto idcr;
		fmt_ip(x->addr, as, sizeof(as));
		snprintf(r, sizeof(r), "only its assigned address %s may be used", as);
	} else {
		client = false;
		if (!nem_claim_check(s, x, prefix_u32(idci), idci->plen, r, sizeof(r)))
			goto idcr;
	}
	snprintf(why, len, "%s: user \"%s\" (group \"%s\") from %s may not claim IDci %s: %s",
		 client ? "client mode" : "network extension", x->user, x->group, x->peer,
		 net_s, r);
	return ISAKMP_N_INVALID_ID_INFORMATION;
idcr:
	if (idcr_tunnelled(x, idcr))
		return 0;
	fmt_prefix(idcr, cr_s, sizeof(cr_s));
	snprintf(why, len, "user \"%s\" (group \"%s\") from %s may not reach IDcr %s: not "
		 "inside a split-include network of its policy", x->user, x->group, x->peer,
		 cr_s);
	return ISAKMP_N_INVALID_ID_INFORMATION;
}

const struct evs_post_phase1_ops easyvpn_modecfg_step = {
	.name = "modecfg",
	.begin = modecfg_begin,
	.recv_cfg = modecfg_recv,
	.child_up = modecfg_child_up,
	.child_down = modecfg_child_down,
	.end = modecfg_end,
	.check_ids = modecfg_check_ids,
};

/* ---- loop integration --------------------------------------------------- */

static struct userdb *load_users(const char *path, char *err, size_t errlen)
{
	struct userdb *db = calloc(1, sizeof(*db));
	struct userdb_err ue;

	if (!db) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	userdb_init(db);
	/* A missing file is fine for RADIUS-only gateways; say so. */
	if (userdb_load(db, path, true, &ue)) {
		snprintf(err, errlen, "%s", ue.msg);
		free(db);
		return NULL;
	}
	return db;
}

int easyvpn_init(const struct ike_config *ike, struct easyvpn_config *ezv,
		 const struct ezv_kernel_ops *kops, void *karg, char *err,
		 size_t errlen)
{
	struct userdb *db;

	memset(&E, 0, sizeof(E));
	E.ike = ike;
	E.ezv = ezv;
	if (!E.ezv)
		return 0;	/* no Easy VPN sections: nothing to do */
	db = load_users(E.ezv->user_file, err, errlen);
	if (!db)
		return -1;
	if (!db->n && E.ezv->aaa.auth == EZV_AUTH_LOCAL && E.ezv->n_groups &&
	    ike->n_peers == 0)
		log_warn("easyvpn: %s holds no users; XAUTH logins will fail "
			 "(add some with: evsadm user add NAME group GROUP)", E.ezv->user_file);
	else
		log_info("easyvpn: %zu local users from %s", db->n, E.ezv->user_file);
	E.aaa = aaa_new(E.ezv, db, err, errlen);
	if (!E.aaa) {
		userdb_free(db);
		free(db);
		return -1;
	}
	if (E.ezv->n_groups) {
		E.kops = kops;
		E.karg = karg;
	}
	xauth_rl_init(&E.rl, E.ezv->xauth.lockout_failures, E.ezv->xauth.lockout_seconds);
	evs_session_register_step(&easyvpn_xauth_step);
	evs_session_register_step(&easyvpn_modecfg_step);
	evs_session_set_psk_lookup(easyvpn_psk_lookup, NULL);
	E.ready = true;
	log_info("easyvpn: %zu groups, %zu user blocks, AAA %s%s, XAUTH %u tries, lockout %u "
		 "failures / %u s", E.ezv->n_groups, E.ezv->n_users,
		 ezv_auth_name(E.ezv->aaa.auth), E.ezv->aaa.accounting ? " + accounting" : "",
		 E.ezv->xauth.retries, E.ezv->xauth.lockout_failures,
		 E.ezv->xauth.lockout_seconds);
	return 0;
}

void easyvpn_shutdown(void)
{
	if (E.aaa) {
		aaa_drain(E.aaa);	/* accounting STOP records go out first */
		aaa_free(E.aaa);
	}
	evs_session_set_psk_lookup(NULL, NULL);
	memset(&E, 0, sizeof(E));
}

int easyvpn_fd(void)
{
	return E.aaa ? aaa_fd(E.aaa) : -1;
}

void easyvpn_process(void)
{
	struct aaa_result r;

	if (!E.aaa)
		return;
	while (aaa_take_result(E.aaa, &r) == 1) {
		struct ezv_sess *x = sess_find(r.id);

		/* the session may have ended while the worker checked */
		if (x && x->server && x->aaa_pending && x->xauth_active) {
			x->aaa_pending = false;
			login_verdict(x, &r);
		}
		sodium_memzero(&r, sizeof(r));
	}
}

/* arg: the one session to update, or NULL for all of them. */
static void sample_cb(uint32_t conn_id, uint32_t spi, bool inbound, uint64_t bytes,
		      uint64_t packets, void *arg)
{
	struct ezv_sess *only = arg;

	for (struct ezv_sess *x = only ? only : E.sessions; x; x = only ? NULL : x->next) {
		bool mine = false;

		for (unsigned i = 0; i < x->n_conns; i++)
			mine |= x->conns[i] == conn_id;
		if (!mine)
			continue;
		for (unsigned i = 0; i < x->n_sa; i++)
			if (x->sa[i].spi == spi && x->sa[i].inbound == inbound) {
				x->sa[i].bytes = bytes;
				x->sa[i].packets = packets;
				x->sa[i].seen = true;
				return;
			}
		if (x->n_sa < sizeof(x->sa) / sizeof(x->sa[0]))
			x->sa[x->n_sa++] = (struct sa_count){ spi, inbound, true, bytes, packets };
		return;
	}
}

/* SAs a read did not see are gone (rekey, delete): fold their last figures
 * into the retired totals, so nothing is counted twice or lost. */
static void retire_unseen(struct ezv_sess *x)
{
	for (unsigned i = 0; i < x->n_sa;) {
		if (x->sa[i].seen) {
			i++;
			continue;
		}
		if (x->sa[i].inbound) {
			x->retired_rx_bytes += x->sa[i].bytes;
			x->retired_rx_pkts += x->sa[i].packets;
		} else {
			x->retired_tx_bytes += x->sa[i].bytes;
			x->retired_tx_pkts += x->sa[i].packets;
		}
		x->sa[i] = x->sa[--x->n_sa];
	}
}

/* Read the kernel's SA counters (one dump) for one session, or for all
 * when only is NULL.  A session with no connection left needs no dump:
 * its SAs were read just before they were deleted. */
static void sample(struct ezv_sess *only)
{
	for (struct ezv_sess *x = only ? only : E.sessions; x; x = only ? NULL : x->next)
		for (unsigned i = 0; i < x->n_sa; i++)
			x->sa[i].seen = false;
	if ((!only || only->n_conns) && E.kops->dump_sa_counters(E.karg, sample_cb, only))
		return;
	for (struct ezv_sess *x = only ? only : E.sessions; x; x = only ? NULL : x->next)
		retire_unseen(x);
}

void easyvpn_conn_closing(uint32_t conn_id)
{
	if (!E.ready || !E.kops || !E.ezv->aaa.accounting)
		return;
	for (struct ezv_sess *x = E.sessions; x; x = x->next) {
		if (!x->acct_started)
			continue;
		for (unsigned i = 0; i < x->n_conns; i++)
			if (x->conns[i] == conn_id) {
				sample(x);
				return;
			}
	}
}

uint64_t easyvpn_tick(uint64_t now)
{
	uint64_t next = 1000;

	E.now = now;
	if (!E.ready)
		return next;
	if (E.kops && E.ezv->aaa.accounting && now >= E.next_sample) {
		sample(NULL);
		E.next_sample = now + EZV_SAMPLE_MS;
	}
	for (struct ezv_sess *x = E.sessions, *nx; x; x = nx) {
		nx = x->next;
		if (x->xauth_active && x->xauth_deadline && now >= x->xauth_deadline) {
			x->xauth_active = false;
			log_warn("%s: xauth: no login within %u s; giving up",
				 evs_session_name(x->s), E.ezv->xauth.timeout);
			/* may end the session and free x (nx was taken first) */
			evs_session_step_done(x->s, false, "XAUTH timed out");
			continue;
		}
		if (x->acct_started && x->next_interim_ms && now >= x->next_interim_ms) {
			acct_send(x, RADIUS_ACCT_INTERIM, 0);
			x->next_interim_ms = now + (uint64_t)E.ezv->aaa.interim * 1000;
		}
	}
	return next;
}

int easyvpn_reload_users(char *err, size_t errlen)
{
	struct userdb *db;

	if (!E.ready)
		return 0;
	db = load_users(E.ezv->user_file, err, errlen);
	if (!db)
		return -1;
	log_notice("easyvpn: reloaded %zu users from %s", db->n, E.ezv->user_file);
	aaa_set_userdb(E.aaa, db);
	return 0;
}

void easyvpn_get_stats(struct easyvpn_stats *st)
{
	*st = E.st;
}

unsigned easyvpn_leases(void)
{
	return E.ezv && E.ezv->pools ? pool_leased_total(E.ezv->pools) : 0;
}
