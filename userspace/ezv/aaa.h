/* SPDX-License-Identifier: MIT */
/*
 * aaa: XAUTH credential checks and RADIUS accounting, off the event loop.
 *
 * An argon2id verification costs tens of milliseconds and up to the hash's
 * memory; a RADIUS exchange may wait seconds for a dead server.  Neither
 * may stall IKE for every other client, so both run on worker threads:
 * local checks on aaa.local_threads of them (a storm's logins use every
 * CPU), RADIUS logins and accounting on one more (records in order).  The
 * event loop submits requests and polls aaa_fd() (an eventfd): when it is
 * readable, aaa_take_result() hands back finished logins as they finish,
 * in order per thread.
 *
 * The remote thread owns the RADIUS client; the user database is shared
 * read-only and replaced as a whole by aaa_set_userdb() (SIGHUP).  The
 * workers never log (the logger is not thread-safe): results carry the
 * reason text.  Passwords are wiped from every buffer once used.
 */
#ifndef EVSD_AAA_H
#define EVSD_AAA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ezv/easyvpn_policy.h"
#include "ezv/radius.h"
#include "ezv/xauth.h"
#include "lib/userdb.h"

struct aaa;

struct aaa_request {
	uint32_t id;			/* the session id, echoed in the result */
	enum ezv_auth method;
	char user[XAUTH_USER_MAX + 1];
	uint8_t pass[XAUTH_PASS_MAX];
	size_t pass_len;
	char calling_station[64];	/* the client's outer address */
	/* pass answers the RADIUS challenge of server with this State
	 * (RADIUS only, no fallback) */
	bool answer;
	unsigned server;
	uint8_t state[RADIUS_STATE_MAX];
	size_t state_len;
};

enum aaa_source {
	AAA_SRC_LOCAL = 0,
	AAA_SRC_RADIUS,
};

struct aaa_result {
	uint32_t id;
	bool ok;
	bool challenge;			/* not decided: RADIUS asks the person
					 * (radius.reply_message, .state) */
	enum aaa_source source;		/* who decided */
	char user[XAUTH_USER_MAX + 1];
	char group[EZV_NAME_MAX + 1];	/* "" = none said */
	struct radius_auth_reply radius;	/* when source is RADIUS: ok or challenge */
	char reason[160];		/* for the log; never the password */
};

/* cfg must outlive the workers.  db: taken over (freed by aaa_free).
 * max_logins: how many logins may wait for the workers, the engine's bound
 * on sessions not yet through XAUTH (unauthenticated-max; 0 = unbounded
 * there, a default here).  With RADIUS servers configured the RADIUS
 * client is created here; a failure is an error (err).  NULL on failure. */
struct aaa *aaa_new(const struct easyvpn_config *cfg, struct userdb *db,
		    unsigned max_logins, struct evs_err *err);
void aaa_free(struct aaa *a);
int aaa_fd(const struct aaa *a);
/* Replace the user database (takes it over; the old one is freed once
 * no job uses it). */
void aaa_set_userdb(struct aaa *a, struct userdb *db);

/* Queue a login check; the password in *req is wiped.  -1 if max_logins
 * are waiting already (the caller refuses the login). */
int aaa_submit_auth(struct aaa *a, struct aaa_request *req);
/* Queue an accounting record (result not reported; failures counted). */
int aaa_submit_acct(struct aaa *a, const struct radius_acct_info *info);
/* How many threads check local passwords. */
unsigned aaa_local_threads(const struct aaa *a);
/* 1 and *out when a result is ready, 0 when none.  Clears the eventfd
 * when the last result is taken. */
int aaa_take_result(struct aaa *a, struct aaa_result *out);
/* Accounting records that no server took (for `evsadm` / logs). */
unsigned long aaa_acct_failures(const struct aaa *a);
/* True when no job is queued or running and no result waits to be taken
 * (tests step the engine until then). */
bool aaa_idle(struct aaa *a);
/* Wait until the queue is empty (tests, shutdown: STOP records go out). */
void aaa_drain(struct aaa *a);

#endif
