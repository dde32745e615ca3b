// SPDX-License-Identifier: MIT
/* XAUTH messages and state machines; see xauth.h. */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "lib/secret.h"
#include "ezv/xauth.h"

static void copy_text(char *dst, size_t cap, const struct isakmp_attr *a)
{
	size_t n = a->len < cap - 1 ? a->len : cap - 1;

	memcpy(dst, a->val, n);
	dst[n] = '\0';
}

int xauth_decode(uint8_t cfg_type, uint16_t ident, const uint8_t *attrs,
		 size_t len, struct xauth_msg *m, struct isakmp_perr *err)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	int r;

	memset(m, 0, sizeof(*m));
	m->cfg_type = cfg_type;
	m->ident = ident;
	isakmp_attr_iter_init(&it, attrs, len);
	while ((r = isakmp_attr_next(&it, &a, err)) > 0) {
		if (a.type < XAUTH_ATTR_FIRST || a.type > XAUTH_ATTR_LAST) {
			m->n_other++;
			continue;
		}
		m->has |= XAUTH_BIT(a.type);
		if (a.tv || a.len)
			m->valued |= XAUTH_BIT(a.type);
		switch (a.type) {
		case XAUTH_TYPE:
		case XAUTH_STATUS:
			if (!a.tv && a.len != 0 && a.len != 2 && a.len != 4)
				goto malformed;
			if (a.type == XAUTH_TYPE)
				m->type = (uint16_t)a.u;
			else
				m->status = (uint16_t)a.u;
			break;
		case XAUTH_USER_NAME:
			if (a.tv)
				goto malformed;
			if (a.len > XAUTH_USER_MAX)
				return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "user name too long");
			if (memchr(a.val, '\0', a.len))
				return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "NUL in user name");
			copy_text(m->user, sizeof(m->user), &a);
			break;
		case XAUTH_USER_PASSWORD:
		case XAUTH_PASSCODE:
		case XAUTH_ANSWER:
		case XAUTH_NEXT_PIN:
			/* what the person typed (a REQUEST's are empty) */
			if (a.tv)
				goto malformed;
			if (a.len > XAUTH_PASS_MAX) {
				xauth_msg_wipe(m);
				return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "password too long");
			}
			memcpy(m->password, a.val, a.len);
			m->pass_len = a.len;
			break;
		case XAUTH_MESSAGE:
			if (!a.tv)
				copy_text(m->message, sizeof(m->message), &a);
			break;
		case XAUTH_DOMAIN:
			if (!a.tv)
				copy_text(m->domain, sizeof(m->domain), &a);
			break;
		case XAUTH_CHALLENGE:
			if (!a.tv)
				copy_text(m->challenge, sizeof(m->challenge), &a);
			break;
		default:
			break;
		}
	}
	if (r < 0)
		xauth_msg_wipe(m);
	return r;
malformed:
	xauth_msg_wipe(m);
	return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "XAUTH attribute of wrong form");
}

enum xauth_ask xauth_request_asks(const struct xauth_msg *m)
{
	if (m->has & XAUTH_BIT(XAUTH_NEXT_PIN))
		return XAUTH_ASK_NEXT_PIN;
	if (m->has & (XAUTH_BIT(XAUTH_ANSWER) | XAUTH_BIT(XAUTH_CHALLENGE)))
		return XAUTH_ASK_ANSWER;
	if (m->has & XAUTH_BIT(XAUTH_PASSCODE))
		return XAUTH_ASK_PASSCODE;
	return XAUTH_ASK_PASSWORD;
}

const char *xauth_ask_name(enum xauth_ask a)
{
	static const char *const names[] = {
		[XAUTH_ASK_PASSWORD] = "password",
		[XAUTH_ASK_PASSCODE] = "passcode",
		[XAUTH_ASK_NEXT_PIN] = "next-pin",
		[XAUTH_ASK_ANSWER] = "answer",
	};

	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "password";
}

void xauth_msg_wipe(struct xauth_msg *m)
{
	secret_wipe(m->password, sizeof(m->password));
	m->pass_len = 0;
}

bool xauth_attrs_present(const uint8_t *attrs, size_t len)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;

	isakmp_attr_iter_init(&it, attrs, len);
	while (isakmp_attr_next(&it, &a, NULL) > 0)
		if (a.type >= XAUTH_ATTR_FIRST && a.type <= XAUTH_ATTR_LAST)
			return true;
	return false;
}

void xauth_out_free(struct xauth_out *o)
{
	isakmp_buf_free(&o->attrs);
}

static void out_start(struct xauth_out *o, uint8_t type, uint16_t ident)
{
	memset(o, 0, sizeof(*o));
	isakmp_buf_init(&o->attrs);
	o->cfg_type = type;
	o->ident = ident;
}

/* ---- server ---------------------------------------------------------- */

const char *xauth_srv_state_name(enum xauth_srv_state s)
{
	static const char *const names[] = {
		[XAUTH_S_IDLE] = "idle",
		[XAUTH_S_WAIT_REPLY] = "wait-reply",
		[XAUTH_S_VERIFYING] = "verifying",
		[XAUTH_S_WAIT_ACK] = "wait-ack",
		[XAUTH_S_DONE] = "done",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

void xauth_server_init(struct xauth_server *x, unsigned max_attempts,
		       uint16_t ident_seed)
{
	memset(x, 0, sizeof(*x));
	x->max_attempts = max_attempts ? max_attempts : 1;
	x->ident = ident_seed;
}

static void build_request(struct xauth_server *x, struct xauth_out *out,
			  const char *message)
{
	x->ident++;
	out_start(out, ISAKMP_CFG_REQUEST, x->ident);
	isakmp_put_attr_tv(&out->attrs, XAUTH_TYPE, XAUTH_TYPE_GENERIC);
	isakmp_put_attr_tlv(&out->attrs, XAUTH_USER_NAME, "", 0);
	isakmp_put_attr_tlv(&out->attrs, XAUTH_USER_PASSWORD, "", 0);
	if (message)
		isakmp_put_attr_tlv(&out->attrs, XAUTH_MESSAGE, message, strlen(message));
	x->state = XAUTH_S_WAIT_REPLY;
	x->challenged = false;
	x->rounds = 0;
}

/* What may carry the person's answer to a challenge. */
#define ANSWER_BITS (XAUTH_BIT(XAUTH_ANSWER) | XAUTH_BIT(XAUTH_PASSCODE) | \
		     XAUTH_BIT(XAUTH_NEXT_PIN) | XAUTH_BIT(XAUTH_USER_PASSWORD))

int xauth_server_challenge(struct xauth_server *x, const char *message,
			   struct xauth_out *out)
{
	if (x->state != XAUTH_S_VERIFYING || x->rounds >= XAUTH_CHALLENGE_ROUNDS)
		return -1;
	x->ident++;
	out_start(out, ISAKMP_CFG_REQUEST, x->ident);
	isakmp_put_attr_tv(&out->attrs, XAUTH_TYPE, XAUTH_TYPE_GENERIC);
	if (message && message[0])
		isakmp_put_attr_tlv(&out->attrs, XAUTH_MESSAGE, message, strlen(message));
	isakmp_put_attr_tlv(&out->attrs, XAUTH_ANSWER, "", 0);
	x->rounds++;
	x->challenged = true;
	x->state = XAUTH_S_WAIT_REPLY;
	return 0;
}

/* A REPLY to a challenge: the answer, and no other user than the try's.
 * XAUTH_EV_VERIFY, or XAUTH_EV_SEND with the refusal in *out. */
static enum xauth_srv_ev challenge_reply(struct xauth_server *x, const struct xauth_msg *m,
					 struct xauth_out *out)
{
	const char *why = NULL;

	if ((m->valued & XAUTH_BIT(XAUTH_USER_NAME)) && strcmp(m->user, x->user))
		why = "another user name in the answer to a challenge";
	else if (!(m->has & ANSWER_BITS))
		why = "reply without an answer to the challenge";
	x->state = XAUTH_S_VERIFYING;
	if (!why)
		return XAUTH_EV_VERIFY;
	xauth_server_verdict(x, false, why, out);
	return XAUTH_EV_SEND;
}

/* The final SET: STATUS only (vpnc refuses anything more). */
static void build_status(struct xauth_server *x, struct xauth_out *out, bool ok)
{
	x->ident++;
	x->ok = ok;
	out_start(out, ISAKMP_CFG_SET, x->ident);
	isakmp_put_attr_tv(&out->attrs, XAUTH_STATUS,
			   ok ? XAUTH_STATUS_OK : XAUTH_STATUS_FAIL);
	x->state = XAUTH_S_WAIT_ACK;
}

int xauth_server_start(struct xauth_server *x, struct xauth_out *out)
{
	if (x->state != XAUTH_S_IDLE)
		return -1;
	build_request(x, out, NULL);
	return 0;
}

enum xauth_srv_ev xauth_server_recv(struct xauth_server *x,
				    const struct xauth_msg *m,
				    struct xauth_out *out)
{
	switch (x->state) {
	/* The identifier is not compared: the transaction's message id
	 * already ties an answer to our question, and strongSwan answers
	 * with identifier 0 whatever we asked with. */
	case XAUTH_S_WAIT_REPLY:
		if (m->cfg_type != ISAKMP_CFG_REPLY)
			return XAUTH_EV_INVALID;
		if (!x->challenged)
			snprintf(x->user, sizeof(x->user), "%s", m->user);
		/* A client that gives up answers with STATUS=FAIL. */
		if ((m->valued & XAUTH_BIT(XAUTH_STATUS)) && m->status == XAUTH_STATUS_FAIL &&
		    !(m->valued & (x->challenged ? ANSWER_BITS : XAUTH_BIT(XAUTH_USER_PASSWORD)))) {
			if (x->attempts && x->reason[0]) {
				char prev[sizeof(x->reason)];

				snprintf(prev, sizeof(prev), "%s", x->reason);
				snprintf(x->reason, sizeof(x->reason), "%.100s; the client gave up",
					 prev);
			} else {
				snprintf(x->reason, sizeof(x->reason), "client cancelled the login");
			}
			build_status(x, out, false);
			return XAUTH_EV_SEND;
		}
		if ((m->has & XAUTH_BIT(XAUTH_TYPE)) && m->type != XAUTH_TYPE_GENERIC) {
			snprintf(x->reason, sizeof(x->reason),
				 "client answered with XAUTH type %u, not generic", m->type);
			build_status(x, out, false);
			return XAUTH_EV_SEND;
		}
		if (x->challenged)
			return challenge_reply(x, m, out);
		if (!(m->valued & XAUTH_BIT(XAUTH_USER_NAME)) ||
		    !(m->has & XAUTH_BIT(XAUTH_USER_PASSWORD))) {
			/* Counts as an attempt: a client must not probe for free. */
			x->state = XAUTH_S_VERIFYING;
			xauth_server_verdict(x, false, "reply without user name or password", out);
			return XAUTH_EV_SEND;
		}
		x->state = XAUTH_S_VERIFYING;
		return XAUTH_EV_VERIFY;
	case XAUTH_S_WAIT_ACK:
		if (m->cfg_type != ISAKMP_CFG_ACK)
			return XAUTH_EV_INVALID;
		x->state = XAUTH_S_DONE;
		return XAUTH_EV_DONE;
	case XAUTH_S_VERIFYING:
		/* A retransmitted REPLY while the back end works: ignore. */
		if (m->cfg_type == ISAKMP_CFG_REPLY)
			return XAUTH_EV_NONE;
		return XAUTH_EV_INVALID;
	default:
		return XAUTH_EV_INVALID;
	}
}

int xauth_server_verdict(struct xauth_server *x, bool ok, const char *reason,
			 struct xauth_out *out)
{
	if (x->state != XAUTH_S_VERIFYING)
		return -1;
	x->attempts++;
	x->challenged = false;
	x->rounds = 0;
	if (ok) {
		x->reason[0] = '\0';
		build_status(x, out, true);
		return 0;
	}
	snprintf(x->reason, sizeof(x->reason), "%s", reason ? reason : "authentication failed");
	if (x->attempts < x->max_attempts)
		build_request(x, out, "Authentication failed, please try again.");
	else
		build_status(x, out, false);
	return 0;
}

/* ---- client ---------------------------------------------------------- */

void xauth_client_init(struct xauth_client *c, unsigned max_replies)
{
	memset(c, 0, sizeof(*c));
	c->max_replies = max_replies ? max_replies : 1;
}

enum xauth_srv_ev xauth_client_recv(struct xauth_client *c,
				    const struct xauth_msg *m,
				    const char *user, const uint8_t *pass,
				    size_t pass_len, struct xauth_out *out)
{
	/* Nothing to send unless a branch below builds it: the caller reads
	 * out->cfg_type after XAUTH_EV_INVALID. */
	memset(out, 0, sizeof(*out));
	if (m->cfg_type == ISAKMP_CFG_REQUEST && c->state != XAUTH_C_DONE) {
		if (m->message[0])
			snprintf(c->server_message, sizeof(c->server_message), "%s", m->message);
		out_start(out, ISAKMP_CFG_REPLY, m->ident);
		if ((m->has & XAUTH_BIT(XAUTH_TYPE)) && m->type != XAUTH_TYPE_GENERIC) {
			isakmp_put_attr_tv(&out->attrs, XAUTH_STATUS, XAUTH_STATUS_FAIL);
			return XAUTH_EV_INVALID;
		}
		if (c->replies >= c->max_replies) {
			/* Asked again: the server refused what we have. */
			isakmp_put_attr_tv(&out->attrs, XAUTH_STATUS, XAUTH_STATUS_FAIL);
			return XAUTH_EV_INVALID;
		}
		static const uint16_t attr_of[] = {
			[XAUTH_ASK_PASSWORD] = XAUTH_USER_PASSWORD,
			[XAUTH_ASK_PASSCODE] = XAUTH_PASSCODE,
			[XAUTH_ASK_NEXT_PIN] = XAUTH_NEXT_PIN,
			[XAUTH_ASK_ANSWER] = XAUTH_ANSWER,
		};
		enum xauth_ask ask = xauth_request_asks(m);

		c->replies++;
		if (m->has & XAUTH_BIT(XAUTH_TYPE))
			isakmp_put_attr_tv(&out->attrs, XAUTH_TYPE, XAUTH_TYPE_GENERIC);
		if (ask == XAUTH_ASK_PASSWORD || (m->has & XAUTH_BIT(XAUTH_USER_NAME)))
			isakmp_put_attr_tlv(&out->attrs, XAUTH_USER_NAME, user, strlen(user));
		isakmp_put_attr_tlv(&out->attrs, attr_of[ask], pass ? (const void *)pass : "",
				    pass_len);
		c->state = XAUTH_C_WAIT_STATUS;
		return XAUTH_EV_SEND;
	}
	if (m->cfg_type == ISAKMP_CFG_SET && (m->has & XAUTH_BIT(XAUTH_STATUS)) &&
	    c->state != XAUTH_C_DONE) {
		c->ok = m->status == XAUTH_STATUS_OK;
		c->state = XAUTH_C_DONE;
		out_start(out, ISAKMP_CFG_ACK, m->ident);
		isakmp_put_attr_tv(&out->attrs, XAUTH_STATUS, m->status);
		return XAUTH_EV_DONE;
	}
	return XAUTH_EV_INVALID;
}

/* ---- failure limits per source and per user -------------------------- */

static uint64_t rl_tag(const struct xauth_ratelimit *rl, char kind,
		       const void *key, size_t len)
{
	uint8_t buf[1 + 16 + XAUTH_USER_MAX], h[crypto_shorthash_BYTES];
	uint64_t t;

	buf[0] = (uint8_t)kind;
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	memcpy(buf + 1, key, len);
	crypto_shorthash(h, buf, len + 1, rl->key);
	memcpy(&t, h, sizeof(t));
	return t ? t : 1;	/* 0 marks a free slot */
}

static uint64_t src_tag(const struct xauth_ratelimit *rl, const struct sockaddr *src)
{
	uint8_t addr[17];

	memset(addr, 0, sizeof(addr));
	addr[0] = (uint8_t)src->sa_family;
	if (src->sa_family == AF_INET)
		memcpy(addr + 1, &((const struct sockaddr_in *)src)->sin_addr, 4);
	else if (src->sa_family == AF_INET6)
		memcpy(addr + 1, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
	return rl_tag(rl, 's', addr, sizeof(addr));
}

/* User names compare case-insensitively here: "Alice" shares alice's
 * limit whatever the back end thinks of case. */
static uint64_t user_tag(const struct xauth_ratelimit *rl, const char *user)
{
	char low[XAUTH_USER_MAX];
	size_t n = strnlen(user, sizeof(low));

	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)user[i]);
	return rl_tag(rl, 'u', low, n);
}

static struct xauth_rl_entry *rl_slot(const struct xauth_rl_table *t, uint64_t tag,
				      size_t i)
{
	return (struct xauth_rl_entry *)&t->e[(tag + i) & (XAUTH_RL_SLOTS - 1)];
}

static struct xauth_rl_entry *rl_find(const struct xauth_rl_table *t, uint64_t tag)
{
	for (size_t i = 0; i < XAUTH_RL_PROBE; i++) {
		struct xauth_rl_entry *e = rl_slot(t, tag, i);

		if (e->tag == tag)
			return e;
	}
	return NULL;
}

static struct xauth_rl_entry *rl_take(struct xauth_rl_table *t, uint64_t tag,
				      uint64_t now)
{
	struct xauth_rl_entry *e = rl_find(t, tag), *victim = NULL;

	if (e)
		return e;
	for (size_t i = 0; i < XAUTH_RL_PROBE; i++) {
		e = rl_slot(t, tag, i);
		if (!e->tag) {
			victim = e;
			break;
		}
		/* Prefer an entry not locked now, then the stalest. */
		if (!victim || (victim->until > now && e->until <= now) ||
		    ((victim->until > now) == (e->until > now) && e->last < victim->last))
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->tag = tag;
	return victim;
}

static uint64_t rl_wait(const struct xauth_rl_entry *e, uint64_t now)
{
	return e && e->until > now ? e->until - now : 0;
}

static void rl_fail(const struct xauth_ratelimit *rl, struct xauth_rl_entry *e,
		    uint64_t now)
{
	uint64_t t;

	if (e->last && now >= e->last + XAUTH_RL_MAX_SECONDS)
		e->lockouts = 0;		/* a quiet day forgets the back-off */
	if (e->failures && now >= e->last + rl->window)
		e->failures = 0;		/* failures older than the window */
	e->failures++;
	e->last = now;
	if (e->failures < rl->burst)
		return;
	e->failures = 0;
	if (e->lockouts < 31)
		e->lockouts++;
	t = (uint64_t)rl->window << (e->lockouts - 1);
	if (t > (uint64_t)rl->window * XAUTH_RL_MAX_FACTOR)
		t = (uint64_t)rl->window * XAUTH_RL_MAX_FACTOR;
	if (t > XAUTH_RL_MAX_SECONDS)
		t = XAUTH_RL_MAX_SECONDS;
	if (t < rl->window)
		t = rl->window;
	e->until = now + t;
}

void xauth_rl_init(struct xauth_ratelimit *rl, unsigned burst, unsigned window)
{
	memset(rl, 0, sizeof(*rl));
	rl->burst = burst;
	rl->window = window;
	randombytes_buf(rl->key, sizeof(rl->key));
}

uint64_t xauth_rl_wait(const struct xauth_ratelimit *rl, const struct sockaddr *src,
		       const char *user, uint64_t now)
{
	uint64_t ws, wu = 0;

	if (!rl->burst)
		return 0;
	ws = rl_wait(rl_find(&rl->src, src_tag(rl, src)), now);
	if (user)
		wu = rl_wait(rl_find(&rl->user, user_tag(rl, user)), now);
	return ws > wu ? ws : wu;
}

bool xauth_rl_allowed(const struct xauth_ratelimit *rl, const struct sockaddr *src,
		      const char *user, uint64_t now)
{
	return xauth_rl_wait(rl, src, user, now) == 0;
}

void xauth_rl_failed(struct xauth_ratelimit *rl, const struct sockaddr *src,
		     const char *user, uint64_t now)
{
	if (!rl->burst)
		return;
	rl_fail(rl, rl_take(&rl->src, src_tag(rl, src), now), now);
	if (user && user[0])
		rl_fail(rl, rl_take(&rl->user, user_tag(rl, user), now), now);
}

void xauth_rl_succeeded(struct xauth_ratelimit *rl, const char *user)
{
	struct xauth_rl_entry *e;

	if (!user)
		return;
	e = rl_find(&rl->user, user_tag(rl, user));
	if (e)
		memset(e, 0, sizeof(*e));
}
