/* SPDX-License-Identifier: MIT */
/*
 * radius: the RADIUS back end of XAUTH (PAP, RFC 2865) and accounting
 * (RFC 2866) through radcli.  Calls block for up to timeout x (retries+1)
 * per server, so evsd runs them on the AAA worker thread (aaa.c), never on
 * the event loop.  One struct radius_client per thread.
 *
 * What an Access-Accept may carry that evsd uses:
 *   Framed-IP-Address   the client's inner address (beats the pool)
 *   Class (25)          "group=NAME" or "NAME": the user's group; the
 *                       Class is also echoed in accounting (RFC 2865 5.25)
 *   Filter-Id (11)      the group, when no Class names one
 *   Session-Timeout     seconds the session may last (0 = unlimited)
 *   Idle-Timeout        seconds without traffic before it ends (0 = none)
 *   Reply-Message       logged and shown to the client as XAUTH MESSAGE
 *
 * An Access-Challenge (RFC 2865 4.4) is a question for the person: its
 * Reply-Messages are the text, its State (at most RADIUS_STATE_MAX bytes,
 * at most one: a bigger one refuses the login, so a server cannot make
 * evsd hold much per login) goes back unchanged, to the same server, in
 * the Access-Request that carries the answer as User-Password.  Nothing
 * else of a challenge is used.
 */
#ifndef EVSD_RADIUS_H
#define EVSD_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ezv/easyvpn_policy.h"

struct radius_client;

/* Configure radcli from the aaa block (servers in order, with fail-over).
 * NULL with a message in err on failure. */
struct radius_client *radius_new(const struct ezv_aaa *aaa, struct evs_err *err);
void radius_free(struct radius_client *rc);

enum radius_result {
	RADIUS_ACCEPT = 0,
	RADIUS_REJECT,
	RADIUS_TIMEOUT,		/* no server answered */
	RADIUS_ERROR,		/* bad answer, local failure */
	RADIUS_CHALLENGE,	/* Access-Challenge: reply_message, state, server */
};
const char *radius_result_name(enum radius_result r);

#define RADIUS_CLASS_MAX 64
#define RADIUS_STATE_MAX 128
struct radius_auth_reply {
	uint32_t framed_ip;		/* host order, 0 = none */
	char group[EZV_NAME_MAX + 1];	/* from Class or Filter-Id, "" = none */
	uint8_t class_raw[RADIUS_CLASS_MAX];	/* echoed in accounting */
	size_t class_len;
	uint32_t session_timeout;
	uint32_t idle_timeout;
	char reply_message[254];	/* its Reply-Messages, one per line */
	/* RADIUS_CHALLENGE only: what the answer must carry back */
	uint8_t state[RADIUS_STATE_MAX];
	size_t state_len;		/* 0: the challenge had no State */
	unsigned server;		/* index of the server that asked */
	bool state_refused;		/* a challenge with a State too big or twice */
};

/* The answer to an Access-Challenge: where it goes and what it sends back. */
struct radius_answer {
	const uint8_t *state;
	size_t state_len;
	unsigned server;
};

/* PAP login.  calling_station: the client's outer address as text.
 * answer: NULL for a new login; else pass is the person's answer to the
 * challenge it describes. */
enum radius_result radius_pap(struct radius_client *rc, const char *user,
			      const uint8_t *pass, size_t pass_len,
			      const char *calling_station, uint32_t port,
			      const struct radius_answer *answer,
			      struct radius_auth_reply *out);

enum radius_acct_type {
	RADIUS_ACCT_START = 1,
	RADIUS_ACCT_STOP = 2,
	RADIUS_ACCT_INTERIM = 3,
	RADIUS_ACCT_ON = 7,		/* the NAS starts: no session of it is live */
	RADIUS_ACCT_OFF = 8,		/* the NAS stops cleanly */
};

struct radius_acct_info {
	enum radius_acct_type type;
	char user[129];			/* XAUTH user names run to 128 bytes */
	char session_id[32];		/* Acct-Session-Id */
	char calling_station[64];
	uint32_t port;			/* NAS-Port: the connection id */
	uint32_t framed_ip;		/* host order */
	uint64_t in_octets, out_octets;	/* from the client's view: in = sent by it */
	uint64_t in_packets, out_packets;
	uint32_t session_time;		/* seconds */
	uint32_t terminate_cause;	/* STOP only: RFC 2866 5.10 value */
	uint8_t class_raw[RADIUS_CLASS_MAX];
	size_t class_len;
};

enum radius_result radius_acct(struct radius_client *rc,
			       const struct radius_acct_info *info);

/* The group named by a Class value: "group=NAME", "OU=NAME" (Cisco
 * style, up to ';') or the whole value when it is a valid name. */
bool radius_class_group(const uint8_t *v, size_t len, char *out, size_t outlen);

#endif
