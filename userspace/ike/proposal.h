/* SPDX-License-Identifier: MIT */
/*
 * proposal: what we offer and what we accept, in Phase 1 and Phase 2.
 *
 * Client side: every permutation of the configured capabilities, strongest
 * first — Phase 1: cipher (with key length) × hash × DH group × auth
 * method, nested in that order (so {DES, 3DES} × {SHA, MD5} × {2} × {RSA}
 * gives 3DES-SHA, 3DES-MD5, DES-SHA, DES-MD5); aggressive mode offers one
 * DH group only (the strongest configured), because its KE payload is
 * already in the first message.  Phase 2: ESP cipher × key length ×
 * integrity × PFS group.
 *
 * Server side: Phase 1 walks our numbered policies from the lowest number
 * and takes the first one that any offered transform matches (our
 * priority, not the client's order).  It logs (info) which policy matched
 * and (debug) why each lower-numbered policy did not.  Phase 2 walks our
 * transform sets in configured order the same way.
 *
 * Lifetimes: the offered lifetime is accepted when it is not longer than
 * ours; a longer one is shortened to ours and the match says so
 * (`responder_lifetime`), so the flow sends RESPONDER-LIFETIME (RFC 2407
 * §4.5.4) in Phase 2, and for Phase 1 simply uses the shorter value.
 */
#ifndef EVSD_PROPOSAL_H
#define EVSD_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/isakmp.h"

/* ---- Phase 1 -------------------------------------------------------------- */

/* One Phase 1 transform, decoded (IKE attribute values). */
struct p1_xform {
	uint8_t num;		/* transform number on the wire */
	uint16_t encr;		/* enum ike_encr */
	uint16_t key_bits;	/* 0 = not sent (fixed-size ciphers) */
	uint16_t hash;		/* enum ike_hash_alg */
	uint16_t auth;		/* as sent: 1, 3, 65001, 65005, ... */
	uint16_t group;
	uint32_t life_secs;	/* 0 = not sent */
	uint32_t life_kb;	/* 0 = not sent */
};

/* Base method of an auth value (65001/65002 -> PSK, 65005/65006 -> RSA;
 * hybrid 64221/64222 stay themselves, so that only a hybrid policy takes
 * them), and whether it asks for XAUTH (hybrid does). */
uint16_t p1_auth_base(uint16_t auth);
bool p1_auth_is_xauth(uint16_t auth);
/* Hybrid (draft-ietf-ipsec-isakmp-hybrid-auth, the values vpnc and
 * strongSwan send): one side signs with its certificate, the other sends
 * only HASH and proves itself with XAUTH (HybridInitRSA: the initiator is
 * the XAUTH client). */
bool p1_auth_is_hybrid(uint16_t auth);
/* Does the initiator's (of_initiator) or responder's side authenticate
 * Phase 1 with CERT + SIG under this method?  Otherwise it sends HASH. */
bool p1_auth_signs(uint16_t auth, bool of_initiator);
/* "pre-share", "rsa-sig", "xauth-init-psk", ... */
const char *p1_auth_name(uint16_t auth);
/* "aes-256-sha256-modp2048-pre-share" style, for logs. */
void p1_xform_format(const struct p1_xform *x, char *out, size_t outlen);

/* A numbered server policy (`crypto isakmp policy N`). */
struct p1_policy {
	unsigned number;
	uint16_t encr;
	uint16_t key_bits;	/* 0 = cipher default */
	uint16_t hash;
	uint16_t auth;		/* PSK, RSA_SIG or HYBRID_INIT_RSA */
	uint16_t group;
	uint32_t life_secs;
};

/* Client capabilities (a `peer` block). */
#define P1_CAP_MAX 8
struct p1_caps {
	unsigned n_encr;
	struct { uint16_t encr, key_bits; } encr[P1_CAP_MAX * 2];
	unsigned n_hash;
	uint16_t hash[P1_CAP_MAX];
	unsigned n_group;
	uint16_t group[P1_CAP_MAX];
	unsigned n_auth;
	uint16_t auth[P1_CAP_MAX];	/* as offered: 1, 3, 65001, 65005 */
	uint32_t life_secs;
	uint32_t life_kb;
};

/* All permutations, strongest first (ciphers by strength then key length,
 * hashes by strength, groups by dh_group_strength(), auth methods in the
 * configured order), numbered from 1, into out[0..max).  aggressive: only
 * the strongest group.  Returns the count, or -1 if max is too small or a
 * dimension is empty. */
int p1_permute(const struct p1_caps *caps, bool aggressive,
	       struct p1_xform *out, size_t max);

/* Phase 1 SA payload: one ISAKMP proposal carrying n transforms
 * (attributes: encr, [key length], hash, auth, group, life type/duration). */
void p1_build_sa(struct isakmp_bld *b, const struct p1_xform *x, size_t n);

/* Decode every transform of an offered Phase 1 SA (the first ISAKMP
 * proposal; RFC 2409 allows one).  Transforms with unknown attributes or
 * transform id != KEY_IKE are skipped (logged at debug), not fatal.
 * Returns the count, -1 + *err on a malformed SA, BAD-PROPOSAL-SYNTAX if
 * there is no ISAKMP proposal. */
int p1_parse_sa(const struct isakmp_sa *sa, struct p1_xform *out, size_t max,
		struct isakmp_perr *err);

struct p1_match {
	size_t policy;		/* index into the policy array */
	size_t xform;		/* index into the offered array */
	struct p1_xform chosen;	/* the offered transform, lifetime settled */
	bool lifetime_shortened;
};

/* Server choice.  policies must be sorted by number (config does).  Only
 * transforms our build supports are considered.  Returns 0 with *m, or -1
 * (NO-PROPOSAL-CHOSEN) after logging why each policy failed. */
int p1_select(const struct p1_policy *pol, size_t npol,
	      const struct p1_xform *offer, size_t noffer, struct p1_match *m);

/* Initiator: check the responder's single chosen transform is one we
 * offered (same algorithms; lifetime not longer).  0 ok, -1 otherwise. */
int p1_check_reply(const struct p1_xform *offered, size_t n,
		   const struct p1_xform *chosen);

/* ---- Phase 2 -------------------------------------------------------------- */

struct p2_xform {
	uint8_t prop_num;	/* proposal number on the wire */
	uint8_t xf_num;
	uint8_t esp_id;		/* enum esp_xform */
	uint16_t key_bits;	/* 0 = not sent */
	uint16_t auth;		/* enum ipsec_auth, 0 = none (rejected) */
	uint16_t encap;		/* enum ipsec_encap as sent */
	uint16_t group;		/* PFS group, 0 = none */
	uint32_t life_secs;	/* 0 = not sent */
	uint32_t life_kb;
	uint32_t spi;		/* the proposer's SPI, host order */
};

/* A transform set: several ciphers/integrities mean every permutation
 * (an evs extension of the Cisco one-of-each form).  An AEAD cipher
 * (esp-gcm) is offered and matched without integrity; n_auth may be 0
 * when every cipher is one. */
#define P2_SET_MAX 8
struct p2_set {
	char name[48];
	unsigned n_esp;
	struct { uint8_t esp_id; uint16_t key_bits; } esp[P2_SET_MAX];
	unsigned n_auth;
	uint16_t auth[P2_SET_MAX];
	bool transport;		/* mode transport; default tunnel */
};

struct p2_params {
	uint16_t pfs_group;	/* 0 = no PFS; server: 0 = accept peer's */
	uint32_t life_secs;
	uint32_t life_kb;	/* 0 = no volume limit */
	bool natt;		/* offer/expect UDP encapsulation */
	int natt_level;		/* isakmp_vid_natt_level(): 2 RFC, 1 draft */
};

/* Client offer: every permutation of every set (sets in order, inside a
 * set cipher × key length × integrity, strongest first), with encap and
 * PFS group and lifetimes from params.  Returns count or -1. */
int p2_permute(const struct p2_set *sets, size_t nsets,
	       const struct p2_params *prm, struct p2_xform *out, size_t max);
/* SA payload: one ESP proposal per transform (what vpnc and Cisco send),
 * all with our inbound SPI. */
void p2_build_sa(struct isakmp_bld *b, const struct p2_xform *x, size_t n,
		 uint32_t spi);
/* Responder's answer: the single chosen transform with its original
 * proposal/transform numbers and our SPI. */
void p2_build_reply_sa(struct isakmp_bld *b, const struct p2_xform *chosen,
		       uint32_t our_spi);
/* Decode all ESP proposals/transforms of a Phase 2 SA (non-ESP and AND-ed
 * multi-protocol proposals are skipped).  Returns count or -1 + *err. */
int p2_parse_sa(const struct isakmp_sa *sa, struct p2_xform *out, size_t max,
		struct isakmp_perr *err);

struct p2_match {
	size_t set;		/* index into sets */
	size_t xform;		/* index into offered */
	struct p2_xform chosen;	/* lifetimes settled */
	bool responder_lifetime;	/* send RESPONDER-LIFETIME */
};
/* Server choice: first set (in order) any offered transform matches.
 * Encapsulation must agree with prm->natt; PFS per prm->pfs_group. */
int p2_select(const struct p2_set *sets, size_t nsets,
	      const struct p2_params *prm, const struct p2_xform *offer,
	      size_t noffer, struct p2_match *m);
/* Initiator: the reply's transform must be one we offered. */
int p2_check_reply(const struct p2_xform *offered, size_t n,
		   const struct p2_xform *chosen);

/* Is this ESP transform an AEAD (AES-GCM): no integrity algorithm, the
 * cipher's key (with its salt) is the whole of KEYMAT? */
bool p2_esp_is_aead(uint8_t esp_id);
/* ESP key sizes for KEYMAT (bytes; AEAD: key + 4-byte salt) and the
 * kernel's algorithm names ("cbc(aes)", "rfc4106(gcm(aes))",
 * "hmac(sha256)", truncation bits; AEAD: its ICV bits). */
size_t p2_enc_key_len(const struct p2_xform *x);
size_t p2_auth_key_len(const struct p2_xform *x);
const char *p2_enc_kname(const struct p2_xform *x);
const char *p2_auth_kname(const struct p2_xform *x);
unsigned p2_auth_trunc_bits(const struct p2_xform *x);
unsigned p2_aead_icv_bits(const struct p2_xform *x);
void p2_xform_format(const struct p2_xform *x, char *out, size_t outlen);
bool p2_xform_weak(const struct p2_xform *x);

#endif
