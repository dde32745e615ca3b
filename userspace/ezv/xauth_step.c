// SPDX-License-Identifier: MIT
/*
 * The "xauth" step (easyvpn.h): the gateway asks for user name and
 * password, the AAA worker (local or RADIUS) decides, the verdict goes
 * back (SET STATUS/ACK), with bounded retries, per-source and per-user
 * lockout and an overall timeout; the client role answers with its peer
 * block's credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ezv/ezv_int.h"
#include "ike/proposal.h"
#include "lib/daemon_log.h"

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

const struct ike_peer *ezv_client_peer(const struct ezv *z, struct evs_session *s)
{
	const char *name = evs_session_peer_name(s);

	if (!name)
		return NULL;
	for (size_t i = 0; i < z->ike->n_peers; i++)
		if (!strcmp(z->ike->peers[i].name, name))
			return &z->ike->peers[i];
	return NULL;
}

/* REQUESTs a person may answer in one login: the gateway decides how
 * many tries there are; this only bounds a gateway that never stops. */
#define XAUTH_CLIENT_MAX_TRIES 16

static bool nosave_has(const struct ezv *z, const char *peer)
{
	for (const struct ezv_nosave *n = z->nosave; n; n = n->next)
		if (!strcmp(n->peer, peer))
			return true;
	return false;
}

void ezv_client_nosave(struct ezv *z, const char *peer)
{
	struct ezv_nosave *n;

	if (nosave_has(z, peer))
		return;
	n = calloc(1, sizeof(*n));
	if (!n)
		return;
	snprintf(n->peer, sizeof(n->peer), "%s", peer);
	n->next = z->nosave;
	z->nosave = n;
}

/* Is the password of peer p typed rather than stored?  No password in
 * the peer block, or the gateway said save-password "no". */
static bool client_interactive(const struct ezv *z, const struct ike_peer *p)
{
	return !p->xauth_pass || nosave_has(z, p->name);
}

static int xauth_begin_client(struct ezv *z, struct evs_session *s, void **state)
{
	const struct ike_peer *p = ezv_client_peer(z, s);
	struct ezv_sess *x;

	if (!p || !p->xauth_user[0])
		return EVS_STEP_SKIP;
	x = ezv_sess_get(z, s);
	if (!x)
		return EVS_STEP_FAIL;
	*state = x;
	x->xauth_active = true;
	x->xauth_interactive = client_interactive(z, p);
	xauth_client_init(&x->xc, x->xauth_interactive ? XAUTH_CLIENT_MAX_TRIES : 1);
	x->xauth_deadline = evs_session_now(s) + (uint64_t)z->cfg->xauth.timeout * 1000;
	ezv_due(x);
	log_info("%s: xauth: waiting for the gateway to ask for user \"%s\"%s",
		 evs_session_name(s), p->xauth_user,
		 x->xauth_interactive ? " (password typed: evsadm client xauth)" : "");
	return EVS_STEP_RUNNING;
}

static int xauth_begin(struct evs_session *s, void *arg, void **state)
{
	struct ezv *z = arg;
	const struct isakmp_id *id = evs_session_peer_id(s);
	uint16_t auth = evs_session_auth_method(s);
	/* A hybrid client proved nothing in Phase 1 (no key): the group name
	 * it may send as its identity is not believed; its group is the
	 * user's (user file, RADIUS Class, a user block). */
	bool group_id = id && id->type == ISAKMP_ID_KEY_ID && !p1_auth_is_hybrid(auth);
	struct xauth_out out;
	struct ezv_sess *x;
	uint16_t seed;

	if (!z->ready)
		return EVS_STEP_SKIP;
	if (evs_session_role(s) == EVS_ROLE_CLIENT)
		return xauth_begin_client(z, s, state);
	/* Every peer logs in, whatever Phase 1 method it chose (a group key
	 * is shared and can be attacked offline; an address key or a
	 * certificate says nothing about the user), except a site-to-site
	 * peer of a no-xauth key.  One that does not answer gets no Phase 2. */
	if (evs_session_site_to_site(s))
		return EVS_STEP_SKIP;
	x = ezv_sess_get(z, s);
	if (!x)
		return EVS_STEP_FAIL;
	*state = x;
	if (group_id)
		snprintf(x->p1_group, sizeof(x->p1_group), "%.*s",
			 (int)(id->len > EZV_NAME_MAX ? EZV_NAME_MAX : id->len),
			 (const char *)id->data);
	if (!xauth_rl_allowed(&z->rl, (struct sockaddr *)&x->peer_sa, NULL,
			      evs_session_now(s) / 1000)) {
		z->st.locked_out++;
		z->st.refused[EZV_REFUSE_LOCKED_OUT]++;
		log_warn("%s: xauth: %s is locked out after %u failed logins "
			 "(for %u s); refused", evs_session_name(s), x->peer,
			 z->cfg->xauth.lockout_failures, z->cfg->xauth.lockout_seconds);
		return EVS_STEP_FAIL;
	}
	x->xauth_active = true;
	randombytes_buf(&seed, sizeof(seed));
	xauth_server_init(&x->xs, z->cfg->xauth.retries, seed);
	x->xauth_deadline = evs_session_now(s) + (uint64_t)z->cfg->xauth.timeout * 1000;
	ezv_due(x);
	xauth_server_start(&x->xs, &out);
	log_info("%s: xauth: asking %s%s%s%s for user name and password (%s, up to %u tries)",
		 evs_session_name(s), x->peer, x->p1_group[0] ? " (group \"" : "",
		 x->p1_group, x->p1_group[0] ? "\")" : "", p1_auth_name(auth),
		 x->xs.max_attempts);
	send_out(x, 0, &out, true);
	return EVS_STEP_RUNNING;
}

static enum ezv_auth auth_method_for(const struct easyvpn_config *cfg, const char *user,
				     const char *p1_group)
{
	const struct ezv_user *u = ezv_find_user(cfg, user);
	const struct ezv_group *g = NULL;

	if (u && (u->s.has & EZV_BIT(EZV_AUTH)))
		return u->s.auth;
	if (u && u->group[0])
		g = ezv_find_group(cfg, u->group, strlen(u->group));
	if (!g && p1_group[0])
		g = ezv_find_group(cfg, p1_group, strlen(p1_group));
	return g ? g->s.auth : cfg->aaa.auth;
}

/* A user locked out (xauth.h) is refused without asking the back end,
 * which says nothing about the password; the try counts against the
 * source.  true: *out holds the refusal. */
static bool xauth_user_locked(struct ezv_sess *x, const char *user, struct xauth_out *out)
{
	struct ezv *z = x->z;
	uint64_t now_s = evs_session_now(x->s) / 1000;
	uint64_t wait = xauth_rl_wait(&z->rl, (struct sockaddr *)&x->peer_sa, user, now_s);

	if (!wait)
		return false;
	z->st.locked_out++;
	z->st.logins_failed++;
	z->st.refused[EZV_REFUSE_LOCKED_OUT]++;
	xauth_rl_failed(&z->rl, (struct sockaddr *)&x->peer_sa, NULL, now_s);
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
	const char *user;

	switch (ev) {
	case XAUTH_EV_VERIFY:
		/* an answer to a challenge: the try's user, back to the server
		 * that asked, with its State */
		user = x->xs.challenged ? x->xs.user : m->user;
		memset(&rq, 0, sizeof(rq));
		rq.id = x->id;
		rq.method = x->xs.challenged ? EZV_AUTH_RADIUS :
			    auth_method_for(x->z->cfg, user, x->p1_group);
		snprintf(rq.user, sizeof(rq.user), "%s", user);
		memcpy(rq.pass, m->password, m->pass_len);
		rq.pass_len = m->pass_len;
		snprintf(rq.calling_station, sizeof(rq.calling_station), "%s", x->peer);
		if (x->xs.challenged) {
			rq.answer = true;
			rq.server = x->chal_server;
			memcpy(rq.state, x->chal_state, x->chal_state_len);
			rq.state_len = x->chal_state_len;
		}
		log_info("%s: xauth: user \"%s\" answered%s; checking with %s",
			 evs_session_name(x->s), log_peer(user),
			 x->xs.challenged ? " the challenge" : "", ezv_auth_name(rq.method));
		if (xauth_user_locked(x, user, &out)) {
			sodium_memzero(&rq, sizeof(rq));
			send_out(x, 0, &out, true);
		} else if (aaa_submit_auth(x->z->aaa, &rq)) {
			log_warn("%s: xauth: the AAA queue is full; login refused",
				 evs_session_name(x->s));
			x->z->st.refused[EZV_REFUSE_AAA_BUSY]++;
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

/* The gateway's REQUEST m answered with user and pass: the REPLY goes
 * out (msgid: its exchange), or the SET is acknowledged. */
static int client_answer(struct ezv_sess *x, uint32_t msgid, const struct xauth_msg *m,
			 const char *user, const uint8_t *pass, size_t pass_len)
{
	struct xauth_out out;
	enum xauth_srv_ev ev = xauth_client_recv(&x->xc, m, user, pass, pass_len, &out);

	switch (ev) {
	case XAUTH_EV_SEND:
		log_info("%s: xauth: sending user \"%s\"%s%s", evs_session_name(x->s),
			 log_peer(user), x->xc.server_message[0] ? "; gateway says: " : "",
			 log_peern(x->xc.server_message, strnlen(x->xc.server_message,
								  XAUTH_MSG_MAX)));
		send_out(x, msgid, &out, false);
		return EVS_CFG_TAKEN;
	case XAUTH_EV_DONE:
		send_out(x, msgid, &out, false);
		x->xauth_active = false;
		x->xauth_waiting = false;
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

static int xauth_recv_client(struct ezv_sess *x, uint32_t msgid, struct xauth_msg *m)
{
	const struct ike_peer *p = ezv_client_peer(x->z, x->s);

	if (!p)
		return EVS_CFG_BAD;
	if (!x->xauth_interactive && m->cfg_type == ISAKMP_CFG_REQUEST &&
	    x->xc.state != XAUTH_C_DONE && xauth_request_asks(m) != XAUTH_ASK_PASSWORD) {
		/* a token's passcode, next PIN or a challenge's answer: the
		 * stored password is no answer to it; the person types it */
		x->xauth_interactive = true;
		x->xc.max_replies = XAUTH_CLIENT_MAX_TRIES;
	}
	if (x->xauth_interactive && m->cfg_type == ISAKMP_CFG_REQUEST &&
	    x->xc.state != XAUTH_C_DONE) {
		if (x->xauth_waiting && m->ident == x->xauth_req->ident)
			return EVS_CFG_TAKEN;	/* the same REQUEST again */
		if (x->xc.replies >= x->xc.max_replies)
			return client_answer(x, msgid, m, "", NULL, 0);	/* refuses */
		/* only a session that waits for a person has one */
		if (!x->xauth_req && !(x->xauth_req = calloc(1, sizeof(*x->xauth_req))))
			return client_answer(x, msgid, m, "", NULL, 0);
		xauth_msg_wipe(x->xauth_req);
		*x->xauth_req = *m;
		x->xauth_msgid = msgid;
		x->xauth_waiting = true;
		x->xauth_asks++;
		log_notice("%s: xauth: waiting for the %s (evsadm client xauth %s)%s%s",
			   evs_session_name(x->s), xauth_ask_name(xauth_request_asks(m)), p->name,
			   m->message[0] ? "; gateway says: " : "",
			   log_peern(m->message, strnlen(m->message, XAUTH_MSG_MAX)));
		if (m->challenge[0])
			log_notice("%s: xauth: challenge: %s", evs_session_name(x->s),
				   log_peern(m->challenge, strnlen(m->challenge, XAUTH_MSG_MAX)));
		return EVS_CFG_TAKEN;
	}
	return client_answer(x, msgid, m, p->xauth_user,
			     x->xauth_interactive || !p->xauth_pass ? NULL :
			     secret_data(p->xauth_pass),
			     x->xauth_interactive || !p->xauth_pass ? 0 :
			     secret_len(p->xauth_pass));
}

static struct ezv_sess *client_sess(struct ezv *z, const char *peer)
{
	/* The client role's few sessions. */
	for (struct ezv_sess *x = z->sessions; x; x = x->next) {
		const char *name;

		if (x->server || evs_session_end_reason(x->s) != EVS_END_ERROR)
			continue;
		name = evs_session_peer_name(x->s);
		if (name && !strcmp(name, peer))
			return x;
	}
	return NULL;
}

int ezv_client_xauth(struct ezv *z, const char *peer, const char *user,
		     const uint8_t *pass, size_t pass_len, struct evs_err *err)
{
	struct ezv_sess *x = client_sess(z, peer);
	struct xauth_msg m;
	int rc;

	if (!x || !x->xauth_waiting)
		return evs_errf(err, "peer %s is not waiting for XAUTH", peer);
	/* a passcode, PIN or answer the gateway asks for without the user
	 * name goes with the peer block's (REPLY carries it only if asked) */
	if (!user[0] && !(x->xauth_req->has & XAUTH_BIT(XAUTH_USER_NAME)) &&
	    xauth_request_asks(x->xauth_req) != XAUTH_ASK_PASSWORD) {
		const struct ike_peer *p = ezv_client_peer(z, x->s);

		user = p ? p->xauth_user : "";
	}
	if (!user[0] || strlen(user) > XAUTH_USER_MAX)
		return evs_errf(err, "the user name must be 1 to %u bytes", XAUTH_USER_MAX);
	if (pass_len > XAUTH_PASS_MAX)
		return evs_errf(err, "the password is longer than %u bytes", XAUTH_PASS_MAX);
	m = *x->xauth_req;
	x->xauth_waiting = false;
	rc = client_answer(x, x->xauth_msgid, &m, user, pass, pass_len);
	xauth_msg_wipe(&m);
	xauth_msg_wipe(x->xauth_req);
	return rc == EVS_CFG_TAKEN ? 0 : evs_errf(err, "the gateway's request was refused");
}

int ezv_client_info(struct ezv *z, const char *peer, struct ezv_client_info *out)
{
	struct ezv_sess *x = client_sess(z, peer);

	memset(out, 0, sizeof(*out));
	if (!x)
		return -1;
	out->s = x->s;
	out->xauth_waiting = x->xauth_waiting;
	out->xauth_asks = x->xauth_asks;
	out->xauth_message = x->xauth_waiting ? x->xauth_req->message : "";
	out->xauth_challenge = x->xauth_waiting ? x->xauth_req->challenge : "";
	out->xauth_ask = x->xauth_waiting ? xauth_ask_name(xauth_request_asks(x->xauth_req)) : "";
	out->xauth_user_asked = x->xauth_waiting &&
				((x->xauth_req->has & XAUTH_BIT(XAUTH_USER_NAME)) ||
				 xauth_request_asks(x->xauth_req) == XAUTH_ASK_PASSWORD);
	out->xauth_done = x->xc.state == XAUTH_C_DONE && x->xc.ok;
	out->pushed = x->pushed ? x->offer : NULL;
	out->start_ms = x->start_ms;
	return 0;
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

static bool count_login(struct ezv_sess *o, void *arg)
{
	(*(unsigned *)arg)++;
	return false;
}

/* The user's other live logins: not x, nor a session x renews (the same
 * user from the same outer address and port, x itself among them when it
 * is logged in already).  O(1) but for the few sessions of that one
 * client. */
static unsigned other_logins(struct ezv_sess *x, const char *user)
{
	unsigned same = 0;

	ezv_sess_of_login(x->z, user, &x->peer_sa, count_login, &same);
	return ezv_user_logins(x->z, user) - same;
}

/* Session-Timeout and Idle-Timeout: the Access-Accept's beat the group
 * and user blocks' (RFC 2865 5.27, 5.28). */
static void set_limits(struct ezv_sess *x, const struct aaa_result *r, uint32_t session,
		       uint32_t idle)
{
	uint64_t now = evs_session_now(x->s);

	if (r->source == AAA_SRC_RADIUS && r->radius.session_timeout)
		session = r->radius.session_timeout;
	if (r->source == AAA_SRC_RADIUS && r->radius.idle_timeout)
		idle = r->radius.idle_timeout;
	ezv_sess_set_session_timeout(x, session, now);
	x->idle_timeout_s = idle;
	x->active_ms = now;	/* idle time counts from the login */
}

/* RADIUS asks the person something (next PIN, token code): a new REQUEST
 * with its text; the State waits in x for the answer.  false when the try
 * had its XAUTH_CHALLENGE_ROUNDS already. */
static bool xauth_challenge(struct ezv_sess *x, const struct aaa_result *r)
{
	struct xauth_out out;

	if (xauth_server_challenge(&x->xs, r->radius.reply_message, &out) < 0)
		return false;
	memcpy(x->chal_state, r->radius.state, r->radius.state_len);
	x->chal_state_len = r->radius.state_len;
	x->chal_server = r->radius.server;
	evsd_log_session(EVSD_LOG_NOTICE, evs_session_name(x->s), r->user, x->peer,
			 "%s: xauth: RADIUS challenges user \"%s\" from %s (%u of at most %u)%s%s",
			 evs_session_name(x->s), log_peer(r->user), x->peer, x->xs.rounds,
			 XAUTH_CHALLENGE_ROUNDS, r->radius.reply_message[0] ? ": " : "",
			 log_peer(r->radius.reply_message));
	send_out(x, 0, &out, true);
	return true;
}

/* Decide about a finished login: group lock, group known. */
void ezv_xauth_verdict(struct ezv_sess *x, struct aaa_result *r)
{
	struct ezv *z = x->z;
	const struct ezv_user *u = ezv_find_user(z->cfg, r->user);
	const struct ezv_group *p1g = x->p1_group[0] ?
		ezv_find_group(z->cfg, x->p1_group, strlen(x->p1_group)) : NULL;
	const char *group = r->group;
	struct xauth_out out;
	char reason[512];
	bool ok = r->ok;
	uint32_t eff_session = 0, eff_idle = 0;
	enum ezv_refusal why = EZV_REFUSE_CREDENTIALS;

	sodium_memzero(x->chal_state, sizeof(x->chal_state));
	x->chal_state_len = 0;
	if (r->challenge && xauth_challenge(x, r))
		return;
	if (r->challenge) {
		ok = false;
		snprintf(r->reason, sizeof(r->reason), "RADIUS asked more than %u challenges",
			 XAUTH_CHALLENGE_ROUNDS);
	}
	if (u && u->group[0])
		group = u->group;		/* the config's user block decides */
	if (!group[0])
		group = x->p1_group;
	snprintf(reason, sizeof(reason), "%s", r->reason);
	if (ok && !group[0]) {
		ok = false;
		why = EZV_REFUSE_NO_GROUP;
		snprintf(reason, sizeof(reason), "user \"%s\" belongs to no group", r->user);
	} else if (ok && !ezv_find_group(z->cfg, group, strlen(group))) {
		ok = false;
		why = EZV_REFUSE_NO_GROUP;
		snprintf(reason, sizeof(reason), "user \"%s\": group \"%s\" is not configured",
			 r->user, group);
	} else if (ok && p1g && p1g->group_lock && strcmp(group, p1g->name)) {
		ok = false;
		why = EZV_REFUSE_GROUP_LOCK;
		snprintf(reason, sizeof(reason), "user \"%s\" belongs to group \"%s\", not \"%s\" "
			 "(group-lock)", r->user, group, p1g->name);
	}
	if (ok) {
		const struct ezv_group *g = ezv_find_group(z->cfg, group, strlen(group));
		struct ezv_settings eff;
		unsigned n = other_logins(x, r->user);

		ezv_merge(&g->s, u ? &u->s : NULL, &eff);
		eff_session = eff.session_timeout;
		eff_idle = eff.idle_timeout;
		if (eff.max_logins && n >= eff.max_logins) {
			ok = false;
			why = EZV_REFUSE_MAX_LOGINS;
			snprintf(reason, sizeof(reason), "user \"%s\" already has %u session%s "
				 "(max-logins %u)", r->user, n, n == 1 ? "" : "s", eff.max_logins);
		}
	}
	if (ok) {
		z->st.logins_ok++;
		x->authenticated = true;
		ezv_sess_set_user(x, r->user);
		set_limits(x, r, eff_session, eff_idle);
		snprintf(x->group, sizeof(x->group), "%s", group);
		x->login.source = r->source;
		x->login.framed_ip = r->radius.framed_ip;
		x->login.class_len = r->radius.class_len;
		memcpy(x->login.class_raw, r->radius.class_raw, r->radius.class_len);
		xauth_rl_succeeded(&z->rl, r->user);
		evsd_log_session(EVSD_LOG_NOTICE, evs_session_name(x->s), r->user, x->peer,
				 "%s: xauth: user \"%s\" from %s accepted (%s), group \"%s\"",
				 evs_session_name(x->s), log_peer(r->user), x->peer, reason, group);
	} else {
		uint64_t now_s = evs_session_now(x->s) / 1000;

		z->st.logins_failed++;
		z->st.refused[why]++;
		xauth_rl_failed(&z->rl, (struct sockaddr *)&x->peer_sa, r->user, now_s);
		/* A source or user that just hit the limit gets no more tries. */
		if (!xauth_rl_allowed(&z->rl, (struct sockaddr *)&x->peer_sa, r->user, now_s))
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
		ezv_sess_put(x);
	}
	*state = NULL;
}

void ezv_xauth_expire(struct ezv_sess *x, uint64_t now)
{
	if (!x->xauth_active || !x->xauth_deadline || now < x->xauth_deadline)
		return;
	x->xauth_active = false;
	x->z->st.refused[EZV_REFUSE_TIMEOUT]++;
	log_warn("%s: xauth: no login within %u s; giving up",
		 evs_session_name(x->s), x->z->cfg->xauth.timeout);
	evs_session_step_done(x->s, false, "XAUTH timed out");
}

static bool xauth_save(struct evs_session *s, void **state, struct jsonw *w)
{
	return ezv_sess_save(*state, w);
}

static int xauth_restore(struct evs_session *s, void *arg, void **state,
			 struct json_object *o, struct evs_err *why)
{
	return ezv_sess_restore(arg, s, state, o, why);
}

const struct evs_post_phase1_ops ezv_xauth_step = {
	.name = "xauth",
	.begin = xauth_begin,
	.recv_cfg = xauth_recv,
	.end = xauth_end,
	.save = xauth_save,
	.restore = xauth_restore,
};
