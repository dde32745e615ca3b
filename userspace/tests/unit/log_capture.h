/* SPDX-License-Identifier: MIT */
/* The daemon log captured for a test to look into: hook unit_log_hook
 * (evsd_log_set_hook(unit_log_hook, NULL)) and clear unit_logged first;
 * it then holds the lines, each ending in '\n', as far as they fit. */
#ifndef EVS_UNIT_LOG_CAPTURE_H
#define EVS_UNIT_LOG_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include "lib/daemon_log.h"

static char unit_logged[16384];

static void unit_log_hook(enum evsd_log_level level, const char *msg, void *arg)
{
	size_t n = strlen(unit_logged);

	(void)level;
	(void)arg;
	snprintf(unit_logged + n, sizeof(unit_logged) - n, "%s\n", msg);
}

#endif
