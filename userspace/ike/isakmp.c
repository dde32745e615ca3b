// SPDX-License-Identifier: MIT
/*
 * ISAKMP codec: bounds-checked parsing of received messages into views,
 * and a builder for outgoing ones.  See isakmp.h for the contract.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ike/isakmp.h"
#include "lib/log.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- header and payload chain --------------------------------------- */

static bool exch_known(uint8_t exch)
{
	switch (exch) {
	case ISAKMP_EXCH_BASE:
	case ISAKMP_EXCH_MAIN:
	case ISAKMP_EXCH_AUTH_ONLY:
	case ISAKMP_EXCH_AGGRESSIVE:
	case ISAKMP_EXCH_INFO:
	case ISAKMP_EXCH_TRANSACTION:
	case ISAKMP_EXCH_QUICK:
	case ISAKMP_EXCH_NEW_GROUP:
		return true;
	}
	return false;
}

/* Payload types allowed in a message's top-level chain. */
static bool pt_top_level(uint8_t type)
{
	switch (type) {
	case ISAKMP_PT_SA:
	case ISAKMP_PT_KE:
	case ISAKMP_PT_ID:
	case ISAKMP_PT_CERT:
	case ISAKMP_PT_CR:
	case ISAKMP_PT_HASH:
	case ISAKMP_PT_SIG:
	case ISAKMP_PT_NONCE:
	case ISAKMP_PT_N:
	case ISAKMP_PT_D:
	case ISAKMP_PT_VID:
	case ISAKMP_PT_ATTR:
	case ISAKMP_PT_NATD:
	case ISAKMP_PT_NATOA:
	case ISAKMP_PT_NATD_DRAFT:
	case ISAKMP_PT_NATOA_DRAFT:
		return true;
	}
	return false;
}

bool isakmp_pt_is_natd(uint8_t type)
{
	return type == ISAKMP_PT_NATD || type == ISAKMP_PT_NATD_DRAFT;
}

int isakmp_parse_hdr(const uint8_t *buf, size_t dlen, struct isakmp_hdr *hdr,
		     struct isakmp_perr *err)
{
	static const uint8_t zero[ISAKMP_COOKIE_LEN];

	if (dlen < ISAKMP_HDR_LEN)
		return isakmp_perr_set(err, 0, "shorter than an ISAKMP header");
	memcpy(hdr->icookie, buf, ISAKMP_COOKIE_LEN);
	memcpy(hdr->rcookie, buf + 8, ISAKMP_COOKIE_LEN);
	hdr->np = buf[16];
	hdr->version = buf[17];
	hdr->exch = buf[18];
	hdr->flags = buf[19];
	hdr->msgid = get32(buf + 20);
	hdr->len = get32(buf + 24);

	if (hdr->len != dlen)
		return isakmp_perr_set(err, 0, "header length differs from datagram length");
	if (!memcmp(hdr->icookie, zero, sizeof(zero)))
		return isakmp_perr_set(err, ISAKMP_N_INVALID_COOKIE, "zero initiator cookie");
	if ((hdr->version >> 4) != 1)
		return isakmp_perr_set(err, ISAKMP_N_INVALID_MAJOR_VERSION, "major version not 1");
	if ((hdr->version & 0x0f) != 0)
		return isakmp_perr_set(err, ISAKMP_N_INVALID_MINOR_VERSION, "minor version not 0");
	if (!exch_known(hdr->exch))
		return isakmp_perr_set(err, ISAKMP_N_INVALID_EXCHANGE_TYPE, "unknown exchange type");
	if (hdr->flags & ~(ISAKMP_FLAG_ENC | ISAKMP_FLAG_COMMIT | ISAKMP_FLAG_AUTH_ONLY))
		return isakmp_perr_set(err, ISAKMP_N_INVALID_FLAGS, "unknown header flags");
	if (hdr->np != ISAKMP_PT_NONE && !pt_top_level(hdr->np))
		return isakmp_perr_set(err, ISAKMP_N_INVALID_PAYLOAD_TYPE, "unknown first payload");
	return 0;
}

int isakmp_parse_body(const struct isakmp_hdr *hdr, const uint8_t *body,
		      size_t len, unsigned flags, struct isakmp_msg *msg,
		      struct isakmp_perr *err)
{
	uint8_t type = hdr->np;
	size_t off = 0;

	if (&msg->hdr != hdr)
		msg->hdr = *hdr;
	msg->n = 0;
	msg->padding = 0;
	while (type != ISAKMP_PT_NONE) {
		struct isakmp_payload *p;
		size_t plen;

		if (!pt_top_level(type))
			return isakmp_perr_set(err, ISAKMP_N_INVALID_PAYLOAD_TYPE,
				    "unknown or misplaced payload type");
		if (len - off < ISAKMP_GEN_LEN)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "truncated generic payload header");
		plen = get16(body + off + 2);
		if (plen < ISAKMP_GEN_LEN)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "payload length below 4");
		if (plen > len - off)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "payload runs past the message");
		if (msg->n >= ISAKMP_MAX_PAYLOADS)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "too many payloads");
		p = &msg->p[msg->n++];
		p->type = type;
		p->reserved = body[off + 1];
		p->raw = body + off;
		p->body = body + off + ISAKMP_GEN_LEN;
		p->len = plen - ISAKMP_GEN_LEN;
		type = body[off];
		off += plen;
	}
	if (off < len) {
		/* libreswan pads plaintext messages to 4 bytes (its aggressive
		 * first message ends "00 00 00" after a 13-byte ID): allow
		 * that alignment, nothing longer. */
		if (!(flags & ISAKMP_PARSE_PADDED) &&
		    len - off >= ISAKMP_ALIGN_PAD_MAX)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "bytes after the last payload");
		msg->padding = len - off;
	}
	return 0;
}

int isakmp_parse(const uint8_t *buf, size_t dlen, struct isakmp_msg *msg,
		 struct isakmp_perr *err)
{
	if (isakmp_parse_hdr(buf, dlen, &msg->hdr, err) < 0)
		return -1;
	/* The header's length, not the datagram's: bytes a peer appends
	 * beyond it are ignored, as isakmp_parse_hdr() documents. */
	return isakmp_parse_body(&msg->hdr, buf + ISAKMP_HDR_LEN,
				 msg->hdr.len - ISAKMP_HDR_LEN, 0, msg, err);
}

const struct isakmp_payload *isakmp_msg_find(const struct isakmp_msg *msg,
					     uint8_t type, unsigned idx)
{
	for (unsigned i = 0; i < msg->n; i++)
		if (msg->p[i].type == type && idx-- == 0)
			return &msg->p[i];
	return NULL;
}

unsigned isakmp_msg_count(const struct isakmp_msg *msg, uint8_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < msg->n; i++)
		n += msg->p[i].type == type;
	return n;
}

/* ---- data attributes ------------------------------------------------- */

void isakmp_attr_iter_init(struct isakmp_attr_iter *it, const uint8_t *p,
			   size_t len)
{
	it->p = p;
	it->left = len;
}

int isakmp_attr_next(struct isakmp_attr_iter *it, struct isakmp_attr *a,
		     struct isakmp_perr *err)
{
	uint16_t t;

	if (it->left == 0)
		return 0;
	if (it->left < 4)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "truncated attribute");
	t = get16(it->p);
	memset(a, 0, sizeof(*a));
	a->type = t & 0x7fff;
	if (t & 0x8000) {
		a->tv = true;
		a->u = get16(it->p + 2);
		a->val = it->p + 2;
		a->len = 2;
		it->p += 4;
		it->left -= 4;
		return 1;
	}
	a->len = get16(it->p + 2);
	if (a->len > it->left - 4)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "attribute value runs past its payload");
	a->val = it->p + 4;
	/* Values longer than 4 bytes still count as numbers when the extra
	 * leading bytes are zero (life durations are sent padded by some). */
	for (size_t i = 0; i < a->len; i++) {
		if (a->len - i > 4 && a->val[i]) {
			a->too_long = true;
			a->u = UINT32_MAX;
			break;
		}
		a->u = a->u << 8 | a->val[i];
	}
	it->p += 4 + a->len;
	it->left -= 4 + a->len;
	return 1;
}

int isakmp_attrs_check(const uint8_t *p, size_t len, struct isakmp_perr *err)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;
	int r;

	isakmp_attr_iter_init(&it, p, len);
	while ((r = isakmp_attr_next(&it, &a, err)) > 0)
		;
	return r;
}

/* ---- SA / proposal / transform -------------------------------------- */

static int check_spi_size(uint8_t proto, uint8_t size, struct isakmp_perr *err)
{
	switch (proto) {
	case ISAKMP_PROTO_ISAKMP:
		/* RFC 2408 says 0 or 16 (the cookies); 8 is seen in the wild */
		if (size == 0 || size == 8 || size == 16)
			return 0;
		break;
	case ISAKMP_PROTO_AH:
	case ISAKMP_PROTO_ESP:
		if (size == 4)
			return 0;
		break;
	case ISAKMP_PROTO_IPCOMP:
		if (size == 2 || size == 4)
			return 0;
		break;
	default:
		return isakmp_perr_set(err, ISAKMP_N_INVALID_PROTOCOL_ID, "unknown protocol id");
	}
	return isakmp_perr_set(err, ISAKMP_N_INVALID_SPI, "SPI size wrong for protocol");
}

static int parse_transforms(const uint8_t *p, size_t len,
			    struct isakmp_proposal *prop, struct isakmp_sa *sa,
			    struct isakmp_perr *err)
{
	size_t off = 0;
	uint8_t np = ISAKMP_PT_T;

	prop->first_xf = sa->n_xf;
	prop->n_xf = 0;
	while (np == ISAKMP_PT_T) {
		struct isakmp_transform *t;
		size_t tlen;

		if (len - off < 8)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "truncated transform");
		np = p[off];
		tlen = get16(p + off + 2);
		if (tlen < 8 || tlen > len - off)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "transform length out of range");
		if (np != ISAKMP_PT_T && np != ISAKMP_PT_NONE)
			return isakmp_perr_set(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				    "transform followed by a non-transform");
		if (sa->n_xf >= ISAKMP_MAX_TRANSFORMS)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "too many transforms");
		t = &sa->xf[sa->n_xf++];
		t->num = p[off + 4];
		t->id = p[off + 5];
		t->attrs = p + off + 8;
		t->attrs_len = tlen - 8;
		t->raw = p + off;
		t->raw_len = tlen;
		if (isakmp_attrs_check(t->attrs, t->attrs_len, err) < 0)
			return -1;
		prop->n_xf++;
		off += tlen;
	}
	if (off != len)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "bytes after the last transform");
	return 0;
}

int isakmp_parse_sa(const uint8_t *body, size_t len, struct isakmp_sa *sa,
		    struct isakmp_perr *err)
{
	size_t off = 8;
	uint8_t np = ISAKMP_PT_P;
	int last_num = -1;

	sa->n_prop = 0;
	sa->n_xf = 0;
	if (len < 8)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "truncated SA payload");
	sa->doi = get32(body);
	sa->situation = get32(body + 4);
	if (sa->doi != ISAKMP_DOI_IPSEC)
		return isakmp_perr_set(err, ISAKMP_N_DOI_NOT_SUPPORTED, "DOI is not IPsec");
	if (sa->situation != ISAKMP_SIT_IDENTITY_ONLY)
		return isakmp_perr_set(err, ISAKMP_N_SITUATION_NOT_SUPPORTED,
			    "situation other than identity-only");
	if (len == off)
		return isakmp_perr_set(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX, "SA without proposals");
	while (np == ISAKMP_PT_P) {
		struct isakmp_proposal *prop;
		size_t plen, hlen;
		uint8_t announced;

		if (len - off < 8)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "truncated proposal");
		np = body[off];
		plen = get16(body + off + 2);
		if (np != ISAKMP_PT_P && np != ISAKMP_PT_NONE)
			return isakmp_perr_set(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				    "proposal followed by a non-proposal");
		if (plen < 8 || plen > len - off)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "proposal length out of range");
		if (sa->n_prop >= ISAKMP_MAX_PROPOSALS)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "too many proposals");
		prop = &sa->prop[sa->n_prop++];
		prop->num = body[off + 4];
		prop->proto = body[off + 5];
		prop->spi_size = body[off + 6];
		announced = body[off + 7];
		if ((int)prop->num < last_num)
			return isakmp_perr_set(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				    "proposal numbers decrease");
		last_num = prop->num;
		if (check_spi_size(prop->proto, prop->spi_size, err) < 0)
			return -1;
		hlen = 8 + (size_t)prop->spi_size;
		if (hlen > plen)
			return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
				    "SPI runs past the proposal");
		prop->spi = prop->spi_size ? body + off + 8 : NULL;
		if (announced == 0)
			return isakmp_perr_set(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				    "proposal without transforms");
		if (parse_transforms(body + off + hlen, plen - hlen, prop, sa,
				     err) < 0)
			return -1;
		if (prop->n_xf != announced)
			return isakmp_perr_set(err, ISAKMP_N_BAD_PROPOSAL_SYNTAX,
				    "transform count differs from the proposal's");
		off += plen;
	}
	if (off != len)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "bytes after the last proposal");
	return 0;
}

/* ---- the other payloads -------------------------------------------- */

int isakmp_parse_id(const uint8_t *body, size_t len, struct isakmp_id *id,
		    struct isakmp_perr *err)
{
	size_t want = 0;

	if (len < 4)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "truncated ID payload");
	id->type = body[0];
	id->proto = body[1];
	id->port = get16(body + 2);
	id->data = body + 4;
	id->len = len - 4;
	switch (id->type) {
	case ISAKMP_ID_IPV4_ADDR:
		want = 4;
		break;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		want = 8;
		break;
	case ISAKMP_ID_IPV6_ADDR:
		want = 16;
		break;
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		want = 32;
		break;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
	case ISAKMP_ID_DER_ASN1_DN:
	case ISAKMP_ID_DER_ASN1_GN:
	case ISAKMP_ID_KEY_ID:
		if (id->len == 0)
			return isakmp_perr_set(err, ISAKMP_N_INVALID_ID_INFORMATION,
				    "empty identity");
		return 0;
	default:
		return isakmp_perr_set(err, ISAKMP_N_INVALID_ID_INFORMATION,
			    "unknown identity type");
	}
	if (id->len != want)
		return isakmp_perr_set(err, ISAKMP_N_INVALID_ID_INFORMATION,
			    "address identity of the wrong size");
	return 0;
}

int isakmp_parse_cert(const uint8_t *body, size_t len, struct isakmp_cert *c,
		      struct isakmp_perr *err)
{
	if (len < 2)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "empty CERT payload");
	c->encoding = body[0];
	c->data = body + 1;
	c->len = len - 1;
	return 0;
}

int isakmp_parse_cr(const uint8_t *body, size_t len, struct isakmp_cert *c,
		    struct isakmp_perr *err)
{
	if (len < 1)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "empty CR payload");
	c->encoding = body[0];
	c->data = body + 1;
	c->len = len - 1;
	return 0;
}

int isakmp_parse_notify(const uint8_t *body, size_t len,
			struct isakmp_notify_pl *n, struct isakmp_perr *err)
{
	if (len < 8)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "truncated notify");
	n->doi = get32(body);
	n->proto = body[4];
	n->spi_size = body[5];
	n->type = get16(body + 6);
	if (n->doi != ISAKMP_DOI_IPSEC && n->doi != ISAKMP_DOI_ISAKMP)
		return isakmp_perr_set(err, ISAKMP_N_DOI_NOT_SUPPORTED, "notify DOI unknown");
	if (n->spi_size > len - 8)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "notify SPI runs past the payload");
	n->spi = n->spi_size ? body + 8 : NULL;
	n->data = body + 8 + n->spi_size;
	n->data_len = len - 8 - n->spi_size;
	return 0;
}

int isakmp_parse_delete(const uint8_t *body, size_t len,
			struct isakmp_delete *d, struct isakmp_perr *err)
{
	if (len < 8)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "truncated delete");
	d->doi = get32(body);
	d->proto = body[4];
	d->spi_size = body[5];
	d->n_spi = get16(body + 6);
	if (d->doi != ISAKMP_DOI_IPSEC && d->doi != ISAKMP_DOI_ISAKMP)
		return isakmp_perr_set(err, ISAKMP_N_DOI_NOT_SUPPORTED, "delete DOI unknown");
	if (d->spi_size == 0 || d->n_spi == 0)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED, "delete without SPIs");
	if (check_spi_size(d->proto, d->spi_size, err) < 0)
		return -1;
	if ((size_t)d->spi_size * d->n_spi != len - 8)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "delete SPI count disagrees with its length");
	d->spis = body + 8;
	return 0;
}

int isakmp_check_nonce(const struct isakmp_payload *p, struct isakmp_perr *err)
{
	if (p->len < ISAKMP_NONCE_MIN || p->len > ISAKMP_NONCE_MAX)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "nonce not 8..256 bytes");
	return 0;
}

int isakmp_check_nonempty(const struct isakmp_payload *p, struct isakmp_perr *err)
{
	if (p->len == 0)
		return isakmp_perr_set(err, p->type == ISAKMP_PT_KE ?
			    ISAKMP_N_INVALID_KEY_INFORMATION :
			    ISAKMP_N_PAYLOAD_MALFORMED, "empty payload");
	return 0;
}

/* libreswan pads its attribute payload to a multiple of 4 bytes with
 * zeros after the last attribute (a 14-byte CISCO_SPLIT_INC leaves 2): up
 * to 3 zero bytes where no attribute header fits are padding, not a
 * truncated attribute. */
static void cfg_trim_pad(struct isakmp_cfg *cfg)
{
	struct isakmp_attr_iter it;
	struct isakmp_attr a;

	isakmp_attr_iter_init(&it, cfg->attrs, cfg->attrs_len);
	while (it.left >= 4 && isakmp_attr_next(&it, &a, NULL) > 0)
		;
	if (it.left == 0 || it.left >= 4)
		return;
	for (size_t i = 0; i < it.left; i++)
		if (it.p[i])
			return;
	cfg->attrs_len -= it.left;
}

int isakmp_parse_cfg(const uint8_t *body, size_t len, struct isakmp_cfg *cfg,
		     struct isakmp_perr *err)
{
	if (len < 4)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "truncated attribute payload");
	cfg->type = body[0];
	cfg->ident = get16(body + 2);
	cfg->attrs = body + 4;
	cfg->attrs_len = len - 4;
	if (cfg->type < ISAKMP_CFG_REQUEST || cfg->type > ISAKMP_CFG_ACK)
		return isakmp_perr_set(err, ISAKMP_N_PAYLOAD_MALFORMED,
			    "unknown attribute payload type");
	cfg_trim_pad(cfg);
	return isakmp_attrs_check(cfg->attrs, cfg->attrs_len, err);
}

/* ---- building -------------------------------------------------------- */

void isakmp_buf_init(struct isakmp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void isakmp_buf_free(struct isakmp_buf *b)
{
	if (b->data) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof(*b));
}

static bool buf_grow(struct isakmp_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->oom)
		return false;
	if (n <= b->cap - b->len)
		return true;
	if (b->len + n > ISAKMP_MAX_MSG + 4096) {
		b->oom = true;
		return false;
	}
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	/* Not realloc: the old block may hold key-derived bytes to wipe. */
	p = calloc(1, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	if (b->data) {
		memcpy(p, b->data, b->len);
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return true;
}

uint8_t *isakmp_buf_put(struct isakmp_buf *b, const void *p, size_t n)
{
	uint8_t *dst;

	if (!buf_grow(b, n))
		return NULL;
	dst = b->data + b->len;
	if (n)
		memcpy(dst, p, n);
	b->len += n;
	return dst;
}

uint8_t *isakmp_buf_zero(struct isakmp_buf *b, size_t n)
{
	uint8_t *dst;

	if (!buf_grow(b, n))
		return NULL;
	dst = b->data + b->len;
	memset(dst, 0, n);
	b->len += n;
	return dst;
}

void isakmp_buf_u8(struct isakmp_buf *b, uint8_t v)
{
	isakmp_buf_put(b, &v, 1);
}

void isakmp_buf_u16(struct isakmp_buf *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v & 0xff };

	isakmp_buf_put(b, x, 2);
}

void isakmp_buf_u32(struct isakmp_buf *b, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	isakmp_buf_put(b, x, 4);
}

static void put16_at(struct isakmp_buf *b, size_t off, uint16_t v)
{
	if (b->oom || off + 2 > b->len)
		return;
	b->data[off] = v >> 8;
	b->data[off + 1] = v & 0xff;
}

static void put8_at(struct isakmp_buf *b, size_t off, uint8_t v)
{
	if (b->oom || off >= b->len)
		return;
	b->data[off] = v;
}

void isakmp_bld_init(struct isakmp_bld *b, const struct isakmp_hdr *hdr)
{
	isakmp_buf_init(&b->buf);
	isakmp_buf_put(&b->buf, hdr->icookie, ISAKMP_COOKIE_LEN);
	isakmp_buf_put(&b->buf, hdr->rcookie, ISAKMP_COOKIE_LEN);
	isakmp_buf_u8(&b->buf, ISAKMP_PT_NONE);
	isakmp_buf_u8(&b->buf, hdr->version ? hdr->version : ISAKMP_VERSION);
	isakmp_buf_u8(&b->buf, hdr->exch);
	isakmp_buf_u8(&b->buf, hdr->flags);
	isakmp_buf_u32(&b->buf, hdr->msgid);
	isakmp_buf_u32(&b->buf, 0);
	b->np_off = 16;
	b->open_off = 0;
}

size_t isakmp_pl_begin(struct isakmp_bld *b, uint8_t type)
{
	size_t off = b->buf.len;

	put8_at(&b->buf, b->np_off, type);
	isakmp_buf_u8(&b->buf, ISAKMP_PT_NONE);
	isakmp_buf_u8(&b->buf, 0);
	isakmp_buf_u16(&b->buf, 0);
	b->np_off = off;
	b->open_off = off;
	return off;
}

void isakmp_pl_end(struct isakmp_bld *b)
{
	size_t n = b->buf.len - b->open_off;

	if (n > 0xffff)
		b->buf.oom = true;
	put16_at(&b->buf, b->open_off + 2, (uint16_t)n);
}

int isakmp_bld_finish(struct isakmp_bld *b)
{
	if (b->buf.oom || b->buf.len > ISAKMP_MAX_MSG)
		return -1;
	b->buf.data[24] = b->buf.len >> 24;
	b->buf.data[25] = b->buf.len >> 16;
	b->buf.data[26] = b->buf.len >> 8;
	b->buf.data[27] = b->buf.len;
	return 0;
}

void isakmp_add_raw(struct isakmp_bld *b, uint8_t type, const void *p, size_t n)
{
	isakmp_pl_begin(b, type);
	isakmp_buf_put(&b->buf, p, n);
	isakmp_pl_end(b);
}

size_t isakmp_add_hash_slot(struct isakmp_bld *b, size_t n)
{
	size_t off;

	isakmp_pl_begin(b, ISAKMP_PT_HASH);
	off = b->buf.len;
	isakmp_buf_zero(&b->buf, n);
	isakmp_pl_end(b);
	return off;
}

const uint8_t *isakmp_bld_after(const struct isakmp_bld *b, size_t hash_off,
				size_t hash_len, size_t *len)
{
	size_t start = hash_off + hash_len;

	if (b->buf.oom || start > b->buf.len) {
		*len = 0;
		return NULL;
	}
	*len = b->buf.len - start;
	return b->buf.data + start;
}

void isakmp_add_id(struct isakmp_bld *b, const struct isakmp_id *id)
{
	isakmp_pl_begin(b, ISAKMP_PT_ID);
	isakmp_buf_u8(&b->buf, id->type);
	isakmp_buf_u8(&b->buf, id->proto);
	isakmp_buf_u16(&b->buf, id->port);
	isakmp_buf_put(&b->buf, id->data, id->len);
	isakmp_pl_end(b);
}

void isakmp_add_cert(struct isakmp_bld *b, uint8_t enc, const void *der, size_t n)
{
	isakmp_pl_begin(b, ISAKMP_PT_CERT);
	isakmp_buf_u8(&b->buf, enc);
	isakmp_buf_put(&b->buf, der, n);
	isakmp_pl_end(b);
}

void isakmp_add_cr(struct isakmp_bld *b, uint8_t enc, const void *dn, size_t n)
{
	isakmp_pl_begin(b, ISAKMP_PT_CR);
	isakmp_buf_u8(&b->buf, enc);
	isakmp_buf_put(&b->buf, dn, n);
	isakmp_pl_end(b);
}

void isakmp_add_notify(struct isakmp_bld *b, uint32_t doi, uint8_t proto,
		       const void *spi, uint8_t spi_size, uint16_t type,
		       const void *data, size_t n)
{
	isakmp_pl_begin(b, ISAKMP_PT_N);
	isakmp_buf_u32(&b->buf, doi);
	isakmp_buf_u8(&b->buf, proto);
	isakmp_buf_u8(&b->buf, spi_size);
	isakmp_buf_u16(&b->buf, type);
	isakmp_buf_put(&b->buf, spi, spi_size);
	isakmp_buf_put(&b->buf, data, n);
	isakmp_pl_end(b);
}

void isakmp_add_delete(struct isakmp_bld *b, uint8_t proto, uint8_t spi_size,
		       const void *spis, uint16_t n_spi)
{
	isakmp_pl_begin(b, ISAKMP_PT_D);
	isakmp_buf_u32(&b->buf, ISAKMP_DOI_IPSEC);
	isakmp_buf_u8(&b->buf, proto);
	isakmp_buf_u8(&b->buf, spi_size);
	isakmp_buf_u16(&b->buf, n_spi);
	isakmp_buf_put(&b->buf, spis, (size_t)spi_size * n_spi);
	isakmp_pl_end(b);
}

void isakmp_add_cfg_begin(struct isakmp_bld *b, uint8_t type, uint16_t ident)
{
	isakmp_pl_begin(b, ISAKMP_PT_ATTR);
	isakmp_buf_u8(&b->buf, type);
	isakmp_buf_u8(&b->buf, 0);
	isakmp_buf_u16(&b->buf, ident);
}

void isakmp_sa_begin(struct isakmp_bld *b, struct isakmp_sa_bld *s)
{
	memset(s, 0, sizeof(*s));
	s->sa_off = isakmp_pl_begin(b, ISAKMP_PT_SA);
	isakmp_buf_u32(&b->buf, ISAKMP_DOI_IPSEC);
	isakmp_buf_u32(&b->buf, ISAKMP_SIT_IDENTITY_ONLY);
}

void isakmp_prop_begin(struct isakmp_bld *b, struct isakmp_sa_bld *s,
		       uint8_t num, uint8_t proto, const void *spi,
		       uint8_t spi_size, uint8_t n_xf)
{
	if (s->last_prop_off)
		put8_at(&b->buf, s->last_prop_off, ISAKMP_PT_P);
	s->prop_off = b->buf.len;
	s->last_prop_off = s->prop_off;
	s->last_xf_off = 0;
	isakmp_buf_u8(&b->buf, ISAKMP_PT_NONE);
	isakmp_buf_u8(&b->buf, 0);
	isakmp_buf_u16(&b->buf, 0);
	isakmp_buf_u8(&b->buf, num);
	isakmp_buf_u8(&b->buf, proto);
	isakmp_buf_u8(&b->buf, spi_size);
	isakmp_buf_u8(&b->buf, n_xf);
	isakmp_buf_put(&b->buf, spi, spi_size);
}

void isakmp_xf_begin(struct isakmp_bld *b, struct isakmp_sa_bld *s,
		     uint8_t num, uint8_t id)
{
	if (s->last_xf_off)
		put8_at(&b->buf, s->last_xf_off, ISAKMP_PT_T);
	s->xf_off = b->buf.len;
	s->last_xf_off = s->xf_off;
	isakmp_buf_u8(&b->buf, ISAKMP_PT_NONE);
	isakmp_buf_u8(&b->buf, 0);
	isakmp_buf_u16(&b->buf, 0);
	isakmp_buf_u8(&b->buf, num);
	isakmp_buf_u8(&b->buf, id);
	isakmp_buf_u16(&b->buf, 0);
}

void isakmp_xf_end(struct isakmp_bld *b, struct isakmp_sa_bld *s)
{
	size_t n = b->buf.len - s->xf_off;

	if (n > 0xffff)
		b->buf.oom = true;
	put16_at(&b->buf, s->xf_off + 2, (uint16_t)n);
}

void isakmp_prop_end(struct isakmp_bld *b, struct isakmp_sa_bld *s)
{
	size_t n = b->buf.len - s->prop_off;

	if (n > 0xffff)
		b->buf.oom = true;
	put16_at(&b->buf, s->prop_off + 2, (uint16_t)n);
}

void isakmp_sa_end(struct isakmp_bld *b, struct isakmp_sa_bld *s)
{
	b->open_off = s->sa_off;
	isakmp_pl_end(b);
}

void isakmp_put_attr_tv(struct isakmp_buf *b, uint16_t type, uint16_t v)
{
	isakmp_buf_u16(b, 0x8000 | type);
	isakmp_buf_u16(b, v);
}

void isakmp_put_attr_tlv(struct isakmp_buf *b, uint16_t type, const void *p,
			 size_t n)
{
	if (n > 0xffff) {
		b->oom = true;
		return;
	}
	isakmp_buf_u16(b, type & 0x7fff);
	isakmp_buf_u16(b, (uint16_t)n);
	isakmp_buf_put(b, p, n);
}

void isakmp_put_attr_u32(struct isakmp_buf *b, uint16_t type, uint32_t v)
{
	uint8_t x[4] = { v >> 24, v >> 16, v >> 8, v };

	if (v <= 0xffff)
		isakmp_put_attr_tv(b, type, (uint16_t)v);
	else
		isakmp_put_attr_tlv(b, type, x, 4);
}

/* ---- names -------------------------------------------------------------- */

const char *isakmp_exch_name(uint8_t exch)
{
	switch (exch) {
	case ISAKMP_EXCH_BASE: return "base";
	case ISAKMP_EXCH_MAIN: return "main";
	case ISAKMP_EXCH_AUTH_ONLY: return "auth-only";
	case ISAKMP_EXCH_AGGRESSIVE: return "aggressive";
	case ISAKMP_EXCH_INFO: return "informational";
	case ISAKMP_EXCH_TRANSACTION: return "transaction";
	case ISAKMP_EXCH_QUICK: return "quick";
	case ISAKMP_EXCH_NEW_GROUP: return "new-group";
	}
	return "unknown-exchange";
}

const char *isakmp_pt_name(uint8_t type)
{
	switch (type) {
	case ISAKMP_PT_NONE: return "NONE";
	case ISAKMP_PT_SA: return "SA";
	case ISAKMP_PT_P: return "P";
	case ISAKMP_PT_T: return "T";
	case ISAKMP_PT_KE: return "KE";
	case ISAKMP_PT_ID: return "ID";
	case ISAKMP_PT_CERT: return "CERT";
	case ISAKMP_PT_CR: return "CR";
	case ISAKMP_PT_HASH: return "HASH";
	case ISAKMP_PT_SIG: return "SIG";
	case ISAKMP_PT_NONCE: return "NONCE";
	case ISAKMP_PT_N: return "N";
	case ISAKMP_PT_D: return "D";
	case ISAKMP_PT_VID: return "VID";
	case ISAKMP_PT_ATTR: return "ATTR";
	case ISAKMP_PT_NATD: return "NAT-D";
	case ISAKMP_PT_NATOA: return "NAT-OA";
	case ISAKMP_PT_NATD_DRAFT: return "NAT-D(draft)";
	case ISAKMP_PT_NATOA_DRAFT: return "NAT-OA(draft)";
	}
	return "UNKNOWN";
}

static const struct {
	uint16_t type;
	const char *name;
} notify_names[] = {
	{ ISAKMP_N_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE" },
	{ ISAKMP_N_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED" },
	{ ISAKMP_N_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED" },
	{ ISAKMP_N_INVALID_COOKIE, "INVALID-COOKIE" },
	{ ISAKMP_N_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION" },
	{ ISAKMP_N_INVALID_MINOR_VERSION, "INVALID-MINOR-VERSION" },
	{ ISAKMP_N_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE" },
	{ ISAKMP_N_INVALID_FLAGS, "INVALID-FLAGS" },
	{ ISAKMP_N_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID" },
	{ ISAKMP_N_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID" },
	{ ISAKMP_N_INVALID_SPI, "INVALID-SPI" },
	{ ISAKMP_N_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID" },
	{ ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED" },
	{ ISAKMP_N_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN" },
	{ ISAKMP_N_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX" },
	{ ISAKMP_N_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED" },
	{ ISAKMP_N_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION" },
	{ ISAKMP_N_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION" },
	{ ISAKMP_N_INVALID_CERT_ENCODING, "INVALID-CERT-ENCODING" },
	{ ISAKMP_N_INVALID_CERTIFICATE, "INVALID-CERTIFICATE" },
	{ ISAKMP_N_CERT_TYPE_UNSUPPORTED, "CERT-TYPE-UNSUPPORTED" },
	{ ISAKMP_N_INVALID_CERT_AUTHORITY, "INVALID-CERT-AUTHORITY" },
	{ ISAKMP_N_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION" },
	{ ISAKMP_N_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED" },
	{ ISAKMP_N_INVALID_SIGNATURE, "INVALID-SIGNATURE" },
	{ ISAKMP_N_ADDRESS_NOTIFICATION, "ADDRESS-NOTIFICATION" },
	{ ISAKMP_N_NOTIFY_SA_LIFETIME, "NOTIFY-SA-LIFETIME" },
	{ ISAKMP_N_CERTIFICATE_UNAVAILABLE, "CERTIFICATE-UNAVAILABLE" },
	{ ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE" },
	{ ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS, "UNEQUAL-PAYLOAD-LENGTHS" },
	{ ISAKMP_N_CONNECTED, "CONNECTED" },
	{ ISAKMP_N_RESPONDER_LIFETIME, "RESPONDER-LIFETIME" },
	{ ISAKMP_N_REPLAY_STATUS, "REPLAY-STATUS" },
	{ ISAKMP_N_INITIAL_CONTACT, "INITIAL-CONTACT" },
	{ ISAKMP_N_R_U_THERE, "R-U-THERE" },
	{ ISAKMP_N_R_U_THERE_ACK, "R-U-THERE-ACK" },
	{ ISAKMP_N_UNITY_LOAD_BALANCE, "UNITY-LOAD-BALANCE" },
};

const char *isakmp_notify_name(uint16_t type)
{
	static __thread char other[24];

	for (size_t i = 0; i < sizeof(notify_names) / sizeof(notify_names[0]); i++)
		if (notify_names[i].type == type)
			return notify_names[i].name;
	snprintf(other, sizeof(other), "NOTIFY-%u", type);
	return other;
}

const char *isakmp_id_type_name(uint8_t type)
{
	switch (type) {
	case ISAKMP_ID_IPV4_ADDR: return "ipv4";
	case ISAKMP_ID_FQDN: return "fqdn";
	case ISAKMP_ID_USER_FQDN: return "user-fqdn";
	case ISAKMP_ID_IPV4_ADDR_SUBNET: return "ipv4-subnet";
	case ISAKMP_ID_IPV6_ADDR: return "ipv6";
	case ISAKMP_ID_IPV6_ADDR_SUBNET: return "ipv6-subnet";
	case ISAKMP_ID_IPV4_ADDR_RANGE: return "ipv4-range";
	case ISAKMP_ID_IPV6_ADDR_RANGE: return "ipv6-range";
	case ISAKMP_ID_DER_ASN1_DN: return "dn";
	case ISAKMP_ID_DER_ASN1_GN: return "gn";
	case ISAKMP_ID_KEY_ID: return "keyid";
	}
	return "id-unknown";
}

/* Printable copy of a peer-supplied string: no control bytes in logs. */
void isakmp_id_format(const struct isakmp_id *id, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN], s[256];
	int plen;

	if (!outlen)
		return;
	out[0] = '\0';
	switch (id->type) {
	case ISAKMP_ID_IPV4_ADDR:
		if (id->len == 4 && inet_ntop(AF_INET, id->data, a, sizeof(a)))
			snprintf(out, outlen, "%s", a);
		return;
	case ISAKMP_ID_IPV6_ADDR:
		if (id->len == 16 && inet_ntop(AF_INET6, id->data, a, sizeof(a)))
			snprintf(out, outlen, "%s", a);
		return;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
		if (id->len != 8)
			return;
		inet_ntop(AF_INET, id->data, a, sizeof(a));
		plen = 0;
		for (int i = 4; i < 8; i++)
			plen += __builtin_popcount(id->data[i]);
		snprintf(out, outlen, "%s/%d", a, plen);
		return;
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
		if (id->len != 32)
			return;
		inet_ntop(AF_INET6, id->data, a, sizeof(a));
		plen = 0;
		for (int i = 16; i < 32; i++)
			plen += __builtin_popcount(id->data[i]);
		snprintf(out, outlen, "%s/%d", a, plen);
		return;
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		if (id->len != 8)
			return;
		inet_ntop(AF_INET, id->data, a, sizeof(a));
		inet_ntop(AF_INET, id->data + 4, b2, sizeof(b2));
		snprintf(out, outlen, "%s-%s", a, b2);
		return;
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		if (id->len != 32)
			return;
		inet_ntop(AF_INET6, id->data, a, sizeof(a));
		inet_ntop(AF_INET6, id->data + 16, b2, sizeof(b2));
		snprintf(out, outlen, "%s-%s", a, b2);
		return;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
	case ISAKMP_ID_KEY_ID:
		/* Peer-chosen bytes: escaped for the log (lib/log.h). */
		evs_log_escape(s, sizeof(s), id->data, id->len, true);
		snprintf(out, outlen, "%s:%s", isakmp_id_type_name(id->type), s);
		return;
	default: {
		size_t o = (size_t)snprintf(out, outlen, "%s:",
					    isakmp_id_type_name(id->type));

		for (size_t i = 0; i < id->len && o + 3 < outlen; i++, o += 2)
			snprintf(out + o, outlen - o, "%02x", id->data[i]);
		return;
	}
	}
}

/* ---- vendor ids -------------------------------------------------------- */

static const uint8_t vid_rfc3947[] = {
	0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
static const uint8_t vid_natt_00[] = {
	0x44, 0x85, 0x15, 0x2d, 0x18, 0xb6, 0xbb, 0xcd,
	0x0b, 0xe8, 0xa8, 0x46, 0x95, 0x79, 0xdd, 0xcc };
static const uint8_t vid_natt_01[] = {
	0x16, 0xf6, 0xca, 0x16, 0xe4, 0xa4, 0x06, 0x6d,
	0x83, 0x82, 0x1a, 0x0f, 0x0a, 0xea, 0xa8, 0x62 };
static const uint8_t vid_natt_02[] = {
	0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
	0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 };
static const uint8_t vid_natt_02n[] = {
	0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
	0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f };
static const uint8_t vid_natt_03[] = {
	0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
	0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56 };
/* RFC 3706 §7: fixed 14 bytes then major 1, minor 0. */
static const uint8_t vid_dpd[] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
/* First 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt"). */
static const uint8_t vid_xauth[] = {
	0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12 };
/* MD5("CISCO-UNITY") with the last two bytes replaced by version 1.0. */
static const uint8_t vid_unity[] = {
	0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
	0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00 };
/* MD5("FRAGMENTATION"); Cisco appends capability bytes. */
static const uint8_t vid_frag[] = {
	0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
	0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3 };

#define VID(id_, name_, bytes_, prefix_) \
	[id_] = { id_, name_, bytes_, sizeof(bytes_), prefix_ }
/* Prefix entries: .len is the full value we send; matching compares
 * vid_match_len() bytes. */
static const struct isakmp_vid_def vid_table[VID_MAX] = {
	VID(VID_NATT_RFC3947, "RFC 3947", vid_rfc3947, false),
	VID(VID_NATT_DRAFT_00, "draft-ietf-ipsec-nat-t-ike-00", vid_natt_00, false),
	VID(VID_NATT_DRAFT_01, "draft-ietf-ipsec-nat-t-ike-01", vid_natt_01, false),
	VID(VID_NATT_DRAFT_02, "draft-ietf-ipsec-nat-t-ike-02", vid_natt_02, false),
	VID(VID_NATT_DRAFT_02N, "draft-ietf-ipsec-nat-t-ike-02\\n", vid_natt_02n, false),
	VID(VID_NATT_DRAFT_03, "draft-ietf-ipsec-nat-t-ike-03", vid_natt_03, false),
	VID(VID_DPD, "DPD (RFC 3706)", vid_dpd, true),
	VID(VID_XAUTH, "XAUTH", vid_xauth, false),
	VID(VID_CISCO_UNITY, "Cisco Unity", vid_unity, true),
	VID(VID_CISCO_FRAG, "Cisco fragmentation", vid_frag, true),
};

static size_t vid_match_len(const struct isakmp_vid_def *d)
{
	/* Versioned ids: the trailing version bytes may differ. */
	if (d->id == VID_DPD || d->id == VID_CISCO_UNITY)
		return 14;
	return d->len;
}

const struct isakmp_vid_def *isakmp_vid_get(enum isakmp_vid id)
{
	if (id <= VID_UNKNOWN || id >= VID_MAX)
		return NULL;
	return &vid_table[id];
}

enum isakmp_vid isakmp_vid_lookup(const uint8_t *p, size_t n)
{
	for (int i = VID_UNKNOWN + 1; i < VID_MAX; i++) {
		const struct isakmp_vid_def *d = &vid_table[i];
		size_t m = vid_match_len(d);

		if (d->prefix ? n >= m && !memcmp(p, d->bytes, m)
			      : n == d->len && !memcmp(p, d->bytes, n))
			return d->id;
	}
	return VID_UNKNOWN;
}

void isakmp_add_vid(struct isakmp_bld *b, enum isakmp_vid id)
{
	const struct isakmp_vid_def *d = isakmp_vid_get(id);

	if (d)
		isakmp_add_raw(b, ISAKMP_PT_VID, d->bytes, d->len);
}

int isakmp_vid_natt_level(enum isakmp_vid id)
{
	switch (id) {
	case VID_NATT_RFC3947:
		return 2;
	case VID_NATT_DRAFT_02:
	case VID_NATT_DRAFT_02N:
	case VID_NATT_DRAFT_03:
		return 1;
	default:
		return 0;
	}
}
