// SPDX-License-Identifier: GPL-2.0
/*
 * Security Association Database: SA objects, the per-netns SPI hash,
 * reference counts, lifetimes and deletion.
 *
 * An SA is found by SPI in one rhashtable per direction (RCU readers, so
 * the packet path never locks) and by a small integer id in an xarray that
 * serves as the dump cursor.  Writers hold evs_net->lock.  Lifetimes are
 * checked in two places: the packet path counts bytes/packets and kicks the
 * expiry work when a limit is crossed; the expiry work (process context)
 * also runs on a timer for the time limits, sends the events and deletes
 * hard-expired SAs together with everything bound to them.
 */
#include "evs.h"

#include "esp.h"

#include <linux/timekeeping.h>
#include <linux/wait_bit.h>

static const struct rhashtable_params evs_sa_ht_params = {
	.key_len		= sizeof(u32),
	.key_offset		= offsetof(struct evs_sa, spi),
	.head_offset		= offsetof(struct evs_sa, spi_node),
	.automatic_shrinking	= true,
};

static u64 evs_now(void)
{
	return ktime_get_coarse_boottime_ns();
}

struct evs_sa *evs_sa_get(struct evs_sa *sa)
{
	if (sa)
		refcount_inc(&sa->refcnt);
	return sa;
}

/* Final free, in process context: crypto transforms may sleep on free. */
static void evs_sa_free_work(struct work_struct *work)
{
	struct evs_sa *sa = container_of(work, struct evs_sa, free_work);
	struct evs_net *en = sa->en;

	evs_esp_free(sa);
	kfree(rcu_dereference_protected(sa->encap, true));
	evs_sa_stats_free(sa);
	if (sa->ed)
		netdev_put(sa->ed->dev, &sa->dev_tracker);
	kfree_sensitive(sa);
	/* Only the address is used from here: en may go as soon as it is 0. */
	if (atomic_dec_and_test(&en->sa_alloc))
		wake_up_var(&en->sa_alloc);
}

static void evs_sa_free_rcu(struct rcu_head *rcu)
{
	struct evs_sa *sa = container_of(rcu, struct evs_sa, rcu);

	queue_work(evs_wq, &sa->free_work);
}

void evs_sa_put(struct evs_sa *sa)
{
	if (sa && refcount_dec_and_test(&sa->refcnt))
		call_rcu(&sa->rcu, evs_sa_free_rcu);
}

struct evs_sa *evs_sa_lookup_in(struct net *net, u16 family,
				const union evs_addr *daddr, u32 spi)
{
	struct evs_net *en = evs_net(net);
	struct evs_sa *sa;

	rcu_read_lock();
	sa = rhashtable_lookup(&en->sa_by_spi[EVS_DIR_IN], &spi,
			       evs_sa_ht_params);
	/* An SA configured with a local address only takes packets sent to
	 * it; one with 0.0.0.0 (::) takes any of its family (a gateway
	 * behind DNAT).
	 */
	if (sa && (sa->family != family ||
		   (!evs_addr_any(family, &sa->dst) &&
		    !evs_addr_eq(family, &sa->dst, daddr))))
		sa = NULL;
	if (sa && !refcount_inc_not_zero(&sa->refcnt))
		sa = NULL;
	rcu_read_unlock();
	return sa;
}

struct evs_sa *evs_sa_find(struct evs_net *en, u8 dir, u32 spi)
{
	lockdep_assert_held(&en->lock);
	return rhashtable_lookup_fast(&en->sa_by_spi[dir], &spi,
				      evs_sa_ht_params);
}

/* Run the expiry check soon (delay 0) or at a deadline.  The queued work
 * holds a reference, so the SA outlives it.
 */
static void evs_sa_schedule_expire(struct evs_sa *sa, unsigned long delay)
{
	evs_sa_get(sa);
	if (mod_delayed_work(evs_wq, &sa->expire_work, delay))
		evs_sa_put(sa);		/* was already queued with a ref */
}

void evs_sa_kill_async(struct evs_sa *sa, u8 reason)
{
	if (test_and_set_bit(EVS_SA_HARD_FIRED, &sa->expire_flags))
		return;
	WRITE_ONCE(sa->del_reason, reason);
	WRITE_ONCE(sa->state, EVS_SA_STATE_DEAD);
	evs_sa_schedule_expire(sa, 0);
}

static bool evs_over(u64 limit, u64 value)
{
	return limit && value >= limit;
}

bool evs_sa_account(struct evs_sa *sa, unsigned int bytes)
{
	const struct evs_lifetime *l = &sa->limits;
	u64 packets, total;

	if (unlikely(READ_ONCE(sa->state) == EVS_SA_STATE_DEAD))
		return false;
	if (unlikely(!atomic64_read(&sa->use_time)) &&
	    !atomic64_cmpxchg(&sa->use_time, 0, evs_now()) &&
	    (READ_ONCE(l->use_soft) || READ_ONCE(l->use_hard)))
		evs_sa_schedule_expire(sa, 0);	/* arm the since-use timers */

	packets = atomic64_inc_return(&sa->cur_packets);
	total = atomic64_add_return(bytes, &sa->cur_bytes);

	/* The packet that reaches a hard limit still goes; one beyond it
	 * does not.  Either way the SA is finished.
	 */
	if (unlikely(evs_over(READ_ONCE(l->packets_hard), packets) ||
		     evs_over(READ_ONCE(l->bytes_hard), total))) {
		evs_sa_kill_async(sa, EVS_REASON_HARD_EXPIRE);
		return !(l->packets_hard && packets > l->packets_hard) &&
		       !(l->bytes_hard && total > l->bytes_hard);
	}
	if (unlikely(evs_over(READ_ONCE(l->packets_soft), packets) ||
		     evs_over(READ_ONCE(l->bytes_soft), total)) &&
	    !test_and_set_bit(EVS_SA_SOFT_FIRED, &sa->expire_flags))
		evs_sa_schedule_expire(sa, 0);
	return true;
}

/* Time limit @secs counted from @since (boottime ns); U64_MAX = none. */
static u64 evs_deadline(u64 since, u64 secs)
{
	if (!secs || !since)
		return U64_MAX;
	if (secs > U64_MAX / NSEC_PER_SEC - since / NSEC_PER_SEC)
		return U64_MAX;
	return since + secs * NSEC_PER_SEC;
}

/* Expiry decision, under en->lock.  Returns true when the SA is gone. */
static bool evs_sa_check_expire(struct evs_sa *sa)
{
	const struct evs_lifetime *l = &sa->limits;
	u64 now = evs_now(), use = atomic64_read(&sa->use_time);
	u64 packets = atomic64_read(&sa->cur_packets);
	u64 bytes = atomic64_read(&sa->cur_bytes);
	u64 soft_at, hard_at, next;
	u8 reason = EVS_REASON_HARD_EXPIRE;
	bool hard = false;

	soft_at = min(evs_deadline(sa->add_time, l->time_soft),
		      evs_deadline(use, l->use_soft));
	hard_at = min(evs_deadline(sa->add_time, l->time_hard),
		      evs_deadline(use, l->use_hard));

	if (test_bit(EVS_SA_HARD_FIRED, &sa->expire_flags)) {
		hard = true;
		reason = READ_ONCE(sa->del_reason);
	} else if (now >= hard_at || evs_over(l->packets_hard, packets) ||
		   evs_over(l->bytes_hard, bytes)) {
		hard = true;
	}
	if (hard) {
		WRITE_ONCE(sa->state, EVS_SA_STATE_DEAD);
		evs_event_sa(sa, EVS_CMD_EV_EXPIRE, true, reason, GFP_KERNEL);
		evs_sa_delete(sa, reason);
		return true;
	}

	if (sa->state == EVS_SA_STATE_VALID &&
	    (now >= soft_at || evs_over(l->packets_soft, packets) ||
	     evs_over(l->bytes_soft, bytes))) {
		set_bit(EVS_SA_SOFT_FIRED, &sa->expire_flags);
		WRITE_ONCE(sa->state, EVS_SA_STATE_SOFT_EXPIRED);
		evs_event_sa(sa, EVS_CMD_EV_EXPIRE, false, EVS_REASON_USER,
			     GFP_KERNEL);
	}

	next = hard_at;
	if (sa->state == EVS_SA_STATE_VALID)
		next = min(next, soft_at);
	if (next != U64_MAX)
		evs_sa_schedule_expire(sa, nsecs_to_jiffies(next - now) + 1);
	return false;
}

static void evs_sa_expire_work(struct work_struct *work)
{
	struct evs_sa *sa = container_of(to_delayed_work(work), struct evs_sa,
					 expire_work);
	struct evs_net *en = sa->en;

	/* en lives while any of its SAs does (evs_sad_exit waits). */
	mutex_lock(&en->lock);
	if (sa->linked)
		evs_sa_check_expire(sa);
	mutex_unlock(&en->lock);
	evs_sa_put(sa);
}

void evs_sa_delete(struct evs_sa *sa, u8 reason)
{
	struct evs_net *en = sa->en;
	struct evs_policy *pol, *tmp;

	lockdep_assert_held(&en->lock);
	if (!sa->linked)
		return;
	sa->linked = false;
	set_bit(EVS_SA_HARD_FIRED, &sa->expire_flags);
	WRITE_ONCE(sa->state, EVS_SA_STATE_DEAD);
	rhashtable_remove_fast(&en->sa_by_spi[sa->dir], &sa->spi_node,
			       evs_sa_ht_params);
	xa_erase(&en->sa_ids, sa->id);
	en->n_sa--;

	list_for_each_entry_safe(pol, tmp, &sa->policies, sa_node)
		evs_policy_delete(pol);
	if (sa->conn_id)
		evs_conn_sa_removed(en, sa, reason);
	if (cancel_delayed_work(&sa->expire_work))
		evs_sa_put(sa);
	evs_event_sa(sa, EVS_CMD_EV_SA_DELETED, false, reason, GFP_KERNEL);
	evs_sa_put(sa);			/* the reference of the tables */
}

void evs_sad_flush(struct evs_net *en, struct evs_device *ed, u32 conn_id,
		   u8 reason)
{
	struct evs_sa *sa;
	unsigned long id;

	lockdep_assert_held(&en->lock);
	xa_for_each(&en->sa_ids, id, sa) {
		if ((ed && sa->ed != ed) || (conn_id && sa->conn_id != conn_id))
			continue;
		evs_sa_delete(sa, reason);
		cond_resched();
	}
}

void evs_sa_nat_mapping(struct evs_sa *sa, const union evs_addr *addr,
			__be16 port)
{
	bool send = false;

	/* One event per new mapping, and at most one a second per SA: a
	 * flood of forged packets cannot flood the daemon.
	 */
	spin_lock_bh(&sa->nat_lock);
	if ((!evs_addr_eq(sa->family, &sa->nat_addr, addr) ||
	     sa->nat_port != port) &&
	    !time_before(jiffies, sa->nat_notified + HZ)) {
		sa->nat_addr = *addr;
		sa->nat_port = port;
		sa->nat_notified = jiffies;
		send = true;
	}
	spin_unlock_bh(&sa->nat_lock);
	if (send)
		evs_event_nat(sa, addr, port);
}

struct evs_sa *evs_sa_alloc(struct evs_net *en)
{
	struct evs_sa *sa;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return NULL;
	if (evs_sa_stats_init(sa)) {
		kfree(sa);
		return NULL;
	}
	atomic_inc(&en->sa_alloc);
	sa->net = en->net;
	sa->en = en;
	refcount_set(&sa->refcnt, 1);
	INIT_LIST_HEAD(&sa->policies);
	INIT_LIST_HEAD(&sa->conn_node);
	INIT_WORK(&sa->free_work, evs_sa_free_work);
	INIT_DELAYED_WORK(&sa->expire_work, evs_sa_expire_work);
	/* jiffies start near a wrap: "long ago" must be relative to now. */
	sa->nat_notified = jiffies - HZ;
	spin_lock_init(&sa->nat_lock);
	return sa;
}

int evs_sa_link(struct evs_net *en, struct evs_sa *sa,
		struct netlink_ext_ack *extack)
{
	int ret;

	/* Seconds since add count from when lookups can find the SA, not
	 * from before the transform was allocated: that may take seconds
	 * (self-tests, module loads, emulated CPUs) and would eat into a
	 * short time limit.  Nothing reads add_time before it is linked.
	 */
	sa->add_time = evs_now();
	ret = rhashtable_lookup_insert_fast(&en->sa_by_spi[sa->dir],
					    &sa->spi_node, evs_sa_ht_params);
	if (ret)
		return ret;
	ret = xa_alloc_cyclic(&en->sa_ids, &sa->id, sa, xa_limit_32b,
			      &en->sa_next_id, GFP_KERNEL);
	if (ret < 0)
		goto err_hash;
	if (sa->conn_id) {
		ret = evs_conn_sa_added(en, sa, extack);
		if (ret)
			goto err_xa;
	}
	netdev_hold(sa->ed->dev, &sa->dev_tracker, GFP_KERNEL);
	sa->linked = true;
	en->n_sa++;
	evs_encap_sa_added(sa);
	evs_event_sa(sa, EVS_CMD_EV_SA_ADDED, false, 0, GFP_KERNEL);
	/* Arm the time limits; also handles limits of 0 seconds. */
	if (sa->limits.time_soft || sa->limits.time_hard)
		evs_sa_schedule_expire(sa, 0);
	return 0;

err_xa:
	xa_erase(&en->sa_ids, sa->id);
err_hash:
	rhashtable_remove_fast(&en->sa_by_spi[sa->dir], &sa->spi_node,
			       evs_sa_ht_params);
	return ret;
}

/* Replace the SA's encapsulation (en->lock held); a change of peer or
 * ports is announced as a NAT mapping.
 */
void evs_sa_set_encap(struct evs_sa *sa, struct evs_sa_encap *encap)
{
	struct evs_sa_encap *old;
	bool moved;

	old = rcu_dereference_protected(sa->encap,
					lockdep_is_held(&sa->en->lock));
	moved = memcmp(&encap->peer, &old->peer, sizeof(encap->peer)) ||
		encap->type != old->type || encap->sport != old->sport ||
		encap->dport != old->dport;
	rcu_assign_pointer(sa->encap, encap);
	kfree_rcu(old, rcu);
	if (moved)
		evs_event_sa(sa, EVS_CMD_EV_NAT_MAPPING, false, 0, GFP_KERNEL);
}

/* Replace the SA's lifetimes (en->lock held) and judge them afresh: a soft
 * expiry may fire again.
 */
void evs_sa_set_limits(struct evs_sa *sa, const struct evs_lifetime *limits)
{
	sa->limits = *limits;	/* readers tolerate a torn update */
	if (sa->state == EVS_SA_STATE_SOFT_EXPIRED) {
		clear_bit(EVS_SA_SOFT_FIRED, &sa->expire_flags);
		WRITE_ONCE(sa->state, EVS_SA_STATE_VALID);
	}
	evs_sa_check_expire(sa);
}

/* --- per network namespace ---------------------------------------------- */

int evs_sad_init(struct evs_net *en)
{
	int ret;

	ret = rhashtable_init(&en->sa_by_spi[EVS_DIR_IN], &evs_sa_ht_params);
	if (ret)
		return ret;
	ret = rhashtable_init(&en->sa_by_spi[EVS_DIR_OUT], &evs_sa_ht_params);
	if (ret)
		rhashtable_destroy(&en->sa_by_spi[EVS_DIR_IN]);
	return ret;
}

/* The devices are gone, and with them every linked SA; wait for the ones
 * still referenced by packets or work in flight.
 */
void evs_sad_exit(struct evs_net *en)
{
	mutex_lock(&en->lock);
	evs_sad_flush(en, NULL, 0, EVS_REASON_DEVICE_GONE);
	mutex_unlock(&en->lock);
	wait_var_event(&en->sa_alloc, !atomic_read(&en->sa_alloc));
	rhashtable_destroy(&en->sa_by_spi[EVS_DIR_IN]);
	rhashtable_destroy(&en->sa_by_spi[EVS_DIR_OUT]);
}
