/* SPDX-License-Identifier: MIT */
/*
 * metrics: every metrics-interval seconds evsd takes a snapshot of its
 * counters (the IKE engine, the Easy VPN module and its pools, each
 * logged-in session's traffic, the evs device's counters) and writes it,
 * in the Prometheus text format (prom.c), to metrics-file: a temporary
 * file in the same directory, mode 0640 with the configured group, then
 * rename(2) over the old one, so a reader (the node exporter's textfile
 * collector) sees a whole file or the previous one, never half of one.
 * No socket is opened for it: a gateway faces the internet, and the node
 * exporter already serves, authenticates and encrypts scrapes.  A clean
 * stop removes the file, so that stopped counters are not served as live.
 */
#ifndef EVSD_METRICS_H
#define EVSD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/conftree.h"
#include "lib/err.h"

#define METRICS_INTERVAL_DEFAULT 15	/* seconds */
#define METRICS_INTERVAL_MAX 3600

/* metrics-file PATH [group NAME], metrics-interval SECONDS,
 * metrics-sessions yes|no (Documentation/evsd.conf.5). */
struct metrics_config {
	char *file;			/* NULL: no metrics */
	gid_t gid;			/* the file's group; (gid_t)-1: its directory's */
	unsigned interval;		/* seconds */
	bool sessions;			/* per-session series */
};

/* Claim and check the metrics directives of the tree (file:line errors). */
int metrics_config_load(struct cfg_node *root, struct metrics_config *mc,
			struct evs_err *err);
void metrics_config_free(struct metrics_config *mc);

/* Write len bytes of text to path atomically: a new file beside it
 * (O_EXCL, never through a planted link), mode 0640, group gid (or the
 * directory's when (gid_t)-1), renamed over path.  0, or -1 with err. */
int metrics_write_file(const char *path, gid_t gid, const char *text, size_t len,
		       struct evs_err *err);

struct loop;
struct ike_engine;
struct ezv;
struct kernel;

/* Where the figures come from; ezv and kernel may be NULL. */
struct metrics_src {
	struct ike_engine *eng;
	struct ezv *ezv;
	struct kernel *kernel;
	const char *device;
	uint64_t start_time;		/* evsd's start, seconds since the epoch */
};

struct metrics;
/* Writes the file now and then every interval; NULL when mc has no file
 * (or out of memory, logged).  mc is copied: a new configuration (reload)
 * takes effect with metrics_stop() and metrics_start() in one go. */
struct metrics *metrics_start(struct loop *l, const struct metrics_config *mc,
			      const struct metrics_src *src);
/* Stops the timer and removes the file. */
void metrics_stop(struct metrics *m);

#endif
