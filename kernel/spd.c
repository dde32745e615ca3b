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
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <net/ip.h>

struct evs_spd_key {
	union evs_addr addr;			/* masked to plen */
	u8 plen;
	u8 family;				/* AF_INET, AF_INET6 */
	u8 pad[2];				/* always zero: part of the key */
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
	union evs_addr remote, local;
	u16 family;
	u8 proto;
	bool has_ports;
	__be16 sport, dport;
};

bool evs_ports_proto(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

/* Ports of the transport header at @thoff, if the packet has them. */
static void evs_flow_ports(const struct sk_buff *skb, int thoff,
			   struct evs_flow *f)
{
	__be16 _ports[2];
	const __be16 *ports;

	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (ports) {
		f->sport = ports[0];
		f->dport = ports[1];
		f->has_ports = true;
	}
}

static bool evs_flow_from_ip4(const struct sk_buff *skb, u8 dir,
			      struct evs_flow *f)
{
	const struct iphdr *iph;

	if (skb_headlen(skb) < skb_network_offset(skb) + sizeof(*iph))
		return false;
	iph = ip_hdr(skb);
	f->family = AF_INET;
	f->remote.a4 = dir == EVS_DIR_OUT ? iph->daddr : iph->saddr;
	f->local.a4 = dir == EVS_DIR_OUT ? iph->saddr : iph->daddr;
	f->proto = iph->protocol;
	/* Only the first fragment carries ports. */
	if (evs_ports_proto(f->proto) && !(iph->frag_off & htons(IP_OFFSET)))
		evs_flow_ports(skb, skb_network_offset(skb) + iph->ihl * 4, f);
	return true;
}

static bool evs_flow_from_ip6(const struct sk_buff *skb, u8 dir,
			      struct evs_flow *f)
{
	const struct ipv6hdr *ip6h;
	__be16 frag_off = 0;
	u8 nexthdr;
	int thoff;

	if (skb_headlen(skb) < skb_network_offset(skb) + sizeof(*ip6h))
		return false;
	ip6h = ipv6_hdr(skb);
	f->family = AF_INET6;
	f->remote.a6 = dir == EVS_DIR_OUT ? ip6h->daddr : ip6h->saddr;
	f->local.a6 = dir == EVS_DIR_OUT ? ip6h->saddr : ip6h->daddr;
	/* The upper-layer protocol is behind the extension headers; one we
	 * cannot walk to matches "any protocol" selectors only.
	 */
	nexthdr = ip6h->nexthdr;
	thoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(*ip6h),
				 &nexthdr, &frag_off);
	f->proto = thoff < 0 ? NEXTHDR_NONE : nexthdr;
	if (thoff >= 0 && evs_ports_proto(f->proto) &&
	    !(frag_off & htons(IP6_OFFSET)))
		evs_flow_ports(skb, thoff, f);
	return true;
}

static bool evs_flow_from_skb(const struct sk_buff *skb, u8 dir,
			      struct evs_flow *f)
{
	memset(f, 0, sizeof(*f));
	if (skb->protocol == htons(ETH_P_IP))
		return evs_flow_from_ip4(skb, dir, f);
	if (skb->protocol == htons(ETH_P_IPV6))
		return evs_flow_from_ip6(skb, dir, f);
	return false;
}

static bool evs_policy_match(const struct evs_policy *pol,
			     const struct evs_flow *f)
{
	const union evs_addr *local;
	union evs_addr masked;
	u8 local_plen;

	if (pol->dir == EVS_DIR_OUT) {
		local = &pol->src;
		local_plen = pol->src_plen;
	} else {
		local = &pol->dst;
		local_plen = pol->dst_plen;
	}
	evs_addr_mask(f->family, &f->local, local_plen, &masked);
	if (!evs_addr_eq(f->family, &masked, local))
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

	unsigned long *plens = spd->plens[evs_fam_idx(f->family)];

	memset(&key, 0, sizeof(key));
	key.family = f->family;
	for (plen = f->family == AF_INET ? 32 : 128; plen >= 0; plen--) {
		if (!test_bit(plen, plens))
			continue;
		evs_addr_mask(f->family, &f->remote, plen, &key.addr);
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
	return a->family == b->family &&
	       evs_addr_eq(a->family, &a->src, &b->src) &&
	       a->src_plen == b->src_plen &&
	       evs_addr_eq(a->family, &a->dst, &b->dst) &&
	       a->dst_plen == b->dst_plen &&
	       a->proto == b->proto && a->sport == b->sport &&
	       a->dport == b->dport;
}

static void evs_policy_key(const struct evs_policy *pol,
			   struct evs_spd_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = pol->family;
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
struct evs_policy *evs_spd_find(struct evs_spd *spd,
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

/* A node of this prefix length appears / goes: the lookup probes it. */
static void evs_spd_plen_get(struct evs_spd *spd, const struct evs_spd_key *k)
{
	int f = evs_fam_idx(k->family);

	if (!spd->plen_count[f][k->plen]++)
		set_bit(k->plen, spd->plens[f]);
}

static void evs_spd_plen_put(struct evs_spd *spd, const struct evs_spd_key *k)
{
	int f = evs_fam_idx(k->family);

	if (!--spd->plen_count[f][k->plen])
		clear_bit(k->plen, spd->plens[f]);
}

int evs_spd_insert(struct evs_net *en, struct evs_spd *spd,
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
		evs_spd_plen_get(spd, &node->key);
	}
	ret = xa_alloc_cyclic(&en->pol_ids, &pol->id, pol, xa_limit_32b,
			      &en->pol_next_id, GFP_KERNEL);
	if (ret < 0) {
		if (list_empty(&node->policies)) {
			rhashtable_remove_fast(&spd->nodes, &node->hnode,
					       evs_spd_ht_params);
			evs_spd_plen_put(spd, &node->key);
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
		evs_spd_plen_put(spd, &node->key);
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
