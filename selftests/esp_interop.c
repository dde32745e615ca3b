// SPDX-License-Identifier: GPL-2.0
/*
 * Wire interop with Linux xfrm: evs in one namespace, `ip xfrm` (esp4) in
 * the other, the same keys.  For every algorithm, raw ESP and ESP-in-UDP:
 * ping both ways, and check on the evs side that the packets went through
 * the evs SAs.  Variants marked "tcp" also move 10 MB each way over TCP
 * and compare SHA-256 sums: a representative subset (GCM and null both
 * encapsulations, ChaCha20-Poly1305 and 3DES in UDP, AES-CBC/SHA-256 and
 * ESN raw), because under TCG each transfer takes the best part of a
 * minute.  EVS_INTEROP_ONLY=substring limits the run to matching variants.
 * 79 cases of crypto under TCG, beside a second VM in make check:
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

#define TCP_RAW 1
#define TCP_UDP 2


FIXTURE(interop) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int encap_fd;
};

FIXTURE_VARIANT(interop) {
	const char *id;
	struct evs_t_alg alg;
	bool esn, weak;
	int tcp;		/* 10 MB TCP each way: TCP_RAW | TCP_UDP */
};

#define AEAD(n, al, kb, icvb, t)					\
	FIXTURE_VARIANT_ADD(interop, n) {				\
		.id = #n, .alg = { .aead = al, .key_bytes = kb, .icv = icvb },	\
		.tcp = t,						\
	}
#define PAIR(n, e, eb, a, ab, tr, w, t)					\
	FIXTURE_VARIANT_ADD(interop, n) {				\
		.id = #n, .alg = { .enc = e, .key_bytes = eb, .auth = a,	\
		.auth_key_bytes = ab, .trunc = tr }, .weak = w, .tcp = t,	\
	}

AEAD(gcm128_icv64, "rfc4106(gcm(aes))", 20, 64, 0);
AEAD(gcm128_icv96, "rfc4106(gcm(aes))", 20, 96, 0);
AEAD(gcm128_icv128, "rfc4106(gcm(aes))", 20, 128, TCP_RAW | TCP_UDP);
AEAD(gcm192_icv64, "rfc4106(gcm(aes))", 28, 64, 0);
AEAD(gcm192_icv96, "rfc4106(gcm(aes))", 28, 96, 0);
AEAD(gcm192_icv128, "rfc4106(gcm(aes))", 28, 128, 0);
AEAD(gcm256_icv64, "rfc4106(gcm(aes))", 36, 64, 0);
AEAD(gcm256_icv96, "rfc4106(gcm(aes))", 36, 96, 0);
AEAD(gcm256_icv128, "rfc4106(gcm(aes))", 36, 128, 0);
AEAD(chacha20poly1305, "rfc7539esp(chacha20,poly1305)", 36, 128, TCP_UDP);

PAIR(aes128_sha1, "cbc(aes)", 16, "hmac(sha1)", 20, 96, false, 0);
PAIR(aes128_md5, "cbc(aes)", 16, "hmac(md5)", 16, 96, true, 0);
PAIR(aes128_sha256, "cbc(aes)", 16, "hmac(sha256)", 32, 128, false, TCP_RAW);
PAIR(aes128_sha384, "cbc(aes)", 16, "hmac(sha384)", 48, 192, false, 0);
PAIR(aes128_sha512, "cbc(aes)", 16, "hmac(sha512)", 64, 256, false, 0);
PAIR(aes192_sha1, "cbc(aes)", 24, "hmac(sha1)", 20, 96, false, 0);
PAIR(aes192_md5, "cbc(aes)", 24, "hmac(md5)", 16, 96, true, 0);
PAIR(aes192_sha256, "cbc(aes)", 24, "hmac(sha256)", 32, 128, false, 0);
PAIR(aes192_sha384, "cbc(aes)", 24, "hmac(sha384)", 48, 192, false, 0);
PAIR(aes192_sha512, "cbc(aes)", 24, "hmac(sha512)", 64, 256, false, 0);
PAIR(aes256_sha1, "cbc(aes)", 32, "hmac(sha1)", 20, 96, false, 0);
PAIR(aes256_md5, "cbc(aes)", 32, "hmac(md5)", 16, 96, true, 0);
PAIR(aes256_sha256, "cbc(aes)", 32, "hmac(sha256)", 32, 128, false, 0);
PAIR(aes256_sha384, "cbc(aes)", 32, "hmac(sha384)", 48, 192, false, 0);
PAIR(aes256_sha512, "cbc(aes)", 32, "hmac(sha512)", 64, 256, false, 0);
PAIR(3des_sha1, "cbc(des3_ede)", 24, "hmac(sha1)", 20, 96, true, TCP_UDP);
PAIR(3des_md5, "cbc(des3_ede)", 24, "hmac(md5)", 16, 96, true, 0);
PAIR(3des_sha256, "cbc(des3_ede)", 24, "hmac(sha256)", 32, 128, true, 0);
PAIR(3des_sha384, "cbc(des3_ede)", 24, "hmac(sha384)", 48, 192, true, 0);
PAIR(3des_sha512, "cbc(des3_ede)", 24, "hmac(sha512)", 64, 256, true, 0);
PAIR(des_sha1, "cbc(des)", 8, "hmac(sha1)", 20, 96, true, 0);
PAIR(des_md5, "cbc(des)", 8, "hmac(md5)", 16, 96, true, 0);
PAIR(des_sha256, "cbc(des)", 8, "hmac(sha256)", 32, 128, true, 0);
PAIR(des_sha384, "cbc(des)", 8, "hmac(sha384)", 48, 192, true, 0);
PAIR(des_sha512, "cbc(des)", 8, "hmac(sha512)", 64, 256, true, 0);
PAIR(null_null, "ecb(cipher_null)", 0, "digest_null", 0, 0, false, TCP_RAW | TCP_UDP);

FIXTURE_VARIANT_ADD(interop, esn_gcm128) {
	.id = "esn_gcm128",
	.alg = { .aead = "rfc4106(gcm(aes))", .key_bytes = 20, .icv = 128 },
	.esn = true,
	.tcp = TCP_RAW,
};

FIXTURE_VARIANT_ADD(interop, esn_aes128_sha256) {
	.id = "esn_aes128_sha256",
	.alg = { .enc = "cbc(aes)", .key_bytes = 16, .auth = "hmac(sha256)",
		 .auth_key_bytes = 32, .trunc = 128 },
	.esn = true,
};

/* Null SAs skip the crypto API; with ESN the SPI still moves and back. */
FIXTURE_VARIANT_ADD(interop, esn_null_null) {
	.id = "esn_null_null",
	.alg = { .enc = "ecb(cipher_null)", .auth = "digest_null" },
	.esn = true,
};

FIXTURE_SETUP(interop)
{
	self->encap_fd = -1;
	if (!evs_t_interop_wanted(variant->id))
		SKIP(return, "EVS_INTEROP_ONLY=%s", getenv("EVS_INTEROP_ONLY"));
	evs_t_interop_up(_metadata, &self->topo, "io", &self->nl);
}

FIXTURE_TEARDOWN(interop)
{
	if (self->topo.a[0])
		evs_t_teardown(&self->topo, &self->nl, 1, self->encap_fd);
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(interop) *self,
		const FIXTURE_VARIANT(interop) *v, bool udp)
{
	const struct evs_t_interop io = evs_t_interop_of(&v->alg, v->esn, v->weak, udp,
							 &evs_t_fam4, &evs_t_fam4);
	bool tcp = v->tcp & (udp ? TCP_UDP : TCP_RAW);

	if (evs_t_interop_run(_metadata, &self->topo, &self->nl, &io,
			      &self->encap_fd, tcp))
		evs_t_interop_counters(_metadata, &self->nl, &io, tcp, false);
}

TEST_F_TIMEOUT(interop, raw, 600)
{
	run(_metadata, self, variant, false);
}

TEST_F_TIMEOUT(interop, udp, 600)
{
	run(_metadata, self, variant, true);
}

TEST_HARNESS_MAIN
