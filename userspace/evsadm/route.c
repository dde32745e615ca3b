// SPDX-License-Identifier: MIT
/* evsadm route: RRI routes into an evs device, owned by a connection
 * (installed by the module as real kernel routes, proto evs). */
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_route_usage[] =
"Usage: evsadm route add PREFIX dev DEV conn ID [metric N] [table TABLE]\n"
"       evsadm route del PREFIX [dev DEV] [metric N] [table TABLE]\n"
"       evsadm route show [dev DEV] [conn ID]\n"
"PREFIX := ADDR[/LEN] | default (host bits must be zero)\n"
"TABLE  := main | local | default | 1..4294967295 (default: main)\n";

static const char *const route_verbs[] = { "add", "del", "show", "list", NULL };
static const enum evsadm_op route_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					    EVSADM_OP_SHOW };

static int parse_table(const char *kw, const char *word, uint32_t *table, struct evs_err *e)
{
	if (word && !strcmp(word, "main"))
		*table = 254;		/* RT_TABLE_MAIN */
	else if (word && !strcmp(word, "local"))
		*table = 255;
	else if (word && !strcmp(word, "default"))
		*table = 253;
	else
		return evs_parse_u32(kw, word, 1, UINT32_MAX, table, e);
	return 0;
}

int evsadm_route_parse(int argc, char **argv, struct evsadm_route_req *req,
		       struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	struct evs_route_info *rt = &req->rt;
	uint64_t seen = 0;
	const char *kw;
	int v;

	memset(req, 0, sizeof(*req));
	v = evsadm_verb(evsadm_arg_next(&a), route_verbs, "route", e);
	if (v < 0)
		return -1;
	req->op = route_ops[v];
	if (req->op != EVSADM_OP_SHOW) {
		if (evs_parse_prefix("PREFIX", evsadm_arg_next(&a), 0, true, &rt->dst, e))
			return -1;
		EVS_SET(rt, EVS_ROUTE_A_DST);
	}
	while ((kw = evsadm_arg_next(&a))) {
		bool change = req->op != EVSADM_OP_SHOW;

		if (!strcmp(kw, "dev")) {
			if (evsadm_once(&seen, 0, kw, e) ||
			    evs_parse_ifname(kw, evsadm_arg_next(&a), req->dev, e))
				return -1;
		} else if (!strcmp(kw, "conn") && req->op != EVSADM_OP_DEL) {
			if (evsadm_once(&rt->has, EVS_ROUTE_A_CONN_ID, kw, e) ||
			    evsadm_parse_conn_id(kw, evsadm_arg_next(&a), &rt->conn_id, e))
				return -1;
		} else if (!strcmp(kw, "metric") && change) {
			if (evsadm_once(&rt->has, EVS_ROUTE_A_METRIC, kw, e) ||
			    evs_parse_u32(kw, evsadm_arg_next(&a), 0, UINT32_MAX, &rt->metric, e))
				return -1;
		} else if (!strcmp(kw, "table") && change) {
			if (evsadm_once(&rt->has, EVS_ROUTE_A_TABLE, kw, e) ||
			    parse_table(kw, evsadm_arg_next(&a), &rt->table, e))
				return -1;
		} else {
			return evs_errf(e, "unknown keyword \"%s\"", kw);
		}
	}
	if (req->op == EVSADM_OP_ADD) {
		if (!req->dev[0])
			return evs_errf(e, "missing \"dev DEV\"");
		if (!EVS_HAS(rt, EVS_ROUTE_A_CONN_ID))
			return evs_errf(e, "missing \"conn ID\" (a route lives and dies with its connection)");
	}
	return 0;
}

struct nlmsghdr *evsadm_route_build(const struct evsadm_route_req *req, uint16_t family,
				    void *buf)
{
	static const uint8_t cmds[] = {
		[EVSADM_OP_ADD] = EVS_CMD_ROUTE_ADD,
		[EVSADM_OP_DEL] = EVS_CMD_ROUTE_DEL,
		[EVSADM_OP_SHOW] = EVS_CMD_ROUTE_GET,
	};
	bool show = req->op == EVSADM_OP_SHOW;
	struct nlmsghdr *nlh = evs_nl_msg_start(buf, family, cmds[req->op], EVS_GENL_VERSION,
						 show ? NLM_F_DUMP : 0);

	/* A dump takes no selector: show filters on our side. */
	if (!show)
		evs_msg_put_route(nlh, &req->rt);
	return nlh;
}

void evsadm_route_print(FILE *f, const struct evs_route_info *rt)
{
	char d[EVS_INADDR_STRLEN], dev[IF_NAMESIZE + 8];

	fprintf(f, "%s dev %s conn %u", evs_inaddr_ntop(&rt->dst, d, sizeof(d)),
		evsadm_ifname(rt->ifindex, dev), rt->conn_id);
	if (EVS_HAS(rt, EVS_ROUTE_A_METRIC))
		fprintf(f, " metric %u", rt->metric);
	if (EVS_HAS(rt, EVS_ROUTE_A_TABLE) && rt->table != 254)
		fprintf(f, " table %u", rt->table);
}

struct show_ctx {
	struct evsadm *ctx;
	uint32_t ifindex, conn_id;
	struct json_object *arr;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *sc = data;
	struct evs_route_info rt;
	char dev[IF_NAMESIZE + 8];

	if (evs_msg_parse_route(nlh, &rt))
		return MNL_CB_ERROR;
	if ((sc->ifindex && rt.ifindex != sc->ifindex) ||
	    (sc->conn_id && rt.conn_id != sc->conn_id))
		return MNL_CB_OK;
	if (sc->arr) {
		json_object_array_add(sc->arr, evs_json_route(&rt, evsadm_ifname(rt.ifindex, dev)));
	} else {
		evsadm_route_print(sc->ctx->out, &rt);
		fputc('\n', sc->ctx->out);
	}
	return MNL_CB_OK;
}

int evsadm_route(struct evsadm *ctx, int argc, char **argv)
{
	struct evsadm_route_req req;
	struct show_ctx sc = { .ctx = ctx };
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh;
	struct evs_err e;

	ctx->verb = evsadm_verb_name(argc > 1 ? argv[1] : NULL, route_verbs);
	if (evsadm_route_parse(argc - 1, argv + 1, &req, &e))
		return evsadm_usage_error(ctx, &e);
	if (req.dev[0]) {
		if (evsadm_ifindex(ctx, req.dev, &req.rt.ifindex))
			return EVSADM_EXIT_FAIL;
		EVS_SET(&req.rt, EVS_ROUTE_A_IFINDEX);
	}
	nlh = evsadm_route_build(&req, 0, buf);
	if (req.op != EVSADM_OP_SHOW)
		return evsadm_request(ctx, nlh, NULL, NULL);
	sc.ifindex = req.rt.ifindex;
	sc.conn_id = req.rt.conn_id;
	return evsadm_show(ctx, nlh, route_cb, &sc, &sc.arr, false);
}
