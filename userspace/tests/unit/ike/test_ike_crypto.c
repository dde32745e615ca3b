// SPDX-License-Identifier: MIT
/*
 * IKEv1 crypto suite against independently computed answers.  The vectors
 * in ike_vectors.h come from gen_ike_vectors.py: RFC 2409's formulas
 * rewritten in Python over hmac/hashlib, and `openssl enc -nopad` for the
 * Phase 1 message encryption.  Nothing here is derived from evsd itself.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "lib/daemon_log.h"
#include "lib/secret.h"
#include "tests/unit/ike_vectors.h"
#include "tests/unit/unit.h"

static void derive(const struct v_suite *v, struct ike_keys *k,
		   struct ike_skeyid_in *in, struct secret **psk,
		   struct secret **gxy)
{
	struct ike_p1_algs algs = {
		.encr = v->encr, .key_bits = v->key_bits, .hash = v->hash,
		.auth = v->auth, .group = DH_MODP_1024,
	};

	*psk = secret_from(v_psk, sizeof(v_psk));
	*gxy = secret_from(v_gxy, sizeof(v_gxy));
	memset(in, 0, sizeof(*in));
	in->psk = v->auth == IKE_AUTH_PSK ? *psk : NULL;
	in->ni_b = v_ni;
	in->ni_len = sizeof(v_ni);
	in->nr_b = v_nr;
	in->nr_len = sizeof(v_nr);
	in->gxy = *gxy;
	memcpy(in->cky_i, v_cky_i, 8);
	memcpy(in->cky_r, v_cky_r, 8);
	memset(k, 0, sizeof(*k));
	UNIT_ASSERT_EQ_INT(ike_keys_derive(k, &algs, in), 0);
}

UNIT_TEST(skeyid_and_key_expansion)
{
	evsd_log_set_quiet(true);
	for (size_t i = 0; i < sizeof(v_suites) / sizeof(v_suites[0]); i++) {
		const struct v_suite *v = &v_suites[i];
		struct ike_skeyid_in in;
		struct secret *psk, *gxy;
		struct ike_keys k;

		printf("# suite %s\n", v->name);
		derive(v, &k, &in, &psk, &gxy);
		UNIT_ASSERT_EQ_INT(k.hash_len, v->hlen);
		UNIT_ASSERT_EQ_INT(secret_len(k.skeyid), v->hlen);
		UNIT_ASSERT_MEM_EQ(secret_data(k.skeyid), v->skeyid, v->hlen);
		UNIT_ASSERT_MEM_EQ(secret_data(k.skeyid_d), v->d, v->hlen);
		UNIT_ASSERT_MEM_EQ(secret_data(k.skeyid_a), v->a, v->hlen);
		UNIT_ASSERT_MEM_EQ(secret_data(k.skeyid_e), v->e, v->hlen);
		UNIT_ASSERT_EQ_INT(secret_len(k.enc_key), v->klen);
		UNIT_ASSERT_MEM_EQ(secret_data(k.enc_key), v->key, v->klen);
		ike_keys_clear(&k);
		secret_free(psk);
		secret_free(gxy);
	}
}

UNIT_TEST(phase1_auth_hashes)
{
	for (size_t i = 0; i < sizeof(v_suites) / sizeof(v_suites[0]); i++) {
		const struct v_suite *v = &v_suites[i];
		struct ike_skeyid_in in;
		struct secret *psk, *gxy;
		struct ike_keys k;
		struct ike_auth_in a = {
			.gxi = v_gxi, .gxi_len = sizeof(v_gxi),
			.gxr = v_gxr, .gxr_len = sizeof(v_gxr),
			.sai_b = v_sai_b, .sai_len = sizeof(v_sai_b),
		};
		uint8_t out[IKE_MAX_HASH];

		derive(v, &k, &in, &psk, &gxy);
		a.id_b = v_idii_b;
		a.id_len = sizeof(v_idii_b);
		UNIT_ASSERT_EQ_INT(ike_hash_auth(&k, true, &in, &a, out), 0);
		UNIT_ASSERT_MEM_EQ(out, v->hash_i, v->hlen);
		a.id_b = v_idir_b;
		a.id_len = sizeof(v_idir_b);
		UNIT_ASSERT_EQ_INT(ike_hash_auth(&k, false, &in, &a, out), 0);
		UNIT_ASSERT_MEM_EQ(out, v->hash_r, v->hlen);
		ike_keys_clear(&k);
		secret_free(psk);
		secret_free(gxy);
	}
}

UNIT_TEST(phase2_hashes_ivs_keymat_natd)
{
	for (size_t i = 0; i < sizeof(v_suites) / sizeof(v_suites[0]); i++) {
		const struct v_suite *v = &v_suites[i];
		struct ike_skeyid_in in;
		struct secret *psk, *gxy, *km = NULL, *gqm;
		struct ike_iv iv1, iv2;
		struct ike_keys k;
		uint8_t out[IKE_MAX_HASH];

		derive(v, &k, &in, &psk, &gxy);
		UNIT_ASSERT_EQ_INT(ike_iv_phase1(&k, v_gxi, sizeof(v_gxi), v_gxr,
						 sizeof(v_gxr), &iv1), 0);
		UNIT_ASSERT_EQ_INT(iv1.len, v->blen);
		UNIT_ASSERT_MEM_EQ(iv1.b, v->iv1, v->blen);
		UNIT_ASSERT_EQ_INT(ike_iv_phase2(&k, &iv1, V_MSGID, &iv2), 0);
		UNIT_ASSERT_MEM_EQ(iv2.b, v->iv2, v->blen);

		UNIT_ASSERT_EQ_INT(ike_hash_msgid(&k, V_MSGID, v_after,
						  sizeof(v_after), out), 0);
		UNIT_ASSERT_MEM_EQ(out, v->hmsg, v->hlen);
		UNIT_ASSERT_EQ_INT(ike_hash_qm2(&k, V_MSGID, v_ni, sizeof(v_ni),
						v_after, sizeof(v_after), out), 0);
		UNIT_ASSERT_MEM_EQ(out, v->qm2, v->hlen);
		UNIT_ASSERT_EQ_INT(ike_hash_qm3(&k, V_MSGID, v_ni, sizeof(v_ni),
						v_nr, sizeof(v_nr), out), 0);
		UNIT_ASSERT_MEM_EQ(out, v->qm3, v->hlen);

		UNIT_ASSERT_EQ_INT(ike_keymat(&k, NULL, ISAKMP_PROTO_ESP, V_SPI,
					      v_ni, sizeof(v_ni), v_nr,
					      sizeof(v_nr), V_KEYMAT_LEN, &km), 0);
		UNIT_ASSERT_EQ_INT(secret_len(km), V_KEYMAT_LEN);
		UNIT_ASSERT_MEM_EQ(secret_data(km), v->km, V_KEYMAT_LEN);
		secret_freep(&km);
		gqm = secret_from(v_gqm, sizeof(v_gqm));
		UNIT_ASSERT_EQ_INT(ike_keymat(&k, gqm, ISAKMP_PROTO_ESP, V_SPI,
					      v_ni, sizeof(v_ni), v_nr,
					      sizeof(v_nr), V_KEYMAT_LEN, &km), 0);
		UNIT_ASSERT_MEM_EQ(secret_data(km), v->km_pfs, V_KEYMAT_LEN);
		secret_freep(&km);
		secret_free(gqm);

		UNIT_ASSERT_EQ_INT(ike_natd_hash(v->hash, v_cky_i, v_cky_r,
						 v_natd_addr, 4, V_NATD_PORT,
						 out), 0);
		UNIT_ASSERT_MEM_EQ(out, v->natd, v->hlen);
		ike_keys_clear(&k);
		secret_free(psk);
		secret_free(gxy);
	}
}

UNIT_TEST(message_encryption_known_answer_and_iv_chaining)
{
	for (size_t i = 0; i < sizeof(v_suites) / sizeof(v_suites[0]); i++) {
		const struct v_suite *v = &v_suites[i];
		struct isakmp_buf msg, plain;
		struct ike_skeyid_in in;
		struct secret *psk, *gxy;
		struct ike_iv iv, iv_rx, iv_next;
		struct ike_keys k;
		uint8_t hdr[ISAKMP_HDR_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

		derive(v, &k, &in, &psk, &gxy);
		UNIT_ASSERT_EQ_INT(ike_iv_phase1(&k, v_gxi, sizeof(v_gxi), v_gxr,
						 sizeof(v_gxr), &iv), 0);
		iv_rx = iv;
		hdr[17] = ISAKMP_VERSION;
		hdr[18] = ISAKMP_EXCH_MAIN;
		isakmp_buf_init(&msg);
		isakmp_buf_put(&msg, hdr, sizeof(hdr));
		isakmp_buf_put(&msg, v_body, sizeof(v_body));
		UNIT_ASSERT_EQ_INT(ike_encrypt_msg(&k, &iv, &msg), 0);
		UNIT_ASSERT_EQ_INT(msg.len, ISAKMP_HDR_LEN + v->clen);
		UNIT_ASSERT_MEM_EQ(msg.data + ISAKMP_HDR_LEN, v->cipher, v->clen);
		UNIT_ASSERT(msg.data[19] & ISAKMP_FLAG_ENC);
		UNIT_ASSERT_EQ_INT(msg.data[27], msg.len & 0xff);
		/* The next IV is the last ciphertext block (App. B). */
		UNIT_ASSERT_MEM_EQ(iv.b, v->cipher + v->clen - v->blen, v->blen);

		isakmp_buf_init(&plain);
		UNIT_ASSERT_EQ_INT(ike_decrypt_msg(&k, &iv_rx, msg.data, msg.len,
						   &plain, &iv_next), 0);
		UNIT_ASSERT_MEM_EQ(plain.data + ISAKMP_HDR_LEN, v_body, sizeof(v_body));
		UNIT_ASSERT_MEM_EQ(iv_next.b, iv.b, v->blen);
		/* Not a whole number of blocks: refused. */
		UNIT_ASSERT_EQ_INT(ike_decrypt_msg(&k, &iv_rx, msg.data, msg.len - 1,
						   &plain, &iv_next), -1);
		isakmp_buf_free(&plain);
		isakmp_buf_free(&msg);
		ike_keys_clear(&k);
		secret_free(psk);
		secret_free(gxy);
	}
}

static const uint16_t all_groups[] = { 2, 5, 14, 15, 16, 19, 20, 21, 31 };

UNIT_TEST(dh_agreement_every_group)
{
	for (size_t i = 0; i < sizeof(all_groups) / sizeof(all_groups[0]); i++) {
		uint16_t g = all_groups[i];
		struct dh *a = dh_new(g), *b = dh_new(g);
		struct secret *sa = NULL, *sb = NULL;
		const uint8_t *pa, *pb;
		size_t la, lb;

		UNIT_ASSERT(a && b);
		printf("# group %u (%s): private value %u bits\n", g, dh_group_name(g),
		       dh_private_bits(a));
		/* MODP: short exponents, about twice the strength; group 2 too
		 * (it had 1,023 bits: six times the work of each power) */
		if (g < 19)
			UNIT_ASSERT(dh_private_bits(a) <= 2 * dh_group_strength(g) + 32);
		if (g == 2)
			UNIT_ASSERT(dh_private_bits(a) <= 160 && dh_private_bits(b) > 128);
		pa = dh_public(a, &la);
		pb = dh_public(b, &lb);
		UNIT_ASSERT_EQ_INT(la, dh_public_len(g));
		UNIT_ASSERT_EQ_INT(lb, dh_public_len(g));
		UNIT_ASSERT(memcmp(pa, pb, la) != 0);
		UNIT_ASSERT_EQ_INT(dh_shared(a, pb, lb, &sa), 0);
		UNIT_ASSERT_EQ_INT(dh_shared(b, pa, la, &sb), 0);
		UNIT_ASSERT(secret_equal(sa, sb));
		/* MODP g^xy is padded to the prime; ECP is the x coordinate. */
		if (g < 19)
			UNIT_ASSERT_EQ_INT(secret_len(sa), dh_public_len(g));
		else
			UNIT_ASSERT_EQ_INT(secret_len(sa), g == 31 ? 32 : dh_public_len(g) / 2);
		/* Wrong length refused. */
		UNIT_ASSERT_EQ_INT(dh_shared(a, pb, lb - 1, &sb), -1);
		secret_free(sa);
		secret_free(sb);
		dh_free(a);
		dh_free(b);
	}
}

/* An OpenSSL EVP DH key of the group (p, g = 2): the other side. */
static EVP_PKEY *openssl_modp_key(BIGNUM *p)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL), *kc = NULL;
	EVP_PKEY *params = NULL, *key = NULL;
	OSSL_PARAM *prm = NULL;

	if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
	    OSSL_PARAM_BLD_push_uint(bld, OSSL_PKEY_PARAM_FFC_G, 2))
		prm = OSSL_PARAM_BLD_to_param(bld);
	if (prm && pc && EVP_PKEY_fromdata_init(pc) > 0 &&
	    EVP_PKEY_fromdata(pc, &params, EVP_PKEY_KEY_PARAMETERS, prm) > 0)
		kc = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
	if (kc && EVP_PKEY_keygen_init(kc) > 0)
		EVP_PKEY_keygen(kc, &key);
	EVP_PKEY_CTX_free(kc);
	EVP_PKEY_free(params);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* MODP against OpenSSL's own DH (EVP, its key pair, its derive): the
 * same g^xy on both sides, so the primes, the generator, the padding and
 * the powers are right. */
UNIT_TEST(dh_modp_agrees_with_openssl_evp)
{
	static const struct {
		uint16_t group;
		BIGNUM *(*prime)(BIGNUM *);
	} modp[] = {
		{ 2, BN_get_rfc2409_prime_1024 }, { 5, BN_get_rfc3526_prime_1536 },
		{ 14, BN_get_rfc3526_prime_2048 }, { 15, BN_get_rfc3526_prime_3072 },
		{ 16, BN_get_rfc3526_prime_4096 },
	};

	for (size_t i = 0; i < sizeof(modp) / sizeof(modp[0]); i++) {
		size_t plen = dh_public_len(modp[i].group), ours_len, n = 0;
		BIGNUM *p = modp[i].prime(NULL), *y = NULL;
		EVP_PKEY *theirs = openssl_modp_key(p), *peer = NULL;
		struct dh *ours = dh_new(modp[i].group);
		uint8_t their_pub[512], their_z[512];
		const uint8_t *ours_pub = dh_public(ours, &ours_len);
		OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
		OSSL_PARAM *prm = NULL;
		EVP_PKEY_CTX *c;
		struct secret *z = NULL;

		UNIT_ASSERT(p && theirs && ours && bld);
		UNIT_ASSERT(EVP_PKEY_get_bn_param(theirs, OSSL_PKEY_PARAM_PUB_KEY, &y));
		UNIT_ASSERT_EQ_INT(BN_bn2binpad(y, their_pub, (int)plen), (int)plen);
		UNIT_ASSERT_EQ_INT(dh_shared(ours, their_pub, plen, &z), 0);
		/* Their side: our public value as a key of the same group. */
		BN_free(y);
		y = BN_bin2bn(ours_pub, (int)ours_len, NULL);
		UNIT_ASSERT(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
			    OSSL_PARAM_BLD_push_uint(bld, OSSL_PKEY_PARAM_FFC_G, 2) &&
			    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y));
		prm = OSSL_PARAM_BLD_to_param(bld);
		c = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
		UNIT_ASSERT(c && EVP_PKEY_fromdata_init(c) > 0 &&
			    EVP_PKEY_fromdata(c, &peer, EVP_PKEY_PUBLIC_KEY, prm) > 0);
		EVP_PKEY_CTX_free(c);
		c = EVP_PKEY_CTX_new_from_pkey(NULL, theirs, NULL);
		n = sizeof(their_z);
		UNIT_ASSERT(c && EVP_PKEY_derive_init(c) > 0 &&
			    EVP_PKEY_CTX_set_dh_pad(c, 1) > 0 &&
			    EVP_PKEY_derive_set_peer(c, peer) > 0 &&
			    EVP_PKEY_derive(c, their_z, &n) > 0);
		UNIT_ASSERT_EQ_INT(n, plen);
		UNIT_ASSERT_EQ_INT(secret_len(z), plen);
		UNIT_ASSERT(memcmp(secret_data(z), their_z, plen) == 0);
		/* p - 1 (order 2) refused as well as 0, 1 and values >= p. */
		UNIT_ASSERT(BN_sub_word(p, 1));
		UNIT_ASSERT_EQ_INT(BN_bn2binpad(p, their_pub, (int)plen), (int)plen);
		secret_free(z);
		z = NULL;
		UNIT_ASSERT_EQ_INT(dh_shared(ours, their_pub, plen, &z), -1);
		UNIT_ASSERT(!z);
		EVP_PKEY_CTX_free(c);
		EVP_PKEY_free(peer);
		EVP_PKEY_free(theirs);
		OSSL_PARAM_free(prm);
		OSSL_PARAM_BLD_free(bld);
		BN_free(y);
		BN_free(p);
		dh_free(ours);
	}
}

UNIT_TEST(dh_rejects_degenerate_peer_values)
{
	uint8_t v[512];
	struct secret *s = NULL;
	struct dh *d;

	/* MODP: y = 1 and y = 0 force the shared secret. */
	d = dh_new(14);
	UNIT_ASSERT(d);
	memset(v, 0, 256);
	v[255] = 1;
	UNIT_ASSERT_EQ_INT(dh_shared(d, v, 256, &s), -1);
	v[255] = 0;
	UNIT_ASSERT_EQ_INT(dh_shared(d, v, 256, &s), -1);
	memset(v, 0xff, 256);		/* > p */
	UNIT_ASSERT_EQ_INT(dh_shared(d, v, 256, &s), -1);
	dh_free(d);

	/* ECP: a point not on the curve. */
	d = dh_new(19);
	UNIT_ASSERT(d);
	memset(v, 0x5a, 64);
	UNIT_ASSERT_EQ_INT(dh_shared(d, v, 64, &s), -1);
	dh_free(d);

	/* X25519: the zero point (low order) gives an all-zero secret. */
	d = dh_new(31);
	UNIT_ASSERT(d);
	memset(v, 0, 32);
	UNIT_ASSERT_EQ_INT(dh_shared(d, v, 32, &s), -1);
	dh_free(d);
	UNIT_ASSERT(!dh_new(1));
	UNIT_ASSERT(!s);
}

UNIT_TEST(algorithm_tables)
{
	UNIT_ASSERT_EQ_INT(ike_cipher_key_len(IKE_ENCR_3DES, 0), 24);
	UNIT_ASSERT_EQ_INT(ike_cipher_key_len(IKE_ENCR_AES_CBC, 0), 16);
	UNIT_ASSERT_EQ_INT(ike_cipher_key_len(IKE_ENCR_AES_CBC, 256), 32);
	UNIT_ASSERT(!ike_cipher_supported(IKE_ENCR_AES_CBC, 512));
	UNIT_ASSERT(!ike_cipher_supported(IKE_ENCR_BLOWFISH, 0));
	UNIT_ASSERT(ike_cipher_weak(IKE_ENCR_DES));
	UNIT_ASSERT(ike_hash_weak(IKE_HASH_MD5));
	UNIT_ASSERT(dh_group_weak(2));
	UNIT_ASSERT(!dh_group_weak(14));
	UNIT_ASSERT(ike_random_spi() >= 256);
	for (int i = 0; i < 1000; i++)
		UNIT_ASSERT(ike_random_msgid() > IKE_MSGID_PEER_BYTE_MAX);
}

UNIT_MAIN()
