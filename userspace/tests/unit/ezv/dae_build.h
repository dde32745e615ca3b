/* SPDX-License-Identifier: MIT */
/*
 * Disconnect / CoA requests as a RADIUS server (radclient) builds them,
 * for the tests: written from RFC 5176 3.3/3.5 with OpenSSL directly, not
 * with the helpers under test.
 */
#ifndef EVS_TEST_DAE_BUILD_H
#define EVS_TEST_DAE_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

struct tdae {
	uint8_t b[1024];
	size_t len;
	size_t ma_at;		/* 0 = none */
};

static inline void tdae_start(struct tdae *r, uint8_t code, uint8_t id)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = code;
	r->b[1] = id;
	r->len = 20;
}

static inline void tdae_attr(struct tdae *r, uint8_t type, const void *v, size_t n)
{
	r->b[r->len] = type;
	r->b[r->len + 1] = (uint8_t)(n + 2);
	memcpy(r->b + r->len + 2, v, n);
	r->len += n + 2;
}

static inline void tdae_str(struct tdae *r, uint8_t type, const char *s)
{
	tdae_attr(r, type, s, strlen(s));
}

static inline void tdae_u32(struct tdae *r, uint8_t type, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			  (uint8_t)v };

	tdae_attr(r, type, be, 4);
}

static inline void tdae_ma(struct tdae *r)
{
	static const uint8_t zero[16];

	r->ma_at = r->len + 2;
	tdae_attr(r, 80, zero, 16);
}

/* Length, Message-Authenticator (authenticator zeroed), then the Request
 * Authenticator: MD5(packet with 16 zero octets | secret). */
static inline void tdae_sign(struct tdae *r, const char *secret)
{
	unsigned ml = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	r->b[2] = (uint8_t)(r->len >> 8);
	r->b[3] = (uint8_t)r->len;
	memset(r->b + 4, 0, 16);
	if (r->ma_at)
		HMAC(EVP_md5(), secret, (int)strlen(secret), r->b, r->len, r->b + r->ma_at, &ml);
	EVP_DigestInit_ex(c, EVP_md5(), NULL);
	EVP_DigestUpdate(c, r->b, r->len);
	EVP_DigestUpdate(c, secret, strlen(secret));
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	memcpy(r->b + 4, md, 16);
}

/* Is a the right answer to request r: Response Authenticator
 * MD5(code id len | request auth | attrs | secret) and, when there, the
 * Message-Authenticator (HMAC-MD5 with the request authenticator in
 * place)?  Returns its Error-Cause (0 = none), -1 when not right. */
static inline long tdae_verify(const uint8_t *a, size_t n, const struct tdae *r,
			       const char *secret)
{
	uint8_t copy[1024], md[EVP_MAX_MD_SIZE], mac[EVP_MAX_MD_SIZE];
	unsigned ml = 0;
	long cause = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (n < 20 || n > sizeof(copy) || (size_t)(a[2] << 8 | a[3]) != n || a[1] != r->b[1])
		return -1;
	memcpy(copy, a, n);
	memcpy(copy + 4, r->b + 4, 16);
	EVP_DigestInit_ex(c, EVP_md5(), NULL);
	EVP_DigestUpdate(c, copy, n);
	EVP_DigestUpdate(c, secret, strlen(secret));
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	if (memcmp(md, a + 4, 16))
		return -1;
	for (size_t at = 20; at + 2 <= n && a[at + 1] >= 2; at += a[at + 1]) {
		if (a[at] == 101 && a[at + 1] == 6)
			cause = (long)a[at + 2] << 24 | a[at + 3] << 16 | a[at + 4] << 8 | a[at + 5];
		if (a[at] == 80 && a[at + 1] == 18) {
			memset(copy + at + 2, 0, 16);
			HMAC(EVP_md5(), secret, (int)strlen(secret), copy, n, mac, &ml);
			if (memcmp(mac, a + at + 2, 16))
				return -1;
			memcpy(copy + at + 2, a + at + 2, 16);
		}
	}
	return cause;
}

#endif
