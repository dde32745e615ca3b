/* SPDX-License-Identifier: MIT */
/*
 * The networks live gateway sessions claimed (fixed addresses outside the
 * pools, network-extension IDci; IPv4 and IPv6), indexed so that the
 * overlap check of a new claim is bounded by the address length, not by
 * the number of claims: a path-compressed binary trie per family whose
 * nodes are the claimed prefixes and the prefixes where two of them part.
 * A check walks down the at most 33 (IPv4) or 129 (IPv6) prefix lengths
 * covering the new network, visiting only lengths that hold a node, then
 * searches the subtree below it, stopping at the first claim that counts:
 * it visits more only for the claims it is told to pass over (the
 * claimant's own, a renewed session's).  At most two nodes per claim.
 */
#ifndef EVS_EZV_CLAIMS_H
#define EVS_EZV_CLAIMS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/prefix.h"

struct ezv_sess;
struct claim_node;

struct ezv_claim {
	struct ezv_claim *next;		/* the owner's claims */
	struct ezv_claim *next_here;	/* the claims of the same prefix */
	struct ezv_sess *owner;
	struct evs_prefix net;		/* IPv4 or IPv6 */
};

struct ezv_claims {
	struct claim_node *root[2];	/* IPv4, IPv6 */
	unsigned long nodes;		/* nodes allocated (tests) */
	unsigned long probes;		/* nodes visited so far (tests) */
};

void ezv_claims_init(struct ezv_claims *t);
/* Frees the nodes; the claims belong to their owners. */
void ezv_claims_free(struct ezv_claims *t);
/* Adds c (net set: AF_INET with plen <= 32 or AF_INET6 with plen <= 128;
 * its host bits are cleared); -1 when out of memory or net is neither. */
int ezv_claims_add(struct ezv_claims *t, struct ezv_claim *c);
void ezv_claims_del(struct ezv_claims *t, struct ezv_claim *c);
/* A claim of net's family overlapping net (equal, covering or more
 * specific) that @pass_over does not excuse, or NULL. */
const struct ezv_claim *
ezv_claims_overlap(struct ezv_claims *t, const struct evs_prefix *net,
		   bool (*pass_over)(const struct ezv_claim *c, const void *arg),
		   const void *arg);

#endif
