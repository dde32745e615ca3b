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
	const char *kw;

	if (evsadm_obj_start(&evsadm_route_obj, &a, req, sizeof(*req), &req->op, e))
		return -1;
	if (req->op != EVSADM_OP_SHOW) {
		if (evs_parse_prefix("PREFIX", evsadm_arg_next(&a), 0, true, &rt->dst, e))
			return -1;
		EVS_SET(rt, EVS_ROUTE_A_DST);
	}
	while ((kw = evsadm_arg_next(&a))) {
		bool change = req->op != EVSADM_OP_SHOW;

		if (!strcmp(kw, "dev")) {
			if (evsadm_parse_dev(kw, &a, req->dev, e))
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
	bool show = req->op == EVSADM_OP_SHOW;
	struct nlmsghdr *nlh = evsadm_obj_msg(&evsadm_route_obj, req->op, family, buf, show);

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

static struct nlmsghdr *route_msg(struct evsadm_show_ctx *sc, void *r, void *buf)
{
	struct evsadm_route_req *req = r;

	if (evsadm_obj_dev(sc, req->dev, &req->rt.ifindex, &req->rt.has,
			   EVS_ROUTE_A_IFINDEX))
		return NULL;
	sc->conn_id = req->rt.conn_id;
	return evsadm_route_build(req, 0, buf);
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm_show_ctx *sc = data;
	struct evs_route_info rt;
	char dev[IF_NAMESIZE + 8];

	if (evs_msg_parse_route(nlh, &rt))
		return MNL_CB_ERROR;
	if (evsadm_show_skip(sc, rt.ifindex, rt.conn_id))
		return MNL_CB_OK;
	if (sc->json) {
		evs_json_list_add(sc->json, evs_json_route(&rt, evsadm_ifname(rt.ifindex, dev)));
	} else {
		evsadm_route_print(sc->ctx->out, &rt);
		fputc('\n', sc->ctx->out);
	}
	return MNL_CB_OK;
}

EVSADM_OBJ_CMD(route, route_msg, route_cb)
