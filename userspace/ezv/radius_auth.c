// SPDX-License-Identifier: MIT
/*
 * RADIUS PAP logins: Access-Request and its answer (RFC 2865), always
 * with a Message-Authenticator (RFC 3579 3.2), sent first in the request
 * and required in every answer.  An answer without one, or with a wrong
 * one, is dropped as forged: the MD5 Response Authenticator alone can be
 * forged by an attacker on the path (Blast-RADIUS, CVE-2024-3596).  With
 * `require-message-authenticator no` (servers that do not sign answers,
 * e.g. FreeRADIUS before 3.2.5 unless told to) an unsigned answer is
 * taken; a server that requires signed requests still stops the attack.
 *
 * radcli, which carries accounting, cannot do this for PAP in the
 * version Debian 12 ships (it adds the attribute only beside an
 * EAP-Message and never checks it in answers), so logins are built here:
 * the codec (radius_auth_request, radius_auth_check, radius_auth_read)
 * has no I/O, and radius_pap asks the servers in order over UDP.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "ezv/radius.h"
#include "ezv/radius_auth.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "lib/userdb.h"

enum {
	ATTR_USER_NAME = 1,
	ATTR_USER_PASSWORD = 2,
	ATTR_NAS_IP_ADDRESS = 4,
	ATTR_NAS_PORT = 5,
	ATTR_SERVICE_TYPE = 6,
	ATTR_FRAMED_IP_ADDRESS = 8,
	ATTR_FILTER_ID = 11,
	ATTR_REPLY_MESSAGE = 18,
	ATTR_STATE = 24,
	ATTR_CLASS = 25,
	ATTR_SESSION_TIMEOUT = 27,
	ATTR_IDLE_TIMEOUT = 28,
	ATTR_CALLING_STATION_ID = 31,
	ATTR_NAS_IDENTIFIER = 32,
	ATTR_NAS_PORT_TYPE = 61,
	ATTR_MESSAGE_AUTHENTICATOR = 80,
	SERVICE_FRAMED = 2,
	NAS_PORT_VIRTUAL = 5,
	HDR = 20,
	MA_LEN = 16,
	PASS_MAX = 128,
};

void radius_pkt_put(struct radius_pkt *p, uint8_t type, const void *v, size_t n)
{
	if (n > 253 || p->len + 2 + n > p->cap) {
		p->full = true;
		return;
	}
	p->b[p->len] = type;
	p->b[p->len + 1] = (uint8_t)(2 + n);
	if (n)
		memcpy(p->b + p->len + 2, v, n);
	p->len += 2 + n;
}

void radius_pkt_put_u32(struct radius_pkt *p, uint8_t type, uint32_t v)
{
	uint32_t be = htonl(v);

	radius_pkt_put(p, type, &be, 4);
}

/* RFC 2865 5.2: the password in 16-byte blocks, each XORed with
 * MD5(secret | previous block), the first with the Request Authenticator. */
static int put_password(struct radius_pkt *p, const uint8_t *pass, size_t n,
			const uint8_t auth[16], const struct secret *key)
{
	uint8_t hidden[PASS_MAX], md[EVP_MAX_MD_SIZE];
	size_t padded = n ? (n + 15) & ~(size_t)15 : 16;
	const uint8_t *prev = auth;
	EVP_MD_CTX *ctx;
	int rc = 0;

	if (n > PASS_MAX)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -1;
	memset(hidden, 0, sizeof(hidden));
	memcpy(hidden, pass, n);
	for (size_t i = 0; i < padded && !rc; i += 16) {
		if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
		    EVP_DigestUpdate(ctx, secret_data(key), secret_len(key)) != 1 ||
		    EVP_DigestUpdate(ctx, prev, 16) != 1 ||
		    EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
			rc = -1;
			break;
		}
		for (size_t j = 0; j < 16; j++)
			hidden[i + j] ^= md[j];
		prev = hidden + i;
	}
	EVP_MD_CTX_free(ctx);
	if (!rc)
		radius_pkt_put(p, ATTR_USER_PASSWORD, hidden, padded);
	sodium_memzero(hidden, sizeof(hidden));
	sodium_memzero(md, sizeof(md));
	return rc;
}

int radius_hmac_md5(const struct secret *key, const uint8_t *b, size_t n,
		    uint8_t out[MA_LEN])
{
	unsigned len = 0;

	if (!HMAC(EVP_md5(), secret_data(key), (int)secret_len(key), b, n, out, &len))
		return -1;
	return len == MA_LEN ? 0 : -1;
}

int radius_md5_sum(const uint8_t *b, size_t len, const uint8_t auth[16],
		   const struct secret *key, uint8_t out[16])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx;
	int ok;

	if (len < HDR)
		return -1;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, b, 4) == 1 && EVP_DigestUpdate(ctx, auth, 16) == 1 &&
	     EVP_DigestUpdate(ctx, b + HDR, len - HDR) == 1 &&
	     EVP_DigestUpdate(ctx, secret_data(key), secret_len(key)) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	if (ok)
		memcpy(out, md, 16);
	return ok ? 0 : -1;
}

size_t radius_auth_request(uint8_t *buf, size_t cap, uint8_t id,
			   const uint8_t auth[16], const struct secret *key,
			   const struct radius_login *l)
{
	struct radius_pkt p = { buf, HDR, cap, false };
	uint8_t zero[MA_LEN] = { 0 };
	size_t ma_at;

	if (cap < HDR + 2 + MA_LEN)
		return 0;
	buf[0] = RADIUS_ACCESS_REQUEST;
	buf[1] = id;
	memcpy(buf + 4, auth, 16);
	ma_at = p.len + 2;
	radius_pkt_put(&p, ATTR_MESSAGE_AUTHENTICATOR, zero, MA_LEN);
	radius_pkt_put(&p, ATTR_USER_NAME, l->user, strlen(l->user));
	if (put_password(&p, l->pass, l->pass_len, auth, key) < 0)
		return 0;
	radius_pkt_put(&p, ATTR_NAS_IDENTIFIER, l->nas_identifier, strlen(l->nas_identifier));
	if (l->nas_ip)
		radius_pkt_put_u32(&p, ATTR_NAS_IP_ADDRESS, l->nas_ip);
	radius_pkt_put_u32(&p, ATTR_NAS_PORT, l->port);
	radius_pkt_put_u32(&p, ATTR_NAS_PORT_TYPE, NAS_PORT_VIRTUAL);
	radius_pkt_put_u32(&p, ATTR_SERVICE_TYPE, SERVICE_FRAMED);
	if (l->calling_station && l->calling_station[0])
		radius_pkt_put(&p, ATTR_CALLING_STATION_ID, l->calling_station,
		    strlen(l->calling_station));
	/* the challenge's State, unchanged (RFC 2865 5.24) */
	if (l->answer && l->answer->state_len)
		radius_pkt_put(&p, ATTR_STATE, l->answer->state, l->answer->state_len);
	if (p.full || p.len > 4096)
		return 0;
	buf[2] = (uint8_t)(p.len >> 8);
	buf[3] = (uint8_t)p.len;
	if (radius_hmac_md5(key, buf, p.len, buf + ma_at) < 0)
		return 0;
	return p.len;
}

int radius_attr_walk(const uint8_t *b, size_t len,
		void (*fn)(uint8_t type, const uint8_t *v, size_t n, void *arg),
		void *arg)
{
	for (size_t at = HDR; at < len;) {
		if (len - at < 2 || b[at + 1] < 2 || b[at + 1] > len - at)
			return -1;
		if (fn)
			fn(b[at], b + at + 2, b[at + 1] - 2u, arg);
		at += b[at + 1];
	}
	return 0;
}

struct ma_find {
	const uint8_t *v;
	unsigned n;
};

static void find_ma(uint8_t type, const uint8_t *v, size_t n, void *arg)
{
	struct ma_find *f = arg;

	if (type == ATTR_MESSAGE_AUTHENTICATOR && n == MA_LEN) {
		f->v = v;
		f->n++;
	} else if (type == ATTR_MESSAGE_AUTHENTICATOR) {
		f->n += 2;	/* a wrong length counts as a bad one */
	}
}

int radius_auth_check(const uint8_t *b, size_t len, uint8_t id,
		      const uint8_t req_auth[16], const struct secret *key,
		      bool require_ma, const char **why)
{
	uint8_t copy[4096], md[16], mac[MA_LEN];
	struct ma_find f = { NULL, 0 };

	if (len < HDR || len > sizeof(copy) || (size_t)(b[2] << 8 | b[3]) != len) {
		*why = "bad length";
		return -1;
	}
	if (b[1] != id) {
		*why = "not an answer to this request";
		return -1;
	}
	if (b[0] != RADIUS_ACCESS_ACCEPT && b[0] != RADIUS_ACCESS_REJECT &&
	    b[0] != RADIUS_ACCESS_CHALLENGE) {
		*why = "not an Access-Accept, -Reject or -Challenge";
		return -1;
	}
	if (radius_attr_walk(b, len, find_ma, &f) < 0) {
		*why = "malformed attributes";
		return -1;
	}
	if (f.n > 1 || (!f.n && require_ma)) {
		*why = f.n ? "bad Message-Authenticator" : "no Message-Authenticator";
		return -1;
	}
	/* Response Authenticator: MD5(code id length RequestAuth attrs secret) */
	if (radius_md5_sum(b, len, req_auth, key, md) < 0 || sodium_memcmp(md, b + 4, 16)) {
		*why = "bad Response Authenticator";
		return -1;
	}
	memcpy(copy, b, len);
	memcpy(copy + 4, req_auth, 16);
	/* Message-Authenticator: HMAC-MD5 over the answer with the Request
	 * Authenticator in place and itself zeroed (RFC 3579 3.2). */
	if (!f.n)
		return 0;
	memset(copy + (f.v - b), 0, MA_LEN);
	if (radius_hmac_md5(key, copy, len, mac) < 0 || sodium_memcmp(mac, f.v, MA_LEN)) {
		*why = "bad Message-Authenticator";
		return -1;
	}
	return 0;
}

struct reply_ctx {
	struct radius_auth_reply *out;
	char filter[EZV_NAME_MAX + 1];
};

static uint32_t be32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static void read_attr(uint8_t type, const uint8_t *v, size_t n, void *arg)
{
	struct reply_ctx *c = arg;
	struct radius_auth_reply *out = c->out;

	switch (type) {
	case ATTR_FRAMED_IP_ADDRESS:
		if (n == 4)
			out->framed_ip = be32(v);
		break;
	case ATTR_SESSION_TIMEOUT:
		if (n == 4)
			out->session_timeout = be32(v);
		break;
	case ATTR_IDLE_TIMEOUT:
		if (n == 4)
			out->idle_timeout = be32(v);
		break;
	case ATTR_CLASS:
		if (n <= RADIUS_CLASS_MAX) {
			memcpy(out->class_raw, v, n);
			out->class_len = n;
			radius_class_group(v, n, out->group, sizeof(out->group));
		}
		break;
	case ATTR_FILTER_ID:
		if (n && n < sizeof(c->filter) && !memchr(v, '\0', n)) {
			memcpy(c->filter, v, n);
			c->filter[n] = '\0';
			if (!userdb_name_valid(c->filter, true))
				c->filter[0] = '\0';
		}
		break;
	case ATTR_REPLY_MESSAGE: {
		/* several are shown one after the other (RFC 2865 5.18) */
		size_t at = strlen(out->reply_message), room;

		if (at && at < sizeof(out->reply_message) - 1)
			out->reply_message[at++] = '\n';
		room = sizeof(out->reply_message) - 1 - at;
		n = n < room ? n : room;
		memcpy(out->reply_message + at, v, n);
		out->reply_message[at + n] = '\0';
		break;
	}
	case ATTR_STATE:
		/* kept until the answer: bounded, and only one */
		if (n > RADIUS_STATE_MAX || out->state_len || out->state_refused) {
			out->state_refused = true;
			out->state_len = 0;
		} else {
			memcpy(out->state, v, n);
			out->state_len = n;
		}
		break;
	default:
		break;
	}
}

void radius_auth_read(const uint8_t *b, size_t len, struct radius_auth_reply *out)
{
	struct reply_ctx c = { out, "" };

	memset(out, 0, sizeof(*out));
	radius_attr_walk(b, len, read_attr, &c);
	/* a group from Class wins; Filter-Id only fills in */
	if (!out->group[0] && c.filter[0])
		memcpy(out->group, c.filter, sizeof(c.filter));
}

/* ---- asking the servers ------------------------------------------------ */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One server, retries+1 tries of timeout_s each.  The answer's code, or
 * RADIUS_NO_ANSWER. */
static int ask(const struct ezv_aaa *aaa, const struct ezv_radius_server *s,
	       const struct radius_login *l, struct radius_auth_reply *out)
{
	struct sockaddr_storage to = s->addr;
	uint8_t req[4096], ans[4096], auth[16], id;
	socklen_t tolen;
	size_t n;
	int fd, code = RADIUS_NO_ANSWER;

	if (to.ss_family == AF_INET) {
		((struct sockaddr_in *)&to)->sin_port = htons(s->auth_port);
		tolen = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&to)->sin6_port = htons(s->auth_port);
		tolen = sizeof(struct sockaddr_in6);
	}
	fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return RADIUS_NO_ANSWER;
	if (connect(fd, (struct sockaddr *)&to, tolen) < 0)
		goto out;
	randombytes_buf(auth, sizeof(auth));
	randombytes_buf(&id, 1);
	n = radius_auth_request(req, sizeof(req), id, auth, s->key, l);
	if (!n)
		goto out;
	for (unsigned try = 0; try <= aaa->retries && code == RADIUS_NO_ANSWER; try++) {
		uint64_t end = mono_ms() + (uint64_t)(aaa->timeout ? aaa->timeout : 3) * 1000;

		if (send(fd, req, n, 0) < 0 && errno != ECONNREFUSED)
			break;
		for (uint64_t now = mono_ms(); now < end; now = mono_ms()) {
			struct pollfd pfd = { fd, POLLIN, 0 };
			const char *why;
			ssize_t got;

			if (poll(&pfd, 1, (int)(end - now)) <= 0)
				break;
			got = recv(fd, ans, sizeof(ans), 0);
			if (got < 0)
				continue;	/* ICMP unreachable: wait out the try */
			if (radius_auth_check(ans, (size_t)got, id, auth, s->key,
					      !aaa->ma_optional, &why) < 0) {
				log_notice("radius: answer from the server dropped: %s", why);
				continue;
			}
			radius_auth_read(ans, (size_t)got, out);
			code = ans[0];
			break;
		}
	}
out:
	sodium_memzero(req, sizeof(req));
	close(fd);
	return code;
}

/* Keep only what a refusal or a challenge may say: the text, and for a
 * challenge its State and the server that asked. */
static void keep_challenge(struct radius_auth_reply *out, bool challenge, unsigned server)
{
	struct radius_auth_reply c = { 0 };

	memcpy(c.reply_message, out->reply_message, sizeof(c.reply_message));
	if (challenge) {
		memcpy(c.state, out->state, sizeof(c.state));
		c.state_len = out->state_len;
		c.state_refused = out->state_refused;
		c.server = server;
	}
	*out = c;
}

enum radius_result radius_auth_pap(const struct ezv_aaa *aaa,
				   const struct radius_login *l,
				   struct radius_auth_reply *out)
{
	unsigned first = 0, end = aaa->n_servers;

	memset(out, 0, sizeof(*out));
	if (l->pass_len > PASS_MAX)
		return RADIUS_REJECT;
	if (l->answer) {
		/* the State means something only to the server that asked */
		if (l->answer->server >= aaa->n_servers)
			return RADIUS_REJECT;
		first = l->answer->server;
		end = first + 1;
	}
	for (unsigned i = first; i < end; i++) {
		int code = ask(aaa, &aaa->servers[i], l, out);

		if (code == RADIUS_ACCESS_ACCEPT) {
			/* an Access-Accept's State is for accounting; not ours */
			out->state_len = 0;
			out->state_refused = false;
			return RADIUS_ACCEPT;
		}
		if (code == RADIUS_ACCESS_CHALLENGE) {
			keep_challenge(out, true, i);
			return out->state_refused ? RADIUS_REJECT : RADIUS_CHALLENGE;
		}
		if (code == RADIUS_ACCESS_REJECT) {
			keep_challenge(out, false, i);
			return RADIUS_REJECT;
		}
		memset(out, 0, sizeof(*out));
	}
	return RADIUS_TIMEOUT;
}
