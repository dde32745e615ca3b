// SPDX-License-Identifier: MIT
/*
 * net.c: the IKE sockets for the listen addresses of evsd.conf.  Two listen
 * addresses used to open two UDP 4500 sockets, and evs.ko takes ESP-in-UDP
 * from one socket per namespace: attaching the second failed and evsd did
 * not start.  These tests bind on loopback (127.0.0.1 and 127.0.0.2) with
 * high ports, so they need no privileges.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evsd/config.h"
#include "ike/engine/ikesa.h"
#include "evsd/net.h"
#include "tests/unit/unit.h"

static uint16_t base_port(void)
{
	/* Spread runs (and parallel builds) over 20000 port pairs. */
	return (uint16_t)(30000 + (getpid() % 10000) * 2);
}

static int load_conf(const char *text, struct evsd_config *cfg)
{
	char path[] = "/tmp/evsd-net-XXXXXX";
	struct evs_err err;
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	rc = evsd_config_load(path, cfg, &err);
	if (rc < 0)
		fprintf(stderr, "# config: %s\n", err.msg);
	unlink(path);
	return rc;
}

static int open_for(const char *listens, uint16_t port, struct evsd_config *cfg,
		    struct net *n)
{
	char text[512];
	struct evs_err err;

	snprintf(text, sizeof(text), "%sports %u %u\n", listens, port, port + 1);
	if (load_conf(text, cfg) < 0)
		return -1;
	if (net_open(n, &cfg->ike, NULL, &err) < 0) {
		fprintf(stderr, "# net_open: %s\n", err.msg);
		evsd_config_free(cfg);
		return -1;
	}
	return 0;
}

static unsigned attached(const struct net *n)
{
	unsigned k = 0;

	while (net_natt_fd(n, k) >= 0)
		k++;
	return k;
}

static void send_to(const char *addr, uint16_t port, const void *buf, size_t len)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	UNIT_ASSERT(fd >= 0);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	UNIT_ASSERT(sendto(fd, buf, len, 0, (struct sockaddr *)&sin, sizeof(sin)) ==
		    (ssize_t)len);
	close(fd);
}

static int natt_index(const struct net *n)
{
	for (unsigned i = 0; i < n->n; i++)
		if (n->s[i].natt)
			return (int)i;
	return -1;
}

/* open_for() that succeeds with @n_sockets sockets, one of them given to
 * evs.ko for NAT-T; returns the index of that one (-1: none marked). */
static int open_sockets(const char *listens, uint16_t port, struct evsd_config *cfg,
			struct net *n, unsigned n_sockets)
{
	UNIT_ASSERT(open_for(listens, port, cfg, n) == 0);
	UNIT_ASSERT_EQ_INT(n->n, n_sockets);
	UNIT_ASSERT_EQ_INT(attached(n), 1);
	return natt_index(n);
}

static void read_all(struct net *n, struct ike_engine *e)
{
	usleep(20000);	/* loopback delivery is immediate; be generous */
	for (unsigned i = 0; i < n->n; i++)
		net_read(n, i, e);
}

UNIT_TEST(two_listen_addresses_share_one_natt_socket)
{
	static const struct ike_engine_ops ops = { 0 };
	/* non-ESP marker + a datagram too short for an ISAKMP header */
	static const uint8_t ike[12] = { 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint16_t port = base_port();
	struct evsd_config cfg;
	struct ike_engine *e;
	struct net n;
	int natt;

	/* Two IKE sockets, one NAT-T socket for evs.ko (it takes one). */
	natt = open_sockets("listen 127.0.0.1\nlisten 127.0.0.2\n", port, &cfg, &n, 3);
	UNIT_ASSERT(natt >= 0);
	UNIT_ASSERT(((struct sockaddr_in *)&n.s[natt].bound)->sin_addr.s_addr == 0);

	e = ike_engine_new(&cfg.ike, EVS_ROLE_SERVER, &ops, NULL);
	UNIT_ASSERT(e);
	/* IKE on 4500 reaches the engine for either listen address ... */
	send_to("127.0.0.1", port + 1, ike, sizeof(ike));
	send_to("127.0.0.2", port + 1, ike, sizeof(ike));
	/* ... and on 500 (no marker there) */
	send_to("127.0.0.2", port, ike + 4, sizeof(ike) - 4);
	read_all(&n, e);
	UNIT_ASSERT_EQ_INT(e->stats.rx, 3);
	UNIT_ASSERT_EQ_INT(n.rx_not_listening, 0);
	/* ... but not for an address evsd was not told to listen on. */
	send_to("127.0.0.3", port + 1, ike, sizeof(ike));
	read_all(&n, e);
	UNIT_ASSERT_EQ_INT(e->stats.rx, 3);
	UNIT_ASSERT_EQ_INT(n.rx_not_listening, 1);
	ike_engine_free(e);
	net_close(&n);
	evsd_config_free(&cfg);
}

/* Every IKE socket gets NET_RCVBUF of receive buffer (the kernel reports
 * twice what was set): all of it where evsd may pass rmem_max, else as
 * much as rmem_max allows; the default (rmem_default) overflowed under
 * thousands of clients. */
UNIT_TEST(ike_sockets_have_a_large_receive_buffer)
{
	uint16_t port = base_port() + 10;
	struct evsd_config cfg;
	struct net n;
	long rmem_max = 0;
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
	int want;

	UNIT_ASSERT(f && fscanf(f, "%ld", &rmem_max) == 1);
	fclose(f);
	want = geteuid() == 0 || rmem_max >= NET_RCVBUF ? NET_RCVBUF : (int)rmem_max;
	open_sockets("listen 127.0.0.1\n", port, &cfg, &n, 2);
	for (unsigned i = 0; i < n.n; i++) {
		int got = 0;
		socklen_t len = sizeof(got);

		UNIT_ASSERT_EQ_INT(getsockopt(n.s[i].fd, SOL_SOCKET, SO_RCVBUF, &got, &len), 0);
		UNIT_ASSERT(got >= 2 * want);
	}
	net_close(&n);
	evsd_config_free(&cfg);
}

UNIT_TEST(one_listen_address_binds_natt_to_it)
{
	uint16_t port = base_port() + 2;
	struct evsd_config cfg;
	struct net n;
	int natt;

	natt = open_sockets("listen 127.0.0.2\n", port, &cfg, &n, 2);
	UNIT_ASSERT(natt >= 0 && !n.s[natt].filter);
	UNIT_ASSERT(((struct sockaddr_in *)&n.s[natt].bound)->sin_addr.s_addr ==
		    htonl(0x7f000002));
	net_close(&n);
	evsd_config_free(&cfg);
}

UNIT_TEST(no_listen_address_is_one_wildcard_pair)
{
	uint16_t port = base_port() + 4;
	struct evsd_config cfg;
	struct net n;

	open_sockets("", port, &cfg, &n, 2);
	net_close(&n);
	evsd_config_free(&cfg);
}

/* The client role without listen lines: a gateway reached over IPv6 (its
 * primary or a failover server) adds an IPv6 wildcard pair, IKE sent to
 * it had no socket to leave by ("no socket to send from"). */
UNIT_TEST(client_with_an_ipv6_server_listens_on_ipv6_too)
{
	static const char *const confs[] = {
		"peer gw {\n    server 192.0.2.1\n    group-key k\n}\n",
		"peer gw {\n    server 2001:db8::1\n    group-key k\n}\n",
		"peer gw {\n    server 192.0.2.1\n    server 2001:db8::1\n"
		"    group-key k\n}\n",
	};
	uint16_t port = base_port() + 6;

	for (unsigned k = 0; k < 3; k++) {
		struct evsd_config cfg;
		unsigned v6 = 0;
		struct net n;

		UNIT_ASSERT(open_for(confs[k], port, &cfg, &n) == 0);
		for (unsigned i = 0; i < n.n; i++)
			v6 += n.s[i].bound.ss_family == AF_INET6;
		UNIT_ASSERT_EQ_INT(n.n, k ? 4 : 2);
		UNIT_ASSERT_EQ_INT(v6, k ? 2 : 0);
		UNIT_ASSERT_EQ_INT(attached(&n), k ? 2 : 1);
		net_close(&n);
		evsd_config_free(&cfg);
	}
}

/* A wildcard socket answers from the address the peer sent to
 * (IP_PKTINFO), not from whatever the route would pick. */
UNIT_TEST(wildcard_socket_answers_from_the_address_asked)
{
	uint16_t port = base_port() + 8;
	struct evsd_config cfg;
	struct net n;
	struct ike_path path = { 0 };
	struct sockaddr_in *loc = (struct sockaddr_in *)&path.local;
	struct sockaddr_in *rem = (struct sockaddr_in *)&path.remote;
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	static const uint8_t msg[] = "reply";
	uint8_t got[16];
	int peer = socket(AF_INET, SOCK_DGRAM, 0);

	UNIT_ASSERT(peer >= 0);
	rem->sin_family = AF_INET;
	rem->sin_addr.s_addr = htonl(0x7f000001);
	UNIT_ASSERT(bind(peer, (struct sockaddr *)rem, sizeof(*rem)) == 0);
	UNIT_ASSERT(getsockname(peer, (struct sockaddr *)rem, &(socklen_t){ sizeof(*rem) }) == 0);
	open_sockets("", port, &cfg, &n, 2);
	loc->sin_family = AF_INET;
	loc->sin_addr.s_addr = htonl(0x7f000003);
	loc->sin_port = htons(port);
	UNIT_ASSERT(net_send(&n, &path, msg, sizeof(msg)) == 0);
	UNIT_ASSERT(recvfrom(peer, got, sizeof(got), 0, (struct sockaddr *)&from, &fromlen) ==
		    (ssize_t)sizeof(msg));
	UNIT_ASSERT_EQ_INT(ntohl(from.sin_addr.s_addr), 0x7f000003);
	UNIT_ASSERT_EQ_INT(ntohs(from.sin_port), port);
	close(peer);
	net_close(&n);
	evsd_config_free(&cfg);
}

UNIT_TEST(bind_failure_names_the_address)
{
	uint16_t port = base_port() + 6;
	struct evsd_config cfg;
	struct net n;
	struct evs_err err;

	/* 203.0.113.254 is on no interface of the host: bind fails. */
	UNIT_ASSERT(load_conf("listen 127.0.0.1\nlisten 203.0.113.254\nports 30000 30001\n",
			      &cfg) == 0);
	cfg.ike.port = port;
	cfg.ike.natt_port = (uint16_t)(port + 1);
	UNIT_ASSERT(net_open(&n, &cfg.ike, NULL, &err) < 0);
	UNIT_ASSERT(strstr(err.msg, "203.0.113.254") != NULL);
	UNIT_ASSERT_EQ_INT(n.n, 0);
	evsd_config_free(&cfg);
}

UNIT_MAIN()
