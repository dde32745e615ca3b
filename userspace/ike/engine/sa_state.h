/* SPDX-License-Identifier: MIT */
/*
 * sa_state: an established ISAKMP SA and its Phase 2 connections as a
 * JSON object and back, so that a restarted evsd adopts the sessions the
 * kernel still carries (Documentation/restart.md).  No I/O: evsd writes
 * and reads the files.  Each registered step adds its own part
 * (evs_post_phase1_ops save/restore) under "steps".
 *
 * The object holds the ISAKMP SA's keys (hex): whoever stores it must
 * protect it as the configuration's keys are protected.
 */
#ifndef EVSD_SA_STATE_H
#define EVSD_SA_STATE_H

#include <json-c/json.h>

#include "ike/engine/ikesa.h"
#include "lib/err.h"

#define IKE_SA_STATE_VERSION 1

/* Can sa be saved now?  Server role, READY, logged in by a step (site-to-
 * site and client sessions are not adopted). */
bool ike_sa_state_savable(const struct ike_sa *sa);
/* The record of sa as JSON text (json-c's plain form), NUL-terminated,
 * its length in *len; NULL when it cannot be saved, or out of memory.
 * It holds keys: the caller wipes (sodium_memzero) and frees it. */
char *ike_sa_state_text(const struct ike_sa *sa, size_t *len);
/* Recreate the session o describes in e (READY, in the tables, its
 * connections owned, the steps' restore run); NULL with the reason in
 * err.  The kernel is not touched: the connections are taken as they
 * are.  Call with the engine's time set. */
struct ike_sa *ike_sa_state_restore(struct ike_engine *e, struct json_object *o,
				    struct evs_err *err);
/* The kernel connection ids a record names (at most max; the count, or
 * -1 when o is not a record). */
int ike_sa_state_conn_ids(struct json_object *o, uint32_t *ids, unsigned max);

#endif
