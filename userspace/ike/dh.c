// SPDX-License-Identifier: MIT
/*
 * Diffie-Hellman groups for IKEv1: MODP on OpenSSL's bignums, ECP through
 * OpenSSL 3 EVP, Curve25519 through libsodium.  Wire formats: see dh.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "ike/dh.h"
#include "lib/daemon_log.h"

struct group_def {
	uint16_t id;
	const char *name;	/* ours, for logs and config */
	const char *ossl;	/* OpenSSL's curve name (ECP) */
	BIGNUM *(*prime)(BIGNUM *);	/* MODP: RFC 2409 / 3526, g = 2 */
	size_t pub_len;
	unsigned strength;
};

static const struct group_def groups[] = {
	{ DH_MODP_1024, "modp1024", NULL, BN_get_rfc2409_prime_1024, 128, 80 },
	{ DH_MODP_1536, "modp1536", NULL, BN_get_rfc3526_prime_1536, 192, 90 },
	{ DH_MODP_2048, "modp2048", NULL, BN_get_rfc3526_prime_2048, 256, 112 },
	{ DH_MODP_3072, "modp3072", NULL, BN_get_rfc3526_prime_3072, 384, 128 },
	{ DH_MODP_4096, "modp4096", NULL, BN_get_rfc3526_prime_4096, 512, 150 },
	{ DH_ECP_256, "ecp256", "P-256", NULL, 64, 129 },
	{ DH_ECP_384, "ecp384", "P-384", NULL, 96, 192 },
	{ DH_ECP_521, "ecp521", "P-521", NULL, 132, 256 },
	{ DH_CURVE25519, "curve25519", NULL, NULL, 32, 130 },
};

static const struct group_def *group_find(uint16_t id)
{
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

bool dh_group_supported(uint16_t group)
{
	return group_find(group) != NULL;
}

const char *dh_group_name(uint16_t group)
{
	static __thread char other[16];
	const struct group_def *g = group_find(group);

	if (g)
		return g->name;
	snprintf(other, sizeof(other), "group-%u", group);
	return other;
}

bool dh_group_weak(uint16_t group)
{
	return group == DH_MODP_1024 || group == DH_MODP_1536;
}

size_t dh_public_len(uint16_t group)
{
	const struct group_def *g = group_find(group);

	return g ? g->pub_len : 0;
}

unsigned dh_group_strength(uint16_t group)
{
	const struct group_def *g = group_find(group);

	return g ? g->strength : 0;
}

/* MODP is two modular exponentiations, done with OpenSSL's constant-time
 * Montgomery ladder directly: through EVP_PKEY, a key pair and a derive
 * also built, checked and exported key objects and parameter sets, which
 * cost (native) as much as the powers themselves and, under emulation,
 * up to six times as much.  ECP stays on EVP; Curve25519 is libsodium's. */
struct dh {
	const struct group_def *g;
	EVP_PKEY *pkey;				/* ECP */
	BIGNUM *p, *x;				/* MODP: prime, private value */
	BN_MONT_CTX *mont;			/* MODP: for p */
	bool fixed;				/* p, mont: modp_fixed's */
	unsigned char x25519_priv[32];		/* Curve25519 */
	uint8_t pub[512];			/* largest: MODP 4096 */
};

static EVP_PKEY *ec_key_from(const struct group_def *g, const uint8_t *pub,
			     size_t pub_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						   g->ossl, 0) &&
	    (!pub || OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						      pub, pub_len)))
		params = OSSL_PARAM_BLD_to_param(bld);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey,
			      pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS,
			      params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

static int ec_new(struct dh *dh)
{
	EVP_PKEY *params = ec_key_from(dh->g, NULL, 0);
	EVP_PKEY_CTX *ctx = params ? EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL) : NULL;
	uint8_t enc[1 + 132];
	size_t n = 0;
	int ok;

	ok = ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
	     EVP_PKEY_keygen(ctx, &dh->pkey) > 0 &&
	     EVP_PKEY_get_octet_string_param(dh->pkey,
					     OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
					     enc, sizeof(enc), &n) &&
	     n == 1 + dh->g->pub_len && enc[0] == 0x04;
	if (ok)
		memcpy(dh->pub, enc + 1, dh->g->pub_len);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return ok ? 0 : -1;
}

/* The private value is twice the group's strength in bits (NIST SP
 * 800-56A's minimum; 160 for group 2, whose full-length values would cost
 * six times the work): p is a safe prime, so a short exponent costs an
 * attacker as much as the group's strength.  Each Phase 1 computes two
 * powers with it. */
/* @bits random bits, from libsodium as every other secret of ours
 * (BN_priv_rand_ex costs 200 times as much under emulation). */
static bool modp_private(BIGNUM *x, unsigned bits)
{
	uint8_t r[(2 * 150 + 7) / 8];		/* group 16's */
	size_t n = (bits + 7) / 8;
	bool ok;

	if (n > sizeof(r))
		return false;
	randombytes_buf(r, n);
	if (bits % 8)
		r[0] &= (uint8_t)((1u << (bits % 8)) - 1);
	ok = BN_bin2bn(r, (int)n, x) != NULL;
	sodium_memzero(r, sizeof(r));
	return ok;
}

/* Each MODP group's prime and its Montgomery context, made once per
 * process and only read after (BN_mod_exp_mont_consttime reads its
 * context): setting a context up for every exchange cost 60,000
 * instructions, a twentieth of evsd's per connection outside the
 * powers.  Public values; a group whose set-up failed gets its own per
 * exchange, as before. */
#define N_GROUPS	(sizeof(groups) / sizeof(groups[0]))
static struct {
	BIGNUM *p;
	BN_MONT_CTX *mont;
} modp_fixed[N_GROUPS];
static pthread_once_t modp_fixed_once = PTHREAD_ONCE_INIT;

/* At exit, for leak checkers. */
static void modp_fixed_release(void)
{
	for (size_t i = 0; i < N_GROUPS; i++) {
		BN_MONT_CTX_free(modp_fixed[i].mont);
		BN_free(modp_fixed[i].p);
	}
	memset(modp_fixed, 0, sizeof(modp_fixed));
}

static void modp_fixed_make(void)
{
	BN_CTX *bc = BN_CTX_new();

	for (size_t i = 0; bc && i < N_GROUPS; i++) {
		BIGNUM *p = groups[i].prime ? groups[i].prime(NULL) : NULL;
		BN_MONT_CTX *m = p ? BN_MONT_CTX_new() : NULL;

		if (m && BN_MONT_CTX_set(m, p, bc)) {
			modp_fixed[i].p = p;
			modp_fixed[i].mont = m;
		} else {
			BN_MONT_CTX_free(m);
			BN_free(p);
		}
	}
	BN_CTX_free(bc);
	atexit(modp_fixed_release);
}

static int modp_new(struct dh *dh)
{
	const struct group_def *g = dh->g;
	size_t gi = (size_t)(g - groups);
	BN_CTX *bc = BN_CTX_secure_new();
	BIGNUM *two = BN_new(), *y = BN_new();
	int ok;

	pthread_once(&modp_fixed_once, modp_fixed_make);
	if (modp_fixed[gi].mont) {
		dh->p = modp_fixed[gi].p;
		dh->mont = modp_fixed[gi].mont;
		dh->fixed = true;
	} else {
		dh->p = g->prime(NULL);
		dh->mont = BN_MONT_CTX_new();
	}
	dh->x = BN_secure_new();
	ok = bc && two && y && dh->p && dh->x && dh->mont &&
	     (dh->fixed || BN_MONT_CTX_set(dh->mont, dh->p, bc)) && BN_set_word(two, 2);
	/* x >= 2: 0 and 1 would give away the public value's secret. */
	do
		ok = ok && modp_private(dh->x, 2 * g->strength);
	while (ok && BN_num_bits(dh->x) < 2);
	if (ok) {
		BN_set_flags(dh->x, BN_FLG_CONSTTIME);
		ok = BN_mod_exp_mont_consttime(y, two, dh->x, dh->p, bc, dh->mont) &&
		     BN_bn2binpad(y, dh->pub, (int)g->pub_len) == (int)g->pub_len;
	}
	BN_free(two);
	BN_free(y);
	BN_CTX_free(bc);
	return ok ? 0 : -1;
}

struct dh *dh_new(uint16_t group)
{
	const struct group_def *g = group_find(group);
	struct dh *dh;
	int rc;

	if (!g)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->g = g;
	if (sodium_init() < 0) {
		rc = -1;
	} else if (g->prime) {
		rc = modp_new(dh);
	} else if (g->ossl) {
		rc = ec_new(dh);
	} else {
		randombytes_buf(dh->x25519_priv, sizeof(dh->x25519_priv));
		rc = crypto_scalarmult_base(dh->pub, dh->x25519_priv);
	}
	if (rc) {
		log_debug("dh: key generation failed for %s", g->name);
		dh_free(dh);
		return NULL;
	}
	return dh;
}

unsigned dh_private_bits(const struct dh *dh)
{
	BIGNUM *x = NULL;
	unsigned bits = 0;

	if (dh->g->prime)
		return (unsigned)BN_num_bits(dh->x);
	if (!dh->g->ossl)
		return 8 * sizeof(dh->x25519_priv);
	if (EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &x))
		bits = (unsigned)BN_num_bits(x);
	BN_clear_free(x);
	return bits;
}

uint16_t dh_group(const struct dh *dh)
{
	return dh->g->id;
}

const uint8_t *dh_public(const struct dh *dh, size_t *len)
{
	*len = dh->g->pub_len;
	return dh->pub;
}

/* @s sealed when @filled, else freed (NULL): a shared secret is handed on
 * whole or not at all. */
static struct secret *sealed_if(struct secret *s, bool filled)
{
	if (!filled) {
		secret_free(s);
		return NULL;
	}
	secret_seal(s);
	return s;
}

/* g^xy at the prime's full length (leading zeros kept).  The peer's value
 * must be 1 < y < p - 1: the others force a known shared secret. */
static struct secret *modp_shared(struct dh *dh, const uint8_t *peer,
				  size_t len)
{
	BN_CTX *bc = BN_CTX_secure_new();
	BIGNUM *y = BN_bin2bn(peer, (int)len, NULL), *pm1 = BN_dup(dh->p);
	BIGNUM *z = BN_secure_new();
	struct secret *s = NULL;

	if (bc && y && pm1 && z && BN_sub_word(pm1, 1) &&
	    BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0 &&
	    BN_mod_exp_mont_consttime(z, y, dh->x, dh->p, bc, dh->mont)) {
		s = secret_new(len);
		s = sealed_if(s, s && BN_bn2binpad(z, secret_wdata(s), (int)len) ==
				  (int)len);
	}
	BN_clear_free(z);
	BN_free(pm1);
	BN_free(y);
	BN_CTX_free(bc);
	return s;
}

static struct secret *ec_shared(struct dh *dh, const uint8_t *peer, size_t len)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer_key;
	struct secret *s = NULL;
	uint8_t enc[1 + 132];
	size_t slen;

	enc[0] = 0x04;
	memcpy(enc + 1, peer, len);
	/* OpenSSL checks that the point is on the curve. */
	peer_key = ec_key_from(dh->g, enc, len + 1);
	if (peer_key)
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) > 0 &&
	    EVP_PKEY_derive_set_peer(ctx, peer_key) > 0 &&
	    EVP_PKEY_derive(ctx, NULL, &slen) > 0) {
		s = secret_new(slen);
		s = sealed_if(s, s && EVP_PKEY_derive(ctx, secret_wdata(s), &slen) > 0 &&
				  slen == secret_len(s));
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	return s;
}

static struct secret *x25519_shared(struct dh *dh, const uint8_t *peer)
{
	struct secret *s = secret_new(32);

	/* libsodium refuses low-order points (all-zero result). */
	return sealed_if(s, s && crypto_scalarmult(secret_wdata(s),
						   dh->x25519_priv, peer) == 0);
}

int dh_shared(struct dh *dh, const uint8_t *peer, size_t len,
	      struct secret **out)
{
	const struct group_def *g = dh->g;
	struct secret *s;

	if (len != g->pub_len)
		return -1;
	if (g->prime)
		s = modp_shared(dh, peer, len);
	else if (g->ossl)
		s = ec_shared(dh, peer, len);
	else
		s = x25519_shared(dh, peer);
	if (!s) {
		log_debug("dh: invalid peer public value for %s", g->name);
		return -1;
	}
	*out = s;
	return 0;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->pkey);
	BN_clear_free(dh->x);
	if (!dh->fixed) {
		BN_free(dh->p);
		BN_MONT_CTX_free(dh->mont);
	}
	sodium_memzero(dh->x25519_priv, sizeof(dh->x25519_priv));
	free(dh);
}
