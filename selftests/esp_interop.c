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

#include "evs_esp_util.h"

#define TCP_RAW 1
#define TCP_UDP 2

#define SPI_A_TO_B 0x1001	/* evs out, xfrm in */
#define SPI_B_TO_A 0x2001	/* xfrm out, evs in */

FIXTURE(interop) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int encap_fd;
};

FIXTURE_VARIANT(interop) {
	const char *id;
	const char *aead;
	int key_bytes;		/* AEAD: with salt */
	int icv;
	const char *enc, *auth;
	int auth_key_bytes, trunc;
	bool esn, weak;
	int tcp;		/* 10 MB TCP each way: TCP_RAW | TCP_UDP */
};

#define AEAD(n, alg, kb, icvb, t)					\
	FIXTURE_VARIANT_ADD(interop, n) {				\
		.id = #n, .aead = alg, .key_bytes = kb, .icv = icvb, .tcp = t,	\
	}
#define PAIR(n, e, eb, a, ab, tr, w, t)					\
	FIXTURE_VARIANT_ADD(interop, n) {				\
		.id = #n, .enc = e, .key_bytes = eb, .auth = a,			\
		.auth_key_bytes = ab, .trunc = tr, .weak = w, .tcp = t,	\
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
	.aead = "rfc4106(gcm(aes))", .key_bytes = 20, .icv = 128, .esn = true,
	.tcp = TCP_RAW,
};

FIXTURE_VARIANT_ADD(interop, esn_aes128_sha256) {
	.id = "esn_aes128_sha256",
	.enc = "cbc(aes)", .key_bytes = 16, .auth = "hmac(sha256)",
	.auth_key_bytes = 32, .trunc = 128, .esn = true,
};

/* Null SAs skip the crypto API; with ESN the SPI still moves and back. */
FIXTURE_VARIANT_ADD(interop, esn_null_null) {
	.id = "esn_null_null",
	.enc = "ecb(cipher_null)", .auth = "digest_null", .esn = true,
};

FIXTURE_SETUP(interop)
{
	const char *only = getenv("EVS_INTEROP_ONLY");

	self->encap_fd = -1;
	/* EVS_INTEROP_ONLY=gcm128 runs the variants whose name contains it. */
	if (only && !strstr(variant->id, only))
		SKIP(return, "EVS_INTEROP_ONLY=%s", only);
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, evs_t_topo_up(&self->topo, "io"));
	ASSERT_EQ(0, evs_t_enter(self->topo.a));
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(interop)
{
	if (!self->topo.a[0])
		return;
	if (self->encap_fd >= 0)
		close(self->encap_fd);
	evs_t_nl_close(&self->nl);
	evs_t_topo_down(&self->topo);
}

/* The variant's algorithm, as the helpers take it. */
static struct evs_t_alg alg_of(const FIXTURE_VARIANT(interop) *v)
{
	return (struct evs_t_alg){ v->aead, v->key_bytes, v->icv, v->enc,
				   v->auth, v->auth_key_bytes, v->trunc };
}

static int setup(struct __test_metadata *_metadata,
		 FIXTURE_DATA(interop) *self,
		 const FIXTURE_VARIANT(interop) *v, bool udp)
{
	struct evs_t_alg va = alg_of(v);
	char key[200], akey[200], alg[512];
	char encap[64] = "", esn[64] = "replay-window 64";
	struct evs_t_sa sa = {
		.aead = v->aead, .icv_bits = v->icv, .enc = v->enc,
		.auth = v->auth, .trunc_bits = v->trunc, .replay_window = 64,
		.flags = (v->esn ? EVS_SA_F_ESN : 0) |
			 (v->weak ? EVS_SA_F_ALLOW_WEAK : 0),
	};
	int ret;

	evs_t_hexkey(key, v->key_bytes, v->key_bytes + v->icv);
	evs_t_hexkey(akey, v->auth_key_bytes, v->auth_key_bytes + 1);
	sa.aead_key = sa.enc_key = key;
	sa.auth_key = akey;
	if (udp) {
		sa.sport = sa.dport = 4500;
		snprintf(encap, sizeof(encap), "encap espinudp 4500 4500 0.0.0.0");
	}
	if (v->esn)
		snprintf(esn, sizeof(esn), "flag esn replay-window 64");
	evs_t_xfrm_alg(&va, alg, sizeof(alg), key, akey);

	/* Peer: plain Linux xfrm, tunnel mode.  One command per object:
	 * long keys would not fit evs_sh's buffer together. */
	ret = evs_sh("ip -n %s xfrm state add src " EVS_T_B_OUTER " dst " EVS_T_A_OUTER
		     " proto esp spi %d reqid 1 mode tunnel %s %s %s",
		     self->topo.b, SPI_B_TO_A, alg, encap, esn) ?:
	      evs_sh("ip -n %s xfrm state add src " EVS_T_A_OUTER " dst " EVS_T_B_OUTER
		     " proto esp spi %d reqid 1 mode tunnel %s %s %s",
		     self->topo.b, SPI_A_TO_B, alg, encap, esn) ?:
	      evs_sh("ip -n %s xfrm policy add src " EVS_T_B_INNER "/32 dst 192.168.77.0/24"
		     " dir out tmpl src " EVS_T_B_OUTER " dst " EVS_T_A_OUTER
		     " proto esp reqid 1 mode tunnel", self->topo.b) ?:
	      evs_sh("ip -n %s xfrm policy add src 192.168.77.0/24 dst " EVS_T_B_INNER "/32"
		     " dir in tmpl src " EVS_T_A_OUTER " dst " EVS_T_B_OUTER
		     " proto esp reqid 1 mode tunnel", self->topo.b);
	if (ret) {
		TH_LOG("ip xfrm setup failed");
		return -1;
	}
	if (udp) {
		self->encap_fd = evs_t_xfrm_encap_socket(self->topo.b, false);
		if (self->encap_fd < 0 || evs_t_enter(self->topo.a)) {
			TH_LOG("encap socket in the peer namespace failed");
			return -1;
		}
	}

	/* Us: evs. */
	sa.dir = EVS_DIR_OUT;
	sa.spi = SPI_A_TO_B;
	sa.src = EVS_T_A_OUTER;
	sa.dst = EVS_T_B_OUTER;
	ret = evs_t_sa_add(&self->nl, &sa);
	if (ret) {
		TH_LOG("SA out: %s (%s)", strerror(-ret), self->nl.err_msg);
		return -1;
	}
	sa.dir = EVS_DIR_IN;
	sa.spi = SPI_B_TO_A;
	sa.src = EVS_T_B_OUTER;
	sa.dst = EVS_T_A_OUTER;
	ret = evs_t_sa_add(&self->nl, &sa);
	if (ret) {
		TH_LOG("SA in: %s (%s)", strerror(-ret), self->nl.err_msg);
		return -1;
	}
	ret = evs_t_policy_add(&self->nl, EVS_DIR_OUT, "192.168.77.0", 24,
			       EVS_T_B_INNER, 32, SPI_A_TO_B) ?:
	      evs_t_policy_add(&self->nl, EVS_DIR_IN, EVS_T_B_INNER, 32,
			       "192.168.77.0", 24, SPI_B_TO_A);
	if (ret) {
		TH_LOG("policy: %s (%s)", strerror(-ret), self->nl.err_msg);
		return -1;
	}
	return 0;
}

static void run(struct __test_metadata *_metadata, FIXTURE_DATA(interop) *self,
		const FIXTURE_VARIANT(interop) *v, bool udp)
{
	uint64_t out[EVS_STATS_A_MAX + 1], in[EVS_STATS_A_MAX + 1];

	if (!self->topo.a[0])
		return;		/* skipped in setup */
	ASSERT_EQ(0, setup(_metadata, self, v, udp));
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -q -c 3 -i 0.2 -W 5 -I "
			    EVS_T_A_INNER " " EVS_T_B_INNER " >/dev/null",
			    self->topo.a)) TH_LOG("ping evs -> xfrm");
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -q -c 3 -i 0.2 -W 5 -I "
			    EVS_T_B_INNER " " EVS_T_A_INNER " >/dev/null",
			    self->topo.b)) TH_LOG("ping xfrm -> evs");
	if (v->tcp & (udp ? TCP_UDP : TCP_RAW)) {
		EXPECT_EQ(0, evs_t_tcp_transfer(self->topo.b, self->topo.a,
					  EVS_T_A_INNER, EVS_T_B_INNER, "ba"))
			TH_LOG("10 MB xfrm -> evs");
		EXPECT_EQ(0, evs_t_tcp_transfer(self->topo.a, self->topo.b,
					  EVS_T_B_INNER, EVS_T_A_INNER, "ab"))
			TH_LOG("10 MB evs -> xfrm");
	}
	ASSERT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_OUT, SPI_A_TO_B, out));
	ASSERT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_IN, SPI_B_TO_A, in));
	/* 3 requests + 3 replies each way went through our SAs. */
	EXPECT_LE(6, out[EVS_STATS_A_TX_PACKETS]);
	EXPECT_LE(6, in[EVS_STATS_A_RX_PACKETS]);
	EXPECT_EQ(0, in[EVS_STATS_A_DROP_AUTH]);
	EXPECT_EQ(0, in[EVS_STATS_A_DROP_BAD_LEN]);
	EXPECT_EQ(0, in[EVS_STATS_A_DROP_POLICY]);
	EXPECT_EQ(0, in[EVS_STATS_A_DROP_ENCAP]);
	if (v->tcp & (udp ? TCP_UDP : TCP_RAW)) {
		EXPECT_LT(7000, in[EVS_STATS_A_RX_PACKETS]);
		EXPECT_LT(7000, out[EVS_STATS_A_TX_PACKETS]);
	}
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
