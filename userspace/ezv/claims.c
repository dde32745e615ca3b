// SPDX-License-Identifier: MIT
/* The index of network claims (claims.h). */
#include <stdlib.h>

#include "ezv/claims.h"

struct claim_node {
	struct htab_node hn;
	uint32_t net;
	uint8_t plen;
	unsigned refs;			/* claims at or below this prefix */
	struct ezv_claim *here;		/* claims of exactly this prefix */
};

static uint32_t mask_of(unsigned plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

static uint64_t node_hash(const struct ezv_claims *t, uint32_t net, unsigned plen)
{
	uint64_t key = (uint64_t)net << 8 | plen;

	return htab_hash(&t->nodes, &key, sizeof(key));
}

static struct claim_node *node_find(struct ezv_claims *t, uint32_t net, unsigned plen)
{
	struct htab_node *h;

	t->probes++;
	htab_for_each(&t->nodes, h, node_hash(t, net, plen)) {
		struct claim_node *n = htab_entry(h, struct claim_node, hn);

		if (n->net == net && n->plen == plen)
			return n;
	}
	return NULL;
}

static void node_put(struct ezv_claims *t, uint32_t net, unsigned plen)
{
	struct claim_node *n = node_find(t, net, plen);

	if (n && !--n->refs) {
		htab_del(&t->nodes, &n->hn);
		free(n);
	}
}

int ezv_claims_init(struct ezv_claims *t)
{
	t->probes = 0;
	return htab_init(&t->nodes);
}

void ezv_claims_free(struct ezv_claims *t)
{
	for (size_t i = 0; t->nodes.b && i < t->nodes.nb; i++)
		while (t->nodes.b[i]) {
			struct claim_node *n = htab_entry(t->nodes.b[i], struct claim_node, hn);

			htab_del(&t->nodes, &n->hn);
			free(n);
		}
	htab_free(&t->nodes);
}

int ezv_claims_add(struct ezv_claims *t, struct ezv_claim *c)
{
	for (unsigned q = 0; q <= c->plen; q++) {
		uint32_t net = c->net & mask_of(q);
		struct claim_node *n = node_find(t, net, q);

		if (!n) {
			n = calloc(1, sizeof(*n));
			if (!n) {
				while (q--)
					node_put(t, c->net & mask_of(q), q);
				return -1;
			}
			n->net = net;
			n->plen = (uint8_t)q;
			htab_add(&t->nodes, &n->hn, node_hash(t, net, q));
		}
		n->refs++;
		if (q == c->plen) {
			c->next_here = n->here;
			n->here = c;
		}
	}
	return 0;
}

void ezv_claims_del(struct ezv_claims *t, struct ezv_claim *c)
{
	struct claim_node *n = node_find(t, c->net & mask_of(c->plen), c->plen);

	if (!n)
		return;
	for (struct ezv_claim **pp = &n->here; *pp; pp = &(*pp)->next_here)
		if (*pp == c) {
			*pp = c->next_here;
			break;
		}
	for (unsigned q = 0; q <= c->plen; q++)
		node_put(t, c->net & mask_of(q), q);
}

static const struct ezv_claim *
first_counting(const struct claim_node *n,
	       bool (*pass_over)(const struct ezv_claim *, const void *), const void *arg)
{
	for (const struct ezv_claim *c = n->here; c; c = c->next_here)
		if (!pass_over(c, arg))
			return c;
	return NULL;
}

/* The claims strictly below node n: only existing nodes are entered. */
static const struct ezv_claim *
below(struct ezv_claims *t, const struct claim_node *n,
      bool (*pass_over)(const struct ezv_claim *, const void *), const void *arg)
{
	const struct ezv_claim *c;

	if (n->plen == 32)
		return NULL;
	for (unsigned bit = 0; bit < 2; bit++) {
		uint32_t net = n->net | (bit ? 1u << (31 - n->plen) : 0);
		const struct claim_node *ch = node_find(t, net, n->plen + 1u);

		if (!ch)
			continue;
		c = first_counting(ch, pass_over, arg);
		if (!c)
			c = below(t, ch, pass_over, arg);
		if (c)
			return c;
	}
	return NULL;
}

const struct ezv_claim *
ezv_claims_overlap(struct ezv_claims *t, uint32_t net, unsigned plen,
		   bool (*pass_over)(const struct ezv_claim *c, const void *arg),
		   const void *arg)
{
	const struct claim_node *n = NULL;
	const struct ezv_claim *c;

	net &= mask_of(plen);
	/* equal or covering: the prefixes of net, shortest first; a missing
	 * one means no claim at or below it, so none further down either */
	for (unsigned q = 0; q <= plen; q++) {
		n = node_find(t, net & mask_of(q), q);
		if (!n)
			return NULL;
		c = first_counting(n, pass_over, arg);
		if (c)
			return c;
	}
	return below(t, n, pass_over, arg);
}
