// SPDX-License-Identifier: GPL-2.0
/*
 * Wire interop with Linux xfrm: evs in one namespace, `ip xfrm` (esp4) in
 * the other, the same keys.  Raw ESP for every algorithm, ESP-in-UDP for
 * a subset (below): ping both ways, and check on the evs side that the
 * packets went through the evs SAs.  Variants marked "tcp" also move 2 MB
 * each way over TCP and compare SHA-256 sums: a representative subset
 * (GCM and null both encapsulations, ChaCha20-Poly1305 and 3DES in UDP,
 * AES-CBC/SHA-256 and ESN raw), because under TCG every megabyte takes seconds.
 * EVS_INTEROP_ONLY=substring limits the run to matching variants.
 * 53 cases of crypto under TCG, beside other VMs in make check:
 * evs-selftest-timeout: 900
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <kselftest_harness.h>

#include "evs_interop.h"
#include "evs_interop_algs.h"

/*
 * Two fixtures: "interop" runs every algorithm over raw ESP; "interop_udp"
 * runs ESP-in-UDP for a subset that covers every IV length (0, 8, 16),
 * ICV length (8 to 32), cipher block size and ESN, because the UDP
 * header moves the same offsets whatever the algorithm.
 */
struct interop_case {
	const char *id;
	struct evs_t_alg alg;
	bool esn, weak;
	bool tcp;		/* also EVS_T_TCP_BYTES over TCP each way */
};

FIXTURE(interop) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int encap_fd;
};

FIXTURE(interop_udp) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int encap_fd;
};

FIXTURE_VARIANT(interop) {
	struct interop_case c;
};

FIXTURE_VARIANT(interop_udp) {
	struct interop_case c;
};

/* A variant of fixture @f: algorithm @n, ESN, and its TCP transfer. */
#define VARIANT(f, n, w, e, t, ...)					\
	FIXTURE_VARIANT_ADD(f, n) { .c = {				\
		.id = #n, .alg = __VA_ARGS__, .weak = w, .esn = e,	\
		.tcp = t,						\
	} }
#define RAW(n, w, e, t, ...) VARIANT(interop, n, w, e, t, __VA_ARGS__);
EVS_T_EVERY_ALG(RAW)

VARIANT(interop_udp, gcm128_icv64, false, false, false, EVS_T_GCM(20, 64));
VARIANT(interop_udp, gcm128_icv128, false, false, true, EVS_T_GCM(20, 128));
VARIANT(interop_udp, gcm256_icv96, false, false, false, EVS_T_GCM(36, 96));
VARIANT(interop_udp, chacha20poly1305, false, false, true,
	EVS_T_AEAD("rfc7539esp(chacha20,poly1305)", 36, 128));
VARIANT(interop_udp, aes128_sha1, false, false, false, EVS_T_CBC_AES(16, EVS_T_SHA1));
VARIANT(interop_udp, aes192_md5, true, false, false, EVS_T_CBC_AES(24, EVS_T_MD5));
VARIANT(interop_udp, aes256_sha384, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA384));
VARIANT(interop_udp, aes256_sha512, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA512));
VARIANT(interop_udp, 3des_sha1, true, false, true, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA1));
VARIANT(interop_udp, des_sha256, true, false, false, EVS_T_PAIR("cbc(des)", 8, EVS_T_SHA256));
VARIANT(interop_udp, null_null, false, false, true, EVS_T_NULL);
VARIANT(interop_udp, esn_gcm128, false, true, false, EVS_T_GCM(20, 128));
VARIANT(interop_udp, esn_aes128_sha256, false, true, false, EVS_T_CBC_AES(16, EVS_T_SHA256));
VARIANT(interop_udp, esn_null_null, false, true, false, EVS_T_NULL);

static void up(struct __test_metadata *_metadata, const struct interop_case *c,
	       struct evs_t_topo *topo, struct evs_nl *nl, int *encap_fd)
{
	*encap_fd = -1;
	if (!evs_t_interop_wanted(c->id))
		SKIP(return, "EVS_INTEROP_ONLY=%s", getenv("EVS_INTEROP_ONLY"));
	evs_t_interop_up(_metadata, topo, "io", nl);
}

static void down(struct evs_t_topo *topo, struct evs_nl *nl, int encap_fd)
{
	if (topo->a[0])
		evs_t_teardown(topo, nl, 1, encap_fd);
}

static void run(struct __test_metadata *_metadata, struct evs_t_topo *topo,
		struct evs_nl *nl, int *encap_fd, const struct interop_case *c,
		bool udp)
{
	const struct evs_t_interop io = evs_t_interop_of(&c->alg, c->esn, c->weak, udp,
							 &evs_t_fam4, &evs_t_fam4);

	if (evs_t_interop_run(_metadata, topo, nl, &io, encap_fd, c->tcp))
		evs_t_interop_counters(_metadata, nl, &io, c->tcp, false);
}

FIXTURE_SETUP(interop)
{
	up(_metadata, &variant->c, &self->topo, &self->nl, &self->encap_fd);
}

FIXTURE_TEARDOWN(interop)
{
	down(&self->topo, &self->nl, self->encap_fd);
}

FIXTURE_SETUP(interop_udp)
{
	up(_metadata, &variant->c, &self->topo, &self->nl, &self->encap_fd);
}

FIXTURE_TEARDOWN(interop_udp)
{
	down(&self->topo, &self->nl, self->encap_fd);
}

TEST_F_TIMEOUT(interop, raw, 600)
{
	run(_metadata, &self->topo, &self->nl, &self->encap_fd, &variant->c, false);
}

TEST_F_TIMEOUT(interop_udp, udp, 600)
{
	run(_metadata, &self->topo, &self->nl, &self->encap_fd, &variant->c, true);
}

TEST_HARNESS_MAIN
