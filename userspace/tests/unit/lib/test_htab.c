// SPDX-License-Identifier: MIT
/* lib/htab: add, find, remove, growth, nodes sharing a hash. */
#include "lib/htab.h"
#include "tests/unit/unit.h"

struct item {
	uint32_t key;
	struct htab_node node;
};

static uint64_t h_of(const struct htab *t, uint32_t key)
{
	return htab_hash(t, &key, sizeof(key));
}

static struct item *find(const struct htab *t, uint32_t key)
{
	struct htab_node *n;

	htab_for_each(t, n, h_of(t, key)) {
		struct item *it = htab_entry(n, struct item, node);

		if (it->key == key)
			return it;
	}
	return NULL;
}

UNIT_TEST(add_find_remove_and_grow)
{
	enum { N = 5000 };
	struct htab t;
	struct item *it = calloc(N, sizeof(*it));

	UNIT_ASSERT(it && htab_init(&t) == 0);
	for (uint32_t i = 0; i < N; i++) {
		it[i].key = i * 7919u;
		htab_add(&t, &it[i].node, h_of(&t, it[i].key));
	}
	UNIT_ASSERT_EQ_INT(t.n, N);
	UNIT_ASSERT(t.nb >= N);		/* grew past its first buckets */
	for (uint32_t i = 0; i < N; i++)
		UNIT_ASSERT(find(&t, i * 7919u) == &it[i]);
	UNIT_ASSERT(find(&t, 1) == NULL);
	/* Every other one out: those are gone, the rest stay. */
	for (uint32_t i = 0; i < N; i += 2)
		htab_del(&t, &it[i].node);
	UNIT_ASSERT_EQ_INT(t.n, N / 2);
	for (uint32_t i = 0; i < N; i++)
		UNIT_ASSERT(find(&t, i * 7919u) == (i % 2 ? &it[i] : NULL));
	/* Removing twice, or what is in no table, changes nothing. */
	htab_del(&t, &it[0].node);
	UNIT_ASSERT(!htab_linked(&it[0].node));
	UNIT_ASSERT_EQ_INT(t.n, N / 2);
	/* Back in under its hash. */
	htab_add(&t, &it[0].node, h_of(&t, it[0].key));
	UNIT_ASSERT(find(&t, 0) == &it[0]);
	htab_free(&t);
	free(it);
}

UNIT_TEST(nodes_under_one_hash_are_all_walked)
{
	struct htab t;
	struct item it[10];
	struct htab_node *n;
	unsigned seen = 0, count = 0;

	UNIT_ASSERT(htab_init(&t) == 0);
	for (unsigned i = 0; i < 10; i++) {
		it[i].key = i;
		htab_add(&t, &it[i].node, 42);	/* one hash for all */
	}
	htab_for_each(&t, n, 42) {
		seen |= 1u << htab_entry(n, struct item, node)->key;
		count++;
	}
	UNIT_ASSERT_EQ_INT(count, 10);
	UNIT_ASSERT_EQ_INT(seen, 0x3ff);
	/* Out of the middle of the chain. */
	htab_del(&t, &it[5].node);
	count = 0;
	htab_for_each(&t, n, 42) {
		UNIT_ASSERT(n != &it[5].node);
		count++;
	}
	UNIT_ASSERT_EQ_INT(count, 9);
	UNIT_ASSERT(htab_first(&t, 43) == NULL);
	htab_free(&t);
}

UNIT_TEST(keys_differ_between_tables)
{
	struct htab a, b;
	uint32_t k = 1234;

	UNIT_ASSERT(htab_init(&a) == 0 && htab_init(&b) == 0);
	UNIT_ASSERT(h_of(&a, k) == h_of(&a, k));
	/* Random 128-bit keys: equal hashes would be a 2^-64 event. */
	UNIT_ASSERT(h_of(&a, k) != h_of(&b, k));
	htab_free(&a);
	htab_free(&b);
}

UNIT_MAIN()
