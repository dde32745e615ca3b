// SPDX-License-Identifier: GPL-2.0
/*
 * An SA's per-CPU traffic counters come from blocks of slots, one per-CPU
 * allocation for 63 SAs: a per-CPU allocation of its own per SA was about
 * a quarter of the time an SA add took (bulk installs, a gateway taking
 * over thousands of sessions), every call serialised on the per-CPU
 * allocator's global lock.
 *
 * Slot 0 of a block holds, on the first possible CPU, a pointer back to
 * the block: freeing a slot finds its block from the slot's address
 * alone (blocks are aligned to their size), so struct evs_sa needs no
 * field for it.  Slots are taken and given back in process context only
 * (SA allocation, the SA's free work after its RCU grace period), so a
 * mutex covers the pool, and no reader can see a slot after its SA has
 * given it back.
 */
#include "evs.h"

#define EVS_TRAFFIC_SLOTS	64

union evs_traffic_slot {
	struct evs_sa_traffic traffic;
	struct evs_traffic_block *block;	/* slot 0 */
};

#define EVS_TRAFFIC_BLOCK_SIZE \
	(EVS_TRAFFIC_SLOTS * sizeof(union evs_traffic_slot))
#define EVS_TRAFFIC_BLOCK_ALIGN	roundup_pow_of_two(EVS_TRAFFIC_BLOCK_SIZE)

struct evs_traffic_block {
	struct list_head node;		/* on evs_traffic_partial unless full */
	union evs_traffic_slot __percpu *slots;
	DECLARE_BITMAP(used, EVS_TRAFFIC_SLOTS);
	unsigned int n_used;		/* slot 0 included */
};

static DEFINE_MUTEX(evs_traffic_lock);
static LIST_HEAD(evs_traffic_partial);	/* blocks with a free slot */

static int evs_traffic_home_cpu(void)
{
	return cpumask_first(cpu_possible_mask);
}

static struct evs_traffic_block *evs_traffic_block_new(void)
{
	struct evs_traffic_block *b;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return NULL;
	b->slots = __alloc_percpu_gfp(EVS_TRAFFIC_BLOCK_SIZE,
				      EVS_TRAFFIC_BLOCK_ALIGN, GFP_KERNEL);
	if (!b->slots) {
		kfree(b);
		return NULL;
	}
	per_cpu_ptr(b->slots, evs_traffic_home_cpu())->block = b;
	__set_bit(0, b->used);
	b->n_used = 1;
	list_add(&b->node, &evs_traffic_partial);
	return b;
}

static struct evs_traffic_block *evs_traffic_block_of(void __percpu *slot)
{
	unsigned long a = (unsigned long)per_cpu_ptr(slot,
						     evs_traffic_home_cpu());
	union evs_traffic_slot *first;

	first = (union evs_traffic_slot *)(a & ~(EVS_TRAFFIC_BLOCK_ALIGN - 1));
	return first->block;
}

/* Zeroed counters for one SA, or NULL. */
struct evs_sa_traffic __percpu *evs_traffic_alloc(void)
{
	struct evs_sa_traffic __percpu *t;
	struct evs_traffic_block *b;
	unsigned int i;
	int cpu;

	BUILD_BUG_ON(EVS_TRAFFIC_BLOCK_ALIGN > PAGE_SIZE);
	mutex_lock(&evs_traffic_lock);
	b = list_first_entry_or_null(&evs_traffic_partial,
				     struct evs_traffic_block, node);
	if (!b)
		b = evs_traffic_block_new();
	if (!b) {
		mutex_unlock(&evs_traffic_lock);
		return NULL;
	}
	i = find_first_zero_bit(b->used, EVS_TRAFFIC_SLOTS);
	__set_bit(i, b->used);
	if (++b->n_used == EVS_TRAFFIC_SLOTS)
		list_del_init(&b->node);
	mutex_unlock(&evs_traffic_lock);

	t = (struct evs_sa_traffic __percpu *)&b->slots[i];
	for_each_possible_cpu(cpu) {
		struct evs_sa_traffic *st = per_cpu_ptr(t, cpu);

		memset(st, 0, sizeof(*st));
		u64_stats_init(&st->syncp);
	}
	return t;
}

/* After the SA's last reader: its RCU grace period has passed. */
void evs_traffic_free(struct evs_sa_traffic __percpu *t)
{
	struct evs_traffic_block *b;
	unsigned int i;

	if (!t)
		return;
	b = evs_traffic_block_of(t);
	i = (union evs_traffic_slot __percpu *)t - b->slots;
	if (WARN_ON_ONCE(!i || i >= EVS_TRAFFIC_SLOTS))
		return;
	mutex_lock(&evs_traffic_lock);
	WARN_ON_ONCE(!__test_and_clear_bit(i, b->used));
	if (b->n_used-- == EVS_TRAFFIC_SLOTS)
		list_add(&b->node, &evs_traffic_partial);
	if (b->n_used == 1) {
		list_del(&b->node);
		free_percpu(b->slots);
		kfree(b);
	}
	mutex_unlock(&evs_traffic_lock);
}

/* Module unload: every SA is gone, so every block is. */
void evs_traffic_pool_exit(void)
{
	WARN_ON(!list_empty(&evs_traffic_partial));
}
