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


int evsadm_conn_parse(int argc, char **argv, struct evsadm_conn_req *req, struct evs_err *e)
{
	struct evsadm_args a = { argc, argv, 0 };
	struct evs_conn_info *c = &req->conn;
	const char *kw;

	if (evsadm_obj_start(&evsadm_conn_obj, &a, req, sizeof(*req), &req->op, e))
		return -1;
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
	bool dump = req->op == EVSADM_OP_SHOW && !EVS_HAS(&req->conn, EVS_CONN_A_ID);
	struct nlmsghdr *nlh = evsadm_obj_msg(&evsadm_conn_obj, req->op, family, buf, dump);

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

static int conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evsadm_show_ctx *sc = data;
	struct evs_conn_info c;

	if (evs_msg_parse_conn(nlh, &c))
		return MNL_CB_ERROR;
	if (sc->json)
		evs_json_list_add(sc->json, evs_json_conn(&c));
	else
		evsadm_conn_print(sc->ctx->out, &c);
	return MNL_CB_OK;
}

static struct nlmsghdr *conn_msg(struct evsadm_show_ctx *sc, void *r, void *buf)
{
	struct evsadm_conn_req *req = r;

	/* `conn show ID` is one object, `conn show` a list. */
	sc->single = EVS_HAS(&req->conn, EVS_CONN_A_ID);
	return evsadm_conn_build(req, 0, buf);
}

EVSADM_OBJ_CMD(conn, conn_msg, conn_cb)
