/* SPDX-License-Identifier: MIT */
/*
 * import_ios: a Cisco IOS Easy VPN server's running-config turned into
 * evsd.conf (Documentation/ios-migration.md has the mapping).  Pure: text
 * in, text and a user list out, no I/O, so the unit tests and the fuzzer
 * drive it directly; `evsadm import-ios` (import_ios_cmd.c) reads the
 * file, hashes the passwords and writes the results.
 *
 * Every line of the VPN configuration is either carried over or named in
 * a comment of the output with the reason; lines that have nothing to do
 * with the VPN (interfaces, routing, lines, SNMP...) are counted in one
 * summary comment.
 */
#ifndef EVSADM_IMPORT_IOS_H
#define EVSADM_IMPORT_IOS_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/userdb.h"

#define IOS_PKI_DIR	"/etc/evs/pki"

struct ios_import_opts {
	const char *source;	/* the file's name, for the header comment */
	const char *users_path;	/* written as user-database, or NULL */
	const char *pki_dir;	/* where the pki block points (IOS_PKI_DIR) */
};

struct ios_user {
	char name[USERDB_NAME_MAX + 1];
	char group[USERDB_NAME_MAX + 1];
	char *password;		/* clear text (to be hashed), or NULL: reset it */
	char why[256];		/* when password is NULL: why */
	unsigned line;
};

struct ios_import {
	char *conf;		/* evsd.conf, NUL-terminated */
	size_t conf_len;
	struct ios_user *users;	/* the local users, in file order */
	size_t n_users;
	unsigned carried;	/* IOS lines carried over */
	unsigned commented;	/* IOS lines named in a "not carried over" comment */
	unsigned skipped;	/* lines outside the VPN configuration */
};

/* Convert text (len bytes, anything).  -1 with *e only when the text is
 * too large or memory runs out; everything else is in the output. */
int ios_import(const char *text, size_t len, const struct ios_import_opts *o,
	       struct ios_import *out, struct evs_err *e);
/* Wipes the passwords. */
void ios_import_free(struct ios_import *out);

/* IOS "type 7" (a reversible scramble, not encryption) decoded into out;
 * -1 when in is not one. */
int ios_type7_decode(const char *in, char *out, size_t cap);

#endif
