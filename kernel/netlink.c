// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "evs": attribute policies, the command table,
 * the device commands (LINK_GET) and the nested-attribute parse helper.
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
	/* On add, inbound only: the replay window starts at this number, all
	 * below it and itself seen (an SA taken over from another gateway).
	 */
	[EVS_SA_A_SEQ_HI]	= { .type = NLA_U64 },
	/* KEY_BITS, AUTH_KEY_BITS, CURLFT, STATS, STATE are reported
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
	[EVS_PARP_A_ADDR]	= { .type = NLA_BINARY,
				    .len = sizeof(struct in6_addr) },
	[EVS_PARP_A_IFINDEX]	= { .type = NLA_U32 },
	[EVS_PARP_A_CONN_ID]	= { .type = NLA_U32 },
	[EVS_PARP_A_ENABLE]	= NLA_POLICY_MAX(NLA_U8, 1),
	[EVS_PARP_A_FAMILY]	= { .type = NLA_U16 },
};

/* A batch holds SAs and policies only; strict validation refuses the rest
 * and checks every item against its object's policy before any is added.
 */
static const struct nla_policy evs_batch_policy[EVS_A_MAX + 1] = {
	[EVS_A_SA]		= NLA_POLICY_NESTED(evs_sa_policy),
	[EVS_A_POLICY]		= NLA_POLICY_NESTED(evs_pol_policy),
	[EVS_A_CONN]		= NLA_POLICY_NESTED(evs_conn_policy),
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
	[EVS_A_BATCH]		= NLA_POLICY_NESTED(evs_batch_policy),
	[EVS_A_DUMP_BRIEF]	= { .type = NLA_FLAG },
	[EVS_A_ENCAP_STANDIN]	= { .type = NLA_FLAG },
	[EVS_A_REPLACE]		= { .type = NLA_FLAG },
	/* VERSION, GENL_VERSION, STATS, EXPIRE_HARD, EVENT_OP, REASON are
	 * reported only.
	 */
};

/* The nest @attrtype of a request, parsed against @policy into @tb. */
int evs_nl_parse_nest(struct genl_info *info, int attrtype, int maxtype,
		      const struct nla_policy *policy, struct nlattr **tb)
{
	static const char * const missing[EVS_A_MAX + 1] = {
		[EVS_A_SA]		= "missing SA attributes (EVS_A_SA)",
		[EVS_A_POLICY]	= "missing policy attributes (EVS_A_POLICY)",
		[EVS_A_ROUTE]		= "missing EVS_A_ROUTE",
		[EVS_A_PROXY_ARP]	= "missing EVS_A_PROXY_ARP",
	};
	struct nlattr *nest = info->attrs[attrtype];

	if (!nest) {
		if (info->extack)
			info->extack->_msg = missing[attrtype];
		return -EINVAL;
	}
	return nla_parse_nested(tb, maxtype, nest, policy, info->extack);
}

/* The ACK's cookie says how many items were added: all of them, or the
 * index of the one that failed.
 */
static void evs_nl_batch_cookie(struct netlink_ext_ack *extack, u32 done)
{
	if (!extack)
		return;
	memcpy(extack->cookie, &done, sizeof(done));
	extack->cookie_len = sizeof(done);
}

static int evs_nl_batch_item(struct genl_info *info, struct nlattr *item)
{
	switch (nla_type(item)) {
	case EVS_A_SA:
		return evs_nl_sa_add_nest(info, item);
	case EVS_A_CONN:
		return evs_nl_conn_add_nest(info, item);
	default:
		return evs_nl_policy_add_nest(info, item);
	}
}

/* EVS_CMD_BATCH_ADD: the items in order, each as its own add would do it
 * (the same checks, the same extack texts, the same events).  The first
 * failure stops the batch; the items before it stay.  The bad-attribute
 * offset always points into the failing item, so userspace can name it
 * even when the text alone does not.
 */
static int evs_nl_batch_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *batch = info->attrs[EVS_A_BATCH], *item;
	u32 done = 0;
	int rem, ret = 0;

	if (!batch) {
		GENL_SET_ERR_MSG(info, "missing EVS_A_BATCH");
		return -EINVAL;
	}
	nla_for_each_nested(item, batch, rem)
		if (++done > EVS_BATCH_MAX) {
			NL_SET_ERR_MSG_ATTR(info->extack, item,
					    "a batch holds at most EVS_BATCH_MAX (4096) items");
			evs_nl_batch_cookie(info->extack, 0);
			return -E2BIG;
		}
	done = 0;
	nla_for_each_nested(item, batch, rem) {
		ret = evs_nl_batch_item(info, item);
		if (ret) {
			if (info->extack && !info->extack->bad_attr)
				info->extack->bad_attr = item;
			break;
		}
		done++;
		cond_resched();
	}
	evs_nl_batch_cookie(info->extack, done);
	return ret;
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

/* One line per command; the handlers live in the *_nl.c files, declared
 * in evs.h.  CAP_NET_ADMIN in the user namespace owning
 * the netns is needed to change anything.
 */
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
	{ .cmd = EVS_CMD_BATCH_ADD, .doit = evs_nl_batch_add,
	  .flags = EVS_ADMIN },
	/* Hand the daemon's UDP/4500 socket over (encap_nl.c). */
	{ .cmd = EVS_CMD_ENCAP_ATTACH, .doit = evs_nl_encap_attach,
	  .flags = EVS_ADMIN },
	{ .cmd = EVS_CMD_ENCAP_DETACH, .doit = evs_nl_encap_detach,
	  .flags = EVS_ADMIN },
	/* Connections, RRI routes, proxy ARP (conn_nl.c, rri_nl.c).  Labels
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

int __init evs_genl_init(void)
{
	return genl_register_family(&evs_genl_family);
}

void evs_genl_exit(void)
{
	genl_unregister_family(&evs_genl_family);
}
