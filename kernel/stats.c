// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU counters, summed on read.  Writers never share a cache line, so
 * counting costs the packet path nothing but a local add; readers (netlink
 * dumps, ndo_get_stats64) walk every possible CPU.
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
