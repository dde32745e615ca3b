/* SPDX-License-Identifier: MIT */
/*
 * evsd: the daemon's parts as main.c wires them, for the few functions
 * that act on the daemon as a whole (reload.c).
 */
#ifndef EVSD_EVSD_H
#define EVSD_EVSD_H

#include <stdbool.h>
#include <stdint.h>

#include "evsd/config.h"
#include "evsd/ctl_cmds.h"
#include "evsd/metrics.h"
#include "evsd/net.h"
#include "evsd/state.h"
#include "lib/err.h"

/* A configuration replaced by a reload, kept while SAs made under it
 * may still point into it (ike_engine_config_in_use). */
struct evsd_retired {
	struct evsd_retired *next;
	struct evsd_config cfg;
	uint32_t gen;
};

struct evsd {
	struct evsd_config cfg;
	enum evs_role role;
	struct loop *loop;
	struct net net;
	struct kernel *kernel;
	struct ike_engine *eng;
	int sig_fd;
	struct ctl *ctl;
	struct ctl_cmds ctl_cmds;	/* the control socket's commands */
	struct rri *rri;		/* gateway with groups: RRI, counters */
	struct client_host *host;	/* client role: the host's setup */
	struct client_ctl *client;	/* client role: connect control */
	struct rri *client_rri;		/* client role: SA counters for it */
	struct ezv *ezv;		/* the Easy VPN steps */
	struct evsd_dae *dae;		/* RADIUS Disconnect/CoA socket */
	struct metrics *metrics;	/* metrics-file, when configured */
	struct metrics_src metrics_src;	/* what it reports, for a reload */
	uint64_t next_connect;		/* client: (re)connect attempts */
	/* The tick (main.c on_tick): its loop timer and when it runs.  It
	 * sleeps until the engine's or ezv's next due time; tick_rearm
	 * brings it forward when input set an earlier one. */
	unsigned tick_id;
	uint64_t tick_at;
	struct evsd_retired *retired;	/* replaced configurations */
	bool debug;			/* -d: the log level is not the file's */
	struct state state;		/* session records for restarts */
	const char *state_dir;
	bool keep_sessions;		/* exit without ending the sessions */
	struct ha *ha;			/* ha { }: the active/standby pair */
	/* The loop callbacks of the IKE sockets and of the AAA worker's
	 * descriptor (main.c), for the ones a reload opens. */
	void (*on_net)(int fd, void *arg);
	void (*on_ezv)(int fd, void *arg);
};

/* Re-read the whole configuration (SIGHUP, `evsadm reload`) from
 * d->cfg.path.  A configuration with an error changes nothing: -1 with
 * err ("file:line: reason"), logged with the note that the running
 * configuration stays.  Otherwise new sessions get the new policies,
 * keys, groups, users, pools, RADIUS servers and listen addresses at
 * once; live sessions go on, but for those whose group, local user or
 * pool address is gone, which are disconnected (EVS_END_RELOAD, one log
 * line each).  The device and the daemon's role cannot change.  0 on
 * success. */
int evsd_reload(struct evsd *d, struct evs_err *err);
/* Free the replaced configurations no SA uses any more (from the tick);
 * all of them when force (shutdown, after the engine is gone). */
void evsd_retired_sweep(struct evsd *d, bool force);

#endif
