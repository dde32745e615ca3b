// SPDX-License-Identifier: MIT
/* The index of network claims (claims.h). */
#include <netinet/in.h>
#include <stdlib.h>

#include "ezv/claims.h"

/* A claimed prefix, or the prefix where two subtrees part (then it has
 * no claims and two children).  A child is longer than its parent and
 * agrees with it on the parent's bits. */
struct claim_node {
	struct claim_node *child[2];
	struct evs_prefix p;		/* host bits clear */
	struct ezv_claim *here;		/* claims of exactly this prefix */
};

/* One node per prefix length at most on a path from the root. */
#define CLAIMS_DEPTH 129

static bool valid(const struct evs_prefix *p)
{
	return (p->family == AF_INET && p->plen <= 32) ||
	       (p->family == AF_INET6 && p->plen <= 128);
}

static struct claim_node **root_of(struct ezv_claims *t, const struct evs_prefix *p)
{
	return &t->root[p->family == AF_INET6];
}

/* Bit i (from the top) of p's address. */
static unsigned bit_at(const struct evs_prefix *p, unsigned i)
{
	return (p->addr[i / 8] >> (7 - i % 8)) & 1;
}

/* How many of the first lim bits a and b share. */
static unsigned common_len(const struct evs_prefix *a, const struct evs_prefix *b,
			   unsigned lim)
{
	unsigned i = 0;

	while (i + 8 <= lim && a->addr[i / 8] == b->addr[i / 8])
		i += 8;
	while (i < lim && bit_at(a, i) == bit_at(b, i))
		i++;
	return i;
}

static unsigned min_len(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static struct claim_node *node_new(struct ezv_claims *t, const struct evs_prefix *p,
				   unsigned plen)
{
	struct claim_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->p = *p;
	n->p.plen = (uint8_t)plen;
	evs_prefix_clear_host(&n->p);
	t->nodes++;
	return n;
}

static void node_free(struct ezv_claims *t, struct claim_node *n)
{
	free(n);
	t->nodes--;
}

void ezv_claims_init(struct ezv_claims *t)
{
	t->root[0] = t->root[1] = NULL;
	t->nodes = 0;
	t->probes = 0;
}

static void free_tree(struct ezv_claims *t, struct claim_node *n)
{
	if (!n)
		return;
	free_tree(t, n->child[0]);
	free_tree(t, n->child[1]);
	node_free(t, n);
}

void ezv_claims_free(struct ezv_claims *t)
{
	free_tree(t, t->root[0]);
	free_tree(t, t->root[1]);
	t->root[0] = t->root[1] = NULL;
}

/* The node of exactly p, made when missing (with the fork where it parts
 * from a subtree already there); NULL when out of memory. */
static struct claim_node *node_get(struct ezv_claims *t, const struct evs_prefix *p)
{
	struct claim_node **slot = root_of(t, p), *n, *x, *fork;
	unsigned m = 0;

	while ((n = *slot)) {
		m = common_len(&n->p, p, min_len(n->p.plen, p->plen));
		if (m < n->p.plen)
			break;			/* p goes above n */
		if (n->p.plen == p->plen)
			return n;
		slot = &n->child[bit_at(p, n->p.plen)];
	}
	x = node_new(t, p, p->plen);
	if (!x || !n) {
		if (x)
			*slot = x;
		return x;
	}
	if (m == p->plen) {		/* p covers n */
		x->child[bit_at(&n->p, m)] = n;
		*slot = x;
		return x;
	}
	fork = node_new(t, p, m);	/* they part after m bits */
	if (!fork) {
		node_free(t, x);
		return NULL;
	}
	fork->child[bit_at(p, m)] = x;
	fork->child[bit_at(&n->p, m)] = n;
	*slot = fork;
	return x;
}

int ezv_claims_add(struct ezv_claims *t, struct ezv_claim *c)
{
	struct claim_node *n;

	if (!valid(&c->net))
		return -1;
	evs_prefix_clear_host(&c->net);
	n = node_get(t, &c->net);
	if (!n)
		return -1;
	c->next_here = n->here;
	n->here = c;
	return 0;
}

void ezv_claims_del(struct ezv_claims *t, struct ezv_claim *c)
{
	struct claim_node **path[CLAIMS_DEPTH + 1], **slot, *n;
	struct ezv_claim **pp;
	unsigned d = 0;

	if (!valid(&c->net))
		return;
	slot = root_of(t, &c->net);
	while ((n = *slot) && n->p.plen < c->net.plen) {
		path[d++] = slot;
		slot = &n->child[bit_at(&c->net, n->p.plen)];
	}
	if (!n || !evs_prefix_eq(&n->p, &c->net))
		return;
	for (pp = &n->here; *pp && *pp != c; pp = &(*pp)->next_here)
		;
	if (!*pp)
		return;
	*pp = c->next_here;
	path[d++] = slot;
	/* upwards: a node without claims stays only as a fork of two */
	while (d--) {
		n = *path[d];
		if (n->here || (n->child[0] && n->child[1]))
			break;
		*path[d] = n->child[0] ? n->child[0] : n->child[1];
		node_free(t, n);
	}
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

/* The claims of node n (visited already) and of every node below it. */
static const struct ezv_claim *
in_subtree(struct ezv_claims *t, const struct claim_node *n,
	   bool (*pass_over)(const struct ezv_claim *, const void *), const void *arg)
{
	const struct ezv_claim *c = first_counting(n, pass_over, arg);

	for (unsigned b = 0; !c && b < 2; b++)
		if (n->child[b]) {
			t->probes++;
			c = in_subtree(t, n->child[b], pass_over, arg);
		}
	return c;
}

const struct ezv_claim *
ezv_claims_overlap(struct ezv_claims *t, const struct evs_prefix *net,
		   bool (*pass_over)(const struct ezv_claim *c, const void *arg),
		   const void *arg)
{
	struct evs_prefix q = *net;
	const struct claim_node *n;
	const struct ezv_claim *c;

	if (!valid(&q))
		return NULL;
	evs_prefix_clear_host(&q);
	/* the nodes covering q, shortest first, then the first inside it:
	 * everything below that one is inside q too */
	for (n = *root_of(t, &q); n; n = n->child[bit_at(&q, n->p.plen)]) {
		unsigned lim = min_len(n->p.plen, q.plen);

		t->probes++;
		if (common_len(&n->p, &q, lim) < lim)
			return NULL;	/* parted from q: nothing below overlaps */
		if (n->p.plen >= q.plen)
			return in_subtree(t, n, pass_over, arg);
		c = first_counting(n, pass_over, arg);
		if (c)
			return c;
	}
	return NULL;
}
