/* SPDX-License-Identifier: MIT */
/*
 * spi_index: the engine's connections by (direction, SPI), as the kernel
 * keys its SAs, so that a kernel event finds the one connection it is
 * about in constant time.  Chained hash with a keyed hash (SipHash,
 * libsodium's crypto_shorthash): outbound SPIs are chosen by peers, who
 * must not be able to pile them into one bucket.  Nodes live in the
 * connection (intrusive): adding never fails; the table grows when it can.
 */
#ifndef EVSD_SPI_INDEX_H
#define EVSD_SPI_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spi_node {
	struct spi_node *next;
	void *owner;
	uint32_t spi;
	uint8_t dir;			/* EVS_DIR_IN / EVS_DIR_OUT */
	bool linked;
};

struct spi_index {
	struct spi_node **b;
	size_t nb;			/* power of two, or 0 before the first add */
	size_t n;
	uint8_t key[16];
};

void spi_index_init(struct spi_index *x);
void spi_index_free(struct spi_index *x);
void spi_index_add(struct spi_index *x, struct spi_node *n, void *owner,
		   uint8_t dir, uint32_t spi);
void spi_index_del(struct spi_index *x, struct spi_node *n);
/* The first node with (dir, spi) whose owner @match accepts (NULL: any). */
struct spi_node *spi_index_find(const struct spi_index *x, uint8_t dir,
				uint32_t spi,
				bool (*match)(const struct spi_node *n));

/* The engine's connections (ikesa.h).  conn_index_sync after a
 * connection's SPIs change or it moves to another ISAKMP SA;
 * conn_index_drop before it is freed. */
struct ike_engine;
struct ike_sa;
struct ike_conn;
void conn_index_sync(struct ike_sa *sa, struct ike_conn *c);
void conn_index_drop(struct ike_engine *e, struct ike_conn *c);
/* The live connection whose current or replaced SA has (dir, spi). */
struct ike_conn *conn_by_spi(struct ike_engine *e, uint8_t dir, uint32_t spi);

#endif
