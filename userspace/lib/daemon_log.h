/* SPDX-License-Identifier: MIT */
/*
 * log: evsd's logging, a thin layer over lib/log.h (evs_log: stderr and/or
 * syslog, one level) adding a capture hook for tests.  Levels are syslog
 * priorities, so evs_log_set_level() and evsd_log_set_level() agree.  Messages are single lines; modules prefix their own
 * context ("p1 3f2a…: ...").  Never pass key material or passwords.
 *
 *	log_info("policy %u matched transform %u", n, t);
 *	if (log_enabled(EVSD_LOG_DEBUG)) { ...expensive formatting... }
 *
 * Tests can capture output with evsd_log_set_hook().
 */
#ifndef EVSD_LOG_H
#define EVSD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/log.h"

enum evsd_log_level {
	EVSD_LOG_ERR	= 3,	/* LOG_ERR */
	EVSD_LOG_WARN	= 4,	/* LOG_WARNING */
	EVSD_LOG_NOTICE	= 5,	/* LOG_NOTICE */
	EVSD_LOG_INFO	= 6,	/* LOG_INFO */
	EVSD_LOG_DEBUG	= 7,	/* LOG_DEBUG */
};

/* to_syslog: syslog(3) with ident; else stderr.  Default: stderr, INFO.
 * When stderr is the systemd journal's stream (JOURNAL_STREAM), messages go
 * to the journal natively instead: with their priority and, from
 * evsd_log_session(), the session's fields. */
void evsd_log_open(const char *ident, bool to_syslog);
void evsd_log_set_level(enum evsd_log_level level);
enum evsd_log_level evsd_log_get_level(void);
/* "err", "warn", "notice", "info", "debug" -> level; -1 if unknown. */
int evsd_log_level_parse(const char *name);
const char *evsd_log_level_name(enum evsd_log_level level);
bool log_enabled(enum evsd_log_level level);

/* Receives every message that passes the level check (after formatting),
 * in addition to the sink; NULL removes it. */
typedef void (*evsd_log_hook_fn)(enum evsd_log_level level, const char *msg, void *arg);
void evsd_log_set_hook(evsd_log_hook_fn fn, void *arg);
/* Silence the sink (tests); the hook still runs. */
void evsd_log_set_quiet(bool quiet);

void evsd_log(enum evsd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void evsd_vlog(enum evsd_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* A message about one session: in the journal it carries EVS_SESSION,
 * EVS_USER and EVS_PEER (NULL or "" leaves a field out), so
 * `journalctl EVS_USER=alice` finds a user's logins; elsewhere it is an
 * ordinary line. */
void evsd_log_session(enum evsd_log_level level, const char *session,
		      const char *user, const char *peer, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * A peer-supplied string for a log argument, escaped (lib/log.h):
 *	log_notice("unknown group \"%s\"", log_peern(id, id_len));
 * The buffer lives until the end of the enclosing block.
 */
#define log_peern(str, len) \
	evs_log_str(&(struct evs_log_esc){ .s = "" }, (str), (len))
#define log_peer(str)	log_peern((str), SIZE_MAX)

#define log_err(...)	evsd_log(EVSD_LOG_ERR, __VA_ARGS__)
#define log_warn(...)	evsd_log(EVSD_LOG_WARN, __VA_ARGS__)
#define log_notice(...)	evsd_log(EVSD_LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	evsd_log(EVSD_LOG_INFO, __VA_ARGS__)
#define log_debug(...)	evsd_log(EVSD_LOG_DEBUG, __VA_ARGS__)

#endif
