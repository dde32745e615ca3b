// SPDX-License-Identifier: MIT
/*
 * ctl: the control socket: requests, the command table, the clients.
 * See ctl.h and Documentation/control-socket.md.
 */
#include "evsd/ctl.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evsd/loop.h"
#include "lib/daemon_log.h"

struct ctl_cmd {
	char name[CTL_NAME_MAX + 1];
	ctl_cmd_fn fn;
	void *arg;
};

struct ctl_client {
	int fd;				/* -1: free */
	unsigned timer;
	char line[EVS_CTL_REQUEST_MAX];
	size_t n_line;
	char *out;			/* the answer, once the request is complete */
	size_t n_out, off;
	struct ctl *ctl;
};

struct ctl {
	struct loop *loop;
	int fd;
	char *path;
	struct ctl_client cl[CTL_MAX_CLIENTS];
	struct ctl_cmd cmds[CTL_MAX_CMDS];
	unsigned n_cmds;
};

static const struct ctl_cmd *cmd_find(const struct ctl *c, const char *name)
{
	for (unsigned i = 0; i < c->n_cmds; i++)
		if (!strcmp(c->cmds[i].name, name))
			return &c->cmds[i];
	return NULL;
}

int ctl_register(struct ctl *c, const char *name, ctl_cmd_fn fn, void *arg)
{
	struct ctl_cmd *cmd = (struct ctl_cmd *)cmd_find(c, name);

	if (strlen(name) > CTL_NAME_MAX)
		return -1;
	if (!cmd) {
		if (c->n_cmds >= CTL_MAX_CMDS)
			return -1;
		cmd = &c->cmds[c->n_cmds++];
		snprintf(cmd->name, sizeof(cmd->name), "%s", name);
	}
	cmd->fn = fn;
	cmd->arg = arg;
	return 0;
}

/* ---- arguments -------------------------------------------------------- */

int ctl_args_check(struct json_object *args, const char *const *names,
		   struct evs_err *err)
{
	json_object_object_foreach(args, key, val) {
		bool known = false;

		(void)val;
		for (unsigned i = 0; names && names[i]; i++)
			known |= !strcmp(key, names[i]);
		if (!known)
			return evs_errf(err, "unknown argument \"%s\"",
					log_peern(key, strnlen(key, 40)));
	}
	return 0;
}

int ctl_arg_str(struct json_object *args, const char *name, const char **out,
		struct evs_err *err)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(args, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return evs_errf(err, "argument \"%s\" must be a string", name);
	*out = json_object_get_string(v);
	return 0;
}

int ctl_arg_u32(struct json_object *args, const char *name, uint32_t *out,
		bool *present, struct evs_err *err)
{
	struct json_object *v;
	int64_t n;

	*present = false;
	if (!json_object_object_get_ex(args, name, &v))
		return 0;
	errno = 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || errno || n < 0 || n > UINT32_MAX)
		return evs_errf(err, "argument \"%s\" must be an integer 0..%u", name,
				UINT32_MAX);
	*out = (uint32_t)n;
	*present = true;
	return 0;
}

/* ---- requests and answers ------------------------------------------------ */

static struct json_object *answer_error(const char *msg)
{
	struct json_object *a = json_object_new_object();

	json_object_object_add(a, "version", json_object_new_int(EVS_CTL_VERSION));
	json_object_object_add(a, "ok", json_object_new_boolean(false));
	json_object_object_add(a, "error", json_object_new_string(msg));
	return a;
}

/* The answer object to one request (text of len bytes). */
static struct json_object *dispatch(struct ctl *c, const char *req, size_t len,
				    char *cmd_name, size_t name_len)
{
	struct json_object *rq, *v, *args = NULL, *res, *a;
	struct json_tokener *tok;
	const struct ctl_cmd *cmd;
	struct evs_err err = { "" };
	const char *name;
	int64_t ver;

	while (len && (req[len - 1] == '\n' || req[len - 1] == '\r'))
		len--;
	tok = json_tokener_new_ex(16);
	if (!tok)
		return answer_error("out of memory");
	rq = json_tokener_parse_ex(tok, req, (int)len);
	/* one object, nothing after it, no half-parsed one */
	if (!rq || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(rq, json_type_object)) {
		json_tokener_free(tok);
		json_object_put(rq);
		return answer_error("the request is not one JSON object on one line");
	}
	json_tokener_free(tok);
	if (!json_object_object_get_ex(rq, "version", &v) ||
	    !json_object_is_type(v, json_type_int)) {
		a = answer_error("the request has no \"version\"");
		goto out;
	}
	ver = json_object_get_int64(v);
	if (ver != EVS_CTL_VERSION) {
		snprintf(err.msg, sizeof(err.msg), "protocol version %lld is not spoken here "
			 "(evsd speaks version %d)", (long long)ver, EVS_CTL_VERSION);
		a = answer_error(err.msg);
		goto out;
	}
	if (!json_object_object_get_ex(rq, "command", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		a = answer_error("the request has no \"command\"");
		goto out;
	}
	name = json_object_get_string(v);
	snprintf(cmd_name, name_len, "%s", log_peern(name, strnlen(name, 40)));
	cmd = cmd_find(c, name);
	if (!cmd) {
		char list[CTL_MAX_CMDS * (CTL_NAME_MAX + 2)] = "";
		size_t off = 0;

		for (unsigned i = 0; i < c->n_cmds; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						i ? ", " : "", c->cmds[i].name);
		evs_errf(&err, "unknown command \"%s\" (%.400s)", cmd_name, list);
		a = answer_error(err.msg);
		goto out;
	}
	if (json_object_object_get_ex(rq, "args", &args) && args &&
	    !json_object_is_type(args, json_type_object)) {
		a = answer_error("\"args\" must be an object");
		goto out;
	}
	if (!args)
		args = json_object_new_object();
	else
		json_object_get(args);
	res = json_object_new_object();
	if (!res || !args || cmd->fn(cmd->arg, args, res, &err) < 0) {
		json_object_put(res);
		a = answer_error(err.msg[0] ? err.msg : "failed");
	} else {
		a = json_object_new_object();
		json_object_object_add(a, "version", json_object_new_int(EVS_CTL_VERSION));
		json_object_object_add(a, "ok", json_object_new_boolean(true));
		json_object_object_add(a, "result", res);
	}
	json_object_put(args);
out:
	json_object_put(rq);
	return a;
}

char *ctl_answer(struct ctl *c, const char *req, size_t len)
{
	char name[48] = "", *out = NULL;
	struct json_object *a = dispatch(c, req, len, name, sizeof(name));
	const char *text = a ? json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN) : NULL;

	if (text && asprintf(&out, "%s\n", text) < 0)
		out = NULL;
	if (out)
		log_debug("control socket: \"%s\": %zu bytes to send", name, strlen(out));
	json_object_put(a);
	return out;
}

/* ---- the socket and its clients ------------------------------------------ */

static void client_drop(struct ctl_client *c)
{
	if (c->fd < 0)
		return;
	loop_del_fd(c->ctl->loop, c->fd);
	if (c->timer)
		loop_timer_cancel(c->ctl->loop, c->timer);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->timer = 0;
	/* A slot is free: take from the backlog again. */
	loop_set_events(c->ctl->loop, c->ctl->fd, POLLIN);
}

static void client_timeout(void *arg)
{
	struct ctl_client *c = arg;

	c->timer = 0;
	log_info("control socket: a client took longer than %u ms; dropped",
		 CTL_TIMEOUT_MS);
	client_drop(c);
}

static void make_answer(struct ctl_client *c)
{
	bool full = c->n_line == sizeof(c->line) - 1 && !memchr(c->line, '\n', c->n_line);
	size_t len = c->n_line;
	char *nl = memchr(c->line, '\n', c->n_line);

	if (nl)
		len = (size_t)(nl - c->line);
	if (full) {
		static const char msg[] = "{\"version\":1,\"ok\":false,\"error\":"
					  "\"the request is longer than 4096 bytes\"}\n";

		c->out = strdup(msg);
	} else {
		c->out = ctl_answer(c->ctl, c->line, len);
	}
	if (!c->out) {
		client_drop(c);
		return;
	}
	c->n_out = strlen(c->out);
	if (c->n_out > EVS_CTL_ANSWER_MAX) {
		static const char cut[] = "{\"version\":1,\"ok\":false,\"error\":"
					  "\"the answer is too long\"}\n";

		memcpy(c->out, cut, sizeof(cut));
		c->n_out = sizeof(cut) - 1;
	}
	c->off = 0;
	shutdown(c->fd, SHUT_RD);
	loop_set_events(c->ctl->loop, c->fd, POLLOUT);
}

static void client_io(int fd, void *arg)
{
	struct ctl_client *c = arg;
	ssize_t r;

	(void)fd;
	if (!c->out) {
		r = read(c->fd, c->line + c->n_line, sizeof(c->line) - 1 - c->n_line);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r > 0)
			c->n_line += (size_t)r;
		/* A line, a full buffer, or the end of what it sends. */
		if (r <= 0 || memchr(c->line, '\n', c->n_line) ||
		    c->n_line == sizeof(c->line) - 1)
			make_answer(c);
		return;
	}
	while (c->off < c->n_out) {
		r = send(c->fd, c->out + c->off, c->n_out - c->off, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0)
			break;
		c->off += (size_t)r;
	}
	client_drop(c);
}

static void on_listen(int fd, void *arg)
{
	struct ctl *ctl = arg;

	for (;;) {
		struct ctl_client *c = NULL;
		int cfd;

		for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
			if (ctl->cl[i].fd < 0) {
				c = &ctl->cl[i];
				break;
			}
		if (!c) {
			/* Full: the rest wait in the backlog, unwatched until
			 * client_drop frees a slot. */
			loop_set_events(ctl->loop, fd, 0);
			return;
		}
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd < 0)
			return;
		memset(c, 0, sizeof(*c));
		c->ctl = ctl;
		c->fd = cfd;
		c->timer = loop_timer(ctl->loop, loop_now_ms() + CTL_TIMEOUT_MS,
				      client_timeout, c);
		if (!c->timer || loop_add_fd(ctl->loop, cfd, client_io, c) < 0) {
			if (c->timer)
				loop_timer_cancel(ctl->loop, c->timer);
			close(cfd);
			c->fd = -1;
			return;
		}
	}
}

unsigned ctl_clients(const struct ctl *ctl)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		n += ctl->cl[i].fd >= 0;
	return n;
}

struct ctl *ctl_open(struct loop *l, const char *path, struct evs_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *ctl;
	mode_t old;
	int rc;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		evs_errf(err, "%s: path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl || !(ctl->path = strdup(path))) {
		evs_errf(err, "out of memory");
		free(ctl);
		return NULL;
	}
	ctl->loop = l;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl->cl[i].fd = -1;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0) {
		evs_errf(err, "socket: %s", strerror(errno));
		goto fail;
	}
	unlink(path);
	/* Born 0600: no moment in which others may connect. */
	old = umask(0177);
	rc = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc < 0 || listen(ctl->fd, 16) < 0 ||
	    loop_add_fd(l, ctl->fd, on_listen, ctl) < 0) {
		evs_errf(err, "%s: %s", path, rc < 0 || errno ? strerror(errno) :
			 "too many descriptors");
		goto fail;
	}
	return ctl;
fail:
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl->path);
	free(ctl);
	return NULL;
}

void ctl_close(struct ctl *ctl)
{
	if (!ctl)
		return;
	for (unsigned i = 0; i < CTL_MAX_CLIENTS; i++)
		client_drop(&ctl->cl[i]);
	loop_del_fd(ctl->loop, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
