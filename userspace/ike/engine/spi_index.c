// SPDX-License-Identifier: MIT
/* Connections by (direction, SPI) and by id; see spi_index.h. */
#include <string.h>

#include <linux/evs.h>

#include "ike/engine/ikesa.h"
#include "ike/engine/spi_index.h"

static uint64_t spi_hash(const struct htab *t, uint8_t dir, uint32_t spi)
{
	uint8_t in[5];

	memcpy(in, &spi, 4);
	in[4] = dir;
	return htab_hash(t, in, sizeof(in));
}

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
	struct ike_engine *e = sa->eng;
	uint8_t dir[4];
	uint32_t spi[4];

	c->sa = sa;
	if (!htab_linked(&c->id_node))
		htab_add(&e->conn_ids, &c->id_node,
			 htab_hash(&e->conn_ids, &c->id, sizeof(c->id)));
	conn_keys(c, dir, spi);
	for (int i = 0; i < 4; i++) {
		struct spi_node *n = &c->spi_nodes[i];

		if (htab_linked(&n->h) && n->spi == spi[i] && n->dir == dir[i])
			continue;
		htab_del(&e->spis, &n->h);
		if (!spi[i])
			continue;
		n->conn = c;
		n->dir = dir[i];
		n->spi = spi[i];
		htab_add(&e->spis, &n->h, spi_hash(&e->spis, dir[i], spi[i]));
	}
}

void conn_index_drop(struct ike_engine *e, struct ike_conn *c)
{
	htab_del(&e->conn_ids, &c->id_node);
	for (int i = 0; i < 4; i++)
		htab_del(&e->spis, &c->spi_nodes[i].h);
}

/* A node still names one of its connection's SAs, on a live ISAKMP SA. */
static bool node_current(const struct spi_node *n)
{
	const struct ike_conn *c = n->conn;
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

static struct ike_conn *find_spi(struct ike_engine *e, const struct ike_sa *sa,
				 uint8_t dir, uint32_t spi)
{
	struct htab_node *h;

	if (!spi)
		return NULL;
	htab_for_each(&e->spis, h, spi_hash(&e->spis, dir, spi)) {
		struct spi_node *n = htab_entry(h, struct spi_node, h);

		if (n->dir == dir && n->spi == spi && node_current(n) &&
		    (!sa || n->conn->sa == sa))
			return n->conn;
	}
	return NULL;
}

struct ike_conn *conn_by_spi(struct ike_engine *e, uint8_t dir, uint32_t spi)
{
	return find_spi(e, NULL, dir, spi);
}

struct ike_conn *conn_by_spi_on(struct ike_sa *sa, uint8_t dir, uint32_t spi)
{
	return find_spi(sa->eng, sa, dir, spi);
}

struct ike_conn *conn_by_id(struct ike_engine *e, uint32_t conn_id)
{
	struct htab_node *h;

	htab_for_each(&e->conn_ids, h,
		      htab_hash(&e->conn_ids, &conn_id, sizeof(conn_id))) {
		struct ike_conn *c = htab_entry(h, struct ike_conn, id_node);

		if (c->id == conn_id)
			return c;
	}
	return NULL;
}
