// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP on the daemon's socket (RFC 3948), with the socket handed over
 * by EVS_CMD_ENCAP_ATTACH as evsd does: IKE (non-ESP marker) still reaches
 * the socket, NAT keepalives are eaten, ESP is consumed and never reaches
 * userspace, an ESP packet from a new outer port reports a NAT mapping
 * change, and closing the socket detaches it: a socket of the module's own
 * then stands in for it (evsd killed or restarting keeps its sessions'
 * ESP-in-UDP flowing) until a DETACH with EVS_A_ENCAP_STANDIN gives the
 * port back for the next daemon.  The handover leaves no gap: the stand-in
 * is bound while the closing socket still holds the port, and a starting
 * daemon binds next to the stand-in (SO_REUSEPORT) with its socket
 * attached before the stand-in goes; a continuous ESP stream through
 * three such restarts, and through sixty back to back, loses nothing.
 * Datagrams are written from UDP sockets in the peer namespace; the SA
 * uses null crypto so the test can build valid ESP itself.
 *
 * The stream runs while the sockets change hands, not only between two
 * steps of the handover (an ESP datagram queued on a socket that is not
 * hooked yet, or no longer, is lost without a counter): two vCPUs.
 * evs-selftest-cpus: 2
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <kselftest_harness.h>

#include "evs_esp_util.h"

#define SPI 0x4001

FIXTURE(encap) {
	struct evs_t_topo topo;
	struct evs_nl nl, ev;
	int daemon;		/* "evsd's" UDP/4500 socket, namespace A */
	int peer, peer2;	/* UDP sockets in namespace B: ports 4500, 4600 */
};

static int attach(struct evs_nl *nl, int fd)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_ENCAP_ATTACH, 0);

	mnl_attr_put_u32(nlh, EVS_A_ENCAP_FD, fd);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

static int detach(struct evs_nl *nl)
{
	return evs_nl_talk(nl, evs_nl_req(nl, EVS_CMD_ENCAP_DETACH, 0), NULL, NULL);
}

/* What a starting evsd sends before it binds UDP/4500. */
static int release_standin(struct evs_nl *nl)
{
	struct nlmsghdr *nlh = evs_nl_req(nl, EVS_CMD_ENCAP_DETACH, 0);

	mnl_attr_put(nlh, EVS_A_ENCAP_STANDIN, 0, NULL);
	return evs_nl_talk(nl, nlh, NULL, NULL);
}

FIXTURE_SETUP(encap)
{
	struct evs_t_sa in = {
		.dir = EVS_DIR_IN, .spi = SPI, .src = EVS_T_B_OUTER,
		.dst = EVS_T_A_OUTER, .enc = "ecb(cipher_null)", .enc_key = "",
		.auth = "digest_null", .auth_key = "", .replay_window = 32,
		.sport = 4500, .dport = 4500,
	};

	self->daemon = self->peer = self->peer2 = -1;
	ASSERT_EQ(0, evs_ensure_module());
	ASSERT_EQ(0, evs_t_topo_up(&self->topo, "enc"));
	ASSERT_EQ(0, evs_t_enter(self->topo.b));
	self->peer = evs_t_udp_socket(4500);
	self->peer2 = evs_t_udp_socket(4600);
	ASSERT_LE(0, self->peer);
	ASSERT_LE(0, self->peer2);
	ASSERT_EQ(0, evs_t_enter(self->topo.a));
	self->daemon = evs_t_udp_socket(4500);
	ASSERT_LE(0, self->daemon);
	ASSERT_EQ(0, evs_t_nl_open(&self->nl));
	ASSERT_EQ(0, attach(&self->nl, self->daemon)) TH_LOG("%s", self->nl.err_msg);
	ASSERT_EQ(0, evs_t_sa_add(&self->nl, &in)) TH_LOG("%s", self->nl.err_msg);
	ASSERT_EQ(0, evs_t_policy_add(&self->nl, EVS_DIR_IN, "10.77.1.0", 24,
				      "192.168.77.0", 24, SPI));
	ASSERT_EQ(0, evs_t_nl_open_events(&self->ev));
}

FIXTURE_TEARDOWN(encap)
{
	evs_t_nl_close(&self->ev);
	evs_t_teardown(&self->topo, &self->nl, 3, self->daemon, self->peer,
		       self->peer2);
}

static void send_to_a(int fd, const void *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(4500) };

	inet_pton(AF_INET, EVS_T_A_OUTER, &to.sin_addr);
	sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
}

/* A valid null-crypto ESP packet carrying UDP 10.77.1.5 -> 192.168.77.1:9. */
static size_t esp_packet(uint8_t *p, uint32_t seq)
{
	struct iphdr *ip = (struct iphdr *)(p + 8);
	size_t len;

	memset(p, 0, 64);
	*(uint32_t *)p = htonl(SPI);
	*(uint32_t *)(p + 4) = htonl(seq);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(28);
	inet_pton(AF_INET, "10.77.1.5", &ip->saddr);
	inet_pton(AF_INET, EVS_T_A_INNER, &ip->daddr);
	{
		const uint16_t *w = (const uint16_t *)ip;
		uint32_t s = 0;
		int i;

		for (i = 0; i < 10; i++)
			s += ntohs(w[i]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		ip->check = htons(~s);
	}
	p[8 + 20 + 3] = 9;	/* dport 9 */
	p[8 + 20 + 5] = 8;	/* UDP length 8 */
	len = 8 + 28;
	p[len] = 1;		/* padding 1, 2 to a 4-byte boundary */
	p[len + 1] = 2;
	p[len + 2] = 2;		/* pad length */
	p[len + 3] = 4;		/* next header */
	return len + 4;
}

static int readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

static uint64_t rx_packets(struct __test_metadata *_metadata,
			   FIXTURE_DATA(encap) *self)
{
	uint64_t st[EVS_STATS_A_MAX + 1];

	usleep(200 * 1000);
	EXPECT_EQ(0, evs_t_sa_stats(&self->nl, EVS_DIR_IN, SPI, st));
	return st[EVS_STATS_A_RX_PACKETS];
}

TEST_F_TIMEOUT(encap, sorting, 180)
{
	uint8_t ike[32] = {}, buf[256], esp[128];
	uint8_t keepalive = 0xff;
	ssize_t n;

	/* IKE with the 4-byte non-ESP marker: the daemon gets it, marker
	 * included (as with Linux's UDP_ENCAP sockets). */
	memcpy(ike + 4, "IKE-HDR", 7);
	send_to_a(self->peer, ike, sizeof(ike));
	ASSERT_TRUE(readable(self->daemon, 3000));
	n = recv(self->daemon, buf, sizeof(buf), 0);
	EXPECT_EQ(sizeof(ike), n);
	EXPECT_EQ(0, memcmp(buf, ike, sizeof(ike)));

	/* Keepalive: eaten. */
	send_to_a(self->peer, &keepalive, 1);
	/* ESP: consumed and delivered through the SA, not to the socket. */
	send_to_a(self->peer, esp, esp_packet(esp, 1));
	EXPECT_EQ(1, rx_packets(_metadata, self));
	EXPECT_FALSE(readable(self->daemon, 500));
}

struct nat_seen {
	int n;
};

static int nat_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct nat_seen *s = data;

	if (g->cmd == EVS_CMD_EV_NAT_MAPPING)
		s->n++;
	return MNL_CB_OK;
}

TEST_F_TIMEOUT(encap, nat_mapping_and_detach, 180)
{
	struct nat_seen seen = {};
	uint8_t esp[128], buf[8192], ike[16] = {};
	int n;

	send_to_a(self->peer, esp, esp_packet(esp, 1));
	EXPECT_EQ(1, rx_packets(_metadata, self));
	/* Same peer, new source port (its NAT rebound): still delivered, and
	 * the daemon hears about the new mapping. */
	send_to_a(self->peer2, esp, esp_packet(esp, 2));
	EXPECT_EQ(2, rx_packets(_metadata, self));
	while (readable(mnl_socket_get_fd(self->ev.sock), 2000)) {
		n = mnl_socket_recvfrom(self->ev.sock, buf, sizeof(buf));
		if (n <= 0)
			break;
		mnl_cb_run(buf, n, 0, 0, nat_cb, &seen);
		if (seen.n)
			break;
	}
	EXPECT_EQ(1, seen.n) TH_LOG("no NAT mapping event");

	/* evsd goes away (killed, or a restart keeping its sessions): its
	 * socket is unhooked (encap_destroy) and a socket of the module's own
	 * takes the SA's ESP-in-UDP on port 4500 within a moment. */
	close(self->daemon);
	self->daemon = -1;
	uint32_t seq = 3;
	uint64_t rx = 2;

	for (int i = 0; i < 20 && rx == 2; i++, seq++) {
		send_to_a(self->peer, esp, esp_packet(esp, seq));
		rx = rx_packets(_metadata, self);
	}
	EXPECT_EQ(3, rx) TH_LOG("no stand-in socket took ESP after the daemon's closed");

	/* The next evsd: the port back from the module, then its own socket
	 * bound and attached. */
	ASSERT_EQ(0, release_standin(&self->nl)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(-ENOENT, release_standin(&self->nl));
	send_to_a(self->peer, esp, esp_packet(esp, seq++));
	EXPECT_EQ(3, rx_packets(_metadata, self)) TH_LOG("ESP delivered after the release");
	self->daemon = evs_t_udp_socket(4500);
	ASSERT_LE(0, self->daemon);
	ASSERT_EQ(0, attach(&self->nl, self->daemon)) TH_LOG("%s", self->nl.err_msg);
	EXPECT_EQ(-EBUSY, attach(&self->nl, self->daemon));
	send_to_a(self->peer, esp, esp_packet(esp, seq++));
	EXPECT_EQ(4, rx_packets(_metadata, self));
	/* A release with a daemon attached leaves its socket alone. */
	EXPECT_EQ(-ENOENT, release_standin(&self->nl));
	send_to_a(self->peer, esp, esp_packet(esp, seq++));
	EXPECT_EQ(5, rx_packets(_metadata, self));
	/* An explicit detach (a clean stop) leaves no stand-in behind. */
	EXPECT_EQ(0, detach(&self->nl));
	/* Detached: datagrams are plain UDP for the socket again. */
	send_to_a(self->peer, ike, sizeof(ike));
	EXPECT_TRUE(readable(self->daemon, 3000));
}

/* Send ESP seq *seq and check that the SA took it: *rx is the count so far. */
static void probe(struct __test_metadata *_metadata, FIXTURE_DATA(encap) *self,
		  uint32_t *seq, uint64_t *rx, const char *step)
{
	uint8_t esp[128];

	send_to_a(self->peer, esp, esp_packet(esp, (*seq)++));
	EXPECT_EQ(++*rx, rx_packets(_metadata, self)) TH_LOG("ESP lost %s", step);
}

/* What a starting evsd does with UDP/4500: its socket attached before it is
 * bound (no ESP reaches it as a datagram), bound next to the stand-in
 * (SO_REUSEPORT on both), SO_REUSEPORT cleared (nobody else may bind the
 * port from then on), the stand-in closed.  With seq, ESP is sent after
 * each step and must get through.
 */
static int daemon_start(struct __test_metadata *_metadata,
			FIXTURE_DATA(encap) *self, uint32_t *seq, uint64_t *rx)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(4500),
	};
	int one = 1, zero = 0, fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		return -1;
	EXPECT_EQ(0, attach(&self->nl, fd)) TH_LOG("%s", self->nl.err_msg);
	if (seq)
		probe(_metadata, self, seq, rx, "after the attach");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		TH_LOG("bind next to the stand-in: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (seq)
		probe(_metadata, self, seq, rx, "after the bind");
	EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof(zero)));
	EXPECT_EQ(0, release_standin(&self->nl)) TH_LOG("no stand-in to release");
	if (seq)
		probe(_metadata, self, seq, rx, "after the stand-in's release");
	return fd;
}

/* Child: ESP from seq on, a little at a time, until stop is readable, from
 * ports 4500 and 4600 in turn (a NAT mapping that keeps changing);
 * writes how many it sent to res.  Its copy of the daemon's socket goes
 * first (then says so on res): the parent's close must be the last.
 */
static void stream(FIXTURE_DATA(encap) *self, uint32_t seq, int pause_us,
		   int stop, int res)
{
	uint8_t esp[128];
	uint32_t n = 0;

	close(self->daemon);
	if (write(res, "r", 1) != 1)
		_exit(1);

	/* Two source ports, two flows: whichever socket reuseport steers
	 * one of them to, the other may well go to the other socket.
	 */
	while (!readable(stop, 0)) {
		send_to_a(n & 1 ? self->peer2 : self->peer, esp,
			  esp_packet(esp, seq + n));
		if (++n % 8 == 0 && pause_us)
			usleep(pause_us);
	}
	_exit(write(res, &n, sizeof(n)) == sizeof(n) ? 0 : 1);
}

/* Stream ESP from seq on while the daemon restarts @restarts times, @gap_us
 * apart; the SA must have taken every packet: rx before, plus all sent.
 */
static void stream_through_restarts(struct __test_metadata *_metadata,
				    FIXTURE_DATA(encap) *self, uint32_t seq,
				    uint64_t rx, int restarts, int gap_us)
{
	int stop[2], res[2], status, i;
	uint32_t sent = 0;
	uint8_t ready;
	pid_t pid;

	ASSERT_EQ(0, pipe(stop));
	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		stream(self, seq, gap_us ? 300 : 0, stop[0], res[1]);
	ASSERT_EQ(1, read(res[0], &ready, 1));
	for (i = 0; i < restarts; i++) {
		usleep(gap_us);
		close(self->daemon);
		self->daemon = -1;
		usleep(gap_us / 2);	/* the next evsd starting */
		self->daemon = daemon_start(_metadata, self, NULL, NULL);
		EXPECT_LE(0, self->daemon);
		if (self->daemon < 0)
			break;
	}
	usleep(50 * 1000);
	ASSERT_EQ(1, write(stop[1], "x", 1));
	ASSERT_EQ((ssize_t)sizeof(sent), read(res[0], &sent, sizeof(sent)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("%u ESP packets sent through %d restarts", sent, i);
	EXPECT_LT(100, sent) TH_LOG("the stream was too thin to show a gap");
	EXPECT_EQ(rx + sent, rx_packets(_metadata, self)) {
		uint64_t st[EVS_STATS_A_MAX + 1];

		evs_t_sa_stats(&self->nl, EVS_DIR_IN, SPI, st);
		TH_LOG("SA drops: replay %llu, other %llu, encap %llu",
		       (unsigned long long)st[EVS_STATS_A_DROP_REPLAY],
		       (unsigned long long)st[EVS_STATS_A_DROP_OTHER],
		       (unsigned long long)st[EVS_STATS_A_DROP_ENCAP]);
	}
	close(stop[0]);
	close(stop[1]);
	close(res[0]);
	close(res[1]);
}

TEST_F_TIMEOUT(encap, restart_without_gap, 180)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(4500),
	};
	int one = 1, other;
	uint8_t ike[16] = {}, buf[64];
	uint32_t seq = 1;
	uint64_t rx = 0;

	/* The daemon's socket closes (kill -9): ESP sent right after
	 * close() returns finds the stand-in already there.
	 */
	close(self->daemon);
	self->daemon = -1;
	probe(_metadata, self, &seq, &rx, "right after the daemon's socket closed");
	self->daemon = daemon_start(_metadata, self, &seq, &rx);
	ASSERT_LE(0, self->daemon);
	send_to_a(self->peer, ike, sizeof(ike));
	EXPECT_TRUE(readable(self->daemon, 3000)) TH_LOG("IKE missed the new socket");
	EXPECT_LT(0, recv(self->daemon, buf, sizeof(buf), 0));

	/* A second daemon started by mistake takes nothing from this one. */
	other = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_LE(0, other);
	setsockopt(other, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	EXPECT_EQ(-EBUSY, attach(&self->nl, other));
	EXPECT_EQ(-1, bind(other, (struct sockaddr *)&sin, sizeof(sin)));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-ENOENT, release_standin(&self->nl));
	close(other);
	probe(_metadata, self, &seq, &rx, "after a second daemon tried");

	/* A continuous stream through three restarts: nothing lost. */
	stream_through_restarts(_metadata, self, seq, rx, 3, 50 * 1000);
}

/* Back-to-back restarts under a stream: every stand-in's release, and every
 * handover from a closing socket, meets ESP in flight.
 */
TEST_F_TIMEOUT(encap, restarts_back_to_back_lose_nothing, 180)
{
	uint32_t seq = 1;
	uint64_t rx = 0;

	probe(_metadata, self, &seq, &rx, "before the restarts");
	stream_through_restarts(_metadata, self, seq, rx, 60, 0);
}

TEST_HARNESS_MAIN
