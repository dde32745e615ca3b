// SPDX-License-Identifier: MIT
/* lib/file.c: a file replaced whole, with its mode, and nothing left
 * under a temporary name, whether it worked or not. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "lib/file.h"

/* The names in @dir other than . and .., counted. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	UNIT_ASSERT(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static void read_back(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	UNIT_ASSERT(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

static const struct evs_file_attrs a600 = { .mode = 0600, .gid = (gid_t)-1 };

UNIT_TEST(replaces_whole_with_the_mode_and_no_leftovers)
{
	struct evs_file_attrs a640 = { .mode = 0640, .gid = getgid(), .no_sync = true };
	char dir[] = "/tmp/evs-file-XXXXXX", path[64], buf[64];
	struct evs_err e;
	struct stat st;

	UNIT_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.conf", dir);
	UNIT_ASSERT_EQ_INT(evs_file_replace(path, "first\n", 6, &a600, &e), 0);
	read_back(path, buf, sizeof(buf));
	UNIT_ASSERT_EQ_STR(buf, "first\n");
	UNIT_ASSERT_EQ_INT(stat(path, &st), 0);
	UNIT_ASSERT_EQ_INT(st.st_mode & 07777, 0600);
	/* Over an existing file, shorter: no tail of the old one. */
	UNIT_ASSERT_EQ_INT(evs_file_replace(path, "2\n", 2, &a640, &e), 0);
	read_back(path, buf, sizeof(buf));
	UNIT_ASSERT_EQ_STR(buf, "2\n");
	UNIT_ASSERT_EQ_INT(stat(path, &st), 0);
	UNIT_ASSERT_EQ_INT(st.st_mode & 07777, 0640);
	UNIT_ASSERT(st.st_gid == getgid());
	UNIT_ASSERT_EQ_INT(entries(dir), 1);
	unlink(path);
	rmdir(dir);
}

UNIT_TEST(failure_names_the_path_and_leaves_nothing)
{
	char dir[] = "/tmp/evs-file-XXXXXX", path[96];
	struct evs_err e;

	UNIT_ASSERT(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/no-such-dir/out.conf", dir);
	errno = 0;
	UNIT_ASSERT_EQ_INT(evs_file_replace(path, "x", 1, &a600, &e), -1);
	UNIT_ASSERT_EQ_INT(errno, ENOENT);
	UNIT_ASSERT(!strncmp(e.msg, path, strlen(path)));
	UNIT_ASSERT(strstr(e.msg, strerror(ENOENT)));
	/* The rename fails (a directory is in the way): the temporary goes. */
	snprintf(path, sizeof(path), "%s/sub", dir);
	UNIT_ASSERT_EQ_INT(mkdir(path, 0700), 0);
	UNIT_ASSERT_EQ_INT(evs_file_replace(path, "x", 1, &a600, NULL), -1);
	UNIT_ASSERT_EQ_INT(errno, EISDIR);
	UNIT_ASSERT_EQ_INT(entries(dir), 1);
	rmdir(path);
	rmdir(dir);
}

UNIT_MAIN()
