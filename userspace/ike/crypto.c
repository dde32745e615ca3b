// SPDX-License-Identifier: MIT
/*
 * IKEv1 crypto suite on OpenSSL EVP (HMAC through EVP_MAC, CBC ciphers
 * through EVP_CIPHER) and libsodium randomness.  Formulas: RFC 2409 §5,
 * §5.5 and Appendix B; see crypto.h.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <sodium.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "lib/daemon_log.h"

/* ---- algorithm tables ------------------------------------------------- */

static const char *md_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5: return "MD5";
	case IKE_HASH_SHA1: return "SHA1";
	case IKE_HASH_SHA2_256: return "SHA256";
	case IKE_HASH_SHA2_384: return "SHA384";
	case IKE_HASH_SHA2_512: return "SHA512";
	}
	return NULL;
}

size_t ike_hash_len(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5: return 16;
	case IKE_HASH_SHA1: return 20;
	case IKE_HASH_SHA2_256: return 32;
	case IKE_HASH_SHA2_384: return 48;
	case IKE_HASH_SHA2_512: return 64;
	}
	return 0;
}

bool ike_hash_supported(uint16_t hash)
{
	return ike_hash_len(hash) != 0;
}

const char *ike_hash_name(uint16_t hash)
{
	static __thread char other[16];

	switch (hash) {
	case IKE_HASH_MD5: return "md5";
	case IKE_HASH_SHA1: return "sha1";
	case IKE_HASH_SHA2_256: return "sha256";
	case IKE_HASH_SHA2_384: return "sha384";
	case IKE_HASH_SHA2_512: return "sha512";
	}
	snprintf(other, sizeof(other), "hash-%u", hash);
	return other;
}

bool ike_hash_weak(uint16_t hash)
{
	return hash == IKE_HASH_MD5;
}

static unsigned cipher_bits(uint16_t encr, unsigned key_bits)
{
	switch (encr) {
	case IKE_ENCR_DES:
		return key_bits == 0 || key_bits == 64 ? 64 : 0;
	case IKE_ENCR_3DES:
		return key_bits == 0 || key_bits == 192 ? 192 : 0;
	case IKE_ENCR_AES_CBC:
		if (key_bits == 0)
			return 128;
		return key_bits == 128 || key_bits == 192 || key_bits == 256 ?
		       key_bits : 0;
	}
	return 0;
}

/* OpenSSL's names of the CBC ciphers, in the order of enum evp_cipher. */
static const char *const cipher_names[] = {
	"DES-CBC", "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
};
#define N_CIPHERS	(sizeof(cipher_names) / sizeof(cipher_names[0]))
enum evp_cipher { EVP_DES, EVP_3DES, EVP_AES128, EVP_AES192, EVP_AES256 };

/* The EVP cipher of (encr, key_bits); -1 if none. */
static int evp_cipher_of(uint16_t encr, unsigned key_bits)
{
	switch (cipher_bits(encr, key_bits)) {
	case 64: return EVP_DES;
	case 192: return encr == IKE_ENCR_3DES ? EVP_3DES : EVP_AES192;
	case 128: return EVP_AES128;
	case 256: return EVP_AES256;
	}
	return -1;
}

bool ike_cipher_supported(uint16_t encr, unsigned key_bits)
{
	return cipher_bits(encr, key_bits) != 0;
}

size_t ike_cipher_key_len(uint16_t encr, unsigned key_bits)
{
	unsigned bits = cipher_bits(encr, key_bits);

	/* DES keys are 8 bytes on the wire although 56 bits are effective. */
	return bits / 8;
}

size_t ike_cipher_block_len(uint16_t encr)
{
	switch (encr) {
	case IKE_ENCR_DES:
	case IKE_ENCR_3DES:
		return 8;
	case IKE_ENCR_AES_CBC:
		return 16;
	}
	return 0;
}

const char *ike_cipher_name(uint16_t encr, unsigned key_bits)
{
	static __thread char other[24];

	switch (encr) {
	case IKE_ENCR_DES: return "des";
	case IKE_ENCR_3DES: return "3des";
	case IKE_ENCR_AES_CBC:
		switch (cipher_bits(encr, key_bits)) {
		case 128: return "aes-128";
		case 192: return "aes-192";
		case 256: return "aes-256";
		}
		snprintf(other, sizeof(other), "aes-%u", key_bits);
		return other;
	}
	snprintf(other, sizeof(other), "cipher-%u", encr);
	return other;
}

bool ike_cipher_weak(uint16_t encr)
{
	return encr == IKE_ENCR_DES;
}

/* What OpenSSL is asked for by name, fetched once per process and never
 * changed after: a fetch (a name lookup under a lock, parameters parsed)
 * costs more than the short HMACs and digests of an exchange, five times
 * as much under emulation.  DES lives in OpenSSL 3's legacy provider;
 * loading a provider by hand disables the implicit default one, so both
 * are loaded. */
#define HASH_IDS	(IKE_HASH_SHA2_512 + 1)

static struct {
	OSSL_PROVIDER *legacy, *dflt;
	EVP_MAC *hmac;
	EVP_MAC_CTX *prf[HASH_IDS];	/* HMAC with the digest set, no key */
	EVP_MD *md[HASH_IDS];
	EVP_CIPHER *cipher[N_CIPHERS];
} fetched;
static pthread_once_t fetched_once = PTHREAD_ONCE_INIT;

/* Freed at exit so that leak checkers see a clean heap (the legacy
 * module is dlopen'ed and its state otherwise looks leaked). */
static void algs_release(void)
{
	for (size_t i = 0; i < HASH_IDS; i++) {
		EVP_MAC_CTX_free(fetched.prf[i]);
		EVP_MD_free(fetched.md[i]);
	}
	for (size_t i = 0; i < N_CIPHERS; i++)
		EVP_CIPHER_free(fetched.cipher[i]);
	EVP_MAC_free(fetched.hmac);
	if (fetched.legacy)
		OSSL_PROVIDER_unload(fetched.legacy);
	if (fetched.dflt)
		OSSL_PROVIDER_unload(fetched.dflt);
	memset(&fetched, 0, sizeof(fetched));
}

static void algs_fetch(void)
{
	fetched.legacy = OSSL_PROVIDER_load(NULL, "legacy");
	if (!fetched.legacy)
		log_debug("crypto: OpenSSL legacy provider unavailable; DES disabled");
	fetched.dflt = OSSL_PROVIDER_load(NULL, "default");
	fetched.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	for (uint16_t h = 0; h < HASH_IDS; h++) {
		const char *name = md_name(h);
		OSSL_PARAM params[] = {
			OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)name, 0),
			OSSL_PARAM_END
		};

		if (!name)
			continue;
		fetched.md[h] = EVP_MD_fetch(NULL, name, NULL);
		fetched.prf[h] = fetched.hmac ? EVP_MAC_CTX_new(fetched.hmac) : NULL;
		if (fetched.prf[h] && !EVP_MAC_CTX_set_params(fetched.prf[h], params)) {
			EVP_MAC_CTX_free(fetched.prf[h]);
			fetched.prf[h] = NULL;
		}
	}
	for (size_t i = 0; i < N_CIPHERS; i++)
		fetched.cipher[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
	atexit(algs_release);
}

static void algs_load(void)
{
	pthread_once(&fetched_once, algs_fetch);
}

/* ---- PRF and hash ------------------------------------------------------- */

int ike_prf(uint16_t hash, const void *key, size_t klen,
	    const struct ike_seg *segs, unsigned nseg, uint8_t *out)
{
	EVP_MAC_CTX *ctx;
	size_t outl = 0;
	int ok;

	algs_load();
	if (hash >= HASH_IDS || !fetched.prf[hash])
		return -1;
	ctx = EVP_MAC_CTX_dup(fetched.prf[hash]);
	if (!ctx)
		return -1;
	/* An empty key is legal HMAC; OpenSSL wants a non-NULL pointer. */
	ok = EVP_MAC_init(ctx, klen ? key : (const void *)"", klen, NULL);
	for (unsigned i = 0; ok && i < nseg; i++)
		if (segs[i].n)
			ok = EVP_MAC_update(ctx, segs[i].p, segs[i].n);
	if (ok)
		ok = EVP_MAC_final(ctx, out, &outl, IKE_MAX_HASH);
	EVP_MAC_CTX_free(ctx);
	return ok && outl == ike_hash_len(hash) ? 0 : -1;
}

int ike_hash(uint16_t hash, const struct ike_seg *segs, unsigned nseg,
	     uint8_t *out)
{
	EVP_MD_CTX *ctx;
	unsigned outl = 0;
	int ok;

	algs_load();
	if (hash >= HASH_IDS || !fetched.md[hash])
		return -1;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, fetched.md[hash], NULL);
	for (unsigned i = 0; ok && i < nseg; i++)
		if (segs[i].n)
			ok = EVP_DigestUpdate(ctx, segs[i].p, segs[i].n);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &outl);
	EVP_MD_CTX_free(ctx);
	return ok && outl == ike_hash_len(hash) ? 0 : -1;
}

/* prf into a new sealed secret of the hash length. */
static struct secret *prf_secret(uint16_t hash, const void *key, size_t klen,
				 const struct ike_seg *segs, unsigned nseg)
{
	uint8_t out[IKE_MAX_HASH];
	struct secret *s = NULL;

	if (ike_prf(hash, key, klen, segs, nseg, out) == 0)
		s = secret_from(out, ike_hash_len(hash));
	sodium_memzero(out, sizeof(out));
	return s;
}

#define SEG(p_, n_) ((struct ike_seg){ (p_), (n_) })
#define SSEG(s_) SEG(secret_data(s_), secret_len(s_))

/* ---- Phase 1 keys ---------------------------------------------------------- */

static uint16_t auth_base(uint16_t auth)
{
	switch (auth) {
	case IKE_AUTH_XAUTH_INIT_PSK:
	case IKE_AUTH_XAUTH_RESP_PSK:
		return IKE_AUTH_PSK;
	case IKE_AUTH_XAUTH_INIT_RSA:
	case IKE_AUTH_XAUTH_RESP_RSA:
	case IKE_AUTH_HYBRID_INIT_RSA:
	case IKE_AUTH_HYBRID_RESP_RSA:
		return IKE_AUTH_RSA_SIG;
	}
	return auth;
}

/* App. B: stretch SKEYID_e when the cipher key is longer than it. */
static struct secret *expand_enc_key(const struct ike_keys *k)
{
	size_t need = k->key_len, have = 0, hl = k->hash_len;
	uint8_t block[IKE_MAX_HASH], zero = 0;
	struct secret *key = secret_new(need);
	uint8_t *w;

	if (!key)
		return NULL;
	w = secret_wdata(key);
	if (need <= secret_len(k->skeyid_e)) {
		memcpy(w, secret_data(k->skeyid_e), need);
		secret_seal(key);
		return key;
	}
	/* K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1) */
	for (struct ike_seg seg = SEG(&zero, 1); have < need;
	     seg = SEG(block, hl)) {
		if (ike_prf(k->algs.hash, secret_data(k->skeyid_e),
			    secret_len(k->skeyid_e), &seg, 1, block) < 0) {
			secret_free(key);
			return NULL;
		}
		memcpy(w + have, block, need - have < hl ? need - have : hl);
		have += hl;
	}
	sodium_memzero(block, sizeof(block));
	secret_seal(key);
	return key;
}

static int keys_derive(struct ike_keys *k, const struct ike_p1_algs *algs,
		       const struct ike_skeyid_in *in)
{
	const uint8_t c0 = 0, c1 = 1, c2 = 2;
	struct ike_keys n = { .algs = *algs };
	uint16_t auth = auth_base(algs->auth);
	struct ike_seg s[5];

	n.hash_len = ike_hash_len(algs->hash);
	n.key_len = ike_cipher_key_len(algs->encr, algs->key_bits);
	n.block_len = ike_cipher_block_len(algs->encr);
	if (!n.hash_len || !n.key_len || !in->gxy)
		return -1;

	s[0] = SEG(in->ni_b, in->ni_len);
	s[1] = SEG(in->nr_b, in->nr_len);
	if (auth == IKE_AUTH_PSK) {
		if (!in->psk)
			return -1;
		n.skeyid = prf_secret(algs->hash, secret_data(in->psk),
				      secret_len(in->psk), s, 2);
	} else if (auth == IKE_AUTH_RSA_SIG || auth == IKE_AUTH_DSS) {
		/* key = Ni_b | Nr_b */
		uint8_t nn[2 * ISAKMP_NONCE_MAX];

		if (in->ni_len > ISAKMP_NONCE_MAX || in->nr_len > ISAKMP_NONCE_MAX)
			return -1;
		memcpy(nn, in->ni_b, in->ni_len);
		memcpy(nn + in->ni_len, in->nr_b, in->nr_len);
		s[0] = SSEG(in->gxy);
		n.skeyid = prf_secret(algs->hash, nn, in->ni_len + in->nr_len,
				      s, 1);
	} else {
		log_debug("crypto: no SKEYID for auth method %u", algs->auth);
		return -1;
	}
	if (!n.skeyid)
		goto fail;

	s[0] = SSEG(in->gxy);
	s[1] = SEG(in->cky_i, ISAKMP_COOKIE_LEN);
	s[2] = SEG(in->cky_r, ISAKMP_COOKIE_LEN);
	s[3] = SEG(&c0, 1);
	n.skeyid_d = prf_secret(algs->hash, secret_data(n.skeyid),
				secret_len(n.skeyid), s, 4);
	if (!n.skeyid_d)
		goto fail;

	s[0] = SSEG(n.skeyid_d);
	s[1] = SSEG(in->gxy);
	s[2] = SEG(in->cky_i, ISAKMP_COOKIE_LEN);
	s[3] = SEG(in->cky_r, ISAKMP_COOKIE_LEN);
	s[4] = SEG(&c1, 1);
	n.skeyid_a = prf_secret(algs->hash, secret_data(n.skeyid),
				secret_len(n.skeyid), s, 5);
	if (!n.skeyid_a)
		goto fail;

	s[0] = SSEG(n.skeyid_a);
	s[4] = SEG(&c2, 1);
	n.skeyid_e = prf_secret(algs->hash, secret_data(n.skeyid),
				secret_len(n.skeyid), s, 5);
	if (!n.skeyid_e)
		goto fail;

	n.enc_key = expand_enc_key(&n);
	if (!n.enc_key)
		goto fail;

	if (ike_cipher_weak(algs->encr) || ike_hash_weak(algs->hash) ||
	    dh_group_weak(algs->group))
		log_info("crypto: weak Phase 1 suite %s-%s-%s in use (configured)",
			 ike_cipher_name(algs->encr, algs->key_bits),
			 ike_hash_name(algs->hash), dh_group_name(algs->group));
	ike_keys_clear(k);
	*k = n;
	return 0;
fail:
	ike_keys_clear(&n);
	return -1;
}

/* SKEYID, its three children and the cipher key are written (and wiped)
 * together: one write window of the arena for the five. */
int ike_keys_derive(struct ike_keys *k, const struct ike_p1_algs *algs,
		    const struct ike_skeyid_in *in)
{
	int r;

	secret_batch_begin();
	r = keys_derive(k, algs, in);
	secret_batch_end();
	return r;
}

void ike_keys_clear(struct ike_keys *k)
{
	secret_batch_begin();
	secret_freep(&k->skeyid);
	secret_freep(&k->skeyid_d);
	secret_freep(&k->skeyid_a);
	secret_freep(&k->skeyid_e);
	secret_freep(&k->enc_key);
	secret_batch_end();
	memset(k, 0, sizeof(*k));
}

/* ---- authentication hashes ------------------------------------------------ */

int ike_hash_auth(const struct ike_keys *k, bool initiator,
		  const struct ike_skeyid_in *kin, const struct ike_auth_in *a,
		  uint8_t *out)
{
	struct ike_seg s[6];

	if (!k->skeyid)
		return -1;
	if (initiator) {
		s[0] = SEG(a->gxi, a->gxi_len);
		s[1] = SEG(a->gxr, a->gxr_len);
		s[2] = SEG(kin->cky_i, ISAKMP_COOKIE_LEN);
		s[3] = SEG(kin->cky_r, ISAKMP_COOKIE_LEN);
	} else {
		s[0] = SEG(a->gxr, a->gxr_len);
		s[1] = SEG(a->gxi, a->gxi_len);
		s[2] = SEG(kin->cky_r, ISAKMP_COOKIE_LEN);
		s[3] = SEG(kin->cky_i, ISAKMP_COOKIE_LEN);
	}
	s[4] = SEG(a->sai_b, a->sai_len);
	s[5] = SEG(a->id_b, a->id_len);
	return ike_prf(k->algs.hash, secret_data(k->skeyid),
		       secret_len(k->skeyid), s, 6, out);
}

static void be32(uint8_t b[4], uint32_t v)
{
	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

int ike_hash_msgid(const struct ike_keys *k, uint32_t msgid,
		   const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t mid[4];
	struct ike_seg s[2];

	if (!k->skeyid_a)
		return -1;
	be32(mid, msgid);
	s[0] = SEG(mid, 4);
	s[1] = SEG(data, len);
	return ike_prf(k->algs.hash, secret_data(k->skeyid_a),
		       secret_len(k->skeyid_a), s, 2, out);
}

int ike_hash_qm2(const struct ike_keys *k, uint32_t msgid,
		 const uint8_t *ni_b, size_t ni_len,
		 const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t mid[4];
	struct ike_seg s[3];

	if (!k->skeyid_a)
		return -1;
	be32(mid, msgid);
	s[0] = SEG(mid, 4);
	s[1] = SEG(ni_b, ni_len);
	s[2] = SEG(data, len);
	return ike_prf(k->algs.hash, secret_data(k->skeyid_a),
		       secret_len(k->skeyid_a), s, 3, out);
}

int ike_hash_qm3(const struct ike_keys *k, uint32_t msgid,
		 const uint8_t *ni_b, size_t ni_len,
		 const uint8_t *nr_b, size_t nr_len, uint8_t *out)
{
	const uint8_t zero = 0;
	uint8_t mid[4];
	struct ike_seg s[4];

	if (!k->skeyid_a)
		return -1;
	be32(mid, msgid);
	s[0] = SEG(&zero, 1);
	s[1] = SEG(mid, 4);
	s[2] = SEG(ni_b, ni_len);
	s[3] = SEG(nr_b, nr_len);
	return ike_prf(k->algs.hash, secret_data(k->skeyid_a),
		       secret_len(k->skeyid_a), s, 4, out);
}

int ike_keymat(const struct ike_keys *k, const struct secret *gqm_xy,
	       uint8_t proto, uint32_t spi,
	       const uint8_t *ni_b, size_t ni_len,
	       const uint8_t *nr_b, size_t nr_len,
	       size_t need, struct secret **out)
{
	uint8_t block[IKE_MAX_HASH], spib[4];
	size_t hl = k->hash_len, have = 0;
	struct secret *km;
	struct ike_seg s[6];
	unsigned n = 0, first;
	uint8_t *w;

	if (!k->skeyid_d || !need || need > 1024)
		return -1;
	km = secret_new(need);
	if (!km)
		return -1;
	w = secret_wdata(km);
	be32(spib, spi);
	s[n++] = SEG(block, hl);	/* Kn-1, skipped for K1 */
	first = n;
	if (gqm_xy)
		s[n++] = SSEG(gqm_xy);
	s[n++] = SEG(&proto, 1);
	s[n++] = SEG(spib, 4);
	s[n++] = SEG(ni_b, ni_len);
	s[n++] = SEG(nr_b, nr_len);
	for (bool k1 = true; have < need; k1 = false) {
		const struct ike_seg *from = k1 ? &s[first] : s;

		if (ike_prf(k->algs.hash, secret_data(k->skeyid_d),
			    secret_len(k->skeyid_d), from,
			    n - (unsigned)(from - s), block) < 0) {
			secret_free(km);
			sodium_memzero(block, sizeof(block));
			return -1;
		}
		memcpy(w + have, block, need - have < hl ? need - have : hl);
		have += hl;
	}
	sodium_memzero(block, sizeof(block));
	secret_seal(km);
	*out = km;
	return 0;
}

int ike_natd_hash(uint16_t hash, const uint8_t cky_i[ISAKMP_COOKIE_LEN],
		  const uint8_t cky_r[ISAKMP_COOKIE_LEN],
		  const uint8_t *addr, size_t addr_len, uint16_t port,
		  uint8_t *out)
{
	uint8_t pb[2] = { port >> 8, port & 0xff };
	struct ike_seg s[4] = {
		SEG(cky_i, ISAKMP_COOKIE_LEN), SEG(cky_r, ISAKMP_COOKIE_LEN),
		SEG(addr, addr_len), SEG(pb, 2),
	};

	if (addr_len != 4 && addr_len != 16)
		return -1;
	return ike_hash(hash, s, 4, out);
}

/* ---- IVs and encryption ------------------------------------------------ */

int ike_iv_phase1(const struct ike_keys *k, const uint8_t *gxi, size_t gxi_len,
		  const uint8_t *gxr, size_t gxr_len, struct ike_iv *iv)
{
	uint8_t h[IKE_MAX_HASH];
	struct ike_seg s[2] = { SEG(gxi, gxi_len), SEG(gxr, gxr_len) };

	if (!k->block_len || k->block_len > k->hash_len ||
	    ike_hash(k->algs.hash, s, 2, h) < 0)
		return -1;
	memcpy(iv->b, h, k->block_len);
	iv->len = k->block_len;
	return 0;
}

int ike_iv_phase2(const struct ike_keys *k, const struct ike_iv *p1_last,
		  uint32_t msgid, struct ike_iv *iv)
{
	uint8_t h[IKE_MAX_HASH], mid[4];
	struct ike_seg s[2];

	if (!k->block_len || p1_last->len != k->block_len ||
	    k->block_len > k->hash_len)
		return -1;
	be32(mid, msgid);
	s[0] = SEG(p1_last->b, p1_last->len);
	s[1] = SEG(mid, 4);
	if (ike_hash(k->algs.hash, s, 2, h) < 0)
		return -1;
	memcpy(iv->b, h, k->block_len);
	iv->len = k->block_len;
	return 0;
}

static int cbc(const struct ike_keys *k, const struct ike_iv *iv, int enc,
	       const uint8_t *in, size_t len, uint8_t *out)
{
	int ci = evp_cipher_of(k->algs.encr, k->algs.key_bits);
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *c;
	int outl = 0, fin = 0, ok;

	if (ci < 0 || !k->enc_key || iv->len != k->block_len ||
	    len % k->block_len || len > INT32_MAX)
		return -1;
	algs_load();
	c = fetched.cipher[ci];
	ctx = EVP_CIPHER_CTX_new();
	ok = c && ctx &&
	     EVP_CipherInit_ex2(ctx, c, secret_data(k->enc_key), iv->b, enc, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, out, &outl, in, (int)len) &&
	     EVP_CipherFinal_ex(ctx, out + outl, &fin);
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		log_debug("crypto: %s %s failed", cipher_names[ci],
			  enc ? "encrypt" : "decrypt");
	return ok && (size_t)(outl + fin) == len ? 0 : -1;
}

int ike_encrypt_msg(const struct ike_keys *k, struct ike_iv *iv,
		    struct isakmp_buf *msg)
{
	size_t bs = k->block_len, body, pad;
	uint8_t *p;

	if (msg->oom || msg->len < ISAKMP_HDR_LEN || !bs)
		return -1;
	body = msg->len - ISAKMP_HDR_LEN;
	pad = bs - body % bs;		/* 1..bs: there is always padding */
	p = isakmp_buf_zero(msg, pad);
	if (!p)
		return -1;
	p[pad - 1] = (uint8_t)(pad - 1);
	body += pad;
	if (msg->len > ISAKMP_MAX_MSG)
		return -1;
	if (cbc(k, iv, 1, msg->data + ISAKMP_HDR_LEN, body,
		msg->data + ISAKMP_HDR_LEN) < 0)
		return -1;
	memcpy(iv->b, msg->data + msg->len - bs, bs);
	msg->data[19] |= ISAKMP_FLAG_ENC;
	be32(msg->data + 24, (uint32_t)msg->len);
	return 0;
}

int ike_decrypt_msg(const struct ike_keys *k, const struct ike_iv *iv,
		    const uint8_t *msg, size_t len, struct isakmp_buf *out,
		    struct ike_iv *iv_next)
{
	size_t bs = k->block_len, body;
	struct isakmp_buf o;
	uint8_t *p;

	if (len <= ISAKMP_HDR_LEN || !bs)
		return -1;
	body = len - ISAKMP_HDR_LEN;
	if (body % bs)
		return -1;
	isakmp_buf_init(&o);
	p = isakmp_buf_zero(&o, len);
	if (!p)
		return -1;
	memcpy(p, msg, ISAKMP_HDR_LEN);
	if (cbc(k, iv, 0, msg + ISAKMP_HDR_LEN, body, p + ISAKMP_HDR_LEN) < 0) {
		isakmp_buf_free(&o);
		return -1;
	}
	isakmp_buf_free(out);
	*out = o;
	memcpy(iv_next->b, msg + len - bs, bs);
	iv_next->len = bs;
	return 0;
}

/* ---- randomness ------------------------------------------------------- */

void ike_random(void *p, size_t n)
{
	secret_init();
	randombytes_buf(p, n);
}

uint32_t ike_random_msgid(void)
{
	uint32_t v;

	/* Never below 256: those are the one-byte ids vpnc gives its
	 * deletes, which the engine takes again (ikesa.c reused_id_delete);
	 * none of ours may be among them, or a reflected delete of ours
	 * would be taken too. */
	do
		ike_random(&v, sizeof(v));
	while (v <= IKE_MSGID_PEER_BYTE_MAX);
	return v;
}

uint32_t ike_random_spi(void)
{
	uint32_t v;

	do
		ike_random(&v, sizeof(v));
	while (v < 256);
	return v;
}
