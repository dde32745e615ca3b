/* SPDX-License-Identifier: MIT */
/*
 * loop: evsd's event loop — poll(2) over a small set of descriptors plus
 * one-shot timers on CLOCK_MONOTONIC.  Single-threaded: every callback
 * runs here, one at a time.
 */
#ifndef EVSD_LOOP_H
#define EVSD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
typedef void (*loop_fd_fn)(int fd, void *arg);
typedef void (*loop_timer_fn)(void *arg);

struct loop *loop_new(void);
void loop_free(struct loop *l);
/* Watch fd for input.  0, or -1 when full. */
int loop_add_fd(struct loop *l, int fd, loop_fd_fn fn, void *arg);
void loop_del_fd(struct loop *l, int fd);
/* What to wait for on fd (POLLIN and/or POLLOUT; POLLIN after add). */
void loop_set_events(struct loop *l, int fd, short events);
/* Call fn(arg) once, at_ms (loop_now_ms() clock) or later.  Returns a
 * timer id (> 0) or 0 when full. */
unsigned loop_timer(struct loop *l, uint64_t at_ms, loop_timer_fn fn, void *arg);
void loop_timer_cancel(struct loop *l, unsigned id);
/* Call fn(arg) every round after the due timers, before the loop sleeps:
 * a user whose next time moved earlier while handling input (a timer it
 * sleeps on) moves its timer there. */
void loop_set_prepoll(struct loop *l, loop_timer_fn fn, void *arg);
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t loop_now_ms(void);
/* Run until loop_stop(); returns 0, or -1 on a poll error. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);

#endif
