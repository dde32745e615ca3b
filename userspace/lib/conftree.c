// SPDX-License-Identifier: MIT
/*
 * evsd.conf's syntax: the tokenizer, the directive tree and typed argument
 * helpers for the section interpreters.  Grammar in conftree.h and
 * Documentation/evsd.conf.5.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "lib/conftree.h"
#include "lib/daemon_log.h"
#include "lib/parse.h"
#include "lib/secfile.h"
#include "lib/secret.h"

#define CFG_MAX_WORDS	64
#define CFG_MAX_LINE	4096
#define CFG_MAX_DEPTH	8
#define CFG_MAX_FILE	(1 << 20)

/* ---- errors -------------------------------------------------------------- */

static int errat(struct evs_err *err, const char *file, unsigned line,
		 const char *fmt, va_list ap)
{
	int n;

	if (!err)
		return -1;
	n = snprintf(err->msg, sizeof(err->msg), "%s:%u: ", file, line);
	if (n > 0 && (size_t)n < sizeof(err->msg))
		vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	return -1;
}

static int __attribute__((format(printf, 4, 5)))
perr_line(struct evs_err *err, const char *file, unsigned line,
	  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errat(err, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

int cfg_error(struct evs_err *err, const struct cfg_node *n,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	errat(err, n->file, n->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- tree ------------------------------------------------------------------ */

static void node_free(struct cfg_node *n)
{
	while (n) {
		struct cfg_node *next = n->next;

		node_free(n->child);
		for (unsigned i = 0; i < n->argc; i++) {
			sodium_memzero(n->argv[i], strlen(n->argv[i]));
			free(n->argv[i]);
		}
		free(n->argv);
		free(n);
		n = next;
	}
}

void cfg_free(struct cfg_node *root)
{
	char *file;

	if (!root)
		return;
	file = (char *)root->file;
	node_free(root);
	free(file);
}

/* Append a new child to parent, keeping file order. */
static struct cfg_node *node_add(struct cfg_node *parent, struct cfg_node **tail,
				 const char *file, unsigned line)
{
	struct cfg_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->parent = parent;
	n->file = file;
	n->line = line;
	if (*tail)
		(*tail)->next = n;
	else
		parent->child = n;
	*tail = n;
	return n;
}

/* ---- tokenizer -------------------------------------------------------------- */

struct line_tok {
	unsigned argc;
	char *argv[CFG_MAX_WORDS];
	bool open;		/* ended with "{" */
	bool close;		/* the line is "}" */
};

static void tok_clear(struct line_tok *t)
{
	for (unsigned i = 0; i < t->argc; i++) {
		sodium_memzero(t->argv[i], strlen(t->argv[i]));
		free(t->argv[i]);
	}
	memset(t, 0, sizeof(*t));
}

static bool is_bare(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != '"' && c != '#' && c != '{' &&
	       c != '}';
}

/* Split one line (no newline) into words.  Returns 0 or -1 + *err. */
static int tokenize(const char *s, size_t len, const char *file, unsigned line,
		    struct line_tok *t, struct evs_err *err)
{
	char word[CFG_MAX_LINE + 1];
	size_t i = 0;

	memset(t, 0, sizeof(*t));
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t w = 0;

		if (c == ' ' || c == '\t' || (c == '\r' && i + 1 == len)) {
			i++;
			continue;
		}
		if (c == '#')
			break;
		if (t->open)
			return perr_line(err, file, line, "'{' must end the line");
		if (c == '{') {
			if (!t->argc)
				return perr_line(err, file, line,
						 "'{' without a directive");
			t->open = true;
			i++;
			continue;
		}
		if (c == '}') {
			if (t->argc || t->close)
				return perr_line(err, file, line,
						 "'}' must stand on a line of its own");
			t->close = true;
			i++;
			continue;
		}
		if (t->close)
			return perr_line(err, file, line,
					 "'}' must stand on a line of its own");
		if (t->argc >= CFG_MAX_WORDS)
			return perr_line(err, file, line, "more than %d words",
					 CFG_MAX_WORDS);
		if (c == '"') {
			i++;
			for (;;) {
				if (i >= len)
					return perr_line(err, file, line,
							 "unterminated quoted string");
				c = (unsigned char)s[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= len || (s[i] != '"' && s[i] != '\\'))
						return perr_line(err, file, line,
							"only \\\" and \\\\ are escapes");
					c = (unsigned char)s[i++];
				} else if (c < 0x20 && c != '\t') {
					return perr_line(err, file, line,
							 "control character in a string");
				}
				word[w++] = (char)c;
			}
			if (i < len && is_bare((unsigned char)s[i]))
				return perr_line(err, file, line,
						 "text straight after a closing quote");
		} else if (is_bare(c)) {
			while (i < len && is_bare((unsigned char)s[i]))
				word[w++] = s[i++];
			if (i < len && s[i] == '"')
				return perr_line(err, file, line,
						 "quote inside a word");
		} else {
			return perr_line(err, file, line,
					 "unexpected character 0x%02x", c);
		}
		word[w] = '\0';
		t->argv[t->argc] = strdup(word);
		sodium_memzero(word, w);
		if (!t->argv[t->argc])
			return perr_line(err, file, line, "out of memory");
		t->argc++;
	}
	return 0;
}

static struct cfg_node *parse_text(const char *text, size_t size,
				   const char *name, struct evs_err *err)
{
	struct cfg_node *root = calloc(1, sizeof(*root));
	struct cfg_node *parent, *tails[CFG_MAX_DEPTH + 1] = { NULL };
	struct line_tok t;
	unsigned depth = 0, line = 0;
	size_t off = 0;
	char *file = strdup(name);

	if (!root || !file) {
		free(root);
		free(file);
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		return NULL;
	}
	root->file = file;
	root->block = true;
	parent = root;
	while (off < size) {
		const char *nl = memchr(text + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (text + off)) : size - off;
		struct cfg_node *n;

		line++;
		if (len > CFG_MAX_LINE) {
			perr_line(err, file, line, "line longer than %d bytes",
				  CFG_MAX_LINE);
			goto fail;
		}
		if (memchr(text + off, '\0', len)) {
			perr_line(err, file, line, "NUL byte");
			goto fail;
		}
		if (tokenize(text + off, len, file, line, &t, err) < 0) {
			tok_clear(&t);
			goto fail;
		}
		off += len + (nl ? 1 : 0);
		if (t.close) {
			if (!depth) {
				perr_line(err, file, line,
					  "'}' without an open block");
				goto fail;
			}
			tails[depth] = NULL;
			depth--;
			parent = parent->parent;
			continue;
		}
		if (!t.argc)
			continue;
		n = node_add(parent, &tails[depth], file, line);
		if (!n) {
			tok_clear(&t);
			perr_line(err, file, line, "out of memory");
			goto fail;
		}
		n->argv = calloc(t.argc, sizeof(char *));
		if (!n->argv) {
			tok_clear(&t);
			perr_line(err, file, line, "out of memory");
			goto fail;
		}
		memcpy(n->argv, t.argv, t.argc * sizeof(char *));
		n->argc = t.argc;
		n->block = t.open;
		if (t.open) {
			if (depth >= CFG_MAX_DEPTH) {
				perr_line(err, file, line,
					  "blocks nested deeper than %d",
					  CFG_MAX_DEPTH);
				goto fail;
			}
			depth++;
			tails[depth] = NULL;
			parent = n;
		}
	}
	if (depth) {
		perr_line(err, file, parent->line,
			  "block '%s' is not closed", parent->argv[0]);
		goto fail;
	}
	return root;
fail:
	cfg_free(root);
	return NULL;
}

struct cfg_node *cfg_parse_string(const char *text, const char *name,
				  struct evs_err *err)
{
	size_t len = strlen(text);

	if (len > CFG_MAX_FILE) {
		snprintf(err->msg, sizeof(err->msg), "%s: larger than 1 MiB", name);
		return NULL;
	}
	return parse_text(text, len, name, err);
}

struct cfg_node *cfg_parse_file(const char *path, struct evs_err *err)
{
	struct evs_err why;
	struct cfg_node *root;
	struct stat st;
	size_t got;
	char *buf;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err->msg, sizeof(err->msg), "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	switch (evs_secret_file_check(fileno(f), path, &why)) {
	case -1:
		snprintf(err->msg, sizeof(err->msg), "%s", why.msg);
		fclose(f);
		return NULL;
	case 1:
		log_warn("%s", why.msg);
		break;
	}
	if (st.st_size > CFG_MAX_FILE) {
		snprintf(err->msg, sizeof(err->msg), "%s: larger than 1 MiB", path);
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	root = parse_text(buf, got, path, err);
	/* The file may hold keys. */
	sodium_memzero(buf, got);
	free(buf);
	return root;
}

/* ---- helpers for interpreters ----------------------------------------------- */

bool cfg_is(const struct cfg_node *n, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, n);
	ok = evs_words_are(n->argc, n->argv, ap);
	va_end(ap);
	return ok;
}

int cfg_nargs(const struct cfg_node *n, unsigned min, unsigned max,
	      struct evs_err *err)
{
	if (n->argc < min)
		return cfg_error(err, n, "'%s' needs more arguments", n->argv[0]);
	/* Not quoting the extra word: it may be half of an unquoted key. */
	if (n->argc > max)
		return cfg_error(err, n, "'%s': too many words (quote values "
				 "that contain spaces)", n->argv[0]);
	return 0;
}

int cfg_want_block(const struct cfg_node *n, bool block, struct evs_err *err)
{
	if (n->block == block)
		return 0;
	return cfg_error(err, n, block ? "'%s' needs a { ... } block" :
			 "'%s' takes no block", n->argv[0]);
}

int cfg_u32(const struct cfg_node *n, unsigned idx, uint32_t min,
	    uint32_t max, uint32_t *out, struct evs_err *err)
{
	unsigned long long v;
	char *end;

	if (idx >= n->argc)
		return cfg_error(err, n, "'%s' needs a number", n->argv[0]);
	errno = 0;
	if (n->argv[idx][0] < '0' || n->argv[idx][0] > '9')
		return cfg_error(err, n, "'%s' is not a number", n->argv[idx]);
	v = strtoull(n->argv[idx], &end, 10);
	if (errno || *end)
		return cfg_error(err, n, "'%s' is not a number", n->argv[idx]);
	if (v < min || v > max)
		return cfg_error(err, n, "%s: %llu is outside %u..%u", n->argv[0],
				 v, min, max);
	*out = (uint32_t)v;
	return 0;
}

int cfg_choice(const struct cfg_node *n, unsigned idx,
	       const char *const *names, struct evs_err *err)
{
	char list[256];
	size_t o = 0;

	if (idx < n->argc)
		for (int i = 0; names[i]; i++)
			if (!strcmp(n->argv[idx], names[i]))
				return i;
	list[0] = '\0';
	for (int i = 0; names[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				      i ? ", " : "", names[i]);
	if (idx >= n->argc)
		return cfg_error(err, n, "'%s' needs one of: %s", n->argv[0], list);
	return cfg_error(err, n, "%s: '%s' is not one of: %s", n->argv[0],
			 n->argv[idx], list);
}

int cfg_addr(const struct cfg_node *n, unsigned idx,
	     struct sockaddr_storage *ss, uint8_t *plen, struct evs_err *err)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned max;

	if (idx >= n->argc)
		return cfg_error(err, n, "'%s' needs an address", n->argv[0]);
	if (strlen(n->argv[idx]) >= sizeof(buf))
		return cfg_error(err, n, "'%s' is not an address", n->argv[idx]);
	strcpy(buf, n->argv[idx]);
	slash = strchr(buf, '/');
	if (slash) {
		if (!plen)
			return cfg_error(err, n, "%s: no prefix length allowed here",
					 n->argv[0]);
		*slash++ = '\0';
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf,
			     &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		max = 128;
	} else {
		return cfg_error(err, n, "'%s' is not an IPv4 or IPv6 address",
				 n->argv[idx]);
	}
	if (plen) {
		*plen = (uint8_t)max;
		if (slash) {
			char *end;
			unsigned long v = strtoul(slash, &end, 10);

			if (!*slash || *end || v > max)
				return cfg_error(err, n, "bad prefix length in '%s'",
						 n->argv[idx]);
			*plen = (uint8_t)v;
		}
	}
	return 0;
}

int cfg_secret(const struct cfg_node *n, unsigned idx, struct secret **out,
	       struct evs_err *err)
{
	if (idx >= n->argc)
		return cfg_error(err, n, "'%s' needs a value", n->argv[0]);
	if (!n->argv[idx][0])
		return cfg_error(err, n, "%s: empty secret", n->argv[0]);
	*out = secret_from(n->argv[idx], strlen(n->argv[idx]));
	if (!*out)
		return cfg_error(err, n, "out of (guarded) memory");
	return 0;
}

int cfg_check_unused(const struct cfg_node *root, struct evs_err *err)
{
	for (const struct cfg_node *n = root->child; n; n = n->next) {
		char words[128];
		size_t o = 0;

		if (n->used)
			continue;
		/* Quote the keyword, or "crypto isakmp frobnicate"; never
		 * more, the following words may be a key. */
		unsigned nw = strcmp(n->argv[0], "crypto") ? 1 : 3;

		words[0] = '\0';
		for (unsigned i = 0; i < n->argc && i < nw && o < sizeof(words); i++)
			o += (size_t)snprintf(words + o, sizeof(words) - o, "%s%s",
					      i ? " " : "", n->argv[i]);
		return cfg_error(err, n, "unknown directive '%s'", words);
	}
	return 0;
}
