/* SPDX-License-Identifier: MIT */
/*
 * config_easyvpn: the Easy VPN sections of evsd.conf (user-database, aaa,
 * xauth, pool, group, user) into struct easyvpn_config
 * (easyvpn_policy.h), hung off struct evsd_config.easyvpn.
 *
 * evsd's main() calls config_easyvpn_register() before
 * evsd_config_load() (a constructor would be lost: libevsd.a members are
 * only linked when referenced).
 */
#ifndef EVSD_CONFIG_EASYVPN_H
#define EVSD_CONFIG_EASYVPN_H

#include "evsd/config.h"

extern const struct config_ext config_easyvpn_ext;
void config_easyvpn_register(void);

#endif
