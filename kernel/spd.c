// SPDX-License-Identifier: GPL-2.0
/*
 * Security Policy Database: one per evs device and direction.
 *
 * Policies are keyed by their remote prefix (inner destination outbound,
 * inner source inbound).  Each distinct (prefix, length) is one node in an
 * rhashtable; a node lists its policies best first (lower priority value,
 * then the more specific local prefix, protocol and ports).  A lookup
 * probes the prefix lengths in use from /32 down, so an exact host policy
 * costs one hash probe and the cost never grows with the number of
 * policies, only with the number of distinct prefix lengths.
 */
#include "evs.h"

#include <linux/ip.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <net/ip.h>

struct evs_spd_key {
	union evs_addr addr;			/* masked to plen */
	u8 plen;
	u8 pad[3];				/* always zero: part of the key */
};

struct evs_spd_node {
	struct rhash_head hnode;
	struct evs_spd_key key;
	struct list_head policies;		/* evs_policy.node_list, RCU */
	struct rcu_head rcu;
};

static const struct rhashtable_params evs_spd_ht_params = {
	.key_len		= sizeof(struct evs_spd_key),
	.key_offset		= offsetof(struct evs_spd_node, key),
	.head_offset		= offsetof(struct evs_spd_node, hnode),
	.automatic_shrinking	= true,
};

/* Inner packet fields a selector looks at. */
struct evs_flow {
	__be32 remote, local;
	u8 proto;
	bool has_ports;
	__be16 sport, dport;
};

static __be32 evs_mask4(__be32 a, u8 plen)
{
	return plen ? a & htonl(~0U << (32 - plen)) : 0;
}

static bool evs_ports_proto(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

static bool evs_flow_from_skb(const struct sk_buff *skb, u8 dir,
			      struct evs_flow *f)
{
	const struct iphdr *iph;
	__be16 _ports[2];
	const __be16 *ports;

	if (skb->protocol != htons(ETH_P_IP) ||
	    skb_headlen(skb) < skb_network_offset(skb) + sizeof(*iph))
		return false;
	iph = ip_hdr(skb);
	f->remote = dir == EVS_DIR_OUT ? iph->daddr : iph->saddr;
	f->local = dir == EVS_DIR_OUT ? iph->saddr : iph->daddr;
	f->proto = iph->protocol;
	f->has_ports = false;
	/* Only the first fragment carries ports. */
	if (evs_ports_proto(f->proto) && !(iph->frag_off & htons(IP_OFFSET))) {
		ports = skb_header_pointer(skb, skb_network_offset(skb) +
					   iph->ihl * 4, sizeof(_ports),
					   _ports);
		if (ports) {
			f->sport = ports[0];
			f->dport = ports[1];
			f->has_ports = true;
		}
	}
	return true;
}

static bool evs_policy_match(const struct evs_policy *pol,
			     const struct evs_flow *f)
{
	const union evs_addr *local;
	u8 local_plen;

	if (pol->dir == EVS_DIR_OUT) {
		local = &pol->src;
		local_plen = pol->src_plen;
	} else {
		local = &pol->dst;
		local_plen = pol->dst_plen;
	}
	if (evs_mask4(f->local, local_plen) != local->a4)
		return false;
	if (pol->proto && pol->proto != f->proto)
		return false;
	if (pol->sport || pol->dport) {
		if (!f->has_ports)
			return false;
		if (pol->sport && pol->sport != f->sport)
			return false;
		if (pol->dport && pol->dport != f->dport)
			return false;
	}
	return true;
}

static struct evs_policy *evs_spd_lookup_flow(struct evs_spd *spd,
					      const struct evs_flow *f)
{
	struct evs_spd_node *node;
	struct evs_policy *pol;
	struct evs_spd_key key;
	int plen;

	memset(&key, 0, sizeof(key));
	for (plen = 32; plen >= 0; plen--) {
		if (!test_bit(plen, spd->plens))
			continue;
		key.addr.a4 = evs_mask4(f->remote, plen);
		key.plen = plen;
		node = rhashtable_lookup(&spd->nodes, &key, evs_spd_ht_params);
		if (!node)
			continue;
		list_for_each_entry_rcu(pol, &node->policies, node_list)
			if (evs_policy_match(pol, f))
				return pol;
	}
	return NULL;
}

struct evs_policy *evs_spd_lookup(struct evs_device *ed, u8 dir,
				  const struct sk_buff *skb)
{
	struct evs_policy *pol;
	struct evs_flow f;

	if (!evs_flow_from_skb(skb, dir, &f))
		return NULL;
	pol = evs_spd_lookup_flow(&ed->spd[dir], &f);
	if (pol)
		atomic64_inc(&pol->hits);
	return pol;
}

bool evs_spd_check_in(struct evs_device *ed, struct evs_sa *sa,
		      const struct sk_buff *skb)
{
	struct evs_policy *pol = evs_spd_lookup(ed, EVS_DIR_IN, skb);

	if (!pol)
		return false;
	if (pol->action == EVS_POL_BYPASS)
		return true;
	if (pol->action != EVS_POL_IPSEC)
		return false;
	/* During a rekey the old and the new inbound SA of one connection
	 * both carry traffic until the old one is deleted.
	 */
	return pol->sa == sa ||
	       (sa->conn_id && pol->sa && pol->sa->conn_id == sa->conn_id);
}

/* --- writers (en->lock held) ------------------------------------------- */

/* Ordering inside a node: lower priority value first, then the more
 * specific selector.  Negative when @a goes before @b.
 */
static int evs_policy_cmp(const struct evs_policy *a,
			  const struct evs_policy *b)
{
	u8 la = a->dir == EVS_DIR_OUT ? a->src_plen : a->dst_plen;
	u8 lb = b->dir == EVS_DIR_OUT ? b->src_plen : b->dst_plen;

	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	if (la != lb)
		return la > lb ? -1 : 1;
	if (!!a->proto != !!b->proto)
		return a->proto ? -1 : 1;
	if (!!(a->sport || a->dport) != !!(b->sport || b->dport))
		return (a->sport || a->dport) ? -1 : 1;
	return 0;
}

static bool evs_policy_same_selector(const struct evs_policy *a,
				     const struct evs_policy *b)
{
	return a->src.a4 == b->src.a4 && a->src_plen == b->src_plen &&
	       a->dst.a4 == b->dst.a4 && a->dst_plen == b->dst_plen &&
	       a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport;
}

static void evs_policy_key(const struct evs_policy *pol,
			   struct evs_spd_key *key)
{
	memset(key, 0, sizeof(*key));
	if (pol->dir == EVS_DIR_OUT) {
		key->addr = pol->dst;
		key->plen = pol->dst_plen;
	} else {
		key->addr = pol->src;
		key->plen = pol->src_plen;
	}
}

static struct evs_spd_node *evs_spd_node_find(struct evs_spd *spd,
					      const struct evs_policy *pol)
{
	struct evs_spd_key key;

	evs_policy_key(pol, &key);
	return rhashtable_lookup_fast(&spd->nodes, &key, evs_spd_ht_params);
}

/* The policy with the same selector as @pol, if any. */
static struct evs_policy *evs_spd_find(struct evs_spd *spd,
				       const struct evs_policy *pol)
{
	struct evs_spd_node *node = evs_spd_node_find(spd, pol);
	struct evs_policy *p;

	if (!node)
		return NULL;
	list_for_each_entry(p, &node->policies, node_list)
		if (evs_policy_same_selector(p, pol))
			return p;
	return NULL;
}

static int evs_spd_insert(struct evs_net *en, struct evs_spd *spd,
			  struct evs_policy *pol)
{
	struct evs_spd_node *node;
	struct evs_policy *pos;
	int ret;

	node = evs_spd_node_find(spd, pol);
	if (!node) {
		node = kzalloc(sizeof(*node), GFP_KERNEL);
		if (!node)
			return -ENOMEM;
		evs_policy_key(pol, &node->key);
		INIT_LIST_HEAD(&node->policies);
		ret = rhashtable_insert_fast(&spd->nodes, &node->hnode,
					     evs_spd_ht_params);
		if (ret) {
			kfree(node);
			return ret;
		}
		if (!spd->plen_count[node->key.plen]++)
			set_bit(node->key.plen, spd->plens);
	}
	ret = xa_alloc_cyclic(&en->pol_ids, &pol->id, pol, xa_limit_32b,
			      &en->pol_next_id, GFP_KERNEL);
	if (ret < 0) {
		if (list_empty(&node->policies)) {
			rhashtable_remove_fast(&spd->nodes, &node->hnode,
					       evs_spd_ht_params);
			if (!--spd->plen_count[node->key.plen])
				clear_bit(node->key.plen, spd->plens);
			kfree(node);
		}
		return ret;
	}
	list_for_each_entry(pos, &node->policies, node_list) {
		if (evs_policy_cmp(pol, pos) < 0) {
			list_add_tail_rcu(&pol->node_list, &pos->node_list);
			goto linked;
		}
	}
	list_add_tail_rcu(&pol->node_list, &node->policies);
linked:
	if (pol->sa)
		list_add_tail(&pol->sa_node, &pol->sa->policies);
	spd->n_policies++;
	return 0;
}

static void evs_policy_free_rcu(struct rcu_head *rcu)
{
	struct evs_policy *pol = container_of(rcu, struct evs_policy, rcu);

	evs_sa_put(pol->sa);
	kfree(pol);
}

void evs_policy_delete(struct evs_policy *pol)
{
	struct evs_spd *spd = &pol->ed->spd[pol->dir];
	struct evs_spd_node *node = evs_spd_node_find(spd, pol);

	lockdep_assert_held(&pol->ed->en->lock);
	list_del_rcu(&pol->node_list);
	if (pol->sa)
		list_del(&pol->sa_node);
	xa_erase(&pol->ed->en->pol_ids, pol->id);
	spd->n_policies--;
	if (node && list_empty(&node->policies)) {
		rhashtable_remove_fast(&spd->nodes, &node->hnode,
				       evs_spd_ht_params);
		if (!--spd->plen_count[node->key.plen])
			clear_bit(node->key.plen, spd->plens);
		kfree_rcu(node, rcu);
	}
	call_rcu(&pol->rcu, evs_policy_free_rcu);
}

void evs_spd_flush(struct evs_net *en, struct evs_device *ed, u32 conn_id)
{
	struct evs_policy *pol;
	unsigned long id;

	lockdep_assert_held(&en->lock);
	xa_for_each(&en->pol_ids, id, pol) {
		if ((ed && pol->ed != ed) || (conn_id && pol->conn_id != conn_id))
			continue;
		evs_policy_delete(pol);
		cond_resched();
	}
}

int evs_spd_init(struct evs_spd *spd)
{
	int ret;

	memset(spd, 0, sizeof(*spd));
	ret = rhashtable_init(&spd->nodes, &evs_spd_ht_params);
	spd->ready = !ret;
	return ret;
}

void evs_spd_destroy(struct evs_spd *spd)
{
	if (!spd->ready)
		return;
	WARN_ON(spd->n_policies);
	rhashtable_destroy(&spd->nodes);
	spd->ready = false;
}

/* --- netlink ------------------------------------------------------------ */

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
	    nla_put_in_addr(msg, EVS_POL_A_SRC, pol->src.a4) ||
	    nla_put_u8(msg, EVS_POL_A_SRC_PLEN, pol->src_plen) ||
	    nla_put_in_addr(msg, EVS_POL_A_DST, pol->dst.a4) ||
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

static int evs_parse_prefix(struct nlattr *addr, struct nlattr *plen_attr,
			    union evs_addr *out, u8 *plen,
			    struct netlink_ext_ack *extack)
{
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
	if (nla_len(addr) != sizeof(__be32)) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "an IPv4 address must be 4 bytes long");
		return -EINVAL;
	}
	out->a4 = nla_get_in_addr(addr);
	*plen = plen_attr ? nla_get_u8(plen_attr) : 32;
	if (*plen > 32) {
		NL_SET_ERR_MSG_ATTR(extack, plen_attr,
				    "an IPv4 prefix length is at most 32");
		return -EINVAL;
	}
	if (evs_mask4(out->a4, *plen) != out->a4) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "address has host bits set beyond the prefix length");
		return -EINVAL;
	}
	return 0;
}

/* Parse the selector part of EVS_A_POLICY into @pol (no SA, no device). */
static int evs_nl_parse_policy(struct genl_info *info, struct nlattr **tb,
			       struct evs_policy *pol)
{
	struct nlattr *a = info->attrs[EVS_A_POLICY];
	struct netlink_ext_ack *extack = info->extack;
	int ret;

	if (!a) {
		GENL_SET_ERR_MSG(info, "missing policy attributes (EVS_A_POLICY)");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, EVS_POL_A_MAX, a, evs_pol_policy, extack);
	if (ret)
		return ret;
	if (!tb[EVS_POL_A_DIR]) {
		NL_SET_ERR_MSG_ATTR(extack, a, "a policy needs a direction");
		return -EINVAL;
	}
	pol->dir = nla_get_u8(tb[EVS_POL_A_DIR]);
	pol->family = tb[EVS_POL_A_FAMILY] ? nla_get_u16(tb[EVS_POL_A_FAMILY])
					   : AF_INET;
	if (pol->family != AF_INET) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_POL_A_FAMILY],
				    "only IPv4 selectors are supported");
		return -EAFNOSUPPORT;
	}
	ret = evs_parse_prefix(tb[EVS_POL_A_SRC], tb[EVS_POL_A_SRC_PLEN],
			       &pol->src, &pol->src_plen, extack) ?:
	      evs_parse_prefix(tb[EVS_POL_A_DST], tb[EVS_POL_A_DST_PLEN],
			       &pol->dst, &pol->dst_plen, extack);
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

int evs_nl_policy_add(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_POL_A_MAX + 1];
	struct evs_policy *pol;
	struct evs_sa *sa;
	int ret;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	ret = evs_nl_parse_policy(info, tb, pol);
	if (ret)
		goto err_free;
	pol->action = tb[EVS_POL_A_ACTION] ? nla_get_u8(tb[EVS_POL_A_ACTION])
					   : EVS_POL_IPSEC;
	if (tb[EVS_POL_A_PRIORITY])
		pol->priority = nla_get_u32(tb[EVS_POL_A_PRIORITY]);
	if (tb[EVS_POL_A_CONN_ID])
		pol->conn_id = nla_get_u32(tb[EVS_POL_A_CONN_ID]);
	if (pol->action == EVS_POL_IPSEC && !tb[EVS_POL_A_SPI]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[EVS_A_POLICY],
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
	if (evs_spd_find(&pol->ed->spd[pol->dir], pol)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[EVS_A_POLICY],
				    "a policy with this selector and direction already exists");
		ret = -EEXIST;
		goto err_unlock;
	}
	ret = evs_spd_insert(en, &pol->ed->spd[pol->dir], pol);
	if (ret)
		goto err_unlock;
	mutex_unlock(&en->lock);
	return 0;

err_unlock:
	mutex_unlock(&en->lock);
	evs_sa_put(pol->sa);
err_free:
	kfree(pol);
	return ret;
}

int evs_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_POL_A_MAX + 1];
	struct evs_policy key = {}, *pol;
	struct evs_device *ed;
	int ret;

	ret = evs_nl_parse_policy(info, tb, &key);
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
