// SPDX-License-Identifier: MIT
/*
 * RADIUS dynamic authorization (RFC 5176), what a request does: the
 * sessions it names (by Acct-Session-Id, Framed-IP-Address or User-Name,
 * through the session indexes; every attribute given must match) end
 * (Disconnect) or get new limits (CoA), and the answer.  A CoA is applied
 * in full or not at all: one attribute evsd cannot apply and the whole
 * request is NAKed, nothing changed.  Retransmissions (same client,
 * Identifier and Request Authenticator within the
 * Event-Timestamp window) get the first answer again and change nothing:
 * a captured request replayed within the window does nothing more, and
 * after it one with an Event-Timestamp is stale.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ezv/dae.h"
#include "ezv/ezv_int.h"
#include "lib/daemon_log.h"
#include "lib/prefix.h"

/* The answer to each Identifier of each client, for retransmissions. */
struct ezv_dae_slot {
	bool used;
	uint8_t auth[16];
	uint64_t at_ms;
	uint8_t len;
	uint8_t ans[DAE_ANSWER_MAX];
};

struct ezv_dae_slot *ezv_dae_cache_new(const struct easyvpn_config *cfg,
				       const struct easyvpn_config *old_cfg,
				       const struct ezv_dae_slot *old)
{
	const struct ezv_dae *d = &cfg->aaa.dae;
	struct ezv_dae_slot *c;

	if (!d->port || !d->n_clients)
		return NULL;
	c = calloc((size_t)d->n_clients * 256, sizeof(*c));
	/* A client that stays keeps its answers: a request it sent before
	 * the reload is still a replay after it. */
	for (unsigned i = 0; c && old && i < d->n_clients; i++)
		for (unsigned j = 0; j < old_cfg->aaa.dae.n_clients; j++)
			if (ezv_same_host(&old_cfg->aaa.dae.clients[j].addr,
					  &d->clients[i].addr)) {
				memcpy(&c[i * 256], &old[j * 256], 256 * sizeof(*c));
				break;
			}
	return c;
}

void ezv_dae_free(struct ezv *z)
{
	free(z->dae_cache);
	z->dae_cache = NULL;
}

struct dae_match {
	struct ezv *z;
	const struct dae_req *rq;
	const char *client;
	uint64_t now;
	unsigned n;
};

static bool matches(const struct ezv_sess *x, const struct dae_req *rq)
{
	return x->server && x->authenticated &&
	       (!rq->has_user || !strcmp(x->user, rq->user)) &&
	       (!rq->has_addr || x->addr == rq->addr) &&
	       (!rq->has_acct_id || !strcmp(x->acct_session_id, rq->acct_id));
}

static bool act(struct ezv_sess *x, void *arg)
{
	struct dae_match *m = arg;
	const struct dae_req *rq = m->rq;
	char why[160];

	if (!matches(x, rq))
		return false;
	m->n++;
	if (rq->code == DAE_DISCONNECT_REQUEST) {
		log_notice("%s: RADIUS Disconnect-Request from %s ends the session of \"%s\"",
			   evs_session_name(x->s), m->client, x->user);
		snprintf(why, sizeof(why), "RADIUS Disconnect-Request from %s", m->client);
		evs_session_terminate(x->s, EVS_END_ADMIN, why);	/* frees x */
		return false;
	}
	if (rq->has_session_timeout)
		ezv_sess_set_session_timeout(x, rq->session_timeout, m->now);
	if (rq->has_idle_timeout)
		x->idle_timeout_s = rq->idle_timeout;
	if (rq->has_class) {
		memcpy(x->login.class_raw, rq->class_raw, rq->class_len);
		x->login.class_len = rq->class_len;
	}
	log_notice("%s: RADIUS CoA-Request from %s for \"%s\":%s%s%s", evs_session_name(x->s),
		   m->client, x->user, rq->has_session_timeout ? " Session-Timeout" : "",
		   rq->has_idle_timeout ? " Idle-Timeout" : "", rq->has_class ? " Class" : "");
	return false;
}

/* The sessions rq names, through the most selective index it allows. */
static void for_matching(struct ezv *z, struct dae_match *m)
{
	const struct dae_req *rq = m->rq;

	if (rq->has_acct_id) {
		struct ezv_sess *x = ezv_sess_by_acct_id(z, rq->acct_id);

		if (x)
			act(x, m);
	} else if (rq->has_addr) {
		ezv_sess_of_addr(z, rq->addr, act, m);
	} else {
		ezv_sess_of_user(z, rq->user, act, m);
	}
}

/* 0 = go ahead; else the Error-Cause of the NAK. */
static uint32_t refusal(const struct ezv *z, const struct dae_req *rq)
{
	const struct ezv_aaa *aaa = &z->cfg->aaa;
	bool changes = rq->has_session_timeout || rq->has_idle_timeout || rq->has_class;

	if (rq->invalid)
		return DAE_ERR_INVALID_VALUE;
	if ((rq->has_nas_ip && rq->nas_ip != aaa->nas_ip) ||
	    (rq->has_nas_id && strcmp(rq->nas_id, aaa->nas_identifier)))
		return DAE_ERR_NAS_MISMATCH;
	if (rq->unsupported)
		return DAE_ERR_UNSUPPORTED_ATTRIBUTE;
	/* a Disconnect changes nothing but the session's life (RFC 5176 3.6) */
	if (rq->code == DAE_DISCONNECT_REQUEST && changes)
		return DAE_ERR_UNSUPPORTED_ATTRIBUTE;
	if (!rq->has_user && !rq->has_addr && !rq->has_acct_id)
		return DAE_ERR_MISSING_ATTRIBUTE;
	if (rq->code == DAE_COA_REQUEST && !changes)
		return DAE_ERR_MISSING_ATTRIBUTE;
	return 0;
}

size_t ezv_dae_input(struct ezv *z, const struct sockaddr_storage *from, const uint8_t *b,
		     size_t len, uint64_t now_ms, uint64_t wall_s, uint8_t *out, size_t cap)
{
	const struct ezv_dae *d;
	const struct ezv_dae_client *c = NULL;
	struct ezv_dae_slot *slot;
	struct dae_match m;
	struct dae_req rq;
	const char *why;
	char client[INET6_ADDRSTRLEN];
	uint32_t cause;
	size_t n;
	unsigned i;

	if (!z->ready || !z->dae_cache)
		return 0;
	d = &z->cfg->aaa.dae;
	for (i = 0; i < d->n_clients && !c; i++)
		if (ezv_same_host(&d->clients[i].addr, from))
			c = &d->clients[i];
	if (!c) {
		z->dae_st.unknown_client++;	/* never answered, never logged */
		return 0;
	}
	i--;
	evs_sockaddr_str((const struct sockaddr *)from, false, client, sizeof(client));
	if (dae_check(b, len, c->key, d->require_ma, &why) < 0) {
		z->dae_st.dropped++;
		log_info("radius: dynamic-authorization request from %s dropped: %s", client, why);
		return 0;
	}
	slot = &z->dae_cache[i * 256 + b[1]];
	/* any source port: a replay from another port changes nothing either */
	if (slot->used && now_ms - slot->at_ms < (uint64_t)d->window * 1000 &&
	    !memcmp(slot->auth, b + 4, 16)) {
		z->dae_st.duplicates++;
		if (slot->len > cap)
			return 0;
		memcpy(out, slot->ans, slot->len);
		return slot->len;
	}
	dae_parse(b, len, &rq);
	if (rq.has_timestamp ?
	    (wall_s > (uint64_t)rq.timestamp + d->window ||
	     (uint64_t)rq.timestamp > wall_s + d->window) :
	    d->require_timestamp) {
		/* RFC 5176 3.5: not current, silently discarded */
		z->dae_st.dropped++;
		log_info("radius: dynamic-authorization request from %s dropped: %s", client,
			 rq.has_timestamp ? "Event-Timestamp outside the window" :
					    "no Event-Timestamp");
		return 0;
	}
	cause = refusal(z, &rq);
	m = (struct dae_match){ z, &rq, client, now_ms, 0 };
	if (!cause) {
		for_matching(z, &m);
		if (!m.n)
			cause = DAE_ERR_SESSION_NOT_FOUND;
	}
	if (cause)
		log_notice("radius: %s from %s refused (Error-Cause %u)",
			   rq.code == DAE_COA_REQUEST ? "CoA-Request" : "Disconnect-Request",
			   client, cause);
	if (rq.code == DAE_COA_REQUEST)
		cause ? z->dae_st.coa_nak++ : z->dae_st.coa_ack++;
	else
		cause ? z->dae_st.disconnect_nak++ : z->dae_st.disconnect_ack++;
	n = dae_answer(out, cap < DAE_ANSWER_MAX ? cap : DAE_ANSWER_MAX, &rq, !cause, cause,
		       c->key);
	if (n) {
		slot->used = true;
		memcpy(slot->auth, b + 4, 16);
		slot->at_ms = now_ms;
		slot->len = (uint8_t)n;
		memcpy(slot->ans, out, n);
	}
	return n;
}

void ezv_dae_get_stats(const struct ezv *z, struct ezv_dae_stats *st)
{
	*st = z->dae_st;
}

uint16_t ezv_dae_port(const struct easyvpn_config *cfg, struct sockaddr_storage *listen)
{
	if (!cfg || !cfg->aaa.dae.port || !cfg->aaa.dae.n_clients)
		return 0;
	*listen = cfg->aaa.dae.listen;
	return cfg->aaa.dae.port;
}
