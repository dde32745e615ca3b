// SPDX-License-Identifier: MIT
/*
 * Two parties in one process run a main-mode PSK Phase 1 and a quick mode
 * with PFS using only the ike-core modules (codec, proposals, DH, crypto):
 * every message is built, encrypted, decrypted, parsed and verified the
 * way the engine does it.  Checks that the pieces fit: both sides derive
 * the same keys and IVs, each side's hashes verify on the other, and each
 * SA's KEYMAT is the same at its sender and its receiver.
 */
#include <string.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/isakmp.h"
#include "lib/daemon_log.h"
#include "ike/proposal.h"
#include "lib/secret.h"
#include "tests/unit/unit.h"

struct party {
	struct dh *dh;
	uint8_t nonce[16];
	struct ike_keys keys;
	struct ike_skeyid_in kin;
	struct ike_iv iv;		/* Phase 1 running IV */
	struct ike_iv qiv;		/* quick mode IV */
	struct secret *psk, *gxy, *gqm;
	struct dh *qdh;
	uint8_t qnonce[16];
	uint32_t spi;
};

static struct isakmp_hdr hdr_of(const uint8_t ci[8], const uint8_t cr[8],
				uint8_t exch, uint32_t msgid)
{
	struct isakmp_hdr h = { .exch = exch, .msgid = msgid };

	memcpy(h.icookie, ci, 8);
	memcpy(h.rcookie, cr, 8);
	return h;
}

/* Encrypt a finished message with *iv (advanced), hand back the bytes. */
static void seal(const struct ike_keys *k, struct ike_iv *iv, struct isakmp_bld *b)
{
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(b), 0);
	UNIT_ASSERT_EQ_INT(ike_encrypt_msg(k, iv, &b->buf), 0);
}

/* Receive side: header, decrypt with *iv, parse; commit the IV only if
 * asked (after the caller verified the hash). */
static int try_open(const struct ike_keys *k, const struct ike_iv *iv,
		    const struct isakmp_buf *wire, struct isakmp_buf *plain,
		    struct isakmp_msg *m, struct ike_iv *iv_next)
{
	struct isakmp_perr e;

	UNIT_ASSERT_EQ_INT(isakmp_parse_hdr(wire->data, wire->len, &m->hdr, &e), 0);
	UNIT_ASSERT(m->hdr.flags & ISAKMP_FLAG_ENC);
	isakmp_buf_init(plain);
	UNIT_ASSERT_EQ_INT(ike_decrypt_msg(k, iv, wire->data, wire->len, plain,
					   iv_next), 0);
	return isakmp_parse_body(&m->hdr, plain->data + ISAKMP_HDR_LEN,
				 plain->len - ISAKMP_HDR_LEN, ISAKMP_PARSE_PADDED,
				 m, &e);
}

static void open_msg(const struct ike_keys *k, const struct ike_iv *iv,
		     const struct isakmp_buf *wire, struct isakmp_buf *plain,
		     struct isakmp_msg *m, struct ike_iv *iv_next)
{
	UNIT_ASSERT_EQ_INT(try_open(k, iv, wire, plain, m, iv_next), 0);
}

/* Bytes after the first payload up to the end of the last (no padding). */
static const uint8_t *after_first(const struct isakmp_msg *m, size_t *len)
{
	const struct isakmp_payload *last = &m->p[m->n - 1];
	const uint8_t *start = m->p[0].body + m->p[0].len;

	*len = (size_t)(last->body + last->len - start);
	return start;
}

static void run_exchange(const char *psk_i, const char *psk_r, bool expect_ok)
{
	static const struct p1_policy pol[] = {
		{ .number = 10, .encr = IKE_ENCR_AES_CBC, .key_bits = 256,
		  .hash = IKE_HASH_SHA2_256, .auth = IKE_AUTH_PSK, .group = 19,
		  .life_secs = 86400 },
		{ .number = 20, .encr = IKE_ENCR_3DES, .hash = IKE_HASH_SHA1,
		  .auth = IKE_AUTH_PSK, .group = 14, .life_secs = 86400 },
	};
	struct p1_caps caps = {
		.n_encr = 2, .encr = { { IKE_ENCR_3DES, 0 }, { IKE_ENCR_AES_CBC, 128 } },
		.n_hash = 1, .hash = { IKE_HASH_SHA1 },
		.n_group = 1, .group = { 14 },
		.n_auth = 1, .auth = { IKE_AUTH_PSK }, .life_secs = 3600,
	};
	static const struct p2_set set = {
		.name = "S", .n_esp = 1, .esp = { { ESP_AES_CBC, 128 } },
		.n_auth = 1, .auth = { IPSEC_AUTH_HMAC_SHA1 } };
	struct p2_params cprm = { .pfs_group = 14, .life_secs = 3600 };
	struct p2_params sprm = { .life_secs = 3600 };
	uint8_t ci[8], cr[8], ipi[4] = { 198, 51, 100, 7 }, ipr[4] = { 203, 0, 113, 1 };
	uint8_t h[IKE_MAX_HASH], sai_b[1024];
	struct party I = { 0 }, R = { 0 };
	struct p1_xform off[16], got[16], rep[2];
	struct p2_xform poff[8], pgot[8], prep[2];
	struct isakmp_bld b;
	struct isakmp_buf plain;
	struct isakmp_msg m;
	struct isakmp_sa sa;
	struct isakmp_perr e;
	struct p1_match pm;
	struct p2_match qm;
	struct ike_p1_algs algs;
	struct ike_auth_in ai;
	struct ike_iv nx;
	const struct isakmp_payload *p;
	const uint8_t *rest, *pub;
	size_t sai_len, rlen, pl, off_hash;
	struct isakmp_id idi = { .type = ISAKMP_ID_IPV4_ADDR, .proto = 17,
				 .port = 500, .data = ipi, .len = 4 };
	struct isakmp_id idr = { .type = ISAKMP_ID_IPV4_ADDR, .proto = 17,
				 .port = 500, .data = ipr, .len = 4 };
	uint8_t idi_b[8], idr_b[8];
	struct secret *km_i_out = NULL, *km_r_in = NULL, *km_r_out = NULL, *km_i_in = NULL;
	uint32_t qmid = 0x0badcafe;
	int n;

	evsd_log_set_quiet(true);
	ike_random(ci, 8);
	ike_random(cr, 8);

	/* MM1: initiator's SA; the responder keeps SAi_b as received */
	n = p1_permute(&caps, false, off, 16);
	UNIT_ASSERT_EQ_INT(n, 2);
	{
		struct isakmp_hdr hh = hdr_of(ci, (uint8_t[8]){ 0 }, ISAKMP_EXCH_MAIN, 0);

		isakmp_bld_init(&b, &hh);
	}
	p1_build_sa(&b, off, (size_t)n);
	isakmp_add_vid(&b, VID_NATT_RFC3947);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &m, &e), 0);
	p = isakmp_msg_find(&m, ISAKMP_PT_SA, 0);
	memcpy(sai_b, p->body, p->len);
	sai_len = p->len;
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(p->body, p->len, &sa, &e), 0);
	UNIT_ASSERT_EQ_INT(p1_parse_sa(&sa, got, 16, &e), 2);
	isakmp_buf_free(&b.buf);

	/* MM2: responder picks policy 20 (3DES-SHA1-14), the client's first */
	UNIT_ASSERT_EQ_INT(p1_select(pol, 2, got, 2, &pm), 0);
	UNIT_ASSERT_EQ_INT(pol[pm.policy].number, 20);
	{
		struct isakmp_hdr hh = hdr_of(ci, cr, ISAKMP_EXCH_MAIN, 0);

		isakmp_bld_init(&b, &hh);
	}
	p1_build_sa(&b, &pm.chosen, 1);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &m, &e), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(m.p[0].body, m.p[0].len, &sa, &e), 0);
	UNIT_ASSERT_EQ_INT(p1_parse_sa(&sa, rep, 2, &e), 1);
	UNIT_ASSERT_EQ_INT(p1_check_reply(off, (size_t)n, &rep[0]), 0);
	isakmp_buf_free(&b.buf);
	algs = (struct ike_p1_algs){ rep[0].encr, rep[0].key_bits, rep[0].hash,
				     IKE_AUTH_PSK, rep[0].group };

	/* MM3/MM4: KE and nonces (payload handling is the codec's; the
	 * values are exchanged directly here) */
	I.dh = dh_new(algs.group);
	R.dh = dh_new(algs.group);
	UNIT_ASSERT(I.dh && R.dh);
	ike_random(I.nonce, 16);
	ike_random(R.nonce, 16);
	pub = dh_public(R.dh, &pl);
	UNIT_ASSERT_EQ_INT(dh_shared(I.dh, pub, pl, &I.gxy), 0);
	pub = dh_public(I.dh, &pl);
	UNIT_ASSERT_EQ_INT(dh_shared(R.dh, pub, pl, &R.gxy), 0);
	I.psk = secret_from(psk_i, strlen(psk_i));
	R.psk = secret_from(psk_r, strlen(psk_r));
	for (struct party *x = &I; x; x = x == &I ? &R : NULL) {
		x->kin = (struct ike_skeyid_in){ .psk = x->psk, .ni_b = I.nonce,
			.ni_len = 16, .nr_b = R.nonce, .nr_len = 16, .gxy = x->gxy };
		memcpy(x->kin.cky_i, ci, 8);
		memcpy(x->kin.cky_r, cr, 8);
		UNIT_ASSERT_EQ_INT(ike_keys_derive(&x->keys, &algs, &x->kin), 0);
		UNIT_ASSERT_EQ_INT(ike_iv_phase1(&x->keys, dh_public(I.dh, &pl), pl,
						 dh_public(R.dh, &pl), pl, &x->iv), 0);
	}
	UNIT_ASSERT(secret_equal(I.keys.skeyid_d, R.keys.skeyid_d) == expect_ok);

	/* MM5: IDii + HASH_I, encrypted */
	memset(&ai, 0, sizeof(ai));
	ai.gxi = dh_public(I.dh, &ai.gxi_len);
	ai.gxr = dh_public(R.dh, &ai.gxr_len);
	ai.sai_b = sai_b;
	ai.sai_len = sai_len;
	idi_b[0] = idi.type; idi_b[1] = idi.proto; idi_b[2] = 1; idi_b[3] = 0xf4;
	memcpy(idi_b + 4, ipi, 4);
	ai.id_b = idi_b;
	ai.id_len = 8;
	UNIT_ASSERT_EQ_INT(ike_hash_auth(&I.keys, true, &I.kin, &ai, h), 0);
	{
		struct isakmp_hdr hh = hdr_of(ci, cr, ISAKMP_EXCH_MAIN, 0);

		isakmp_bld_init(&b, &hh);
	}
	isakmp_add_id(&b, &idi);
	isakmp_add_raw(&b, ISAKMP_PT_HASH, h, I.keys.hash_len);
	seal(&I.keys, &I.iv, &b);
	if (!expect_ok) {
		/* wrong PSK: R's keys differ, so the decrypted bytes do not
		 * even parse (or, by chance, the hash cannot match) */
		if (try_open(&R.keys, &R.iv, &b.buf, &plain, &m, &nx) == 0) {
			UNIT_ASSERT_EQ_INT(ike_hash_auth(&R.keys, true, &R.kin, &ai, h), 0);
			p = isakmp_msg_find(&m, ISAKMP_PT_HASH, 0);
			UNIT_ASSERT(!p || p->len != R.keys.hash_len ||
				    !secret_memeq(h, p->body, R.keys.hash_len));
		}
		isakmp_buf_free(&plain);
		isakmp_buf_free(&b.buf);
		goto out;
	}
	open_msg(&R.keys, &R.iv, &b.buf, &plain, &m, &nx);
	p = isakmp_msg_find(&m, ISAKMP_PT_ID, 0);
	UNIT_ASSERT(p && p->len == 8 && !memcmp(p->body, idi_b, 8));
	ai.id_b = p->body;
	UNIT_ASSERT_EQ_INT(ike_hash_auth(&R.keys, true, &R.kin, &ai, h), 0);
	p = isakmp_msg_find(&m, ISAKMP_PT_HASH, 0);
	UNIT_ASSERT(secret_memeq(h, p->body, R.keys.hash_len));
	R.iv = nx;				/* authenticated: commit */
	isakmp_buf_free(&plain);
	isakmp_buf_free(&b.buf);

	/* MM6: IDir + HASH_R */
	idr_b[0] = idr.type; idr_b[1] = idr.proto; idr_b[2] = 1; idr_b[3] = 0xf4;
	memcpy(idr_b + 4, ipr, 4);
	ai.id_b = idr_b;
	UNIT_ASSERT_EQ_INT(ike_hash_auth(&R.keys, false, &R.kin, &ai, h), 0);
	{
		struct isakmp_hdr hh = hdr_of(ci, cr, ISAKMP_EXCH_MAIN, 0);

		isakmp_bld_init(&b, &hh);
	}
	isakmp_add_id(&b, &idr);
	isakmp_add_raw(&b, ISAKMP_PT_HASH, h, R.keys.hash_len);
	seal(&R.keys, &R.iv, &b);
	open_msg(&I.keys, &I.iv, &b.buf, &plain, &m, &nx);
	UNIT_ASSERT_EQ_INT(ike_hash_auth(&I.keys, false, &I.kin, &ai, h), 0);
	UNIT_ASSERT(secret_memeq(h, isakmp_msg_find(&m, ISAKMP_PT_HASH, 0)->body,
				 I.keys.hash_len));
	I.iv = nx;
	isakmp_buf_free(&plain);
	isakmp_buf_free(&b.buf);
	/* both hold the last Phase 1 CBC block */
	UNIT_ASSERT_MEM_EQ(I.iv.b, R.iv.b, I.iv.len);

	/* QM1: HASH(1), SA, Ni, KE, IDci, IDcr (PFS) */
	UNIT_ASSERT_EQ_INT(ike_iv_phase2(&I.keys, &I.iv, qmid, &I.qiv), 0);
	UNIT_ASSERT_EQ_INT(ike_iv_phase2(&R.keys, &R.iv, qmid, &R.qiv), 0);
	I.spi = ike_random_spi();
	R.spi = ike_random_spi();
	I.qdh = dh_new(cprm.pfs_group);
	R.qdh = dh_new(cprm.pfs_group);
	ike_random(I.qnonce, 16);
	ike_random(R.qnonce, 16);
	n = p2_permute(&set, 1, &cprm, poff, 8);
	UNIT_ASSERT_EQ_INT(n, 1);
	{
		struct isakmp_hdr hh = hdr_of(ci, cr, ISAKMP_EXCH_QUICK, qmid);

		isakmp_bld_init(&b, &hh);
	}
	off_hash = isakmp_add_hash_slot(&b, I.keys.hash_len);
	p2_build_sa(&b, poff, (size_t)n, I.spi);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, I.qnonce, 16);
	pub = dh_public(I.qdh, &pl);
	isakmp_add_raw(&b, ISAKMP_PT_KE, pub, pl);
	isakmp_add_id(&b, &idi);
	isakmp_add_id(&b, &idr);
	rest = isakmp_bld_after(&b, off_hash, I.keys.hash_len, &rlen);
	UNIT_ASSERT_EQ_INT(ike_hash_msgid(&I.keys, qmid, rest, rlen, h), 0);
	memcpy(b.buf.data + off_hash, h, I.keys.hash_len);
	seal(&I.keys, &I.qiv, &b);
	open_msg(&R.keys, &R.qiv, &b.buf, &plain, &m, &nx);
	UNIT_ASSERT_EQ_INT(m.p[0].type, ISAKMP_PT_HASH);
	rest = after_first(&m, &rlen);
	UNIT_ASSERT_EQ_INT(ike_hash_msgid(&R.keys, qmid, rest, rlen, h), 0);
	UNIT_ASSERT(secret_memeq(h, m.p[0].body, R.keys.hash_len));
	R.qiv = nx;
	p = isakmp_msg_find(&m, ISAKMP_PT_SA, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(p->body, p->len, &sa, &e), 0);
	UNIT_ASSERT_EQ_INT(p2_parse_sa(&sa, pgot, 8, &e), 1);
	UNIT_ASSERT_EQ_INT(pgot[0].spi, I.spi);
	UNIT_ASSERT_EQ_INT(p2_select(&set, 1, &sprm, pgot, 1, &qm), 0);
	UNIT_ASSERT_EQ_INT(qm.chosen.group, 14);
	p = isakmp_msg_find(&m, ISAKMP_PT_KE, 0);
	UNIT_ASSERT_EQ_INT(dh_shared(R.qdh, p->body, p->len, &R.gqm), 0);
	isakmp_buf_free(&plain);
	isakmp_buf_free(&b.buf);

	/* QM2: HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr | KE | IDs) */
	{
		struct isakmp_hdr hh = hdr_of(ci, cr, ISAKMP_EXCH_QUICK, qmid);

		isakmp_bld_init(&b, &hh);
	}
	off_hash = isakmp_add_hash_slot(&b, R.keys.hash_len);
	p2_build_reply_sa(&b, &qm.chosen, R.spi);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, R.qnonce, 16);
	pub = dh_public(R.qdh, &pl);
	isakmp_add_raw(&b, ISAKMP_PT_KE, pub, pl);
	isakmp_add_id(&b, &idi);
	isakmp_add_id(&b, &idr);
	rest = isakmp_bld_after(&b, off_hash, R.keys.hash_len, &rlen);
	UNIT_ASSERT_EQ_INT(ike_hash_qm2(&R.keys, qmid, I.qnonce, 16, rest, rlen, h), 0);
	memcpy(b.buf.data + off_hash, h, R.keys.hash_len);
	seal(&R.keys, &R.qiv, &b);
	open_msg(&I.keys, &I.qiv, &b.buf, &plain, &m, &nx);
	rest = after_first(&m, &rlen);
	UNIT_ASSERT_EQ_INT(ike_hash_qm2(&I.keys, qmid, I.qnonce, 16, rest, rlen, h), 0);
	UNIT_ASSERT(secret_memeq(h, m.p[0].body, I.keys.hash_len));
	I.qiv = nx;
	p = isakmp_msg_find(&m, ISAKMP_PT_SA, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(p->body, p->len, &sa, &e), 0);
	UNIT_ASSERT_EQ_INT(p2_parse_sa(&sa, prep, 2, &e), 1);
	UNIT_ASSERT_EQ_INT(p2_check_reply(poff, (size_t)n, &prep[0]), 0);
	UNIT_ASSERT_EQ_INT(prep[0].spi, R.spi);
	p = isakmp_msg_find(&m, ISAKMP_PT_KE, 0);
	UNIT_ASSERT_EQ_INT(dh_shared(I.qdh, p->body, p->len, &I.gqm), 0);
	UNIT_ASSERT(secret_equal(I.gqm, R.gqm));
	isakmp_buf_free(&plain);
	isakmp_buf_free(&b.buf);

	/* QM3: HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b) */
	UNIT_ASSERT_EQ_INT(ike_hash_qm3(&I.keys, qmid, I.qnonce, 16, R.qnonce, 16, h), 0);
	{
		struct isakmp_hdr hh = hdr_of(ci, cr, ISAKMP_EXCH_QUICK, qmid);

		isakmp_bld_init(&b, &hh);
	}
	isakmp_add_raw(&b, ISAKMP_PT_HASH, h, I.keys.hash_len);
	seal(&I.keys, &I.qiv, &b);
	open_msg(&R.keys, &R.qiv, &b.buf, &plain, &m, &nx);
	UNIT_ASSERT_EQ_INT(ike_hash_qm3(&R.keys, qmid, I.qnonce, 16, R.qnonce, 16, h), 0);
	UNIT_ASSERT(secret_memeq(h, m.p[0].body, R.keys.hash_len));
	isakmp_buf_free(&plain);
	isakmp_buf_free(&b.buf);

	/* KEYMAT: each SA is keyed with its receiver's SPI on both sides */
	pl = p2_enc_key_len(&qm.chosen) + p2_auth_key_len(&qm.chosen);
	UNIT_ASSERT_EQ_INT(pl, 16 + 20);
	UNIT_ASSERT_EQ_INT(ike_keymat(&I.keys, I.gqm, ISAKMP_PROTO_ESP, R.spi, I.qnonce,
				      16, R.qnonce, 16, pl, &km_i_out), 0);
	UNIT_ASSERT_EQ_INT(ike_keymat(&R.keys, R.gqm, ISAKMP_PROTO_ESP, R.spi, I.qnonce,
				      16, R.qnonce, 16, pl, &km_r_in), 0);
	UNIT_ASSERT_EQ_INT(ike_keymat(&R.keys, R.gqm, ISAKMP_PROTO_ESP, I.spi, I.qnonce,
				      16, R.qnonce, 16, pl, &km_r_out), 0);
	UNIT_ASSERT_EQ_INT(ike_keymat(&I.keys, I.gqm, ISAKMP_PROTO_ESP, I.spi, I.qnonce,
				      16, R.qnonce, 16, pl, &km_i_in), 0);
	UNIT_ASSERT(secret_equal(km_i_out, km_r_in));
	UNIT_ASSERT(secret_equal(km_r_out, km_i_in));
	UNIT_ASSERT(!secret_equal(km_i_out, km_i_in));
out:
	secret_free(km_i_out);
	secret_free(km_r_in);
	secret_free(km_r_out);
	secret_free(km_i_in);
	for (struct party *x = &I; x; x = x == &I ? &R : NULL) {
		dh_free(x->dh);
		dh_free(x->qdh);
		secret_free(x->psk);
		secret_free(x->gxy);
		secret_free(x->gqm);
		ike_keys_clear(&x->keys);
	}
}

UNIT_TEST(main_mode_psk_then_quick_mode_with_pfs)
{
	run_exchange("shared secret", "shared secret", true);
}

UNIT_TEST(wrong_psk_fails_hash_i)
{
	run_exchange("shared secret", "other secret", false);
}

UNIT_MAIN()
