/* SPDX-License-Identifier: MIT */
/*
 * dh: Diffie-Hellman for Phase 1 and PFS.
 *   MODP 2 (1024), 5 (1536), 14 (2048), 15 (3072), 16 (4096) — RFC 2409,
 *        RFC 3526 primes via OpenSSL's named groups; public value and g^xy
 *        are big-endian, left-padded with zeros to the prime's length.
 *   ECP 19 (P-256), 20 (P-384), 21 (P-521) — RFC 5903: public value is
 *        x | y (no 0x04 prefix), each coordinate padded to the field size;
 *        g^xy is the x coordinate only.
 *   31 (Curve25519, RFC 8031 numbering) via libsodium: 32-byte u values.
 * Peer values are validated (length, 1 < y < p-1 for MODP, point on curve
 * for ECP, non-all-zero result for X25519) before use.
 */
#ifndef EVSD_DH_H
#define EVSD_DH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/secret.h"

enum dh_group {
	DH_MODP_1024	= 2,
	DH_MODP_1536	= 5,
	DH_MODP_2048	= 14,
	DH_MODP_3072	= 15,
	DH_MODP_4096	= 16,
	DH_ECP_256	= 19,
	DH_ECP_384	= 20,
	DH_ECP_521	= 21,
	DH_CURVE25519	= 31,
};

bool dh_group_supported(uint16_t group);
/* "modp1024", ..., "ecp256", ..., "curve25519"; "group-N" if unknown. */
const char *dh_group_name(uint16_t group);
bool dh_group_weak(uint16_t group);		/* group 2 (and 5: < 2048) */
/* Public value length on the wire (KE payload body); 0 if unsupported. */
size_t dh_public_len(uint16_t group);
/* Relative strength for "strongest first" ordering (higher = stronger;
 * roughly the symmetric-equivalent bits). */
unsigned dh_group_strength(uint16_t group);

struct dh;

/* New key pair in group; NULL if unsupported or on failure. */
struct dh *dh_new(uint16_t group);
uint16_t dh_group(const struct dh *dh);
/* The length of our private value in bits (MODP: about twice the group's
 * strength; EC: the curve's order's; Curve25519: 256). */
unsigned dh_private_bits(const struct dh *dh);
/* Our public value, dh_public_len() bytes. */
const uint8_t *dh_public(const struct dh *dh, size_t *len);
/* g^xy from the peer's public value (KE body).  -1 if the value has the
 * wrong length or is invalid (the flow answers INVALID-KEY-INFORMATION).
 * *out: new sealed secret. */
int dh_shared(struct dh *dh, const uint8_t *peer, size_t len,
	      struct secret **out);
void dh_free(struct dh *dh);

#endif
