/* SPDX-License-Identifier: MIT */
/*
 * A small generic-netlink client over libmnl, shared by evsadm and evsd.
 *
 *	struct evs_nl *nl;
 *	struct evs_nl_err err;
 *	if (evs_nl_open(&nl, EVS_GENL_NAME, EVS_GENL_MCGRP_EVENTS, &err)) ...
 *	nlh = evs_nl_msg_start(buf, evs_nl_family(nl), EVS_CMD_SA_GET, NLM_F_DUMP);
 *	... mnl_attr_put_*(nlh, ...) ...
 *	if (evs_nl_request(nl, nlh, my_cb, my_data, &err)) print err.msg
 *
 * Requests always carry NLM_F_REQUEST | NLM_F_ACK; the socket has
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK on, so a failing request returns
 * the kernel's extack text in err.msg.  One request at a time per handle
 * (blocking); an event listener should use its own handle.
 */
#ifndef EVS_LIB_NL_H
#define EVS_LIB_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

/* Big enough for any evs request message (replies use their own buffer). */
#define EVS_NL_BUFSZ 8192

struct evs_nl;

struct evs_nl_err {
	int err;		/* positive errno; 0 = none */
	bool kernel;		/* the error came from the kernel (vs. socket/usage) */
	bool has_msg;		/* msg is the kernel's extack text */
	bool has_offs;
	uint32_t offs;		/* offset of the bad attribute in our request */
	uint32_t miss_type;	/* missing attribute type, 0 = none */
	char msg[256];		/* extack text, or our own description */
	char warning[256];	/* extack text on a successful ACK, or "" */
	bool has_cookie;	/* the ACK carried NLMSGERR_ATTR_COOKIE */
	uint32_t cookie;	/* its first 4 bytes (EVS_CMD_BATCH_ADD: items added) */
};

/*
 * Data callback: called for each non-control message of the reply.
 * Return MNL_CB_OK to go on, MNL_CB_STOP to end early (the rest of the
 * reply is still drained), MNL_CB_ERROR (set errno) to fail the request.
 */
typedef int (*evs_nl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Open a generic netlink socket and resolve @family_name (and the
 * multicast group @mcgrp, if not NULL).  If the family is unknown the
 * error is ENOENT with "... kernel module not loaded (try: modprobe ...)".
 */
int evs_nl_open(struct evs_nl **out, const char *family_name, const char *mcgrp,
		struct evs_nl_err *err);
void evs_nl_close(struct evs_nl *nl);

uint16_t evs_nl_family(const struct evs_nl *nl);
uint32_t evs_nl_family_version(const struct evs_nl *nl);
uint32_t evs_nl_mcgrp(const struct evs_nl *nl);	/* 0 if not resolved */
int evs_nl_fd(const struct evs_nl *nl);

/* Start a message in @buf (EVS_NL_BUFSZ bytes): nlmsghdr + genlmsghdr. */
struct nlmsghdr *evs_nl_msg_start(void *buf, uint16_t family, uint8_t cmd,
				  uint8_t version, uint16_t flags);

/* Send @nlh, run @cb on each reply message until the ACK or NLMSG_DONE. */
int evs_nl_request(struct evs_nl *nl, struct nlmsghdr *nlh, evs_nl_cb cb,
		   void *data, struct evs_nl_err *err);

/* Join the resolved multicast group. */
int evs_nl_subscribe(struct evs_nl *nl, struct evs_nl_err *err);
/*
 * Receive once (blocks unless the fd is non-blocking) and run @cb on each
 * notification.  ENOBUFS (events lost: the socket overran) is reported as
 * an error the caller may choose to survive.
 */
int evs_nl_recv_events(struct evs_nl *nl, evs_nl_cb cb, void *data,
		       struct evs_nl_err *err);

/*
 * Parse an NLMSG_ERROR (or NLMSG_DONE) payload with extack TLVs into
 * @err; returns the (negative) error code carried.  Exposed for tests.
 */
int evs_nl_parse_ack(const struct nlmsghdr *nlh, struct evs_nl_err *err);

/* Attributes of a generic netlink message (after the genlmsghdr). */
static inline void *evs_nl_attrs(const struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
}

/* Clear tb[0..max], then point each entry at the first attribute of that
 * type (types above @max are skipped).  Types are not validated here. */
int evs_nl_parse_attrs(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max);
int evs_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max);

#endif
