/* SPDX-License-Identifier: MIT */
/*
 * jsonw: JSON text written straight into a buffer, in json-c's plain
 * form (no spaces, json-c's string escapes, '/' included), so that what
 * json-c parses of it it prints back byte for byte.  For records written
 * often (the session records: sa_state.h): building a json-c object and
 * printing it cost several times the text's own work.  The buffer may
 * hold keys: it grows by copy and wipe, and jsonw_finish's caller wipes
 * the text.
 *
 *	struct jsonw w = { 0 };
 *	jsonw_c(&w, '{'); jsonw_put_u64(&w, "a", 1); jsonw_c(&w, '}');
 *	text = jsonw_finish(&w, &len);
 *
 * Members and array elements are separated by the writer: jsonw_key()
 * and jsonw_sep() put a comma unless the value opens its object or
 * array.  Out of memory, the writer stops and jsonw_finish() says NULL.
 */
#ifndef EVS_LIB_JSONW_H
#define EVS_LIB_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw {
	char *b;
	size_t n, cap;
	bool oom;
	/* '/' as it is, as json-c with JSON_C_TO_STRING_NOSLASHESCAPE
	 * (evsadm's output); otherwise escaped, as json-c by default. */
	bool keep_slash;
};

void jsonw_raw(struct jsonw *w, const char *p, size_t n);
void jsonw_c(struct jsonw *w, char c);
/* A comma unless this is the first member or element. */
void jsonw_sep(struct jsonw *w);
/* A string value (C string), escaped. */
void jsonw_str(struct jsonw *w, const char *v);
void jsonw_u64(struct jsonw *w, uint64_t v);
/* A member's name and colon (with the comma before it); the name is
 * written as it is: one that needs no escaping. */
void jsonw_key(struct jsonw *w, const char *k);
void jsonw_put_u64(struct jsonw *w, const char *k, uint64_t v);
void jsonw_put_bool(struct jsonw *w, const char *k, bool v);
void jsonw_put_str(struct jsonw *w, const char *k, const char *v);
/* n bytes as a string of lowercase hex. */
void jsonw_put_hex(struct jsonw *w, const char *k, const uint8_t *p, size_t n);
/* The text, NUL-terminated, its length in *len; the caller wipes and
 * frees it.  NULL when memory ran out (the buffer wiped and freed). */
char *jsonw_finish(struct jsonw *w, size_t *len);
/* Empty the text, the buffer kept for the next (one writer for many
 * records); a write that ran out of memory may be tried again. */
void jsonw_reset(struct jsonw *w);
/* Wipe and free the buffer of a writer not finished. */
void jsonw_free(struct jsonw *w);

#endif
