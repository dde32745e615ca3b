/* SPDX-License-Identifier: MIT */
/*
 * isakmp: the IKEv1 message codec (RFC 2408 §3, RFC 2407 §4, RFC 2409,
 * RFC 3947, draft-ietf-ipsec-isakmp-mode-cfg-05).  Pure byte handling, no
 * state, no crypto: the flows (phase1.c, quick.c, xauth.c, ...) decide what
 * a message means; this module only says whether its bytes are well formed.
 *
 * Receiving
 *   1. isakmp_parse_hdr() on the datagram (after the non-ESP marker on 4500).
 *   2. If ISAKMP_FLAG_ENC: decrypt the body (crypto.h ike_decrypt_msg()).
 *   3. isakmp_parse_body() walks the generic payload chain of the plaintext
 *      body into a struct isakmp_msg (views into the buffer, no copies).
 *   4. isakmp_msg_find() / isakmp_msg_count() locate payloads, and the
 *      isakmp_parse_<payload>() functions decode one payload's body.
 * Every parser is bounds-checked and returns 0, or -1 with a struct
 * isakmp_perr saying which notify RFC 2408 §5 asks for (notify == 0 means
 * drop silently) and a short reason for the log.  Nothing here allocates.
 *
 * Sending
 *   isakmp_bld_init() starts a message with its header; isakmp_add_*()
 *   append payloads (each patches the previous "next payload" field);
 *   isakmp_bld_finish() fixes the header length.  For HASH-first messages
 *   (quick mode, informational, transaction) use isakmp_add_hash_slot(),
 *   build the rest, compute the hash over isakmp_bld_after(), and copy it
 *   into the slot.  Then encrypt with crypto.h ike_encrypt_msg().
 *   Allocation failure is sticky: check bld.buf.oom (or the return of
 *   isakmp_bld_finish()) once at the end.
 *
 * Byte order: all integers in the structs below are host order; data
 * pointers point at wire bytes.  "_b" in RFC 2409 ("SAi_b", "IDii_b",
 * "Ni_b") is the payload body without its 4-byte generic header: that is
 * exactly isakmp_payload.body/len.
 */
#ifndef EVSD_ISAKMP_H
#define EVSD_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISAKMP_HDR_LEN		28
#define ISAKMP_GEN_LEN		4	/* generic payload header */
#define ISAKMP_VERSION		0x10	/* major 1, minor 0 */
#define ISAKMP_MAX_MSG		65535	/* we accept at most this */
#define ISAKMP_COOKIE_LEN	8
#define ISAKMP_NONCE_MIN	8	/* RFC 2409 §5: 8..256 bytes */
#define ISAKMP_NONCE_MAX	256

/* Exchange types (RFC 2408 §3.1, RFC 2409, mode-cfg draft). */
enum isakmp_exch {
	ISAKMP_EXCH_BASE	= 1,
	ISAKMP_EXCH_MAIN	= 2,	/* identity protection */
	ISAKMP_EXCH_AUTH_ONLY	= 3,
	ISAKMP_EXCH_AGGRESSIVE	= 4,
	ISAKMP_EXCH_INFO	= 5,
	ISAKMP_EXCH_TRANSACTION	= 6,	/* mode config / XAUTH */
	ISAKMP_EXCH_QUICK	= 32,
	ISAKMP_EXCH_NEW_GROUP	= 33,
};

/* Header flags. */
#define ISAKMP_FLAG_ENC		0x01
#define ISAKMP_FLAG_COMMIT	0x02
#define ISAKMP_FLAG_AUTH_ONLY	0x04

/* Payload types (RFC 2408 §3.1, mode-cfg, RFC 3947, NAT-T drafts). */
enum isakmp_pt {
	ISAKMP_PT_NONE		= 0,
	ISAKMP_PT_SA		= 1,
	ISAKMP_PT_P		= 2,
	ISAKMP_PT_T		= 3,
	ISAKMP_PT_KE		= 4,
	ISAKMP_PT_ID		= 5,
	ISAKMP_PT_CERT		= 6,
	ISAKMP_PT_CR		= 7,
	ISAKMP_PT_HASH		= 8,
	ISAKMP_PT_SIG		= 9,
	ISAKMP_PT_NONCE		= 10,
	ISAKMP_PT_N		= 11,
	ISAKMP_PT_D		= 12,
	ISAKMP_PT_VID		= 13,
	ISAKMP_PT_ATTR		= 14,	/* mode config / XAUTH */
	ISAKMP_PT_NATD		= 20,	/* RFC 3947 */
	ISAKMP_PT_NATOA		= 21,
	ISAKMP_PT_NATD_DRAFT	= 130,	/* draft-ietf-ipsec-nat-t-ike-0[0-3] */
	ISAKMP_PT_NATOA_DRAFT	= 131,
};

/* Notify message types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706). */
enum isakmp_notify {
	ISAKMP_N_INVALID_PAYLOAD_TYPE		= 1,
	ISAKMP_N_DOI_NOT_SUPPORTED		= 2,
	ISAKMP_N_SITUATION_NOT_SUPPORTED	= 3,
	ISAKMP_N_INVALID_COOKIE			= 4,
	ISAKMP_N_INVALID_MAJOR_VERSION		= 5,
	ISAKMP_N_INVALID_MINOR_VERSION		= 6,
	ISAKMP_N_INVALID_EXCHANGE_TYPE		= 7,
	ISAKMP_N_INVALID_FLAGS			= 8,
	ISAKMP_N_INVALID_MESSAGE_ID		= 9,
	ISAKMP_N_INVALID_PROTOCOL_ID		= 10,
	ISAKMP_N_INVALID_SPI			= 11,
	ISAKMP_N_INVALID_TRANSFORM_ID		= 12,
	ISAKMP_N_ATTRIBUTES_NOT_SUPPORTED	= 13,
	ISAKMP_N_NO_PROPOSAL_CHOSEN		= 14,
	ISAKMP_N_BAD_PROPOSAL_SYNTAX		= 15,
	ISAKMP_N_PAYLOAD_MALFORMED		= 16,
	ISAKMP_N_INVALID_KEY_INFORMATION	= 17,
	ISAKMP_N_INVALID_ID_INFORMATION		= 18,
	ISAKMP_N_INVALID_CERT_ENCODING		= 19,
	ISAKMP_N_INVALID_CERTIFICATE		= 20,
	ISAKMP_N_CERT_TYPE_UNSUPPORTED		= 21,
	ISAKMP_N_INVALID_CERT_AUTHORITY		= 22,
	ISAKMP_N_INVALID_HASH_INFORMATION	= 23,
	ISAKMP_N_AUTHENTICATION_FAILED		= 24,
	ISAKMP_N_INVALID_SIGNATURE		= 25,
	ISAKMP_N_ADDRESS_NOTIFICATION		= 26,
	ISAKMP_N_NOTIFY_SA_LIFETIME		= 27,
	ISAKMP_N_CERTIFICATE_UNAVAILABLE	= 28,
	ISAKMP_N_UNSUPPORTED_EXCHANGE_TYPE	= 29,
	ISAKMP_N_UNEQUAL_PAYLOAD_LENGTHS	= 30,
	ISAKMP_N_CONNECTED			= 16384,
	ISAKMP_N_RESPONDER_LIFETIME		= 24576,
	ISAKMP_N_REPLAY_STATUS			= 24577,
	ISAKMP_N_INITIAL_CONTACT		= 24578,
	ISAKMP_N_R_U_THERE			= 36136,
	ISAKMP_N_R_U_THERE_ACK			= 36137,
	ISAKMP_N_UNITY_LOAD_BALANCE		= 40501,
};

/* DOI, situation, protocol ids (RFC 2407 §4.2, §4.4.1). */
#define ISAKMP_DOI_ISAKMP	0
#define ISAKMP_DOI_IPSEC	1
#define ISAKMP_SIT_IDENTITY_ONLY 1
enum isakmp_proto {
	ISAKMP_PROTO_ISAKMP	= 1,
	ISAKMP_PROTO_AH		= 2,
	ISAKMP_PROTO_ESP	= 3,
	ISAKMP_PROTO_IPCOMP	= 4,
};
#define ISAKMP_XFORM_KEY_IKE	1	/* Phase 1 transform id */

/* Phase 1 SA attributes (RFC 2409 App. A). */
enum ike_attr {
	IKE_ATTR_ENCRYPTION	= 1,
	IKE_ATTR_HASH		= 2,
	IKE_ATTR_AUTH		= 3,
	IKE_ATTR_GROUP_DESC	= 4,
	IKE_ATTR_GROUP_TYPE	= 5,
	IKE_ATTR_GROUP_PRIME	= 6,
	IKE_ATTR_GROUP_GEN1	= 7,
	IKE_ATTR_GROUP_GEN2	= 8,
	IKE_ATTR_GROUP_CURVE_A	= 9,
	IKE_ATTR_GROUP_CURVE_B	= 10,
	IKE_ATTR_LIFE_TYPE	= 11,
	IKE_ATTR_LIFE_DURATION	= 12,
	IKE_ATTR_PRF		= 13,
	IKE_ATTR_KEY_LENGTH	= 14,
	IKE_ATTR_FIELD_SIZE	= 15,
	IKE_ATTR_GROUP_ORDER	= 16,
};
#define IKE_LIFE_SECONDS	1
#define IKE_LIFE_KILOBYTES	2

/* Phase 1 encryption algorithm values (attribute 1). */
enum ike_encr {
	IKE_ENCR_DES		= 1,
	IKE_ENCR_IDEA		= 2,
	IKE_ENCR_BLOWFISH	= 3,
	IKE_ENCR_RC5		= 4,
	IKE_ENCR_3DES		= 5,
	IKE_ENCR_CAST		= 6,
	IKE_ENCR_AES_CBC	= 7,
};
/* Phase 1 hash algorithm values (attribute 2). */
enum ike_hash_alg {
	IKE_HASH_MD5		= 1,
	IKE_HASH_SHA1		= 2,
	IKE_HASH_TIGER		= 3,
	IKE_HASH_SHA2_256	= 4,
	IKE_HASH_SHA2_384	= 5,
	IKE_HASH_SHA2_512	= 6,
};
/* Authentication methods (attribute 3), incl. XAUTH draft values. */
enum ike_auth {
	IKE_AUTH_PSK			= 1,
	IKE_AUTH_DSS			= 2,
	IKE_AUTH_RSA_SIG		= 3,
	IKE_AUTH_RSA_ENC		= 4,
	IKE_AUTH_RSA_REV_ENC		= 5,
	IKE_AUTH_HYBRID_INIT_RSA	= 64221,
	IKE_AUTH_HYBRID_RESP_RSA	= 64222,
	IKE_AUTH_XAUTH_INIT_PSK		= 65001,
	IKE_AUTH_XAUTH_RESP_PSK		= 65002,
	IKE_AUTH_XAUTH_INIT_DSS		= 65003,
	IKE_AUTH_XAUTH_RESP_DSS		= 65004,
	IKE_AUTH_XAUTH_INIT_RSA		= 65005,
	IKE_AUTH_XAUTH_RESP_RSA		= 65006,
};

/* IPsec DOI SA attributes (RFC 2407 §4.5) and their values. */
enum ipsec_attr {
	IPSEC_ATTR_LIFE_TYPE	= 1,
	IPSEC_ATTR_LIFE_DURATION = 2,
	IPSEC_ATTR_GROUP_DESC	= 3,
	IPSEC_ATTR_ENCAP_MODE	= 4,
	IPSEC_ATTR_AUTH_ALG	= 5,
	IPSEC_ATTR_KEY_LENGTH	= 6,
	IPSEC_ATTR_KEY_ROUNDS	= 7,
	IPSEC_ATTR_COMP_DICT	= 8,
	IPSEC_ATTR_COMP_PRIV	= 9,
};
enum ipsec_encap {
	IPSEC_ENCAP_TUNNEL		= 1,
	IPSEC_ENCAP_TRANSPORT		= 2,
	IPSEC_ENCAP_UDP_TUNNEL		= 3,	/* RFC 3947 */
	IPSEC_ENCAP_UDP_TRANSPORT	= 4,
	IPSEC_ENCAP_UDP_TUNNEL_DRAFT	= 61443,	/* drafts 00-03 */
	IPSEC_ENCAP_UDP_TRANSPORT_DRAFT	= 61444,
};
enum ipsec_auth {
	IPSEC_AUTH_HMAC_MD5	= 1,
	IPSEC_AUTH_HMAC_SHA1	= 2,
	IPSEC_AUTH_DES_MAC	= 3,
	IPSEC_AUTH_KPDK		= 4,
	IPSEC_AUTH_HMAC_SHA2_256 = 5,
	IPSEC_AUTH_HMAC_SHA2_384 = 6,
	IPSEC_AUTH_HMAC_SHA2_512 = 7,
};
/* ESP transform ids (RFC 2407 §4.4.4). */
enum esp_xform {
	ESP_DES		= 2,
	ESP_3DES	= 3,
	ESP_NULL	= 11,
	ESP_AES_CBC	= 12,
	/* AES-GCM with an 8, 12 or 16-byte ICV (RFC 4106 §8): a Key Length
	 * attribute and no Authentication Algorithm attribute. */
	ESP_AES_GCM_8	= 18,
	ESP_AES_GCM_12	= 19,
	ESP_AES_GCM_16	= 20,
};

/* Identification types (RFC 2407 §4.6.2.1). */
enum isakmp_id_type {
	ISAKMP_ID_IPV4_ADDR		= 1,
	ISAKMP_ID_FQDN			= 2,
	ISAKMP_ID_USER_FQDN		= 3,
	ISAKMP_ID_IPV4_ADDR_SUBNET	= 4,
	ISAKMP_ID_IPV6_ADDR		= 5,
	ISAKMP_ID_IPV6_ADDR_SUBNET	= 6,
	ISAKMP_ID_IPV4_ADDR_RANGE	= 7,
	ISAKMP_ID_IPV6_ADDR_RANGE	= 8,
	ISAKMP_ID_DER_ASN1_DN		= 9,
	ISAKMP_ID_DER_ASN1_GN		= 10,
	ISAKMP_ID_KEY_ID		= 11,
};

/* Certificate encodings (RFC 2408 §3.9). */
#define ISAKMP_CERT_X509_SIG	4
#define ISAKMP_CERT_CRL		7

/* Attribute payload (type 14) message types and XAUTH/mode-cfg ids live in
 * the owners' headers (modecfg.h, xauth.h); the codec only frames them. */
enum isakmp_cfg_type {
	ISAKMP_CFG_REQUEST	= 1,
	ISAKMP_CFG_REPLY	= 2,
	ISAKMP_CFG_SET		= 3,
	ISAKMP_CFG_ACK		= 4,
};

/* ---- parse results -------------------------------------------------- */

/* Why a message or payload was refused.  notify: the RFC 2408 notify to
 * answer with (an enum isakmp_notify value), or 0 for "drop silently"
 * (RFC 2408 §5.1: e.g. unparseable header, length disagreement).  The flow
 * decides whether it may actually send the notify (never unprotected after
 * Phase 1 keys exist, rate-limited, etc.).  why: static text for the log. */
struct isakmp_perr {
	uint16_t notify;
	const char *why;
};

/* Fill *err (when given) for a refusal; returns -1 for `return
 * isakmp_perr_set(...)` in parsers. */
static inline int isakmp_perr_set(struct isakmp_perr *err, uint16_t notify,
				  const char *why)
{
	if (err) {
		err->notify = notify;
		err->why = why;
	}
	return -1;
}

/* Host-order copy of the 28-byte header. */
struct isakmp_hdr {
	uint8_t icookie[ISAKMP_COOKIE_LEN];
	uint8_t rcookie[ISAKMP_COOKIE_LEN];
	uint8_t np;		/* first payload */
	uint8_t version;	/* ISAKMP_VERSION */
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;		/* host order; on the wire big-endian */
	uint32_t len;		/* whole message incl. header */
};

/* One payload of the chain: type, generic-header "critical" byte, and its
 * body (the bytes after the 4-byte generic header). */
struct isakmp_payload {
	uint8_t type;
	uint8_t reserved;
	const uint8_t *body;	/* = RFC 2409's "<payload>_b" */
	size_t len;
	const uint8_t *raw;	/* the generic header (raw..raw+4+len) */
};

#define ISAKMP_MAX_PAYLOADS 48
struct isakmp_msg {
	struct isakmp_hdr hdr;
	unsigned n;
	struct isakmp_payload p[ISAKMP_MAX_PAYLOADS];
	size_t padding;		/* trailing bytes after the last payload */
};

/* Parse and validate the fixed header of a datagram of dlen bytes.
 * Checks: dlen >= 28, major version 1 (INVALID-MAJOR-VERSION), minor 0
 * (INVALID-MINOR-VERSION), known exchange type (INVALID-EXCHANGE-TYPE),
 * no unknown flag bits (INVALID-FLAGS), header length == dlen (RFC 2408
 * §5.1: otherwise rejected -> silent drop), non-zero initiator cookie
 * (INVALID-COOKIE), a known first payload type (INVALID-PAYLOAD-TYPE).
 * Returns 0 or -1 + *err. */
int isakmp_parse_hdr(const uint8_t *buf, size_t dlen, struct isakmp_hdr *hdr,
		     struct isakmp_perr *err);

/* Options for isakmp_parse_body(). */
#define ISAKMP_PARSE_PADDED	0x1	/* body was decrypted: bytes after the
					 * last payload are padding, allowed */
/* Without it, fewer than this many trailing bytes are 4-byte alignment
 * padding (libreswan sends it) and allowed. */
#define ISAKMP_ALIGN_PAD_MAX	4

/* Walk the payload chain of body[0..len) starting with type first_np
 * (hdr.np).  Every generic header must fit, payload length >= 4, payloads
 * must not overrun the body (PAYLOAD-MALFORMED / UNEQUAL-PAYLOAD-LENGTHS),
 * only types this codec knows may appear at top level (SA, KE, ID, CERT,
 * CR, HASH, SIG, NONCE, N, D, VID, ATTR, NAT-D, NAT-OA, both NAT-T
 * numberings; P and T only inside SA -> INVALID-PAYLOAD-TYPE), at most
 * ISAKMP_MAX_PAYLOADS.  The reserved byte is kept, not checked (peers
 * differ and RFC 2408 asks nothing of the receiver).
 * Trailing bytes are an error unless ISAKMP_PARSE_PADDED or fewer than
 * ISAKMP_ALIGN_PAD_MAX (alignment; msg->padding says how many).  The header
 * itself is copied into msg->hdr by the caller (or pass hdr). */
int isakmp_parse_body(const struct isakmp_hdr *hdr, const uint8_t *body,
		      size_t len, unsigned flags, struct isakmp_msg *msg,
		      struct isakmp_perr *err);

/* Convenience: header + body for an unencrypted datagram. */
int isakmp_parse(const uint8_t *buf, size_t dlen, struct isakmp_msg *msg,
		 struct isakmp_perr *err);

/* The idx'th payload of the given type, or NULL. */
const struct isakmp_payload *isakmp_msg_find(const struct isakmp_msg *msg,
					     uint8_t type, unsigned idx);
unsigned isakmp_msg_count(const struct isakmp_msg *msg, uint8_t type);
/* NAT-D in either numbering (RFC 3947 20 or draft 130). */
bool isakmp_pt_is_natd(uint8_t type);

/* ---- data attributes (RFC 2408 §3.3) ------------------------------ */

/* One attribute.  TV ("basic", AF bit set): value in .u, .len = 2 and
 * .val points at the two value bytes.  TLV: .val/.len are the variable
 * bytes; .u holds their value when 1..4 bytes long (life durations may be
 * sent either way, RFC 2407 §4.5), else 0 and .too_long is set. */
struct isakmp_attr {
	uint16_t type;		/* without the AF bit */
	bool tv;
	bool too_long;
	uint32_t u;
	const uint8_t *val;
	size_t len;
};

/* Attribute iterator over a block (transform body after its 8-byte header,
 * or the attribute list of an ATTR payload).  Returns 1 with *a filled,
 * 0 at clean end, -1 on truncation (a header or TLV value running past the
 * end) with *err = PAYLOAD-MALFORMED. */
struct isakmp_attr_iter {
	const uint8_t *p;
	size_t left;
};
void isakmp_attr_iter_init(struct isakmp_attr_iter *it, const uint8_t *p,
			   size_t len);
int isakmp_attr_next(struct isakmp_attr_iter *it, struct isakmp_attr *a,
		     struct isakmp_perr *err);
/* Validate a whole attribute block (no duplicates are checked). */
int isakmp_attrs_check(const uint8_t *p, size_t len, struct isakmp_perr *err);

/* ---- SA / proposal / transform ------------------------------------ */

struct isakmp_transform {
	uint8_t num;
	uint8_t id;			/* KEY_IKE or ESP_* */
	const uint8_t *attrs;		/* attribute block */
	size_t attrs_len;
	const uint8_t *raw;		/* transform payload incl. generic hdr */
	size_t raw_len;
};

struct isakmp_proposal {
	uint8_t num;
	uint8_t proto;			/* enum isakmp_proto */
	uint8_t spi_size;
	const uint8_t *spi;		/* spi_size bytes or NULL */
	unsigned first_xf;		/* index into isakmp_sa.xf[] */
	unsigned n_xf;
};

#define ISAKMP_MAX_PROPOSALS	64
#define ISAKMP_MAX_TRANSFORMS	256
struct isakmp_sa {
	uint32_t doi;
	uint32_t situation;
	unsigned n_prop;
	struct isakmp_proposal prop[ISAKMP_MAX_PROPOSALS];
	unsigned n_xf;
	struct isakmp_transform xf[ISAKMP_MAX_TRANSFORMS];
};

/* Decode an SA payload (its body, p->body/len) with proposals and
 * transforms.  Checks: DOI == IPSEC (DOI-NOT-SUPPORTED), situation ==
 * IDENTITY_ONLY (SITUATION-NOT-SUPPORTED), at least one proposal, P/T
 * chain types and lengths (BAD-PROPOSAL-SYNTAX / PAYLOAD-MALFORMED), the
 * announced transform count matching what is present (BAD-PROPOSAL-
 * SYNTAX), proposal numbers non-decreasing (RFC 2408 §4.2), known protocol
 * (INVALID-PROTOCOL-ID), SPI size 0 or 16 for ISAKMP, 4 for AH/ESP, 2 or 4
 * for IPCOMP (INVALID-SPI), every transform's attribute block well formed
 * (PAYLOAD-MALFORMED).  Meaning (which algorithms) is proposal.c's job. */
int isakmp_parse_sa(const uint8_t *body, size_t len, struct isakmp_sa *sa,
		    struct isakmp_perr *err);

/* ---- the other payloads -------------------------------------------- */

struct isakmp_id {
	uint8_t type;			/* enum isakmp_id_type */
	uint8_t proto;			/* IP protocol, 0 = any */
	uint16_t port;			/* 0 = any */
	const uint8_t *data;
	size_t len;
};
/* Checks the fixed sizes of address types (4, 8 for subnet/range, 16, 32)
 * and a non-empty value for the others (INVALID-ID-INFORMATION). */
int isakmp_parse_id(const uint8_t *body, size_t len, struct isakmp_id *id,
		    struct isakmp_perr *err);

struct isakmp_cert {
	uint8_t encoding;		/* ISAKMP_CERT_*; CR: wanted encoding */
	const uint8_t *data;		/* CERT: DER; CR: CA DN (may be empty) */
	size_t len;
};
/* CERT needs >= 1 data byte (PAYLOAD-MALFORMED); CR may be empty. */
int isakmp_parse_cert(const uint8_t *body, size_t len, struct isakmp_cert *c,
		      struct isakmp_perr *err);
int isakmp_parse_cr(const uint8_t *body, size_t len, struct isakmp_cert *c,
		    struct isakmp_perr *err);

struct isakmp_notify_pl {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t type;			/* enum isakmp_notify */
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};
int isakmp_parse_notify(const uint8_t *body, size_t len,
			struct isakmp_notify_pl *n, struct isakmp_perr *err);

struct isakmp_delete {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
	uint16_t n_spi;
	const uint8_t *spis;		/* n_spi * spi_size bytes */
};
/* ISAKMP SA deletes carry 16-byte SPIs (both cookies), ESP/AH 4 bytes. */
int isakmp_parse_delete(const uint8_t *body, size_t len,
			struct isakmp_delete *d, struct isakmp_perr *err);

/* KE, NONCE, HASH, SIG, VID, NAT-D are opaque bytes: use payload body/len.
 * These validate the length rules: nonce 8..256, KE/HASH/SIG/NAT-D non-
 * empty.  INVALID-KEY-INFORMATION / PAYLOAD-MALFORMED on failure. */
int isakmp_check_nonce(const struct isakmp_payload *p, struct isakmp_perr *err);
int isakmp_check_nonempty(const struct isakmp_payload *p, struct isakmp_perr *err);

/* Attribute payload (type 14): header + attribute block. */
struct isakmp_cfg {
	uint8_t type;			/* enum isakmp_cfg_type */
	uint16_t ident;
	const uint8_t *attrs;
	size_t attrs_len;
};
int isakmp_parse_cfg(const uint8_t *body, size_t len, struct isakmp_cfg *cfg,
		     struct isakmp_perr *err);

/* ---- building -------------------------------------------------------- */

struct isakmp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool oom;
};
void isakmp_buf_init(struct isakmp_buf *b);
/* Wipes (messages carry nonces/keys of others' Phase 2) and frees. */
void isakmp_buf_free(struct isakmp_buf *b);
/* Appends; on OOM sets b->oom and returns NULL (later calls no-ops). */
uint8_t *isakmp_buf_put(struct isakmp_buf *b, const void *p, size_t n);
uint8_t *isakmp_buf_zero(struct isakmp_buf *b, size_t n);
void isakmp_buf_u8(struct isakmp_buf *b, uint8_t v);
void isakmp_buf_u16(struct isakmp_buf *b, uint16_t v);	/* big-endian */
void isakmp_buf_u32(struct isakmp_buf *b, uint32_t v);

struct isakmp_bld {
	struct isakmp_buf buf;
	size_t np_off;		/* where the next "next payload" byte goes */
	size_t open_off;	/* payload being built by isakmp_pl_begin */
};

/* Starts a message: header from *hdr (np, len ignored). */
void isakmp_bld_init(struct isakmp_bld *b, const struct isakmp_hdr *hdr);
/* Low level: open a payload of the given type (links it into the chain,
 * writes a generic header), append its body with isakmp_buf_*, then
 * isakmp_pl_end() patches the length.  Returns the payload's offset. */
size_t isakmp_pl_begin(struct isakmp_bld *b, uint8_t type);
void isakmp_pl_end(struct isakmp_bld *b);
/* Header length field := buf.len.  Returns 0, or -1 on OOM / too large. */
int isakmp_bld_finish(struct isakmp_bld *b);

/* Payloads whose body is opaque bytes: KE, NONCE, HASH, SIG, VID, NAT-D. */
void isakmp_add_raw(struct isakmp_bld *b, uint8_t type, const void *p, size_t n);
/* A HASH payload of n zero bytes; returns the offset of the hash bytes
 * within b->buf.data so the caller can fill them in later. */
size_t isakmp_add_hash_slot(struct isakmp_bld *b, size_t n);
/* Bytes from the end of the payload at hash_off (as returned by
 * isakmp_add_hash_slot) to the current end: "everything after HASH". */
const uint8_t *isakmp_bld_after(const struct isakmp_bld *b, size_t hash_off,
				size_t hash_len, size_t *len);

void isakmp_add_id(struct isakmp_bld *b, const struct isakmp_id *id);
void isakmp_add_cert(struct isakmp_bld *b, uint8_t enc, const void *der, size_t n);
void isakmp_add_cr(struct isakmp_bld *b, uint8_t enc, const void *dn, size_t n);
void isakmp_add_notify(struct isakmp_bld *b, uint32_t doi, uint8_t proto,
		       const void *spi, uint8_t spi_size, uint16_t type,
		       const void *data, size_t n);
void isakmp_add_delete(struct isakmp_bld *b, uint8_t proto, uint8_t spi_size,
		       const void *spis, uint16_t n_spi);
/* Attribute payload: the attributes are appended by the caller with
 * isakmp_put_attr_*() between isakmp_add_cfg_begin() and isakmp_pl_end(). */
void isakmp_add_cfg_begin(struct isakmp_bld *b, uint8_t type, uint16_t ident);

/* SA payload, built in three nested levels:
 *	isakmp_sa_begin(b);                       // DOI IPSEC, IDENTITY_ONLY
 *	  isakmp_prop_begin(b, num, proto, spi, spi_size, n_xf);
 *	    isakmp_xf_begin(b, num, id); isakmp_put_attr_*(...); isakmp_xf_end(b);
 *	  isakmp_prop_end(b);
 *	isakmp_sa_end(b);
 * The "next payload" fields of P and T (2/0, 3/0) are set automatically. */
struct isakmp_sa_bld {
	size_t sa_off, prop_off, xf_off;
	size_t last_prop_off, last_xf_off;
};
void isakmp_sa_begin(struct isakmp_bld *b, struct isakmp_sa_bld *s);
void isakmp_prop_begin(struct isakmp_bld *b, struct isakmp_sa_bld *s,
		       uint8_t num, uint8_t proto, const void *spi,
		       uint8_t spi_size, uint8_t n_xf);
void isakmp_xf_begin(struct isakmp_bld *b, struct isakmp_sa_bld *s,
		     uint8_t num, uint8_t id);
void isakmp_xf_end(struct isakmp_bld *b, struct isakmp_sa_bld *s);
void isakmp_prop_end(struct isakmp_bld *b, struct isakmp_sa_bld *s);
void isakmp_sa_end(struct isakmp_bld *b, struct isakmp_sa_bld *s);

/* Attributes.  _tv: basic form (value must fit 16 bits).  _tlv: variable
 * form.  _u32: basic when the value fits 16 bits, else 4-byte TLV (what
 * life durations need). */
void isakmp_put_attr_tv(struct isakmp_buf *b, uint16_t type, uint16_t v);
void isakmp_put_attr_tlv(struct isakmp_buf *b, uint16_t type, const void *p,
			 size_t n);
void isakmp_put_attr_u32(struct isakmp_buf *b, uint16_t type, uint32_t v);

/* ---- names for logs -------------------------------------------------- */
const char *isakmp_exch_name(uint8_t exch);
const char *isakmp_pt_name(uint8_t type);
const char *isakmp_notify_name(uint16_t type);	/* "NOTIFY-12345" if unknown */
const char *isakmp_id_type_name(uint8_t type);
/* Printable form of an ID payload for logs ("198.51.100.7", "fqdn:gw",
 * "keyid:sales", "dn:<hex>" ...), always NUL-terminated. */
void isakmp_id_format(const struct isakmp_id *id, char *out, size_t outlen);

/* ---- vendor ids -------------------------------------------------------- */

enum isakmp_vid {
	VID_UNKNOWN = 0,
	VID_NATT_RFC3947,
	VID_NATT_DRAFT_00,
	VID_NATT_DRAFT_01,
	VID_NATT_DRAFT_02,
	VID_NATT_DRAFT_02N,	/* "draft-ietf-ipsec-nat-t-ike-02\n" */
	VID_NATT_DRAFT_03,
	VID_DPD,		/* RFC 3706 */
	VID_XAUTH,		/* draft-ietf-ipsra-isakmp-xauth-06 */
	VID_CISCO_UNITY,	/* "CISCO-UNITY" 1.0 */
	VID_CISCO_FRAG,		/* Cisco IKE fragmentation */
	VID_MAX
};
struct isakmp_vid_def {
	enum isakmp_vid id;
	const char *name;
	const uint8_t *bytes;
	size_t len;
	bool prefix;		/* match the first len bytes only (versioned) */
};
/* The table, indexed by enum isakmp_vid (entry 0 unused). */
const struct isakmp_vid_def *isakmp_vid_get(enum isakmp_vid id);
/* Which known VID a VID payload body is; VID_UNKNOWN if none. */
enum isakmp_vid isakmp_vid_lookup(const uint8_t *p, size_t n);
void isakmp_add_vid(struct isakmp_bld *b, enum isakmp_vid id);
/* NAT-T draft level of a VID: 3947 -> 2, drafts 02/02n/03 -> 1, others 0.
 * Used to choose payload 20 vs 130 and encap 3 vs 61443. */
int isakmp_vid_natt_level(enum isakmp_vid id);

#endif
