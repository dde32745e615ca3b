// SPDX-License-Identifier: GPL-2.0
/*
 * Bad ESP on the wire: replayed, tampered, truncated, badly padded and
 * spoofed packets are dropped and counted on the right SA and reason,
 * dummy packets (next header 59) are discarded and counted as such, and
 * an outbound SA whose sequence counter runs out stops (RFC 4303 3.3.3).
 *
 * Packets are written from a raw socket in the peer namespace.  Two inbound
 * SAs on the evs side:
 *  - SPI 0x3001, ecb(cipher_null) + digest_null: the test builds packets
 *    byte by byte (padding, next header, inner source are ours to choose);
 *  - SPI 0x2001, rfc4106(gcm(aes)) fed by Linux xfrm in the peer namespace:
 *    real packets are captured leaving the peer and sent again, as they are
 *    (replay) or altered (ICV, length).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>
#include <sys/socket.h>

#include <kselftest_harness.h>

#include "evs_esp_util.h"

#define SPI_NULL	0x3001
#define SPI_GCM_IN	0x2001
#define SPI_GCM_OUT	0x1001
#define GCM_KEY		"0x0102030405060708090a0b0c0d0e0f1011121314"

FIXTURE(bad) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int raw;		/* raw ESP socket in the peer namespace */
	int cap;		/* AF_PACKET on the peer's veth */
};

static int add_gcm_peer(struct evs_t_topo *t)
{
	return evs_sh("set -e; B=%s;"
		"ip -n $B xfrm state add src " EVS_T_B_OUTER " dst " EVS_T_A_OUTER
		" proto esp spi %d reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 replay-window 32;"
		"ip -n $B xfrm state add src " EVS_T_A_OUTER " dst " EVS_T_B_OUTER
		" proto esp spi %d reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 replay-window 32;"
		"ip -n $B xfrm policy add src " EVS_T_B_INNER "/32 dst 192.168.77.0/24 dir out"
		" tmpl src " EVS_T_B_OUTER " dst " EVS_T_A_OUTER " proto esp reqid 1 mode tunnel;"
		"ip -n $B xfrm policy add src 192.168.77.0/24 dst " EVS_T_B_INNER "/32 dir in"
		" tmpl src " EVS_T_A_OUTER " dst " EVS_T_B_OUTER " proto esp reqid 1 mode tunnel",
		t->b, SPI_GCM_IN, SPI_GCM_OUT);
}

FIXTURE_SETUP(bad)
{
	struct evs_t_sa null_in = {
		.dir = EVS_DIR_IN, .spi = SPI_NULL, .src = EVS_T_B_OUTER,
		.dst = EVS_T_A_OUTER, .enc = "ecb(cipher_null)", .enc_key = "",
		.auth = "digest_null", .auth_key = "", .replay_window = 32,
	};
	struct evs_t_sa gcm = {
		.aead = "rfc4106(gcm(aes))", .aead_key = GCM_KEY,
		.icv_bits = 128, .replay_window = 32,
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL) };

	self->raw = self->cap = -1;
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, evs_t_topo_up(&self->topo, "bad"));
	ASSERT_EQ(0, add_gcm_peer(&self->topo));

	/* Peer-side sockets first: they stay in the namespace they were
	 * made in. */
	ASSERT_EQ(0, evs_t_enter(self->topo.b));
	self->raw = socket(AF_INET, SOCK_RAW, IPPROTO_ESP);
	ASSERT_LE(0, self->raw);
	/* ETH_P_ALL: only such taps see packets the host sends. */
	self->cap = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ASSERT_LE(0, self->cap);
	sll.sll_ifindex = if_nametoindex("vB");
	ASSERT_NE(0, sll.sll_ifindex);
	ASSERT_EQ(0, bind(self->cap, (struct sockaddr *)&sll, sizeof(sll)));

	ASSERT_EQ(0, evs_t_enter(self->topo.a));
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &null_in)) TH_LOG("%s", self->nl.err_msg);
	gcm.dir = EVS_DIR_IN;
	gcm.spi = SPI_GCM_IN;
	gcm.src = EVS_T_B_OUTER;
	gcm.dst = EVS_T_A_OUTER;
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &gcm)) TH_LOG("%s", self->nl.err_msg);
	gcm.dir = EVS_DIR_OUT;
	gcm.spi = SPI_GCM_OUT;
	gcm.src = EVS_T_A_OUTER;
	gcm.dst = EVS_T_B_OUTER;
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &gcm)) TH_LOG("%s", self->nl.err_msg);
	/* Only 10.77.0.2 may come in on either SA. */
	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_IN, EVS_T_B_INNER, 32,
				      "192.168.77.0", 24, SPI_GCM_IN));
	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_IN, "10.77.1.0", 24,
				      "192.168.77.0", 24, SPI_NULL));
	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_OUT, "192.168.77.0", 24,
				      EVS_T_B_INNER, 32, SPI_GCM_OUT));
}

FIXTURE_TEARDOWN(bad)
{
	evs_t_teardown(&self->topo, &self->nl, 2, self->raw, self->cap);
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += b[i] << 8 | b[i + 1];
	if (len & 1)
		s += b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s);
}

struct craft {
	uint32_t spi, seq;
	const char *inner_src;	/* default 10.77.1.5 (allowed on SPI_NULL) */
	int bad_padlen;		/* pad length byte beyond the payload */
	int bad_pad;		/* padding bytes not 1, 2, 3 ... */
	int truncate;		/* send only this many bytes */
	int dummy;		/* next header 59: a dummy packet (RFC 4303 2.6) */
	int v6;			/* inner IPv6 (source inner_src, default
				 * 2001:db8:10::5), next header 41 */
	int v6_nexthdr;		/* ESP next header instead of 41 */
	int v6_plen;		/* IPv6 payload length instead of 13 (-1: 0) */
	int v6_version;		/* version field instead of 6 */
};

/* The inner IPv6 header of @c at @p (40 bytes). */
static void put_ip6(uint8_t *p, const struct craft *c)
{
	int plen = c->v6_plen < 0 ? 0 : c->v6_plen ?: 8 + 5;

	p[0] = (c->v6_version ?: 6) << 4;
	p[4] = plen >> 8;
	p[5] = plen & 0xff;
	p[6] = IPPROTO_UDP;
	p[7] = 64;
	inet_pton(AF_INET6, c->inner_src ?: "2001:db8:10::5", p + 8);
	inet_pton(AF_INET6, "2001:db8:77::1", p + 24);
}

/* ESP with null crypto around an inner UDP datagram to 192.168.77.1:9. */
static int send_null(int raw, const struct craft *c)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t pkt[256] = {}, *p;
	struct iphdr *ip;
	int len, i, pad;

	inet_pton(AF_INET, EVS_T_A_OUTER, &to.sin_addr);
	*(uint32_t *)pkt = htonl(c->spi);
	*(uint32_t *)(pkt + 4) = htonl(c->seq);
	ip = (struct iphdr *)(pkt + 8);
	if (c->v6) {
		put_ip6(pkt + 8, c);
		p = pkt + 8 + 40;
	} else {
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons(20 + 8 + 5);
		inet_pton(AF_INET, c->inner_src ?: "10.77.1.5", &ip->saddr);
		inet_pton(AF_INET, EVS_T_A_INNER, &ip->daddr);
		ip->check = csum(ip, 20);
		p = (uint8_t *)(ip + 1);
	}
	p[0] = 0x30; p[1] = 0x39;		/* sport 12345 */
	p[3] = 9;				/* dport 9 (discard) */
	p[5] = 13;				/* UDP length */
	memcpy(p + 8, "hello", 5);		/* checksum 0: none (IPv4) */
	len = p + 13 - pkt;
	pad = (4 - (len + 2) % 4) % 4;
	for (i = 0; i < pad; i++)
		pkt[len + i] = c->bad_pad ? 7 : i + 1;
	len += pad;
	pkt[len++] = c->bad_padlen ? 200 : pad;
	/* next header: none, IPv6 or IPv4 */
	pkt[len++] = c->dummy ? 59 : c->v6 ? (c->v6_nexthdr ?: 41) : 4;
	if (c->truncate)
		len = c->truncate;
	return sendto(raw, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
	       len ? 0 : -errno;
}

static uint64_t stat_of(struct __test_metadata *_metadata,
			FIXTURE_DATA(bad) *self, uint32_t spi, int which)
{
	uint64_t st[EVS_STATS_A_MAX + 1];

	/* Let softirq and the crypto finish with what we just sent. */
	usleep(200 * 1000);
	EXPECT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_IN, spi, st));
	return st[which];
}

TEST_F_TIMEOUT(bad, replay_window, 180)
{
	struct craft c = { .spi = SPI_NULL };
	int s = SPI_NULL;

	c.seq = 1;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS));
	ASSERT_EQ(0, send_null(self->raw, &c));		/* same again */
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));
	c.seq = 40;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(2, stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS));
	c.seq = 8;					/* 32 behind: too old */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(2, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));
	c.seq = 20;					/* late but in window */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(3, stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS));
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(3, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));
	c.seq = 0;					/* never valid */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(4, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));
	EXPECT_EQ(3, stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS));
}

TEST_F_TIMEOUT(bad, padding_and_length, 180)
{
	struct craft c = { .spi = SPI_NULL, .seq = 1 };
	int s = SPI_NULL;

	c.bad_padlen = 1;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_BAD_LEN));
	c.bad_padlen = 0;
	c.bad_pad = 1;
	c.seq = 2;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(2, stat_of(_metadata, self, s, EVS_STATS_A_DROP_BAD_LEN));
	c.bad_pad = 0;
	c.seq = 3;
	c.truncate = 8 + 7;	/* not a whole number of 4-byte blocks */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(3, stat_of(_metadata, self, s, EVS_STATS_A_DROP_BAD_LEN));
	c.truncate = 8 + 12;	/* whole blocks, inner packet cut short */
	c.seq = 4;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(4, stat_of(_metadata, self, s, EVS_STATS_A_DROP_BAD_LEN));
	/* Authentic packets with bad padding move the window (RFC 4303
	 * 3.4.3: it advances once the ICV checks out), packets dropped before
	 * authentication do not: seq 3 is still fresh. */
	c.truncate = 0;
	c.seq = 1;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));
	c.seq = 3;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS));
}

TEST_F_TIMEOUT(bad, spoofed_inner_source, 180)
{
	struct craft c = { .spi = SPI_NULL, .seq = 1, .inner_src = "10.77.9.9" };

	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_DROP_POLICY));
	EXPECT_EQ(0, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_PACKETS));
	c.seq = 2;
	c.inner_src = "10.77.1.200";
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_PACKETS));
}

/* RFC 4303 2.6: a dummy packet is authenticated like any other, then
 * discarded.  Each one is counted (rx_dummy), none is delivered, none is
 * a drop; a replayed or malformed one is a drop like any other packet.
 */
TEST_F_TIMEOUT(bad, dummy_packets_counted, 180)
{
	struct craft c = { .spi = SPI_NULL, .dummy = 1 };
	uint64_t st[EVS_STATS_A_MAX + 1], dev[EVS_STATS_A_MAX + 1];
	int a;

	for (c.seq = 1; c.seq <= 5; c.seq++)
		ASSERT_EQ(0, send_null(self->raw, &c));
	/* one with a source no policy allows: nothing inside is used */
	c.inner_src = "10.77.9.9";
	ASSERT_EQ(0, send_null(self->raw, &c));
	c.seq++;
	EXPECT_EQ(6, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_DUMMY));
	ASSERT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_IN, SPI_NULL, st));
	EXPECT_EQ(0, st[EVS_STATS_A_RX_PACKETS]);
	for (a = EVS_STATS_A_DROP_NO_SA; a <= EVS_STATS_A_DROP_OTHER; a++)
		EXPECT_EQ(0, st[a]) TH_LOG("drop counter %d", a);
	/* the device counts them too */
	ASSERT_EQ(0, evs_t_dev_stats(&self->nl, dev));
	EXPECT_EQ(6, dev[EVS_STATS_A_RX_DUMMY]);

	c.seq = 3;					/* replayed dummy */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_DROP_REPLAY));
	c.seq = 20;					/* badly padded dummy */
	c.bad_pad = 1;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_DROP_BAD_LEN));
	EXPECT_EQ(6, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_DUMMY));
	/* and the SA still delivers real packets */
	c.dummy = c.bad_pad = 0;
	c.inner_src = NULL;
	c.seq = 21;
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_PACKETS));
}

/* IPv6 inside (next header 41) is checked as IPv4 is: delivered when
 * well formed and allowed, else counted by reason and dropped.
 */
TEST_F_TIMEOUT(bad, ipv6_inner_checked, 180)
{
	struct craft c = { .spi = SPI_NULL, .seq = 1, .v6 = 1 };

	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_IN, "2001:db8:10::", 64,
				      "2001:db8:77::", 64, SPI_NULL))
		TH_LOG("%s", self->nl.err_msg);
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_PACKETS));
	c.seq++;
	c.inner_src = "2001:db8:11::5";			/* no policy allows it */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_DROP_POLICY));
	c.inner_src = NULL;
	c.seq++;
	c.v6_plen = 200;				/* beyond the packet */
	ASSERT_EQ(0, send_null(self->raw, &c));
	c.seq++;
	c.v6_plen = -1;					/* 0: a jumbogram */
	ASSERT_EQ(0, send_null(self->raw, &c));
	c.seq++;
	c.v6_plen = 0;
	c.v6_version = 4;				/* not IPv6 under 41 */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(3, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_DROP_BAD_LEN));
	c.seq++;
	c.v6_version = 0;
	c.v6_nexthdr = 4;	/* IPv6 labelled IPv4, as vpnc does: unsupported */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(1, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_DROP_OTHER));
	c.seq++;
	c.v6_nexthdr = 0;				/* and good again */
	ASSERT_EQ(0, send_null(self->raw, &c));
	EXPECT_EQ(2, stat_of(_metadata, self, SPI_NULL, EVS_STATS_A_RX_PACKETS));
}

/* Capture the next ESP packet the peer's xfrm sends to us (triggered by a
 * ping); returns the ESP bytes (outer IPv4 header stripped). */
static int capture_esp(FIXTURE_DATA(bad) *self, uint8_t *buf, int max)
{
	struct pollfd pfd = { .fd = self->cap, .events = POLLIN };
	uint8_t pkt[2048];
	int n, hl;

	if (evs_sh("ip netns exec %s ping -q -c 1 -W 5 -I " EVS_T_B_INNER " "
		   EVS_T_A_INNER " >/dev/null", self->topo.b))
		return -1;
	while (poll(&pfd, 1, 2000) > 0) {
		n = recv(self->cap, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (n < 28 || pkt[0] >> 4 != 4 || pkt[9] != IPPROTO_ESP)
			continue;
		hl = (pkt[0] & 15) * 4;
		if (ntohl(*(uint32_t *)(pkt + hl)) != SPI_GCM_IN || n - hl > max)
			continue;
		memcpy(buf, pkt + hl, n - hl);
		return n - hl;
	}
	return -1;
}

static int send_esp(int raw, const uint8_t *esp, int len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	inet_pton(AF_INET, EVS_T_A_OUTER, &to.sin_addr);
	return sendto(raw, esp, len, 0, (struct sockaddr *)&to, sizeof(to)) ==
	       len ? 0 : -errno;
}

TEST_F_TIMEOUT(bad, real_packets_replayed_tampered_truncated, 180)
{
	int s = SPI_GCM_IN, len;
	uint8_t esp[2048];
	uint64_t rx;

	len = capture_esp(self, esp, sizeof(esp));
	ASSERT_LT(40, len);
	rx = stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS);
	EXPECT_LE(1, rx);

	/* The same packet again: replay. */
	ASSERT_EQ(0, send_esp(self->raw, esp, len));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));

	/* A fresh sequence number but the old ICV: authentication fails
	 * (the sequence number is authenticated data). */
	*(uint32_t *)(esp + 4) = htonl(ntohl(*(uint32_t *)(esp + 4)) + 10);
	ASSERT_EQ(0, send_esp(self->raw, esp, len));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_AUTH));
	/* Flipped ICV bit on that fresh number: authentication again. */
	esp[len - 1] ^= 1;
	ASSERT_EQ(0, send_esp(self->raw, esp, len));
	EXPECT_EQ(2, stat_of(_metadata, self, s, EVS_STATS_A_DROP_AUTH));

	/* Shorter than header + IV + ICV. */
	ASSERT_EQ(0, send_esp(self->raw, esp, 8 + 8 + 10));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_BAD_LEN));

	/* None of it moved the window or broke the SA. */
	len = capture_esp(self, esp, sizeof(esp));
	ASSERT_LT(40, len);
	EXPECT_LT(rx, stat_of(_metadata, self, s, EVS_STATS_A_RX_PACKETS));
	EXPECT_EQ(1, stat_of(_metadata, self, s, EVS_STATS_A_DROP_REPLAY));
}

struct ev_seen {
	int deleted_exhausted;
	int hard_expire;
};

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct ev_seen *ev = data;
	struct nlattr *a;

	a = evs_nl_attr(nlh, EVS_A_REASON);
	if (g->cmd == EVS_CMD_EV_SA_DELETED && a &&
	    mnl_attr_get_u8(a) == EVS_REASON_SEQ_EXHAUSTED)
		ev->deleted_exhausted++;
	if (g->cmd == EVS_CMD_EV_EXPIRE && evs_nl_attr(nlh, EVS_A_EXPIRE_HARD))
		ev->hard_expire++;
	return MNL_CB_OK;
}

TEST_F_TIMEOUT(bad, sequence_exhaustion, 180)
{
	struct evs_t_sa gcm = {
		.dir = EVS_DIR_OUT, .spi = 0x1002, .src = EVS_T_A_OUTER,
		.dst = EVS_T_B_OUTER, .aead = "rfc4106(gcm(aes))",
		.aead_key = GCM_KEY, .icv_bits = 128,
		.oseq = 0xfffffffdull,	/* next packets: ...fe, ...ff, stop */
	};
	uint64_t st[EVS_STATS_A_MAX + 1];
	struct pollfd pfd;
	struct evs_nl ev;
	struct ev_seen seen = {};
	char buf[8192];
	int i, n, gone = 0;

	/* Swap the outbound SA for one near the end of its counter. */
	ASSERT_EQ(0, evs_sh("ip -n %s xfrm state add src " EVS_T_A_OUTER " dst "
			    EVS_T_B_OUTER " proto esp spi %d reqid 1 mode tunnel"
			    " aead 'rfc4106(gcm(aes))' " GCM_KEY " 128 replay-window 32",
			    self->topo.b, 0x1002));
	ASSERT_EQ(0, evs_sh("ip -n %s xfrm state del src " EVS_T_A_OUTER " dst "
			    EVS_T_B_OUTER " proto esp spi %d", self->topo.b,
			    SPI_GCM_OUT));
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &gcm)) TH_LOG("%s", self->nl.err_msg);
	{
		struct nlmsghdr *nlh = evs_nl_req(&self->nl, EVS_CMD_POLICY_FLUSH, 0);

		mnl_attr_put_strz(nlh, EVS_A_IFNAME, "evs0");
		ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, NULL, NULL));
	}
	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_OUT, "192.168.77.0", 24,
				      EVS_T_B_INNER, 32, 0x1002));
	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_IN, EVS_T_B_INNER, 32,
				      "192.168.77.0", 24, SPI_GCM_IN));

	ASSERT_EQ(0, evs_t_nl_open_events(&ev));

	/* Two echo requests fit in the counter, the third does not. */
	EXPECT_EQ(0, evs_sh("ip netns exec %s ping -c 4 -i 0.3 -W 2 -I "
			    EVS_T_A_INNER " " EVS_T_B_INNER
			    " | grep -q ' 2 received'", self->topo.a));

	pfd.fd = mnl_socket_get_fd(ev.sock);
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 3000) > 0) {
		n = mnl_socket_recvfrom(ev.sock, buf, sizeof(buf));
		if (n <= 0)
			break;
		mnl_cb_run(buf, n, 0, 0, ev_cb, &seen);
		if (seen.deleted_exhausted)
			break;
	}
	evs_t_nl_close(&ev);
	EXPECT_LE(1, seen.hard_expire + seen.deleted_exhausted);
	EXPECT_EQ(1, seen.deleted_exhausted);
	for (i = 0; i < 20 && !gone; i++) {
		gone = evs_t_sa_stats(&self->nl, EVS_DIR_OUT, 0x1002, st) == -ENOENT;
		usleep(100 * 1000);
	}
	EXPECT_TRUE(gone) TH_LOG("the exhausted SA is still there");
}

TEST_HARNESS_MAIN
