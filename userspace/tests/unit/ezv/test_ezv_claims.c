// SPDX-License-Identifier: MIT
/* ezv/claims: the overlap check against a plain walk, and its cost
 * (hash lookups) flat in the number of claims. */
#include <stdlib.h>

#include "ezv/claims.h"
#include "tests/unit/unit.h"

static uint32_t mask_of(unsigned plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

static bool overlaps(const struct ezv_claim *c, uint32_t net, unsigned plen)
{
	unsigned p = c->plen < plen ? c->plen : plen;

	return ((c->net ^ net) & mask_of(p)) == 0;
}

/* The owner stands for a claimant: pass over the claims of owner @arg. */
static bool owned_by(const struct ezv_claim *c, const void *arg)
{
	return c->owner == arg;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8 ^ rnd_state << 16;
}

/* Random claims in 10.0.0.0/12 from 8 owners; after every change each
 * query finds a claim exactly when the plain walk does. */
UNIT_TEST(overlap_matches_a_plain_walk)
{
	enum { N = 400 };
	struct ezv_claims t;
	struct ezv_claim *c = calloc(N, sizeof(*c));
	bool live[N] = { false };

	UNIT_ASSERT(c && ezv_claims_init(&t) == 0);
	for (unsigned round = 0; round < 3000; round++) {
		unsigned i = rnd() % N, plen = 8 + rnd() % 25;
		uint32_t net = (0x0a000000u | (rnd() & 0x000fffffu)) & mask_of(plen);
		void *who = (void *)(uintptr_t)(1 + rnd() % 8);
		const struct ezv_claim *got;
		bool want = false;

		if (live[i]) {
			ezv_claims_del(&t, &c[i]);
			live[i] = false;
		} else {
			c[i].net = net;
			c[i].plen = (uint8_t)plen;
			c[i].owner = (struct ezv_sess *)who;
			UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &c[i]), 0);
			live[i] = true;
		}
		plen = rnd() % 33;
		net = (0x0a000000u | (rnd() & 0x000fffffu)) & mask_of(plen);
		who = (void *)(uintptr_t)(1 + rnd() % 8);
		for (unsigned k = 0; k < N; k++)
			if (live[k] && c[k].owner != who && overlaps(&c[k], net, plen))
				want = true;
		got = ezv_claims_overlap(&t, net, plen, owned_by, who);
		UNIT_ASSERT_EQ_INT(got != NULL, want);
		if (got)
			UNIT_ASSERT(got->owner != who && overlaps(got, net, plen));
	}
	for (unsigned k = 0; k < N; k++)
		if (live[k])
			ezv_claims_del(&t, &c[k]);
	UNIT_ASSERT_EQ_INT(t.nodes.n, 0);	/* every node went with its claims */
	ezv_claims_free(&t);
	free(c);
}

/* Hash lookups of one check with M fixed /32 addresses claimed: the
 * same for 10 and for 100,000 claims. */
static unsigned long probes_with(unsigned m)
{
	struct ezv_claims t;
	struct ezv_claim *c = calloc(m, sizeof(*c));
	unsigned long before, worst = 0;

	UNIT_ASSERT(c && ezv_claims_init(&t) == 0);
	for (unsigned i = 0; i < m; i++) {
		c[i].net = 0x0a000000u + i * 16;	/* 10.0.0.0/8, spread */
		c[i].plen = 32;
		c[i].owner = (struct ezv_sess *)(uintptr_t)(i + 1);
		UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &c[i]), 0);
	}
	/* a network-extension /24 beside them, one inside them, one that
	 * covers all of them */
	static const struct { uint32_t net; unsigned plen; bool hit; } q[] = {
		{ 0xc0a84d00u, 24, false }, { 0x0a000000u, 24, true },
		{ 0x0a000000u, 8, true },
	};
	for (unsigned k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
		before = t.probes;
		UNIT_ASSERT_EQ_INT(ezv_claims_overlap(&t, q[k].net, q[k].plen, owned_by,
						      NULL) != NULL, q[k].hit);
		if (t.probes - before > worst)
			worst = t.probes - before;
	}
	for (unsigned i = 0; i < m; i++)
		ezv_claims_del(&t, &c[i]);
	ezv_claims_free(&t);
	free(c);
	return worst;
}

UNIT_TEST(check_cost_does_not_grow_with_the_claims)
{
	unsigned long few = probes_with(10), many = probes_with(100000);

	printf("# hash lookups per check: %lu with 10 claims, %lu with 100000 (ratio %.2f)\n",
	       few, many, (double)many / (double)few);
	/* bounded by the address length: the 33 covering prefixes, then
	 * two children a level on the way down */
	UNIT_ASSERT(few <= 33 + 2 * 32);
	UNIT_ASSERT(many <= 33 + 2 * 32);
}

UNIT_MAIN()
