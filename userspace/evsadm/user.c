// SPDX-License-Identifier: MIT
/*
 * evsadm user: the local XAUTH user database (lib/userdb.h).
 *
 * Passwords are never taken from the command line (they would sit in the
 * shell history and in /proc/PID/cmdline): they are read from the
 * terminal with echo off, twice.  When standard input is not a terminal
 * (scripts, tests) one line is read from it instead, without a prompt:
 *
 *	printf '%s\n' "$PW" | evsadm user add alice group sales
 *
 * evsd reads the file at start-up and on SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "evsadm/evsadm.h"
#include "evsadm/user.h"
#include "lib/userdb.h"

static const char user_usage[] =
"Usage: evsadm user add NAME group GROUP [file PATH] [cost COST]\n"
"       evsadm user passwd NAME [file PATH] [cost COST]\n"
"       evsadm user del NAME [file PATH]\n"
"       evsadm user show [NAME] [file PATH]\n"
"PATH := the user database (default " USERDB_PATH ")\n"
"COST := interactive | moderate | sensitive (argon2id cost, default interactive)\n"
"The password is asked on the terminal (echo off, twice); when standard\n"
"input is not a terminal, one line is read from it.\n";

static const char *const user_verbs[] = { "add", "passwd", "del", "delete", "show", "list",
					  "help", NULL };

int evsadm_user_parse(int argc, char **argv, struct evsadm_user_req *req,
		      struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 1 };
	const char *kw;
	uint64_t seen = 0;
	int v;

	memset(req, 0, sizeof(*req));
	snprintf(req->file, sizeof(req->file), "%s", USERDB_PATH);
	req->cost = USERDB_COST_INTERACTIVE;
	v = evsadm_verb(evsadm_arg_next(&a), user_verbs, "user", e);
	if (v < 0)
		return -1;
	static const enum evsadm_user_op ops[] = {
		EVSADM_USER_ADD, EVSADM_USER_PASSWD, EVSADM_USER_DEL, EVSADM_USER_DEL,
		EVSADM_USER_SHOW, EVSADM_USER_SHOW, EVSADM_USER_HELP,
	};
	req->op = ops[v];
	if (req->op == EVSADM_USER_HELP)
		return 0;
	kw = evsadm_arg_peek(&a);
	if (kw && (req->op != EVSADM_USER_SHOW || strcmp(kw, "file"))) {
		evsadm_arg_next(&a);
		if (!userdb_name_valid(kw, false))
			return evs_errf(e, "invalid user name \"%.63s\" (1-63 of A-Z a-z 0-9 . _ - + @)",
					kw);
		snprintf(req->name, sizeof(req->name), "%s", kw);
	} else if (req->op != EVSADM_USER_SHOW) {
		return evs_errf(e, "missing user NAME");
	}
	while ((kw = evsadm_arg_next(&a))) {
		const char *val = evsadm_arg_next(&a);

		if (!strcmp(kw, "group") && req->op == EVSADM_USER_ADD) {
			if (evsadm_once(&seen, 0, kw, e))
				return -1;
			if (!val || !userdb_name_valid(val, true))
				return evs_errf(e, "\"group\" expects a group name (1-63 of "
						"A-Z a-z 0-9 . _ - +), got \"%s\"", val ? val : "");
			snprintf(req->group, sizeof(req->group), "%s", val);
		} else if (!strcmp(kw, "file")) {
			if (evsadm_once(&seen, 1, kw, e))
				return -1;
			if (!val || !val[0] || strlen(val) >= sizeof(req->file))
				return evs_errf(e, "\"file\" expects a path");
			snprintf(req->file, sizeof(req->file), "%s", val);
		} else if (!strcmp(kw, "cost") &&
			   (req->op == EVSADM_USER_ADD || req->op == EVSADM_USER_PASSWD)) {
			int c = val ? userdb_cost_parse(val) : -1;

			if (evsadm_once(&seen, 2, kw, e))
				return -1;
			if (c < 0)
				return evs_errf(e, "\"cost\" expects interactive, moderate or "
						"sensitive, got \"%s\"", val ? val : "");
			req->cost = (enum userdb_cost)c;
		} else if (!strcmp(kw, "password") || !strcmp(kw, "pass")) {
			return evs_errf(e, "passwords are not taken on the command line; "
					"evsadm asks for it (or reads one line from standard input)");
		} else {
			return evs_errf(e, "unknown keyword \"%s\"", kw);
		}
	}
	if (req->op == EVSADM_USER_ADD && !req->group[0])
		return evs_errf(e, "missing \"group GROUP\" (every user belongs to a group)");
	return 0;
}

/* One line from fd into buf (no newline); -1 on EOF before any byte. */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	char c;
	ssize_t r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (n == 0)
				return -1;
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return 0;
}

static int ask_tty(int fd, const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	int r;

	if (tcgetattr(fd, &old))
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0)
		return -1;
	if (tcsetattr(fd, TCSAFLUSH, &quiet))
		return -1;
	r = read_line(fd, buf, cap);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0)
		return -1;
	return r;
}

/* The new password into buf (USERDB_PASS_MAX + 1 bytes). */
static int get_password(const char *name, char *buf, size_t cap, FILE *err)
{
	char again[USERDB_PASS_MAX + 2];
	char prompt[128];
	int fd;

	if (!isatty(STDIN_FILENO)) {
		if (read_line(STDIN_FILENO, buf, cap)) {
			fprintf(err, "evsadm: user: no password on standard input\n");
			return -1;
		}
		return 0;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = STDIN_FILENO;
	snprintf(prompt, sizeof(prompt), "Password for %s: ", name);
	if (ask_tty(fd, prompt, buf, cap) ||
	    ask_tty(fd, "Again: ", again, sizeof(again))) {
		fprintf(err, "evsadm: user: could not read the password from the terminal\n");
		goto fail;
	}
	if (strcmp(buf, again)) {
		fprintf(err, "evsadm: user: the passwords differ; nothing changed\n");
		goto fail;
	}
	sodium_memzero(again, sizeof(again));
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
fail:
	sodium_memzero(again, sizeof(again));
	sodium_memzero(buf, cap);
	if (fd != STDIN_FILENO)
		close(fd);
	return -1;
}

/* Serialise writers: an exclusive lock on PATH.lock for load+save. */
static int lock_db(const char *path, FILE *err)
{
	char lk[4200];
	int fd;

	snprintf(lk, sizeof(lk), "%s.lock", path);
	fd = open(lk, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(err, "evsadm: user: %s: %s\n", lk, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX)) {
		fprintf(err, "evsadm: user: %s: %s\n", lk, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int show(const struct evsadm *ctx, const struct evsadm_user_req *req,
		const struct userdb *db)
{
	const struct evsadm_opts *o = &ctx->opt;
	struct json_object *arr = NULL;
	bool found = false;

	if (o && o->json)
		arr = json_object_new_array();
	for (size_t i = 0; i < db->n; i++) {
		const struct userdb_user *u = &db->users[i];

		if (req->name[0] && strcmp(req->name, u->name))
			continue;
		found = true;
		if (arr) {
			struct json_object *j = json_object_new_object();

			evs_json_add_str(j, "name", u->name);
			evs_json_add_str(j, "group", u->group);
			evs_json_add_str(j, "hash", "argon2id");
			json_object_array_add(arr, j);
		} else {
			/* The hash itself is not shown: it is an offline guessing target. */
			printf("%s group %s password argon2id\n", u->name, u->group);
		}
	}
	if (arr) {
		evs_json_print(stdout, arr, o->pretty);
		json_object_put(arr);
	}
	if (req->name[0] && !found) {
		fprintf(stderr, "evsadm: user show: no user \"%s\" in %s\n", req->name, req->file);
		return EVSADM_EXIT_FAIL;
	}
	return EVSADM_EXIT_OK;
}

int evsadm_user(struct evsadm *ctx, int argc, char **argv)
{
	struct evsadm_user_req req;
	char password[USERDB_PASS_MAX + 2];
	struct evs_err uerr;
	struct userdb db;
	struct evs_err e;
	int lock = -1, rc = EVSADM_EXIT_FAIL;

	if (evsadm_user_parse(argc, argv, &req, &e)) {
		fprintf(stderr, "evsadm: user: %s\n", e.msg);
		return EVSADM_EXIT_USAGE;
	}
	if (req.op == EVSADM_USER_HELP) {
		fputs(user_usage, stdout);
		return EVSADM_EXIT_OK;
	}
	userdb_init(&db);
	if (req.op != EVSADM_USER_SHOW) {
		lock = lock_db(req.file, stderr);
		if (lock < 0)
			return EVSADM_EXIT_FAIL;
	}
	if (userdb_load(&db, req.file, req.op == EVSADM_USER_ADD || req.op == EVSADM_USER_SHOW,
			&uerr)) {
		fprintf(stderr, "evsadm: user: %s\n", uerr.msg);
		goto out;
	}
	switch (req.op) {
	case EVSADM_USER_SHOW:
		rc = show(ctx, &req, &db);
		goto out;
	case EVSADM_USER_DEL:
		if (userdb_del(&db, req.name, &uerr))
			goto fail;
		break;
	case EVSADM_USER_ADD:
	case EVSADM_USER_PASSWD:
		if (req.op == EVSADM_USER_ADD && userdb_find(&db, req.name)) {
			fprintf(stderr, "evsadm: user add: user \"%s\" exists in %s "
				"(change its password with: evsadm user passwd %s)\n",
				req.name, req.file, req.name);
			goto out;
		}
		if (req.op == EVSADM_USER_PASSWD && !userdb_find(&db, req.name)) {
			fprintf(stderr, "evsadm: user passwd: no user \"%s\" in %s\n", req.name,
				req.file);
			goto out;
		}
		if (get_password(req.name, password, sizeof(password), stderr))
			goto out;
		if (strlen(password) > USERDB_PASS_MAX) {
			fprintf(stderr, "evsadm: user: password longer than %d bytes\n",
				USERDB_PASS_MAX);
			sodium_memzero(password, sizeof(password));
			goto out;
		}
		if (req.op == EVSADM_USER_ADD)
			rc = userdb_add(&db, req.name, req.group, password, req.cost, &uerr);
		else
			rc = userdb_set_password(&db, req.name, password, req.cost, &uerr);
		sodium_memzero(password, sizeof(password));
		if (rc) {
			rc = EVSADM_EXIT_FAIL;
			goto fail;
		}
		break;
	default:
		goto out;
	}
	if (userdb_save(&db, req.file, &uerr))
		goto fail;
	rc = EVSADM_EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "evsadm: user: %s\n", uerr.msg);
	rc = EVSADM_EXIT_FAIL;
out:
	userdb_free(&db);
	if (lock >= 0)
		close(lock);
	return rc;
}
