// SPDX-License-Identifier: MIT
/* Word parsers shared by evsadm and evsd; see parse.h. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"
#include "lib/prefix.h"

/* Placeholders (ID, ADDR) are written bare, keywords are quoted. */
static const char *kw_open(const char *kw)
{
	return kw && isupper((unsigned char)kw[0]) ? "" : "\"";
}

#define KW_FMT "%s%s%s"
#define KW_ARG(kw) kw_open(kw), (kw) ? (kw) : "value", kw_open(kw)

int evs_parse_u64(const char *kw, const char *word, uint64_t min, uint64_t max,
		  uint64_t *out, struct evs_err *e)
{
	unsigned long long v;
	const char *digits = word;
	char *end;
	int base = 10;

	if (!word)
		return evs_errf(e, KW_FMT " expects a number", KW_ARG(kw));
	if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X')) {
		digits = word + 2;
		base = 16;
	}
	/* strtoull accepts signs and spaces; a number here is digits only. */
	if (!isxdigit((unsigned char)digits[0]) ||
	    (base == 10 && !isdigit((unsigned char)digits[0])))
		goto bad;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (*end)
		goto bad;
	if (errno == ERANGE || v < min || v > max) {
		if (min == 0)
			return evs_errf(e, KW_FMT " expects a number from 0 to %llu, got \"%s\"",
					KW_ARG(kw), (unsigned long long)max, word);
		return evs_errf(e, KW_FMT " expects a number from %llu to %llu, got \"%s\"",
				KW_ARG(kw), (unsigned long long)min,
				(unsigned long long)max, word);
	}
	*out = v;
	return 0;
bad:
	return evs_errf(e, KW_FMT " expects a number, got \"%s\"", KW_ARG(kw), word);
}

/* evs_parse_u32, _u16, _u8: evs_parse_u64 within the narrower type's
 * bounds (the caller's @max fits the type, so the value does too). */
#define EVS_PARSE_NARROW(bits)							\
int evs_parse_u##bits(const char *kw, const char *word, uint##bits##_t min,	\
		      uint##bits##_t max, uint##bits##_t *out, struct evs_err *e) \
{										\
	uint64_t v;								\
										\
	if (evs_parse_u64(kw, word, min, max, &v, e))				\
		return -1;							\
	*out = (uint##bits##_t)v;						\
	return 0;								\
}
EVS_PARSE_NARROW(32)
EVS_PARSE_NARROW(16)
EVS_PARSE_NARROW(8)
#undef EVS_PARSE_NARROW

static const char *family_word(int family)
{
	return family == AF_INET ? "an IPv4 address" :
	       family == AF_INET6 ? "an IPv6 address" : "an IP address";
}

/* inet_pton on a bounded copy; returns the family or 0. */
static int pton_any(const char *s, size_t n, int family, uint8_t a[16])
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (family != AF_INET6 && inet_pton(AF_INET, tmp, a) == 1)
		return AF_INET;
	if (family != AF_INET && inet_pton(AF_INET6, tmp, a) == 1)
		return AF_INET6;
	return 0;
}

int evs_parse_addr(const char *kw, const char *word, int family,
		   struct evs_inaddr *out, struct evs_err *e)
{
	struct evs_inaddr x = { 0 };
	int f;

	if (!word)
		return evs_errf(e, KW_FMT " expects %s", KW_ARG(kw), family_word(family));
	f = pton_any(word, strlen(word), family, x.a);
	if (!f)
		return evs_errf(e, KW_FMT " expects %s, got \"%s\"", KW_ARG(kw),
				family_word(family), word);
	x.family = f;
	x.plen = f == AF_INET ? 32 : 128;
	*out = x;
	return 0;
}

static bool host_bits_set(const struct evs_inaddr *x)
{
	size_t len = evs_inaddr_len(x);

	for (size_t i = 0; i < len; i++) {
		unsigned int keep = x->plen >= (i + 1) * 8 ? 8 :
				    x->plen <= i * 8 ? 0 : x->plen - i * 8;
		uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

		if (x->a[i] & ~mask)
			return true;
	}
	return false;
}

static void clear_host_bits(struct evs_inaddr *x)
{
	size_t len = evs_inaddr_len(x);

	for (size_t i = 0; i < len; i++) {
		unsigned int keep = x->plen >= (i + 1) * 8 ? 8 :
				    x->plen <= i * 8 ? 0 : x->plen - i * 8;

		x->a[i] &= keep ? (uint8_t)(0xff << (8 - keep)) : 0;
	}
}

int evs_parse_prefix(const char *kw, const char *word, int family, bool canonical,
		     struct evs_inaddr *out, struct evs_err *e)
{
	struct evs_inaddr x = { 0 };
	const char *slash;
	uint8_t max;
	int f;

	if (!word)
		return evs_errf(e, KW_FMT " expects a prefix", KW_ARG(kw));
	if (!strcmp(word, "default")) {
		x.family = family == AF_INET6 ? AF_INET6 : AF_INET;
		*out = x;
		return 0;
	}
	slash = strchr(word, '/');
	f = pton_any(word, slash ? (size_t)(slash - word) : strlen(word), family, x.a);
	if (!f)
		return evs_errf(e, KW_FMT " expects %s prefix (ADDR[/LEN]), got \"%s\"",
				KW_ARG(kw), family == AF_INET ? "an IPv4" :
				family == AF_INET6 ? "an IPv6" : "an IP", word);
	x.family = f;
	max = f == AF_INET ? 32 : 128;
	x.plen = max;
	if (slash) {
		uint64_t plen;
		const char *p = slash + 1;

		/* Only plain decimal digits are a prefix length. */
		for (const char *q = p; *q; q++)
			if (!isdigit((unsigned char)*q))
				goto badlen;
		if (!*p || strlen(p) > 3)
			goto badlen;
		plen = strtoull(p, NULL, 10);
		if (plen > max)
			goto badlen;
		x.plen = (uint8_t)plen;
	}
	if (host_bits_set(&x)) {
		if (canonical) {
			char buf[EVS_INADDR_STRLEN];

			clear_host_bits(&x);
			return evs_errf(e, KW_FMT " expects a prefix without host bits, got \"%s\" (did you mean %s?)",
					KW_ARG(kw), word, evs_prefix_ntop(&x, buf, sizeof(buf)));
		}
		clear_host_bits(&x);
	}
	*out = x;
	return 0;
badlen:
	return evs_errf(e, KW_FMT " prefix length must be 0 to %u, got \"%s\"",
			KW_ARG(kw), max, word);
}

const char *evs_inaddr_ntop(const struct evs_inaddr *x, char *buf, size_t len)
{
	char *slash;

	if (x->family != AF_INET && x->family != AF_INET6) {
		snprintf(buf, len, "?");
		return buf;
	}
	evs_net_ntop(x->family, x->a, x->plen, buf, len);
	if (x->plen == (x->family == AF_INET ? 32 : 128)) {
		slash = strrchr(buf, '/');
		if (slash)
			*slash = '\0';
	}
	return buf;
}

const char *evs_prefix_ntop(const struct evs_inaddr *x, char *buf, size_t len)
{
	return evs_net_ntop(x->family, x->a, x->plen, buf, len);
}

int evs_inaddr_from_raw(struct evs_inaddr *x, uint16_t family, const void *raw,
			size_t len, uint8_t plen)
{
	size_t want = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

	memset(x, 0, sizeof(*x));
	if (!want || len != want || plen > want * 8)
		return -1;
	x->family = family;
	x->plen = plen;
	memcpy(x->a, raw, len);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int evs_parse_hexkey(const char *kw, const char *word, uint8_t *buf, size_t max,
		     size_t *len, struct evs_err *e)
{
	size_t n;

	if (!word)
		return evs_errf(e, KW_FMT " expects a hex key (0x...)", KW_ARG(kw));
	if (word[0] != '0' || (word[1] != 'x' && word[1] != 'X'))
		return evs_errf(e, KW_FMT " expects a hex key starting with 0x", KW_ARG(kw));
	word += 2;
	n = strlen(word);
	if (n % 2)
		return evs_errf(e, KW_FMT " key has an odd number of hex digits (%zu)",
				KW_ARG(kw), n);
	if (n / 2 > max)
		return evs_errf(e, KW_FMT " key is too long (%zu bits, at most %zu)",
				KW_ARG(kw), n * 4, max * 8);
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)word[i]);
		int lo = hexval((unsigned char)word[i + 1]);

		if (hi < 0 || lo < 0)
			return evs_errf(e, KW_FMT " key has a non-hex character at position %zu",
					KW_ARG(kw), i + (hi < 0 ? 0 : 1) + 3);
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

int evs_parse_ifname(const char *kw, const char *word, char out[IF_NAMESIZE],
		     struct evs_err *e)
{
	size_t n;

	if (!word)
		return evs_errf(e, KW_FMT " expects an interface name", KW_ARG(kw));
	n = strlen(word);
	if (n == 0 || n >= IF_NAMESIZE)
		return evs_errf(e, KW_FMT " expects an interface name of 1 to %d characters, got \"%s\"",
				KW_ARG(kw), IF_NAMESIZE - 1, word);
	if (!strcmp(word, ".") || !strcmp(word, ".."))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (word[i] == '/' || word[i] == ':' || isspace((unsigned char)word[i]))
			goto bad;
	memcpy(out, word, n + 1);
	return 0;
bad:
	return evs_errf(e, KW_FMT " expects an interface name, got \"%s\"", KW_ARG(kw), word);
}

int evs_match_word(const char *word, const char *const *list)
{
	size_t n = strlen(word);
	int found = -1;

	if (!n)
		return -1;
	for (int i = 0; list[i]; i++) {
		if (!strcmp(word, list[i]))
			return i;
		if (!strncmp(word, list[i], n))
			found = found == -1 ? i : -2;
	}
	return found;
}

bool evs_words_are(unsigned argc, char *const *argv, va_list ap)
{
	const char *w;
	unsigned i = 0;

	while ((w = va_arg(ap, const char *))) {
		if (i >= argc || strcmp(argv[i], w))
			return false;
		i++;
	}
	return true;
}
