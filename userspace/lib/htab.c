// SPDX-License-Identifier: MIT
/* A keyed chained hash table; see htab.h. */
#include "lib/htab.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define HTAB_MIN 64

int htab_init(struct htab *t)
{
	memset(t, 0, sizeof(*t));
	_Static_assert(sizeof(t->key) == crypto_shorthash_KEYBYTES, "key size");
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(t->key, sizeof(t->key));
	t->b = calloc(HTAB_MIN, sizeof(*t->b));
	if (!t->b)
		return -1;
	t->nb = HTAB_MIN;
	return 0;
}

void htab_free(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

uint64_t htab_hash(const struct htab *t, const void *key, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, key, len, t->key);
	memcpy(&v, h, sizeof(v));
	return v;
}

static void link_node(struct htab_node **head, struct htab_node *n)
{
	n->next = *head;
	if (n->next)
		n->next->pprev = &n->next;
	*head = n;
	n->pprev = head;
}

/* Best effort: without memory the old buckets stay. */
static void grow(struct htab *t)
{
	size_t nb = t->nb * 2;
	struct htab_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i < t->nb; i++)
		for (struct htab_node *n = t->b[i], *next; n; n = next) {
			next = n->next;
			link_node(&b[n->hash & (nb - 1)], n);
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

void htab_add(struct htab *t, struct htab_node *n, uint64_t hash)
{
	if (t->n >= t->nb)
		grow(t);
	n->hash = hash;
	link_node(&t->b[hash & (t->nb - 1)], n);
	t->n++;
}

void htab_del(struct htab *t, struct htab_node *n)
{
	if (!n->pprev)
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
	t->n--;
}

static struct htab_node *same_hash(struct htab_node *n, uint64_t hash)
{
	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct htab_node *htab_first(const struct htab *t, uint64_t hash)
{
	if (!t->nb)
		return NULL;
	return same_hash(t->b[hash & (t->nb - 1)], hash);
}

struct htab_node *htab_next(const struct htab_node *n)
{
	return same_hash(n->next, n->hash);
}
