// SPDX-License-Identifier: GPL-2.0
/*
 * SA and policy control plane of evs.ko: validation with extack messages,
 * duplicate SPIs, keys never read back, 10,000 SAs and policies, dumps
 * under concurrent change, namespace isolation, lifetimes by packets,
 * bytes and seconds (soft then hard events, SA and policies removed), and
 * the no-policy drop counter.  Each test runs in a network namespace of
 * its own; traffic stays on a veth pair inside it.
 *
 * evs-selftest-timeout: 600
 * Its dumps and floods race the control plane: two vCPUs, so that they
 * really run at once.
 * evs-selftest-cpus: 2
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <kselftest_harness.h>

#include "evs_esp_util.h"

#define LOCAL	"203.0.113.1"
#define PEER	"203.0.113.2"

/* ---- request builders ------------------------------------------------- */

struct sa_opts {
	uint8_t dir;
	uint32_t spi;
	const char *aead;		/* NULL: enc + auth */
	const uint8_t *key;
	int keylen;
	uint32_t icv;
	const char *enc, *auth;
	const uint8_t *akey;		/* authentication key, if any */
	int akeylen;
	uint32_t flags;
	uint64_t lft[EVS_LFT_A_MAX + 1];
	bool no_spi;
	const char *src, *dst;		/* default: this side is LOCAL */
	uint64_t oseq;			/* last outbound sequence used */
	uint32_t conn;			/* owning connection */
};

static const uint8_t gcm_key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				     13, 14, 15, 16, 0xa, 0xb, 0xc, 0xd };

static void put_addr(struct nlmsghdr *nlh, int type, const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	mnl_attr_put(nlh, type, 4, &a);
}

static struct nlmsghdr *sa_req(struct evs_nl *nl, uint8_t cmd, int ifindex,
			       const struct sa_opts *o)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, 0);
	struct nlattr *sa, *lft;
	int i;

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, ifindex);
	sa = mnl_attr_nest_start(nlh, EVS_A_SA);
	mnl_attr_put_u8(nlh, EVS_SA_A_DIR, o->dir);
	if (!o->no_spi)
		mnl_attr_put_u32(nlh, EVS_SA_A_SPI, o->spi);
	if (cmd == EVS_CMD_SA_ADD) {
		mnl_attr_put_u16(nlh, EVS_SA_A_FAMILY, AF_INET);
		put_addr(nlh, EVS_SA_A_SRC, o->src ? o->src :
			 o->dir == EVS_DIR_OUT ? LOCAL : PEER);
		put_addr(nlh, EVS_SA_A_DST, o->dst ? o->dst :
			 o->dir == EVS_DIR_OUT ? PEER : LOCAL);
		if (o->aead) {
			mnl_attr_put_strz(nlh, EVS_SA_A_AEAD_NAME, o->aead);
			mnl_attr_put(nlh, EVS_SA_A_AEAD_KEY, o->keylen, o->key);
			mnl_attr_put_u32(nlh, EVS_SA_A_AEAD_ICV_BITS, o->icv);
		} else {
			mnl_attr_put_strz(nlh, EVS_SA_A_ENC_NAME, o->enc);
			if (o->keylen)
				mnl_attr_put(nlh, EVS_SA_A_ENC_KEY, o->keylen,
					     o->key);
			mnl_attr_put_strz(nlh, EVS_SA_A_AUTH_NAME, o->auth);
			if (o->akeylen)
				mnl_attr_put(nlh, EVS_SA_A_AUTH_KEY,
					     o->akeylen, o->akey);
		}
		if (o->flags)
			mnl_attr_put_u32(nlh, EVS_SA_A_FLAGS, o->flags);
		if (o->oseq)
			mnl_attr_put_u64(nlh, EVS_SA_A_OSEQ, o->oseq);
		if (o->conn)
			mnl_attr_put_u32(nlh, EVS_SA_A_CONN_ID, o->conn);
	}
	for (i = 0; i <= EVS_LFT_A_MAX; i++)
		if (o->lft[i])
			break;
	if (i <= EVS_LFT_A_MAX) {
		lft = mnl_attr_nest_start(nlh, EVS_SA_A_LIMITS);
		for (i = 0; i <= EVS_LFT_A_MAX; i++)
			if (o->lft[i])
				mnl_attr_put_u64(nlh, i, o->lft[i]);
		mnl_attr_nest_end(nlh, lft);
	}
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

static void gcm_opts(struct sa_opts *o, uint8_t dir, uint32_t spi)
{
	memset(o, 0, sizeof(*o));
	o->dir = dir;
	o->spi = spi;
	o->aead = "rfc4106(gcm(aes))";
	o->key = gcm_key;
	o->keylen = sizeof(gcm_key);
	o->icv = 128;
}

static void null_opts(struct sa_opts *o, uint8_t dir, uint32_t spi)
{
	memset(o, 0, sizeof(*o));
	o->dir = dir;
	o->spi = spi;
	o->enc = "ecb(cipher_null)";
	o->auth = "digest_null";
}

static int sa_add(struct evs_nl *nl, int ifindex, const struct sa_opts *o)
{
	return evs_nl_talk(nl, sa_req(nl, EVS_CMD_SA_ADD, ifindex, o), NULL,
			   NULL);
}

static int sa_simple(struct evs_nl *nl, uint8_t cmd, int ifindex, uint8_t dir,
		     uint32_t spi, mnl_cb_t cb, void *data)
{
	struct sa_opts o = { .dir = dir, .spi = spi };

	return evs_nl_talk(nl, sa_req(nl, cmd, ifindex, &o), cb, data);
}

struct pol_opts {
	uint8_t dir, action, proto;
	const char *src, *dst;
	int src_plen, dst_plen;		/* -1: attribute left out */
	uint16_t sport, dport;
	uint32_t spi, priority, conn;
};

static struct nlmsghdr *pol_req(struct evs_nl *nl, uint8_t cmd, int ifindex,
				const struct pol_opts *o)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, 0);
	struct nlattr *p;

	mnl_attr_put_u32(nlh, EVS_A_IFINDEX, ifindex);
	p = mnl_attr_nest_start(nlh, EVS_A_POLICY);
	mnl_attr_put_u8(nlh, EVS_POL_A_DIR, o->dir);
	if (o->src)
		put_addr(nlh, EVS_POL_A_SRC, o->src);
	if (o->src_plen >= 0)
		mnl_attr_put_u8(nlh, EVS_POL_A_SRC_PLEN, o->src_plen);
	if (o->dst)
		put_addr(nlh, EVS_POL_A_DST, o->dst);
	if (o->dst_plen >= 0)
		mnl_attr_put_u8(nlh, EVS_POL_A_DST_PLEN, o->dst_plen);
	if (o->proto)
		mnl_attr_put_u8(nlh, EVS_POL_A_PROTO, o->proto);
	if (o->sport)
		mnl_attr_put_u16(nlh, EVS_POL_A_SPORT, o->sport);
	if (o->dport)
		mnl_attr_put_u16(nlh, EVS_POL_A_DPORT, o->dport);
	if (cmd == EVS_CMD_POLICY_ADD) {
		mnl_attr_put_u8(nlh, EVS_POL_A_ACTION, o->action);
		if (o->spi)
			mnl_attr_put_u32(nlh, EVS_POL_A_SPI, o->spi);
		if (o->priority)
			mnl_attr_put_u32(nlh, EVS_POL_A_PRIORITY, o->priority);
		if (o->conn)
			mnl_attr_put_u32(nlh, EVS_POL_A_CONN_ID, o->conn);
	}
	mnl_attr_nest_end(nlh, p);
	return nlh;
}

static int pol_add(struct evs_nl *nl, int ifindex, const struct pol_opts *o)
{
	return evs_nl_talk(nl, pol_req(nl, EVS_CMD_POLICY_ADD, ifindex, o),
			   NULL, NULL);
}

/* ---- reply parsing ---------------------------------------------------- */

static struct nlattr *nested(const struct nlattr *nest, int type)
{
	struct nlattr *a;

	if (!nest)
		return NULL;
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

struct sa_seen {
	int n, dups;
	uint32_t spi[64];		/* first ones, for checks */
	int n_keys;			/* key attributes seen: must stay 0 */
	uint32_t key_bits, state;
	uint64_t packets;
	uint64_t rx_packets, drop_policy;
	unsigned char *bitmap;		/* optional: SPI seen (dup check) */
	uint32_t bitmap_base, bitmap_len;
};

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sa_seen *s = data;
	struct nlattr *sa = evs_nl_attr(nlh, EVS_A_SA), *a;
	uint32_t spi;

	if (!sa)
		return MNL_CB_OK;
	a = nested(sa, EVS_SA_A_SPI);
	spi = a ? mnl_attr_get_u32(a) : 0;
	if (s->n < 64)
		s->spi[s->n] = spi;
	s->n++;
	if (nested(sa, EVS_SA_A_AEAD_KEY) || nested(sa, EVS_SA_A_ENC_KEY) ||
	    nested(sa, EVS_SA_A_AUTH_KEY))
		s->n_keys++;
	a = nested(sa, EVS_SA_A_KEY_BITS);
	if (a)
		s->key_bits = mnl_attr_get_u32(a);
	a = nested(sa, EVS_SA_A_STATE);
	if (a)
		s->state = mnl_attr_get_u8(a);
	a = nested(nested(sa, EVS_SA_A_CURLFT), EVS_LFT_A_PACKETS);
	if (a)
		s->packets = mnl_attr_get_u64(a);
	a = nested(nested(sa, EVS_SA_A_STATS), EVS_STATS_A_RX_PACKETS);
	if (a)
		s->rx_packets = mnl_attr_get_u64(a);
	a = nested(nested(sa, EVS_SA_A_STATS), EVS_STATS_A_DROP_POLICY);
	if (a)
		s->drop_policy = mnl_attr_get_u64(a);
	if (s->bitmap && spi >= s->bitmap_base &&
	    spi - s->bitmap_base < s->bitmap_len) {
		if (s->bitmap[spi - s->bitmap_base])
			s->dups++;
		s->bitmap[spi - s->bitmap_base] = 1;
	}
	return MNL_CB_OK;
}

static int sa_dump(struct evs_nl *nl, struct sa_seen *s)
{
	return evs_nl_talk(nl, evs_nl_req(nl, EVS_CMD_SA_GET, NLM_F_DUMP),
			   sa_cb, s);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

static int pol_count(struct evs_nl *nl)
{
	int n = 0;

	if (evs_nl_talk(nl, evs_nl_req(nl, EVS_CMD_POLICY_GET, NLM_F_DUMP),
			count_cb, &n))
		return -1;
	return n;
}

/* ---- events ----------------------------------------------------------- */

struct event {
	uint8_t cmd;
	uint32_t spi;
	bool hard;
	int reason;			/* -1: none */
	uint64_t add_time;		/* CURLFT ADD_TIME, boottime s */
};

static struct mnl_socket *events_open(struct evs_nl *nl)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_GENERIC);
	int group = nl->events_group;

	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	return s;
}

/* Next event within @ms milliseconds; false on timeout. */
static bool event_next(struct mnl_socket *s, int ms, struct event *ev)
{
	static char buf[EVS_NL_BUFSZ];
	static int len, off;
	struct pollfd pfd = { .fd = mnl_socket_get_fd(s), .events = POLLIN };
	struct nlmsghdr *nlh;
	struct nlattr *sa, *a;

	for (;;) {
		while (off < len) {
			nlh = (struct nlmsghdr *)(buf + off);
			if (!mnl_nlmsg_ok(nlh, len - off)) {
				off = len;
				break;
			}
			off += NLMSG_ALIGN(nlh->nlmsg_len);
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			memset(ev, 0, sizeof(*ev));
			ev->cmd = ((struct genlmsghdr *)
				   mnl_nlmsg_get_payload(nlh))->cmd;
			sa = evs_nl_attr(nlh, EVS_A_SA);
			a = nested(sa, EVS_SA_A_SPI);
			ev->spi = a ? mnl_attr_get_u32(a) : 0;
			ev->hard = evs_nl_attr(nlh, EVS_A_EXPIRE_HARD) != NULL;
			a = nested(nested(sa, EVS_SA_A_CURLFT),
				   EVS_LFT_A_ADD_TIME);
			ev->add_time = a ? mnl_attr_get_u64(a) : 0;
			a = evs_nl_attr(nlh, EVS_A_REASON);
			ev->reason = a ? mnl_attr_get_u8(a) : -1;
			return true;
		}
		if (poll(&pfd, 1, ms) <= 0)
			return false;
		len = mnl_socket_recvfrom(s, buf, sizeof(buf));
		off = 0;
		if (len <= 0)
			return false;
	}
}

/* Wait for an event of @cmd about @spi (others are skipped). */
static bool event_wait(struct mnl_socket *s, int ms, uint8_t cmd, uint32_t spi,
		       struct event *ev)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
				  (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || !event_next(s, left, ev))
			return false;
		if (ev->cmd == cmd && ev->spi == spi)
			return true;
	}
}

/* ---- fixture ---------------------------------------------------------- */

FIXTURE(sa) {
	struct evs_nl nl;
	int ifindex;
	int udp;			/* to send inner packets into evs0 */
};

FIXTURE_SETUP(sa)
{
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_sh("ip link set lo up && "
			    "ip link add v0 type veth peer name v1 && "
			    "ip addr add " LOCAL "/24 dev v0 && "
			    "ip link set v0 up && ip link set v1 up && "
			    "ip neigh add " PEER " lladdr 02:00:00:00:00:02 dev v0 && "
			    "ip link add evs0 type evs && "
			    "ip addr add 10.77.0.1/32 dev evs0 && "
			    "ip link set evs0 up && "
			    "ip route add 10.77.1.0/24 dev evs0 && "
			    "ip route add 10.77.2.0/24 dev evs0"));
	self->ifindex = if_nametoindex("evs0");
	ASSERT_NE(0, self->ifindex);
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
	self->udp = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, self->udp);
}

FIXTURE_TEARDOWN(sa)
{
	close(self->udp);
	evs_t_nl_close(&self->nl);
}

/* Send @n UDP datagrams with @payload bytes to @dst port 9. */
static int send_udp(int fd, const char *dst, int n, int payload)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(9) };
	char buf[2048] = {};
	int i;

	inet_pton(AF_INET, dst, &sin.sin_addr);
	for (i = 0; i < n; i++)
		if (sendto(fd, buf, payload, 0, (struct sockaddr *)&sin,
			   sizeof(sin)) != payload)
			return -1;
	return 0;
}

/* ---- tests ------------------------------------------------------------ */

TEST_F_TIMEOUT(sa, bad_attributes_explained, 300)
{
	static const uint8_t k15[15], k16[16];
	struct pol_opts p = { .src_plen = -1, .dst_plen = -1 };
	struct sa_opts o;

	gcm_opts(&o, EVS_DIR_OUT, 0x1000);
	o.no_spi = true;
	EXPECT_EQ(-EINVAL, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("no SPI: \"%s\"", self->nl.err_msg);

	gcm_opts(&o, EVS_DIR_OUT, 0x10);	/* reserved SPI range */
	EXPECT_EQ(-ERANGE, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(0, self->nl.err_offset);

	gcm_opts(&o, EVS_DIR_OUT, 0x1000);
	o.aead = "gcm(nothing)";
	EXPECT_GT(0, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "unknown"));
	TH_LOG("bad algorithm: \"%s\"", self->nl.err_msg);

	memset(&o, 0, sizeof(o));
	o.dir = EVS_DIR_OUT;
	o.spi = 0x1000;
	o.enc = "cbc(aes)";
	o.auth = "hmac(sha256)";
	o.key = k15;
	o.keylen = sizeof(k15);
	EXPECT_GT(0, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "key"));
	TH_LOG("15-byte AES key: \"%s\"", self->nl.err_msg);

	o.enc = "cbc(des)";
	o.key = k16;
	o.keylen = 8;
	EXPECT_GT(0, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "weak"));
	TH_LOG("DES: \"%s\"", self->nl.err_msg);

	/* Policies: host bits, prefix too long, ports without protocol,
	 * an SPI with no SA behind it. */
	p.dir = EVS_DIR_OUT;
	p.action = EVS_POL_DROP;
	p.dst = "10.77.1.5";
	p.dst_plen = 24;
	EXPECT_EQ(-EINVAL, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "host bits"));
	p.dst = "10.77.1.0";
	p.dst_plen = 33;
	EXPECT_EQ(-EINVAL, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(0, strlen(self->nl.err_msg));
	TH_LOG("plen 33: \"%s\"", self->nl.err_msg);
	p.dst_plen = 24;
	p.dport = 80;
	EXPECT_EQ(-EINVAL, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "protocol"));
	p.dport = 0;
	p.action = EVS_POL_IPSEC;
	p.spi = 0x4242;
	EXPECT_EQ(-ENOENT, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "no SA"));
	TH_LOG("missing SA: \"%s\"", self->nl.err_msg);

	/* Not an evs device. */
	gcm_opts(&o, EVS_DIR_OUT, 0x1000);
	EXPECT_GT(0, sa_add(&self->nl, if_nametoindex("v0"), &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "evs device"));

	/* Nothing was left behind by the failures. */
	struct sa_seen s = {};

	ASSERT_EQ(0, sa_dump(&self->nl, &s));
	EXPECT_EQ(0, s.n);
	EXPECT_EQ(0, pol_count(&self->nl));
}

TEST_F_TIMEOUT(sa, duplicate_spi_refused_and_keys_never_read_back, 300)
{
	struct sa_seen s = {};
	struct sa_opts o;

	gcm_opts(&o, EVS_DIR_IN, 0x2000);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o))
		TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(-EEXIST, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "SPI"));
	EXPECT_NE(0, self->nl.err_offset);
	TH_LOG("duplicate: \"%s\"", self->nl.err_msg);

	/* The same SPI in the other direction is another SA. */
	gcm_opts(&o, EVS_DIR_OUT, 0x2000);
	EXPECT_EQ(0, sa_add(&self->nl, self->ifindex, &o));

	ASSERT_EQ(0, sa_simple(&self->nl, EVS_CMD_SA_GET, self->ifindex,
			       EVS_DIR_IN, 0x2000, sa_cb, &s));
	EXPECT_EQ(1, s.n);
	EXPECT_EQ(0x2000, s.spi[0]);
	EXPECT_EQ(0, s.n_keys);
	EXPECT_EQ(128, s.key_bits);

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sa_dump(&self->nl, &s));
	EXPECT_EQ(2, s.n);
	EXPECT_EQ(0, s.n_keys);

	EXPECT_EQ(0, sa_simple(&self->nl, EVS_CMD_SA_DEL, self->ifindex,
			       EVS_DIR_IN, 0x2000, NULL, NULL));
	EXPECT_EQ(-ENOENT, sa_simple(&self->nl, EVS_CMD_SA_DEL, self->ifindex,
				     EVS_DIR_IN, 0x2000, NULL, NULL));
	EXPECT_NE(0, strlen(self->nl.err_msg));
}

/* 10,000 SAs, each with a /32 policy, installed, dumped, flushed. */
TEST_F_TIMEOUT(sa, ten_thousand, 900)
{
	const int n = 10000;
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1 };
	unsigned char *seen = calloc(n, 1);
	struct sa_seen s = { .bitmap = seen, .bitmap_base = 0x10000,
			     .bitmap_len = n };
	char dst[32];
	struct sa_opts o;
	int i;

	ASSERT_NE(NULL, seen);
	for (i = 0; i < n; i++) {
		gcm_opts(&o, EVS_DIR_OUT, 0x10000 + i);
		ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o))
			TH_LOG("SA %d: %s", i, self->nl.err_msg);
		snprintf(dst, sizeof(dst), "10.77.%d.%d", i / 250 + 100,
			 i % 250 + 1);
		p.dst = dst;
		p.dst_plen = 32;
		p.spi = 0x10000 + i;
		ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p))
			TH_LOG("policy %d: %s", i, self->nl.err_msg);
	}
	ASSERT_EQ(0, sa_dump(&self->nl, &s));
	EXPECT_EQ(n, s.n);
	EXPECT_EQ(0, s.dups);
	EXPECT_EQ(0, s.n_keys);
	EXPECT_EQ(n, pol_count(&self->nl));

	/* Flushing the SAs takes their policies with them. */
	ASSERT_EQ(0, evs_nl_talk(&self->nl,
				 evs_nl_req(&self->nl, EVS_CMD_SA_FLUSH, 0),
				 NULL, NULL));
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sa_dump(&self->nl, &s));
	EXPECT_EQ(0, s.n);
	EXPECT_EQ(0, pol_count(&self->nl));
	free(seen);
}

/* Outbound SAs' packet counters, by SPI from EVS_TRAFFIC_BASE on. */
#define EVS_TRAFFIC_BASE	0x9000
#define EVS_TRAFFIC_N		256

struct traffic_seen {
	uint64_t tx[EVS_TRAFFIC_N];
	bool seen[EVS_TRAFFIC_N];
};

static int traffic_cb(const struct nlmsghdr *nlh, void *data)
{
	struct traffic_seen *t = data;
	struct nlattr *sa = evs_nl_attr(nlh, EVS_A_SA), *a;
	uint32_t spi;

	a = nested(sa, EVS_SA_A_SPI);
	if (!a)
		return MNL_CB_OK;
	spi = mnl_attr_get_u32(a) - EVS_TRAFFIC_BASE;
	if (spi >= EVS_TRAFFIC_N)
		return MNL_CB_OK;
	a = nested(nested(sa, EVS_SA_A_STATS), EVS_STATS_A_TX_PACKETS);
	t->tx[spi] = a ? mnl_attr_get_u64(a) : ~0ULL;
	t->seen[spi] = true;
	return MNL_CB_OK;
}

/* SA @i (SPI EVS_TRAFFIC_BASE + i) sends to 10.77.2.(i + 1). */
static int traffic_sa_add(struct evs_nl *nl, int ifindex, int i)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .dst_plen = 32, .action = EVS_POL_IPSEC,
			      .spi = EVS_TRAFFIC_BASE + i };
	char dst[32];
	struct sa_opts o;

	null_opts(&o, EVS_DIR_OUT, EVS_TRAFFIC_BASE + i);
	snprintf(dst, sizeof(dst), "10.77.2.%d", i + 1);
	p.dst = dst;
	return sa_add(nl, ifindex, &o) ?: pol_add(nl, ifindex, &p);
}

static int traffic_send(int fd, int i, int n)
{
	char dst[32];

	snprintf(dst, sizeof(dst), "10.77.2.%d", i + 1);
	return send_udp(fd, dst, n, 32);
}

/* Counters come from blocks shared by many SAs (kernel/traffic_pool.c):
 * each SA counts only its own packets, across block boundaries, and an SA
 * given a slot another SA had counted in starts from zero.
 */
TEST_F_TIMEOUT(sa, traffic_counters_are_each_sas_own, 300)
{
	struct traffic_seen *t = calloc(1, sizeof(*t));
	uint64_t want[EVS_TRAFFIC_N] = {};
	int i, first = 150;

	ASSERT_NE(NULL, t);
	for (i = 0; i < first; i++) {
		ASSERT_EQ(0, traffic_sa_add(&self->nl, self->ifindex, i))
			TH_LOG("SA %d: %s", i, self->nl.err_msg);
		want[i] = i % 5 + 1;
		ASSERT_EQ(0, traffic_send(self->udp, i, want[i]));
	}
	/* Free slots in the middle of blocks and a block's worth: the new
	 * SAs take them over.
	 */
	for (i = 10; i < 90; i++) {
		ASSERT_EQ(0, sa_simple(&self->nl, EVS_CMD_SA_DEL, self->ifindex,
				       EVS_DIR_OUT, EVS_TRAFFIC_BASE + i, NULL,
				       NULL));
		want[i] = 0;
	}
	/* Freed after an RCU grace period, from the work queue. */
	usleep(200 * 1000);
	for (i = first; i < EVS_TRAFFIC_N - 2; i++) {
		ASSERT_EQ(0, traffic_sa_add(&self->nl, self->ifindex, i))
			TH_LOG("SA %d: %s", i, self->nl.err_msg);
	}
	ASSERT_EQ(0, evs_nl_talk(&self->nl,
				 evs_nl_req(&self->nl, EVS_CMD_SA_GET,
					    NLM_F_DUMP), traffic_cb, t));
	for (i = first; i < EVS_TRAFFIC_N - 2; i++)
		EXPECT_EQ(0, t->tx[i]) TH_LOG("new SA %d", i);
	for (i = first; i < EVS_TRAFFIC_N - 2; i += 3) {
		want[i] = i % 4 + 1;
		ASSERT_EQ(0, traffic_send(self->udp, i, want[i]));
	}
	memset(t, 0, sizeof(*t));
	ASSERT_EQ(0, evs_nl_talk(&self->nl,
				 evs_nl_req(&self->nl, EVS_CMD_SA_GET,
					    NLM_F_DUMP), traffic_cb, t));
	for (i = 0; i < EVS_TRAFFIC_N - 2; i++) {
		EXPECT_EQ(!(i >= 10 && i < 90), t->seen[i]) TH_LOG("SA %d", i);
		if (t->seen[i])
			EXPECT_EQ(want[i], t->tx[i]) TH_LOG("SA %d", i);
	}
	free(t);
}

/* A dump racing with adds and deletes never repeats an SA and never
 * misses one that lived through the whole dump.  (A churned SPI may show
 * twice: deleted and added again it is another SA.) */
TEST_F_TIMEOUT(sa, dump_under_concurrent_change, 600)
{
	const int stable = 600, churn = 200;
	unsigned char seen[1200];
	struct sa_opts o;
	pid_t child;
	int i, round, status;

	for (i = 0; i < stable; i++) {
		null_opts(&o, EVS_DIR_IN, 0x20000 + i * 2);
		ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));
	}
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct evs_nl nl;

		if (evs_t_nl_open(&nl))
			_exit(1);
		for (round = 0;; round++) {
			for (i = 0; i < churn; i++) {
				null_opts(&o, EVS_DIR_IN, 0x30000 + i);
				if (sa_add(&nl, self->ifindex, &o))
					_exit(2);
			}
			for (i = 0; i < churn; i++)
				if (sa_simple(&nl, EVS_CMD_SA_DEL, self->ifindex,
					      EVS_DIR_IN, 0x30000 + i,
					      NULL, NULL))
					_exit(3);
		}
	}
	for (round = 0; round < 20; round++) {
		struct sa_seen s = { .bitmap = seen, .bitmap_base = 0x20000,
				     .bitmap_len = sizeof(seen) };
		int n_stable = 0;

		memset(seen, 0, sizeof(seen));
		ASSERT_EQ(0, sa_dump(&self->nl, &s));
		EXPECT_EQ(0, s.dups);
		for (i = 0; i < stable; i++)
			n_stable += seen[i * 2];
		EXPECT_EQ(stable, n_stable);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("churn child exited %d",
						WEXITSTATUS(status));
}

/* Two namespaces never see each other's SAs; an SPI may repeat. */
TEST_F_TIMEOUT(sa, namespaces_isolated, 300)
{
	int ns1 = open("/proc/self/ns/net", O_RDONLY);
	struct sa_seen s = {};
	struct evs_nl nl2;
	struct sa_opts o;
	int ifindex2;

	ASSERT_LE(0, ns1);
	null_opts(&o, EVS_DIR_IN, 0x3000);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));
	null_opts(&o, EVS_DIR_IN, 0x3001);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_sh("ip link add evs9 type evs"));
	ifindex2 = if_nametoindex("evs9");
	ASSERT_EQ(0, evs_t_nl_open(&nl2));
	ASSERT_EQ(0, sa_dump(&nl2, &s));
	EXPECT_EQ(0, s.n);
	null_opts(&o, EVS_DIR_IN, 0x3000);
	EXPECT_EQ(0, sa_add(&nl2, ifindex2, &o)) TH_LOG("%s", nl2.err_msg);
	/* The first namespace's device index means nothing here. */
	EXPECT_EQ(-ENOENT, sa_simple(&nl2, EVS_CMD_SA_DEL, ifindex2,
				     EVS_DIR_IN, 0x3001, NULL, NULL));
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sa_dump(&nl2, &s));
	EXPECT_EQ(1, s.n);

	/* Flushing here leaves the first namespace alone. */
	ASSERT_EQ(0, evs_nl_talk(&nl2, evs_nl_req(&nl2, EVS_CMD_SA_FLUSH, 0),
				 NULL, NULL));
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sa_dump(&self->nl, &s));
	EXPECT_EQ(2, s.n);
	evs_t_nl_close(&nl2);
	ASSERT_EQ(0, setns(ns1, CLONE_NEWNET));
	close(ns1);
}

struct link_stats {
	uint64_t v[EVS_STATS_A_MAX + 1];
};

/* Interface counters as `ip -s link` shows them: /proc/net/dev is this
 * process's namespace (/sys/class/net is the mounter's). */
static long if_stat(const char *name)
{
	static const char *const cols[] = {
		"rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "rx_fifo",
		"rx_frame", "rx_compressed", "rx_multicast", "tx_bytes",
		"tx_packets", "tx_errors", "tx_dropped" };
	unsigned long long v[12];
	char line[512], *p;
	long ret = -1;
	FILE *f;
	int i;

	f = fopen("/proc/net/dev", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strchr(line, ':');
		if (!p || !strstr(line, "evs0:"))
			continue;
		if (sscanf(p + 1, "%llu %llu %llu %llu %llu %llu %llu %llu "
			   "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
			   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
			   &v[11]) != 12)
			break;
		for (i = 0; i < 12; i++)
			if (!strcmp(cols[i], name))
				ret = v[i];
	}
	fclose(f);
	return ret;
}

static void link_stats(struct __test_metadata *_metadata, struct evs_nl *nl,
		       int ifindex, struct link_stats *ls)
{
	ASSERT_EQ(0, evs_t_link_stats(nl, ifindex, ls->v));
}

/* Counters are compared as differences: the stack may send packets of
 * its own (IPv6 router solicitations) into the device meanwhile. */
TEST_F_TIMEOUT(sa, no_policy_is_a_counted_drop, 300)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1 };
	struct link_stats a, b;
	long txd0, txp0;
	struct sa_opts o;

	link_stats(_metadata, &self->nl, self->ifindex, &a);
	txd0 = if_stat("tx_dropped");
	ASSERT_LE(0, txd0);
	ASSERT_EQ(0, send_udp(self->udp, "10.77.2.7", 3, 32));
	link_stats(_metadata, &self->nl, self->ifindex, &b);
	EXPECT_EQ(3, b.v[EVS_STATS_A_DROP_NO_POLICY] -
		     a.v[EVS_STATS_A_DROP_NO_POLICY]);
	EXPECT_EQ(0, b.v[EVS_STATS_A_TX_PACKETS]);
	EXPECT_EQ(3, if_stat("tx_dropped") - txd0);

	/* A drop policy is counted as a policy drop, an ipsec policy sends. */
	null_opts(&o, EVS_DIR_OUT, 0x5000);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));
	p.dst = "10.77.2.0";
	p.dst_plen = 24;
	p.action = EVS_POL_IPSEC;
	p.spi = 0x5000;
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p))
		TH_LOG("%s", self->nl.err_msg);
	p.dst = "10.77.2.66";
	p.dst_plen = 32;
	p.action = EVS_POL_DROP;
	p.spi = 0;
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p))
		TH_LOG("%s", self->nl.err_msg);
	link_stats(_metadata, &self->nl, self->ifindex, &a);
	txd0 = if_stat("tx_dropped");
	txp0 = if_stat("tx_packets");
	ASSERT_EQ(0, send_udp(self->udp, "10.77.2.66", 2, 32));
	ASSERT_EQ(0, send_udp(self->udp, "10.77.2.7", 4, 32));
	link_stats(_metadata, &self->nl, self->ifindex, &b);
	EXPECT_EQ(0, b.v[EVS_STATS_A_DROP_NO_POLICY] -
		     a.v[EVS_STATS_A_DROP_NO_POLICY]);
	EXPECT_EQ(2, b.v[EVS_STATS_A_DROP_POLICY] -
		     a.v[EVS_STATS_A_DROP_POLICY]);
	EXPECT_EQ(4, b.v[EVS_STATS_A_TX_PACKETS] -
		     a.v[EVS_STATS_A_TX_PACKETS]);
	EXPECT_EQ(4, if_stat("tx_packets") - txp0);
	EXPECT_EQ(2, if_stat("tx_dropped") - txd0);
}

/* Install an outbound SA (null crypto) for 10.77.1.0/24 with limits. */
static int lifetime_sa(struct evs_nl *nl, int ifindex, uint32_t spi,
		       const uint64_t *lft)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .dst = "10.77.1.0", .dst_plen = 24,
			      .action = EVS_POL_IPSEC, .spi = spi };
	struct sa_opts o;
	int ret;

	null_opts(&o, EVS_DIR_OUT, spi);
	memcpy(o.lft, lft, sizeof(o.lft));
	ret = sa_add(nl, ifindex, &o);
	return ret ?: pol_add(nl, ifindex, &p);
}

static void expect_gone(struct __test_metadata *_metadata, struct evs_nl *nl,
			int ifindex, uint32_t spi)
{
	EXPECT_EQ(-ENOENT, sa_simple(nl, EVS_CMD_SA_GET, ifindex, EVS_DIR_OUT,
				     spi, NULL, NULL));
	EXPECT_EQ(0, pol_count(nl));
}

TEST_F_TIMEOUT(sa, lifetime_packets, 300)
{
	uint64_t lft[EVS_LFT_A_MAX + 1] = {
		[EVS_LFT_A_PACKETS_SOFT] = 3, [EVS_LFT_A_PACKETS_HARD] = 5 };
	struct mnl_socket *ev = events_open(&self->nl);
	struct sa_seen s = {};
	struct event e;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, lifetime_sa(&self->nl, self->ifindex, 0x6000, lft))
		TH_LOG("%s", self->nl.err_msg);
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 2, 32));
	EXPECT_FALSE(event_wait(ev, 500, EVS_CMD_EV_EXPIRE, 0x6000, &e));
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 1, 32));
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_EXPIRE, 0x6000, &e));
	EXPECT_FALSE(e.hard);
	ASSERT_EQ(0, sa_simple(&self->nl, EVS_CMD_SA_GET, self->ifindex,
			       EVS_DIR_OUT, 0x6000, sa_cb, &s));
	EXPECT_EQ(EVS_SA_STATE_SOFT_EXPIRED, s.state);
	EXPECT_EQ(3, s.packets);

	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 2, 32));
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_EXPIRE, 0x6000, &e));
	EXPECT_TRUE(e.hard);
	EXPECT_EQ(EVS_REASON_HARD_EXPIRE, e.reason);
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_SA_DELETED, 0x6000, &e));
	EXPECT_EQ(EVS_REASON_HARD_EXPIRE, e.reason);
	expect_gone(_metadata, &self->nl, self->ifindex, 0x6000);
	/* With the SA gone the next packet has no policy. */
	EXPECT_EQ(0, send_udp(self->udp, "10.77.1.9", 1, 32));
	EXPECT_EQ(5, if_stat("tx_packets"));
	mnl_socket_close(ev);
}

TEST_F_TIMEOUT(sa, lifetime_bytes, 300)
{
	/* Each datagram is 20 + 8 + 100 = 128 inner bytes. */
	uint64_t lft[EVS_LFT_A_MAX + 1] = {
		[EVS_LFT_A_BYTES_SOFT] = 300, [EVS_LFT_A_BYTES_HARD] = 600 };
	struct mnl_socket *ev = events_open(&self->nl);
	struct event e;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, lifetime_sa(&self->nl, self->ifindex, 0x6001, lft))
		TH_LOG("%s", self->nl.err_msg);
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 2, 100));
	EXPECT_FALSE(event_wait(ev, 500, EVS_CMD_EV_EXPIRE, 0x6001, &e));
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 1, 100));
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_EXPIRE, 0x6001, &e));
	EXPECT_FALSE(e.hard);
	/* 640 bytes would pass 600: the fifth datagram is refused. */
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 2, 100));
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_EXPIRE, 0x6001, &e));
	EXPECT_TRUE(e.hard);
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_SA_DELETED, 0x6001, &e));
	expect_gone(_metadata, &self->nl, self->ifindex, 0x6001);
	EXPECT_EQ(4, if_stat("tx_packets"));
	mnl_socket_close(ev);
}

TEST_F_TIMEOUT(sa, lifetime_seconds_since_add, 300)
{
	uint64_t lft[EVS_LFT_A_MAX + 1] = {
		[EVS_LFT_A_TIME_SOFT] = 1, [EVS_LFT_A_TIME_HARD] = 3 };
	struct mnl_socket *ev = events_open(&self->nl);
	struct timespec t0, t1;
	struct event e;

	ASSERT_NE(NULL, ev);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, lifetime_sa(&self->nl, self->ifindex, 0x6002, lft))
		TH_LOG("%s", self->nl.err_msg);
	ASSERT_TRUE(event_wait(ev, 10000, EVS_CMD_EV_EXPIRE, 0x6002, &e));
	EXPECT_FALSE(e.hard);
	ASSERT_TRUE(event_wait(ev, 10000, EVS_CMD_EV_EXPIRE, 0x6002, &e));
	EXPECT_TRUE(e.hard);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_LE(2, t1.tv_sec - t0.tv_sec);	/* not before its time */
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_SA_DELETED, 0x6002, &e));
	expect_gone(_metadata, &self->nl, self->ifindex, 0x6002);
	mnl_socket_close(ev);
}

TEST_F_TIMEOUT(sa, lifetime_seconds_since_first_use, 300)
{
	uint64_t lft[EVS_LFT_A_MAX + 1] = {
		[EVS_LFT_A_USE_SOFT] = 1, [EVS_LFT_A_USE_HARD] = 2 };
	struct mnl_socket *ev = events_open(&self->nl);
	struct event e;

	ASSERT_NE(NULL, ev);
	ASSERT_EQ(0, lifetime_sa(&self->nl, self->ifindex, 0x6003, lft))
		TH_LOG("%s", self->nl.err_msg);
	/* Unused, it does not age. */
	EXPECT_FALSE(event_wait(ev, 2500, EVS_CMD_EV_EXPIRE, 0x6003, &e));
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 1, 32));
	ASSERT_TRUE(event_wait(ev, 10000, EVS_CMD_EV_EXPIRE, 0x6003, &e));
	EXPECT_FALSE(e.hard);
	ASSERT_TRUE(event_wait(ev, 10000, EVS_CMD_EV_EXPIRE, 0x6003, &e));
	EXPECT_TRUE(e.hard);
	expect_gone(_metadata, &self->nl, self->ifindex, 0x6003);
	mnl_socket_close(ev);
}

/* An AEAD the kernel has not instantiated in this boot: looking it up
 * misses and asks modprobe, so with a slow modprobe the allocation is slow.
 * Fills @o (outbound, @spi); false when every candidate already exists.
 */
static bool fresh_alg_opts(struct sa_opts *o, uint32_t spi)
{
	static const uint8_t key[64] = { 0x5a, 0x17, 0x42 };
	static const struct {
		const char *enc, *auth;
		int enc_len, auth_len;
		bool weak;
	} algs[] = {
		{ "cbc(aes)", "hmac(sha384)", 16, 48, false },
		{ "cbc(aes)", "hmac(sha512)", 16, 64, false },
		{ "cbc(aes)", "hmac(sha1)", 16, 20, false },
		{ "cbc(aes)", "hmac(md5)", 16, 16, true },
		{ "cbc(des3_ede)", "hmac(sha384)", 24, 48, true },
		{ "cbc(des3_ede)", "hmac(sha512)", 24, 64, true },
		{ "cbc(des)", "hmac(sha384)", 8, 48, true },
		{ "cbc(des)", "hmac(sha512)", 8, 64, true },
	};
	char name[128], *text = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/crypto", "r");
	int i, esn;

	if (!f)
		return false;
	text = malloc(cap = 1 << 20);
	if (!text) {
		fclose(f);
		return false;
	}
	text[fread(text, 1, cap - 1, f)] = 0;
	fclose(f);
	for (esn = 1; esn >= 0; esn--) {
		for (i = 0; i < (int)(sizeof(algs) / sizeof(algs[0])); i++) {
			snprintf(name, sizeof(name), ": echainiv(%s(%s,%s))\n",
				 esn ? "authencesn" : "authenc", algs[i].auth,
				 algs[i].enc);
			if (strstr(text, name))
				continue;
			memset(o, 0, sizeof(*o));
			o->dir = EVS_DIR_OUT;
			o->spi = spi;
			o->enc = algs[i].enc;
			o->key = key;
			o->keylen = algs[i].enc_len;
			o->auth = algs[i].auth;
			o->akey = key;
			o->akeylen = algs[i].auth_len;
			o->flags = (esn ? EVS_SA_F_ESN : 0) |
				   (algs[i].weak ? EVS_SA_F_ALLOW_WEAK : 0);
			free(text);
			return true;
		}
	}
	free(text);
	return false;
}

/* CLOCK_BOOTTIME, the clock of the SA lifetimes. */
static double boot_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_BOOTTIME, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * Seconds since add count from when the SA is in the SAD, not from before
 * its transform was allocated.  A modprobe that sleeps 3 s a call makes
 * the allocation slow: the add time the SA_ADDED event reports must lie
 * after at least one such sleep, and the SA (6-second hard limit, less
 * than the add takes) must live on after SA_ADD returned, expiring 6 s
 * after that add time.  (The add time is the robust check: a stalled
 * emulated CPU can only make it later.)
 */
TEST_F_TIMEOUT(sa, lifetime_seconds_count_from_the_link, 300)
{
	const char *helper = "/tmp/evs-slow-modprobe";
	char orig[256] = "", *nl;
	struct mnl_socket *ev = events_open(&self->nl);
	double t0, t1, t2;
	uint64_t add_time;
	struct sa_opts o;
	struct event e;
	FILE *f;
	int ret;

	ASSERT_NE(NULL, ev);
	if (!fresh_alg_opts(&o, 0x6010))
		SKIP(return, "every candidate algorithm is instantiated already");
	TH_LOG("algorithm: %s + %s%s", o.enc, o.auth,
	       o.flags & EVS_SA_F_ESN ? " (esn)" : "");
	o.lft[EVS_LFT_A_TIME_HARD] = 6;

	f = fopen("/proc/sys/kernel/modprobe", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(orig, sizeof(orig), f));
	fclose(f);
	nl = strchr(orig, '\n');
	if (nl)
		*nl = 0;
	ASSERT_EQ(0, evs_sh("printf '#!/bin/sh\\nsleep 3\\nexec %s \"$@\"\\n' "
			    "> %s && chmod 0755 %s && echo %s > "
			    "/proc/sys/kernel/modprobe", orig, helper, helper,
			    helper));
	t0 = boot_now();
	ret = sa_add(&self->nl, self->ifindex, &o);
	t1 = boot_now();
	evs_sh("echo %s > /proc/sys/kernel/modprobe; rm -f %s", orig, helper);
	ASSERT_EQ(0, ret) TH_LOG("%s", self->nl.err_msg);
	TH_LOG("SA_ADD took %.1f s", t1 - t0);
	/* Otherwise this test proves nothing. */
	ASSERT_LE(3.0, t1 - t0) TH_LOG("the allocation was not slowed down");

	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_SA_ADDED, 0x6010, &e));
	add_time = e.add_time;
	TH_LOG("add started at %.1f s, add time %llu s", t0,
	       (unsigned long long)add_time);
	EXPECT_LE((uint64_t)t0 + 2, add_time)
		TH_LOG("the add time was taken before the transform was built");

	if (t1 - t0 > 6.0) {
		EXPECT_FALSE(event_wait(ev, 1500, EVS_CMD_EV_EXPIRE, 0x6010,
					&e))
			TH_LOG("hard-expired at once: aged while being built");
	}
	ASSERT_TRUE(event_wait(ev, 30000, EVS_CMD_EV_EXPIRE, 0x6010, &e));
	t2 = boot_now();
	EXPECT_TRUE(e.hard);
	EXPECT_LE(add_time + 5, t2);
	mnl_socket_close(ev);
}

static int conn_req(struct evs_nl *nl, uint8_t cmd, uint32_t id)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, cmd, 0);
	struct nlattr *c = mnl_attr_nest_start(nlh, EVS_A_CONN);

	mnl_attr_put_u32(nlh, EVS_CONN_A_ID, id);
	mnl_attr_nest_end(nlh, c);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

/* A policy naming a connection is refused when the connection does not
 * exist (as SAs, routes and proxy-ARP entries are), and when its SA
 * belongs to another connection: it would go with the wrong one.
 */
TEST_F_TIMEOUT(sa, policy_needs_its_connection, 300)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .dst = "10.77.1.0", .dst_plen = 24,
			      .action = EVS_POL_IPSEC, .spi = 0x6020,
			      .conn = 4242 };
	struct sa_opts o;

	null_opts(&o, EVS_DIR_OUT, 0x6020);
	o.conn = 4242;
	EXPECT_EQ(-ENOENT, sa_add(&self->nl, self->ifindex, &o));
	null_opts(&o, EVS_DIR_OUT, 0x6020);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));

	EXPECT_EQ(-ENOENT, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "connection does not exist"))
		TH_LOG("extack: \"%s\"", self->nl.err_msg);
	EXPECT_NE(0, self->nl.err_offset);
	p.action = EVS_POL_BYPASS;
	p.spi = 0;
	EXPECT_EQ(-ENOENT, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "connection does not exist"));
	EXPECT_EQ(0, pol_count(&self->nl));

	/* With the connection: a bypass policy tagged with it is accepted
	 * and goes with it; an SA of no connection cannot carry its policy.
	 */
	ASSERT_EQ(0, conn_req(&self->nl, EVS_CMD_CONN_ADD, 4242));
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p))
		TH_LOG("%s", self->nl.err_msg);
	p.dst = "10.77.2.0";
	p.action = EVS_POL_IPSEC;
	p.spi = 0x6020;
	EXPECT_EQ(-EINVAL, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "another connection"))
		TH_LOG("extack: \"%s\"", self->nl.err_msg);
	null_opts(&o, EVS_DIR_OUT, 0x6021);
	o.conn = 4242;
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));
	p.spi = 0x6021;
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p))
		TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(2, pol_count(&self->nl));
	ASSERT_EQ(0, conn_req(&self->nl, EVS_CMD_CONN_DEL, 4242));
	EXPECT_EQ(0, pol_count(&self->nl));
	EXPECT_EQ(0, sa_simple(&self->nl, EVS_CMD_SA_GET, self->ifindex,
			       EVS_DIR_OUT, 0x6020, NULL, NULL));
}

static uint64_t sa_packets(struct evs_nl *nl, int ifindex, uint32_t spi)
{
	struct sa_seen s = {};

	if (sa_simple(nl, EVS_CMD_SA_GET, ifindex, EVS_DIR_OUT, spi, sa_cb, &s))
		return UINT64_MAX;
	return s.packets;
}

static int pol_replace(struct evs_nl *nl, int ifindex, const struct pol_opts *o)
{
	struct nlmsghdr *nlh = pol_req(nl, EVS_CMD_POLICY_ADD, ifindex, o);

	mnl_attr_put(nlh, EVS_A_REPLACE, 0, NULL);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

/* A rekey moves a connection's policies to its new SA pair under
 * traffic.  POLICY_ADD with EVS_A_REPLACE does it in one step: without
 * the flag the selector is taken; with it the policy of the same
 * connection is replaced, that of another is not; and a stream of
 * packets sent while the policy flips between two SAs meets no moment
 * without a policy (a delete and an add would leave one).
 */
TEST_F_TIMEOUT(sa, policy_replace_moves_without_a_gap, 300)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .dst = "10.77.1.0", .dst_plen = 24,
			      .action = EVS_POL_IPSEC, .spi = 0x7001,
			      .conn = 4343 };
	struct link_stats a, b;
	struct sa_opts o;
	int status, i;
	pid_t child;

	ASSERT_EQ(0, conn_req(&self->nl, EVS_CMD_CONN_ADD, 4343));
	for (i = 0; i < 2; i++) {
		null_opts(&o, EVS_DIR_OUT, 0x7001 + i);
		o.conn = 4343;
		ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));
	}
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p))
		TH_LOG("%s", self->nl.err_msg);
	p.spi = 0x7002;
	EXPECT_EQ(-EEXIST, pol_add(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "already exists"))
		TH_LOG("extack: \"%s\"", self->nl.err_msg);
	ASSERT_EQ(0, pol_replace(&self->nl, self->ifindex, &p))
		TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(1, pol_count(&self->nl));
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 3, 32));
	EXPECT_EQ(0, sa_packets(&self->nl, self->ifindex, 0x7001));
	EXPECT_EQ(3, sa_packets(&self->nl, self->ifindex, 0x7002));

	/* not a policy of another connection (here: of none) */
	p.conn = 0;
	p.action = EVS_POL_BYPASS;
	p.spi = 0;
	EXPECT_EQ(-EEXIST, pol_replace(&self->nl, self->ifindex, &p));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "another connection"))
		TH_LOG("extack: \"%s\"", self->nl.err_msg);
	EXPECT_EQ(3, sa_packets(&self->nl, self->ifindex, 0x7002));

	/* flips under a stream from the other CPU */
	p.conn = 4343;
	p.action = EVS_POL_IPSEC;
	link_stats(_metadata, &self->nl, self->ifindex, &a);
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(send_udp(self->udp, "10.77.1.9", 20000, 32) ? 1 : 0);
	for (i = 0; waitpid(child, &status, WNOHANG) == 0; i++) {
		p.spi = 0x7001 + (i & 1);
		ASSERT_EQ(0, pol_replace(&self->nl, self->ifindex, &p))
			TH_LOG("%s", self->nl.err_msg);
	}
	TH_LOG("%d replacements while the stream ran", i);
	EXPECT_LE(20, i);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	link_stats(_metadata, &self->nl, self->ifindex, &b);
	EXPECT_EQ(0, b.v[EVS_STATS_A_DROP_NO_POLICY] -
		     a.v[EVS_STATS_A_DROP_NO_POLICY]);
	EXPECT_EQ(20000, b.v[EVS_STATS_A_TX_PACKETS] -
			 a.v[EVS_STATS_A_TX_PACKETS]);
	EXPECT_EQ(1, pol_count(&self->nl));
	ASSERT_EQ(0, conn_req(&self->nl, EVS_CMD_CONN_DEL, 4343));
	EXPECT_EQ(0, pol_count(&self->nl));
}

/* An outbound SA never wraps its 32-bit counter: the packet that would
 * need sequence 2^32 is dropped, the SA stops with a hard event (reason
 * sequence exhausted) and goes with its policy. */
TEST_F_TIMEOUT(sa, sequence_exhaustion_stops_the_sa, 300)
{
	struct mnl_socket *ev = events_open(&self->nl);
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .dst = "10.77.1.0", .dst_plen = 24,
			      .action = EVS_POL_IPSEC, .spi = 0x6005 };
	struct sa_opts o;
	struct event e;
	long tx0;

	ASSERT_NE(NULL, ev);
	null_opts(&o, EVS_DIR_IN, 0x6006);
	o.oseq = 5;
	EXPECT_EQ(-EINVAL, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "outbound"));
	null_opts(&o, EVS_DIR_OUT, 0x6005);
	o.oseq = 0x100000000ULL;
	EXPECT_EQ(-EINVAL, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "esn"));

	o.oseq = 0xfffffffeULL;
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o)) TH_LOG("%s", self->nl.err_msg);
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p));
	tx0 = if_stat("tx_packets");
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 1, 32));	/* 2^32-1 */
	EXPECT_FALSE(event_wait(ev, 500, EVS_CMD_EV_EXPIRE, 0x6005, &e));
	ASSERT_EQ(0, send_udp(self->udp, "10.77.1.9", 1, 32));	/* no more */
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_EXPIRE, 0x6005, &e));
	EXPECT_TRUE(e.hard);
	EXPECT_EQ(EVS_REASON_SEQ_EXHAUSTED, e.reason);
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_SA_DELETED, 0x6005, &e));
	EXPECT_EQ(EVS_REASON_SEQ_EXHAUSTED, e.reason);
	expect_gone(_metadata, &self->nl, self->ifindex, 0x6005);
	EXPECT_EQ(1, if_stat("tx_packets") - tx0);
	mnl_socket_close(ev);
}

TEST_F_TIMEOUT(sa, soft_limit_above_hard_refused, 300)
{
	uint64_t lft[EVS_LFT_A_MAX + 1] = {
		[EVS_LFT_A_PACKETS_SOFT] = 10, [EVS_LFT_A_PACKETS_HARD] = 5 };
	struct sa_opts o;

	null_opts(&o, EVS_DIR_OUT, 0x6004);
	memcpy(o.lft, lft, sizeof(o.lft));
	EXPECT_EQ(-EINVAL, sa_add(&self->nl, self->ifindex, &o));
	EXPECT_NE(NULL, strstr(self->nl.err_msg, "soft"));
}

/* Deleting the device takes its SAs and policies, with events. */
TEST_F_TIMEOUT(sa, device_delete_removes_everything, 300)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .dst = "10.77.1.0", .dst_plen = 24,
			      .action = EVS_POL_IPSEC, .spi = 0x7000 };
	struct mnl_socket *ev = events_open(&self->nl);
	struct sa_seen s = {};
	struct sa_opts o;
	struct event e;

	ASSERT_NE(NULL, ev);
	null_opts(&o, EVS_DIR_OUT, 0x7000);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o));
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p));
	ASSERT_EQ(0, evs_sh("ip link del evs0"));
	ASSERT_TRUE(event_wait(ev, 5000, EVS_CMD_EV_SA_DELETED, 0x7000, &e));
	EXPECT_EQ(EVS_REASON_DEVICE_GONE, e.reason);
	ASSERT_EQ(0, sa_dump(&self->nl, &s));
	EXPECT_EQ(0, s.n);
	EXPECT_EQ(0, pol_count(&self->nl));
	mnl_socket_close(ev);
}

/* Send one datagram from @src (an address of this namespace) to @dst. */
static int send_from(const char *src, const char *dst)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, src, &sin.sin_addr);
	ret = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	if (!ret)
		ret = send_udp(fd, dst, 1, 32);
	close(fd);
	return ret;
}

/*
 * End to end between two evs gateways (null crypto, raw ESP): the peer
 * accepts inner packets from the prefix bound to the SA they came on, and
 * drops (drop_policy) a source no policy covers and a source whose policy
 * belongs to another client's SA.
 */
TEST_F_TIMEOUT(sa, inbound_source_check, 300)
{
	struct pol_opts p = { .src_plen = -1, .dst_plen = -1,
			      .action = EVS_POL_IPSEC };
	int ns_a = open("/proc/self/ns/net", O_RDONLY), ns_b, ifb;
	struct sa_seen s;
	struct evs_nl nlb;
	struct sa_opts o;

	ASSERT_LE(0, ns_a);
	ASSERT_EQ(0, evs_sh("ip netns del evsb 2>/dev/null; ip netns add evsb && "
			    "ip neigh del " PEER " dev v0 && "
			    "ip link set v1 netns evsb && "
			    "ip -n evsb addr add " PEER "/24 dev v1 && "
			    "ip -n evsb link set v1 up && ip -n evsb link set lo up && "
			    "ip -n evsb link add evs1 type evs && "
			    "ip -n evsb addr add 10.77.1.9/32 dev evs1 && "
			    "ip -n evsb link set evs1 up && "
			    "ip -n evsb route add 10.77.0.0/16 dev evs1 && "
			    "ip addr add 10.77.5.5/32 dev evs0 && "
			    "ip addr add 10.77.6.6/32 dev evs0"));
	ns_b = open("/run/netns/evsb", O_RDONLY);
	ASSERT_LE(0, ns_b);
	ASSERT_EQ(0, setns(ns_b, CLONE_NEWNET));
	ifb = if_nametoindex("evs1");
	ASSERT_EQ(0, evs_t_nl_open(&nlb));
	ASSERT_EQ(0, setns(ns_a, CLONE_NEWNET));

	/* A -> B on SPI 0x8001; B also has a second client on 0x8003. */
	null_opts(&o, EVS_DIR_OUT, 0x8001);
	ASSERT_EQ(0, sa_add(&self->nl, self->ifindex, &o)) TH_LOG("%s", self->nl.err_msg);
	p.dir = EVS_DIR_OUT;
	p.dst = "10.77.1.0";
	p.dst_plen = 24;
	p.spi = 0x8001;
	ASSERT_EQ(0, pol_add(&self->nl, self->ifindex, &p)) TH_LOG("%s", self->nl.err_msg);

	/* B's inbound SAs: from A (LOCAL) to B (PEER). */
	null_opts(&o, EVS_DIR_IN, 0x8001);
	o.src = LOCAL;
	o.dst = PEER;
	ASSERT_EQ(0, sa_add(&nlb, ifb, &o)) TH_LOG("%s", nlb.err_msg);
	o.spi = 0x8003;
	o.src = "203.0.113.3";
	ASSERT_EQ(0, sa_add(&nlb, ifb, &o)) TH_LOG("%s", nlb.err_msg);
	memset(&p, 0, sizeof(p));
	p.action = EVS_POL_IPSEC;
	p.dir = EVS_DIR_IN;
	p.src = "10.77.0.0";
	p.src_plen = 24;
	p.dst_plen = -1;
	p.spi = 0x8001;
	ASSERT_EQ(0, pol_add(&nlb, ifb, &p)) TH_LOG("%s", nlb.err_msg);
	p.src = "10.77.6.0";
	p.spi = 0x8003;
	ASSERT_EQ(0, pol_add(&nlb, ifb, &p)) TH_LOG("%s", nlb.err_msg);

	EXPECT_EQ(0, send_from("10.77.0.1", "10.77.1.9"));
	EXPECT_EQ(0, send_from("10.77.5.5", "10.77.1.9"));	/* no policy */
	EXPECT_EQ(0, send_from("10.77.6.6", "10.77.1.9"));	/* other SA's */
	usleep(500 * 1000);

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sa_simple(&nlb, EVS_CMD_SA_GET, ifb, EVS_DIR_IN, 0x8001,
			       sa_cb, &s)) TH_LOG("%s", nlb.err_msg);
	EXPECT_EQ(1, s.rx_packets);
	EXPECT_EQ(2, s.drop_policy);
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, sa_simple(&nlb, EVS_CMD_SA_GET, ifb, EVS_DIR_IN, 0x8003,
			       sa_cb, &s));
	EXPECT_EQ(0, s.rx_packets);
	EXPECT_EQ(0, s.drop_policy);
	evs_t_nl_close(&nlb);
	close(ns_b);
	close(ns_a);
	evs_sh("ip netns del evsb");
}

/* Unreclaimable slab + per-CPU memory, in kB. */
static long kernel_mem_kb(void)
{
	char line[256];
	long v, sum = 0;
	FILE *f;

	evs_sh("sync; echo 3 > /proc/sys/vm/drop_caches");
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld", &v) == 1 ||
		    sscanf(line, "Percpu: %ld", &v) == 1)
			sum += v;
	fclose(f);
	return sum;
}

/* One cycle: 1000 SAs with policies in a fresh namespace, traffic flowing
 * through one of them, then rmmod with all of it live. */
static void unload_cycle(struct __test_metadata *_metadata)
{
	struct pol_opts p = { .dir = EVS_DIR_OUT, .src_plen = -1,
			      .action = EVS_POL_IPSEC };
	int ns0 = open("/proc/self/ns/net", O_RDONLY);
	struct evs_nl nl;
	struct sa_opts o;
	char dst[32];
	pid_t flood;
	int i, ifindex, status;

	ASSERT_LE(0, ns0);
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, evs_sh("ip link set lo up && "
			    "ip link add v0 type veth peer name v1 && "
			    "ip addr add " LOCAL "/24 dev v0 && "
			    "ip link set v0 up && ip link set v1 up && "
			    "ip neigh add " PEER " lladdr 02:00:00:00:00:02 dev v0 && "
			    "ip link add evs0 type evs && ip link set evs0 up && "
			    "ip addr add 10.77.0.1/32 dev evs0 && "
			    "ip route add 10.77.0.0/16 dev evs0"));
	ifindex = if_nametoindex("evs0");
	ASSERT_EQ(0, evs_t_nl_open(&nl));
	for (i = 0; i < 1000; i++) {
		if (i % 2)
			gcm_opts(&o, EVS_DIR_OUT, 0x40000 + i);
		else
			null_opts(&o, EVS_DIR_OUT, 0x40000 + i);
		o.lft[EVS_LFT_A_TIME_HARD] = 3600;
		ASSERT_EQ(0, sa_add(&nl, ifindex, &o)) TH_LOG("%s", nl.err_msg);
		snprintf(dst, sizeof(dst), "10.77.%d.%d", i / 250 + 1,
			 i % 250 + 1);
		p.dst = dst;
		p.dst_plen = 32;
		p.spi = 0x40000 + i;
		ASSERT_EQ(0, pol_add(&nl, ifindex, &p)) TH_LOG("%s", nl.err_msg);
		gcm_opts(&o, EVS_DIR_IN, 0x50000 + i);
		ASSERT_EQ(0, sa_add(&nl, ifindex, &o)) TH_LOG("%s", nl.err_msg);
	}
	evs_t_nl_close(&nl);
	flood = fork();
	ASSERT_LE(0, flood);
	if (flood == 0) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		for (i = 0;; i++) {
			snprintf(dst, sizeof(dst), "10.77.%d.%d",
				 (i % 1000) / 250 + 1, i % 250 + 1);
			send_udp(fd, dst, 1, 200);
		}
	}
	usleep(300 * 1000);
	EXPECT_EQ(0, evs_sh("rmmod evs"));
	kill(flood, SIGKILL);
	waitpid(flood, &status, 0);
	EXPECT_NE(0, access("/sys/class/net/evs0", F_OK));
	EXPECT_EQ(0, if_nametoindex("evs0"));
	ASSERT_EQ(0, setns(ns0, CLONE_NEWNET));
	close(ns0);
}

static int kernel_warnings(void)
{
	return evs_sh("dmesg | grep -qE 'WARNING:|BUG:|general protection|"
		      "refcount_t|leaked|unregister_netdevice: waiting'");
}

/* rmmod with 2,000 SAs, 1,000 policies and traffic in flight is clean:
 * the device and everything in it goes, and repeated cycles leave no
 * memory behind (a leaking cycle would keep megabytes). */
TEST_F_TIMEOUT(sa, rmmod_with_live_sas_and_traffic, 900)
{
	long before, after;
	int i;

	ASSERT_NE(0, kernel_warnings()) TH_LOG("kernel log had warnings before");
	unload_cycle(_metadata);	/* warm-up: caches, crypto modules */
	before = kernel_mem_kb();
	for (i = 0; i < 4; i++)
		unload_cycle(_metadata);
	after = kernel_mem_kb();
	TH_LOG("unreclaimable slab + percpu: %ld kB before, %ld kB after 4 cycles",
	       before, after);
	EXPECT_GT(before, 0);
	EXPECT_LT(after - before, 2048);
	EXPECT_NE(0, kernel_warnings()) TH_LOG("kernel log shows a warning");
	ASSERT_EQ(0, evs_ensure_module());
}

TEST_HARNESS_MAIN
