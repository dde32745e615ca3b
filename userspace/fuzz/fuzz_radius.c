// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what a RADIUS server sends back: the AAA worker
 * (aaa.c) asks a server on 127.0.0.1 run by this program, which answers
 * every request with the fuzzer's packet under the right Response
 * Authenticator and Message-Authenticator, so the input reaches
 * radius_auth.c's answer checks and attribute reading (Framed-IP-Address,
 * Class, Filter-Id, Session-Timeout, Reply-Message) and aaa.c's verdict;
 * accounting answers reach radcli the same way.
 *
 * First byte: bit 0 = accounting request instead of a login, bit 1 = no
 * Message-Authenticator (the login then runs with
 * require-message-authenticator no, so it is read rather than waited
 * out), bit 2 = spoil the Response Authenticator,
 * bit 3 = radius-then-local instead of radius, bit 4 = a wrong
 * identifier.  Second byte: the reply's
 * code.  The rest: the reply's attributes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ezv/aaa.h"
#include "lib/daemon_log.h"
#include "ezv/radius.h"
#include "lib/secret.h"

#define SECRET "fuzzsecret"

static int srv_fd = -1;
static struct easyvpn_config cfg;
static struct aaa *aaa;
static struct radius_client *acct_rc;

/* The answer to the next request, set before each request is made. */
static struct {
	uint8_t code, flags;
	uint8_t attrs[4096];
	size_t len;
} ans;

/* The Response Authenticator over rep, which holds the Request
 * Authenticator; with_ma: a Message-Authenticator in its last 18 bytes
 * first. */
static void sign(uint8_t *rep, size_t len, bool with_ma)
{
	unsigned int mlen;
	EVP_MD_CTX *md;

	if (with_ma) {
		rep[len - 18] = 80;
		rep[len - 17] = 18;
		memset(rep + len - 16, 0, 16);
		HMAC(EVP_md5(), SECRET, strlen(SECRET), rep, len, rep + len - 16, &mlen);
	}
	md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(md, EVP_md5(), NULL);
	EVP_DigestUpdate(md, rep, len);
	EVP_DigestUpdate(md, SECRET, strlen(SECRET));
	EVP_DigestFinal_ex(md, rep + 4, &mlen);
	EVP_MD_CTX_free(md);
}

static void send_reject(const uint8_t *req, const struct sockaddr_storage *to,
			socklen_t tl)
{
	uint8_t rej[38] = { 3, req[1], 0, sizeof(rej) };

	memcpy(rej + 4, req + 4, 16);
	sign(rej, sizeof(rej), true);
	sendto(srv_fd, rej, sizeof(rej), 0, (const struct sockaddr *)to, tl);
}

static void *server(void *arg)
{
	uint8_t req[4096], rep[4096 + 64];

	(void)arg;
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(srv_fd, req, sizeof(req), 0, (struct sockaddr *)&from, &fl);
		size_t len = 20 + ans.len;

		if (n < 20)
			continue;
		if (!(ans.flags & 2))
			len += 18;
		if (len > 4096)
			len = 4096;
		rep[0] = ans.code;
		rep[1] = (uint8_t)(req[1] + !!(ans.flags & 16));
		rep[2] = (uint8_t)(len >> 8);
		rep[3] = (uint8_t)len;
		memcpy(rep + 4, req + 4, 16);	/* Request Authenticator, for now */
		memcpy(rep + 20, ans.attrs, len - 20 - (ans.flags & 2 ? 0 : 18));
		sign(rep, len, !(ans.flags & 2));
		if (ans.flags & 4)
			rep[4] ^= 1;
		sendto(srv_fd, rep, len, 0, (struct sockaddr *)&from, fl);
		/* A login waits out its try for a valid answer (a forger must
		 * not end it); a signed reject behind the input ends it at
		 * once, ignored when the input was taken. */
		if (req[0] == 1)
			send_reject(req, &from, fl);
	}
	return NULL;
}

static void setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ezv_radius_server *s = &cfg.aaa.servers[0];
	socklen_t al = sizeof(a);
	pthread_t t;
	struct evs_err err;

	evsd_log_set_quiet(true);
	if (secret_init() < 0)
		abort();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (srv_fd < 0 || bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &al))
		abort();
	memcpy(&s->addr, &a, sizeof(a));
	s->auth_port = ntohs(a.sin_port);
	s->acct_port = ntohs(a.sin_port);
	s->key = secret_from(SECRET, strlen(SECRET));
	cfg.aaa.n_servers = 1;
	cfg.aaa.timeout = 1;
	cfg.aaa.retries = 0;
	snprintf(cfg.aaa.nas_identifier, sizeof(cfg.aaa.nas_identifier), "fuzz");
	if (pthread_create(&t, NULL, server, NULL))
		abort();
	aaa = aaa_new(&cfg, NULL, 0, &err);
	acct_rc = radius_new(&cfg.aaa, &err);
	if (!aaa || !acct_rc) {
		fprintf(stderr, "fuzz_radius: %s\n", err.msg);
		abort();
	}
}

static void login(uint8_t flags)
{
	struct aaa_request rq = { .id = 7 };
	struct aaa_result r;

	rq.method = flags & 8 ? EZV_AUTH_RADIUS_THEN_LOCAL : EZV_AUTH_RADIUS;
	snprintf(rq.user, sizeof(rq.user), "alice");
	memcpy(rq.pass, "secret", 6);
	rq.pass_len = 6;
	snprintf(rq.calling_station, sizeof(rq.calling_station), "198.51.100.2");
	if (aaa_submit_auth(aaa, &rq))
		abort();
	for (;;) {
		struct pollfd p = { .fd = aaa_fd(aaa), .events = POLLIN };

		if (aaa_take_result(aaa, &r) == 1)
			break;
		poll(&p, 1, 100);
	}
	if (r.ok && r.source == AAA_SRC_RADIUS && r.radius.reply_message[0] &&
	    !memchr(r.radius.reply_message, '\0', sizeof(r.radius.reply_message)))
		abort();	/* the reply message is a string */
}

static void account(void)
{
	struct radius_acct_info ai = { .type = RADIUS_ACCT_STOP, .port = 3 };

	snprintf(ai.user, sizeof(ai.user), "alice");
	snprintf(ai.session_id, sizeof(ai.session_id), "0001");
	ai.framed_ip = 0x0a4d0105;
	ai.in_octets = 1ull << 33;
	ai.class_len = 5;
	memcpy(ai.class_raw, "sales", 5);
	(void)radius_acct(acct_rc, &ai);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (srv_fd < 0)
		setup();
	if (size < 2 || size - 2 > sizeof(ans.attrs))
		return 0;
	ans.flags = data[0];
	ans.code = data[1];
	memcpy(ans.attrs, data + 2, size - 2);
	ans.len = size - 2;
	/* read by the worker only after the request is handed over */
	cfg.aaa.ma_optional = data[0] & 2;
	if (data[0] & 1)
		account();
	else
		login(data[0]);
	return 0;
}
