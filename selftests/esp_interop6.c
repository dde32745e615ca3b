// SPDX-License-Identifier: GPL-2.0
/*
 * Wire interop with Linux xfrm over IPv6 and with IPv6 inside: evs in one
 * namespace, `ip xfrm` (esp4/esp6) in the other, the same keys; ping both
 * ways and check on the evs side that the packets went through the evs
 * SAs.  Over IPv6 outer each case makes one SA pair and puts both inner
 * families through it (IPv6, then IPv4 policies on the same SAs: an
 * af-unspec state on the xfrm side).  Fixtures:
 *  raw6:   every algorithm of esp_interop (lib/evs_interop_algs.h), raw
 *          ESP in IPv6;
 *  udp6:   ESP-in-UDP over IPv6 for a covering subset (the UDP header
 *          moves the same offsets whatever the algorithm);
 *  outer4: IPv6 inside IPv4, raw and in UDP, one algorithm per block size.
 * raw6 "gcm128_icv128" also moves EVS_T_TCP_BYTES each way over TCP in
 * IPv6, then narrows the outer path to 1400 bytes and checks that evs0
 * answers an IPv6 packet that no longer fits with ICMPv6 Packet Too Big.
 * EVS_INTEROP_ONLY=substring limits the run to matching variants.
 * 55 cases under TCG, beside other VMs in make check:
 * evs-selftest-timeout: 1200
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

struct interop6_case {
	const char *id;
	struct evs_t_alg alg;
	bool esn, weak;
};

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

static void up(struct __test_metadata *_metadata, const struct interop6_case *c,
	       struct evs_t_topo *topo, struct evs_nl *nl, int *encap_fd)
{
	*encap_fd = -1;
	if (!evs_t_interop_wanted(c->id))
		SKIP(return, "EVS_INTEROP_ONLY=%s", getenv("EVS_INTEROP_ONLY"));
	evs_t_interop_up(_metadata, topo, "i6", nl);
	ASSERT_EQ(0, topo6_up(topo));
}

static void down(struct evs_t_topo *topo, struct evs_nl *nl, int encap_fd)
{
	if (topo->a[0])
		evs_t_teardown(topo, nl, 1, encap_fd);
}

/* Fixture @f: the namespaces of both families, a variant per algorithm. */
#define INTEROP6_FIXTURE(f)						\
	FIXTURE(f) {							\
		struct evs_t_topo topo;					\
		struct evs_nl nl;					\
		int encap_fd;						\
	};								\
	FIXTURE_VARIANT(f) {						\
		struct interop6_case c;					\
	};								\
	FIXTURE_SETUP(f)						\
	{								\
		up(_metadata, &variant->c, &self->topo, &self->nl,	\
		   &self->encap_fd);					\
	}								\
	FIXTURE_TEARDOWN(f)						\
	{								\
		down(&self->topo, &self->nl, self->encap_fd);		\
	}

/* A variant of fixture @f: algorithm @n, weak, ESN (@t: esp_interop's
 * TCP transfer, not used here). */
#define VARIANT(f, n, w, e, t, ...)					\
	FIXTURE_VARIANT_ADD(f, n) { .c = {				\
		.id = #n, .alg = __VA_ARGS__, .weak = w, .esn = e,	\
	} }
#define RAW6(n, w, e, t, ...) VARIANT(raw6, n, w, e, t, __VA_ARGS__);

/* Every algorithm over raw ESP in IPv6. */
INTEROP6_FIXTURE(raw6)
EVS_T_EVERY_ALG(RAW6)

/* ESP-in-UDP over IPv6: a subset covering AEAD and cipher + HMAC, every
 * block size (4, 8, 16), the largest ICV, no crypto, ESN. */
INTEROP6_FIXTURE(udp6)
VARIANT(udp6, gcm128, false, false, false, EVS_T_GCM(20, 128));
VARIANT(udp6, chacha20poly1305, false, false, false,
	EVS_T_AEAD("rfc7539esp(chacha20,poly1305)", 36, 128));
VARIANT(udp6, esn_gcm128, false, true, false, EVS_T_GCM(20, 128));
VARIANT(udp6, aes128_sha256, false, false, false, EVS_T_CBC_AES(16, EVS_T_SHA256));
VARIANT(udp6, aes256_sha512, false, false, false, EVS_T_CBC_AES(32, EVS_T_SHA512));
VARIANT(udp6, 3des_sha1, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA1));
VARIANT(udp6, null_null, false, false, false, EVS_T_NULL);
VARIANT(udp6, esn_aes128_sha256, false, true, false, EVS_T_CBC_AES(16, EVS_T_SHA256));

/* IPv6 inside IPv4, raw and in UDP: the inner family changes only the
 * padding to the block size, so one algorithm per block size (4, 8, 16)
 * and no crypto. */
INTEROP6_FIXTURE(outer4)
VARIANT(outer4, gcm128, false, false, false, EVS_T_GCM(20, 128));
VARIANT(outer4, aes128_sha256, false, false, false, EVS_T_CBC_AES(16, EVS_T_SHA256));
VARIANT(outer4, 3des_sha1, true, false, false, EVS_T_PAIR("cbc(des3_ede)", 24, EVS_T_SHA1));
VARIANT(outer4, null_null, false, false, false, EVS_T_NULL);

/* Outer path 1400: a 1388-byte inner packet (ping -s 1340) makes 1388 +
 * 40 (IPv6) + 8 (ESP) + 8 (GCM IV) + 2 + 16 (ICV) > 1400; what fits is
 * rounddown(1400 - 56 - 16, 4) - 2 = 1326.  The sender learns it from
 * evs0's Packet Too Big, then fragments (ping without -M do) and gets
 * through.
 */
static void ptb(struct __test_metadata *_metadata, const struct evs_t_topo *t)
{
	ASSERT_EQ(0, evs_sh("ip -n %s link set vA mtu 1400 &&"
			    " ip -n %s link set vB mtu 1400",
			    t->a, t->b));
	EXPECT_NE(0, evs_sh("ip netns exec %s ping -6 -q -c 1 -W 2 -M do"
			    " -s 1340 -I " A_INNER6 " " B_INNER6 " >/dev/null"
			    " 2>&1", t->a))
		TH_LOG("a packet that does not fit went through");
	EXPECT_EQ(0, evs_sh("ip -n %s -6 route get " B_INNER6 " from "
			    A_INNER6 " | grep -q 'mtu 1326'", t->a))
		TH_LOG("no Packet Too Big with mtu 1326 reached the sender");
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -6 -q -c 2 -i 0.2 -W 5"
			    " -s 1340 -I " A_INNER6 " " B_INNER6 " >/dev/null",
			    t->a))
		TH_LOG("fragmented to the learnt MTU, the ping must pass");
}

/* Outer @out, IPv6 inside, then (over IPv6: esp_interop has IPv4 in
 * IPv4) IPv4 inside through the same SAs; with @tcp also TCP over IPv6
 * and the Packet Too Big check. */
static void run(struct __test_metadata *_metadata, struct evs_t_topo *t,
		struct evs_nl *nl, int *encap_fd, const struct interop6_case *c,
		const struct evs_t_fam *out, bool udp, bool tcp)
{
	const struct evs_t_interop io = evs_t_interop_of(&c->alg, c->esn, c->weak, udp,
							 out, &fam6);
	const struct evs_t_interop io4 = evs_t_interop_of(&c->alg, c->esn, c->weak, udp,
							  out, &evs_t_fam4);
	char why[256];

	if (!evs_t_interop_run(_metadata, t, nl, &io, encap_fd, tcp))
		return;
	if (out->v6) {
		ASSERT_EQ(0, evs_t_interop_policies(nl, t, &io4, why, sizeof(why)))
			TH_LOG("%s", why);
		evs_t_interop_traffic(_metadata, t, &evs_t_fam4, false);
	}
	if (tcp)
		ptb(_metadata, t);
	evs_t_interop_counters(_metadata, nl, &io, tcp, true);
}

TEST_F_TIMEOUT(raw6, o6, 600)
{
	run(_metadata, &self->topo, &self->nl, &self->encap_fd, &variant->c,
	    &fam6, false, !strcmp(variant->c.id, "gcm128_icv128"));
}

TEST_F_TIMEOUT(udp6, o6, 300)
{
	run(_metadata, &self->topo, &self->nl, &self->encap_fd, &variant->c,
	    &fam6, true, false);
}

TEST_F_TIMEOUT(outer4, raw, 300)
{
	run(_metadata, &self->topo, &self->nl, &self->encap_fd, &variant->c,
	    &evs_t_fam4, false, false);
}

TEST_F_TIMEOUT(outer4, udp, 300)
{
	run(_metadata, &self->topo, &self->nl, &self->encap_fd, &variant->c,
	    &evs_t_fam4, true, false);
}

TEST_HARNESS_MAIN
