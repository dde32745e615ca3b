/* SPDX-License-Identifier: MIT */
/*
 * Logging for evsd and evsadm: stderr (with the program name) and/or
 * syslog, filtered by a level.  Never log key material or passwords.
 */
#ifndef EVS_LIB_LOG_H
#define EVS_LIB_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

enum evs_log_to {
	EVS_LOG_STDERR = 1 << 0,
	EVS_LOG_SYSLOG = 1 << 1,
};

/* @ident is kept by pointer; @level is a syslog priority (LOG_ERR..LOG_DEBUG). */
void evs_log_init(const char *ident, int to, int level);
void evs_log_set_level(int level);
int evs_log_level(void);
const char *evs_log_ident(void);

/*
 * Log lines are escaped where they are written (evs_vlog): a control byte,
 * DEL or a byte >= 0x80 becomes \n, \r, \t or \xHH, so nothing a peer
 * sends can start a new line, move a terminal's cursor or inject into
 * syslog.  Peer-supplied strings should also go through evs_log_str() (in
 * evsd: log_peer()), which escapes '\\' and '"' too: then an escape
 * sequence in the log always means a byte the peer really sent.
 */
#define EVS_LOG_ESC_MAX 512	/* escaped peer string, truncated with "..." */

struct evs_log_esc {
	char s[EVS_LOG_ESC_MAX];
};

/* Escape src[0..len) (len SIZE_MAX: up to its NUL) into dst (dst_size >=
 * 5); quote: '\\' and '"' too.  Truncates with "..."; returns dst. */
char *evs_log_escape(char *dst, size_t dst_size, const void *src, size_t len,
		     bool quote);
/* evs_log_escape(buf->s, ..., quote = true); NULL prints "(null)". */
const char *evs_log_str(struct evs_log_esc *buf, const void *src, size_t len);

void evs_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void evs_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define evs_err(...)	evs_log(LOG_ERR, __VA_ARGS__)
#define evs_warn(...)	evs_log(LOG_WARNING, __VA_ARGS__)
#define evs_notice(...)	evs_log(LOG_NOTICE, __VA_ARGS__)
#define evs_info(...)	evs_log(LOG_INFO, __VA_ARGS__)
#define evs_debug(...)	evs_log(LOG_DEBUG, __VA_ARGS__)

#endif
