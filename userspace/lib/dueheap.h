/* SPDX-License-Identifier: MIT */
/*
 * dueheap: a binary min-heap of due times with back-pointers, so that a
 * periodic tick visits only what is due and any entry can be re-keyed or
 * removed in O(log n).  The nodes are intrusive (struct dueh_node inside the
 * owner's record, dueh_entry() gets back to it); the heap holds pointers.
 *
 * Why a heap and not a timer wheel: IKE's timers range from a 250 ms
 * retransmission to lifetimes of a day, set and moved mostly one at a time
 * (a datagram answered, a probe sent).  A heap keeps exact order with no
 * granularity or level to choose, costs one pointer per entry and
 * log2(n) steps per re-key (14 at 10,000 sessions); a wheel's O(1) would
 * need several levels and cascading to cover that range.
 *
 * Adding needs room: dueh_reserve() before creating an owner makes every
 * later dueh_set() of it infallible (no allocation outside dueh_reserve).
 */
#ifndef EVS_DUEHEAP_H
#define EVS_DUEHEAP_H

#include <stddef.h>
#include <stdint.h>

struct dueh_node {
	uint64_t at;		/* due time (the owner's clock); valid when idx */
	size_t idx;		/* position + 1 in the heap; 0 = not in it */
};

struct dueh {
	struct dueh_node **v;
	size_t n, cap;
};

#define dueh_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

void dueh_init(struct dueh *h);
void dueh_free(struct dueh *h);
/* Room for n entries in all; -1 when out of memory. */
int dueh_reserve(struct dueh *h, size_t n);
/* Due at `at` (0 = not due: removed).  Adds the node if it is not in the
 * heap, else moves it.  -1 only when adding found no room and could not
 * make any (never after a dueh_reserve that counted it). */
int dueh_set(struct dueh *h, struct dueh_node *node, uint64_t at);
void dueh_del(struct dueh *h, struct dueh_node *node);
/* The earliest entry, or NULL. */
static inline struct dueh_node *dueh_min(const struct dueh *h)
{
	return h->n ? h->v[0] : NULL;
}
/* The earliest due time, 0 when empty. */
static inline uint64_t dueh_next(const struct dueh *h)
{
	return h->n ? h->v[0]->at : 0;
}
/* Removes and returns the earliest entry due at or before now, or NULL. */
struct dueh_node *dueh_pop_due(struct dueh *h, uint64_t now);

#endif
