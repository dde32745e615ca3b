// SPDX-License-Identifier: MIT
/* The control socket's client side; see ctlsock.h. */
#include "lib/ctlsock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline; 0 when ready, -1 on timeout. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		long long left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_to(const char *path, struct evs_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return evs_errf(err, "%s: path too long", path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return evs_errf(err, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			return evs_errf(err, "%s: %s (is evsd running?)", path, strerror(e));
		if (e == EACCES || e == EPERM)
			return evs_errf(err, "%s: %s (the control socket is root's)", path,
					strerror(e));
		return evs_errf(err, "%s: %s", path, strerror(e));
	}
	return fd;
}

static int send_all(int fd, const char *b, size_t n, long long deadline, struct evs_err *err)
{
	while (n) {
		ssize_t r = send(fd, b, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline))
				return evs_errf(err, "evsd did not take the request in time");
			continue;
		}
		if (r < 0)
			return evs_errf(err, "sending to evsd: %s", strerror(errno));
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Everything evsd sends until EOF, NUL-terminated, into *out. */
static int read_all(int fd, char **out, size_t *len, long long deadline, struct evs_err *err)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);

	if (!b)
		return evs_errf(err, "out of memory");
	for (;;) {
		ssize_t r;

		if (n + 1 == cap) {
			char *g = cap >= EVS_CTL_ANSWER_MAX + 1 ? NULL : realloc(b, cap * 2);

			if (!g) {
				free(b);
				return evs_errf(err, "the answer is too long");
			}
			b = g;
			cap *= 2;
		}
		r = recv(fd, b + n, cap - 1 - n, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLIN, deadline)) {
				free(b);
				return evs_errf(err, "no answer from evsd in time");
			}
			continue;
		}
		if (r < 0) {
			free(b);
			return evs_errf(err, "reading from evsd: %s", strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}

struct json_object *evs_ctl_call(const char *path, const char *command,
				 struct json_object *args, int timeout_ms,
				 struct evs_err *err)
{
	long long deadline = now_ms() + timeout_ms;
	struct json_object *rq = json_object_new_object(), *ans = NULL;
	enum json_tokener_error jerr;
	const char *text;
	char *buf = NULL;
	size_t n = 0;
	int fd;

	if (!rq) {
		evs_errf(err, "out of memory");
		return NULL;
	}
	json_object_object_add(rq, "version", json_object_new_int(EVS_CTL_VERSION));
	json_object_object_add(rq, "command", json_object_new_string(command));
	if (args)
		json_object_object_add(rq, "args", json_object_get(args));
	text = json_object_to_json_string_ext(rq, JSON_C_TO_STRING_PLAIN);
	if (strlen(text) + 1 > EVS_CTL_REQUEST_MAX) {
		evs_errf(err, "the request is longer than %d bytes", EVS_CTL_REQUEST_MAX);
		goto out;
	}
	fd = connect_to(path, err);
	if (fd < 0)
		goto out;
	if (!send_all(fd, text, strlen(text), deadline, err) &&
	    !send_all(fd, "\n", 1, deadline, err))
		read_all(fd, &buf, &n, deadline, err);
	close(fd);
	if (!buf)
		goto out;
	ans = json_tokener_parse_verbose(buf, &jerr);
	if (!ans || !json_object_is_type(ans, json_type_object)) {
		evs_errf(err, "evsd sent %s", n ? "an answer that is not a JSON object" :
			 "no answer");
		json_object_put(ans);
		ans = NULL;
	}
out:
	free(buf);
	json_object_put(rq);
	return ans;
}

struct json_object *evs_ctl_result(struct json_object *answer, struct evs_err *err)
{
	struct json_object *ok, *v;

	if (json_object_object_get_ex(answer, "ok", &ok) && json_object_get_boolean(ok)) {
		if (json_object_object_get_ex(answer, "result", &v))
			return v;
		evs_errf(err, "evsd sent no result");
		return NULL;
	}
	if (json_object_object_get_ex(answer, "error", &v) &&
	    json_object_is_type(v, json_type_string))
		evs_errf(err, "%s", json_object_get_string(v));
	else
		evs_errf(err, "evsd refused the request without saying why");
	return NULL;
}
