// SPDX-License-Identifier: MIT
/*
 * ikesa: the ISAKMP SA table, message input and dispatch, retransmission,
 * duplicates, half-open bound, rate limits, timers.  See ikesa.h.
 */
#include "ike/engine/ikesa.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ike/engine/info.h"
#include "lib/daemon_log.h"
#include "ike/engine/natt.h"
#include "ike/engine/phase1.h"
#include "ike/engine/phase2.h"

#define XCHG_LIFETIME_MS	60000	/* forget finished exchanges after */
#define UNPROVEN_REPLIES_MAX	2	/* MM2/AM2 resent to an unproven peer */

static const char *const state_names[] = {
	[IKE_S_NEW] = "NEW",
	[IKE_S_MM_I_SA_SENT] = "MM_I_SA_SENT",
	[IKE_S_MM_I_KE_SENT] = "MM_I_KE_SENT",
	[IKE_S_MM_I_AUTH_SENT] = "MM_I_AUTH_SENT",
	[IKE_S_MM_R_SA_SENT] = "MM_R_SA_SENT",
	[IKE_S_MM_R_KE_SENT] = "MM_R_KE_SENT",
	[IKE_S_AM_I_SENT] = "AM_I_SENT",
	[IKE_S_AM_R_SENT] = "AM_R_SENT",
	[IKE_S_STEPS] = "STEPS",
	[IKE_S_READY] = "READY",
	[IKE_S_DEAD] = "DEAD",
};

const char *ike_state_name(enum ike_state s)
{
	if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0]) &&
	    state_names[s])
		return state_names[s];
	return "?";
}

/* ---- small helpers -------------------------------------------------------- */

uint8_t *ike_memdup(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

void ike_free_bytes(uint8_t **p, size_t *n)
{
	if (*p) {
		secret_wipe(*p, *n);
		free(*p);
	}
	*p = NULL;
	*n = 0;
}

size_t ike_sa_addr(const struct sockaddr *sa, const uint8_t **addr,
		   uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		*addr = (const uint8_t *)&s->sin_addr;
		*port = ntohs(s->sin_port);
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		*addr = (const uint8_t *)&s->sin6_addr;
		*port = ntohs(s->sin6_port);
		return 16;
	}
	*addr = NULL;
	*port = 0;
	return 0;
}

void ike_addr_str(const struct sockaddr *sa, char *out, size_t n)
{
	evs_sockaddr_str(sa, true, out, n);
}

bool ike_addr_eq(const struct sockaddr *a, const struct sockaddr *b)
{
	const uint8_t *pa, *pb;
	uint16_t qa, qb;
	size_t la = ike_sa_addr(a, &pa, &qa), lb = ike_sa_addr(b, &pb, &qb);

	return la && la == lb && !memcmp(pa, pb, la);
}

static void ike_sa_update_name(struct ike_sa *sa)
{
	char a[64];

	ike_addr_str((const struct sockaddr *)&sa->path.remote, a, sizeof(a));
	snprintf(sa->name, sizeof(sa->name),
		 "ike#%u %s %02x%02x%02x%02x:%02x%02x%02x%02x", sa->serial, a,
		 sa->cky_i[0], sa->cky_i[1], sa->cky_i[2], sa->cky_i[3],
		 sa->cky_r[0], sa->cky_r[1], sa->cky_r[2], sa->cky_r[3]);
}

/* ---- the engine ----------------------------------------------------------- */

/* The engine's hash tables (lib/htab.h), each under a random key. */
#define N_TABLES 6
static struct htab *engine_table(struct ike_engine *e, size_t i)
{
	struct htab *t[N_TABLES] = { &e->sa_ck, &e->sa_first, &e->sa_peer,
				     &e->xchgs, &e->spis, &e->conn_ids };

	return t[i];
}

struct ike_engine *ike_engine_new(const struct ike_config *ike,
				  enum evs_role role,
				  const struct ike_engine_ops *ops, void *arg)
{
	struct ike_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->ike = ike;
	e->role = role;
	e->ops = ops;
	e->ops_arg = arg;
	e->next_serial = 1;
	e->cfg_gen = 1;
	e->changed_tail = &e->changed;
	/* Connection ids are unique per namespace; start from a random
	 * point so a restarted evsd does not collide with leftovers. */
	ike_random(&e->next_conn_id, sizeof(e->next_conn_id));
	e->next_conn_id = (e->next_conn_id & 0x3fffffff) + 1;
	ike_random(e->src_key, sizeof(e->src_key));
	dueh_init(&e->due);
	e->input_read_until = UINT64_MAX;
	for (size_t i = 0; i < N_TABLES; i++)
		if (htab_init(engine_table(e, i)) < 0) {
			ike_engine_free(e);
			return NULL;
		}
	return e;
}

void ike_engine_set_time(struct ike_engine *e, uint64_t now_ms)
{
	e->now = now_ms;
}

void ike_engine_input_read_until(struct ike_engine *e, uint64_t t_ms)
{
	e->input_read_until = t_ms;
}

static void ike_sa_free(struct ike_sa *sa);

/* Reports the changes, then frees the SAs killed since the last reap
 * (after every datagram, tick and kernel event): the killed ones only,
 * never a walk of them all. */
static void reap(struct ike_engine *e)
{
	/* The killed ones among them too: a record goes with its SA. */
	ike_engine_report_changes(e);
	while (e->dead) {
		struct ike_sa *sa = e->dead;

		e->dead = sa->dead_next;
		*sa->pprev = sa->next;
		if (sa->next)
			sa->next->pprev = sa->pprev;
		ike_sa_free(sa);
	}
}

void ike_engine_shutdown(struct ike_engine *e)
{
	e->shutting_down = true;
	/* Inherently over all SAs. */
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		if (sa->state != IKE_S_DEAD)
			ike_sa_kill(sa, EVS_END_SHUTDOWN, "shutting down", true, true);
	reap(e);
}

void ike_engine_free(struct ike_engine *e)
{
	if (!e)
		return;
	ike_engine_shutdown(e);
	for (size_t i = 0; i < N_TABLES; i++)
		htab_free(engine_table(e, i));
	dueh_free(&e->due);
	free(e->cfg_uses);
	free(e);
}

uint32_t ike_engine_set_config(struct ike_engine *e, const struct ike_config *ike)
{
	uint32_t old = e->cfg_gen;

	e->ike = ike;
	e->cfg_gen++;
	/* The half-open timeout is the new configuration's for every SA
	 * (sa_tick reads e->ike): their due times move with it.  Once per
	 * reload. */
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next)
		ike_sa_rearm(sa);
	return old;
}

static struct ike_cfg_use *cfg_use(const struct ike_engine *e, uint32_t gen)
{
	for (unsigned i = 0; i < e->n_cfg_uses; i++)
		if (e->cfg_uses[i].gen == gen)
			return &e->cfg_uses[i];
	return NULL;
}

bool ike_engine_config_in_use(const struct ike_engine *e, uint32_t gen)
{
	return gen == e->cfg_gen || cfg_use(e, gen);
}

/* One more SA under the current configuration; -1 when out of memory. */
static int cfg_use_get(struct ike_engine *e)
{
	struct ike_cfg_use *u = cfg_use(e, e->cfg_gen), *n;

	if (!u) {
		n = realloc(e->cfg_uses, (e->n_cfg_uses + 1) * sizeof(*n));
		if (!n)
			return -1;
		e->cfg_uses = n;
		u = &n[e->n_cfg_uses++];
		*u = (struct ike_cfg_use){ .gen = e->cfg_gen };
	}
	u->n_sas++;
	return 0;
}

static void cfg_use_put(struct ike_engine *e, uint32_t gen)
{
	struct ike_cfg_use *u = cfg_use(e, gen);

	if (u && !--u->n_sas)
		*u = e->cfg_uses[--e->n_cfg_uses];
}

/* ---- SA lifecycle --------------------------------------------------------- */

/* ---- admission accounting ------------------------------------------------ */

/* What a responder SA is counted as.  The counts are derived from the
 * state: sa_account() is the one place they change, on every state
 * change including death, so no path can leave one behind. */
enum { ACCT_NONE, ACCT_HALF_OPEN, ACCT_UNAUTH };

static uint8_t acct_class(const struct ike_sa *sa, enum ike_state st)
{
	if (sa->initiator)
		return ACCT_NONE;
	if (st == IKE_S_NEW || ike_state_phase1(st))
		return ACCT_HALF_OPEN;
	return st == IKE_S_STEPS ? ACCT_UNAUTH : ACCT_NONE;
}

/* Unproven: we answered the peer's first message, it has not yet shown
 * that it receives what we send (its next message carries our cookie). */
static bool acct_unproven(const struct ike_sa *sa, enum ike_state st)
{
	return !sa->initiator && (st == IKE_S_NEW || st == IKE_S_MM_R_SA_SENT ||
				  st == IKE_S_AM_R_SENT);
}

static uint16_t src_slot(const struct ike_engine *e, const struct sockaddr *a)
{
	uint8_t key[16] = { 0 }, h[crypto_shorthash_BYTES];
	const uint8_t *p;
	uint16_t port;
	size_t n = ike_sa_addr(a, &p, &port);
	uint32_t v;

	if (n)
		memcpy(key, p, n);
	crypto_shorthash(h, key, sizeof(key), e->src_key);
	memcpy(&v, h, sizeof(v));
	return (uint16_t)(v % IKE_SRC_SLOTS);
}

struct ike_src_count *ike_src_count(struct ike_engine *e,
				    const struct sockaddr *a)
{
	return &e->src[src_slot(e, a)];
}

static void up_unlink(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->up_prev)
		sa->up_prev->up_next = sa->up_next;
	else
		e->up_head = sa->up_next;
	if (sa->up_next)
		sa->up_next->up_prev = sa->up_prev;
	else
		e->up_tail = sa->up_prev;
	sa->up_prev = sa->up_next = NULL;
}

static void sa_account(struct ike_sa *sa, enum ike_state from,
		       enum ike_state to, bool fresh)
{
	struct ike_engine *e = sa->eng;
	struct ike_src_count *sc = &e->src[sa->src_slot];
	uint8_t was = fresh ? ACCT_NONE : sa->acct, now = acct_class(sa, to);
	bool up_was = !fresh && acct_unproven(sa, from), up_now = acct_unproven(sa, to);

	if (was != now) {
		if (was == ACCT_HALF_OPEN) {
			e->n_half_open--;
			sc->half_open--;
		} else if (was == ACCT_UNAUTH) {
			e->n_unauth--;
			sc->unauth--;
		}
		if (now == ACCT_HALF_OPEN) {
			e->n_half_open++;
			sc->half_open++;
		} else if (now == ACCT_UNAUTH) {
			e->n_unauth++;
			sc->unauth++;
		}
		sa->acct = now;
	}
	if (up_was && !up_now) {
		up_unlink(e, sa);
	} else if (!up_was && up_now) {
		sa->up_prev = e->up_tail;
		sa->up_next = NULL;
		if (e->up_tail)
			e->up_tail->up_next = sa;
		else
			e->up_head = sa;
		e->up_tail = sa;
	}
}

bool ike_engine_counts_ok(const struct ike_engine *e)
{
	unsigned ho = 0, ua = 0, up = 0, up_listed = 0;
	uint64_t src_ho = 0, src_ua = 0;

	/* A check of the whole table (tests): over all SAs. */
	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		uint8_t c = acct_class(sa, sa->state);

		if (c != sa->acct)
			return false;
		ho += c == ACCT_HALF_OPEN;
		ua += c == ACCT_UNAUTH;
		up += acct_unproven(sa, sa->state);
	}
	for (const struct ike_sa *sa = e->up_head; sa; sa = sa->up_next)
		up_listed++;
	for (unsigned i = 0; i < IKE_SRC_SLOTS; i++) {
		src_ho += e->src[i].half_open;
		src_ua += e->src[i].unauth;
	}
	return ho == e->n_half_open && ua == e->n_unauth && up == up_listed &&
	       src_ho == ho && src_ua == ua;
}

struct ike_sa *ike_sa_new(struct ike_engine *e, bool initiator,
			  const struct ike_path *path)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (!sa)
		return NULL;
	sa->p1 = calloc(1, sizeof(*sa->p1));
	/* Room in the due-time heap now: re-keying it later cannot fail. */
	if (!sa->p1 || dueh_reserve(&e->due, e->due.n + 1) < 0 || cfg_use_get(e) < 0) {
		free(sa->p1);
		free(sa);
		return NULL;
	}
	sa->cfg_gen = e->cfg_gen;
	sa->eng = e;
	sa->serial = e->next_serial++;
	sa->initiator = initiator;
	sa->path = *path;
	sa->created = e->now;
	sa->last_rx = e->now;
	ike_random(sa->cky_i, sizeof(sa->cky_i));	/* replaced if responder */
	sa->next = e->sas;
	if (sa->next)
		sa->next->pprev = &sa->next;
	e->sas = sa;
	sa->pprev = &e->sas;
	/* Counted against the address it first came from, for its life. */
	sa->src_slot = src_slot(e, (const struct sockaddr *)&path->remote);
	sa_account(sa, IKE_S_NEW, IKE_S_NEW, true);
	ike_sa_reindex(sa);
	ike_sa_rearm(sa);	/* the half-open expiry */
	return sa;
}

/* ---- the SA tables ---------------------------------------------------------- */

static uint64_t ck_hash(const struct ike_engine *e, const uint8_t *icky,
			const uint8_t *rcky)
{
	uint8_t k[2 * ISAKMP_COOKIE_LEN];

	memcpy(k, icky, ISAKMP_COOKIE_LEN);
	memcpy(k + ISAKMP_COOKIE_LEN, rcky, ISAKMP_COOKIE_LEN);
	return htab_hash(&e->sa_ck, k, sizeof(k));
}

/* An address as a table key: its bytes, length and (with_port) port. */
static uint64_t addr_hash(const struct htab *t, const uint8_t *prefix,
			  size_t plen, const struct sockaddr *a, bool with_port)
{
	uint8_t k[ISAKMP_COOKIE_LEN + 16 + 1 + 2] = { 0 };
	const uint8_t *p;
	uint16_t port;
	size_t n = ike_sa_addr(a, &p, &port);

	if (plen)
		memcpy(k, prefix, plen);
	if (n)
		memcpy(k + plen, p, n);
	k[plen + 16] = (uint8_t)n;
	if (with_port)
		memcpy(k + plen + 17, &port, 2);
	return htab_hash(t, k, plen + 17 + (with_port ? 2 : 0));
}

static void sa_unindex(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;

	htab_del(&e->sa_ck, &sa->ck_node);
	htab_del(&e->sa_first, &sa->first_node);
	htab_del(&e->sa_peer, &sa->peer_node);
}

void ike_sa_reindex(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;
	const struct sockaddr *r = (const struct sockaddr *)&sa->path.remote;

	sa_unindex(sa);
	if (sa->state != IKE_S_DEAD) {
		htab_add(&e->sa_ck, &sa->ck_node,
			 ck_hash(e, sa->cky_i, sa->cky_r));
		if (!sa->initiator)
			htab_add(&e->sa_first, &sa->first_node,
				 addr_hash(&e->sa_first, sa->cky_i,
					   ISAKMP_COOKIE_LEN, r, false));
		htab_add(&e->sa_peer, &sa->peer_node,
			 addr_hash(&e->sa_peer, NULL, 0, r, true));
	}
	ike_sa_update_name(sa);
}

struct ike_sa *ike_sa_first_find(struct ike_engine *e, const uint8_t *icky,
				 const struct sockaddr *addr)
{
	struct htab_node *h;

	htab_for_each(&e->sa_first, h, addr_hash(&e->sa_first, icky,
						 ISAKMP_COOKIE_LEN, addr, false)) {
		struct ike_sa *sa = htab_entry(h, struct ike_sa, first_node);

		if (!memcmp(sa->cky_i, icky, ISAKMP_COOKIE_LEN) &&
		    ike_addr_eq((const struct sockaddr *)&sa->path.remote, addr))
			return sa;
	}
	return NULL;
}

struct ike_sa *ike_sa_same_peer(struct ike_sa *sa,
				bool (*match)(const struct ike_sa *o,
					      const struct ike_sa *sa, void *arg),
				void *arg)
{
	struct ike_engine *e = sa->eng;
	const struct sockaddr *r = (const struct sockaddr *)&sa->path.remote;
	const uint8_t *a;
	uint16_t port, oport;
	struct htab_node *h;

	ike_sa_addr(r, &a, &port);
	htab_for_each(&e->sa_peer, h, addr_hash(&e->sa_peer, NULL, 0, r, true)) {
		struct ike_sa *o = htab_entry(h, struct ike_sa, peer_node);

		ike_sa_addr((const struct sockaddr *)&o->path.remote, &a, &oport);
		if (o != sa && o->state != IKE_S_DEAD && oport == port &&
		    ike_addr_eq((const struct sockaddr *)&o->path.remote, r) &&
		    match(o, sa, arg))
			return o;
	}
	return NULL;
}

bool ike_sa_has_installed_conn(const struct ike_sa *sa)
{
	for (const struct ike_conn *c = sa->conns; c; c = c->next)
		if (c->installed)
			return true;
	return false;
}

void ike_sa_set_state(struct ike_sa *sa, enum ike_state st)
{
	if (sa->state == st)
		return;
	log_info("%s: %s -> %s", sa->name, ike_state_name(sa->state),
		 ike_state_name(st));
	sa_account(sa, sa->state, st, false);
	sa->state = st;
	/* Which timers apply depends on the state (sa_due). */
	ike_sa_rearm(sa);
	if (st == IKE_S_DEAD) {
		/* Found by no lookup from now on; freed by the next reap. */
		sa_unindex(sa);
		sa->dead_next = sa->eng->dead;
		sa->eng->dead = sa;
	}
	if (st == IKE_S_READY || st == IKE_S_DEAD)
		ike_sa_changed(sa);
}

void ike_sa_changed(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;

	if (!e->ops->sa_changed || sa->adopting || sa->change_queued)
		return;
	sa->change_queued = true;
	sa->changed_next = NULL;
	*e->changed_tail = sa;
	e->changed_tail = &sa->changed_next;
}

void ike_engine_report_changes(struct ike_engine *e)
{
	struct ike_sa *sa;

	while ((sa = e->changed)) {
		e->changed = sa->changed_next;
		if (!e->changed)
			e->changed_tail = &e->changed;
		sa->change_queued = false;
		if (e->ops->sa_changed)
			e->ops->sa_changed(e->ops_arg, sa);
	}
}

void ike_rexmit_clear(struct ike_rexmit *r)
{
	ike_free_bytes(&r->msg, &r->len);
	r->awaiting = false;
	r->tries = 0;
}

void ike_xchg_free(struct ike_sa *sa, struct ike_xchg *x)
{
	/* The SA's few (timers.exchanges-max, and the one informational
	 * exchange being handled). */
	for (struct ike_xchg **pp = &sa->xchgs; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	htab_del(&sa->eng->xchgs, &x->node);
	if (x->type != ISAKMP_EXCH_INFO)
		sa->n_xchgs--;
	ike_rexmit_clear(&x->rx);
	qm_release(sa, x);
	free(x);
}

void ike_sa_p1_free(struct ike_sa *sa)
{
	struct ike_p1 *p = sa->p1;

	if (!p)
		return;
	dh_free(p->dh);
	ike_free_bytes(&p->gxi, &p->gxi_len);
	ike_free_bytes(&p->gxr, &p->gxr_len);
	ike_free_bytes(&p->ni, &p->ni_len);
	ike_free_bytes(&p->nr, &p->nr_len);
	ike_free_bytes(&p->sai_b, &p->sai_len);
	ike_free_bytes(&p->id_own, &p->id_own_len);
	secret_free(p->psk);
	if (p->peer_cert)
		cert_peer_free(p->peer_cert);
	free(p);
	sa->p1 = NULL;
}

static void ike_sa_free(struct ike_sa *sa)
{
	while (sa->xchgs)
		ike_xchg_free(sa, sa->xchgs);
	free(sa->ids);
	while (sa->conns) {
		struct ike_conn *c = sa->conns;

		sa->conns = c->next;
		conn_index_drop(sa->eng, c);
		conn_free(c);
	}
	ike_sa_p1_free(sa);
	ike_free_bytes(&sa->id_peer, &sa->id_peer_len);
	ike_keys_clear(&sa->keys);
	ike_rexmit_clear(&sa->p1rx);
	secret_wipe(&sa->iv, sizeof(sa->iv));
	cfg_use_put(sa->eng, sa->cfg_gen);
	free(sa);
}

void ike_sa_kill(struct ike_sa *sa, enum evs_end_reason reason, const char *why,
		 bool notify, bool del_conns)
{
	if (sa->state == IKE_S_DEAD)
		return;
	sa->end_reason = reason;
	if (sa->state < IKE_S_STEPS)
		sa->eng->stats.p1_failed++;
	log_notice("%s: deleting in state %s: %s", sa->name,
		   ike_state_name(sa->state), why);
	if (del_conns)
		while (sa->conns)
			conn_remove(sa, sa->conns, notify &&
				    sa->state == IKE_S_READY);
	if (notify && sa->have_keys && !ike_state_phase1(sa->state))
		info_send_delete_isakmp(sa);
	evs_session_end(sa);
	ike_sa_set_state(sa, IKE_S_DEAD);
}

/* The first live SA with these cookies that is an initiator when
 * initiator_only. */
static struct ike_sa *find_cookies(struct ike_engine *e, const uint8_t *icky,
				   const uint8_t *rcky, bool initiator_only)
{
	struct htab_node *h;

	htab_for_each(&e->sa_ck, h, ck_hash(e, icky, rcky)) {
		struct ike_sa *sa = htab_entry(h, struct ike_sa, ck_node);

		if (sa->state != IKE_S_DEAD &&
		    (sa->initiator || !initiator_only) &&
		    !memcmp(sa->cky_i, icky, ISAKMP_COOKIE_LEN) &&
		    !memcmp(sa->cky_r, rcky, ISAKMP_COOKIE_LEN))
			return sa;
	}
	return NULL;
}

struct ike_sa *ike_sa_find(struct ike_engine *e, const uint8_t *icky,
			   const uint8_t *rcky)
{
	return find_cookies(e, icky, rcky, false);
}

/* The initiator learns the responder cookie from the first answer: until
 * then its SA is in the table with a zero responder cookie. */
static struct ike_sa *find_initiator_pending(struct ike_engine *e,
					     const uint8_t *icky)
{
	static const uint8_t zero[ISAKMP_COOKIE_LEN];

	return find_cookies(e, icky, zero, true);
}

/* ---- sending ---------------------------------------------------------------- */

void ike_sa_hdr(const struct ike_sa *sa, struct isakmp_hdr *h, uint8_t exch,
		uint32_t msgid, uint8_t flags)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, sa->cky_i, ISAKMP_COOKIE_LEN);
	memcpy(h->rcookie, sa->cky_r, ISAKMP_COOKIE_LEN);
	h->version = ISAKMP_VERSION;
	h->exch = exch;
	h->flags = flags;
	h->msgid = msgid;
}

int ike_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len)
{
	struct ike_engine *e = sa->eng;

	e->stats.tx++;
	return e->ops->send(e->ops_arg, &sa->path, buf, len);
}

static uint64_t rexmit_interval(const struct ike_engine *e, unsigned tries)
{
	uint64_t ms = e->ike->timers.retransmit_ms ? e->ike->timers.retransmit_ms : 2000;

	if (tries > 6)
		tries = 6;
	return ms << tries;
}

static int rexmit_store(struct ike_sa *sa, struct ike_rexmit *r,
			struct isakmp_buf *msg, bool awaiting)
{
	ike_free_bytes(&r->msg, &r->len);
	r->msg = ike_memdup(msg->data, msg->len);
	if (!r->msg)
		return -1;
	r->len = msg->len;
	r->sent_last = true;
	r->awaiting = awaiting;
	r->tries = 0;
	r->next_at = sa->eng->now + rexmit_interval(sa->eng, 0);
	ike_sa_rearm(sa);
	return ike_send_raw(sa, r->msg, r->len);
}

int ike_sa_send_p1(struct ike_sa *sa, struct isakmp_buf *msg, bool awaiting)
{
	return rexmit_store(sa, &sa->p1rx, msg, awaiting);
}

int ike_xchg_send(struct ike_sa *sa, struct ike_xchg *x,
		  struct isakmp_buf *msg, bool awaiting)
{
	x->expire_at = sa->eng->now + XCHG_LIFETIME_MS;
	return rexmit_store(sa, &x->rx, msg, awaiting);
}

/* ---- exchanges with message ids ---------------------------------------------- */

static uint64_t xchg_hash(const struct ike_sa *sa, uint32_t msgid)
{
	uint8_t k[sizeof(sa) + sizeof(msgid)];

	memcpy(k, &sa, sizeof(sa));
	memcpy(k + sizeof(sa), &msgid, sizeof(msgid));
	return htab_hash(&sa->eng->xchgs, k, sizeof(k));
}

struct ike_xchg *ike_xchg_find(struct ike_sa *sa, uint32_t msgid)
{
	struct htab_node *h;

	htab_for_each(&sa->eng->xchgs, h, xchg_hash(sa, msgid)) {
		struct ike_xchg *x = htab_entry(h, struct ike_xchg, node);

		if (x->sa == sa && x->msgid == msgid)
			return x;
	}
	return NULL;
}

/* The peer picks its message ids: a keyed hash places them, so it cannot
 * line them up into one long probe sequence; the table stays at most half
 * full. */
static uint32_t ids_slot(const struct ike_sa *sa, uint32_t id, uint32_t cap)
{
	return (uint32_t)htab_hash(&sa->eng->xchgs, &id, sizeof(id)) & (cap - 1);
}

bool ike_msgid_seen(const struct ike_sa *sa, uint32_t msgid)
{
	if (!sa->ids)
		return false;
	for (uint32_t i = ids_slot(sa, msgid, sa->ids_cap);;
	     i = (i + 1) & (sa->ids_cap - 1)) {
		if (sa->ids[i] == msgid)
			return true;
		if (!sa->ids[i])
			return false;
	}
}

static void ids_put(const struct ike_sa *sa, uint32_t *t, uint32_t cap,
		    uint32_t id)
{
	uint32_t i = ids_slot(sa, id, cap);

	while (t[i])
		i = (i + 1) & (cap - 1);
	t[i] = id;
}

static int msgid_put(struct ike_sa *sa, uint32_t msgid, bool report)
{
	uint32_t max = sa->eng->ike->timers.msgids_max ?
		       sa->eng->ike->timers.msgids_max : 16384;

	if (!msgid || ike_msgid_seen(sa, msgid))
		return 0;
	if (sa->ids_n >= max) {
		if (!sa->ids_full_logged)
			log_notice("%s: %u message ids used: no new exchanges on this ISAKMP SA (a new Phase 1 is needed)",
				   sa->name, sa->ids_n);
		sa->ids_full_logged = true;
		return -1;
	}
	if (2 * (sa->ids_n + 1) > sa->ids_cap) {
		uint32_t cap = sa->ids_cap ? 2 * sa->ids_cap : 64;
		uint32_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -1;
		for (uint32_t i = 0; i < sa->ids_cap; i++)
			if (sa->ids[i])
				ids_put(sa, t, cap, sa->ids[i]);
		free(sa->ids);
		sa->ids = t;
		sa->ids_cap = cap;
	}
	ids_put(sa, sa->ids, sa->ids_cap, msgid);
	sa->ids_n++;
	/* A restarted evsd must refuse a replay of this one too. */
	if (report)
		ike_sa_changed(sa);
	return 0;
}

int ike_msgid_remember(struct ike_sa *sa, uint32_t msgid)
{
	return msgid_put(sa, msgid, true);
}

int ike_msgid_remember_dpd(struct ike_sa *sa, uint32_t msgid)
{
	return msgid_put(sa, msgid, false);
}

/* A message id of our own that neither side has used. */
static uint32_t msgid_fresh(struct ike_sa *sa)
{
	uint32_t msgid;

	do
		msgid = ike_random_msgid();
	while (!msgid || ike_xchg_find(sa, msgid) || ike_msgid_seen(sa, msgid));
	return msgid;
}

uint32_t ike_msgid_new_dpd(struct ike_sa *sa)
{
	uint32_t msgid = msgid_fresh(sa);

	return ike_msgid_remember_dpd(sa, msgid) < 0 ? 0 : msgid;
}

struct ike_xchg *ike_xchg_new(struct ike_sa *sa, uint32_t msgid, uint8_t type)
{
	uint32_t max = sa->eng->ike->timers.exchanges_max ?
		       sa->eng->ike->timers.exchanges_max : 16;
	struct ike_xchg *x;

	if (!sa->have_keys)
		return NULL;
	if (type != ISAKMP_EXCH_INFO && sa->n_xchgs >= max) {
		sa->eng->stats.xchg_refused++;
		log_notice("%s: %u exchanges in progress (limit): new %s refused",
			   sa->name, sa->n_xchgs, isakmp_exch_name(type));
		return NULL;
	}
	if (!msgid) {
		msgid = msgid_fresh(sa);
		/* Ours from the start: a reflection of it is a replay. */
		if (ike_msgid_remember(sa, msgid) < 0)
			return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->msgid = msgid;
	x->type = type;
	x->expire_at = sa->eng->now + XCHG_LIFETIME_MS;
	if (ike_iv_phase2(&sa->keys, &sa->iv, msgid, &x->iv) < 0) {
		free(x);
		return NULL;
	}
	x->sa = sa;
	x->next = sa->xchgs;
	sa->xchgs = x;
	htab_add(&sa->eng->xchgs, &x->node, xchg_hash(sa, msgid));
	if (type != ISAKMP_EXCH_INFO)
		sa->n_xchgs++;
	ike_sa_rearm(sa);	/* its expiry */
	return x;
}

const uint8_t *ike_after_payload(const struct isakmp_msg *m,
				 const struct isakmp_payload *p, size_t *len)
{
	const struct isakmp_payload *last = &m->p[m->n - 1];
	const uint8_t *start = p->body + p->len;

	*len = (size_t)(last->body + last->len - start);
	return start;
}

int ike_verify_msgid_hash(const struct ike_sa *sa, const struct isakmp_msg *m)
{
	uint8_t h[IKE_MAX_HASH];
	const uint8_t *rest;
	size_t rlen;

	if (!m->n || m->p[0].type != ISAKMP_PT_HASH ||
	    m->p[0].len != sa->keys.hash_len)
		return -1;
	rest = ike_after_payload(m, &m->p[0], &rlen);
	if (ike_hash_msgid(&sa->keys, m->hdr.msgid, rest, rlen, h) < 0)
		return -1;
	return secret_memeq(h, m->p[0].body, sa->keys.hash_len) ? 0 : -1;
}

int ike_send_hashed(struct ike_sa *sa, struct ike_xchg *x, uint8_t exch,
		    ike_fill_fn fill, void *arg, bool awaiting)
{
	struct isakmp_hdr h;
	struct isakmp_bld b;
	size_t hoff, rlen;
	const uint8_t *rest;
	int rc = -1;

	ike_sa_hdr(sa, &h, exch, x->msgid, 0);
	isakmp_bld_init(&b, &h);
	hoff = isakmp_add_hash_slot(&b, sa->keys.hash_len);
	fill(&b, arg);
	if (isakmp_bld_finish(&b) < 0)
		goto out;
	rest = isakmp_bld_after(&b, hoff, sa->keys.hash_len, &rlen);
	if (ike_hash_msgid(&sa->keys, x->msgid, rest, rlen,
			   b.buf.data + hoff) < 0)
		goto out;
	if (ike_encrypt_msg(&sa->keys, &x->iv, &b.buf) < 0)
		goto out;
	rc = ike_xchg_send(sa, x, &b.buf, awaiting);
out:
	isakmp_buf_free(&b.buf);
	return rc;
}

/* ---- rate limit and half-open bound ---------------------------------------- */

static bool rate_ok(struct ike_engine *e, const struct sockaddr *src)
{
	const uint8_t *a;
	uint16_t port;
	size_t n = ike_sa_addr(src, &a, &port);
	uint32_t limit = e->ike->timers.rate_limit;
	uint64_t sec = e->now / 1000;
	uint8_t key[16] = { 0 };
	unsigned h = 2166136261u;

	if (!limit || !n)
		return true;
	memcpy(key, a, n);
	for (size_t i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	h &= 255;
	if (memcmp(e->rl.slot[h].addr, key, 16) || e->rl.slot[h].second != sec) {
		memcpy(e->rl.slot[h].addr, key, 16);
		e->rl.slot[h].second = sec;
		e->rl.slot[h].count = 0;
	}
	return ++e->rl.slot[h].count <= limit;
}

/* ---- input -------------------------------------------------------------------- */

static bool is_duplicate(struct ike_rexmit *r, const uint8_t *buf, size_t len)
{
	uint8_t d[20];
	struct ike_seg s = { buf, len };

	if (ike_hash(IKE_HASH_SHA1, &s, 1, d) < 0)
		return false;
	if (r->have_rx && !memcmp(d, r->rx_digest, sizeof(d)))
		return true;
	memcpy(r->rx_digest, d, sizeof(d));
	r->have_rx = true;
	r->sent_last_was = r->sent_last;
	r->sent_last = false;
	return false;
}

/* The message is_duplicate() just recorded was refused: a copy of it is
 * judged anew, and what we sent before it is still our last word. */
static void rx_forget(struct ike_rexmit *r)
{
	r->have_rx = false;
	r->sent_last = r->sent_last_was;
}

/* A retransmitted peer message: answer with what we sent after it (the
 * peer lost it), at most once a second. */
static void answer_duplicate(struct ike_sa *sa, struct ike_rexmit *r)
{
	struct ike_engine *e = sa->eng;

	e->stats.rx_dup++;
	if (!r->msg || !r->sent_last ||
	    (r->last_dup_reply && e->now - r->last_dup_reply < 1000)) {
		log_debug("%s: duplicate message dropped", sa->name);
		return;
	}
	r->last_dup_reply = e->now;
	log_debug("%s: duplicate message, resending our last", sa->name);
	ike_send_raw(sa, r->msg, r->len);
}

static void drop(struct ike_engine *e, const struct ike_path *p,
		 const char *what, const char *why)
{
	char a[64];

	e->stats.rx_malformed++;
	ike_addr_str((const struct sockaddr *)&p->remote, a, sizeof(a));
	log_info("from %s: %s dropped: %s", a, what, why);
}

/* An authenticated message from the peer after Phase 1: it has our last
 * Phase 1 message (AM3, phase1.c), which is no longer resent. */
static void heard_from(struct ike_sa *sa)
{
	sa->last_rx = sa->eng->now;
	sa->p1rx.awaiting = false;
}

/* Decrypt with iv into out and parse; iv_next gets the candidate IV. */
static int decrypt_parse(struct ike_sa *sa, const struct ike_iv *iv,
			 const uint8_t *buf, size_t len,
			 struct isakmp_buf *out, struct isakmp_msg *m,
			 struct ike_iv *iv_next, struct isakmp_perr *err)
{
	if (!sa->have_keys) {
		err->why = "encrypted before keys exist";
		return -1;
	}
	if (ike_decrypt_msg(&sa->keys, iv, buf, len, out, iv_next) < 0) {
		err->why = "cannot decrypt (bad length)";
		return -1;
	}
	if (isakmp_parse_body(&m->hdr, out->data + ISAKMP_HDR_LEN,
			      out->len - ISAKMP_HDR_LEN, ISAKMP_PARSE_PADDED,
			      m, err) < 0)
		return -1;
	return 0;
}

/* Room for a new responder exchange from src?  Per source first: one
 * address (or a spoofer using it) cannot take more than its share.  When
 * the table is full, the oldest unproven exchange makes room (a spoofed
 * first message never proves itself; a real peer proves within a round
 * trip) -- so a flood delays real clients by at most that race, it does
 * not lock them out.  Nothing to evict: refused. */
static bool admit_new(struct ike_engine *e, const struct sockaddr *src)
{
	const struct ike_timers *t = &e->ike->timers;
	struct ike_src_count *sc = ike_src_count(e, src);
	char a[64];

	if (t->half_open_per_source && sc->half_open >= t->half_open_per_source) {
		e->stats.rx_source_full++;
		ike_addr_str(src, a, sizeof(a));
		log_debug("new Phase 1 from %s dropped: %u half-open from this source",
			  a, sc->half_open);
		return false;
	}
	if (t->unauth_per_source && sc->unauth >= t->unauth_per_source) {
		e->stats.unauth_refused++;
		ike_addr_str(src, a, sizeof(a));
		log_info("new Phase 1 from %s dropped: %u sessions of this source wait for XAUTH",
			 a, sc->unauth);
		return false;
	}
	if (t->unauth_max && e->n_unauth >= t->unauth_max) {
		e->stats.unauth_refused++;
		log_warn("new Phase 1 dropped: %u sessions wait for XAUTH (limit)",
			 e->n_unauth);
		return false;
	}
	if (t->half_open_max && e->n_half_open >= t->half_open_max &&
	    !e->up_head) {
		e->stats.rx_half_open_full++;
		log_warn("new Phase 1 dropped: %u half-open exchanges (limit), none unproven",
			 e->n_half_open);
		return false;
	}
	return true;
}

/* After a new exchange was admitted: back under the bound by ending the
 * oldest unproven ones (never the one just made). */
static void evict_unproven(struct ike_engine *e, const struct ike_sa *keep)
{
	uint32_t max = e->ike->timers.half_open_max;

	while (max && e->n_half_open > max && e->up_head && e->up_head != keep) {
		e->stats.half_open_evicted++;
		e->stats.rx_half_open_full++;
		ike_sa_kill(e->up_head, EVS_END_ERROR, "evicted: half-open table full", false,
			    false);
	}
}

static void input_phase1_new(struct ike_engine *e, const struct ike_path *p,
			     const uint8_t *buf, size_t len,
			     const struct isakmp_hdr *hdr)
{
	struct isakmp_msg m;
	struct isakmp_perr err = { 0, NULL };
	struct ike_sa *sa;

	/* A retransmitted first message of an exchange we answered. */
	sa = ike_sa_first_find(e, hdr->icookie,
			       (const struct sockaddr *)&p->remote);
	if (sa) {
			if (!is_duplicate(&sa->p1rx, buf, len) &&
			    !ike_state_phase1(sa->state))
				return;
			/* To an address that has not shown it is the sender:
			 * a few answers, each to a retransmission of its
			 * own, never one on our timer -- no amplification. */
			if (acct_unproven(sa, sa->state) &&
			    sa->unproven_replies >= UNPROVEN_REPLIES_MAX) {
				e->stats.rx_dup++;
				log_debug("%s: first message again, no more answers to an unproven peer",
					  sa->name);
				return;
			}
			if (acct_unproven(sa, sa->state) && sa->p1rx.msg &&
			    (!sa->p1rx.last_dup_reply ||
			     e->now - sa->p1rx.last_dup_reply >= 1000))
				sa->unproven_replies++;
			answer_duplicate(sa, &sa->p1rx);
			return;
		}
	if (e->role == EVS_ROLE_CLIENT && !e->ike->n_policies) {
		drop(e, p, "new Phase 1", "we are a client without policies");
		return;
	}
	if (hdr->flags & ISAKMP_FLAG_ENC) {
		drop(e, p, "new Phase 1", "first message encrypted");
		return;
	}
	if (hdr->msgid) {
		drop(e, p, "new Phase 1", "non-zero message id");
		return;
	}
	if (!rate_ok(e, (const struct sockaddr *)&p->remote)) {
		e->stats.rx_rate_limited++;
		log_debug("new Phase 1 dropped: per-source rate limit");
		return;
	}
	/* Junk never reaches the tables below: no state before it parses
	 * and carries a SA payload. */
	if (isakmp_parse(buf, len, &m, &err) < 0) {
		drop(e, p, "new Phase 1", err.why);
		return;
	}
	if (!isakmp_msg_find(&m, ISAKMP_PT_SA, 0)) {
		drop(e, p, "new Phase 1", "no SA payload");
		return;
	}
	if (!admit_new(e, (const struct sockaddr *)&p->remote))
		return;
	sa = ike_sa_new(e, false, p);
	if (!sa)
		return;
	memcpy(sa->cky_i, hdr->icookie, ISAKMP_COOKIE_LEN);
	do
		ike_random(sa->cky_r, ISAKMP_COOKIE_LEN);
	while (!sa->cky_r[0]);
	ike_sa_reindex(sa);
	is_duplicate(&sa->p1rx, buf, len);
	if (p1_respond(sa, &m) < 0) {
		if (sa->state != IKE_S_DEAD)
			ike_sa_kill(sa, EVS_END_ERROR, "first message refused", false, false);
		return;
	}
	evict_unproven(e, sa);
}

static void input_phase1(struct ike_engine *e, const struct ike_path *p,
			 const uint8_t *buf, size_t len,
			 const struct isakmp_hdr *hdr)
{
	static const uint8_t zero[ISAKMP_COOKIE_LEN];
	struct isakmp_msg m;
	struct isakmp_perr err = { 0, NULL };
	struct isakmp_buf plain;
	struct ike_iv iv_next;
	struct ike_sa *sa;

	if (!memcmp(hdr->rcookie, zero, ISAKMP_COOKIE_LEN)) {
		input_phase1_new(e, p, buf, len, hdr);
		return;
	}
	sa = ike_sa_find(e, hdr->icookie, hdr->rcookie);
	if (!sa) {
		sa = find_initiator_pending(e, hdr->icookie);
		if (!sa || (sa->state != IKE_S_MM_I_SA_SENT &&
			    sa->state != IKE_S_AM_I_SENT)) {
			e->stats.rx_unknown_sa++;
			log_debug("Phase 1 message for unknown cookies dropped");
			return;
		}
		memcpy(sa->cky_r, hdr->rcookie, ISAKMP_COOKIE_LEN);
		ike_sa_reindex(sa);
	}
	if (hdr->exch != sa->exch) {
		drop(e, p, "Phase 1 message", "exchange type changed");
		return;
	}
	if (is_duplicate(&sa->p1rx, buf, len)) {
		answer_duplicate(sa, &sa->p1rx);
		return;
	}
	if (!ike_state_phase1(sa->state)) {
		drop(e, p, "Phase 1 message", "Phase 1 already complete");
		rx_forget(&sa->p1rx);
		return;
	}
	m.hdr = *hdr;
	isakmp_buf_init(&plain);
	if (hdr->flags & ISAKMP_FLAG_ENC) {
		if (decrypt_parse(sa, &sa->iv, buf, len, &plain, &m, &iv_next,
				  &err) < 0) {
			drop(e, p, "encrypted Phase 1 message",
			     err.notify ? "unreadable after decryption (wrong pre-shared key?)" :
			     err.why);
			/* A message we could not read is not the one we wait
			 * for: let the peer's retransmission be judged anew. */
			rx_forget(&sa->p1rx);
			isakmp_buf_free(&plain);
			return;
		}
		/* Committed below only if the flow accepts it; Phase 1
		 * messages that decrypt and parse are authenticated by their
		 * HASH/SIG in the same step, so commit now and let a failure
		 * kill the SA. */
		sa->iv = iv_next;
	} else if (isakmp_parse_body(hdr, buf + ISAKMP_HDR_LEN,
				     len - ISAKMP_HDR_LEN, 0, &m, &err) < 0) {
		drop(e, p, "Phase 1 message", err.why);
		rx_forget(&sa->p1rx);
		return;
	}
	/* The initiator moves to the NAT-T port during Phase 1 (RFC 3947
	 * 4): the port may change there, the address may not. */
	if (p->natt && !sa->path.natt &&
	    ike_addr_eq((const struct sockaddr *)&sa->path.remote,
			(const struct sockaddr *)&p->remote))
		natt_update_path(sa, p);
	p1_input(sa, &m);
	isakmp_buf_free(&plain);
}

/* Only DELETE payloads after the HASH: what may come under a reused
 * message id (see reused_id_may_delete). */
static bool only_deletes(const struct isakmp_msg *m)
{
	if (m->n < 2)
		return false;
	for (unsigned i = 1; i < m->n; i++)
		if (m->p[i].type != ISAKMP_PT_D)
			return false;
	return true;
}

/* vpnc sends its two deletes under one random byte as message id
 * (`uint8_t del_msgid`): 0 one time in 256, the second the first's one
 * time in 256.  Dropping them as replays left its sessions to DPD.  A
 * delete under such an id (at most IKE_MSGID_PEER_BYTE_MAX) already
 * used, or 0, is taken when its HASH(1) is good and it carries nothing
 * but deletes: a replay of one can only name what its sender already
 * deleted, and none of our own ids is that small, so it is not one of
 * ours reflected.  Any other message under a used id is a replay.
 * Whether hdr may be such a delete; its IV in *iv. */
static bool reused_id_may_delete(struct ike_sa *sa, const struct isakmp_hdr *hdr,
				 struct ike_iv *iv)
{
	return hdr->exch == ISAKMP_EXCH_INFO && hdr->msgid <= IKE_MSGID_PEER_BYTE_MAX &&
	       ike_iv_phase2(&sa->keys, &sa->iv, hdr->msgid, iv) == 0;
}

/* Only DPD notifies (R-U-THERE, R-U-THERE-ACK) after the HASH. */
static bool only_dpd(const struct isakmp_msg *m)
{
	if (m->n < 2)
		return false;
	for (unsigned i = 1; i < m->n; i++) {
		struct isakmp_notify_pl n;
		struct isakmp_perr err;

		if (m->p[i].type != ISAKMP_PT_N ||
		    isakmp_parse_notify(m->p[i].body, m->p[i].len, &n, &err) < 0 ||
		    (n.type != ISAKMP_N_R_U_THERE && n.type != ISAKMP_N_R_U_THERE_ACK))
			return false;
	}
	return true;
}

/* A message under message id 0 or a used one that is not such a delete. */
static void reused_id_drop(struct ike_engine *e, const struct ike_path *p,
			   const struct ike_sa *sa, const struct isakmp_hdr *hdr)
{
	if (hdr->msgid == 0) {
		drop(e, p, isakmp_exch_name(hdr->exch), "message id 0");
		return;
	}
	/* A finished exchange, or one of ours reflected back: never
	 * processed twice, whatever its age. */
	e->stats.rx_replay++;
	log_info("%s: %s with a replayed message id %08x dropped",
		 sa->name, isakmp_exch_name(hdr->exch), hdr->msgid);
}

static void input_with_msgid(struct ike_engine *e, const struct ike_path *p,
			     const uint8_t *buf, size_t len,
			     const struct isakmp_hdr *hdr)
{
	struct isakmp_msg m;
	struct isakmp_perr err = { 0, NULL };
	struct isakmp_buf plain;
	struct ike_iv iv_next, iv_reused, *iv;
	struct ike_xchg *x;
	struct ike_sa *sa = ike_sa_find(e, hdr->icookie, hdr->rcookie);
	bool fresh = false, reused = false;

	if (!sa) {
		e->stats.rx_unknown_sa++;
		log_debug("%s for unknown cookies dropped", isakmp_exch_name(hdr->exch));
		return;
	}
	if (!(hdr->flags & ISAKMP_FLAG_ENC)) {
		if (hdr->exch == ISAKMP_EXCH_INFO && !sa->have_keys &&
		    isakmp_parse(buf, len, &m, &err) == 0) {
			info_input(sa, &m, false);
			return;
		}
		drop(e, p, isakmp_exch_name(hdr->exch), "not encrypted");
		return;
	}
	if (!sa->have_keys || ike_state_phase1(sa->state)) {
		/* Our MM6/AM3 may be in flight; the peer retransmits. */
		log_debug("%s: %s before Phase 1 completed: dropped", sa->name,
			  isakmp_exch_name(hdr->exch));
		return;
	}
	x = hdr->msgid ? ike_xchg_find(sa, hdr->msgid) : NULL;
	if (x && x->type != hdr->exch) {
		drop(e, p, isakmp_exch_name(hdr->exch), "message id of another exchange");
		return;
	}
	if (x && is_duplicate(&x->rx, buf, len)) {
		answer_duplicate(sa, &x->rx);
		return;
	}
	if (!x && (!hdr->msgid || ike_msgid_seen(sa, hdr->msgid))) {
		/* No exchange: only a peer's delete (reused_id_may_delete). */
		if (!reused_id_may_delete(sa, hdr, &iv_reused)) {
			reused_id_drop(e, p, sa, hdr);
			return;
		}
		reused = true;
	} else if (!x) {
		x = ike_xchg_new(sa, hdr->msgid, hdr->exch);
		if (!x)
			return;
		fresh = true;
		is_duplicate(&x->rx, buf, len);
	}
	iv = reused ? &iv_reused : &x->iv;
	m.hdr = *hdr;
	isakmp_buf_init(&plain);
	if (decrypt_parse(sa, iv, buf, len, &plain, &m, &iv_next, &err) < 0)
		goto bad;
	if (!m.n || m.p[0].type != ISAKMP_PT_HASH) {
		err.why = "HASH is not the first payload";
		goto bad;
	}
	switch (hdr->exch) {
	case ISAKMP_EXCH_QUICK: {
		struct ike_iv saved = x->iv;

		/* Quick mode checks its own HASH(1..3); the IV moves only
		 * when the message is accepted, and so does the id. */
		x->iv = iv_next;
		if (qm_input(sa, x, &m) < 0 ||
		    (fresh && ike_msgid_remember(sa, hdr->msgid) < 0)) {
			x->iv = saved;
			isakmp_buf_free(&plain);
			if (fresh)
				ike_xchg_free(sa, x);
			else
				rx_forget(&x->rx);
			return;
		}
		heard_from(sa);
		natt_update_path(sa, p);
		break;
	}
	case ISAKMP_EXCH_INFO:
		if ((reused && !only_deletes(&m)) || ike_verify_msgid_hash(sa, &m) < 0) {
			err.why = "bad HASH";
			goto bad;
		}
		if (fresh && (only_dpd(&m) ? ike_msgid_remember_dpd(sa, hdr->msgid) :
			      ike_msgid_remember(sa, hdr->msgid)) < 0) {
			err.why = "no room for its message id";
			goto bad;
		}
		if (reused)
			log_info("%s: delete under a reused message id %08x taken", sa->name,
				 hdr->msgid);
		heard_from(sa);
		natt_update_path(sa, p);
		/* One message each: nothing is kept but its id. */
		if (fresh)
			ike_xchg_free(sa, x);
		info_input(sa, &m, true);
		break;
	case ISAKMP_EXCH_TRANSACTION:
		if (ike_verify_msgid_hash(sa, &m) < 0) {
			err.why = "bad HASH";
			goto bad;
		}
		if (fresh && ike_msgid_remember(sa, hdr->msgid) < 0) {
			err.why = "no room for its message id";
			goto bad;
		}
		x->iv = iv_next;
		x->rx.awaiting = false;	/* answered */
		heard_from(sa);
		natt_update_path(sa, p);
		evs_session_input_cfg(sa, x, &m);
		break;
	default:
		err.why = "unexpected exchange type";
		goto bad;
	}
	isakmp_buf_free(&plain);
	/* What it answered, started or set (exchanges answered, pairs
	 * installed, retransmissions, DPD): its due time anew. */
	ike_sa_rearm(sa);
	return;
bad:
	isakmp_buf_free(&plain);
	if (reused) {
		reused_id_drop(e, p, sa, hdr);
		return;
	}
	drop(e, p, isakmp_exch_name(hdr->exch), err.why ? err.why : "malformed");
	if (fresh)
		ike_xchg_free(sa, x);
	else
		rx_forget(&x->rx);
}

void ike_engine_input(struct ike_engine *e, const struct ike_path *p,
		      const uint8_t *buf, size_t len)
{
	struct isakmp_hdr hdr;
	struct isakmp_perr err = { 0, NULL };

	e->stats.rx++;
	if (isakmp_parse_hdr(buf, len, &hdr, &err) < 0) {
		/* Unauthenticated: never answered (no reflection, no
		 * oracle); counted and logged. */
		drop(e, p, "message", err.why ? err.why : "bad header");
		return;
	}
	switch (hdr.exch) {
	case ISAKMP_EXCH_MAIN:
	case ISAKMP_EXCH_AGGRESSIVE:
		input_phase1(e, p, buf, len, &hdr);
		break;
	case ISAKMP_EXCH_INFO:
	case ISAKMP_EXCH_QUICK:
	case ISAKMP_EXCH_TRANSACTION:
		input_with_msgid(e, p, buf, len, &hdr);
		break;
	default:
		drop(e, p, isakmp_exch_name(hdr.exch), "exchange type not supported");
		break;
	}
	reap(e);
}

/* ---- timers ---------------------------------------------------------------- */

/* Returns false when the exchange gave up. */
static bool rexmit_tick(struct ike_sa *sa, struct ike_rexmit *r)
{
	struct ike_engine *e = sa->eng;
	uint32_t max = e->ike->timers.retransmit_count ?
		       e->ike->timers.retransmit_count : 5;

	if (!r->awaiting || !r->msg || e->now < r->next_at)
		return true;
	if (r->tries >= max)
		return false;
	r->tries++;
	r->next_at = e->now + rexmit_interval(e, r->tries);
	e->stats.rexmits++;
	log_debug("%s: retransmit %u/%u", sa->name, r->tries, max);
	ike_send_raw(sa, r->msg, r->len);
	return true;
}

static void sa_tick(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;
	uint32_t half_open_ms = (e->ike->timers.half_open_timeout ?
				 e->ike->timers.half_open_timeout : 30) * 1000u;

	if (ike_state_phase1(sa->state)) {
		if (e->now - sa->created > half_open_ms) {
			ike_sa_kill(sa, EVS_END_ERROR, "Phase 1 took too long", false, false);
			return;
		}
		if (!rexmit_tick(sa, &sa->p1rx)) {
			ike_sa_kill(sa, EVS_END_ERROR, "no answer to our retransmissions", false,
				    false);
			return;
		}
		return;
	}
	/* Our AM3 until the peer is heard from (every flow after Phase 1
	 * has the gateway send something: XAUTH, mode config, QM2).  When
	 * the retransmissions run out, the gateway has no such SA (AM3
	 * lost every time, or the SA was evicted from a full half-open
	 * table in a reconnect storm): end it now so that the client
	 * starts again, not after XAUTH's 90 s. */
	if (sa->p1rx.awaiting && !rexmit_tick(sa, &sa->p1rx)) {
		ike_sa_kill(sa, EVS_END_ERROR, "the gateway never answered our AM3", false,
			    false);
		return;
	}
	for (struct ike_xchg *x = sa->xchgs, *nx; x; x = nx) {
		nx = x->next;
		if (!rexmit_tick(sa, &x->rx)) {
			log_notice("%s: %s exchange %08x: no answer, given up",
				   sa->name, isakmp_exch_name(x->type), x->msgid);
			if (x->type == ISAKMP_EXCH_TRANSACTION) {
				ike_sa_kill(sa, EVS_END_ERROR, "transaction exchange timed out",
					    true, true);
				return;
			}
			if (x->qm && x->qm->conn)
				x->qm->conn->rekeying = false;
			e->stats.p2_failed++;
			ike_xchg_free(sa, x);
			continue;
		}
		if (!x->rx.awaiting && e->now > x->expire_at)
			ike_xchg_free(sa, x);
	}
	if (sa->expire_at && e->now >= sa->expire_at) {
		/* A newer Phase 1 of the same peer and user carries its session
		 * on (if it did not yet); else its connections live on in the
		 * kernel with their own lifetimes. */
		conn_hand_over(sa);
		ike_sa_kill(sa, EVS_END_LIFETIME, "Phase 1 lifetime expired", true, false);
		return;
	}
	if (sa->initiator && sa->rekey_at && e->now >= sa->rekey_at &&
	    !sa->replaced && sa->peer && sa->state == IKE_S_READY) {
		struct ike_sa *n;

		sa->rekey_at = 0;
		log_info("%s: Phase 1 renewal", sa->name);
		/* the gateway in use, which may be a backup (failover.h) */
		n = ike_engine_connect_to(e, sa->peer, &sa->path.local, &sa->path.remote);
		if (n)
			n->replaced = false;
	}
	if (sa->state == IKE_S_READY || sa->state == IKE_S_STEPS) {
		conn_tick(sa);
		if (sa->state == IKE_S_DEAD)
			return;
		dpd_tick(sa);
		if (sa->state == IKE_S_DEAD)
			return;
		natt_tick(sa);
	}
}

/* Earlier of two due times (0 = none). */
static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/* A timer's due time if it can fire: armed, and either its lasting
 * condition holds (DPD negotiated, NAT-T in use, a replaced pair to
 * drop) or it is still ahead.  A past one whose lasting condition fails
 * is left out: sa_tick would never fire it (the code that makes such a
 * condition true sets the timer too, and re-arms).  Passing conditions
 * (a rekey under way, the SA not READY yet) are not tested here: such a
 * timer stays due, and ike_engine_tick visits its SA every
 * IKE_TICK_MIN_MS (the old tick's rate) until it fires. */
static uint64_t due_if(uint64_t at, bool cond, uint64_t now)
{
	return at && (cond || at > now) ? at : 0;
}

static uint64_t rexmit_due(const struct ike_rexmit *r)
{
	return r->awaiting && r->msg ? r->next_at : 0;
}

/* The earliest time sa_tick would do anything for sa (0 = never): the
 * same conditions, in the same order. */
static uint64_t sa_due(const struct ike_sa *sa)
{
	const struct ike_engine *e = sa->eng;
	const struct ike_timers *t = &e->ike->timers;
	uint64_t now = e->now, at;
	bool live = sa->state == IKE_S_READY || sa->state == IKE_S_STEPS;

	if (ike_state_phase1(sa->state))	/* fires once past the timeout */
		return earliest(sa->created + (t->half_open_timeout ?
					       t->half_open_timeout : 30) * 1000ull + 1,
				rexmit_due(&sa->p1rx));
	at = rexmit_due(&sa->p1rx);
	for (const struct ike_xchg *x = sa->xchgs; x; x = x->next)
		at = earliest(at, x->rx.awaiting ? rexmit_due(&x->rx) : x->expire_at + 1);
	at = earliest(at, sa->expire_at);
	at = earliest(at, due_if(sa->rekey_at, sa->initiator && sa->peer, now));
	for (const struct ike_conn *c = sa->conns; c; c = c->next) {
		at = earliest(at, due_if(c->out_switch_at, live, now));
		at = earliest(at, due_if(c->old_del_at, live && (c->old_spi_in || c->old_spi_out),
					 now));
		at = earliest(at, due_if(c->expire_at, live, now));
		at = earliest(at, due_if(c->rekey_at, live, now));
	}
	at = earliest(at, due_if(sa->dpd_next, live && sa->dpd && t->dpd_interval, now));
	at = earliest(at, due_if(sa->keepalive_at, live && t->nat_keepalive && sa->nat_local &&
				 sa->path.natt && e->ops->keepalive, now));
	return at;
}

void ike_sa_rearm(struct ike_sa *sa)
{
	struct ike_engine *e = sa->eng;

	if (sa->state == IKE_S_DEAD) {
		dueh_del(&e->due, &sa->due);
		return;
	}
	/* Cannot fail: ike_sa_new reserved the SA's slot. */
	(void)dueh_set(&e->due, &sa->due, sa_due(sa));
}

uint64_t ike_engine_next_due(const struct ike_engine *e)
{
	return dueh_next(&e->due);
}

uint64_t ike_engine_tick(struct ike_engine *e)
{
	struct dueh_node *n;
	uint64_t next, visits = 0;

	/* Only the SAs with something due: an idle SA costs nothing here
	 * until its next DPD probe, retransmission or lifetime. */
	while ((n = dueh_pop_due(&e->due, e->now))) {
		struct ike_sa *sa = dueh_entry(n, struct ike_sa, due);

		visits++;
		sa_tick(sa);
		if (sa->state == IKE_S_DEAD)
			continue;
		ike_sa_rearm(sa);
		/* Still due: a timer of it waits on a passing condition
		 * (sa_due); looked at again a tick later, so that this
		 * loop ends. */
		if (sa->due.idx && sa->due.at <= e->now)
			(void)dueh_set(&e->due, &sa->due, e->now + IKE_TICK_MIN_MS);
	}
	e->stats.timer_visits += visits;
	e->stats.last_tick_visits = visits;
	reap(e);
	next = dueh_next(&e->due);
	if (!next)
		return IKE_TICK_MAX_MS;
	if (next <= e->now)
		return 1;
	return next - e->now > IKE_TICK_MAX_MS ? IKE_TICK_MAX_MS : next - e->now;
}

/* ---- client connect, kernel events ------------------------------------------ */

struct ike_sa *ike_engine_connect(struct ike_engine *e,
				  const struct ike_peer *peer,
				  const struct sockaddr_storage *local)
{
	return ike_engine_connect_to(e, peer, local, &peer->server);
}

struct ike_sa *ike_engine_connect_to(struct ike_engine *e, const struct ike_peer *peer,
				     const struct sockaddr_storage *local,
				     const struct sockaddr_storage *remote)
{
	struct ike_path p;
	struct ike_sa *sa;

	memset(&p, 0, sizeof(p));
	p.local = *local;
	p.remote = *remote;
	sa = ike_sa_new(e, true, &p);
	if (!sa)
		return NULL;
	if (p1_initiate(sa, peer) < 0) {
		ike_sa_kill(sa, EVS_END_ERROR, "cannot start Phase 1", false, false);
		reap(e);
		return NULL;
	}
	return sa;
}

void ike_engine_sa_expired(struct ike_engine *e, uint32_t spi, uint8_t dir,
			   bool hard)
{
	/* The kernel keys SAs by direction and SPI: so does the lookup (an
	 * outbound SPI is the peer's choice and may equal another
	 * connection's inbound one). */
	struct ike_conn *c = conn_by_spi(e, dir, spi);

	if (c)
		conn_expired(c->sa, c, hard);
	reap(e);
}

void ike_sa_conn_forget(struct ike_sa *sa, const struct ike_conn *c)
{
	for (struct ike_xchg *x = sa->xchgs; x; x = x->next)
		if (x->qm && x->qm->conn == c) {
			x->qm->conn = NULL;
			x->qm->conn_gone = true;
		}
}

void ike_engine_conn_gone(struct ike_engine *e, uint32_t conn_id)
{
	struct ike_conn *c = conn_by_id(e, conn_id);
	struct ike_sa *sa;

	if (!c)
		return;
	sa = c->sa;
	/* Its SA's own few connections. */
	for (struct ike_conn **pp = &sa->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	log_notice("%s: connection %u removed by the kernel", sa->name, conn_id);
	evs_session_child_down(sa, conn_id);
	conn_index_drop(e, c);
	ike_sa_conn_forget(sa, c);
	conn_free(c);
}
