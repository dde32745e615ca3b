/* SPDX-License-Identifier: MIT */
/*
 * Replacing a file whole: written under a temporary name in the same
 * directory, flushed to disk, then renamed over the old one, so a reader
 * (or a restart after a crash) finds the old contents or the new, never a
 * part.  A temporary file left by a kill starts with ".tmp".
 */
#ifndef EVS_LIB_FILE_H
#define EVS_LIB_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

#include <stdbool.h>

/* How the new file is made. */
struct evs_file_attrs {
	mode_t mode;
	gid_t gid;		/* its group; (gid_t)-1: the creator's */
	bool no_sync;		/* no fsync: a file rewritten often, whose
				 * loss in a crash costs nothing */
};

/* @len bytes of @data as @path, made as @a says.  On failure -1, errno and
 * a message that names @path in @e; nothing is left under a temporary name. */
int evs_file_replace(const char *path, const void *data, size_t len,
		     const struct evs_file_attrs *a, struct evs_err *e);

#endif
