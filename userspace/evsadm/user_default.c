// SPDX-License-Identifier: MIT
/*
 * WEAK DEFAULT for `evsadm user ...` -- replaced by evsadm/user.c (owned by
 * the evsd side, "ike-server").  When user.c defines evsadm_user(), its
 * strong definition wins: user.o sorts before user_default.o in
 * libevsadm.a, so the linker takes user.o's symbol first.  Delete this file
 * once user.c is in the tree.
 */
#include <stdio.h>

#include "evsadm/evsadm.h"

__attribute__((weak)) int evsadm_user(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "evsadm: user database support not built\n");
	return EVSADM_EXIT_FAIL;
}
