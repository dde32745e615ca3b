// SPDX-License-Identifier: MIT
/* Connections by (direction, SPI); see spi_index.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <linux/evs.h>

#include "ike/engine/ikesa.h"
#include "ike/engine/spi_index.h"

#define SPI_INDEX_MIN 64

static size_t bucket(const struct spi_index *x, uint8_t dir, uint32_t spi)
{
	uint8_t in[5], h[crypto_shorthash_BYTES];
	uint64_t v;

	memcpy(in, &spi, 4);
	in[4] = dir;
	crypto_shorthash(h, in, sizeof(in), x->key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & (x->nb - 1);
}

void spi_index_init(struct spi_index *x)
{
	memset(x, 0, sizeof(*x));
	randombytes_buf(x->key, sizeof(x->key));
}

void spi_index_free(struct spi_index *x)
{
	free(x->b);
	x->b = NULL;
	x->nb = x->n = 0;
}

/* Best effort: when memory is short the chains just get longer. */
static void grow(struct spi_index *x)
{
	size_t nb = x->nb ? x->nb * 2 : SPI_INDEX_MIN;
	struct spi_node **b = calloc(nb, sizeof(*b)), **old = x->b;
	size_t onb = x->nb;

	if (!b)
		return;
	x->b = b;
	x->nb = nb;
	for (size_t i = 0; i < onb; i++)
		for (struct spi_node *n = old[i], *next; n; n = next) {
			size_t k = bucket(x, n->dir, n->spi);

			next = n->next;
			n->next = b[k];
			b[k] = n;
		}
	free(old);
}

void spi_index_add(struct spi_index *x, struct spi_node *n, void *owner,
		   uint8_t dir, uint32_t spi)
{
	size_t k;

	if (n->linked)
		spi_index_del(x, n);
	if (x->n >= x->nb)
		grow(x);
	if (!x->nb)
		return;		/* no table at all: nothing can be found */
	n->owner = owner;
	n->dir = dir;
	n->spi = spi;
	k = bucket(x, dir, spi);
	n->next = x->b[k];
	x->b[k] = n;
	n->linked = true;
	x->n++;
}

void spi_index_del(struct spi_index *x, struct spi_node *n)
{
	if (!n->linked)
		return;
	for (struct spi_node **pp = &x->b[bucket(x, n->dir, n->spi)]; *pp;
	     pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			x->n--;
			break;
		}
	n->next = NULL;
	n->linked = false;
}

struct spi_node *spi_index_find(const struct spi_index *x, uint8_t dir,
				uint32_t spi,
				bool (*match)(const struct spi_node *n))
{
	if (!x->nb)
		return NULL;
	for (struct spi_node *n = x->b[bucket(x, dir, spi)]; n; n = n->next)
		if (n->dir == dir && n->spi == spi && (!match || match(n)))
			return n;
	return NULL;
}

/* ---- the engine's connections ------------------------------------------ */

static void conn_keys(const struct ike_conn *c, uint8_t dir[4], uint32_t spi[4])
{
	dir[0] = EVS_DIR_IN;
	spi[0] = c->spi_in;
	dir[1] = EVS_DIR_OUT;
	spi[1] = c->spi_out;
	dir[2] = EVS_DIR_IN;
	spi[2] = c->old_spi_in;
	dir[3] = EVS_DIR_OUT;
	spi[3] = c->old_spi_out;
}

void conn_index_sync(struct ike_sa *sa, struct ike_conn *c)
{
	struct spi_index *x = &sa->eng->spis;
	uint8_t dir[4];
	uint32_t spi[4];

	c->sa = sa;
	conn_keys(c, dir, spi);
	for (int i = 0; i < 4; i++) {
		struct spi_node *n = &c->spi_nodes[i];

		if (n->linked && n->spi == spi[i] && n->dir == dir[i])
			continue;
		spi_index_del(x, n);
		if (spi[i])
			spi_index_add(x, n, c, dir[i], spi[i]);
	}
}

void conn_index_drop(struct ike_engine *e, struct ike_conn *c)
{
	for (int i = 0; i < 4; i++)
		spi_index_del(&e->spis, &c->spi_nodes[i]);
}

/* A node still names one of its connection's SAs, on a live ISAKMP SA. */
static bool node_current(const struct spi_node *n)
{
	const struct ike_conn *c = n->owner;
	uint8_t dir[4];
	uint32_t spi[4];

	if (!c->sa || c->sa->state == IKE_S_DEAD)
		return false;
	conn_keys(c, dir, spi);
	for (int i = 0; i < 4; i++)
		if (&c->spi_nodes[i] == n)
			return spi[i] == n->spi;
	return false;
}

struct ike_conn *conn_by_spi(struct ike_engine *e, uint8_t dir, uint32_t spi)
{
	struct spi_node *n;

	if (!spi)
		return NULL;
	n = spi_index_find(&e->spis, dir, spi, node_current);
	return n ? n->owner : NULL;
}
