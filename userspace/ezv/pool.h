/* SPDX-License-Identifier: MIT */
/*
 * pool: client addresses.  One struct pool_set is the single authority on
 * which IPv4 address belongs to which connection: it holds every group's
 * pool (ranges must not overlap) and the fixed addresses handed out from
 * elsewhere (RADIUS Framed-IP-Address, per-user static addresses), so one
 * address can never go to two clients, whatever its source.
 *
 * Addresses are host-order uint32_t here; owners are connection ids
 * (non-zero).  Allocation is next-fit from a cursor, so a just-released
 * address is the last to be handed out again (stale ARP/route entries at
 * clients and LAN hosts have time to die); a hint (the address the same
 * user had last time, or the one the client asks for) is honoured when
 * it is free.
 */
#ifndef EVSD_POOL_H
#define EVSD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define POOL_NAME_MAX	63
#define POOL_MAX_SIZE	65536	/* addresses in one pool (a /16) */

struct pool_set;

struct pool_info {
	char name[POOL_NAME_MAX + 1];
	uint32_t first, last;	/* inclusive */
	uint32_t size, in_use;
};

struct pool_set *pool_set_new(void);
void pool_set_free(struct pool_set *ps);

/* Add a pool of first..last (inclusive, host order).  Errors (-1 with a
 * message in err): duplicate name, empty or reversed range, more
 * than POOL_MAX_SIZE addresses, overlap with another pool. */
int pool_add(struct pool_set *ps, const char *name, uint32_t first,
	     uint32_t last, struct evs_err *err);
/* A prefix a.b.c.d/len as a pool without its network and broadcast
 * addresses (for len <= 30). */
int pool_add_prefix(struct pool_set *ps, const char *name, uint32_t net,
		    unsigned plen, struct evs_err *err);
bool pool_exists(const struct pool_set *ps, const char *name);
size_t pool_count(const struct pool_set *ps);
int pool_get_info(const struct pool_set *ps, const char *name,
		  struct pool_info *info);
/* The i-th pool in the order they were added (0 .. pool_count() - 1);
 * -1 past the end. */
int pool_get_info_at(const struct pool_set *ps, size_t i, struct pool_info *info);

enum pool_result {
	POOL_OK = 0,
	POOL_EXHAUSTED = -1,	/* no free address in the pool */
	POOL_TAKEN = -2,	/* the fixed address belongs to another owner */
	POOL_NO_POOL = -3,	/* no pool of that name */
	POOL_BAD = -4,		/* owner 0, address 0/broadcast, out of memory */
};
const char *pool_result_str(int r);

/* Lease an address from pool name for owner.  hint (0 = none) is used
 * when it lies in that pool and is free.  An owner that already holds a
 * lease in this pool gets the same address again. */
int pool_lease(struct pool_set *ps, const char *name, uint32_t owner,
	       uint32_t hint, uint32_t *addr);
/* Lease one specific address (RADIUS Framed-IP-Address): inside a pool's
 * range it is taken from that pool, outside it is recorded as fixed.
 * POOL_TAKEN if another owner holds it; the same owner again is OK. */
int pool_lease_fixed(struct pool_set *ps, uint32_t addr, uint32_t owner);
/* Give addr back.  Only its owner may: returns -1 (and changes nothing)
 * if addr is not leased to owner. */
int pool_release(struct pool_set *ps, uint32_t addr, uint32_t owner);
/* Release every lease of owner; returns how many. */
unsigned pool_release_owner(struct pool_set *ps, uint32_t owner);
/* Hand a lease from one owner to another (a client that renewed Phase 1
 * keeps its address under the new session).  -1, changing nothing, if
 * addr is not leased to from or to is 0. */
int pool_transfer(struct pool_set *ps, uint32_t addr, uint32_t from, uint32_t to);
/* Does first..last (inclusive) touch any pool's range?  The name of the
 * first such pool goes to name[len] when name is not NULL. */
bool pool_overlaps(const struct pool_set *ps, uint32_t first, uint32_t last,
		   char *name, size_t len);
/* Owner of addr, 0 if free. */
uint32_t pool_owner(const struct pool_set *ps, uint32_t addr);
/* Leases over all pools and fixed addresses. */
unsigned pool_leased_total(const struct pool_set *ps);

#endif
