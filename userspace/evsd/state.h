/* SPDX-License-Identifier: MIT */
/*
 * state: the per-session records a restarted evsd adopts
 * (Documentation/restart.md).  One file per gateway session,
 * <dir>/<serial>.json, mode 0600 in a 0700 directory, written atomically
 * whenever the engine reports a change (ike_engine_ops.sa_changed) and
 * removed when the session ends.
 */
#ifndef EVSD_STATE_H
#define EVSD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/engine/ikesa.h"
#include "lib/err.h"

#define EVSD_STATE_DIR "/run/evs/state"
/* evsd --client's, beside its socket (evsd-client.service) */
#define EVSD_CLIENT_STATE_DIR "/run/evs-client/state"
#define STATE_MAX_CONNS 64

struct kernel;

struct state {
	char dir[200];
	bool ok;			/* the directory is usable */
	bool write_failed_logged;
};

/* Make (0700, root's) and check the directory; -1 with err. */
int state_open(struct state *st, const char *dir, struct evs_err *err);
/* sa changed: its record is written again, or removed when it ended. */
void state_sa_changed(struct state *st, struct ike_sa *sa);
/* At start, before any datagram: adopt every record whose connections
 * the kernel still has into e (its steps registered); a record that
 * cannot be adopted is removed with a log line.  *keep (malloc'ed) gets
 * the adopted connection ids, for kernel_remove_leftovers(). */
int state_adopt(struct state *st, struct ike_engine *e, struct kernel *k,
		uint32_t **keep, size_t *n_keep, struct evs_err *err);

/* Another record of the directory, by name (no '/'; the client role's
 * gateway lists): written atomically, root-only; read back (NULL with err
 * when missing, not a root-only regular file of a plausible size, or not
 * JSON). */
int state_write_named(struct state *st, const char *name, const char *text);
struct json_object *state_read_named(struct state *st, const char *name, struct evs_err *err);

#endif
