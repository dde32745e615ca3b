// SPDX-License-Identifier: MIT
/* IPv6 client address pools; see pool6.h. */
#include "ezv/pool6.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POOL6_MAX 64

struct pool6 {
	char name[POOL_NAME_MAX + 1];
	struct evs_prefix prefix;
	uint32_t size, in_use, cursor;
	uint32_t *owner;		/* [size]: index i is prefix + i + 1 */
};

struct pool6_set {
	size_t n;
	struct pool6 p[POOL6_MAX];
};

struct pool6_set *pool6_set_new(void)
{
	return calloc(1, sizeof(struct pool6_set));
}

void pool6_set_free(struct pool6_set *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		free(ps->p[i].owner);
	free(ps);
}

static struct pool6 *find(const struct pool6_set *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->p[i].name, name))
			return (struct pool6 *)&ps->p[i];
	return NULL;
}

bool pool6_exists(const struct pool6_set *ps, const char *name)
{
	return find(ps, name) != NULL;
}

size_t pool6_count(const struct pool6_set *ps)
{
	return ps->n;
}

static bool overlap(const struct evs_prefix *a, const struct evs_prefix *b)
{
	return evs_prefix_within(a, b) || evs_prefix_within(b, a);
}

int pool6_add(struct pool6_set *ps, const char *name, const struct evs_prefix *p,
	      const struct pool_set *names_taken, struct evs_err *err)
{
	struct pool6 *n;
	struct evs_prefix net = *p;
	char s[EVS_PREFIX_STRLEN];
	unsigned host = 128u - p->plen;

	evs_prefix_clear_host(&net);
	if (p->family != AF_INET6 || p->plen < 48 || p->plen > 120)
		return evs_errf(err, "an IPv6 pool is a prefix of length 48..120");
	if (!evs_prefix_eq(&net, p))
		return evs_errf(err, "%s has host bits set", evs_prefix_str(p, s, sizeof(s)));
	if (strlen(name) > POOL_NAME_MAX || !name[0])
		return evs_errf(err, "bad pool name");
	if (find(ps, name) || (names_taken && pool_exists(names_taken, name)))
		return evs_errf(err, "pool \"%s\" defined twice", name);
	for (size_t i = 0; i < ps->n; i++)
		if (overlap(&ps->p[i].prefix, p))
			return evs_errf(err, "%s overlaps pool \"%s\"",
					evs_prefix_str(p, s, sizeof(s)), ps->p[i].name);
	if (ps->n >= POOL6_MAX)
		return evs_errf(err, "more than %d IPv6 pools", POOL6_MAX);
	n = &ps->p[ps->n];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->prefix = *p;
	n->size = host >= 17 ? POOL_MAX_SIZE : (1u << host) - 1;
	n->owner = calloc(n->size, sizeof(*n->owner));
	if (!n->owner)
		return evs_errf(err, "out of memory");
	ps->n++;
	return 0;
}

static void addr_at(const struct pool6 *p, uint32_t i, struct evs_prefix *out);

int pool6_get_info_at(const struct pool6_set *ps, size_t i, struct pool6_info *info)
{
	if (i >= ps->n)
		return -1;
	snprintf(info->name, sizeof(info->name), "%s", ps->p[i].name);
	info->prefix = ps->p[i].prefix;
	addr_at(&ps->p[i], 0, &info->first);
	addr_at(&ps->p[i], ps->p[i].size - 1, &info->last);
	info->size = ps->p[i].size;
	info->in_use = ps->p[i].in_use;
	return 0;
}

/* The address at index i of pool p: the prefix plus i + 1. */
static void addr_at(const struct pool6 *p, uint32_t i, struct evs_prefix *out)
{
	uint32_t v = i + 1;

	*out = p->prefix;
	out->plen = 128;
	for (int b = 15; b >= 12; b--, v >>= 8)
		out->addr[b] = (uint8_t)(out->addr[b] | (v & 0xff));
}

/* The pool holding a, and its index there; NULL when none does. */
static struct pool6 *index_of(const struct pool6_set *ps, const struct evs_prefix *a,
			      uint32_t *idx)
{
	for (size_t k = 0; k < ps->n; k++) {
		const struct pool6 *p = &ps->p[k];
		uint32_t v;

		if (a->family != AF_INET6 || a->plen != 128 || !evs_prefix_within(a, &p->prefix))
			continue;
		/* pools are at most 2^16 addresses: the offset sits in the
		 * last four bytes, and the bytes before must be the prefix's */
		if (memcmp(a->addr, p->prefix.addr, 12))
			return NULL;
		v = (uint32_t)a->addr[12] << 24 | (uint32_t)a->addr[13] << 16 |
		    (uint32_t)a->addr[14] << 8 | a->addr[15];
		v -= (uint32_t)p->prefix.addr[12] << 24 | (uint32_t)p->prefix.addr[13] << 16 |
		     (uint32_t)p->prefix.addr[14] << 8 | p->prefix.addr[15];
		if (!v || v > p->size)
			return NULL;
		*idx = v - 1;
		return (struct pool6 *)p;
	}
	return NULL;
}

int pool6_lease(struct pool6_set *ps, const char *name, uint32_t owner,
		struct evs_prefix *addr)
{
	struct pool6 *p = find(ps, name);

	if (!p)
		return POOL_NO_POOL;
	if (!owner)
		return POOL_BAD;
	for (uint32_t k = 0; k < p->size; k++) {
		uint32_t i = (p->cursor + k) % p->size;

		if (p->owner[i])
			continue;
		p->owner[i] = owner;
		p->in_use++;
		p->cursor = (i + 1) % p->size;
		addr_at(p, i, addr);
		return POOL_OK;
	}
	return POOL_EXHAUSTED;
}

int pool6_take(struct pool6_set *ps, const struct evs_prefix *addr, uint32_t owner)
{
	uint32_t i;
	struct pool6 *p = index_of(ps, addr, &i);

	if (!p || !owner)
		return POOL_BAD;
	if (p->owner[i] == owner)
		return POOL_OK;
	if (p->owner[i])
		return POOL_TAKEN;
	p->owner[i] = owner;
	p->in_use++;
	return POOL_OK;
}

int pool6_release(struct pool6_set *ps, const struct evs_prefix *addr, uint32_t owner)
{
	uint32_t i;
	struct pool6 *p = index_of(ps, addr, &i);

	if (!p || !owner || p->owner[i] != owner)
		return -1;
	p->owner[i] = 0;
	p->in_use--;
	return 0;
}

int pool6_transfer(struct pool6_set *ps, const struct evs_prefix *addr, uint32_t from,
		   uint32_t to)
{
	uint32_t i;
	struct pool6 *p = index_of(ps, addr, &i);

	if (!p || !from || !to || p->owner[i] != from)
		return -1;
	p->owner[i] = to;
	return 0;
}

uint32_t pool6_owner(const struct pool6_set *ps, const struct evs_prefix *addr)
{
	uint32_t i;
	const struct pool6 *p = index_of(ps, addr, &i);

	return p ? p->owner[i] : 0;
}

bool pool6_overlaps(const struct pool6_set *ps, const struct evs_prefix *a)
{
	for (size_t k = 0; k < ps->n; k++)
		if (overlap(a, &ps->p[k].prefix))
			return true;
	return false;
}
