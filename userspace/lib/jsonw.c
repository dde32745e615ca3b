// SPDX-License-Identifier: MIT
/* JSON text in json-c's plain form; see jsonw.h. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/jsonw.h"

/* Room for more bytes: a new buffer, the old one copied and wiped (it
 * may hold keys; realloc would leave them behind). */
static void grow(struct jsonw *w, size_t more)
{
	size_t cap = w->cap ? w->cap : 4096;
	char *b;

	if (w->oom)
		return;
	while (cap < w->n + more)
		cap *= 2;
	b = malloc(cap);
	if (!b) {
		w->oom = true;
		return;
	}
	if (w->b) {
		memcpy(b, w->b, w->n);
		sodium_memzero(w->b, w->cap);
		free(w->b);
	}
	w->b = b;
	w->cap = cap;
}

/* Called for every few bytes: the common case inline. */
static inline void room(struct jsonw *w, size_t more)
{
	if (w->n + more > w->cap)
		grow(w, more);
}

void jsonw_raw(struct jsonw *w, const char *p, size_t n)
{
	room(w, n);
	if (w->oom)
		return;
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

void jsonw_c(struct jsonw *w, char c)
{
	jsonw_raw(w, &c, 1);
}

void jsonw_sep(struct jsonw *w)
{
	if (w->n && w->b[w->n - 1] != '{' && w->b[w->n - 1] != '[')
		jsonw_c(w, ',');
}

/* As json-c escapes: the short forms, '/' too (unless keep_slash), other controls \u00XX;
 * other bytes as they are.  Room for the worst case first, then written
 * in place. */
void jsonw_str(struct jsonw *w, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(v);
	char *o;

	room(w, 6 * len + 2);
	if (w->oom)
		return;
	o = w->b + w->n;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		char e = 0;

		switch (*p) {
		case '\b': e = 'b'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		case '\f': e = 'f'; break;
		case '"': case '\\': e = (char)*p; break;
		case '/': e = w->keep_slash ? 0 : '/'; break;
		}
		if (e) {
			*o++ = '\\';
			*o++ = e;
		} else if (*p < ' ') {
			memcpy(o, "\\u00", 4);
			o[4] = hex[*p >> 4];
			o[5] = hex[*p & 15];
			o += 6;
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	w->n = (size_t)(o - w->b);
}

void jsonw_u64(struct jsonw *w, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10));
	jsonw_raw(w, d + i, sizeof(d) - i);
}

/* Names are the callers' own (literals, step names): nothing to escape,
 * copied as they are. */
void jsonw_key(struct jsonw *w, const char *k)
{
	size_t len = strlen(k);

	jsonw_sep(w);
	room(w, len + 3);
	if (w->oom)
		return;
	w->b[w->n++] = '"';
	memcpy(w->b + w->n, k, len);
	w->n += len;
	w->b[w->n++] = '"';
	w->b[w->n++] = ':';
}

void jsonw_put_u64(struct jsonw *w, const char *k, uint64_t v)
{
	jsonw_key(w, k);
	jsonw_u64(w, v);
}

void jsonw_put_bool(struct jsonw *w, const char *k, bool v)
{
	jsonw_key(w, k);
	if (v)
		jsonw_raw(w, "true", 4);
	else
		jsonw_raw(w, "false", 5);
}

void jsonw_put_str(struct jsonw *w, const char *k, const char *v)
{
	jsonw_key(w, k);
	jsonw_str(w, v);
}

void jsonw_put_hex(struct jsonw *w, const char *k, const uint8_t *p, size_t n)
{
	jsonw_key(w, k);
	room(w, 2 * n + 3);
	if (w->oom)
		return;
	w->b[w->n++] = '"';
	sodium_bin2hex(w->b + w->n, 2 * n + 1, p, n);
	w->n += 2 * n;
	w->b[w->n++] = '"';
}

char *jsonw_finish(struct jsonw *w, size_t *len)
{
	jsonw_c(w, '\0');
	if (w->oom) {
		if (w->b)
			sodium_memzero(w->b, w->cap);
		free(w->b);
		*w = (struct jsonw){ 0 };
		return NULL;
	}
	*len = w->n - 1;
	return w->b;
}

void jsonw_reset(struct jsonw *w)
{
	w->n = 0;
	w->oom = false;
}

void jsonw_free(struct jsonw *w)
{
	if (w->b)
		sodium_memzero(w->b, w->cap);
	free(w->b);
	w->b = NULL;
	w->n = w->cap = 0;
}
