/* SPDX-License-Identifier: MIT */
/*
 * plan: what the IKE load generator (evs-ikeload) decides by itself,
 * apart from the engine: which source address and port client i uses,
 * and the latency figures of a run.
 *
 * Client i sends from base + (i mod n_addrs), port port0 + (i / n_addrs):
 * the addresses are spread first, so a gateway's per-source limits (half-
 * open SAs, XAUTH lockouts) see few clients per address, and every client
 * has its own address and port, so both gateways tell them apart without
 * relying on cookies alone.
 */
#ifndef EVS_IKELOAD_PLAN_H
#define EVS_IKELOAD_PLAN_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"

struct ikeload_plan {
	uint32_t base;		/* first source address, host order */
	unsigned n_addrs;
	uint16_t port0;
	unsigned n_clients;
};

/* 0, or -1 with err when the plan leaves the address or port space. */
int ikeload_plan_check(const struct ikeload_plan *p, struct evs_err *err);
/* Client i's source (i < n_clients). */
void ikeload_plan_addr(const struct ikeload_plan *p, unsigned i,
		       struct sockaddr_storage *out);
/* The client that owns source a, or -1 (not one of the plan's). */
int ikeload_plan_index(const struct ikeload_plan *p, const struct sockaddr *a);

/* Latency figures (ms) of n values; sorts v.  Nearest rank: the median is
 * the value at rank ceil(n/2), p90 at ceil(0.9 n).  All 0 when n is 0. */
struct ikeload_lat {
	uint32_t median, p90, max;
};
void ikeload_latency(uint32_t *v, unsigned n, struct ikeload_lat *out);

#endif
