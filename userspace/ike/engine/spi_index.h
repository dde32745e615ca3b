/* SPDX-License-Identifier: MIT */
/*
 * spi_index: the engine's connections by (direction, SPI), as the kernel
 * keys its SAs, and by kernel connection id, so that a kernel event or a
 * peer's delete finds the one connection it is about in constant time.
 * Keyed hash tables (lib/htab.h): outbound SPIs are chosen by peers, who
 * must not be able to pile them into one bucket.  The nodes live in the
 * connection: adding never fails.
 */
#ifndef EVSD_SPI_INDEX_H
#define EVSD_SPI_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/htab.h"

struct ike_conn;
struct spi_node {
	struct htab_node h;
	struct ike_conn *conn;
	uint32_t spi;
	uint8_t dir;			/* EVS_DIR_IN / EVS_DIR_OUT */
};

/* The engine's connections (ikesa.h).  conn_index_sync after a
 * connection is made, its SPIs change or it moves to another ISAKMP SA;
 * conn_index_drop before it is freed. */
struct ike_engine;
struct ike_sa;
void conn_index_sync(struct ike_sa *sa, struct ike_conn *c);
void conn_index_drop(struct ike_engine *e, struct ike_conn *c);
/* The live connection whose current or replaced SA has (dir, spi); of
 * the ISAKMP SA sa. */
struct ike_conn *conn_by_spi(struct ike_engine *e, uint8_t dir, uint32_t spi);
struct ike_conn *conn_by_spi_on(struct ike_sa *sa, uint8_t dir, uint32_t spi);
struct ike_conn *conn_by_id(struct ike_engine *e, uint32_t conn_id);

#endif
