// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink requests for connections: parse EVS_A_CONN, then add,
 * delete, get, dump and flush through conn.c, and the fill code that
 * replies and events share.
 */
#include <net/genetlink.h>
#include <net/sock.h>
#include "conn.h"

static unsigned int evs_conn_count_policies(struct evs_conn *conn)
{
	struct evs_policy *pol;
	struct evs_sa *sa;
	unsigned int n = 0;

	list_for_each_entry(sa, &conn->sas, conn_node)
		list_for_each_entry(pol, &sa->policies, sa_node)
			n++;
	return n;
}

int evs_conn_fill(struct sk_buff *msg, struct evs_conn *conn)
{
	unsigned int n_sa = 0;
	struct nlattr *nest;
	struct evs_sa *sa;

	list_for_each_entry(sa, &conn->sas, conn_node)
		n_sa++;

	nest = nla_nest_start(msg, EVS_A_CONN);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, EVS_CONN_A_ID, conn->id) ||
	    nla_put_u32(msg, EVS_CONN_A_N_SA, n_sa) ||
	    nla_put_u32(msg, EVS_CONN_A_N_POLICY,
			evs_conn_count_policies(conn)) ||
	    nla_put_u32(msg, EVS_CONN_A_N_ROUTE, conn->n_route) ||
	    nla_put_u32(msg, EVS_CONN_A_N_PROXY_ARP, conn->n_parp) ||
	    (conn->label[0] &&
	     nla_put_string(msg, EVS_CONN_A_LABEL, conn->label))) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* Nest @nest (EVS_A_CONN of a request, or a batch item) into @tb. */
static int evs_conn_parse_nest(struct genl_info *info, struct nlattr *nest,
			       struct nlattr **tb)
{
	int err;

	if (!nest) {
		GENL_SET_ERR_MSG(info, "missing EVS_A_CONN");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, EVS_CONN_A_MAX, nest, evs_conn_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[EVS_CONN_A_ID] || !nla_get_u32(tb[EVS_CONN_A_ID])) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_CONN_A_ID] ?: nest,
				    "connection id missing or zero");
		return -EINVAL;
	}
	return 0;
}

static int evs_conn_parse(struct genl_info *info, struct nlattr **tb)
{
	return evs_conn_parse_nest(info, info->attrs[EVS_A_CONN], tb);
}

/* Add the connection of nest @a (EVS_A_CONN of a request, or a batch item). */
int evs_nl_conn_add_nest(struct genl_info *info, struct nlattr *a)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_CONN_A_MAX + 1];
	char label[EVS_CONN_LABEL_MAX + 1] = "";
	int err;

	err = evs_conn_parse_nest(info, a, tb);
	if (err)
		return err;
	if (tb[EVS_CONN_A_LABEL] &&
	    nla_len(tb[EVS_CONN_A_LABEL]) > EVS_CONN_LABEL_MAX + 1) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_CONN_A_LABEL],
				    "label longer than 64 bytes");
		return -EINVAL;
	}
	if (tb[EVS_CONN_A_LABEL])
		nla_strscpy(label, tb[EVS_CONN_A_LABEL], sizeof(label));
	err = evs_conn_create(en, nla_get_u32(tb[EVS_CONN_A_ID]), label);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_CONN_A_ID],
				    "connection already exists");
	return err;
}

int evs_nl_conn_add(struct sk_buff *skb, struct genl_info *info)
{
	return evs_nl_conn_add_nest(info, info->attrs[EVS_A_CONN]);
}

int evs_nl_conn_del(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_CONN_A_MAX + 1];
	int err;

	err = evs_conn_parse(info, tb);
	if (err)
		return err;
	err = evs_conn_delete(en, nla_get_u32(tb[EVS_CONN_A_ID]));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_CONN_A_ID],
				    "no such connection");
	return err;
}

int evs_nl_conn_get(struct sk_buff *skb, struct genl_info *info)
{
	struct evs_net *en = evs_net(genl_info_net(info));
	struct nlattr *tb[EVS_CONN_A_MAX + 1];
	struct evs_conn_net *cn = evs_conn_net_peek(en);
	struct evs_conn *conn = NULL;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = evs_conn_parse(info, tb);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &evs_genl_family, 0,
				EVS_CMD_CONN_GET);
	err = -EMSGSIZE;
	if (!hdr)
		goto err_free;
	mutex_lock(&en->lock);
	if (cn)
		conn = xa_load(&cn->conns, nla_get_u32(tb[EVS_CONN_A_ID]));
	err = conn ? evs_conn_fill(msg, conn) : -ENOENT;
	mutex_unlock(&en->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[EVS_CONN_A_ID],
				    "no such connection");
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/* cb->args[0]: the next connection id to dump.  Ids are dumped in order,
 * so a dump interleaved with changes never repeats or loops.
 */
int evs_nl_conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct evs_net *en = evs_net(sock_net(skb->sk));
	struct evs_conn_net *cn = evs_conn_net_peek(en);
	struct evs_conn *conn;
	unsigned long id;

	if (!cn)
		return 0;
	mutex_lock(&en->lock);
	xa_for_each_start(&cn->conns, id, conn, cb->args[0]) {
		void *hdr;

		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &evs_genl_family,
				  NLM_F_MULTI, EVS_CMD_CONN_GET);
		if (!hdr)
			break;
		if (evs_conn_fill(skb, conn)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = id + 1;
	}
	mutex_unlock(&en->lock);
	return skb->len;
}

int evs_nl_conn_flush(struct sk_buff *skb, struct genl_info *info)
{
	evs_conn_flush(evs_net(genl_info_net(info)));
	return 0;
}
