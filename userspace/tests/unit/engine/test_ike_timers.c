// SPDX-License-Identifier: MIT
/* The engine's timers in its due-time heap: a tick visits only the SAs
 * with something due (idle ones cost nothing per tick, at 10 as at
 * 10,000), and every timer still fires at its time after being moved. */
#include "tests/unit/engine/fake_sa.h"
#include "tests/unit/unit.h"

#define T0 1000000ull		/* the engine's clock at the start, ms */

struct counts {
	unsigned sent, conn_del;
};

static int count_send(void *arg, const struct ike_path *p, const uint8_t *buf, size_t len)
{
	((struct counts *)arg)->sent++;
	return 0;
}

static int count_conn_del(void *arg, uint32_t conn_id)
{
	((struct counts *)arg)->conn_del++;
	return 0;
}

static const struct ike_engine_ops counting_ops = {
	.send = count_send,
	.conn_del = count_conn_del,
};

static struct ike_config dpd_config = { .timers = { .dpd_interval = 10 } };

static struct ike_engine *engine(const struct ike_config *cfg, struct counts *c)
{
	struct ike_engine *e = ike_engine_new(cfg, EVS_ROLE_SERVER, &counting_ops, c);

	if (e)
		ike_engine_set_time(e, T0);
	return e;
}

/* A logged-in client at rest: READY, one installed connection, its Phase
 * 1 lifetime 8 hours away, nothing outstanding. */
static struct ike_sa *idle_sa(struct ike_engine *e, uint32_t n)
{
	uint8_t ci[8], cr[8];
	struct ike_sa *sa;
	struct ike_conn *c;

	fake_cookie(ci, 0x1d1e, n);
	fake_cookie(cr, 0x1d1f, n);
	sa = fake_sa(e, false, ci, cr, n, 500);
	if (!sa)
		return NULL;
	fake_established(sa);
	c = fake_conn(sa, n + 1, 0x10000 + n, 0x20000 + n);
	if (!c)
		return NULL;
	c->installed = true;
	sa->expire_at = e->now + 8 * 3600 * 1000ull;
	ike_sa_rearm(sa);
	return sa;
}

static unsigned n_sas(const struct ike_engine *e)
{
	unsigned n = 0;

	for (const struct ike_sa *sa = e->sas; sa; sa = sa->next)
		n++;
	return n;
}

static uint64_t tick_at(struct ike_engine *e, uint64_t t)
{
	ike_engine_set_time(e, t);
	return ike_engine_tick(e);
}

/* A minute of 250 ms ticks over n idle SAs: no SA visited (the old walk
 * visited all n in every tick: 240 n in the minute). */
static void idle_minute(unsigned n)
{
	struct counts cnt = { 0 };
	struct ike_engine *e = engine(&fake_sa_config, &cnt);

	UNIT_ASSERT(e);
	for (unsigned i = 0; i < n; i++)
		UNIT_ASSERT(idle_sa(e, i));
	UNIT_ASSERT_EQ_INT(n_sas(e), n);
	for (uint64_t t = T0 + 250; t <= T0 + 60000; t += 250) {
		uint64_t sleep = tick_at(e, t);

		UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 0);
		/* the next due time is the lifetime, hours away */
		UNIT_ASSERT_EQ_INT(sleep, IKE_TICK_MAX_MS);
	}
	UNIT_ASSERT_EQ_INT(e->stats.timer_visits, 0);
	UNIT_ASSERT_EQ_INT(cnt.sent, 0);
	UNIT_ASSERT_EQ_INT(n_sas(e), n);
	ike_engine_free(e);
}

UNIT_TEST(ten_idle_sas_no_visit_per_tick)
{
	idle_minute(10);
}

UNIT_TEST(ten_thousand_idle_sas_no_visit_per_tick)
{
	idle_minute(10000);
}

UNIT_TEST(lifetime_fires_at_its_time_after_moving_earlier_and_later)
{
	struct counts cnt = { 0 };
	struct ike_engine *e = engine(&fake_sa_config, &cnt);
	struct ike_sa *sa, *other;

	UNIT_ASSERT(e && (sa = idle_sa(e, 1)) && (other = idle_sa(e, 2)));
	sa->expire_at = T0 + 5000;
	ike_sa_rearm(sa);
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), T0 + 5000);
	UNIT_ASSERT_EQ_INT(tick_at(e, T0 + 1000), 4000);	/* sleeps until then */
	/* moved earlier: fires then, not at the old time */
	sa->expire_at = T0 + 3000;
	ike_sa_rearm(sa);
	tick_at(e, T0 + 2999);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 0);
	UNIT_ASSERT_EQ_INT(n_sas(e), 2);
	tick_at(e, T0 + 3000);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 1);
	UNIT_ASSERT_EQ_INT(n_sas(e), 1);
	UNIT_ASSERT(e->sas == other);
	/* moved later: a visit at the old time does nothing, the new one
	 * fires */
	other->expire_at = T0 + 4000;
	ike_sa_rearm(other);
	other->expire_at = T0 + 6000;	/* later without a re-arm: visited early */
	tick_at(e, T0 + 4000);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 1);
	UNIT_ASSERT_EQ_INT(n_sas(e), 1);
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), T0 + 6000);
	tick_at(e, T0 + 5999);
	UNIT_ASSERT_EQ_INT(n_sas(e), 1);
	tick_at(e, T0 + 6000);
	UNIT_ASSERT_EQ_INT(n_sas(e), 0);
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), 0);
	ike_engine_free(e);
}

UNIT_TEST(connection_lifetime_and_retransmission_fire_at_their_time)
{
	struct counts cnt = { 0 };
	struct ike_engine *e = engine(&fake_sa_config, &cnt);
	uint8_t msg[64] = { 0 };
	struct isakmp_buf b = { .data = msg, .len = sizeof(msg), .cap = sizeof(msg) };
	struct ike_sa *sa;
	uint64_t at;

	UNIT_ASSERT(e && (sa = idle_sa(e, 1)));
	sa->conns->expire_at = T0 + 2000;
	ike_sa_rearm(sa);
	tick_at(e, T0 + 1999);
	UNIT_ASSERT(sa->conns && cnt.conn_del == 0);
	tick_at(e, T0 + 2000);
	UNIT_ASSERT(sa->conns == NULL && cnt.conn_del == 1);
	/* a message awaiting its answer: resent at 2 s (the default first
	 * interval), set by the send itself (no re-arm by the caller) */
	ike_engine_set_time(e, T0 + 2500);
	UNIT_ASSERT(ike_sa_send_p1(sa, &b, true) == 0);
	UNIT_ASSERT_EQ_INT(cnt.sent, 1);
	at = sa->p1rx.next_at;
	UNIT_ASSERT_EQ_INT(at, T0 + 4500);
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), at);
	tick_at(e, at - 1);
	UNIT_ASSERT_EQ_INT(cnt.sent, 1);
	tick_at(e, at);
	UNIT_ASSERT_EQ_INT(cnt.sent, 2);
	/* the next one doubles */
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), at + 4000);
	ike_engine_free(e);
}

UNIT_TEST(half_open_expiry_fires_at_its_time_and_not_before)
{
	struct counts cnt = { 0 };
	struct ike_engine *e = engine(&fake_sa_config, &cnt);
	uint8_t ci[8], cr[8];
	struct ike_sa *sa;

	UNIT_ASSERT(e);
	fake_cookie(ci, 0x4a1f, 1);
	fake_cookie(cr, 0x4a1f, 2);
	sa = fake_sa(e, false, ci, cr, 1, 500);
	UNIT_ASSERT(sa);
	ike_sa_set_state(sa, IKE_S_AM_R_SENT);
	for (uint64_t t = T0 + 250; t <= T0 + 30000; t += 250) {
		tick_at(e, t);
		UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 0);
	}
	UNIT_ASSERT_EQ_INT(n_sas(e), 1);
	/* the old check: more than 30 s (the default) since it began */
	tick_at(e, T0 + 30001);
	UNIT_ASSERT_EQ_INT(n_sas(e), 0);
	ike_engine_free(e);
}

UNIT_TEST(dpd_check_at_its_time_then_again_an_interval_later)
{
	struct counts cnt = { 0 };
	struct ike_engine *e = engine(&dpd_config, &cnt);
	struct ike_sa *sa;

	UNIT_ASSERT(e && (sa = idle_sa(e, 1)));
	/* negotiated DPD, no connection installed yet: not probed, looked
	 * at again an interval later (info.c dpd_tick) */
	sa->conns->installed = false;
	sa->dpd = true;
	sa->dpd_next = T0 + 10000;
	ike_sa_rearm(sa);
	tick_at(e, T0 + 9999);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 0);
	tick_at(e, T0 + 10000);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 1);
	UNIT_ASSERT_EQ_INT(sa->dpd_next, T0 + 20000);
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), T0 + 20000);
	UNIT_ASSERT_EQ_INT(cnt.sent, 0);
	/* DPD off: the time still ahead is kept (a condition may hold by
	 * then), looked at once, and then no more */
	sa->dpd = false;
	ike_sa_rearm(sa);
	tick_at(e, T0 + 20000);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 1);
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), sa->expire_at);
	tick_at(e, T0 + 30000);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 0);
	UNIT_ASSERT_EQ_INT(cnt.sent, 0);
	ike_engine_free(e);
}

UNIT_TEST(a_rekey_blocked_by_one_under_way_is_polled_not_spun)
{
	struct counts cnt = { 0 };
	struct ike_engine *e = engine(&fake_sa_config, &cnt);
	struct ike_sa *sa;

	UNIT_ASSERT(e && (sa = idle_sa(e, 1)));
	sa->conns->rekey_at = T0 + 1000;
	sa->conns->rekeying = true;	/* waits for the one under way */
	ike_sa_rearm(sa);
	tick_at(e, T0 + 1000);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 1);
	/* still due: looked at again at the old tick's rate */
	UNIT_ASSERT_EQ_INT(ike_engine_next_due(e), T0 + 1000 + IKE_TICK_MIN_MS);
	tick_at(e, T0 + 1100);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 0);
	tick_at(e, T0 + 1250);
	UNIT_ASSERT_EQ_INT(e->stats.last_tick_visits, 1);
	ike_engine_free(e);
}

UNIT_MAIN()
