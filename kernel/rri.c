// SPDX-License-Identifier: GPL-2.0
/*
 * Reverse route injection, proxy ARP (IPv4) and proxy NDP (IPv6).
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
 * listening.  Devices going down (or losing their last IPv4 address, or
 * IPv6 going off on them) drop what the kernel flushed and reinstall it
 * when they come back up (or get an address again); devices going away
 * take their objects with them.
 */
#include <linux/inetdevice.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
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

int evs_rri_alen(u16 family)
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
	ndm->ndm_family = o->family;
	ndm->ndm_ifindex = o->ifindex;
	ndm->ndm_flags = NTF_PROXY;
	/* Permanent: survives carrier loss (not ifdown, see the notifier). */
	if (type == RTM_NEWNEIGH)
		ndm->ndm_state = NUD_PERMANENT;
	if (nla_put(skb, NDA_DST, evs_rri_alen(o->family), &o->addr) ||
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

int evs_rri_apply(struct evs_conn_net *cn, const struct evs_rri_obj *o,
		  bool add)
{
	return o->kind == EVS_RRI_ROUTE ? evs_rri_route(cn, o, add)
					: evs_rri_parp(cn, o, add);
}

/* Interface-wide proxy ARP: the net.ipv4.conf.DEV.proxy_arp sysctl, set
 * through RTM_SETLINK / IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF (devinet's
 * inet_set_link_af), the one rtnetlink path that writes ipv4 devconf.
 */
int evs_rri_proxy_arp_set(struct evs_conn_net *cn, int ifindex,
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

/* EV_ROUTE / EV_PROXY_ARP: an entry appeared in or left the kernel table. */
void evs_rri_notify(struct evs_conn_net *cn, struct evs_rri_obj *o,
		    u8 op)
{
	/* ADD and DEL come in pairs: no DEL for what was never announced. */
	if (op == EVS_EVENT_OP_DEL && !o->announced)
		return;
	o->announced = op == EVS_EVENT_OP_ADD;
	if (!cn->exiting)
		evs_event_rri(cn->net, o, op);
}

/* --- intent bookkeeping (en->lock held) --------------------------------- */

void evs_rri_count(struct evs_conn *conn, struct evs_rri_obj *o,
		   int delta)
{
	if (o->kind == EVS_RRI_ROUTE)
		conn->n_route += delta;
	else
		conn->n_parp += delta;
}

/* Hand @o over to the syncer for removal. */
void evs_rri_obj_kill(struct evs_conn_net *cn, struct evs_conn *conn,
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

enum evs_rri_dev_change {
	EVS_RRI_DEV_SAME,	/* nothing to do for this object */
	EVS_RRI_DEV_FLUSHED,	/* the kernel dropped the entries */
	EVS_RRI_DEV_BACK,	/* they can be installed again */
	EVS_RRI_DEV_GONE,	/* unregistered: the entries go for good */
};

/* What a change of its device means for one object. */
typedef enum evs_rri_dev_change (*evs_rri_judge_t)(struct evs_conn_net *cn,
						   const struct evs_rri_obj *o,
						   const void *arg);

/* Bookkeeping for one object; true when the work item has to run. */
static bool evs_rri_obj_update(struct evs_conn_net *cn, struct evs_conn *conn,
			       struct evs_rri_obj *o,
			       enum evs_rri_dev_change change)
{
	switch (change) {
	case EVS_RRI_DEV_SAME:
		return false;
	case EVS_RRI_DEV_BACK:
		if (o->installed || !list_empty(&o->todo_node))
			return false;
		list_add_tail(&o->todo_node, &cn->todo);
		return true;
	case EVS_RRI_DEV_FLUSHED:
	case EVS_RRI_DEV_GONE:
		o->installed = false;
		o->reason = EVS_REASON_DEVICE_GONE;
		evs_rri_notify(cn, o, EVS_EVENT_OP_DEL);
		if (change != EVS_RRI_DEV_GONE)
			return false;
		evs_rri_obj_kill(cn, conn, o, EVS_REASON_DEVICE_GONE);
		return true;
	}
	return false;
}

/*
 * Every object of the namespace through @judge, under the lock: the
 * device notifiers and the IPv6 recheck share this walk; the work item
 * does the talking.
 */
static void evs_rri_objs_update(struct evs_conn_net *cn, evs_rri_judge_t judge,
				const void *arg)
{
	struct evs_rri_obj *o, *tmp;
	struct evs_conn *conn;
	unsigned long id;
	bool kick = false;

	mutex_lock(&cn->en->lock);
	if (cn->exiting)
		goto out;
	xa_for_each(&cn->conns, id, conn)
		list_for_each_entry_safe(o, tmp, &conn->objs, node)
			kick |= evs_rri_obj_update(cn, conn, o,
						   judge(cn, o, arg));
out:
	mutex_unlock(&cn->en->lock);
	if (kick)
		queue_work(system_wq, &cn->work);
}

struct evs_rri_dev_event {
	const struct net_device *dev;
	enum evs_rri_dev_change change;
	bool ipv4_only;		/* a change of IPv4 addresses */
};

static enum evs_rri_dev_change evs_rri_judge_dev(struct evs_conn_net *cn,
						 const struct evs_rri_obj *o,
						 const void *arg)
{
	const struct evs_rri_dev_event *ev = arg;

	if (o->ifindex != ev->dev->ifindex ||
	    (ev->ipv4_only && o->family != AF_INET))
		return EVS_RRI_DEV_SAME;
	return ev->change;
}

/*
 * Bookkeeping for the objects on @dev (under rtnl, from a notifier).  With
 * @ipv4_only, only IPv4 routes and proxy ARP entries are concerned.
 */
static void evs_rri_dev_changed(struct evs_conn_net *cn, struct net_device *dev,
				enum evs_rri_dev_change change, bool ipv4_only)
{
	const struct evs_rri_dev_event ev = { dev, change, ipv4_only };

	evs_rri_objs_update(cn, evs_rri_judge_dev, &ev);
}

/*
 * The kernel flushes routes through a device and proxy entries on it when
 * the device goes down, and both when it goes away.  Down: forget they are
 * installed, reinstall on up.  Gone: the objects go too (a new device with
 * the same name is a different device).
 */
static int evs_rri_netdev_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct evs_conn_net *cn = container_of(nb, struct evs_conn_net,
					       netdev_nb);

	if (event == NETDEV_DOWN)
		evs_rri_dev_changed(cn, dev, EVS_RRI_DEV_FLUSHED, false);
	else if (event == NETDEV_UP)
		evs_rri_dev_changed(cn, dev, EVS_RRI_DEV_BACK, false);
	else if (event == NETDEV_UNREGISTER)
		evs_rri_dev_changed(cn, dev, EVS_RRI_DEV_GONE, false);
	return NOTIFY_DONE;
}

/*
 * Removing a device's last IPv4 address disables IPv4 on it: the kernel
 * (fib_disable_ip, whose notifier ran before ours) flushes the IPv4 routes
 * through it and its proxy entries, as on down.  The first address to come
 * back makes them installable again; on a device that is down, NETDEV_UP
 * will do it.
 */
static int evs_rri_inetaddr_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct evs_conn_net *cn = container_of(nb, struct evs_conn_net,
					       inetaddr_nb);
	struct in_ifaddr *ifa = ptr;
	struct in_device *in_dev = ifa->ifa_dev;
	struct net_device *dev = in_dev->dev;

	/* One chain for every namespace. */
	if (!net_eq(dev_net(dev), cn->net))
		return NOTIFY_DONE;
	if (event == NETDEV_DOWN && !rtnl_dereference(in_dev->ifa_list))
		evs_rri_dev_changed(cn, dev, EVS_RRI_DEV_FLUSHED, true);
	else if (event == NETDEV_UP && netif_running(dev))
		evs_rri_dev_changed(cn, dev, EVS_RRI_DEV_BACK, true);
	return NOTIFY_DONE;
}

/*
 * IPv6 drops a device's IPv6 routes and proxy NDP entries when IPv6 goes
 * off on it (disable_ipv6, an MTU under 1280) without a device event; it
 * tells only the addresses' notifier chain, which is atomic.  The work
 * item then compares each IPv6 object with its device: off means flushed,
 * on again (an address came back, the device runs) means reinstall.
 */
bool evs_rri_dev_ipv6_on(struct net *net, int ifindex)
{
	struct net_device *dev;
	struct inet6_dev *idev;
	bool on;

	rcu_read_lock();
	dev = dev_get_by_index_rcu(net, ifindex);
	idev = dev ? __in6_dev_get(dev) : NULL;
	on = idev && netif_running(dev) && !READ_ONCE(idev->dead) &&
	     !READ_ONCE(idev->cnf.disable_ipv6);
	rcu_read_unlock();
	return on;
}

static enum evs_rri_dev_change evs_rri_judge_v6(struct evs_conn_net *cn,
						const struct evs_rri_obj *o,
						const void *arg)
{
	if (o->family != AF_INET6)
		return EVS_RRI_DEV_SAME;
	if (!evs_rri_dev_ipv6_on(cn->net, o->ifindex))
		return o->installed ? EVS_RRI_DEV_FLUSHED : EVS_RRI_DEV_SAME;
	return EVS_RRI_DEV_BACK;
}

static void evs_rri_v6_work(struct work_struct *work)
{
	struct evs_conn_net *cn = container_of(work, struct evs_conn_net,
					       v6_work);

	evs_rri_objs_update(cn, evs_rri_judge_v6, NULL);
}

static int evs_rri_inet6addr_event(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct evs_conn_net *cn = container_of(nb, struct evs_conn_net,
					       inet6addr_nb);
	struct inet6_ifaddr *ifa = ptr;

	if (net_eq(dev_net(ifa->idev->dev), cn->net) &&
	    (event == NETDEV_UP || event == NETDEV_DOWN))
		queue_work(system_wq, &cn->v6_work);
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
	cn->inetaddr_nb.notifier_call = evs_rri_inetaddr_event;
	err = register_inetaddr_notifier(&cn->inetaddr_nb);
	if (err)
		goto err_netdev;
	INIT_WORK(&cn->v6_work, evs_rri_v6_work);
	cn->inet6addr_nb.notifier_call = evs_rri_inet6addr_event;
	err = register_inet6addr_notifier(&cn->inet6addr_nb);
	if (err)
		goto err_inetaddr;
	return 0;

err_inetaddr:
	unregister_inetaddr_notifier(&cn->inetaddr_nb);
err_netdev:
	unregister_netdevice_notifier_net(cn->net, &cn->netdev_nb);
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
	unregister_inet6addr_notifier(&cn->inet6addr_nb);
	cancel_work_sync(&cn->v6_work);
	unregister_inetaddr_notifier(&cn->inetaddr_nb);
	unregister_netdevice_notifier_net(cn->net, &cn->netdev_nb);
}

void evs_rri_net_free(struct evs_conn_net *cn)
{
	sock_release(cn->sock);
	kfree(cn->rxbuf);
}
