/* SPDX-License-Identifier: MIT */
/*
 * ike_conf: an evsd.conf file's IKE sections for tests of the layers
 * below the daemon (the daemon's loader, evsd/config.c, also runs the
 * Easy VPN sections and refuses directives nobody claimed).
 */
#ifndef EVS_TEST_IKE_CONF_H
#define EVS_TEST_IKE_CONF_H

#include <string.h>

#include "ike/engine/ike_config.h"
#include "lib/conftree.h"

struct ike_conf {
	struct cfg_node *tree;
	struct ike_config ike;
};

static inline void ike_conf_free(struct ike_conf *c)
{
	ike_config_free(&c->ike);
	cfg_free(c->tree);
	memset(c, 0, sizeof(*c));
}

static inline int ike_conf_load(const char *path, struct ike_conf *c,
				struct evs_err *err)
{
	memset(c, 0, sizeof(*c));
	c->tree = cfg_parse_file(path, err);
	if (!c->tree)
		return -1;
	if (ike_config_load(c->tree, &c->ike, err) < 0) {
		ike_conf_free(c);
		return -1;
	}
	return 0;
}

#endif
