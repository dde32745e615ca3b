// SPDX-License-Identifier: MIT
/*
 * bench_ike_lookup: the per-datagram lookup cost of the IKE engine with
 * 10, 1000 and 100000 established ISAKMP SAs in one engine (`make -C
 * userspace bench`).  Each SA has a quick mode exchange and a connection.
 * Two figures per size, over the same random order of SAs:
 *   lookups   ike_sa_find + ike_xchg_find + conn_by_spi (what a datagram
 *             and a kernel event look up)
 *   datagram  ike_engine_input of a retransmitted quick mode message of
 *             the SA: header parse, SA and exchange lookup, the SHA-1 of
 *             the duplicate check, the reap -- all but the crypto of a
 *             new message
 * Times are this thread's CPU time (a shared machine's other load is not
 * counted), printed and never judged: the machine decides them.  The ratio
 * 100000/10 is the growth with the number of clients (the bigger tables
 * also miss the CPU caches more, which no hash can avoid).  A last row
 * looks up only 10 of 100000 SAs: tables as big, caches warm -- what
 * is left of the growth is the memory, not the lookup.  Exits non-zero
 * only when a lookup finds the wrong thing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/evs.h>

#include "lib/daemon_log.h"
#include "tests/unit/engine/fake_sa.h"

#define ROUNDS (1u << 20)
#define DGRAM_LEN 76

struct bench_sa {
	struct ike_sa *sa;
	uint32_t spi_in;
	uint8_t dgram[DGRAM_LEN];
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* SA i: established, one quick mode exchange whose peer message dgram
 * is already known (so it is answered as a duplicate), one connection. */
static int make_sa(struct ike_engine *e, uint32_t i, struct bench_sa *b)
{
	uint8_t ci[8], cr[8];
	uint32_t msgid = 0x40000000u | i;
	struct ike_seg seg;
	struct ike_xchg *x;

	fake_cookie(ci, 0xbe000000u, i);
	fake_cookie(cr, 0xef000000u, i);
	b->sa = fake_sa(e, false, ci, cr, i, (uint16_t)(500 + (i >> 16)));
	if (!b->sa)
		return -1;
	fake_established(b->sa);
	x = ike_xchg_new(b->sa, msgid, ISAKMP_EXCH_QUICK);
	b->spi_in = 0x10000000u | i;
	if (!x || !fake_conn(b->sa, i + 1, b->spi_in, 0x20000000u | i))
		return -1;
	memset(b->dgram, 0, sizeof(b->dgram));
	memcpy(b->dgram, ci, 8);
	memcpy(b->dgram + 8, cr, 8);
	b->dgram[16] = ISAKMP_PT_HASH;
	b->dgram[17] = ISAKMP_VERSION;
	b->dgram[18] = ISAKMP_EXCH_QUICK;
	b->dgram[19] = ISAKMP_FLAG_ENC;
	put32(b->dgram + 20, msgid);
	put32(b->dgram + 24, DGRAM_LEN);
	seg.p = b->dgram;
	seg.n = DGRAM_LEN;
	if (ike_hash(IKE_HASH_SHA1, &seg, 1, x->rx.rx_digest) < 0)
		return -1;
	x->rx.have_rx = true;
	return 0;
}

/* The longest chain of t: what a lookup walks at worst. */
static size_t longest(const struct htab *t)
{
	size_t max = 0;

	for (size_t i = 0; i < t->nb; i++) {
		size_t len = 0;

		for (const struct htab_node *h = t->b[i]; h; h = h->next)
			len++;
		if (len > max)
			max = len;
	}
	return max;
}

static int run(uint32_t n, uint32_t hot, uint32_t *order, double *lookup_ns,
	       double *dgram_ns, char *chains, size_t clen)
{
	struct ike_engine *e = fake_engine();
	struct bench_sa *b = calloc(n, sizeof(*b));
	struct ike_path path;
	uintptr_t sink = 0;
	double t0;
	int rc = -1;

	if (!e || !b)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		if (make_sa(e, i, &b[i]) < 0)
			goto out;
	for (uint32_t k = 0; k < ROUNDS; k++)
		order[k] %= hot;
	snprintf(chains, clen, "%zu/%zu/%zu (load %.2f/%.2f/%.2f)",
		 longest(&e->sa_ck), longest(&e->xchgs), longest(&e->spis),
		 (double)e->sa_ck.n / e->sa_ck.nb, (double)e->xchgs.n / e->xchgs.nb,
		 (double)e->spis.n / e->spis.nb);

	t0 = now_ns();
	for (uint32_t k = 0; k < ROUNDS; k++) {
		struct bench_sa *s = &b[order[k]];
		struct ike_sa *sa = ike_sa_find(e, s->dgram, s->dgram + 8);
		struct ike_xchg *x = ike_xchg_find(sa, 0x40000000u | order[k]);
		struct ike_conn *c = conn_by_spi(e, EVS_DIR_IN, s->spi_in);

		if (sa != s->sa || !x || !c || c->sa != sa)
			goto out;
		sink += (uintptr_t)x ^ (uintptr_t)c;
	}
	*lookup_ns = (now_ns() - t0) / ROUNDS;

	memset(&path, 0, sizeof(path));
	fake_addr(&path.local, 0xfffe, 500);
	e->stats.rx_dup = 0;
	t0 = now_ns();
	for (uint32_t k = 0; k < ROUNDS; k++) {
		struct bench_sa *s = &b[order[k]];

		path.remote = s->sa->path.remote;
		ike_engine_input(e, &path, s->dgram, DGRAM_LEN);
	}
	*dgram_ns = (now_ns() - t0) / ROUNDS;
	/* Every datagram found its SA and exchange. */
	if (e->stats.rx_dup != ROUNDS)
		goto out;
	rc = sink ? 0 : -1;
out:
	ike_engine_free(e);
	free(b);
	return rc;
}

int main(void)
{
	static const uint32_t sizes[] = { 10, 1000, 100000, 100000 };
	static const uint32_t hot[] = { 10, 1000, 100000, 10 };
	double l[4], d[4];
	char chains[96];
	uint32_t *order = malloc(ROUNDS * sizeof(*order)), seed = 0x9e3779b9u;

	if (!order)
		return 1;
	evsd_log_set_level(EVSD_LOG_WARN);
	printf("IKE engine lookups, %u rounds each, SAs in random order\n",
	       ROUNDS);
	printf("%8s %12s %12s  %s\n", "SAs", "lookups ns", "datagram ns",
	       "longest chain SA/exchange/SPI (load)");
	for (int i = 0; i < 4; i++) {
		for (uint32_t k = 0; k < ROUNDS; k++)
			order[k] = xorshift(&seed);
		if (run(sizes[i], hot[i], order, &l[i], &d[i], chains,
			sizeof(chains)) < 0) {
			fprintf(stderr, "bench_ike_lookup: a lookup failed with %u SAs\n",
				sizes[i]);
			return 1;
		}
		printf("%8u %12.1f %12.1f  %s%s\n", sizes[i], l[i], d[i], chains,
		       hot[i] < sizes[i] ? ", 10 of them looked up" : "");
	}
	printf("ratio 100000/10: lookups %.2f, datagram %.2f; 10 of 100000: %.2f, %.2f\n",
	       l[2] / l[0], d[2] / d[0], l[3] / l[0], d[3] / d[0]);
	free(order);
	return 0;
}
