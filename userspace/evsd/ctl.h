/* SPDX-License-Identifier: MIT */
/*
 * ctl: evsd's control socket (/run/evs/evsd.sock, mode 0600).  A client
 * connects, writes one command line, reads the answer until EOF:
 *	sessions   one line per ISAKMP SA: id, state, peer, role, mode,
 *	           algorithms, age, and one indented line per connection
 *	stats      engine counters
 * Answers are text, one record per line, "key=value" fields.
 */
#ifndef EVSD_CTL_H
#define EVSD_CTL_H

#include "evsd/ikesa.h"

#define EVSD_CTL_PATH "/run/evs/evsd.sock"

/* Listening socket, or -1 with a reason in err. */
int ctl_open(const char *path, char *err, size_t errlen);
/* Accept one client and answer it (the answers are small). */
void ctl_serve(int lfd, struct ike_engine *e);
/* Write the answer to a command into fd (also used by tests). */
void ctl_answer(struct ike_engine *e, const char *cmd, int fd);

#endif
