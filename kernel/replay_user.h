/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel API for replay.c to build in userspace, so the
 * window logic (ESN inference at 2^32 boundaries, ring clearing) is unit
 * tested on the host in milliseconds: userspace/tests/unit/lib/test_replay.c.
 */
#ifndef _EVS_REPLAY_USER_H
#define _EVS_REPLAY_USER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;
typedef struct { int unused; } spinlock_t;

#define GFP_KERNEL 0
#define BITS_PER_LONG (8 * (int)sizeof(long))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define READ_ONCE(x) (x)
#define WRITE_ONCE(x, v) ((x) = (v))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define lower_32_bits(n) ((u32)(n))
#define upper_32_bits(n) ((u32)((u64)(n) >> 32))
#define struct_size(p, member, n) (sizeof(*(p)) + sizeof((p)->member[0]) * (n))
#define ERR_PTR(e) ((void *)(long)(e))
#define spin_lock_init(l) ((void)(l))
#define spin_lock_bh(l) ((void)(l))
#define spin_unlock_bh(l) ((void)(l))
#define kfree free

static inline void *kzalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, n);
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long r = 1;

	while (r < n)
		r <<= 1;
	return r;
}

static inline bool test_bit(long nr, const unsigned long *addr)
{
	return addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG) & 1;
}

static inline bool __test_and_set_bit(long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
	return old;
}

#endif
