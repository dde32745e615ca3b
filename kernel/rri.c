// SPDX-License-Identifier: GPL-2.0
/*
 * Reverse route injection and proxy ARP.
 *
 * The module keeps the intent (which routes into which evs device, which
 * proxy-ARP entries on which LAN device, for which connection) and applies
 * it to the kernel's own tables by sending RTM_NEWROUTE / RTM_DELROUTE /
 * RTM_NEWNEIGH / RTM_DELNEIGH / RTM_SETLINK through a kernel-side
 * NETLINK_ROUTE socket in the namespace.  Linux 6.1 exports no route insert
 * function and no pneigh_delete, and rtnetlink is the interface the rest of
 * the system (iproute2, FRR's zebra) already understands: the routes carry
 * rtm_protocol EVS_RTPROT (77, "evs"), proxy entries NDA_PROTOCOL 77.
 *
 * Requests go out from process context with no lock but cn->io_lock held:
 * installs synchronously from the netlink handler (so the caller sees the
 * kernel's answer), removals from the handler or from a work item when the
 * trigger (SA expiry, device events) runs where we cannot sleep on rtnl.
 * The intent outlives evsd: routes go with their SAs even if nobody is
 * listening.  Devices going down drop what the kernel flushed and
 * reinstall it when they come back up; devices going away take their
 * objects with them.
 */
#include <linux/inetdevice.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "conn.h"

#define EVS_RRI_RXBUF 4096

/* --- talking to rtnetlink ----------------------------------------------- */

static struct sk_buff *evs_rri_msg_new(struct evs_conn_net *cn, int type,
				       int flags, size_t hdrlen)
{
	struct nlmsghdr *nlh;
	struct sk_buff *skb;

	skb = nlmsg_new(NLMSG_ALIGN(hdrlen) + 128, GFP_KERNEL);
	if (!skb)
		return NULL;
	nlh = nlmsg_put(skb, 0, ++cn->seq, type, hdrlen,
			NLM_F_REQUEST | NLM_F_ACK | flags);
	if (!nlh) {
		kfree_skb(skb);
		return NULL;
	}
	memset(nlmsg_data(nlh), 0, hdrlen);
	return skb;
}

/* The kernel's extack text of an error ACK, if it sent one. */
static const char *evs_rri_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += nlmsg_len(&e->msg);
	off = NLMSG_ALIGN(off);
	if (off >= nlmsg_len(nlh))
		return NULL;
	a = nla_find((const struct nlattr *)((const u8 *)e + off),
		     nlmsg_len(nlh) - off, NLMSGERR_ATTR_MSG);
	if (!a || !nla_len(a) || ((const char *)nla_data(a))[nla_len(a) - 1])
		return NULL;
	return nla_data(a);
}

/*
 * Send one request and wait for its ACK.  rtnetlink handles a request
 * synchronously inside sendmsg, so the answer is queued when it returns.
 * @reply, if set, is called for a non-ACK answer (a GET).  Returns the
 * errno the kernel answered with.
 */
static int evs_rri_request(struct evs_conn_net *cn, struct sk_buff *req,
			   const char *what,
			   void (*reply)(const struct nlmsghdr *, void *),
			   void *arg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* An explicit destination marks the request NETLINK_SKB_DST, so
	 * rtnetlink checks CAP_NET_ADMIN of the calling task (the netlink
	 * caller, or a kworker) instead of the socket's opener file.
	 */
	struct msghdr msg = { .msg_name = &kernel,
			      .msg_namelen = sizeof(kernel) };
	struct kvec iov = { .iov_base = req->data, .iov_len = req->len };
	u32 seq = nlmsg_hdr(req)->nlmsg_seq;
	int err;

	lockdep_assert_held(&cn->io_lock);
	err = kernel_sendmsg(cn->sock, &msg, &iov, 1, iov.iov_len);
	kfree_skb(req);
	if (err < 0)
		return err;

	for (;;) {
		struct msghdr rmsg = {};
		struct kvec riov = { .iov_base = cn->rxbuf,
				     .iov_len = EVS_RRI_RXBUF };
		struct nlmsghdr *nlh = cn->rxbuf;
		int len;

		len = kernel_recvmsg(cn->sock, &rmsg, &riov, 1, EVS_RRI_RXBUF,
				     MSG_DONTWAIT);
		if (len < 0)
			return len == -EAGAIN ? -EIO : len;
		for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
			const char *text;

			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type != NLMSG_ERROR) {
				if (reply)
					reply(nlh, arg);
				continue;
			}
			if (nlmsg_len(nlh) < sizeof(struct nlmsgerr))
				return -EIO;
			err = ((struct nlmsgerr *)nlmsg_data(nlh))->error;
			text = err ? evs_rri_ack_msg(nlh) : NULL;
			if (err && what)
				net_info_ratelimited("evs: %s: %s (%d)\n", what,
						     text ?: "refused", err);
			return err;
		}
	}
}

static int evs_rri_alen(u16 family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(__be32);
}

static int evs_rri_route(struct evs_conn_net *cn, const struct evs_rri_obj *o,
			 bool add)
{
	struct sk_buff *skb;
	struct rtmsg *rtm;

	skb = evs_rri_msg_new(cn, add ? RTM_NEWROUTE : RTM_DELROUTE,
			      add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm));
	if (!skb)
		return -ENOMEM;
	rtm = nlmsg_data(nlmsg_hdr(skb));
	rtm->rtm_family = o->family;
	rtm->rtm_dst_len = o->plen;
	rtm->rtm_table = o->table < 256 ? o->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = EVS_RTPROT;
	/* Deleting with protocol, device and metric set removes our route
	 * and never somebody else's.
	 */
	rtm->rtm_scope = add ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNICAST;
	if (nla_put_u32(skb, RTA_TABLE, o->table) ||
	    nla_put(skb, RTA_DST, evs_rri_alen(o->family), &o->addr) ||
	    nla_put_u32(skb, RTA_OIF, o->ifindex) ||
	    nla_put_u32(skb, RTA_PRIORITY, o->metric)) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlmsg_hdr(skb));
	return evs_rri_request(cn, skb, add ? "route add" : "route del",
			       NULL, NULL);
}

static struct sk_buff *evs_rri_neigh_msg(struct evs_conn_net *cn, int type,
					 int flags, const struct evs_rri_obj *o)
{
	struct sk_buff *skb;
	struct ndmsg *ndm;

	skb = evs_rri_msg_new(cn, type, flags, sizeof(*ndm));
	if (!skb)
		return NULL;
	ndm = nlmsg_data(nlmsg_hdr(skb));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = o->ifindex;
	ndm->ndm_flags = NTF_PROXY;
	/* Permanent: survives carrier loss (not ifdown, see the notifier). */
	if (type == RTM_NEWNEIGH)
		ndm->ndm_state = NUD_PERMANENT;
	if (nla_put(skb, NDA_DST, sizeof(__be32), &o->addr.a4) ||
	    (type == RTM_NEWNEIGH &&
	     nla_put_u8(skb, NDA_PROTOCOL, EVS_RTPROT))) {
		kfree_skb(skb);
		return NULL;
	}
	nlmsg_end(skb, nlmsg_hdr(skb));
	return skb;
}

/* Reply to RTM_GETNEIGH: the existing entry's protocol (0 = unset). */
static void evs_rri_neigh_proto(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a;
	int *proto = arg;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlmsg_len(nlh) < sizeof(struct ndmsg))
		return;
	a = nlmsg_find_attr(nlh, sizeof(struct ndmsg), NDA_PROTOCOL);
	*proto = a && nla_len(a) >= 1 ? nla_get_u8(a) : 0;
}

static int evs_rri_parp(struct evs_conn_net *cn, const struct evs_rri_obj *o,
			bool add)
{
	struct sk_buff *skb;
	int proto = -1, err;

	if (!add) {
		skb = evs_rri_neigh_msg(cn, RTM_DELNEIGH, 0, o);
		return skb ? evs_rri_request(cn, skb, "proxy-arp del",
					     NULL, NULL) : -ENOMEM;
	}
	/* pneigh add silently takes over an existing entry: refuse one the
	 * operator (or another program) installed, so we never delete it.
	 */
	skb = evs_rri_neigh_msg(cn, RTM_GETNEIGH, 0, o);
	if (!skb)
		return -ENOMEM;
	err = evs_rri_request(cn, skb, NULL, evs_rri_neigh_proto, &proto);
	if (!err && proto >= 0 && proto != EVS_RTPROT)
		return -EEXIST;
	if (err && err != -ENOENT)
		return err;
	skb = evs_rri_neigh_msg(cn, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
				o);
	return skb ? evs_rri_request(cn, skb, "proxy-arp add", NULL, NULL)
		   : -ENOMEM;
}

static int evs_rri_apply(struct evs_conn_net *cn, const struct evs_rri_obj *o,
			 bool add)
{
	return o->kind == EVS_RRI_ROUTE ? evs_rri_route(cn, o, add)
					: evs_rri_parp(cn, o, add);
}

/* Interface-wide proxy ARP: the net.ipv4.conf.DEV.proxy_arp sysctl, set
 * through RTM_SETLINK / IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF (devinet's
 * inet_set_link_af), the one rtnetlink path that writes ipv4 devconf.
 */
static int evs_rri_proxy_arp_set(struct evs_conn_net *cn, int ifindex,
				 bool on)
{
	struct nlattr *af, *inet, *conf;
	struct ifinfomsg *ifi;
	struct sk_buff *skb;

	skb = evs_rri_msg_new(cn, RTM_SETLINK, 0, sizeof(*ifi));
	if (!skb)
		return -ENOMEM;
	ifi = nlmsg_data(nlmsg_hdr(skb));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	af = nla_nest_start(skb, IFLA_AF_SPEC);
	inet = af ? nla_nest_start(skb, AF_INET) : NULL;
	conf = inet ? nla_nest_start(skb, IFLA_INET_CONF) : NULL;
	if (!conf || nla_put_u32(skb, IPV4_DEVCONF_PROXY_ARP, on)) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, conf);
	nla_nest_end(skb, inet);
	nla_nest_end(skb, af);
	nlmsg_end(skb, nlmsg_hdr(skb));
	return evs_rri_request(cn, skb, "proxy-arp set", NULL, NULL);
}

/* --- events ------------------------------------------------------------- */

static int evs_rri_fill(struct sk_buff *msg, const struct evs_rri_obj *o)
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
		    nla_put(msg, EVS_PARP_A_ADDR, sizeof(__be32), &o->addr.a4) ||
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

/* EV_ROUTE / EV_PROXY_ARP: an entry appeared in or left the kernel table. */
static void evs_rri_notify(struct evs_conn_net *cn, struct evs_rri_obj *o,
			   u8 op)
{
	struct sk_buff *msg;
	void *hdr;

	/* ADD and DEL come in pairs: no DEL for what was never announced. */
	if (op == EVS_EVENT_OP_DEL && !o->announced)
		return;
	o->announced = op == EVS_EVENT_OP_ADD;
	if (cn->exiting)
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &evs_genl_family, 0,
			  o->kind == EVS_RRI_ROUTE ? EVS_CMD_EV_ROUTE
						   : EVS_CMD_EV_PROXY_ARP);
	if (!hdr || evs_rri_fill(msg, o) ||
	    nla_put_u8(msg, EVS_A_EVENT_OP, op) ||
	    (op == EVS_EVENT_OP_DEL && nla_put_u8(msg, EVS_A_REASON, o->reason))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	evs_nl_multicast(cn->net, msg, GFP_KERNEL);
}

/* --- intent bookkeeping (en->lock held) --------------------------------- */

static void evs_rri_count(struct evs_conn *conn, struct evs_rri_obj *o,
			  int delta)
{
	if (o->kind == EVS_RRI_ROUTE)
		conn->n_route += delta;
	else
		conn->n_parp += delta;
}

/* Hand @o over to the syncer for removal. */
static void evs_rri_obj_kill(struct evs_conn_net *cn, struct evs_conn *conn,
			     struct evs_rri_obj *o, u8 reason)
{
	lockdep_assert_held(&cn->en->lock);
	evs_rri_count(conn, o, -1);
	list_del_init(&o->todo_node);
	o->dying = true;
	o->reason = reason;
	list_move_tail(&o->node, &cn->dying);
}

void evs_rri_conn_release(struct evs_conn_net *cn, struct evs_conn *conn,
			  u8 reason)
{
	struct evs_rri_obj *o, *tmp;

	list_for_each_entry_safe(o, tmp, &conn->objs, node)
		evs_rri_obj_kill(cn, conn, o, reason);
}

/*
 * Remove what is dying, (re)install what is pending.  Process context, no
 * locks held; returns when both queues were seen empty.
 */
void evs_rri_sync(struct evs_conn_net *cn)
{
	struct evs_net *en = cn->en;
	struct evs_rri_obj *o;

	mutex_lock(&cn->io_lock);
	for (;;) {
		mutex_lock(&en->lock);
		o = list_first_entry_or_null(&cn->dying, struct evs_rri_obj,
					     node);
		if (o) {
			list_del(&o->node);
			mutex_unlock(&en->lock);
			/* A dying netns drops its tables by itself. */
			if (o->installed && check_net(cn->net))
				evs_rri_apply(cn, o, false);
			evs_rri_notify(cn, o, EVS_EVENT_OP_DEL);
			kfree(o);
			continue;
		}
		o = list_first_entry_or_null(&cn->todo, struct evs_rri_obj,
					     todo_node);
		if (o) {
			int err = 0;

			list_del_init(&o->todo_node);
			mutex_unlock(&en->lock);
			if (!cn->exiting)
				err = evs_rri_apply(cn, o, true);
			mutex_lock(&en->lock);
			if (!err && !cn->exiting) {
				o->installed = true;
				if (!o->dying)
					evs_rri_notify(cn, o, EVS_EVENT_OP_ADD);
			}
		}
		mutex_unlock(&en->lock);
		if (!o)
			break;
	}
	mutex_unlock(&cn->io_lock);
}

/* --- device events ------------------------------------------------------ */

/*
 * The kernel flushes routes through a device and proxy entries on it when
 * the device goes down, and both when it goes away.  Down: forget they are
 * installed, reinstall on up.  Gone: the objects go too (a new device with
 * the same name is a different device).  Runs under rtnl: only bookkeeping
 * here, the work item does the talking.
 */
static int evs_rri_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct evs_conn_net *cn = container_of(nb, struct evs_conn_net,
					       netdev_nb);
	struct evs_rri_obj *o, *tmp;
	struct evs_conn *conn;
	unsigned long id;
	bool kick = false;

	if (event != NETDEV_DOWN && event != NETDEV_UP &&
	    event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;

	mutex_lock(&cn->en->lock);
	if (cn->exiting)
		goto out;
	xa_for_each(&cn->conns, id, conn) {
		list_for_each_entry_safe(o, tmp, &conn->objs, node) {
			if (o->ifindex != dev->ifindex)
				continue;
			if (event == NETDEV_UP) {
				if (!o->installed &&
				    list_empty(&o->todo_node)) {
					list_add_tail(&o->todo_node, &cn->todo);
					kick = true;
				}
				continue;
			}
			o->installed = false;
			o->reason = EVS_REASON_DEVICE_GONE;
			evs_rri_notify(cn, o, EVS_EVENT_OP_DEL);
			if (event == NETDEV_UNREGISTER) {
				evs_rri_obj_kill(cn, conn, o,
						 EVS_REASON_DEVICE_GONE);
				kick = true;
			}
		}
	}
out:
	mutex_unlock(&cn->en->lock);
	if (kick)
		queue_work(system_wq, &cn->work);
	return NOTIFY_DONE;
}

/* --- per netns ---------------------------------------------------------- */

int evs_rri_net_init(struct evs_conn_net *cn)
{
	int one = 1, err;

	cn->rxbuf = kmalloc(EVS_RRI_RXBUF, GFP_KERNEL);
	if (!cn->rxbuf)
		return -ENOMEM;
	err = sock_create_kern(cn->net, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE,
			       &cn->sock);
	if (err)
		goto err_buf;
	/* Short ACKs carrying the kernel's error text, for the log. */
	cn->sock->ops->setsockopt(cn->sock, SOL_NETLINK, NETLINK_CAP_ACK,
				  KERNEL_SOCKPTR(&one), sizeof(one));
	cn->sock->ops->setsockopt(cn->sock, SOL_NETLINK, NETLINK_EXT_ACK,
				  KERNEL_SOCKPTR(&one), sizeof(one));
	cn->netdev_nb.notifier_call = evs_rri_netdev_event;
	err = register_netdevice_notifier_net(cn->net, &cn->netdev_nb);
	if (err)
		goto err_sock;
	return 0;

err_sock:
	sock_release(cn->sock);
	cn->sock = NULL;
err_buf:
	kfree(cn->rxbuf);
	cn->rxbuf = NULL;
	return err;
}

/* Stop device events; conn.c then flushes and calls evs_rri_net_free. */
void evs_rri_net_exit(struct evs_conn_net *cn)
{
	unregister_netdevice_notifier_net(cn->net, &cn->netdev_nb);
}

void evs_rri_net_free(struct evs_conn_net *cn)
{
	sock_release(cn->sock);
	kfree(cn->rxbuf);
}

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

	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing EVS_A_ROUTE");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, EVS_ROUTE_A_MAX, nest, evs_route_policy,
			       extack);
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

static int evs_rri_parse_parp(struct genl_info *info, struct evs_rri_obj *o,
			      unsigned int *have, bool add)
{
	struct nlattr *nest = info->attrs[EVS_A_PROXY_ARP];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[EVS_PARP_A_MAX + 1];
	struct net_device *dev;
	int err;

	if (!nest) {
		NL_SET_ERR_MSG(extack, "missing EVS_A_PROXY_ARP");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, EVS_PARP_A_MAX, nest, evs_parp_policy,
			       extack);
	if (err)
		return err;
	o->kind = EVS_RRI_PARP;
	o->family = AF_INET;
	o->plen = 32;
	if (!tb[EVS_PARP_A_ADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "missing address");
		return -EINVAL;
	}
	o->addr.a4 = nla_get_in_addr(tb[EVS_PARP_A_ADDR]);
	if (ipv4_is_multicast(o->addr.a4) || ipv4_is_zeronet(o->addr.a4) ||
	    ipv4_is_lbcast(o->addr.a4) || ipv4_is_loopback(o->addr.a4)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_ADDR],
				    "not a unicast address");
		return -EINVAL;
	}
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
	} else if (add && (evs_is_evs_device(dev) ||
			   (dev->flags & IFF_LOOPBACK) ||
			   !(dev->flags & IFF_BROADCAST))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_IFINDEX],
				    "proxy ARP needs a broadcast LAN device");
		err = -EINVAL;
	} else if (add && !__in_dev_get_rcu(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_IFINDEX],
				    "device has no IPv4 configuration");
		err = -EINVAL;
	} else if (add) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);

		/* Not an error: the operator may enable it afterwards. */
		if (!IN_DEV_FORWARD(in_dev))
			NL_SET_ERR_MSG_ATTR(extack, tb[EVS_PARP_A_IFINDEX],
					    "warning: forwarding is off on this device, so its proxy ARP entries are not answered");
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

/* Common add: record the intent, install it, and keep it only if the
 * kernel took it.  The handler holds io_lock throughout, so the object
 * stays allocated even if its connection is torn down meanwhile.
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
	/* Pairs with the release in evs_conn_net_get: cn is initialised. */
	struct evs_conn_net *cn = smp_load_acquire(&en->rri);
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

int evs_nl_parp_set(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *nest = info->attrs[EVS_A_PROXY_ARP];
	struct nlattr *tb[EVS_PARP_A_MAX + 1];
	struct evs_conn_net *cn;
	struct net_device *dev;
	int ifindex, err;

	if (!nest) {
		NL_SET_ERR_MSG(info->extack, "missing EVS_A_PROXY_ARP");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, EVS_PARP_A_MAX, nest, evs_parp_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[EVS_PARP_A_IFINDEX] || !tb[EVS_PARP_A_ENABLE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "need the LAN device and on/off");
		return -EINVAL;
	}
	ifindex = nla_get_u32(tb[EVS_PARP_A_IFINDEX]);
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
	/* Pairs with the release in evs_conn_net_get: cn is initialised. */
	struct evs_conn_net *cn = smp_load_acquire(&en->rri);
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
