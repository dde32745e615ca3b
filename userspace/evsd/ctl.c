// SPDX-License-Identifier: MIT
/*
 * ctl: the control socket.  See ctl.h.
 */
#include "evsd/ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evsd/log.h"
#include "evsd/phase2.h"

int ctl_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void answer_sessions(struct ike_engine *e, FILE *f)
{
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
			(unsigned long long)age, sa->label[0] ? sa->label : "-");
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

void ctl_answer(struct ike_engine *e, const char *cmd, int fd)
{
	FILE *f = fdopen(dup(fd), "w");

	if (!f)
		return;
	if (!strcmp(cmd, "sessions") || !strcmp(cmd, "sa"))
		answer_sessions(e, f);
	else if (!strcmp(cmd, "stats"))
		answer_stats(e, f);
	else
		fprintf(f, "error unknown command \"%.40s\" (sessions, stats)\n", cmd);
	fclose(f);
}

void ctl_serve(int lfd, struct ike_engine *e)
{
	char line[128];
	size_t n = 0;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	struct pollfd p;

	if (fd < 0)
		return;
	p.fd = fd;
	p.events = POLLIN;
	/* One short line; do not let a silent client stall the daemon. */
	while (n < sizeof(line) - 1 && poll(&p, 1, 200) > 0) {
		ssize_t r = read(fd, line + n, sizeof(line) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		if (memchr(line, '\n', n))
			break;
	}
	line[n] = 0;
	line[strcspn(line, "\r\n")] = 0;
	ctl_answer(e, line, fd);
	close(fd);
}
