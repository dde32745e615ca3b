// SPDX-License-Identifier: MIT
/* Ownership and permission checks for files with secrets; see secfile.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/secfile.h"

int evs_secret_file_check(int fd, const char *path, struct evs_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		evs_errf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		evs_errf(err, "%s: owned by uid %u, not by root or us: refused "
			 "(chown root %s)", path, (unsigned)st.st_uid, path);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		evs_errf(err, "%s: writable by %s (mode %04o): refused "
			 "(chmod 600 %s)", path, st.st_mode & S_IWOTH ? "others" : "its group",
			 (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		evs_errf(err, "%s: readable by %s (mode %04o), yet it holds "
			 "secrets: chmod 600 %s", path,
			 st.st_mode & S_IROTH ? "everyone" : "its group",
			 (unsigned)(st.st_mode & 07777), path);
		return 1;
	}
	return 0;
}

int evs_secret_file_vet(int fd, const char *path, struct evs_err *err)
{
	struct evs_err why;

	switch (evs_secret_file_check(fd, path, &why)) {
	case -1:
		if (err)
			*err = why;
		return -1;
	case 1:
		evs_warn("%s", why.msg);
		break;
	}
	return 0;
}
