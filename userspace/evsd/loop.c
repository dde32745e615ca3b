// SPDX-License-Identifier: MIT
/*
 * loop: poll + one-shot timers.  See loop.h.  The sets are small (a few
 * sockets, a handful of timers), so plain arrays are the right structure.
 */
#include "evsd/loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/daemon_log.h"

#define LOOP_MAX_FDS	32
#define LOOP_MAX_TIMERS	32

struct loop_fd {
	int fd;
	loop_fd_fn fn;
	void *arg;
	short events;
};

struct loop_timer_ent {
	unsigned id;			/* 0 = free */
	uint64_t at;
	loop_timer_fn fn;
	void *arg;
};

struct loop {
	struct loop_fd fds[LOOP_MAX_FDS];
	unsigned n_fds;
	struct loop_timer_ent timers[LOOP_MAX_TIMERS];
	unsigned next_id;
	loop_timer_fn prepoll;
	void *prepoll_arg;
	bool stop;
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));

	if (l)
		l->next_id = 1;
	return l;
}

void loop_free(struct loop *l)
{
	free(l);
}

int loop_add_fd(struct loop *l, int fd, loop_fd_fn fn, void *arg)
{
	if (l->n_fds >= LOOP_MAX_FDS)
		return -1;
	l->fds[l->n_fds++] = (struct loop_fd){ fd, fn, arg, POLLIN };
	return 0;
}

void loop_set_events(struct loop *l, int fd, short events)
{
	for (unsigned i = 0; i < l->n_fds; i++)
		if (l->fds[i].fd == fd)
			l->fds[i].events = events;
}

void loop_del_fd(struct loop *l, int fd)
{
	for (unsigned i = 0; i < l->n_fds; i++)
		if (l->fds[i].fd == fd) {
			l->fds[i] = l->fds[--l->n_fds];
			return;
		}
}

unsigned loop_timer(struct loop *l, uint64_t at_ms, loop_timer_fn fn, void *arg)
{
	for (unsigned i = 0; i < LOOP_MAX_TIMERS; i++)
		if (!l->timers[i].id) {
			if (!l->next_id)
				l->next_id = 1;
			l->timers[i] = (struct loop_timer_ent){ l->next_id++, at_ms,
								fn, arg };
			return l->timers[i].id;
		}
	return 0;
}

void loop_timer_cancel(struct loop *l, unsigned id)
{
	for (unsigned i = 0; id && i < LOOP_MAX_TIMERS; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

void loop_set_prepoll(struct loop *l, loop_timer_fn fn, void *arg)
{
	l->prepoll = fn;
	l->prepoll_arg = arg;
}

/* Run due timers; return ms until the next one (-1: none). */
static int run_timers(struct loop *l)
{
	uint64_t now = loop_now_ms(), next = UINT64_MAX;

	for (unsigned i = 0; i < LOOP_MAX_TIMERS; i++) {
		struct loop_timer_ent t = l->timers[i];

		if (!t.id)
			continue;
		if (t.at <= now) {
			l->timers[i].id = 0;
			t.fn(t.arg);
			now = loop_now_ms();
		}
	}
	if (l->prepoll)
		l->prepoll(l->prepoll_arg);
	for (unsigned i = 0; i < LOOP_MAX_TIMERS; i++)
		if (l->timers[i].id && l->timers[i].at < next)
			next = l->timers[i].at;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
}

int loop_run(struct loop *l)
{
	l->stop = false;
	while (!l->stop) {
		struct pollfd pfd[LOOP_MAX_FDS];
		struct loop_fd copy[LOOP_MAX_FDS];
		unsigned n = l->n_fds;
		int timeout = run_timers(l), rc;

		if (l->stop)
			break;
		memcpy(copy, l->fds, sizeof(copy[0]) * n);
		for (unsigned i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = copy[i].fd, .events = copy[i].events };
		rc = poll(pfd, n, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			return -1;
		}
		for (unsigned i = 0; i < n && !l->stop; i++)
			if (pfd[i].revents & (copy[i].events | POLLERR | POLLHUP))
				copy[i].fn(copy[i].fd, copy[i].arg);
	}
	return 0;
}
