// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters, summed on read.  Writers never share a cache line, so
 * counting costs the packet path nothing but a local add; readers (netlink
 * dumps, ndo_get_stats64) walk every possible CPU.  An SA keeps only its
 * traffic per CPU (see struct evs_sa_traffic).
 */
#include "evs.h"

struct evs_stats __percpu *evs_stats_alloc(void)
{
	struct evs_stats __percpu *s;
	int cpu;

	s = alloc_percpu_gfp(struct evs_stats, GFP_KERNEL);
	if (!s)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(s, cpu)->syncp);
	return s;
}

void evs_stats_free(struct evs_stats __percpu *s)
{
	free_percpu(s);
}

void evs_stats_add(struct evs_stats __percpu *s, enum evs_stat which, u64 n)
{
	struct evs_stats *st;
	unsigned long flags;

	if (!s)
		return;
	/* The irqsave variant: counters are bumped from process, softirq and
	 * crypto-completion context alike.
	 */
	st = get_cpu_ptr(s);
	flags = u64_stats_update_begin_irqsave(&st->syncp);
	u64_stats_add(&st->v[which], n);
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(s);
}

void evs_stats_sum(struct evs_stats __percpu *s, u64 out[EVS_ST_NUM])
{
	u64 v[EVS_ST_NUM];
	unsigned int start;
	int cpu, i;

	memset(out, 0, sizeof(u64) * EVS_ST_NUM);
	if (!s)
		return;
	for_each_possible_cpu(cpu) {
		const struct evs_stats *st = per_cpu_ptr(s, cpu);

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			for (i = 0; i < EVS_ST_NUM; i++)
				v[i] = u64_stats_read(&st->v[i]);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		for (i = 0; i < EVS_ST_NUM; i++)
			out[i] += v[i];
	}
}

int evs_stats_put(struct sk_buff *msg, int attrtype,
		  const u64 sum[EVS_ST_NUM])
{
	struct nlattr *nest;
	int i;

	BUILD_BUG_ON(EVS_STATS_A_MAX - EVS_STATS_A_RX_PACKETS + 1 != EVS_ST_NUM);
	nest = nla_nest_start(msg, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < EVS_ST_NUM; i++) {
		if (nla_put_u64_64bit(msg, EVS_STATS_A_RX_PACKETS + i, sum[i],
				      EVS_STATS_A_PAD)) {
			nla_nest_cancel(msg, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(msg, nest);
	return 0;
}

int evs_stats_fill(struct sk_buff *msg, int attrtype,
		   struct evs_stats __percpu *s)
{
	u64 sum[EVS_ST_NUM];

	evs_stats_sum(s, sum);
	return evs_stats_put(msg, attrtype, sum);
}

int evs_sa_stats_init(struct evs_sa *sa)
{
	sa->traffic = evs_traffic_alloc();
	return sa->traffic ? 0 : -ENOMEM;
}

void evs_sa_stats_free(struct evs_sa *sa)
{
	evs_traffic_free(sa->traffic);
}

void evs_sa_count_traffic(struct evs_sa *sa, unsigned int bytes)
{
	struct evs_sa_traffic *st;
	unsigned long flags;

	st = get_cpu_ptr(sa->traffic);
	flags = u64_stats_update_begin_irqsave(&st->syncp);
	u64_stats_inc(&st->packets);
	u64_stats_add(&st->bytes, bytes);
	u64_stats_update_end_irqrestore(&st->syncp, flags);
	put_cpu_ptr(sa->traffic);
}

/* Where an SA keeps each counter of EVS_ST_TRAFFIC and on (0: nowhere). */
static const u8 evs_sa_event_slot[EVS_ST_NUM] = {
	[EVS_ST_DROP_REPLAY] = 1,
	[EVS_ST_DROP_AUTH] = 2,
	[EVS_ST_DROP_BAD_LEN] = 3,
	[EVS_ST_DROP_POLICY] = 4,
	[EVS_ST_DROP_EXPIRED] = 5,
	[EVS_ST_DROP_ENCAP] = 6,
	[EVS_ST_DROP_CIPHER] = 7,
	[EVS_ST_DROP_OTHER] = 8,
	[EVS_ST_RX_DUMMY] = 9,
};

void evs_sa_count(struct evs_sa *sa, enum evs_stat which)
{
	u8 slot = which < EVS_ST_NUM ? evs_sa_event_slot[which] : 0;

	BUILD_BUG_ON(EVS_SA_EVENTS != 9);
	if (WARN_ON_ONCE(!slot))
		return;
	atomic64_inc(&sa->events[slot - 1]);
}

int evs_sa_stats_fill(struct sk_buff *msg, int attrtype,
		      const struct evs_sa *sa)
{
	bool in = sa->dir == EVS_DIR_IN;
	u64 sum[EVS_ST_NUM] = {}, packets, bytes;
	unsigned int start;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		const struct evs_sa_traffic *st = per_cpu_ptr(sa->traffic, cpu);

		do {
			start = u64_stats_fetch_begin(&st->syncp);
			packets = u64_stats_read(&st->packets);
			bytes = u64_stats_read(&st->bytes);
		} while (u64_stats_fetch_retry(&st->syncp, start));
		sum[in ? EVS_ST_RX_PACKETS : EVS_ST_TX_PACKETS] += packets;
		sum[in ? EVS_ST_RX_BYTES : EVS_ST_TX_BYTES] += bytes;
	}
	for (i = EVS_ST_TRAFFIC; i < EVS_ST_NUM; i++)
		if (evs_sa_event_slot[i])
			sum[i] = atomic64_read(&sa->events[evs_sa_event_slot[i] - 1]);
	return evs_stats_put(msg, attrtype, sum);
}
