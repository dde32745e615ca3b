// SPDX-License-Identifier: MIT
/*
 * session: runs the registered post-Phase-1 steps (session.h) on an
 * established ISAKMP SA and offers the engine's services to them.
 *
 *   STEPS: step[i].begin -> RUNNING ... evs_session_step_done(ok)
 *          -> step[i+1] ... -> READY (client: quick mode starts)
 *
 * Client role: decides the Phase 2 selectors from mode config and the
 * peer block, and tells the engine's owner (ike_engine_ops.client_*) when
 * a connection comes and goes and when the session ends, so the host can
 * be set up for the tunnel (evsd/client/client_host.c).
 */
#include "ike/engine/session.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine/ike_config.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "ike/engine/phase2.h"

int evs_session_register_step(struct ike_engine *e,
			      const struct evs_post_phase1_ops *ops, void *arg)
{
	struct evs_session_hooks *h = &e->hooks;

	for (unsigned i = 0; i < h->n_steps; i++)
		if (h->step[i].ops == ops)
			return 0;
	if (h->n_steps >= EVS_MAX_STEPS)
		return -1;
	h->step[h->n_steps].ops = ops;
	h->step[h->n_steps].arg = arg;
	h->n_steps++;
	return 0;
}

void evs_session_clear_steps(struct ike_engine *e)
{
	e->hooks.n_steps = 0;
}

void evs_session_set_psk_lookup(struct ike_engine *e, evs_psk_lookup_fn fn,
				void *arg)
{
	e->hooks.psk_lookup = fn;
	e->hooks.psk_lookup_arg = arg;
}

const struct secret *evs_session_psk_lookup(const struct ike_engine *e,
					const struct isakmp_id *id,
					const struct sockaddr *peer)
{
	const struct evs_session_hooks *h = &e->hooks;

	return h->psk_lookup ? h->psk_lookup(id, peer, h->psk_lookup_arg) : NULL;
}

/* ---- Phase 2 selectors of a client session ------------------------------ */

static unsigned copy_nets(struct evs_prefix *out, const struct evs_prefix *in,
			  unsigned n)
{
	if (n > EVS_SESSION_MAX_NETS)
		n = EVS_SESSION_MAX_NETS;
	memcpy(out, in, n * sizeof(*in));
	return n;
}

void evs_session_p2_selectors(const struct ike_sa *sa, struct evs_prefix *local,
			  unsigned *n_local, struct evs_prefix *remote,
			  unsigned *n_remote)
{
	const struct ike_peer *p = sa->peer;
	bool nem = p && p->ezvpn_mode == IKE_EZVPN_NETWORK_EXTENSION;

	/* Network extension: the LANs themselves, whatever the gateway
	 * may have offered as an address.  Client mode: the assigned
	 * address; without mode config (a plain IPsec peer) the configured
	 * local networks, else our outer address. */
	if (nem)
		*n_local = copy_nets(local, p->local_nets, p->n_local_nets);
	else if (sa->have_inner || sa->have_inner6) {
		*n_local = 0;
		if (sa->have_inner)
			local[(*n_local)++] = sa->inner;
		if (sa->have_inner6)
			local[(*n_local)++] = sa->inner6;
	}
	else if (p && p->n_local_nets)
		*n_local = copy_nets(local, p->local_nets, p->n_local_nets);
	else
		*n_local = 0;
	if (!*n_local) {
		const uint8_t *a;
		uint16_t port;
		size_t n = ike_sa_addr((const struct sockaddr *)&sa->path.local, &a,
				       &port);

		memset(local, 0, sizeof(*local));
		local->family = n == 16 ? AF_INET6 : AF_INET;
		local->plen = (uint8_t)(n * 8);
		if (n)
			memcpy(local->addr, a, n);
		*n_local = 1;
	}
	/* What the gateway pushed (split include) wins over the file. */
	if (sa->n_remote_nets)
		*n_remote = copy_nets(remote, sa->remote_nets, sa->n_remote_nets);
	else if (p && p->n_remote_nets)
		*n_remote = copy_nets(remote, p->remote_nets, p->n_remote_nets);
	else
		*n_remote = 0;
	if (!*n_remote) {
		/* full tunnel: 0.0.0.0/0 and ::/0 for the families we have */
		bool v4 = false, v6 = false;

		for (unsigned i = 0; i < *n_local; i++)
			*(local[i].family == AF_INET6 ? &v6 : &v4) = true;
		memset(remote, 0, 2 * sizeof(*remote));
		if (v4)
			remote[(*n_remote)++].family = AF_INET;
		if (v6)
			remote[(*n_remote)++].family = AF_INET6;
	}
}

static bool client_role(const struct ike_sa *sa)
{
	return sa->eng->role == EVS_ROLE_CLIENT && sa->peer;
}

static struct ike_sa *S(struct evs_session *s)
{
	return (struct ike_sa *)s;
}

static const struct ike_sa *CS(const struct evs_session *s)
{
	return (const struct ike_sa *)s;
}

/* The engine's i-th step. */
static const struct evs_post_phase1_ops *step_ops(const struct ike_sa *sa,
						   unsigned i)
{
	return sa->eng->hooks.step[i].ops;
}

static unsigned n_steps(const struct ike_sa *sa)
{
	return sa->eng->hooks.n_steps;
}

static void steps_finished(struct ike_sa *sa)
{
	if (client_role(sa) && sa->eng->ops && sa->eng->ops->client_ready &&
	    sa->eng->ops->client_ready(sa->eng->ops_arg, sa)) {
		ike_sa_kill(sa, EVS_END_REFUSED, "the host is not ready for the tunnel "
			    "(its inbound filter could not be put on)", true, true);
		return;
	}
	ike_sa_set_state(sa, IKE_S_READY);
	/* server: a renewal of a session carries it on; client: quick modes */
	conn_take_session(sa);
	qm_start_all(sa);
}

/* Begin steps from sa->step on until one is running. */
static void run_steps(struct ike_sa *sa)
{
	while (sa->state == IKE_S_STEPS && sa->step < n_steps(sa)) {
		unsigned i = sa->step;
		int rc;

		sa->step_begun[i] = true;
		rc = step_ops(sa, i)->begin((struct evs_session *)sa,
					    sa->eng->hooks.step[i].arg,
					    &sa->step_state[i]);
		if (rc == EVS_STEP_RUNNING) {
			log_info("%s: step %s running", sa->name, step_ops(sa, i)->name);
			return;
		}
		if (rc == EVS_STEP_FAIL) {
			ike_sa_kill(sa, EVS_END_REFUSED, "post-Phase-1 step failed", true, true);
			return;
		}
		log_debug("%s: step %s skipped", sa->name, step_ops(sa, i)->name);
		sa->step++;
	}
	if (sa->state == IKE_S_STEPS)
		steps_finished(sa);
}

void evs_session_phase1_done(struct ike_sa *sa)
{
	sa->step = 0;
	run_steps(sa);
}

void evs_session_step_done(struct evs_session *s, bool ok, const char *why)
{
	struct ike_sa *sa = S(s);

	if (sa->state != IKE_S_STEPS || sa->step >= n_steps(sa))
		return;
	log_info("%s: step %s %s%s%s", sa->name, step_ops(sa, sa->step)->name,
		 ok ? "done" : "failed", why ? ": " : "", why ? why : "");
	if (!ok) {
		ike_sa_kill(sa, EVS_END_REFUSED, why ? why : "step failed", true, true);
		return;
	}
	sa->step++;
	run_steps(sa);
}

void evs_session_input_cfg(struct ike_sa *sa, struct ike_xchg *x,
		       const struct isakmp_msg *m)
{
	const struct isakmp_payload *p = isakmp_msg_find(m, ISAKMP_PT_ATTR, 0);
	struct isakmp_cfg cfg;
	struct isakmp_perr err;

	if (!p || isakmp_parse_cfg(p->body, p->len, &cfg, &err) < 0) {
		/* the reason and the payload's size, never its bytes (an
		 * XAUTH reply carries a password) */
		log_info("%s: transaction %08x without a valid attribute payload (%s, %zu bytes)",
			 sa->name, x->msgid, p ? err.why : "none in the message",
			 p ? (size_t)p->len : (size_t)0);
		sa->eng->stats.rx_malformed++;
		return;
	}
	/* Offer it to the running step, then to the steps already done (a
	 * late retransmission, a mode-config request after XAUTH). */
	for (int i = (int)(sa->step < n_steps(sa) ? sa->step : n_steps(sa) - 1);
	     i >= 0; i--) {
		int rc;

		if (!sa->step_begun[i] || !step_ops(sa, i)->recv_cfg)
			continue;
		rc = step_ops(sa, i)->recv_cfg((struct evs_session *)sa,
					&sa->step_state[i], x->msgid, &cfg);
		if (rc == EVS_CFG_TAKEN)
			return;
		if (rc == EVS_CFG_BAD) {
			sa->eng->stats.rx_malformed++;
			log_info("%s: step %s: malformed attribute payload",
				 sa->name, step_ops(sa, i)->name);
			return;
		}
	}
	log_info("%s: transaction %08x (type %u) not expected, dropped",
		 sa->name, x->msgid, cfg.type);
}

void evs_session_end(struct ike_sa *sa)
{
	if (client_role(sa) && sa->eng->ops && sa->eng->ops->client_end)
		sa->eng->ops->client_end(sa->eng->ops_arg, sa);
	for (unsigned i = 0; i < n_steps(sa); i++)
		if (sa->step_begun[i]) {
			sa->step_begun[i] = false;
			if (step_ops(sa, i)->end)
				step_ops(sa, i)->end((struct evs_session *)sa,
					      &sa->step_state[i]);
		}
}

int evs_session_may_take_over(struct ike_sa *sa, struct ike_sa *old,
			      struct evs_err *why)
{
	for (unsigned i = 0; i < n_steps(sa); i++) {
		const struct evs_post_phase1_ops *o = step_ops(sa, i);

		if (sa->step_begun[i] && o->may_take_over &&
		    o->may_take_over((struct evs_session *)sa, &sa->step_state[i],
				     (struct evs_session *)old, &old->step_state[i], why))
			return -1;
	}
	return 0;
}

void evs_session_take_over(struct ike_sa *sa, struct ike_sa *old)
{
	for (unsigned i = 0; i < n_steps(sa); i++) {
		const struct evs_post_phase1_ops *o = step_ops(sa, i);

		if (sa->step_begun[i] && o->take_over)
			o->take_over((struct evs_session *)sa, &sa->step_state[i],
				     (struct evs_session *)old, &old->step_state[i]);
	}
}

uint16_t evs_session_check_ids(struct ike_sa *sa, const struct evs_prefix *idci,
			   const struct evs_prefix *idcr, struct evs_err *why)
{
	for (unsigned i = 0; i < n_steps(sa); i++) {
		uint16_t n;

		if (!sa->step_begun[i] || !step_ops(sa, i)->check_ids)
			continue;
		n = step_ops(sa, i)->check_ids((struct evs_session *)sa, &sa->step_state[i],
					idci, idcr, why);
		if (n)
			return n;
	}
	return 0;
}

/* A connection came up (up) or went: the client role's hook, then each
 * begun step's. */
static void child_event(struct ike_sa *sa, uint32_t conn_id, bool up)
{
	const struct ike_engine_ops *ops = sa->eng->ops;
	void (*hook)(void *arg, struct ike_sa *sa, uint32_t conn_id) = NULL;

	if (client_role(sa) && ops)
		hook = up ? ops->client_child_up : ops->client_child_down;
	if (hook)
		hook(sa->eng->ops_arg, sa, conn_id);
	for (unsigned i = 0; i < n_steps(sa); i++) {
		void (*fn)(struct evs_session *s, void **state, uint32_t conn_id) =
			up ? step_ops(sa, i)->child_up : step_ops(sa, i)->child_down;

		if (sa->step_begun[i] && fn)
			fn((struct evs_session *)sa, &sa->step_state[i], conn_id);
	}
}

void evs_session_child_up(struct ike_sa *sa, uint32_t conn_id)
{
	child_event(sa, conn_id, true);
}

void evs_session_child_down(struct ike_sa *sa, uint32_t conn_id)
{
	child_event(sa, conn_id, false);
}

/* ---- services --------------------------------------------------------------- */

struct cfg_args {
	uint8_t type;
	uint16_t ident;
	const uint8_t *attrs;
	size_t len;
};

static void fill_cfg(struct isakmp_bld *b, void *arg)
{
	const struct cfg_args *c = arg;

	isakmp_add_cfg_begin(b, c->type, c->ident);
	isakmp_buf_put(&b->buf, c->attrs, c->len);
	isakmp_pl_end(b);
}

uint32_t evs_session_send_cfg(struct evs_session *s, uint32_t msgid,
			      uint8_t cfg_type, uint16_t ident,
			      const uint8_t *attrs, size_t attrs_len,
			      bool expect_reply)
{
	struct ike_sa *sa = S(s);
	struct cfg_args a = { cfg_type, ident, attrs, attrs_len };
	struct ike_xchg *x;

	if (sa->state == IKE_S_DEAD || !sa->have_keys)
		return 0;
	x = msgid ? ike_xchg_find(sa, msgid) : ike_xchg_new(sa, 0,
						ISAKMP_EXCH_TRANSACTION);
	if (!x || x->type != ISAKMP_EXCH_TRANSACTION)
		return 0;
	if (ike_send_hashed(sa, x, ISAKMP_EXCH_TRANSACTION, fill_cfg, &a,
			    expect_reply) < 0)
		return 0;
	return x->msgid;
}

enum evs_role evs_session_role(const struct evs_session *s)
{
	return CS(s)->eng->role;
}

const struct sockaddr *evs_session_peer_addr(const struct evs_session *s)
{
	return (const struct sockaddr *)&CS(s)->path.remote;
}

const struct sockaddr *evs_session_local_addr(const struct evs_session *s)
{
	return (const struct sockaddr *)&CS(s)->path.local;
}

uint16_t evs_session_auth_method(const struct evs_session *s)
{
	return CS(s)->chosen.auth;
}

const struct isakmp_id *evs_session_peer_id(const struct evs_session *s)
{
	return &CS(s)->peer_id;
}

const char *evs_session_peer_name(const struct evs_session *s)
{
	return CS(s)->peer ? CS(s)->peer->name : NULL;
}

void evs_session_changed(struct evs_session *s)
{
	ike_sa_changed(S(s));
}

uint32_t evs_session_id(const struct evs_session *s)
{
	return CS(s)->serial;
}

uint64_t evs_session_now(const struct evs_session *s)
{
	return CS(s)->eng->now;
}

const char *evs_session_name(const struct evs_session *s)
{
	return CS(s)->name;
}

bool evs_session_peer_has_vid(const struct evs_session *s, enum isakmp_vid vid)
{
	return vid < 32 && (CS(s)->peer_vids & (1u << vid));
}

void evs_session_set_inner(struct evs_session *s, const struct evs_prefix *p)
{
	if (p->family == AF_INET6) {
		S(s)->inner6 = *p;
		S(s)->have_inner6 = true;
	} else {
		S(s)->inner = *p;
		S(s)->have_inner = true;
	}
}

void evs_session_set_remote_nets(struct evs_session *s,
				 const struct evs_prefix *nets, unsigned n)
{
	struct ike_sa *sa = S(s);

	if (n > EVS_SESSION_MAX_NETS)
		n = EVS_SESSION_MAX_NETS;
	memcpy(sa->remote_nets, nets, n * sizeof(*nets));
	sa->n_remote_nets = n;
}

void evs_session_set_label(struct evs_session *s, const char *label)
{
	snprintf(S(s)->label, sizeof(S(s)->label), "%s", label);
}

void evs_session_set_authorized(struct evs_session *s, const char *user)
{
	S(s)->authorized = true;
	snprintf(S(s)->user, sizeof(S(s)->user), "%s", user);
}

bool evs_session_conn_remote(const struct evs_session *s, uint32_t conn_id,
			     struct evs_prefix *remote)
{
	for (const struct ike_conn *c = CS(s)->conns; c; c = c->next)
		if (c->id == conn_id) {
			*remote = c->remote;
			return true;
		}
	return false;
}

bool evs_session_site_to_site(const struct evs_session *s)
{
	return CS(s)->site != NULL;
}

void evs_session_terminate(struct evs_session *s, enum evs_end_reason reason,
			   const char *why)
{
	ike_sa_kill(S(s), reason, why, true, true);
}

enum evs_end_reason evs_session_end_reason(const struct evs_session *s)
{
	return CS(s)->end_reason;
}
