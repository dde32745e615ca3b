// SPDX-License-Identifier: MIT
/*
 * ctl.c: the control socket is born 0600, and no client stalls the
 * daemon's loop: silent and trickling clients are served beside others
 * and dropped after CTL_TIMEOUT_MS; a full set of clients leaves the rest
 * in the backlog (issue 10, item 14).  The JSON protocol: requests that
 * are not one versioned object are refused with a reason, the command
 * table dispatches, unknown arguments are refused, evsadm's client
 * (lib/ctlsock.c) gets the answers (issue 13).  Also the config and user
 * file permission checks (lib/secfile.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evsd/config.h"
#include "evsd/ctl.h"
#include "evsd/ctl_cmds.h"
#include "lib/ctlsock.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "evsd/loop.h"
#include "lib/userdb.h"
#include "tests/unit/unit.h"

static const struct ike_engine_ops no_ops;

struct fixture {
	char dir[32], path[64];
	struct evsd_config cfg;
	struct ike_engine *e;
	struct loop *l;
	struct ctl *ctl;
	struct ctl_cmds cmds;
};

#define STATS_REQ "{\"version\":1,\"command\":\"daemon-show\"}\n"
#define STATS_LEN (sizeof(STATS_REQ) - 1)

static void fx_open(struct fixture *f)
{
	struct evs_err err;

	memset(f, 0, sizeof(*f));
	evsd_log_set_quiet(true);
	strcpy(f->dir, "/tmp/evs-ctl-XXXXXX");
	UNIT_ASSERT(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/evsd.sock", f->dir);
	f->e = ike_engine_new(&f->cfg.ike, EVS_ROLE_SERVER, &no_ops, NULL);
	f->l = loop_new();
	UNIT_ASSERT(f->e && f->l);
	f->ctl = ctl_open(f->l, f->path, &err);
	if (!f->ctl)
		UNIT_FAIL("ctl_open: %s", err.msg);
	f->cmds = (struct ctl_cmds){ .eng = f->e, .start_ms = loop_now_ms(),
				     .start_wall = time(NULL), .role = "server" };
	UNIT_ASSERT_EQ_INT(ctl_cmds_register(f->ctl, &f->cmds), 0);
}

static void fx_close(struct fixture *f)
{
	ctl_close(f->ctl);
	loop_free(f->l);
	ike_engine_free(f->e);
	rmdir(f->dir);
}

static int client(const struct fixture *f)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	UNIT_ASSERT(fd >= 0);
	strcpy(sun.sun_path, f->path);
	UNIT_ASSERT_EQ_INT(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void stop(void *arg)
{
	loop_stop(arg);
}

/* Run the loop for ms milliseconds of real time. */
static uint64_t run_for(struct fixture *f, uint64_t ms)
{
	uint64_t t0 = loop_now_ms();

	loop_timer(f->l, t0 + ms, stop, f->l);
	loop_run(f->l);
	return loop_now_ms() - t0;
}

/* Run the loop in steps of 50 ms (at most 5 s, a loaded machine) until fd
 * has something to read; what got() then returns. */
static ssize_t serve_until_answer(struct fixture *f, int fd, char *buf, size_t len);

/* Read what the daemon sent, without waiting: bytes, 0 at EOF, -1 none. */
static ssize_t got(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static ssize_t serve_until_answer(struct fixture *f, int fd, char *buf, size_t len)
{
	for (int i = 0; i < 100; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 0) > 0)
			break;
		run_for(f, 50);
	}
	return got(fd, buf, len);
}

UNIT_TEST(socket_is_born_0600)
{
	struct fixture f;
	struct stat st;
	mode_t old = umask(0);

	fx_open(&f);
	umask(old);
	UNIT_ASSERT_EQ_INT(stat(f.path, &st), 0);
	UNIT_ASSERT(S_ISSOCK(st.st_mode));
	UNIT_ASSERT_EQ_INT(st.st_mode & 0777, 0600);
	fx_close(&f);
	UNIT_ASSERT(access(f.path, F_OK) < 0);
}

UNIT_TEST(silent_and_trickling_clients_never_stall_the_loop)
{
	struct fixture f;
	char buf[1024];
	int silent, slow, good;
	uint64_t took;

	fx_open(&f);
	silent = client(&f);
	slow = client(&f);
	UNIT_ASSERT_EQ_INT(write(slow, STATS_REQ, 10), 10);
	good = client(&f);
	UNIT_ASSERT_EQ_INT(write(good, STATS_REQ, STATS_LEN), (int)STATS_LEN);
	took = run_for(&f, 100);
	/* A loop that waited on the silent client would come back only when
	 * the client timer drops it (CTL_TIMEOUT_MS) or never; half of that
	 * leaves a loaded machine room for a 100 ms run. */
	UNIT_ASSERT(took < CTL_TIMEOUT_MS / 2);
	/* the good client has its whole answer and EOF, while the others
	 * still hold their slots */
	UNIT_ASSERT(serve_until_answer(&f, good, buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "\"ok\":true"));
	UNIT_ASSERT(strstr(buf, "\"rx\":0,\"tx\":0,"));
	UNIT_ASSERT_EQ_INT(got(good, buf, sizeof(buf)), 0);
	UNIT_ASSERT_EQ_INT(ctl_clients(f.ctl), 2);
	/* the slow one finishes its line later and is answered */
	UNIT_ASSERT_EQ_INT(write(slow, STATS_REQ + 10, STATS_LEN - 10), (int)STATS_LEN - 10);
	UNIT_ASSERT(serve_until_answer(&f, slow, buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "\"half_open\":0"));
	UNIT_ASSERT_EQ_INT(ctl_clients(f.ctl), 1);
	/* the silent one is dropped after the timeout */
	UNIT_ASSERT(got(silent, buf, sizeof(buf)) < 0);
	run_for(&f, CTL_TIMEOUT_MS + 200);
	UNIT_ASSERT_EQ_INT(got(silent, buf, sizeof(buf)), 0);
	UNIT_ASSERT_EQ_INT(ctl_clients(f.ctl), 0);
	close(silent);
	close(slow);
	close(good);
	fx_close(&f);
}

/* As a real trickler does: one byte every 150 ms while the loop runs; a
 * client arriving meanwhile is answered before the trickler's next bytes
 * (counted in the trickler's bytes, not in milliseconds, so a loaded
 * machine cannot make it fail). */
struct trickle {
	struct fixture *f;
	int slow, good;
	unsigned sent, answered_after;	/* bytes sent when answered */
	uint64_t asked_at, answered_at;
};

static void trickle_byte(void *arg)
{
	struct trickle *t = arg;

	if (send(t->slow, "s", 1, MSG_NOSIGNAL) == 1)
		t->sent++;
	if (t->sent == 7 && t->good < 0) {
		t->good = client(t->f);
		UNIT_ASSERT_EQ_INT(write(t->good, STATS_REQ, STATS_LEN), (int)STATS_LEN);
		t->asked_at = loop_now_ms();
	}
	if (t->good >= 0 && !t->answered_at) {
		char buf[512];

		if (got(t->good, buf, sizeof(buf)) > 0) {
			t->answered_at = loop_now_ms();
			t->answered_after = t->sent;
		}
	}
	if (t->sent < 20)
		loop_timer(t->f->l, loop_now_ms() + 150, trickle_byte, t);
}

UNIT_TEST(a_trickling_client_leaves_others_answered)
{
	struct fixture f;
	struct trickle t = { .f = &f, .good = -1 };

	fx_open(&f);
	t.slow = client(&f);
	loop_timer(f.l, loop_now_ms() + 150, trickle_byte, &t);
	run_for(&f, 3300);
	UNIT_ASSERT(t.asked_at);
	UNIT_ASSERT(t.answered_at);
	UNIT_ASSERT(t.answered_after <= 8);
	close(t.slow);
	close(t.good);
	fx_close(&f);
}

/* More clients than slots: the loop keeps running; the extra ones wait in
 * the backlog and are served once a slot frees. */
UNIT_TEST(a_full_set_of_clients_only_queues_the_rest)
{
	struct fixture f;
	int fds[CTL_MAX_CLIENTS + 2];
	char buf[1024];
	int n = CTL_MAX_CLIENTS + 2;
	uint64_t took;

	fx_open(&f);
	for (int i = 0; i < n; i++)
		fds[i] = client(&f);
	took = run_for(&f, 50);
	UNIT_ASSERT(took < 500);
	UNIT_ASSERT_EQ_INT(ctl_clients(f.ctl), CTL_MAX_CLIENTS);
	/* the first one asks and is answered; a queued one takes its slot */
	UNIT_ASSERT_EQ_INT(write(fds[0], STATS_REQ, STATS_LEN), (int)STATS_LEN);
	UNIT_ASSERT_EQ_INT(write(fds[n - 1], STATS_REQ, STATS_LEN), (int)STATS_LEN);
	UNIT_ASSERT(serve_until_answer(&f, fds[0], buf, sizeof(buf)) > 0);
	UNIT_ASSERT(got(fds[n - 2], buf, sizeof(buf)) < 0);
	run_for(&f, CTL_TIMEOUT_MS + 200);
	UNIT_ASSERT(got(fds[n - 1], buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "\"rx\":0"));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	fx_close(&f);
}

/* The answer to one request through ctl_answer (what a client gets). */
static struct json_object *ask(struct fixture *f, const char *req)
{
	char *text = ctl_answer(f->ctl, req, strlen(req));
	struct json_object *a;

	UNIT_ASSERT(text);
	UNIT_ASSERT(text[strlen(text) - 1] == '\n');
	UNIT_ASSERT(!strchr(text, '\n') || strchr(text, '\n') == text + strlen(text) - 1);
	a = json_tokener_parse(text);
	free(text);
	UNIT_ASSERT(a && json_object_is_type(a, json_type_object));
	return a;
}

/* The answer's error text, or NULL when ok; the version is always 1. */
static const char *error_of(struct json_object *a)
{
	struct json_object *v;

	UNIT_ASSERT(json_object_object_get_ex(a, "version", &v));
	UNIT_ASSERT_EQ_INT(json_object_get_int(v), EVS_CTL_VERSION);
	UNIT_ASSERT(json_object_object_get_ex(a, "ok", &v));
	if (json_object_get_boolean(v)) {
		UNIT_ASSERT(json_object_object_get_ex(a, "result", &v));
		return NULL;
	}
	UNIT_ASSERT(json_object_object_get_ex(a, "error", &v));
	return json_object_get_string(v);
}

static void expect_error(struct fixture *f, const char *req, const char *part)
{
	struct json_object *a = ask(f, req);
	const char *e = error_of(a);

	if (!e || !strstr(e, part))
		UNIT_FAIL("%s: got \"%s\", expected an error with \"%s\"", req, e ? e : "ok",
			  part);
	json_object_put(a);
}

/* @req succeeds, and its answer (as plain JSON) holds @part. */
static void expect_answer(struct fixture *f, const char *req, const char *part)
{
	struct json_object *a = ask(f, req);

	UNIT_ASSERT(!error_of(a));
	UNIT_ASSERT(strstr(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), part));
	json_object_put(a);
}

UNIT_TEST(requests_that_are_not_one_versioned_object_are_refused)
{
	struct fixture f;

	fx_open(&f);
	expect_error(&f, "stats\n", "not one JSON object");
	expect_error(&f, "[1,2]\n", "not one JSON object");
	expect_error(&f, "{\"version\":1,\"command\":\"daemon-show\"", "not one JSON object");
	expect_error(&f, "{\"version\":1,\"command\":\"daemon-show\"} {}\n",
		     "not one JSON object");
	expect_error(&f, "{\"command\":\"daemon-show\"}\n", "no \"version\"");
	expect_error(&f, "{\"version\":\"1\",\"command\":\"daemon-show\"}\n", "no \"version\"");
	expect_error(&f, "{\"version\":2,\"command\":\"daemon-show\"}\n",
		     "version 2 is not spoken here (evsd speaks version 1)");
	expect_error(&f, "{\"version\":1}\n", "no \"command\"");
	expect_error(&f, "{\"version\":1,\"command\":7}\n", "no \"command\"");
	expect_error(&f, "{\"version\":1,\"command\":\"daemon-show\",\"args\":[]}\n",
		     "\"args\" must be an object");
	/* Unknown members of the request are ignored (a newer client). */
	{
		struct json_object *a = ask(&f, "{\"version\":1,\"command\":\"daemon-show\","
					    "\"client\":\"evsadm 9\"}\n");

		UNIT_ASSERT(!error_of(a));
		json_object_put(a);
	}
	fx_close(&f);
}

UNIT_TEST(unknown_commands_and_arguments_are_refused_and_named)
{
	struct fixture f;
	struct json_object *a;
	const char *e;

	fx_open(&f);
	/* The name comes back escaped and the known commands are listed. */
	a = ask(&f, "{\"version\":1,\"command\":\"x\\u001b[2J\"}\n");
	e = error_of(a);
	UNIT_ASSERT(e && strstr(e, "unknown command \"x\\x1b[2J\""));
	UNIT_ASSERT(!strchr(e, 0x1b));
	UNIT_ASSERT(strstr(e, "session-show") && strstr(e, "pool-show"));
	json_object_put(a);
	/* A typo never widens a command: session-del with no or a wrong
	 * argument ends nothing. */
	expect_error(&f, "{\"version\":1,\"command\":\"session-del\",\"args\":{\"usr\":\"alice\"}}",
		     "unknown argument \"usr\"");
	expect_error(&f, "{\"version\":1,\"command\":\"session-del\"}",
		     "name the session");
	expect_error(&f, "{\"version\":1,\"command\":\"session-del\",\"args\":{\"group\":\"g\"}}",
		     "unknown argument \"group\"");
	expect_error(&f, "{\"version\":1,\"command\":\"session-show\",\"args\":{\"id\":\"7\"}}",
		     "\"id\" must be an integer");
	expect_error(&f, "{\"version\":1,\"command\":\"session-show\",\"args\":{\"id\":-1}}",
		     "\"id\" must be an integer");
	expect_error(&f, "{\"version\":1,\"command\":\"session-show\","
		     "\"args\":{\"address\":\"10.0.0.300\"}}", "not an IPv4 or IPv6 address");
	expect_error(&f, "{\"version\":1,\"command\":\"session-del\","
		     "\"args\":{\"address\":\"::\"}}", "not an IPv4 or IPv6 address");
	expect_error(&f, "{\"version\":1,\"command\":\"session-show\","
		     "\"args\":{\"address\":\"2001:db8::1/128\"}}", "not an IPv4 or IPv6 address");
	/* an IPv6 client address names a session as an IPv4 one does */
	expect_answer(&f, "{\"version\":1,\"command\":\"session-show\","
		      "\"args\":{\"address\":\"2001:db8:77::1:1\"}}", "\"sessions\":[]");
	expect_error(&f, "{\"version\":1,\"command\":\"session-del\","
		     "\"args\":{\"address\":\"2001:db8:77::1:1\"}}", "no Easy VPN sessions");
	expect_error(&f, "{\"version\":1,\"command\":\"daemon-show\",\"args\":{\"x\":1}}",
		     "unknown argument \"x\"");
	/* Without the Easy VPN module: nothing to show, nothing to end. */
	expect_answer(&f, "{\"version\":1,\"command\":\"session-show\",\"args\":{\"user\":\"alice\"}}",
		      "\"sessions\":[]");
	expect_error(&f, "{\"version\":1,\"command\":\"session-del\",\"args\":{\"id\":3}}",
		     "no Easy VPN sessions");
	expect_answer(&f, "{\"version\":1,\"command\":\"pool-show\"}", "\"pools\":[]");
	fx_close(&f);
}

static int fake_cmd(void *arg, struct json_object *args, struct json_object *res,
		    struct evs_err *err)
{
	const char *who;

	(*(int *)arg)++;
	if (ctl_args_check(args, (const char *const[]){ "who", NULL }, err) ||
	    ctl_arg_str(args, "who", &who, err))
		return -1;
	if (who && !strcmp(who, "nobody"))
		return evs_errf(err, "nobody is here");
	json_object_object_add(res, "hello", json_object_new_string(who ? who : "world"));
	return 0;
}

UNIT_TEST(the_command_table_takes_handlers_and_replaces_them)
{
	struct fixture f;
	struct json_object *a, *r, *v;
	int calls = 0, other = 0;
	char name[40];

	fx_open(&f);
	UNIT_ASSERT_EQ_INT(ctl_register(f.ctl, "hello", fake_cmd, &calls), 0);
	a = ask(&f, "{\"version\":1,\"command\":\"hello\",\"args\":{\"who\":\"evsadm\"}}\n");
	UNIT_ASSERT(!error_of(a));
	UNIT_ASSERT(json_object_object_get_ex(a, "result", &r));
	UNIT_ASSERT(json_object_object_get_ex(r, "hello", &v));
	UNIT_ASSERT_EQ_STR(json_object_get_string(v), "evsadm");
	json_object_put(a);
	expect_error(&f, "{\"version\":1,\"command\":\"hello\",\"args\":{\"who\":\"nobody\"}}",
		     "nobody is here");
	UNIT_ASSERT_EQ_INT(calls, 2);
	/* The same name again: the newer handler answers (reload's hook). */
	UNIT_ASSERT_EQ_INT(ctl_register(f.ctl, "hello", fake_cmd, &other), 0);
	a = ask(&f, "{\"version\":1,\"command\":\"hello\"}");
	UNIT_ASSERT(!error_of(a));
	json_object_put(a);
	UNIT_ASSERT_EQ_INT(calls, 2);
	UNIT_ASSERT_EQ_INT(other, 1);
	/* Bounded: a long name and a full table are refused. */
	UNIT_ASSERT_EQ_INT(ctl_register(f.ctl, "a-name-longer-than-thirty-one-bytes", fake_cmd,
					&calls), -1);
	for (int i = 0;; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (ctl_register(f.ctl, name, fake_cmd, &calls) < 0)
			break;
		UNIT_ASSERT(i < CTL_MAX_CMDS);
	}
	fx_close(&f);
}

/* evsadm's side (lib/ctlsock.c) against the socket: the client runs in a
 * child process while the loop serves it here. */
static void call_in_child(struct fixture *f, const char *cmd, const char *args_json,
			  char *out, size_t len)
{
	int p[2];
	pid_t pid;
	ssize_t n;

	UNIT_ASSERT_EQ_INT(pipe(p), 0);
	pid = fork();
	UNIT_ASSERT(pid >= 0);
	if (pid == 0) {
		struct json_object *args = args_json ? json_tokener_parse(args_json) : NULL;
		struct evs_err err;
		struct json_object *a = evs_ctl_call(f->path, cmd, args, 3000, &err), *r;
		char line[1024];

		r = a ? evs_ctl_result(a, &err) : NULL;
		snprintf(line, sizeof(line), "%s", r ? json_object_to_json_string_ext(r,
			 JSON_C_TO_STRING_PLAIN) : err.msg);
		if (write(p[1], line, strlen(line)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	/* serve until the child has its answer (it writes, then exits) */
	for (int i = 0; i < 100; i++) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };

		run_for(f, 50);
		if (poll(&pf, 1, 0) > 0)
			break;
	}
	n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
}

UNIT_TEST(evsadms_client_gets_results_and_errors)
{
	struct fixture f;
	char out[1024];

	fx_open(&f);
	call_in_child(&f, "ike-sa-show", NULL, out, sizeof(out));
	UNIT_ASSERT_EQ_STR(out, "{\"sas\":[]}");
	call_in_child(&f, "daemon-show", NULL, out, sizeof(out));
	UNIT_ASSERT(strstr(out, "\"role\":\"server\""));
	UNIT_ASSERT(strstr(out, "\"refusals\":{"));
	UNIT_ASSERT(strstr(out, "\"bad_credentials\":0"));
	call_in_child(&f, "session-del", "{\"user\":\"\"}", out, sizeof(out));
	UNIT_ASSERT_EQ_STR(out, "argument \"user\" is empty");
	call_in_child(&f, "nope", NULL, out, sizeof(out));
	UNIT_ASSERT(strstr(out, "unknown command \"nope\" (ike-sa-show, ") == out);
	fx_close(&f);
}

UNIT_TEST(an_over_long_request_is_answered_with_an_error)
{
	struct fixture f;
	char *big = malloc(EVS_CTL_REQUEST_MAX + 10), buf[512];
	int fd;

	fx_open(&f);
	memset(big, ' ', EVS_CTL_REQUEST_MAX + 10);
	fd = client(&f);
	UNIT_ASSERT(write(fd, big, EVS_CTL_REQUEST_MAX + 10) > 0);
	run_for(&f, 100);
	UNIT_ASSERT(got(fd, buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "\"ok\":false"));
	UNIT_ASSERT(strstr(buf, "longer than 4096 bytes"));
	close(fd);
	free(big);
	fx_close(&f);
}

static char warned[512];

static void warn_hook(enum evsd_log_level level, const char *msg, void *arg)
{
	(void)arg;
	if (level == EVSD_LOG_WARN)
		snprintf(warned, sizeof(warned), "%s", msg);
}

/* evsd.conf and the user database hold secrets: refused when others (or
 * the group) may write them, a warning when they may read them. */
UNIT_TEST(config_and_user_file_permissions)
{
	static const mode_t refused[] = { 0666, 0620, 0602, 0660 };
	static const struct {
		mode_t mode;
		const char *warning;	/* NULL: none */
	} readable[] = {
		{ 0644, "readable by everyone (mode 0644)" },
		{ 0640, "readable by its group" },
		{ 0600, NULL },
	};
	struct evsd_config cfg;
	struct evs_err err;
	struct userdb db;
	struct evs_err ue;
	char *p;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		p = unit_tmpfile_mode("device evs0\n", refused[i]);
		UNIT_ASSERT_EQ_INT(evsd_config_load(p, &cfg, &err), -1);
		UNIT_ASSERT(strstr(err.msg, "writable by"));
		UNIT_ASSERT(strstr(err.msg, "refused"));
		unlink(p);
		free(p);
		p = unit_tmpfile_mode("", refused[i]);
		userdb_init(&db);
		UNIT_ASSERT_EQ_INT(userdb_load(&db, p, false, &ue), -1);
		UNIT_ASSERT(strstr(ue.msg, "writable by"));
		userdb_free(&db);
		unlink(p);
		free(p);
	}
	/* readable by others: loads, with a warning */
	evsd_log_set_hook(warn_hook, NULL);
	for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++) {
		warned[0] = '\0';
		p = unit_tmpfile_mode("device evs0\n", readable[i].mode);
		UNIT_ASSERT_EQ_INT(evsd_config_load(p, &cfg, &err), 0);
		if (readable[i].warning)
			UNIT_ASSERT(strstr(warned, readable[i].warning));
		else
			UNIT_ASSERT_EQ_INT(warned[0], '\0');
		evsd_config_free(&cfg);
		unlink(p);
		free(p);
	}
	evsd_log_set_hook(NULL, NULL);
}

UNIT_MAIN()
