/* SPDX-License-Identifier: MIT */
/*
 * client_ctl: connect control of the client role (`evsadm client ...`,
 * Documentation/control-socket.md):
 *	client-show        each peer block: state, its gateways (configured
 *	                   and pushed, the one in use), assigned address,
 *	                   what the gateway pushed, the inbound filter,
 *	                   bytes each way, since when
 *	client-connect     bring a peer up (and keep it up)
 *	client-disconnect  take it down (and keep it down)
 *	client-xauth       the user name and password typed for a peer that
 *	                   waits for XAUTH
 *
 * A peer block's `connect auto` (default) is wanted up from the start,
 * `connect manual` only after client-connect; client-disconnect keeps
 * either down until client-connect.  The daemon's keep-up loop asks
 * client_ctl_wanted() before each attempt.
 */
#ifndef EVSD_CLIENT_CTL_H
#define EVSD_CLIENT_CTL_H

#include <stdbool.h>

struct ctl;
struct ezv;
struct ike_config;
struct ike_engine;
struct ike_peer;
struct ike_sa;
struct modecfg;
struct sockaddr_storage;
struct rri;

struct client_ctl;

/* ike: the running configuration (a reload changes it in place).  rri:
 * where the SA counters are read (NULL: no byte counts).  kick(arg): a
 * peer was asked up; connect now rather than at the next attempt. */
struct client_ctl *client_ctl_new(struct ike_engine *eng, struct ezv *ezv,
				  const struct ike_config *ike, struct rri *rri,
				  void (*kick)(void *arg), void *arg);
void client_ctl_free(struct client_ctl *c);
/* The state directory (state.h) where the gateway lists are kept across
 * restarts (CLIENT_CTL_STATE_FILE): read now, each configured peer whose
 * servers are unchanged taking its list and gateway in use back, and
 * written whenever a list or the gateway in use changes. */
struct state;
#define CLIENT_CTL_STATE_FILE "client-gateways.state"
void client_ctl_set_state(struct client_ctl *c, struct state *st);
/* Where client-show reads the state of the inbound filter (NULL: none). */
struct client_host;
void client_ctl_set_host(struct client_ctl *c, const struct client_host *h);
/* Register the commands above on ctl; 0 or -1 (table full). */
int client_ctl_register(struct ctl *ctl, struct client_ctl *c);
/* Should peer p be connected now? */
bool client_ctl_wanted(const struct client_ctl *c, const struct ike_peer *p);

/* Backup servers (evsd/client/failover.h).  The gateway p connects to
 * now: its configured servers, then those its gateway pushed. */
bool client_ctl_gateway(struct client_ctl *c, const struct ike_peer *p,
			struct sockaddr_storage *out);
/* A session's first connection is up (pushed: its mode config or NULL);
 * a session ended (the engine's client_end hook). */
void client_ctl_session_up(struct client_ctl *c, struct ike_sa *sa,
			   const struct modecfg *pushed);
void client_ctl_session_end(struct client_ctl *c, struct ike_sa *sa);
/* return-to-primary: ends a session on a backup when it is due. */
void client_ctl_tick(struct client_ctl *c);

#endif
