// SPDX-License-Identifier: MIT
/*
 * evs-ikeload: an IKEv1 load generator for Easy VPN gateways.  Many
 * initiators in one process, each an ISAKMP SA of evsd's own engine in
 * the client role (aggressive or main mode as the peer block says, XAUTH
 * with its credentials, mode config pull, quick mode), each from its own
 * source address and port (plan.h), at most a given number in flight.
 * Nothing is installed in a kernel: a client counts as connected when its
 * quick mode hands the engine its SA pair.
 *
 *   evs-ikeload -c FILE [-p PEER] -n CLIENTS [-j INFLIGHT] [-a ADDRS]
 *               [-b BASE] [-P PORT0] [-t TIMEOUT_S] [-H HOLD_S] [-R]
 *
 * FILE is an evsd.conf for the client role (its peer block names the
 * gateway, group, key and XAUTH user).  When every client is connected
 * or has failed, one line of results goes to stdout; the clients then
 * stay connected (DPD answered) for HOLD_S seconds, or until SIGTERM or
 * SIGINT, so that the gateway's memory can be read with them all on.
 * Exits 0 when every client connected, 1 when some failed.
 *
 * -R: a client whose attempt ends without its SA pair starts a new
 * Phase 1 RECONNECT_MS later, as evsd's client role keeps its peer up,
 * until TIMEOUT_S after its first start (a reconnect storm: every client
 * at once with -j CLIENTS, each retrying until it gets in).  The result
 * line counts per client the datagrams it sent again (retransmissions
 * and answers to duplicates: a datagram equal to its previous one) and
 * its attempts; the ways attempts failed go to stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ezv/config_easyvpn.h"
#include "ezv/easyvpn.h"
#include "ike/engine/ikesa.h"
#include "ikeload/plan.h"
#include "lib/conftree.h"
#include "lib/log.h"

enum cl_state { CL_IDLE = 0, CL_RUNNING, CL_UP, CL_FAILED, CL_WAIT };

/* evsd's client role tries a peer without an SA again at its next round,
 * every 10 s (evsd/main.c RECONNECT_MS). */
#define RECONNECT_MS 10000

struct client {
	int fd;
	uint8_t state;
	uint64_t t0;		/* ms, when its first Phase 1 began */
	uint64_t again_at;	/* CL_WAIT: ms, its next attempt */
	uint32_t lat;		/* ms from t0 to its first SA pair */
	uint32_t resent;	/* datagrams equal to its previous one */
	uint32_t attempts;	/* Phase 1 exchanges begun */
	uint64_t last_hash;	/* of the last datagram it sent */
};

/* How attempts ended without an SA pair: the SA's state and end reason. */
#define FAIL_KINDS 24
struct fail_kind {
	char what[48];
	unsigned n;
};

struct load {
	struct ikeload_plan plan;
	struct client *c;
	/* One copy of the peer block per client: the engine takes SAs of the
	 * same block for one client's renewed Phase 1 (it moves their
	 * connections over), so each client needs its own. */
	struct ike_peer *peers;
	unsigned next, inflight, up, failed;
	unsigned max_inflight;
	uint64_t timeout_ms;
	bool reconnect;		/* -R */
	uint64_t t_last_up;	/* ms, the last SA pair so far */
	uint64_t t_last_start;	/* ms, the last first Phase 1 begun */
	struct fail_kind fails[FAIL_KINDS];
	int ep;
	uint64_t send_errors, rx_foreign;
	struct ike_engine *e;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void count_fail(struct load *l, const char *what)
{
	unsigned k;

	for (k = 0; k < FAIL_KINDS - 1 && l->fails[k].n; k++)
		if (!strcmp(l->fails[k].what, what))
			break;
	if (!l->fails[k].n)
		snprintf(l->fails[k].what, sizeof(l->fails[k].what), "%s",
			 k == FAIL_KINDS - 1 ? "other" : what);
	l->fails[k].n++;
}

static void finish(struct load *l, unsigned i, enum cl_state st)
{
	struct client *c = &l->c[i];
	uint64_t now = now_ms();

	if (c->state != CL_RUNNING)
		return;
	c->state = (uint8_t)st;
	l->inflight--;
	if (st == CL_FAILED && l->reconnect &&
	    now + RECONNECT_MS - c->t0 < l->timeout_ms) {
		/* Its socket goes with the attempt: the next one binds the
		 * same address and port again. */
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		c->state = CL_WAIT;
		c->again_at = now + RECONNECT_MS;
		return;
	}
	if (st == CL_UP) {
		uint64_t d = now_ms() - c->t0;

		c->lat = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
		l->up++;
		l->t_last_up = now_ms();
	} else {
		l->failed++;
	}
}

/* ---- the engine's side of the world ------------------------------------ */

/* Tells a datagram sent again from a new one (libsodium's SipHash, as
 * everywhere else; a fixed key: nobody chooses these datagrams). */
static uint64_t dgram_hash(const uint8_t *buf, size_t len)
{
	static const uint8_t key[crypto_shorthash_KEYBYTES];
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, buf, len, key);
	memcpy(&v, h, sizeof(v));
	return v;
}

static int l_send(void *arg, const struct ike_path *p, const uint8_t *buf, size_t len)
{
	struct load *l = arg;
	int i = ikeload_plan_index(&l->plan, (const struct sockaddr *)&p->local);
	uint64_t h;

	/* No NAT between the generator and the gateway: no port 4500. */
	if (i < 0 || l->c[i].fd < 0 || p->natt) {
		l->send_errors++;
		return -1;
	}
	h = dgram_hash(buf, len);
	if (h == l->c[i].last_hash)
		l->c[i].resent++;
	l->c[i].last_hash = h;
	if (sendto(l->c[i].fd, buf, len, 0, (const struct sockaddr *)&p->remote,
		   sizeof(struct sockaddr_in)) < 0) {
		l->send_errors++;
		return -1;
	}
	return 0;
}

static int l_child_add(void *arg, const struct kernel_child *k)
{
	struct load *l = arg;
	int i = ikeload_plan_index(&l->plan, (const struct sockaddr *)&k->local);

	if (i >= 0)
		finish(l, (unsigned)i, CL_UP);
	return 0;
}

static void l_client_end(void *arg, struct ike_sa *sa)
{
	struct load *l = arg;
	int i = ikeload_plan_index(&l->plan, (const struct sockaddr *)&sa->path.local);
	char what[48];

	if (i < 0 || l->c[i].state != CL_RUNNING)
		return;
	/* one line per failed attempt: why its exchange ended, and where */
	fprintf(stderr, "evs-ikeload: client %d failed after %llu ms: %s in %s\n", i,
		(unsigned long long)(now_ms() - l->c[i].t0), evs_end_reason_name(sa->end_reason),
		ike_state_name(sa->state));
	snprintf(what, sizeof(what), "%s/%s", ike_state_name(sa->state),
		 evs_end_reason_name(sa->end_reason));
	count_fail(l, what);
	finish(l, (unsigned)i, CL_FAILED);
}

static int l_ok(void *arg, const struct kernel_child *k)
{
	return 0;
}

static int l_del_sas(void *arg, uint32_t conn, uint32_t in, uint32_t out)
{
	return 0;
}

static int l_conn_del(void *arg, uint32_t conn)
{
	return 0;
}

static int l_keepalive(void *arg, const struct ike_path *p)
{
	return 0;
}

static const struct ike_engine_ops load_ops = {
	.send = l_send,
	.child_add = l_child_add,
	.child_del_sas = l_del_sas,
	.out_policy = l_ok,
	.conn_del = l_conn_del,
	.keepalive = l_keepalive,
	.client_end = l_client_end,
};

/* ---- clients ------------------------------------------------------------ */

static int open_socket(const struct sockaddr_storage *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	/* The addresses may be on the interface or merely routed here. */
	if (setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)a, sizeof(struct sockaddr_in)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void start_client(struct load *l, unsigned i)
{
	const struct ike_peer *peer = &l->peers[i];
	struct client *c = &l->c[i];
	struct sockaddr_storage local;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

	uint64_t now = now_ms();

	ikeload_plan_addr(&l->plan, i, &local);
	if (c->state == CL_IDLE) {
		c->t0 = now;
		l->t_last_start = now;
	}
	c->state = CL_RUNNING;
	c->attempts++;
	c->last_hash = 0;
	l->inflight++;
	c->fd = open_socket(&local);
	if (c->fd < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		fprintf(stderr, "evs-ikeload: client %u: socket: %s\n", i, strerror(errno));
		count_fail(l, "socket");
		finish(l, i, CL_FAILED);
		return;
	}
	ike_engine_set_time(l->e, now);
	if (!ike_engine_connect_to(l->e, peer, &local, &peer->server)) {
		count_fail(l, "connect");
		finish(l, i, CL_FAILED);
	}
}

/* -R: the clients whose next attempt is due (the in-flight bound holds). */
static void restart_due(struct load *l, uint64_t now)
{
	for (unsigned i = 0; i < l->next && l->inflight < l->max_inflight; i++)
		if (l->c[i].state == CL_WAIT && now >= l->c[i].again_at)
			start_client(l, i);
}

static void receive(struct load *l, unsigned i)
{
	uint8_t buf[65536];
	struct ike_path path;

	for (;;) {
		socklen_t sl = sizeof(path.remote);
		ssize_t n;

		memset(&path, 0, sizeof(path));
		n = recvfrom(l->c[i].fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&path.remote, &sl);
		if (n < 0)
			return;
		ikeload_plan_addr(&l->plan, i, &path.local);
		ike_engine_set_time(l->e, now_ms());
		ike_engine_input(l->e, &path, buf, (size_t)n);
	}
}

static void timeouts(struct load *l)
{
	uint64_t now = now_ms();

	/* The engine's own retransmissions are bounded too; this bounds a
	 * client whose gateway answers, but never to the end. */
	for (unsigned i = 0; i < l->next; i++) {
		struct client *c = &l->c[i];

		if ((c->state == CL_RUNNING || c->state == CL_WAIT) &&
		    now - c->t0 > l->timeout_ms) {
			if (c->state == CL_WAIT) {
				c->state = CL_RUNNING;	/* finish() counts it */
				l->inflight++;
			}
			fprintf(stderr, "evs-ikeload: client %u failed after %llu ms: no SA "
				"pair in time\n", i, (unsigned long long)(now - c->t0));
			count_fail(l, "timeout");
			finish(l, i, CL_FAILED);
		}
	}
}

/* ---- configuration ----------------------------------------------------- */

struct conf {
	struct cfg_node *tree;
	struct ike_config ike;
	struct easyvpn_config *ezv;
};

static int conf_load(const char *path, struct conf *cf, struct evs_err *err)
{
	memset(cf, 0, sizeof(*cf));
	cf->tree = cfg_parse_file(path, err);
	if (!cf->tree)
		return -1;
	if (ike_config_load(cf->tree, &cf->ike, err) < 0 ||
	    easyvpn_config_load(cf->tree, &cf->ezv, err) < 0)
		return -1;
	ezv_config_defaults(&cf->ike, cf->ezv);
	return 0;
}

static const struct ike_peer *find_peer(const struct ike_config *ike, const char *name)
{
	for (size_t i = 0; i < ike->n_peers; i++)
		if (!name || !strcmp(ike->peers[i].name, name))
			return &ike->peers[i];
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: evs-ikeload -c FILE [-p PEER] -n CLIENTS [-j INFLIGHT] [-a ADDRS]\n"
		"                   [-b BASE] [-P PORT0] [-t TIMEOUT_S] [-H HOLD_S] [-R] [-v]\n");
	exit(2);
}

static void report(struct load *l, uint64_t t_start, uint64_t t_end)
{
	uint32_t *v = calloc(l->plan.n_clients, sizeof(*v));
	struct ikeload_lat lat, rs;
	unsigned n = 0, att_max = 0, again = 0;
	double secs = (double)(t_end - t_start) / 1000.0;
	/* The rate runs to the last SA pair: clients that failed later (after
	 * the timeout) would dilute it with time nobody connected in. */
	double up_secs = l->up ? (double)(l->t_last_up - t_start) / 1000.0 : 0.0;

	if (!v) {
		fprintf(stderr, "evs-ikeload: out of memory\n");
		exit(1);
	}
	for (unsigned i = 0; i < l->plan.n_clients; i++)
		if (l->c[i].state == CL_UP)
			v[n++] = l->c[i].lat;
	ikeload_latency(v, n, &lat);
	/* Every client's datagrams sent again and attempts (the nearest-rank
	 * figures serve for counts as well as for ms). */
	for (unsigned i = 0; i < l->plan.n_clients; i++) {
		v[i] = l->c[i].resent;
		if (l->c[i].attempts > att_max)
			att_max = l->c[i].attempts;
		again += l->c[i].attempts > 1;
	}
	ikeload_latency(v, l->plan.n_clients, &rs);
	free(v);
	printf("ikeload clients=%u up=%u failed=%u seconds=%.3f up_seconds=%.3f rate=%.2f "
	       "lat_median_ms=%u lat_p90_ms=%u lat_max_ms=%u send_errors=%llu "
	       "resent_median=%u resent_p90=%u resent_max=%u attempts_max=%u "
	       "clients_again=%u start_spread_ms=%llu dpd_dead=%llu\n",
	       l->plan.n_clients, l->up, l->failed, secs, up_secs,
	       up_secs > 0 ? l->up / up_secs : 0.0, lat.median, lat.p90, lat.max,
	       (unsigned long long)l->send_errors, rs.median, rs.p90, rs.max, att_max,
	       again, (unsigned long long)(l->t_last_start - t_start),
	       (unsigned long long)l->e->stats.dpd_dead);
	fflush(stdout);
	for (unsigned k = 0; k < FAIL_KINDS && l->fails[k].n; k++)
		fprintf(stderr, "evs-ikeload: attempts ended without an SA pair: %u %s\n",
			l->fails[k].n, l->fails[k].what);
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL, *peer_name = NULL, *base = "10.90.0.1";
	unsigned hold = 0;
	int verbose = LOG_ERR, opt, sig_fd;
	struct load l = { .max_inflight = 20, .timeout_ms = 120000 };
	struct in_addr ba;
	struct evs_err err = { 0 };
	struct conf cf;
	const struct ike_peer *peer;
	struct ezv *z;
	struct rlimit rl;
	sigset_t ss;
	struct epoll_event ev;
	uint64_t t_start, t_end = 0, next_tick, read_until;
	bool reported = false;

	l.plan.n_addrs = 250;
	l.plan.port0 = 10000;
	while ((opt = getopt(argc, argv, "c:p:n:j:a:b:P:t:H:Rv")) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 'p': peer_name = optarg; break;
		case 'n': l.plan.n_clients = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'j': l.max_inflight = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a': l.plan.n_addrs = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': base = optarg; break;
		case 'P': l.plan.port0 = (uint16_t)strtoul(optarg, NULL, 10); break;
		case 't': l.timeout_ms = strtoull(optarg, NULL, 10) * 1000; break;
		case 'H': hold = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': l.reconnect = true; break;
		case 'v': verbose = LOG_INFO; break;
		default: usage();
		}
	}
	if (!conf_path || !l.plan.n_clients || !l.max_inflight || !l.timeout_ms ||
	    inet_pton(AF_INET, base, &ba) != 1)
		usage();
	l.plan.base = ntohl(ba.s_addr);
	if (ikeload_plan_check(&l.plan, &err) < 0) {
		fprintf(stderr, "evs-ikeload: %s\n", err.msg);
		return 2;
	}
	evs_log_init("evs-ikeload", EVS_LOG_STDERR, verbose);
	if (conf_load(conf_path, &cf, &err) < 0) {
		fprintf(stderr, "evs-ikeload: %s\n", err.msg);
		return 2;
	}
	peer = find_peer(&cf.ike, peer_name);
	if (!peer || peer->server.ss_family != AF_INET) {
		fprintf(stderr, "evs-ikeload: %s: no IPv4 peer block%s%s\n", conf_path,
			peer_name ? " named " : "", peer_name ? peer_name : "");
		return 2;
	}
	/* One socket per client, kept while it is connected. */
	rl.rlim_cur = rl.rlim_max = l.plan.n_clients + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		fprintf(stderr, "evs-ikeload: %u descriptors: %s\n", l.plan.n_clients + 64,
			strerror(errno));
		return 2;
	}
	l.c = calloc(l.plan.n_clients, sizeof(*l.c));
	l.peers = calloc(l.plan.n_clients, sizeof(*l.peers));
	l.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!l.c || !l.peers || l.ep < 0) {
		fprintf(stderr, "evs-ikeload: out of memory\n");
		return 1;
	}
	/* The same name: XAUTH and mode config find their credentials by it
	 * (the configuration's block, the first of that name). */
	for (unsigned i = 0; i < l.plan.n_clients; i++)
		l.peers[i] = *peer;
	for (unsigned i = 0; i < l.plan.n_clients; i++)
		l.c[i].fd = -1;
	z = ezv_init(&cf.ike, cf.ezv, NULL, NULL, &err);
	l.e = z ? ike_engine_new(&cf.ike, EVS_ROLE_CLIENT, &load_ops, &l) : NULL;
	if (!l.e) {
		fprintf(stderr, "evs-ikeload: %s\n", z ? "cannot make the engine" : err.msg);
		return 1;
	}
	ezv_attach(z, l.e);
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	sig_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.u32 = UINT32_MAX;
	if (sig_fd < 0 || epoll_ctl(l.ep, EPOLL_CTL_ADD, sig_fd, &ev) < 0)
		return 1;
	if (ezv_fd(z) >= 0) {
		ev.data.u32 = UINT32_MAX - 1;
		epoll_ctl(l.ep, EPOLL_CTL_ADD, ezv_fd(z), &ev);
	}

	t_start = now_ms();
	next_tick = t_start;
	read_until = t_start;
	for (;;) {
		struct epoll_event evs[64];
		uint64_t now = now_ms();
		int n, wait;

		if (l.reconnect)
			restart_due(&l, now);
		while (l.inflight < l.max_inflight && l.next < l.plan.n_clients)
			start_client(&l, l.next++);
		if (!reported && l.up + l.failed == l.plan.n_clients) {
			t_end = now_ms();
			report(&l, t_start, t_end);
			reported = true;
		}
		if (reported && hold && now - t_end >= (uint64_t)hold * 1000)
			break;
		wait = next_tick > now ? (int)(next_tick - now) : 0;
		n = epoll_wait(l.ep, evs, 64, wait);
		/* Fewer than a full batch: every socket with input is in it and
		 * receive() empties each, so all that came before is read. */
		if (n >= 0 && n < 64)
			read_until = now_ms();
		for (int k = 0; k < n; k++) {
			uint32_t d = evs[k].data.u32;

			if (d == UINT32_MAX)
				goto out;
			if (d == UINT32_MAX - 1) {
				ike_engine_set_time(l.e, now_ms());
				ezv_process(z);
				continue;
			}
			receive(&l, d);
		}
		now = now_ms();
		if (now >= next_tick) {
			uint64_t a, b;

			ike_engine_set_time(l.e, now);
			ike_engine_input_read_until(l.e, read_until);
			a = ike_engine_tick(l.e);
			if (a > 250)
				a = 250;	/* its own datagrams set timers between ticks */
			b = ezv_tick(z, now);
			next_tick = now + (a < b ? a : b);
			timeouts(&l);
		}
	}
out:
	if (!reported)
		report(&l, t_start, now_ms());
	/* The gateway is restarted between runs: no deletes, no teardown. */
	return l.failed || l.up < l.plan.n_clients ? 1 : 0;
}
