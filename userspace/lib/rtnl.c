// SPDX-License-Identifier: MIT
/* rtnetlink requests of the client role; see rtnl.h. */
#include "lib/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
};

/* ---- builders --------------------------------------------------------------- */

/* The header of an add (exclusive create) or delete request, acked. */
static struct nlmsghdr *rtnl_put_change(void *buf, bool add, uint16_t add_type,
					uint16_t del_type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = add ? add_type : del_type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	return nlh;
}

size_t rtnl_alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static uint8_t fam(int family)
{
	return family == AF_INET6 ? AF_INET6 : AF_INET;
}

struct nlmsghdr *rtnl_build_addr(void *buf, bool add, unsigned ifindex,
				 int family, const uint8_t *addr, unsigned plen,
				 uint32_t seq)
{
	struct nlmsghdr *nlh = rtnl_put_change(buf, add, RTM_NEWADDR, RTM_DELADDR,
					       seq);
	struct ifaddrmsg *ifa;
	size_t n = rtnl_alen(family);

	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = fam(family);
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	if (family == AF_INET6 && add)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, n, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, n, addr);
	return nlh;
}

struct nlmsghdr *rtnl_build_link(void *buf, const char *ifname,
				 const char *kind, unsigned ifindex,
				 uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	if (kind) {
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, info);
	} else {
		ifi->ifi_index = (int)ifindex;
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	return nlh;
}

struct nlmsghdr *rtnl_build_route(void *buf, bool add,
				  const struct rtnl_route *r, uint32_t seq)
{
	struct nlmsghdr *nlh = rtnl_put_change(buf, add, RTM_NEWROUTE, RTM_DELROUTE,
					       seq);
	size_t n = rtnl_alen(r->family);
	struct rtmsg *rtm;

	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = fam(r->family);
	rtm->rtm_dst_len = r->plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = r->proto ? r->proto : RTPROT_BOOT;
	/* a route through a gateway is universe scope, a device route link */
	rtm->rtm_scope = add ? (r->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK) :
			 RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, n, r->dst);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, r->oif);
	if (r->has_gw)
		mnl_attr_put(nlh, RTA_GATEWAY, n, r->gw);
	if (r->has_src && add)
		mnl_attr_put(nlh, RTA_PREFSRC, n, r->src);
	return nlh;
}

struct nlmsghdr *rtnl_build_route_get(void *buf, int family, const uint8_t *dst,
				      uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = fam(family);
	rtm->rtm_dst_len = (uint8_t)(rtnl_alen(family) * 8);
	mnl_attr_put(nlh, RTA_DST, rtnl_alen(family), dst);
	return nlh;
}

int rtnl_parse_route(const struct nlmsghdr *nlh, struct rtnl_route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t n;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct rtmsg)))
		return -1;
	r->family = fam(rtm->rtm_family);
	n = rtnl_alen(r->family);
	r->oif = 0;
	r->has_gw = r->has_src = false;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_OIF:
			if (mnl_attr_get_payload_len(a) == 4)
				r->oif = mnl_attr_get_u32(a);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(a) == n) {
				memcpy(r->gw, mnl_attr_get_payload(a), n);
				r->has_gw = true;
			}
			break;
		case RTA_PREFSRC:
			if (mnl_attr_get_payload_len(a) == n) {
				memcpy(r->src, mnl_attr_get_payload(a), n);
				r->has_src = true;
			}
			break;
		}
	}
	return 0;
}

/* ---- the socket ------------------------------------------------------------- */

struct rtnl *rtnl_open(struct evs_err *err)
{
	struct rtnl *r = calloc(1, sizeof(*r));
	int one = 1;

	if (!r) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	r->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!r->nl || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		evs_errf(err, "rtnetlink: %s", strerror(errno));
		rtnl_close(r);
		return NULL;
	}
	/* extack text for the log; older kernels just ignore the option */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	return r;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r);
}

/* The errno of an NLMSG_ERROR and its extack message, if any. */
static int nl_error(const struct nlmsghdr *nlh, struct evs_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EPROTO;
	if (!e->error)
		return 0;
	evs_errf(err, "%s", strerror(-e->error));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return e->error;
	mnl_attr_for_each_payload((const struct nlattr *)((const char *)e + off),
				  nlh->nlmsg_len - mnl_nlmsg_size(off)) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
			evs_errf(err, "%s (%s)", strerror(-e->error),
				 mnl_attr_get_str(attr));
			break;
		}
	}
	return e->error;
}

typedef int (*rtnl_msg_fn)(const struct nlmsghdr *nlh, void *arg);

/* Send nlh and read until its ACK/error (or, for dumps, NLMSG_DONE),
 * handing every other message of ours to fn. */
static int transact(struct rtnl *r, struct nlmsghdr *nlh, rtnl_msg_fn fn,
		    void *arg, struct evs_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	bool want_ack = nlh->nlmsg_flags & NLM_F_ACK;
	uint32_t seq = nlh->nlmsg_seq;

	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0) {
		evs_errf(err, "rtnetlink send: %s", strerror(errno));
		return -errno;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			evs_errf(err, "rtnetlink receive: %s", strerror(errno));
			return -errno;
		}
		for (; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;	/* a late answer to an older request */
			if (m->nlmsg_type == NLMSG_ERROR)
				return nl_error(m, err);
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (fn && fn(m, arg) < 0)
				return 0;
			if (!dump && !want_ack)
				return 0;	/* a single answer */
		}
	}
}

int rtnl_link_ensure(struct rtnl *r, const char *ifname, const char *kind,
		     bool *created, struct evs_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned ifindex = if_nametoindex(ifname);
	int rc;

	*created = false;
	if (!ifindex) {
		rc = transact(r, rtnl_build_link(buf, ifname, kind, 0, ++r->seq),
			      NULL, NULL, err);
		if (rc < 0 && rc != -EEXIST)
			return rc;
		*created = rc == 0;
		ifindex = if_nametoindex(ifname);
		if (!ifindex) {
			evs_errf(err, "%s", strerror(errno));
			return -errno;
		}
	}
	return transact(r, rtnl_build_link(buf, NULL, NULL, ifindex, ++r->seq),
			NULL, NULL, err);
}

int rtnl_addr(struct rtnl *r, bool add, unsigned ifindex, int family,
	      const uint8_t *addr, unsigned plen, struct evs_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return transact(r, rtnl_build_addr(buf, add, ifindex, family, addr, plen,
					   ++r->seq), NULL, NULL, err);
}

int rtnl_route(struct rtnl *r, bool add, const struct rtnl_route *rt,
	       struct evs_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return transact(r, rtnl_build_route(buf, add, rt, ++r->seq), NULL, NULL,
			err);
}

static int got_route(const struct nlmsghdr *nlh, void *arg)
{
	struct rtnl_route *out = arg;

	if (rtnl_parse_route(nlh, out) == 0)
		out->proto = 1;		/* marks "answered" */
	return -1;
}

int rtnl_route_get(struct rtnl *r, int family, const uint8_t *dst,
		   struct rtnl_route *out, struct evs_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = transact(r, rtnl_build_route_get(buf, family, dst, ++r->seq), got_route,
		      out, err);
	if (rc)
		return rc;
	if (!out->proto) {
		evs_errf(err, "no route answer");
		return -ENOENT;
	}
	out->proto = 0;
	out->family = fam(family);
	memcpy(out->dst, dst, rtnl_alen(family));
	out->plen = (uint8_t)(rtnl_alen(family) * 8);
	return 0;
}

struct within {
	uint8_t family;
	uint8_t net[16];
	unsigned plen;
	bool found;
	uint8_t addr[16];
};

static bool same_bits(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t m = (uint8_t)(0xff00u >> rest);

	return !memcmp(a, b, full) && (!rest || !((a[full] ^ b[full]) & m));
}

static int addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct within *w = arg;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	size_t n = rtnl_alen(w->family);
	/* IPv4 names the address IFA_LOCAL; IPv6 only IFA_ADDRESS */
	uint16_t type = w->family == AF_INET6 ? IFA_ADDRESS : IFA_LOCAL;

	if (w->found || nlh->nlmsg_type != RTM_NEWADDR ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifa)) ||
	    ifa->ifa_family != w->family ||
	    (w->family == AF_INET6 && ifa->ifa_scope != RT_SCOPE_UNIVERSE))
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) != type || mnl_attr_get_payload_len(a) != n)
			continue;
		if (same_bits(mnl_attr_get_payload(a), w->net, w->plen)) {
			memcpy(w->addr, mnl_attr_get_payload(a), n);
			w->found = true;
		}
	}
	return 0;	/* read the dump to its end */
}

int rtnl_addr_within(struct rtnl *r, int family, const uint8_t *net, unsigned plen,
		     uint8_t *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	struct within w = { .family = fam(family), .plen = plen };

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++r->seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = w.family;
	if (w.plen > rtnl_alen(family) * 8)
		return -1;
	memcpy(w.net, net, rtnl_alen(family));
	if (transact(r, nlh, addr_cb, &w, NULL) < 0 || !w.found)
		return -1;
	memcpy(out, w.addr, rtnl_alen(family));
	return 0;
}
