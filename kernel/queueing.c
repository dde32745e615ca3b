// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel crypto, ordered completion (see queueing.h).
 *
 * One ring for the whole module feeds one work item per CPU on an unbound-
 * by-choice workqueue (we pick the CPU, round robin, as WireGuard does);
 * per-SA serial work runs where the last crypto finished.  The ring is
 * multi-producer, multi-consumer: ptr_ring's producer and consumer locks.
 */
#include <linux/module.h>
#include <linux/ptr_ring.h>
#include <linux/percpu.h>
#include <linux/cpumask.h>
#include <linux/bottom_half.h>
#include <linux/rcupdate.h>
#include <linux/wait_bit.h>
#include <linux/netdevice.h>
#include "queueing.h"

#define EVS_RING_SIZE		4096
#define EVS_PQ_MAX		1024	/* per SA: beyond, crypto inline */

/* Off by default: on the 2-vCPU TCG test machine the two hand-offs per
 * packet cost more than the crypto they spread (Documentation/datapath.md
 * has the numbers).  Switch on where CPUs are many and crypto is dear.
 */
static bool parallel;
module_param(parallel, bool, 0644);
MODULE_PARM_DESC(parallel, "spread the crypto of one SA over all CPUs (default off)");

static struct workqueue_struct *evs_crypt_wq;
static struct ptr_ring evs_ring;
static struct work_struct __percpu *evs_crypt_work;
static DEFINE_PER_CPU(int, evs_next_cpu);
/* Module unload: no new packets, and wait for those in the pipeline. */
static bool evs_queue_dead;
static atomic_t evs_inflight = ATOMIC_INIT(0);

static void evs_pq_work(struct work_struct *work)
{
	struct evs_pq *q = container_of(work, struct evs_pq, work);
	struct evs_qpkt *p;

	for (;;) {
		spin_lock_bh(&q->lock);
		p = list_first_entry_or_null(&q->list, struct evs_qpkt, node);
		if (!p || !atomic_read_acquire(&p->done)) {
			spin_unlock_bh(&q->lock);
			return;
		}
		list_del(&p->node);
		q->len--;
		spin_unlock_bh(&q->lock);
		local_bh_disable();
		rcu_read_lock();
		q->finish(p, p->err);
		rcu_read_unlock();
		local_bh_enable();
		if (atomic_dec_and_test(&evs_inflight))
			wake_up_var(&evs_inflight);
		cond_resched();
	}
}

void evs_pq_init(struct evs_pq *q, int (*crypt)(struct evs_qpkt *),
		 void (*finish)(struct evs_qpkt *, int))
{
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->list);
	q->len = 0;
	q->crypt = crypt;
	q->finish = finish;
	INIT_WORK(&q->work, evs_pq_work);
}

void evs_pq_destroy(struct evs_pq *q)
{
	cancel_work_sync(&q->work);
	WARN_ON_ONCE(!list_empty(&q->list));
}

void evs_queue_crypt_done(struct evs_qpkt *p, int err)
{
	struct evs_pq *q = p->q;

	/* Once done is set the serial stage may finish the packet and drop
	 * the last SA reference; the SA (and @q in it) is freed only after an
	 * RCU grace period, so stay in a read-side section until q is kicked.
	 */
	rcu_read_lock();
	p->err = err;
	atomic_set_release(&p->done, 1);
	queue_work_on(raw_smp_processor_id(), evs_crypt_wq, &q->work);
	rcu_read_unlock();
}

static void evs_crypt_worker(struct work_struct *work)
{
	struct evs_qpkt *p;
	int err;

	while ((p = ptr_ring_consume_bh(&evs_ring))) {
		local_bh_disable();
		err = p->q->crypt(p);
		local_bh_enable();
		if (err != -EINPROGRESS)
			evs_queue_crypt_done(p, err);
		cond_resched();
	}
}

static int evs_queue_pick_cpu(void)
{
	int *next = this_cpu_ptr(&evs_next_cpu);
	int cpu = cpumask_next(*next, cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	*next = cpu;
	return cpu;
}

bool evs_queue_submit(struct evs_pq *q, struct evs_qpkt *p)
{
	bool inline_crypt;
	int cpu, err;

	/* Packets still queued must not be overtaken, even when parallel
	 * crypto was just switched off.
	 */
	if ((!READ_ONCE(parallel) || num_online_cpus() < 2 ||
	     READ_ONCE(evs_queue_dead)) && list_empty_careful(&q->list))
		return false;
	atomic_inc(&evs_inflight);
	p->q = q;
	p->err = 0;
	atomic_set(&p->done, 0);
	spin_lock_bh(&q->lock);
	list_add_tail(&p->node, &q->list);
	inline_crypt = ++q->len > EVS_PQ_MAX;
	spin_unlock_bh(&q->lock);
	/* Backlogged or ring full: do the crypto here, but still finish in
	 * order through the queue.
	 */
	if (inline_crypt || unlikely(ptr_ring_produce_bh(&evs_ring, p))) {
		err = q->crypt(p);
		if (err != -EINPROGRESS)
			evs_queue_crypt_done(p, err);
		return true;
	}
	cpu = evs_queue_pick_cpu();
	queue_work_on(cpu, evs_crypt_wq, per_cpu_ptr(evs_crypt_work, cpu));
	return true;
}

int evs_queue_init(void)
{
	int cpu, err;

	err = ptr_ring_init(&evs_ring, EVS_RING_SIZE, GFP_KERNEL);
	if (err)
		return err;
	evs_crypt_work = alloc_percpu(struct work_struct);
	if (!evs_crypt_work)
		goto fail_ring;
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(evs_crypt_work, cpu), evs_crypt_worker);
	evs_crypt_wq = alloc_workqueue("evs-crypt",
				       WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM, 0);
	if (!evs_crypt_wq)
		goto fail_work;
	return 0;
fail_work:
	free_percpu(evs_crypt_work);
fail_ring:
	ptr_ring_cleanup(&evs_ring, NULL);
	return -ENOMEM;
}

/* Called with the protocol handler gone but encap sockets possibly still
 * hooked (they go with the namespaces, later): stop taking packets, let
 * the ones in the pipeline finish, then take the workers down.
 */
void evs_queue_exit(void)
{
	WRITE_ONCE(evs_queue_dead, true);
	synchronize_net();
	wait_var_event(&evs_inflight, !atomic_read(&evs_inflight));
	destroy_workqueue(evs_crypt_wq);
	free_percpu(evs_crypt_work);
	ptr_ring_cleanup(&evs_ring, NULL);
}
