// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink client for the evs selftests (see evs_nl.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/netlink.h>

#include "evs_nl.h"

struct evs_nl_family_reply {
	struct evs_nl *nl;
	bool found;
};

static int evs_nl_group_cb(const struct nlattr *grp, struct evs_nl *nl)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(a);
	}
	if (name && !strcmp(name, EVS_GENL_MCGRP_EVENTS))
		nl->events_group = id;
	return MNL_CB_OK;
}

static int evs_nl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evs_nl_family_reply *r = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			r->nl->family = mnl_attr_get_u16(a);
			r->found = true;
			break;
		case CTRL_ATTR_VERSION:
			r->nl->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, a)
				evs_nl_group_cb(grp, r->nl);
			break;
		}
	}
	return MNL_CB_OK;
}

int evs_t_nl_open(struct evs_nl *nl)
{
	struct evs_nl_family_reply r = { .nl = nl };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int one = 1, ret;

	memset(nl, 0, offsetof(struct evs_nl, buf));
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Errors carry the extack message; acks do not echo the request. */
	if (mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one)) < 0)
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)getpid() << 8;

	nlh = mnl_nlmsg_put_header(nl->buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, EVS_GENL_NAME);
	ret = evs_nl_talk(nl, nlh, evs_nl_family_cb, &r);
	if (ret) {
		evs_t_nl_close(nl);
		return ret;
	}
	if (!r.found) {
		evs_t_nl_close(nl);
		return -ENOENT;
	}
	return 0;

fail:
	ret = -errno;
	evs_t_nl_close(nl);
	return ret;
}

int evs_t_nl_join_events(struct evs_nl *nl)
{
	uint32_t group = nl->events_group;

	if (!group)
		return -ENOENT;
	return mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &group,
				     sizeof(group)) ? -errno : 0;
}

int evs_t_nl_open_events(struct evs_nl *nl)
{
	return evs_t_nl_open(nl) ?: evs_t_nl_join_events(nl);
}

void evs_t_nl_close(struct evs_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *evs_nl_req(struct evs_nl *nl, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = EVS_GENL_VERSION;
	return nlh;
}

static int evs_nl_extack_cb(const struct nlattr *a, void *data)
{
	struct evs_nl *nl = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(nl->err_msg, sizeof(nl->err_msg), "%s",
				 mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			nl->err_offset = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_COOKIE:
		if (mnl_attr_get_payload_len(a) >= sizeof(nl->cookie)) {
			memcpy(&nl->cookie, mnl_attr_get_payload(a), sizeof(nl->cookie));
			nl->has_cookie = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/* What libmnl passes to both kinds of callback during one exchange. */
struct evs_nl_exchange {
	struct evs_nl *nl;
	mnl_cb_t cb;
	void *data;
};

static int evs_nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evs_nl_exchange *x = data;

	return x->cb ? x->cb(nlh, x->data) : MNL_CB_OK;
}

/* NLMSG_ERROR is both the ack (error 0) and the failure report. */
static int evs_nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evs_nl *nl = ((struct evs_nl_exchange *)data)->nl;
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += MNL_ALIGN(err->msg.nlmsg_len - sizeof(struct nlmsghdr));
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, off, evs_nl_extack_cb, nl);
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = -err->error;
	return MNL_CB_ERROR;
}

/* The end of a dump; it carries the dump's error, if any, and extack. */
static int evs_nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evs_nl *nl = ((struct evs_nl_exchange *)data)->nl;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
		return MNL_CB_STOP;
	memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(sizeof(int)) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, sizeof(int), evs_nl_extack_cb, nl);
	if (err >= 0)
		return MNL_CB_STOP;
	errno = -err;
	return MNL_CB_ERROR;
}

static int evs_nl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int evs_nl_overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

int evs_nl_talk(struct evs_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	/* libmnl applies no default for a type inside this array. */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP] = evs_nl_noop_cb,
		[NLMSG_ERROR] = evs_nl_error_cb,
		[NLMSG_DONE] = evs_nl_done_cb,
		[NLMSG_OVERRUN] = evs_nl_overrun_cb,
	};
	struct evs_nl_exchange x = { .nl = nl, .cb = cb, .data = data };
	char rbuf[EVS_NL_BUFSZ];
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int ret;

	nl->err_msg[0] = '\0';
	nl->err_offset = 0;
	nl->has_cookie = false;
	nl->cookie = 0;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run2(rbuf, n, seq, nl->portid, evs_nl_data_cb, &x,
				  ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}
