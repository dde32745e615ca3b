/* SPDX-License-Identifier: MIT */
/*
 * config: /etc/evs/evsd.conf — a small explicit grammar (documented in
 * Documentation/evsd.conf.5), parsed into a generic tree of directives,
 * then interpreted section by section:
 *   ike_config.c       (ike-core)   policies, transform sets, keys, peers,
 *                                   pki, timers, listen, device, logging
 *   config_easyvpn.c   (ike-server) groups, users, pools, RADIUS, ...
 *
 * Grammar (one directive per line):
 *	file      = { line }
 *	line      = [ directive | "}" ] [ "#" comment ] newline
 *	directive = word { word } [ "{" ]      -- "{" opens a block that ends
 *	                                          at a line holding only "}"
 *	word      = bare | quoted
 *	bare      = 1*( any printable except space, tab, '"', '#', '{', '}' )
 *	quoted    = '"' { char | '\"' | '\\' } '"'   (no newline inside)
 * Every error is reported as "file:line: reason".
 *
 * Interpreting: each section interpreter walks root->child, handles the
 * top-level directives it owns, sets node->used on them, and validates
 * their children completely itself (unknown child -> error).  After all
 * interpreters ran, cfg_check_unused() reports the first top-level
 * directive nobody claimed.
 */
#ifndef EVS_CONFTREE_H
#define EVS_CONFTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/err.h"

struct secret;

struct cfg_node {
	struct cfg_node *parent;
	struct cfg_node *child;		/* first child (blocks) */
	struct cfg_node *next;		/* next sibling */
	const char *file;		/* shared, owned by the root */
	unsigned line;
	unsigned argc;			/* argv[0] is the keyword */
	char **argv;
	bool block;			/* had "{ ... }" */
	bool used;			/* claimed by an interpreter */
};

/* Parse a file / a string (name is used as the file name in errors).
 * Returns the root (argc 0, block) or NULL with *err filled.  Limits: 64
 * words per line, 4096 bytes per line, blocks nested 8 deep, 1 MiB. */
struct cfg_node *cfg_parse_file(const char *path, struct evs_err *err);
struct cfg_node *cfg_parse_string(const char *text, const char *name,
				  struct evs_err *err);
/* Frees the tree, wiping every word first (keys are in there). */
void cfg_free(struct cfg_node *root);

/* Fill *err with "file:line: " + message for node n; returns -1 so
 * interpreters can `return cfg_error(err, n, "...")`. */
int cfg_error(struct evs_err *err, const struct cfg_node *n,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True if n's first words are exactly the given ones (NULL-terminated):
 * cfg_is(n, "crypto", "isakmp", "policy", NULL). */
bool cfg_is(const struct cfg_node *n, ...) __attribute__((sentinel));
/* argc in [min, max] (counting the keyword words), else error "… expects …". */
int cfg_nargs(const struct cfg_node *n, unsigned min, unsigned max,
	      struct evs_err *err);
/* Must (not) have a block. */
int cfg_want_block(const struct cfg_node *n, bool block, struct evs_err *err);
/* argv[idx] as an unsigned number within [min, max]. */
int cfg_u32(const struct cfg_node *n, unsigned idx, uint32_t min,
	    uint32_t max, uint32_t *out, struct evs_err *err);
/* argv[idx] as one of names[] (NULL-terminated): returns the index or -1
 * with an error listing the choices. */
int cfg_choice(const struct cfg_node *n, unsigned idx,
	       const char *const *names, struct evs_err *err);
/* argv[idx] as an IPv4/IPv6 address, optionally "/plen" when plen != NULL
 * (no "/" = full length).  Port is set to 0. */
int cfg_addr(const struct cfg_node *n, unsigned idx,
	     struct sockaddr_storage *ss, uint8_t *plen, struct evs_err *err);
/* argv[idx] copied into a sealed secret (the word stays in the tree until
 * cfg_free wipes it). */
int cfg_secret(const struct cfg_node *n, unsigned idx, struct secret **out,
	       struct evs_err *err);
/* Error for the first top-level directive with !used. */
int cfg_check_unused(const struct cfg_node *root, struct evs_err *err);

#endif
