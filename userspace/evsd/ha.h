/* SPDX-License-Identifier: MIT */
/*
 * ha: an active/standby pair of gateways (Documentation/ha.md).  The
 * active evsd sends every session's record (the one a restart adopts,
 * state.h) to the standby over UDP, sealed with a pre-shared key
 * (XChaCha20-Poly1305), on every change and in full to a standby that
 * asks; every second it sends the outbound SAs' sequence numbers.  The
 * standby keeps the records in memory and installs nothing until it is
 * told to become active (`evsadm daemon ha master`, from keepalived's
 * notify script): then it adopts them, installs their SAs (sending from
 * a sequence number past anything the active can have sent), RRI routes
 * and proxy-ARP entries.  Becoming the standby hands every session over:
 * removed from the kernel, no delete sent, no accounting Stop.
 */
#ifndef EVSD_HA_H
#define EVSD_HA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <json-c/json.h>

#include "lib/conftree.h"
#include "lib/err.h"

#define HA_PORT_DEFAULT 4510
#define HA_MAX_SESSIONS_DEFAULT 65536
#define HA_SEQ_RATE_DEFAULT 2000000	/* packets/s one SA could send */

/* The ha { } block of evsd.conf. */
struct ha_config {
	bool enabled;
	struct sockaddr_storage peer;	/* the other gateway, port set */
	struct sockaddr_storage local;	/* bound; family 0: any */
	char key_file[256];
	uint32_t max_sessions;		/* records the standby holds */
	uint32_t seq_rate;		/* the margin's packets per second */
};

int ha_config_load(struct cfg_node *root, struct ha_config *hc, struct evs_err *err);

struct ha;
struct evsd;

/* Opens the socket and reads the key; the role is the one a previous
 * evsd of this boot was told (role_file), else standby.  NULL with err. */
struct ha *ha_open(struct evsd *d, const struct ha_config *hc, const char *role_file,
		   struct evs_err *err);
/* Once the event loop exists: the socket and the timer on it. */
void ha_start(struct ha *h);
void ha_close(struct ha *h);
bool ha_active(const struct ha *h);
/* Does a standby ask the active for everything (again) on its next tick:
 * it has synced with no run yet (have_epoch false), or a request of its
 * own is unanswered (challenge_out)?  Never the active. */
bool ha_standby_asks(bool active, bool have_epoch, bool challenge_out);
/* A session changed (ike_engine_ops.sa_changed): sent to the standby. */
struct ike_sa;
void ha_sa_changed(struct ha *h, struct ike_sa *sa);
/* Become the active ("master") or the standby ("backup"); 0 or -1 with
 * err.  Saying the current role again is no change. */
int ha_set_role(struct ha *h, bool active, struct evs_err *err);
/* A reload (SIGHUP) with the ha section nc: the key file, max-sessions
 * and seq-rate take effect; peer, local and port (the bound socket) and
 * HA turned on or off need a restart, which the log says (the running
 * values are kept).  prepare reads the new key aside, before anything
 * of the reload is switched: 0, or -1 with err (the reload is refused);
 * commit cannot fail.  h NULL: HA was off at start. */
#define HA_KEY_BYTES 32
int ha_reload_prepare(const struct ha *h, const struct ha_config *nc, uint8_t *key,
		      struct evs_err *err);
void ha_reload_commit(struct ha *h, const struct ha_config *nc, const uint8_t *key);
/* The control socket's "ha-show" answer. */
void ha_show(const struct ha *h, struct json_object *res);

#endif
