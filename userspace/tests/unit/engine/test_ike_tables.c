// SPDX-License-Identifier: MIT
/*
 * The engine's tables: SAs by cookies (and an initiator's under a zero
 * responder cookie until it learns one), responders by (initiator
 * cookie, address), SAs by peer address and port, exchanges by (SA,
 * message id), connections by SPI and by id; a killed SA is found by
 * nothing.  Phase 1 scratch goes when Phase 1 ends.
 */
#include "ike/engine/phase2.h"
#include "lib/daemon_log.h"
#include "tests/unit/engine/fake_sa.h"
#include "tests/unit/unit.h"

#include <linux/evs.h>

static const uint8_t zero[ISAKMP_COOKIE_LEN];

static struct ike_engine *engine(void)
{
	struct ike_engine *e;

	evsd_log_set_quiet(true);
	e = fake_engine();
	UNIT_ASSERT(e);
	return e;
}

/* A responder SA with cookies (tag, 1) and (tag, 2) at host tag. */
static struct ike_sa *tagged_sa(struct ike_engine *e, uint32_t tag)
{
	uint8_t ci[8], cr[8];
	struct ike_sa *sa;

	fake_cookie(ci, tag, 1);
	fake_cookie(cr, tag, 2);
	sa = fake_sa(e, false, ci, cr, tag, 500);
	UNIT_ASSERT(sa);
	return sa;
}

UNIT_TEST(sas_by_cookies_many_with_one_initiator_cookie)
{
	enum { N = 300 };
	struct ike_engine *e = engine();
	struct ike_sa *sa[N];
	uint8_t ci[8], cr[8];

	/* One initiator cookie, N responder cookies (N peers that chose
	 * the same icookie, or one peer trying to pile them up). */
	fake_cookie(ci, 0xc0c0, 1);
	for (unsigned i = 0; i < N; i++) {
		fake_cookie(cr, 0xdead, i + 1);
		sa[i] = fake_sa(e, false, ci, cr, i, 500);
		UNIT_ASSERT(sa[i]);
	}
	for (unsigned i = 0; i < N; i++) {
		fake_cookie(cr, 0xdead, i + 1);
		UNIT_ASSERT(ike_sa_find(e, ci, cr) == sa[i]);
		UNIT_ASSERT(ike_sa_first_find(e, ci, (const struct sockaddr *)
					      &sa[i]->path.remote) == sa[i]);
	}
	fake_cookie(cr, 0xdead, N + 1);
	UNIT_ASSERT(ike_sa_find(e, ci, cr) == NULL);
	UNIT_ASSERT(ike_sa_find(e, ci, zero) == NULL);
	fake_cookie(ci, 0xc0c0, 2);
	fake_cookie(cr, 0xdead, 1);
	UNIT_ASSERT(ike_sa_find(e, ci, cr) == NULL);
	UNIT_ASSERT(ike_engine_counts_ok(e));
	ike_engine_free(e);
}

UNIT_TEST(a_killed_sa_is_not_found)
{
	struct ike_engine *e = engine();
	struct ike_sa *a, *b;
	uint8_t ci[8], cr[8], cr2[8];
	struct sockaddr_storage addr;

	fake_cookie(ci, 1, 1);
	fake_cookie(cr, 2, 1);
	fake_cookie(cr2, 2, 2);
	a = fake_sa(e, false, ci, cr, 7, 500);
	b = fake_sa(e, false, ci, cr2, 8, 500);
	addr = a->path.remote;
	fake_established(a);
	UNIT_ASSERT(ike_sa_find(e, ci, cr) == a);
	ike_sa_kill(a, EVS_END_ERROR, "test", false, true);
	UNIT_ASSERT(ike_sa_find(e, ci, cr) == NULL);
	UNIT_ASSERT(ike_sa_first_find(e, ci, (struct sockaddr *)&addr) == NULL);
	/* The other one with the same initiator cookie stays. */
	UNIT_ASSERT(ike_sa_find(e, ci, cr2) == b);
	/* Freed by the next reap (the tick reaps); b lives on. */
	ike_engine_tick(e);
	UNIT_ASSERT(e->sas == b && !b->next);
	UNIT_ASSERT(ike_sa_find(e, ci, cr2) == b);
	UNIT_ASSERT(ike_engine_counts_ok(e));
	ike_engine_free(e);
}

UNIT_TEST(initiator_found_under_zero_then_under_the_answer)
{
	struct ike_engine *e = engine();
	struct ike_sa *sa;
	uint8_t ci[8], cr[8];

	fake_cookie(ci, 3, 3);
	fake_cookie(cr, 4, 4);
	sa = fake_sa(e, true, ci, zero, 9, 500);
	UNIT_ASSERT(ike_sa_find(e, ci, zero) == sa);
	UNIT_ASSERT(ike_sa_find(e, ci, cr) == NULL);
	/* Initiators are not in the table of first messages. */
	UNIT_ASSERT(ike_sa_first_find(e, ci, (struct sockaddr *)&sa->path.remote) == NULL);
	memcpy(sa->cky_r, cr, sizeof(cr));
	ike_sa_reindex(sa);
	UNIT_ASSERT(ike_sa_find(e, ci, cr) == sa);
	UNIT_ASSERT(ike_sa_find(e, ci, zero) == NULL);
	ike_engine_free(e);
}

static bool any(const struct ike_sa *o, const struct ike_sa *sa, void *arg)
{
	return true;
}

UNIT_TEST(a_moved_peer_is_found_where_it_is)
{
	struct ike_engine *e = engine();
	struct ike_sa *a, *b, *c, *d;
	struct sockaddr_storage old;
	struct ike_path p;
	uint8_t ci[8], cr[8];

	fake_cookie(ci, 5, 1);
	fake_cookie(cr, 6, 1);
	a = fake_sa(e, false, ci, cr, 20, 4500);
	fake_cookie(ci, 5, 2);
	b = fake_sa(e, false, ci, cr, 20, 4500);
	fake_cookie(ci, 5, 3);
	c = fake_sa(e, false, ci, cr, 21, 4500);
	fake_cookie(ci, 5, 4);
	d = fake_sa(e, false, ci, cr, 20, 4501);	/* another port */
	UNIT_ASSERT(ike_sa_same_peer(a, any, NULL) == b);
	UNIT_ASSERT(ike_sa_same_peer(c, any, NULL) == NULL);
	UNIT_ASSERT(ike_sa_same_peer(d, any, NULL) == NULL);
	/* a's peer moves to c's address and port (a NAT mapping). */
	old = a->path.remote;
	p = a->path;
	p.remote = c->path.remote;
	a->path = p;
	ike_sa_reindex(a);
	UNIT_ASSERT(ike_sa_same_peer(b, any, NULL) == NULL);
	UNIT_ASSERT(ike_sa_same_peer(c, any, NULL) == a);
	fake_cookie(ci, 5, 1);
	UNIT_ASSERT(ike_sa_first_find(e, ci, (struct sockaddr *)&old) == NULL);
	UNIT_ASSERT(ike_sa_first_find(e, ci, (struct sockaddr *)&c->path.remote) == a);
	ike_engine_free(e);
}

UNIT_TEST(exchanges_by_sa_and_message_id)
{
	enum { N = 50 };
	struct ike_engine *e = engine();
	struct ike_sa *sa[N];
	struct ike_xchg *x[N];
	uint8_t ci[8], cr[8];

	for (unsigned i = 0; i < N; i++) {
		fake_cookie(ci, 7, i);
		fake_cookie(cr, 8, i);
		sa[i] = fake_sa(e, false, ci, cr, i, 500);
		fake_established(sa[i]);
		/* The same message id on every SA. */
		x[i] = ike_xchg_new(sa[i], 0x11223344, ISAKMP_EXCH_QUICK);
		UNIT_ASSERT(x[i]);
	}
	for (unsigned i = 0; i < N; i++) {
		UNIT_ASSERT(ike_xchg_find(sa[i], 0x11223344) == x[i]);
		UNIT_ASSERT(ike_xchg_find(sa[i], 0x11223345) == NULL);
	}
	ike_xchg_free(sa[3], x[3]);
	UNIT_ASSERT(ike_xchg_find(sa[3], 0x11223344) == NULL);
	UNIT_ASSERT(ike_xchg_find(sa[4], 0x11223344) == x[4]);
	/* A dying SA's exchanges leave with it. */
	ike_sa_kill(sa[5], EVS_END_ERROR, "test", false, true);
	ike_engine_tick(e);
	UNIT_ASSERT_EQ_INT(e->xchgs.n, N - 2);
	ike_engine_free(e);
}

UNIT_TEST(message_ids_remembered_whatever_the_peer_picks)
{
	struct ike_engine *e = engine();
	struct ike_sa *sa = tagged_sa(e, 9);

	fake_established(sa);
	/* Ids a peer might line up against an unkeyed slot function. */
	for (uint32_t id = 1; id <= 3000; id++)
		UNIT_ASSERT(ike_msgid_remember(sa, id << 12) == 0);
	for (uint32_t id = 1; id <= 3000; id++)
		UNIT_ASSERT(ike_msgid_seen(sa, id << 12));
	UNIT_ASSERT(!ike_msgid_seen(sa, 1));
	UNIT_ASSERT(!ike_msgid_seen(sa, 3001u << 12));
	ike_engine_free(e);
}

UNIT_TEST(connections_by_spi_and_id)
{
	struct ike_engine *e = engine();
	struct ike_sa *a = tagged_sa(e, 10), *b = tagged_sa(e, 11);
	struct ike_conn *ca, *cb;

	fake_established(a);
	fake_established(b);
	/* The peers picked the same outbound SPI. */
	ca = fake_conn(a, 100, 0x1000, 0xabcd);
	cb = fake_conn(b, 200, 0x2000, 0xabcd);
	UNIT_ASSERT(conn_by_id(e, 100) == ca && conn_by_id(e, 200) == cb);
	UNIT_ASSERT(conn_by_id(e, 300) == NULL);
	UNIT_ASSERT(conn_by_spi(e, EVS_DIR_IN, 0x1000) == ca);
	UNIT_ASSERT(conn_by_spi(e, EVS_DIR_OUT, 0x1000) == NULL);
	UNIT_ASSERT(conn_by_spi_on(a, EVS_DIR_OUT, 0xabcd) == ca);
	UNIT_ASSERT(conn_by_spi_on(b, EVS_DIR_OUT, 0xabcd) == cb);
	UNIT_ASSERT(conn_find_spi(b, 0x2000, true) == cb);
	UNIT_ASSERT(conn_find_spi(b, 0x2000, false) == NULL);
	UNIT_ASSERT(conn_find_spi(a, 0x2000, true) == NULL);
	/* The kernel took one away: gone from both tables. */
	ike_engine_conn_gone(e, 100);
	UNIT_ASSERT(conn_by_id(e, 100) == NULL);
	UNIT_ASSERT(conn_by_spi(e, EVS_DIR_IN, 0x1000) == NULL);
	UNIT_ASSERT(a->conns == NULL);
	UNIT_ASSERT(conn_by_spi_on(b, EVS_DIR_OUT, 0xabcd) == cb);
	UNIT_ASSERT_EQ_INT(e->spis.n, 2);
	ike_engine_free(e);
}

UNIT_TEST(phase1_scratch_freed_when_phase1_ends)
{
	struct ike_engine *e = engine();
	struct ike_sa *sa = tagged_sa(e, 12);

	UNIT_ASSERT(sa->p1);
	sa->p1->ni = ike_memdup("nonce", 5);
	sa->p1->ni_len = 5;
	fake_established(sa);
	UNIT_ASSERT(sa->p1 == NULL);
	/* What stays is a fraction of what a half-open SA needs. */
	UNIT_ASSERT(sizeof(struct ike_sa) < sizeof(struct ike_p1));
	ike_engine_free(e);
}

UNIT_MAIN()
