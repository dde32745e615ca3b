// SPDX-License-Identifier: MIT
/*
 * net: UDP 500/4500 sockets.  See net.h.
 */
#include "evsd/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/daemon_log.h"

#define NON_ESP_MARKER_LEN 4

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static uint16_t ss_port(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port :
	       ((const struct sockaddr_in6 *)ss)->sin6_port;
}

static socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	       sizeof(struct sockaddr_in);
}

/* A socket of old bound to the same address and port, for the same use:
 * taken over (its fd moves to the new set). */
static bool reuse(struct net *old, struct net_sock *s)
{
	for (unsigned i = 0; old && i < old->n; i++) {
		struct net_sock *o = &old->s[i];

		if (o->fd >= 0 && o->natt == s->natt &&
		    ike_addr_eq((const struct sockaddr *)&o->bound,
				(const struct sockaddr *)&s->bound) &&
		    ss_port(&o->bound) == ss_port(&s->bound)) {
			s->fd = o->fd;
			o->fd = -1;
			return true;
		}
	}
	return false;
}

/* A 4500 socket: handed to evs.ko, then bound next to its stand-in
 * (SO_REUSEPORT, net.h).  An older evs.ko's stand-in has no SO_REUSEPORT:
 * then the port is asked back, but only by an evsd whose socket evs.ko
 * took (a second evsd started by mistake never gets that far). */
static int bind_natt(struct net *n, int fd, const struct sockaddr_storage *ss)
{
	int attached = 0;

	if (n->hook) {
		attached = n->hook->attach(n->hook->arg, fd, ss->ss_family);
		if (attached < 0) {
			errno = EBUSY;
			return -1;
		}
	}
	if (!bind(fd, (const struct sockaddr *)ss, ss_len(ss)))
		return 0;
	if (errno != EADDRINUSE || attached <= 0)
		return -1;
	n->hook->release(n->hook->arg);
	return bind(fd, (const struct sockaddr *)ss, ss_len(ss));
}

static int open_one(struct net *n, struct net *old,
		    const struct sockaddr_storage *addr, uint16_t port, bool natt,
		    struct evs_err *err)
{
	struct net_sock *s = &n->s[n->n];
	int one = 1, zero = 0, rcvbuf = NET_RCVBUF, fd;
	char a[64];

	if (n->n >= NET_MAX_SOCKS) {
		evs_errf(err, "too many listen addresses");
		return -1;
	}
	s->bound = *addr;
	set_port(&s->bound, port);
	s->natt = natt;
	if (reuse(old, s)) {
		n->n++;
		return 0;
	}
	fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		evs_errf(err, "socket: %s", strerror(errno));
		return -1;
	}
	if (!natt)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	else
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	/* past rmem_max with CAP_NET_ADMIN (evsd has it), else up to it */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (addr->ss_family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	} else {
		/* IPv6 only: IPv4 has its own sockets (no mapped addresses) */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	if (natt ? bind_natt(n, fd, &s->bound) < 0 :
		   bind(fd, (struct sockaddr *)&s->bound, ss_len(&s->bound)) < 0) {
		ike_addr_str((struct sockaddr *)&s->bound, a, sizeof(a));
		evs_errf(err, "bind %s: %s", a, strerror(errno));
		close(fd);
		return -1;
	}
	if (natt)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof(zero));
	s->fd = fd;
	s->natt = natt;
	n->n++;
	ike_addr_str((struct sockaddr *)&s->bound, a, sizeof(a));
	log_info("listening on %s%s", a, natt ? " (NAT-T)" : "");
	return 0;
}

static bool is_v4(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET;
}

static void dump_open(struct net *n)
{
	const char *dir = getenv("EVS_IKE_DUMP");

	if (!dir || !dir[0])
		return;
	n->dump_fd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	n->dump = n->dump_fd >= 0;
	if (n->dump)
		log_warn("EVS_IKE_DUMP: writing every IKE datagram received to %s", dir);
	else
		log_warn("EVS_IKE_DUMP: %s: %s", dir, strerror(errno));
}

static void dump(struct net *n, const uint8_t *buf, size_t len)
{
	char name[64];
	int fd;

	if (!n->dump)
		return;
	snprintf(name, sizeof(name), "evsd-%ld-%06u", (long)getpid(), n->n_dumped++);
	fd = openat(n->dump_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, buf, len) != (ssize_t)len)
		log_warn("EVS_IKE_DUMP: %s: short write", name);
	close(fd);
}

/* Does a peer block (the client role) name an IPv6 server? */
static bool peers_use_ipv6(const struct ike_config *ike)
{
	for (size_t i = 0; i < ike->n_peers; i++) {
		const struct ike_peer *p = &ike->peers[i];

		if (p->server.ss_family == AF_INET6)
			return true;
		for (unsigned j = 0; j < p->n_servers; j++)
			if (p->servers[j].ss_family == AF_INET6)
				return true;
	}
	return false;
}

/* A wildcard IKE socket and its NAT-T one, given to evs.ko. */
static int open_wildcard(struct net *n, struct net *old,
			 const struct sockaddr_storage *any, uint16_t port,
			 uint16_t nport, struct evs_err *err)
{
	if (open_one(n, old, any, port, false, err) < 0 ||
	    open_one(n, old, any, nport, true, err) < 0)
		return -1;
	n->s[n->n - 1].attach = true;
	return 0;
}

/* The sockets for ike into n, taking over those of old that fit. */
static int net_build(struct net *n, struct net *old, const struct ike_config *ike,
		     const struct net_natt_hook *hook, struct evs_err *err)
{
	uint16_t port = ike->port ? ike->port : 500;
	uint16_t nport = ike->natt_port ? ike->natt_port : 4500;
	const struct sockaddr_storage *v4 = NULL, *v6 = NULL;
	struct sockaddr_storage any, any6;
	unsigned n_v4 = 0, n_v6 = 0;

	memset(n, 0, sizeof(*n));
	n->hook = hook;
	memset(&any, 0, sizeof(any));
	any.ss_family = AF_INET;
	memset(&any6, 0, sizeof(any6));
	any6.ss_family = AF_INET6;
	/* Without listen addresses: every IPv4 address, and every IPv6 one
	 * too when a client's gateway is reached over IPv6 (a gateway
	 * listens on IPv6 only when told to). */
	if (!ike->n_listen) {
		if (open_wildcard(n, old, &any, port, nport, err) < 0 ||
		    (peers_use_ipv6(ike) && open_wildcard(n, old, &any6, port, nport, err) < 0))
			goto fail;
		return 0;
	}
	for (unsigned i = 0; i < ike->n_listen; i++) {
		if (open_one(n, old, &ike->listen[i], port, false, err) < 0)
			goto fail;
		if (is_v4(&ike->listen[i])) {
			v4 = &ike->listen[i];
			n_v4++;
		} else {
			v6 = &ike->listen[i];
			n_v6++;
		}
	}
	/* evs.ko takes ESP-in-UDP from one socket per namespace and family:
	 * several listen addresses of a family share one wildcard 4500
	 * socket. */
	if (n_v4) {
		if (open_one(n, old, n_v4 == 1 ? v4 : &any, nport, true, err) < 0)
			goto fail;
		n->s[n->n - 1].attach = true;
		n->s[n->n - 1].filter = n_v4 > 1;
	}
	if (n_v6) {
		if (open_one(n, old, n_v6 == 1 ? v6 : &any6, nport, true, err) < 0)
			goto fail;
		n->s[n->n - 1].attach = true;
		n->s[n->n - 1].filter = n_v6 > 1;
	}
	return 0;
fail:
	/* Taken-over sockets go back to old, new ones are closed. */
	for (unsigned i = 0; i < n->n; i++) {
		bool back = false;

		for (unsigned j = 0; old && j < old->n && !back; j++)
			if (old->s[j].fd < 0 && old->s[j].natt == n->s[i].natt &&
			    ike_addr_eq((const struct sockaddr *)&old->s[j].bound,
					(const struct sockaddr *)&n->s[i].bound) &&
			    ss_port(&old->s[j].bound) == ss_port(&n->s[i].bound)) {
				old->s[j].fd = n->s[i].fd;
				back = true;
			}
		if (!back)
			close(n->s[i].fd);
	}
	n->n = 0;
	return -1;
}

int net_open(struct net *n, const struct ike_config *ike,
	     const struct net_natt_hook *hook, struct evs_err *err)
{
	int rc = net_build(n, NULL, ike, hook, err);

	n->hook = NULL;
	if (rc < 0)
		return -1;
	dump_open(n);
	return 0;
}

static void natt_reuseport(const struct net *n, int on)
{
	for (unsigned i = 0; i < n->n; i++)
		if (n->s[i].natt && n->s[i].fd >= 0)
			setsockopt(n->s[i].fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
}

int net_update(struct net *n, const struct ike_config *ike, struct net *gone,
	       struct evs_err *err)
{
	struct net *nn = calloc(1, sizeof(*nn));
	unsigned k = 0;
	int rc;

	if (!nn) {
		evs_errf(err, "out of memory");
		return -1;
	}
	/* A new 4500 socket may overlap one of ours (a wildcard replacing
	 * an address): ours let it bind for the time of the build. */
	natt_reuseport(n, 1);
	rc = net_build(nn, n, ike, NULL, err);
	natt_reuseport(n, 0);
	natt_reuseport(nn, 0);		/* those taken over from n */
	if (rc < 0) {
		free(nn);
		return -1;
	}
	memset(gone, 0, offsetof(struct net, rx_buf));
	for (unsigned i = 0; i < n->n; i++)
		if (n->s[i].fd >= 0)
			gone->s[k++] = n->s[i];
	gone->n = k;
	/* The counters and the dump directory stay with n. */
	n->n = nn->n;
	memcpy(n->s, nn->s, sizeof(n->s));
	free(nn);
	return 0;
}

/* A wildcard socket standing in for several listen addresses only takes
 * IKE sent to one of them (the UDP 500 sockets are bound to each). */
static bool listening_on(const struct net *n, const struct sockaddr_storage *local)
{
	for (unsigned i = 0; i < n->n; i++)
		if (!n->s[i].natt && ike_addr_eq((const struct sockaddr *)&n->s[i].bound,
						 (const struct sockaddr *)local))
			return true;
	return false;
}

void net_close(struct net *n)
{
	for (unsigned i = 0; i < n->n; i++)
		if (n->s[i].fd >= 0)
			close(n->s[i].fd);
	n->n = 0;
	if (n->dump)
		close(n->dump_fd);
	n->dump = false;
}

static const struct net_sock *natt_sock(const struct net *n, unsigned idx)
{
	for (unsigned i = 0; i < n->n; i++)
		if (n->s[i].attach && !idx--)
			return &n->s[i];
	return NULL;
}

int net_natt_fd(const struct net *n, unsigned idx)
{
	const struct net_sock *s = natt_sock(n, idx);

	return s ? s->fd : -1;
}

int net_natt_family(const struct net *n, unsigned idx)
{
	const struct net_sock *s = natt_sock(n, idx);

	return s ? s->bound.ss_family : AF_UNSPEC;
}

/* The destination address of a received datagram. */
static void local_of(struct msghdr *mh, const struct net_sock *s,
		     struct sockaddr_storage *local)
{
	*local = s->bound;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in *)local)->sin_addr = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			((struct sockaddr_in6 *)local)->sin6_addr = pi.ipi6_addr;
		}
	}
}

void net_discard(struct net *n, unsigned i)
{
	for (int k = 0; k < 64; k++)
		if (recv(n->s[i].fd, n->rx_buf, sizeof(n->rx_buf), 0) < 0)
			return;
}

bool net_read(struct net *n, unsigned i, struct ike_engine *e)
{
	struct net_sock *s = &n->s[i];
	uint8_t *buf = n->rx_buf;

	for (int k = 0; k < 64; k++) {
		union {
			struct cmsghdr align;
			uint8_t b[256];
		} ctl;
		struct ike_path p;
		struct iovec iov = { buf, sizeof(n->rx_buf) };
		struct msghdr mh = {
			.msg_name = &p.remote, .msg_namelen = sizeof(p.remote),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
		};
		ssize_t len;

		memset(&p, 0, sizeof(p));
		len = recvmsg(s->fd, &mh, 0);
		if (len < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("recvmsg: %s", strerror(errno));
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		local_of(&mh, s, &p.local);
		p.natt = s->natt;
		if (!s->natt) {
			dump(n, buf, (size_t)len);
			ike_engine_input(e, &p, buf, (size_t)len);
			continue;
		}
		if (len == 1 && buf[0] == 0xff) {
			n->rx_keepalive++;
			continue;
		}
		if (len < NON_ESP_MARKER_LEN || buf[0] || buf[1] || buf[2] || buf[3]) {
			/* ESP the kernel did not take: not attached yet. */
			n->rx_esp_leak++;
			continue;
		}
		if (s->filter && !listening_on(n, &p.local)) {
			n->rx_not_listening++;
			continue;
		}
		dump(n, buf + NON_ESP_MARKER_LEN, (size_t)len - NON_ESP_MARKER_LEN);
		ike_engine_input(e, &p, buf + NON_ESP_MARKER_LEN,
				 (size_t)len - NON_ESP_MARKER_LEN);
	}
	return false;
}

uint64_t net_read_until(struct net *n, uint64_t now)
{
	uint64_t until = now;

	for (unsigned i = 0; i < n->n; i++) {
		struct net_sock *s = &n->s[i];
		int queued = 0;

		if (ioctl(s->fd, FIONREAD, &queued) == 0 && queued == 0)
			s->read_until = now;
		if (s->read_until < until)
			until = s->read_until;
	}
	return until;
}

static const struct net_sock *pick(const struct net *n, const struct ike_path *p)
{
	const struct net_sock *wild = NULL;

	for (unsigned i = 0; i < n->n; i++) {
		const struct net_sock *s = &n->s[i];

		if (s->natt != p->natt || s->bound.ss_family != p->local.ss_family)
			continue;
		if (ike_addr_eq((const struct sockaddr *)&s->bound,
				(const struct sockaddr *)&p->local))
			return s;
		if (!wild)
			wild = s;
	}
	return wild;
}

/* One source-address control message (IP_PKTINFO or IPV6_PKTINFO) in
 * buf, which holds at least CMSG_SPACE(len) aligned bytes. */
static void put_pktinfo(struct msghdr *mh, uint8_t *buf, int level, int type,
			const void *pi, size_t len)
{
	struct cmsghdr *c;

	memset(buf, 0, CMSG_SPACE(len));
	mh->msg_control = buf;
	mh->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), pi, len);
}

static int send_from(const struct net_sock *s, const struct ike_path *p,
		     const struct iovec *iov, int iovcnt)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct msghdr mh = {
		.msg_name = (void *)&p->remote,
		.msg_namelen = ss_len(&p->remote),
		.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt,
	};
	char a[64];

	/* a wildcard socket: answer from the address asked */
	if (p->local.ss_family == AF_INET &&
	    ((const struct sockaddr_in *)&p->local)->sin_addr.s_addr &&
	    !((const struct sockaddr_in *)&s->bound)->sin_addr.s_addr) {
		struct in_pktinfo pi = {
			.ipi_spec_dst = ((const struct sockaddr_in *)&p->local)->sin_addr,
		};

		put_pktinfo(&mh, ctl.b, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	} else if (p->local.ss_family == AF_INET6 &&
		   !IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&p->local)->sin6_addr) &&
		   IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&s->bound)->sin6_addr)) {
		struct in6_pktinfo pi = {
			.ipi6_addr = ((const struct sockaddr_in6 *)&p->local)->sin6_addr,
		};

		put_pktinfo(&mh, ctl.b, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (sendmsg(s->fd, &mh, 0) < 0) {
		ike_addr_str((const struct sockaddr *)&p->remote, a, sizeof(a));
		log_warn("send to %s: %s", a, strerror(errno));
		return -1;
	}
	return 0;
}

int net_send(void *arg, const struct ike_path *p, const uint8_t *buf,
	     size_t len)
{
	static const uint8_t marker[NON_ESP_MARKER_LEN];
	const struct net_sock *s = pick(arg, p);
	struct iovec iov[2];
	int n = 0;

	if (!s) {
		log_warn("no socket to send from");
		return -1;
	}
	if (p->natt) {
		iov[n].iov_base = (void *)marker;
		iov[n++].iov_len = sizeof(marker);
	}
	iov[n].iov_base = (void *)buf;
	iov[n++].iov_len = len;
	return send_from(s, p, iov, n);
}

int net_keepalive(void *arg, const struct ike_path *p)
{
	static const uint8_t ka = 0xff;
	const struct net_sock *s = pick(arg, p);
	struct iovec iov = { (void *)&ka, 1 };

	if (!s || !p->natt)
		return -1;
	return send_from(s, p, &iov, 1);
}

int net_local_for(const struct net *n, const struct sockaddr_storage *remote,
		  uint16_t port, struct sockaddr_storage *local)
{
	socklen_t len = sizeof(*local);
	int fd = socket(remote->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)n;
	if (fd < 0)
		return -1;
	/* connect() on UDP sends nothing; it only picks the route. */
	if (connect(fd, (const struct sockaddr *)remote, ss_len(remote)) < 0 ||
	    getsockname(fd, (struct sockaddr *)local, &len) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	set_port(local, port);
	return 0;
}
