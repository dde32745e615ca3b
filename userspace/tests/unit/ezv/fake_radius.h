/* SPDX-License-Identifier: MIT */
/*
 * A RADIUS server on 127.0.0.1 for unit tests, in a thread of its own:
 * it reads each Access-Request (User-Password decrypted, State), and
 * answers as its mode says, signed (Response Authenticator and
 * Message-Authenticator) with FRAD_SECRET; each Accounting-Request is
 * recorded (status type, session id) and answered.  Also the MD5 and
 * HMAC-MD5 helpers of the RADIUS tests.
 */
#ifndef EVS_TEST_FAKE_RADIUS_H
#define EVS_TEST_FAKE_RADIUS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define FRAD_SECRET "unit-radius-secret"

static inline void frad_md5(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
			    uint8_t out[16])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_md5(), NULL);
	EVP_DigestUpdate(c, a, an);
	EVP_DigestUpdate(c, b, bn);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_CTX_free(c);
}

static inline void frad_hmac(const uint8_t *b, size_t n, uint8_t out[16])
{
	unsigned len = 16;

	HMAC(EVP_md5(), FRAD_SECRET, (int)strlen(FRAD_SECRET), b, n, out, &len);
}

enum frad_mode {
	FRAD_CHALLENGE_ONCE,	/* password "pin1234": challenge; State + "123456": accept */
	FRAD_CHALLENGE_ALWAYS,	/* every request is challenged */
};

/* One Accounting-Request as received (a retransmission is another). */
struct frad_acct {
	uint8_t id;
	uint32_t status;	/* Acct-Status-Type: 1 Start, 2 Stop, 3 Interim */
	uint32_t cause;		/* Acct-Terminate-Cause, 0 = none */
	char session[64];	/* Acct-Session-Id */
};
#define FRAD_ACCT_MAX 64

struct frad {
	int fd;
	uint16_t port;
	enum frad_mode mode;
	size_t state_len;	/* of the State it sends (filled with 'S') */
	unsigned n_states;	/* State attributes in a challenge (normally 1) */
	volatile bool stop;
	pthread_t thread;
	/* what it saw */
	unsigned requests, challenges;
	char user[64];
	char pass[130];
	uint8_t state[256];
	size_t state_seen;	/* the State of the last request, 0 = none */
	struct frad_acct acct[FRAD_ACCT_MAX];
	unsigned n_acct;	/* written last (__atomic) */
};

static inline void frad_attr(uint8_t *b, size_t *len, uint8_t type, const void *v, size_t n)
{
	b[*len] = type;
	b[*len + 1] = (uint8_t)(2 + n);
	memcpy(b + *len + 2, v, n);
	*len += 2 + n;
}

/* The request's User-Name, User-Password (RFC 2865 5.2) and State. */
static inline void frad_read(struct frad *f, const uint8_t *req, size_t len)
{
	f->user[0] = f->pass[0] = '\0';
	f->state_seen = 0;
	for (size_t at = 20; at + 2 <= len && req[at + 1] >= 2; at += req[at + 1]) {
		const uint8_t *v = req + at + 2;
		size_t n = req[at + 1] - 2u;

		if (req[at] == 1 && n < sizeof(f->user)) {
			memcpy(f->user, v, n);
			f->user[n] = '\0';
		} else if (req[at] == 2 && n % 16 == 0 && n < sizeof(f->pass)) {
			const uint8_t *prev = req + 4;
			uint8_t md[16];

			for (size_t i = 0; i < n; i += 16) {
				frad_md5((const uint8_t *)FRAD_SECRET, strlen(FRAD_SECRET), prev, 16, md);
				for (size_t j = 0; j < 16; j++)
					f->pass[i + j] = (char)(v[i + j] ^ md[j]);
				prev = v + i;
			}
			f->pass[n] = '\0';
		} else if (req[at] == 24) {
			memcpy(f->state, v, n);
			f->state_seen = n;
		}
	}
}

static inline bool frad_state_ok(const struct frad *f)
{
	if (!f->state_seen || f->state_seen != f->state_len)
		return false;
	for (size_t i = 0; i < f->state_seen; i++)
		if (f->state[i] != 'S')
			return false;
	return true;
}

static inline uint8_t frad_decide(struct frad *f)
{
	if (f->mode == FRAD_CHALLENGE_ALWAYS)
		return 11;
	if (!f->state_seen)
		return strcmp(f->pass, "pin1234") ? 3 : 11;
	return frad_state_ok(f) && !strcmp(f->pass, "123456") ? 2 : 3;
}

/* The signed answer to req in ans; its length. */
static inline size_t frad_answer(struct frad *f, const uint8_t *req, uint8_t *ans)
{
	static const char class_val[] = "group=sales", msg[] = "Enter next PIN";
	uint8_t state[253], md[16];
	size_t len = 20, ma_at;

	ans[0] = frad_decide(f);
	ans[1] = req[1];
	memcpy(ans + 4, req + 4, 16);
	memset(state, 'S', sizeof(state));
	ma_at = len + 2;
	frad_attr(ans, &len, 80, state, 16);	/* Message-Authenticator, zeroed below */
	memset(ans + ma_at, 0, 16);
	if (ans[0] == 11) {
		f->challenges++;
		for (unsigned i = 0; i < f->n_states; i++)
			frad_attr(ans, &len, 24, state, f->state_len);
		frad_attr(ans, &len, 18, msg, strlen(msg));
	} else if (ans[0] == 2) {
		frad_attr(ans, &len, 25, class_val, strlen(class_val));
	}
	ans[2] = (uint8_t)(len >> 8);
	ans[3] = (uint8_t)len;
	frad_hmac(ans, len, ans + ma_at);
	frad_md5(ans, len, (const uint8_t *)FRAD_SECRET, strlen(FRAD_SECRET), md);
	memcpy(ans + 4, md, 16);
	return len;
}

static inline uint32_t frad_u32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* Record an Accounting-Request; its Accounting-Response in ans (length). */
static inline size_t frad_acct(struct frad *f, const uint8_t *req, size_t len, uint8_t *ans)
{
	unsigned n = __atomic_load_n(&f->n_acct, __ATOMIC_ACQUIRE);
	struct frad_acct a = { .id = req[1] };
	uint8_t md[16];

	for (size_t at = 20; at + 2 <= len && req[at + 1] >= 2; at += req[at + 1]) {
		const uint8_t *v = req + at + 2;
		size_t vn = req[at + 1] - 2u;

		if (req[at] == 40 && vn == 4)
			a.status = frad_u32(v);
		else if (req[at] == 49 && vn == 4)
			a.cause = frad_u32(v);
		else if (req[at] == 44 && vn < sizeof(a.session))
			memcpy(a.session, v, vn);
	}
	if (n < FRAD_ACCT_MAX) {
		f->acct[n] = a;
		__atomic_store_n(&f->n_acct, n + 1, __ATOMIC_RELEASE);
	}
	ans[0] = 5;
	ans[1] = req[1];
	ans[2] = 0;
	ans[3] = 20;
	memcpy(ans + 4, req + 4, 16);
	frad_md5(ans, 20, (const uint8_t *)FRAD_SECRET, strlen(FRAD_SECRET), md);
	memcpy(ans + 4, md, 16);
	return 20;
}

/* Accounting records of status type (0: any) so far, distinct by RADIUS
 * id (a retransmission counts once), and of session id when not NULL. */
static inline unsigned frad_acct_count(const struct frad *f, uint32_t status,
				       const char *session)
{
	unsigned n = __atomic_load_n(&f->n_acct, __ATOMIC_ACQUIRE), count = 0;

	for (unsigned i = 0; i < n; i++) {
		bool dup = false;

		for (unsigned j = 0; j < i && !dup; j++)
			dup = f->acct[j].id == f->acct[i].id &&
			      f->acct[j].status == f->acct[i].status &&
			      !strcmp(f->acct[j].session, f->acct[i].session);
		if (!dup && (!status || f->acct[i].status == status) &&
		    (!session || !strcmp(f->acct[i].session, session)))
			count++;
	}
	return count;
}

static inline void *frad_serve(void *arg)
{
	struct frad *f = arg;

	while (!f->stop) {
		struct pollfd p = { .fd = f->fd, .events = POLLIN };
		uint8_t req[4096], ans[4096];
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recvfrom(f->fd, req, sizeof(req), 0, (struct sockaddr *)&from, &flen);
		if (n >= 20 && req[0] == 4) {
			sendto(f->fd, ans, frad_acct(f, req, (size_t)n, ans), 0,
			       (struct sockaddr *)&from, flen);
			continue;
		}
		if (n < 20 || req[0] != 1)
			continue;
		f->requests++;
		frad_read(f, req, (size_t)n);
		sendto(f->fd, ans, frad_answer(f, req, ans), 0, (struct sockaddr *)&from, flen);
	}
	return NULL;
}

/* Bind to a free port of 127.0.0.1 and serve in a thread. */
static inline int frad_start(struct frad *f, enum frad_mode mode, size_t state_len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->state_len = state_len;
	f->n_states = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (f->fd < 0 || bind(f->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(f->fd, (struct sockaddr *)&a, &alen))
		return -1;
	f->port = ntohs(a.sin_port);
	return pthread_create(&f->thread, NULL, frad_serve, f) ? -1 : 0;
}

static inline void frad_stop(struct frad *f)
{
	f->stop = true;
	pthread_join(f->thread, NULL);
	close(f->fd);
}

#endif
