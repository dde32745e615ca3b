// SPDX-License-Identifier: MIT
/* Client address pools and fixed leases; see pool.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ezv/pool.h"
#include "lib/prefix.h"

struct pool {
	char name[POOL_NAME_MAX + 1];
	uint32_t first, last;
	uint32_t size, in_use;
	uint32_t cursor;		/* next-fit start, offset from first */
	uint32_t *owner;		/* size entries, 0 = free */
};

struct fixed_lease {
	uint32_t addr, owner;
};

/* Which pool addresses an owner holds, so that "does it hold one
 * already" and "release all of its" cost a lookup, not a scan of every
 * pool (a /16 pool is 65,534 entries; the scans were a fifth of evsd's
 * instructions per connection, crypto aside).  Open addressing, linear
 * probing, at most half full; an owner may hold several addresses (one
 * entry each). */
struct owner_ent {
	uint32_t owner;			/* 0: empty */
	uint32_t addr;
};

struct pool_set {
	struct pool *pools;
	size_t n_pools;
	struct fixed_lease *fixed;	/* addresses outside every pool */
	size_t n_fixed, cap_fixed;
	struct owner_ent *ix;
	uint32_t ix_cap, ix_n;		/* ix_cap: 0 or a power of two */
};

/* Owners are connection ids evsd hands out (not a peer's choice):
 * Fibonacci hashing spreads consecutive ones. */
static uint32_t ix_home(const struct pool_set *ps, uint32_t owner)
{
	return (uint32_t)(((uint64_t)owner * 0x9e3779b97f4a7c15ull) >> 32) & (ps->ix_cap - 1);
}

static void ix_put(struct owner_ent *t, uint32_t cap, uint32_t owner, uint32_t addr,
		   uint32_t home)
{
	uint32_t i = home;

	while (t[i].owner)
		i = (i + 1) & (cap - 1);
	t[i] = (struct owner_ent){ owner, addr };
}

/* Record that owner holds addr; -1 (nothing changed) when the table is
 * full and cannot grow. */
static int ix_add(struct pool_set *ps, uint32_t owner, uint32_t addr)
{
	if ((ps->ix_n + 1) * 2 > ps->ix_cap) {
		uint32_t cap = ps->ix_cap ? ps->ix_cap * 2 : 16;
		struct owner_ent *t = calloc(cap, sizeof(*t));

		if (t) {
			struct owner_ent *old = ps->ix;
			uint32_t old_cap = ps->ix_cap;

			ps->ix = t;
			ps->ix_cap = cap;
			for (uint32_t i = 0; i < old_cap; i++)
				if (old[i].owner)
					ix_put(t, cap, old[i].owner, old[i].addr,
					       ix_home(ps, old[i].owner));
			free(old);
		} else if (ps->ix_n + 1 >= ps->ix_cap) {
			return -1;	/* one slot always stays empty */
		}
	}
	ix_put(ps->ix, ps->ix_cap, owner, addr, ix_home(ps, owner));
	ps->ix_n++;
	return 0;
}

/* The slot of (owner, addr), or of any address of owner's when addr is 0;
 * -1 when there is none. */
static int64_t ix_find(const struct pool_set *ps, uint32_t owner, uint32_t addr)
{
	if (!ps->ix_cap)
		return -1;
	for (uint32_t i = ix_home(ps, owner); ps->ix[i].owner; i = (i + 1) & (ps->ix_cap - 1))
		if (ps->ix[i].owner == owner && (!addr || ps->ix[i].addr == addr))
			return i;
	return -1;
}

/* Remove slot i, moving up the entries after it that it was keeping off
 * their home slots (no tombstones). */
static void ix_remove_at(struct pool_set *ps, uint32_t i)
{
	uint32_t mask = ps->ix_cap - 1, j = i;

	ps->ix[i].owner = 0;
	ps->ix_n--;
	for (;;) {
		uint32_t h;

		j = (j + 1) & mask;
		if (!ps->ix[j].owner)
			return;
		h = ix_home(ps, ps->ix[j].owner);
		/* Entry j stays unless its home lies cyclically in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
			ps->ix[i] = ps->ix[j];
			ps->ix[j].owner = 0;
			i = j;
		}
	}
}

static void ix_del(struct pool_set *ps, uint32_t owner, uint32_t addr)
{
	int64_t i = ix_find(ps, owner, addr);

	if (i >= 0)
		ix_remove_at(ps, (uint32_t)i);
}

/* The lowest address owner holds in p, 0 for none. */
static uint32_t ix_lowest(const struct pool_set *ps, const struct pool *p, uint32_t owner)
{
	uint32_t best = 0;

	if (!ps->ix_cap)
		return 0;
	for (uint32_t i = ix_home(ps, owner); ps->ix[i].owner; i = (i + 1) & (ps->ix_cap - 1)) {
		uint32_t a = ps->ix[i].addr;

		if (ps->ix[i].owner == owner && a >= p->first && a <= p->last &&
		    (!best || a < best))
			best = a;
	}
	return best;
}

struct pool_set *pool_set_new(void)
{
	return calloc(1, sizeof(struct pool_set));
}

size_t pool_count(const struct pool_set *ps)
{
	return ps ? ps->n_pools : 0;
}

void pool_set_free(struct pool_set *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n_pools; i++)
		free(ps->pools[i].owner);
	free(ps->pools);
	free(ps->fixed);
	free(ps->ix);
	free(ps);
}

static struct pool *pool_by_name(const struct pool_set *ps, const char *name)
{
	for (size_t i = 0; i < ps->n_pools; i++)
		if (!strcmp(ps->pools[i].name, name))
			return &ps->pools[i];
	return NULL;
}

static struct pool *pool_by_addr(const struct pool_set *ps, uint32_t addr)
{
	for (size_t i = 0; i < ps->n_pools; i++)
		if (addr >= ps->pools[i].first && addr <= ps->pools[i].last)
			return &ps->pools[i];
	return NULL;
}

int pool_add(struct pool_set *ps, const char *name, uint32_t first,
	     uint32_t last, struct evs_err *err)
{
	struct pool *p, *grown;
	char a[16], b[16];

	if (!name[0] || strlen(name) > POOL_NAME_MAX) {
		evs_errf(err, "pool name must be 1-%d bytes", POOL_NAME_MAX);
		return -1;
	}
	if (pool_by_name(ps, name)) {
		evs_errf(err, "pool \"%s\" defined twice", name);
		return -1;
	}
	evs_ip4_ntop(first, a, sizeof(a));
	evs_ip4_ntop(last, b, sizeof(b));
	if (first == 0 || last < first) {
		evs_errf(err, "pool \"%s\": range %s-%s is empty or reversed", name, a, b);
		return -1;
	}
	if ((uint64_t)last - first + 1 > POOL_MAX_SIZE) {
		evs_errf(err, "pool \"%s\": %s-%s holds more than %u addresses",
			 name, a, b, POOL_MAX_SIZE);
		return -1;
	}
	for (size_t i = 0; i < ps->n_pools; i++) {
		p = &ps->pools[i];
		if (first <= p->last && last >= p->first) {
			evs_errf(err, "pool \"%s\" (%s-%s) overlaps pool \"%s\"",
				 name, a, b, p->name);
			return -1;
		}
	}
	grown = realloc(ps->pools, (ps->n_pools + 1) * sizeof(*grown));
	if (!grown) {
		evs_errf(err, "out of memory");
		return -1;
	}
	ps->pools = grown;
	p = &ps->pools[ps->n_pools];
	memset(p, 0, sizeof(*p));
	p->size = last - first + 1;
	p->owner = calloc(p->size, sizeof(*p->owner));
	if (!p->owner) {
		evs_errf(err, "out of memory");
		return -1;
	}
	strcpy(p->name, name);
	p->first = first;
	p->last = last;
	ps->n_pools++;
	return 0;
}

int pool_add_prefix(struct pool_set *ps, const char *name, uint32_t net,
		    unsigned plen, struct evs_err *err)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	if (plen < 16 || plen > 30) {
		evs_errf(err, "pool \"%s\": prefix length must be 16..30", name);
		return -1;
	}
	if (net & ~mask) {
		evs_errf(err, "pool \"%s\": host bits set in the prefix", name);
		return -1;
	}
	return pool_add(ps, name, net + 1, (net | ~mask) - 1, err);
}

bool pool_exists(const struct pool_set *ps, const char *name)
{
	return pool_by_name(ps, name) != NULL;
}

static int fill_info(const struct pool *p, struct pool_info *info)
{
	if (!p)
		return -1;
	snprintf(info->name, sizeof(info->name), "%s", p->name);
	info->first = p->first;
	info->last = p->last;
	info->size = p->size;
	info->in_use = p->in_use;
	return 0;
}

int pool_get_info(const struct pool_set *ps, const char *name,
		  struct pool_info *info)
{
	return fill_info(pool_by_name(ps, name), info);
}

int pool_get_info_at(const struct pool_set *ps, size_t i, struct pool_info *info)
{
	return fill_info(ps && i < ps->n_pools ? &ps->pools[i] : NULL, info);
}

const char *pool_result_str(int r)
{
	switch (r) {
	case POOL_OK: return "ok";
	case POOL_EXHAUSTED: return "pool exhausted";
	case POOL_TAKEN: return "address in use by another connection";
	case POOL_NO_POOL: return "no such pool";
	default: return "invalid request";
	}
}

static int pool_take(struct pool_set *ps, struct pool *p, uint32_t off, uint32_t owner)
{
	if (ix_add(ps, owner, p->first + off) < 0)
		return POOL_BAD;
	p->owner[off] = owner;
	p->in_use++;
	p->cursor = off + 1 == p->size ? 0 : off + 1;
	return POOL_OK;
}

int pool_lease(struct pool_set *ps, const char *name, uint32_t owner,
	       uint32_t hint, uint32_t *addr)
{
	struct pool *p = pool_by_name(ps, name);

	if (!p)
		return POOL_NO_POOL;
	if (!owner)
		return POOL_BAD;
	if ((*addr = ix_lowest(ps, p, owner)))
		return POOL_OK;
	if (hint >= p->first && hint <= p->last && !p->owner[hint - p->first]) {
		*addr = hint;
		return pool_take(ps, p, hint - p->first, owner);
	}
	if (p->in_use == p->size)
		return POOL_EXHAUSTED;
	for (uint32_t n = 0, off = p->cursor; n < p->size; n++) {
		if (!p->owner[off]) {
			*addr = p->first + off;
			return pool_take(ps, p, off, owner);
		}
		off = off + 1 == p->size ? 0 : off + 1;
	}
	return POOL_EXHAUSTED;
}

int pool_lease_fixed(struct pool_set *ps, uint32_t addr, uint32_t owner)
{
	struct pool *p;

	if (!owner || addr == 0 || addr == 0xffffffffu)
		return POOL_BAD;
	p = pool_by_addr(ps, addr);
	if (p) {
		uint32_t off = addr - p->first;

		if (p->owner[off])
			return p->owner[off] == owner ? POOL_OK : POOL_TAKEN;
		if (ix_add(ps, owner, addr) < 0)
			return POOL_BAD;
		p->owner[off] = owner;
		p->in_use++;
		return POOL_OK;
	}
	for (size_t i = 0; i < ps->n_fixed; i++)
		if (ps->fixed[i].addr == addr)
			return ps->fixed[i].owner == owner ? POOL_OK : POOL_TAKEN;
	if (ps->n_fixed == ps->cap_fixed) {
		size_t cap = ps->cap_fixed ? ps->cap_fixed * 2 : 16;
		struct fixed_lease *f = realloc(ps->fixed, cap * sizeof(*f));

		if (!f)
			return POOL_BAD;
		ps->fixed = f;
		ps->cap_fixed = cap;
	}
	ps->fixed[ps->n_fixed++] = (struct fixed_lease){ addr, owner };
	return POOL_OK;
}

int pool_release(struct pool_set *ps, uint32_t addr, uint32_t owner)
{
	struct pool *p = pool_by_addr(ps, addr);

	if (!owner)
		return -1;
	if (p) {
		uint32_t off = addr - p->first;

		if (p->owner[off] != owner)
			return -1;
		ix_del(ps, owner, addr);
		p->owner[off] = 0;
		p->in_use--;
		return 0;
	}
	for (size_t i = 0; i < ps->n_fixed; i++)
		if (ps->fixed[i].addr == addr) {
			if (ps->fixed[i].owner != owner)
				return -1;
			ps->fixed[i] = ps->fixed[--ps->n_fixed];
			return 0;
		}
	return -1;
}

unsigned pool_release_owner(struct pool_set *ps, uint32_t owner)
{
	unsigned n = 0;

	if (!owner)
		return 0;
	for (int64_t i; (i = ix_find(ps, owner, 0)) >= 0; n++) {
		uint32_t a = ps->ix[i].addr;
		struct pool *p = pool_by_addr(ps, a);

		p->owner[a - p->first] = 0;
		p->in_use--;
		ix_remove_at(ps, (uint32_t)i);
	}
	for (size_t i = 0; i < ps->n_fixed;)
		if (ps->fixed[i].owner == owner) {
			ps->fixed[i] = ps->fixed[--ps->n_fixed];
			n++;
		} else {
			i++;
		}
	return n;
}

int pool_transfer(struct pool_set *ps, uint32_t addr, uint32_t from, uint32_t to)
{
	struct pool *p = pool_by_addr(ps, addr);

	if (!from || !to)
		return -1;
	if (p) {
		if (p->owner[addr - p->first] != from)
			return -1;
		/* The slot freed first: the add cannot fail. */
		ix_del(ps, from, addr);
		ix_add(ps, to, addr);
		p->owner[addr - p->first] = to;
		return 0;
	}
	for (size_t i = 0; i < ps->n_fixed; i++)
		if (ps->fixed[i].addr == addr) {
			if (ps->fixed[i].owner != from)
				return -1;
			ps->fixed[i].owner = to;
			return 0;
		}
	return -1;
}

bool pool_overlaps(const struct pool_set *ps, uint32_t first, uint32_t last,
		   char *name, size_t len)
{
	for (size_t i = 0; i < ps->n_pools; i++)
		if (first <= ps->pools[i].last && last >= ps->pools[i].first) {
			if (name)
				snprintf(name, len, "%s", ps->pools[i].name);
			return true;
		}
	return false;
}

uint32_t pool_owner(const struct pool_set *ps, uint32_t addr)
{
	const struct pool *p = pool_by_addr(ps, addr);

	if (p)
		return p->owner[addr - p->first];
	for (size_t i = 0; i < ps->n_fixed; i++)
		if (ps->fixed[i].addr == addr)
			return ps->fixed[i].owner;
	return 0;
}

unsigned pool_leased_total(const struct pool_set *ps)
{
	unsigned n = (unsigned)ps->n_fixed;

	for (size_t i = 0; i < ps->n_pools; i++)
		n += ps->pools[i].in_use;
	return n;
}
