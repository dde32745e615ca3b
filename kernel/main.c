// SPDX-License-Identifier: GPL-2.0
/*
 * evs.ko: module init/exit and per-network-namespace state.
 *
 * Order matters: the pernet state exists before any device or netlink
 * request can refer to it, and on exit netlink goes first (no new objects),
 * then the devices (which take their SAs and policies with them), then the
 * per-netns state, which waits for the last SA to be freed.
 */
#include "evs.h"

#include <linux/module.h>
#include <net/rtnetlink.h>

unsigned int evs_net_id __read_mostly;
struct workqueue_struct *evs_wq __read_mostly;

static int __net_init evs_net_init(struct net *net)
{
	struct evs_net *en = evs_net(net);
	int ret;

	en->net = net;
	mutex_init(&en->lock);
	INIT_LIST_HEAD(&en->devices);
	INIT_LIST_HEAD(&en->conns);
	xa_init_flags(&en->sa_ids, XA_FLAGS_ALLOC1);
	xa_init_flags(&en->pol_ids, XA_FLAGS_ALLOC1);
	atomic_set(&en->sa_alloc, 0);

	en->stats = evs_stats_alloc();
	if (!en->stats)
		return -ENOMEM;
	ret = evs_sad_init(en);
	if (ret)
		goto err_stats;
	return 0;

err_stats:
	evs_stats_free(en->stats);
	return ret;
}

/* Devices of a dying netns are ours to delete: the generic teardown runs
 * after this (pernet_device exit order is the reverse of registration).
 */
static void __net_exit evs_net_exit_batch(struct list_head *net_list)
{
	struct evs_net *en;
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list)
		evs_device_kill_net(net, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();

	list_for_each_entry(net, net_list, exit_list) {
		en = evs_net(net);
		evs_encap_net_exit(en);
		evs_conn_net_exit(en);
		evs_sad_exit(en);
		xa_destroy(&en->sa_ids);
		xa_destroy(&en->pol_ids);
		evs_stats_free(en->stats);
	}
}

static struct pernet_operations evs_net_ops = {
	.init = evs_net_init,
	.exit_batch = evs_net_exit_batch,
	.id = &evs_net_id,
	.size = sizeof(struct evs_net),
};

static int __init evs_mod_init(void)
{
	int ret;

	/* Expiry and free work; WQ_MEM_RECLAIM because freeing SAs returns
	 * memory and must make progress under pressure.
	 */
	evs_wq = alloc_workqueue("evs", WQ_MEM_RECLAIM, 0);
	if (!evs_wq)
		return -ENOMEM;

	ret = register_pernet_device(&evs_net_ops);
	if (ret)
		goto err_wq;

	ret = evs_esp_scratch_init();
	if (ret)
		goto err_pernet;

	ret = evs_esp_module_init();
	if (ret)
		goto err_scratch;

	ret = evs_device_init();
	if (ret)
		goto err_esp;

	ret = evs_genl_init();
	if (ret)
		goto err_device;

	pr_info("evs %s loaded\n", EVS_VERSION);
	return 0;

err_device:
	evs_device_exit();
err_esp:
	evs_esp_module_exit();
err_scratch:
	evs_esp_scratch_exit();
err_pernet:
	unregister_pernet_device(&evs_net_ops);
err_wq:
	destroy_workqueue(evs_wq);
	return ret;
}

static void __exit evs_mod_exit(void)
{
	evs_genl_exit();
	evs_device_exit();
	evs_esp_module_exit();
	unregister_pernet_device(&evs_net_ops);
	/* SA free work is queued from RCU callbacks: let those run first. */
	rcu_barrier();
	destroy_workqueue(evs_wq);
	evs_traffic_pool_exit();
	evs_esp_scratch_exit();
}

module_init(evs_mod_init);
module_exit(evs_mod_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("evs: Easy VPN ESP data path");
MODULE_VERSION(EVS_VERSION);
MODULE_ALIAS_RTNL_LINK(EVS_LINK_KIND);
MODULE_ALIAS_GENL_FAMILY(EVS_GENL_NAME);
