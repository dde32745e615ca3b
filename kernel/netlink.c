// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "evs": attribute policies, command table, events.
 *
 * Every command is strictly validated against the policies below (unknown
 * or reply-only attributes are refused with an extack message); commands
 * that change state need CAP_NET_ADMIN in the user namespace that owns the
 * network namespace (GENL_UNS_ADMIN_PERM), so a container's root manages
 * its own evs objects and nobody else's.
 */
#include "evs.h"

#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/crypto.h>

static const struct nla_policy evs_lft_policy[EVS_LFT_A_MAX + 1] = {
	[EVS_LFT_A_BYTES_SOFT]		= { .type = NLA_U64 },
	[EVS_LFT_A_BYTES_HARD]		= { .type = NLA_U64 },
	[EVS_LFT_A_PACKETS_SOFT]	= { .type = NLA_U64 },
	[EVS_LFT_A_PACKETS_HARD]	= { .type = NLA_U64 },
	[EVS_LFT_A_TIME_SOFT]		= { .type = NLA_U64 },
	[EVS_LFT_A_TIME_HARD]		= { .type = NLA_U64 },
	[EVS_LFT_A_USE_SOFT]		= { .type = NLA_U64 },
	[EVS_LFT_A_USE_HARD]		= { .type = NLA_U64 },
	/* BYTES, PACKETS, ADD_TIME, USE_TIME are reported only. */
};

/* SPI 1..255 are reserved by IANA and 0 means "no SA" (RFC 4303 2.1). */
const struct nla_policy evs_sa_policy[EVS_SA_A_MAX + 1] = {
	[EVS_SA_A_DIR]		= NLA_POLICY_MAX(NLA_U8, EVS_DIR_OUT),
	[EVS_SA_A_SPI]		= NLA_POLICY_MIN(NLA_U32, 256),
	[EVS_SA_A_FAMILY]	= { .type = NLA_U16 },
	[EVS_SA_A_SRC]		= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[EVS_SA_A_DST]		= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[EVS_SA_A_AEAD_NAME]	= { .type = NLA_NUL_STRING,
				    .len = CRYPTO_MAX_ALG_NAME - 1 },
	[EVS_SA_A_AEAD_KEY]	= { .type = NLA_BINARY, .len = 512 },
	[EVS_SA_A_AEAD_ICV_BITS] = { .type = NLA_U32 },
	[EVS_SA_A_ENC_NAME]	= { .type = NLA_NUL_STRING,
				    .len = CRYPTO_MAX_ALG_NAME - 1 },
	[EVS_SA_A_ENC_KEY]	= { .type = NLA_BINARY, .len = 512 },
	[EVS_SA_A_AUTH_NAME]	= { .type = NLA_NUL_STRING,
				    .len = CRYPTO_MAX_ALG_NAME - 1 },
	[EVS_SA_A_AUTH_KEY]	= { .type = NLA_BINARY, .len = 512 },
	[EVS_SA_A_AUTH_TRUNC_BITS] = { .type = NLA_U32 },
	[EVS_SA_A_ENCAP_TYPE]	= NLA_POLICY_MAX(NLA_U8, EVS_ENCAP_ESPINUDP),
	[EVS_SA_A_ENCAP_SPORT]	= { .type = NLA_U16 },
	[EVS_SA_A_ENCAP_DPORT]	= { .type = NLA_U16 },
	/* 0..4096: esp_alg.c checks it with a message naming the range. */
	[EVS_SA_A_REPLAY_WINDOW] = { .type = NLA_U32 },
	[EVS_SA_A_FLAGS]	= NLA_POLICY_MASK(NLA_U32, EVS_SA_F_ESN |
						  EVS_SA_F_ALLOW_WEAK),
	[EVS_SA_A_LIMITS]	= NLA_POLICY_NESTED(evs_lft_policy),
	[EVS_SA_A_CONN_ID]	= { .type = NLA_U32 },
	/* On add, outbound only: the last sequence number already used (an SA
	 * carried over from elsewhere; tests of sequence exhaustion).
	 */
	[EVS_SA_A_OSEQ]		= { .type = NLA_U64 },
	/* KEY_BITS, AUTH_KEY_BITS, CURLFT, STATS, SEQ_HI, STATE are reported
	 * only.
	 */
};

const struct nla_policy evs_pol_policy[EVS_POL_A_MAX + 1] = {
	[EVS_POL_A_DIR]		= NLA_POLICY_MAX(NLA_U8, EVS_DIR_OUT),
	[EVS_POL_A_FAMILY]	= { .type = NLA_U16 },
	[EVS_POL_A_SRC]		= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[EVS_POL_A_SRC_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[EVS_POL_A_DST]		= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[EVS_POL_A_DST_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[EVS_POL_A_PROTO]	= { .type = NLA_U8 },
	[EVS_POL_A_SPORT]	= { .type = NLA_U16 },
	[EVS_POL_A_DPORT]	= { .type = NLA_U16 },
	[EVS_POL_A_ACTION]	= NLA_POLICY_MAX(NLA_U8, EVS_POL_DROP),
	[EVS_POL_A_SPI]		= NLA_POLICY_MIN(NLA_U32, 256),
	[EVS_POL_A_PRIORITY]	= { .type = NLA_U32 },
	[EVS_POL_A_CONN_ID]	= { .type = NLA_U32 },
	/* HITS is reported only. */
};

const struct nla_policy evs_conn_policy[EVS_CONN_A_MAX + 1] = {
	[EVS_CONN_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[EVS_CONN_A_LABEL]	= { .type = NLA_NUL_STRING, .len = 64 },
	/* N_SA, N_POLICY, N_ROUTE, N_PROXY_ARP are reported only. */
};

const struct nla_policy evs_route_policy[EVS_ROUTE_A_MAX + 1] = {
	[EVS_ROUTE_A_FAMILY]	= { .type = NLA_U16 },
	[EVS_ROUTE_A_DST]	= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[EVS_ROUTE_A_PLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[EVS_ROUTE_A_METRIC]	= { .type = NLA_U32 },
	[EVS_ROUTE_A_TABLE]	= { .type = NLA_U32 },
	[EVS_ROUTE_A_CONN_ID]	= { .type = NLA_U32 },
	[EVS_ROUTE_A_IFINDEX]	= { .type = NLA_U32 },
};

const struct nla_policy evs_parp_policy[EVS_PARP_A_MAX + 1] = {
	[EVS_PARP_A_ADDR]	= NLA_POLICY_EXACT_LEN(4),
	[EVS_PARP_A_IFINDEX]	= { .type = NLA_U32 },
	[EVS_PARP_A_CONN_ID]	= { .type = NLA_U32 },
	[EVS_PARP_A_ENABLE]	= NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy evs_policy[EVS_A_MAX + 1] = {
	[EVS_A_IFINDEX]		= { .type = NLA_U32 },
	[EVS_A_IFNAME]		= { .type = NLA_NUL_STRING,
				    .len = IFNAMSIZ - 1 },
	[EVS_A_SA]		= NLA_POLICY_NESTED(evs_sa_policy),
	[EVS_A_POLICY]		= NLA_POLICY_NESTED(evs_pol_policy),
	[EVS_A_CONN]		= NLA_POLICY_NESTED(evs_conn_policy),
	[EVS_A_ROUTE]		= NLA_POLICY_NESTED(evs_route_policy),
	[EVS_A_PROXY_ARP]	= NLA_POLICY_NESTED(evs_parp_policy),
	[EVS_A_ENCAP_FD]	= { .type = NLA_U32 },
	/* VERSION, GENL_VERSION, STATS, EXPIRE_HARD, EVENT_OP, REASON are
	 * reported only.
	 */
};

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

static int evs_nl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &evs_genl_family, 0,
				EVS_CMD_GET_VERSION);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, EVS_A_VERSION, EVS_VERSION) ||
	    nla_put_u32(msg, EVS_A_GENL_VERSION, EVS_GENL_VERSION))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Device counters: packets/bytes from the standard tstats (what
 * `ip -s link` shows), drop reasons from the evs per-CPU counters.
 */
static int evs_nl_fill_dev_stats(struct sk_buff *msg, struct evs_device *ed)
{
	struct rtnl_link_stats64 st = {};
	u64 sum[EVS_ST_NUM];
	struct nlattr *nest;
	int i;

	evs_stats_sum(ed->stats, sum);
	dev_fetch_sw_netstats(&st, ed->dev->tstats);
	sum[EVS_ST_RX_PACKETS] = st.rx_packets;
	sum[EVS_ST_RX_BYTES] = st.rx_bytes;
	sum[EVS_ST_TX_PACKETS] = st.tx_packets;
	sum[EVS_ST_TX_BYTES] = st.tx_bytes;

	nest = nla_nest_start(msg, EVS_A_STATS);
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

static int evs_nl_link_get(struct sk_buff *skb, struct genl_info *info)
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
static int evs_nl_link_dump(struct sk_buff *skb, struct netlink_callback *cb)
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

/*
 * One line per command.  Other files add their lines here (rri: CONN_*,
 * ROUTE_*, PROXY_ARP_*; kernel-esp: ENCAP_*), handlers declared in evs.h.
 */
/* CAP_NET_ADMIN in the user namespace owning the netns. */
#define EVS_ADMIN GENL_UNS_ADMIN_PERM
static const struct genl_ops evs_genl_ops[] = {
	{ .cmd = EVS_CMD_GET_VERSION, .doit = evs_nl_get_version },
	{ .cmd = EVS_CMD_LINK_GET, .doit = evs_nl_link_get,
	  .dumpit = evs_nl_link_dump },
	{ .cmd = EVS_CMD_SA_ADD, .doit = evs_nl_sa_add, .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_SA_UPDATE, .doit = evs_nl_sa_update,
	  .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_SA_DEL, .doit = evs_nl_sa_del, .flags = EVS_ADMIN },
	/* SA and policy reads need the capability too, as with ip xfrm. */
	{ .cmd = EVS_CMD_SA_GET, .doit = evs_nl_sa_get,
	  .dumpit = evs_nl_sa_dump, .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_SA_FLUSH, .doit = evs_nl_sa_flush, .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_POLICY_ADD, .doit = evs_nl_policy_add,
	  .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_POLICY_DEL, .doit = evs_nl_policy_del,
	  .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_POLICY_GET, .dumpit = evs_nl_policy_dump,
	  .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_POLICY_FLUSH, .doit = evs_nl_policy_flush,
	  .flags = EVS_ADMIN },
	/* kernel-esp: hand the daemon's UDP/4500 socket over (encap.c). */
	{ .cmd = EVS_CMD_ENCAP_ATTACH, .doit = evs_nl_encap_attach,
	  .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_ENCAP_DETACH, .doit = evs_nl_encap_detach,
	  .flags = EVS_ADMIN },
	/* rri: connections, RRI routes, proxy ARP (conn.c, rri.c).  Labels
	 * name users, so even reading needs CAP_NET_ADMIN.
	 */
#define EVS_RRI_OP(c, d, u) { .cmd = (c), .doit = (d), .dumpit = (u), \
			      .flags = GENL_UNS_ADMIN_PERM }
	EVS_RRI_OP(EVS_CMD_CONN_ADD, evs_nl_conn_add, NULL),
	EVS_RRI_OP(EVS_CMD_CONN_DEL, evs_nl_conn_del, NULL),
	EVS_RRI_OP(EVS_CMD_CONN_GET, evs_nl_conn_get, evs_nl_conn_dump),
	EVS_RRI_OP(EVS_CMD_CONN_FLUSH, evs_nl_conn_flush, NULL),
	EVS_RRI_OP(EVS_CMD_ROUTE_ADD, evs_nl_route_add, NULL),
	EVS_RRI_OP(EVS_CMD_ROUTE_DEL, evs_nl_route_del, NULL),
	EVS_RRI_OP(EVS_CMD_ROUTE_GET, NULL, evs_nl_route_dump),
	EVS_RRI_OP(EVS_CMD_PROXY_ARP_ADD, evs_nl_parp_add, NULL),
	EVS_RRI_OP(EVS_CMD_PROXY_ARP_DEL, evs_nl_parp_del, NULL),
	EVS_RRI_OP(EVS_CMD_PROXY_ARP_GET, NULL, evs_nl_parp_dump),
	EVS_RRI_OP(EVS_CMD_PROXY_ARP_SET, evs_nl_parp_set, NULL),
#undef EVS_RRI_OP
};

/* Events name users, SPIs, peers and routes: only a listener with
 * CAP_NET_ADMIN in the user namespace owning the netns may join the group
 * (the kernel refuses the bind with -EPERM).  Linux 6.6 added the flag and
 * Debian's 6.1 has it backported; a kernel without it cannot keep the events
 * private, so evs does not build there.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "evs needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.6, Debian 6.1.0-15 or later)"
#endif
static const struct genl_multicast_group evs_mcgrps[] = {
	{ .name = EVS_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family evs_genl_family __ro_after_init = {
	.name		= EVS_GENL_NAME,
	.version	= EVS_GENL_VERSION,
	.maxattr	= EVS_A_MAX,
	.policy		= evs_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	/* Every real command gets strict validation and a reserved-field
	 * check; only EVS_CMD_UNSPEC (no handler) is below it.
	 */
	.resv_start_op	= EVS_CMD_GET_VERSION,
	.ops		= evs_genl_ops,
	.n_ops		= ARRAY_SIZE(evs_genl_ops),
	.mcgrps		= evs_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(evs_mcgrps),
	.module		= THIS_MODULE,
};

void evs_nl_multicast(struct net *net, struct sk_buff *msg, gfp_t gfp)
{
	genlmsg_multicast_netns(&evs_genl_family, net, msg, 0, 0, gfp);
}

static bool evs_nl_listeners(struct net *net)
{
	return genl_has_listeners(&evs_genl_family, net, 0);
}

void evs_nl_notify_sa(struct evs_sa *sa, u8 cmd, bool hard, u8 reason,
		      gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	if (!evs_nl_listeners(sa->net))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &evs_genl_family, 0, cmd);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, EVS_A_IFINDEX, sa->ed->dev->ifindex) ||
	    evs_sa_fill(msg, sa, false) ||
	    (hard && nla_put_flag(msg, EVS_A_EXPIRE_HARD)) ||
	    ((cmd == EVS_CMD_EV_SA_DELETED || hard) &&
	     nla_put_u8(msg, EVS_A_REASON, reason)))
		goto nospace;
	genlmsg_end(msg, hdr);
	evs_nl_multicast(sa->net, msg, gfp);
	return;

nospace:
	nlmsg_free(msg);
}

void evs_nl_notify_nat(struct evs_sa *sa, __be32 addr, __be16 port)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!evs_nl_listeners(sa->net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &evs_genl_family, 0,
			  EVS_CMD_EV_NAT_MAPPING);
	if (!hdr || nla_put_u32(msg, EVS_A_IFINDEX, sa->ed->dev->ifindex))
		goto nospace;
	nest = nla_nest_start(msg, EVS_A_SA);
	if (!nest ||
	    nla_put_u8(msg, EVS_SA_A_DIR, sa->dir) ||
	    nla_put_u32(msg, EVS_SA_A_SPI, sa->spi) ||
	    nla_put_u16(msg, EVS_SA_A_FAMILY, AF_INET) ||
	    nla_put_in_addr(msg, EVS_SA_A_SRC, addr) ||
	    nla_put_u8(msg, EVS_SA_A_ENCAP_TYPE, EVS_ENCAP_ESPINUDP) ||
	    nla_put_u16(msg, EVS_SA_A_ENCAP_SPORT, ntohs(port)) ||
	    nla_put_u32(msg, EVS_SA_A_CONN_ID, sa->conn_id))
		goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	evs_nl_multicast(sa->net, msg, GFP_ATOMIC);
	return;

nospace:
	nlmsg_free(msg);
}

int __init evs_genl_init(void)
{
	return genl_register_family(&evs_genl_family);
}

void evs_genl_exit(void)
{
	genl_unregister_family(&evs_genl_family);
}
