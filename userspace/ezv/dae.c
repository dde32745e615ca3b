// SPDX-License-Identifier: MIT
/* RADIUS dynamic authorization, the codec (RFC 5176); see dae.h. */
#include <netinet/in.h>
#include <string.h>

#include <sodium.h>

#include "ezv/dae.h"
#include "ezv/radius_auth.h"
#include "lib/secret.h"

enum {
	A_USER_NAME = 1,
	A_NAS_IP_ADDRESS = 4,
	A_SERVICE_TYPE = 6,
	A_FRAMED_IP_ADDRESS = 8,
	A_FILTER_ID = 11,
	A_STATE = 24,
	A_CLASS = 25,
	A_SESSION_TIMEOUT = 27,
	A_IDLE_TIMEOUT = 28,
	A_NAS_IDENTIFIER = 32,
	A_PROXY_STATE = 33,
	A_ACCT_SESSION_ID = 44,
	A_EVENT_TIMESTAMP = 55,
	A_MESSAGE_AUTHENTICATOR = 80,
	A_ERROR_CAUSE = 101,
	HDR = 20,
	MA_LEN = 16,
	PKT_MAX = 4096,
};

bool ezv_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
	return false;
}

struct ma_at {
	const uint8_t *b;
	size_t off;
	unsigned n;
	bool bad;
};

static void find_ma(uint8_t type, const uint8_t *v, size_t n, void *arg)
{
	struct ma_at *m = arg;

	if (type != A_MESSAGE_AUTHENTICATOR)
		return;
	m->n++;
	m->off = (size_t)(v - m->b);
	m->bad |= n != MA_LEN;
}

int dae_check(const uint8_t *b, size_t len, const struct secret *key, bool require_ma,
	      const char **why)
{
	static const uint8_t zero[16];
	uint8_t copy[PKT_MAX], md[16], mac[MA_LEN];
	struct ma_at m = { b, 0, 0, false };

	if (len < HDR || len > PKT_MAX || (size_t)(b[2] << 8 | b[3]) != len) {
		*why = "bad length";
		return -1;
	}
	if (b[0] != DAE_DISCONNECT_REQUEST && b[0] != DAE_COA_REQUEST) {
		*why = "not a Disconnect-Request or CoA-Request";
		return -1;
	}
	if (radius_attr_walk(b, len, find_ma, &m) < 0) {
		*why = "malformed attributes";
		return -1;
	}
	if (m.n > 1 || m.bad) {
		*why = "bad Message-Authenticator";
		return -1;
	}
	if (!m.n && require_ma) {
		*why = "no Message-Authenticator";
		return -1;
	}
	/* Request Authenticator: MD5 over the packet with 16 zero octets in
	 * its place, then the secret (RFC 5176 3.5, as RFC 2866 3). */
	if (radius_md5_sum(b, len, zero, key, md) < 0 || sodium_memcmp(md, b + 4, 16)) {
		*why = "bad Request Authenticator (wrong secret?)";
		return -1;
	}
	if (!m.n)
		return 0;
	/* Message-Authenticator: HMAC-MD5 with the authenticator field and
	 * itself zeroed (RFC 5176 3.3). */
	memcpy(copy, b, len);
	memset(copy + 4, 0, 16);
	memset(copy + m.off, 0, MA_LEN);
	if (radius_hmac_md5(key, copy, len, mac) < 0 || sodium_memcmp(mac, b + m.off, MA_LEN)) {
		*why = "bad Message-Authenticator";
		return -1;
	}
	return 0;
}

static uint32_t be32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* Text attributes: 1..253 bytes, no NUL inside. */
static bool take_text(char *out, const uint8_t *v, size_t n)
{
	if (!n || memchr(v, '\0', n))
		return false;
	memcpy(out, v, n);
	out[n] = '\0';
	return true;
}

static void mark(uint8_t *first, uint8_t type)
{
	if (!*first)
		*first = type;
}

/* A text or a 32-bit attribute that may come once: a second one, or one
 * of the wrong size, makes the request invalid. */
static void once_text(struct dae_req *r, uint8_t type, bool *has, char *out,
		      const uint8_t *v, size_t n)
{
	if (*has || !take_text(out, v, n))
		mark(&r->invalid, type);
	*has = true;
}

static void once_u32(struct dae_req *r, uint8_t type, bool *has, uint32_t *out,
		     const uint8_t *v, size_t n)
{
	if (*has || n != 4)
		mark(&r->invalid, type);
	else
		*out = be32(v);
	*has = true;
}

static void read_attr(uint8_t type, const uint8_t *v, size_t n, void *arg)
{
	struct dae_req *r = arg;

	switch (type) {
	case A_USER_NAME:
		once_text(r, type, &r->has_user, r->user, v, n);
		break;
	case A_FRAMED_IP_ADDRESS:
		once_u32(r, type, &r->has_addr, &r->addr, v, n);
		break;
	case A_ACCT_SESSION_ID:
		once_text(r, type, &r->has_acct_id, r->acct_id, v, n);
		break;
	case A_NAS_IP_ADDRESS:
		once_u32(r, type, &r->has_nas_ip, &r->nas_ip, v, n);
		break;
	case A_NAS_IDENTIFIER:
		once_text(r, type, &r->has_nas_id, r->nas_id, v, n);
		break;
	case A_SESSION_TIMEOUT:
		once_u32(r, type, &r->has_session_timeout, &r->session_timeout, v, n);
		break;
	case A_IDLE_TIMEOUT:
		once_u32(r, type, &r->has_idle_timeout, &r->idle_timeout, v, n);
		break;
	case A_CLASS:
		if (r->has_class || !n || n > sizeof(r->class_raw)) {
			mark(&r->invalid, type);
		} else {
			memcpy(r->class_raw, v, n);
			r->class_len = n;
		}
		r->has_class = true;
		break;
	case A_EVENT_TIMESTAMP:
		once_u32(r, type, &r->has_timestamp, &r->timestamp, v, n);
		break;
	case A_PROXY_STATE:
		/* echoed in the answer, in order (RFC 5176 3) */
		if (r->n_proxy_state == DAE_MAX_PROXY_STATE || !n) {
			mark(&r->unsupported, type);
		} else {
			r->proxy_state[r->n_proxy_state] = v;
			r->proxy_state_len[r->n_proxy_state++] = (uint8_t)n;
		}
		break;
	case A_MESSAGE_AUTHENTICATOR:
		r->has_ma = true;
		break;
	default:
		/* Filter-Id (no per-session filters), State, Service-Type
		 * (Authorize Only needs an Access-Request back), vendor
		 * attributes, anything else: not done, so NAKed. */
		mark(&r->unsupported, type);
		break;
	}
}

int dae_parse(const uint8_t *b, size_t len, struct dae_req *out)
{
	memset(out, 0, sizeof(*out));
	if (len < HDR)
		return -1;
	out->code = b[0];
	out->id = b[1];
	memcpy(out->auth, b + 4, 16);
	return radius_attr_walk(b, len, read_attr, out);
}

size_t dae_answer(uint8_t *buf, size_t cap, const struct dae_req *rq, bool ack,
		  uint32_t error_cause, const struct secret *key)
{
	struct radius_pkt p = { buf, HDR, cap, false };
	uint8_t zero[MA_LEN] = { 0 }, md[16];
	size_t ma_at = 0;

	if (cap < HDR)
		return 0;
	if (rq->code == DAE_DISCONNECT_REQUEST)
		buf[0] = ack ? DAE_DISCONNECT_ACK : DAE_DISCONNECT_NAK;
	else
		buf[0] = ack ? DAE_COA_ACK : DAE_COA_NAK;
	buf[1] = rq->id;
	if (error_cause)
		radius_pkt_put_u32(&p, A_ERROR_CAUSE, error_cause);
	for (unsigned i = 0; i < rq->n_proxy_state; i++)
		radius_pkt_put(&p, A_PROXY_STATE, rq->proxy_state[i], rq->proxy_state_len[i]);
	if (rq->has_ma) {
		ma_at = p.len + 2;
		radius_pkt_put(&p, A_MESSAGE_AUTHENTICATOR, zero, MA_LEN);
	}
	if (p.full)
		return 0;
	buf[2] = (uint8_t)(p.len >> 8);
	buf[3] = (uint8_t)p.len;
	/* Message-Authenticator over the answer with the request's
	 * authenticator in place (RFC 3579 3.2), then the Response
	 * Authenticator over the whole (RFC 5176 3.5). */
	memcpy(buf + 4, rq->auth, 16);
	if (ma_at && radius_hmac_md5(key, buf, p.len, buf + ma_at) < 0)
		return 0;
	if (radius_md5_sum(buf, p.len, rq->auth, key, md) < 0)
		return 0;
	memcpy(buf + 4, md, 16);
	return p.len;
}
