// SPDX-License-Identifier: MIT
/* XAUTH: server and client state machines talking to each other, retries,
 * the final SET carrying STATUS only, and the per-source failure limit. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ike/isakmp.h"
#include "ezv/xauth.h"
#include "tests/unit/unit.h"

/* Deliver an xauth_out as the peer would decode it. */
static void deliver(struct xauth_out *o, struct xauth_msg *m)
{
	struct isakmp_perr err;

	UNIT_ASSERT(!o->attrs.oom);
	UNIT_ASSERT_EQ_INT(xauth_decode(o->cfg_type, o->ident, o->attrs.data, o->attrs.len, m, &err), 0);
	xauth_out_free(o);
}

/* A server that has sent its first REQUEST (in @o). */
static void server_asking(struct xauth_server *s, unsigned max_attempts, uint16_t ident,
			  struct xauth_out *o)
{
	xauth_server_init(s, max_attempts, ident);
	UNIT_ASSERT_EQ_INT(xauth_server_start(s, o), 0);
}

static void run_login(unsigned max, const char *pw_good, const char *pw_try,
		      unsigned client_max, bool *ok, unsigned *attempts)
{
	struct xauth_server s;
	struct xauth_client c;
	struct xauth_out o;
	struct xauth_msg m;
	enum xauth_srv_ev ev;

	xauth_server_init(&s, max, 0x4000);
	xauth_client_init(&c, client_max);
	UNIT_ASSERT_EQ_INT(xauth_server_start(&s, &o), 0);
	UNIT_ASSERT_EQ_INT(xauth_server_start(&s, &o), -1 + 0 * (int)o.cfg_type);
	for (int rounds = 0; rounds < 10; rounds++) {
		deliver(&o, &m);				/* server -> client */
		ev = xauth_client_recv(&c, &m, "alice", (const uint8_t *)pw_try,
				       strlen(pw_try), &o);
		UNIT_ASSERT(ev == XAUTH_EV_SEND || ev == XAUTH_EV_DONE || ev == XAUTH_EV_INVALID);
		deliver(&o, &m);				/* client -> server */
		ev = xauth_server_recv(&s, &m, &o);
		if (ev == XAUTH_EV_DONE)
			break;
		if (ev == XAUTH_EV_VERIFY) {
			UNIT_ASSERT_EQ_STR(m.user, "alice");
			bool good = m.pass_len == strlen(pw_good) &&
				    !memcmp(m.password, pw_good, m.pass_len);
			xauth_msg_wipe(&m);
			UNIT_ASSERT_EQ_INT(xauth_server_verdict(&s, good, "wrong password", &o), 0);
		} else {
			UNIT_ASSERT_EQ_INT(ev, XAUTH_EV_SEND);
		}
	}
	UNIT_ASSERT_EQ_INT(s.state, XAUTH_S_DONE);
	UNIT_ASSERT_EQ_INT(c.state, XAUTH_C_DONE);
	UNIT_ASSERT_EQ_INT(c.ok, s.ok);
	*ok = s.ok;
	*attempts = s.attempts;
}

UNIT_TEST(good_password_first_time)
{
	bool ok;
	unsigned n;

	run_login(3, "s3cret", "s3cret", 3, &ok, &n);
	UNIT_ASSERT(ok);
	UNIT_ASSERT_EQ_INT(n, 1);
}

UNIT_TEST(wrong_password_refused_after_retry_limit)
{
	bool ok;
	unsigned n;

	run_login(3, "s3cret", "guess", 5, &ok, &n);
	UNIT_ASSERT(!ok);
	UNIT_ASSERT_EQ_INT(n, 3);
}

UNIT_TEST(client_gives_up_when_asked_again)
{
	bool ok;
	unsigned n;

	/* the client answers once; the second REQUEST gets STATUS=FAIL */
	run_login(3, "s3cret", "guess", 1, &ok, &n);
	UNIT_ASSERT(!ok);
	UNIT_ASSERT_EQ_INT(n, 1);
}

/* Found by fuzz_ike_engine: a gateway's SET after the login ended left
 * the answer uninitialised, and easyvpn.c sent (and freed) whatever the
 * stack held. */
UNIT_TEST(set_after_the_end_leaves_nothing_to_send)
{
	struct xauth_client c;
	struct xauth_out o;
	struct xauth_msg m;

	xauth_client_init(&c, 1);
	memset(&m, 0, sizeof(m));
	m.cfg_type = ISAKMP_CFG_SET;
	m.has = XAUTH_BIT(XAUTH_STATUS);
	m.status = XAUTH_STATUS_OK;
	UNIT_ASSERT_EQ_INT(xauth_client_recv(&c, &m, "alice", (const uint8_t *)"pw", 2, &o),
			   XAUTH_EV_DONE);
	xauth_out_free(&o);
	memset(&o, 0xa5, sizeof(o));		/* what a stack may hold */
	UNIT_ASSERT_EQ_INT(xauth_client_recv(&c, &m, "alice", (const uint8_t *)"pw", 2, &o),
			   XAUTH_EV_INVALID);
	UNIT_ASSERT_EQ_INT(o.cfg_type, 0);
	xauth_out_free(&o);
}

UNIT_TEST(request_and_final_set_on_the_wire)
{
	struct xauth_server s;
	struct xauth_out o;
	struct xauth_msg m = { 0 };

	server_asking(&s, 2, 7, &o);
	UNIT_ASSERT_EQ_INT(o.cfg_type, ISAKMP_CFG_REQUEST);
	static const uint8_t req[] = {
		0xc0, 0x88, 0x00, 0x00,		/* TYPE = generic (TV) */
		0x40, 0x89, 0x00, 0x00,		/* USER_NAME, empty */
		0x40, 0x8a, 0x00, 0x00,		/* USER_PASSWORD, empty */
	};
	UNIT_ASSERT_EQ_INT(o.attrs.len, sizeof(req));
	UNIT_ASSERT_MEM_EQ(o.attrs.data, req, sizeof(req));
	m.cfg_type = ISAKMP_CFG_REPLY;
	m.ident = o.ident;
	m.has = XAUTH_BIT(XAUTH_USER_NAME) | XAUTH_BIT(XAUTH_USER_PASSWORD);
	m.valued = m.has;
	strcpy(m.user, "bob");
	xauth_out_free(&o);
	UNIT_ASSERT_EQ_INT(xauth_server_recv(&s, &m, &o), XAUTH_EV_VERIFY);
	/* a retransmitted REPLY during verification is ignored */
	UNIT_ASSERT_EQ_INT(xauth_server_recv(&s, &m, &o), XAUTH_EV_NONE);
	UNIT_ASSERT_EQ_INT(xauth_server_verdict(&s, true, NULL, &o), 0);
	UNIT_ASSERT_EQ_INT(o.cfg_type, ISAKMP_CFG_SET);
	/* STATUS and nothing else: vpnc refuses more */
	static const uint8_t set[] = { 0xc0, 0x8f, 0x00, 0x01 };
	UNIT_ASSERT_EQ_INT(o.attrs.len, sizeof(set));
	UNIT_ASSERT_MEM_EQ(o.attrs.data, set, sizeof(set));
	/* a REPLY where an ACK belongs does not finish it */
	m.cfg_type = ISAKMP_CFG_REPLY;
	UNIT_ASSERT_EQ_INT(xauth_server_recv(&s, &m, &o), XAUTH_EV_INVALID);
	/* strongSwan answers with identifier 0: accepted (the message id
	 * of the exchange is what ties answer to question) */
	m.cfg_type = ISAKMP_CFG_ACK;
	m.ident = 0;
	xauth_out_free(&o);
	UNIT_ASSERT_EQ_INT(xauth_server_recv(&s, &m, &o), XAUTH_EV_DONE);
	UNIT_ASSERT(s.ok);
	UNIT_ASSERT_EQ_STR(s.user, "bob");
}

/* A gateway asking for a token's passcode, a next PIN or the answer to a
 * challenge (draft-beaulieu-ike-xauth-02): the decoded REQUEST says what
 * it asks for and keeps the challenge text; the typed value goes back in
 * that attribute, never as USER_PASSWORD, with the user name only when
 * asked for. */
UNIT_TEST(challenge_types_are_answered_in_their_attribute)
{
	static const uint8_t passcode_req[] = {
		0xc0, 0x88, 0x00, 0x00,			/* TYPE generic */
		0x40, 0x89, 0x00, 0x00,			/* USER_NAME */
		0x40, 0x8b, 0x00, 0x00,			/* PASSCODE */
		0x40, 0x8c, 0x00, 0x05, 'T', 'o', 'k', 'e', 'n',	/* MESSAGE */
	};
	static const uint8_t pin_req[] = {
		0x40, 0x8c, 0x00, 0x07, 'N', 'e', 'w', ' ', 'P', 'I', 'N',
		0x40, 0x90, 0x00, 0x00,			/* NEXT_PIN */
	};
	static const uint8_t challenge_req[] = {
		0x40, 0x8d, 0x00, 0x04, '4', '2', '1', '7',	/* CHALLENGE */
		0x40, 0x91, 0x00, 0x00,			/* ANSWER */
	};
	static const uint8_t passcode_reply[] = {
		0xc0, 0x88, 0x00, 0x00,
		0x40, 0x89, 0x00, 0x05, 'a', 'l', 'i', 'c', 'e',
		0x40, 0x8b, 0x00, 0x06, '1', '2', '3', '4', '5', '6',
	};
	static const uint8_t pin_reply[] = { 0x40, 0x90, 0x00, 0x04, '9', '9', '0', '1' };
	static const uint8_t answer_reply[] = { 0x40, 0x91, 0x00, 0x03, 'r', 'e', 's' };
	const struct {
		const uint8_t *req, *reply;
		const char *pw;
		size_t req_len, reply_len;
		enum xauth_ask ask;
	} cases[] = {
		{ passcode_req, passcode_reply, "123456", sizeof(passcode_req),
		  sizeof(passcode_reply), XAUTH_ASK_PASSCODE },
		{ pin_req, pin_reply, "9901", sizeof(pin_req), sizeof(pin_reply),
		  XAUTH_ASK_NEXT_PIN },
		{ challenge_req, answer_reply, "res", sizeof(challenge_req),
		  sizeof(answer_reply), XAUTH_ASK_ANSWER },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct isakmp_perr err;
		struct xauth_client c;
		struct xauth_msg m;
		struct xauth_out o;

		UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REQUEST, 3, cases[i].req, cases[i].req_len,
						&m, &err), 0);
		UNIT_ASSERT_EQ_INT(xauth_request_asks(&m), cases[i].ask);
		if (i == 0)
			UNIT_ASSERT_EQ_STR(m.message, "Token");
		if (i == 2)
			UNIT_ASSERT_EQ_STR(m.challenge, "4217");
		xauth_client_init(&c, 4);
		UNIT_ASSERT_EQ_INT(xauth_client_recv(&c, &m, "alice", (const uint8_t *)cases[i].pw,
						     strlen(cases[i].pw), &o),
				   XAUTH_EV_SEND);
		UNIT_ASSERT_EQ_INT(o.cfg_type, ISAKMP_CFG_REPLY);
		UNIT_ASSERT_EQ_INT(o.attrs.len, cases[i].reply_len);
		UNIT_ASSERT_MEM_EQ(o.attrs.data, cases[i].reply, cases[i].reply_len);
		xauth_out_free(&o);
	}
	UNIT_ASSERT_EQ_STR(xauth_ask_name(XAUTH_ASK_NEXT_PIN), "next-pin");
}

/* A REPLY of user to the server's outstanding REQUEST. */
static enum xauth_srv_ev reply_as(struct xauth_server *s, const char *user,
				  const uint8_t *attrs, size_t len, struct xauth_out *o)
{
	struct isakmp_perr err;
	struct xauth_msg m;
	enum xauth_srv_ev ev;

	UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REPLY, s->ident, attrs, len, &m, &err), 0);
	if (user) {
		snprintf(m.user, sizeof(m.user), "%s", user);
		m.has |= XAUTH_BIT(XAUTH_USER_NAME);
		m.valued |= XAUTH_BIT(XAUTH_USER_NAME);
	}
	ev = xauth_server_recv(s, &m, o);
	xauth_msg_wipe(&m);
	return ev;
}

/* The back end's challenge: REQUEST {TYPE generic, MESSAGE, ANSWER} (no
 * XAUTH_CHALLENGE: vpnc refuses it; no USER_NAME); the answer (in
 * ANSWER) is decoded like a password for the try's user and is no new
 * try; another user name in it is a refused try; a try has at most
 * XAUTH_CHALLENGE_ROUNDS challenges. */
UNIT_TEST(challenge_relayed_within_the_try)
{
	static const uint8_t pw[] = { 0x40, 0x8a, 0x00, 0x02, 'p', 'w' };
	static const uint8_t answer[] = { 0xc0, 0x88, 0x00, 0x00,
					  0x40, 0x91, 0x00, 0x04, '1', '2', '3', '4' };
	static const uint8_t chal_req[] = {
		0xc0, 0x88, 0x00, 0x00,			/* TYPE generic */
		0x40, 0x8c, 0x00, 0x08, 'N', 'e', 'x', 't', ' ', 'P', 'I', 'N',
		0x40, 0x91, 0x00, 0x00,			/* ANSWER */
	};
	struct xauth_server s;
	struct xauth_out o;
	struct isakmp_perr err;
	struct xauth_msg m;

	server_asking(&s, 2, 0x100, &o);
	xauth_out_free(&o);
	/* not while waiting for a reply */
	UNIT_ASSERT_EQ_INT(xauth_server_challenge(&s, "x", &o), -1);
	UNIT_ASSERT_EQ_INT(reply_as(&s, "carol", pw, sizeof(pw), &o), XAUTH_EV_VERIFY);
	UNIT_ASSERT_EQ_INT(xauth_server_challenge(&s, "Next PIN", &o), 0);
	UNIT_ASSERT_EQ_INT(o.cfg_type, ISAKMP_CFG_REQUEST);
	UNIT_ASSERT_EQ_INT(o.attrs.len, sizeof(chal_req));
	UNIT_ASSERT_MEM_EQ(o.attrs.data, chal_req, sizeof(chal_req));
	UNIT_ASSERT_EQ_INT(xauth_decode(o.cfg_type, o.ident, o.attrs.data, o.attrs.len, &m, &err), 0);
	UNIT_ASSERT_EQ_INT(xauth_request_asks(&m), XAUTH_ASK_ANSWER);
	xauth_out_free(&o);
	UNIT_ASSERT(s.challenged);
	/* no user name: the try's user answers; the value is the password */
	UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REPLY, s.ident, answer, sizeof(answer), &m, &err), 0);
	UNIT_ASSERT_EQ_INT(m.pass_len, 4);
	UNIT_ASSERT_MEM_EQ(m.password, "1234", 4);
	UNIT_ASSERT_EQ_INT(xauth_server_recv(&s, &m, &o), XAUTH_EV_VERIFY);
	xauth_msg_wipe(&m);
	UNIT_ASSERT_EQ_STR(s.user, "carol");
	UNIT_ASSERT_EQ_INT(s.attempts, 0);
	/* the challenge limit of one try */
	for (unsigned i = 1; i < XAUTH_CHALLENGE_ROUNDS; i++) {
		UNIT_ASSERT_EQ_INT(xauth_server_challenge(&s, "", &o), 0);
		xauth_out_free(&o);
		UNIT_ASSERT_EQ_INT(reply_as(&s, "carol", answer, sizeof(answer), &o),
				   XAUTH_EV_VERIFY);
	}
	UNIT_ASSERT_EQ_INT(xauth_server_challenge(&s, "", &o), -1);
	UNIT_ASSERT_EQ_INT(s.state, XAUTH_S_VERIFYING);
	/* refused: the next try asks for the password again */
	UNIT_ASSERT_EQ_INT(xauth_server_verdict(&s, false, "too many", &o), 0);
	UNIT_ASSERT_EQ_INT(s.attempts, 1);
	UNIT_ASSERT(!s.challenged);
	xauth_out_free(&o);
	UNIT_ASSERT_EQ_INT(reply_as(&s, "carol", pw, sizeof(pw), &o), XAUTH_EV_VERIFY);
	UNIT_ASSERT_EQ_INT(xauth_server_challenge(&s, "PIN", &o), 0);
	xauth_out_free(&o);
	/* mallory cannot answer carol's challenge: the last try is refused */
	UNIT_ASSERT_EQ_INT(reply_as(&s, "mallory", answer, sizeof(answer), &o), XAUTH_EV_SEND);
	UNIT_ASSERT_EQ_INT(o.cfg_type, ISAKMP_CFG_SET);
	UNIT_ASSERT(strstr(s.reason, "another user name"));
	UNIT_ASSERT_EQ_STR(s.user, "carol");
	UNIT_ASSERT_EQ_INT(s.attempts, 2);
	xauth_out_free(&o);
}

UNIT_TEST(reply_without_password_counts_as_attempt)
{
	struct xauth_server s;
	struct xauth_out o;
	struct xauth_msg m = { 0 };

	server_asking(&s, 1, 0, &o);
	m.cfg_type = ISAKMP_CFG_REPLY;
	m.ident = o.ident;
	xauth_out_free(&o);
	m.has = m.valued = XAUTH_BIT(XAUTH_USER_NAME);
	strcpy(m.user, "eve");
	UNIT_ASSERT_EQ_INT(xauth_server_recv(&s, &m, &o), XAUTH_EV_SEND);
	UNIT_ASSERT_EQ_INT(o.cfg_type, ISAKMP_CFG_SET);
	UNIT_ASSERT_EQ_INT(s.state, XAUTH_S_WAIT_ACK);
	UNIT_ASSERT(!s.ok);
	xauth_out_free(&o);
}

UNIT_TEST(decode_rejects_bad_attributes)
{
	struct isakmp_buf b;
	struct xauth_msg m;
	struct isakmp_perr err;
	char longname[XAUTH_USER_MAX + 2];

	memset(longname, 'a', sizeof(longname));
	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, XAUTH_USER_NAME, longname, sizeof(longname));
	UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REPLY, 1, b.data, b.len, &m, &err), -1);
	isakmp_buf_free(&b);

	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, XAUTH_USER_NAME, "a\0b", 3);
	UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REPLY, 1, b.data, b.len, &m, &err), -1);
	isakmp_buf_free(&b);

	isakmp_buf_init(&b);
	isakmp_put_attr_tv(&b, XAUTH_USER_PASSWORD, 5);
	UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REPLY, 1, b.data, b.len, &m, &err), -1);
	isakmp_buf_free(&b);

	isakmp_buf_init(&b);
	isakmp_put_attr_tlv(&b, XAUTH_USER_NAME, "joe", 3);
	isakmp_put_attr_tlv(&b, XAUTH_USER_PASSWORD, "p\0w", 3);	/* binary is fine */
	isakmp_put_attr_tlv(&b, 1, "", 0);				/* a mode-cfg one */
	UNIT_ASSERT_EQ_INT(xauth_decode(ISAKMP_CFG_REPLY, 1, b.data, b.len, &m, &err), 0);
	UNIT_ASSERT_EQ_INT(m.pass_len, 3);
	UNIT_ASSERT_EQ_INT(m.n_other, 1);
	UNIT_ASSERT(xauth_attrs_present(b.data, b.len));
	xauth_msg_wipe(&m);
	UNIT_ASSERT_EQ_INT(m.pass_len, 0);
	UNIT_ASSERT_EQ_INT(m.password[0], 0);
	isakmp_buf_free(&b);
}

static struct sockaddr_in sin4(const char *a)
{
	struct sockaddr_in s = { .sin_family = AF_INET };

	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

UNIT_TEST(per_source_failure_limit)
{
	static struct xauth_ratelimit rl;
	struct sockaddr_in a = sin4("198.51.100.7"), b = sin4("198.51.100.8");

	xauth_rl_init(&rl, 3, 60);
	for (int i = 0; i < 3; i++) {
		UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 1000));
		xauth_rl_failed(&rl, (struct sockaddr *)&a, NULL, 1000 + i);
	}
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 1010));
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&b, NULL, 1010));
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 1002 + 60));
	/* failures spread wider than the window are forgiven */
	xauth_rl_init(&rl, 3, 60);
	for (int i = 0; i < 6; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&b, NULL, 1000 + (uint64_t)i * 61);
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&b, NULL, 1000 + 5 * 61));
	/* a success (anyone's) does not clear a source's record */
	for (int i = 0; i < 3; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&a, NULL, 2000);
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 2001));
	xauth_rl_succeeded(&rl, "alice");
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 2001));
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 2060));
	/* off */
	xauth_rl_init(&rl, 0, 60);
	for (int i = 0; i < 10; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&a, "alice", 2000);
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&a, "alice", 2000));
}

/* Guesses at one user from many addresses lock that user (and only that
 * user) out; another user's success never clears it, the user's own
 * does; each further lockout doubles, up to the cap (issue 10, item 9). */
UNIT_TEST(per_user_lockout_with_back_off)
{
	static struct xauth_ratelimit rl;
	struct sockaddr_in src[8];
	char ip[32];
	uint64_t t = 5000;

	for (int i = 0; i < 8; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", 20 + i);
		src[i] = sin4(ip);
	}
	xauth_rl_init(&rl, 3, 60);
	for (int i = 0; i < 3; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&src[i], "alice", t);
	/* every source is fine (one failure each), alice is not */
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&src[7], NULL, t));
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&src[7], "alice", t));
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&src[7], "ALICE", t));
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&src[7], "bob", t));
	UNIT_ASSERT_EQ_INT(xauth_rl_wait(&rl, (struct sockaddr *)&src[7], "alice", t), 60);
	/* bob's success from alice's address changes nothing for alice */
	xauth_rl_succeeded(&rl, "bob");
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&src[0], "alice", t + 30));
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&src[0], "alice", t + 60));
	/* back-off: 60, 120, 240 ... */
	t += 60;
	for (int i = 0; i < 3; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&src[3 + i], "alice", t);
	UNIT_ASSERT_EQ_INT(xauth_rl_wait(&rl, (struct sockaddr *)&src[7], "alice", t), 120);
	t += 120;
	for (int i = 0; i < 3; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&src[i], "alice", t);
	UNIT_ASSERT_EQ_INT(xauth_rl_wait(&rl, (struct sockaddr *)&src[7], "alice", t), 240);
	/* capped at 64 x window */
	for (int k = 0; k < 10; k++) {
		t += xauth_rl_wait(&rl, (struct sockaddr *)&src[7], "alice", t);
		for (int i = 0; i < 3; i++)
			xauth_rl_failed(&rl, (struct sockaddr *)&src[4], "alice", t);
	}
	UNIT_ASSERT_EQ_INT(xauth_rl_wait(&rl, (struct sockaddr *)&src[7], "alice", t), 64 * 60);
	/* her own success clears her record and the back-off */
	t += 64 * 60;
	xauth_rl_succeeded(&rl, "alice");
	for (int i = 0; i < 3; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&src[5], "alice", t);
	UNIT_ASSERT_EQ_INT(xauth_rl_wait(&rl, (struct sockaddr *)&src[7], "alice", t), 60);
}

/* The tables are bounded: a flood of names leaves them full, not larger,
 * and a locked user stays locked while unlocked entries can be reused. */
UNIT_TEST(lockout_tables_are_bounded)
{
	static struct xauth_ratelimit rl;
	struct sockaddr_in a = sin4("198.51.100.9"), b = sin4("198.51.100.10");
	char name[32];

	xauth_rl_init(&rl, 3, 60);
	for (int i = 0; i < 3; i++)
		xauth_rl_failed(&rl, (struct sockaddr *)&a, "victim", 100);
	for (int i = 0; i < 3 * XAUTH_RL_SLOTS; i++) {
		snprintf(name, sizeof(name), "spray%d", i);
		xauth_rl_failed(&rl, (struct sockaddr *)&a, name, 101);
	}
	/* (the spraying source itself is locked out long since) */
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&a, NULL, 102));
	UNIT_ASSERT(!xauth_rl_allowed(&rl, (struct sockaddr *)&b, "victim", 102));
	UNIT_ASSERT(xauth_rl_allowed(&rl, (struct sockaddr *)&b, "victim", 160));
}

UNIT_MAIN()
