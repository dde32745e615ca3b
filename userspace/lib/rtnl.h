/* SPDX-License-Identifier: MIT */
/*
 * rtnl: the few rtnetlink requests evsd's client role needs, IPv4 and
 * IPv6 (a family argument, or rtnl_route.family), through libmnl:
 * add/delete an address, add/delete a route, ask the kernel which route
 * it would take to an address, find a local address inside a prefix.
 * Message building is separate from sending so the unit tests can check
 * the exact attributes without touching the host.
 *
 * Requests are synchronous: one message, one ACK (or the answer), with
 * the kernel's errno and extack text returned.  They are rare (a client
 * connecting or going away), so a blocking socket is the simple choice.
 */
#ifndef EVSD_RTNL_H
#define EVSD_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "lib/err.h"

/* Protocol number of the routes evsd's client installs (`ip route show
 * proto 78`); the kernel's RRI routes of the server are proto 77. */
#define EVSD_RTPROT_CLIENT 78

/* Addresses in network order: 4 bytes of IPv4, 16 of IPv6. */
struct rtnl_route {
	uint8_t family;			/* AF_INET6, else (0 too) AF_INET */
	uint8_t dst[16];
	uint8_t plen;
	unsigned oif;			/* 0 = none */
	bool has_gw;
	uint8_t gw[16];
	bool has_src;
	uint8_t src[16];		/* preferred source (RTA_PREFSRC) */
	uint8_t proto;			/* RTPROT_*; 0 = RTPROT_BOOT */
};

/* 16 for AF_INET6, 4 for anything else. */
size_t rtnl_alen(int family);

/* Builders: fill buf (at least MNL_SOCKET_BUFFER_SIZE is plenty) and
 * return the message.  add=false builds the delete.  An IPv6 address is
 * added with IFA_F_NODAD: it is the tunnel's, nobody else can hold it,
 * and a tentative address could not be a route's source for a second. */
struct nlmsghdr *rtnl_build_addr(void *buf, bool add, unsigned ifindex,
				 int family, const uint8_t *addr, unsigned plen,
				 uint32_t seq);
/* exclusive: NLM_F_EXCL on add (an existing route is reported as
 * -EEXIST, never replaced). */
struct nlmsghdr *rtnl_build_route(void *buf, bool add,
				  const struct rtnl_route *r, uint32_t seq);
struct nlmsghdr *rtnl_build_route_get(void *buf, int family, const uint8_t *dst,
				      uint32_t seq);
/* RTM_NEWLINK creating ifname of link kind `kind` (NLM_F_EXCL), or, with
 * kind NULL, setting IFF_UP on ifindex. */
struct nlmsghdr *rtnl_build_link(void *buf, const char *ifname,
				 const char *kind, unsigned ifindex,
				 uint32_t seq);
/* Decode an RTM_NEWROUTE answer into *r (dst/plen from the request are
 * not touched).  0, or -1 if it is not one. */
int rtnl_parse_route(const struct nlmsghdr *nlh, struct rtnl_route *r);

struct rtnl;

struct rtnl *rtnl_open(struct evs_err *err);
void rtnl_close(struct rtnl *r);

/* 0, or a negative errno with err set ("File exists", or the extack). */
int rtnl_addr(struct rtnl *r, bool add, unsigned ifindex, int family,
	      const uint8_t *addr, unsigned plen, struct evs_err *err);
int rtnl_route(struct rtnl *r, bool add, const struct rtnl_route *rt,
	       struct evs_err *err);
/* Create ifname of link kind `kind` unless it exists, and bring it up.
 * *created says whether it was made here.  0, or a negative errno with
 * err set. */
int rtnl_link_ensure(struct rtnl *r, const char *ifname, const char *kind,
		     bool *created, struct evs_err *err);
/* The route the kernel would use towards dst (oif, gateway, source). */
int rtnl_route_get(struct rtnl *r, int family, const uint8_t *dst,
		   struct rtnl_route *out, struct evs_err *err);
/* First address of this host of family inside net/plen (IPv6: global
 * scope only): 0 with *out, -1 if none. */
int rtnl_addr_within(struct rtnl *r, int family, const uint8_t *net, unsigned plen,
		     uint8_t *out);

#endif
