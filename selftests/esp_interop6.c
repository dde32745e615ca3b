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
 * "gcm128", IPv6 in IPv6 raw, also moves 2 MB each way over TCP, then
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

#include "evs_interop.h"


/* IPv6 beside the IPv4 of evs_t_topo_up (documentation prefix). */
#define A_OUTER6	"2001:db8:100::1"
#define B_OUTER6	"2001:db8:100::2"
#define A_INNER6	"2001:db8:77::1"
#define A_NET6		"2001:db8:77::"
#define B_INNER6	"2001:db8:10::2"

static const struct evs_t_fam fam6 = {
	A_OUTER6, B_OUTER6, "::",
	A_INNER6, A_NET6, B_INNER6, 64, 128, "ping -6", true,
};

FIXTURE(interop6) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int encap_fd;
};

FIXTURE_VARIANT(interop6) {
	const char *id;
	struct evs_t_alg alg;
	bool esn, weak, tcp;
};

#define AEAD(n, al, kb, icvb, e, t)					\
	FIXTURE_VARIANT_ADD(interop6, n) {				\
		.id = #n, .alg = { .aead = al, .key_bytes = kb, .icv = icvb },	\
		.esn = e, .tcp = t,					\
	}
#define PAIR(n, e, eb, a, ab, tr, w, es)				\
	FIXTURE_VARIANT_ADD(interop6, n) {				\
		.id = #n, .alg = { .enc = e, .key_bytes = eb, .auth = a,	\
		.auth_key_bytes = ab, .trunc = tr }, .weak = w, .esn = es,	\
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
	self->encap_fd = -1;
	if (!evs_t_interop_wanted(variant->id))
		SKIP(return, "EVS_INTEROP_ONLY=%s", getenv("EVS_INTEROP_ONLY"));
	evs_t_interop_up(_metadata, &self->topo, "i6", &self->nl);
	ASSERT_EQ(0, topo6_up(&self->topo));
}

FIXTURE_TEARDOWN(interop6)
{
	if (self->topo.a[0])
		evs_t_teardown(&self->topo, &self->nl, 1, self->encap_fd);
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
		const FIXTURE_VARIANT(interop6) *v, const struct evs_t_fam *out,
		const struct evs_t_fam *in, bool udp)
{
	const struct evs_t_interop io = evs_t_interop_of(&v->alg, v->esn, v->weak, udp,
							 out, in);
	bool tcp = v->tcp && out == &fam6 && in == &fam6 && !udp;

	if (!evs_t_interop_run(_metadata, &self->topo, &self->nl, &io,
			       &self->encap_fd, tcp))
		return;
	if (tcp)
		ptb(_metadata, self);
	evs_t_interop_counters(_metadata, &self->nl, &io, tcp, true);
}

/* One test per outer x inner family and encapsulation. */
#define CASE(name, out, in, udp, secs)					\
	TEST_F_TIMEOUT(interop6, name, secs)				\
	{								\
		run(_metadata, self, variant, out, in, udp);		\
	}

CASE(o6i6_raw, &fam6, &fam6, false, 600)
CASE(o6i6_udp, &fam6, &fam6, true, 300)
CASE(o6i4_raw, &fam6, &evs_t_fam4, false, 300)
CASE(o6i4_udp, &fam6, &evs_t_fam4, true, 300)
CASE(o4i6_raw, &evs_t_fam4, &fam6, false, 300)
CASE(o4i6_udp, &evs_t_fam4, &fam6, true, 300)

TEST_HARNESS_MAIN
