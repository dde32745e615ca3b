/* SPDX-License-Identifier: MIT */
/*
 * config: /etc/evs/evsd.conf as evsd loads it: the file parsed into a
 * directive tree (lib/conftree.h, grammar there and in
 * Documentation/evsd.conf.5), then interpreted section by section:
 *   ike/engine/ike_config.c   policies, transform sets, keys, peers, pki,
 *                             timers, listen, device, logging
 *   ezv/config_easyvpn.c      groups, users, pools, RADIUS, ...
 *   evsd/metrics.c            metrics-file, -interval, -sessions
 *   evsd/ha.c                 ha { } (the active/standby pair)
 * and any directive nobody claimed is an error.
 */
#ifndef EVSD_CONFIG_H
#define EVSD_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "evsd/ha.h"
#include "evsd/metrics.h"
#include "ezv/config_easyvpn.h"
#include "ike/engine/ike_config.h"
#include "lib/conftree.h"

#define EVSD_CONF_PATH "/etc/evs/evsd.conf"

struct evsd_config {
	char *path;
	struct cfg_node *tree;		/* kept until evsd_config_free */
	struct ike_config ike;
	struct easyvpn_config *easyvpn;	/* the Easy VPN sections */
	struct metrics_config metrics;
	struct ha_config ha;		/* the ha { } block (ha.c) */
};

/* Parse path, interpret the IKE and the Easy VPN sections, then
 * cfg_check_unused.  On error everything is freed, *cfg is zeroed and
 * *err says file:line: reason. */
int evsd_config_load(const char *path, struct evsd_config *cfg,
		     struct evs_err *err);
void evsd_config_free(struct evsd_config *cfg);

/* What evsd refuses at start in a loaded configuration for its role: a
 * gateway (client false) without any isakmp policy, a client without a
 * peer block.  0, or -1 with *err set. */
int evsd_config_check_role(const struct evsd_config *cfg, bool client,
			   struct evs_err *err);

/* `evsd [--client] --check-config [-c path]`: load, run
 * evsd_config_check_role and the Easy VPN sections' check, print "path:
 * ok" and a one-line summary (policies, transform sets, peers, groups,
 * pools, users) to out, or the error to errout.  Returns the process exit
 * status (0 / 1). */
int evsd_check_config(const char *path, bool client, FILE *out, FILE *errout);

#endif
