/* SPDX-License-Identifier: MIT */
/*
 * clientcfg: what evsd's client role puts on its own host so the tunnel
 * is usable without a script (what vpnc-script does for vpnc):
 *
 *   client mode             the addresses the gateway assigned, /32 and
 *                           /128 (no DAD), on the evs device (or
 *                           `address-device`); a route into the evs
 *                           device, source that family's address, for
 *                           every tunnelled network (split include,
 *                           INTERNAL_IP6_SUBNET); a family tunnelled whole
 *                           gets 0.0.0.0/1 + 128.0.0.0/1 or ::/1 +
 *                           8000::/1 (the existing default route stays)
 *                           and a host route to the gateway through the
 *                           path it had, so IKE and ESP never enter the
 *                           tunnel; PAT of the IPv4 `local-network`s
 *                           behind the assigned address (IPv6 has no PAT:
 *                           an IPv6 LAN needs network-extension mode).
 *   network-extension mode  the host keeps its addresses: only the routes,
 *                           with a source address taken from the local
 *                           networks (of the route's family) when the
 *                           host has one there.
 *
 * Everything is recorded as it is installed and removed in reverse order
 * by clientcfg_down(); what already existed (EEXIST) is left alone and
 * never removed.  Routes belong to Phase 2 connections (kernel conn ids),
 * so a rekey, which keeps the connection, touches nothing.  Routes carry
 * protocol EVSD_RTPROT_CLIENT (78).
 *
 * The host is reached through a backend given with each request: the
 * host's own (rtnetlink, lib/rtnl.c, and nft, pat.c) or a test's fake.
 */
#ifndef EVSD_CLIENTCFG_H
#define EVSD_CLIENTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/rtnl.h"
#include "ike/engine/session.h"

struct clientcfg_backend {
	void *arg;
	/* 0 = no such device */
	unsigned (*ifindex)(void *arg, const char *name);
	/* Addresses of family (AF_INET: 4 bytes, AF_INET6: 16). */
	/* 0 or a negative errno (-EEXIST when it is already there) */
	int (*addr)(void *arg, bool add, unsigned ifindex, int family, const uint8_t *a,
		    unsigned plen, struct evs_err *e);
	int (*route)(void *arg, bool add, const struct rtnl_route *r,
		     struct evs_err *e);
	int (*route_get)(void *arg, int family, const uint8_t *dst,
			 struct rtnl_route *out, struct evs_err *e);
	/* 0 with out = a local address inside net/plen, -1 = none */
	int (*addr_within)(void *arg, int family, const uint8_t *net, unsigned plen,
			   uint8_t *out);
	/* run an nft script; 0 or -1 with e */
	int (*nft)(void *arg, const char *script, struct evs_err *e);
	/* an inet table's named counter (nft_counter.h); 0 or -1; NULL = none */
	int (*nft_counter)(void *arg, const char *table, const char *name, uint64_t *packets,
			   uint64_t *bytes);
};

/* The host's own backend: rtnetlink through io's socket (opened on first
 * use, closed by clientcfg_host_close) and the nft program. */
struct clientcfg_host_io {
	struct rtnl *rtnl;
};
void clientcfg_host_backend(struct clientcfg_backend *b, struct clientcfg_host_io *io);
void clientcfg_host_close(struct clientcfg_host_io *io);

struct clientcfg_req {
	/* how the host is reached; must outlive the clientcfg */
	const struct clientcfg_backend *backend;
	const char *name;		/* log prefix (the session) */
	const char *peer;		/* peer block name: the PAT table name */
	const char *device;		/* the evs device */
	const char *addr_device;	/* NULL or "" = device */
	bool network_extension;
	/* client mode: assigned by the gateway (host prefixes); NULL = none */
	const struct evs_prefix *addr, *addr6;
	const struct evs_prefix *lans;	/* local-network lines */
	unsigned n_lans;
	/* the gateway's outer address (either family); NULL = unknown */
	const struct evs_prefix *gateway;
};

struct clientcfg;

/* Apply the addresses and PAT of req.  NULL only when the evs device does
 * not exist (logged); individual failures are logged and the rest goes
 * on, so the caller always tears down what was done. */
struct clientcfg *clientcfg_up(const struct clientcfg_req *req);
/* Route remote (a Phase 2 connection's remote selector, either family)
 * into the evs device for connection conn; local is its local selector
 * (network-extension mode picks a source address inside it).  Idempotent
 * per conn.  0, or -1 when a route could not be added (logged). */
int clientcfg_route_add(struct clientcfg *c, uint32_t conn,
			const struct evs_prefix *remote,
			const struct evs_prefix *local);
/* Connection conn went away: its routes go unless another conn uses them. */
void clientcfg_route_del(struct clientcfg *c, uint32_t conn);
/* Remove everything, newest first, and free. */
void clientcfg_down(struct clientcfg *c);

/* The session that now owns it (a renewed Phase 1) for the log lines. */
void clientcfg_set_name(struct clientcfg *c, const char *name);
/* Does c hold these client-mode addresses (NULL: none; none == none)? */
bool clientcfg_same_addr(const struct clientcfg *c, const struct evs_prefix *addr,
			 const struct evs_prefix *addr6);
/* How many routes c installed (tests, logs). */
unsigned clientcfg_n_routes(const struct clientcfg *c);

#endif
