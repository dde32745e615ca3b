// SPDX-License-Identifier: MIT
/* Address pools: uniqueness, release, fixed (RADIUS) addresses. */
#include <string.h>

#include "ezv/pool.h"
#include "tests/unit/unit.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

UNIT_TEST(never_two_owners_and_exhaustion)
{
	struct pool_set *ps = pool_set_new();
	struct evs_err err;
	uint32_t a[5], x;

	UNIT_ASSERT(ps);
	UNIT_ASSERT_EQ_INT(pool_add(ps, "p", IP(10, 77, 1, 10), IP(10, 77, 1, 13), &err), 0);
	for (uint32_t i = 0; i < 4; i++) {
		UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 100 + i, 0, &a[i]), POOL_OK);
		for (uint32_t j = 0; j < i; j++)
			UNIT_ASSERT(a[i] != a[j]);
		UNIT_ASSERT_EQ_INT(pool_owner(ps, a[i]), 100 + i);
	}
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 200, 0, &x), POOL_EXHAUSTED);
	/* the same owner asking again gets its own address back */
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 101, 0, &x), POOL_OK);
	UNIT_ASSERT_EQ_INT(x, a[1]);
	UNIT_ASSERT_EQ_INT(pool_leased_total(ps), 4);
	/* only the owner may release */
	UNIT_ASSERT_EQ_INT(pool_release(ps, a[2], 101), -1);
	UNIT_ASSERT_EQ_INT(pool_release(ps, a[2], 102), 0);
	UNIT_ASSERT_EQ_INT(pool_release(ps, a[2], 102), -1);	/* twice */
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 200, 0, &x), POOL_OK);
	UNIT_ASSERT_EQ_INT(x, a[2]);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "nope", 1, 0, &x), POOL_NO_POOL);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 0, 0, &x), POOL_BAD);
	pool_set_free(ps);
}

UNIT_TEST(pools_listed_in_order_with_their_use)
{
	struct pool_set *ps = pool_set_new();
	struct pool_info info;
	struct evs_err err;
	uint32_t x;

	UNIT_ASSERT(ps);
	UNIT_ASSERT_EQ_INT(pool_get_info_at(ps, 0, &info), -1);
	UNIT_ASSERT_EQ_INT(pool_add(ps, "sales", IP(10, 77, 1, 10), IP(10, 77, 1, 13), &err), 0);
	UNIT_ASSERT_EQ_INT(pool_add_prefix(ps, "eng", IP(10, 77, 2, 0), 24, &err), 0);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "eng", 7, 0, &x), POOL_OK);
	UNIT_ASSERT_EQ_INT(pool_get_info_at(ps, 0, &info), 0);
	UNIT_ASSERT_EQ_STR(info.name, "sales");
	UNIT_ASSERT_EQ_INT(info.size, 4);
	UNIT_ASSERT_EQ_INT(info.in_use, 0);
	UNIT_ASSERT_EQ_INT(pool_get_info_at(ps, 1, &info), 0);
	UNIT_ASSERT_EQ_STR(info.name, "eng");
	UNIT_ASSERT_EQ_INT(info.size, 254);
	UNIT_ASSERT_EQ_INT(info.in_use, 1);
	UNIT_ASSERT_EQ_INT(pool_get_info_at(ps, 2, &info), -1);
	UNIT_ASSERT_EQ_INT(pool_get_info_at(NULL, 0, &info), -1);
	pool_set_free(ps);
}

UNIT_TEST(transfer_moves_a_lease_between_owners)
{
	struct pool_set *ps = pool_set_new();
	struct evs_err err;
	char name[64];
	uint32_t a;

	UNIT_ASSERT(ps);
	UNIT_ASSERT_EQ_INT(pool_add(ps, "p", IP(10, 77, 1, 10), IP(10, 77, 1, 13), &err), 0);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 7, 0, &a), POOL_OK);
	UNIT_ASSERT_EQ_INT(pool_transfer(ps, a, 8, 9), -1);	/* not 8's */
	UNIT_ASSERT_EQ_INT(pool_transfer(ps, a, 7, 0), -1);
	UNIT_ASSERT_EQ_INT(pool_transfer(ps, a, 7, 9), 0);
	UNIT_ASSERT_EQ_INT(pool_owner(ps, a), 9);
	UNIT_ASSERT_EQ_INT(pool_leased_total(ps), 1);
	UNIT_ASSERT_EQ_INT(pool_release_owner(ps, 7), 0);	/* the old owner has nothing */
	UNIT_ASSERT_EQ_INT(pool_release(ps, a, 9), 0);
	/* fixed addresses outside every pool move the same way */
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, IP(10, 99, 0, 1), 7), POOL_OK);
	UNIT_ASSERT_EQ_INT(pool_transfer(ps, IP(10, 99, 0, 1), 7, 9), 0);
	UNIT_ASSERT_EQ_INT(pool_owner(ps, IP(10, 99, 0, 1)), 9);
	UNIT_ASSERT_EQ_INT(pool_transfer(ps, IP(10, 99, 0, 2), 7, 9), -1);
	/* overlap: any address of a pool's range */
	UNIT_ASSERT(pool_overlaps(ps, IP(10, 77, 1, 13), IP(10, 77, 1, 20), name, sizeof(name)));
	UNIT_ASSERT_EQ_STR(name, "p");
	UNIT_ASSERT(pool_overlaps(ps, IP(10, 77, 0, 0), IP(10, 77, 255, 255), NULL, 0));
	UNIT_ASSERT(!pool_overlaps(ps, IP(10, 77, 1, 14), IP(10, 77, 1, 255), NULL, 0));
	UNIT_ASSERT(!pool_overlaps(ps, IP(10, 77, 0, 0), IP(10, 77, 1, 9), NULL, 0));
	pool_set_free(ps);
}

UNIT_TEST(next_fit_delays_reuse_and_hint_wins)
{
	struct pool_set *ps = pool_set_new();
	struct evs_err err;
	uint32_t a, b, c;

	UNIT_ASSERT_EQ_INT(pool_add_prefix(ps, "p", IP(10, 77, 2, 0), 24, &err), 0);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 1, 0, &a), POOL_OK);
	UNIT_ASSERT_EQ_INT(a, IP(10, 77, 2, 1));	/* network address skipped */
	UNIT_ASSERT_EQ_INT(pool_release(ps, a, 1), 0);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 2, 0, &b), POOL_OK);
	UNIT_ASSERT(b != a);				/* just released: not first */
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 3, IP(10, 77, 2, 200), &c), POOL_OK);
	UNIT_ASSERT_EQ_INT(c, IP(10, 77, 2, 200));
	/* a hint held by someone else is ignored */
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 4, IP(10, 77, 2, 200), &c), POOL_OK);
	UNIT_ASSERT(c != IP(10, 77, 2, 200));
	struct pool_info info;
	UNIT_ASSERT_EQ_INT(pool_get_info(ps, "p", &info), 0);
	UNIT_ASSERT_EQ_INT(info.size, 254);
	UNIT_ASSERT_EQ_INT(info.in_use, 3);
	pool_set_free(ps);
}

UNIT_TEST(fixed_addresses_share_the_same_authority)
{
	struct pool_set *ps = pool_set_new();
	struct evs_err err;
	uint32_t a;

	UNIT_ASSERT_EQ_INT(pool_add(ps, "p", IP(10, 77, 3, 1), IP(10, 77, 3, 2), &err), 0);
	/* RADIUS gives a pool address to owner 7: the pool must skip it */
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, IP(10, 77, 3, 1), 7), POOL_OK);
	UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", 8, IP(10, 77, 3, 1), &a), POOL_OK);
	UNIT_ASSERT_EQ_INT(a, IP(10, 77, 3, 2));
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, IP(10, 77, 3, 2), 9), POOL_TAKEN);
	/* outside every pool */
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, IP(10, 77, 9, 9), 9), POOL_OK);
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, IP(10, 77, 9, 9), 9), POOL_OK);	/* same owner */
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, IP(10, 77, 9, 9), 10), POOL_TAKEN);
	UNIT_ASSERT_EQ_INT(pool_leased_total(ps), 3);
	UNIT_ASSERT_EQ_INT(pool_release_owner(ps, 9), 1);
	UNIT_ASSERT_EQ_INT(pool_release_owner(ps, 7), 1);
	UNIT_ASSERT_EQ_INT(pool_release_owner(ps, 8), 1);
	UNIT_ASSERT_EQ_INT(pool_leased_total(ps), 0);
	UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, 0, 1), POOL_BAD);
	pool_set_free(ps);
}

UNIT_TEST(config_errors)
{
	struct pool_set *ps = pool_set_new();
	struct evs_err err;

	UNIT_ASSERT_EQ_INT(pool_add(ps, "a", IP(10, 77, 0, 1), IP(10, 77, 0, 100), &err), 0);
	UNIT_ASSERT_EQ_INT(pool_add(ps, "b", IP(10, 77, 0, 100), IP(10, 77, 0, 200), &err), -1);
	UNIT_ASSERT(strstr(err.msg, "overlaps pool \"a\""));
	UNIT_ASSERT_EQ_INT(pool_add(ps, "a", IP(10, 77, 5, 1), IP(10, 77, 5, 2), &err), -1);
	UNIT_ASSERT(strstr(err.msg, "defined twice"));
	UNIT_ASSERT_EQ_INT(pool_add(ps, "c", IP(10, 77, 5, 9), IP(10, 77, 5, 2), &err), -1);
	UNIT_ASSERT(strstr(err.msg, "reversed"));
	UNIT_ASSERT_EQ_INT(pool_add(ps, "d", IP(10, 0, 0, 1), IP(10, 2, 0, 1), &err), -1);
	UNIT_ASSERT_EQ_INT(pool_add_prefix(ps, "e", IP(10, 77, 7, 1), 24, &err), -1);
	UNIT_ASSERT(strstr(err.msg, "host bits"));
	pool_set_free(ps);
}

UNIT_TEST(churn_leaves_pool_as_it_started)
{
	struct pool_set *ps = pool_set_new();
	struct evs_err err;
	uint32_t a, b;

	UNIT_ASSERT_EQ_INT(pool_add(ps, "p", IP(10, 77, 4, 1), IP(10, 77, 4, 20), &err), 0);
	for (uint32_t i = 1; i <= 1000; i++) {
		UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", i, 0, &a), POOL_OK);
		UNIT_ASSERT_EQ_INT(pool_lease(ps, "p", i + 5000, 0, &b), POOL_OK);
		UNIT_ASSERT(a != b);
		UNIT_ASSERT_EQ_INT(pool_release(ps, a, i), 0);
		UNIT_ASSERT_EQ_INT(pool_release_owner(ps, i + 5000), 1);
	}
	UNIT_ASSERT_EQ_INT(pool_leased_total(ps), 0);
	pool_set_free(ps);
}

/* The pools keep an owner -> addresses index beside their per-address
 * owners; random operations on two small pools, against a plain model
 * that scans (what pool.c did before it had the index): the same
 * answers, addresses and owners after every step. */
#define M_FIRST IP(10, 77, 6, 1)
#define M_SIZE 48	/* two pools of 24 */
struct model {
	uint32_t owner[M_SIZE];
	uint32_t cursor[2];
};

static int m_lease(struct model *m, int pl, uint32_t owner, uint32_t hint, uint32_t *addr)
{
	uint32_t first = M_FIRST + (uint32_t)pl * 24, *o = &m->owner[pl * 24];

	for (uint32_t i = 0; i < 24; i++)
		if (o[i] == owner) {
			*addr = first + i;
			return POOL_OK;
		}
	if (hint >= first && hint < first + 24 && !o[hint - first]) {
		o[hint - first] = owner;
		m->cursor[pl] = (hint - first + 1) % 24;
		*addr = hint;
		return POOL_OK;
	}
	for (uint32_t n = 0, off = m->cursor[pl]; n < 24; n++, off = (off + 1) % 24)
		if (!o[off]) {
			o[off] = owner;
			m->cursor[pl] = (off + 1) % 24;
			*addr = first + off;
			return POOL_OK;
		}
	return POOL_EXHAUSTED;
}

UNIT_TEST(owner_index_matches_a_scan)
{
	struct pool_set *ps = pool_set_new();
	struct model m = { 0 };
	struct evs_err err;
	uint32_t rnd = 12345;

	UNIT_ASSERT_EQ_INT(pool_add(ps, "a", M_FIRST, M_FIRST + 23, &err), 0);
	UNIT_ASSERT_EQ_INT(pool_add(ps, "b", M_FIRST + 24, M_FIRST + 47, &err), 0);
	for (int step = 0; step < 20000; step++) {
		uint32_t r, owner, addr, got = 0, want = 0, k;
		int pl;

		rnd = rnd * 1103515245u + 12345u;
		r = rnd >> 8;
		owner = 1 + r % 40;	/* few owners: they hold several */
		pl = (int)(r >> 6) % 2;
		addr = M_FIRST + (r >> 7) % M_SIZE;
		switch ((r >> 13) % 5) {
		case 0: {	/* lease, sometimes with a hint */
			uint32_t hint = (r >> 16) % 3 ? 0 : addr;
			int a = pool_lease(ps, pl ? "b" : "a", owner, hint, &got);
			int b = m_lease(&m, pl, owner, hint, &want);

			UNIT_ASSERT_EQ_INT(a, b);
			if (a == POOL_OK)
				UNIT_ASSERT_EQ_INT(got, want);
			break;
		}
		case 1: {	/* a fixed address inside a pool */
			uint32_t *o = &m.owner[addr - M_FIRST];
			int b = *o ? (*o == owner ? POOL_OK : POOL_TAKEN) : POOL_OK;

			UNIT_ASSERT_EQ_INT(pool_lease_fixed(ps, addr, owner), b);
			if (!*o)
				*o = owner;
			break;
		}
		case 2: {
			uint32_t *o = &m.owner[addr - M_FIRST];
			int b = *o == owner ? 0 : -1;

			/* the address's own owner, mostly */
			if ((r >> 16) % 4 && *o)
				owner = *o, b = 0;
			UNIT_ASSERT_EQ_INT(pool_release(ps, addr, owner), b);
			if (!b)
				*o = 0;
			break;
		}
		case 3:
			for (k = 0, want = 0; k < M_SIZE; k++)
				if (m.owner[k] == owner) {
					m.owner[k] = 0;
					want++;
				}
			UNIT_ASSERT_EQ_INT(pool_release_owner(ps, owner), want);
			break;
		default: {
			uint32_t *o = &m.owner[addr - M_FIRST], to = 1 + (r >> 16) % 40;
			uint32_t from = (r >> 20) % 2 && *o ? *o : owner;
			int b = *o == from ? 0 : -1;

			UNIT_ASSERT_EQ_INT(pool_transfer(ps, addr, from, to), b);
			if (!b)
				*o = to;
			break;
		}
		}
		for (k = 0, want = 0; k < M_SIZE; k++) {
			UNIT_ASSERT_EQ_INT(pool_owner(ps, M_FIRST + k), m.owner[k]);
			want += m.owner[k] != 0;
		}
		UNIT_ASSERT_EQ_INT(pool_leased_total(ps), want);
	}
	pool_set_free(ps);
}

UNIT_MAIN()
