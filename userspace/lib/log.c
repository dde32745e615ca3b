// SPDX-License-Identifier: MIT
/* Logging helpers shared by evsd and evsadm; see log.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

static const char *log_ident = "evs";
static int log_to = EVS_LOG_STDERR;
static int log_level = LOG_INFO;

void evs_log_init(const char *ident, int to, int level)
{
	if (ident)
		log_ident = ident;
	log_to = to;
	log_level = level;
	if (to & EVS_LOG_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void evs_log_set_level(int level)
{
	log_level = level;
}

int evs_log_level(void)
{
	return log_level;
}

const char *evs_log_ident(void)
{
	return log_ident;
}

void evs_vlog(int prio, const char *fmt, va_list ap)
{
	/* Callers may log strerror(errno); keep errno intact for them. */
	int saved = errno;

	if (prio > log_level)
		return;
	if (log_to & EVS_LOG_SYSLOG) {
		va_list aq;

		va_copy(aq, ap);
		vsyslog(prio, fmt, aq);
		va_end(aq);
	}
	if (log_to & EVS_LOG_STDERR) {
		fprintf(stderr, "%s: ", log_ident);
		if (prio == LOG_WARNING)
			fputs("warning: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	errno = saved;
}

void evs_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evs_vlog(prio, fmt, ap);
	va_end(ap);
}
