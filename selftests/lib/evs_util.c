// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the evs selftests: module loading, shell-outs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "evs_nl.h"

int evs_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n, status;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -1;
	status = system(cmd);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int evs_ensure_module(void)
{
	const char *top = getenv("EVS_TOP");

	if (access("/sys/module/evs", F_OK) == 0)
		return 0;
	if (!top) {
		fprintf(stderr, "evs module not loaded and EVS_TOP not set\n");
		return -1;
	}
	if (evs_sh("insmod '%s/kernel/evs.ko'", top) != 0) {
		fprintf(stderr, "insmod %s/kernel/evs.ko failed\n", top);
		return -1;
	}
	return 0;
}
