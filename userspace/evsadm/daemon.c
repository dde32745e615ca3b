// SPDX-License-Identifier: MIT
/*
 * evsadm session | daemon | pool | reload | ike: evsd's state through its
 * control socket (lib/ctlsock.h, Documentation/control-socket.md).
 *
 *	evsadm_ctl_parse()  argv -> command name + JSON args   (pure)
 *	evsadm_ctl()        ask evsd, print text or JSON
 */
#include <string.h>
#include <time.h>

#include "evsadm/evsadm.h"
#include "lib/ctlsock.h"

#define CTL_CALL_TIMEOUT_MS 10000

const char evsadm_session_usage[] =
"Usage: evsadm session show [ user NAME | group NAME | address ADDR | id ID ] [-s] [-j]\n"
"       evsadm session del { user NAME | address ADDR | id ID }\n"
"  show: Easy VPN sessions of the gateway: user, group, assigned addresses,\n"
"        peer, NAT-T, algorithms, up since, idle time, traffic each way\n"
"        (-s: the Phase 2 connections too)\n"
"  del:  end the sessions (delete to the client, address returned,\n"
"        accounting stopped with Admin-Reset)\n"
"  ADDR: either of a session's addresses, IPv4 or IPv6\n";
const char evsadm_daemon_usage[] =
"Usage: evsadm daemon show\n"
"       evsadm daemon ha [ show | master | backup ]\n"
"  show: evsd's version, uptime, sessions, logins, lockouts, refusals by reason\n"
"  ha:   the active/standby pair: this gateway's role, the peer, the records\n"
"        held; master takes every synced session over, backup hands them\n"
"        over (keepalived's notify script)\n";
const char evsadm_pool_usage[] =
"Usage: evsadm pool show [NAME]\n"
"       each address pool's range, size, used and free addresses\n";
const char evsadm_reload_usage[] =
"Usage: evsadm reload\n"
"       evsd re-reads its configuration (as SIGHUP); an error leaves the\n"
"       running one in place and is printed\n";
const char evsadm_ike_usage[] =
"Usage: evsadm ike show\n"
"       every ISAKMP SA of evsd (both roles) and its Phase 2 connections\n";

static const char *const session_verbs[] = { "show", "list", "del", "delete", "help", NULL };
static const char *const show_verbs[] = { "show", "list", "help", NULL };

/* The trailing -s/-j/-p that `session show` also takes after its words. */
static bool local_option(const char *w, struct evsadm_opts *o)
{
	if (!strcmp(w, "-s") || !strcmp(w, "-stats") || !strcmp(w, "--statistics"))
		o->stats++;
	else if (!strcmp(w, "-j") || !strcmp(w, "-json") || !strcmp(w, "--json"))
		o->json = true;
	else if (!strcmp(w, "-p") || !strcmp(w, "--pretty"))
		o->json = o->pretty = true;
	else
		return false;
	return true;
}

static int parse_session(struct evsadm_args *a, struct evsadm_ctl_req *req, bool del,
			 struct evs_err *e)
{
	uint64_t seen = 0;
	const char *kw;

	while ((kw = evsadm_arg_next(a))) {
		const char *val;
		uint32_t id;

		if (local_option(kw, &req->opt))
			continue;
		if (!strcmp(kw, "user") || !strcmp(kw, "group") || !strcmp(kw, "address") ||
		    !strcmp(kw, "id")) {
			if (del && !strcmp(kw, "group"))
				return evs_errf(e, "\"group\" is not a way to name a session to "
						"delete; use user, address or id");
			if (seen)
				return evs_errf(e, "one of user, group, address or id");
			seen = 1;
			val = evsadm_arg_next(a);
			if (!val || !val[0])
				return evs_errf(e, "\"%s\" expects a value", kw);
			if (!strcmp(kw, "id")) {
				if (evs_parse_u32(kw, val, 1, UINT32_MAX, &id, e))
					return -1;
				json_object_object_add(req->args, "id", json_object_new_int64(id));
			} else if (!strcmp(kw, "address")) {
				struct evs_inaddr ia;

				if (evs_parse_addr(kw, val, 0, &ia, e))
					return -1;
				json_object_object_add(req->args, kw, json_object_new_string(val));
			} else {
				json_object_object_add(req->args, kw, json_object_new_string(val));
			}
			continue;
		}
		return evs_errf(e, "unknown keyword \"%s\"", kw);
	}
	if (del && !seen)
		return evs_errf(e, "name the session: user NAME, address ADDR or id ID");
	return 0;
}

int evsadm_ctl_parse(int argc, char **argv, struct evsadm_ctl_req *req, struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 1 };
	const char *obj = argv[0];
	int v;

	memset(req, 0, sizeof(*req));
	req->args = json_object_new_object();
	if (!req->args)
		return evs_errf(e, "out of memory");
	if (!strcmp(obj, "reload")) {
		req->command = "reload";
		if (evsadm_arg_peek(&a))
			return evs_errf(e, "unexpected \"%s\"", evsadm_arg_peek(&a));
		return 0;
	}
	if (!strcmp(obj, "session")) {
		v = evsadm_verb(evsadm_arg_next(&a), session_verbs, obj, e);
		if (v < 0)
			return -1;
		if (v == 4) {
			req->help = true;
			return 0;
		}
		req->command = v < 2 ? "session-show" : "session-del";
		return parse_session(&a, req, v >= 2, e);
	}
	if (!strcmp(obj, "daemon") && evsadm_arg_peek(&a) && !strcmp(evsadm_arg_peek(&a), "ha")) {
		const char *w;

		evsadm_arg_next(&a);
		req->command = "ha";
		w = evsadm_arg_next(&a);
		if (w && (!strcmp(w, "master") || !strcmp(w, "backup")))
			json_object_object_add(req->args, "state", json_object_new_string(w));
		else if (w && strcmp(w, "show") && !local_option(w, &req->opt))
			return evs_errf(e, "ha: show, master or backup, not \"%s\"", w);
		while ((w = evsadm_arg_next(&a)))
			if (!local_option(w, &req->opt))
				return evs_errf(e, "unexpected \"%s\"", w);
		return 0;
	}
	/* daemon, pool, ike: show */
	v = evsadm_verb(evsadm_arg_next(&a), show_verbs, obj, e);
	if (v < 0)
		return -1;
	if (v == 2) {
		req->help = true;
		return 0;
	}
	req->command = !strcmp(obj, "daemon") ? "daemon-show" :
		       !strcmp(obj, "pool") ? "pool-show" : "ike-sa-show";
	if (!strcmp(obj, "pool") && evsadm_arg_peek(&a) && evsadm_arg_peek(&a)[0] != '-')
		json_object_object_add(req->args, "name",
				       json_object_new_string(evsadm_arg_next(&a)));
	while (evsadm_arg_peek(&a)) {
		const char *w = evsadm_arg_next(&a);

		if (!local_option(w, &req->opt))
			return evs_errf(e, "unexpected \"%s\"", w);
	}
	return 0;
}

/* ---- printing ---------------------------------------------------------------- */

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

static unsigned long long jnum(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) ? (unsigned long long)json_object_get_uint64(v) :
						     0;
}

static bool jbool(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static struct json_object *jarr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_array) ?
	       v : NULL;
}

/* 3725 -> "1h02m05s" */
static const char *duration(unsigned long long s, char *b, size_t n)
{
	if (s >= 86400)
		snprintf(b, n, "%llud%02lluh%02llum", s / 86400, s % 86400 / 3600, s % 3600 / 60);
	else if (s >= 3600)
		snprintf(b, n, "%lluh%02llum%02llus", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		snprintf(b, n, "%llum%02llus", s / 60, s % 60);
	else
		snprintf(b, n, "%llus", s);
	return b;
}

static const char *wall(unsigned long long t, char *b, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(b, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(b, n, "%llu", t);
	return b;
}

static void print_conn(FILE *f, struct json_object *c, const char *indent)
{
	fprintf(f, "%sconn %llu %s === %s spi in %s out %s %s rekeys %llu\n", indent,
		jnum(c, "id"), jstr(c, "local"), jstr(c, "remote"), jstr(c, "spi_in"),
		jstr(c, "spi_out"), jstr(c, "alg"), jnum(c, "rekeys"));
}

void evsadm_session_print(FILE *f, struct json_object *s, int stats)
{
	struct json_object *conns = jarr(s, "conns"), *p2 = jarr(s, "phase2");
	char d1[32], d2[32], w[32];
	size_t n;

	fprintf(f, "%llu: user %s group %s address %s", jnum(s, "id"),
		jstr(s, "user")[0] ? jstr(s, "user") : "-", jstr(s, "group")[0] ? jstr(s, "group") : "-",
		jstr(s, "address")[0] ? jstr(s, "address") : "-");
	if (jstr(s, "pool")[0])
		fprintf(f, " pool %s", jstr(s, "pool"));
	if (jstr(s, "address6")[0])
		fprintf(f, " address6 %s", jstr(s, "address6"));
	fprintf(f, "\n    peer %s port %llu natt %s\n", jstr(s, "peer"), jnum(s, "port"),
		jbool(s, "natt") ? "yes" : "no");
	fprintf(f, "    phase1 %s", jstr(s, "phase1")[0] ? jstr(s, "phase1") : "-");
	n = p2 ? json_object_array_length(p2) : 0;
	if (n)
		fprintf(f, " phase2 %s", jstr(json_object_array_get_idx(p2, 0), "alg"));
	fprintf(f, "\n    up since %s (%s) idle %s\n", wall(jnum(s, "up_since"), w, sizeof(w)),
		duration(jnum(s, "uptime"), d1, sizeof(d1)), duration(jnum(s, "idle"), d2, sizeof(d2)));
	fprintf(f, "    in %llu bytes %llu packets  out %llu bytes %llu packets\n",
		jnum(s, "rx_bytes"), jnum(s, "rx_packets"), jnum(s, "tx_bytes"), jnum(s, "tx_packets"));
	fprintf(f, "    conns");
	for (size_t i = 0; conns && i < json_object_array_length(conns); i++)
		fprintf(f, " %llu", (unsigned long long)json_object_get_uint64(
				json_object_array_get_idx(conns, i)));
	fprintf(f, "%s\n", conns && json_object_array_length(conns) ? "" : " none");
	if (!stats)
		return;
	/* ip -s style: the counters as a table, then each connection. */
	fprintf(f, "    RX: %-12s %-12s\n        %-12llu %-12llu\n", "bytes", "packets",
		jnum(s, "rx_bytes"), jnum(s, "rx_packets"));
	fprintf(f, "    TX: %-12s %-12s\n        %-12llu %-12llu\n", "bytes", "packets",
		jnum(s, "tx_bytes"), jnum(s, "tx_packets"));
	for (size_t i = 0; i < n; i++)
		print_conn(f, json_object_array_get_idx(p2, i), "    ");
	if (jstr(s, "acct_session_id")[0])
		fprintf(f, "    accounting session %s\n", jstr(s, "acct_session_id"));
}

static void print_daemon(FILE *f, struct json_object *r)
{
	struct json_object *ike, *ev, *ref;
	char d[32], w[32];

	fprintf(f, "evsd %s %s, up %s (since %s)\n", jstr(r, "version"), jstr(r, "role"),
		duration(jnum(r, "uptime"), d, sizeof(d)), wall(jnum(r, "started"), w, sizeof(w)));
	fprintf(f, "sessions %llu  ike-sas %llu  half-open %llu  unauthenticated %llu\n",
		jnum(r, "sessions"), jnum(r, "ike_sas"), jnum(r, "half_open"),
		jnum(r, "unauthenticated"));
	if (json_object_object_get_ex(r, "easyvpn", &ev))
		fprintf(f, "logins accepted %llu refused %llu  lockouts %llu  leases %llu  "
			"sessions ended %llu\n", jnum(ev, "logins_accepted"),
			jnum(ev, "logins_refused"), jnum(ev, "lockouts"), jnum(ev, "leases"),
			jnum(ev, "sessions_ended"));
	if (json_object_object_get_ex(r, "refusals", &ref)) {
		fprintf(f, "refused:");
		json_object_object_foreach(ref, k, v)
			fprintf(f, " %s %llu", k, (unsigned long long)json_object_get_uint64(v));
		fputc('\n', f);
	}
	if (json_object_object_get_ex(r, "ike", &ike)) {
		fprintf(f, "ike:");
		json_object_object_foreach(ike, k, v)
			fprintf(f, " %s %llu", k, (unsigned long long)json_object_get_uint64(v));
		fputc('\n', f);
	}
}

static void print_pool(FILE *f, struct json_object *p)
{
	fprintf(f, "%s %s-%s size %llu used %llu free %llu\n", jstr(p, "name"), jstr(p, "first"),
		jstr(p, "last"), jnum(p, "size"), jnum(p, "used"), jnum(p, "free"));
}

/* One line per ISAKMP SA and one per connection, key=value. */
static void print_ike_sa(FILE *f, struct json_object *s)
{
	struct json_object *conns = jarr(s, "conns");

	fprintf(f, "ike id=%llu state=%s peer=%s[%llu] role=%s mode=%s alg=%s natt=%s dpd=%s "
		"age=%llu label=%s\n", jnum(s, "id"), jstr(s, "state"), jstr(s, "peer"),
		jnum(s, "port"), jstr(s, "role"), jstr(s, "mode"), jstr(s, "alg"),
		jbool(s, "natt") ? "yes" : "no", jbool(s, "dpd") ? "yes" : "no", jnum(s, "age"),
		jstr(s, "label")[0] ? jstr(s, "label") : "-");
	for (size_t i = 0; conns && i < json_object_array_length(conns); i++) {
		struct json_object *c = json_object_array_get_idx(conns, i);

		fprintf(f, "  conn id=%llu local=%s remote=%s spi_in=%s spi_out=%s alg=%s "
			"rekeys=%llu\n", jnum(c, "id"), jstr(c, "local"), jstr(c, "remote"),
			jstr(c, "spi_in"), jstr(c, "spi_out"), jstr(c, "alg"), jnum(c, "rekeys"));
	}
}

static int print_result(struct evsadm *ctx, const struct evsadm_ctl_req *req,
			struct json_object *res)
{
	const char *key = NULL;
	struct json_object *arr;

	if (!strcmp(req->command, "reload"))
		return EVSADM_EXIT_OK;
	if (!strcmp(req->command, "ha")) {
		struct json_object *st;

		if (ctx->opt.json) {
			evsadm_json_emit(ctx, json_object_get(res));
			return EVSADM_EXIT_OK;
		}
		fprintf(ctx->out, "role %s  peer %s (%s)  synced %s  records %llu\n",
			jstr(res, "role"), jstr(res, "peer"), jstr(res, "peer_role"),
			jbool(res, "synced") ? "yes" : "no", jnum(res, "records"));
		if (json_object_object_get_ex(res, "stats", &st)) {
			fprintf(ctx->out, "stats:");
			json_object_object_foreach(st, k, v)
				fprintf(ctx->out, " %s %llu", k,
					(unsigned long long)json_object_get_uint64(v));
			fputc('\n', ctx->out);
		}
		return EVSADM_EXIT_OK;
	}
	if (!strcmp(req->command, "daemon-show")) {
		if (ctx->opt.json)
			evsadm_json_emit(ctx, json_object_get(res));
		else
			print_daemon(ctx->out, res);
		return EVSADM_EXIT_OK;
	}
	key = !strcmp(req->command, "session-show") ? "sessions" :
	      !strcmp(req->command, "session-del") ? "deleted" :
	      !strcmp(req->command, "pool-show") ? "pools" : "sas";
	arr = jarr(res, key);
	if (!arr)
		return evsadm_fail(ctx, "evsd sent no \"%s\"", key);
	if (ctx->opt.json) {
		evsadm_json_emit(ctx, json_object_get(arr));
		return EVSADM_EXIT_OK;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		if (!strcmp(key, "sessions"))
			evsadm_session_print(ctx->out, o, ctx->opt.stats);
		else if (!strcmp(key, "deleted"))
			fprintf(ctx->out, "session %llu ended\n",
				(unsigned long long)json_object_get_uint64(o));
		else if (!strcmp(key, "pools"))
			print_pool(ctx->out, o);
		else
			print_ike_sa(ctx->out, o);
	}
	return EVSADM_EXIT_OK;
}

int evsadm_ctl_parsed(struct evsadm *ctx, bool bad, struct evsadm_ctl_req *req,
		      const char *usage, const struct evs_err *e)
{
	if (!bad && !req->help)
		return -1;
	json_object_put(req->args);
	if (bad)
		return evsadm_usage_error(ctx, e);
	fputs(usage, ctx->out);
	return EVSADM_EXIT_OK;
}

int evsadm_ctl(struct evsadm *ctx, int argc, char **argv)
{
	const char *usage = !strcmp(argv[0], "session") ? evsadm_session_usage :
			    !strcmp(argv[0], "daemon") ? evsadm_daemon_usage :
			    !strcmp(argv[0], "pool") ? evsadm_pool_usage :
			    !strcmp(argv[0], "reload") ? evsadm_reload_usage : evsadm_ike_usage;
	struct evsadm_ctl_req req;
	struct json_object *ans, *res;
	struct evs_err e;
	int rc;

	ctx->verb = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	rc = evsadm_ctl_parsed(ctx, evsadm_ctl_parse(argc, argv, &req, &e), &req, usage, &e);
	if (rc >= 0)
		return rc;
	ctx->opt.stats += req.opt.stats;
	ctx->opt.json |= req.opt.json;
	ctx->opt.pretty |= req.opt.pretty;
	ans = evs_ctl_call(ctx->opt.socket ? ctx->opt.socket : EVS_CTL_PATH, req.command,
			   req.args, CTL_CALL_TIMEOUT_MS, &e);
	json_object_put(req.args);
	if (!ans)
		return evsadm_fail(ctx, "%s", e.msg);
	res = evs_ctl_result(ans, &e);
	rc = res ? print_result(ctx, &req, res) : evsadm_fail(ctx, "evsd: %s", e.msg);
	json_object_put(ans);
	return rc;
}
