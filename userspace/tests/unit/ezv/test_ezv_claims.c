// SPDX-License-Identifier: MIT
/* ezv/claims: the overlap check against a plain walk in both families,
 * IPv6 covering and more specific claims, and the check's cost (trie
 * nodes visited) bounded by the address length, not the claims. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "ezv/claims.h"
#include "tests/unit/unit.h"

static bool overlaps(const struct ezv_claim *c, const struct evs_prefix *net)
{
	return evs_prefix_within(&c->net, net) || evs_prefix_within(net, &c->net);
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

static struct evs_prefix ip4(uint32_t net, unsigned plen)
{
	struct evs_prefix p = evs_prefix_ip4(net, plen);

	evs_prefix_clear_host(&p);
	return p;
}

/* 2001:db8:<a>:<b>::<c>/plen, host bits cleared. */
static struct evs_prefix ip6(uint16_t a, uint16_t b, uint16_t c, unsigned plen)
{
	struct evs_prefix p = { .family = AF_INET6, .plen = (uint8_t)plen,
				.addr = { 0x20, 0x01, 0x0d, 0xb8 } };

	p.addr[4] = (uint8_t)(a >> 8);
	p.addr[5] = (uint8_t)a;
	p.addr[6] = (uint8_t)(b >> 8);
	p.addr[7] = (uint8_t)b;
	p.addr[14] = (uint8_t)(c >> 8);
	p.addr[15] = (uint8_t)c;
	evs_prefix_clear_host(&p);
	return p;
}

/* A random network: IPv4 in 10.0.0.0/12 (lengths 8-32 for claims, 0-32
 * for queries), or IPv6 in 2001:db8::/32 with few distinct values per
 * field so that they nest and collide (lengths 16-128, 0-128). */
static struct evs_prefix rnd_net(bool v6, bool claim)
{
	if (!v6)
		return ip4(0x0a000000u | (rnd() & 0x000fffffu),
			   claim ? 8 + rnd() % 25 : rnd() % 33);
	return ip6((uint16_t)(rnd() % 4), (uint16_t)(rnd() % 4), (uint16_t)(rnd() % 8),
		   claim ? 16 + rnd() % 113 : rnd() % 129);
}

/* Random claims from 8 owners, in one family or in both; after every
 * change each query finds a claim exactly when the plain walk does. */
static void against_a_plain_walk(int family)
{
	enum { N = 400 };
	struct ezv_claims t;
	struct ezv_claim *c = calloc(N, sizeof(*c));
	bool live[N] = { false };
	unsigned n_live = 0;

	UNIT_ASSERT(c);
	ezv_claims_init(&t);
	for (unsigned round = 0; round < 3000; round++) {
		unsigned i = rnd() % N;
		bool v6 = family == AF_INET6 || (family == AF_UNSPEC && rnd() % 2);
		void *who = (void *)(uintptr_t)(1 + rnd() % 8);
		struct evs_prefix q;
		const struct ezv_claim *got;
		bool want = false;

		if (live[i]) {
			ezv_claims_del(&t, &c[i]);
			live[i] = false;
			n_live--;
		} else {
			c[i].net = rnd_net(v6, true);
			c[i].owner = (struct ezv_sess *)who;
			UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &c[i]), 0);
			live[i] = true;
			n_live++;
		}
		UNIT_ASSERT(t.nodes <= 2 * n_live);
		v6 = family == AF_INET6 || (family == AF_UNSPEC && rnd() % 2);
		q = rnd_net(v6, false);
		who = (void *)(uintptr_t)(1 + rnd() % 8);
		for (unsigned k = 0; k < N; k++)
			if (live[k] && c[k].owner != who && overlaps(&c[k], &q))
				want = true;
		got = ezv_claims_overlap(&t, &q, owned_by, who);
		UNIT_ASSERT_EQ_INT(got != NULL, want);
		if (got)
			UNIT_ASSERT(got->owner != who && overlaps(got, &q));
	}
	for (unsigned k = 0; k < N; k++)
		if (live[k])
			ezv_claims_del(&t, &c[k]);
	UNIT_ASSERT_EQ_INT(t.nodes, 0);	/* every node went with its claims */
	ezv_claims_free(&t);
	free(c);
}

UNIT_TEST(ipv4_overlap_matches_a_plain_walk)
{
	against_a_plain_walk(AF_INET);
}

UNIT_TEST(ipv6_overlap_matches_a_plain_walk)
{
	against_a_plain_walk(AF_INET6);
}

UNIT_TEST(both_families_overlap_matches_a_plain_walk)
{
	against_a_plain_walk(AF_UNSPEC);
}

static bool hits(struct ezv_claims *t, struct evs_prefix q, const void *who)
{
	return ezv_claims_overlap(t, &q, owned_by, who) != NULL;
}

/* A network-extension client's IPv6 LAN against the other claims: equal,
 * covering, more specific, beside; one family never meets the other. */
UNIT_TEST(ipv6_covering_and_more_specific)
{
	struct ezv_claims t;
	struct ezv_claim lan = { .net = ip6(1, 0, 0, 48), .owner = (void *)1 };
	struct ezv_claim host = { .net = ip6(2, 5, 9, 128), .owner = (void *)2 };
	struct ezv_claim v4 = { .net = ip4(0x0a000000u, 8), .owner = (void *)3 };
	struct evs_prefix all6 = { .family = AF_INET6, .plen = 0 }, q;

	ezv_claims_init(&t);
	lan.net.addr[15] = 1;	/* host bits: not part of the claim */
	UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &lan), 0);
	UNIT_ASSERT(lan.net.addr[15] == 0);
	UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &host), 0);
	UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &v4), 0);
	UNIT_ASSERT(hits(&t, ip6(1, 0, 0, 48), NULL));		/* equal */
	UNIT_ASSERT(hits(&t, ip6(1, 7, 0, 64), NULL));		/* inside the /48 */
	UNIT_ASSERT(hits(&t, ip6(1, 7, 3, 128), NULL));
	UNIT_ASSERT(hits(&t, ip6(0, 0, 0, 32), NULL));		/* covers both */
	UNIT_ASSERT(hits(&t, all6, NULL));
	UNIT_ASSERT(hits(&t, ip6(2, 5, 0, 64), NULL));		/* covers the /128 */
	UNIT_ASSERT(hits(&t, ip6(2, 5, 9, 128), NULL));
	UNIT_ASSERT(!hits(&t, ip6(2, 5, 8, 128), NULL));	/* beside it */
	UNIT_ASSERT(!hits(&t, ip6(2, 4, 0, 64), NULL));
	UNIT_ASSERT(!hits(&t, ip6(3, 0, 0, 48), NULL));
	/* its own claims do not count; the other one under the /32 does */
	UNIT_ASSERT(!hits(&t, ip6(1, 0, 0, 56), (void *)1));
	UNIT_ASSERT(hits(&t, ip6(0, 0, 0, 32), (void *)1));
	UNIT_ASSERT(!hits(&t, ip6(2, 0, 0, 48), (void *)2));
	UNIT_ASSERT(hits(&t, ip6(2, 0, 0, 48), (void *)1));
	/* the families apart: ::/0 and 0.0.0.0/0 meet only their own */
	UNIT_ASSERT(hits(&t, ip4(0, 0), NULL));
	UNIT_ASSERT(!hits(&t, ip4(0, 0), (void *)3));
	UNIT_ASSERT(hits(&t, all6, (void *)1));
	ezv_claims_del(&t, &host);
	UNIT_ASSERT(!hits(&t, all6, (void *)1));
	UNIT_ASSERT(hits(&t, ip4(0x0a010000u, 16), (void *)1));
	/* host bits of a query are not part of its network */
	q = ip6(1, 0, 0, 64);
	q.addr[15] = 1;
	UNIT_ASSERT(hits(&t, q, NULL));
	q.plen = 128;
	UNIT_ASSERT(hits(&t, q, NULL));
	ezv_claims_del(&t, &lan);
	UNIT_ASSERT(!hits(&t, all6, NULL));
	ezv_claims_del(&t, &v4);
	UNIT_ASSERT_EQ_INT(t.nodes, 0);
	/* neither family, or a length beyond the address: refused */
	host.net.plen = 129;
	UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &host), -1);
	v4.net.plen = 33;
	UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &v4), -1);
	v4.net.family = AF_UNSPEC;
	v4.net.plen = 8;
	UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &v4), -1);
	UNIT_ASSERT_EQ_INT(t.nodes, 0);
	ezv_claims_free(&t);
}

/* Nodes one check visits with M claimed addresses (IPv4 /32s or IPv6
 * /128s, spread) and queries beside them, inside them and covering them
 * all. */
static unsigned long probes_with(unsigned m, bool v6)
{
	struct ezv_claims t;
	struct ezv_claim *c = calloc(m, sizeof(*c));
	unsigned long before, worst = 0;
	struct evs_prefix q[3];

	UNIT_ASSERT(c);
	ezv_claims_init(&t);
	for (unsigned i = 0; i < m; i++) {
		c[i].net = v6 ? ip6((uint16_t)(i >> 12), (uint16_t)(i & 0xfff), (uint16_t)i, 128)
			      : ip4(0x0a000000u + i * 16, 32);	/* 10.0.0.0/8 */
		c[i].owner = (struct ezv_sess *)(uintptr_t)(i + 1);
		UNIT_ASSERT_EQ_INT(ezv_claims_add(&t, &c[i]), 0);
	}
	if (v6) {
		q[0] = ip6(0xffff, 0, 0, 48);
		q[1] = ip6(0, 0, 0, 64);
		q[2] = ip6(0, 0, 0, 32);
	} else {
		q[0] = ip4(0xc0a84d00u, 24);
		q[1] = ip4(0x0a000000u, 24);
		q[2] = ip4(0x0a000000u, 8);
	}
	for (unsigned k = 0; k < 3; k++) {
		before = t.probes;
		UNIT_ASSERT_EQ_INT(hits(&t, q[k], NULL), k > 0);
		if (t.probes - before > worst)
			worst = t.probes - before;
	}
	for (unsigned i = 0; i < m; i++)
		ezv_claims_del(&t, &c[i]);
	UNIT_ASSERT_EQ_INT(t.nodes, 0);
	ezv_claims_free(&t);
	free(c);
	return worst;
}

UNIT_TEST(check_cost_is_bounded_by_the_address_length)
{
	for (unsigned v6 = 0; v6 < 2; v6++) {
		unsigned long few = probes_with(10, v6), many = probes_with(100000, v6);
		unsigned long bound = v6 ? 129 : 33;

		printf("# %s: trie nodes visited per check: %lu with 10 claims, %lu with "
		       "100000\n", v6 ? "IPv6" : "IPv4", few, many);
		/* at most one node per prefix length down to the first claim:
		 * a found claim ends the walk */
		UNIT_ASSERT(few <= bound);
		UNIT_ASSERT(many <= bound);
	}
}

UNIT_MAIN()
