/* SPDX-License-Identifier: MIT */
/*
 * xauth: extended authentication (draft-ietf-ipsec-isakmp-xauth-06), the
 * user/password step between Phase 1 and mode config, both roles.
 *
 * Server (the gateway, "edge device") state machine:
 *
 *	IDLE --start--> WAIT_REPLY    sends REQUEST {TYPE, USER_NAME, USER_PASSWORD}
 *	WAIT_REPLY --REPLY(user, pass)--> VERIFYING   caller asks the AAA back end
 *	VERIFYING --verdict ok-->  WAIT_ACK      sends SET {STATUS=OK}
 *	VERIFYING --verdict bad, tries left--> WAIT_REPLY   REQUEST again + MESSAGE
 *	VERIFYING --verdict bad, none left-->  WAIT_ACK     sends SET {STATUS=FAIL}
 *	VERIFYING --challenge--> WAIT_REPLY   REQUEST {TYPE, MESSAGE, ANSWER}
 *	WAIT_REPLY --REPLY(STATUS=FAIL: user cancelled)--> WAIT_ACK  SET {STATUS=FAIL}
 *	WAIT_ACK --ACK--> DONE   (x->ok tells the outcome)
 *
 * A challenge (the back end asks the person something: a RADIUS
 * Access-Challenge such as "Enter next PIN") is part of the same try: the
 * REPLY carries the answer (in ANSWER, or PASSCODE, NEXT_PIN or
 * USER_PASSWORD) and the user name of the try or none; it is not counted
 * as a try.  At most XAUTH_CHALLENGE_ROUNDS per try.  The REQUEST carries
 * no XAUTH_CHALLENGE (a value for CHAP/OTP types; vpnc refuses the
 * whole REQUEST for it) and no USER_NAME (the try's user answers).
 * The final SET carries STATUS and nothing else: vpnc refuses more.
 * Client (evsd's own client role and tests): answers each REQUEST with the
 * configured credentials (at most max_replies times: a server that keeps
 * asking has refused them), ACKs the STATUS.
 *
 * The machines are pure: messages in (decoded), messages out (struct
 * xauth_out: the ATTR payload's type, identifier and attribute bytes);
 * the transaction exchange around them (message ids, HASH, encryption,
 * retransmission) is the engine's.  The password is held only in a wiped
 * buffer of struct xauth_msg and never logged.
 *
 * Also here: the per-source limit on failed XAUTH logins.
 */
#ifndef EVSD_XAUTH_H
#define EVSD_XAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ike/isakmp.h"

enum xauth_attr_type {
	XAUTH_TYPE		= 16520,
	XAUTH_USER_NAME		= 16521,
	XAUTH_USER_PASSWORD	= 16522,
	XAUTH_PASSCODE		= 16523,
	XAUTH_MESSAGE		= 16524,
	XAUTH_CHALLENGE		= 16525,
	XAUTH_DOMAIN		= 16526,
	XAUTH_STATUS		= 16527,
	XAUTH_NEXT_PIN		= 16528,
	XAUTH_ANSWER		= 16529,
};
#define XAUTH_ATTR_FIRST	XAUTH_TYPE
#define XAUTH_ATTR_LAST		XAUTH_ANSWER
#define XAUTH_BIT(t)		(1u << ((t) - XAUTH_ATTR_FIRST))

#define XAUTH_TYPE_GENERIC	0
#define XAUTH_STATUS_FAIL	0
#define XAUTH_STATUS_OK		1

#define XAUTH_USER_MAX		128
#define XAUTH_PASS_MAX		256
#define XAUTH_MSG_MAX		256
/* Challenges one try may have (a token's new-PIN dialogue needs three). */
#define XAUTH_CHALLENGE_ROUNDS	4

/* One decoded XAUTH message.  Wipe with xauth_msg_wipe() when done. */
struct xauth_msg {
	uint8_t cfg_type;		/* ISAKMP_CFG_* */
	uint16_t ident;
	uint32_t has;			/* XAUTH_BIT(type) for each attribute seen */
	uint32_t valued;		/* ... that carried a non-empty value */
	uint16_t type;			/* XAUTH_TYPE value */
	uint16_t status;		/* XAUTH_STATUS value */
	char user[XAUTH_USER_MAX + 1];
	uint8_t password[XAUTH_PASS_MAX];	/* or PASSCODE, ANSWER, NEXT_PIN */
	size_t pass_len;
	char message[XAUTH_MSG_MAX];
	char challenge[XAUTH_MSG_MAX];	/* XAUTH_CHALLENGE's text, if any */
	char domain[XAUTH_MSG_MAX];
	unsigned n_other;		/* non-XAUTH attributes in the payload */
};

/* Decode an attribute payload's XAUTH attributes.  A user name or
 * password longer than our limits, a non-TV TYPE/STATUS or a NUL inside
 * the user name: -1 with *err.  Mode-config attributes are counted in
 * n_other (vpnc never mixes them; some clients do) and otherwise ignored. */
int xauth_decode(uint8_t cfg_type, uint16_t ident, const uint8_t *attrs,
		 size_t len, struct xauth_msg *m, struct isakmp_perr *err);
void xauth_msg_wipe(struct xauth_msg *m);
/* Does this attribute block hold any XAUTH attribute? (dispatch helper) */
bool xauth_attrs_present(const uint8_t *attrs, size_t len);

/* A message to send: put it in an ATTR payload of cfg_type with ident. */
struct xauth_out {
	uint8_t cfg_type;
	uint16_t ident;
	struct isakmp_buf attrs;	/* isakmp_buf_free() after sending */
};
void xauth_out_free(struct xauth_out *o);

/* What a REQUEST asks the person to type, i.e. the attribute the answer
 * goes back in (draft-beaulieu-ike-xauth-02 4.2): a token's next PIN, the
 * answer to a challenge, a token passcode, else the password.  Typed
 * answers other than the password never come from the configuration. */
enum xauth_ask {
	XAUTH_ASK_PASSWORD = 0,		/* XAUTH_USER_PASSWORD */
	XAUTH_ASK_PASSCODE,		/* XAUTH_PASSCODE */
	XAUTH_ASK_NEXT_PIN,		/* XAUTH_NEXT_PIN */
	XAUTH_ASK_ANSWER,		/* XAUTH_ANSWER (to XAUTH_CHALLENGE) */
};
enum xauth_ask xauth_request_asks(const struct xauth_msg *m);
/* "password", "passcode", "next-pin", "answer" */
const char *xauth_ask_name(enum xauth_ask a);

/* ---- server ---------------------------------------------------------- */

enum xauth_srv_state {
	XAUTH_S_IDLE = 0,
	XAUTH_S_WAIT_REPLY,
	XAUTH_S_VERIFYING,
	XAUTH_S_WAIT_ACK,
	XAUTH_S_DONE,
};
const char *xauth_srv_state_name(enum xauth_srv_state s);

struct xauth_server {
	enum xauth_srv_state state;
	unsigned attempts;		/* replies judged so far */
	unsigned max_attempts;
	bool challenged;		/* the REQUEST out asks a challenge's answer */
	unsigned rounds;		/* challenges in this try */
	uint16_t ident;			/* of the outstanding REQUEST/SET */
	bool ok;			/* outcome, valid in DONE */
	char user[XAUTH_USER_MAX + 1];	/* last user name offered */
	char reason[128];		/* why it failed, for the log */
};

/* What xauth_server_recv() asks the caller to do next. */
enum xauth_srv_ev {
	XAUTH_EV_NONE = 0,	/* nothing (duplicate, stale ident): drop */
	XAUTH_EV_SEND,		/* send *out */
	XAUTH_EV_VERIFY,	/* check m->user / m->password, then verdict;
				 * x->challenged: m->password answers the
				 * challenge of user x->user */
	XAUTH_EV_DONE,		/* finished; x->ok says how */
	XAUTH_EV_INVALID,	/* not acceptable in this state: log, drop */
};

/* ident_seed: the first REQUEST's identifier (random, from the caller). */
void xauth_server_init(struct xauth_server *x, unsigned max_attempts,
		       uint16_t ident_seed);
/* IDLE -> WAIT_REPLY; fills *out with the REQUEST.  -1 if not IDLE. */
int xauth_server_start(struct xauth_server *x, struct xauth_out *out);
/* A received message.  *out is filled only for XAUTH_EV_SEND. */
enum xauth_srv_ev xauth_server_recv(struct xauth_server *x,
				    const struct xauth_msg *m,
				    struct xauth_out *out);
/* The AAA verdict for the reply being verified (VERIFYING only; -1
 * otherwise).  Always fills *out (REQUEST again, or the SET). */
int xauth_server_verdict(struct xauth_server *x, bool ok, const char *reason,
			 struct xauth_out *out);
/* Instead of a verdict: the back end asks the person (message: its text,
 * "" = none); fills *out with the REQUEST.  -1 with nothing sent when
 * not VERIFYING or the try had XAUTH_CHALLENGE_ROUNDS challenges: then
 * the caller gives a verdict. */
int xauth_server_challenge(struct xauth_server *x, const char *message,
			   struct xauth_out *out);

/* ---- client ---------------------------------------------------------- */

enum xauth_cli_state {
	XAUTH_C_WAIT_REQUEST = 0,
	XAUTH_C_WAIT_STATUS,
	XAUTH_C_DONE,
};

struct xauth_client {
	enum xauth_cli_state state;
	unsigned replies, max_replies;
	bool ok;
	char server_message[XAUTH_MSG_MAX];
};
void xauth_client_init(struct xauth_client *c, unsigned max_replies);
/* REQUEST -> REPLY with the credentials (pass goes in the attribute the
 * REQUEST asks for, xauth_request_asks(); the user name when it asks for
 * one, or always with a password); SET -> ACK (DONE).  Returns
 * XAUTH_EV_SEND, XAUTH_EV_DONE (an ACK to send is in *out as well), or
 * XAUTH_EV_INVALID (refused: e.g. too many REQUESTs; *out then holds a
 * REPLY with STATUS=FAIL to end it politely, or has cfg_type 0 when
 * there is nothing to answer, e.g. a SET after the login ended). */
enum xauth_srv_ev xauth_client_recv(struct xauth_client *c,
				    const struct xauth_msg *m,
				    const char *user, const uint8_t *pass,
				    size_t pass_len, struct xauth_out *out);

/* ---- limits on failed logins: per source address and per user ------- */

/*
 * Two tables, one keyed by source address and one by user name (as the
 * client typed it, case folded; unknown names count too, so the limit
 * says nothing about which users exist).  `burst` failures within
 * `window` seconds lock the key out; each further lockout of the same key
 * doubles the time (back-off), up to XAUTH_RL_MAX_FACTOR x window and
 * never more than a day; a day without failures forgets the back-off.
 * Only the user's own successful login clears a user's record; a success
 * never clears a source's record (another user's success behind the same
 * address must not give a guesser fresh tries).
 *
 * Fixed size, O(1): a key's slot is one of XAUTH_RL_PROBE slots after its
 * keyed hash (SipHash, random key: peers cannot aim at one slot); when
 * they are all taken, the one that is not locked and failed longest ago
 * is reused (a locked one only when all are locked).
 */
#define XAUTH_RL_SLOTS		4096	/* per table, power of two */
#define XAUTH_RL_PROBE		8
#define XAUTH_RL_MAX_FACTOR	64
#define XAUTH_RL_MAX_SECONDS	86400

struct xauth_rl_entry {
	uint64_t tag;			/* keyed hash of the key; 0 = free */
	uint32_t failures;		/* within the current window */
	uint32_t lockouts;		/* in a row: the back-off level */
	uint64_t last;			/* seconds: last failure */
	uint64_t until;			/* seconds: locked out before this */
};

struct xauth_rl_table {
	struct xauth_rl_entry e[XAUTH_RL_SLOTS];
};

struct xauth_ratelimit {
	unsigned burst;			/* 0 = off */
	unsigned window;
	uint8_t key[16];
	struct xauth_rl_table src, user;
};

void xauth_rl_init(struct xauth_ratelimit *rl, unsigned burst, unsigned window);
/* true when the source may try (again); with a user name (not NULL),
 * when that user may too. */
bool xauth_rl_allowed(const struct xauth_ratelimit *rl, const struct sockaddr *src,
		      const char *user, uint64_t now);
/* Seconds until the source (user NULL) or user may try again; 0 = now. */
uint64_t xauth_rl_wait(const struct xauth_ratelimit *rl, const struct sockaddr *src,
		       const char *user, uint64_t now);
/* A failed login of user (NULL: none given) from src. */
void xauth_rl_failed(struct xauth_ratelimit *rl, const struct sockaddr *src,
		     const char *user, uint64_t now);
/* user logged in: clears that user's record only. */
void xauth_rl_succeeded(struct xauth_ratelimit *rl, const char *user);

#endif
