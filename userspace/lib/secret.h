/* SPDX-License-Identifier: MIT */
/*
 * secret: key material in libsodium-guarded memory.
 *
 * Every pre-shared key, DH private/shared value, SKEYID* and KEYMAT in evsd
 * lives in a struct secret: the bytes sit in a slot of a guarded arena
 * (sodium_malloc() chunks: guard pages around each chunk, canary,
 * mlock'ed so they never reach swap; a few mappings in all, not three per
 * key), the chunk is read-only while no slot of it is being written
 * (secret_seal ends the writing), and a slot is wiped on secret_free().
 * Never log secret_data(); log_* has no format for it on purpose.
 *
 * Call secret_init() once before the first allocation (evsd main does; the
 * other functions call it lazily too, so tests need not).
 */
#ifndef EVSD_SECRET_H
#define EVSD_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct secret;

/* sodium_init(); returns 0 or -1 when libsodium cannot start. */
int secret_init(void);

/* A writable, zero-filled secret of len bytes (len may be 0); NULL on OOM. */
struct secret *secret_new(size_t len);
/* A sealed (read-only) copy of p[0..len). */
struct secret *secret_from(const void *p, size_t len);
/* A sealed copy of another secret (NULL in, NULL out). */
struct secret *secret_dup(const struct secret *s);
/* A sealed secret holding a || b (for g^xy || ... style inputs). */
struct secret *secret_concat(const struct secret *a, const struct secret *b);

const uint8_t *secret_data(const struct secret *s);
size_t secret_len(const struct secret *s);
/* Writable view; only valid before secret_seal(). */
uint8_t *secret_wdata(struct secret *s);
/* Make the bytes read-only (sodium_mprotect_readonly). */
void secret_seal(struct secret *s);
/* Wipe and free; NULL is fine.  Sets *sp to NULL in the _p variant. */
void secret_free(struct secret *s);
void secret_freep(struct secret **sp);

/* Several secrets written or freed in a row (a key schedule, an SA's
 * keys): between secret_batch_begin() and secret_batch_end() a page of
 * the arena opened for writing stays writable until the end, so the
 * batch costs one mprotect pair per page rather than one per secret.
 * For short stretches of computation only (no I/O, no waiting); nests. */
void secret_batch_begin(void);
void secret_batch_end(void);

/* Constant-time equality of two secrets (length difference -> false). */
bool secret_equal(const struct secret *a, const struct secret *b);
/* Constant-time comparison of n bytes (HASH/SIG checks, cookies). */
bool secret_memeq(const void *a, const void *b, size_t n);
/* sodium_memzero for ordinary buffers that held secret bytes. */
void secret_wipe(void *p, size_t n);

#endif
