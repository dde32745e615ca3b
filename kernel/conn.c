// SPDX-License-Identifier: GPL-2.0
/*
 * Connection objects: one per remote client, chosen by userspace (evsd),
 * grouping the client's SAs, policies, RRI routes and proxy-ARP entries so
 * that they all go together: on CONN_DEL, on CONN_FLUSH, or when the last
 * SA of the connection is deleted or hard-expires.
 *
 * A connection must exist before anything names it (CONN_ADD first); an SA,
 * route or ARP entry naming an unknown connection is refused.  Creating it
 * implicitly would let a late request from a confused daemon resurrect a
 * connection that just expired, with nothing left to ever remove it.
 */
#include <linux/slab.h>
#include "conn.h"

static DEFINE_MUTEX(evs_conn_init_lock);

static void evs_conn_work(struct work_struct *work);

/* The per-netns state, created on first use (any conn/route/ARP request)
 * so netns that never use connections pay nothing.
 */
struct evs_conn_net *evs_conn_net_get(struct evs_net *en)
{
	/* Pairs with the release below: a published cn is initialised. */
	struct evs_conn_net *cn = smp_load_acquire(&en->rri);

	if (cn)
		return cn;

	mutex_lock(&evs_conn_init_lock);
	cn = en->rri;
	if (cn)
		goto out;
	cn = kzalloc(sizeof(*cn), GFP_KERNEL);
	if (!cn)
		goto out;
	cn->en = en;
	cn->net = en->net;
	xa_init(&cn->conns);
	INIT_LIST_HEAD(&cn->reap);
	INIT_LIST_HEAD(&cn->dying);
	INIT_LIST_HEAD(&cn->todo);
	INIT_WORK(&cn->work, evs_conn_work);
	mutex_init(&cn->io_lock);
	if (evs_rri_net_init(cn)) {
		kfree(cn);
		cn = NULL;
		goto out;
	}
	/* Publish only after every field is set (lockless readers). */
	smp_store_release(&en->rri, cn);
out:
	mutex_unlock(&evs_conn_init_lock);
	return cn;
}

struct evs_conn_net *evs_conn_net_peek(struct evs_net *en)
{
	/* Pairs with the release in evs_conn_net_get. */
	return smp_load_acquire(&en->rri);
}

struct evs_conn *evs_conn_find_live(struct evs_conn_net *cn, u32 id,
				    const struct nlattr *attr,
				    struct netlink_ext_ack *extack)
{
	struct evs_conn *conn;

	lockdep_assert_held(&cn->en->lock);
	conn = id ? xa_load(&cn->conns, id) : NULL;
	if (!conn) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "connection does not exist (conn add it first)");
		return NULL;
	}
	if (conn->dying) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "connection is being removed");
		return NULL;
	}
	return conn;
}

/*
 * Take @conn out of the table and delete what it owns from the SAD and
 * SPD; its routes and ARP entries are queued on cn->dying for the syncer.
 * The caller runs evs_rri_sync() and then evs_conn_finish().
 */
static void evs_conn_unlink(struct evs_conn_net *cn, struct evs_conn *conn,
			    u8 reason, struct sk_buff **event)
{
	struct evs_sa *sa, *tmp;

	lockdep_assert_held(&cn->en->lock);
	if (conn->dying && !list_empty(&conn->reap_node))
		list_del_init(&conn->reap_node);
	conn->dying = true;
	conn->reason = reason;
	*event = cn->exiting ? NULL : evs_event_conn_deleted(conn, reason);

	/* evs_sa_delete calls back evs_conn_sa_removed, which unlinks. */
	list_for_each_entry_safe(sa, tmp, &conn->sas, conn_node)
		evs_sa_delete(sa, EVS_REASON_CONN_DELETED);
	/* Bypass/drop policies tagged with the connection; IPsec policies
	 * went with their SAs.
	 */
	evs_spd_flush(cn->en, NULL, conn->id);
	evs_rri_conn_release(cn, conn, EVS_REASON_CONN_DELETED);
	xa_erase(&cn->conns, conn->id);
}

static void evs_conn_finish(struct evs_conn_net *cn, struct evs_conn *conn,
			    struct sk_buff *event)
{
	if (event)
		evs_event_send(cn->net, event, GFP_KERNEL);
	kfree(conn);
}

/* Connections whose last SA went away (queued by evs_conn_sa_removed),
 * then the route/ARP syncer.
 */
static void evs_conn_work(struct work_struct *work)
{
	struct evs_conn_net *cn = container_of(work, struct evs_conn_net, work);
	struct evs_net *en = cn->en;
	struct evs_conn *conn;

	for (;;) {
		struct sk_buff *event = NULL;

		mutex_lock(&en->lock);
		conn = list_first_entry_or_null(&cn->reap, struct evs_conn,
						reap_node);
		if (conn)
			evs_conn_unlink(cn, conn, conn->reason, &event);
		mutex_unlock(&en->lock);
		if (!conn)
			break;
		evs_rri_sync(cn);
		evs_conn_finish(cn, conn, event);
	}
	evs_rri_sync(cn);
}

/* --- hooks called by sad.c (en->lock held) ------------------------------ */

/* The live connection @id, or NULL with an extack message at @attr. */
static struct evs_conn *evs_conn_lookup(struct evs_net *en, u32 id,
					const struct nlattr *attr,
					struct netlink_ext_ack *extack)
{
	struct evs_conn_net *cn = evs_conn_net_peek(en);

	lockdep_assert_held(&en->lock);
	if (cn)
		return evs_conn_find_live(cn, id, attr, extack);
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "connection does not exist (conn add it first)");
	return NULL;
}

int evs_conn_sa_added(struct evs_net *en, struct evs_sa *sa,
		      struct netlink_ext_ack *extack)
{
	struct evs_conn *conn = evs_conn_lookup(en, sa->conn_id, NULL, extack);

	if (!conn)
		return -ENOENT;
	list_add_tail(&sa->conn_node, &conn->sas);
	return 0;
}

/* Policies are not listed in the connection: IPsec ones go with their
 * SAs, and CONN_DEL flushes the rest by id under the same lock, so a live
 * connection at add time is all that is needed.
 */
int evs_conn_check(struct evs_net *en, u32 conn_id, const struct nlattr *attr,
		   struct netlink_ext_ack *extack)
{
	return evs_conn_lookup(en, conn_id, attr, extack) ? 0 : -ENOENT;
}

void evs_conn_sa_removed(struct evs_net *en, struct evs_sa *sa, u8 reason)
{
	struct evs_conn_net *cn = evs_conn_net_peek(en);
	struct evs_conn *conn;

	lockdep_assert_held(&en->lock);
	if (!cn || list_empty(&sa->conn_node))
		return;
	list_del_init(&sa->conn_node);
	conn = xa_load(&cn->conns, sa->conn_id);
	if (!conn || conn->dying || !list_empty(&conn->sas))
		return;
	/* The last SA went: the connection goes with it.  Not here -- sad.c
	 * may be walking its own lists -- but from the work item.
	 */
	conn->dying = true;
	conn->reason = reason;
	list_add_tail(&conn->reap_node, &cn->reap);
	queue_work(system_wq, &cn->work);
}

/* --- requests ----------------------------------------------------------- */

/* A new, empty connection @id with @label ("" for none).  -EEXIST when
 * the id is taken.
 */
int evs_conn_create(struct evs_net *en, u32 id, const char *label)
{
	struct evs_conn_net *cn;
	struct evs_conn *conn;
	int err;

	cn = evs_conn_net_get(en);
	if (!cn)
		return -ENOMEM;
	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return -ENOMEM;
	conn->id = id;
	strscpy(conn->label, label, sizeof(conn->label));
	INIT_LIST_HEAD(&conn->sas);
	INIT_LIST_HEAD(&conn->objs);
	INIT_LIST_HEAD(&conn->reap_node);

	mutex_lock(&en->lock);
	err = xa_insert(&cn->conns, conn->id, conn, GFP_KERNEL);
	mutex_unlock(&en->lock);
	if (err)
		kfree(conn);
	return err == -EBUSY ? -EEXIST : err;
}

/* Delete connection @id and everything it owns; its routes and ARP
 * entries are gone when this returns.  -ENOENT when there is none.
 */
int evs_conn_delete(struct evs_net *en, u32 id)
{
	struct evs_conn_net *cn = evs_conn_net_peek(en);
	struct sk_buff *event = NULL;
	struct evs_conn *conn = NULL;

	if (cn) {
		mutex_lock(&en->lock);
		conn = xa_load(&cn->conns, id);
		if (conn)
			evs_conn_unlink(cn, conn, EVS_REASON_USER, &event);
		mutex_unlock(&en->lock);
	}
	if (!conn)
		return -ENOENT;
	evs_rri_sync(cn);
	evs_conn_finish(cn, conn, event);
	return 0;
}

/* Unlink up to @max connections under one lock hold, then remove their
 * routes and ARP entries and announce them.  Returns how many went.
 */
static unsigned int evs_conn_flush_some(struct evs_conn_net *cn, u8 reason,
					unsigned int max)
{
	struct evs_net *en = cn->en;
	struct evs_conn *conns[16];
	struct sk_buff *events[16];
	struct evs_conn *conn;
	unsigned int n = 0, i;
	unsigned long id;

	if (max > ARRAY_SIZE(conns))
		max = ARRAY_SIZE(conns);
	mutex_lock(&en->lock);
	xa_for_each(&cn->conns, id, conn) {
		if (n == max)
			break;
		evs_conn_unlink(cn, conn, reason, &events[n]);
		conns[n++] = conn;
	}
	mutex_unlock(&en->lock);
	evs_rri_sync(cn);
	for (i = 0; i < n; i++)
		evs_conn_finish(cn, conns[i], events[i]);
	return n;
}

/* Delete every connection of the netns. */
void evs_conn_flush(struct evs_net *en)
{
	struct evs_conn_net *cn = evs_conn_net_peek(en);

	if (!cn)
		return;
	while (evs_conn_flush_some(cn, EVS_REASON_USER, 16))
		cond_resched();
}

/* Netns exit or module unload: everything goes.  In a live netns (rmmod)
 * the routes and ARP entries are removed from the kernel tables; in a
 * dying one the kernel drops its tables itself.
 */
void evs_conn_net_exit(struct evs_net *en)
{
	struct evs_conn_net *cn = evs_conn_net_peek(en);

	if (!cn)
		return;
	/* Quiet from here: no events (the family may be gone), and device
	 * events replayed by the notifier's unregistration are ignored.
	 */
	mutex_lock(&en->lock);
	cn->exiting = true;
	mutex_unlock(&en->lock);
	evs_rri_net_exit(cn);
	flush_work(&cn->work);
	while (evs_conn_flush_some(cn, EVS_REASON_USER, 16))
		cond_resched();
	flush_work(&cn->work);
	evs_rri_sync(cn);
	WARN_ON(!list_empty(&cn->dying) || !list_empty(&cn->reap));
	xa_destroy(&cn->conns);
	evs_rri_net_free(cn);
	/* Nobody can look any more: netlink is gone for this netns. */
	smp_store_release(&en->rri, NULL);
	kfree(cn);
}
