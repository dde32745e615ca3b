// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's anti-replay window (kernel/replay.c), built for the host
 * through kernel/replay_user.h: windows of 0..4096, duplicates, old and
 * late packets, big jumps, and ESN high-bit inference across 2^32.
 */
#include "../../../../kernel/replay.c"
#include "tests/unit/unit.h"

/* A packet arrives: check, then (as if authentic) advance. */
static bool recv(struct evs_replay *r, u32 lo, u64 *full)
{
	u64 seq;

	if (!evs_replay_check(r, lo, &seq))
		return false;
	if (full)
		*full = seq;
	return evs_replay_advance(r, seq);
}

UNIT_TEST(window_basic)
{
	struct evs_replay *r = evs_replay_alloc(32, false, GFP_KERNEL);

	UNIT_ASSERT(r);
	UNIT_ASSERT(!recv(r, 0, NULL));		/* 0 is never valid */
	UNIT_ASSERT(recv(r, 1, NULL));
	UNIT_ASSERT(!recv(r, 1, NULL));		/* duplicate */
	UNIT_ASSERT(recv(r, 40, NULL));
	UNIT_ASSERT(!recv(r, 8, NULL));		/* 32 behind: too old */
	UNIT_ASSERT(recv(r, 9, NULL));		/* 31 behind: in window */
	UNIT_ASSERT(!recv(r, 9, NULL));
	UNIT_ASSERT(recv(r, 39, NULL));
	UNIT_ASSERT_EQ_INT(evs_replay_top(r), 40);
	evs_replay_free(r);
}

UNIT_TEST(window_every_size)
{
	u32 w;

	for (w = 1; w <= EVS_REPLAY_MAX_WINDOW; w = w * 3 + 1) {
		struct evs_replay *r = evs_replay_alloc(w, false, GFP_KERNEL);
		u32 i, top = 3 * w + 100;

		UNIT_ASSERT(r);
		UNIT_ASSERT(recv(r, top, NULL));
		/* Everything inside the window is new exactly once. */
		for (i = 1; i < w; i++) {
			UNIT_ASSERT(recv(r, top - i, NULL));
			UNIT_ASSERT(!recv(r, top - i, NULL));
		}
		UNIT_ASSERT(!recv(r, top - w, NULL));
		/* A jump far ahead clears the ring: old bits must not leak. */
		UNIT_ASSERT(recv(r, top + 10 * w + 64, NULL));
		for (i = 1; i < w; i++)
			UNIT_ASSERT(recv(r, top + 10 * w + 64 - i, NULL));
		evs_replay_free(r);
	}
}

UNIT_TEST(window_zero_disables)
{
	struct evs_replay *r = evs_replay_alloc(0, false, GFP_KERNEL);

	UNIT_ASSERT(recv(r, 5, NULL));
	UNIT_ASSERT(recv(r, 5, NULL));
	UNIT_ASSERT(recv(r, 1, NULL));
	UNIT_ASSERT(!recv(r, 0, NULL));
	evs_replay_free(r);
}

UNIT_TEST(too_big)
{
	UNIT_ASSERT((long)evs_replay_alloc(4097, false, GFP_KERNEL) == -EINVAL);
}

UNIT_TEST(esn_crosses_2_32)
{
	struct evs_replay *r = evs_replay_alloc(64, true, GFP_KERNEL);
	u64 full;

	UNIT_ASSERT(recv(r, 0xfffffff0u, &full));
	UNIT_ASSERT(full == 0xfffffff0ull);
	/* Low bits wrapped: the next 2^32 block. */
	UNIT_ASSERT(recv(r, 5, &full));
	UNIT_ASSERT(full == 0x100000005ull);
	/* A late packet from the old block is still recognised as such. */
	UNIT_ASSERT(recv(r, 0xfffffff8u, &full));
	UNIT_ASSERT(full == 0xfffffff8ull);
	UNIT_ASSERT(!recv(r, 0xfffffff8u, NULL));
	UNIT_ASSERT(!recv(r, 0xfffffff0u, NULL));
	UNIT_ASSERT(evs_replay_top(r) == 0x100000005ull);
	/* Far ahead of the window in the same block stays in the block. */
	UNIT_ASSERT(recv(r, 1000, &full));
	UNIT_ASSERT(full == 0x1000003e8ull);
	evs_replay_free(r);
}

UNIT_TEST(esn_first_packets)
{
	struct evs_replay *r = evs_replay_alloc(128, true, GFP_KERNEL);
	u64 full;

	UNIT_ASSERT(!recv(r, 0, NULL));		/* full sequence 0 */
	UNIT_ASSERT(recv(r, 1, &full));
	UNIT_ASSERT(full == 1);
	UNIT_ASSERT(recv(r, 3, &full));
	UNIT_ASSERT(full == 3);
	evs_replay_free(r);
}

UNIT_MAIN()

/* A window taken over at top T: nothing up to T passes again (in the
 * window or below it), everything above T passes once. */
UNIT_TEST(window_started)
{
	static const u32 windows[] = { 1, 32, 63, 64, 65, 128, 1000, 4096 };
	static const u64 tops[] = { 1, 62, 63, 64, 127, 128, 5000, 0xffff0000 };

	for (unsigned i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		for (unsigned j = 0; j < sizeof(tops) / sizeof(tops[0]); j++) {
			struct evs_replay *r = evs_replay_alloc(windows[i], false, GFP_KERNEL);
			u64 t = tops[j];

			UNIT_ASSERT(r);
			evs_replay_start(r, t);
			UNIT_ASSERT(evs_replay_top(r) == t);
			for (u64 s = t > 5000 ? t - 5000 : 1; s <= t; s++)
				UNIT_ASSERT(!recv(r, (u32)s, NULL));
			UNIT_ASSERT(recv(r, (u32)(t + 2), NULL));
			UNIT_ASSERT(recv(r, (u32)(t + 1), NULL) == (windows[i] > 1));
			UNIT_ASSERT(!recv(r, (u32)(t + 2), NULL));
			UNIT_ASSERT(!recv(r, (u32)t, NULL));
			for (u64 s = t + 3; s < t + 200; s++)
				UNIT_ASSERT(recv(r, (u32)s, NULL));
			evs_replay_free(r);
		}
}

/* With ESN the started top carries the high half. */
UNIT_TEST(window_started_esn)
{
	struct evs_replay *r = evs_replay_alloc(64, true, GFP_KERNEL);
	u64 full;

	UNIT_ASSERT(r);
	evs_replay_start(r, 0x100000010ULL);
	UNIT_ASSERT(!recv(r, 0x10, NULL));
	UNIT_ASSERT(!recv(r, 0x8, NULL));
	UNIT_ASSERT(recv(r, 0x11, &full));
	UNIT_ASSERT(full == 0x100000011ULL);
	evs_replay_free(r);
}
