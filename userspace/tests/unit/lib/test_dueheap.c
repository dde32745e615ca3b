// SPDX-License-Identifier: MIT
/* lib/dueheap: order, re-keying both ways, removal from the middle, the
 * back-pointers kept true, pops only of what is due. */
#include "lib/dueheap.h"
#include "tests/unit/unit.h"

#include <stdlib.h>

struct item {
	int id;
	struct dueh_node node;
};

/* Every node's back-pointer names its slot and no child is earlier than
 * its parent. */
static int valid(const struct dueh *h)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i]->idx != i + 1)
			return 0;
		if (i && h->v[(i - 1) / 2]->at > h->v[i]->at)
			return 0;
	}
	return 1;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

UNIT_TEST(pops_in_order_only_when_due)
{
	enum { N = 1000 };
	struct item *it = calloc(N, sizeof(*it));
	struct dueh h;
	struct dueh_node *n;
	uint64_t s = 88172645463325252ull, last = 0;
	size_t popped = 0;

	UNIT_ASSERT(it);
	dueh_init(&h);
	UNIT_ASSERT(dueh_reserve(&h, N) == 0);
	for (int i = 0; i < N; i++) {
		it[i].id = i;
		UNIT_ASSERT(dueh_set(&h, &it[i].node, 1 + rnd(&s) % 100000) == 0);
	}
	UNIT_ASSERT(valid(&h));
	UNIT_ASSERT(dueh_pop_due(&h, 0) == NULL || dueh_next(&h) == 0);
	while ((n = dueh_pop_due(&h, 50000))) {
		UNIT_ASSERT(n->at >= last && n->at <= 50000 && n->idx == 0);
		last = n->at;
		popped++;
	}
	UNIT_ASSERT(valid(&h));
	UNIT_ASSERT(dueh_next(&h) > 50000);
	UNIT_ASSERT_EQ_INT(popped + h.n, N);
	dueh_free(&h);
	free(it);
}

UNIT_TEST(rekey_and_remove_keep_back_pointers)
{
	enum { N = 500 };
	struct item *it = calloc(N, sizeof(*it));
	struct dueh h;
	uint64_t s = 1234567, prev = 0;

	UNIT_ASSERT(it);
	dueh_init(&h);
	for (int i = 0; i < N; i++)	/* grows on its own too */
		UNIT_ASSERT(dueh_set(&h, &it[i].node, 1000 + (uint64_t)i) == 0);
	for (int round = 0; round < 5000; round++) {
		struct item *x = &it[rnd(&s) % N];

		switch (rnd(&s) % 3) {
		case 0:		/* earlier, later or the same */
		case 1:
			dueh_set(&h, &x->node, 1 + rnd(&s) % 5000);
			break;
		default:	/* out, then back in another round */
			dueh_del(&h, &x->node);
			UNIT_ASSERT(x->node.idx == 0);
			break;
		}
		UNIT_ASSERT(valid(&h));
	}
	/* dueh_set(0) removes; a second removal is harmless */
	dueh_set(&h, &it[0].node, 7);
	UNIT_ASSERT(it[0].node.idx);
	dueh_set(&h, &it[0].node, 0);
	dueh_del(&h, &it[0].node);
	UNIT_ASSERT(it[0].node.idx == 0 && valid(&h));
	/* an entry moved to the front is the minimum */
	dueh_set(&h, &it[1].node, 0 + 1);
	UNIT_ASSERT(dueh_min(&h) == &it[1].node);
	UNIT_ASSERT(dueh_entry(dueh_min(&h), struct item, node) == &it[1]);
	while (h.n) {
		struct dueh_node *n = dueh_pop_due(&h, UINT64_MAX);

		UNIT_ASSERT(n && n->at >= prev);
		prev = n->at;
	}
	dueh_free(&h);
	free(it);
}

UNIT_MAIN()
