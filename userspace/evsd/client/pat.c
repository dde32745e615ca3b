// SPDX-License-Identifier: MIT
/* Client-mode PAT through an nftables table; see pat.h. */
#include "evsd/client/pat.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void pat_table_name(const char *peer, char *out, size_t n)
{
	size_t i = (size_t)snprintf(out, n, "evsd_pat_");

	for (; *peer && i + 1 < n; peer++, i++) {
		char c = *peer;

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') ? c : '_';
	}
	if (i < n)
		out[i] = '\0';
}

bool pat_appendf(char *out, size_t n, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*len >= n)
		return false;
	va_start(ap, fmt);
	k = vsnprintf(out + *len, n - *len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= n - *len) {
		*len = n;
		return false;
	}
	*len += (size_t)k;
	return true;
}

int pat_script(const char *table, const char *dev, const struct evs_prefix *lans,
	       unsigned n_lans, const uint8_t *snat_to, char *out, size_t n)
{
	size_t len = 0;

	if (!n_lans)
		return -1;
	/* "add" then "delete" makes the delete succeed whether or not a
	 * leftover exists; nft -f runs the file as one transaction. */
	pat_appendf(out, n, &len, "add table ip %s\ndelete table ip %s\n", table, table);
	pat_appendf(out, n, &len, "table ip %s {\n\tchain postrouting {\n"
	    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	    "\t\toifname \"%s\" ip saddr { ", table, dev);
	for (unsigned i = 0; i < n_lans; i++)
		pat_appendf(out, n, &len, "%s%u.%u.%u.%u/%u", i ? ", " : "", lans[i].addr[0],
		    lans[i].addr[1], lans[i].addr[2], lans[i].addr[3], lans[i].plen);
	if (snat_to)
		pat_appendf(out, n, &len, " } snat to %u.%u.%u.%u\n", snat_to[0], snat_to[1],
		    snat_to[2], snat_to[3]);
	else
		pat_appendf(out, n, &len, " } masquerade\n");
	if (!pat_appendf(out, n, &len, "\t}\n}\n"))
		return -1;
	return (int)len;
}

int pat_remove_script(const char *table, char *out, size_t n)
{
	int k = snprintf(out, n, "delete table ip %s\n", table);

	return k < 0 || (size_t)k >= n ? -1 : k;
}

static int spawn_prog(const char *prog, char *const argv[], pid_t *pid,
		      posix_spawn_file_actions_t *fa)
{
	static const char *const dirs[] = { "", "/usr/sbin/", "/sbin/", "/usr/bin/" };
	char path[128];
	int rc = ENOENT;

	/* evsd may run with a PATH that lacks /usr/sbin (service managers) */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dirs[i], prog);
		rc = posix_spawnp(pid, path, fa, NULL, argv, environ);
		if (rc != ENOENT)
			break;
	}
	return rc;
}

int pat_run_nft(const char *script, struct evs_err *e)
{
	char *argv[] = { (char *)"nft", (char *)"-f", (char *)"-", NULL };

	return pat_run_prog(argv, script, e);
}

int pat_run_prog(char *const argv[], const char *input, struct evs_err *e)
{
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, st = 0, rc;
	char msg[512];
	size_t got = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		evs_errf(e, "pipe: %s", strerror(errno));
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	rc = spawn_prog(argv[0], argv, &pid, &fa);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (rc) {
		evs_errf(e, "cannot run %s: %s", argv[0], strerror(rc));
		goto fail;
	}
	/* the input is far smaller than a pipe buffer: no deadlock */
	if (input && write(in[1], input, strlen(input)) < 0)
		snprintf(msg, sizeof(msg), "write: %s", strerror(errno));
	close(in[1]);
	in[1] = -1;
	for (;;) {
		char sink[256];
		bool full = got == sizeof(msg) - 1;
		/* keep draining once msg is full, or nft could block on us */
		ssize_t k = full ? read(out[0], sink, sizeof(sink)) :
				   read(out[0], msg + got, sizeof(msg) - 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (!full)
			got += (size_t)k;
	}
	msg[got] = '\0';
	close(out[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	while (got && (msg[got - 1] == '\n' || msg[got - 1] == ' '))
		msg[--got] = '\0';
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	evs_errf(e, "%s failed (status %d)%s%s", argv[0],
		 WIFEXITED(st) ? WEXITSTATUS(st) : -1, got ? ": " : "", msg);
	return -1;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return -1;
}
