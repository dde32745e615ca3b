// SPDX-License-Identifier: GPL-2.0
/*
 * Events: what the objects announce to the "events" multicast group of
 * their netns.  The SAD, connections and RRI call the evs_event_*()
 * functions below (declared in evs.h); this file builds the messages with
 * the fill code of the netlink files and multicasts them.  Nothing is
 * built when nobody listens.
 */
#include "conn.h"

#include <net/genetlink.h>

void evs_event_send(struct net *net, struct sk_buff *msg, gfp_t gfp)
{
	genlmsg_multicast_netns(&evs_genl_family, net, msg, 0, 0, gfp);
}

static bool evs_event_listeners(struct net *net)
{
	return genl_has_listeners(&evs_genl_family, net, 0);
}

void evs_event_sa(struct evs_sa *sa, u8 cmd, bool hard, u8 reason, gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	if (!evs_event_listeners(sa->net))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &evs_genl_family, 0, cmd);
	if (!hdr)
		goto nospace;
	if (nla_put_u32(msg, EVS_A_IFINDEX, sa->ed->dev->ifindex) ||
	    evs_sa_fill(msg, sa, false) ||
	    (hard && nla_put_flag(msg, EVS_A_EXPIRE_HARD)) ||
	    ((cmd == EVS_CMD_EV_SA_DELETED || hard) &&
	     nla_put_u8(msg, EVS_A_REASON, reason)))
		goto nospace;
	genlmsg_end(msg, hdr);
	evs_event_send(sa->net, msg, gfp);
	return;

nospace:
	nlmsg_free(msg);
}

void evs_event_nat(struct evs_sa *sa, const union evs_addr *addr,
		   __be16 port)
{
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!evs_event_listeners(sa->net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &evs_genl_family, 0,
			  EVS_CMD_EV_NAT_MAPPING);
	if (!hdr || nla_put_u32(msg, EVS_A_IFINDEX, sa->ed->dev->ifindex))
		goto nospace;
	nest = nla_nest_start(msg, EVS_A_SA);
	if (!nest ||
	    nla_put_u8(msg, EVS_SA_A_DIR, sa->dir) ||
	    nla_put_u32(msg, EVS_SA_A_SPI, sa->spi) ||
	    nla_put_u16(msg, EVS_SA_A_FAMILY, sa->family) ||
	    nla_put(msg, EVS_SA_A_SRC, evs_addr_len(sa->family), addr) ||
	    nla_put_u8(msg, EVS_SA_A_ENCAP_TYPE, EVS_ENCAP_ESPINUDP) ||
	    nla_put_u16(msg, EVS_SA_A_ENCAP_SPORT, ntohs(port)) ||
	    nla_put_u32(msg, EVS_SA_A_CONN_ID, sa->conn_id))
		goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	evs_event_send(sa->net, msg, GFP_ATOMIC);
	return;

nospace:
	nlmsg_free(msg);
}

/* EV_CONN_DELETED is sent after everything the connection owned is gone,
 * but filled now, while the connection is still whole.
 */
struct sk_buff *evs_event_conn_deleted(struct evs_conn *conn, u8 reason)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, 0, 0, &evs_genl_family, 0,
			  EVS_CMD_EV_CONN_DELETED);
	if (!hdr || evs_conn_fill(msg, conn) ||
	    nla_put_u8(msg, EVS_A_REASON, reason)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

void evs_event_rri(struct net *net, const struct evs_rri_obj *o, u8 op)
{
	struct sk_buff *msg;
	void *hdr;

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
	evs_event_send(net, msg, GFP_KERNEL);
}
