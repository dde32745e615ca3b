/* SPDX-License-Identifier: MIT */
/*
 * phase2: quick mode (RFC 2409 §5.5) and the Phase 2 connections it keys.
 *
 *   initiator   QM_I_SENT (QM1 out: HASH(1), SA, Ni [, KE] [, IDci, IDcr])
 *               -QM2-> QM3 out, SA pair installed, QM_DONE
 *   responder   QM2 out (HASH(2), SA, Nr [, KE] [, IDs] [, RESPONDER-
 *               LIFETIME]) QM_R_SENT -QM3-> SA pair installed, QM_DONE
 *
 * The client offers every permutation of its transform sets; PFS with the
 * configured group; the two unidirectional ESP SAs are keyed from KEYMAT
 * (our inbound SA with our SPI) and installed as one kernel connection
 * with its in/out policies.  A connection is rekeyed by its initiator
 * before the kernel's soft expiry and moved to a new ISAKMP SA when
 * Phase 1 is renewed; the replaced SA pair is deleted (with a delete
 * notify) a few seconds later, so traffic never waits for keys.
 */
#ifndef EVSD_PHASE2_H
#define EVSD_PHASE2_H

#include "ike/engine/ikesa.h"
#include "lib/prefix.h"

/* Client: quick mode for selectors (our view) on a READY SA; conn =
 * NULL for a new connection, else a rekey of it. */
int qm_initiate(struct ike_sa *sa, const struct evs_prefix *local,
		const struct evs_prefix *remote, struct ike_conn *conn);
/* Client: start every connection the session wants (after the steps). */
void qm_start_all(struct ike_sa *sa);
/* A decrypted quick mode message of exchange x (new or known). */
/* 0 accepted; -1 refused (logged; the exchange state is unchanged). */
int qm_input(struct ike_sa *sa, struct ike_xchg *x, const struct isakmp_msg *m);
/* Free x's quick mode; a pair it put in the kernel and never made a
 * connection's goes out of the kernel. */
void qm_release(struct ike_sa *sa, struct ike_xchg *x);
/* Timers: rekeys, deferred deletes of replaced SA pairs. */
void conn_tick(struct ike_sa *sa);
/* Free a connection that is out of every list and index. */
void conn_free(struct ike_conn *c);
/* Install c's current pair (its kept keys) into this kernel: a standby
 * takes the session over (Documentation/ha.md).  0, or -1 when c has no
 * keys or the kernel refused. */
int conn_reinstall(struct ike_sa *sa, struct ike_conn *c, uint64_t oseq, uint64_t iseq);
/* Remove a connection from the kernel and free it. */
void conn_remove(struct ike_sa *sa, struct ike_conn *c, bool notify);
struct ike_conn *conn_find_spi(struct ike_sa *sa, uint32_t spi, bool either);
/* A kernel soft/hard expiry of one of our SAs. */
void conn_expired(struct ike_sa *sa, struct ike_conn *c, bool hard);
/* Move every connection of old to sa (Phase 1 renewal) and rekey them. */
void conn_adopt(struct ike_sa *sa, struct ike_sa *old);
/* Server role: the peer renewed Phase 1 and sa, READY, is the newer ISAKMP
 * SA of the same principal (the same address and port, identity and
 * logged-in user, or site-to-site key): it takes over the connections of
 * the older one and, when the steps agree, its session (lease, accounting,
 * DPD); the older one is marked replaced.  true when something moved. */
bool conn_take_session(struct ike_sa *sa);
/* The same from the older side: o's lifetime ends; a newer READY SA of
 * the same principal takes its connections and session over. */
bool conn_hand_over(struct ike_sa *o);

/* ID payload body <-> prefix. */
int p2_id_to_prefix(const struct isakmp_id *id, struct evs_prefix *p);
#define P2_ID_BUF 32	/* an IPv6 address and its mask */
void p2_prefix_to_id(const struct evs_prefix *p, struct isakmp_id *id,
		     uint8_t buf[P2_ID_BUF]);

#endif
