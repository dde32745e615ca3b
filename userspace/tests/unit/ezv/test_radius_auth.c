// SPDX-License-Identifier: MIT
/*
 * RADIUS logins against a server on 127.0.0.1 run by this test: every
 * Access-Request must carry a valid Message-Authenticator, and an answer
 * without one (what an attacker who forged the MD5 Response
 * Authenticator would send, Blast-RADIUS) or with a wrong one is dropped.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ezv/radius.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "tests/unit/ezv/fake_radius.h"
#include "tests/unit/unit.h"

#define SECRET FRAD_SECRET

enum answer_kind {
	ANSWER_SIGNED,		/* Response Authenticator and Message-Authenticator */
	ANSWER_NO_MA,		/* a right Response Authenticator, no M-A */
	ANSWER_BAD_MA,		/* a Message-Authenticator that does not verify */
};

struct fake_server {
	int fd;
	uint16_t port;
	enum answer_kind kind;
	uint8_t code;
	bool strict;		/* refuse requests without a valid M-A */
	/* what the server saw in the request */
	bool request_had_ma, request_ma_first, request_ma_valid;
	unsigned requests;
};

/* Look at the request's Message-Authenticator as a strict server would. */
static void inspect(struct fake_server *s, uint8_t *req, size_t len)
{
	uint8_t mac[16], saved[16];

	s->request_had_ma = s->request_ma_first = s->request_ma_valid = false;
	for (size_t at = 20; at + 2 <= len && req[at + 1] >= 2; at += req[at + 1]) {
		if (req[at] != 80 || req[at + 1] != 18)
			continue;
		s->request_had_ma = true;
		s->request_ma_first = at == 20;
		memcpy(saved, req + at + 2, 16);
		memset(req + at + 2, 0, 16);
		frad_hmac(req, len, mac);
		s->request_ma_valid = !memcmp(mac, saved, 16);
		memcpy(req + at + 2, saved, 16);
	}
}

static size_t answer(const struct fake_server *s, const uint8_t *req,
		     uint8_t *ans)
{
	static const uint8_t class_attr[] = { 25, 13, 'g', 'r', 'o', 'u', 'p', '=', 's', 'a', 'l', 'e', 's' };
	uint8_t md[16];
	size_t len = 20, ma_at = 0;

	ans[0] = s->code;
	ans[1] = req[1];
	memcpy(ans + 4, req + 4, 16);	/* the Request Authenticator, for now */
	if (s->kind != ANSWER_NO_MA) {
		ans[len] = 80;
		ans[len + 1] = 18;
		memset(ans + len + 2, 0, 16);
		ma_at = len + 2;
		len += 18;
	}
	memcpy(ans + len, class_attr, sizeof(class_attr));
	len += sizeof(class_attr);
	ans[2] = (uint8_t)(len >> 8);
	ans[3] = (uint8_t)len;
	if (ma_at) {
		frad_hmac(ans, len, ans + ma_at);
		if (s->kind == ANSWER_BAD_MA)
			ans[ma_at] ^= 1;
	}
	frad_md5(ans, len, (const uint8_t *)SECRET, strlen(SECRET), md);
	memcpy(ans + 4, md, 16);
	return len;
}

static void *serve(void *arg)
{
	struct fake_server *s = arg;
	uint8_t req[4096], ans[4096];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(s->fd, req, sizeof(req), 0, (struct sockaddr *)&from, &flen);

	if (n < 20)
		return NULL;
	s->requests++;
	inspect(s, req, (size_t)n);
	/* Like FreeRADIUS with require_message_authenticator = yes; a forger
	 * answers whatever was asked. */
	if (s->strict && !s->request_ma_valid)
		return NULL;
	sendto(s->fd, ans, answer(s, req, ans), 0, (struct sockaddr *)&from, flen);
	return NULL;
}

static void server_open(struct fake_server *s, enum answer_kind kind, uint8_t code)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->code = code;
	s->strict = kind == ANSWER_SIGNED;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	UNIT_ASSERT(s->fd >= 0);
	UNIT_ASSERT_EQ_INT(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	UNIT_ASSERT_EQ_INT(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
}

static enum radius_result login_opt(struct fake_server *s, bool ma_optional,
				    struct radius_auth_reply *out)
{
	struct ezv_aaa aaa;
	struct sockaddr_in *sin = (struct sockaddr_in *)&aaa.servers[0].addr;
	struct radius_client *rc;
	enum radius_result r;
	pthread_t t;
	struct evs_err err;

	memset(&aaa, 0, sizeof(aaa));
	aaa.auth = EZV_AUTH_RADIUS;
	aaa.n_servers = 1;
	aaa.timeout = 1;
	aaa.retries = 0;
	strcpy(aaa.nas_identifier, "evsd");
	aaa.ma_optional = ma_optional;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(s->port);
	aaa.servers[0].auth_port = s->port;
	aaa.servers[0].acct_port = s->port;
	aaa.servers[0].key = secret_from(SECRET, strlen(SECRET));
	rc = radius_new(&aaa, &err);
	UNIT_ASSERT(rc);
	UNIT_ASSERT_EQ_INT(pthread_create(&t, NULL, serve, s), 0);
	r = radius_pap(rc, "alice", (const uint8_t *)"alicepw", 7, "198.51.100.7", 42, NULL, out);
	pthread_join(t, NULL);
	radius_free(rc);
	secret_free(aaa.servers[0].key);
	close(s->fd);
	return r;
}

static enum radius_result login(struct fake_server *s, struct radius_auth_reply *out)
{
	return login_opt(s, false, out);
}

UNIT_TEST(request_carries_a_valid_message_authenticator_first)
{
	struct fake_server s;
	struct radius_auth_reply out;

	evsd_log_set_quiet(true);
	UNIT_ASSERT_EQ_INT(secret_init(), 0);
	server_open(&s, ANSWER_SIGNED, 2);
	UNIT_ASSERT_EQ_INT(login(&s, &out), RADIUS_ACCEPT);
	UNIT_ASSERT_EQ_INT(s.requests, 1);
	UNIT_ASSERT(s.request_had_ma);
	UNIT_ASSERT(s.request_ma_first);
	UNIT_ASSERT(s.request_ma_valid);
	UNIT_ASSERT_EQ_STR(out.group, "sales");
}

UNIT_TEST(signed_reject_is_a_reject)
{
	struct fake_server s;
	struct radius_auth_reply out;

	server_open(&s, ANSWER_SIGNED, 3);
	UNIT_ASSERT_EQ_INT(login(&s, &out), RADIUS_REJECT);
	UNIT_ASSERT_EQ_STR(out.group, "");
}

UNIT_TEST(accept_unsigned_or_badly_signed_is_dropped)
{
	static const enum answer_kind forged[] = { ANSWER_NO_MA, ANSWER_BAD_MA };
	struct fake_server s;
	struct radius_auth_reply out;

	for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		server_open(&s, forged[i], 2);
		UNIT_ASSERT_EQ_INT(login(&s, &out), RADIUS_TIMEOUT);
		UNIT_ASSERT_EQ_STR(out.group, "");
	}
}

UNIT_TEST(unsigned_answers_only_when_configured)
{
	struct fake_server s;
	struct radius_auth_reply out;

	/* require-message-authenticator no: an unsigned answer is taken, a
	 * wrongly signed one still is not */
	server_open(&s, ANSWER_NO_MA, 2);
	UNIT_ASSERT_EQ_INT(login_opt(&s, true, &out), RADIUS_ACCEPT);
	UNIT_ASSERT_EQ_STR(out.group, "sales");
	server_open(&s, ANSWER_BAD_MA, 2);
	UNIT_ASSERT_EQ_INT(login_opt(&s, true, &out), RADIUS_TIMEOUT);
}

UNIT_MAIN()
