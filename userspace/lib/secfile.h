/* SPDX-License-Identifier: MIT */
/*
 * Files that hold secrets (evsd.conf: group keys, RADIUS secrets; the
 * user database: password hashes) are checked on their open descriptor,
 * the way ssh checks its keys:
 *   - refused when a user other than root or ourselves owns it, or when
 *     its group or others may write it (anyone who can change it can
 *     change keys and users);
 *   - a loud warning (on every load) when its group or others may read it.
 */
#ifndef EVS_LIB_SECFILE_H
#define EVS_LIB_SECFILE_H

#include <stddef.h>

#include "lib/err.h"

/* 0: fine; 1: loads, but log the warning in err loudly; -1: refused,
 * the reason in err. */
int evs_secret_file_check(int fd, const char *path, struct evs_err *err);

/* The same, with the warning logged (evs_warn): 0 loads, -1 refused
 * (the reason in @err, when given). */
int evs_secret_file_vet(int fd, const char *path, struct evs_err *err);

#endif
