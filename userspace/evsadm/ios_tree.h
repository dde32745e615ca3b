/* SPDX-License-Identifier: MIT */
/*
 * ios_tree: a Cisco IOS running-config read into a tree by indentation
 * (a line belongs to the closest line above it that is indented less),
 * for `evsadm import-ios`.  The file comes from somewhere else and is not
 * trusted: every size is bounded, every byte is accepted (a control byte
 * or a byte >= 0x80 is kept but marks the line "odd"), and nothing in it
 * can make the reader fail other than its size.
 *
 * Multi-line banners (`banner motd ^C ... ^C`, and ` banner ^C ... ^C`
 * inside a client configuration group) are read as one line whose text is
 * the banner, so their lines are never taken for commands.
 */
#ifndef EVSADM_IOS_TREE_H
#define EVSADM_IOS_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define IOS_MAX_FILE	(4u << 20)	/* 4 MiB: a large router's config */
#define IOS_MAX_LINES	200000u
#define IOS_MAX_WORDS	64u		/* more words: the line is "long" */
#define IOS_MAX_LINE	4096u		/* longer lines: the line is "long" */
#define IOS_MAX_DEPTH	8u		/* deeper lines hang at this depth */
#define IOS_MAX_BANNER	1023u		/* what evsd's banner takes */

enum ios_state {
	IOS_UNTOUCHED,		/* nobody looked at it yet */
	IOS_DONE,		/* carried over (or deliberately nothing to do) */
	IOS_COMMENTED,		/* a comment says why it was not carried over */
};

struct ios_line {
	struct ios_line *parent, *child, *next;
	unsigned lineno;	/* of the first line (banners span several) */
	unsigned indent;
	unsigned argc;
	char **argv;		/* words, NUL-terminated strings */
	char *text;		/* the line as written, without the indent */
	char *banner;		/* a banner's text (lines joined by '\n'), or NULL */
	bool long_line;		/* over IOS_MAX_LINE bytes or IOS_MAX_WORDS words */
	bool odd;		/* control bytes or bytes >= 0x80 */
	enum ios_state state;
};

struct ios_conf {
	struct ios_line root;	/* argc 0; its children are the top level */
	struct ios_line *lines;	/* all lines, in file order */
	size_t n;
};

/* Parse text (len bytes, any content).  -1 only when it is larger than
 * IOS_MAX_FILE, has more than IOS_MAX_LINES lines, or memory runs out. */
int ios_parse(const char *text, size_t len, struct ios_conf *c, struct evs_err *e);
void ios_conf_free(struct ios_conf *c);

/* True if l's first words are exactly the given ones (NULL-terminated). */
bool ios_is(const struct ios_line *l, ...) __attribute__((sentinel));
/* The word at i, or "" past the end. */
const char *ios_arg(const struct ios_line *l, unsigned i);

#endif
