/* SPDX-License-Identifier: MIT */
/*
 * The one error carrier of evs userspace: a function that can fail takes
 * a struct evs_err * and, on failure, leaves one line in it that says
 * what went wrong -- "evsd.conf:12: \"spi\" expects a number, got \"zz\"",
 * "RTM_NEWADDR: File exists".  The caller adds its own context in front
 * (evs_err_prefix) and logs or prints it; no errno text is lost on the way.
 * A NULL carrier is allowed: the message is then dropped.
 */
#ifndef EVS_LIB_ERR_H
#define EVS_LIB_ERR_H

#include <stdarg.h>

struct evs_err {
	char msg[512];			/* one line, NUL-terminated */
};

/* Format into @e; always returns -1 so callers can `return evs_errf(...)`. */
int evs_errf(struct evs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int evs_verrf(struct evs_err *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Put "context: " in front of the message @e holds; returns -1. */
int evs_err_prefix(struct evs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
