/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks of the xfrm interop tests (esp_interop, esp_interop6), for a
 * test file that includes kselftest_harness.h first: traffic both ways
 * through a tunnel that evs_t_interop_setup made, then the evs SAs'
 * counters.
 */
#ifndef EVS_INTEROP_H
#define EVS_INTEROP_H

#include <stdlib.h>
#include <string.h>

#include "evs_esp_util.h"

/* EVS_INTEROP_ONLY=gcm128 runs the variants whose name contains it. */
static inline bool evs_t_interop_wanted(const char *id)
{
	const char *only = getenv("EVS_INTEROP_ONLY");

	return !only || strstr(id, only);
}

/* The namespaces (@tag in their names), the caller in A, netlink open. */
static inline void evs_t_interop_up(struct __test_metadata *_metadata,
				    struct evs_t_topo *t, const char *tag,
				    struct evs_nl *nl)
{
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, evs_t_topo_up(t, tag));
	ASSERT_EQ(0, evs_t_enter(t->a));
	ASSERT_EQ(0, evs_t_nl_open(nl));
}

/* Ping both ways; with @tcp also EVS_T_TCP_BYTES each way over TCP. */
static inline void evs_t_interop_traffic(struct __test_metadata *_metadata,
					 const struct evs_t_topo *t,
					 const struct evs_t_fam *in, bool tcp)
{
	EXPECT_EQ(0, evs_sh("ip netns exec %s %s -q -c 3 -i 0.2 -W 5 -I %s %s"
			    " >/dev/null", t->a, in->ping, in->a_inner,
			    in->b_inner)) TH_LOG("ping evs -> xfrm");
	EXPECT_EQ(0, evs_sh("ip netns exec %s %s -q -c 3 -i 0.2 -W 5 -I %s %s"
			    " >/dev/null", t->b, in->ping, in->b_inner,
			    in->a_inner)) TH_LOG("ping xfrm -> evs");
	if (!tcp)
		return;
	EXPECT_EQ(0, evs_t_tcp_transfer(t->b, t->a, in->a_inner, in->b_inner,
					"ba"))
		TH_LOG("TCP xfrm -> evs");
	EXPECT_EQ(0, evs_t_tcp_transfer(t->a, t->b, in->b_inner, in->a_inner,
					"ab"))
		TH_LOG("TCP evs -> xfrm");
}

/* The SAs evs_t_interop_setup makes: @alg with @esn/@weak, raw ESP or
 * ESP-in-UDP, @in inside @out, fixed SPIs. */
static inline struct evs_t_interop
evs_t_interop_of(const struct evs_t_alg *alg, bool esn, bool weak, bool udp,
		 const struct evs_t_fam *out, const struct evs_t_fam *in)
{
	return (struct evs_t_interop){
		.alg = alg, .esn = esn, .weak = weak, .udp = udp,
		.out = out, .in = in, .spi_ab = 0x1001, .spi_ba = 0x2001,
	};
}

/* The tunnel of @io between the fixture's namespaces, then traffic
 * through it (evs_t_interop_traffic); false when the fixture skipped the
 * variant. */
static inline bool evs_t_interop_run(struct __test_metadata *_metadata,
				     const struct evs_t_topo *t,
				     struct evs_nl *nl,
				     const struct evs_t_interop *io,
				     int *encap_fd, bool tcp)
{
	char why[256];

	if (!t->a[0])
		return false;	/* skipped in setup */
	ASSERT_EQ(0, evs_t_interop_setup(nl, t, io, encap_fd, why, sizeof(why)))
		TH_LOG("%s", why);
	evs_t_interop_traffic(_metadata, t, io->in, tcp);
	return true;
}

/* The traffic went through the evs SAs, none of it dropped (with
 * @drop_other, not even for another reason). */
static inline void evs_t_interop_counters(struct __test_metadata *_metadata,
					  struct evs_nl *nl,
					  const struct evs_t_interop *io,
					  bool tcp, bool drop_other)
{
	uint64_t o[EVS_STATS_A_MAX + 1] = {}, i[EVS_STATS_A_MAX + 1] = {};

	ASSERT_EQ(0, evs_t_sa_stats(nl, EVS_DIR_OUT, io->spi_ab, o));
	ASSERT_EQ(0, evs_t_sa_stats(nl, EVS_DIR_IN, io->spi_ba, i));
	/* 3 requests + 3 replies each way went through our SAs. */
	EXPECT_LE(6, o[EVS_STATS_A_TX_PACKETS]);
	EXPECT_LE(6, i[EVS_STATS_A_RX_PACKETS]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_AUTH]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_BAD_LEN]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_POLICY]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_ENCAP]);
	if (drop_other)
		EXPECT_EQ(0, i[EVS_STATS_A_DROP_OTHER]);
	if (tcp) {
		/* Each way: a full-sized segment per 1500 bytes at most. */
		EXPECT_LT(EVS_T_TCP_BYTES / 1500, i[EVS_STATS_A_RX_PACKETS]);
		EXPECT_LT(EVS_T_TCP_BYTES / 1500, o[EVS_STATS_A_TX_PACKETS]);
	}
}

#endif
