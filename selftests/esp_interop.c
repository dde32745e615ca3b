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

#define AEAD(f, n, al, kb, icvb, t)					\
	FIXTURE_VARIANT_ADD(f, n) { .c = {				\
		.id = #n, .alg = { .aead = al, .key_bytes = kb, .icv = icvb },	\
		.tcp = t,						\
	} }
#define PAIR(f, n, e, eb, a, ab, tr, w, t)				\
	FIXTURE_VARIANT_ADD(f, n) { .c = {				\
		.id = #n, .alg = { .enc = e, .key_bytes = eb, .auth = a,	\
		.auth_key_bytes = ab, .trunc = tr }, .weak = w, .tcp = t,	\
	} }
#define ESN_GCM128(f, t)						\
	FIXTURE_VARIANT_ADD(f, esn_gcm128) { .c = {			\
		.id = "esn_gcm128",					\
		.alg = { .aead = "rfc4106(gcm(aes))", .key_bytes = 20,	\
			 .icv = 128 },					\
		.esn = true, .tcp = t,					\
	} }
#define ESN_AES128_SHA256(f)						\
	FIXTURE_VARIANT_ADD(f, esn_aes128_sha256) { .c = {		\
		.id = "esn_aes128_sha256",				\
		.alg = { .enc = "cbc(aes)", .key_bytes = 16,		\
			 .auth = "hmac(sha256)", .auth_key_bytes = 32,	\
			 .trunc = 128 },				\
		.esn = true,						\
	} }
/* Null SAs skip the crypto API; with ESN the SPI still moves and back. */
#define ESN_NULL_NULL(f)						\
	FIXTURE_VARIANT_ADD(f, esn_null_null) { .c = {			\
		.id = "esn_null_null",					\
		.alg = { .enc = "ecb(cipher_null)", .auth = "digest_null" }, \
		.esn = true,						\
	} }

AEAD(interop, gcm128_icv64, "rfc4106(gcm(aes))", 20, 64, false);
AEAD(interop, gcm128_icv96, "rfc4106(gcm(aes))", 20, 96, false);
AEAD(interop, gcm128_icv128, "rfc4106(gcm(aes))", 20, 128, true);
AEAD(interop, gcm192_icv64, "rfc4106(gcm(aes))", 28, 64, false);
AEAD(interop, gcm192_icv96, "rfc4106(gcm(aes))", 28, 96, false);
AEAD(interop, gcm192_icv128, "rfc4106(gcm(aes))", 28, 128, false);
AEAD(interop, gcm256_icv64, "rfc4106(gcm(aes))", 36, 64, false);
AEAD(interop, gcm256_icv96, "rfc4106(gcm(aes))", 36, 96, false);
AEAD(interop, gcm256_icv128, "rfc4106(gcm(aes))", 36, 128, false);
AEAD(interop, chacha20poly1305, "rfc7539esp(chacha20,poly1305)", 36, 128, false);

PAIR(interop, aes128_sha1, "cbc(aes)", 16, "hmac(sha1)", 20, 96, false, false);
PAIR(interop, aes128_md5, "cbc(aes)", 16, "hmac(md5)", 16, 96, true, false);
PAIR(interop, aes128_sha256, "cbc(aes)", 16, "hmac(sha256)", 32, 128, false, true);
PAIR(interop, aes128_sha384, "cbc(aes)", 16, "hmac(sha384)", 48, 192, false, false);
PAIR(interop, aes128_sha512, "cbc(aes)", 16, "hmac(sha512)", 64, 256, false, false);
PAIR(interop, aes192_sha1, "cbc(aes)", 24, "hmac(sha1)", 20, 96, false, false);
PAIR(interop, aes192_md5, "cbc(aes)", 24, "hmac(md5)", 16, 96, true, false);
PAIR(interop, aes192_sha256, "cbc(aes)", 24, "hmac(sha256)", 32, 128, false, false);
PAIR(interop, aes192_sha384, "cbc(aes)", 24, "hmac(sha384)", 48, 192, false, false);
PAIR(interop, aes192_sha512, "cbc(aes)", 24, "hmac(sha512)", 64, 256, false, false);
PAIR(interop, aes256_sha1, "cbc(aes)", 32, "hmac(sha1)", 20, 96, false, false);
PAIR(interop, aes256_md5, "cbc(aes)", 32, "hmac(md5)", 16, 96, true, false);
PAIR(interop, aes256_sha256, "cbc(aes)", 32, "hmac(sha256)", 32, 128, false, false);
PAIR(interop, aes256_sha384, "cbc(aes)", 32, "hmac(sha384)", 48, 192, false, false);
PAIR(interop, aes256_sha512, "cbc(aes)", 32, "hmac(sha512)", 64, 256, false, false);
PAIR(interop, 3des_sha1, "cbc(des3_ede)", 24, "hmac(sha1)", 20, 96, true, false);
PAIR(interop, 3des_md5, "cbc(des3_ede)", 24, "hmac(md5)", 16, 96, true, false);
PAIR(interop, 3des_sha256, "cbc(des3_ede)", 24, "hmac(sha256)", 32, 128, true, false);
PAIR(interop, 3des_sha384, "cbc(des3_ede)", 24, "hmac(sha384)", 48, 192, true, false);
PAIR(interop, 3des_sha512, "cbc(des3_ede)", 24, "hmac(sha512)", 64, 256, true, false);
PAIR(interop, des_sha1, "cbc(des)", 8, "hmac(sha1)", 20, 96, true, false);
PAIR(interop, des_md5, "cbc(des)", 8, "hmac(md5)", 16, 96, true, false);
PAIR(interop, des_sha256, "cbc(des)", 8, "hmac(sha256)", 32, 128, true, false);
PAIR(interop, des_sha384, "cbc(des)", 8, "hmac(sha384)", 48, 192, true, false);
PAIR(interop, des_sha512, "cbc(des)", 8, "hmac(sha512)", 64, 256, true, false);
PAIR(interop, null_null, "ecb(cipher_null)", 0, "digest_null", 0, 0, false, true);
ESN_GCM128(interop, true);
ESN_AES128_SHA256(interop);
ESN_NULL_NULL(interop);

AEAD(interop_udp, gcm128_icv64, "rfc4106(gcm(aes))", 20, 64, false);
AEAD(interop_udp, gcm128_icv128, "rfc4106(gcm(aes))", 20, 128, true);
AEAD(interop_udp, gcm256_icv96, "rfc4106(gcm(aes))", 36, 96, false);
AEAD(interop_udp, chacha20poly1305, "rfc7539esp(chacha20,poly1305)", 36, 128, true);
PAIR(interop_udp, aes128_sha1, "cbc(aes)", 16, "hmac(sha1)", 20, 96, false, false);
PAIR(interop_udp, aes192_md5, "cbc(aes)", 24, "hmac(md5)", 16, 96, true, false);
PAIR(interop_udp, aes256_sha384, "cbc(aes)", 32, "hmac(sha384)", 48, 192, false, false);
PAIR(interop_udp, aes256_sha512, "cbc(aes)", 32, "hmac(sha512)", 64, 256, false, false);
PAIR(interop_udp, 3des_sha1, "cbc(des3_ede)", 24, "hmac(sha1)", 20, 96, true, true);
PAIR(interop_udp, des_sha256, "cbc(des)", 8, "hmac(sha256)", 32, 128, true, false);
PAIR(interop_udp, null_null, "ecb(cipher_null)", 0, "digest_null", 0, 0, false, true);
ESN_GCM128(interop_udp, false);
ESN_AES128_SHA256(interop_udp);
ESN_NULL_NULL(interop_udp);

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
