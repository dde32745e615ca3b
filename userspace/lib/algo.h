/* SPDX-License-Identifier: MIT */
/*
 * The ESP algorithms evs.ko offers, by their kernel crypto API names (the
 * names `ip xfrm` uses), with the key and ICV sizes each one accepts.
 * evsadm checks keys against this table before the kernel sees them; evsd
 * maps negotiated IKE transforms onto it.
 */
#ifndef EVS_LIB_ALGO_H
#define EVS_LIB_ALGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum evs_algo_kind {
	EVS_ALGO_AEAD,
	EVS_ALGO_ENC,
	EVS_ALGO_AUTH,
};

#define EVS_ALGO_MAX_SIZES 4

struct evs_algo {
	const char *name;		/* kernel crypto API name */
	const char *alias;		/* accepted on input too, or NULL */
	enum evs_algo_kind kind;
	/* Key lengths in bits accepted, 0-terminated (AEAD: without salt). */
	uint16_t key_bits[EVS_ALGO_MAX_SIZES];
	bool empty_key;			/* null algorithms: zero-length key */
	uint16_t salt_bits;		/* AEAD: salt appended to the key */
	/* AEAD: ICV lengths accepted, 0-terminated.  AUTH: [0] is the RFC
	 * truncation used when none is given, [1] the digest length. */
	uint16_t icv_bits[EVS_ALGO_MAX_SIZES];
	bool weak;			/* needs EVS_SA_F_ALLOW_WEAK */
};

/* By name or alias, within @kind; NULL if unknown. */
const struct evs_algo *evs_algo_find(enum evs_algo_kind kind, const char *name);
/* Every algorithm of @kind, for messages ("one of ..."). */
const char *evs_algo_list(enum evs_algo_kind kind, char *buf, size_t len);
/* Is a key of @bytes bytes (salt included for AEAD) valid for @a? */
bool evs_algo_key_ok(const struct evs_algo *a, size_t bytes);
/* "128, 192 or 256" (+ salt for AEAD) for messages. */
const char *evs_algo_key_sizes(const struct evs_algo *a, char *buf, size_t len);
bool evs_algo_icv_ok(const struct evs_algo *a, uint32_t bits);
/* AUTH: is @bits a valid truncation (32..digest, multiple of 32)? */
bool evs_algo_trunc_ok(const struct evs_algo *a, uint32_t bits);

#endif
