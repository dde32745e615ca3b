// SPDX-License-Identifier: MIT
/* dueheap: see dueheap.h. */
#include "lib/dueheap.h"

#include <stdlib.h>

void dh_init(struct dh *h)
{
	h->v = NULL;
	h->n = h->cap = 0;
}

void dh_free(struct dh *h)
{
	for (size_t i = 0; i < h->n; i++)
		h->v[i]->idx = 0;
	free(h->v);
	dh_init(h);
}

int dh_reserve(struct dh *h, size_t n)
{
	size_t cap = h->cap ? h->cap : 16;
	struct dh_node **v;

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

static void place(struct dh *h, size_t i, struct dh_node *node)
{
	h->v[i] = node;
	node->idx = i + 1;
}

static void up(struct dh *h, size_t i)
{
	struct dh_node *node = h->v[i];

	while (i) {
		size_t p = (i - 1) / 2;

		if (h->v[p]->at <= node->at)
			break;
		place(h, i, h->v[p]);
		i = p;
	}
	place(h, i, node);
}

static void down(struct dh *h, size_t i)
{
	struct dh_node *node = h->v[i];

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

void dh_del(struct dh *h, struct dh_node *node)
{
	size_t i;
	struct dh_node *last;

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

int dh_set(struct dh *h, struct dh_node *node, uint64_t at)
{
	uint64_t old = node->at;

	if (!at) {
		dh_del(h, node);
		return 0;
	}
	if (!node->idx && h->n >= h->cap && dh_reserve(h, h->n + 1) < 0)
		return -1;	/* only a caller that skipped dh_reserve */
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

struct dh_node *dh_pop_due(struct dh *h, uint64_t now)
{
	struct dh_node *node = dh_min(h);

	if (!node || node->at > now)
		return NULL;
	dh_del(h, node);
	return node;
}
