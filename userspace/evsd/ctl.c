// SPDX-License-Identifier: MIT
/*
 * ctl: the control socket.  See ctl.h.
 */
#include "evsd/ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/daemon_log.h"
#include "evsd/loop.h"
#include "ike/engine/phase2.h"

static void answer_sessions(struct ike_engine *e, FILE *f)
{
	/* The listing: inherently over all SAs. */
	for (struct ike_sa *sa = e->sas; sa; sa = sa->next) {
		char peer[64], alg[96] = "-";
		uint64_t age = (e->now - sa->created) / 1000;

		if (sa->state == IKE_S_DEAD)
			continue;
		ike_addr_str((struct sockaddr *)&sa->path.remote, peer, sizeof(peer));
		if (sa->have_chosen)
			p1_xform_format(&sa->chosen, alg, sizeof(alg));
		fprintf(f, "ike id=%u state=%s peer=%s role=%s mode=%s alg=%s natt=%s dpd=%s age=%llu label=%s\n",
			sa->serial, ike_state_name(sa->state), peer,
			sa->initiator ? "initiator" : "responder",
			sa->exch == ISAKMP_EXCH_AGGRESSIVE ? "aggressive" : "main",
			alg, sa->path.natt ? "yes" : "no", sa->dpd ? "yes" : "no",
			(unsigned long long)age, sa->label[0] ? log_peer(sa->label) : "-");
		for (struct ike_conn *c = sa->conns; c; c = c->next) {
			char l[64], r[64], x[96];

			evs_prefix_str(&c->local, l, sizeof(l));
			evs_prefix_str(&c->remote, r, sizeof(r));
			p2_xform_format(&c->xf, x, sizeof(x));
			fprintf(f, "  conn id=%u local=%s remote=%s spi_in=%08x spi_out=%08x alg=%s rekeys=%u\n",
				c->id, l, r, c->spi_in, c->spi_out, x,
				c->generation ? c->generation - 1 : 0);
		}
	}
}

static void answer_stats(struct ike_engine *e, FILE *f)
{
	const struct ike_stats *s = &e->stats;

	fprintf(f, "rx=%llu tx=%llu malformed=%llu duplicate=%llu unknown_sa=%llu rate_limited=%llu half_open_full=%llu retransmits=%llu p1_ok=%llu p1_failed=%llu p2_ok=%llu p2_failed=%llu dpd_dead=%llu half_open=%u unauthenticated=%u evicted=%llu source_full=%llu unauth_refused=%llu\n",
		(unsigned long long)s->rx, (unsigned long long)s->tx,
		(unsigned long long)s->rx_malformed, (unsigned long long)s->rx_dup,
		(unsigned long long)s->rx_unknown_sa,
		(unsigned long long)s->rx_rate_limited,
		(unsigned long long)s->rx_half_open_full,
		(unsigned long long)s->rexmits, (unsigned long long)s->p1_ok,
		(unsigned long long)s->p1_failed, (unsigned long long)s->p2_ok,
		(unsigned long long)s->p2_failed, (unsigned long long)s->dpd_dead,
		e->n_half_open, e->n_unauth,
		(unsigned long long)s->half_open_evicted,
		(unsigned long long)s->rx_source_full,
		(unsigned long long)s->unauth_refused);
}

void ctl_answer(struct ike_engine *e, const char *cmd, FILE *f)
{
	if (!strcmp(cmd, "sessions") || !strcmp(cmd, "sa"))
		answer_sessions(e, f);
	else if (!strcmp(cmd, "stats"))
		answer_stats(e, f);
	else
		fprintf(f, "error unknown command \"%s\" (sessions, stats)\n",
			log_peern(cmd, strnlen(cmd, 40)));
}

/* ---- the socket and its clients ------------------------------------------ */

struct ctl_client {
	int fd;				/* -1: free */
	unsigned timer;
	char line[CTL_LINE_MAX];
	size_t n_line;
	char *out;			/* the answer, once the line is complete */
	size_t n_out, off;
	struct ctl *ctl;
};

struct ctl {
	struct loop *loop;
	struct ike_engine *eng;
	int fd;
	char *path;
	struct ctl_client cl[CTL_MAX_CLIENTS];
};

static void client_drop(struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	loop_del_fd(c->ctl->loop, c->fd);
	if (c->timer)
		loop_timer_cancel(c->ctl->loop, c->timer);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->timer = 0;
	/* A slot is free: take from the backlog again. */
	loop_set_events(c->ctl->loop, c->ctl->fd, POLLIN);
}

static void client_timeout(void *arg)
{
	struct ctl_client *c = arg;

	c->timer = 0;
	log_info("control socket: a client took longer than %u ms; dropped",
		 CTL_TIMEOUT_MS);
	client_drop(c);
}

static void make_answer(struct ctl_client *c)
{
	FILE *f = open_memstream(&c->out, &c->n_out);

	c->line[c->n_line] = '\0';
	c->line[strcspn(c->line, "\r\n")] = '\0';
	if (!f) {
		client_drop(c);
		return;
	}
	ike_engine_set_time(c->ctl->eng, loop_now_ms());
	ctl_answer(c->ctl->eng, c->line, f);
	if (fclose(f) != 0 || !c->out) {
		client_drop(c);
		return;
	}
	if (c->n_out > CTL_ANSWER_MAX) {
		static const char cut[] = "error answer cut short\n";

		memcpy(c->out + CTL_ANSWER_MAX - (sizeof(cut) - 1), cut, sizeof(cut) - 1);
		c->n_out = CTL_ANSWER_MAX;
	}
	c->off = 0;
	log_debug("control socket: \"%s\": %zu bytes to send", log_peer(c->line), c->n_out);
	shutdown(c->fd, SHUT_RD);
	loop_set_events(c->ctl->loop, c->fd, POLLOUT);
}

static void client_io(int fd, void *arg)
{
	struct ctl_client *c = arg;
	ssize_t r;

	(void)fd;
	if (!c->out) {
		r = read(c->fd, c->line + c->n_line, sizeof(c->line) - 1 - c->n_line);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r > 0)
			c->n_line += (size_t)r;
		/* A line, a full buffer, or the end of what it sends. */
		if (r <= 0 || memchr(c->line, '\n', c->n_line) ||
		    c->n_line == sizeof(c->line) - 1)
			make_answer(c);
		return;
	}
	while (c->off < c->n_out) {
		r = send(c->fd, c->out + c->off, c->n_out - c->off, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0)
			break;
		c->off += (size_t)r;
	}
	client_drop(c);
}

static void on_listen(int fd, void *arg)
{
	struct ctl *ctl = arg;

	for (;;) {
		struct ctl_client *c = NULL;
		int cfd;

		for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
			if (ctl->cl[i].fd < 0) {
				c = &ctl->cl[i];
				break;
			}
		if (!c) {
			/* Full: the rest wait in the backlog, unwatched until
			 * client_drop frees a slot. */
			loop_set_events(ctl->loop, fd, 0);
			return;
		}
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0)
			return;
		memset(c, 0, sizeof(*c));
		c->ctl = ctl;
		c->fd = cfd;
		c->timer = loop_timer(ctl->loop, loop_now_ms() + CTL_TIMEOUT_MS,
				      client_timeout, c);
		if (!c->timer || loop_add_fd(ctl->loop, cfd, client_io, c) < 0) {
			if (c->timer)
				loop_timer_cancel(ctl->loop, c->timer);
			close(cfd);
			c->fd = -1;
			return;
		}
	}
}

unsigned ctl_clients(const struct ctl *ctl)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		n += ctl->cl[i].fd >= 0;
	return n;
}

struct ctl *ctl_open(struct loop *l, struct ike_engine *e, const char *path,
		     struct evs_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *ctl;
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		evs_errf(err, "%s: path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl || !(ctl->path = strdup(path))) {
		evs_errf(err, "out of memory");
		free(ctl);
		return NULL;
	}
	ctl->loop = l;
	ctl->eng = e;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl->cl[i].fd = -1;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		evs_errf(err, "socket: %s", strerror(errno));
		goto fail;
	}
	unlink(path);
	/* Born 0600: no moment in which others may connect. */
	old = umask(0177);
	rc = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(ctl->fd, 16) < 0 ||
	    loop_add_fd(l, ctl->fd, on_listen, ctl) < 0) {
		evs_errf(err, "%s: %s", path, rc < 0 || errno ? strerror(errno) :
			 "too many descriptors");
		goto fail;
	}
	return ctl;
fail:
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl->path);
	free(ctl);
	return NULL;
}

void ctl_close(struct ctl *ctl)
{
	if (!ctl)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		client_drop(&ctl->cl[i]);
	loop_del_fd(ctl->loop, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
