// SPDX-License-Identifier: MIT
/*
 * Guarded key storage.  The small descriptor lives on the ordinary heap
 * (it holds no key bytes); the bytes live in sodium_malloc() memory.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "evsd/secret.h"

struct secret {
	uint8_t *data;
	size_t len;
	bool sealed;
};

static bool secret_ready;

int secret_init(void)
{
	if (secret_ready)
		return 0;
	if (sodium_init() < 0)
		return -1;
	secret_ready = true;
	return 0;
}

struct secret *secret_new(size_t len)
{
	struct secret *s;

	if (secret_init() < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	/* sodium_malloc(0) is legal but keep a byte so data is never NULL. */
	s->data = sodium_malloc(len ? len : 1);
	if (!s->data) {
		free(s);
		return NULL;
	}
	sodium_memzero(s->data, len ? len : 1);
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
	if (s && !s->sealed) {
		sodium_mprotect_readonly(s->data);
		s->sealed = true;
	}
}

void secret_free(struct secret *s)
{
	if (!s)
		return;
	/* sodium_free wipes; it needs write access to do so. */
	sodium_mprotect_readwrite(s->data);
	sodium_free(s->data);
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
