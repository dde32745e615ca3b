// SPDX-License-Identifier: MIT
/* evsd logging on top of lib/log.c, plus a capture hook for tests. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

#include "lib/log.h"
#include "lib/daemon_log.h"

/* The log sink is process-wide on purpose, as in every daemon: a line
 * may come from any layer (the engine, the Easy VPN steps, the AAA
 * threads) and goes to the one stderr/syslog/journal the process has;
 * threading a logger through every call would say nothing more.  Set
 * once at start (and by tests), read afterwards. */
static evsd_log_hook_fn log_hook;
static void *log_hook_arg;
static bool log_quiet;
static bool log_journal;
static const char *log_ident = "evsd";

/* systemd sets JOURNAL_STREAM=dev:ino when stderr is connected to the
 * journal; only then is native journal logging what the reader expects. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

static const char *const level_names[] = {
	[EVSD_LOG_ERR] = "err",
	[EVSD_LOG_WARN] = "warn",
	[EVSD_LOG_NOTICE] = "notice",
	[EVSD_LOG_INFO] = "info",
	[EVSD_LOG_DEBUG] = "debug",
};

void evsd_log_open(const char *ident, bool to_syslog)
{
	log_ident = ident;
	log_journal = !to_syslog && stderr_is_journal();
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

/* One journal entry: the message, its priority and the session's fields
 * that are known. */
static void journal_send(enum evsd_log_level level, const char *session,
			 const char *user, const char *peer, const char *msg)
{
	char f[6][1100];
	struct iovec iov[6];
	int n = 0;

	snprintf(f[n++], sizeof(f[0]), "MESSAGE=%s", msg);
	snprintf(f[n++], sizeof(f[0]), "PRIORITY=%d", (int)level);
	snprintf(f[n++], sizeof(f[0]), "SYSLOG_IDENTIFIER=%s", log_ident);
	if (session && *session)
		snprintf(f[n++], sizeof(f[0]), "EVS_SESSION=%s", session);
	if (user && *user)
		snprintf(f[n++], sizeof(f[0]), "EVS_USER=%s", user);
	if (peer && *peer)
		snprintf(f[n++], sizeof(f[0]), "EVS_PEER=%s", peer);
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = f[i];
		iov[i].iov_len = strlen(f[i]);
	}
	if (sd_journal_sendv(iov, n) < 0)
		evs_log((int)level, "%s", msg);
}

static void log_emit(enum evsd_log_level level, const char *session,
		     const char *user, const char *peer, const char *msg)
{
	if (log_hook)
		log_hook(level, msg, log_hook_arg);
	if (log_quiet)
		return;
	if (!log_journal) {
		evs_log((int)level, "%s", msg);
		return;
	}
	journal_send(level, session, user, peer, msg);
}

void evsd_vlog(enum evsd_log_level level, const char *fmt, va_list ap)
{
	char raw[1024], msg[4 * sizeof(raw)];

	if (!log_enabled(level))
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* Escaped here too, so that the hook and the journal see what is written. */
	evs_log_escape(msg, sizeof(msg), raw, SIZE_MAX, false);
	log_emit(level, NULL, NULL, NULL, msg);
}

void evsd_log_session(enum evsd_log_level level, const char *session,
		      const char *user, const char *peer, const char *fmt, ...)
{
	char raw[1024], msg[4 * sizeof(raw)], user_esc[4 * 256];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	evs_log_escape(msg, sizeof(msg), raw, SIZE_MAX, false);
	/* The user name is the peer's: its journal field is escaped too. */
	evs_log_escape(user_esc, sizeof(user_esc), user ? user : "", SIZE_MAX, true);
	log_emit(level, session, user_esc, peer, msg);
}

void evsd_log(enum evsd_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evsd_vlog(level, fmt, ap);
	va_end(ap);
}
