/* SPDX-License-Identifier: MIT */
/*
 * ctl_cmds: the control socket's commands on the engine and the Easy VPN
 * module (Documentation/control-socket.md):
 *	ike-sa-show   every ISAKMP SA and its Phase 2 connections
 *	daemon-show   version, uptime, sessions, counters, refusals
 *	session-show  gateway sessions (filters: user, group, address, id)
 *	session-del   end gateway sessions (user, address or id)
 *	pool-show     address pools: size, used, free
 * ("reload" is main.c's: it owns the configuration.)
 */
#ifndef EVSD_CTL_CMDS_H
#define EVSD_CTL_CMDS_H

#include <stdint.h>
#include <time.h>

struct ctl;
struct ike_engine;
struct ezv;

struct ctl_cmds {
	struct ike_engine *eng;
	struct ezv *ezv;		/* NULL: no Easy VPN module */
	uint64_t start_ms;		/* loop clock at start-up */
	time_t start_wall;		/* the same moment, wall clock */
	const char *role;		/* "server", "client" */
};

/* Register the commands above on c; cmds must outlive c. */
int ctl_cmds_register(struct ctl *c, struct ctl_cmds *cmds);

#endif
