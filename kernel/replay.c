// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window.  The bitmap is a ring of words: sequence s lives in
 * word (s / BITS_PER_LONG) & mask, bit s % BITS_PER_LONG.  The ring has one
 * word more than the window needs, so moving the top forward only has to
 * clear the words it skips, never shift bits.
 */
#ifdef __KERNEL__
#include <linux/slab.h>
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#else
#include "replay_user.h"	/* host unit test (userspace/tests/unit) */
#endif
#include "replay.h"

/* Window used to guess the high 32 bits when no window is configured. */
#define EVS_REPLAY_ESN_GUESS	64

struct evs_replay *evs_replay_alloc(u32 window, bool esn, gfp_t gfp)
{
	unsigned int words;
	struct evs_replay *r;

	if (window > EVS_REPLAY_MAX_WINDOW)
		return ERR_PTR(-EINVAL);
	words = roundup_pow_of_two(DIV_ROUND_UP(window, BITS_PER_LONG) + 1);
	r = kzalloc(struct_size(r, bitmap, words), gfp);
	if (!r)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&r->lock);
	r->window = window;
	r->esn = esn;
	r->mask = words - 1;
	return r;
}

void evs_replay_free(struct evs_replay *r)
{
	kfree(r);
}

static u64 evs_replay_full_seq(const struct evs_replay *r, u64 top,
			       u32 seq_lo)
{
	u32 w = r->window ?: EVS_REPLAY_ESN_GUESS;
	u32 tl = lower_32_bits(top), th = upper_32_bits(top);
	u32 bottom = tl - w + 1;	/* may wrap below zero: intended */

	if (tl >= w - 1) {
		/* Window inside one 2^32 block: below it means the next block. */
		if (seq_lo >= bottom)
			return ((u64)th << 32) | seq_lo;
		return ((u64)(th + 1) << 32) | seq_lo;
	}
	/* Window straddles a block boundary: high values are the old block. */
	if (seq_lo >= bottom && th)
		return ((u64)(th - 1) << 32) | seq_lo;
	return ((u64)th << 32) | seq_lo;
}

static bool evs_replay_seen(const struct evs_replay *r, u64 seq)
{
	unsigned long word = (seq / BITS_PER_LONG) & r->mask;

	return test_bit(seq % BITS_PER_LONG, &r->bitmap[word]);
}

bool evs_replay_check(const struct evs_replay *r, u32 seq_lo, u64 *seq)
{
	u64 top = READ_ONCE(r->top);

	*seq = r->esn ? evs_replay_full_seq(r, top, seq_lo) : seq_lo;
	if (!*seq)
		return false;
	if (!r->window || *seq > top)
		return true;
	if (top - *seq >= r->window)
		return false;
	return !evs_replay_seen(r, *seq);
}

bool evs_replay_advance(struct evs_replay *r, u64 seq)
{
	unsigned long old_word, new_word, n, i;
	bool fresh = true;

	if (!seq)
		return false;
	spin_lock_bh(&r->lock);
	if (seq > r->top) {
		old_word = r->top / BITS_PER_LONG;
		new_word = seq / BITS_PER_LONG;
		n = min_t(unsigned long, new_word - old_word, r->mask + 1);
		for (i = 1; i <= n; i++)
			r->bitmap[(old_word + i) & r->mask] = 0;
		WRITE_ONCE(r->top, seq);
	} else if (r->window && r->top - seq >= r->window) {
		fresh = false;
		goto out;
	}
	if (r->window)
		fresh = !__test_and_set_bit(seq % BITS_PER_LONG,
					    &r->bitmap[(seq / BITS_PER_LONG) &
						       r->mask]);
out:
	spin_unlock_bh(&r->lock);
	return fresh;
}

u64 evs_replay_top(const struct evs_replay *r)
{
	return READ_ONCE(r->top);
}

void evs_replay_start(struct evs_replay *r, u64 top)
{
	unsigned int bit = top % BITS_PER_LONG;
	unsigned int i;

	r->top = top;
	if (!r->window || !top)
		return;
	/* Every word of the ring lies below the top's, or is the top's. */
	for (i = 0; i <= r->mask; i++)
		r->bitmap[i] = ~0UL;
	/* Only the top's word has numbers above it: bits 0..bit seen. */
	r->bitmap[(top / BITS_PER_LONG) & r->mask] = (2UL << bit) - 1;
}
