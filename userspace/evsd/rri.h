/* SPDX-License-Identifier: MIT */
/*
 * rri: reverse route injection and proxy ARP for Easy VPN connections,
 * and the per-connection traffic counters accounting reports, through the
 * evs generic netlink family (uapi/linux/evs.h).
 *
 * Every route and proxy-ARP entry is added with the connection's id, so
 * the module removes it together with the connection (CONN_DEL, DPD,
 * expiry, daemon gone and hard lifetime reached): evsd never has to
 * remember to clean up, and cannot leak routes when it dies.
 */
#ifndef EVSD_RRI_H
#define EVSD_RRI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "ezv/easyvpn.h"

struct rri;

/* dev: the evs device routes point into ("evs0"). */
struct rri *rri_open(const char *dev, struct evs_err *err);
void rri_close(struct rri *r);

/* addr host order.  err gets the kernel's extack text on failure. */
int rri_route_add(struct rri *r, uint32_t conn_id, uint32_t addr, unsigned plen,
		  struct evs_err *err);
int rri_parp_add(struct rri *r, uint32_t conn_id, uint32_t addr,
		 const char *lan_if, struct evs_err *err);
/* IPv6: the route to p (EVS_ROUTE_A_FAMILY AF_INET6, 16-byte address),
 * and the proxy NDP entry of addr on lan_if (a 16-byte EVS_PARP_A_ADDR:
 * the IPv6 counterpart of proxy ARP). */
int rri_route6_add(struct rri *r, uint32_t conn_id, const struct evs_prefix *p,
		   struct evs_err *err);
int rri_ndp_add(struct rri *r, uint32_t conn_id, const struct evs_prefix *addr,
		const char *lan_if, struct evs_err *err);

/* Traffic of one connection, summed over its SAs as the gateway sees it:
 * rx = from the client (inbound SAs), tx = to it (outbound SAs). */
struct rri_counters {
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
};

/* One SA dump; calls fn for every SA with a connection id. */
typedef void (*rri_sa_fn)(uint32_t conn_id, uint32_t spi, bool inbound,
			  uint64_t bytes, uint64_t packets, void *arg);
int rri_dump_sa_counters(struct rri *r, rri_sa_fn fn, void *arg);

/* The gateway's kernel services for the Easy VPN layer; karg is a
 * struct rri. */
extern const struct ezv_kernel_ops rri_ezv_ops;

#endif
