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
 * vm.max_map_count).  A page of a chunk is read-only while none of its
 * slots is being written (between secret_new and secret_seal, or wiped on
 * free): each write window changes the protection of the slot's own pages,
 * not of the chunk, whose mprotect() cost grows with its size (a chunk of
 * 16,384 slots is up to 4,096 pages; toggling whole chunks was most of the
 * IKE daemon's CPU per connection).  Larger secrets (rare: long
 * configured keys) get a region of their own.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
	uint16_t *writers;		/* per page: slots being written there;
					 * the page is writable while not 0 */
	uint32_t slots, n_used;
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
static size_t page_size;
static struct chunk *classes[N_CLASSES];

/* secret_batch_begin .. end: the pages opened in between, held open (one
 * writer more each) until the end, so that the windows of a key schedule
 * or of an SA's wipe cost one mprotect pair per page, not one per secret.
 * Beyond BATCH_PAGES pages the windows are per secret again. */
#define BATCH_PAGES	16
static unsigned batch_depth, batch_n;
static struct {
	struct chunk *c;
	uintptr_t pg;
} batch[BATCH_PAGES];

int secret_init(void)
{
	long pg;

	if (secret_ready)
		return 0;
	if (sodium_init() < 0)
		return -1;
	pg = sysconf(_SC_PAGESIZE);
	page_size = pg > 0 ? (size_t)pg : 4096;
	secret_ready = true;
	return 0;
}

static size_t slot_size(unsigned cls)
{
	return (size_t)MIN_SLOT << cls;
}

static uintptr_t page_of(const uint8_t *p)
{
	return (uintptr_t)p & ~(uintptr_t)(page_size - 1);
}

static size_t chunk_bytes(const struct chunk *c)
{
	return slot_size(c->cls) * c->slots;
}

static size_t chunk_pages(const struct chunk *c)
{
	return (page_of(c->mem + chunk_bytes(c) - 1) - page_of(c->mem)) / page_size + 1;
}

/* The count of open write windows on page pg of chunk c. */
static uint16_t *page_writers(struct chunk *c, uintptr_t pg)
{
	return &c->writers[(pg - page_of(c->mem)) / page_size];
}

/* A writer more (delta 1) or fewer (-1) on the pages of the slot at p:
 * a page becomes writable with its first writer, read-only after its
 * last. */
static void slot_writers(struct chunk *c, uint8_t *p, int delta)
{
	for (uintptr_t pg = page_of(p); pg <= page_of(p + slot_size(c->cls) - 1);
	     pg += page_size) {
		uint16_t *w = page_writers(c, pg);

		if (!*w && delta > 0) {
			mprotect((void *)pg, page_size, PROT_READ | PROT_WRITE);
			if (batch_depth && batch_n < BATCH_PAGES) {
				batch[batch_n].c = c;
				batch[batch_n++].pg = pg;
				(*w)++;
			}
		}
		*w = (uint16_t)(*w + delta);
		if (!*w)
			mprotect((void *)pg, page_size, PROT_READ);
	}
}

static void chunk_free(struct chunk *c)
{
	if (c->mem) {
		sodium_mprotect_readwrite(c->mem);
		sodium_free(c->mem);
	}
	free(c->used);
	free(c->writers);
	free(c);
}

static struct chunk *chunk_new(unsigned cls, uint32_t slots)
{
	struct chunk *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->cls = cls;
	c->slots = slots;
	c->used = calloc((slots + 63) / 64, sizeof(uint64_t));
	c->mem = sodium_malloc(chunk_bytes(c));
	if (c->mem)
		c->writers = calloc(chunk_pages(c), sizeof(*c->writers));
	if (!c->used || !c->mem || !c->writers) {
		chunk_free(c);
		return NULL;
	}
	sodium_memzero(c->mem, chunk_bytes(c));
	sodium_mprotect_readonly(c->mem);
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
			uint8_t *p = c->mem + (size_t)i * slot_size(cls);

			c->used[w] |= 1ull << b;
			c->n_used++;
			slot_writers(c, p, 1);
			*out = c;
			return p;
		}
	}
	return NULL;
}

/* An empty chunk other than its class's first is released, but not
 * while a batch holds one of its pages (secret_batch_end releases it). */
static void chunk_maybe_release(struct chunk *c)
{
	struct chunk **pp = &classes[c->cls];

	if (c->n_used || *pp == c)
		return;
	for (unsigned i = 0; i < batch_n; i++)
		if (batch[i].c == c)
			return;
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	chunk_free(c);
}

/* Wipe the slot and give it back. */
static void slot_put(struct chunk *c, uint8_t *p, bool writing)
{
	size_t i = (size_t)(p - c->mem) / slot_size(c->cls);

	if (!writing)
		slot_writers(c, p, 1);
	sodium_memzero(p, slot_size(c->cls));
	slot_writers(c, p, -1);
	c->used[i / 64] &= ~(1ull << (i % 64));
	c->n_used--;
	chunk_maybe_release(c);
}

void secret_batch_begin(void)
{
	batch_depth++;
}

void secret_batch_end(void)
{
	unsigned n = batch_n;

	if (!batch_depth || --batch_depth)
		return;
	batch_n = 0;
	for (unsigned i = 0; i < n; i++) {
		uint16_t *w = page_writers(batch[i].c, batch[i].pg);

		if (!--*w)
			mprotect((void *)batch[i].pg, page_size, PROT_READ);
	}
	/* Each chunk once: the last of its entries releases it. */
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i + 1;

		while (j < n && batch[j].c != batch[i].c)
			j++;
		if (j == n)
			chunk_maybe_release(batch[i].c);
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
		slot_writers(s->chunk, s->data, -1);
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
