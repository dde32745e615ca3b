/* SPDX-License-Identifier: MIT */
/*
 * Word parsers for command lines and configuration files (evsadm, evsd).
 * Pure functions: no I/O.  On failure they return -1 and leave a message
 * in struct evs_err that names the keyword and quotes the offending word,
 * e.g.  "spi" expects a number, got "zz"  -- the caller adds its prefix
 * ("evsadm: sa add: ", "evsd.conf:12: ").
 */
#ifndef EVS_LIB_PARSE_H
#define EVS_LIB_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include "lib/err.h"

/*
 * An IPv4 or IPv6 address, optionally with a prefix length.  @a holds raw
 * network-order bytes (4 used for AF_INET), as the evs uAPI carries them.
 */
struct evs_inaddr {
	uint16_t family;		/* AF_INET or AF_INET6 */
	uint8_t plen;			/* 32/128 for a plain address */
	uint8_t a[16];
};

static inline size_t evs_inaddr_len(const struct evs_inaddr *x)
{
	return x->family == AF_INET6 ? 16 : 4;
}

/* Longest text evs_inaddr_ntop() writes, prefix length included. */
#define EVS_INADDR_STRLEN (INET6_ADDRSTRLEN + 4)

/*
 * Keywords are quoted in messages; a placeholder written in capitals
 * (ID, ADDR, PREFIX) is not: `"spi" expects ...` but `ID expects ...`.
 *
 * Numbers are decimal or 0x-prefixed hex (a leading 0 is NOT octal).
 */
int evs_parse_u64(const char *kw, const char *word, uint64_t min, uint64_t max,
		  uint64_t *out, struct evs_err *e);
int evs_parse_u32(const char *kw, const char *word, uint32_t min, uint32_t max,
		  uint32_t *out, struct evs_err *e);
int evs_parse_u16(const char *kw, const char *word, uint16_t min, uint16_t max,
		  uint16_t *out, struct evs_err *e);
int evs_parse_u8(const char *kw, const char *word, uint8_t min, uint8_t max,
		 uint8_t *out, struct evs_err *e);

/* @family: 0 for either, else AF_INET or AF_INET6 required. */
int evs_parse_addr(const char *kw, const char *word, int family,
		   struct evs_inaddr *out, struct evs_err *e);
/*
 * ADDR[/LEN]; without /LEN a host prefix.  "default" means 0.0.0.0/0 when
 * @family is AF_INET or 0, ::/0 for AF_INET6.  With @canonical, host bits
 * beyond the prefix length are an error (routes); otherwise they are
 * cleared silently (selectors, as `ip xfrm` does).
 */
int evs_parse_prefix(const char *kw, const char *word, int family, bool canonical,
		     struct evs_inaddr *out, struct evs_err *e);
/* "a.b.c.d" or "a.b.c.d/len" (len printed unless it is the host length). */
const char *evs_inaddr_ntop(const struct evs_inaddr *x, char *buf, size_t len);
/* Always with the length: "10.0.0.1/32", "::/0". */
const char *evs_prefix_ntop(const struct evs_inaddr *x, char *buf, size_t len);
/* Build from raw uAPI bytes; returns -1 if @len does not fit @family. */
int evs_inaddr_from_raw(struct evs_inaddr *x, uint16_t family, const void *raw,
			size_t len, uint8_t plen);

/*
 * Hex key: "0x" followed by an even number of hex digits (may be empty:
 * "0x" is a zero-length key for the null algorithms).  The word itself is
 * never echoed in messages -- it is secret.
 */
int evs_parse_hexkey(const char *kw, const char *word, uint8_t *buf, size_t max,
		     size_t *len, struct evs_err *e);

/* Interface name: 1..IFNAMSIZ-1 bytes, no '/', ':' or white space. */
int evs_parse_ifname(const char *kw, const char *word, char out[IF_NAMESIZE],
		     struct evs_err *e);

/*
 * Find @word in the NULL-terminated @list: an exact match, else a unique
 * prefix (as `ip` accepts "sh" for "show").  Returns the index, -1 if
 * nothing matches, -2 if the prefix is ambiguous.
 */
int evs_match_word(const char *word, const char *const *list);
/* True if argv's first words are exactly those of ap (NULL-terminated);
 * the one matcher behind cfg_is() and the IOS reader's ios_is(). */
bool evs_words_are(unsigned argc, char *const *argv, va_list ap);

#endif
