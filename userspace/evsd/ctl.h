/* SPDX-License-Identifier: MIT */
/*
 * ctl: evsd's control socket (/run/evs/evsd.sock, mode 0600).  A client
 * connects, writes one command line, reads the answer until EOF:
 *	sessions   one line per ISAKMP SA: id, state, peer, role, mode,
 *	           algorithms, age, and one indented line per connection
 *	stats      engine counters
 * Answers are text, one record per line, "key=value" fields.
 *
 * The socket is created under umask 0177 (mode 0600 from the start, no
 * window before a chmod).  Nothing a client does stalls the daemon: every
 * descriptor is non-blocking, each client has its own buffers, at most
 * CTL_MAX_CLIENTS are served at once (more wait in the listen backlog),
 * and a client that has not sent its line and read its answer within
 * CTL_TIMEOUT_MS is dropped.
 */
#ifndef EVSD_CTL_H
#define EVSD_CTL_H

#include <stdio.h>

#include "lib/err.h"
#include "ike/engine/ikesa.h"

#define EVSD_CTL_PATH "/run/evs/evsd.sock"
#define CTL_MAX_CLIENTS	8
#define CTL_TIMEOUT_MS	5000
#define CTL_LINE_MAX	128
#define CTL_ANSWER_MAX	(64u << 20)	/* longer answers are cut short */

struct loop;
struct ctl;

/* Listen on path and serve clients from loop; NULL with a reason in err. */
struct ctl *ctl_open(struct loop *l, struct ike_engine *e, const char *path,
		     struct evs_err *err);
/* Drop every client, close and remove the socket. */
void ctl_close(struct ctl *c);
/* Clients being served now (tests). */
unsigned ctl_clients(const struct ctl *c);
/* Write the answer to a command into f (also used by tests). */
void ctl_answer(struct ike_engine *e, const char *cmd, FILE *f);

#endif
