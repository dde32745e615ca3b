// SPDX-License-Identifier: MIT
/*
 * ctl.c: the control socket is born 0600, and no client stalls the
 * daemon's loop: silent and trickling clients are served beside others
 * and dropped after CTL_TIMEOUT_MS; a full set of clients leaves the rest
 * in the backlog (issue 10, item 14).  Also the config and user file
 * permission checks (lib/secfile.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evsd/config.h"
#include "evsd/ctl.h"
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
};

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
	f->ctl = ctl_open(f->l, f->e, f->path, &err);
	if (!f->ctl)
		UNIT_FAIL("ctl_open: %s", err.msg);
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

/* Read what the daemon sent, without waiting: bytes, 0 at EOF, -1 none. */
static ssize_t got(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = '\0';
	return n;
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
	UNIT_ASSERT_EQ_INT(write(slow, "st", 2), 2);
	good = client(&f);
	UNIT_ASSERT_EQ_INT(write(good, "stats\n", 6), 6);
	took = run_for(&f, 100);
	UNIT_ASSERT(took < 1000);
	/* the good client has its whole answer and EOF at once */
	UNIT_ASSERT(got(good, buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "rx=0 tx=0 "));
	UNIT_ASSERT_EQ_INT(got(good, buf, sizeof(buf)), 0);
	UNIT_ASSERT_EQ_INT(ctl_clients(f.ctl), 2);
	/* the slow one finishes its line later and is answered */
	UNIT_ASSERT_EQ_INT(write(slow, "ats\n", 4), 4);
	run_for(&f, 100);
	UNIT_ASSERT(got(slow, buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "half_open="));
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
		UNIT_ASSERT_EQ_INT(write(t->good, "stats\n", 6), 6);
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
	UNIT_ASSERT_EQ_INT(write(fds[0], "stats\n", 6), 6);
	UNIT_ASSERT_EQ_INT(write(fds[n - 1], "stats\n", 6), 6);
	run_for(&f, 100);
	UNIT_ASSERT(got(fds[0], buf, sizeof(buf)) > 0);
	UNIT_ASSERT(got(fds[n - 2], buf, sizeof(buf)) < 0);
	run_for(&f, CTL_TIMEOUT_MS + 200);
	UNIT_ASSERT(got(fds[n - 1], buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "rx=0"));
	for (int i = 0; i < n; i++)
		close(fds[i]);
	fx_close(&f);
}

UNIT_TEST(unknown_command_is_echoed_escaped)
{
	struct fixture f;
	char buf[1024];
	int fd;

	fx_open(&f);
	fd = client(&f);
	UNIT_ASSERT_EQ_INT(write(fd, "x\x1b[2J\n", 6), 6);
	run_for(&f, 100);
	UNIT_ASSERT(got(fd, buf, sizeof(buf)) > 0);
	UNIT_ASSERT(strstr(buf, "unknown command \"x\\x1b[2J\""));
	close(fd);
	fx_close(&f);
}

static char *write_file(const char *text, mode_t mode)
{
	char *path = strdup("/tmp/evs-perm-XXXXXX");
	int fd = mkstemp(path);

	UNIT_ASSERT(fd >= 0);
	UNIT_ASSERT(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	UNIT_ASSERT_EQ_INT(fchmod(fd, mode), 0);
	close(fd);
	return path;
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
	struct evsd_config cfg;
	struct evs_err err;
	struct userdb db;
	struct evs_err ue;
	char *p;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		p = write_file("device evs0\n", refused[i]);
		UNIT_ASSERT_EQ_INT(evsd_config_load(p, &cfg, &err), -1);
		UNIT_ASSERT(strstr(err.msg, "writable by"));
		UNIT_ASSERT(strstr(err.msg, "refused"));
		unlink(p);
		free(p);
		p = write_file("", refused[i]);
		userdb_init(&db);
		UNIT_ASSERT_EQ_INT(userdb_load(&db, p, false, &ue), -1);
		UNIT_ASSERT(strstr(ue.msg, "writable by"));
		userdb_free(&db);
		unlink(p);
		free(p);
	}
	/* readable by others: loads, with a warning */
	evsd_log_set_hook(warn_hook, NULL);
	warned[0] = '\0';
	p = write_file("device evs0\n", 0644);
	UNIT_ASSERT_EQ_INT(evsd_config_load(p, &cfg, &err), 0);
	UNIT_ASSERT(strstr(warned, "readable by everyone (mode 0644)"));
	evsd_config_free(&cfg);
	unlink(p);
	free(p);
	warned[0] = '\0';
	p = write_file("device evs0\n", 0640);
	UNIT_ASSERT_EQ_INT(evsd_config_load(p, &cfg, &err), 0);
	UNIT_ASSERT(strstr(warned, "readable by its group"));
	evsd_config_free(&cfg);
	unlink(p);
	free(p);
	warned[0] = '\0';
	p = write_file("device evs0\n", 0600);
	UNIT_ASSERT_EQ_INT(evsd_config_load(p, &cfg, &err), 0);
	UNIT_ASSERT_EQ_INT(warned[0], '\0');
	evsd_config_free(&cfg);
	unlink(p);
	free(p);
	evsd_log_set_hook(NULL, NULL);
}

UNIT_MAIN()
