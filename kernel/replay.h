/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window for inbound SAs (RFC 4303 section 3.4.3 and appendix
 * A): a bitmap of 0..4096 packets below the highest authenticated sequence
 * number, with optional 64-bit extended sequence numbers.
 *
 * The packet path calls evs_replay_check() before decryption (lockless, may
 * be stale) and evs_replay_advance() after authentication (under the
 * window's spinlock, authoritative), so a forged packet can never move the
 * window and a replay that slips past the first check is still caught.
 */
#ifndef _EVS_REPLAY_H
#define _EVS_REPLAY_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/spinlock.h>
#endif

#define EVS_REPLAY_MAX_WINDOW	4096

struct evs_replay {
	spinlock_t lock;		/* guards top and bitmap */
	u32 window;		/* packets; 0 = no anti-replay check */
	bool esn;
	u64 top;		/* highest authenticated sequence, 0 = none */
	unsigned int mask;	/* number of bitmap words - 1 */
	unsigned long bitmap[];	/* ring indexed by sequence / BITS_PER_LONG */
};

struct evs_replay *evs_replay_alloc(u32 window, bool esn, gfp_t gfp);
void evs_replay_free(struct evs_replay *r);
/* Reconstruct the full sequence number from the 32 bits on the wire (RFC
 * 4303 A2.2 when ESN is on) and say whether it may be new.  False: replayed,
 * too old or zero.  The result also feeds the ESN ICV (high 32 bits).
 */
bool evs_replay_check(const struct evs_replay *r, u32 seq_lo, u64 *seq);
/* Record an authenticated sequence number.  False if it was seen after all
 * (two copies raced through decryption) or fell out of the window.
 */
bool evs_replay_advance(struct evs_replay *r, u64 seq);
/* Highest authenticated sequence number (EVS_SA_A_SEQ_HI). */
u64 evs_replay_top(const struct evs_replay *r);
/* A new window that counts every number up to @top as seen: an SA taken
 * over from another gateway, where those packets were delivered already.
 * Before the SA is linked (no packet can race it).
 */
void evs_replay_start(struct evs_replay *r, u64 top);

#endif /* _EVS_REPLAY_H */
