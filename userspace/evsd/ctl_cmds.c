// SPDX-License-Identifier: MIT
/*
 * ctl_cmds: the control socket's commands on the engine and the Easy VPN
 * module; see ctl_cmds.h.  Listings walk what they list; the filters of
 * session-show and session-del are the module's (ezv_session_walk).
 */
#include "evsd/ctl_cmds.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evsd/ctl.h"
#include "evsd/loop.h"
#include "ezv/easyvpn.h"
#include "ezv/pool.h"
#include "ezv/pool6.h"
#include "ike/engine/ikesa.h"
#include "ike/proposal.h"
#include "lib/daemon_log.h"
#include "lib/json.h"
#include "lib/prefix.h"

static void now_set(struct ctl_cmds *c)
{
	ike_engine_set_time(c->eng, loop_now_ms());
}

/* "198.51.100.7" and 500 of a socket address. */
static void addr_port(const struct sockaddr_storage *ss, char *buf, size_t len,
		      unsigned *port)
{
	const void *a = ss->ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	*port = ntohs(ss->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)ss)->sin6_port :
						  ((const struct sockaddr_in *)ss)->sin_port);
	if (!inet_ntop(ss->ss_family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void add_prefix(struct json_object *o, const char *key, const struct evs_prefix *p)
{
	char b[64];

	evs_prefix_str(p, b, sizeof(b));
	evs_json_add_str(o, key, b);
}

static struct json_object *conn_json(const struct ike_conn *c)
{
	struct json_object *o = json_object_new_object();
	char x[96], spi[12];

	evs_json_add_u64(o, "id", c->id);
	add_prefix(o, "local", &c->local);
	add_prefix(o, "remote", &c->remote);
	snprintf(spi, sizeof(spi), "%08x", c->spi_in);
	evs_json_add_str(o, "spi_in", spi);
	snprintf(spi, sizeof(spi), "%08x", c->spi_out);
	evs_json_add_str(o, "spi_out", spi);
	p2_xform_format(&c->xf, x, sizeof(x));
	evs_json_add_str(o, "alg", x);
	evs_json_add_u64(o, "rekeys", c->generation ? c->generation - 1 : 0);
	return o;
}

/* ---- ike-sa-show ------------------------------------------------------- */

static int cmd_ike_sa_show(void *arg, struct json_object *args, struct json_object *res,
			   struct evs_err *err)
{
	struct ctl_cmds *c = arg;
	struct json_object *arr;

	if (ctl_args_check(args, NULL, err))
		return -1;
	arr = json_object_new_array();
	now_set(c);
	/* The listing: inherently over all SAs. */
	for (struct ike_sa *sa = c->eng->sas; sa; sa = sa->next) {
		struct json_object *o, *conns;
		char peer[64], alg[96] = "-";
		unsigned port;

		if (sa->state == IKE_S_DEAD)
			continue;
		o = json_object_new_object();
		addr_port(&sa->path.remote, peer, sizeof(peer), &port);
		if (sa->have_chosen)
			p1_xform_format(&sa->chosen, alg, sizeof(alg));
		evs_json_add_u64(o, "id", sa->serial);
		evs_json_add_str(o, "state", ike_state_name(sa->state));
		evs_json_add_str(o, "peer", peer);
		evs_json_add_u64(o, "port", port);
		evs_json_add_str(o, "role", sa->initiator ? "initiator" : "responder");
		evs_json_add_str(o, "mode", sa->exch == ISAKMP_EXCH_AGGRESSIVE ? "aggressive" :
				 "main");
		evs_json_add_str(o, "alg", alg);
		evs_json_add_bool(o, "natt", sa->path.natt);
		evs_json_add_bool(o, "dpd", sa->dpd);
		evs_json_add_u64(o, "age", (c->eng->now - sa->created) / 1000);
		evs_json_add_str(o, "label", sa->label);
		conns = json_object_new_array();
		for (struct ike_conn *k = sa->conns; k; k = k->next)
			json_object_array_add(conns, conn_json(k));
		json_object_object_add(o, "conns", conns);
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "sas", arr);
	return 0;
}

/* ---- daemon-show ------------------------------------------------------- */

static void logged_in(const struct ezv_session_info *i, void *arg)
{
	*(unsigned *)arg += i->authenticated;
}


/* RFC 5176 dynamic authorization: what the RADIUS servers asked and what
 * was dropped before an answer (a flood of forged requests shows here). */
static void add_dae(struct json_object *res, const struct ezv *z)
{
	struct json_object *o = json_object_new_object();
	struct ezv_dae_stats d;

	ezv_dae_get_stats(z, &d);
	evs_json_add_u64(o, "disconnect_ack", d.disconnect_ack);
	evs_json_add_u64(o, "disconnect_nak", d.disconnect_nak);
	evs_json_add_u64(o, "coa_ack", d.coa_ack);
	evs_json_add_u64(o, "coa_nak", d.coa_nak);
	evs_json_add_u64(o, "duplicates", d.duplicates);
	evs_json_add_u64(o, "unknown_client", d.unknown_client);
	evs_json_add_u64(o, "dropped", d.dropped);
	json_object_object_add(res, "dynamic_authorization", o);
}

static int cmd_daemon_show(void *arg, struct json_object *args, struct json_object *res,
			   struct evs_err *err)
{
	struct ctl_cmds *c = arg;
	const struct ike_stats *s = &c->eng->stats;
	struct json_object *ike, *ref, *ev;
	unsigned sas = 0, users = 0;
	struct ezv_stats st;

	if (ctl_args_check(args, NULL, err))
		return -1;
	now_set(c);
	for (struct ike_sa *sa = c->eng->sas; sa; sa = sa->next)
		sas += sa->state != IKE_S_DEAD;
	evs_json_add_str(res, "version", EVS_VERSION);
	evs_json_add_str(res, "role", c->role);
	evs_json_add_u64(res, "uptime", (loop_now_ms() - c->start_ms) / 1000);
	evs_json_add_u64(res, "started", (uint64_t)c->start_wall);
	evs_json_add_u64(res, "ike_sas", sas);
	evs_json_add_u64(res, "half_open", c->eng->n_half_open);
	evs_json_add_u64(res, "unauthenticated", c->eng->n_unauth);
	if (c->ezv)
		ezv_session_walk(c->ezv, NULL, logged_in, &users);
	evs_json_add_u64(res, "sessions", users);

	ike = json_object_new_object();
	evs_json_add_u64(ike, "rx", s->rx);
	evs_json_add_u64(ike, "tx", s->tx);
	for (size_t i = 0; i < IKE_DROPS_ERRORS; i++)
		evs_json_add_u64(ike, ike_drops[i].name, ike_drop_value(s, &ike_drops[i]));
	evs_json_add_u64(ike, "retransmits", s->rexmits);
	evs_json_add_u64(ike, "p1_ok", s->p1_ok);
	evs_json_add_u64(ike, "p1_failed", s->p1_failed);
	evs_json_add_u64(ike, "p2_ok", s->p2_ok);
	evs_json_add_u64(ike, "p2_failed", s->p2_failed);
	evs_json_add_u64(ike, "dpd_dead", s->dpd_dead);
	evs_json_add_u64(ike, "dpd_backlog_waits", s->dpd_backlog_waits);
	json_object_object_add(res, "ike", ike);

	/* Refusals: the engine's admission limits, then the logins'. */
	ref = json_object_new_object();
	for (size_t i = IKE_DROPS_ERRORS; i < IKE_DROPS_COUNT; i++)
		evs_json_add_u64(ref, ike_drops[i].name, ike_drop_value(s, &ike_drops[i]));
	evs_json_add_u64(ref, "half_open_evicted", s->half_open_evicted);
	evs_json_add_u64(ref, "exchanges_refused", s->xchg_refused);
	memset(&st, 0, sizeof(st));
	if (c->ezv)
		ezv_get_stats(c->ezv, &st);
	for (unsigned i = 0; i < EZV_REFUSE__COUNT; i++)
		evs_json_add_u64(ref, ezv_refusal_name(i), st.refused[i]);
	json_object_object_add(res, "refusals", ref);

	ev = json_object_new_object();
	evs_json_add_u64(ev, "logins_accepted", st.logins_ok);
	evs_json_add_u64(ev, "logins_refused", st.logins_failed);
	evs_json_add_u64(ev, "lockouts", st.locked_out);
	evs_json_add_u64(ev, "leases", c->ezv ? ezv_leases(c->ezv) : 0);
	evs_json_add_u64(ev, "leases_total", st.leases);
	evs_json_add_u64(ev, "sessions_ended", st.sessions_ended);
	evs_json_add_u64(ev, "accounting_sent", st.acct_sent);
	json_object_object_add(res, "easyvpn", ev);
	if (c->ezv)
		add_dae(res, c->ezv);
	return 0;
}

/* ---- session-show / session-del ----------------------------------------- */

static const char *const filter_args[] = { "user", "group", "address", "id", NULL };

/* The filter of args; -1 with err on a bad argument.  need: refuse an
 * empty filter (session-del must name whom). */
/* The filter's "address": an IPv4 one (f->addr) or an IPv6 one (*a6,
 * f->addr6 pointing at it). */
static int filter_addr(const char *addr, struct ezv_session_filter *f, struct evs_prefix *a6,
		       struct evs_err *err)
{
	struct in_addr in;

	if (inet_pton(AF_INET, addr, &in) == 1 && in.s_addr) {
		f->addr = ntohl(in.s_addr);
		return 0;
	}
	*a6 = (struct evs_prefix){ .family = AF_INET6, .plen = 128 };
	if (inet_pton(AF_INET6, addr, a6->addr) == 1 &&
	    memcmp(a6->addr, &in6addr_any, sizeof(a6->addr))) {
		f->addr6 = a6;
		return 0;
	}
	return evs_errf(err, "argument \"address\": \"%s\" is not an IPv4 or IPv6 address",
			log_peern(addr, strnlen(addr, 48)));
}

static int parse_filter(struct json_object *args, struct ezv_session_filter *f, bool need,
			struct evs_prefix *a6, struct evs_err *err)
{
	const char *addr = NULL;
	bool has_id;

	memset(f, 0, sizeof(*f));
	if (ctl_args_check(args, need ? (const char *const[]){ "user", "address", "id",
							       NULL } : filter_args, err) ||
	    ctl_arg_str(args, "user", &f->user, err) ||
	    (!need && ctl_arg_str(args, "group", &f->group, err)) ||
	    ctl_arg_str(args, "address", &addr, err) ||
	    ctl_arg_u32(args, "id", &f->id, &has_id, err))
		return -1;
	if (has_id && !f->id)
		return evs_errf(err, "argument \"id\" must not be 0");
	if (f->user && !f->user[0])
		return evs_errf(err, "argument \"user\" is empty");
	if (f->group && !f->group[0])
		return evs_errf(err, "argument \"group\" is empty");
	if (addr && filter_addr(addr, f, a6, err))
		return -1;
	if (need && !f->user && !f->addr && !f->addr6 && !f->id)
		return evs_errf(err, "name the session: \"user\", \"address\" or \"id\"");
	return 0;
}

struct show_arg {
	struct ctl_cmds *c;
	struct json_object *arr;
	uint64_t now;
	uint64_t wall_ms;		/* the same moment, wall clock */
};

static void session_json(const struct ezv_session_info *i, void *arg)
{
	struct show_arg *a = arg;
	const struct ike_sa *sa = (const struct ike_sa *)i->s;
	struct json_object *o = json_object_new_object(), *conns, *p2;
	char buf[96];
	unsigned port;
	uint64_t up = (a->now - i->start_ms) / 1000;

	evs_json_add_u64(o, "id", i->id);
	evs_json_add_str(o, "user", i->user);
	evs_json_add_str(o, "group", i->group);
	if (i->addr)
		evs_ip4_ntop(i->addr, buf, sizeof(buf));
	evs_json_add_str(o, "address", i->addr ? buf : "");
	evs_json_add_str(o, "address6", i->addr6 ? inet_ntop(AF_INET6, i->addr6->addr, buf,
							     sizeof(buf)) : "");
	evs_json_add_str(o, "pool", i->pool);
	addr_port(i->peer, buf, sizeof(buf), &port);
	evs_json_add_str(o, "peer", buf);
	evs_json_add_u64(o, "port", port);
	evs_json_add_bool(o, "natt", sa->path.natt);
	evs_json_add_bool(o, "authenticated", i->authenticated);
	buf[0] = '\0';
	if (sa->have_chosen)
		p1_xform_format(&sa->chosen, buf, sizeof(buf));
	evs_json_add_str(o, "phase1", buf);
	/* in ms, so two listings agree to the second */
	evs_json_add_u64(o, "up_since", (a->wall_ms - (a->now - i->start_ms)) / 1000);
	evs_json_add_u64(o, "uptime", up);
	evs_json_add_u64(o, "idle", (a->now - (i->active_ms > a->now ? a->now : i->active_ms)) /
			 1000);
	evs_json_add_u64(o, "rx_bytes", i->rx_bytes);
	evs_json_add_u64(o, "rx_packets", i->rx_packets);
	evs_json_add_u64(o, "tx_bytes", i->tx_bytes);
	evs_json_add_u64(o, "tx_packets", i->tx_packets);
	conns = json_object_new_array();
	p2 = json_object_new_array();
	for (unsigned k = 0; k < i->n_conns; k++) {
		json_object_array_add(conns, json_object_new_int64(i->conns[k]));
		for (const struct ike_conn *c = sa->conns; c; c = c->next)
			if (c->id == i->conns[k])
				json_object_array_add(p2, conn_json(c));
	}
	json_object_object_add(o, "conns", conns);
	json_object_object_add(o, "phase2", p2);
	evs_json_add_str(o, "acct_session_id", i->acct_session_id);
	json_object_array_add(a->arr, o);
}

static int cmd_session_show(void *arg, struct json_object *args, struct json_object *res,
			    struct evs_err *err)
{
	struct ctl_cmds *c = arg;
	struct ezv_session_filter f;
	struct evs_prefix a6;
	struct show_arg a = { c, NULL, 0, 0 };
	struct timespec ts;

	if (parse_filter(args, &f, false, &a6, err))
		return -1;
	now_set(c);
	a.arr = json_object_new_array();
	a.now = c->eng->now;
	clock_gettime(CLOCK_REALTIME, &ts);
	a.wall_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (c->ezv) {
		ezv_counters_refresh(c->ezv);	/* the kernel's figures as of now */
		ezv_session_walk(c->ezv, &f, session_json, &a);
	}
	json_object_object_add(res, "sessions", a.arr);
	return 0;
}

#define DEL_MAX 4096	/* sessions one request may end */

struct del_arg {
	uint32_t ids[DEL_MAX];
	unsigned n;
};

static void collect(const struct ezv_session_info *i, void *arg)
{
	struct del_arg *d = arg;

	if (d->n < DEL_MAX)
		d->ids[d->n++] = i->id;
}

static int cmd_session_del(void *arg, struct json_object *args, struct json_object *res,
			   struct evs_err *err)
{
	struct ctl_cmds *c = arg;
	struct ezv_session_filter f;
	struct evs_prefix a6;
	struct json_object *ids;
	struct del_arg *d;
	unsigned n;

	if (parse_filter(args, &f, true, &a6, err))
		return -1;
	if (!c->ezv)
		return evs_errf(err, "no Easy VPN sessions on this daemon");
	d = calloc(1, sizeof(*d));
	if (!d)
		return evs_errf(err, "out of memory");
	now_set(c);
	/* Ids first: ending a session changes the list being walked. */
	ezv_session_walk(c->ezv, &f, collect, d);
	if (!d->n) {
		free(d);
		return evs_errf(err, "no such session");
	}
	ids = json_object_new_array();
	for (unsigned i = 0; i < d->n; i++)
		if (!ezv_session_disconnect(c->ezv, d->ids[i], EVS_END_ADMIN,
					    "disconnected by the administrator"))
			json_object_array_add(ids, json_object_new_int64(d->ids[i]));
	n = (unsigned)json_object_array_length(ids);
	log_notice("control socket: session del: %u session%s ended", n, n == 1 ? "" : "s");
	json_object_object_add(res, "deleted", ids);
	free(d);
	return 0;
}

/* ---- pool-show ----------------------------------------------------------- */

static void pool_json(const struct pool_info *p, void *arg)
{
	struct json_object *o = json_object_new_object();
	char a[16];

	evs_json_add_str(o, "name", p->name);
	evs_ip4_ntop(p->first, a, sizeof(a));
	evs_json_add_str(o, "first", a);
	evs_ip4_ntop(p->last, a, sizeof(a));
	evs_json_add_str(o, "last", a);
	evs_json_add_u64(o, "size", p->size);
	evs_json_add_u64(o, "used", p->in_use);
	evs_json_add_u64(o, "free", p->size - p->in_use);
	json_object_array_add(arg, o);
}

/* An IPv6 pool in the same shape: its first and last /128 as addresses. */
static void pool6_json(const struct pool6_info *p, void *arg)
{
	struct json_object *o = json_object_new_object();
	char a[INET6_ADDRSTRLEN];

	evs_json_add_str(o, "name", p->name);
	evs_json_add_str(o, "first", inet_ntop(AF_INET6, p->first.addr, a, sizeof(a)));
	evs_json_add_str(o, "last", inet_ntop(AF_INET6, p->last.addr, a, sizeof(a)));
	evs_json_add_u64(o, "size", p->size);
	evs_json_add_u64(o, "used", p->in_use);
	evs_json_add_u64(o, "free", p->size - p->in_use);
	json_object_array_add(arg, o);
}

static int cmd_pool_show(void *arg, struct json_object *args, struct json_object *res,
			 struct evs_err *err)
{
	struct ctl_cmds *c = arg;
	struct json_object *arr;
	const char *name;

	if (ctl_args_check(args, (const char *const[]){ "name", NULL }, err) ||
	    ctl_arg_str(args, "name", &name, err))
		return -1;
	arr = json_object_new_array();
	if (c->ezv) {
		ezv_pool_walk(c->ezv, pool_json, arr);
		ezv_pool6_walk(c->ezv, pool6_json, arr);
	}
	if (name) {
		struct json_object *one = json_object_new_array();

		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *p = json_object_array_get_idx(arr, i), *n;

			if (json_object_object_get_ex(p, "name", &n) &&
			    !strcmp(json_object_get_string(n), name))
				json_object_array_add(one, json_object_get(p));
		}
		json_object_put(arr);
		arr = one;
		if (!json_object_array_length(arr)) {
			json_object_put(arr);
			return evs_errf(err, "no pool \"%s\"", log_peern(name, strnlen(name, 64)));
		}
	}
	json_object_object_add(res, "pools", arr);
	return 0;
}

int ctl_cmds_register(struct ctl *ctl, struct ctl_cmds *c)
{
	return ctl_register(ctl, "ike-sa-show", cmd_ike_sa_show, c) |
	       ctl_register(ctl, "daemon-show", cmd_daemon_show, c) |
	       ctl_register(ctl, "session-show", cmd_session_show, c) |
	       ctl_register(ctl, "session-del", cmd_session_del, c) |
	       ctl_register(ctl, "pool-show", cmd_pool_show, c);
}
