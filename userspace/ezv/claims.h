/* SPDX-License-Identifier: MIT */
/*
 * The networks live gateway sessions claimed (fixed addresses outside the
 * pools, network-extension IDci), indexed so that the overlap check of a
 * new claim costs the same with ten claims or a hundred thousand: every
 * prefix that holds a claim (the claim's own and each shorter one) is a
 * node in a keyed hash table (lib/htab.h) that counts the claims at or
 * below it.  A check looks up the at most 33 prefixes covering the new
 * network, then descends only into nodes that exist, and stops at the
 * first claim that counts: it visits more only for the claims it is told
 * to pass over (the claimant's own, a renewed session's).
 */
#ifndef EVS_EZV_CLAIMS_H
#define EVS_EZV_CLAIMS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/htab.h"

struct ezv_sess;

struct ezv_claim {
	struct ezv_claim *next;		/* the owner's claims */
	struct ezv_claim *next_here;	/* the claims of the same prefix */
	struct ezv_sess *owner;
	uint32_t net;			/* host order */
	uint8_t plen;
};

struct ezv_claims {
	struct htab nodes;
	unsigned long probes;		/* hash lookups so far (tests) */
};

int ezv_claims_init(struct ezv_claims *t);
/* Frees the nodes; the claims belong to their owners. */
void ezv_claims_free(struct ezv_claims *t);
/* Adds c (net and plen set, plen <= 32); -1 when out of memory. */
int ezv_claims_add(struct ezv_claims *t, struct ezv_claim *c);
void ezv_claims_del(struct ezv_claims *t, struct ezv_claim *c);
/* A claim overlapping net/plen (equal, covering or more specific) that
 * @pass_over does not excuse, or NULL. */
const struct ezv_claim *
ezv_claims_overlap(struct ezv_claims *t, uint32_t net, unsigned plen,
		   bool (*pass_over)(const struct ezv_claim *c, const void *arg),
		   const void *arg);

#endif
