// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized malformed ESP and ESP-in-UDP at evs.ko, with every packet
 * accounted for: for each SA, delivered + the sum of its per-reason drop
 * counters + its dummy packets (next header 59, RFC 4303 2.6) must equal
 * the packets sent to it, short only by what the kernel itself counted as
 * lost from its input backlog.
 *
 * evs-selftest-timeout: 900
 * Several CPUs receive at once (its backlog accounting is per CPU):
 * evs-selftest-cpus: 2
 *
 * Four inbound SAs, each with an inbound policy for its own inner prefix:
 *  - RAW: null crypto, raw ESP, 32-packet window;
 *  - ESN: null crypto, raw ESP, extended sequence numbers, counting from
 *    just below 2^32 so the low half wraps;
 *  - UDP: null crypto, ESP-in-UDP on port 4500;
 *  - GCM: rfc4106(gcm(aes)) with a key the sender does not use, so every
 *    packet that reaches the ICV check fails it.
 * Each packet starts valid and is then mutated at random: truncated, bad
 * padding bytes, bad pad length, bad next header, a dummy (next header
 * 59), spoofed inner source, random bytes, replayed, old, zero or
 * far-ahead sequence numbers.
 *
 * EVS_FUZZ_SECONDS (default 30) sets the duration, EVS_FUZZ_SEED the seed
 * (default: from the clock); the seed is printed so a failure reproduces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <kselftest_harness.h>

#include "evs_esp_util.h"

enum { SA_RAW, SA_ESN, SA_UDP, SA_GCM, N_SA };

static const uint32_t spis[N_SA] = { 0x5001, 0x5002, 0x5003, 0x5004 };
/* Inner source prefix each SA's policy allows: 10.77.<n+1>.0/24. */
#define INNER_NET(n)	(0x0a4d0000u | ((n) + 1) << 8)

#define GCM_KEY		"0x0102030405060708090a0b0c0d0e0f1011121314"

FIXTURE(fuzz) {
	struct evs_t_topo topo;
	struct evs_nl nl;
	int raw;		/* raw ESP socket, namespace B */
	int udp;		/* UDP/4500 socket, namespace B */
	int daemon;		/* "evsd's" UDP/4500 socket, namespace A */
	bool esn;		/* the ESN SA could be added */
};

FIXTURE_SETUP(fuzz)
{
	struct evs_t_sa sa = {
		.dir = EVS_DIR_IN, .src = EVS_T_B_OUTER, .dst = EVS_T_A_OUTER,
		.enc = "ecb(cipher_null)", .enc_key = "", .auth = "digest_null",
		.auth_key = "", .replay_window = 32,
	};
	struct nlmsghdr *nlh;
	char prefix[32];
	int i;

	self->raw = self->udp = self->daemon = -1;
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, evs_t_topo_up(&self->topo, "fz"));
	ASSERT_EQ(0, evs_t_enter(self->topo.b));
	self->raw = socket(AF_INET, SOCK_RAW, IPPROTO_ESP);
	ASSERT_LE(0, self->raw);
	self->udp = evs_t_udp_socket(4500);
	ASSERT_LE(0, self->udp);
	ASSERT_EQ(0, evs_t_enter(self->topo.a));
	self->daemon = evs_t_udp_socket(4500);
	ASSERT_LE(0, self->daemon);
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
	nlh = evs_nl_req(&self->nl, EVS_CMD_ENCAP_ATTACH, 0);
	mnl_attr_put_u32(nlh, EVS_A_ENCAP_FD, self->daemon);
	ASSERT_EQ(0, evs_nl_talk(&self->nl, nlh, NULL, NULL))
		TH_LOG("%s", self->nl.err_msg);

	sa.spi = spis[SA_RAW];
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &sa)) TH_LOG("%s", self->nl.err_msg);
	sa.spi = spis[SA_ESN];
	sa.flags = EVS_SA_F_ESN;
	sa.replay_window = 64;
	self->esn = evs_t_sa_add(&self->nl, &sa) == 0;
	if (!self->esn)
		TH_LOG("no ESN SA with null crypto: %s", self->nl.err_msg);
	sa.flags = 0;
	sa.replay_window = 32;
	sa.spi = spis[SA_UDP];
	sa.sport = sa.dport = 4500;
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &sa)) TH_LOG("%s", self->nl.err_msg);
	sa.sport = sa.dport = 0;
	sa.spi = spis[SA_GCM];
	sa.aead = "rfc4106(gcm(aes))";
	sa.aead_key = GCM_KEY;
	sa.icv_bits = 128;
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &sa)) TH_LOG("%s", self->nl.err_msg);
	for (i = 0; i < N_SA; i++) {
		if (i == SA_ESN && !self->esn)
			continue;
		snprintf(prefix, sizeof(prefix), "10.77.%d.0", i + 1);
		ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_IN, prefix, 24,
					      "192.168.77.0", 24, spis[i]))
			TH_LOG("%s", self->nl.err_msg);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	evs_t_teardown(&self->topo, &self->nl, 3, self->raw, self->udp,
		       self->daemon);
}

static uint16_t ip_csum(const void *p)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	int i;

	for (i = 0; i < 20; i += 2)
		s += b[i] << 8 | b[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons(~s);
}

/* Per-SA sequence state, to pick fresh, replayed and old numbers. */
struct seqs {
	uint64_t next;		/* next fresh number (64 bits for ESN) */
	uint32_t sent[64];	/* recent low halves, for replays */
	unsigned int n;
};

/* Fresh, replayed, old, zero, far-ahead or late-in-window numbers; fully
 * random ones only when @wild (an SA whose packets never authenticate: on
 * the others one would move the window to anywhere in 2^32 and turn the
 * rest of the run into replays).
 */
static uint32_t pick_seq(struct seqs *s, bool wild)
{
	uint32_t r = evs_t_rnd_below(100), seq;

	if (r < 60 || !s->n) {
		seq = (uint32_t)s->next++;
	} else if (r < 75) {
		seq = s->sent[evs_t_rnd_below(s->n < 64 ? s->n : 64)];	/* replay */
	} else if (r < 82) {
		seq = (uint32_t)(s->next - 33 - evs_t_rnd_below(1000));	/* old */
	} else if (r < 85) {
		seq = 0;
	} else if (r < 92) {
		s->next += 1 + evs_t_rnd_below(5000);				/* jump */
		seq = (uint32_t)s->next++;
	} else if (wild) {
		seq = evs_t_rnd();
	} else {
		seq = (uint32_t)(s->next - 1 - evs_t_rnd_below(31));	/* late */
	}
	s->sent[s->n++ % 64] = seq;
	return seq;
}

/* One packet for SA @i into @pkt: a valid null-crypto ESP packet around
 * inner UDP, then mutated.  Returns its length (at least the 8-byte ESP
 * header, so that it is always ours to count).
 */
static int build(uint8_t *pkt, int i, struct seqs *s)
{
	struct iphdr *ip = (struct iphdr *)(pkt + 8);
	int payload = evs_t_rnd_below(200), len, pad, k, blk;
	uint8_t *p;

	memset(pkt, 0, 1600);
	*(uint32_t *)pkt = htonl(spis[i]);
	*(uint32_t *)(pkt + 4) = htonl(pick_seq(s, i == SA_GCM));
	if (i == SA_GCM) {
		/* Header, 8-byte IV, random body, 16-byte ICV: never
		 * authentic; sometimes not even whole blocks long.
		 */
		len = 8 + 8 + 4 * (1 + evs_t_rnd_below(60)) + 16 - (evs_t_rnd_below(8) == 0);
		for (k = 8; k < len; k++)
			pkt[k] = evs_t_rnd();
		return len;
	}
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(28 + payload);
	ip->saddr = htonl(INNER_NET(i) | (1 + evs_t_rnd_below(254)));
	if (evs_t_rnd_below(10) == 0)		/* spoofed: another SA's or foreign */
		ip->saddr = htonl(evs_t_rnd_below(2) ? INNER_NET((i + 1) % N_SA) | 5 : evs_t_rnd());
	inet_pton(AF_INET, EVS_T_A_INNER, &ip->daddr);
	ip->check = ip_csum(ip);
	p = (uint8_t *)(ip + 1);
	p[0] = 0x30;
	p[1] = 0x39;
	p[3] = 9;			/* discard */
	p[4] = (8 + payload) >> 8;
	p[5] = (8 + payload) & 0xff;
	for (k = 0; k < payload; k++)
		p[8 + k] = evs_t_rnd();
	len = 8 + 28 + payload;
	blk = 4;
	pad = (blk - (len - 8 + 2) % blk) % blk + blk * evs_t_rnd_below(3);
	for (k = 0; k < pad; k++)
		pkt[len + k] = k + 1;
	len += pad;
	pkt[len++] = pad;
	pkt[len++] = 4;			/* next header: IPv4 */

	switch (evs_t_rnd_below(12)) {
	case 0:				/* truncated anywhere past the header */
		len = 8 + evs_t_rnd_below(len - 8);
		break;
	case 1:				/* bad padding bytes */
		if (pad)
			pkt[len - 3 - evs_t_rnd_below(pad)] ^= 0x80;
		break;
	case 2:				/* pad length beyond the payload */
		pkt[len - 2] = 200 + evs_t_rnd_below(56);
		break;
	case 3:				/* next header: anything but 4 and 59 */
		do
			pkt[len - 1] = evs_t_rnd();
		while (pkt[len - 1] == 4 || pkt[len - 1] == 59);
		break;
	case 4:				/* inner header: a random byte */
		pkt[8 + evs_t_rnd_below(20)] = evs_t_rnd();
		break;
	case 5:				/* inner length beyond the packet */
		ip->tot_len = htons(ntohs(ip->tot_len) + 1 + evs_t_rnd_below(2000));
		break;
	case 6:				/* a random byte past the header */
		pkt[8 + evs_t_rnd_below(len - 8)] = evs_t_rnd();
		break;
	case 7:				/* a dummy packet (RFC 4303 2.6) */
		pkt[len - 1] = 59;
		break;
	default:			/* as built */
		break;
	}
	return len;
}

static int send_one(FIXTURE_DATA(fuzz) *self, int i, const uint8_t *pkt, int len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	inet_pton(AF_INET, EVS_T_A_OUTER, &to.sin_addr);
	if (i == SA_UDP) {
		to.sin_port = htons(4500);
		return sendto(self->udp, pkt, len, 0, (struct sockaddr *)&to,
			      sizeof(to)) == len ? 0 : -errno;
	}
	return sendto(self->raw, pkt, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == len ? 0 : -errno;
}

static const char * const drop_names[] = {
	[EVS_STATS_A_DROP_NO_SA] = "no_sa", [EVS_STATS_A_DROP_REPLAY] = "replay",
	[EVS_STATS_A_DROP_AUTH] = "auth", [EVS_STATS_A_DROP_BAD_LEN] = "bad_len",
	[EVS_STATS_A_DROP_POLICY] = "policy",
	[EVS_STATS_A_DROP_NO_POLICY] = "no_policy",
	[EVS_STATS_A_DROP_EXPIRED] = "expired",
	[EVS_STATS_A_DROP_ENCAP] = "encap", [EVS_STATS_A_DROP_CIPHER] = "cipher",
	[EVS_STATS_A_DROP_OTHER] = "other",
};

/* Packets the kernel dropped from its per-CPU input backlogs (second
 * column of /proc/net/softnet_stat, summed): lost before evs sees them.
 */
static uint64_t backlog_drops(void)
{
	unsigned int processed, dropped;
	uint64_t sum = 0;
	char line[256];
	FILE *f = fopen("/proc/net/softnet_stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x %x", &processed, &dropped) == 2)
			sum += dropped;
	fclose(f);
	return sum;
}

/* Counted = delivered + every drop reason + dummy packets; 0 when the SA
 * is gone.
 */
static uint64_t counted(struct __test_metadata *_metadata,
			FIXTURE_DATA(fuzz) *self, int i, bool log)
{
	uint64_t st[EVS_STATS_A_MAX + 1] = {}, sum;
	char line[512];
	int a, off;

	EXPECT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_IN, spis[i], st));
	sum = st[EVS_STATS_A_RX_PACKETS];
	off = snprintf(line, sizeof(line), "delivered %llu",
		       (unsigned long long)sum);
	for (a = EVS_STATS_A_DROP_NO_SA; a <= EVS_STATS_A_DROP_OTHER; a++) {
		sum += st[a];
		if (st[a] && off < (int)sizeof(line))
			off += snprintf(line + off, sizeof(line) - off, " %s %llu",
					drop_names[a], (unsigned long long)st[a]);
	}
	sum += st[EVS_STATS_A_RX_DUMMY];
	if (off < (int)sizeof(line))
		snprintf(line + off, sizeof(line) - off, ", dummy %llu",
			 (unsigned long long)st[EVS_STATS_A_RX_DUMMY]);
	if (log)
		TH_LOG("SA 0x%x: %s", spis[i], line);
	return sum;
}

TEST_F_TIMEOUT(fuzz, every_packet_counted, 7200)
{
	uint64_t sent[N_SA] = {}, total = 0, missing = 0, lost, got;
	struct seqs seqs[N_SA] = {};
	static uint8_t pkt[1600];
	long seconds;
	time_t end;
	int i, len, tries;

	evs_t_fuzz_start("esp_fuzz", &seconds);
	lost = backlog_drops();
	/* Far enough from 0 that old and late numbers never wrap to just
	 * below 2^32 (authentic there, they would end the SA's life).
	 */
	seqs[SA_RAW].next = seqs[SA_UDP].next = seqs[SA_GCM].next = 2000;
	/* The low half wraps a few thousand packets in. */
	seqs[SA_ESN].next = 0xffffffffULL - 2000;

	ASSERT_EQ(0, evs_t_enter(self->topo.b));
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		for (tries = 0; tries < 64; tries++) {
			i = evs_t_rnd_below(N_SA);
			if (i == SA_ESN && !self->esn)
				continue;
			len = build(pkt, i, &seqs[i]);
			if (send_one(self, i, pkt, len) == 0) {
				sent[i]++;
				total++;
			}
		}
		usleep(1000);	/* let softirq keep up with the sender */
	}
	ASSERT_EQ(0, evs_t_enter(self->topo.a));
	sleep(2);
	printf("# esp_fuzz: %llu packets sent\n", (unsigned long long)total);
	fflush(stdout);
	lost = backlog_drops() - lost;
	for (i = 0; i < N_SA; i++) {
		if (i == SA_ESN && !self->esn)
			continue;
		got = counted(_metadata, self, i, true);
		EXPECT_LE(got, sent[i]) TH_LOG("SA 0x%x: counted more than sent",
					       spis[i]);
		if (got < sent[i]) {
			TH_LOG("SA 0x%x: %llu sent, %llu not counted", spis[i],
			       (unsigned long long)sent[i],
			       (unsigned long long)(sent[i] - got));
			missing += sent[i] - got;
		}
	}
	/* The only packets allowed to go uncounted are those the kernel
	 * counted as lost from its input backlog before evs saw them.
	 */
	TH_LOG("%llu lost from the input backlog", (unsigned long long)lost);
	EXPECT_EQ(lost, missing);
}

TEST_HARNESS_MAIN
