// SPDX-License-Identifier: MIT
/* Logging helpers shared by evsd and evsadm; see log.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"

/* Process-wide, as the process's syslog connection is (openlog): set
 * once by evs_log_init, read by every log call. */
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

char *evs_log_escape(char *dst, size_t dst_size, const void *src, size_t len,
		     bool quote)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = src;
	size_t o = 0;

	if (dst_size < 5) {
		if (dst_size)
			dst[0] = '\0';
		return dst;
	}
	for (size_t i = 0; i < len && (len != SIZE_MAX || p[i]); i++) {
		unsigned char c = p[i];
		char e[4];
		size_t n = 0;

		if (c == '\n' || c == '\r' || c == '\t') {
			e[n++] = '\\';
			e[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c >= 0x7f) {
			e[n++] = '\\';
			e[n++] = 'x';
			e[n++] = hex[c >> 4];
			e[n++] = hex[c & 15];
		} else if (quote && (c == '\\' || c == '"')) {
			e[n++] = '\\';
			e[n++] = (char)c;
		} else {
			e[n++] = (char)c;
		}
		/* Keep room for "..." and the NUL. */
		if (o + n + 4 > dst_size) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, e, n);
		o += n;
	}
	dst[o] = '\0';
	return dst;
}

const char *evs_log_str(struct evs_log_esc *buf, const void *src, size_t len)
{
	if (!src)
		return "(null)";
	return evs_log_escape(buf->s, sizeof(buf->s), src, len, true);
}

void evs_vlog(int prio, const char *fmt, va_list ap)
{
	/* Callers may log strerror(errno); keep errno intact for them. */
	int saved = errno;
	char msg[1024], esc[4 * sizeof(msg)];

	if (prio > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	evs_log_escape(esc, sizeof(esc), msg, SIZE_MAX, false);
	if (log_to & EVS_LOG_SYSLOG)
		syslog(prio, "%s", esc);
	if (log_to & EVS_LOG_STDERR)
		fprintf(stderr, "%s: %s%s\n", log_ident,
			prio == LOG_WARNING ? "warning: " : "", esc);
	errno = saved;
}

void evs_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evs_vlog(prio, fmt, ap);
	va_end(ap);
}
