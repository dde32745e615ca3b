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
	if (!f->n && p->server.ss_family == AF_INET)	/* a block built by hand */
		memcpy(&f->gw[f->n++], &p->server, sizeof(f->gw[0]));
	f->n_config = f->n;
}

static bool listed(const struct failover *f, const struct in_addr *a)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->gw[i].sin_addr.s_addr == a->s_addr)
			return true;
	return false;
}

unsigned failover_set_pushed(struct failover *f, const char *list)
{
	struct sockaddr_in cur = *failover_current(f);
	unsigned kept = 0;
	const char *p = list;

	f->n = f->n_config;
	while (*p) {
		char word[64];
		size_t len = strcspn(p, ", \t");
		struct in_addr a;

		if (len && len < sizeof(word) && kept < FAILOVER_PUSHED_MAX) {
			memcpy(word, p, len);
			word[len] = '\0';
			if (inet_pton(AF_INET, word, &a) == 1 && a.s_addr != INADDR_ANY &&
			    a.s_addr != INADDR_BROADCAST && !listed(f, &a) && f->n < FAILOVER_MAX) {
				f->gw[f->n] = f->gw[0];
				f->gw[f->n++].sin_addr = a;
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
		if (f->gw[i].sin_addr.s_addr == cur.sin_addr.s_addr &&
		    f->gw[i].sin_port == cur.sin_port)
			f->cur = i;
	if (f->cur == f->n) {
		if (f->n < FAILOVER_MAX)
			f->gw[f->n++] = cur;
		else
			f->cur = 0;
	}
	return kept;
}

int failover_restore(struct failover *f, const struct ike_peer *p,
		     const struct sockaddr_in *gw, unsigned n, unsigned n_config, unsigned cur)
{
	failover_init(f, p);
	if (n_config != f->n_config || n > FAILOVER_MAX || n < n_config ||
	    n - n_config > FAILOVER_PUSHED_MAX + 1 || cur >= n)
		return -1;
	for (unsigned i = 0; i < n_config; i++)
		if (gw[i].sin_family != AF_INET || gw[i].sin_addr.s_addr != f->gw[i].sin_addr.s_addr ||
		    gw[i].sin_port != f->gw[i].sin_port)
			return -1;	/* the configured servers changed */
	for (unsigned i = n_config; i < n; i++) {
		if (gw[i].sin_family != AF_INET || gw[i].sin_addr.s_addr == INADDR_ANY ||
		    gw[i].sin_addr.s_addr == INADDR_BROADCAST || !gw[i].sin_port ||
		    listed(f, &gw[i].sin_addr)) {
			f->n = f->n_config;
			return -1;
		}
		f->gw[f->n++] = gw[i];
	}
	f->cur = cur;
	return 0;
}

const struct sockaddr_in *failover_current(const struct failover *f)
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
