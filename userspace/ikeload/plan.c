// SPDX-License-Identifier: MIT
/*
 * The load generator's own arithmetic (plan.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ikeload/plan.h"

int ikeload_plan_check(const struct ikeload_plan *p, struct evs_err *err)
{
	uint64_t ports;

	if (!p->n_addrs || !p->n_clients)
		return evs_errf(err, "need at least one address and one client");
	if ((uint64_t)p->base + p->n_addrs - 1 > UINT32_MAX)
		return evs_errf(err, "%u addresses from the base run past 255.255.255.255",
				p->n_addrs);
	if (!p->port0)
		return evs_errf(err, "the first port must not be 0");
	ports = (p->n_clients + (uint64_t)p->n_addrs - 1) / p->n_addrs;
	if (p->port0 + ports - 1 > 65535)
		return evs_errf(err, "%u clients on %u addresses need ports %u-%llu: past 65535",
				p->n_clients, p->n_addrs, p->port0,
				(unsigned long long)(p->port0 + ports - 1));
	return 0;
}

void ikeload_plan_addr(const struct ikeload_plan *p, unsigned i,
		       struct sockaddr_storage *out)
{
	struct sockaddr_in *s = (struct sockaddr_in *)out;

	memset(out, 0, sizeof(*out));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(p->base + i % p->n_addrs);
	s->sin_port = htons((uint16_t)(p->port0 + i / p->n_addrs));
}

int ikeload_plan_index(const struct ikeload_plan *p, const struct sockaddr *a)
{
	const struct sockaddr_in *s = (const struct sockaddr_in *)a;
	uint32_t addr, port;
	uint64_t i;

	if (a->sa_family != AF_INET)
		return -1;
	addr = ntohl(s->sin_addr.s_addr);
	port = ntohs(s->sin_port);
	if (addr < p->base || addr - p->base >= p->n_addrs || port < p->port0)
		return -1;
	i = (uint64_t)(port - p->port0) * p->n_addrs + (addr - p->base);
	return i < p->n_clients ? (int)i : -1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The value at nearest rank ceil(pct/100 * n) (1-based). */
static uint32_t at_rank(const uint32_t *v, unsigned n, unsigned pct)
{
	uint64_t r = ((uint64_t)n * pct + 99) / 100;

	return v[r ? r - 1 : 0];
}

void ikeload_latency(uint32_t *v, unsigned n, struct ikeload_lat *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u32);
	out->median = at_rank(v, n, 50);
	out->p90 = at_rank(v, n, 90);
	out->max = v[n - 1];
}
