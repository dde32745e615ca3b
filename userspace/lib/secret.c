// SPDX-License-Identifier: MIT
/*
 * Guarded key storage.  The small descriptor lives on the ordinary heap
 * (it holds no key bytes); the bytes live in a slot of a guarded arena.
 *
 * Each size class (32 .. 1024 bytes) has a few chunks, each one
 * sodium_malloc() region (guard pages around it, canary, mlock'ed), with
 * a bitmap of free slots; chunk n of a class holds four times the slots of
 * chunk n - 1, so the number of memory mappings grows with the log of
 * the number of secrets, not with it (one sodium_malloc per key used to
 * cost three mappings each, and a few thousand sessions reached
 * vm.max_map_count).  A chunk is read-only while none of its slots is
 * being written (between secret_new and secret_seal, or wiped on free).
 * Larger secrets (rare: long configured keys) get a region of their own.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/secret.h"

#define N_CLASSES	6		/* 32, 64, ..., 1024 bytes */
#define MIN_SLOT	32
#define FIRST_SLOTS	128
#define MAX_SLOTS	16384

struct chunk {
	struct chunk *next;
	uint8_t *mem;			/* sodium_malloc'd */
	uint64_t *used;			/* bitmap */
	uint32_t slots, n_used;
	uint32_t writers;		/* slots being written: chunk writable */
	unsigned cls;
};

struct secret {
	uint8_t *data;
	size_t len;
	bool sealed;
	struct chunk *chunk;		/* NULL: a region of its own */
};

/* The arena is process-wide, as the heap is: every layer stores keys in
 * it (the engine's SAs, the Easy VPN group keys, the config), and what
 * it saves -- memory mappings, against vm.max_map_count -- is counted
 * per process.  Secrets are made and freed on the main thread only.
 */
static bool secret_ready;
static struct chunk *classes[N_CLASSES];

int secret_init(void)
{
	if (secret_ready)
		return 0;
	if (sodium_init() < 0)
		return -1;
	secret_ready = true;
	return 0;
}

static size_t slot_size(unsigned cls)
{
	return (size_t)MIN_SLOT << cls;
}

static void chunk_writers(struct chunk *c, int delta)
{
	if (!c->writers && delta > 0)
		sodium_mprotect_readwrite(c->mem);
	c->writers += delta;
	if (!c->writers)
		sodium_mprotect_readonly(c->mem);
}

static struct chunk *chunk_new(unsigned cls, uint32_t slots)
{
	struct chunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->used = calloc((slots + 63) / 64, sizeof(uint64_t));
	c->mem = sodium_malloc(slot_size(cls) * slots);
	if (!c->used || !c->mem) {
		if (c->mem)
			sodium_free(c->mem);
		free(c->used);
		free(c);
		return NULL;
	}
	sodium_memzero(c->mem, slot_size(cls) * slots);
	sodium_mprotect_readonly(c->mem);
	c->slots = slots;
	c->cls = cls;
	return c;
}

/* A free slot of class cls, its chunk made writable. */
static uint8_t *slot_get(unsigned cls, struct chunk **out)
{
	struct chunk *c, *last = NULL;

	for (c = classes[cls]; c; last = c, c = c->next)
		if (c->n_used < c->slots)
			break;
	if (!c) {
		uint32_t slots = last ? last->slots * 4 : FIRST_SLOTS;

		c = chunk_new(cls, slots > MAX_SLOTS ? MAX_SLOTS : slots);
		if (!c)
			return NULL;
		if (last)
			last->next = c;
		else
			classes[cls] = c;
	}
	for (uint32_t w = 0; w < (c->slots + 63) / 64; w++) {
		if (c->used[w] == UINT64_MAX)
			continue;
		for (unsigned b = 0; b < 64; b++) {
			uint32_t i = w * 64 + b;

			if (i >= c->slots || (c->used[w] & (1ull << b)))
				continue;
			c->used[w] |= 1ull << b;
			c->n_used++;
			chunk_writers(c, 1);
			*out = c;
			return c->mem + (size_t)i * slot_size(cls);
		}
	}
	return NULL;
}

/* Wipe the slot and give it back; an empty chunk other than its class's
 * first is released. */
static void slot_put(struct chunk *c, uint8_t *p, bool writing)
{
	size_t i = (size_t)(p - c->mem) / slot_size(c->cls);

	if (!writing)
		chunk_writers(c, 1);
	sodium_memzero(p, slot_size(c->cls));
	chunk_writers(c, -1);
	c->used[i / 64] &= ~(1ull << (i % 64));
	c->n_used--;
	if (!c->n_used && classes[c->cls] != c) {
		struct chunk **pp = &classes[c->cls];

		while (*pp != c)
			pp = &(*pp)->next;
		*pp = c->next;
		sodium_mprotect_readwrite(c->mem);
		sodium_free(c->mem);
		free(c->used);
		free(c);
	}
}

struct secret *secret_new(size_t len)
{
	struct secret *s;
	unsigned cls = 0;

	if (secret_init() < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	while (cls < N_CLASSES && slot_size(cls) < len)
		cls++;
	if (cls < N_CLASSES) {
		s->data = slot_get(cls, &s->chunk);
	} else {
		s->data = sodium_malloc(len);
		if (s->data)
			sodium_memzero(s->data, len);
	}
	if (!s->data) {
		free(s);
		return NULL;
	}
	s->len = len;
	return s;
}

struct secret *secret_from(const void *p, size_t len)
{
	struct secret *s = secret_new(len);

	if (!s)
		return NULL;
	if (len)
		memcpy(s->data, p, len);
	secret_seal(s);
	return s;
}

struct secret *secret_dup(const struct secret *s)
{
	return s ? secret_from(s->data, s->len) : NULL;
}

struct secret *secret_concat(const struct secret *a, const struct secret *b)
{
	struct secret *s;

	if (!a || !b)
		return NULL;
	s = secret_new(a->len + b->len);
	if (!s)
		return NULL;
	memcpy(s->data, a->data, a->len);
	memcpy(s->data + a->len, b->data, b->len);
	secret_seal(s);
	return s;
}

const uint8_t *secret_data(const struct secret *s)
{
	return s->data;
}

size_t secret_len(const struct secret *s)
{
	return s->len;
}

uint8_t *secret_wdata(struct secret *s)
{
	return s->sealed ? NULL : s->data;
}

void secret_seal(struct secret *s)
{
	if (!s || s->sealed)
		return;
	if (s->chunk)
		chunk_writers(s->chunk, -1);
	else
		sodium_mprotect_readonly(s->data);
	s->sealed = true;
}

void secret_free(struct secret *s)
{
	if (!s)
		return;
	if (s->chunk) {
		slot_put(s->chunk, s->data, !s->sealed);
	} else {
		/* sodium_free wipes; it needs write access to do so. */
		sodium_mprotect_readwrite(s->data);
		sodium_free(s->data);
	}
	free(s);
}

void secret_freep(struct secret **sp)
{
	secret_free(*sp);
	*sp = NULL;
}

bool secret_equal(const struct secret *a, const struct secret *b)
{
	if (!a || !b || a->len != b->len)
		return false;
	return sodium_memcmp(a->data, b->data, a->len) == 0;
}

bool secret_memeq(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void secret_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
