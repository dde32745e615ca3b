// SPDX-License-Identifier: MIT
/*
 * A client renewed Phase 1 and its new ISAKMP SA is ready while the old
 * one still holds the session's connections (libreswan re-authenticates
 * so, without a quick mode): the new session carries the old one on --
 * its connections, address, claims, accounting session and counters --
 * so that the session outlives the old SA's lifetime and stays one
 * session (one Start, one Stop).  Only the same user, logged in again
 * (XAUTH) in the same group from the same peer, may: a group key is
 * shared, and a session that did not log in is nobody's.
 */
#include <stdio.h>
#include <string.h>

#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"

int ezv_may_take_over(struct evs_session *s, void **state, struct evs_session *old,
		      void **old_state, struct evs_err *why)
{
	const struct ezv_sess *x = *state, *o = *old_state;

	if (!x && !o)
		return 0;	/* neither is an Easy VPN session (site to site) */
	if (!x || !o || !x->server || !o->server || !x->authenticated ||
	    !o->authenticated) {
		evs_errf(why, "not both logged in (XAUTH)");
		return -1;
	}
	if (strcmp(x->user, o->user) || strcmp(x->group, o->group) ||
	    strcmp(x->p1_group, o->p1_group) || !ezv_same_peer(&x->peer_sa, &o->peer_sa)) {
		evs_errf(why, "user \"%s\" group \"%s\" is not user \"%s\" group \"%s\" "
			 "from the same peer", log_peer(x->user), x->group, log_peer(o->user),
			 o->group);
		return -1;
	}
	if (x->n_conns + o->n_conns > EZV_MAX_CONNS) {
		evs_errf(why, "more than %d connections together", EZV_MAX_CONNS);
		return -1;
	}
	return ezv_lease_may_move(x, o, why) || ezv_acct_may_move(x, o, why) ? -1 : 0;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

void ezv_take_over(struct evs_session *s, void **state, struct evs_session *old,
		   void **old_state)
{
	struct ezv_sess *x = *state, *o = *old_state;

	if (!x || !o)
		return;
	while (o->n_conns) {
		uint32_t conn = o->conns[0];

		ezv_sess_conn_del(o, conn);
		if (!ezv_sess_has_conn(x, conn))
			ezv_sess_conn_add(x, conn);
	}
	ezv_lease_move(x, o);
	ezv_acct_move(x, o);
	/* the session's age, its activity and its Session-Timeout go on */
	if (o->start_ms < x->start_ms)
		x->start_ms = o->start_ms;
	if (o->active_ms > x->active_ms)
		x->active_ms = o->active_ms;
	x->session_deadline_ms = earliest(x->session_deadline_ms, o->session_deadline_ms);
	ezv_due(x);
	o->carried_on = true;
	log_notice("%s: \"%s\" renewed Phase 1: the session of %s goes on here (%u "
		   "connection%s%s%s)", evs_session_name(s), log_peer(x->user),
		   evs_session_name(old), x->n_conns, x->n_conns == 1 ? "" : "s",
		   x->acct_started ? ", accounting session " : "",
		   x->acct_started ? x->acct_session_id : "");
	evs_session_changed(s);
}
