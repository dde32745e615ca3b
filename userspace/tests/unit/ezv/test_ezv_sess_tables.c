// SPDX-License-Identifier: MIT
/* ezv sessions' per-connection tables, allocated to what a session uses:
 * the connection table grows (its entries sit in the table by connection
 * and move with it) up to EZV_MAX_CONNS and refuses one more; every
 * connection of two sessions filling theirs in turn is still found by its
 * id, also after deletions; the SA counters grow up to EZV_MAX_SAS. */
#include <stdlib.h>

#include "ezv/ezv_int.h"
#include "tests/unit/unit.h"

static struct ezv_sess *sess(struct ezv *z)
{
	struct ezv_sess *x = calloc(1, sizeof(*x));

	x->z = z;
	return x;
}

static void sess_free(struct ezv_sess *x)
{
	for (unsigned i = 0; i < x->n_conns; i++)
		htab_del(&x->z->by_conn, &x->cref[i].node);
	free(x->conns);
	free(x->cref);
	free(x->sa);
	free(x);
}

UNIT_TEST(connections_grow_to_the_limit_and_stay_found)
{
	struct ezv z = { 0 };
	struct ezv_sess *a, *b;

	UNIT_ASSERT_EQ_INT(htab_init(&z.by_conn), 0);
	a = sess(&z);
	b = sess(&z);
	UNIT_ASSERT_EQ_INT(a->conn_cap, 0);
	for (uint32_t i = 0; i < EZV_MAX_CONNS; i++) {
		UNIT_ASSERT_EQ_INT(ezv_sess_conn_add(a, 1000 + i), 0);
		UNIT_ASSERT_EQ_INT(ezv_sess_conn_add(b, 5000 + i), 0);
	}
	/* one connection takes one slot, not EZV_MAX_CONNS */
	UNIT_ASSERT_EQ_INT(ezv_sess_conn_add(a, 999), -1);
	UNIT_ASSERT_EQ_INT(a->conn_cap, EZV_MAX_CONNS);
	for (uint32_t i = 0; i < EZV_MAX_CONNS; i++) {
		UNIT_ASSERT(ezv_sess_by_conn(&z, 1000 + i) == a);
		UNIT_ASSERT(ezv_sess_by_conn(&z, 5000 + i) == b);
		UNIT_ASSERT(ezv_sess_has_conn(a, 1000 + i));
	}
	for (uint32_t i = 0; i < EZV_MAX_CONNS; i += 2)
		UNIT_ASSERT(ezv_sess_conn_del(a, 1000 + i));
	for (uint32_t i = 0; i < EZV_MAX_CONNS; i++)
		UNIT_ASSERT(ezv_sess_by_conn(&z, 1000 + i) == (i % 2 ? a : NULL));
	UNIT_ASSERT_EQ_INT(ezv_sess_conn_add(a, 999), 0);
	UNIT_ASSERT(ezv_sess_by_conn(&z, 999) == a);
	sess_free(a);
	sess_free(b);
	htab_free(&z.by_conn);
}

UNIT_TEST(a_single_connection_takes_one_slot)
{
	struct ezv z = { 0 };
	struct ezv_sess *a;

	UNIT_ASSERT_EQ_INT(htab_init(&z.by_conn), 0);
	a = sess(&z);
	UNIT_ASSERT_EQ_INT(ezv_sess_conn_add(a, 7), 0);
	UNIT_ASSERT_EQ_INT(a->conn_cap, 1);
	UNIT_ASSERT_EQ_INT(ezv_sess_sa_room(a, 2), 0);
	UNIT_ASSERT_EQ_INT(a->sa_cap, 2);
	sess_free(a);
	htab_free(&z.by_conn);
}

UNIT_TEST(sa_counters_grow_to_the_limit)
{
	struct ezv z = { 0 };
	struct ezv_sess *a = sess(&z);

	for (unsigned n = 1; n <= EZV_MAX_SAS; n++) {
		UNIT_ASSERT_EQ_INT(ezv_sess_sa_room(a, n), 0);
		UNIT_ASSERT(a->sa_cap >= n && a->sa_cap <= EZV_MAX_SAS);
		a->sa[n - 1].spi = n;
		a->n_sa = n;
	}
	UNIT_ASSERT_EQ_INT(ezv_sess_sa_room(a, EZV_MAX_SAS + 1), -1);
	for (unsigned n = 1; n <= EZV_MAX_SAS; n++)
		UNIT_ASSERT_EQ_INT(a->sa[n - 1].spi, n);
	free(a->sa);
	free(a);
}

UNIT_MAIN()
