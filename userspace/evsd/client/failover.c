// SPDX-License-Identifier: MIT
/* The gateway list of a client peer block; see failover.h. */
#include "evsd/client/failover.h"

#include <arpa/inet.h>
#include <string.h>

void failover_init(struct failover *f, const struct ike_peer *p)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < p->n_servers && f->n < FAILOVER_MAX; i++)
		f->gw[f->n++] = p->servers[i];
	if (!f->n && p->server.ss_family)	/* a block built by hand */
		f->gw[f->n++] = p->server;
	f->n_config = f->n;
}

/* The same gateway address (ports aside). */
static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr, 16);
	return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
	       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
}

static bool listed(const struct failover *f, const struct sockaddr_storage *a)
{
	for (unsigned i = 0; i < f->n; i++)
		if (same_addr(&f->gw[i], a))
			return true;
	return false;
}

/* A pushed entry: an IPv4 or IPv6 address with the primary's port. */
static bool pushed_gw(const struct failover *f, const char *word,
		      struct sockaddr_storage *out)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	uint16_t port = f->gw[0].ss_family == AF_INET6 ?
			((const struct sockaddr_in6 *)&f->gw[0])->sin6_port :
			((const struct sockaddr_in *)&f->gw[0])->sin_port;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, word, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = port;
		return a4->sin_addr.s_addr != INADDR_ANY &&
		       a4->sin_addr.s_addr != INADDR_BROADCAST;
	}
	if (inet_pton(AF_INET6, word, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = port;
		return !IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) &&
		       !IN6_IS_ADDR_MULTICAST(&a6->sin6_addr);
	}
	return false;
}

unsigned failover_set_pushed(struct failover *f, const char *list)
{
	struct sockaddr_storage cur = *failover_current(f);
	unsigned kept = 0;
	const char *p = list;

	f->n = f->n_config;
	while (*p) {
		char word[64];
		size_t len = strcspn(p, ", \t");
		struct sockaddr_storage a;

		if (len && len < sizeof(word) && kept < FAILOVER_PUSHED_MAX) {
			memcpy(word, p, len);
			word[len] = '\0';
			if (pushed_gw(f, word, &a) && !listed(f, &a) && f->n < FAILOVER_MAX) {
				f->gw[f->n++] = a;
				kept++;
			}
		}
		p += len;
		p += strspn(p, ", \t");
	}
	/* stay on the gateway in use, wherever it now is in the list; a
	 * backup that pushes a list without itself (or none) stays in it, or
	 * the client would take it for the primary */
	f->cur = f->n;
	for (unsigned i = 0; i < f->n; i++)
		if (!memcmp(&f->gw[i], &cur, sizeof(cur)))
			f->cur = i;
	if (f->cur == f->n) {
		if (f->n < FAILOVER_MAX)
			f->gw[f->n++] = cur;
		else
			f->cur = 0;
	}
	return kept;
}

uint16_t failover_gw_port(const struct sockaddr_storage *a)
{
	return a->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)a)->sin6_port :
					  ((const struct sockaddr_in *)a)->sin_port;
}

/* An address a push could have given: a unicast one with a port. */
static bool usable_gw(const struct sockaddr_storage *a)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;

	if (!failover_gw_port(a))
		return false;
	if (a->ss_family == AF_INET)
		return a4->sin_addr.s_addr != INADDR_ANY && a4->sin_addr.s_addr != INADDR_BROADCAST;
	return a->ss_family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) &&
	       !IN6_IS_ADDR_MULTICAST(&a6->sin6_addr);
}

int failover_restore(struct failover *f, const struct ike_peer *p,
		     const struct sockaddr_storage *gw, unsigned n, unsigned n_config,
		     unsigned cur)
{
	failover_init(f, p);
	if (n_config != f->n_config || n > FAILOVER_MAX || n < n_config ||
	    n - n_config > FAILOVER_PUSHED_MAX + 1 || cur >= n)
		return -1;
	for (unsigned i = 0; i < n_config; i++)
		if (!same_addr(&gw[i], &f->gw[i]) ||
		    failover_gw_port(&gw[i]) != failover_gw_port(&f->gw[i]))
			return -1;	/* the configured servers changed */
	for (unsigned i = n_config; i < n; i++) {
		if (!usable_gw(&gw[i]) || listed(f, &gw[i])) {
			f->n = f->n_config;
			return -1;
		}
		f->gw[f->n++] = gw[i];
	}
	f->cur = cur;
	return 0;
}

const struct sockaddr_storage *failover_current(const struct failover *f)
{
	return &f->gw[f->cur < f->n ? f->cur : 0];
}

void failover_up(struct failover *f, uint64_t now)
{
	f->up_since = now ? now : 1;
}

bool failover_ended(struct failover *f, bool established, enum evs_end_reason r)
{
	bool dead = r == EVS_END_DPD || (!established && r == EVS_END_ERROR);

	f->up_since = 0;
	if (!dead || f->n < 2)
		return false;
	f->cur = (f->cur + 1) % f->n;
	return true;
}

bool failover_return_due(struct failover *f, uint32_t return_after, uint64_t now)
{
	if (!return_after || !f->cur || !f->up_since ||
	    now - f->up_since < (uint64_t)return_after * 1000)
		return false;
	f->cur = 0;
	f->up_since = 0;
	return true;
}
