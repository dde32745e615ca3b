// SPDX-License-Identifier: MIT
/* ISAKMP codec: round trips and refusal of malformed input. */
#include <arpa/inet.h>
#include <string.h>

#include "ike/isakmp.h"
#include "ike/proposal.h"
#include "tests/unit/unit.h"

static struct isakmp_hdr hdr(uint8_t exch)
{
	struct isakmp_hdr h = {
		.icookie = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 },
		.rcookie = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8 },
		.exch = exch, .msgid = 0xdeadbeef,
	};
	return h;
}

/* Every payload the flows use, in one message. */
static void build_all(struct isakmp_bld *b)
{
	static const uint8_t ke[128] = { 7 }, nonce[16] = { 1, 2, 3 };
	static const uint8_t cert[] = { 0x30, 0x82, 0x01 }, dn[] = { 0x30, 0x00 };
	static const uint8_t natd[20] = { 0x55 }, spi[4] = { 1, 2, 3, 4 };
	static const uint8_t sig[64] = { 9 }, cookies[16] = { 1 };
	uint8_t addr[4] = { 198, 51, 100, 7 };
	struct isakmp_id id = { .type = ISAKMP_ID_IPV4_ADDR, .proto = 17,
				.port = 500, .data = addr, .len = 4 };
	struct isakmp_hdr h = hdr(ISAKMP_EXCH_AGGRESSIVE);
	struct p1_xform x = { .num = 1, .encr = IKE_ENCR_AES_CBC, .key_bits = 128,
			      .hash = IKE_HASH_SHA1, .auth = IKE_AUTH_PSK,
			      .group = 14, .life_secs = 100000 };
	uint32_t one = htonl(1);

	isakmp_bld_init(b, &h);
	p1_build_sa(b, &x, 1);
	isakmp_add_raw(b, ISAKMP_PT_KE, ke, sizeof(ke));
	isakmp_add_raw(b, ISAKMP_PT_NONCE, nonce, sizeof(nonce));
	isakmp_add_id(b, &id);
	isakmp_add_cert(b, ISAKMP_CERT_X509_SIG, cert, sizeof(cert));
	isakmp_add_cr(b, ISAKMP_CERT_X509_SIG, dn, sizeof(dn));
	isakmp_add_raw(b, ISAKMP_PT_SIG, sig, sizeof(sig));
	isakmp_add_notify(b, ISAKMP_DOI_IPSEC, ISAKMP_PROTO_ISAKMP, cookies, 16,
			  ISAKMP_N_R_U_THERE, &one, 4);
	isakmp_add_delete(b, ISAKMP_PROTO_ESP, 4, spi, 1);
	isakmp_add_vid(b, VID_NATT_RFC3947);
	isakmp_add_vid(b, VID_DPD);
	isakmp_add_raw(b, ISAKMP_PT_NATD, natd, sizeof(natd));
	isakmp_add_raw(b, ISAKMP_PT_NATD_DRAFT, natd, sizeof(natd));
	isakmp_add_cfg_begin(b, ISAKMP_CFG_REPLY, 0x1234);
	isakmp_put_attr_tv(&b->buf, 1, 0x0a4d0001 & 0xffff);
	isakmp_put_attr_tlv(&b->buf, 28672, "hello", 5);
	isakmp_put_attr_u32(&b->buf, 2, 0x01020304);
	isakmp_pl_end(b);
}

UNIT_TEST(round_trip_every_payload)
{
	static const uint8_t want_types[] = {
		ISAKMP_PT_SA, ISAKMP_PT_KE, ISAKMP_PT_NONCE, ISAKMP_PT_ID,
		ISAKMP_PT_CERT, ISAKMP_PT_CR, ISAKMP_PT_SIG, ISAKMP_PT_N,
		ISAKMP_PT_D, ISAKMP_PT_VID, ISAKMP_PT_VID, ISAKMP_PT_NATD,
		ISAKMP_PT_NATD_DRAFT, ISAKMP_PT_ATTR,
	};
	struct isakmp_bld b;
	struct isakmp_msg m;
	struct isakmp_perr e;
	struct isakmp_id id;
	struct isakmp_cert c;
	struct isakmp_notify_pl n;
	struct isakmp_delete d;
	struct isakmp_cfg cfg;
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	const struct isakmp_payload *p;
	char s[64];

	build_all(&b);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &m, &e), 0);
	UNIT_ASSERT_EQ_INT(m.hdr.exch, ISAKMP_EXCH_AGGRESSIVE);
	UNIT_ASSERT_EQ_INT(m.hdr.msgid, 0xdeadbeef);
	UNIT_ASSERT_EQ_INT(m.hdr.len, b.buf.len);
	UNIT_ASSERT_EQ_INT(m.hdr.version, ISAKMP_VERSION);
	UNIT_ASSERT_EQ_INT(m.n, sizeof(want_types));
	for (unsigned i = 0; i < m.n; i++)
		UNIT_ASSERT_EQ_INT(m.p[i].type, want_types[i]);
	UNIT_ASSERT_EQ_INT(isakmp_msg_count(&m, ISAKMP_PT_VID), 2);

	p = isakmp_msg_find(&m, ISAKMP_PT_KE, 0);
	UNIT_ASSERT(p && p->len == 128 && p->body[0] == 7);
	UNIT_ASSERT_EQ_INT(isakmp_check_nonempty(p, &e), 0);
	p = isakmp_msg_find(&m, ISAKMP_PT_NONCE, 0);
	UNIT_ASSERT_EQ_INT(isakmp_check_nonce(p, &e), 0);

	p = isakmp_msg_find(&m, ISAKMP_PT_ID, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_id(p->body, p->len, &id, &e), 0);
	UNIT_ASSERT_EQ_INT(id.type, ISAKMP_ID_IPV4_ADDR);
	UNIT_ASSERT_EQ_INT(id.proto, 17);
	UNIT_ASSERT_EQ_INT(id.port, 500);
	isakmp_id_format(&id, s, sizeof(s));
	UNIT_ASSERT_EQ_STR(s, "198.51.100.7");

	p = isakmp_msg_find(&m, ISAKMP_PT_CERT, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_cert(p->body, p->len, &c, &e), 0);
	UNIT_ASSERT_EQ_INT(c.encoding, ISAKMP_CERT_X509_SIG);
	UNIT_ASSERT_EQ_INT(c.len, 3);
	p = isakmp_msg_find(&m, ISAKMP_PT_CR, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_cr(p->body, p->len, &c, &e), 0);
	UNIT_ASSERT_EQ_INT(c.len, 2);

	p = isakmp_msg_find(&m, ISAKMP_PT_N, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_notify(p->body, p->len, &n, &e), 0);
	UNIT_ASSERT_EQ_INT(n.type, ISAKMP_N_R_U_THERE);
	UNIT_ASSERT_EQ_INT(n.spi_size, 16);
	UNIT_ASSERT_EQ_INT(n.data_len, 4);
	UNIT_ASSERT_EQ_INT(n.data[3], 1);

	p = isakmp_msg_find(&m, ISAKMP_PT_D, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_delete(p->body, p->len, &d, &e), 0);
	UNIT_ASSERT_EQ_INT(d.proto, ISAKMP_PROTO_ESP);
	UNIT_ASSERT_EQ_INT(d.n_spi, 1);
	UNIT_ASSERT_EQ_INT(d.spis[3], 4);

	p = isakmp_msg_find(&m, ISAKMP_PT_VID, 0);
	UNIT_ASSERT_EQ_INT(isakmp_vid_lookup(p->body, p->len), VID_NATT_RFC3947);
	p = isakmp_msg_find(&m, ISAKMP_PT_VID, 1);
	UNIT_ASSERT_EQ_INT(isakmp_vid_lookup(p->body, p->len), VID_DPD);
	UNIT_ASSERT(isakmp_pt_is_natd(m.p[11].type) && isakmp_pt_is_natd(m.p[12].type));

	p = isakmp_msg_find(&m, ISAKMP_PT_ATTR, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_cfg(p->body, p->len, &cfg, &e), 0);
	UNIT_ASSERT_EQ_INT(cfg.type, ISAKMP_CFG_REPLY);
	UNIT_ASSERT_EQ_INT(cfg.ident, 0x1234);
	isakmp_attr_iter_init(&it, cfg.attrs, cfg.attrs_len);
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), 1);
	UNIT_ASSERT(a.tv && a.type == 1 && a.u == 1);
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), 1);
	UNIT_ASSERT(!a.tv && a.type == 28672 && a.len == 5 && !memcmp(a.val, "hello", 5));
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), 1);
	UNIT_ASSERT(!a.tv && a.u == 0x01020304);
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), 0);
	isakmp_buf_free(&b.buf);
}

static int parse_err(const uint8_t *buf, size_t len, uint16_t *notify)
{
	struct isakmp_msg m;
	struct isakmp_perr e = { 0xffff, NULL };
	int r = isakmp_parse(buf, len, &m, &e);

	*notify = e.notify;
	if (r < 0)
		UNIT_ASSERT(e.why != NULL);
	return r;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

UNIT_TEST(header_rejections)
{
	struct isakmp_bld b;
	uint8_t m[512];
	uint16_t n;
	size_t len;

	build_all(&b);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	len = b.buf.len;
	UNIT_ASSERT(len < sizeof(m));
	memcpy(m, b.buf.data, len);
	isakmp_buf_free(&b.buf);

	UNIT_ASSERT_EQ_INT(parse_err(m, 27, &n), -1);		/* short */
	UNIT_ASSERT_EQ_INT(n, 0);
	UNIT_ASSERT_EQ_INT(parse_err(m, len - 1, &n), -1);	/* length mismatch */
	UNIT_ASSERT_EQ_INT(n, 0);
	put32(m + 24, (uint32_t)len + 1);
	UNIT_ASSERT_EQ_INT(parse_err(m, len, &n), -1);
	UNIT_ASSERT_EQ_INT(n, 0);
	put32(m + 24, (uint32_t)len);
	UNIT_ASSERT_EQ_INT(parse_err(m, len, &n), 0);

#define MUTATE(off, val, want) do {					\
		uint8_t old_ = m[off];					\
		m[off] = (val);						\
		UNIT_ASSERT_EQ_INT(parse_err(m, len, &n), -1);		\
		UNIT_ASSERT_EQ_INT(n, want);				\
		m[off] = old_;						\
	} while (0)
	MUTATE(17, 0x20, ISAKMP_N_INVALID_MAJOR_VERSION);
	MUTATE(17, 0x11, ISAKMP_N_INVALID_MINOR_VERSION);
	MUTATE(18, 99, ISAKMP_N_INVALID_EXCHANGE_TYPE);
	MUTATE(19, 0x08, ISAKMP_N_INVALID_FLAGS);
	MUTATE(16, 77, ISAKMP_N_INVALID_PAYLOAD_TYPE);
	MUTATE(16, ISAKMP_PT_T, ISAKMP_N_INVALID_PAYLOAD_TYPE);
	/* an all-zero initiator cookie */
	memset(m, 0, 8);
	UNIT_ASSERT_EQ_INT(parse_err(m, len, &n), -1);
	UNIT_ASSERT_EQ_INT(n, ISAKMP_N_INVALID_COOKIE);
}

UNIT_TEST(payload_chain_rejections)
{
	struct isakmp_hdr h = hdr(ISAKMP_EXCH_INFO);
	struct isakmp_bld b;
	struct isakmp_msg m;
	struct isakmp_perr e;
	uint8_t *p;

	isakmp_bld_init(&b, &h);
	isakmp_add_raw(&b, ISAKMP_PT_HASH, "0123456789abcdefghij", 20);
	isakmp_add_raw(&b, ISAKMP_PT_VID, "x", 1);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	p = b.buf.data;
	UNIT_ASSERT_EQ_INT(isakmp_parse(p, b.buf.len, &m, &e), 0);

	/* payload length below 4 */
	p[28 + 3] = 3;
	UNIT_ASSERT_EQ_INT(isakmp_parse(p, b.buf.len, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	/* overrunning the message */
	p[28 + 3] = 200;
	UNIT_ASSERT_EQ_INT(isakmp_parse(p, b.buf.len, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	/* shorter than it is: the rest does not parse as a payload */
	p[28 + 3] = 20;
	UNIT_ASSERT_EQ_INT(isakmp_parse(p, b.buf.len, &m, &e), -1);
	p[28 + 3] = 24;
	/* unknown next payload type inside the chain */
	p[28] = 99;
	UNIT_ASSERT_EQ_INT(isakmp_parse(p, b.buf.len, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_INVALID_PAYLOAD_TYPE);
	/* chain ends early: trailing bytes refused unless decrypted padding */
	p[28] = ISAKMP_PT_NONE;
	UNIT_ASSERT_EQ_INT(isakmp_parse(p, b.buf.len, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	UNIT_ASSERT_EQ_INT(isakmp_parse_body(&m.hdr, p + 28, b.buf.len - 28,
					     ISAKMP_PARSE_PADDED, &m, &e), 0);
	UNIT_ASSERT_EQ_INT(m.n, 1);
	UNIT_ASSERT_EQ_INT(m.padding, 5);
	/* up to 3 bytes of alignment padding are fine (libreswan sends it) */
	UNIT_ASSERT_EQ_INT(isakmp_parse_body(&m.hdr, p + 28, 24 + 3, 0, &m, &e), 0);
	UNIT_ASSERT_EQ_INT(m.n, 1);
	UNIT_ASSERT_EQ_INT(m.padding, 3);
	UNIT_ASSERT_EQ_INT(isakmp_parse_body(&m.hdr, p + 28, 24 + 4, 0, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	/* truncated generic header at the end */
	p[28] = ISAKMP_PT_VID;
	UNIT_ASSERT_EQ_INT(isakmp_parse_body(&m.hdr, p + 28, 24 + 3, 0, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	isakmp_buf_free(&b.buf);

	/* more payloads than we keep */
	isakmp_bld_init(&b, &h);
	for (int i = 0; i < ISAKMP_MAX_PAYLOADS + 1; i++)
		isakmp_add_raw(&b, ISAKMP_PT_VID, "v", 1);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &m, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	isakmp_buf_free(&b.buf);
}

/* An SA body built by hand so each field can be broken. */
static size_t sa_body(uint8_t *o, uint8_t n_xf_announced, uint8_t spi_size,
		      uint8_t proto)
{
	size_t n = 0, prop, xf;

	put32(o, ISAKMP_DOI_IPSEC);
	put32(o + 4, ISAKMP_SIT_IDENTITY_ONLY);
	n = 8;
	prop = n;
	o[n++] = 0; o[n++] = 0; o[n++] = 0; o[n++] = 0;
	o[n++] = 1; o[n++] = proto; o[n++] = spi_size; o[n++] = n_xf_announced;
	for (unsigned i = 0; i < spi_size; i++)
		o[n++] = (uint8_t)(0x10 + i);
	xf = n;
	o[n++] = 0; o[n++] = 0; o[n++] = 0; o[n++] = 0;
	o[n++] = 1; o[n++] = 1; o[n++] = 0; o[n++] = 0;
	o[n++] = 0x80; o[n++] = 1; o[n++] = 0; o[n++] = 5;	/* TV encr 3DES */
	o[xf + 2] = (uint8_t)((n - xf) >> 8);
	o[xf + 3] = (uint8_t)(n - xf);
	o[prop + 2] = (uint8_t)((n - prop) >> 8);
	o[prop + 3] = (uint8_t)(n - prop);
	return n;
}

UNIT_TEST(sa_rejections)
{
	static struct isakmp_sa sa;
	struct isakmp_perr e;
	uint8_t b[128];
	size_t n;

	n = sa_body(b, 1, 0, ISAKMP_PROTO_ISAKMP);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), 0);
	UNIT_ASSERT_EQ_INT(sa.n_prop, 1);
	UNIT_ASSERT_EQ_INT(sa.n_xf, 1);
	UNIT_ASSERT_EQ_INT(sa.xf[0].attrs_len, 4);

	n = sa_body(b, 2, 0, ISAKMP_PROTO_ISAKMP);		/* count lies */
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	n = sa_body(b, 1, 3, ISAKMP_PROTO_ESP);			/* SPI size */
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_INVALID_SPI);
	n = sa_body(b, 1, 4, ISAKMP_PROTO_ESP);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), 0);
	UNIT_ASSERT_EQ_INT(sa.prop[0].spi[0], 0x10);
	n = sa_body(b, 1, 4, 9);				/* protocol */
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_INVALID_PROTOCOL_ID);

	n = sa_body(b, 1, 0, ISAKMP_PROTO_ISAKMP);
	put32(b, 2);						/* DOI */
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_DOI_NOT_SUPPORTED);
	put32(b, 1);
	put32(b + 4, 3);					/* situation */
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_SITUATION_NOT_SUPPORTED);
	put32(b + 4, 1);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, 8, &sa, &e), -1);	/* no proposal */
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, 7, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	/* every truncation of a good SA is refused, none crashes */
	for (size_t cut = 9; cut < n; cut++)
		UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, cut, &sa, &e), -1);
	/* a TLV attribute whose length runs past the transform */
	b[n - 4] = 0x00;
	b[n - 1] = 9;
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	/* proposal followed by something that is not a proposal */
	n = sa_body(b, 1, 0, ISAKMP_PROTO_ISAKMP);
	b[8] = ISAKMP_PT_KE;
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n, &sa, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_BAD_PROPOSAL_SYNTAX);
	/* trailing bytes after the proposals */
	n = sa_body(b, 1, 0, ISAKMP_PROTO_ISAKMP);
	b[n] = 0;
	UNIT_ASSERT_EQ_INT(isakmp_parse_sa(b, n + 1, &sa, &e), -1);
}

UNIT_TEST(other_payload_rejections)
{
	static const uint8_t id6[4 + 16] = { ISAKMP_ID_IPV6_ADDR };
	uint8_t id_bad[4 + 3] = { ISAKMP_ID_IPV4_ADDR };
	uint8_t id_empty[4] = { ISAKMP_ID_FQDN };
	uint8_t id_unknown[8] = { 42 };
	uint8_t notify[8 + 4] = { 0, 0, 0, 1, 1, 16, 0x8d, 0x28 };
	uint8_t del[8 + 8] = { 0, 0, 0, 1, 3, 4, 0, 3 };
	uint8_t cfg[4 + 3] = { 9, 0, 0, 1, 0x80, 1, 0 };
	struct isakmp_id id;
	struct isakmp_notify_pl n;
	struct isakmp_delete d;
	struct isakmp_cert c;
	struct isakmp_cfg cf;
	struct isakmp_perr e;
	struct isakmp_payload p = { .type = ISAKMP_PT_NONCE };
	uint8_t nonce[300] = { 0 };

	UNIT_ASSERT_EQ_INT(isakmp_parse_id(id6, sizeof(id6), &id, &e), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_id(id_bad, sizeof(id_bad), &id, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_INVALID_ID_INFORMATION);
	UNIT_ASSERT_EQ_INT(isakmp_parse_id(id_empty, sizeof(id_empty), &id, &e), -1);
	UNIT_ASSERT_EQ_INT(isakmp_parse_id(id_unknown, sizeof(id_unknown), &id, &e), -1);
	UNIT_ASSERT_EQ_INT(isakmp_parse_id(id_bad, 3, &id, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);

	/* SPI size 16 but only 4 bytes follow */
	UNIT_ASSERT_EQ_INT(isakmp_parse_notify(notify, sizeof(notify), &n, &e), -1);
	notify[5] = 4;
	UNIT_ASSERT_EQ_INT(isakmp_parse_notify(notify, sizeof(notify), &n, &e), 0);
	UNIT_ASSERT_EQ_INT(n.type, ISAKMP_N_R_U_THERE);
	UNIT_ASSERT_EQ_INT(n.data_len, 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_notify(notify, 7, &n, &e), -1);
	notify[3] = 7;
	UNIT_ASSERT_EQ_INT(isakmp_parse_notify(notify, sizeof(notify), &n, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_DOI_NOT_SUPPORTED);

	/* three SPIs announced, two present */
	UNIT_ASSERT_EQ_INT(isakmp_parse_delete(del, sizeof(del), &d, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	del[7] = 2;
	UNIT_ASSERT_EQ_INT(isakmp_parse_delete(del, sizeof(del), &d, &e), 0);
	del[7] = 0;
	UNIT_ASSERT_EQ_INT(isakmp_parse_delete(del, 8, &d, &e), -1);

	UNIT_ASSERT_EQ_INT(isakmp_parse_cert((const uint8_t *)"\x04", 1, &c, &e), -1);
	UNIT_ASSERT_EQ_INT(isakmp_parse_cr((const uint8_t *)"\x04", 1, &c, &e), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse_cr((const uint8_t *)"", 0, &c, &e), -1);

	UNIT_ASSERT_EQ_INT(isakmp_parse_cfg(cfg, sizeof(cfg), &cf, &e), -1);	/* type 9 */
	cfg[0] = ISAKMP_CFG_SET;
	UNIT_ASSERT_EQ_INT(isakmp_parse_cfg(cfg, sizeof(cfg), &cf, &e), -1);	/* 3-byte attr */
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	UNIT_ASSERT_EQ_INT(isakmp_parse_cfg(cfg, 4, &cf, &e), 0);
	{
		/* libreswan's REPLY: a 14-byte CISCO_SPLIT_INC, then 2 zero
		 * bytes padding the payload to a multiple of 4 */
		uint8_t pad[4 + 18 + 2] = { ISAKMP_CFG_REPLY, 0, 0, 0, 0x70, 0x04, 0, 14,
					    192, 168, 77, 0, 255, 255, 255, 0 };

		UNIT_ASSERT_EQ_INT(isakmp_parse_cfg(pad, sizeof(pad), &cf, &e), 0);
		UNIT_ASSERT_EQ_INT((int)cf.attrs_len, 18);
		pad[sizeof(pad) - 1] = 1;	/* not zeros: a truncated attribute */
		UNIT_ASSERT_EQ_INT(isakmp_parse_cfg(pad, sizeof(pad), &cf, &e), -1);
		UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_PAYLOAD_MALFORMED);
	}

	p.body = nonce;
	p.len = 7;
	UNIT_ASSERT_EQ_INT(isakmp_check_nonce(&p, &e), -1);
	p.len = 257;
	UNIT_ASSERT_EQ_INT(isakmp_check_nonce(&p, &e), -1);
	p.len = 256;
	UNIT_ASSERT_EQ_INT(isakmp_check_nonce(&p, &e), 0);
	p.type = ISAKMP_PT_KE;
	p.len = 0;
	UNIT_ASSERT_EQ_INT(isakmp_check_nonempty(&p, &e), -1);
	UNIT_ASSERT_EQ_INT(e.notify, ISAKMP_N_INVALID_KEY_INFORMATION);
}

UNIT_TEST(attribute_values)
{
	/* 8-byte TLV with leading zeros is still a number; with a high byte
	 * set it is flagged too long. */
	uint8_t a1[] = { 0x00, 0x02, 0x00, 0x08, 0, 0, 0, 0, 0, 1, 0x51, 0x80 };
	uint8_t a2[] = { 0x00, 0x02, 0x00, 0x08, 1, 0, 0, 0, 0, 1, 0x51, 0x80 };
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	struct isakmp_perr e;

	isakmp_attr_iter_init(&it, a1, sizeof(a1));
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), 1);
	UNIT_ASSERT(!a.too_long);
	UNIT_ASSERT_EQ_INT(a.u, 86400);
	isakmp_attr_iter_init(&it, a2, sizeof(a2));
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), 1);
	UNIT_ASSERT(a.too_long);
	isakmp_attr_iter_init(&it, a2, 11);
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), -1);
	isakmp_attr_iter_init(&it, a2, 2);
	UNIT_ASSERT_EQ_INT(isakmp_attr_next(&it, &a, &e), -1);
}

UNIT_TEST(vendor_id_table)
{
	for (int i = VID_UNKNOWN + 1; i < VID_MAX; i++) {
		const struct isakmp_vid_def *d = isakmp_vid_get((enum isakmp_vid)i);

		UNIT_ASSERT(d && d->len >= 8);
		UNIT_ASSERT_EQ_INT(isakmp_vid_lookup(d->bytes, d->len), i);
	}
	/* versioned ids match whatever version bytes follow */
	{
		uint8_t dpd[16];

		memcpy(dpd, isakmp_vid_get(VID_DPD)->bytes, 16);
		dpd[15] = 7;
		UNIT_ASSERT_EQ_INT(isakmp_vid_lookup(dpd, 16), VID_DPD);
		dpd[0] ^= 1;
		UNIT_ASSERT_EQ_INT(isakmp_vid_lookup(dpd, 16), VID_UNKNOWN);
	}
	/* an exact id with an extra byte is not that id */
	{
		uint8_t x[17];

		memcpy(x, isakmp_vid_get(VID_NATT_RFC3947)->bytes, 16);
		UNIT_ASSERT_EQ_INT(isakmp_vid_lookup(x, 17), VID_UNKNOWN);
	}
	UNIT_ASSERT_EQ_INT(isakmp_vid_natt_level(VID_NATT_RFC3947), 2);
	UNIT_ASSERT_EQ_INT(isakmp_vid_natt_level(VID_NATT_DRAFT_02N), 1);
	UNIT_ASSERT_EQ_INT(isakmp_vid_natt_level(VID_NATT_DRAFT_00), 0);
	/* MD5("RFC 3947") = 4a131c81070358455c5728f20e95452f */
	UNIT_ASSERT_EQ_INT(isakmp_vid_get(VID_NATT_RFC3947)->bytes[0], 0x4a);
	UNIT_ASSERT_EQ_INT(isakmp_vid_get(VID_NATT_RFC3947)->bytes[15], 0x2f);
}

UNIT_TEST(hash_slot_and_after)
{
	struct isakmp_hdr h = hdr(ISAKMP_EXCH_QUICK);
	struct isakmp_bld b;
	struct isakmp_msg m;
	struct isakmp_perr e;
	const uint8_t *after;
	size_t off, alen;

	isakmp_bld_init(&b, &h);
	off = isakmp_add_hash_slot(&b, 20);
	isakmp_add_raw(&b, ISAKMP_PT_NONCE, "0123456789", 10);
	after = isakmp_bld_after(&b, off, 20, &alen);
	UNIT_ASSERT_EQ_INT(alen, 14);
	UNIT_ASSERT_EQ_INT(after[0], 0);		/* next payload: none */
	UNIT_ASSERT_EQ_INT(after[3], 14);
	memset(b.buf.data + off, 0xee, 20);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	UNIT_ASSERT_EQ_INT(isakmp_parse(b.buf.data, b.buf.len, &m, &e), 0);
	UNIT_ASSERT_EQ_INT(m.p[0].type, ISAKMP_PT_HASH);
	UNIT_ASSERT_EQ_INT(m.p[0].body[19], 0xee);
	UNIT_ASSERT_EQ_INT(m.p[1].type, ISAKMP_PT_NONCE);
	/* on receive, "after HASH" is the raw bytes from the next payload */
	UNIT_ASSERT(m.p[1].raw == m.p[0].body + 20);
	isakmp_buf_free(&b.buf);
}

/* Random single-byte corruptions of a full message: every outcome is a
 * clean accept or a clean refusal (ASan/UBSan watch the rest). */
UNIT_TEST(mutations_never_crash)
{
	static struct isakmp_sa sa;
	struct isakmp_bld b;
	struct isakmp_msg m;
	struct isakmp_perr e;
	uint32_t seed = 12345;
	unsigned ok = 0, bad = 0;

	build_all(&b);
	UNIT_ASSERT_EQ_INT(isakmp_bld_finish(&b), 0);
	for (int i = 0; i < 20000; i++) {
		uint8_t *p = b.buf.data;
		size_t pos, len = b.buf.len;
		uint8_t old;

		seed = seed * 1103515245 + 12345;
		pos = 16 + (seed >> 8) % (len - 16);
		old = p[pos];
		p[pos] = (uint8_t)(seed >> 3);
		if (isakmp_parse(p, len, &m, &e) == 0) {
			ok++;
			for (unsigned j = 0; j < m.n; j++)
				if (m.p[j].type == ISAKMP_PT_SA)
					(void)isakmp_parse_sa(m.p[j].body, m.p[j].len,
							      &sa, &e);
		} else {
			bad++;
		}
		p[pos] = old;
	}
	printf("# %u accepted, %u refused\n", ok, bad);
	UNIT_ASSERT(ok > 0 && bad > 0);
	isakmp_buf_free(&b.buf);
}

UNIT_MAIN()
