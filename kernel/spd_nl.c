// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink requests for policies: parse and validate EVS_A_POLICY,
 * then add, delete, dump and flush through the SPD (spd.c).
 */
#include "evs.h"

#include <net/sock.h>

static int evs_policy_fill_msg(struct sk_buff *msg, struct evs_policy *pol,
			       u32 portid, u32 seq, int flags)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &evs_genl_family, flags,
			  EVS_CMD_POLICY_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(msg, EVS_A_IFINDEX, pol->ed->dev->ifindex))
		goto cancel;
	nest = nla_nest_start(msg, EVS_A_POLICY);
	if (!nest ||
	    nla_put_u8(msg, EVS_POL_A_DIR, pol->dir) ||
	    nla_put_u16(msg, EVS_POL_A_FAMILY, pol->family) ||
	    evs_nla_put_addr(msg, EVS_POL_A_SRC, pol->family, &pol->src) ||
	    nla_put_u8(msg, EVS_POL_A_SRC_PLEN, pol->src_plen) ||
	    evs_nla_put_addr(msg, EVS_POL_A_DST, pol->family, &pol->dst) ||
	    nla_put_u8(msg, EVS_POL_A_DST_PLEN, pol->dst_plen) ||
	    nla_put_u8(msg, EVS_POL_A_PROTO, pol->proto) ||
	    nla_put_u16(msg, EVS_POL_A_SPORT, ntohs(pol->sport)) ||
	    nla_put_u16(msg, EVS_POL_A_DPORT, ntohs(pol->dport)) ||
	    nla_put_u8(msg, EVS_POL_A_ACTION, pol->action) ||
	    (pol->action == EVS_POL_IPSEC &&
	     nla_put_u32(msg, EVS_POL_A_SPI, pol->spi)) ||
	    nla_put_u32(msg, EVS_POL_A_PRIORITY, pol->priority) ||
	    nla_put_u32(msg, EVS_POL_A_CONN_ID, pol->conn_id) ||
	    nla_put_u64_64bit(msg, EVS_POL_A_HITS, atomic64_read(&pol->hits),
			      EVS_POL_A_PAD))
		goto cancel;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return 0;

cancel:
	genlmsg_cancel(msg, hdr);
	return -EMSGSIZE;
}

static int evs_parse_prefix(u16 family, struct nlattr *addr,
			    struct nlattr *plen_attr, union evs_addr *out,
			    u8 *plen, struct netlink_ext_ack *extack)
{
	u8 max = family == AF_INET ? 32 : 128;
	union evs_addr masked;

	memset(out, 0, sizeof(*out));
	*plen = 0;
	if (!addr) {
		if (plen_attr && nla_get_u8(plen_attr)) {
			NL_SET_ERR_MSG_ATTR(extack, plen_attr,
					    "a prefix length needs an address");
			return -EINVAL;
		}
		return 0;			/* any */
	}
	if (nla_len(addr) != evs_addr_len(family)) {
		if (family == AF_INET)
			NL_SET_ERR_MSG_ATTR(extack, addr, "an IPv4 address must be 4 bytes long");
		else
			NL_SET_ERR_MSG_ATTR(extack, addr, "an IPv6 address must be 16 bytes long");
		return -EINVAL;
	}
	nla_memcpy(out, addr, nla_len(addr));
	*plen = plen_attr ? nla_get_u8(plen_attr) : max;
	if (*plen > max) {
		NL_SET_ERR_MSG_ATTR(extack, plen_attr,
				    "an IPv4 prefix length is at most 32");
		return -EINVAL;
	}
	evs_addr_mask(family, out, *plen, &masked);
	if (!evs_addr_eq(family, &masked, out)) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "address has host bits set beyond the prefix length");
		return -EINVAL;
	}
	return 0;
}

/* Parse the selector part of the policy nest @a (EVS_A_POLICY or a batch
 * item; NULL: missing) into @pol (no SA, no device).
 */
static int evs_nl_parse_policy(struct genl_info *info, struct nlattr *a,
			       struct nlattr **tb, struct evs_policy *pol)
{
	struct netlink_ext_ack *extack = info->extack;
	int ret;

	if (a)
		ret = nla_parse_nested(tb, EVS_POL_A_MAX, a, evs_pol_policy,
				       extack);
	else
		ret = evs_nl_parse_nest(info, EVS_A_POLICY, EVS_POL_A_MAX,
					evs_pol_policy, tb);
	if (ret)
		return ret;
	if (!tb[EVS_POL_A_DIR]) {
		NL_SET_ERR_MSG_ATTR(extack, a, "a policy needs a direction");
		return -EINVAL;
	}
	pol->dir = nla_get_u8(tb[EVS_POL_A_DIR]);
	pol->family = tb[EVS_POL_A_FAMILY] ? nla_get_u16(tb[EVS_POL_A_FAMILY])
					   : AF_INET;
	if (pol->family != AF_INET && pol->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_POL_A_FAMILY],
				    "the selector family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	ret = evs_parse_prefix(pol->family, tb[EVS_POL_A_SRC],
			       tb[EVS_POL_A_SRC_PLEN], &pol->src,
			       &pol->src_plen, extack) ?:
	      evs_parse_prefix(pol->family, tb[EVS_POL_A_DST],
			       tb[EVS_POL_A_DST_PLEN], &pol->dst,
			       &pol->dst_plen, extack);
	if (ret)
		return ret;
	if (tb[EVS_POL_A_PROTO])
		pol->proto = nla_get_u8(tb[EVS_POL_A_PROTO]);
	if (tb[EVS_POL_A_SPORT])
		pol->sport = htons(nla_get_u16(tb[EVS_POL_A_SPORT]));
	if (tb[EVS_POL_A_DPORT])
		pol->dport = htons(nla_get_u16(tb[EVS_POL_A_DPORT]));
	if ((pol->sport || pol->dport) && !evs_ports_proto(pol->proto)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_POL_A_SPORT] ?:
				    tb[EVS_POL_A_DPORT],
				    "ports need protocol tcp, udp, udplite or sctp");
		return -EINVAL;
	}
	return 0;
}

static struct evs_device *evs_nl_policy_device(struct genl_info *info)
{
	struct evs_device *ed;

	rcu_read_lock();
	ed = evs_nl_device(info);
	rcu_read_unlock();
	/* en->lock is held: the device cannot finish its teardown. */
	return ed && !ed->dead ? ed : NULL;
}

/* A policy with @pol's selector (@old) may be replaced only when the
 * request carries EVS_A_REPLACE, and only by one of the same connection.
 */
static int evs_nl_policy_may_replace(struct genl_info *info, struct nlattr *a,
				     const struct evs_policy *old,
				     const struct evs_policy *pol)
{
	if (!old)
		return 0;
	if (!nla_get_flag(info->attrs[EVS_A_REPLACE])) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "a policy with this selector and direction already exists");
		return -EEXIST;
	}
	if (old->conn_id != pol->conn_id) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "the policy to replace belongs to another connection");
		return -EEXIST;
	}
	return 0;
}

/* Add the policy of nest @a (EVS_A_POLICY of a request, or a batch item);
 * with EVS_A_REPLACE it takes the place of one with the same selector.
 */
int evs_nl_policy_add_nest(struct genl_info *info, struct nlattr *a)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_POL_A_MAX + 1];
	struct evs_policy *pol, *old;
	struct evs_sa *sa;
	int ret;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	ret = evs_nl_parse_policy(info, a, tb, pol);
	if (ret)
		goto err_free;
	pol->action = tb[EVS_POL_A_ACTION] ? nla_get_u8(tb[EVS_POL_A_ACTION])
					   : EVS_POL_IPSEC;
	if (tb[EVS_POL_A_PRIORITY])
		pol->priority = nla_get_u32(tb[EVS_POL_A_PRIORITY]);
	if (tb[EVS_POL_A_CONN_ID])
		pol->conn_id = nla_get_u32(tb[EVS_POL_A_CONN_ID]);
	if (pol->action == EVS_POL_IPSEC && !tb[EVS_POL_A_SPI]) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "an ipsec policy needs the SPI of its SA");
		ret = -EINVAL;
		goto err_free;
	}
	if (pol->action != EVS_POL_IPSEC && tb[EVS_POL_A_SPI]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_POL_A_SPI],
				    "bypass and drop policies take no SPI");
		ret = -EINVAL;
		goto err_free;
	}

	mutex_lock(&en->lock);
	pol->ed = evs_nl_policy_device(info);
	if (!pol->ed) {
		ret = -ENODEV;
		goto err_unlock;
	}
	if (pol->action == EVS_POL_IPSEC) {
		pol->spi = nla_get_u32(tb[EVS_POL_A_SPI]);
		sa = evs_sa_find(en, pol->dir, pol->spi);
		if (!sa || sa->ed != pol->ed) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_POL_A_SPI],
					    "no SA with this SPI in the policy's direction on this device");
			ret = -ENOENT;
			goto err_unlock;
		}
		pol->sa = evs_sa_get(sa);
	}
	/* As for SAs and routes: the connection must exist (and not be
	 * going), or nothing would ever remove the policy with it.
	 */
	if (pol->conn_id) {
		ret = evs_conn_check(en, pol->conn_id, tb[EVS_POL_A_CONN_ID],
				     info->extack);
		if (ret)
			goto err_unlock;
		if (pol->sa && pol->sa->conn_id != pol->conn_id) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_POL_A_CONN_ID],
					    "the policy's SA belongs to another connection");
			ret = -EINVAL;
			goto err_unlock;
		}
	}
	old = evs_spd_find(&pol->ed->spd[pol->dir], pol);
	ret = evs_nl_policy_may_replace(info, a, old, pol);
	if (ret)
		goto err_unlock;
	/* The new one goes in before the old one goes: a lookup meanwhile
	 * finds one of them, never none (a rekey moves policies under
	 * traffic).
	 */
	ret = evs_spd_insert(en, &pol->ed->spd[pol->dir], pol);
	if (ret)
		goto err_unlock;
	if (old)
		evs_policy_delete(old);
	mutex_unlock(&en->lock);
	return 0;

err_unlock:
	mutex_unlock(&en->lock);
	evs_sa_put(pol->sa);
err_free:
	kfree(pol);
	return ret;
}

int evs_nl_policy_add(struct sk_buff *skb, struct genl_info *info)
{
	return evs_nl_policy_add_nest(info, info->attrs[EVS_A_POLICY]);
}

int evs_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_POL_A_MAX + 1];
	struct evs_policy key = {}, *pol;
	struct evs_device *ed;
	int ret;

	ret = evs_nl_parse_policy(info, info->attrs[EVS_A_POLICY], tb, &key);
	if (ret)
		return ret;
	mutex_lock(&en->lock);
	ed = evs_nl_policy_device(info);
	if (!ed) {
		ret = -ENODEV;
		goto out;
	}
	pol = evs_spd_find(&ed->spd[key.dir], &key);
	if (!pol) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[EVS_A_POLICY],
				    "no policy with this selector and direction on this device");
		ret = -ENOENT;
		goto out;
	}
	evs_policy_delete(pol);
out:
	mutex_unlock(&en->lock);
	return ret;
}

/* Cursor: the next policy id (cb->args[0]), stable under change. */
int evs_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct evs_net *en = evs_net(sock_net(skb->sk));
	struct evs_policy *pol;
	unsigned long id;
	int ifindex = 0;

	if (info->attrs[EVS_A_IFINDEX])
		ifindex = nla_get_u32(info->attrs[EVS_A_IFINDEX]);
	mutex_lock(&en->lock);
	xa_for_each_start(&en->pol_ids, id, pol, cb->args[0]) {
		if (ifindex && pol->ed->dev->ifindex != ifindex)
			continue;
		if (evs_policy_fill_msg(skb, pol, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI))
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&en->lock);
	return skb->len;
}

int evs_nl_policy_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct evs_device *ed = NULL;
	int ret = 0;

	mutex_lock(&en->lock);
	if (info->attrs[EVS_A_IFINDEX] || info->attrs[EVS_A_IFNAME]) {
		ed = evs_nl_policy_device(info);
		if (!ed)
			ret = -ENODEV;
	}
	if (!ret)
		evs_spd_flush(en, ed, 0);
	mutex_unlock(&en->lock);
	return ret;
}
