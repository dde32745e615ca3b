// SPDX-License-Identifier: MIT
/* evsadm conn: connection objects grouping a client's SAs, policies,
 * routes and proxy-ARP entries; deleting one removes all of them. */
#include <string.h>

#include "evsadm/evsadm.h"

const char evsadm_conn_usage[] =
"Usage: evsadm conn add ID [label TEXT]\n"
"       evsadm conn del ID       (removes its SAs, policies, routes, proxy-ARP entries)\n"
"       evsadm conn show [ID]\n"
"       evsadm conn flush\n"
"ID   := 1..4294967295, chosen by the caller (evsd uses one per client)\n"
"TEXT := up to 64 characters (the user name, say)\n";

static const char *const conn_verbs[] = { "add", "del", "show", "list", "flush", NULL };
static const enum evsadm_op conn_ops[] = { EVSADM_OP_ADD, EVSADM_OP_DEL, EVSADM_OP_SHOW,
					   EVSADM_OP_SHOW, EVSADM_OP_FLUSH };

int evsadm_conn_parse(int argc, char **argv, struct evsadm_conn_req *req, struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	struct evs_conn_info *c = &req->conn;
	const char *kw;
	int v;

	memset(req, 0, sizeof(*req));
	v = evsadm_verb(evsadm_arg_next(&a), conn_verbs, "conn", e);
	if (v < 0)
		return -1;
	req->op = conn_ops[v];
	if (req->op == EVSADM_OP_FLUSH)
		goto tail;
	kw = evsadm_arg_next(&a);
	if (!kw) {
		if (req->op == EVSADM_OP_SHOW)
			return 0;
		return evs_errf(e, "missing ID");
	}
	if (evsadm_parse_conn_id("ID", kw, &c->id, e))
		return -1;
	EVS_SET(c, EVS_CONN_A_ID);
	if (req->op == EVSADM_OP_ADD) {
		while ((kw = evsadm_arg_next(&a))) {
			if (strcmp(kw, "label"))
				return evs_errf(e, "unknown keyword \"%s\"", kw);
			if (evsadm_once(&c->has, EVS_CONN_A_LABEL, kw, e) ||
			    evsadm_parse_text(kw, evsadm_arg_next(&a), c->label,
					      EVS_LABEL_MAX, e))
				return -1;
		}
	}
tail:
	kw = evsadm_arg_next(&a);
	if (kw)
		return evs_errf(e, "unexpected \"%s\"", kw);
	return 0;
}

struct nlmsghdr *evsadm_conn_build(const struct evsadm_conn_req *req, uint16_t family,
				   void *buf)
{
	static const uint8_t cmds[] = {
		[EVSADM_OP_ADD] = EVS_CMD_CONN_ADD,
		[EVSADM_OP_DEL] = EVS_CMD_CONN_DEL,
		[EVSADM_OP_SHOW] = EVS_CMD_CONN_GET,
		[EVSADM_OP_FLUSH] = EVS_CMD_CONN_FLUSH,
	};
	bool dump = req->op == EVSADM_OP_SHOW && !EVS_HAS(&req->conn, EVS_CONN_A_ID);
	struct nlmsghdr *nlh = evs_nl_msg_start(buf, family, cmds[req->op], EVS_GENL_VERSION,
						 dump ? NLM_F_DUMP : 0);

	if (req->conn.has)
		evs_msg_put_conn(nlh, &req->conn);
	return nlh;
}

void evsadm_conn_print(FILE *f, const struct evs_conn_info *c)
{
	fprintf(f, "conn %u", c->id);
	if (EVS_HAS(c, EVS_CONN_A_LABEL))
		fprintf(f, " label \"%s\"", c->label);
	fprintf(f, " sas %u policies %u routes %u proxy-arp %u\n",
		c->n_sa, c->n_policy, c->n_route, c->n_proxy_arp);
}

struct show_ctx {
	struct evsadm *ctx;
	struct json_object *arr;
};

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show_ctx *sc = data;
	struct evs_conn_info c;

	if (evs_msg_parse_conn(nlh, &c))
		return MNL_CB_ERROR;
	if (sc->arr)
		json_object_array_add(sc->arr, evs_json_conn(&c));
	else
		evsadm_conn_print(sc->ctx->out, &c);
	return MNL_CB_OK;
}

int evsadm_conn(struct evsadm *ctx, int argc, char **argv)
{
	struct evsadm_conn_req req;
	struct show_ctx sc = { .ctx = ctx };
	char buf[EVS_NL_BUFSZ];
	struct nlmsghdr *nlh;
	struct evs_err e;

	ctx->verb = evsadm_verb_name(argc > 1 ? argv[1] : NULL, conn_verbs);
	if (evsadm_conn_parse(argc - 1, argv + 1, &req, &e))
		return evsadm_usage_error(ctx, &e);
	nlh = evsadm_conn_build(&req, 0, buf);
	if (req.op != EVSADM_OP_SHOW)
		return evsadm_request(ctx, nlh, NULL, NULL);
	/* `conn show ID` is one object, `conn show` a list. */
	return evsadm_show(ctx, nlh, conn_cb, &sc, &sc.arr, EVS_HAS(&req.conn, EVS_CONN_A_ID));
}
