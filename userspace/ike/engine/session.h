/* SPDX-License-Identifier: MIT */
/*
 * session: the seam between the IKEv1 engine (ike-flow: ikesa/phase1/
 * phase2/info) and the Easy VPN steps that run between Phase 1 and
 * Phase 2 (ike-server: xauth.c, modecfg.c, policy, pools, RRI).
 *
 * A step implements `struct evs_post_phase1_ops` (e.g. "xauth" then
 * "modecfg") and is registered, in order, on the engine that runs it
 * with evs_session_register_step() before that engine starts: the steps
 * and the group-key hook are the engine's own, so two engines in one
 * process (tests, fuzzing) each run theirs.  With no steps registered, or
 * every step answering EVS_STEP_SKIP, the engine goes straight from
 * Phase 1 to Phase 2.
 *
 * Flow of one session (one ISAKMP SA):
 *
 *   PHASE1 done --> step[0].begin --> ... transaction exchanges ...
 *               --> evs_session_step_done(s, true) --> step[1].begin ...
 *               --> all done --> Phase 2 (client: quick mode initiated;
 *                                         server: quick mode accepted)
 *   evs_session_step_done(s, false, why) --> delete notify, session ends.
 *
 * Transaction exchanges (ISAKMP exchange type 6): the engine owns message
 * ids, per-message-id IVs, HASH (prf(SKEYID_a, M-ID | payloads)),
 * encryption, retransmission and duplicate detection.  A step only sees
 * the decoded ATTR payload (isakmp.h struct isakmp_cfg) in recv_cfg() and
 * sends with evs_session_send_cfg().  Messages that arrive before Phase 2
 * is allowed (quick mode before the steps are done) are refused by the
 * engine; the server's quick mode responder waits for the steps.
 *
 * Threading: none; every callback runs on the event loop.  A step may
 * answer asynchronously (RADIUS): keep the struct evs_session pointer
 * only until end() is called for it.
 */
#ifndef EVSD_SESSION_H
#define EVSD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ike/isakmp.h"
#include "lib/err.h"
#include "lib/prefix.h"

struct evs_session;		/* = struct ike_sa inside the engine */
struct json_object;
struct jsonw;
struct ike_engine;

enum evs_role {
	EVS_ROLE_SERVER = 0,	/* evsd as gateway (EVS) */
	EVS_ROLE_CLIENT = 1,	/* evsd as Easy VPN client (EVC) */
};

/* What begin() answers. */
enum evs_step_rc {
	EVS_STEP_FAIL = -1,	/* end the session now (reason logged by the step) */
	EVS_STEP_SKIP = 0,	/* nothing to do for this session: next step */
	EVS_STEP_RUNNING = 1,	/* started; evs_session_step_done() follows */
};

/* What recv_cfg() answers. */
enum evs_cfg_rc {
	EVS_CFG_TAKEN = 0,	/* consumed (maybe answered) */
	EVS_CFG_NOT_MINE = 1,	/* not this step's message: the engine offers it
				 * to the next step (if that step has begun) or
				 * drops it with a log line */
	EVS_CFG_BAD = -1,	/* malformed: counted and dropped */
};

struct evs_post_phase1_ops {
	const char *name;	/* "xauth", "modecfg": for the logs */
	/* Phase 1 is up; start this step.  arg: what the step was
	 * registered with (its module's context); *state is the step's own
	 * per-session pointer (starts NULL; freed in end()), which the other
	 * callbacks get. */
	int (*begin)(struct evs_session *s, void *arg, void **state);
	/* A transaction-exchange message for this session, authenticated and
	 * decrypted.  msgid identifies the exchange: answer a REQUEST/SET
	 * with the same msgid, start a new exchange with msgid 0. */
	int (*recv_cfg)(struct evs_session *s, void **state, uint32_t msgid,
			const struct isakmp_cfg *cfg);
	/* Phase 2 SAs of this session went into the kernel (conn_id is the
	 * evs connection); inner: the peer's inner address/prefix.  Use for
	 * RRI routes, proxy ARP, RADIUS accounting start.  May be NULL. */
	void (*child_up)(struct evs_session *s, void **state, uint32_t conn_id);
	/* The connection left the kernel (delete, DPD, expiry, shutdown).
	 * May be NULL. */
	void (*child_down)(struct evs_session *s, void **state, uint32_t conn_id);
	/* The session is going away (always called once if begin() was):
	 * release addresses, stop accounting, free *state. */
	void (*end)(struct evs_session *s, void **state);
	/* Server role: may the peer's quick mode use these identities
	 * (idci: the peer's side, idcr: ours)?  0 = yes, else the ISAKMP
	 * notify to refuse with, and the reason in why.  May be NULL. */
	uint16_t (*check_ids)(struct evs_session *s, void **state,
			      const struct evs_prefix *idci,
			      const struct evs_prefix *idcr, struct evs_err *why);
	/* Restart (sa_state.h): this step's part of an established session,
	 * one JSON object written into w (false, w untouched: nothing to
	 * keep), and the step recreated from it, parsed, in a new engine
	 * (*state starts NULL; end() follows as for begin()).  restore: 0,
	 * or -1 with why (the session is not adopted).  Both may be NULL. */
	bool (*save)(struct evs_session *s, void **state, struct jsonw *w);
	int (*restore)(struct evs_session *s, void *arg, void **state,
		       struct json_object *o, struct evs_err *why);
	/* Server role: the peer renewed Phase 1 without a quick mode (or
	 * before one) and s, now ready, is to carry on the session of old,
	 * an older ISAKMP SA of the same peer address and port, identity and
	 * logged-in user (or site-to-site key) that holds connections.
	 * may_take_over: does this step agree (0), or not (-1 with why;
	 * nothing changes, the connections stay with old)?  Once every step
	 * agreed, the engine moves the connections to s and take_over moves
	 * what the step holds for the session (address, accounting, routes)
	 * to s's state; old's end() follows later and must not end what
	 * went.  Both may be NULL. */
	int (*may_take_over)(struct evs_session *s, void **state, struct evs_session *old,
			     void **old_state, struct evs_err *why);
	void (*take_over)(struct evs_session *s, void **state, struct evs_session *old,
			  void **old_state);
};

#define EVS_MAX_STEPS 4
/* Register a step on engine e; its steps run in registration order, and
 * begin() gets arg.  0 (also when ops is registered already), or -1 if
 * full. */
int evs_session_register_step(struct ike_engine *e,
			      const struct evs_post_phase1_ops *ops, void *arg);
/* Forget the engine's steps. */
void evs_session_clear_steps(struct ike_engine *e);

/* Why a session ended: the log line at its end, RADIUS
 * Acct-Terminate-Cause, `evsadm session` and the metrics. */
enum evs_end_reason {
	EVS_END_ERROR = 0,	/* protocol failure, exchange timeout, eviction */
	EVS_END_REFUSED,	/* a step refused it (XAUTH, mode config) */
	EVS_END_PEER_DELETE,	/* the peer deleted the ISAKMP SA */
	EVS_END_DPD,		/* the peer stopped answering R-U-THERE */
	EVS_END_ADMIN,		/* evsadm session del, RADIUS Disconnect */
	EVS_END_IDLE_TIMEOUT,
	EVS_END_SESSION_TIMEOUT,
	EVS_END_RELOAD,		/* the new configuration removed its group,
				 * user or pool */
	EVS_END_SHUTDOWN,	/* evsd stops */
	EVS_END_LIFETIME,	/* the ISAKMP SA's lifetime ran out */
	EVS_END_REPLACED,	/* INITIAL-CONTACT: a new Phase 1 from the peer */
	EVS_END_HANDOVER,	/* HA: this gateway became the standby; the
				 * other one carries the session on */
	EVS_END__COUNT
};
/* "client delete", "DPD", "admin", ...: words for logs and JSON. */
const char *evs_end_reason_name(enum evs_end_reason r);

/* ---- services the engine offers to steps --------------------------------- */

/* End the session now with deletes to the peer (its connections and the
 * ISAKMP SA) and the kernel state removed; the steps' end() runs before
 * this returns, so s is gone after it.  Not from inside a step callback
 * of s. */
void evs_session_terminate(struct evs_session *s, enum evs_end_reason reason,
			   const char *why);
/* Why the session ended (valid in and after end()); EVS_END_ERROR while
 * it lives. */
enum evs_end_reason evs_session_end_reason(const struct evs_session *s);

/* The current step is finished.  ok=false ends the session with a delete
 * notification (why goes to the log). */
void evs_session_step_done(struct evs_session *s, bool ok, const char *why);

/* Send an ATTR payload of cfg_type with identifier ident and the given
 * attribute bytes (built with isakmp_put_attr_*) in a transaction
 * exchange.  msgid 0: a new exchange (the engine picks the id, keeps the
 * message for retransmission until an answer with that id arrives);
 * otherwise the answer to a received message (kept for duplicates).
 * expect_reply: whether a message with this id must come back (REQUEST,
 * SET) or not (REPLY, ACK).  Returns the message id used, 0 on failure. */
uint32_t evs_session_send_cfg(struct evs_session *s, uint32_t msgid,
			      uint8_t cfg_type, uint16_t ident,
			      const uint8_t *attrs, size_t attrs_len,
			      bool expect_reply);

/* The step's part of what a restart keeps changed (save() runs again). */
void evs_session_changed(struct evs_session *s);

/* Who we are talking to. */
enum evs_role evs_session_role(const struct evs_session *s);
const struct sockaddr *evs_session_peer_addr(const struct evs_session *s);
const struct sockaddr *evs_session_local_addr(const struct evs_session *s);
/* The Phase 1 auth method as negotiated (1, 3, 65001, 65005 ...):
 * p1_auth_is_xauth() on it says whether the peer expects XAUTH. */
uint16_t evs_session_auth_method(const struct evs_session *s);
/* The peer's Phase 1 identity (ID payload as received; for aggressive
 * mode PSK this is the group name as ID_KEY_ID). */
const struct isakmp_id *evs_session_peer_id(const struct evs_session *s);
/* Client role: the configured `peer` block name; NULL on the server. */
const char *evs_session_peer_name(const struct evs_session *s);
/* The engine's time: ms, monotonic, as its owner set it
 * (ike_engine_set_time), so a test's clock drives the steps too. */
uint64_t evs_session_now(const struct evs_session *s);
/* Stable id for logs and pool owners (non-zero; also the kernel conn id of
 * the session's first connection). */
uint32_t evs_session_id(const struct evs_session *s);
/* "p1 198.51.100.7[500] 1a2b3c4d…" prefix for log lines. */
const char *evs_session_name(const struct evs_session *s);
/* Did the peer send the Cisco Unity / XAUTH / DPD vendor ids? */
bool evs_session_peer_has_vid(const struct evs_session *s, enum isakmp_vid vid);

/* Phase 2 selectors decided by a step (mode config):
 *  - server: the peer's inner address (pool lease): quick mode must name
 *    exactly this as IDci (no spoofing), the kernel SA's selector;
 *  - client: our inner address (what mode config gave us): sent as IDci
 *    and put on the host by clientcfg.c (in network-extension mode the
 *    peer block's local networks are the IDci instead; session.c).
 * The remote side (client: IDcr; server: what the client may reach) is a
 * list of prefixes; empty = 0.0.0.0/0 (full tunnel).  family AF_INET. */
#define EVS_SESSION_MAX_NETS 32
void evs_session_set_inner(struct evs_session *s, const struct evs_prefix *p);
/* Client role: the networks to tunnel (split include); one quick mode per
 * network.  Server role: the networks the peer may reach (the split
 * include it was given): a quick mode's IDcr must touch them, and the
 * connection's kernel policies on our side are narrowed to them (IKEv1
 * has no narrowing on the wire, and vpnc proposes 0.0.0.0/0 whatever it
 * was given).  n = 0: full tunnel. */
void evs_session_set_remote_nets(struct evs_session *s,
				 const struct evs_prefix *nets, unsigned n);
/* Server role: the label stored with the kernel connection (user name). */
void evs_session_set_label(struct evs_session *s, const char *label);
/* Server role: the peer logged in as user and this step bound its Phase 2
 * selectors (its check_ids decides each quick mode).  Without this, or a
 * site-to-site key, the engine refuses every quick mode of the session. */
void evs_session_set_authorized(struct evs_session *s, const char *user);
/* The peer's side (its quick mode IDci as a responder) of one of this
 * session's connections; false when the session has no such connection. */
bool evs_session_conn_remote(const struct evs_session *s, uint32_t conn_id,
			     struct evs_prefix *remote);
/* Server role: Phase 1 used a `no-xauth` key (site to site): no XAUTH;
 * quick mode is bound by the key's selectors. */
bool evs_session_site_to_site(const struct evs_session *s);

/* Server role, aggressive mode: the pre-shared key for the peer's Phase 1
 * ID (ID_KEY_ID = the group name).  Return NULL for an unknown group: the
 * engine then goes on with a random key, so the answer and its timing are
 * those of a wrong key (no group enumeration), and fails at HASH_I.
 * Without a lookup (or when it returns NULL for an ID that is not a
 * KEY_ID) the engine uses `crypto isakmp key ... address` by peer address. */
struct secret;
typedef const struct secret *(*evs_psk_lookup_fn)(const struct isakmp_id *id,
						   const struct sockaddr *peer,
						   void *arg);
void evs_session_set_psk_lookup(struct ike_engine *e, evs_psk_lookup_fn fn,
				void *arg);

/* What an engine keeps of the above (struct ike_engine's `hooks`). */
struct evs_session_hooks {
	struct {
		const struct evs_post_phase1_ops *ops;
		void *arg;
	} step[EVS_MAX_STEPS];
	unsigned n_steps;
	evs_psk_lookup_fn psk_lookup;
	void *psk_lookup_arg;
};

#endif
