/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small generic netlink client for the evs selftests, on libmnl: resolve
 * the "evs" family, send one request, collect the replies, and keep the
 * kernel's extack message when the request fails.
 */
#ifndef EVS_SELFTEST_NL_H
#define EVS_SELFTEST_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/evs.h>

/* Requests and reply batches are far smaller; MNL_SOCKET_BUFFER_SIZE is
 * not a constant. */
#define EVS_NL_BUFSZ 65536

struct evs_nl {
	struct mnl_socket *sock;
	uint16_t family;	/* genl family id of "evs" */
	uint32_t version;	/* the family's version, from the controller */
	uint32_t events_group;	/* multicast group id of "events", 0 if none */
	uint32_t portid;
	uint32_t seq;
	char err_msg[256];	/* extack message of the last failed request */
	uint32_t err_offset;	/* extack attribute offset, 0 if none */
	bool has_cookie;	/* the last ack carried NLMSGERR_ATTR_COOKIE */
	uint32_t cookie;	/* its first 4 bytes */
	char buf[EVS_NL_BUFSZ];
};

/* Open a socket in the caller's network namespace and resolve "evs".
 * Returns 0, -ENOENT when the family is not registered, or -errno.
 * (evs_t_: the tests link userspace/lib, whose evs_nl_open() is evsd's.) */
int evs_t_nl_open(struct evs_nl *nl);
void evs_t_nl_close(struct evs_nl *nl);
/* Join the events multicast group: 0, -ENOENT without one, or -errno. */
int evs_t_nl_join_events(struct evs_nl *nl);
/* evs_t_nl_open, then evs_t_nl_join_events: a socket for events. */
int evs_t_nl_open_events(struct evs_nl *nl);

/* Start a request for CMD in nl->buf (NLM_F_REQUEST | NLM_F_ACK | FLAGS);
 * add attributes with mnl_attr_put*() and send it with evs_nl_talk(). */
struct nlmsghdr *evs_nl_req(struct evs_nl *nl, uint8_t cmd, uint16_t flags);

/* Send NLH and read until the ack, the end of the dump, or an error.
 * CB (may be NULL) sees each reply message.  Returns 0 or -errno; on error
 * nl->err_msg holds the kernel's extack message ("" when it sent none). */
int evs_nl_talk(struct evs_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Genetlink payload helpers for reply callbacks. */
static inline struct nlattr *evs_nl_attr(const struct nlmsghdr *nlh, int type)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/* The module is loaded (from $EVS_TOP/kernel/evs.ko when it is not).
 * Returns 0 or -1 with a message on stderr. */
int evs_ensure_module(void);

/* Run a shell command; returns its exit status (or -1). */
int evs_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
