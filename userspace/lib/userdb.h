/* SPDX-License-Identifier: MIT */
/*
 * userdb: the local XAUTH user database, shared by evsd (verifies) and
 * `evsadm user` (edits).  One file, default /etc/evs/users, one user a line:
 *
 *	# comment
 *	NAME GROUP HASH
 *
 * NAME and GROUP are 1..63 bytes of [A-Za-z0-9._@+-] (GROUP without '@'),
 * HASH is an argon2id string from libsodium crypto_pwhash_str_alg()
 * ("$argon2id$v=19$m=...,t=...,p=1$salt$hash").  Fields are separated by
 * blanks; blank lines and '#' comments are ignored.  Every error names the
 * file and line.  The file holds hashes only, never passwords; it is written
 * atomically (temporary file + rename) with mode 0600.
 */
#ifndef EVS_LIB_USERDB_H
#define EVS_LIB_USERDB_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define USERDB_PATH		"/etc/evs/users"
#define USERDB_NAME_MAX		63
#define USERDB_HASH_MAX		128	/* crypto_pwhash_STRBYTES */
#define USERDB_PASS_MAX		256	/* longest password we accept */

struct userdb_user {
	char name[USERDB_NAME_MAX + 1];
	char group[USERDB_NAME_MAX + 1];
	char hash[USERDB_HASH_MAX];
	unsigned line;			/* where it was read, 0 if added */
};

struct userdb {
	struct userdb_user *users;
	size_t n, cap;
};

/* Hash cost, as libsodium names it.  "min" exists for tests that verify
 * hundreds of logins under emulation; it is documented as unfit for use. */
enum userdb_cost {
	USERDB_COST_INTERACTIVE = 0,	/* default */
	USERDB_COST_MODERATE,
	USERDB_COST_SENSITIVE,
	USERDB_COST_MIN,
};
/* "interactive", "moderate", "sensitive", "min" -> cost, -1 if unknown. */
int userdb_cost_parse(const char *word);

void userdb_init(struct userdb *db);
void userdb_free(struct userdb *db);

/* Parse text (name is the file name used in errors).  On error -1 with
 * *err = "name:line: reason"; db is left empty. */
int userdb_parse(struct userdb *db, const char *text, size_t len,
		 const char *name, struct evs_err *err);
/* Read and parse path.  A missing file is an error unless missing_ok, in
 * which case db stays empty. */
int userdb_load(struct userdb *db, const char *path, bool missing_ok,
		struct evs_err *err);
/* Write the database atomically (path.tmp, fsync, rename), mode 0600. */
int userdb_save(const struct userdb *db, const char *path,
		struct evs_err *err);

bool userdb_name_valid(const char *name, bool is_group);
struct userdb_user *userdb_find(const struct userdb *db, const char *name);

/* Add a user (error if present) or change a password (error if absent).
 * The password is hashed here; it is never stored or logged. */
int userdb_add(struct userdb *db, const char *name, const char *group,
	       const char *password, enum userdb_cost cost,
	       struct evs_err *err);
int userdb_set_password(struct userdb *db, const char *name,
			const char *password, enum userdb_cost cost,
			struct evs_err *err);
int userdb_set_group(struct userdb *db, const char *name, const char *group,
		     struct evs_err *err);
int userdb_del(struct userdb *db, const char *name, struct evs_err *err);

/* Check a password.  For an unknown user a fixed dummy hash is verified
 * anyway, so both answers take the same time.  Returns true on a match;
 * *group (if not NULL) then points at the user's group. */
bool userdb_verify(const struct userdb *db, const char *name,
		   const char *password, size_t pass_len, const char **group);
/* What an unknown user is verified against: the cost of db's first user
 * (interactive when empty), random salt and hash. */
void userdb_dummy_hash(const struct userdb *db, char out[USERDB_HASH_MAX]);

#endif
