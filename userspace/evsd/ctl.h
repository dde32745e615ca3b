/* SPDX-License-Identifier: MIT */
/*
 * ctl: evsd's control socket (/run/evs/evsd.sock, mode 0600), speaking
 * the JSON protocol of lib/ctlsock.h (Documentation/control-socket.md):
 * a client connects, writes one request object and a newline, reads one
 * answer object until EOF.
 *
 * The commands are a table: whoever owns the state registers a handler
 * with ctl_register() (evsd/ctl_cmds.c the engine's and the Easy VPN
 * module's, main.c "reload"), and ctl.c only parses, dispatches and
 * answers.  A handler gets the request's "args" (an object, empty when
 * the client sent none), fills result and returns 0, or returns -1 with
 * the reason in err.  It must check every argument it takes and refuse
 * those it does not (ctl_args_check), so a typo never widens a command.
 *
 * The socket is created under umask 0177 (mode 0600 from the start, no
 * window before a chmod).  Nothing a client does stalls the daemon: every
 * descriptor is non-blocking, each client has its own buffers, at most
 * CTL_MAX_CLIENTS are served at once (more wait in the listen backlog),
 * and a client that has not sent its request and read its answer within
 * CTL_TIMEOUT_MS is dropped.
 */
#ifndef EVSD_CTL_H
#define EVSD_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "lib/ctlsock.h"
#include "lib/err.h"

#define EVSD_CTL_PATH	EVS_CTL_PATH
#define CTL_MAX_CLIENTS	8
#define CTL_TIMEOUT_MS	5000
#define CTL_MAX_CMDS	32
#define CTL_NAME_MAX	31

struct loop;
struct ctl;

typedef int (*ctl_cmd_fn)(void *arg, struct json_object *args,
			  struct json_object *result, struct evs_err *err);

/* Listen on path and serve clients from loop; NULL with a reason in err. */
struct ctl *ctl_open(struct loop *l, const char *path, struct evs_err *err);
/* Drop every client, close and remove the socket. */
void ctl_close(struct ctl *c);
/* Register command name (a later registration of the same name replaces
 * it: the daemon may wire a command to a newer handler).  0, or -1 when
 * the table is full or the name too long. */
int ctl_register(struct ctl *c, const char *name, ctl_cmd_fn fn, void *arg);
/* Clients being served now (tests). */
unsigned ctl_clients(const struct ctl *c);
/* The answer to one request (len bytes, the newline optional), as the
 * JSON text the client gets, newline included; malloc'd (tests too). */
char *ctl_answer(struct ctl *c, const char *req, size_t len);

/* For handlers: refuse members of args other than the NULL-terminated
 * names (-1 with "unknown argument \"x\"" in err). */
int ctl_args_check(struct json_object *args, const char *const *names,
		   struct evs_err *err);
/* args[name] as a string (NULL when absent; -1 when not a string). */
int ctl_arg_str(struct json_object *args, const char *name, const char **out,
		struct evs_err *err);
/* args[name] as an unsigned 32-bit integer (*present false when absent). */
int ctl_arg_u32(struct json_object *args, const char *name, uint32_t *out,
		bool *present, struct evs_err *err);

#endif
