/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connections and what they own (conn.c), and the routes and proxy-ARP
 * entries applied to the kernel's own tables (rri.c), with their netlink
 * requests (conn_nl.c, rri_nl.c) and events (events.c); the rest of the
 * module sees only the hooks in evs.h.
 *
 * Locking:
 *  - evs_net->lock guards the connection table, every connection's fields
 *    and lists, and every RRI object's fields and list links.
 *  - cn->io_lock serialises use of the kernel NETLINK_ROUTE socket.  It is
 *    taken first (io_lock -> rtnl, io_lock -> evs_net->lock) and never while
 *    holding evs_net->lock or rtnl.  RRI objects are freed only by the thread
 *    holding io_lock, so whoever holds it may use an object across unlocked
 *    rtnetlink requests.
 */
#ifndef _EVS_CONN_H
#define _EVS_CONN_H

#include <linux/xarray.h>
#include "evs.h"

#define EVS_CONN_LABEL_MAX 64

enum evs_rri_kind {
	EVS_RRI_ROUTE,
	EVS_RRI_PARP,
};

/* One route or proxy-ARP entry: the intent, and whether it is in the
 * kernel's tables right now.
 */
struct evs_rri_obj {
	struct list_head node;		/* conn->objs, or cn->dying */
	struct list_head todo_node;	/* cn->todo while (re)install pending */
	u32 conn_id;
	u8 kind;			/* enum evs_rri_kind */
	u8 plen;
	u16 family;
	union evs_addr addr;
	u32 metric, table;		/* routes only */
	int ifindex;			/* evs device (route) or LAN (ARP) */
	u8 reason;			/* enum evs_del_reason, when dying */
	bool dying;			/* on cn->dying, owned by the syncer */
	bool installed;			/* present in the kernel tables */
	bool announced;			/* EVENT_OP_ADD multicast sent */
};

struct evs_conn {
	u32 id;
	char label[EVS_CONN_LABEL_MAX + 1];
	struct list_head sas;		/* evs_sa.conn_node */
	struct list_head objs;		/* evs_rri_obj.node */
	unsigned int n_route, n_parp;
	struct list_head reap_node;	/* cn->reap while dying */
	bool dying;			/* no new objects may join */
	u8 reason;			/* why it is going */
};

/* Per-netns state of conn.c and rri.c, hung on evs_net->rri. */
struct evs_conn_net {
	struct evs_net *en;
	struct net *net;
	struct xarray conns;		/* id -> evs_conn */
	struct list_head reap;		/* conns whose last SA went */
	struct list_head dying;		/* objects to remove, then free */
	struct list_head todo;		/* objects to (re)install */
	struct work_struct work;
	struct notifier_block netdev_nb;
	struct notifier_block inetaddr_nb;	/* global chain: filter by net */
	struct notifier_block inet6addr_nb;	/* global, atomic: ... */
	struct work_struct v6_work;		/* ... does the work */
	bool exiting;			/* netns or module going: no events */

	struct mutex io_lock;		/* see the top of this file */
	struct socket *sock;		/* kernel NETLINK_ROUTE socket */
	u32 seq;
	void *rxbuf;
};

/* conn.c */
/* The per-netns state: created on first use by _get, NULL if none by
 * _peek.
 */
struct evs_conn_net *evs_conn_net_get(struct evs_net *en);
struct evs_conn_net *evs_conn_net_peek(struct evs_net *en);
int evs_conn_create(struct evs_net *en, u32 id, const char *label);
int evs_conn_delete(struct evs_net *en, u32 id);
void evs_conn_flush(struct evs_net *en);
/* A live connection, or NULL with an extack message (en->lock held). */
struct evs_conn *evs_conn_find_live(struct evs_conn_net *cn, u32 id,
				    const struct nlattr *attr,
				    struct netlink_ext_ack *extack);

/* rri.c */
int evs_rri_net_init(struct evs_conn_net *cn);
void evs_rri_net_exit(struct evs_conn_net *cn);
void evs_rri_net_free(struct evs_conn_net *cn);
/* Detach every object of @conn and queue it for removal (en->lock). */
void evs_rri_conn_release(struct evs_conn_net *cn, struct evs_conn *conn,
			  u8 reason);
/* Apply queued removals and installs.  Process context, no locks held. */
void evs_rri_sync(struct evs_conn_net *cn);
/* For rri_nl.c: one request to rtnetlink (io_lock held) ... */
int evs_rri_apply(struct evs_conn_net *cn, const struct evs_rri_obj *o,
		  bool add);
int evs_rri_proxy_arp_set(struct evs_conn_net *cn, int ifindex, bool on);
/* Can IPv6 objects go on device @ifindex now (running, IPv6 on)? */
bool evs_rri_dev_ipv6_on(struct net *net, int ifindex);
/* ... and the bookkeeping around it (en->lock held). */
int evs_rri_alen(u16 family);
void evs_rri_notify(struct evs_conn_net *cn, struct evs_rri_obj *o, u8 op);
void evs_rri_count(struct evs_conn *conn, struct evs_rri_obj *o, int delta);
void evs_rri_obj_kill(struct evs_conn_net *cn, struct evs_conn *conn,
		      struct evs_rri_obj *o, u8 reason);

/* conn_nl.c, rri_nl.c: the EVS_A_CONN / EVS_A_ROUTE / EVS_A_PROXY_ARP
 * nests of replies and events.
 */
int evs_conn_fill(struct sk_buff *msg, struct evs_conn *conn);
int evs_rri_fill(struct sk_buff *msg, const struct evs_rri_obj *o);

#endif /* _EVS_CONN_H */
