/* SPDX-License-Identifier: MIT */
/*
 * ikesa: the IKE engine's state — the ISAKMP SA table and what hangs off
 * each SA (exchanges by message id, Phase 2 connections), message input
 * and dispatch, retransmission with back-off, duplicate detection, the
 * bound on half-open Phase 1 exchanges and their age, per-source rate
 * limits, and the timers of everything above.
 *
 * The engine does no I/O of its own: it is handed datagrams
 * (ike_engine_input), the time (ike_engine_set_time), and sends/installs
 * through struct ike_engine_ops.  main.c wires that to net.c and kernel.c;
 * the unit tests wire two engines to each other in memory.
 *
 * One module per exchange:
 *   phase1.c  main and aggressive mode (both roles)
 *   phase2.c  quick mode, Phase 2 connections, rekey
 *   info.c    informational exchanges: notify, delete, DPD
 *   natt.c    NAT-T vendor ids, NAT-D, float, keepalives
 *   session.c the steps between Phase 1 and Phase 2 (session.h)
 */
#ifndef EVSD_IKESA_H
#define EVSD_IKESA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ike/engine/ike_config.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/isakmp.h"
#include "ike/proposal.h"
#include "ike/engine/session.h"
#include "ike/engine/spi_index.h"
#include "lib/dueheap.h"
#include "lib/htab.h"

/* Where a message came from / goes to.  natt: the 4500 socket, where IKE
 * messages carry the 4-byte non-ESP marker (net.c adds/strips it). */
struct ike_path {
	struct sockaddr_storage local;
	struct sockaddr_storage remote;
	bool natt;
};

/* One Phase 2 SA pair handed to the kernel (kernel.c). */
struct kernel_child {
	uint32_t conn_id;
	bool new_conn;			/* first SA pair of this connection */
	const char *label;
	struct sockaddr_storage local, remote;	/* outer, ports used for encap */
	bool encap;			/* ESP-in-UDP (RFC 3948) */
	uint32_t spi_in, spi_out;
	uint32_t old_spi_in, old_spi_out;	/* rekey: the pair it replaces */
	bool defer_out;			/* rekey: leave the outbound policy on
					 * the old SA; out_policy() moves it */
	/* Responder rekey in two steps: sas_only adds the pair beside the
	 * current one and leaves every policy where it is (QM2);
	 * policies_only moves the policies to a pair added so (QM3). */
	bool sas_only, policies_only;
	const char *enc_name, *auth_name;
	unsigned auth_trunc_bits;
	/* Nonzero: enc_name is an AEAD (rfc4106(gcm(aes))) with this ICV,
	 * enc_* its key || salt, and there is no auth_*. */
	unsigned aead_icv_bits;
	const uint8_t *enc_in, *auth_in, *enc_out, *auth_out;
	size_t enc_len, auth_len;
	struct evs_prefix local_net, remote_net;
	/* Server role: our side narrowed to the networks the session may
	 * reach (local_net is wider, e.g. the 0.0.0.0/0 that vpnc proposes
	 * to a split tunnel): one policy pair per network instead of one
	 * for local_net.  0: local_net alone. */
	struct evs_prefix local_nets[EVS_SESSION_MAX_NETS];
	unsigned n_local_nets;
	uint64_t soft_secs, hard_secs;
	uint64_t soft_bytes, hard_bytes;	/* 0 = no limit */
	bool allow_weak;
	/* Nonzero: the outbound SA's first sequence number is oseq + 1 (a
	 * standby taking over a pair the active sent on); the inbound SA
	 * takes only numbers above iseq (those up to it were delivered). */
	uint64_t oseq, iseq;
};

struct ike_sa;
struct ike_engine_ops {
	/* Send one IKE datagram (without the non-ESP marker). */
	int (*send)(void *arg, const struct ike_path *p, const uint8_t *buf,
		    size_t len);
	/* Install a Phase 2 SA pair and its policies (in, out). */
	int (*child_add)(void *arg, const struct kernel_child *c);
	/* Remove one SA pair of a connection (after a rekey). */
	int (*child_del_sas)(void *arg, uint32_t conn_id, uint32_t spi_in,
			     uint32_t spi_out);
	/* Point the outbound policy of c->conn_id (c->local_net ->
	 * c->remote_net) at c->spi_out. */
	int (*out_policy)(void *arg, const struct kernel_child *c);
	/* Remove a connection and everything it owns. */
	int (*conn_del)(void *arg, uint32_t conn_id);
	/* NAT-T keepalive (1 byte 0xff) on the 4500 socket. */
	int (*keepalive)(void *arg, const struct ike_path *p);
	/* Client role, optional: a connection of sa came up / went down,
	 * sa ends (the host's address, routes and PAT follow them). */
	void (*client_child_up)(void *arg, struct ike_sa *sa, uint32_t conn_id);
	void (*client_child_down)(void *arg, struct ike_sa *sa, uint32_t conn_id);
	void (*client_end)(void *arg, struct ike_sa *sa);
	/* Client role, optional: sa's post-Phase-1 steps are done and its
	 * quick modes are about to start.  What must be on the host before
	 * any SA of the session is (the inbound filter) goes on now; non-zero
	 * ends the session, so no SA is installed without it. */
	int (*client_ready)(void *arg, struct ike_sa *sa);
	/* Optional: what a restarted evsd needs of sa changed
	 * (sa_state.h); sa->state is DEAD when the session ended. */
	void (*sa_changed)(void *arg, struct ike_sa *sa);
};

/* Phase 1 and session states.  The names are in the logs. */
enum ike_state {
	IKE_S_NEW = 0,
	/* main mode, initiator */
	IKE_S_MM_I_SA_SENT,	/* MM1 out, wait MM2 */
	IKE_S_MM_I_KE_SENT,	/* MM3 out, wait MM4 */
	IKE_S_MM_I_AUTH_SENT,	/* MM5 out, wait MM6 */
	/* main mode, responder */
	IKE_S_MM_R_SA_SENT,	/* MM2 out, wait MM3 */
	IKE_S_MM_R_KE_SENT,	/* MM4 out, wait MM5 */
	/* aggressive mode */
	IKE_S_AM_I_SENT,	/* AM1 out, wait AM2 */
	IKE_S_AM_R_SENT,	/* AM2 out, wait AM3 */
	/* after Phase 1 */
	IKE_S_STEPS,		/* XAUTH / mode config steps running */
	IKE_S_READY,		/* Phase 2 allowed */
	IKE_S_DEAD,		/* deleted; freed at the next tick */
};
const char *ike_state_name(enum ike_state s);
static inline bool ike_state_phase1(enum ike_state s)
{
	return s > IKE_S_NEW && s < IKE_S_STEPS;
}

/* Retransmission of our last message of an exchange, and duplicate
 * detection of the peer's last one. */
struct ike_rexmit {
	uint8_t *msg;			/* as sent (without marker) */
	size_t len;
	bool awaiting;			/* retransmit until answered */
	unsigned tries;
	uint64_t next_at;		/* ms */
	uint8_t rx_digest[20];		/* SHA-1 of the peer's last message */
	bool have_rx;
	/* msg went out after the peer's last message (it answers that one):
	 * only then does a duplicate of it ask for msg again.  When msg came
	 * first, the duplicate is a second copy of its answer (the peer
	 * answered our retransmission too): resending msg then started a
	 * ping-pong, and a request resent after the peer had moved on no
	 * longer decrypted there (charon: "invalid HASH_V1 payload length").
	 * sent_last_was: the value before the last message was recorded, for
	 * when that message is refused. */
	bool sent_last, sent_last_was;
	uint64_t last_dup_reply;	/* ms: answer duplicates at most 1/s */
};

enum qm_state {
	QM_I_SENT = 1,		/* QM1 out, wait QM2 */
	QM_R_SENT,		/* QM2 out, wait QM3 */
	QM_DONE,
};
const char *qm_state_name(enum qm_state s);

struct ike_conn;

/* A quick mode exchange (phase2.c). */
struct ike_qm {
	enum qm_state state;
	bool initiator;
	struct ike_conn *conn;		/* initiator: the connection it (re)keys */
	bool conn_gone;			/* ... removed while this exchange ran */
	uint32_t spi_in;		/* ours */
	struct p2_xform offer[64];
	size_t n_offer;
	struct p2_xform chosen;
	bool responder_lifetime;
	uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	struct dh *dh;			/* PFS */
	struct secret *gqm;
	struct evs_prefix idci, idcr;	/* as on the wire (initiator's view) */
	bool have_ids;
	struct secret *key_in, *key_out;	/* KEYMAT, once chosen */
	uint32_t pre_conn_id;		/* responder rekey: the pair is in the
					 * kernel beside this connection's
					 * current one, not yet its own */
};

/* An exchange with a non-zero message id: quick mode, informational,
 * transaction. */
struct ike_xchg {
	struct ike_xchg *next;		/* the SA's, at most timers.exchanges-max */
	struct htab_node node;		/* in the engine's, by (SA, message id) */
	struct ike_sa *sa;
	uint32_t msgid;
	uint8_t type;			/* ISAKMP_EXCH_* */
	struct ike_iv iv;		/* running IV of this exchange */
	struct ike_rexmit rx;
	uint64_t expire_at;		/* forgotten after this (ms) */
	struct ike_qm *qm;
};

/* A Phase 2 connection: one pair of selectors, one kernel conn id, a
 * current SA pair and, during a rekey, the one it replaces. */
struct ike_conn {
	struct ike_conn *next;
	uint32_t id;			/* kernel conn id */
	bool installed;
	struct evs_prefix local, remote;	/* inner selectors, our view */
	/* Server role: local narrowed for the kernel (kernel_child's
	 * local_nets); NULL: local as it is. */
	struct evs_prefix *local_nets;
	unsigned n_local_nets;
	struct p2_xform xf;
	uint32_t spi_in, spi_out;
	uint32_t old_spi_in, old_spi_out;	/* 0 = none */
	uint64_t old_del_at;		/* ms: delete the old pair then */
	uint64_t out_switch_at;		/* ms: move outbound to the new pair */
	uint64_t installed_at;
	uint64_t rekey_at;		/* ms, initiator only; 0 = none */
	uint64_t expire_at;		/* ms: hard expiry (kernel does it too) */
	bool rekeying;
	bool we_initiated;
	unsigned generation;
	/* The current pair's KEYMAT (enc || auth, as installed), kept for a
	 * standby gateway that installs the pair when it takes over
	 * (Documentation/ha.md); NULL for a pair installed before. */
	struct secret *key_in, *key_out;
	/* In the engine's SPI index (conn_index_sync): in, out, old in,
	 * old out; sa is the ISAKMP SA holding the connection. */
	struct ike_sa *sa;
	struct spi_node spi_nodes[4];
	struct htab_node id_node;	/* the engine's, by id */
};

/* What only Phase 1 needs: allocated with the SA, freed when Phase 1
 * ends (ike_sa_p1_free) -- most of a half-open SA's memory, none of an
 * established one's. */
struct ike_p1 {
	struct p1_xform offer[128];
	size_t n_offer;
	bool p1_life_shortened;
	struct dh *dh;
	uint8_t *gxi, *gxr;
	size_t gxi_len, gxr_len;
	uint8_t *ni, *nr;
	size_t ni_len, nr_len;
	uint8_t *sai_b;			/* the initiator's SA payload body */
	size_t sai_len;
	uint8_t *id_own;		/* our ID payload body */
	size_t id_own_len;
	struct secret *psk;
	bool psk_dummy;			/* unknown group: fail at HASH_I */
	const struct ike_psk *psk_entry;	/* the address key used, if any */
	bool peer_sent_cr;
	struct cert_peer *peer_cert;
};

/* A session record holds the end of dpd_seq's block of this many: a
 * restarted evsd goes on above every sequence number it sent, and the
 * record is rewritten once a block, not for every probe. */
#define IKE_DPD_SEQ_BLOCK 1024u

/* The ISAKMP SA (= struct evs_session of session.h). */
struct ike_sa {
	struct ike_sa *next, **pprev;	/* e->sas */
	/* In e->due at the earliest time any timer of it or of its
	 * connections and exchanges is due (ike_sa_rearm). */
	struct dueh_node due;
	struct ike_sa *dead_next;	/* e->dead: freed at the next reap */
	struct ike_sa *changed_next;	/* e->changed, while change_queued */
	bool change_queued;
	/* In the engine's tables (ike_sa_reindex): by cookies, responders
	 * by (initiator cookie, peer address), by peer address and port. */
	struct htab_node ck_node, first_node, peer_node;
	struct ike_engine *eng;
	/* Admission accounting (ikesa.c sa_account): the class the SA is
	 * counted in, its source's bucket, and its place in the list of
	 * unproven responder exchanges (oldest first). */
	uint8_t acct;
	uint16_t src_slot;
	struct ike_sa *up_prev, *up_next;
	unsigned unproven_replies;	/* MM2/AM2 resent to an unproven peer */
	uint32_t serial;
	uint32_t cfg_gen;		/* the configuration it began under */
	enum evs_end_reason end_reason;	/* set when killed */
	char name[96];
	uint8_t cky_i[ISAKMP_COOKIE_LEN], cky_r[ISAKMP_COOKIE_LEN];
	bool initiator;
	uint8_t exch;			/* MAIN or AGGRESSIVE */
	enum ike_state state;
	struct ike_path path;
	const struct ike_peer *peer;	/* client role: the peer block */

	/* Phase 1: the scratch (freed when it ends) and what stays. */
	struct ike_p1 *p1;
	struct p1_xform chosen;
	bool have_chosen;
	uint8_t *id_peer;		/* the peer's ID payload body */
	size_t id_peer_len;
	struct isakmp_id peer_id;	/* decoded view of id_peer */
	struct ike_keys keys;
	bool have_keys;
	struct ike_iv iv;		/* Phase 1 running / last CBC block */
	struct ike_rexmit p1rx;
	uint32_t peer_vids;		/* bit per enum isakmp_vid */

	/* NAT-T (natt.c) */
	int natt_level;			/* 0 none, 1 draft, 2 RFC 3947 */
	bool nat_local;			/* we are behind a NAT */
	bool nat_remote;		/* the peer is */
	uint64_t keepalive_at;

	/* timers (ms) */
	uint64_t created;
	uint64_t established;
	uint64_t rekey_at;		/* client: start a new Phase 1 */
	uint64_t expire_at;		/* Phase 1 lifetime end */
	uint64_t last_rx;		/* any authenticated message */
	uint64_t dpd_next;		/* next DPD check */
	uint32_t dpd_seq;		/* our last R-U-THERE */
	unsigned dpd_unanswered;
	uint64_t dpd_first_probe;	/* ms: the first of the unanswered */
	uint64_t dpd_out_at;		/* ms: every probe unanswered (0: not) */
	bool dpd;			/* both sides support it */
	bool replaced;			/* a newer Phase 1 took over */

	struct ike_xchg *xchgs;
	unsigned n_xchgs;
	/* Every message id this SA used or accepted (open addressing, 0 =
	 * empty, grows to hold timers.message-ids-max): a replay is known for
	 * the SA's whole life, and so is one of our own messages reflected
	 * back at us. */
	uint32_t *ids;
	uint32_t ids_cap, ids_n;
	bool ids_full_logged;
	struct ike_conn *conns;

	/* session steps (session.c) */
	unsigned step;
	bool step_begun[EVS_MAX_STEPS];
	void *step_state[EVS_MAX_STEPS];
	struct evs_prefix inner;	/* the IPv4 one */
	bool have_inner;
	struct evs_prefix inner6;	/* the IPv6 one (mode config) */
	bool have_inner6;
	struct evs_prefix remote_nets[EVS_SESSION_MAX_NETS];
	unsigned n_remote_nets;
	char label[65];
	bool initial_contact;		/* received from the peer */
	/* Server role: what allows quick mode.  site: a no-xauth key (its
	 * selectors bound the quick modes); authorized: a step logged the
	 * user in and bound the selectors (check_ids); neither: none. */
	const struct ike_psk *site;
	bool authorized;
	char user[65];			/* the XAUTH user (takeovers) */
	bool adopting;			/* sa_state.c is filling it in */
};

struct ike_ratelimit {
	struct {
		uint8_t addr[16];
		uint64_t second;
		uint32_t count;
	} slot[256];
};

struct ike_stats {
	uint64_t rx, tx, rx_malformed, rx_dup, rx_unknown_sa, rx_rate_limited,
		 rx_half_open_full, rexmits, p1_ok, p1_failed, p2_ok, p2_failed,
		 dpd_dead, half_open_evicted, rx_source_full, unauth_refused,
		 rx_replay, xchg_refused;
	/* Peers whose DPD verdict waited for our own input queue to be read
	 * up to the time their probes ran out (ike_engine_input_read_until). */
	uint64_t dpd_backlog_waits;
	/* SAs the timer ticks visited (popped from the due-time heap
	 * because something of theirs was due): in all, and in the latest
	 * tick.  An idle SA adds nothing until one of its timers is due. */
	uint64_t timer_visits, last_tick_visits;
};

/* The counters of datagrams the engine did not process, each named once
 * for every report (control socket, metrics).  The first IKE_DROPS_ERRORS
 * are faults of the datagram; the rest are admission limits (refusals). */
struct ike_drop_counter {
	const char *name;
	size_t offset;		/* in struct ike_stats */
};
#define IKE_DROPS_ERRORS 4
#define IKE_DROPS_COUNT 8
extern const struct ike_drop_counter ike_drops[IKE_DROPS_COUNT];
uint64_t ike_drop_value(const struct ike_stats *s, const struct ike_drop_counter *d);

/* Per-source admission counters, by a keyed hash of the address (an
 * attacker cannot aim at another source's bucket). */
#define IKE_SRC_SLOTS 4096
struct ike_src_count {
	uint32_t half_open, unauth;
};

/* How many SAs began under one configuration (ike_engine_set_config). */
struct ike_cfg_use {
	uint32_t gen;
	unsigned n_sas;
};

struct ike_engine {
	const struct ike_config *ike;
	/* An SA keeps pointers into the configuration it began under (its
	 * key entry, peer block, the policies of its Phase 1), so a replaced
	 * configuration must outlive the SAs made under it: they are counted
	 * by generation.  Few entries: one per configuration still in use. */
	uint32_t cfg_gen;
	struct ike_cfg_use *cfg_uses;
	unsigned n_cfg_uses;
	enum evs_role role;
	const struct ike_engine_ops *ops;
	void *ops_arg;
	struct evs_session_hooks hooks;	/* post-Phase-1 steps, PSK lookup */
	uint64_t now;			/* ms, monotonic */
	uint64_t input_read_until;	/* see ike_engine_input_read_until */
	/* Every SA, walked only for what concerns them all: the timers, the
	 * shutdown, listings.  A datagram, a kernel event and a peer's
	 * delete find theirs in the tables below. */
	struct ike_sa *sas;
	/* The live SAs by the earliest time something of theirs is due: a
	 * tick visits only those due (lib/dueheap.h says why a heap). */
	struct dueh due;
	struct ike_sa *dead;		/* killed, freed by the next reap */
	/* Changed since the last report (ike_sa_changed), oldest first. */
	struct ike_sa *changed, **changed_tail;
	struct htab sa_ck;		/* by (initiator, responder cookie) */
	struct htab sa_first;		/* responders by (icookie, address) */
	struct htab sa_peer;		/* by peer address and port */
	struct htab xchgs;		/* exchanges by (SA, message id) */
	uint32_t next_serial;
	uint32_t next_conn_id;
	unsigned n_half_open;		/* responder SAs in Phase 1 */
	unsigned n_unauth;		/* responder SAs in the session steps */
	struct ike_src_count src[IKE_SRC_SLOTS];
	uint8_t src_key[16];
	struct ike_sa *up_head, *up_tail;	/* unproven, oldest first */
	struct ike_ratelimit rl;
	struct htab spis;		/* connections by (direction, SPI) */
	struct htab conn_ids;		/* connections by id */
	struct ike_stats stats;
	bool shutting_down;
	/* Sends to a dead SA's peer are still allowed (deletes). */
};

/* ---- the engine --------------------------------------------------------- */

struct ike_engine *ike_engine_new(const struct ike_config *ike,
				  enum evs_role role,
				  const struct ike_engine_ops *ops, void *arg);
/* Deletes every SA (delete notifies, kernel conns) and frees. */
void ike_engine_free(struct ike_engine *e);
/* Reload: new SAs (and every lookup from now on) use ike; the SAs that
 * began under the previous configuration keep pointers into it.  Returns
 * that configuration's generation, for ike_engine_config_in_use. */
uint32_t ike_engine_set_config(struct ike_engine *e, const struct ike_config *ike);
/* Does an SA (live, or killed and not yet freed) still point into the
 * configuration of generation gen?  The current one always does. */
bool ike_engine_config_in_use(const struct ike_engine *e, uint32_t gen);
void ike_engine_set_time(struct ike_engine *e, uint64_t now_ms);
/* Every datagram that reached our sockets before t_ms has been read into
 * the engine.  A gateway behind on its input (a reconnect storm) would
 * otherwise declare peers dead whose answers sit unread in its own queue:
 * DPD's verdict waits until the input is read up to the time the probes
 * ran out, for at most IKE_DPD_BACKLOG_MAX_MS.  Never called: no wait. */
void ike_engine_input_read_until(struct ike_engine *e, uint64_t t_ms);
/* Bounds what a flood that keeps our queue from ever emptying can make
 * dead peers' SAs hold: charon's whole DPD window is about this long. */
#define IKE_DPD_BACKLOG_MAX_MS 120000
/* A received datagram (marker already stripped when path->natt). */
void ike_engine_input(struct ike_engine *e, const struct ike_path *path,
		      const uint8_t *buf, size_t len);
/* Run due timers (only the SAs with something due are visited); returns
 * ms until the next one (>= 1, at most IKE_TICK_MAX_MS). */
#define IKE_TICK_MAX_MS 60000
/* An SA whose due timer waits on a passing condition (a rekey under way)
 * is visited at this rate until it fires: the old fixed tick. */
#define IKE_TICK_MIN_MS 250
uint64_t ike_engine_tick(struct ike_engine *e);
/* When the next timer is due (ms, the engine's clock; 0 = none).  A
 * caller that sleeps between ticks wakes by then: a datagram or a call
 * may have set a timer earlier than the tick it scheduled. */
uint64_t ike_engine_next_due(const struct ike_engine *e);
/* Client role: start Phase 1 to a configured peer from local address. */
struct ike_sa *ike_engine_connect(struct ike_engine *e,
				  const struct ike_peer *peer,
				  const struct sockaddr_storage *local);
/* The same to another gateway of the peer (a backup server). */
struct ike_sa *ike_engine_connect_to(struct ike_engine *e, const struct ike_peer *peer,
				     const struct sockaddr_storage *local,
				     const struct sockaddr_storage *remote);
/* Send deletes for everything and remove it from the kernel. */
void ike_engine_shutdown(struct ike_engine *e);
/* Kernel events (kernel.c decodes them). */
void ike_engine_sa_expired(struct ike_engine *e, uint32_t spi, uint8_t dir,
			   bool hard);
void ike_engine_conn_gone(struct ike_engine *e, uint32_t conn_id);

/* The admission counts agree with a walk of the SA table (tests). */
bool ike_engine_counts_ok(const struct ike_engine *e);

/* ---- shared by the exchange modules -------------------------------------- */

/* The admission counters of a source address's bucket. */
struct ike_src_count *ike_src_count(struct ike_engine *e,
				    const struct sockaddr *a);

struct ike_sa *ike_sa_new(struct ike_engine *e, bool initiator,
			  const struct ike_path *path);
/* Mark dead (freed at the next tick); removes its conns from the kernel
 * when del_conns, sends an ISAKMP delete when notify and keys exist. */
void ike_sa_kill(struct ike_sa *sa, enum evs_end_reason reason, const char *why,
		 bool notify, bool del_conns);
void ike_sa_set_state(struct ike_sa *sa, enum ike_state st);
/* Re-key sa in the engine's due-time heap after setting any timer of it,
 * of its connections or exchanges, or moving a connection to it.  Every
 * path that sets a timer earlier must call it (a later one only costs
 * one early visit). */
void ike_sa_rearm(struct ike_sa *sa);
/* What a restart keeps of sa changed: ops->sa_changed, once per SA at
 * the end of the engine call that changed it (a datagram, a tick, a
 * kernel event: everything it changed is one record), or at the next
 * ike_engine_report_changes() for changes made outside the engine's
 * entry points (a step's verdict arriving). */
void ike_sa_changed(struct ike_sa *sa);
/* Report the changes queued by ike_sa_changed() now, in the order they
 * were first queued; the daemon calls it before it sleeps. */
void ike_engine_report_changes(struct ike_engine *e);
struct ike_sa *ike_sa_find(struct ike_engine *e, const uint8_t *icky,
			   const uint8_t *rcky);
/* After the SA's cookies or its peer's address changed: its place in the
 * engine's tables and its name follow. */
void ike_sa_reindex(struct ike_sa *sa);
/* Phase 1 ended: its scratch goes (sa->p1 NULL from then on). */
void ike_sa_p1_free(struct ike_sa *sa);
/* Responder SAs whose first message had icky and came from addr. */
struct ike_sa *ike_sa_first_find(struct ike_engine *e, const uint8_t *icky,
				 const struct sockaddr *addr);
/* The first live SA but sa at sa's peer address and port that match
 * accepts (in no particular order). */
struct ike_sa *ike_sa_same_peer(struct ike_sa *sa,
				bool (*match)(const struct ike_sa *o,
					      const struct ike_sa *sa, void *arg),
				void *arg);
/* Does sa hold a connection that is in the kernel? */
bool ike_sa_has_installed_conn(const struct ike_sa *sa);

/* Send a built message for the Phase 1 exchange / an exchange; keeps it
 * for retransmission (awaiting) and duplicate answers. */
int ike_sa_send_p1(struct ike_sa *sa, struct isakmp_buf *msg, bool awaiting);
int ike_xchg_send(struct ike_sa *sa, struct ike_xchg *x,
		  struct isakmp_buf *msg, bool awaiting);
int ike_send_raw(struct ike_sa *sa, const uint8_t *buf, size_t len);
void ike_rexmit_clear(struct ike_rexmit *r);

struct ike_xchg *ike_xchg_find(struct ike_sa *sa, uint32_t msgid);
/* Has the SA used or accepted this message id before? */
bool ike_msgid_seen(const struct ike_sa *sa, uint32_t msgid);
/* Remember it for the SA's life; -1 when the memory is full. */
int ike_msgid_remember(struct ike_sa *sa, uint32_t msgid);
/* The same for a message that carries only DPD notifies, without telling
 * ops->sa_changed: the id goes to the session record with the next real
 * change.  Written for every probe, the record was rewritten (JSON,
 * fsync) 200-300 times a second with 1,000 sessions and DPD every 10 s;
 * losing such an id in a restart only lets a replayed probe be answered
 * again (a replayed R-U-THERE-ACK has a sequence below the restored one,
 * IKE_DPD_SEQ_BLOCK).  ike_msgid_new_dpd: a fresh
 * id of ours remembered so; 0 when the memory is full. */
int ike_msgid_remember_dpd(struct ike_sa *sa, uint32_t msgid);
uint32_t ike_msgid_new_dpd(struct ike_sa *sa);
/* A new exchange; msgid 0 = pick a fresh one (remembered at once).  IV
 * from Phase 1.  NULL beyond timers.exchanges-max (informational
 * exchanges, freed right after their one message, are not counted). */
struct ike_xchg *ike_xchg_new(struct ike_sa *sa, uint32_t msgid, uint8_t type);
void ike_xchg_free(struct ike_sa *sa, struct ike_xchg *x);
/* Before a connection is freed: quick modes that rekey it forget it. */
void ike_sa_conn_forget(struct ike_sa *sa, const struct ike_conn *c);

/* Header for a message of this SA. */
void ike_sa_hdr(const struct ike_sa *sa, struct isakmp_hdr *h, uint8_t exch,
		uint32_t msgid, uint8_t flags);
/* HASH-first encrypted message helpers: verify the HASH payload of a
 * decrypted informational/transaction message (prf(SKEYID_a, M-ID | rest)). */
int ike_verify_msgid_hash(const struct ike_sa *sa, const struct isakmp_msg *m);
/* Build + encrypt + send a HASH, payloads... message in exchange x:
 * fill() adds the payloads after HASH. */
typedef void (*ike_fill_fn)(struct isakmp_bld *b, void *arg);
int ike_send_hashed(struct ike_sa *sa, struct ike_xchg *x, uint8_t exch,
		    ike_fill_fn fill, void *arg, bool awaiting);

/* Bytes of a payload chain after payload p up to the last payload's end. */
const uint8_t *ike_after_payload(const struct isakmp_msg *m,
				 const struct isakmp_payload *p, size_t *len);

/* Owned byte copies. */
uint8_t *ike_memdup(const void *p, size_t n);
void ike_free_bytes(uint8_t **p, size_t *n);

/* Address helpers. */
size_t ike_sa_addr(const struct sockaddr *sa, const uint8_t **addr,
		   uint16_t *port);
/* evs_sockaddr_str() with the port: "192.0.2.1[500]". */
void ike_addr_str(const struct sockaddr *sa, char *out, size_t n);
bool ike_addr_eq(const struct sockaddr *a, const struct sockaddr *b);

/* Session steps (session.c). */
void evs_session_phase1_done(struct ike_sa *sa);
void evs_session_input_cfg(struct ike_sa *sa, struct ike_xchg *x,
		       const struct isakmp_msg *m);
void evs_session_end(struct ike_sa *sa);
void evs_session_child_up(struct ike_sa *sa, uint32_t conn_id);
/* The steps' verdict on a quick mode's identities (server role): 0 or
 * the notify to refuse with (why filled). */
uint16_t evs_session_check_ids(struct ike_sa *sa, const struct evs_prefix *idci,
			   const struct evs_prefix *idcr, struct evs_err *why);
void evs_session_child_down(struct ike_sa *sa, uint32_t conn_id);
/* Server role: sa carries on the session of old, an older SA of the same
 * principal (phase2.c conn_take_session): may it (the steps' verdict: 0,
 * or -1 with why), and then the steps move what they hold of it. */
int evs_session_may_take_over(struct ike_sa *sa, struct ike_sa *old,
			      struct evs_err *why);
void evs_session_take_over(struct ike_sa *sa, struct ike_sa *old);
/* The Phase 2 selectors a client session proposes: every local x every
 * remote prefix gets its own quick mode (at most EVS_SESSION_MAX_NETS
 * of each). */
void evs_session_p2_selectors(const struct ike_sa *sa, struct evs_prefix *local,
			  unsigned *n_local, struct evs_prefix *remote,
			  unsigned *n_remote);
const struct secret *evs_session_psk_lookup(const struct ike_engine *e,
					const struct isakmp_id *id,
					const struct sockaddr *peer);

#endif
