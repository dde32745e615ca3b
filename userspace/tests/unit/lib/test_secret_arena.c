// SPDX-License-Identifier: MIT
/*
 * secret.c's guarded arena: thousands of secrets cost a few memory
 * mappings (not three each), every slot is wiped when freed, and a
 * sealed secret's page is read-only, also while a secret elsewhere in its
 * chunk is being written.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/secret.h"
#include "tests/unit/unit.h"

static int maps_lines(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	UNIT_ASSERT(f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

#define N 5000

static struct secret *many[N];

UNIT_TEST(five_thousand_secrets_cost_few_mappings)
{
	int before, after;

	UNIT_ASSERT(secret_init() == 0);
	before = maps_lines();
	for (int i = 0; i < N; i++) {
		uint8_t k[256];

		/* The sizes of a session's keys: PSK, SKEYIDs, DH, KEYMAT. */
		memset(k, i, sizeof(k));
		many[i] = secret_from(k, (size_t)(16 + i % 4 * 64));
		UNIT_ASSERT(many[i]);
		UNIT_ASSERT_EQ_INT(secret_data(many[i])[0], (uint8_t)i);
	}
	after = maps_lines();
	printf("# /proc/self/maps: %d lines before, %d after %d secrets\n",
	       before, after, N);
	/* One sodium_malloc per key made 3 mappings each (15,000 here). */
	UNIT_ASSERT(after - before <= 60);
	for (int i = 0; i < N; i++)
		secret_freep(&many[i]);
	UNIT_ASSERT(maps_lines() <= after);
}

UNIT_TEST(freed_slot_is_wiped)
{
	struct secret *keep = secret_from("keep", 4);
	struct secret *s = secret_new(32);
	const uint8_t *p;
	static const uint8_t zero[32];

	UNIT_ASSERT(keep && s);
	p = secret_data(s);
	memset(secret_wdata(s), 0xa5, 32);
	secret_seal(s);
	UNIT_ASSERT(secret_wdata(s) == NULL);
	UNIT_ASSERT_EQ_INT(p[7], 0xa5);
	secret_free(s);
	/* The chunk stays (keep lives in it): the bytes are gone. */
	UNIT_ASSERT(!memcmp(p, zero, sizeof(zero)));
	UNIT_ASSERT(!memcmp(secret_data(keep), "keep", 4));
	secret_free(keep);
}

UNIT_TEST(large_and_empty_secrets)
{
	uint8_t big[3000];
	struct secret *a, *b, *c;

	memset(big, 7, sizeof(big));
	a = secret_from(big, sizeof(big));
	b = secret_from("", 0);
	c = secret_concat(a, a);
	UNIT_ASSERT(a && b && c);
	UNIT_ASSERT_EQ_INT(secret_len(c), 6000);
	UNIT_ASSERT_EQ_INT(secret_data(c)[5999], 7);
	UNIT_ASSERT_EQ_INT(secret_len(b), 0);
	UNIT_ASSERT(secret_equal(a, a) && !secret_equal(a, b));
	secret_free(a);
	secret_free(b);
	secret_free(c);
}

/* True when writing a byte at p kills a child process with SIGSEGV. */
static bool write_faults(const uint8_t *p)
{
	int status;
	pid_t pid = fork();

	UNIT_ASSERT(pid >= 0);
	if (!pid) {
		signal(SIGSEGV, SIG_DFL);	/* not the sanitizer's report */
		*(volatile uint8_t *)p = 0x5a;
		_exit(0);
	}
	UNIT_ASSERT(waitpid(pid, &status, 0) == pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

/* A secret being written opens its own pages only: a sealed key in
 * another page of the same chunk stays read-only (the whole chunk used
 * to be writable then, and every open and seal cost an mprotect of it
 * all, up to 4,096 pages).  Once everything is sealed again the chunk's
 * mappings merge back: no mapping left over per write. */
UNIT_TEST(sealed_secret_stays_read_only_while_others_are_written)
{
	/* 48 bytes: the 64-byte class, which no test above uses, so these
	 * are the first slots of its first chunk (128 slots, two pages) */
	static const uint8_t key[48] = "group key";
	struct secret *first = secret_from(key, sizeof(key)), *fill[100], *open;
	int before, during;

	UNIT_ASSERT(first);
	UNIT_ASSERT(write_faults(secret_data(first)));
	for (int i = 0; i < 100; i++) {
		fill[i] = secret_from(key, sizeof(key));
		UNIT_ASSERT(fill[i]);
	}
	before = maps_lines();
	open = secret_new(sizeof(key));
	UNIT_ASSERT(open && secret_wdata(open));
	/* the same chunk, the next page */
	UNIT_ASSERT(secret_data(open) - secret_data(first) >= 4096);
	UNIT_ASSERT(secret_data(open) - secret_data(first) < 8192);
	during = maps_lines();
	UNIT_ASSERT(write_faults(secret_data(first)));
	UNIT_ASSERT(!write_faults(secret_data(open)));
	memset(secret_wdata(open), 1, sizeof(key));
	secret_seal(open);
	UNIT_ASSERT(write_faults(secret_data(open)));
	UNIT_ASSERT_EQ_INT(maps_lines(), before);
	printf("# /proc/self/maps: %d lines sealed, %d with one secret open\n", before, during);
	secret_free(open);
	for (int i = 0; i < 100; i++)
		secret_free(fill[i]);
	UNIT_ASSERT(!memcmp(secret_data(first), key, sizeof(key)));
	secret_free(first);
}

/* A batch (a key schedule, an SA's wipe) keeps the pages it opened
 * writable until its end, then read-only as before; a chunk emptied in
 * a batch is released at its end, not while the batch holds its page.
 * 400 bytes: the 512-byte class, which no other test uses (first chunk:
 * 128 slots). */
UNIT_TEST(batch_holds_its_pages_open_until_the_end)
{
	static const uint8_t key[400] = "esp keymat";
	struct secret *a, *b, *more[128], *last;
	int before;

	secret_batch_begin();
	secret_batch_begin();		/* nested: the outer end counts */
	a = secret_from(key, sizeof(key));
	b = secret_from(key, sizeof(key));
	UNIT_ASSERT(a && b);
	secret_batch_end();
	UNIT_ASSERT(!write_faults(secret_data(a)));	/* sealed, page held */
	secret_batch_end();
	UNIT_ASSERT(write_faults(secret_data(a)));
	UNIT_ASSERT(write_faults(secret_data(b)));
	secret_batch_begin();
	secret_free(a);
	secret_batch_end();
	UNIT_ASSERT(write_faults(secret_data(b)));
	UNIT_ASSERT(!memcmp(secret_data(b), key, sizeof(key)));
	/* the first chunk full, one secret in a second chunk, freed in a batch */
	for (int i = 0; i < 127; i++) {
		more[i] = secret_from(key, sizeof(key));
		UNIT_ASSERT(more[i]);
	}
	before = maps_lines();
	secret_batch_begin();
	last = secret_from(key, sizeof(key));
	UNIT_ASSERT(last && maps_lines() > before);
	secret_free(last);
	secret_batch_end();
	UNIT_ASSERT_EQ_INT(maps_lines(), before);
	secret_batch_end();		/* unmatched: nothing */
	for (int i = 0; i < 127; i++)
		secret_free(more[i]);
	UNIT_ASSERT(write_faults(secret_data(b)));
	secret_free(b);
}

UNIT_MAIN()
