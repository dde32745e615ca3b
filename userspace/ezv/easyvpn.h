/* SPDX-License-Identifier: MIT */
/*
 * easyvpn: the Easy VPN sequence between Phase 1 and Phase 2, as two steps
 * of the engine's session hook (session.h):
 *
 *   server  Phase 1 (group key by ID_KEY_ID)
 *           -> "xauth":   REQUEST/REPLY, the AAA worker (local or RADIUS)
 *                         decides, SET STATUS/ACK; bounded retries,
 *                         per-source lockout, overall timeout
 *           -> "modecfg": policy = user's group + user overrides; address
 *                         from RADIUS, the user block or the group's pool;
 *                         REPLY to the client's REQUEST (pull) or SET/ACK
 *                         (push); inner address for Phase 2's IDci check
 *           -> Phase 2:   child_up: RRI route (host route in client mode,
 *                         the client's networks from its Phase 2 IDs in
 *                         network-extension mode), proxy ARP when the
 *                         group says so, RADIUS accounting start
 *   end:    the address goes back to its pool, accounting stop; the
 *           kernel drops the routes and ARP entries with the connection.
 *
 *   client  (evsd's own client role) answers XAUTH with the peer block's
 *           credentials and pulls mode config; the address and split
 *           networks become its Phase 2 selectors.
 *
 * The module is an explicit context, struct ezv (no process-wide state):
 * main.c makes it with ezv_init() after the configuration is loaded and
 * hands it to the engine with ezv_attach() before the engine runs; polls
 * ezv_fd() and calls ezv_process() when it is readable; calls ezv_tick()
 * from the timer loop; ezv_reload_prepare()/ezv_reload_commit() when the
 * configuration is reloaded; ezv_shutdown() after
 * the engine has ended every session.  Time is the engine's
 * (evs_session_now) and the tick's argument: the module reads no clock.
 *
 * Files: easyvpn.c (this API, the session table), xauth_step.c,
 * modecfg_step.c, lease.c (addresses, network claims, RRI), claims.c
 * (the index of claims), acct.c (accounting, kernel counter sampling);
 * ezv_int.h joins them.
 */
#ifndef EVSD_EASYVPN_H
#define EVSD_EASYVPN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ezv/easyvpn_policy.h"
#include "ike/engine/ike_config.h"
#include "ike/engine/session.h"

/* What the gateway asks of the kernel for its sessions (evsd/rri.c):
 * RRI routes and proxy ARP owned by a connection, and the per-SA
 * counters for accounting.  0, or -1 with err. */
typedef void (*ezv_sa_counter_fn)(uint32_t conn_id, uint32_t spi, bool inbound,
				  uint64_t bytes, uint64_t packets, void *arg);
struct ezv_kernel_ops {
	int (*route_add)(void *karg, uint32_t conn_id, uint32_t addr,
			 unsigned plen, struct evs_err *err);
	int (*parp_add)(void *karg, uint32_t conn_id, uint32_t addr,
			const char *lan_if, struct evs_err *err);
	int (*dump_sa_counters)(void *karg, ezv_sa_counter_fn fn, void *arg);
	/* IPv6 (may be NULL): the route to a client's address, and its
	 * proxy NDP entry on lan_if */
	int (*route6_add)(void *karg, uint32_t conn_id, const struct evs_prefix *p,
			  struct evs_err *err);
	int (*ndp_add)(void *karg, uint32_t conn_id, const struct evs_prefix *addr,
		       const char *lan_if, struct evs_err *err);
};

struct ezv;

/* Loads the user file and starts the AAA worker.  cfg NULL: no Easy VPN
 * sections (the steps then skip every session).  kops NULL: no kernel
 * (tests), so no RRI and no counters.  NULL with err on failure. */
struct ezv *ezv_init(const struct ike_config *ike, struct easyvpn_config *cfg,
		     const struct ezv_kernel_ops *kops, void *karg, struct evs_err *err);
/* Registers the XAUTH and mode-config steps and the group-key lookup on
 * engine e (one module may serve several engines). */
void ezv_attach(struct ezv *z, struct ike_engine *e);
/* The gateway starts serving.  adopted: sessions an earlier evsd left
 * live were taken over; then no Accounting-On goes out, because it tells
 * the RADIUS server that every session of this NAS has ended. */
void ezv_serve(struct ezv *z, unsigned adopted);
/* A standby took the session over (Documentation/ha.md): its RRI routes
 * and proxy-ARP entries, which the other gateway's kernel held, are added
 * to this one's for every connection.  -1 when no such session. */
int ezv_sess_rri_again(struct ezv *z, uint32_t session_id);
/* evsd exits leaving its sessions to the next one: ezv_shutdown sends
 * no Accounting-Off. */
void ezv_keep_sessions(struct ezv *z);
/* Drains the AAA worker (accounting STOP records go out) and frees z.
 * The engines it was attached to must be gone (or their steps cleared). */
void ezv_shutdown(struct ezv *z);
/* -1 when there is nothing to poll. */
int ezv_fd(const struct ezv *z);
void ezv_process(struct ezv *z);
/* No AAA work queued, running or waiting for ezv_process(). */
bool ezv_idle(const struct ezv *z);
/* now: the engine's clock, ms.  Returns ms until it wants to run again. */
uint64_t ezv_tick(struct ezv *z, uint64_t now_ms);
/* When ezv next has something to do (ms, the engine's clock; 0 =
 * nothing): the accounting sample, a session's login deadline, Interim
 * update or Session-Timeout. */
uint64_t ezv_next_due(const struct ezv *z);
/* A reloaded configuration (ezv/reload.c), in two steps so that the
 * daemon can prepare all its parts before it switches any.  Prepare loads
 * the new user file and starts a new AAA worker for cfg (its RADIUS
 * servers); NULL with err when that fails, and nothing changed.  cfg and
 * ike must then live as long as z uses them; the old ones are no longer
 * used once commit returns.  kops/karg: as for ezv_init. */
struct ezv_next;
struct ezv_next *ezv_reload_prepare(struct ezv *z, const struct ike_config *ike,
				    struct easyvpn_config *cfg,
				    const struct ezv_kernel_ops *kops, void *karg,
				    struct evs_err *err);
void ezv_reload_abort(struct ezv_next *n);
/* Switch to the prepared configuration (n is consumed): new sessions
 * get it at once; live ones keep going with what they were given, except
 * those whose group, local user or pool address it removed, which end
 * with EVS_END_RELOAD and a log line saying why.  Their addresses stay
 * leased in the new pools.  The AAA worker is replaced (its queue drained
 * first), so ezv_fd() changes.  Returns how many sessions ended. */
unsigned ezv_reload_commit(struct ezv *z, struct ezv_next *n);
/* The daemon is about to remove SAs of conn_id from the kernel (delete,
 * DPD, rekey, shutdown): their counters are read first, so accounting
 * reports the traffic up to the last packet. */
void ezv_conn_closing(struct ezv *z, uint32_t conn_id);

/* Group key for aggressive mode (evs_psk_lookup_fn; arg: the struct ezv). */
const struct secret *ezv_psk_lookup(const struct isakmp_id *id,
				    const struct sockaddr *peer, void *arg);

/* ---- live sessions: for the control socket, RADIUS dynamic
 * authorization and the metrics -------------------------------------- */

/* One gateway session as the module sees it; pointers valid only during
 * the callback.  Traffic is the kernel's per-SA counters as of the last
 * read (ezv_counters_refresh), summed over rekeys. */
struct ezv_session_info {
	uint32_t id;			/* evs_session_id() */
	const struct evs_session *s;	/* the engine's side (algorithms, NAT-T) */
	const char *user;		/* "" before XAUTH */
	const char *group;		/* "" before mode config */
	const char *pool;		/* "" = fixed address or none */
	uint32_t addr;			/* inner address, host order; 0 = none */
	const struct evs_prefix *addr6;	/* IPv6 inner address (/128); NULL = none */
	const struct sockaddr_storage *peer;
	bool authenticated;
	uint64_t start_ms;		/* engine clock: when it began */
	uint64_t active_ms;		/* engine clock: traffic last seen to grow
					 * (at a counter read; start_ms before) */
	uint64_t rx_bytes, rx_packets;	/* from the client */
	uint64_t tx_bytes, tx_packets;	/* to the client */
	unsigned n_conns;
	const uint32_t *conns;		/* kernel connection ids */
	const char *acct_session_id;	/* "" without accounting */
};

/* Which sessions: every field that is set must match (NULL/0 = any). */
struct ezv_session_filter {
	const char *user;
	const char *group;
	uint32_t addr;			/* host order */
	const struct evs_prefix *addr6;	/* an IPv6 inner address (/128) */
	uint32_t id;
};

/* The logged-in sessions of user (what max-logins counts), in O(1). */
unsigned ezv_user_logins(struct ezv *z, const char *user);
typedef void (*ezv_session_fn)(const struct ezv_session_info *info, void *arg);
/* Calls fn for each matching session; returns how many matched. */
unsigned ezv_session_walk(struct ezv *z, const struct ezv_session_filter *f,
			  ezv_session_fn fn, void *arg);
/* Read the kernel's counters for every session now (one dump). */
void ezv_counters_refresh(struct ezv *z);
/* End session id: deletes to the client, kernel state and lease gone,
 * accounting Stop with the cause that fits reason, one log line.  0, or
 * -1 when there is no such session. */
int ezv_session_disconnect(struct ezv *z, uint32_t id, enum evs_end_reason reason,
			   const char *why);

/* ---- client role: `evsadm client ...` ---------------------------------------- */

struct modecfg;

/* The live session of a peer block, as ezv_client_info() sees it. */
struct ezv_client_info {
	const struct evs_session *s;
	bool xauth_waiting;		/* a REQUEST waits for typed credentials */
	unsigned xauth_asks;		/* REQUESTs the gateway sent */
	const char *xauth_message;	/* its prompt text ("" = none) */
	const char *xauth_challenge;	/* its XAUTH_CHALLENGE text ("" = none) */
	/* what it asks to be typed: "password", "passcode", "next-pin",
	 * "answer" (xauth.h enum xauth_ask); "" when not waiting */
	const char *xauth_ask;
	bool xauth_user_asked;		/* ... and the user name with it */
	bool xauth_done;		/* the gateway accepted the login */
	const struct modecfg *pushed;	/* mode config; NULL before it */
	uint64_t start_ms;		/* engine clock */
};
/* The session of peer block peer: 0, or -1 when it has none. */
int ezv_client_info(struct ezv *z, const char *peer, struct ezv_client_info *out);
/* Answer peer's waiting XAUTH REQUEST with user and pass (the caller
 * wipes pass).  0, or -1 with err (not waiting, bad lengths). */
int ezv_client_xauth(struct ezv *z, const char *peer, const char *user,
		     const uint8_t *pass, size_t pass_len, struct evs_err *err);
/* The gateway of peer said save-password "no": from now on its stored
 * password is not used; every login asks for it. */
void ezv_client_nosave(struct ezv *z, const char *peer);

/* The Acct-Terminate-Cause (RFC 2866 5.10) for why a session ended. */
uint32_t ezv_terminate_cause(enum evs_end_reason reason);

/* ---- RADIUS dynamic authorization (RFC 5176; ezv/dae.h) ----------------- */

/* The port cfg listens on (0 = not configured) and the address
 * (AF_UNSPEC = every address). */
uint16_t ezv_dae_port(const struct easyvpn_config *cfg, struct sockaddr_storage *listen);
/* A datagram from `from` on that port: the answer into out (its length),
 * or 0 when nothing is to be sent (unknown client, bad signature, stale
 * Event-Timestamp: dropped and counted).  now_ms: the engine clock;
 * wall_s: the Unix time, for Event-Timestamp. */
size_t ezv_dae_input(struct ezv *z, const struct sockaddr_storage *from, const uint8_t *b,
		     size_t len, uint64_t now_ms, uint64_t wall_s, uint8_t *out, size_t cap);
struct ezv_dae_stats {
	unsigned long unknown_client;	/* from no configured client */
	unsigned long dropped;		/* bad signature, stale, malformed */
	unsigned long duplicates;	/* retransmissions answered again */
	unsigned long disconnect_ack, disconnect_nak, coa_ack, coa_nak;
};
void ezv_dae_get_stats(const struct ezv *z, struct ezv_dae_stats *st);
/* Why a login or a session's set-up was refused (`evsadm daemon show`). */
enum ezv_refusal {
	EZV_REFUSE_CREDENTIALS = 0,	/* the back end said no */
	EZV_REFUSE_LOCKED_OUT,		/* source or user locked out */
	EZV_REFUSE_NO_GROUP,		/* no group, or not configured */
	EZV_REFUSE_GROUP_LOCK,
	EZV_REFUSE_MAX_LOGINS,
	EZV_REFUSE_AAA_BUSY,		/* the AAA queue was full */
	EZV_REFUSE_TIMEOUT,		/* no login within xauth timeout */
	EZV_REFUSE_NO_ADDRESS,		/* pool empty, address taken */
	EZV_REFUSE_FIREWALL,		/* are-you-there: no firewall reported */
	EZV_REFUSE__COUNT
};
/* "bad_credentials", "locked_out", ...: JSON keys and log words. */
const char *ezv_refusal_name(enum ezv_refusal r);

/* Counters and state for `evsadm`/tests. */
struct ezv_stats {
	unsigned long logins_ok, logins_failed, locked_out, leases, acct_sent;
	unsigned sessions;
	unsigned long refused[EZV_REFUSE__COUNT];
	unsigned long sessions_ended;
};
void ezv_get_stats(const struct ezv *z, struct ezv_stats *st);
/* Leased addresses now (pools and fixed). */
unsigned ezv_leases(const struct ezv *z);
/* Calls fn for each configured pool (name, range, size, in use);
 * returns how many. */
struct pool_info;
typedef void (*ezv_pool_fn)(const struct pool_info *p, void *arg);
unsigned ezv_pool_walk(const struct ezv *z, ezv_pool_fn fn, void *arg);
/* The same for the IPv6 pools. */
struct pool6_info;
typedef void (*ezv_pool6_fn)(const struct pool6_info *p, void *arg);
unsigned ezv_pool6_walk(const struct ezv *z, ezv_pool6_fn fn, void *arg);

#endif
