// SPDX-License-Identifier: MIT
/* dueheap: see dueheap.h. */
#include "lib/dueheap.h"

#include <stdlib.h>

void dueh_init(struct dueh *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void dueh_free(struct dueh *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->idx = 0;
	free(h->v);
	dueh_init(h);
}

int dueh_reserve(struct dueh *h, size_t n)
{
	size_t cap = h->cap ? h->cap : 16;
	struct dueh_node **v;

	if (n <= h->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	v = realloc(h->v, cap * sizeof(*v));
	if (!v)
		return -1;
	h->v = v;
	h->cap = cap;
	return 0;
}

static void place(struct dueh *h, size_t i, struct dueh_node *node)
{
	h->v[i] = node;
	node->idx = i + 1;
}

static void up(struct dueh *h, size_t i)
{
	struct dueh_node *node = h->v[i];

	while (i) {
		size_t p = (i - 1) / 2;

		if (h->v[p]->at <= node->at)
			break;
		place(h, i, h->v[p]);
		i = p;
	}
	place(h, i, node);
}

static void down(struct dueh *h, size_t i)
{
	struct dueh_node *node = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->at < h->v[c]->at)
			c++;
		if (node->at <= h->v[c]->at)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, node);
}

void dueh_del(struct dueh *h, struct dueh_node *node)
{
	size_t i;
	struct dueh_node *last;

	if (!node->idx)
		return;
	i = node->idx - 1;
	node->idx = 0;
	last = h->v[--h->n];
	if (last == node)
		return;
	place(h, i, last);
	up(h, i);
	down(h, last->idx - 1);
}

int dueh_set(struct dueh *h, struct dueh_node *node, uint64_t at)
{
	uint64_t old = node->at;

	if (!at) {
		dueh_del(h, node);
		return 0;
	}
	if (!node->idx && h->n >= h->cap && dueh_reserve(h, h->n + 1) < 0)
		return -1;	/* only a caller that skipped dueh_reserve */
	node->at = at;
	if (!node->idx) {
		place(h, h->n++, node);
		up(h, h->n - 1);
	} else if (at < old) {
		up(h, node->idx - 1);
	} else if (at > old) {
		down(h, node->idx - 1);
	}
	return 0;
}

struct dueh_node *dueh_pop_due(struct dueh *h, uint64_t now)
{
	struct dueh_node *node = dueh_min(h);

	if (!node || node->at > now)
		return NULL;
	dueh_del(h, node);
	return node;
}
