// SPDX-License-Identifier: MIT
/*
 * evsadm import-ios FILE [-o CONF] [-u USERS] [--pki-dir DIR] [--cost COST]
 *
 * Reads a Cisco IOS running-config (import_ios.c converts it), writes
 * evsd.conf to CONF (mode 0600: it holds the keys) or standard output,
 * hashes the clear-text passwords into the user file USERS the way
 * `evsadm user add` does, and tells on standard error which users need a
 * new password and how many lines were not carried over.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "evsadm/evsadm.h"
#include "evsadm/import_ios.h"
#include "evsadm/ios_tree.h"
#include "lib/file.h"

static const char import_usage[] =
"Usage: evsadm import-ios FILE [-o CONF] [-u USERS] [--pki-dir DIR] [--cost COST]\n"
"Converts a Cisco IOS Easy VPN server configuration (show running-config)\n"
"into evsd.conf: on standard output, or into CONF (mode 0600).\n"
"  -u USERS       add the users whose passwords are in clear text (or type 7)\n"
"                 to the user file USERS (argon2id, as evsadm user add)\n"
"  --pki-dir DIR  where the pki block expects the exported certificates\n"
"                 (default " IOS_PKI_DIR ")\n"
"  --cost COST    interactive | moderate | sensitive (argon2id, default interactive)\n"
"FILE - reads standard input.  Lines that cannot be carried over are listed,\n"
"with the reason, at the end of the output.\n";

struct import_req {
	const char *file, *conf, *users, *pki_dir;
	enum userdb_cost cost;
};

static int import_parse(int argc, char **argv, struct import_req *r)
{
	memset(r, 0, sizeof(*r));
	r->cost = USERDB_COST_INTERACTIVE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-o") || !strcmp(a, "-u") || !strcmp(a, "--pki-dir") ||
		    !strcmp(a, "--cost")) {
			if (!v || !v[0]) {
				fprintf(stderr, "evsadm: import-ios: \"%s\" needs a value\n", a);
				return -1;
			}
			i++;
			if (!strcmp(a, "-o"))
				r->conf = v;
			else if (!strcmp(a, "-u"))
				r->users = v;
			else if (!strcmp(a, "--pki-dir"))
				r->pki_dir = v;
			else if (userdb_cost_parse(v) < 0) {
				fprintf(stderr, "evsadm: import-ios: --cost is interactive, moderate "
					"or sensitive\n");
				return -1;
			} else {
				r->cost = (enum userdb_cost)userdb_cost_parse(v);
			}
		} else if ((a[0] != '-' || !strcmp(a, "-")) && !r->file) {
			r->file = a;
		} else {
			fprintf(stderr, "evsadm: import-ios: unexpected \"%s\"\n", a);
			return -1;
		}
	}
	if (!r->file) {
		fprintf(stderr, "evsadm: import-ios: missing FILE\n%s", import_usage);
		return -1;
	}
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	size_t cap = 65536, n = 0;
	char *buf = NULL;

	if (fd < 0) {
		fprintf(stderr, "evsadm: import-ios: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t r;

		if (n == cap) {
			char *nb = cap > IOS_MAX_FILE ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				fprintf(stderr, "evsadm: import-ios: %s: larger than %u bytes\n", path,
					IOS_MAX_FILE);
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "evsadm: import-ios: %s: %s\n", path, strerror(errno));
			free(buf);
			buf = NULL;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	*len = n;
	return buf;
}

/* CONF replaced whole (lib/file.h), mode 0600. */
static int write_conf(const char *path, const char *text, size_t len)
{
	static const struct evs_file_attrs attrs = { .mode = 0600, .gid = (gid_t)-1 };
	struct evs_err e;

	if (evs_file_replace(path, text, len, &attrs, &e) < 0) {
		fprintf(stderr, "evsadm: import-ios: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* The clear-text users into the user file, hashed. */
static int write_users(const struct import_req *r, const struct ios_import *imp, unsigned *added)
{
	struct userdb db;
	struct evs_err e;
	int rc = -1;

	userdb_init(&db);
	if (userdb_load(&db, r->users, true, &e)) {
		fprintf(stderr, "evsadm: import-ios: %s\n", e.msg);
		return -1;
	}
	for (size_t i = 0; i < imp->n_users; i++) {
		const struct ios_user *u = &imp->users[i];

		if (!u->password)
			continue;
		if (userdb_find(&db, u->name)) {
			fprintf(stderr, "evsadm: import-ios: user %s is already in %s: left as it is\n",
				u->name, r->users);
			continue;
		}
		if (userdb_add(&db, u->name, u->group, u->password, r->cost, &e)) {
			fprintf(stderr, "evsadm: import-ios: user %s: %s\n", u->name, e.msg);
			goto out;
		}
		(*added)++;
	}
	if (userdb_save(&db, r->users, &e)) {
		fprintf(stderr, "evsadm: import-ios: %s\n", e.msg);
		goto out;
	}
	rc = 0;
out:
	userdb_free(&db);
	return rc;
}

int evsadm_import_ios(struct evsadm *ctx, int argc, char **argv)
{
	struct ios_import_opts o = { 0 };
	struct ios_import imp;
	struct import_req r;
	struct evs_err e;
	char users_abs[4096];
	unsigned added = 0, clear = 0;
	size_t len;
	char *text;
	int rc = EVSADM_EXIT_FAIL;

	if (argc > 1 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--help"))) {
		fputs(import_usage, stdout);
		return EVSADM_EXIT_OK;
	}
	if (import_parse(argc, argv, &r))
		return EVSADM_EXIT_USAGE;
	text = read_all(r.file, &len);
	if (!text)
		return EVSADM_EXIT_FAIL;
	o.source = r.file;
	o.pki_dir = r.pki_dir;
	if (r.users) {
		/* evsd reads it from its own working directory: make it absolute */
		if (r.users[0] != '/') {
			char cwd[2048];

			if (!getcwd(cwd, sizeof(cwd)) ||
			    snprintf(users_abs, sizeof(users_abs), "%s/%s", cwd, r.users) >=
			    (int)sizeof(users_abs)) {
				fprintf(stderr, "evsadm: import-ios: %s: path too long\n", r.users);
				free(text);
				return EVSADM_EXIT_FAIL;
			}
			o.users_path = users_abs;
		} else {
			o.users_path = r.users;
		}
	}
	if (ios_import(text, len, &o, &imp, &e)) {
		fprintf(stderr, "evsadm: import-ios: %s: %s\n", r.file, e.msg);
		sodium_memzero(text, len);
		free(text);
		return EVSADM_EXIT_FAIL;
	}
	sodium_memzero(text, len);
	free(text);
	for (size_t i = 0; i < imp.n_users; i++)
		clear += imp.users[i].password != NULL;
	if (r.users && clear && write_users(&r, &imp, &added))
		goto out;
	if (r.conf ? write_conf(r.conf, imp.conf, imp.conf_len) :
	    fwrite(imp.conf, 1, imp.conf_len, stdout) != imp.conf_len) {
		if (!r.conf)
			fprintf(stderr, "evsadm: import-ios: write error on standard output\n");
		goto out;
	}
	for (size_t i = 0; i < imp.n_users; i++) {
		const struct ios_user *u = &imp.users[i];

		if (!u->password)
			fprintf(stderr, "evsadm: import-ios: user %s (line %u) needs a new password: "
				"%s; evsadm user add %s group %s\n", u->name, u->line, u->why,
				u->name, u->group);
	}
	if (clear && !r.users)
		fprintf(stderr, "evsadm: import-ios: %u user%s with a clear-text password not "
			"written: give -u USERS to add them to a user file\n", clear,
			clear == 1 ? "" : "s");
	fprintf(stderr, "evsadm: import-ios: %u lines carried over, %u not (listed at the end "
		"of the output), %u top-level lines outside the VPN skipped\n",
		imp.carried, imp.commented, imp.skipped);
	if (added)
		fprintf(stderr, "evsadm: import-ios: %u user%s added to %s\n", added,
			added == 1 ? "" : "s", r.users);
	rc = EVSADM_EXIT_OK;
out:
	ios_import_free(&imp);
	(void)ctx;
	return rc;
}
