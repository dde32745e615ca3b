// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink for evs devices: the device a request names, and
 * LINK_GET (name, ifindex and counters of one device or of all).
 */
#include "evs.h"

#include <net/genetlink.h>
#include <net/sock.h>

struct evs_device *evs_nl_device(struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct net_device *dev = NULL;
	struct nlattr **attrs = info->attrs;

	if (attrs[EVS_A_IFINDEX]) {
		dev = dev_get_by_index_rcu(net, nla_get_u32(attrs[EVS_A_IFINDEX]));
	} else if (attrs[EVS_A_IFNAME]) {
		dev = dev_get_by_name_rcu(net, nla_data(attrs[EVS_A_IFNAME]));
	} else {
		GENL_SET_ERR_MSG(info, "an evs device is required (EVS_A_IFINDEX or EVS_A_IFNAME)");
		return NULL;
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[EVS_A_IFINDEX] ?:
				    attrs[EVS_A_IFNAME], "no such device");
		return NULL;
	}
	if (!evs_is_evs_device(dev)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[EVS_A_IFINDEX] ?:
				    attrs[EVS_A_IFNAME], "device is not an evs device");
		return NULL;
	}
	return netdev_priv(dev);
}

/* Device counters: packets/bytes from the standard tstats (what
 * `ip -s link` shows), drop reasons from the evs per-CPU counters.
 */
static int evs_nl_fill_dev_stats(struct sk_buff *msg, struct evs_device *ed)
{
	struct rtnl_link_stats64 st = {};
	u64 sum[EVS_ST_NUM];

	evs_stats_sum(ed->stats, sum);
	dev_fetch_sw_netstats(&st, ed->dev->tstats);
	sum[EVS_ST_RX_PACKETS] = st.rx_packets;
	sum[EVS_ST_RX_BYTES] = st.rx_bytes;
	sum[EVS_ST_TX_PACKETS] = st.tx_packets;
	sum[EVS_ST_TX_BYTES] = st.tx_bytes;
	return evs_stats_put(msg, EVS_A_STATS, sum);
}

static int evs_nl_fill_link(struct sk_buff *msg, struct evs_device *ed,
			    u32 portid, u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &evs_genl_family, flags,
			  EVS_CMD_LINK_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, EVS_A_IFINDEX, ed->dev->ifindex) ||
	    nla_put_string(msg, EVS_A_IFNAME, ed->dev->name) ||
	    evs_nl_fill_dev_stats(msg, ed)) {
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return 0;
}

int evs_nl_link_get(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_device *ed;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	ed = evs_nl_device(info);
	ret = ed ? evs_nl_fill_link(msg, ed, info->snd_portid, info->snd_seq, 0)
		 : -ENODEV;
	rcu_read_unlock();
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* Cursor: the number of evs devices already sent (cb->args[0]). */
int evs_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct net_device *dev;
	long idx = 0, start = cb->args[0];

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (!evs_is_evs_device(dev))
			continue;
		if (idx >= start &&
		    evs_nl_fill_link(skb, netdev_priv(dev),
				     NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		idx++;
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return skb->len;
}
