// SPDX-License-Identifier: MIT
/* The error carrier; see err.h. */
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

int evs_verrf(struct evs_err *e, const char *fmt, va_list ap)
{
	if (e)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return -1;
}

int evs_errf(struct evs_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evs_verrf(e, fmt, ap);
	va_end(ap);
	return -1;
}

int evs_err_prefix(struct evs_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	size_t n;
	va_list ap;

	if (!e)
		return -1;
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", old);
	return -1;
}
