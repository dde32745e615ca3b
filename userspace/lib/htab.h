/* SPDX-License-Identifier: MIT */
/*
 * htab: a chained hash table with intrusive nodes and a keyed hash
 * (SipHash-2-4, libsodium's crypto_shorthash) under a random key of each
 * table's own, so that a peer who picks the keys (cookies, message ids,
 * SPIs) cannot pile them into one bucket.  The table holds no keys: a
 * user hashes its key with htab_hash(), adds its node under that hash and,
 * to look up, walks the nodes with the same hash (htab_first/htab_next)
 * comparing its own key.  Adding never fails once the table exists; it
 * doubles its buckets when it can (when memory is short chains just get
 * longer).  Removal is O(1).
 */
#ifndef EVS_HTAB_H
#define EVS_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htab_node {
	struct htab_node *next, **pprev;	/* pprev NULL: not in a table */
	uint64_t hash;
};

struct htab {
	struct htab_node **b;
	size_t nb;			/* a power of two */
	size_t n;
	uint8_t key[16];
};

/* A fresh random key and the first buckets; -1 when out of memory. */
int htab_init(struct htab *t);
/* Frees the buckets; the nodes belong to their owners. */
void htab_free(struct htab *t);
uint64_t htab_hash(const struct htab *t, const void *key, size_t len);
/* Adds n under hash (n must not be in a table). */
void htab_add(struct htab *t, struct htab_node *n, uint64_t hash);
/* Removes n; nothing when it is in no table. */
void htab_del(struct htab *t, struct htab_node *n);
static inline bool htab_linked(const struct htab_node *n)
{
	return n->pprev != NULL;
}
/* The nodes added under hash, in no particular order. */
struct htab_node *htab_first(const struct htab *t, uint64_t hash);
struct htab_node *htab_next(const struct htab_node *n);

#define htab_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define htab_for_each(t, n, hash) \
	for ((n) = htab_first((t), (hash)); (n); (n) = htab_next(n))

#endif
