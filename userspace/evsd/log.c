// SPDX-License-Identifier: MIT
/* evsd logging on top of lib/log.c, plus a capture hook for tests. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "evsd/log.h"

static evsd_log_hook_fn log_hook;
static void *log_hook_arg;
static bool log_quiet;

static const char *const level_names[] = {
	[EVSD_LOG_ERR] = "err",
	[EVSD_LOG_WARN] = "warn",
	[EVSD_LOG_NOTICE] = "notice",
	[EVSD_LOG_INFO] = "info",
	[EVSD_LOG_DEBUG] = "debug",
};

void evsd_log_open(const char *ident, bool to_syslog)
{
	evs_log_init(ident, to_syslog ? EVS_LOG_SYSLOG : EVS_LOG_STDERR,
		     evs_log_level());
}

void evsd_log_set_level(enum evsd_log_level level)
{
	evs_log_set_level((int)level);
}

enum evsd_log_level evsd_log_get_level(void)
{
	return (enum evsd_log_level)evs_log_level();
}

int evsd_log_level_parse(const char *name)
{
	for (int i = EVSD_LOG_ERR; i <= EVSD_LOG_DEBUG; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (!strcasecmp(name, "error"))
		return EVSD_LOG_ERR;
	if (!strcasecmp(name, "warning"))
		return EVSD_LOG_WARN;
	return -1;
}

const char *evsd_log_level_name(enum evsd_log_level level)
{
	if (level < EVSD_LOG_ERR || level > EVSD_LOG_DEBUG)
		return "?";
	return level_names[level];
}

bool log_enabled(enum evsd_log_level level)
{
	return (int)level <= evs_log_level();
}

void evsd_log_set_hook(evsd_log_hook_fn fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
}

void evsd_log_set_quiet(bool quiet)
{
	log_quiet = quiet;
}

void evsd_vlog(enum evsd_log_level level, const char *fmt, va_list ap)
{
	char raw[1024], msg[4 * sizeof(raw)];

	if (!log_enabled(level))
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Escaped here too, so that the test hook sees what is written. */
	evs_log_escape(msg, sizeof(msg), raw, SIZE_MAX, false);
	if (log_hook)
		log_hook(level, msg, log_hook_arg);
	if (!log_quiet)
		evs_log((int)level, "%s", msg);
}

void evsd_log(enum evsd_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evsd_vlog(level, fmt, ap);
	va_end(ap);
}
