/* SPDX-License-Identifier: MIT */
/*
 * ctlsock: the control socket's protocol, shared by evsd (the server,
 * evsd/ctl.c) and evsadm (the client).  Documentation/control-socket.md
 * describes it; in short, over a Unix stream socket, one exchange per
 * connection:
 *
 *	client: {"version":1,"command":"session-show","args":{...}}\n
 *	evsd:   {"version":1,"ok":true,"result":{...}}\n   then EOF
 *	    or  {"version":1,"ok":false,"error":"why"}\n  then EOF
 *
 * Both sides ignore object members they do not know (new members do not
 * change the version); the version goes up only when a member changes
 * its meaning or type, or goes away.
 */
#ifndef EVS_LIB_CTLSOCK_H
#define EVS_LIB_CTLSOCK_H

#include <json-c/json.h>

#include "lib/err.h"

#define EVS_CTL_VERSION		1
#define EVS_CTL_PATH		"/run/evs/evsd.sock"
#define EVS_CTL_REQUEST_MAX	4096		/* one request, newline included */
#define EVS_CTL_ANSWER_MAX	(64u << 20)	/* longer answers are cut short */

/* Ask evsd at path: send command with args (borrowed; NULL = none), wait
 * at most timeout_ms for the whole answer.  Returns the answer object
 * (json_object_put it) when one arrived and parsed -- "ok" may still be
 * false -- or NULL with the reason in err (no daemon, not allowed, a
 * timeout, garbage). */
struct json_object *evs_ctl_call(const char *path, const char *command,
				 struct json_object *args, int timeout_ms,
				 struct evs_err *err);
/* The answer's result when "ok" is true; NULL with the daemon's error
 * text in err otherwise. */
struct json_object *evs_ctl_result(struct json_object *answer, struct evs_err *err);

#endif
