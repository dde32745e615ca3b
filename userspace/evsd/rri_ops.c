// SPDX-License-Identifier: MIT
/* The gateway's kernel services for the Easy VPN layer (rri_ezv_ops):
 * rri.h's calls under ezv's signatures.  Apart from rri.c so that the
 * bench's evsd-stubkernel (evsd/stub/kernel_stub.c in place of kernel.c
 * and rri.c) links the same table. */
#include "evsd/rri.h"
#include "ezv/easyvpn.h"

static int ezv_route_add(void *karg, uint32_t conn_id, uint32_t addr,
			 unsigned plen, struct evs_err *err)
{
	return rri_route_add(karg, conn_id, addr, plen, err);
}

static int ezv_parp_add(void *karg, uint32_t conn_id, uint32_t addr,
			const char *lan_if, struct evs_err *err)
{
	return rri_parp_add(karg, conn_id, addr, lan_if, err);
}

static int ezv_route6_add(void *karg, uint32_t conn_id, const struct evs_prefix *p,
			  struct evs_err *err)
{
	return rri_route6_add(karg, conn_id, p, err);
}

static int ezv_ndp_add(void *karg, uint32_t conn_id, const struct evs_prefix *addr,
		       const char *lan_if, struct evs_err *err)
{
	return rri_ndp_add(karg, conn_id, addr, lan_if, err);
}

static int ezv_dump_sa_counters(void *karg, ezv_sa_counter_fn fn, void *arg)
{
	return rri_dump_sa_counters(karg, fn, arg);
}

const struct ezv_kernel_ops rri_ezv_ops = {
	.route_add = ezv_route_add,
	.parp_add = ezv_parp_add,
	.dump_sa_counters = ezv_dump_sa_counters,
	.route6_add = ezv_route6_add,
	.ndp_add = ezv_ndp_add,
};
