// SPDX-License-Identifier: GPL-2.0
/*
 * Wire interop with Linux xfrm over IPv6 and with IPv6 inside: evs in one
 * namespace, `ip xfrm` (esp4/esp6) in the other, the same keys.  Each
 * outer x inner combination that esp_interop (IPv4 in IPv4) leaves out --
 * IPv6 in IPv6, IPv4 in IPv6, IPv6 in IPv4 -- raw ESP and ESP-in-UDP:
 * ping both ways and check on the evs side that the packets went through
 * the evs SAs.  A representative subset of esp_interop's algorithms keeps
 * the run short (every algorithm is the same code whatever the family):
 * AES-GCM-128 (ICV 128) and ChaCha20-Poly1305 (AEAD), AES-CBC-128/SHA-256
 * and AES-CBC-256/SHA-512 (the largest ICV), 3DES/SHA-1 (8-byte blocks),
 * null/null (no crypto API), and ESN with GCM and with CBC/SHA-256.
 * "gcm128", IPv6 in IPv6 raw, also moves 10 MB each way over TCP, then
 * narrows the outer path to 1400 bytes and checks that evs0 answers an
 * IPv6 packet that no longer fits with ICMPv6 Packet Too Big.
 * EVS_INTEROP_ONLY=substring limits the run to matching variants.
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

#define SPI_A_TO_B 0x1001	/* evs out, xfrm in */
#define SPI_B_TO_A 0x2001	/* xfrm out, evs in */

/* IPv6 beside the IPv4 of evs_t_topo_up (documentation prefix). */
#define A_OUTER6	"2001:db8:100::1"
#define B_OUTER6	"2001:db8:100::2"
#define A_INNER6	"2001:db8:77::1"
#define A_NET6		"2001:db8:77::"
#define B_INNER6	"2001:db8:10::2"

struct fam {
	const char *a_outer, *b_outer, *any;
	const char *a_inner, *a_net, *b_inner;
	int a_plen, host_plen;
	const char *ping;
};

static const struct fam fam4 = {
	EVS_T_A_OUTER, EVS_T_B_OUTER, "0.0.0.0",
	EVS_T_A_INNER, "192.168.77.0", EVS_T_B_INNER, 24, 32, "ping",
};
static const struct fam fam6 = {
	A_OUTER6, B_OUTER6, "::",
	A_INNER6, A_NET6, B_INNER6, 64, 128, "ping -6",
};

FIXTURE(interop6) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int encap_fd;
};

FIXTURE_VARIANT(interop6) {
	const char *id;
	const char *aead;
	int key_bytes;		/* AEAD: with salt */
	int icv;
	const char *enc, *auth;
	int auth_key_bytes, trunc;
	bool esn, weak, tcp;
};

#define AEAD(n, alg, kb, icvb, e, t)					\
	FIXTURE_VARIANT_ADD(interop6, n) {				\
		.id = #n, .aead = alg, .key_bytes = kb, .icv = icvb,	\
		.esn = e, .tcp = t,					\
	}
#define PAIR(n, e, eb, a, ab, tr, w, es)				\
	FIXTURE_VARIANT_ADD(interop6, n) {				\
		.id = #n, .enc = e, .key_bytes = eb, .auth = a,		\
		.auth_key_bytes = ab, .trunc = tr, .weak = w, .esn = es,	\
	}

AEAD(gcm128, "rfc4106(gcm(aes))", 20, 128, false, true);
AEAD(chacha20poly1305, "rfc7539esp(chacha20,poly1305)", 36, 128, false, false);
AEAD(esn_gcm128, "rfc4106(gcm(aes))", 20, 128, true, false);
PAIR(aes128_sha256, "cbc(aes)", 16, "hmac(sha256)", 32, 128, false, false);
PAIR(aes256_sha512, "cbc(aes)", 32, "hmac(sha512)", 64, 256, false, false);
PAIR(3des_sha1, "cbc(des3_ede)", 24, "hmac(sha1)", 20, 96, true, false);
PAIR(null_null, "ecb(cipher_null)", 0, "digest_null", 0, 0, false, false);
PAIR(esn_aes128_sha256, "cbc(aes)", 16, "hmac(sha256)", 32, 128, false, true);

/* IPv6 addresses and routes beside the IPv4 ones; nodad: usable now. */
static int topo6_up(const struct evs_t_topo *t)
{
	return evs_sh(
		"set -e;"
		"printf '%%s\\n'"
		" 'addr add " A_OUTER6 "/64 dev vA nodad'"
		" 'addr add " A_INNER6 "/64 dev lan0 nodad'"
		" 'route add 2001:db8:10::/48 dev evs0 src " A_INNER6 "'"
		" | ip -n %s -6 -batch -;"
		"printf '%%s\\n'"
		" 'addr add " B_OUTER6 "/64 dev vB nodad'"
		" 'addr add " B_INNER6 "/128 dev lo nodad'"
		" 'route add 2001:db8:77::/64 dev vB src " B_INNER6 "'"
		" | ip -n %s -6 -batch -",
		t->a, t->b);
}

FIXTURE_SETUP(interop6)
{
	const char *only = getenv("EVS_INTEROP_ONLY");

	self->encap_fd = -1;
	if (only && !strstr(variant->id, only))
		SKIP(return, "EVS_INTEROP_ONLY=%s", only);
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, evs_t_topo_up(&self->topo, "i6"));
	ASSERT_EQ(0, topo6_up(&self->topo));
	ASSERT_EQ(0, evs_t_enter(self->topo.a));
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(interop6)
{
	if (!self->topo.a[0])
		return;
	if (self->encap_fd >= 0)
		close(self->encap_fd);
	evs_t_nl_close(&self->nl);
	evs_t_topo_down(&self->topo);
}

/* The variant's algorithm, as the helpers take it. */
static struct evs_t_alg alg_of(const FIXTURE_VARIANT(interop6) *v)
{
	return (struct evs_t_alg){ v->aead, v->key_bytes, v->icv, v->enc,
				   v->auth, v->auth_key_bytes, v->trunc };
}

static int setup(struct __test_metadata *_metadata,
		 FIXTURE_DATA(interop6) *self,
		 const FIXTURE_VARIANT(interop6) *v, const struct fam *out,
		 const struct fam *in, bool udp)
{
	struct evs_t_alg va = alg_of(v);
	char key[200], akey[200], alg[512];
	char encap[64] = "", flags[64];
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
		snprintf(encap, sizeof(encap), "encap espinudp 4500 4500 %s",
			 out->any);
	}
	/* af-unspec: the state carries inner packets of either family. */
	snprintf(flags, sizeof(flags), "flag af-unspec%s replay-window 64",
		 v->esn ? " esn" : "");
	evs_t_xfrm_alg(&va, alg, sizeof(alg), key, akey);

	ret = evs_sh("ip -n %s xfrm state add src %s dst %s proto esp spi %d"
		     " reqid 1 mode tunnel %s %s %s", self->topo.b, out->b_outer,
		     out->a_outer, SPI_B_TO_A, alg, encap, flags) ?:
	      evs_sh("ip -n %s xfrm state add src %s dst %s proto esp spi %d"
		     " reqid 1 mode tunnel %s %s %s", self->topo.b, out->a_outer,
		     out->b_outer, SPI_A_TO_B, alg, encap, flags) ?:
	      evs_sh("ip -n %s xfrm policy add src %s/%d dst %s/%d dir out"
		     " tmpl src %s dst %s proto esp reqid 1 mode tunnel",
		     self->topo.b, in->b_inner, in->host_plen, in->a_net,
		     in->a_plen, out->b_outer, out->a_outer) ?:
	      evs_sh("ip -n %s xfrm policy add src %s/%d dst %s/%d dir in"
		     " tmpl src %s dst %s proto esp reqid 1 mode tunnel",
		     self->topo.b, in->a_net, in->a_plen, in->b_inner,
		     in->host_plen, out->a_outer, out->b_outer);
	if (ret) {
		TH_LOG("ip xfrm setup failed");
		return -1;
	}
	if (udp) {
		self->encap_fd = evs_t_xfrm_encap_socket(self->topo.b,
							 out == &fam6);
		if (self->encap_fd < 0 || evs_t_enter(self->topo.a)) {
			TH_LOG("encap socket in the peer namespace failed");
			return -1;
		}
	}

	sa.dir = EVS_DIR_OUT;
	sa.spi = SPI_A_TO_B;
	sa.src = out->a_outer;
	sa.dst = out->b_outer;
	ret = evs_t_sa_add(&self->nl, &sa);
	if (ret) {
		TH_LOG("SA out: %s (%s)", strerror(-ret), self->nl.err_msg);
		return -1;
	}
	sa.dir = EVS_DIR_IN;
	sa.spi = SPI_B_TO_A;
	sa.src = out->b_outer;
	sa.dst = out->a_outer;
	ret = evs_t_sa_add(&self->nl, &sa);
	if (ret) {
		TH_LOG("SA in: %s (%s)", strerror(-ret), self->nl.err_msg);
		return -1;
	}
	ret = evs_t_policy_add(&self->nl, EVS_DIR_OUT, in->a_net, in->a_plen,
			       in->b_inner, in->host_plen, SPI_A_TO_B) ?:
	      evs_t_policy_add(&self->nl, EVS_DIR_IN, in->b_inner,
			       in->host_plen, in->a_net, in->a_plen,
			       SPI_B_TO_A);
	if (ret) {
		TH_LOG("policy: %s (%s)", strerror(-ret), self->nl.err_msg);
		return -1;
	}
	return 0;
}

/* Outer path 1400: a 1388-byte inner packet (ping -s 1340) makes 1388 +
 * 40 (IPv6) + 8 (ESP) + 8 (GCM IV) + 2 + 16 (ICV) > 1400; what fits is
 * rounddown(1400 - 56 - 16, 4) - 2 = 1326.  The sender learns it from
 * evs0's Packet Too Big, then fragments (ping without -M do) and gets
 * through.
 */
static void ptb(struct __test_metadata *_metadata,
		FIXTURE_DATA(interop6) *self)
{
	ASSERT_EQ(0, evs_sh("ip -n %s link set vA mtu 1400 &&"
			    " ip -n %s link set vB mtu 1400",
			    self->topo.a, self->topo.b));
	EXPECT_NE(0, evs_sh("ip netns exec %s ping -6 -q -c 1 -W 2 -M do"
			    " -s 1340 -I " A_INNER6 " " B_INNER6 " >/dev/null"
			    " 2>&1", self->topo.a))
		TH_LOG("a packet that does not fit went through");
	EXPECT_EQ(0, evs_sh("ip -n %s -6 route get " B_INNER6 " from "
			    A_INNER6 " | grep -q 'mtu 1326'", self->topo.a))
		TH_LOG("no Packet Too Big with mtu 1326 reached the sender");
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -6 -q -c 2 -i 0.2 -W 5"
			    " -s 1340 -I " A_INNER6 " " B_INNER6 " >/dev/null",
			    self->topo.a))
		TH_LOG("fragmented to the learnt MTU, the ping must pass");
}

static void run(struct __test_metadata *_metadata,
		FIXTURE_DATA(interop6) *self,
		const FIXTURE_VARIANT(interop6) *v, const struct fam *out,
		const struct fam *in, bool udp)
{
	uint64_t o[EVS_STATS_A_MAX + 1] = {}, i[EVS_STATS_A_MAX + 1] = {};
	bool tcp = v->tcp && out == &fam6 && in == &fam6 && !udp;

	if (!self->topo.a[0])
		return;		/* skipped in setup */
	ASSERT_EQ(0, setup(_metadata, self, v, out, in, udp));
	EXPECT_EQ(0, evs_sh("ip netns exec %s %s -q -c 3 -i 0.2 -W 5 -I %s %s"
			    " >/dev/null", self->topo.a, in->ping, in->a_inner,
			    in->b_inner)) TH_LOG("ping evs -> xfrm");
	EXPECT_EQ(0, evs_sh("ip netns exec %s %s -q -c 3 -i 0.2 -W 5 -I %s %s"
			    " >/dev/null", self->topo.b, in->ping, in->b_inner,
			    in->a_inner)) TH_LOG("ping xfrm -> evs");
	if (tcp) {
		EXPECT_EQ(0, evs_t_tcp_transfer(self->topo.b, self->topo.a,
					  in->a_inner, in->b_inner, "ba"))
			TH_LOG("10 MB xfrm -> evs");
		EXPECT_EQ(0, evs_t_tcp_transfer(self->topo.a, self->topo.b,
					  in->b_inner, in->a_inner, "ab"))
			TH_LOG("10 MB evs -> xfrm");
	}
	if (tcp)
		ptb(_metadata, self);
	ASSERT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_OUT, SPI_A_TO_B, o));
	ASSERT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_IN, SPI_B_TO_A, i));
	/* 3 requests + 3 replies each way went through our SAs. */
	EXPECT_LE(6, o[EVS_STATS_A_TX_PACKETS]);
	EXPECT_LE(6, i[EVS_STATS_A_RX_PACKETS]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_AUTH]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_BAD_LEN]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_POLICY]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_ENCAP]);
	EXPECT_EQ(0, i[EVS_STATS_A_DROP_OTHER]);
	if (tcp) {
		EXPECT_LT(7000, i[EVS_STATS_A_RX_PACKETS]);
		EXPECT_LT(7000, o[EVS_STATS_A_TX_PACKETS]);
	}
}

TEST_F_TIMEOUT(interop6, o6i6_raw, 600)
{
	run(_metadata, self, variant, &fam6, &fam6, false);
}

TEST_F_TIMEOUT(interop6, o6i6_udp, 300)
{
	run(_metadata, self, variant, &fam6, &fam6, true);
}

TEST_F_TIMEOUT(interop6, o6i4_raw, 300)
{
	run(_metadata, self, variant, &fam6, &fam4, false);
}

TEST_F_TIMEOUT(interop6, o6i4_udp, 300)
{
	run(_metadata, self, variant, &fam6, &fam4, true);
}

TEST_F_TIMEOUT(interop6, o4i6_raw, 300)
{
	run(_metadata, self, variant, &fam4, &fam6, false);
}

TEST_F_TIMEOUT(interop6, o4i6_udp, 300)
{
	run(_metadata, self, variant, &fam4, &fam6, true);
}

TEST_HARNESS_MAIN
