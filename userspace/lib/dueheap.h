/* SPDX-License-Identifier: MIT */
/*
 * dueheap: a binary min-heap of due times with back-pointers, so that a
 * periodic tick visits only what is due and any entry can be re-keyed or
 * removed in O(log n).  The nodes are intrusive (struct dh_node inside the
 * owner's record, dh_entry() gets back to it); the heap holds pointers.
 *
 * Why a heap and not a timer wheel: IKE's timers range from a 250 ms
 * retransmission to lifetimes of a day, set and moved mostly one at a time
 * (a datagram answered, a probe sent).  A heap keeps exact order with no
 * granularity or level to choose, costs one pointer per entry and
 * log2(n) steps per re-key (14 at 10,000 sessions); a wheel's O(1) would
 * need several levels and cascading to cover that range.
 *
 * Adding needs room: dh_reserve() before creating an owner makes every
 * later dh_set() of it infallible (no allocation outside dh_reserve).
 */
#ifndef EVS_DUEHEAP_H
#define EVS_DUEHEAP_H

#include <stddef.h>
#include <stdint.h>

struct dh_node {
	uint64_t at;		/* due time (the owner's clock); valid when idx */
	size_t idx;		/* position + 1 in the heap; 0 = not in it */
};

struct dh {
	struct dh_node **v;
	size_t n, cap;
};

#define dh_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

void dh_init(struct dh *h);
void dh_free(struct dh *h);
/* Room for n entries in all; -1 when out of memory. */
int dh_reserve(struct dh *h, size_t n);
/* Due at `at` (0 = not due: removed).  Adds the node if it is not in the
 * heap, else moves it.  -1 only when adding found no room and could not
 * make any (never after a dh_reserve that counted it). */
int dh_set(struct dh *h, struct dh_node *node, uint64_t at);
void dh_del(struct dh *h, struct dh_node *node);
/* The earliest entry, or NULL. */
static inline struct dh_node *dh_min(const struct dh *h)
{
	return h->n ? h->v[0] : NULL;
}
/* The earliest due time, 0 when empty. */
static inline uint64_t dh_next(const struct dh *h)
{
	return h->n ? h->v[0]->at : 0;
}
/* Removes and returns the earliest entry due at or before now, or NULL. */
struct dh_node *dh_pop_due(struct dh *h, uint64_t now);

#endif
