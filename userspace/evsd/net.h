/* SPDX-License-Identifier: MIT */
/*
 * net: the IKE sockets.  UDP 500 (plain IKE) and UDP 4500 (RFC 3948: IKE
 * after the 4-byte non-ESP marker, 1-byte 0xff NAT keepalives, everything
 * else is ESP, which evs.ko consumes once the socket is attached with
 * EVS_CMD_ENCAP_ATTACH).  One UDP 500 socket per listen address (or one
 * wildcard socket); NAT-T has exactly one 4500 socket per family, because
 * evs.ko takes ESP-in-UDP from one socket per namespace and family: bound
 * to the listen address when there is one, else a wildcard whose IKE
 * datagrams to other addresses are dropped.  Wildcard sockets use
 * IP_PKTINFO / IPV6_PKTINFO so answers leave from the address they came
 * to.  IPv6 sockets are IPV6_V6ONLY.
 *
 * A 4500 socket is handed to evs.ko before it is bound (no ESP reaches us
 * as a datagram) and bound with SO_REUSEPORT: next to the socket evs.ko
 * holds on the port while no evsd runs (kernel/encap.c, a restart), whose
 * ESP-in-UDP thus never finds the port closed.  SO_REUSEPORT is cleared
 * once bound, and 4500 has no SO_REUSEADDR: no other socket may bind the
 * port while we hold it (a second evsd started by mistake).
 */
#ifndef EVSD_NET_H
#define EVSD_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "ike/engine/ikesa.h"

#define NET_MAX_SOCKS 16

/* Each IKE socket's receive buffer: room for the datagrams that arrive
 * while evsd is busy or not scheduled.  The default (rmem_default, ~200
 * KiB: a few hundred datagrams) overflowed on a loaded host with 10,000
 * clients' DPD and retransmissions, and every datagram lost there is
 * retransmitted, which adds to the load (Documentation/performance.md). */
#define NET_RCVBUF	(4 << 20)

struct net_sock {
	int fd;
	bool natt;			/* the 4500 socket */
	bool attach;			/* evs.ko takes ESP from it */
	bool filter;			/* wildcard for several listen addresses */
	struct sockaddr_storage bound;
	uint64_t read_until;		/* ms: what arrived before is read */
};

/* attach: called for a new 4500 socket before it is bound; 1 attached,
 * 0 not attached but go on, < 0 fails the open.  release: the port is
 * held by a socket without SO_REUSEPORT (an older evs.ko's stand-in): ask
 * for it back, the bind is tried again. */
struct net_natt_hook {
	int (*attach)(void *arg, int fd, int family);
	void (*release)(void *arg);
	void *arg;
};

struct net {
	unsigned n;
	const struct net_natt_hook *hook;	/* while net_open runs */
	struct net_sock s[NET_MAX_SOCKS];
	uint64_t rx_esp_leak;		/* ESP seen by us: not attached */
	uint64_t rx_keepalive;
	uint64_t rx_not_listening;	/* IKE to an address not listened on */
	/* EVS_IKE_DUMP=DIR: every IKE datagram received is also written to
	 * DIR as a file (fuzzing seeds from real peers; debugging only). */
	bool dump;
	int dump_fd;
	unsigned n_dumped;
	uint8_t rx_buf[65536];		/* the datagram being read */
};

/* Open and bind the sockets for cfg (listen addresses, ports), passing
 * each 4500 socket to hook (may be NULL) before it is bound.  On error -1
 * with a reason in err. */
int net_open(struct net *n, const struct ike_config *ike,
	     const struct net_natt_hook *hook, struct evs_err *err);
void net_close(struct net *n);
/* Reload: the sockets for ike's listen addresses and ports, keeping those
 * n has already (same address, port and use); the ones no longer wanted
 * move to *gone (for the caller to stop watching, detach and net_close;
 * gone's buffers are not used).  On error -1 with err, and n unchanged. */
int net_update(struct net *n, const struct ike_config *ike, struct net *gone,
	       struct evs_err *err);
/* Read socket i's pending datagrams into the engine, a batch at most (the
 * loop calls again while more wait); true when none is left. */
bool net_read(struct net *n, unsigned i, struct ike_engine *e);
/* The time up to which every socket's input has been read (ms): now for
 * a socket with nothing queued, else when net_read last emptied it. */
uint64_t net_read_until(struct net *n, uint64_t now);
/* Read and drop what is pending on socket i (an HA standby). */
void net_discard(struct net *n, unsigned i);
/* struct ike_engine_ops members (arg = struct net *). */
int net_send(void *arg, const struct ike_path *p, const uint8_t *buf,
	     size_t len);
int net_keepalive(void *arg, const struct ike_path *p);
/* The local address the kernel would use towards remote (port: ours). */
int net_local_for(const struct net *n, const struct sockaddr_storage *remote,
		  uint16_t port, struct sockaddr_storage *local);
/* The descriptors of the 4500 sockets evs.ko takes ESP from
 * (EVS_CMD_ENCAP_ATTACH): idx 0, 1, ... until -1; at most one per
 * family; and the family of the idx-th (AF_UNSPEC past the end). */
int net_natt_fd(const struct net *n, unsigned idx);
int net_natt_family(const struct net *n, unsigned idx);

#endif
