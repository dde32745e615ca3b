// SPDX-License-Identifier: MIT
/*
 * kernel_stub: a recording stand-in for evsd's kernel interface
 * (evsd/kernel.h and evsd/rri.h), for the host run of scripts/bench-ike
 * only (`make -C userspace evsd-stubkernel`).  It replaces kernel.c and
 * rri.c at link time, so that evsd runs on a host without evs.ko and its
 * IKE side can be measured at 10,000 clients, which a TCG VM has no time
 * for.  Never installed and never used by a test: it answers every
 * request with success and does nothing.
 *
 * What it was told is kept in a size that does not grow with the clients
 * (so it does not count in evsd's memory per client): a counter per kind
 * of request and the last STUB_RING records (no keys).  The counters go
 * to stderr when evsd closes the kernel (clean stop), so the bench can
 * check that every connected client really reached the kernel interface.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evsd/kernel.h"
#include "evsd/rri.h"
#include "lib/msg.h"

#define STUB_RING 64

enum stub_kind {
	K_CONN_ADD, K_SA_ADD, K_POLICY_ADD, K_POLICY_DEL, K_SA_DEL, K_CONN_DEL,
	K_ROUTE_ADD, K_PARP_ADD, K_ROUTE6_ADD, K_NDP_ADD, K_ENCAP_ATTACH,
	K_ENCAP_DETACH, K_DUMP, K_NKINDS
};

static const char *const kind_name[K_NKINDS] = {
	"conn_add", "sa_add", "policy_add", "policy_del", "sa_del", "conn_del",
	"route_add", "parp_add", "route6_add", "ndp_add", "encap_attach",
	"encap_detach", "dump",
};

struct stub_rec {
	uint8_t kind;
	uint32_t conn_id, spi, addr;
};

/* One state for the kernel handle and the RRI handles: they are one
 * kernel.  Heap-allocated per handle (no process-wide state); each handle
 * reports its own counts. */
struct stub {
	const char *who;
	uint64_t count[K_NKINDS];
	struct stub_rec ring[STUB_RING];
	unsigned head;
};

struct kernel {
	struct stub s;
	int evfd;	/* poll()ed by the loop; never readable */
};

struct rri {
	struct stub s;
};

static void rec(struct stub *s, enum stub_kind k, uint32_t conn_id, uint32_t spi,
		uint32_t addr)
{
	struct stub_rec *r = &s->ring[s->head++ % STUB_RING];

	s->count[k]++;
	r->kind = (uint8_t)k;
	r->conn_id = conn_id;
	r->spi = spi;
	r->addr = addr;
}

static void report(const struct stub *s)
{
	fprintf(stderr, "stub kernel (%s):", s->who);
	for (unsigned k = 0; k < K_NKINDS; k++)
		fprintf(stderr, " %s=%llu", kind_name[k], (unsigned long long)s->count[k]);
	fprintf(stderr, "\n");
}

/* ---- evsd/kernel.h --------------------------------------------------- */

struct kernel *kernel_open(const char *ifname, struct evs_err *err)
{
	struct kernel *k = calloc(1, sizeof(*k));

	if (!k) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	k->s.who = "kernel";
	k->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (k->evfd < 0) {
		evs_errf(err, "eventfd failed");
		free(k);
		return NULL;
	}
	fprintf(stderr, "stub kernel: evs.ko replaced by a recording stub (device %s not used)\n",
		ifname);
	return k;
}

void kernel_close(struct kernel *k)
{
	if (!k)
		return;
	report(&k->s);
	close(k->evfd);
	free(k);
}

int kernel_encap_attach(struct kernel *k, int fd)
{
	rec(&k->s, K_ENCAP_ATTACH, 0, 0, (uint32_t)fd);
	return 0;
}

int kernel_encap_detach(struct kernel *k, int fd)
{
	rec(&k->s, K_ENCAP_DETACH, 0, 0, (uint32_t)fd);
	return 0;
}

int kernel_encap_release(struct kernel *k)
{
	(void)k;
	return 0;
}

int kernel_event_fd(const struct kernel *k)
{
	return k->evfd;
}

void kernel_events(struct kernel *k, struct ike_engine *e)
{
	(void)k;
	(void)e;
}

int kernel_remove_leftovers(struct kernel *k, uint32_t *keep, size_t n_keep,
			    struct kernel_leftovers *out, struct evs_err *err)
{
	memset(out, 0, sizeof(*out));
	rec(&k->s, K_DUMP, 0, 0, 0);
	return 0;
}

int kernel_conn_ids(struct kernel *k, uint32_t **ids, size_t *n, struct evs_err *err)
{
	*ids = NULL;
	*n = 0;
	rec(&k->s, K_DUMP, 0, 0, 0);
	return 0;
}

int kernel_sa_seqs(struct kernel *k, kernel_seq_fn fn, void *arg)
{
	rec(&k->s, K_DUMP, 0, 0, 0);
	return 0;
}

int kernel_link_stats(struct kernel *k, struct evs_counters *c, struct evs_err *err)
{
	memset(c, 0, sizeof(*c));
	rec(&k->s, K_DUMP, 0, 0, 0);
	return 0;
}

/* The policies the real interface would add: one per narrowed network,
 * or one for local_net, each way. */
static void policies(struct kernel *k, const struct kernel_child *c, bool in,
		     enum stub_kind kind)
{
	unsigned n = c->n_local_nets ? c->n_local_nets : 1;

	for (unsigned i = 0; i < n; i++)
		rec(&k->s, kind, c->conn_id, in ? c->spi_in : c->spi_out, 0);
}

int kernel_child_add(void *arg, const struct kernel_child *c)
{
	struct kernel *k = arg;

	if (c->new_conn)
		rec(&k->s, K_CONN_ADD, c->conn_id, 0, 0);
	if (!c->policies_only) {
		rec(&k->s, K_SA_ADD, c->conn_id, c->spi_in, 0);
		rec(&k->s, K_SA_ADD, c->conn_id, c->spi_out, 0);
	}
	if (c->sas_only)
		return 0;
	if (!c->new_conn && !c->defer_out)
		policies(k, c, false, K_POLICY_DEL);
	if (!c->new_conn || !c->defer_out)
		policies(k, c, false, K_POLICY_ADD);
	if (!c->new_conn)
		policies(k, c, true, K_POLICY_DEL);
	policies(k, c, true, K_POLICY_ADD);
	return 0;
}

int kernel_out_policy(void *arg, const struct kernel_child *c)
{
	struct kernel *k = arg;

	policies(k, c, false, K_POLICY_DEL);
	policies(k, c, false, K_POLICY_ADD);
	return 0;
}

int kernel_child_del_sas(void *arg, uint32_t conn_id, uint32_t spi_in, uint32_t spi_out)
{
	struct kernel *k = arg;

	if (spi_in)
		rec(&k->s, K_SA_DEL, conn_id, spi_in, 0);
	if (spi_out)
		rec(&k->s, K_SA_DEL, conn_id, spi_out, 0);
	return 0;
}

int kernel_conn_del(void *arg, uint32_t conn_id)
{
	rec(&((struct kernel *)arg)->s, K_CONN_DEL, conn_id, 0, 0);
	return 0;
}

/* ---- evsd/rri.h ------------------------------------------------------ */

struct rri *rri_open(const char *dev, struct evs_err *err)
{
	struct rri *r = calloc(1, sizeof(*r));

	if (!r) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	r->s.who = "rri";
	return r;
}

void rri_close(struct rri *r)
{
	if (!r)
		return;
	report(&r->s);
	free(r);
}

int rri_route_add(struct rri *r, uint32_t conn_id, uint32_t addr, unsigned plen,
		  struct evs_err *err)
{
	rec(&r->s, K_ROUTE_ADD, conn_id, plen, addr);
	return 0;
}

int rri_parp_add(struct rri *r, uint32_t conn_id, uint32_t addr, const char *lan_if,
		 struct evs_err *err)
{
	rec(&r->s, K_PARP_ADD, conn_id, 0, addr);
	return 0;
}

int rri_route6_add(struct rri *r, uint32_t conn_id, const struct evs_prefix *p,
		   struct evs_err *err)
{
	rec(&r->s, K_ROUTE6_ADD, conn_id, 0, 0);
	return 0;
}

int rri_ndp_add(struct rri *r, uint32_t conn_id, const struct evs_prefix *addr,
		const char *lan_if, struct evs_err *err)
{
	rec(&r->s, K_NDP_ADD, conn_id, 0, 0);
	return 0;
}

/* No SA has counters: accounting reports zero traffic. */
int rri_dump_sa_counters(struct rri *r, rri_sa_fn fn, void *arg)
{
	rec(&r->s, K_DUMP, 0, 0, 0);
	return 0;
}
