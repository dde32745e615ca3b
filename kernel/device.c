// SPDX-License-Identifier: GPL-2.0
/*
 * The evs network device.  It is route based: whatever the routing table
 * sends into evs0 is looked up in the device's outbound SPD by inner
 * destination and handed to ESP with the policy's SA; decrypted inbound
 * packets are delivered here as if they had arrived on the device.
 */
#include "evs.h"

#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <net/rtnetlink.h>
#include <net/ip6_route.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/icmp.h>

#include "esp.h"

/* What ESP adds in front (outer IPv4, UDP, ESP header, IV) and behind
 * (padding, pad length, next header, ICV): esp.h.
 */
#define EVS_HEADROOM	EVS_ESP_HEADROOM
#define EVS_TAILROOM	EVS_ESP_TAILROOM
/* Segmented in xmit, checksummed by ESP output: the stack above sends
 * large packets and skips its own checksums.
 */
#define EVS_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE)
/* Leaves room for every algorithm we offer on a 1500-byte path. */
#define EVS_DEFAULT_MTU	1400

static struct rtnl_link_ops evs_link_ops;

bool evs_is_evs_device(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &evs_link_ops;
}

struct evs_device *evs_device_by_index(struct net *net, int ifindex)
{
	struct net_device *dev = dev_get_by_index_rcu(net, ifindex);

	if (!dev || !evs_is_evs_device(dev))
		return NULL;
	return netdev_priv(dev);
}

void evs_device_drop(struct evs_device *ed, struct evs_sa *sa,
		     enum evs_stat reason, bool rx)
{
	evs_stats_add(ed->stats, reason, 1);
	if (sa)
		evs_sa_count(sa, reason);
	if (rx)
		dev_core_stats_rx_dropped_inc(ed->dev);
	else
		dev_core_stats_tx_dropped_inc(ed->dev);
}

/* GRO only pays for what it can merge: TCP.  Anything else goes straight
 * to this CPU's backlog, which the NAPI poll we are running in (the outer
 * packet's) drains before it returns, instead of scheduling the GRO cell
 * for a second softirq round per packet.  A flow keeps one way, so its
 * order is kept; only IP fragments of a TCP flow, which GRO would merely
 * flush, take the backlog beside it.
 */
static int evs_device_rx_one(struct evs_device *ed, struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	bool tcp;

	if (skb->protocol == htons(ETH_P_IP))
		tcp = iph->protocol == IPPROTO_TCP && !ip_is_fragment(iph);
	else
		tcp = ipv6_hdr(skb)->nexthdr == IPPROTO_TCP;
	if (tcp)
		return gro_cells_receive(&ed->gro_cells, skb);
	return netif_rx(skb);
}

void evs_device_rx(struct evs_device *ed, struct sk_buff *skb)
{
	struct net_device *dev = ed->dev;
	unsigned int len;

	if (unlikely(!(READ_ONCE(dev->flags) & IFF_UP))) {
		evs_device_drop(ed, NULL, EVS_ST_DROP_OTHER, true);
		kfree_skb(skb);
		return;
	}
	/* skb->protocol: the inner packet's, set by ESP input. */
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_network_header(skb);
	skb_reset_mac_header(skb);
	skb_clear_hash(skb);
	/* The inner packet starts afresh: no outer dst, conntrack or owner. */
	skb_scrub_packet(skb, false);
	len = skb->len;
	if (likely(evs_device_rx_one(ed, skb) == NET_RX_SUCCESS))
		dev_sw_netstats_rx_add(dev, len);
}

static struct dst_entry *evs_bypass_route4(struct net *net,
					   struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl = {
		.daddr = iph->daddr,
		.saddr = iph->saddr,
		.flowi4_mark = skb->mark,
		.flowi4_proto = iph->protocol,
	};
	struct rtable *rt = ip_route_output_key(net, &fl);

	return IS_ERR(rt) ? ERR_CAST(rt) : &rt->dst;
}

static struct dst_entry *evs_bypass_route6(struct net *net,
					   struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl = {
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
	};
	struct dst_entry *dst = ip6_route_output(net, NULL, &fl);

	if (dst->error) {
		int err = dst->error;

		dst_release(dst);
		return ERR_PTR(err);
	}
	return dst;
}

/* Bypass: the inner packet leaves in the clear by the routing table,
 * unless that would bring it straight back here.
 */
static void evs_xmit_bypass(struct evs_device *ed, struct sk_buff *skb)
{
	struct net *net = dev_net(ed->dev);
	bool v4 = skb->protocol == htons(ETH_P_IP);
	unsigned int len = skb->len;
	struct dst_entry *dst;
	int err;

	dst = v4 ? evs_bypass_route4(net, skb) : evs_bypass_route6(net, skb);
	if (IS_ERR(dst) || dst->dev == ed->dev) {
		if (!IS_ERR(dst))
			dst_release(dst);
		evs_device_drop(ed, NULL, EVS_ST_DROP_OTHER, false);
		kfree_skb(skb);
		return;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	err = v4 ? ip_local_out(net, skb->sk, skb) :
		   ip6_local_out(net, skb->sk, skb);
	if (err >= 0)
		dev_sw_netstats_tx_add(ed->dev, 1, len);
}

/* One packet (never GSO) on its SA: charge the lifetime, then ESP. */
static void evs_xmit_sa(struct evs_device *ed, struct evs_sa *sa,
			struct sk_buff *skb)
{
	if (unlikely(!evs_sa_account(sa, skb->len))) {
		evs_device_drop(ed, sa, EVS_ST_DROP_EXPIRED, false);
		kfree_skb(skb);
		return;
	}
	evs_esp_xmit(sa, skb);
}

static netdev_tx_t evs_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct evs_device *ed = netdev_priv(dev);
	enum evs_stat reason = EVS_ST_DROP_NO_POLICY;
	struct sk_buff *segs, *next;
	struct evs_policy *pol;

	rcu_read_lock();
	if (unlikely(!pskb_network_may_pull(skb, skb->protocol ==
					    htons(ETH_P_IPV6) ?
					    sizeof(struct ipv6hdr) :
					    sizeof(struct iphdr))))
		goto drop;
	pol = evs_spd_lookup(ed, EVS_DIR_OUT, skb);
	if (unlikely(!pol)) {
		/* Tell the sender, as a router without a route would. */
		if (skb->protocol == htons(ETH_P_IP))
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH,
				      0);
		else if (skb->protocol == htons(ETH_P_IPV6))
			icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH,
					ICMPV6_NOROUTE, 0);
		goto drop;
	}
	switch (pol->action) {
	case EVS_POL_BYPASS:
		evs_xmit_bypass(ed, skb);
		goto out;
	case EVS_POL_DROP:
		reason = EVS_ST_DROP_POLICY;
		goto drop;
	}
	if (!skb_is_gso(skb)) {
		evs_xmit_sa(ed, pol->sa, skb);
		goto out;
	}
	/* The stack hands us TSO-sized packets (one policy lookup, one trip
	 * through TCP/IP); ESP needs them one MTU at a time.
	 */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		reason = EVS_ST_DROP_OTHER;
		goto drop;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		evs_xmit_sa(ed, pol->sa, skb);
	}
	goto out;
drop:
	evs_device_drop(ed, NULL, reason, false);
	kfree_skb(skb);
out:
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static void evs_get_stats64(struct net_device *dev,
			    struct rtnl_link_stats64 *s)
{
	/* rx/tx_dropped come from dev->core_stats, added by dev_get_stats. */
	dev_get_tstats64(dev, s);
}

/* Device going away (dellink, netns exit, module unload; rtnl held):
 * everything bound to it goes now, before the last reference drops.
 */
static void evs_uninit(struct net_device *dev)
{
	struct evs_device *ed = netdev_priv(dev);
	struct evs_net *en = ed->en;

	if (en) {
		mutex_lock(&en->lock);
		ed->dead = true;
		evs_sad_flush(en, ed, 0, EVS_REASON_DEVICE_GONE);
		evs_spd_flush(en, ed, 0);
		mutex_unlock(&en->lock);
	}
	list_del_init(&ed->net_node);
	gro_cells_destroy(&ed->gro_cells);
}

static const struct net_device_ops evs_netdev_ops = {
	.ndo_uninit		= evs_uninit,
	.ndo_start_xmit		= evs_xmit,
	.ndo_get_stats64	= evs_get_stats64,
};

static void evs_free_priv(struct evs_device *ed)
{
	evs_spd_destroy(&ed->spd[EVS_DIR_IN]);
	evs_spd_destroy(&ed->spd[EVS_DIR_OUT]);
	evs_stats_free(ed->stats);
	free_percpu(ed->dev->tstats);
}

static void evs_destruct(struct net_device *dev)
{
	evs_free_priv(netdev_priv(dev));
}

static const struct device_type evs_device_type = { .name = EVS_LINK_KIND };

static void evs_setup(struct net_device *dev)
{
	struct evs_device *ed = netdev_priv(dev);

	dev->netdev_ops = &evs_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	/* SAs and policies live in the device's namespace: it cannot move. */
	dev->features |= NETIF_F_LLTX | NETIF_F_NETNS_LOCAL | EVS_FEATURES;
	dev->hw_features |= EVS_FEATURES;
	dev->hw_enc_features |= EVS_FEATURES;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	/* Not LL_MAX_HEADER (128 on distribution kernels): for a small
	 * packet that alone doubles the stack's allocation (kmalloc-1k
	 * instead of -512).  esp.c raises it for a longer outer header.
	 */
	dev->needed_headroom = EVS_HEADROOM + ETH_HLEN;
	dev->needed_tailroom = EVS_TAILROOM;
	dev->mtu = EVS_DEFAULT_MTU;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - EVS_HEADROOM - EVS_TAILROOM;
	dev->needs_free_netdev = true;
	SET_NETDEV_DEVTYPE(dev, &evs_device_type);
	netif_keep_dst(dev);

	memset(ed, 0, sizeof(*ed));
	ed->dev = dev;
	INIT_LIST_HEAD(&ed->net_node);
}

static int evs_newlink(struct net *src_net, struct net_device *dev,
		       struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	struct evs_device *ed = netdev_priv(dev);
	int ret = -ENOMEM;

	ed->en = evs_net(dev_net(dev));
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return ret;
	ed->stats = evs_stats_alloc();
	if (!ed->stats)
		goto err;
	ret = evs_spd_init(&ed->spd[EVS_DIR_IN]);
	if (ret)
		goto err;
	ret = evs_spd_init(&ed->spd[EVS_DIR_OUT]);
	if (ret)
		goto err;
	ret = gro_cells_init(&ed->gro_cells, dev);
	if (ret)
		goto err;

	ret = register_netdevice(dev);
	if (ret)
		goto err_gro;
	list_add(&ed->net_node, &ed->en->devices);
	/* Only now: register_netdevice calls the destructor when it fails. */
	dev->priv_destructor = evs_destruct;
	return 0;

err_gro:
	gro_cells_destroy(&ed->gro_cells);
err:
	evs_free_priv(ed);
	return ret;
}

static struct rtnl_link_ops evs_link_ops __read_mostly = {
	.kind		= EVS_LINK_KIND,
	.priv_size	= sizeof(struct evs_device),
	.setup		= evs_setup,
	.newlink	= evs_newlink,
};

void evs_device_kill_net(struct net *net, struct list_head *head)
{
	struct evs_device *ed, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(ed, tmp, &evs_net(net)->devices, net_node)
		unregister_netdevice_queue(ed->dev, head);
}

int evs_device_init(void)
{
	return rtnl_link_register(&evs_link_ops);
}

void evs_device_exit(void)
{
	rtnl_link_unregister(&evs_link_ops);
}
