/* SPDX-License-Identifier: MIT */
/*
 * The Easy VPN module's own parts (easyvpn.h): its context, the session
 * the two steps share, and what its files call of each other.  Nothing
 * outside ezv/ includes this.
 *
 *   easyvpn.c      the context, the session table, init/tick/process
 *   xauth_step.c   the "xauth" step, both roles; login verdicts
 *   modecfg_step.c the "modecfg" step, both roles; quick-mode ID checks
 *   lease.c        the session's address (pool, fixed, taken over from a
 *                  renewed session), network claims, RRI routes
 *   acct.c         RADIUS accounting and the kernel counters it reports
 *   takeover.c     a renewed Phase 1 carries an older session on
 *   reload.c       a new configuration for the running module
 */
#ifndef EVSD_EZV_INT_H
#define EVSD_EZV_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ezv/aaa.h"
#include "ezv/claims.h"
#include "ezv/easyvpn.h"
#include "ezv/easyvpn_policy.h"
#include "ezv/modecfg.h"
#include "ezv/pool.h"
#include "ezv/xauth.h"
#include "lib/dueheap.h"
#include "lib/htab.h"

#define EZV_MAX_CONNS	64	/* >= timers connections-max (config_ike.c) */
#define EZV_MAX_SAS	(EZV_MAX_CONNS * 4)	/* counters a session keeps */
#define EZV_MAX_CLAIMS	16	/* networks one session may claim */

/* Per-SA counter memory, so totals survive rekeys (old SAs vanish). */
struct sa_count {
	uint32_t spi;
	bool inbound, seen;
	uint64_t bytes, packets;
};

/* Effective settings, counted: shared by the sessions of a group without
 * a user block, owned by one session otherwise (sess_eff.c). */
struct ezv_eff {
	unsigned refs;
	struct ezv_settings s;
};

/* What a session keeps of its login (the AAA verdict): who decided, and
 * from a RADIUS Accept (or a CoA) the address and Class. */
struct ezv_login {
	enum aaa_source source;
	uint32_t framed_ip;		/* host order, 0 = none */
	uint8_t class_raw[RADIUS_CLASS_MAX];	/* echoed in accounting */
	size_t class_len;
};

/* A connection of a session, in the table by kernel connection id. */
struct ezv_conn_ref {
	struct htab_node node;
	struct ezv_sess *x;
	uint32_t conn;
};

/* One Easy VPN session: shared by the two steps of one ISAKMP SA.  In
 * z->sessions (listings) and in the tables of z (easyvpn.c: by id; by
 * user, and by user and outer address, once authenticated; by inner
 * address; by Acct-Session-Id; by connection), so that no lookup walks
 * every client.  One authenticated session of each user, its head, is in
 * z->user_heads and counts the user's logins (max-logins). */
struct ezv_sess {
	struct ezv_sess *next, **pprev;
	struct dueh_node due;		/* in z->due: login deadline, Interim,
					 * Session-Timeout (ezv_due) */
	struct htab_node id_node, user_node, login_node, head_node, addr_node, acct_node;
	unsigned logins;		/* the head: the user's sessions in by_user */
	struct ezv *z;
	struct evs_session *s;
	uint32_t id;
	int refs;
	bool server;
	uint64_t start_ms;		/* engine clock at creation */
	uint64_t active_ms;		/* engine clock: traffic last seen to grow */
	char peer[64];			/* outer address, text */
	struct sockaddr_storage peer_sa;

	/* XAUTH */
	bool xauth_active;
	struct xauth_server xs;
	struct xauth_client xc;
	bool aaa_pending;
	/* the RADIUS challenge the person answers now (xs.challenged):
	 * its State, at most RADIUS_STATE_MAX bytes, and server */
	uint8_t chal_state[RADIUS_STATE_MAX];
	size_t chal_state_len;
	unsigned chal_server;
	uint64_t xauth_deadline;	/* ms */
	bool authenticated;
	char user[XAUTH_USER_MAX + 1];
	char p1_group[EZV_NAME_MAX + 1];	/* ID_KEY_ID, "" = none */
	struct ezv_login login;

	/* mode config */
	bool modecfg_active;
	char group[EZV_NAME_MAX + 1];	/* the policy group */
	/* never NULL: all zero until decided (and in the client role);
	 * eff_ref is the counted copy it points into, if any */
	const struct ezv_settings *eff;
	struct ezv_eff *eff_ref;
	uint32_t addr, mask;		/* inner address (host order), 0 = none */
	struct evs_prefix addr6;	/* IPv6 inner address (/128) when have_addr6 */
	bool have_addr6;
	char pool[POOL_NAME_MAX + 1];	/* "" = fixed address */
	/* client role: what the gateway gave (NULL until it did); the
	 * gateway builds its offer from eff and the addresses when it sends
	 * it (ezv_sess_offer), instead of keeping 6 KiB per session */
	struct modecfg *offer;

	struct ezv_claim *claims;	/* its entries of z->claims */
	unsigned n_claims;

	/* Phase 2 / RRI / accounting */
	/* both conn_cap long (allocated as connections come, up to
	 * EZV_MAX_CONNS); cref[i] is conns[i] */
	unsigned n_conns, conn_cap;
	uint32_t *conns;
	struct ezv_conn_ref *cref;
	bool acct_started;
	uint64_t acct_start_ms, next_interim_ms;
	char acct_session_id[32];
	/* allocated to what the session uses (most have one connection, two
	 * SAs), up to EZV_MAX_SAS: not EZV_MAX_SAS in every session */
	unsigned n_sa, sa_cap;
	struct sa_count *sa;
	uint64_t retired_rx_bytes, retired_rx_pkts, retired_tx_bytes, retired_tx_pkts;

	/* client role: the credentials are typed (`evsadm client xauth`):
	 * the gateway's REQUEST waits in xauth_req until they come */
	bool xauth_interactive;
	bool xauth_waiting;
	uint32_t xauth_msgid;
	unsigned xauth_asks;		/* REQUESTs the gateway sent */
	struct xauth_msg *xauth_req;	/* allocated when a REQUEST waits */
	bool pushed;			/* client: offer holds what the gateway gave */

	/* limits: Session-Timeout / Idle-Timeout (Access-Accept, CoA, the
	 * group or user block) */
	uint64_t session_deadline_ms;	/* engine clock, 0 = none */
	uint32_t idle_timeout_s;	/* 0 = none */

	/* A renewed Phase 1 of the same client carries this session on
	 * (takeover.c): what it held went there; its end ends nothing. */
	bool carried_on;
};

/* Client role: a peer block whose gateway said save-password "no": its
 * stored password is not used again (ezv_client_nosave). */
struct ezv_nosave {
	struct ezv_nosave *next;
	char peer[64];
};

/* What a network-extension client may not overlap: the networks other
 * live sessions claimed (their quick mode IDci; the gateway routes them
 * there, IPv4 or IPv6) and fixed addresses outside the pools (pools are
 * refused as a whole by ezv_nem_check and ezv_nem_check6): struct
 * ezv_claim in the index of claims.h, each also on its owner's list. */
/* The module's context (easyvpn.h). */
struct ezv {
	const struct ike_config *ike;
	struct easyvpn_config *cfg;
	struct aaa *aaa;
	const struct ezv_kernel_ops *kops;
	void *karg;
	struct ezv_sess *sessions;
	/* the session indexes (keyed SipHash, lib/htab.h) */
	struct htab by_id, by_user, user_heads, by_login, by_addr, by_acct, by_conn;
	struct ezv_claims claims;
	struct xauth_ratelimit rl;
	uint64_t next_sample;		/* ms: the next periodic counter read */
	/* the sessions by their earliest time (login deadline, Interim
	 * update, Session-Timeout): a tick visits only the sessions due */
	struct dueh due;
	struct ezv_dae_slot *dae_cache;	/* dae_session.c; NULL = no DAE */
	struct ezv_dae_stats dae_st;
	struct ezv_stats st;
	struct ezv_nosave *nosave;	/* client role, one per peer at most */
	/* the shared settings of each group of cfg (sess_eff.c), by index */
	struct ezv_eff **group_eff;
	size_t n_group_eff;
	bool ready;
	bool sessions_kept;		/* no Accounting-Off at shutdown */
};

/* Client role: the peer block of session s, or NULL. */
const struct ike_peer *ezv_client_peer(const struct ezv *z, struct evs_session *s);

/* ---- easyvpn.c: sessions --------------------------------------------------- */

/* The same outer address and port: the same client. */
bool ezv_same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
struct ezv_sess *ezv_sess_find(struct ezv *z, uint32_t id);
/* Index updates: x->user (authenticated server sessions only), x->addr,
 * x->acct_session_id, the connections.  Each takes the new value. */
void ezv_sess_set_user(struct ezv_sess *x, const char *user);
void ezv_sess_set_addr(struct ezv_sess *x, uint32_t addr);
void ezv_sess_set_acct_id(struct ezv_sess *x, const char *id);
/* Room for n SA counters in x->sa (0), or -1: more than EZV_MAX_SAS, or
 * out of memory. */
int ezv_sess_sa_room(struct ezv_sess *x, unsigned n);
/* 0, or -1 when x already holds EZV_MAX_CONNS connections. */
int ezv_sess_conn_add(struct ezv_sess *x, uint32_t conn);
/* false when x does not hold conn. */
bool ezv_sess_conn_del(struct ezv_sess *x, uint32_t conn);
bool ezv_sess_has_conn(const struct ezv_sess *x, uint32_t conn);
/* Lookups, each O(matches): the first session holding conn; the
 * authenticated server sessions of user (fn per session, stops when fn
 * returns true, returns that session); the sessions holding addr; the
 * session of an Acct-Session-Id. */
struct ezv_sess *ezv_sess_by_conn(struct ezv *z, uint32_t conn);
typedef bool (*ezv_sess_pred)(struct ezv_sess *o, void *arg);
struct ezv_sess *ezv_sess_of_user(struct ezv *z, const char *user, ezv_sess_pred fn,
				  void *arg);
struct ezv_sess *ezv_sess_of_addr(struct ezv *z, uint32_t addr, ezv_sess_pred fn,
				  void *arg);
/* The same for the sessions of user from the outer address and port peer
 * (its own and the Phase 1 renewals of one client). */
struct ezv_sess *ezv_sess_of_login(struct ezv *z, const char *user,
				   const struct sockaddr_storage *peer, ezv_sess_pred fn, void *arg);
struct ezv_sess *ezv_sess_by_acct_id(struct ezv *z, const char *id);
/* The user file at path (missing: empty); NULL with err. */
struct userdb *ezv_load_users(const char *path, struct evs_err *err);
/* What a (re)loaded configuration holds, for the log. */
void ezv_log_config(const struct ike_config *ike, const struct easyvpn_config *cfg,
		    const struct userdb *db);
/* The session of s, made on first use; a reference each call. */
struct ezv_sess *ezv_sess_get(struct ezv *z, struct evs_session *s);
void ezv_sess_put(struct ezv_sess *x);

/* After setting a time of x (login deadline, Interim update,
 * Session-Timeout): x's place in the due-time heap anew. */
void ezv_due(struct ezv_sess *x);
/* Session-Timeout: x ends secs after now (0: no limit). */
void ezv_sess_set_session_timeout(struct ezv_sess *x, uint32_t secs, uint64_t now);

/* ---- sess_eff.c: effective settings --------------------------------------- */

/* x reads the all-zero settings (a new session). */
void ezv_sess_eff_init(struct ezv_sess *x);
/* x's settings under z->cfg: group g's (a group of z->cfg), shared, or
 * overlaid with the settings of u's block (NULL = none), its own.  0, or
 * -1 out of memory (x keeps what it had). */
int ezv_sess_settle(struct ezv_sess *x, const struct ezv_group *g, const struct ezv_user *u);
/* x lets go of its settings (it ends). */
void ezv_sess_eff_drop(struct ezv_sess *x);
/* z lets go of its shared copies (a reload replaced z->cfg, or the end);
 * the sessions holding one keep it. */
void ezv_group_eff_drop(struct ezv *z);

/* ---- dae_session.c ---------------------------------------------------------- */

/* The replay cache for cfg's clients (NULL when cfg has none, or out
 * of memory); those also in old_cfg keep their entries from old. */
struct ezv_dae_slot *ezv_dae_cache_new(const struct easyvpn_config *cfg,
				       const struct easyvpn_config *old_cfg,
				       const struct ezv_dae_slot *old);
void ezv_dae_free(struct ezv *z);

/* ---- the steps --------------------------------------------------------------- */

extern const struct evs_post_phase1_ops ezv_xauth_step;
extern const struct evs_post_phase1_ops ezv_modecfg_step;
/* The AAA worker decided a login of x (xauth_step.c). */
void ezv_xauth_verdict(struct ezv_sess *x, struct aaa_result *r);
/* When x's login is overdue at now, the session ends (x may be freed). */
void ezv_xauth_expire(struct ezv_sess *x, uint64_t now);

/* ---- lease.c ---------------------------------------------------------------- */

/* Choose and hold x's inner address (x->eff decided); -1 with why. */
int ezv_lease_address(struct ezv_sess *x, struct evs_err *why);
/* The client asked for an IPv6 address (pull), or the gateway pushes one:
 * a /128 of the group's IPv6 pool (once per session; 0 also when the
 * group has none, -1 with why when the pool is exhausted). */
int ezv_lease_address6(struct ezv_sess *x, struct evs_err *why);
/* x's IPv6 address goes back to its pool (a pushed one the client did not
 * take; the session's end).  Nothing when x holds none. */
void ezv_lease_release6(struct ezv_sess *x);
/* A restored session's saved IPv6 address, held again for it: 0, or -1
 * with why (taken, or outside the running configuration's pools). */
int ezv_lease6_again(struct ezv_sess *x, const struct evs_prefix *addr6,
		     struct evs_err *why);
/* The session ends: its address goes back (to a session it was taken
 * over from, or to its pool), its claims go. */
void ezv_lease_release(struct ezv_sess *x);
/* x claims net (its fixed address, a network-extension network).
 * 0, or -1 when it holds too many. */
int ezv_claim_add(struct ezv_sess *x, const struct evs_prefix *net);
/* A restored session's saved claim, claimed again unless another live
 * session's claim overlaps it: 0, or -1 with why. */
int ezv_claim_again(struct ezv_sess *x, const struct evs_prefix *net, struct evs_err *why);
/* x's claims leave the index. */
void ezv_claims_drop(struct ezv_sess *x);
/* ezv_claim_add of the IPv4 address addr/32 (host order). */
int ezv_claim_addr(struct ezv_sess *x, uint32_t addr);
/* May x (of session s) claim net (IPv4 or IPv6) as its network (network
 * extension)?  Claims it if so; -1 with the reason in r. */
int ezv_nem_claim(struct evs_session *s, struct ezv_sess *x, const struct evs_prefix *net,
		  struct evs_err *r);
/* A connection of x (of session s) came up: RRI route and proxy ARP owned by it. */
void ezv_rri_add(struct evs_session *s, struct ezv_sess *x, uint32_t conn_id);

/* The session's address, claims and IPv6 address go from o to x, which
 * carries o's session on (takeover.c).  ezv_lease_may_move first: 0, or
 * -1 with why when x cannot (another address: the connections' selectors
 * hold o's). */
int ezv_lease_may_move(const struct ezv_sess *x, const struct ezv_sess *o,
		       struct evs_err *why);
void ezv_lease_move(struct ezv_sess *x, struct ezv_sess *o);

/* ---- takeover.c --------------------------------------------------------------- */

/* The modecfg step's may_take_over and take_over (session.h): the same
 * user, group and peer only; then the connections, address, claims,
 * accounting session and counters go to the new session. */
int ezv_may_take_over(struct evs_session *s, void **state, struct evs_session *old,
		      void **old_state, struct evs_err *why);
void ezv_take_over(struct evs_session *s, void **state, struct evs_session *old,
		   void **old_state);

/* ---- sess_state.c: restarts (Documentation/restart.md) ------------------------ */

/* x's record, one JSON object into w (gateway sessions that logged in;
 * false, nothing written, otherwise). */
bool ezv_sess_save(const struct ezv_sess *x, struct jsonw *w);
/* The xauth step's restore: the session of s made from o, its address
 * leased again; 0, or -1 with why. */
int ezv_sess_restore(struct ezv *z, struct evs_session *s, void **state,
		     struct json_object *o, struct evs_err *why);
/* The modecfg step's restore: its reference to that session. */
int ezv_sess_restore_ref(struct ezv *z, struct evs_session *s, void **state,
			 struct evs_err *why);

/* ---- acct.c ---------------------------------------------------------------- */

/* Accounting Start for x (its first connection is up) at now. */
void ezv_acct_start(struct ezv_sess *x, uint64_t now);
/* Accounting Stop for x (the session ends) at now. */
void ezv_acct_stop(struct ezv_sess *x, uint64_t now);
/* A gateway session that logged in ends (the steps' end()): its final
 * counters are read, accounting stops, and one line logs user, group,
 * address, duration, traffic and evs_session_end_reason(). */
void ezv_sess_ended(struct ezv_sess *x, uint64_t now);
/* Periodic counter reads (and idle sessions ended) and Interim updates
 * due at now. */
void ezv_acct_tick(struct ezv *z, uint64_t now);
/* x's Interim update when due at now; its next one (0 = none). */
uint64_t ezv_acct_interim(struct ezv_sess *x, uint64_t now);
/* x carries o's session on (takeover.c): its accounting session (when
 * it has one; -1 from may when both have one) and its counters. */
int ezv_acct_may_move(const struct ezv_sess *x, const struct ezv_sess *o,
		      struct evs_err *why);
void ezv_acct_move(struct ezv_sess *x, struct ezv_sess *o);
/* Accounting-On (start) / Accounting-Off (clean stop) for the NAS. */
void ezv_acct_onoff(struct ezv *z, bool on);
/* x's traffic so far (as of the last counter read), summed over rekeys. */
struct ezv_traffic {
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
};
void ezv_sess_traffic(const struct ezv_sess *x, struct ezv_traffic *t);

#endif
