/* SPDX-License-Identifier: MIT */
/*
 * failover: which gateway a client peer block connects to.  The list is
 * the block's `server` lines (the first is the primary) followed by the
 * backup servers the gateway pushed in mode config (Unity 28681, IPv4
 * or IPv6 addresses; names are skipped: evsd resolves nothing), without
 * duplicates.  A session that ends without ever finishing Phase 1 for a
 * protocol failure or a timeout (the gateway did not answer), or that DPD
 * declares dead, moves the peer to the next gateway of the list (after
 * the last, the primary again).  `return-to-primary after SECONDS`: a
 * session on another gateway that has been up that long is ended so the
 * primary is tried again (if it does not answer, the list goes on).
 *
 * The list and the gateway in use outlive a restart of evsd: client_ctl.c
 * writes them to a root-only file in the state directory whenever they
 * change and gives them back with failover_restore().
 *
 * No I/O and no clock of its own: times are passed in (ms).
 */
#ifndef EVSD_FAILOVER_H
#define EVSD_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "ike/engine/ike_config.h"
#include "ike/engine/session.h"

#define FAILOVER_MAX 12		/* 4 configured + 8 pushed */
#define FAILOVER_PUSHED_MAX 8

struct failover {
	struct sockaddr_storage gw[FAILOVER_MAX];	/* IPv4 or IPv6 */
	unsigned n, n_config;
	unsigned cur;
	uint64_t up_since;		/* ms: the current session's start, 0 = none */
};

/* The configured servers of p (its primary first). */
void failover_init(struct failover *f, const struct ike_peer *p);
/* The pushed list (comma- or space-separated) replaces the previous
 * pushed entries; the port is the primary's.  The gateway in use stays in
 * the list (at its end when the new list lacks it).  Returns how many
 * pushed entries it kept. */
unsigned failover_set_pushed(struct failover *f, const char *list);
/* The list a previous evsd kept (client_ctl.c's state file): gw[0..n)
 * with the first n_config its configured servers, cur the one in use.
 * Taken only when those are p's servers now, in order, and the rest is
 * what failover_set_pushed() could have made (at most
 * FAILOVER_PUSHED_MAX + 1 further entries, no duplicates, no 0.0.0.0 or
 * broadcast, cur inside); 0, or -1 with f as failover_init() leaves it. */
int failover_restore(struct failover *f, const struct ike_peer *p,
		     const struct sockaddr_storage *gw, unsigned n, unsigned n_config,
		     unsigned cur);
/* The gateway to connect to now. */
const struct sockaddr_storage *failover_current(const struct failover *f);
/* A gateway's port, network byte order. */
uint16_t failover_gw_port(const struct sockaddr_storage *a);
/* A session of the peer is up (its first connection) at now. */
void failover_up(struct failover *f, uint64_t now);
/* A session of the peer ended: established says whether Phase 1 was
 * ever completed.  true when the peer moved on to the next gateway. */
bool failover_ended(struct failover *f, bool established, enum evs_end_reason r);
/* Is it time to end the session on a backup and try the primary
 * (return_after: seconds, 0 = never)?  When true, the peer is set back
 * to the primary. */
bool failover_return_due(struct failover *f, uint32_t return_after, uint64_t now);

#endif
