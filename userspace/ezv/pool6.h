/* SPDX-License-Identifier: MIT */
/*
 * pool6: IPv6 client addresses, one /128 per client (INTERNAL_IP6_ADDRESS
 * as strongSwan, libreswan and the mode-config draft's clients take it:
 * an address; none of them takes a delegated prefix over IKEv1).
 *
 * A pool is a prefix P/LEN (48..120); its addresses are P+1 .. P+N with
 * N = min(2^(128-LEN) - 1, POOL_MAX_SIZE): the subnet-router anycast
 * address P itself is never handed out.  Owners are connection ids
 * (non-zero) as in pool.h; one owner slot per address, so a lease, a
 * release and an owner lookup by address cost the same for any number of
 * clients.  Allocation is next-fit from a cursor (a released address is
 * the last to come back).  IPv6 pools live beside the IPv4 pool_set:
 * they never overlap each other.
 */
#ifndef EVSD_POOL6_H
#define EVSD_POOL6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ezv/pool.h"
#include "lib/err.h"
#include "lib/prefix.h"

struct pool6_set;

struct pool6_info {
	char name[POOL_NAME_MAX + 1];
	struct evs_prefix prefix;
	struct evs_prefix first, last;	/* the /128s handed out, inclusive */
	uint32_t size, in_use;
};

struct pool6_set *pool6_set_new(void);
void pool6_set_free(struct pool6_set *ps);

/* Add the pool name over prefix p (AF_INET6, no host bits, length
 * 48..120).  -1 with err: bad prefix, duplicate name (also against
 * names_taken, the IPv4 pools, when not NULL), overlap. */
int pool6_add(struct pool6_set *ps, const char *name, const struct evs_prefix *p,
	      const struct pool_set *names_taken, struct evs_err *err);
bool pool6_exists(const struct pool6_set *ps, const char *name);
size_t pool6_count(const struct pool6_set *ps);
int pool6_get_info_at(const struct pool6_set *ps, size_t i, struct pool6_info *info);

/* Lease an address of pool name to owner (POOL_OK and *addr, AF_INET6
 * /128) or POOL_EXHAUSTED / POOL_NO_POOL / POOL_BAD (owner 0). */
int pool6_lease(struct pool6_set *ps, const char *name, uint32_t owner,
		struct evs_prefix *addr);
/* Hold addr for owner (a reload carries a lease into the new pools):
 * POOL_OK (also when owner has it), POOL_TAKEN, POOL_BAD (outside every
 * pool, owner 0). */
int pool6_take(struct pool6_set *ps, const struct evs_prefix *addr, uint32_t owner);
/* Give addr back; -1 (nothing changes) unless owner holds it. */
int pool6_release(struct pool6_set *ps, const struct evs_prefix *addr, uint32_t owner);
/* Hand addr from one owner to another (a renewed Phase 1); -1 unless
 * from holds it, or to is 0. */
int pool6_transfer(struct pool6_set *ps, const struct evs_prefix *addr, uint32_t from,
		   uint32_t to);
/* Owner of addr, 0 if free or outside every pool. */
uint32_t pool6_owner(const struct pool6_set *ps, const struct evs_prefix *addr);
/* Is addr/plen inside (or over) one of the pools? */
bool pool6_overlaps(const struct pool6_set *ps, const struct evs_prefix *p);

#endif
