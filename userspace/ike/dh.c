// SPDX-License-Identifier: MIT
/*
 * Diffie-Hellman groups for IKEv1: MODP and ECP through OpenSSL 3 EVP,
 * Curve25519 through libsodium.  Wire formats: see dh.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sodium.h>

#include "ike/dh.h"
#include "lib/daemon_log.h"

/* RFC 2409 §6.2, the second Oakley group (1024-bit MODP).  OpenSSL 3 has
 * no name for it; RFC 3526's groups 5, 14, 15, 16 it knows by name.
 * (Checked against 2^1024 - 2^960 - 1 + 2^64 * ([2^894 pi] + 129093).) */
static const char modp1024_p[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";

struct group_def {
	uint16_t id;
	const char *name;	/* ours, for logs and config */
	const char *ossl;	/* OpenSSL group name, NULL = explicit prime */
	bool ec;
	size_t pub_len;
	unsigned strength;
};

static const struct group_def groups[] = {
	{ DH_MODP_1024, "modp1024", NULL, false, 128, 80 },
	{ DH_MODP_1536, "modp1536", "modp_1536", false, 192, 90 },
	{ DH_MODP_2048, "modp2048", "modp_2048", false, 256, 112 },
	{ DH_MODP_3072, "modp3072", "modp_3072", false, 384, 128 },
	{ DH_MODP_4096, "modp4096", "modp_4096", false, 512, 150 },
	{ DH_ECP_256, "ecp256", "P-256", true, 64, 129 },
	{ DH_ECP_384, "ecp384", "P-384", true, 96, 192 },
	{ DH_ECP_521, "ecp521", "P-521", true, 132, 256 },
	{ DH_CURVE25519, "curve25519", NULL, false, 32, 130 },
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

struct dh {
	const struct group_def *g;
	EVP_PKEY *pkey;				/* MODP / ECP */
	unsigned char x25519_priv[32];		/* Curve25519 */
	uint8_t pub[512];			/* largest: MODP 4096 */
};

/* Domain parameters as OSSL_PARAMs (group name, or p and g for group 2),
 * plus an optional public key; freed by the caller. */
static OSSL_PARAM *domain_params(const struct group_def *g, BIGNUM **p,
				 const uint8_t *pub, size_t pub_len, BIGNUM **y)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	int ok = bld != NULL;

	if (ok && g->ossl)
		ok = OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
						     g->ossl, 0);
	if (ok && !g->ossl) {
		ok = BN_hex2bn(p, modp1024_p) > 0 &&
		     OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, *p) &&
		     OSSL_PARAM_BLD_push_uint(bld, OSSL_PKEY_PARAM_FFC_G, 2);
	}
	if (ok && pub && g->ec)
		ok = OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
						      pub, pub_len);
	if (ok && pub && !g->ec) {
		*y = BN_bin2bn(pub, (int)pub_len, NULL);
		ok = *y && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, *y);
	}
	if (ok)
		params = OSSL_PARAM_BLD_to_param(bld);
	OSSL_PARAM_BLD_free(bld);
	return params;
}

static EVP_PKEY *pkey_from(const struct group_def *g, const uint8_t *pub,
			   size_t pub_len)
{
	BIGNUM *p = NULL, *y = NULL;
	OSSL_PARAM *params = domain_params(g, &p, pub, pub_len, &y);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, g->ec ? "EC" : "DH",
						       NULL);
	EVP_PKEY *pkey = NULL;

	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &pkey,
			      pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS,
			      params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	BN_free(p);
	BN_free(y);
	return pkey;
}

static int export_public(struct dh *dh)
{
	if (dh->g->ec) {
		uint8_t enc[1 + 132];
		size_t n = 0;

		if (!EVP_PKEY_get_octet_string_param(dh->pkey,
				OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, enc,
				sizeof(enc), &n) ||
		    n != 1 + dh->g->pub_len || enc[0] != 0x04)
			return -1;
		memcpy(dh->pub, enc + 1, dh->g->pub_len);
		return 0;
	} else {
		BIGNUM *y = NULL;
		int ok;

		ok = EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_PUB_KEY, &y) &&
		     BN_bn2binpad(y, dh->pub, (int)dh->g->pub_len) ==
		     (int)dh->g->pub_len;
		BN_free(y);
		return ok ? 0 : -1;
	}
}

/* OpenSSL gives the MODP groups it names private values of about twice
 * their strength; group 2, given by its prime, would get 1,023 bits: six
 * times the modular exponentiation work of the 160 bits its 80-bit
 * strength calls for (p is a safe prime: a short exponent costs an
 * attacker 2^80 as well).  Each Phase 1 computes two such powers. */
static int set_private_len(const struct group_def *g, EVP_PKEY_CTX *ctx)
{
	int bits = 2 * (int)g->strength;
	OSSL_PARAM len[] = {
		OSSL_PARAM_int(OSSL_PKEY_PARAM_DH_PRIV_LEN, &bits),
		OSSL_PARAM_END
	};

	if (g->ec || g->ossl)
		return 0;
	return EVP_PKEY_CTX_set_params(ctx, len) > 0 ? 0 : -1;
}

struct dh *dh_new(uint16_t group)
{
	const struct group_def *g = group_find(group);
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *params = NULL;
	struct dh *dh;

	if (!g)
		return NULL;
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->g = g;
	if (g->id == DH_CURVE25519) {
		if (sodium_init() < 0)
			goto fail;
		randombytes_buf(dh->x25519_priv, sizeof(dh->x25519_priv));
		if (crypto_scalarmult_base(dh->pub, dh->x25519_priv) != 0)
			goto fail;
		return dh;
	}
	params = pkey_from(g, NULL, 0);
	ctx = params ? EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL) : NULL;
	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || set_private_len(g, ctx) < 0 ||
	    EVP_PKEY_keygen(ctx, &dh->pkey) <= 0 || export_public(dh) < 0)
		goto fail;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	return dh;
fail:
	log_debug("dh: key generation failed for %s", g->name);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(params);
	dh_free(dh);
	return NULL;
}

unsigned dh_private_bits(const struct dh *dh)
{
	BIGNUM *x = NULL;
	unsigned bits = 0;

	if (dh->g->id == DH_CURVE25519)
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

/* 1 < y < p - 1: rejects the values that force a known shared secret. */
static bool modp_value_ok(const struct dh *dh, const uint8_t *peer, size_t len)
{
	BIGNUM *p = NULL, *y = BN_bin2bn(peer, (int)len, NULL);
	bool ok = false;

	if (y && EVP_PKEY_get_bn_param(dh->pkey, OSSL_PKEY_PARAM_FFC_P, &p) &&
	    BN_sub_word(p, 1))
		ok = BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, p) < 0;
	BN_free(p);
	BN_free(y);
	return ok;
}

int dh_shared(struct dh *dh, const uint8_t *peer, size_t len,
	      struct secret **out)
{
	const struct group_def *g = dh->g;
	EVP_PKEY *peer_key = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	struct secret *s = NULL;
	size_t slen;

	if (len != g->pub_len)
		return -1;
	if (g->id == DH_CURVE25519) {
		s = secret_new(32);
		if (!s)
			return -1;
		/* libsodium refuses low-order points (all-zero result). */
		if (crypto_scalarmult(secret_wdata(s), dh->x25519_priv, peer) != 0) {
			secret_free(s);
			return -1;
		}
		secret_seal(s);
		*out = s;
		return 0;
	}
	if (g->ec) {
		uint8_t enc[1 + 132];

		enc[0] = 0x04;
		memcpy(enc + 1, peer, len);
		peer_key = pkey_from(g, enc, len + 1);
	} else if (modp_value_ok(dh, peer, len)) {
		peer_key = pkey_from(g, peer, len);
	}
	if (!peer_key)
		goto fail;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->pkey, NULL);
	if (!ctx || EVP_PKEY_derive_init(ctx) <= 0)
		goto fail;
	/* g^xy is used at the prime's full length (leading zeros kept). */
	if (!g->ec && EVP_PKEY_CTX_set_dh_pad(ctx, 1) <= 0)
		goto fail;
	if (EVP_PKEY_derive_set_peer(ctx, peer_key) <= 0 ||
	    EVP_PKEY_derive(ctx, NULL, &slen) <= 0)
		goto fail;
	s = secret_new(slen);
	if (!s || EVP_PKEY_derive(ctx, secret_wdata(s), &slen) <= 0 ||
	    slen != secret_len(s))
		goto fail;
	secret_seal(s);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	*out = s;
	return 0;
fail:
	log_debug("dh: invalid peer public value for %s", g->name);
	secret_free(s);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer_key);
	return -1;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->pkey);
	sodium_memzero(dh->x25519_priv, sizeof(dh->x25519_priv));
	free(dh);
}
