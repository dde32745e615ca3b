// SPDX-License-Identifier: MIT
/* Generic netlink client over libmnl, shared by evsadm and evsd; see nl.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "lib/nl.h"

/* The kernel sizes dump batches to our receive buffer, up to 32 KiB. */
#define EVS_NL_RXBUF (64 * 1024)

struct evs_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t family_version;
	uint32_t mcgrp;
	char rx[EVS_NL_RXBUF];
};

static int set_err(struct evs_nl_err *err, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int set_err(struct evs_nl_err *err, int e, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	memset(err, 0, sizeof(*err));
	err->err = e;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

uint16_t evs_nl_family(const struct evs_nl *nl)
{
	return nl->family;
}

uint32_t evs_nl_family_version(const struct evs_nl *nl)
{
	return nl->family_version;
}

uint32_t evs_nl_mcgrp(const struct evs_nl *nl)
{
	return nl->mcgrp;
}

int evs_nl_fd(const struct evs_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

struct nlmsghdr *evs_nl_msg_start(void *buf, uint16_t family, uint8_t cmd,
				  uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

int evs_nl_parse_ack(const struct nlmsghdr *nlh, struct evs_nl_err *err)
{
	const char *payload = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	const struct nlattr *attr;
	size_t off;
	int error;

	memset(err, 0, sizeof(*err));
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* A dump's DONE carries its status (0 unless it failed midway). */
		if (plen < sizeof(int))
			return 0;
		memcpy(&error, payload, sizeof(error));
		off = NLMSG_ALIGN(sizeof(int));
	} else {
		const struct nlmsgerr *e = (const void *)payload;

		if (plen < sizeof(*e)) {
			err->err = EBADMSG;
			snprintf(err->msg, sizeof(err->msg), "truncated netlink error message");
			return -EBADMSG;
		}
		error = e->error;
		off = sizeof(*e);
		/* Without NETLINK_CAP_ACK the request's payload is echoed. */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > sizeof(e->msg))
			off += NLMSG_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
	}
	if (error > 0)		/* never from a sane kernel; treat as failure */
		error = -error;
	/* Not an errno (INT_MIN cannot even be negated): a protocol error. */
	if (error < -4095)
		error = -EPROTO;
	err->err = -error;
	err->kernel = error != 0;

	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen) {
		mnl_attr_for_each_payload((const void *)(payload + off), plen - off) {
			switch (mnl_attr_get_type(attr)) {
			case NLMSGERR_ATTR_MSG:
				if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
					break;
				snprintf(error ? err->msg : err->warning, sizeof(err->msg),
					 "%s", mnl_attr_get_str(attr));
				err->has_msg = error != 0;
				break;
			case NLMSGERR_ATTR_OFFS:
				if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
					break;
				err->offs = mnl_attr_get_u32(attr);
				err->has_offs = true;
				break;
			case NLMSGERR_ATTR_COOKIE:
				if (mnl_attr_get_payload_len(attr) < sizeof(uint32_t))
					break;
				memcpy(&err->cookie, mnl_attr_get_payload(attr),
				       sizeof(err->cookie));
				err->has_cookie = true;
				break;
#ifdef NLMSGERR_ATTR_MISS_TYPE
			case NLMSGERR_ATTR_MISS_TYPE:
				if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
					break;
				err->miss_type = mnl_attr_get_u32(attr);
				break;
#endif
			default:
				break;
			}
		}
	}
	if (error && !err->has_msg) {
		if (err->miss_type)
			snprintf(err->msg, sizeof(err->msg),
				 "%s (missing attribute %u)", strerror(-error), err->miss_type);
		else
			snprintf(err->msg, sizeof(err->msg), "%s", strerror(-error));
	}
	return error;
}

/*
 * Run one received buffer.  *done is set at the ACK / DONE of request @seq.
 * Returns -1 (with @err filled) once the request has failed; the caller
 * still reads until *done so the socket is left clean for the next one.
 */
static int dispatch(struct evs_nl *nl, const void *buf, size_t buflen, uint32_t seq,
		    evs_nl_cb cb, void *data, bool *stopped, bool *done,
		    struct evs_nl_err *err, bool *failed)
{
	const struct nlmsghdr *nlh = buf;
	int len = (int)buflen;

	while (mnl_nlmsg_ok(nlh, len)) {
		/* Stale answers to an earlier, abandoned request. */
		if (seq && (nlh->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(nlh, nl->portid)))
			goto next;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_OVERRUN:
			if (!*failed)
				set_err(err, EOVERFLOW, "netlink reply overrun");
			*failed = true;
			*done = true;
			break;
		case NLMSG_ERROR:
		case NLMSG_DONE: {
			struct evs_nl_err ack;

			if (evs_nl_parse_ack(nlh, &ack) < 0 && !*failed) {
				*err = ack;
				*failed = true;
			} else if (!*failed) {
				if (ack.warning[0])
					snprintf(err->warning, sizeof(err->warning), "%s",
						 ack.warning);
				err->has_cookie = ack.has_cookie;
				err->cookie = ack.cookie;
			}
			*done = true;
			break;
		}
		default:
			/* The kernel restarted a dump under a concurrent change:
			 * say so rather than present a possibly torn listing. */
			if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && !err->warning[0])
				snprintf(err->warning, sizeof(err->warning),
					 "the listing changed while it was read; run again for a consistent view");
			if (!cb || *stopped || *failed)
				break;
			errno = 0;
			switch (cb(nlh, data)) {
			case MNL_CB_ERROR:
				set_err(err, errno ? errno : EBADMSG,
					"unexpected reply from the kernel (%s)",
					strerror(errno ? errno : EBADMSG));
				*failed = true;
				break;
			case MNL_CB_STOP:
				*stopped = true;
				break;
			default:
				break;
			}
		}
next:
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	return *failed ? -1 : 0;
}

int evs_nl_request(struct evs_nl *nl, struct nlmsghdr *nlh, evs_nl_cb cb,
		   void *data, struct evs_nl_err *err)
{
	bool stopped = false, done = false, failed = false;
	struct evs_nl_err scratch;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (!nlh->nlmsg_seq)
		nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return set_err(err, errno, "netlink send: %s", strerror(errno));
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return set_err(err, errno, "netlink receive: %s", strerror(errno));
		}
		dispatch(nl, nl->rx, (size_t)n, nlh->nlmsg_seq, cb, data, &stopped,
			 &done, err, &failed);
	}
	return failed ? -1 : 0;
}

struct resolve_ctx {
	const char *mcgrp;
	uint16_t family;
	uint32_t version;
	uint32_t grp;
};

static int resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { 0 };
	struct resolve_ctx *ctx = data;
	const struct nlattr *grp;

	if (evs_nl_parse_attrs(nlh, tb, CTRL_ATTR_MAX) < 0)
		return MNL_CB_ERROR;
	if (!tb[CTRL_ATTR_FAMILY_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	ctx->family = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION] && mnl_attr_validate(tb[CTRL_ATTR_VERSION], MNL_TYPE_U32) >= 0)
		ctx->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (!ctx->mcgrp || !tb[CTRL_ATTR_MCAST_GROUPS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

		if (evs_nl_parse_nested(grp, g, CTRL_ATTR_MCAST_GRP_MAX) < 0)
			continue;
		if (!g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID] ||
		    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32) < 0)
			continue;
		if (!strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]), ctx->mcgrp))
			ctx->grp = mnl_attr_get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return MNL_CB_OK;
}

static int resolve(struct evs_nl *nl, const char *name, const char *mcgrp,
		   struct evs_nl_err *err)
{
	char buf[EVS_NL_BUFSZ];
	struct resolve_ctx ctx = { .mcgrp = mcgrp };
	struct nlmsghdr *nlh;

	nlh = evs_nl_msg_start(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	if (evs_nl_request(nl, nlh, resolve_cb, &ctx, err)) {
		if (err->err == ENOENT)
			return set_err(err, ENOENT,
				       "%s kernel module not loaded (try: modprobe %s)",
				       name, name);
		return -1;
	}
	if (!ctx.family)
		return set_err(err, ENOENT, "%s kernel module not loaded (try: modprobe %s)",
			       name, name);
	if (mcgrp && !ctx.grp)
		return set_err(err, ENOENT,
			       "generic netlink family %s has no \"%s\" multicast group",
			       name, mcgrp);
	nl->family = ctx.family;
	nl->family_version = ctx.version;
	nl->mcgrp = ctx.grp;
	return 0;
}

int evs_nl_open(struct evs_nl **out, const char *family_name, const char *mcgrp,
		struct evs_nl_err *err)
{
	struct evs_nl_err scratch;
	struct evs_nl *nl;
	int one = 1;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	*out = NULL;
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return set_err(err, ENOMEM, "out of memory");
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		set_err(err, errno, "cannot open a generic netlink socket: %s", strerror(errno));
		free(nl);
		return -1;
	}
	/* Best effort: old kernels lack these and then just give errno. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		set_err(err, errno, "cannot bind a generic netlink socket: %s", strerror(errno));
		evs_nl_close(nl);
		return -1;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	if (resolve(nl, family_name, mcgrp, err)) {
		evs_nl_close(nl);
		return -1;
	}
	*out = nl;
	return 0;
}

void evs_nl_close(struct evs_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

int evs_nl_subscribe(struct evs_nl *nl, struct evs_nl_err *err)
{
	int grp = (int)nl->mcgrp;

	if (!grp)
		return set_err(err, ENOENT, "no multicast group resolved");
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return set_err(err, errno, "cannot join the events group: %s", strerror(errno));
	return 0;
}

int evs_nl_recv_events(struct evs_nl *nl, evs_nl_cb cb, void *data,
		       struct evs_nl_err *err)
{
	bool stopped = false, done = false, failed = false;
	ssize_t n;

	memset(err, 0, sizeof(*err));
	n = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
	if (n < 0) {
		if (errno == ENOBUFS)
			return set_err(err, ENOBUFS, "events lost: receive queue overrun");
		return set_err(err, errno, "netlink receive: %s", strerror(errno));
	}
	/* Notifications have seq 0 and come from the kernel (portid 0). */
	return dispatch(nl, nl->rx, (size_t)n, 0, cb, data, &stopped, &done, err, &failed);
}

/* The attributes in @len bytes at @start into tb[type]: unknown (newer)
 * types are skipped, the first instance wins, and the walk stops at the
 * first attribute that does not fit, as libmnl's mnl_attr_for_each does.
 * A loop rather than mnl_attr_parse's callback per attribute: a dump of
 * 100,000 SAs parses two million attributes. */
static void parse_attrs(const void *start, size_t len, const struct nlattr **tb,
			unsigned int max)
{
	const struct nlattr *a = start;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= sizeof(*a) && a->nla_len >= sizeof(*a) && a->nla_len <= len) {
		unsigned int type = a->nla_type & NLA_TYPE_MASK;
		size_t step = NLA_ALIGN(a->nla_len);

		if (type <= max && !tb[type])
			tb[type] = a;
		if (step >= len)
			break;
		len -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
}

int evs_nl_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max)
{
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN) {
		memset(tb, 0, (max + 1) * sizeof(*tb));
		return -1;
	}
	parse_attrs(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
		    mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN, tb, max);
	return 0;
}

int evs_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	parse_attrs(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), tb, max);
	return 0;
}
