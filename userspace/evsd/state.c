// SPDX-License-Identifier: MIT
/*
 * The session records a restarted evsd adopts (Documentation/restart.md):
 * one root-only file per gateway session in the state directory, written
 * atomically on every change the engine reports, removed when the
 * session ends; read back at start, before the first datagram.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "evsd/kernel.h"
#include "evsd/state.h"
#include "ike/engine/sa_state.h"
#include "lib/daemon_log.h"
#include "lib/file.h"

#define STATE_MAX_BYTES (1u << 20)	/* far above any real record */

static int mkdir_private(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	/* Never a link, never someone else's, never readable by others:
	 * the records hold keys. */
	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		errno = EPERM;
		return -1;
	}
	if ((st.st_mode & 0077) && chmod(path, 0700) < 0)
		return -1;
	return 0;
}

int state_open(struct state *st, const char *dir, struct evs_err *err)
{
	char parent[sizeof(st->dir)];
	char *slash;

	if (snprintf(st->dir, sizeof(st->dir), "%s", dir) >= (int)sizeof(st->dir))
		return evs_errf(err, "state directory %s: name too long", dir);
	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return evs_errf(err, "state directory %s: %s", parent, strerror(errno));
	}
	if (mkdir_private(dir) < 0)
		return evs_errf(err, "state directory %s: %s", dir, strerror(errno));
	st->ok = true;
	return 0;
}

static void file_of(const struct state *st, uint32_t serial, char *out, size_t n)
{
	snprintf(out, n, "%s/%u.json", st->dir, serial);
}

static void state_remove(struct state *st, uint32_t serial)
{
	char path[sizeof(st->dir) + 16];

	file_of(st, serial, path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("state: %s: %s", path, strerror(errno));
}

/* A record holds a session's keys; a restart finds the old one or the new
 * (the rename).  No fsync: a record describes kernel objects, which a
 * power loss takes with it, and what survives evsd alone is the page
 * cache, where the rename already is. */
static const struct evs_file_attrs record_attrs = {
	.mode = 0600, .gid = (gid_t)-1, .no_sync = true,
};

void state_sa_changed(struct state *st, struct ike_sa *sa)
{
	char path[sizeof(st->dir) + 16];
	char *text;
	size_t len;

	if (!st->ok)
		return;
	if (sa->state == IKE_S_DEAD || !(text = ike_sa_state_text(sa, &len))) {
		/* Ended, or not (or no longer) a session a restart adopts. */
		if (sa->state == IKE_S_DEAD || sa->state == IKE_S_READY)
			state_remove(st, sa->serial);
		return;
	}
	file_of(st, sa->serial, path, sizeof(path));
	if (evs_file_replace(path, text, len, &record_attrs, NULL) < 0) {
		if (!st->write_failed_logged)
			log_err("state: cannot write %s: %s (this session would not "
				"survive a restart)", path, strerror(errno));
		st->write_failed_logged = true;
	} else {
		st->write_failed_logged = false;
	}
	/* The text held the session's keys. */
	sodium_memzero(text, len);
	free(text);
}

/* Other files of the state directory (the client's gateway lists) are not
 * kernel state: written durably, as before. */
static const struct evs_file_attrs named_attrs = { .mode = 0600, .gid = (gid_t)-1 };

int state_write_named(struct state *st, const char *name, const char *text)
{
	char path[sizeof(st->dir) + 64];

	if (!st->ok || strchr(name, '/') ||
	    snprintf(path, sizeof(path), "%s/%s", st->dir, name) >= (int)sizeof(path)) {
		errno = EINVAL;
		return -1;
	}
	return evs_file_replace(path, text, strlen(text), &named_attrs, NULL);
}

static struct json_object *read_record(int dfd, const char *name, struct evs_err *err);

struct json_object *state_read_named(struct state *st, const char *name, struct evs_err *err)
{
	struct json_object *o;
	int dfd;

	if (!st->ok || strchr(name, '/'))
		return evs_errf(err, "no state directory"), NULL;
	dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return evs_errf(err, "%s: %s", st->dir, strerror(errno)), NULL;
	o = read_record(dfd, name, err);
	close(dfd);
	return o;
}

/* ---- adoption -------------------------------------------------------------- */

static struct json_object *read_record(int dfd, const char *name, struct evs_err *err)
{
	struct json_object *o = NULL;
	struct stat sb;
	char *buf;
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return evs_errf(err, "%s", strerror(errno)), NULL;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid() ||
	    (sb.st_mode & 0077) || sb.st_size <= 0 || sb.st_size > STATE_MAX_BYTES) {
		close(fd);
		return evs_errf(err, "not a root-only regular file of a plausible size"), NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return evs_errf(err, "out of memory"), NULL;
	}
	n = read(fd, buf, (size_t)sb.st_size);
	close(fd);
	if (n == sb.st_size) {
		buf[n] = '\0';
		o = json_tokener_parse(buf);
		if (!o)
			evs_errf(err, "not JSON");
	} else {
		evs_errf(err, "short read");
	}
	sodium_memzero(buf, (size_t)sb.st_size + 1);
	free(buf);
	return o;
}

static bool in_list(const uint32_t *ids, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Every connection the record names is in the kernel. */
static int conns_present(struct json_object *o, const uint32_t *kids, size_t nk,
			 uint32_t *ids, unsigned *n_ids, struct evs_err *err)
{
	int n = ike_sa_state_conn_ids(o, ids, STATE_MAX_CONNS);

	if (n <= 0)
		return evs_errf(err, n < 0 ? "not a session record" : "no connection");
	for (int i = 0; i < n; i++)
		if (!in_list(kids, nk, ids[i]))
			return evs_errf(err, "its connection %u is no longer in the kernel",
					ids[i]);
	*n_ids = (unsigned)n;
	return 0;
}

int state_adopt(struct state *st, struct ike_engine *e, struct kernel *k,
		uint32_t **keep, size_t *n_keep, struct evs_err *err)
{
	uint32_t *kids = NULL, *kp = NULL;
	size_t nk = 0, nkeep = 0, cap = 0;
	unsigned adopted = 0, dropped = 0;
	struct dirent *de;
	DIR *d;

	*keep = NULL;
	*n_keep = 0;
	if (!st->ok)
		return 0;
	if (kernel_conn_ids(k, &kids, &nk, err) < 0)
		return -1;
	d = opendir(st->dir);
	if (!d) {
		free(kids);
		return evs_errf(err, "state directory %s: %s", st->dir, strerror(errno));
	}
	while ((de = readdir(d))) {
		uint32_t ids[STATE_MAX_CONNS];
		unsigned n_ids = 0;
		struct json_object *o;
		struct evs_err why;
		struct ike_sa *sa = NULL;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.') {
			/* a write cut short by the kill */
			if (!strncmp(de->d_name, ".tmp", 4))
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		o = read_record(dirfd(d), de->d_name, &why);
		if (o && len > 5 && !strcmp(de->d_name + len - 5, ".json") &&
		    conns_present(o, kids, nk, ids, &n_ids, &why) == 0)
			sa = ike_sa_state_restore(e, o, &why);
		else if (o && !(len > 5 && !strcmp(de->d_name + len - 5, ".json")))
			evs_errf(&why, "not a record's name");
		json_object_put(o);
		if (!sa) {
			log_notice("state: %s/%s: %s; removed (its connections go with the "
				   "leftovers)", st->dir, de->d_name, why.msg);
			unlinkat(dirfd(d), de->d_name, 0);
			dropped++;
			continue;
		}
		{
			char want[32];

			/* Adoption wrote it again under its serial's name. */
			snprintf(want, sizeof(want), "%u.json", sa->serial);
			if (strcmp(want, de->d_name))
				unlinkat(dirfd(d), de->d_name, 0);
		}
		if (nkeep + n_ids > cap) {
			size_t c = (cap ? cap * 2 : 64) + n_ids;
			uint32_t *t = realloc(kp, c * sizeof(*t));

			if (!t) {
				closedir(d);
				free(kids);
				free(kp);
				return evs_errf(err, "out of memory");
			}
			kp = t;
			cap = c;
		}
		memcpy(kp + nkeep, ids, n_ids * sizeof(*ids));
		nkeep += n_ids;
		adopted++;
	}
	closedir(d);
	free(kids);
	if (adopted || dropped)
		log_notice("state: %u session%s adopted, %u record%s removed", adopted,
			   adopted == 1 ? "" : "s", dropped, dropped == 1 ? "" : "s");
	*keep = kp;
	*n_keep = nkeep;
	return 0;
}
