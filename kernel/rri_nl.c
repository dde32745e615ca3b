// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink requests for RRI routes and proxy-ARP entries: parse and
 * validate, record the intent in the connection, and have rri.c apply it;
 * and the fill code that replies and events share.  See rri.c for how the
 * entries reach the kernel tables.
 */
#include <linux/inetdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/addrconf.h>
#include "conn.h"

/* --- generic netlink ---------------------------------------------------- */

#define EVS_RRI_HAVE_TABLE	BIT(0)
#define EVS_RRI_HAVE_METRIC	BIT(1)
#define EVS_RRI_HAVE_CONN	BIT(2)
#define EVS_RRI_HAVE_IFINDEX	BIT(3)

static bool evs_rri_host_bits(const struct evs_rri_obj *o)
{
	struct in6_addr p;

	if (o->family == AF_INET) {
		u32 mask = o->plen ? ~0U << (32 - o->plen) : 0;

		return ntohl(o->addr.a4) & ~mask;
	}
	ipv6_addr_prefix(&p, &o->addr.a6, o->plen);
	return !ipv6_addr_equal(&p, &o->addr.a6);
}

/* The evs device a route points into: EVS_ROUTE_A_IFINDEX, else the
 * request's EVS_A_IFINDEX / EVS_A_IFNAME.
 */
static int evs_rri_route_dev(struct genl_info *info, struct nlattr *attr)
{
	struct evs_device *ed = NULL;
	int ifindex = 0;

	rcu_read_lock();
	if (attr) {
		ed = evs_device_by_index(genl_info_net(info),
					 nla_get_u32(attr));
		if (!ed)
			NL_SET_ERR_MSG_ATTR(info->extack, attr,
					    "not an evs device");
	} else {
		ed = evs_nl_device(info);
	}
	if (ed)
		ifindex = ed->dev->ifindex;
	rcu_read_unlock();
	return ifindex ?: -ENODEV;
}

static int evs_rri_parse_route(struct genl_info *info, struct evs_rri_obj *o,
			       unsigned int *have, bool add)
{
	struct nlattr *nest = info->attrs[EVS_A_ROUTE];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[EVS_ROUTE_A_MAX + 1];
	int err, alen;

	err = evs_nl_parse_nest(info, EVS_A_ROUTE, EVS_ROUTE_A_MAX,
				evs_route_policy, tb);
	if (err)
		return err;

	o->kind = EVS_RRI_ROUTE;
	o->family = tb[EVS_ROUTE_A_FAMILY] ?
		    nla_get_u16(tb[EVS_ROUTE_A_FAMILY]) : AF_INET;
	if (o->family != AF_INET && o->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_ROUTE_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	alen = evs_rri_alen(o->family);
	if (!tb[EVS_ROUTE_A_DST] || nla_len(tb[EVS_ROUTE_A_DST]) != alen) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_ROUTE_A_DST] ?: nest,
				    "destination missing or not an address of the family");
		return -EINVAL;
	}
	nla_memcpy(&o->addr, tb[EVS_ROUTE_A_DST], alen);
	o->plen = tb[EVS_ROUTE_A_PLEN] ? nla_get_u8(tb[EVS_ROUTE_A_PLEN])
				       : alen * 8;
	if (o->plen > alen * 8) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_ROUTE_A_PLEN],
				    "prefix length too long for the family");
		return -EINVAL;
	}
	if (evs_rri_host_bits(o)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_ROUTE_A_DST],
				    "destination has bits set beyond the prefix length");
		return -EINVAL;
	}
	o->table = RT_TABLE_MAIN;
	if (tb[EVS_ROUTE_A_TABLE]) {
		*have |= EVS_RRI_HAVE_TABLE;
		o->table = nla_get_u32(tb[EVS_ROUTE_A_TABLE]) ?: RT_TABLE_MAIN;
		if (o->table == RT_TABLE_LOCAL) {
			NL_SET_ERR_MSG_ATTR(extack, tb[EVS_ROUTE_A_TABLE],
					    "the local table is not for RRI routes");
			return -EINVAL;
		}
	}
	if (tb[EVS_ROUTE_A_METRIC]) {
		*have |= EVS_RRI_HAVE_METRIC;
		o->metric = nla_get_u32(tb[EVS_ROUTE_A_METRIC]);
	}
	if (tb[EVS_ROUTE_A_CONN_ID]) {
		*have |= EVS_RRI_HAVE_CONN;
		o->conn_id = nla_get_u32(tb[EVS_ROUTE_A_CONN_ID]);
	}
	if (add && !o->conn_id) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_ROUTE_A_CONN_ID] ?: nest,
				    "a route needs its connection id");
		return -EINVAL;
	}
	if (add || tb[EVS_ROUTE_A_IFINDEX] || info->attrs[EVS_A_IFINDEX] ||
	    info->attrs[EVS_A_IFNAME]) {
		o->ifindex = evs_rri_route_dev(info, tb[EVS_ROUTE_A_IFINDEX]);
		if (o->ifindex < 0)
			return o->ifindex;
		*have |= EVS_RRI_HAVE_IFINDEX;
	}
	return 0;
}

static u16 evs_rri_parp_family(struct nlattr **tb)
{
	return tb[EVS_PARP_A_FAMILY] ? nla_get_u16(tb[EVS_PARP_A_FAMILY])
				     : AF_INET;
}

/* The address of a proxy entry: one a neighbour may ask for. */
static int evs_rri_parp_addr(struct evs_rri_obj *o, struct nlattr *a,
			     struct netlink_ext_ack *extack)
{
	if (nla_len(a) != evs_rri_alen(o->family)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "the address is not one of the family (4 bytes AF_INET, 16 AF_INET6)");
		return -EINVAL;
	}
	nla_memcpy(&o->addr, a, nla_len(a));
	if (o->family == AF_INET ?
	    ipv4_is_multicast(o->addr.a4) || ipv4_is_zeronet(o->addr.a4) ||
	    ipv4_is_lbcast(o->addr.a4) || ipv4_is_loopback(o->addr.a4) :
	    ipv6_addr_type(&o->addr.a6) & (IPV6_ADDR_MULTICAST |
					    IPV6_ADDR_LOOPBACK) ||
	    ipv6_addr_any(&o->addr.a6)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "not a unicast address");
		return -EINVAL;
	}
	return 0;
}

/* The LAN device of a proxy entry (RCU held): its family configured;
 * a warning when the kernel would not answer for the entry.
 */
static int evs_rri_parp_dev(struct net_device *dev, u16 family,
			    struct nlattr *a, struct netlink_ext_ack *extack)
{
	struct inet6_dev *idev;

	if (evs_is_evs_device(dev) || (dev->flags & IFF_LOOPBACK) ||
	    !(dev->flags & IFF_BROADCAST)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "proxy ARP needs a broadcast LAN device");
		return -EINVAL;
	}
	if (family == AF_INET) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);

		if (!in_dev) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "device has no IPv4 configuration");
			return -EINVAL;
		}
		/* Not an error: the operator may enable it afterwards. */
		if (!IN_DEV_FORWARD(in_dev))
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "warning: forwarding is off on this device, so its proxy ARP entries are not answered");
		return 0;
	}
	idev = __in6_dev_get(dev);
	/* Not an error either: kept, and put on when IPv6 comes (evs_rri_add). */
	if (!idev || !evs_rri_dev_ipv6_on(dev_net(dev), dev->ifindex)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "warning: IPv6 is off on this device; the proxy NDP entry goes on when it comes on");
		return 0;
	}
	if (!READ_ONCE(idev->cnf.forwarding))
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "warning: forwarding is off on this device, so its proxy NDP entries are not answered");
	else if (!READ_ONCE(idev->cnf.proxy_ndp) &&
		 !READ_ONCE(dev_net(dev)->ipv6.devconf_all->proxy_ndp))
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "warning: proxy_ndp is off on this device, so its proxy NDP entries are not answered");
	return 0;
}

static int evs_rri_parse_parp(struct genl_info *info, struct evs_rri_obj *o,
			      unsigned int *have, bool add)
{
	struct nlattr *nest = info->attrs[EVS_A_PROXY_ARP];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[EVS_PARP_A_MAX + 1];
	struct net_device *dev;
	int err;

	err = evs_nl_parse_nest(info, EVS_A_PROXY_ARP, EVS_PARP_A_MAX,
				evs_parp_policy, tb);
	if (err)
		return err;
	o->kind = EVS_RRI_PARP;
	o->family = evs_rri_parp_family(tb);
	if (o->family != AF_INET && o->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	o->plen = evs_rri_alen(o->family) * 8;
	if (!tb[EVS_PARP_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing address");
		return -EINVAL;
	}
	err = evs_rri_parp_addr(o, tb[EVS_PARP_A_ADDR], extack);
	if (err)
		return err;
	if (tb[EVS_PARP_A_CONN_ID]) {
		*have |= EVS_RRI_HAVE_CONN;
		o->conn_id = nla_get_u32(tb[EVS_PARP_A_CONN_ID]);
	}
	if (add && !o->conn_id) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_CONN_ID] ?: nest,
				    "a proxy-ARP entry needs its connection id");
		return -EINVAL;
	}
	if (!tb[EVS_PARP_A_IFINDEX]) {
		if (!add)
			return 0;
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing LAN device");
		return -EINVAL;
	}
	*have |= EVS_RRI_HAVE_IFINDEX;
	o->ifindex = nla_get_u32(tb[EVS_PARP_A_IFINDEX]);
	rcu_read_lock();
	dev = dev_get_by_index_rcu(genl_info_net(info), o->ifindex);
	err = 0;
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_IFINDEX],
				    "no such device");
		err = -ENODEV;
	} else if (add) {
		err = evs_rri_parp_dev(dev, o->family, tb[EVS_PARP_A_IFINDEX],
				       extack);
	}
	rcu_read_unlock();
	return err;
}

/* For messages chosen by the caller: string literals, so static. */
static void evs_rri_set_err(struct netlink_ext_ack *extack, const char *msg)
{
	if (extack)
		extack->_msg = msg;
}

static bool evs_rri_same(const struct evs_rri_obj *a,
			 const struct evs_rri_obj *b, unsigned int have)
{
	if (a->kind != b->kind || a->family != b->family ||
	    memcmp(&a->addr, &b->addr, evs_rri_alen(a->family)))
		return false;
	if ((have & EVS_RRI_HAVE_CONN) && a->conn_id != b->conn_id)
		return false;
	if ((have & EVS_RRI_HAVE_IFINDEX) && a->ifindex != b->ifindex)
		return false;
	if (a->kind == EVS_RRI_PARP)
		return true;
	return a->plen == b->plen &&
	       (!(have & EVS_RRI_HAVE_TABLE) || a->table == b->table) &&
	       (!(have & EVS_RRI_HAVE_METRIC) || a->metric == b->metric);
}

static struct evs_rri_obj *evs_rri_find(struct evs_conn_net *cn,
					const struct evs_rri_obj *key,
					unsigned int have,
					struct evs_conn **connp)
{
	struct evs_rri_obj *o;
	struct evs_conn *conn;
	unsigned long id;

	lockdep_assert_held(&cn->en->lock);
	xa_for_each(&cn->conns, id, conn) {
		if ((have & EVS_RRI_HAVE_CONN) && id != key->conn_id)
			continue;
		list_for_each_entry(o, &conn->objs, node) {
			if (evs_rri_same(o, key, have)) {
				*connp = conn;
				return o;
			}
		}
	}
	return NULL;
}

/* An IPv6 proxy entry on a LAN device where IPv6 is off (down, no IPv6
 * configuration yet, disable_ipv6): the kernel would refuse it now, and
 * the device's IPv6 coming on (an address) reinstalls pending objects
 * (rri.c), so keep it pending rather than fail the client's connection.
 */
static bool evs_rri_wait_for_ipv6(struct net *net, const struct evs_rri_obj *o)
{
	return o->kind == EVS_RRI_PARP && o->family == AF_INET6 &&
	       !evs_rri_dev_ipv6_on(net, o->ifindex);
}

/* Common add: record the intent, install it, and keep it only if the
 * kernel took it (or, see above, will take it later).  The handler holds
 * io_lock throughout, so the object stays allocated even if its
 * connection is torn down meanwhile.
 */
static int evs_rri_add(struct genl_info *info, struct evs_rri_obj *key,
		       struct nlattr *conn_attr, const char *dup_msg,
		       const char *refused_msg)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct evs_conn_net *cn = evs_conn_net_get(en);
	unsigned int dup_have = EVS_RRI_HAVE_TABLE | EVS_RRI_HAVE_METRIC |
				EVS_RRI_HAVE_IFINDEX;
	struct evs_conn *conn, *other;
	struct evs_rri_obj *o;
	int err;

	if (!cn)
		return -ENOMEM;
	o = kmemdup(key, sizeof(*key), GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	INIT_LIST_HEAD(&o->todo_node);

	mutex_lock(&cn->io_lock);
	mutex_lock(&en->lock);
	conn = evs_conn_find_live(cn, o->conn_id, conn_attr, info->extack);
	err = -ENOENT;
	if (!conn)
		goto err_unlock;
	/* Routes: one per (prefix, table, metric) -- the kernel would refuse
	 * a second anyway.  ARP: one per address, whatever the device.
	 */
	if (evs_rri_find(cn, o, o->kind == EVS_RRI_ROUTE ? dup_have : 0,
			 &other)) {
		evs_rri_set_err(info->extack, dup_msg);
		err = -EEXIST;
		goto err_unlock;
	}
	list_add_tail(&o->node, &conn->objs);
	evs_rri_count(conn, o, 1);
	mutex_unlock(&en->lock);

	if (evs_rri_wait_for_ipv6(genl_info_net(info), o)) {
		mutex_unlock(&cn->io_lock);
		return 0;
	}
	err = evs_rri_apply(cn, o, true);

	mutex_lock(&en->lock);
	if (!err) {
		o->installed = true;
		if (!o->dying)
			evs_rri_notify(cn, o, EVS_EVENT_OP_ADD);
	} else if (!o->dying) {
		evs_rri_count(conn, o, -1);
		list_del(&o->node);
		kfree(o);
	}
	/* else: torn down meanwhile; the syncer frees it. */
	mutex_unlock(&en->lock);
	mutex_unlock(&cn->io_lock);
	if (err) {
		if (err == -EEXIST)
			evs_rri_set_err(info->extack, dup_msg);
		else
			evs_rri_set_err(info->extack, refused_msg);
	}
	return err;

err_unlock:
	mutex_unlock(&en->lock);
	mutex_unlock(&cn->io_lock);
	kfree(o);
	return err;
}

static int evs_rri_del(struct genl_info *info, struct evs_rri_obj *key,
		       unsigned int have, const char *missing_msg)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct evs_conn_net *cn = evs_conn_net_peek(en);
	struct evs_rri_obj *o = NULL;
	struct evs_conn *conn;

	if (cn) {
		mutex_lock(&en->lock);
		o = evs_rri_find(cn, key, have, &conn);
		if (o)
			evs_rri_obj_kill(cn, conn, o, EVS_REASON_USER);
		mutex_unlock(&en->lock);
	}
	if (!o) {
		evs_rri_set_err(info->extack, missing_msg);
		return -ENOENT;
	}
	evs_rri_sync(cn);
	return 0;
}

int evs_nl_route_add(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_rri_obj key = {};
	unsigned int have = 0;
	int err;

	err = evs_rri_parse_route(info, &key, &have, true);
	if (err)
		return err;
	return evs_rri_add(info, &key, info->attrs[EVS_A_ROUTE],
			   "route already exists (same prefix, table and metric)",
			   "the kernel refused the route (is the evs device up?)");
}

int evs_nl_route_del(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_rri_obj key = {};
	unsigned int have = 0;
	int err;

	err = evs_rri_parse_route(info, &key, &have, false);
	if (err)
		return err;
	return evs_rri_del(info, &key, have, "no such RRI route");
}

int evs_nl_parp_add(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_rri_obj key = {};
	unsigned int have = 0;
	int err;

	err = evs_rri_parse_parp(info, &key, &have, true);
	if (err)
		return err;
	return evs_rri_add(info, &key, info->attrs[EVS_A_PROXY_ARP],
			   "a proxy-ARP entry for this address exists",
			   "the kernel refused the proxy-ARP entry");
}

int evs_nl_parp_del(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_rri_obj key = {};
	unsigned int have = 0;
	int err;

	err = evs_rri_parse_parp(info, &key, &have, false);
	if (err)
		return err;
	return evs_rri_del(info, &key, have, "no such proxy-ARP entry");
}

/* Interface-wide proxy NDP: net.ipv6.conf.DEV.proxy_ndp.  rtnetlink
 * writes no IPv6 devconf, so set it as the sysctl does, under rtnl.
 */
static int evs_rri_proxy_ndp_set(struct net *net, int ifindex, bool on,
				 struct nlattr *a,
				 struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct inet6_dev *idev;
	int err = 0;

	rtnl_lock();
	dev = __dev_get_by_index(net, ifindex);
	idev = dev ? __in6_dev_get(dev) : NULL;
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, a, "no such device");
		err = -ENODEV;
	} else if (!idev) {
		NL_SET_ERR_MSG_ATTR(extack, a, "device has no IPv6 configuration");
		err = -EINVAL;
	} else {
		WRITE_ONCE(idev->cnf.proxy_ndp, on);
	}
	rtnl_unlock();
	return err;
}

int evs_nl_parp_set(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *nest = info->attrs[EVS_A_PROXY_ARP];
	struct nlattr *tb[EVS_PARP_A_MAX + 1];
	struct evs_conn_net *cn;
	struct net_device *dev;
	int ifindex, err;
	u16 family;

	err = evs_nl_parse_nest(info, EVS_A_PROXY_ARP, EVS_PARP_A_MAX,
				evs_parp_policy, tb);
	if (err)
		return err;
	if (!tb[EVS_PARP_A_IFINDEX] || !tb[EVS_PARP_A_ENABLE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "need the LAN device and on/off");
		return -EINVAL;
	}
	ifindex = nla_get_u32(tb[EVS_PARP_A_IFINDEX]);
	family = evs_rri_parp_family(tb);
	if (family != AF_INET && family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_PARP_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	if (family == AF_INET6)
		return evs_rri_proxy_ndp_set(genl_info_net(info), ifindex,
					     nla_get_u8(tb[EVS_PARP_A_ENABLE]),
					     tb[EVS_PARP_A_IFINDEX],
					     info->extack);
	rcu_read_lock();
	dev = dev_get_by_index_rcu(genl_info_net(info), ifindex);
	err = 0;
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_PARP_A_IFINDEX],
				    "no such device");
		err = -ENODEV;
	} else if (!__in_dev_get_rcu(dev)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_PARP_A_IFINDEX],
				    "device has no IPv4 configuration");
		err = -EINVAL;
	}
	rcu_read_unlock();
	if (err)
		return err;
	cn = evs_conn_net_get(en);
	if (!cn)
		return -ENOMEM;
	mutex_lock(&cn->io_lock);
	err = evs_rri_proxy_arp_set(cn, ifindex,
				    nla_get_u8(tb[EVS_PARP_A_ENABLE]));
	mutex_unlock(&cn->io_lock);
	if (err)
		NL_SET_ERR_MSG(info->extack,
			       "the kernel refused to set proxy_arp");
	return err;
}

/* cb->args[0]: connection id to continue at; args[1]: objects of that
 * kind already sent from it.  Connections go in id order, so concurrent
 * changes may hide or show an entry but never loop.
 */
static int evs_rri_dump(struct sk_buff *skb, struct netlink_callback *cb,
			u8 kind, u8 cmd)
{
	struct evs_net *en = evs_net(sock_net(skb->sk));
	struct evs_conn_net *cn = evs_conn_net_peek(en);
	struct evs_rri_obj *o;
	struct evs_conn *conn;
	unsigned long id;

	if (!cn)
		return 0;
	mutex_lock(&en->lock);
	xa_for_each_start(&cn->conns, id, conn, cb->args[0]) {
		unsigned long idx = 0;

		list_for_each_entry(o, &conn->objs, node) {
			void *hdr;

			if (o->kind != kind || idx++ < cb->args[1])
				continue;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &evs_genl_family,
					  NLM_F_MULTI, cmd);
			if (!hdr)
				goto out;
			if (evs_rri_fill(skb, o)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[0] = id;
			cb->args[1] = idx;
		}
		cb->args[0] = id + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&en->lock);
	return skb->len;
}

int evs_nl_route_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return evs_rri_dump(skb, cb, EVS_RRI_ROUTE, EVS_CMD_ROUTE_GET);
}

int evs_nl_parp_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return evs_rri_dump(skb, cb, EVS_RRI_PARP, EVS_CMD_PROXY_ARP_GET);
}

int evs_rri_fill(struct sk_buff *msg, const struct evs_rri_obj *o)
{
	struct nlattr *nest;

	if (o->kind == EVS_RRI_ROUTE) {
		nest = nla_nest_start(msg, EVS_A_ROUTE);
		if (!nest ||
		    nla_put_u16(msg, EVS_ROUTE_A_FAMILY, o->family) ||
		    nla_put(msg, EVS_ROUTE_A_DST, evs_rri_alen(o->family),
			    &o->addr) ||
		    nla_put_u8(msg, EVS_ROUTE_A_PLEN, o->plen) ||
		    nla_put_u32(msg, EVS_ROUTE_A_METRIC, o->metric) ||
		    nla_put_u32(msg, EVS_ROUTE_A_TABLE, o->table) ||
		    nla_put_u32(msg, EVS_ROUTE_A_CONN_ID, o->conn_id) ||
		    nla_put_u32(msg, EVS_ROUTE_A_IFINDEX, o->ifindex))
			goto err;
	} else {
		nest = nla_nest_start(msg, EVS_A_PROXY_ARP);
		if (!nest ||
		    nla_put(msg, EVS_PARP_A_ADDR, evs_rri_alen(o->family),
			    &o->addr) ||
		    nla_put_u16(msg, EVS_PARP_A_FAMILY, o->family) ||
		    nla_put_u32(msg, EVS_PARP_A_IFINDEX, o->ifindex) ||
		    nla_put_u32(msg, EVS_PARP_A_CONN_ID, o->conn_id))
			goto err;
	}
	nla_nest_end(msg, nest);
	return 0;
err:
	if (nest)
		nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}
