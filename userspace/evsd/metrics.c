// SPDX-License-Identifier: MIT
/*
 * metrics: the snapshot, the file and the timer.  See metrics.h; the text
 * itself is prom.c's.
 */
#include "evsd/metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evsd/kernel.h"
#include "evsd/loop.h"
#include "evsd/prom.h"
#include "ezv/easyvpn.h"
#include "ezv/pool.h"
#include "ezv/pool6.h"
#include "ike/engine/ikesa.h"
#include "lib/daemon_log.h"
#include "lib/file.h"

/* ---- configuration --------------------------------------------------------- */

static int load_file(const struct cfg_node *n, struct metrics_config *mc,
		     struct evs_err *err)
{
	const char *path;
	size_t len;

	if (cfg_nargs(n, 2, 4, err) < 0)
		return -1;
	if (n->argc != 2 && (n->argc != 4 || strcmp(n->argv[2], "group")))
		return cfg_error(err, n, "metrics-file expects PATH [group NAME]");
	path = n->argv[1];
	len = strlen(path);
	/* Room for the temporary name beside it: "/.NAME.XXXXXX". */
	if (path[0] != '/' || path[len - 1] == '/' || len + 9 >= PATH_MAX)
		return cfg_error(err, n, "metrics-file: '%s' is not an absolute file name",
				 path);
	if (n->argc == 4) {
		struct group gr, *res = NULL;
		char buf[4096];

		if (getgrnam_r(n->argv[3], &gr, buf, sizeof(buf), &res) || !res)
			return cfg_error(err, n, "metrics-file: no group named '%s'",
					 n->argv[3]);
		mc->gid = res->gr_gid;
	}
	mc->file = strdup(path);
	if (!mc->file)
		return cfg_error(err, n, "out of memory");
	return 0;
}

int metrics_config_load(struct cfg_node *root, struct metrics_config *mc,
			struct evs_err *err)
{
	static const char *const yes_no[] = { "no", "yes", NULL };
	const struct cfg_node *file = NULL, *interval = NULL, *sessions = NULL, *extra;
	uint32_t v;
	int c;

	memset(mc, 0, sizeof(*mc));
	mc->gid = (gid_t)-1;
	mc->interval = METRICS_INTERVAL_DEFAULT;
	mc->sessions = true;
	for (struct cfg_node *n = root->child; n; n = n->next) {
		const struct cfg_node **slot;

		if (cfg_is(n, "metrics-file", NULL))
			slot = &file;
		else if (cfg_is(n, "metrics-interval", NULL))
			slot = &interval;
		else if (cfg_is(n, "metrics-sessions", NULL))
			slot = &sessions;
		else
			continue;
		n->used = true;
		if (*slot)
			return cfg_error(err, n, "%s given twice (first at line %u)",
					 n->argv[0], (*slot)->line);
		if (cfg_want_block(n, false, err) < 0)
			return -1;
		*slot = n;
	}
	extra = interval ? interval : sessions;
	if (!file && extra)
		return cfg_error(err, extra, "%s without metrics-file", extra->argv[0]);
	if (interval) {
		if (cfg_nargs(interval, 2, 2, err) < 0 ||
		    cfg_u32(interval, 1, 1, METRICS_INTERVAL_MAX, &v, err) < 0)
			return -1;
		mc->interval = v;
	}
	if (sessions) {
		if (cfg_nargs(sessions, 2, 2, err) < 0 ||
		    (c = cfg_choice(sessions, 1, yes_no, err)) < 0)
			return -1;
		mc->sessions = c == 1;
	}
	return file ? load_file(file, mc, err) : 0;
}

void metrics_config_free(struct metrics_config *mc)
{
	free(mc->file);
	mc->file = NULL;
}

/* ---- the file --------------------------------------------------------------- */

int metrics_write_file(const char *path, gid_t gid, const char *text, size_t len,
		       struct evs_err *err)
{
	/* Rewritten on every interval: no fsync, a crash loses a snapshot
	 * the next one replaces.  The collector skips names not ending in
	 * .prom, so it never reads the temporary file. */
	struct evs_file_attrs a = { .mode = 0640, .gid = gid, .no_sync = true };
	char dbuf[PATH_MAX];
	struct stat st;

	if (gid == (gid_t)-1) {
		const char *dir;

		if (snprintf(dbuf, sizeof(dbuf), "%s", path) >= (int)sizeof(dbuf))
			return evs_errf(err, "%s: name too long", path);
		dir = dirname(dbuf);
		if (stat(dir, &st) < 0)
			return evs_errf(err, "%s: %s", dir, strerror(errno));
		a.gid = st.st_gid;
	}
	return evs_file_replace(path, text, len, &a, err);
}

/* ---- the snapshot --------------------------------------------------------------- */

struct metrics {
	struct loop *loop;
	struct metrics_config cfg;	/* a copy: the configuration may be replaced */
	struct metrics_src src;
	unsigned timer;
	bool failing;			/* the last write failed (said once) */
	char last_err[sizeof(((struct evs_err *)0)->msg)];
};

struct snap {
	struct prom_data d;
	struct prom_session *sess;
	size_t n_sess, cap_sess;
	struct prom_pool *pools;
	char (*pool_names)[POOL_NAME_MAX + 1];
	uint64_t now_ms, now_unix;
	bool keep_sessions;
	bool oom;
};

static void on_session(const struct ezv_session_info *i, void *arg)
{
	struct snap *s = arg;
	struct prom_session *p;
	uint64_t age;

	/* Before XAUTH a session has no user: only the engine's gauges
	 * count it. */
	if (!i->authenticated)
		return;
	s->d.sessions++;
	if (!s->keep_sessions || s->oom)
		return;
	if (s->n_sess == s->cap_sess) {
		size_t cap = s->cap_sess ? 2 * s->cap_sess : 16;
		struct prom_session *n = realloc(s->sess, cap * sizeof(*n));

		if (!n) {
			s->oom = true;
			return;
		}
		s->sess = n;
		s->cap_sess = cap;
	}
	p = &s->sess[s->n_sess];
	age = s->now_ms > i->start_ms ? (s->now_ms - i->start_ms) / 1000 : 0;
	*p = (struct prom_session){
		.id = i->id, .user = strdup(i->user), .group = strdup(i->group),
		.addr = i->addr,
		.start_time = s->now_unix > age ? s->now_unix - age : 0,
		.rx_bytes = i->rx_bytes, .rx_packets = i->rx_packets,
		.tx_bytes = i->tx_bytes, .tx_packets = i->tx_packets,
	};
	if (!p->user || !p->group) {
		free((char *)p->user);
		free((char *)p->group);
		s->oom = true;
		return;
	}
	s->n_sess++;
}

static void snap_pool_add(struct snap *s, const char *name, uint32_t size, uint32_t in_use)
{
	size_t i = s->d.n_pools;

	snprintf(s->pool_names[i], sizeof(s->pool_names[i]), "%s", name);
	s->pools[i] = (struct prom_pool){ s->pool_names[i], size, in_use };
	s->d.n_pools = i + 1;
}

static void snap_pool(const struct pool_info *pi, void *arg)
{
	snap_pool_add(arg, pi->name, pi->size, pi->in_use);
}

/* An IPv6 pool: the same three series (names are unique over both). */
static void snap_pool6(const struct pool6_info *pi, void *arg)
{
	snap_pool_add(arg, pi->name, pi->size, pi->in_use);
}

static void snap_pools(struct metrics *m, struct snap *s)
{
	size_t n = ezv_pool_walk(m->src.ezv, NULL, NULL) + ezv_pool6_walk(m->src.ezv, NULL, NULL);

	if (!n)
		return;
	s->pools = calloc(n, sizeof(*s->pools));
	s->pool_names = calloc(n, sizeof(*s->pool_names));
	if (!s->pools || !s->pool_names) {
		s->oom = true;
		return;
	}
	ezv_pool_walk(m->src.ezv, snap_pool, s);
	ezv_pool6_walk(m->src.ezv, snap_pool6, s);
}

static void snap_take(struct metrics *m, struct snap *s)
{
	struct evs_err e;

	memset(s, 0, sizeof(*s));
	s->now_ms = loop_now_ms();
	s->now_unix = (uint64_t)time(NULL);
	s->keep_sessions = m->cfg.sessions;
	s->d.version = EVS_VERSION;
	s->d.start_time = m->src.start_time;
	s->d.ike = m->src.eng->stats;
	s->d.half_open = m->src.eng->n_half_open;
	s->d.unauth = m->src.eng->n_unauth;
	if (m->src.ezv) {
		s->d.have_ezv = true;
		ezv_get_stats(m->src.ezv, &s->d.ezv);
		ezv_dae_get_stats(m->src.ezv, &s->d.dae);
		s->d.leases = ezv_leases(m->src.ezv);
		snap_pools(m, s);
		/* The per-SA counters as of now: one dump for every session. */
		ezv_counters_refresh(m->src.ezv);
		ezv_session_walk(m->src.ezv, NULL, on_session, s);
		s->d.have_sessions = s->keep_sessions;
		s->d.sess = s->sess;
		s->d.n_sess = s->n_sess;
	}
	s->d.pools = s->pools;
	if (m->src.kernel) {
		s->d.device = m->src.device;
		if (kernel_link_stats(m->src.kernel, &s->d.kernel, &e) == 0)
			s->d.have_kernel = true;
		else
			log_debug("metrics: %s", e.msg);
	}
}

static void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->n_sess; i++) {
		free((char *)s->sess[i].user);
		free((char *)s->sess[i].group);
	}
	free(s->sess);
	free(s->pools);
	free(s->pool_names);
}

static void metrics_write(struct metrics *m)
{
	struct evs_err e = { "" };
	struct snap s;
	char *text = NULL;
	size_t len = 0;

	snap_take(m, &s);
	if (s.oom)
		evs_errf(&e, "out of memory");
	else if (!(text = prom_render(&s.d, &len)))
		evs_errf(&e, "out of memory");
	else
		metrics_write_file(m->cfg.file, m->cfg.gid, text, len, &e);
	free(text);
	snap_free(&s);
	/* Said when it starts failing or fails differently, and when it
	 * works again, not every interval. */
	if (e.msg[0] && (!m->failing || strcmp(e.msg, m->last_err)))
		log_warn("metrics: cannot write %s: %s", m->cfg.file, e.msg);
	else if (!e.msg[0] && m->failing)
		log_notice("metrics: %s written again", m->cfg.file);
	m->failing = e.msg[0] != '\0';
	snprintf(m->last_err, sizeof(m->last_err), "%s", e.msg);
}

static void on_timer(void *arg)
{
	struct metrics *m = arg;

	metrics_write(m);
	m->timer = loop_timer(m->loop, loop_now_ms() + m->cfg.interval * 1000ull,
			      on_timer, m);
	if (!m->timer)
		log_err("metrics: no timer left: %s is no longer updated", m->cfg.file);
}

/* The first write, then one every interval. */
static void metrics_begin(struct metrics *m)
{
	log_info("metrics: writing %s every %u s%s", m->cfg.file, m->cfg.interval,
		 m->cfg.sessions ? "" : " (no per-session series)");
	on_timer(m);
}

struct metrics *metrics_start(struct loop *l, const struct metrics_config *mc,
			      const struct metrics_src *src)
{
	struct metrics *m;

	if (!mc->file)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		log_err("metrics: out of memory");
		return NULL;
	}
	m->loop = l;
	m->cfg = *mc;
	m->cfg.file = strdup(mc->file);
	if (!m->cfg.file) {
		log_err("metrics: out of memory");
		free(m);
		return NULL;
	}
	m->src = *src;
	metrics_begin(m);
	return m;
}

struct metrics *metrics_reconfigure(struct metrics *m, struct loop *l,
				    const struct metrics_config *mc,
				    const struct metrics_src *src)
{
	char *file;

	if (!m || !mc->file || strcmp(m->cfg.file, mc->file)) {
		metrics_stop(m);
		return metrics_start(l, mc, src);
	}
	file = m->cfg.file;
	m->cfg = *mc;
	m->cfg.file = file;
	if (m->timer)
		loop_timer_cancel(m->loop, m->timer);
	metrics_begin(m);
	return m;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	if (m->timer)
		loop_timer_cancel(m->loop, m->timer);
	if (unlink(m->cfg.file) < 0 && errno != ENOENT)
		log_warn("metrics: %s: %s", m->cfg.file, strerror(errno));
	metrics_config_free(&m->cfg);
	free(m);
}
