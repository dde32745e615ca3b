/* SPDX-License-Identifier: MIT */
/*
 * config_easyvpn: the Easy VPN sections of evsd.conf (user-database, aaa,
 * xauth, pool, group, user) into struct easyvpn_config
 * (easyvpn_policy.h).
 */
#ifndef EVS_CONFIG_EASYVPN_H
#define EVS_CONFIG_EASYVPN_H

#include <stddef.h>

#include "lib/conftree.h"

struct easyvpn_config;
struct ike_config;

/* Interpret the Easy VPN directives of root (marking them used) into a
 * new *out.  0, or -1 with *err = "file:line: reason" and *out NULL. */
int easyvpn_config_load(struct cfg_node *root, struct easyvpn_config **out,
			struct evs_err *err);
/* Frees c and everything it holds; NULL is fine. */
void easyvpn_config_destroy(struct easyvpn_config *c);
/* What evsd would still refuse at start: the user database must load (a
 * missing file is allowed).  Appends ", N groups, N pools, N users" to
 * sum.  0, or -1 with *err set.  NULL c: 0. */
int easyvpn_config_check(const struct easyvpn_config *c, char *sum,
			 size_t len, struct evs_err *err);

/* What cfg takes from the IKE part when it does not say: NAS-IP-Address
 * is the first IPv4 listen address.  After loading (ezv_init does it too). */
void ezv_config_defaults(const struct ike_config *ike, struct easyvpn_config *cfg);

#endif
