// SPDX-License-Identifier: MIT
/* The dynamic-authorization socket (RFC 5176); see dae.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "evsd/dae.h"
#include "ezv/dae.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"

/* Requests read per wake-up: a flood cannot hold the loop. */
#define DAE_BURST 32

struct evsd_dae {
	struct loop *loop;
	struct ezv *z;
	struct ike_engine *eng;
	int fd;
	uint16_t port;
	struct sockaddr_storage listen;	/* as configured */
};

/* The dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d: the
 * decision sees it as the IPv4 address it is configured under. */
static void unmap(const struct sockaddr_storage *from, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)from;
	struct sockaddr_in *s4 = (struct sockaddr_in *)out;

	*out = *from;
	if (from->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(out, 0, sizeof(*out));
	s4->sin_family = AF_INET;
	s4->sin_port = s6->sin6_port;
	memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
}

static void on_dae(int fd, void *arg)
{
	struct evsd_dae *d = arg;

	for (int i = 0; i < DAE_BURST; i++) {
		uint8_t b[4096], out[256];
		struct sockaddr_storage from, who;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)&from,
				     &flen);
		uint64_t now = loop_now_ms();
		size_t an;

		if (n < 0)
			return;
		ike_engine_set_time(d->eng, now);
		unmap(&from, &who);
		an = ezv_dae_input(d->z, &who, b, (size_t)n, now, (uint64_t)time(NULL), out,
				   sizeof(out));
		if (an && sendto(fd, out, an, 0, (struct sockaddr *)&from, flen) < 0)
			log_info("radius: dynamic-authorization answer not sent: %s",
				 strerror(errno));
	}
}

bool evsd_dae_same(const struct evsd_dae *d, const struct easyvpn_config *cfg)
{
	struct sockaddr_storage ss;
	uint16_t port = ezv_dae_port(cfg, &ss);

	if (!d || !port)
		return !d && !port;
	return port == d->port && ss.ss_family == d->listen.ss_family &&
	       (ss.ss_family == AF_UNSPEC || ezv_same_host(&ss, &d->listen));
}

struct evsd_dae *evsd_dae_open(struct loop *l, struct ezv *z,
			       const struct easyvpn_config *cfg, struct ike_engine *eng,
			       struct evs_err *err)
{
	struct sockaddr_storage ss, conf;
	struct evsd_dae *d;
	uint16_t port;
	socklen_t len;
	char a[INET6_ADDRSTRLEN] = "*";
	int one = 1, v6only = 0;

	err->msg[0] = '\0';
	port = z ? ezv_dae_port(cfg, &ss) : 0;
	if (!port)
		return NULL;
	conf = ss;
	if (ss.ss_family == AF_UNSPEC) {
		/* every address, IPv4 and IPv6 on one socket */
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_any;
	}
	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof(a));
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
		if (!IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&ss)->sin6_addr))
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a,
				  sizeof(a));
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	d->loop = l;
	d->z = z;
	d->eng = eng;
	d->port = port;
	d->listen = conf;
	d->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->fd < 0)
		goto fail;
	setsockopt(d->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(d->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(d->fd, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	if (l && loop_add_fd(l, d->fd, on_dae, d) < 0) {
		errno = EMFILE;
		goto fail;
	}
	log_info("radius: dynamic authorization (RFC 5176) on %s port %u", a, port);
	return d;
fail:
	evs_errf(err, "dynamic-authorization socket on %s port %u: %s", a, port,
		 strerror(errno));
	if (d->fd >= 0)
		close(d->fd);
	free(d);
	return NULL;
}

void evsd_dae_close(struct evsd_dae *d)
{
	if (!d)
		return;
	if (d->loop)
		loop_del_fd(d->loop, d->fd);
	close(d->fd);
	free(d);
}
