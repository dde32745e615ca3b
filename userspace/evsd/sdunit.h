/* SPDX-License-Identifier: MIT */
/*
 * sdunit: what systemd is doing to evsd's unit.  systemd sends SIGTERM
 * both for `systemctl stop` and for `systemctl restart` (and a package
 * upgrade's restart), and tells the process nothing more; the unit's
 * pending job, read over D-Bus, does.
 */
#ifndef EVSD_SDUNIT_H
#define EVSD_SDUNIT_H

#include <stdbool.h>

/* Under systemd, is our unit's job a restart (so the sessions stay for
 * the next evsd)?  false when not under systemd, when it is a stop, or
 * when systemd cannot be asked (why says which, for the log). */
bool sdunit_restarting(const char **why);

#endif
