// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int evs_file_replace(const char *path, const void *data, size_t len,
		     const struct evs_file_attrs *a, struct evs_err *e)
{
	const char *slash = strrchr(path, '/');
	char tmp[4200];
	int fd, err;

	/* The directory's part of @path, then ".tmp.BASE.XXXXXX" in it. */
	if ((slash ? snprintf(tmp, sizeof(tmp), "%.*s/.tmp.%s.XXXXXX",
			      (int)(slash - path), path, slash + 1) :
		     snprintf(tmp, sizeof(tmp), ".tmp.%s.XXXXXX", path)) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return evs_errf(e, "%s: path too long", path);
	}
	/* O_EXCL (mkostemp): a link planted under the name is not followed. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	/* mkostemp made it 0600 (evsd writes a session record so per
	 * change: a syscall saved each time). */
	if ((a->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, a->gid) < 0) ||
	    (a->mode != 0600 && fchmod(fd, a->mode) < 0) ||
	    write_all(fd, data, len) < 0 ||
	    (!a->no_sync && fsync(fd) < 0)) {
		err = errno;
		close(fd);
		goto fail_unlink;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = errno;
		goto fail_unlink;
	}
	return 0;
fail_unlink:
	unlink(tmp);
	errno = err;
fail:
	err = errno;
	evs_errf(e, "%s: %s", path, strerror(err));
	errno = err;
	return -1;
}
