// SPDX-License-Identifier: MIT
/* A Cisco IOS running-config as a tree of lines; see ios_tree.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evsadm/ios_tree.h"
#include "lib/parse.h"

static int terr(struct evs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int terr(struct evs_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* One physical line: [*s, *s + *n), advancing pos past its newline. */
static bool next_phys(const char *text, size_t len, size_t *pos, const char **s, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*s = text + *pos;
	nl = memchr(*s, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *s) : len - *pos;
	*pos += *n + (nl ? 1 : 0);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Fill l from the text [s, s+n) (indent already stripped). */
static int fill_line(struct ios_line *l, const char *s, size_t n)
{
	size_t keep = n > IOS_MAX_LINE ? IOS_MAX_LINE : n, words = 0;
	char *buf, *w;

	if (n > IOS_MAX_LINE)
		l->long_line = true;
	/* text, then the words (each at most as long as the text) */
	buf = malloc(2 * keep + 2);
	if (!buf)
		return -1;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0 || (c < 0x20 && c != '\t') || c >= 0x7f)
			l->odd = true;
		buf[i] = c ? (char)c : '?';
	}
	buf[keep] = '\0';
	l->text = buf;
	l->argv = calloc(IOS_MAX_WORDS + 1, sizeof(char *));
	if (!l->argv)
		return -1;
	w = buf + keep + 1;
	for (size_t i = 0; i < keep;) {
		size_t start;

		while (i < keep && is_blank(buf[i]))
			i++;
		if (i >= keep)
			break;
		start = i;
		while (i < keep && !is_blank(buf[i]))
			i++;
		if (words == IOS_MAX_WORDS) {
			l->long_line = true;
			break;
		}
		memcpy(w, buf + start, i - start);
		w[i - start] = '\0';
		l->argv[words++] = w;
		w += i - start + 1;
	}
	l->argc = (unsigned)words;
	return 0;
}

/* Append up to n bytes of s to l->banner (bounded). */
static void banner_add(struct ios_line *l, size_t *blen, const char *s, size_t n, bool nl)
{
	if (nl && *blen && *blen < IOS_MAX_BANNER)
		l->banner[(*blen)++] = '\n';
	for (size_t i = 0; i < n && *blen < IOS_MAX_BANNER; i++)
		l->banner[(*blen)++] = s[i];
	if (*blen >= IOS_MAX_BANNER && n)
		l->long_line = true;
	l->banner[*blen] = '\0';
}

static const char *find_delim(const char *s, size_t n, const char *d, size_t dl)
{
	for (size_t i = 0; i + dl <= n; i++)
		if (!memcmp(s + i, d, dl))
			return s + i;
	return NULL;
}

/*
 * l is "banner [TYPE] D...": read the banner up to the closing delimiter D
 * ("^C" as IOS shows ETX, or any single character), over several physical
 * lines when needed.  Returns 0 if l is not a banner with a delimiter.
 */
static int read_banner(struct ios_line *l, const char *text, size_t len, size_t *pos)
{
	static const char *const types[] = { "motd", "login", "exec", "incoming",
					     "slip-ppp", "config-save", "prompt-timeout", NULL };
	const char *rest = l->text, *end, *s;
	char delim[3];
	size_t dl, n, blen = 0;

	rest += strspn(rest, " \t");
	rest += strlen("banner");
	rest += strspn(rest, " \t");
	for (unsigned i = 0; types[i]; i++) {
		size_t tl = strlen(types[i]);

		if (!strncmp(rest, types[i], tl) && is_blank(rest[tl])) {
			rest += tl;
			rest += strspn(rest, " \t");
			break;
		}
	}
	if (!*rest)
		return 0;
	dl = !strncmp(rest, "^C", 2) ? 2 : 1;
	memcpy(delim, rest, dl);
	delim[dl] = '\0';
	rest += dl;
	l->banner = malloc(IOS_MAX_BANNER + 1);
	if (!l->banner)
		return -1;
	l->banner[0] = '\0';
	end = find_delim(rest, strlen(rest), delim, dl);
	if (end) {
		banner_add(l, &blen, rest, (size_t)(end - rest), false);
		return 0;
	}
	banner_add(l, &blen, rest, strlen(rest), false);
	while (next_phys(text, len, pos, &s, &n)) {
		end = find_delim(s, n, delim, dl);
		banner_add(l, &blen, s, end ? (size_t)(end - s) : n, true);
		if (end)
			break;
	}
	return 0;
}

static void build_tree(struct ios_conf *c)
{
	/* the open lines by depth, with the last child hung on each */
	struct ios_line *stack[IOS_MAX_DEPTH + 1], *last[IOS_MAX_DEPTH + 1];
	unsigned depth = 0;

	stack[0] = &c->root;
	last[0] = NULL;
	for (size_t i = 0; i < c->n; i++) {
		struct ios_line *l = &c->lines[i];

		while (depth && stack[depth]->indent >= l->indent)
			depth--;
		l->parent = stack[depth];
		if (last[depth])
			last[depth]->next = l;
		else
			stack[depth]->child = l;
		last[depth] = l;
		if (depth < IOS_MAX_DEPTH) {
			stack[++depth] = l;
			last[depth] = NULL;
		}
	}
}

int ios_parse(const char *text, size_t len, struct ios_conf *c, struct evs_err *e)
{
	size_t pos = 0, cap = 0, n;
	const char *s;

	memset(c, 0, sizeof(*c));
	if (len > IOS_MAX_FILE)
		return terr(e, "larger than %u bytes: not a router configuration", IOS_MAX_FILE);
	while (next_phys(text, len, &pos, &s, &n)) {
		struct ios_line *l;
		size_t ind = 0;
		while (ind < n && is_blank(s[ind]))
			ind++;
		if (ind == n || s[ind] == '!') {
			c->root.lineno++;	/* counts physical lines read so far */
			continue;
		}
		if (c->n == IOS_MAX_LINES) {
			ios_conf_free(c);
			return terr(e, "more than %u lines: not a router configuration",
				    IOS_MAX_LINES);
		}
		if (c->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct ios_line *nl = realloc(c->lines, ncap * sizeof(*nl));

			if (!nl)
				goto oom;
			c->lines = nl;
			cap = ncap;
		}
		l = &c->lines[c->n++];
		memset(l, 0, sizeof(*l));
		l->lineno = ++c->root.lineno;
		l->indent = (unsigned)ind;
		if (fill_line(l, s + ind, n - ind))
			goto oom;
		if (l->argc && !strcmp(l->argv[0], "banner")) {
			size_t before = pos;

			if (read_banner(l, text, len, &pos))
				goto oom;
			/* count the physical lines the banner took */
			for (size_t i = before; i < pos; i++)
				c->root.lineno += text[i] == '\n';
		}
	}
	c->root.lineno = 0;
	build_tree(c);
	return 0;
oom:
	ios_conf_free(c);
	return terr(e, "out of memory");
}

void ios_conf_free(struct ios_conf *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->lines[i].text);
		free(c->lines[i].argv);
		free(c->lines[i].banner);
	}
	free(c->lines);
	memset(c, 0, sizeof(*c));
}

bool ios_is(const struct ios_line *l, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, l);
	ok = evs_words_are(l->argc, l->argv, ap);
	va_end(ap);
	return ok;
}

const char *ios_arg(const struct ios_line *l, unsigned i)
{
	return i < l->argc ? l->argv[i] : "";
}
